; lemma: gadget_layer_bound_1x2
; Layer error bound (docs/gadgets.md §4), shape 2×1: with s = (σ(z), σ(−z)), y(z) = P σ(z) + Q
; σ(−z), if η ≥ 0 and ‖[E⁺ E⁻] s‖² ≤ η² ‖s‖² then ‖y(z) − W z‖² ≤ η² ‖z‖². The hypothesis is ‖[E⁺
; E⁻]‖₂ ≤ η used at the one vector s, so the lemma is stronger than the version with the operator
; norm. In larger shapes it follows from gadget_error_identity and energy_identity.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; gadget_layer_bound_1x2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun eta () Real)
(declare-fun z0 () Real)
(declare-fun W1_0 () Real)
(declare-fun Q1_0 () Real)
(declare-fun P1_0 () Real)
(declare-fun W0_0 () Real)
(declare-fun Q0_0 () Real)
(declare-fun P0_0 () Real)
(assert
 (>= eta 0.0))
(assert
 (let ((?x16 (- z0)))
 (let ((?x18 (ite (> ?x16 0.0) ?x16 0.0)))
 (let ((?x15 (ite (> z0 0.0) z0 0.0)))
 (let ((?x43 (* eta eta)))
 (let ((?x38 (+ (* (- P1_0 W1_0) ?x15) (* (+ Q1_0 W1_0) ?x18))))
 (let ((?x28 (+ (* (- P0_0 W0_0) ?x15) (* (+ Q0_0 W0_0) ?x18))))
 (<= (+ (* ?x28 ?x28) (* ?x38 ?x38)) (* ?x43 (+ (* ?x15 ?x15) (* ?x18 ?x18)))))))))))
(assert
 (let ((?x31 (+ (* P1_0 (ite (> z0 0.0) z0 0.0)) (* Q1_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let ((?x33 (- ?x31 (* W1_0 z0))))
(let ((?x21 (+ (* P0_0 (ite (> z0 0.0) z0 0.0)) (* Q0_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let ((?x23 (- ?x21 (* W0_0 z0))))
(let (($x54 (<= (+ (* ?x23 ?x23) (* ?x33 ?x33)) (* (* eta eta) (* z0 z0)))))
(not $x54)))))))
(check-sat)
