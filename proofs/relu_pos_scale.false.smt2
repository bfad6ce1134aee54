; lemma: relu_pos_scale.false
; FALSE variant (hypothesis u > 0 dropped): for all u, z, σ(u z) = u σ(z).
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_pos_scale.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun z () Real)
(declare-fun u () Real)
(assert
 (let (($x14 (= (ite (> (* u z) 0.0) (* u z) 0.0) (* u (ite (> z 0.0) z 0.0)))))
(not $x14)))
(check-sat)
