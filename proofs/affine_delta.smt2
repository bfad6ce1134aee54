; lemma: affine_delta
; Composition step for δ with biases (docs/affine.md §5, certs/FORMAT.md fact 6), as the last link
; of a chain. Scalars ≥ 0: e_in = ‖â − a‖, r = ‖â‖, n_g = ‖g‖ with g the gadget error at â, n_e =
; ‖e‖ (bias error), n_q = ‖W (â − a)‖, e_pre = ‖y − (W a + b)‖ with y = W â + b + g + e, e_out =
; ‖σ(y) − σ(W a + b)‖ (or e_pre for the last layer). Links: e_out ≤ e_pre (relu_lipschitz), e_pre ≤
; n_g + n_e + n_q (y − (W a + b) = g + e + W(â − a), triangle_sq twice), n_g ≤ η r
; (gadget_layer_bound), n_e ≤ β, n_q ≤ ω e_in (opnorm_psd_2x2), r ≤ ρ, e_in ≤ δ. Conclusion: e_out
; ≤ η ρ + β + ω δ.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; affine_delta
(set-info :status unsat)
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
 (not (<= e_out (+ (+ (* eta rho) beta) (* omega delta)))))
(check-sat)
