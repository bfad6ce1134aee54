; lemma: conv_multiplicity_n4k3s1p1
; Multiplicity bound (docs/conv.md §4, certs/FORMAT.md fact 5), 1-D: size 4, kernel 3, stride 1,
; padding 1, one input and one output channel, M = 3. For all x, κ ≥ 0 and reals y_p (standing for
; K·X_p, K the kernel), with X_p the patch of x̄ (x padded by zeros) that output position p reads:
; if y_p² ≤ κ² ‖X_p‖² at every p (what ‖K‖₂ ≤ κ gives at the patches), then Σ_p ‖X_p‖² = Σ_i
; mult(i)·x_i² ≤ 3·‖x‖² and Σ_p y_p² ≤ 3·κ²·‖x‖², mult(i) counting the (output position, kernel
; position) pairs that read input i.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; conv_multiplicity_n4k3s1p1
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun kappa () Real)
(declare-fun x1 () Real)
(declare-fun x0 () Real)
(declare-fun y0 () Real)
(declare-fun x2 () Real)
(declare-fun y1 () Real)
(declare-fun x3 () Real)
(declare-fun y2 () Real)
(declare-fun y3 () Real)
(assert
 (>= kappa 0.0))
(assert
 (let ((?x16 (* y0 y0)))
 (<= ?x16 (* (* kappa kappa) (+ (* x0 x0) (* x1 x1))))))
(assert
 (let ((?x17 (* kappa kappa)))
 (let ((?x23 (* y1 y1)))
 (<= ?x23 (* ?x17 (+ (* x0 x0) (* x1 x1) (* x2 x2)))))))
(assert
 (let ((?x17 (* kappa kappa)))
 (let ((?x28 (* y2 y2)))
 (<= ?x28 (* ?x17 (+ (* x1 x1) (* x2 x2) (* x3 x3)))))))
(assert
 (let ((?x33 (* y3 y3)))
 (<= ?x33 (* (* kappa kappa) (+ (* x2 x2) (* x3 x3))))))
(assert
 (let ((?x29 (* x3 x3)))
(let ((?x24 (* x2 x2)))
(let ((?x19 (* x1 x1)))
(let ((?x18 (* x0 x0)))
(let ((?x38 (+ ?x18 ?x19 ?x24 ?x29)))
(let (($x57 (<= (+ (* y0 y0) (* y1 y1) (* y2 y2) (* y3 y3)) (* (* (* 3.0 kappa) kappa) ?x38))))
(let ((?x39 (+ ?x18 ?x19 ?x18 ?x19 ?x24 ?x19 ?x24 ?x29 ?x24 ?x29)))
(let ((?x49 (+ (* (* 2.0 x0) x0) (* (* 3.0 x1) x1) (* (* 3.0 x2) x2) (* (* 2.0 x3) x3))))
(not (and (= ?x39 ?x49) (<= ?x39 (* 3.0 ?x38)) $x57)))))))))))
(check-sat)
