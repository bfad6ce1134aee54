; lemma: energy_identity_2.false
; FALSE variant (dimension 2, missing term): ‖σ(z)‖² = ‖z‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; energy_identity_2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun z1 () Real)
(declare-fun z0 () Real)
(assert
 (let ((?x11 (ite (> z1 0.0) z1 0.0)))
(let ((?x9 (ite (> z0 0.0) z0 0.0)))
(let (($x19 (= (+ (+ (* ?x9 ?x9) (* ?x11 ?x11)) 0.0) (+ (* z0 z0) (* z1 z1)))))
(not $x19)))))
(check-sat)
