; lemma: triangle_sq_2.false
; FALSE variant (dimension 2, cross term missing): ... then ‖p + q‖² ≤ α² + β².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; triangle_sq_2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun alpha () Real)
(declare-fun beta () Real)
(declare-fun p1 () Real)
(declare-fun p0 () Real)
(declare-fun q1 () Real)
(declare-fun q0 () Real)
(assert
 (>= alpha 0.0))
(assert
 (>= beta 0.0))
(assert
 (let ((?x17 (* alpha alpha)))
 (<= (+ (* p0 p0) (* p1 p1)) ?x17)))
(assert
 (let ((?x22 (* beta beta)))
 (<= (+ (* q0 q0) (* q1 q1)) ?x22)))
(assert
 (let ((?x29 (+ (* (+ p0 q0) (+ p0 q0)) (* (+ p1 q1) (+ p1 q1)))))
(not (<= ?x29 (+ (* alpha alpha) (* beta beta))))))
(check-sat)
