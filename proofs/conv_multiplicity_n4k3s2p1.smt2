; lemma: conv_multiplicity_n4k3s2p1
; Multiplicity bound (docs/conv.md §4, certs/FORMAT.md fact 5), 1-D: size 4, kernel 3, stride 2,
; padding 1, one input and one output channel, M = 2. For all x, κ ≥ 0 and reals y_p (standing for
; K·X_p, K the kernel), with X_p the patch of x̄ (x padded by zeros) that output position p reads:
; if y_p² ≤ κ² ‖X_p‖² at every p (what ‖K‖₂ ≤ κ gives at the patches), then Σ_p ‖X_p‖² = Σ_i
; mult(i)·x_i² ≤ 2·‖x‖² and Σ_p y_p² ≤ 2·κ²·‖x‖², mult(i) counting the (output position, kernel
; position) pairs that read input i.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; conv_multiplicity_n4k3s2p1
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun kappa () Real)
(declare-fun x1 () Real)
(declare-fun x0 () Real)
(declare-fun y0 () Real)
(declare-fun x3 () Real)
(declare-fun x2 () Real)
(declare-fun y1 () Real)
(assert
 (>= kappa 0.0))
(assert
 (let ((?x14 (* y0 y0)))
 (<= ?x14 (* (* kappa kappa) (+ (* x0 x0) (* x1 x1))))))
(assert
 (let ((?x15 (* kappa kappa)))
 (let ((?x21 (* y1 y1)))
 (<= ?x21 (* ?x15 (+ (* x1 x1) (* x2 x2) (* x3 x3)))))))
(assert
 (let ((?x23 (* x3 x3)))
(let ((?x22 (* x2 x2)))
(let ((?x17 (* x1 x1)))
(let ((?x16 (* x0 x0)))
(let ((?x28 (+ ?x16 ?x17 ?x22 ?x23)))
(let (($x47 (<= (+ (* y0 y0) (* y1 y1)) (* (* (* 2.0 kappa) kappa) ?x28))))
(let ((?x39 (+ (* (* 1.0 x0) x0) (* (* 2.0 x1) x1) (* (* 1.0 x2) x2) (* (* 1.0 x3) x3))))
(let ((?x29 (+ ?x16 ?x17 ?x17 ?x22 ?x23)))
(not (and (= ?x29 ?x39) (<= ?x29 (* 2.0 ?x28)) $x47)))))))))))
(check-sat)
