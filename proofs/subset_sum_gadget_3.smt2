; lemma: subset_sum_gadget_3
; Subset-sum gadget with 3 kept neurons (Pensia et al. 2020; docs/gadgets.md §3): for all u_t, v_t,
; z (t < 3, any signs, u_t = 0 allowed), Σ_t v_t σ(u_t z) = P σ(z) + Q σ(−z) with P = Σ_{u_t>0} v_t
; u_t and Q = Σ_{u_t<0} v_t |u_t|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; subset_sum_gadget_3
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z () Real)
(declare-fun u2 () Real)
(declare-fun v2 () Real)
(declare-fun u1 () Real)
(declare-fun v1 () Real)
(declare-fun u0 () Real)
(declare-fun v0 () Real)
(assert
 (let (($x46 (< u2 0.0)))
(let (($x41 (< u1 0.0)))
(let (($x36 (< u0 0.0)))
(let ((?x51 (+ (ite $x36 (* v0 (ite $x36 (- u0) u0)) 0.0) (ite $x41 (* v1 (ite $x41 (- u1) u1)) 0.0) (ite $x46 (* v2 (ite $x46 (- u2) u2)) 0.0))))
(let ((?x35 (+ (ite (> u0 0.0) (* v0 u0) 0.0) (ite (> u1 0.0) (* v1 u1) 0.0) (ite (> u2 0.0) (* v2 u2) 0.0))))
(let ((?x59 (+ (* ?x35 (ite (> z 0.0) z 0.0)) (* ?x51 (ite (> (- z) 0.0) (- z) 0.0)))))
(let ((?x25 (+ (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (* v1 (ite (> (* u1 z) 0.0) (* u1 z) 0.0)) (* v2 (ite (> (* u2 z) 0.0) (* u2 z) 0.0)))))
(not (= ?x25 ?x59))))))))))
(check-sat)
