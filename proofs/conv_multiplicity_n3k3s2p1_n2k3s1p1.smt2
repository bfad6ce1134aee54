; lemma: conv_multiplicity_n3k3s2p1_n2k3s1p1
; Multiplicity bound (docs/conv.md §4, certs/FORMAT.md fact 5), 2-D, rows by columns, M = M_h·M_w:
; size 3, kernel 3, stride 2, padding 1 by size 2, kernel 3, stride 1, padding 1, one input and one
; output channel, M = 4. For all x, κ ≥ 0 and reals y_p (standing for K·X_p, K the kernel), with
; X_p the patch of x̄ (x padded by zeros) that output position p reads: if y_p² ≤ κ² ‖X_p‖² at
; every p (what ‖K‖₂ ≤ κ gives at the patches), then Σ_p ‖X_p‖² = Σ_i mult(i)·x_i² ≤ 4·‖x‖² and Σ_p
; y_p² ≤ 4·κ²·‖x‖², mult(i) counting the (output position, kernel position) pairs that read input
; i.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; conv_multiplicity_n3k3s2p1_n2k3s1p1
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun kappa () Real)
(declare-fun x3 () Real)
(declare-fun x2 () Real)
(declare-fun x1 () Real)
(declare-fun x0 () Real)
(declare-fun y0 () Real)
(declare-fun y1 () Real)
(declare-fun x5 () Real)
(declare-fun x4 () Real)
(declare-fun y2 () Real)
(declare-fun y3 () Real)
(assert
 (>= kappa 0.0))
(assert
 (let ((?x19 (* kappa kappa)))
 (let ((?x25 (* ?x19 (+ (* x0 x0) (* x1 x1) (* x2 x2) (* x3 x3)))))
 (let ((?x18 (* y0 y0)))
 (<= ?x18 ?x25)))))
(assert
 (let ((?x19 (* kappa kappa)))
 (let ((?x25 (* ?x19 (+ (* x0 x0) (* x1 x1) (* x2 x2) (* x3 x3)))))
 (let ((?x27 (* y1 y1)))
 (<= ?x27 ?x25)))))
(assert
 (let ((?x19 (* kappa kappa)))
 (let ((?x33 (* ?x19 (+ (* x2 x2) (* x3 x3) (* x4 x4) (* x5 x5)))))
 (let ((?x29 (* y2 y2)))
 (<= ?x29 ?x33)))))
(assert
 (let ((?x19 (* kappa kappa)))
 (let ((?x33 (* ?x19 (+ (* x2 x2) (* x3 x3) (* x4 x4) (* x5 x5)))))
 (let ((?x35 (* y3 y3)))
 (<= ?x35 ?x33)))))
(assert
 (let ((?x31 (* x5 x5)))
(let ((?x30 (* x4 x4)))
(let ((?x23 (* x3 x3)))
(let ((?x22 (* x2 x2)))
(let ((?x21 (* x1 x1)))
(let ((?x20 (* x0 x0)))
(let ((?x38 (+ ?x20 ?x21 ?x22 ?x23 ?x30 ?x31)))
(let (($x61 (<= (+ (* y0 y0) (* y1 y1) (* y2 y2) (* y3 y3)) (* (* (* 4.0 kappa) kappa) ?x38))))
(let ((?x39 (+ ?x20 ?x21 ?x22 ?x23 ?x20 ?x21 ?x22 ?x23 ?x22 ?x23 ?x30 ?x31 ?x22 ?x23 ?x30 ?x31)))
(let ((?x53 (+ (* (* 2.0 x0) x0) (* (* 2.0 x1) x1) (* (* 4.0 x2) x2) (* (* 4.0 x3) x3) (* (* 2.0 x4) x4) (* (* 2.0 x5) x5))))
(not (and (= ?x39 ?x53) (<= ?x39 (* 4.0 ?x38)) $x61)))))))))))))
(check-sat)
