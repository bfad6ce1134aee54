; lemma: relu_pos_scale
; Positive scaling (docs/gadgets.md §2): for u > 0 and all z, σ(u z) = u σ(z).
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_pos_scale
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun u () Real)
(declare-fun z () Real)
(assert
 (> u 0.0))
(assert
 (let (($x15 (= (ite (> (* u z) 0.0) (* u z) 0.0) (* u (ite (> z 0.0) z 0.0)))))
(not $x15)))
(check-sat)
