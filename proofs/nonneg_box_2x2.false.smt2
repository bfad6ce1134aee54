; lemma: nonneg_box_2x2.false
; FALSE variant (lo ≥ −1 instead of lo ≥ 0): if lo ≥ −1 and lo ≤ x ≤ hi, then σ(−x_j) = 0 and y(x)
; − (W x + b) = E⁺ x + e.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; nonneg_box_2x2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun lo0 () Real)
(declare-fun lo1 () Real)
(declare-fun hi0 () Real)
(declare-fun x0 () Real)
(declare-fun hi1 () Real)
(declare-fun x1 () Real)
(declare-fun b1 () Real)
(declare-fun C1 () Real)
(declare-fun W1_1 () Real)
(declare-fun P1_1 () Real)
(declare-fun W1_0 () Real)
(declare-fun P1_0 () Real)
(declare-fun Q1_1 () Real)
(declare-fun Q1_0 () Real)
(declare-fun b0 () Real)
(declare-fun C0 () Real)
(declare-fun W0_1 () Real)
(declare-fun P0_1 () Real)
(declare-fun W0_0 () Real)
(declare-fun P0_0 () Real)
(declare-fun Q0_1 () Real)
(declare-fun Q0_0 () Real)
(assert
 (<= (- 1.0) lo0))
(assert
 (<= (- 1.0) lo1))
(assert
 (and (<= lo0 x0) (<= x0 hi0)))
(assert
 (and (<= lo1 x1) (<= x1 hi1)))
(assert
 (let ((?x89 (+ (+ (* (- P1_0 W1_0) x0) (* (- P1_1 W1_1) x1)) (- C1 b1))))
(let ((?x75 (+ (* P1_1 (ite (> x1 0.0) x1 0.0)) (* Q1_1 (ite (> (- x1) 0.0) (- x1) 0.0)))))
(let ((?x72 (+ (* P1_0 (ite (> x0 0.0) x0 0.0)) (* Q1_0 (ite (> (- x0) 0.0) (- x0) 0.0)))))
(let ((?x82 (- (+ (+ ?x72 ?x75) C1) (+ (+ (* W1_0 x0) (* W1_1 x1)) b1))))
(let ((?x68 (+ (+ (* (- P0_0 W0_0) x0) (* (- P0_1 W0_1) x1)) (- C0 b0))))
(let ((?x54 (+ (* P0_1 (ite (> x1 0.0) x1 0.0)) (* Q0_1 (ite (> (- x1) 0.0) (- x1) 0.0)))))
(let ((?x49 (+ (* P0_0 (ite (> x0 0.0) x0 0.0)) (* Q0_0 (ite (> (- x0) 0.0) (- x0) 0.0)))))
(let ((?x61 (- (+ (+ ?x49 ?x54) C0) (+ (+ (* W0_0 x0) (* W0_1 x1)) b0))))
(let (($x91 (and (= (ite (> (- x0) 0.0) (- x0) 0.0) 0.0) (= (ite (> (- x1) 0.0) (- x1) 0.0) 0.0) (= ?x61 ?x68) (= ?x82 ?x89))))
(not $x91)))))))))))
(check-sat)
