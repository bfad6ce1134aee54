; lemma: relu_lipschitz_1
; ReLU is 1-Lipschitz in ℓ2, dimension 1 (docs/composition.md §2): ‖σ(a) − σ(b)‖² ≤ ‖a − b‖².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_lipschitz_1
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun b0 () Real)
(declare-fun a0 () Real)
(assert
 (let ((?x12 (- (ite (> a0 0.0) a0 0.0) (ite (> b0 0.0) b0 0.0))))
(not (<= (* ?x12 ?x12) (* 1.0 (* (- a0 b0) (- a0 b0)))))))
(check-sat)
