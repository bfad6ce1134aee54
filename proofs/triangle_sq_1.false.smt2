; lemma: triangle_sq_1.false
; FALSE variant (dimension 1, cross term missing): ... then ‖p + q‖² ≤ α² + β².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; triangle_sq_1.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun alpha () Real)
(declare-fun beta () Real)
(declare-fun p0 () Real)
(declare-fun q0 () Real)
(assert
 (>= alpha 0.0))
(assert
 (>= beta 0.0))
(assert
 (let ((?x13 (* alpha alpha)))
 (<= (* p0 p0) ?x13)))
(assert
 (let ((?x16 (* beta beta)))
 (<= (* q0 q0) ?x16)))
(assert
 (let (($x21 (<= (* (+ p0 q0) (+ p0 q0)) (+ (* alpha alpha) (* beta beta)))))
(not $x21)))
(check-sat)
