; lemma: subset_sum_gadget_2
; Subset-sum gadget with 2 kept neurons (Pensia et al. 2020; docs/gadgets.md §3): for all u_t, v_t,
; z (t < 2, any signs, u_t = 0 allowed), Σ_t v_t σ(u_t z) = P σ(z) + Q σ(−z) with P = Σ_{u_t>0} v_t
; u_t and Q = Σ_{u_t<0} v_t |u_t|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; subset_sum_gadget_2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z () Real)
(declare-fun u1 () Real)
(declare-fun v1 () Real)
(declare-fun u0 () Real)
(declare-fun v0 () Real)
(assert
 (let (($x32 (< u1 0.0)))
(let (($x27 (< u0 0.0)))
(let ((?x37 (+ (ite $x27 (* v0 (ite $x27 (- u0) u0)) 0.0) (ite $x32 (* v1 (ite $x32 (- u1) u1)) 0.0))))
(let ((?x26 (+ (ite (> u0 0.0) (* v0 u0) 0.0) (ite (> u1 0.0) (* v1 u1) 0.0))))
(let ((?x45 (+ (* ?x26 (ite (> z 0.0) z 0.0)) (* ?x37 (ite (> (- z) 0.0) (- z) 0.0)))))
(let ((?x19 (+ (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (* v1 (ite (> (* u1 z) 0.0) (* u1 z) 0.0)))))
(not (= ?x19 ?x45)))))))))
(check-sat)
