; lemma: ibp_row_2
; Interval bound propagation of one row in dimension 2 (docs/tighter.md §2, Lemma 1): for all w_j,
; b and l_j ≤ h_j ≤ u_j, Σ_j (max(w_j, 0) l_j + min(w_j, 0) u_j) + b ≤ Σ_j w_j h_j + b ≤ Σ_j
; (max(w_j, 0) u_j + min(w_j, 0) l_j) + b.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; ibp_row_2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun u0 () Real)
(declare-fun h0 () Real)
(declare-fun l0 () Real)
(declare-fun u1 () Real)
(declare-fun h1 () Real)
(declare-fun l1 () Real)
(declare-fun b () Real)
(declare-fun w1 () Real)
(declare-fun w0 () Real)
(assert
 (and (<= l0 h0) (<= h0 u0)))
(assert
 (and (<= l1 h1) (<= h1 u1)))
(assert
 (let ((?x48 (+ (+ (* w0 h0) (* w1 h1)) b)))
(let ((?x42 (+ (* (ite (> w1 0.0) w1 0.0) l1) (* (ite (< w1 0.0) w1 0.0) u1))))
(let ((?x39 (+ (* (ite (> w0 0.0) w0 0.0) l0) (* (ite (< w0 0.0) w0 0.0) u0))))
(let ((?x34 (+ (* (ite (> w1 0.0) w1 0.0) u1) (* (ite (< w1 0.0) w1 0.0) l1))))
(let ((?x27 (+ (* (ite (> w0 0.0) w0 0.0) u0) (* (ite (< w0 0.0) w0 0.0) l0))))
(let (($x51 (and (<= ?x48 (+ (+ ?x27 ?x34) b)) (<= (+ (+ ?x39 ?x42) b) ?x48))))
(not $x51))))))))
(check-sat)
