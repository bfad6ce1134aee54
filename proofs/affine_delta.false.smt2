; lemma: affine_delta.false
; FALSE variant (β missing): with the same links, e_out ≤ η ρ + ω δ.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; affine_delta.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun e_out () Real)
(declare-fun e_pre () Real)
(declare-fun n_g () Real)
(declare-fun n_e () Real)
(declare-fun n_q () Real)
(declare-fun r () Real)
(declare-fun e_in () Real)
(declare-fun eta () Real)
(declare-fun omega () Real)
(declare-fun beta () Real)
(declare-fun rho () Real)
(declare-fun delta () Real)
(assert
 (>= e_out 0.0))
(assert
 (>= e_pre 0.0))
(assert
 (>= n_g 0.0))
(assert
 (>= n_e 0.0))
(assert
 (>= n_q 0.0))
(assert
 (>= r 0.0))
(assert
 (>= e_in 0.0))
(assert
 (>= eta 0.0))
(assert
 (>= omega 0.0))
(assert
 (>= beta 0.0))
(assert
 (>= rho 0.0))
(assert
 (>= delta 0.0))
(assert
 (<= e_out e_pre))
(assert
 (<= e_pre (+ (+ n_g n_e) n_q)))
(assert
 (<= n_g (* eta r)))
(assert
 (<= n_e beta))
(assert
 (<= n_q (* omega e_in)))
(assert
 (<= r rho))
(assert
 (<= e_in delta))
(assert
 (not (<= e_out (+ (+ (* eta rho) 0.0) (* omega delta)))))
(check-sat)
