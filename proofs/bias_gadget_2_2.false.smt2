; lemma: bias_gadget_2_2.false
; FALSE variant (2 gadget and 2 constant neurons, sign of b flipped in the error term): ... |y(z) −
; (w z + b)| ≤ |P − w| σ(z) + |Q + w| σ(−z) + |C + b|.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; bias_gadget_2_2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun beta0 () Real)
(declare-fun beta1 () Real)
(declare-fun b () Real)
(declare-fun beta_out () Real)
(declare-fun w_c1 () Real)
(declare-fun w_c0 () Real)
(declare-fun z () Real)
(declare-fun w () Real)
(declare-fun u1 () Real)
(declare-fun v1 () Real)
(declare-fun u0 () Real)
(declare-fun v0 () Real)
(assert
 (> beta0 0.0))
(assert
 (> beta1 0.0))
(assert
 (let ((?x58 (+ (+ (* w_c0 beta0) (* w_c1 beta1)) beta_out)))
(let ((?x80 (+ ?x58 b)))
(let ((?x62 (- z)))
(let ((?x64 (ite (> ?x62 0.0) ?x62 0.0)))
(let (($x49 (< u1 0.0)))
(let (($x44 (< u0 0.0)))
(let ((?x54 (+ (ite $x44 (* v0 (ite $x44 (- u0) u0)) 0.0) (ite $x49 (* v1 (ite $x49 (- u1) u1)) 0.0))))
(let ((?x74 (+ ?x54 w)))
(let ((?x60 (ite (> z 0.0) z 0.0)))
(let ((?x43 (+ (ite (> u0 0.0) (* v0 u0) 0.0) (ite (> u1 0.0) (* v1 u1) 0.0))))
(let ((?x72 (- ?x43 w)))
(let ((?x92 (+ (* (ite (< ?x72 0.0) (- ?x72) ?x72) ?x60) (* (ite (< ?x74 0.0) (- ?x74) ?x74) ?x64))))
(let ((?x26 (* 0.0 z)))
(let ((?x31 (+ ?x26 beta1)))
(let ((?x35 (+ (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (* v1 (ite (> (* u1 z) 0.0) (* u1 z) 0.0)) (* w_c0 (ite (> (+ ?x26 beta0) 0.0) (+ ?x26 beta0) 0.0)) (* w_c1 (ite (> ?x31 0.0) ?x31 0.0)))))
(let ((?x36 (+ ?x35 beta_out)))
(let ((?x71 (- ?x36 (+ (* w z) b))))
(let (($x97 (<= (ite (< ?x71 0.0) (- ?x71) ?x71) (+ ?x92 (ite (< ?x80 0.0) (- ?x80) ?x80)))))
(let (($x100 (and (= ?x36 (+ (+ (* ?x43 ?x60) (* ?x54 ?x64)) ?x58)) (= ?x71 (+ (+ (* ?x72 ?x60) (* ?x74 ?x64)) (- ?x58 b))) $x97)))
(not $x100)))))))))))))))))))))
(check-sat)
