; lemma: telescope_step_2.false
; FALSE variant (dimension 2, bound halved): ... then ‖W σ(y) − W σ(y')‖² ≤ ω² S² / 4.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; telescope_step_2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun omega () Real)
(declare-fun S () Real)
(declare-fun yp1 () Real)
(declare-fun y1 () Real)
(declare-fun yp0 () Real)
(declare-fun y0 () Real)
(declare-fun W1_1 () Real)
(declare-fun W1_0 () Real)
(declare-fun W0_1 () Real)
(declare-fun W0_0 () Real)
(assert
 (>= omega 0.0))
(assert
 (>= S 0.0))
(assert
 (let ((?x23 (ite (> yp1 0.0) yp1 0.0)))
 (let ((?x19 (ite (> y1 0.0) y1 0.0)))
 (let ((?x25 (- ?x19 ?x23)))
 (let ((?x21 (ite (> yp0 0.0) yp0 0.0)))
 (let ((?x17 (ite (> y0 0.0) y0 0.0)))
 (let ((?x24 (- ?x17 ?x21)))
 (let ((?x33 (+ (* W1_0 ?x24) (* W1_1 ?x25))))
 (let ((?x30 (+ (* W0_0 ?x24) (* W0_1 ?x25))))
 (<= (+ (* ?x30 ?x30) (* ?x33 ?x33)) (* (* omega omega) (+ (* ?x24 ?x24) (* ?x25 ?x25)))))))))))))
(assert
 (let ((?x47 (+ (* (- y0 yp0) (- y0 yp0)) (* (- y1 yp1) (- y1 yp1)))))
 (<= ?x47 (* S S))))
(assert
 (let ((?x65 (+ (* W1_0 (ite (> yp0 0.0) yp0 0.0)) (* W1_1 (ite (> yp1 0.0) yp1 0.0)))))
(let ((?x62 (+ (* W1_0 (ite (> y0 0.0) y0 0.0)) (* W1_1 (ite (> y1 0.0) y1 0.0)))))
(let ((?x66 (- ?x62 ?x65)))
(let ((?x58 (+ (* W0_0 (ite (> yp0 0.0) yp0 0.0)) (* W0_1 (ite (> yp1 0.0) yp1 0.0)))))
(let ((?x55 (+ (* W0_0 (ite (> y0 0.0) y0 0.0)) (* W0_1 (ite (> y1 0.0) y1 0.0)))))
(let ((?x59 (- ?x55 ?x58)))
(let (($x74 (<= (+ (* ?x59 ?x59) (* ?x66 ?x66)) (* (* (* (* (/ 1.0 4.0) omega) omega) S) S))))
(not $x74)))))))))
(check-sat)
