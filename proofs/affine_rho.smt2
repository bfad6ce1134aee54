; lemma: affine_rho
; Composition step for ρ with biases (docs/affine.md §5, certs/FORMAT.md fact 6), as the last link
; of a chain. Scalars ≥ 0: r = ‖â‖, n_a = ‖W â‖, n_b = ‖b‖, n_g = ‖g‖ (gadget error at â), n_e =
; ‖e‖ (bias error), r_pre = ‖y‖ with y = W â + b + g + e, r_out = ‖σ(y)‖ (or r_pre for the last
; layer). Links: r_out ≤ r_pre (relu_lipschitz with b = 0), r_pre ≤ n_a + n_b + n_g + n_e
; (triangle_sq three times), n_a ≤ ω r (opnorm_psd_2x2), n_b ≤ ν, n_g ≤ η r (gadget_layer_bound),
; n_e ≤ β, r ≤ ρ. Conclusion: r_out ≤ (ω + η) ρ + ν + β.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; affine_rho
(set-info :status unsat)
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
 (not (<= r_out (+ (+ (* (+ omega eta) rho) nu) beta))))
(check-sat)
