; lemma: telescope_step_2
; One telescoping step in dimension 2 (docs/tighter.md §5, Lemma 5 with K_i a product of ω's): for
; y, y' ∈ R^2, a 2×2 matrix W and v = σ(y) − σ(y'), if ω ≥ 0, S ≥ 0, ‖W v‖² ≤ ω² ‖v‖² (‖W‖₂ ≤ ω
; used at the one vector v, as in gadget_layer_bound) and ‖y − y'‖² ≤ S², then ‖W σ(y) − W σ(y')‖²
; ≤ ω² S².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; telescope_step_2
(set-info :status unsat)
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
 (let ((?x63 (+ (* W1_0 (ite (> yp0 0.0) yp0 0.0)) (* W1_1 (ite (> yp1 0.0) yp1 0.0)))))
(let ((?x60 (+ (* W1_0 (ite (> y0 0.0) y0 0.0)) (* W1_1 (ite (> y1 0.0) y1 0.0)))))
(let ((?x64 (- ?x60 ?x63)))
(let ((?x56 (+ (* W0_0 (ite (> yp0 0.0) yp0 0.0)) (* W0_1 (ite (> yp1 0.0) yp1 0.0)))))
(let ((?x53 (+ (* W0_0 (ite (> y0 0.0) y0 0.0)) (* W0_1 (ite (> y1 0.0) y1 0.0)))))
(let ((?x57 (- ?x53 ?x56)))
(let (($x72 (<= (+ (* ?x57 ?x57) (* ?x64 ?x64)) (* (* (* (* 1.0 omega) omega) S) S))))
(not $x72)))))))))
(check-sat)
