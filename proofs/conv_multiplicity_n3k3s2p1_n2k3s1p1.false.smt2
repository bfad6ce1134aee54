; lemma: conv_multiplicity_n3k3s2p1_n2k3s1p1.false
; FALSE variant (M = 4 replaced by 3): ... then Σ_p ‖X_p‖² ≤ 3·‖x‖² and Σ_p y_p² ≤ 3·κ²·‖x‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; conv_multiplicity_n3k3s2p1_n2k3s1p1.false
(set-info :status sat)
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
(let (($x62 (<= (+ (* y0 y0) (* y1 y1) (* y2 y2) (* y3 y3)) (* (* (* 3.0 kappa) kappa) ?x38))))
(let ((?x39 (+ ?x20 ?x21 ?x22 ?x23 ?x20 ?x21 ?x22 ?x23 ?x22 ?x23 ?x30 ?x31 ?x22 ?x23 ?x30 ?x31)))
(let ((?x54 (+ (* (* 2.0 x0) x0) (* (* 2.0 x1) x1) (* (* 4.0 x2) x2) (* (* 4.0 x3) x3) (* (* 2.0 x4) x4) (* (* 2.0 x5) x5))))
(not (and (= ?x39 ?x54) (<= ?x39 (* 3.0 ?x38)) $x62)))))))))))))
(check-sat)
