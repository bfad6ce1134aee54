; lemma: energy_identity_1.false
; FALSE variant (dimension 1, missing term): ‖σ(z)‖² = ‖z‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; energy_identity_1.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun z0 () Real)
(assert
 (let ((?x8 (ite (> z0 0.0) z0 0.0)))
(not (= (+ (* ?x8 ?x8) 0.0) (* z0 z0)))))
(check-sat)
