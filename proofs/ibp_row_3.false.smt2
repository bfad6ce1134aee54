; lemma: ibp_row_3.false
; FALSE variant (dimension 3, signs ignored in the upper bound): ... Σ_j w_j h_j + b ≤ Σ_j w_j u_j
; + b.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; ibp_row_3.false
(set-info :status sat)
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
 (let ((?x40 (+ (+ (* w0 h0) (* w1 h1) (* w2 h2)) b)))
(let ((?x59 (+ (* (ite (> w2 0.0) w2 0.0) l2) (* (ite (< w2 0.0) w2 0.0) u2))))
(let ((?x56 (+ (* (ite (> w1 0.0) w1 0.0) l1) (* (ite (< w1 0.0) w1 0.0) u1))))
(let ((?x53 (+ (* (ite (> w0 0.0) w0 0.0) l0) (* (ite (< w0 0.0) w0 0.0) u0))))
(let (($x47 (and (<= ?x40 (+ (+ (* w0 u0) (* w1 u1) (* w2 u2)) b)) (<= (+ (+ ?x53 ?x56 ?x59) b) ?x40))))
(not $x47)))))))
(check-sat)
