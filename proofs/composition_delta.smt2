; lemma: composition_delta
; Composition step for δ (docs/composition.md §2), as the last link of a chain. Scalars ≥ 0: e_in =
; ‖â − a‖, r = ‖â‖, n_p = ‖y − W â‖ (gadget error at â), n_q = ‖W (â − a)‖, e_pre = ‖y − W a‖,
; e_out = ‖σ(y) − σ(W a)‖ (or ‖y − W a‖ for the last layer). Links: e_out ≤ e_pre (relu_lipschitz),
; e_pre ≤ n_p + n_q (y − W a = (y − W â) + W(â − a), triangle_sq / cauchy_schwarz), n_p ≤ η r
; (gadget_layer_bound), n_q ≤ ω e_in (‖W‖₂ ≤ ω, e.g. opnorm_psd_2x2), r ≤ ρ, e_in ≤ δ. Conclusion:
; e_out ≤ η ρ + ω δ.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; composition_delta
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun e_out () Real)
(declare-fun e_pre () Real)
(declare-fun n_p () Real)
(declare-fun n_q () Real)
(declare-fun r () Real)
(declare-fun e_in () Real)
(declare-fun eta () Real)
(declare-fun omega () Real)
(declare-fun rho () Real)
(declare-fun delta () Real)
(assert
 (>= e_out 0.0))
(assert
 (>= e_pre 0.0))
(assert
 (>= n_p 0.0))
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
 (>= rho 0.0))
(assert
 (>= delta 0.0))
(assert
 (<= e_out e_pre))
(assert
 (<= e_pre (+ n_p n_q)))
(assert
 (<= n_p (* eta r)))
(assert
 (<= n_q (* omega e_in)))
(assert
 (<= r rho))
(assert
 (<= e_in delta))
(assert
 (not (<= e_out (+ (* eta rho) (* omega delta)))))
(check-sat)
