; lemma: gadget_nonneg_input_2x2
; Layers i ≥ 2 (docs/gadgets.md §5), shape 2×2: if z ≥ 0 then y(z) − W z = E⁺ z, so the negative-u
; neurons (Q) play no role.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; gadget_nonneg_input_2x2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z0 () Real)
(declare-fun z1 () Real)
(declare-fun W1_1 () Real)
(declare-fun P1_1 () Real)
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
 (>= z0 0.0))
(assert
 (>= z1 0.0))
(assert
 (let ((?x52 (+ (* P1_1 (ite (> z1 0.0) z1 0.0)) (* Q1_1 (ite (> (- z1) 0.0) (- z1) 0.0)))))
(let ((?x49 (+ (* P1_0 (ite (> z0 0.0) z0 0.0)) (* Q1_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let (($x63 (= (- (+ ?x49 ?x52) (+ (* W1_0 z0) (* W1_1 z1))) (+ (* (- P1_0 W1_0) z0) (* (- P1_1 W1_1) z1)))))
(let ((?x35 (+ (* P0_1 (ite (> z1 0.0) z1 0.0)) (* Q0_1 (ite (> (- z1) 0.0) (- z1) 0.0)))))
(let ((?x27 (+ (* P0_0 (ite (> z0 0.0) z0 0.0)) (* Q0_0 (ite (> (- z0) 0.0) (- z0) 0.0)))))
(let (($x46 (= (- (+ ?x27 ?x35) (+ (* W0_0 z0) (* W0_1 z1))) (+ (* (- P0_0 W0_0) z0) (* (- P0_1 W0_1) z1)))))
(not (and $x46 $x63)))))))))
(check-sat)
