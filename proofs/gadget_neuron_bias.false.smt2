; lemma: gadget_neuron_bias.false
; FALSE variant (bias kept): for u > 0, β > 0 and all z, σ(u z + β) = u σ(z).
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; gadget_neuron_bias.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun u () Real)
(declare-fun beta () Real)
(declare-fun z () Real)
(assert
 (> u 0.0))
(assert
 (> beta 0.0))
(assert
 (let ((?x12 (+ (* u z) beta)))
(let (($x18 (= (ite (> ?x12 0.0) ?x12 0.0) (* u (ite (> z 0.0) z 0.0)))))
(not $x18))))
(check-sat)
