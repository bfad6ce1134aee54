; lemma: conv_multiplicity_n4k3s1p1.false
; FALSE variant (M = 3 replaced by 2): ... then Σ_p ‖X_p‖² ≤ 2·‖x‖² and Σ_p y_p² ≤ 2·κ²·‖x‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; conv_multiplicity_n4k3s1p1.false
(set-info :status sat)
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
(let (($x57 (<= (+ (* y0 y0) (* y1 y1) (* y2 y2) (* y3 y3)) (* (* (* 2.0 kappa) kappa) ?x38))))
(let ((?x39 (+ ?x18 ?x19 ?x18 ?x19 ?x24 ?x19 ?x24 ?x29 ?x24 ?x29)))
(let ((?x49 (+ (* (* 2.0 x0) x0) (* (* 3.0 x1) x1) (* (* 3.0 x2) x2) (* (* 2.0 x3) x3))))
(not (and (= ?x39 ?x49) (<= ?x39 (* 2.0 ?x38)) $x57)))))))))))
(check-sat)
