; lemma: relu_neg_scale
; Negative scaling (docs/gadgets.md §2): for u < 0 and all z, σ(u z) = |u| σ(−z).
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_neg_scale
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun u () Real)
(declare-fun z () Real)
(assert
 (< u 0.0))
(assert
 (let ((?x17 (* (ite (< u 0.0) (- u) u) (ite (> (- z) 0.0) (- z) 0.0))))
(not (= (ite (> (* u z) 0.0) (* u z) 0.0) ?x17))))
(check-sat)
