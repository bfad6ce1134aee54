; lemma: subset_sum_gadget_1
; Subset-sum gadget with 1 kept neurons (Pensia et al. 2020; docs/gadgets.md §3): for all u_t, v_t,
; z (t < 1, any signs, u_t = 0 allowed), Σ_t v_t σ(u_t z) = P σ(z) + Q σ(−z) with P = Σ_{u_t>0} v_t
; u_t and Q = Σ_{u_t<0} v_t |u_t|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; subset_sum_gadget_1
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z () Real)
(declare-fun u0 () Real)
(declare-fun v0 () Real)
(assert
 (let (($x16 (< u0 0.0)))
(let ((?x27 (* (ite $x16 (* v0 (ite $x16 (- u0) u0)) 0.0) (ite (> (- z) 0.0) (- z) 0.0))))
(let ((?x23 (* (ite (> u0 0.0) (* v0 u0) 0.0) (ite (> z 0.0) z 0.0))))
(let (($x29 (= (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (+ ?x23 ?x27))))
(not $x29))))))
(check-sat)
