; lemma: relu_lipschitz_2
; ReLU is 1-Lipschitz in ℓ2, dimension 2 (docs/composition.md §2): ‖σ(a) − σ(b)‖² ≤ ‖a − b‖².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_lipschitz_2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun b1 () Real)
(declare-fun a1 () Real)
(declare-fun b0 () Real)
(declare-fun a0 () Real)
(assert
 (let ((?x28 (+ (* (- a0 b0) (- a0 b0)) (* (- a1 b1) (- a1 b1)))))
(let ((?x19 (- (ite (> a1 0.0) a1 0.0) (ite (> b1 0.0) b1 0.0))))
(let ((?x14 (- (ite (> a0 0.0) a0 0.0) (ite (> b0 0.0) b0 0.0))))
(not (<= (+ (* ?x14 ?x14) (* ?x19 ?x19)) (* 1.0 ?x28)))))))
(check-sat)
