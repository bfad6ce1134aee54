; lemma: subset_sum_gadget_4
; Subset-sum gadget with 4 kept neurons (Pensia et al. 2020; docs/gadgets.md §3): for all u_t, v_t,
; z (t < 4, any signs, u_t = 0 allowed), Σ_t v_t σ(u_t z) = P σ(z) + Q σ(−z) with P = Σ_{u_t>0} v_t
; u_t and Q = Σ_{u_t<0} v_t |u_t|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; subset_sum_gadget_4
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z () Real)
(declare-fun u3 () Real)
(declare-fun v3 () Real)
(declare-fun u2 () Real)
(declare-fun v2 () Real)
(declare-fun u1 () Real)
(declare-fun v1 () Real)
(declare-fun u0 () Real)
(declare-fun v0 () Real)
(assert
 (let (($x60 (< u3 0.0)))
(let (($x55 (< u2 0.0)))
(let (($x50 (< u1 0.0)))
(let (($x45 (< u0 0.0)))
(let ((?x65 (+ (ite $x45 (* v0 (ite $x45 (- u0) u0)) 0.0) (ite $x50 (* v1 (ite $x50 (- u1) u1)) 0.0) (ite $x55 (* v2 (ite $x55 (- u2) u2)) 0.0) (ite $x60 (* v3 (ite $x60 (- u3) u3)) 0.0))))
(let ((?x44 (+ (ite (> u0 0.0) (* v0 u0) 0.0) (ite (> u1 0.0) (* v1 u1) 0.0) (ite (> u2 0.0) (* v2 u2) 0.0) (ite (> u3 0.0) (* v3 u3) 0.0))))
(let ((?x73 (+ (* ?x44 (ite (> z 0.0) z 0.0)) (* ?x65 (ite (> (- z) 0.0) (- z) 0.0)))))
(let ((?x31 (+ (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (* v1 (ite (> (* u1 z) 0.0) (* u1 z) 0.0)) (* v2 (ite (> (* u2 z) 0.0) (* u2 z) 0.0)) (* v3 (ite (> (* u3 z) 0.0) (* u3 z) 0.0)))))
(not (= ?x31 ?x73)))))))))))
(check-sat)
