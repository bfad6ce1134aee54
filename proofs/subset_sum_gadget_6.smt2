; lemma: subset_sum_gadget_6
; Subset-sum gadget with 6 kept neurons (Pensia et al. 2020; docs/gadgets.md §3): for all u_t, v_t,
; z (t < 6, any signs, u_t = 0 allowed), Σ_t v_t σ(u_t z) = P σ(z) + Q σ(−z) with P = Σ_{u_t>0} v_t
; u_t and Q = Σ_{u_t<0} v_t |u_t|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; subset_sum_gadget_6
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z () Real)
(declare-fun u5 () Real)
(declare-fun v5 () Real)
(declare-fun u4 () Real)
(declare-fun v4 () Real)
(declare-fun u3 () Real)
(declare-fun v3 () Real)
(declare-fun u2 () Real)
(declare-fun v2 () Real)
(declare-fun u1 () Real)
(declare-fun v1 () Real)
(declare-fun u0 () Real)
(declare-fun v0 () Real)
(assert
 (let (($x88 (< u5 0.0)))
(let (($x83 (< u4 0.0)))
(let (($x78 (< u3 0.0)))
(let (($x73 (< u2 0.0)))
(let (($x68 (< u1 0.0)))
(let (($x63 (< u0 0.0)))
(let ((?x93 (+ (ite $x63 (* v0 (ite $x63 (- u0) u0)) 0.0) (ite $x68 (* v1 (ite $x68 (- u1) u1)) 0.0) (ite $x73 (* v2 (ite $x73 (- u2) u2)) 0.0) (ite $x78 (* v3 (ite $x78 (- u3) u3)) 0.0) (ite $x83 (* v4 (ite $x83 (- u4) u4)) 0.0) (ite $x88 (* v5 (ite $x88 (- u5) u5)) 0.0))))
(let ((?x62 (+ (ite (> u0 0.0) (* v0 u0) 0.0) (ite (> u1 0.0) (* v1 u1) 0.0) (ite (> u2 0.0) (* v2 u2) 0.0) (ite (> u3 0.0) (* v3 u3) 0.0) (ite (> u4 0.0) (* v4 u4) 0.0) (ite (> u5 0.0) (* v5 u5) 0.0))))
(let ((?x101 (+ (* ?x62 (ite (> z 0.0) z 0.0)) (* ?x93 (ite (> (- z) 0.0) (- z) 0.0)))))
(let ((?x43 (+ (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (* v1 (ite (> (* u1 z) 0.0) (* u1 z) 0.0)) (* v2 (ite (> (* u2 z) 0.0) (* u2 z) 0.0)) (* v3 (ite (> (* u3 z) 0.0) (* u3 z) 0.0)) (* v4 (ite (> (* u4 z) 0.0) (* u4 z) 0.0)) (* v5 (ite (> (* u5 z) 0.0) (* u5 z) 0.0)))))
(not (= ?x43 ?x101)))))))))))))
(check-sat)
