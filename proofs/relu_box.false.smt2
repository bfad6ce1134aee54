; lemma: relu_box.false
; FALSE variant (σ dropped from the upper end): l ≤ y ≤ u implies σ(l) ≤ σ(y) ≤ u.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_box.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun y () Real)
(declare-fun l () Real)
(declare-fun u () Real)
(assert
 (<= l y))
(assert
 (<= y u))
(assert
 (let (($x17 (and (<= (ite (> l 0.0) l 0.0) (ite (> y 0.0) y 0.0)) (<= (ite (> y 0.0) y 0.0) u))))
(not $x17)))
(check-sat)
