; lemma: relu_lipschitz_1.false
; FALSE variant (dimension 1, constant 1/2): ‖σ(a) − σ(b)‖² ≤ ‖a − b‖² / 4.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_lipschitz_1.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun b0 () Real)
(declare-fun a0 () Real)
(assert
 (let ((?x12 (- (ite (> a0 0.0) a0 0.0) (ite (> b0 0.0) b0 0.0))))
(not (<= (* ?x12 ?x12) (* (/ 1.0 4.0) (* (- a0 b0) (- a0 b0)))))))
(check-sat)
