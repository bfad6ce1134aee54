; lemma: conv_multiplicity_n4k3s2p1.false
; FALSE variant (M = 2 replaced by 1): ... then Σ_p ‖X_p‖² ≤ 1·‖x‖² and Σ_p y_p² ≤ 1·κ²·‖x‖².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; conv_multiplicity_n4k3s2p1.false
(set-info :status sat)
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
(let (($x47 (<= (+ (* y0 y0) (* y1 y1)) (* (* (* 1.0 kappa) kappa) ?x28))))
(let ((?x39 (+ (* (* 1.0 x0) x0) (* (* 2.0 x1) x1) (* (* 1.0 x2) x2) (* (* 1.0 x3) x3))))
(let ((?x29 (+ ?x16 ?x17 ?x17 ?x22 ?x23)))
(not (and (= ?x29 ?x39) (<= ?x29 (* 1.0 ?x28)) $x47)))))))))))
(check-sat)
