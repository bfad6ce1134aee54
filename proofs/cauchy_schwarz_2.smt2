; lemma: cauchy_schwarz_2
; Cauchy–Schwarz, dimension 2: if α, β ≥ 0, ‖p‖² ≤ α², ‖q‖² ≤ β² then p·q ≤ α β.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; cauchy_schwarz_2
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
 (not (<= (+ (* p0 q0) (* p1 q1)) (* alpha beta))))
(check-sat)
