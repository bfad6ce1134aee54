; lemma: ibp_row_3
; Interval bound propagation of one row in dimension 3 (docs/tighter.md §2, Lemma 1): for all w_j,
; b and l_j ≤ h_j ≤ u_j, Σ_j (max(w_j, 0) l_j + min(w_j, 0) u_j) + b ≤ Σ_j w_j h_j + b ≤ Σ_j
; (max(w_j, 0) u_j + min(w_j, 0) l_j) + b.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; ibp_row_3
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun u0 () Real)
(declare-fun h0 () Real)
(declare-fun l0 () Real)
(declare-fun u1 () Real)
(declare-fun h1 () Real)
(declare-fun l1 () Real)
(declare-fun u2 () Real)
(declare-fun h2 () Real)
(declare-fun l2 () Real)
(declare-fun b () Real)
(declare-fun w2 () Real)
(declare-fun w1 () Real)
(declare-fun w0 () Real)
(assert
 (and (<= l0 h0) (<= h0 u0)))
(assert
 (and (<= l1 h1) (<= h1 u1)))
(assert
 (and (<= l2 h2) (<= h2 u2)))
(assert
 (let ((?x66 (+ (+ (* w0 h0) (* w1 h1) (* w2 h2)) b)))
(let ((?x59 (+ (* (ite (> w2 0.0) w2 0.0) l2) (* (ite (< w2 0.0) w2 0.0) u2))))
(let ((?x56 (+ (* (ite (> w1 0.0) w1 0.0) l1) (* (ite (< w1 0.0) w1 0.0) u1))))
(let ((?x53 (+ (* (ite (> w0 0.0) w0 0.0) l0) (* (ite (< w0 0.0) w0 0.0) u0))))
(let ((?x48 (+ (* (ite (> w2 0.0) w2 0.0) u2) (* (ite (< w2 0.0) w2 0.0) l2))))
(let ((?x41 (+ (* (ite (> w1 0.0) w1 0.0) u1) (* (ite (< w1 0.0) w1 0.0) l1))))
(let ((?x34 (+ (* (ite (> w0 0.0) w0 0.0) u0) (* (ite (< w0 0.0) w0 0.0) l0))))
(let (($x69 (and (<= ?x66 (+ (+ ?x34 ?x41 ?x48) b)) (<= (+ (+ ?x53 ?x56 ?x59) b) ?x66))))
(not $x69))))))))))
(check-sat)
