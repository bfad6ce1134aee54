; lemma: triangle_sq_1
; Triangle inequality in squared form, dimension 1: if α, β ≥ 0, ‖p‖² ≤ α², ‖q‖² ≤ β² then ‖p + q‖²
; ≤ (α + β)². (Dimension 3 times out in one query; there it follows from cauchy_schwarz_3 and the
; expansion ‖p + q‖² = ‖p‖² + 2 p·q + ‖q‖².)
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; triangle_sq_1
(set-info :status unsat)
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
 (<= (* p0 p0) (* alpha alpha)))
(assert
 (<= (* q0 q0) (* beta beta)))
(assert
 (let (($x22 (<= (* (+ p0 q0) (+ p0 q0)) (* (+ alpha beta) (+ alpha beta)))))
(not $x22)))
(check-sat)
