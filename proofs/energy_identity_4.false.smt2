; lemma: energy_identity_4.false
; FALSE variant (dimension 4, missing term): ‖σ(z)‖² = ‖z‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; energy_identity_4.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun z3 () Real)
(declare-fun z2 () Real)
(declare-fun z1 () Real)
(declare-fun z0 () Real)
(assert
 (let ((?x17 (ite (> z3 0.0) z3 0.0)))
(let ((?x15 (ite (> z2 0.0) z2 0.0)))
(let ((?x13 (ite (> z1 0.0) z1 0.0)))
(let ((?x11 (ite (> z0 0.0) z0 0.0)))
(let ((?x23 (+ (+ (* ?x11 ?x11) (* ?x13 ?x13) (* ?x15 ?x15) (* ?x17 ?x17)) 0.0)))
(let (($x29 (= ?x23 (+ (* z0 z0) (* z1 z1) (* z2 z2) (* z3 z3)))))
(not $x29))))))))
(check-sat)
