; lemma: subset_sum_gadget_5
; Subset-sum gadget with 5 kept neurons (Pensia et al. 2020; docs/gadgets.md §3): for all u_t, v_t,
; z (t < 5, any signs, u_t = 0 allowed), Σ_t v_t σ(u_t z) = P σ(z) + Q σ(−z) with P = Σ_{u_t>0} v_t
; u_t and Q = Σ_{u_t<0} v_t |u_t|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; subset_sum_gadget_5
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z () Real)
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
 (let (($x74 (< u4 0.0)))
(let (($x69 (< u3 0.0)))
(let (($x64 (< u2 0.0)))
(let (($x59 (< u1 0.0)))
(let (($x54 (< u0 0.0)))
(let ((?x79 (+ (ite $x54 (* v0 (ite $x54 (- u0) u0)) 0.0) (ite $x59 (* v1 (ite $x59 (- u1) u1)) 0.0) (ite $x64 (* v2 (ite $x64 (- u2) u2)) 0.0) (ite $x69 (* v3 (ite $x69 (- u3) u3)) 0.0) (ite $x74 (* v4 (ite $x74 (- u4) u4)) 0.0))))
(let ((?x53 (+ (ite (> u0 0.0) (* v0 u0) 0.0) (ite (> u1 0.0) (* v1 u1) 0.0) (ite (> u2 0.0) (* v2 u2) 0.0) (ite (> u3 0.0) (* v3 u3) 0.0) (ite (> u4 0.0) (* v4 u4) 0.0))))
(let ((?x87 (+ (* ?x53 (ite (> z 0.0) z 0.0)) (* ?x79 (ite (> (- z) 0.0) (- z) 0.0)))))
(let ((?x37 (+ (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (* v1 (ite (> (* u1 z) 0.0) (* u1 z) 0.0)) (* v2 (ite (> (* u2 z) 0.0) (* u2 z) 0.0)) (* v3 (ite (> (* u3 z) 0.0) (* u3 z) 0.0)) (* v4 (ite (> (* u4 z) 0.0) (* u4 z) 0.0)))))
(not (= ?x37 ?x87))))))))))))
(check-sat)
