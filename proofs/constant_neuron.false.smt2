; lemma: constant_neuron.false
; FALSE variant (hypothesis β > 0 dropped): for all β, z, σ(0·z + β) = β.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; constant_neuron.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun beta () Real)
(declare-fun z () Real)
(assert
 (let ((?x9 (+ (* 0.0 z) beta)))
(not (= (ite (> ?x9 0.0) ?x9 0.0) beta))))
(check-sat)
