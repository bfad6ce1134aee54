; lemma: affine_rho.false
; FALSE variant (ν missing): with the same links, r_out ≤ (ω + η) ρ + β.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; affine_rho.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun r_out () Real)
(declare-fun r_pre () Real)
(declare-fun n_a () Real)
(declare-fun n_b () Real)
(declare-fun n_g () Real)
(declare-fun n_e () Real)
(declare-fun r () Real)
(declare-fun eta () Real)
(declare-fun omega () Real)
(declare-fun nu () Real)
(declare-fun beta () Real)
(declare-fun rho () Real)
(assert
 (>= r_out 0.0))
(assert
 (>= r_pre 0.0))
(assert
 (>= n_a 0.0))
(assert
 (>= n_b 0.0))
(assert
 (>= n_g 0.0))
(assert
 (>= n_e 0.0))
(assert
 (>= r 0.0))
(assert
 (>= eta 0.0))
(assert
 (>= omega 0.0))
(assert
 (>= nu 0.0))
(assert
 (>= beta 0.0))
(assert
 (>= rho 0.0))
(assert
 (<= r_out r_pre))
(assert
 (<= r_pre (+ (+ (+ n_a n_b) n_g) n_e)))
(assert
 (<= n_a (* omega r)))
(assert
 (<= n_b nu))
(assert
 (<= n_g (* eta r)))
(assert
 (<= n_e beta))
(assert
 (<= r rho))
(assert
 (not (<= r_out (+ (+ (* (+ omega eta) rho) 0.0) beta))))
(check-sat)
