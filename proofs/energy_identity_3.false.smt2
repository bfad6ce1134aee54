; lemma: energy_identity_3.false
; FALSE variant (dimension 3, missing term): ‖σ(z)‖² = ‖z‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; energy_identity_3.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun z2 () Real)
(declare-fun z1 () Real)
(declare-fun z0 () Real)
(assert
 (let ((?x14 (ite (> z2 0.0) z2 0.0)))
(let ((?x12 (ite (> z1 0.0) z1 0.0)))
(let ((?x10 (ite (> z0 0.0) z0 0.0)))
(let (($x24 (= (+ (+ (* ?x10 ?x10) (* ?x12 ?x12) (* ?x14 ?x14)) 0.0) (+ (* z0 z0) (* z1 z1) (* z2 z2)))))
(not $x24))))))
(check-sat)
