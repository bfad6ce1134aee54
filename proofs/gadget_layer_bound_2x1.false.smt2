; lemma: gadget_layer_bound_2x1.false
; FALSE variant (1×2, E⁻ left out): if ‖E⁺ σ(z)‖² ≤ η² ‖σ(z)‖² then ‖y(z) − W z‖² ≤ η² ‖z‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; gadget_layer_bound_2x1.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun eta () Real)
(declare-fun z1 () Real)
(declare-fun z0 () Real)
(declare-fun W0_1 () Real)
(declare-fun P0_1 () Real)
(declare-fun W0_0 () Real)
(declare-fun P0_0 () Real)
(declare-fun Q0_1 () Real)
(declare-fun Q0_0 () Real)
(assert
 (>= eta 0.0))
(assert
 (let ((?x18 (ite (> z1 0.0) z1 0.0)))
 (let ((?x16 (ite (> z0 0.0) z0 0.0)))
 (let ((?x43 (* eta eta)))
 (let ((?x40 (+ (* (- P0_0 W0_0) ?x16) (* (- P0_1 W0_1) ?x18))))
 (<= (* ?x40 ?x40) (* ?x43 (+ (* ?x16 ?x16) (* ?x18 ?x18)))))))))
(assert
 (let ((?x30 (+ (* P0_1 (ite (> z1 0.0) z1 0.0)) (* Q0_1 (ite (> (- z1) 0.0) (- z1) 0.0)))))
(let ((?x27 (+ (* P0_0 (ite (> z0 0.0) z0 0.0)) (* Q0_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let ((?x35 (- (+ ?x27 ?x30) (+ (* W0_0 z0) (* W0_1 z1)))))
(let (($x54 (<= (* ?x35 ?x35) (* (* eta eta) (+ (* z0 z0) (* z1 z1))))))
(not $x54))))))
(check-sat)
