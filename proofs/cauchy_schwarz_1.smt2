; lemma: cauchy_schwarz_1
; Cauchy–Schwarz, dimension 1: if α, β ≥ 0, ‖p‖² ≤ α², ‖q‖² ≤ β² then p·q ≤ α β.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; cauchy_schwarz_1
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
 (not (<= (* p0 q0) (* alpha beta))))
(check-sat)
