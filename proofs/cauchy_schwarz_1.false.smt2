; lemma: cauchy_schwarz_1.false
; FALSE variant (dimension 1, factor 1/2): ... then p·q ≤ α β / 2.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; cauchy_schwarz_1.false
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
 (<= (* p0 p0) (* alpha alpha)))
(assert
 (<= (* q0 q0) (* beta beta)))
(assert
 (not (<= (* p0 q0) (/ (* alpha beta) 2.0))))
(check-sat)
