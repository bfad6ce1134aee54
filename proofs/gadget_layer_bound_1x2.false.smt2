; lemma: gadget_layer_bound_1x2.false
; FALSE variant (2×1, E⁻ left out): if ‖E⁺ σ(z)‖² ≤ η² ‖σ(z)‖² then ‖y(z) − W z‖² ≤ η² ‖z‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; gadget_layer_bound_1x2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun eta () Real)
(declare-fun z0 () Real)
(declare-fun W1_0 () Real)
(declare-fun P1_0 () Real)
(declare-fun W0_0 () Real)
(declare-fun P0_0 () Real)
(declare-fun Q1_0 () Real)
(declare-fun Q0_0 () Real)
(assert
 (>= eta 0.0))
(assert
 (let ((?x15 (ite (> z0 0.0) z0 0.0)))
 (let ((?x37 (* eta eta)))
 (let ((?x36 (+ (* (* (- P0_0 W0_0) ?x15) (* (- P0_0 W0_0) ?x15)) (* (* (- P1_0 W1_0) ?x15) (* (- P1_0 W1_0) ?x15)))))
 (<= ?x36 (* ?x37 (* ?x15 ?x15)))))))
(assert
 (let ((?x28 (+ (* P1_0 (ite (> z0 0.0) z0 0.0)) (* Q1_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let ((?x30 (- ?x28 (* W1_0 z0))))
(let ((?x21 (+ (* P0_0 (ite (> z0 0.0) z0 0.0)) (* Q0_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let ((?x23 (- ?x21 (* W0_0 z0))))
(let (($x46 (<= (+ (* ?x23 ?x23) (* ?x30 ?x30)) (* (* eta eta) (* z0 z0)))))
(not $x46)))))))
(check-sat)
