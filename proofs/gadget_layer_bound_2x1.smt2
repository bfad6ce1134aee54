; lemma: gadget_layer_bound_2x1
; Layer error bound (docs/gadgets.md §4), shape 1×2: with s = (σ(z), σ(−z)), y(z) = P σ(z) + Q
; σ(−z), if η ≥ 0 and ‖[E⁺ E⁻] s‖² ≤ η² ‖s‖² then ‖y(z) − W z‖² ≤ η² ‖z‖². The hypothesis is ‖[E⁺
; E⁻]‖₂ ≤ η used at the one vector s, so the lemma is stronger than the version with the operator
; norm. In larger shapes it follows from gadget_error_identity and energy_identity.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; gadget_layer_bound_2x1
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun eta () Real)
(declare-fun z1 () Real)
(declare-fun z0 () Real)
(declare-fun W0_1 () Real)
(declare-fun Q0_1 () Real)
(declare-fun W0_0 () Real)
(declare-fun Q0_0 () Real)
(declare-fun P0_1 () Real)
(declare-fun P0_0 () Real)
(assert
 (>= eta 0.0))
(assert
 (let ((?x22 (- z1)))
 (let ((?x24 (ite (> ?x22 0.0) ?x22 0.0)))
 (let ((?x19 (- z0)))
 (let ((?x21 (ite (> ?x19 0.0) ?x19 0.0)))
 (let ((?x18 (ite (> z1 0.0) z1 0.0)))
 (let ((?x16 (ite (> z0 0.0) z0 0.0)))
 (let ((?x47 (* eta eta)))
 (let ((?x53 (* ?x47 (+ (* ?x16 ?x16) (* ?x18 ?x18) (* ?x21 ?x21) (* ?x24 ?x24)))))
 (let ((?x44 (+ (* (- P0_0 W0_0) ?x16) (* (- P0_1 W0_1) ?x18) (* (+ Q0_0 W0_0) ?x21) (* (+ Q0_1 W0_1) ?x24))))
 (<= (* ?x44 ?x44) ?x53)))))))))))
(assert
 (let ((?x30 (+ (* P0_1 (ite (> z1 0.0) z1 0.0)) (* Q0_1 (ite (> (- z1) 0.0) (- z1) 0.0)))))
(let ((?x27 (+ (* P0_0 (ite (> z0 0.0) z0 0.0)) (* Q0_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let ((?x35 (- (+ ?x27 ?x30) (+ (* W0_0 z0) (* W0_1 z1)))))
(let (($x60 (<= (* ?x35 ?x35) (* (* eta eta) (+ (* z0 z0) (* z1 z1))))))
(not $x60))))))
(check-sat)
