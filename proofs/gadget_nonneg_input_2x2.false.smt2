; lemma: gadget_nonneg_input_2x2.false
; FALSE variant (hypothesis z ≥ 0 dropped): y(z) − W z = E⁺ z for all z.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; gadget_nonneg_input_2x2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun z1 () Real)
(declare-fun W1_1 () Real)
(declare-fun P1_1 () Real)
(declare-fun z0 () Real)
(declare-fun W1_0 () Real)
(declare-fun P1_0 () Real)
(declare-fun Q1_1 () Real)
(declare-fun Q1_0 () Real)
(declare-fun W0_1 () Real)
(declare-fun P0_1 () Real)
(declare-fun W0_0 () Real)
(declare-fun P0_0 () Real)
(declare-fun Q0_1 () Real)
(declare-fun Q0_0 () Real)
(assert
 (let ((?x52 (+ (* P1_1 (ite (> z1 0.0) z1 0.0)) (* Q1_1 (ite (> (- z1) 0.0) (- z1) 0.0)))))
(let ((?x49 (+ (* P1_0 (ite (> z0 0.0) z0 0.0)) (* Q1_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let (($x63 (= (- (+ ?x49 ?x52) (+ (* W1_0 z0) (* W1_1 z1))) (+ (* (- P1_0 W1_0) z0) (* (- P1_1 W1_1) z1)))))
(let ((?x35 (+ (* P0_1 (ite (> z1 0.0) z1 0.0)) (* Q0_1 (ite (> (- z1) 0.0) (- z1) 0.0)))))
(let ((?x27 (+ (* P0_0 (ite (> z0 0.0) z0 0.0)) (* Q0_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let (($x46 (= (- (+ ?x27 ?x35) (+ (* W0_0 z0) (* W0_1 z1))) (+ (* (- P0_0 W0_0) z0) (* (- P0_1 W0_1) z1)))))
(not (and $x46 $x63)))))))))
(check-sat)
