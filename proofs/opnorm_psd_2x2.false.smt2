; lemma: opnorm_psd_2x2.false
; FALSE variant (determinant condition dropped): diagonal entries of ω² I − WᵀW ≥ 0 alone imply ‖W
; v‖² ≤ ω² ‖v‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; opnorm_psd_2x2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun omega () Real)
(declare-fun W1_0 () Real)
(declare-fun W0_0 () Real)
(declare-fun W1_1 () Real)
(declare-fun W0_1 () Real)
(declare-fun v1 () Real)
(declare-fun v0 () Real)
(assert
 (>= omega 0.0))
(assert
 (>= (- (* omega omega) (+ (* W0_0 W0_0) (* W1_0 W1_0))) 0.0))
(assert
 (>= (- (* omega omega) (+ (* W0_1 W0_1) (* W1_1 W1_1))) 0.0))
(assert
 (let ((?x33 (+ (* W1_0 v0) (* W1_1 v1))))
(let ((?x30 (+ (* W0_0 v0) (* W0_1 v1))))
(let (($x41 (<= (+ (* ?x30 ?x30) (* ?x33 ?x33)) (* (* omega omega) (+ (* v0 v0) (* v1 v1))))))
(not $x41)))))
(check-sat)
