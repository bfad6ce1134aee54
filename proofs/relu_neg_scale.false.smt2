; lemma: relu_neg_scale.false
; FALSE variant (wrong side): for u < 0, σ(u z) = |u| σ(z).
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_neg_scale.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun u () Real)
(declare-fun z () Real)
(assert
 (< u 0.0))
(assert
 (let (($x17 (= (ite (> (* u z) 0.0) (* u z) 0.0) (* (ite (< u 0.0) (- u) u) (ite (> z 0.0) z 0.0)))))
(not $x17)))
(check-sat)
