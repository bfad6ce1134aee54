; lemma: relu_lipschitz_3
; ReLU is 1-Lipschitz in ℓ2, dimension 3 (docs/composition.md §2): ‖σ(a) − σ(b)‖² ≤ ‖a − b‖².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_lipschitz_3
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun b2 () Real)
(declare-fun a2 () Real)
(declare-fun b1 () Real)
(declare-fun a1 () Real)
(declare-fun b0 () Real)
(declare-fun a0 () Real)
(assert
 (let ((?x38 (+ (* (- a0 b0) (- a0 b0)) (* (- a1 b1) (- a1 b1)) (* (- a2 b2) (- a2 b2)))))
(let ((?x26 (- (ite (> a2 0.0) a2 0.0) (ite (> b2 0.0) b2 0.0))))
(let ((?x21 (- (ite (> a1 0.0) a1 0.0) (ite (> b1 0.0) b1 0.0))))
(let ((?x16 (- (ite (> a0 0.0) a0 0.0) (ite (> b0 0.0) b0 0.0))))
(not (<= (+ (* ?x16 ?x16) (* ?x21 ?x21) (* ?x26 ?x26)) (* 1.0 ?x38))))))))
(check-sat)
