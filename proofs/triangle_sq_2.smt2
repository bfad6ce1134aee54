; lemma: triangle_sq_2
; Triangle inequality in squared form, dimension 2: if α, β ≥ 0, ‖p‖² ≤ α², ‖q‖² ≤ β² then ‖p + q‖²
; ≤ (α + β)². (Dimension 3 times out in one query; there it follows from cauchy_schwarz_3 and the
; expansion ‖p + q‖² = ‖p‖² + 2 p·q + ‖q‖².)
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; triangle_sq_2
(set-info :status unsat)
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
 (<= (+ (* p0 p0) (* p1 p1)) (* alpha alpha)))
(assert
 (<= (+ (* q0 q0) (* q1 q1)) (* beta beta)))
(assert
 (let ((?x30 (+ (* (+ p0 q0) (+ p0 q0)) (* (+ p1 q1) (+ p1 q1)))))
(not (<= ?x30 (* (+ alpha beta) (+ alpha beta))))))
(check-sat)
