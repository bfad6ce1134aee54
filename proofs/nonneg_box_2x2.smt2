; lemma: nonneg_box_2x2
; Non-negative box (docs/affine.md §4, certs/FORMAT.md fact 5), first pair of shape 2×2: if lo ≥ 0
; and lo ≤ x ≤ hi, then σ(−x_j) = 0 for every j, and y(x) = P σ(x) + Q σ(−x) + C misses W x + b by
; exactly E⁺ x + e with E⁺ = P − W, e = C − b: the negative-u neurons (Q, E⁻) play no role.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; nonneg_box_2x2
(set-info :status unsat)
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
 (<= 0.0 lo0))
(assert
 (<= 0.0 lo1))
(assert
 (and (<= lo0 x0) (<= x0 hi0)))
(assert
 (and (<= lo1 x1) (<= x1 hi1)))
(assert
 (let ((?x88 (+ (+ (* (- P1_0 W1_0) x0) (* (- P1_1 W1_1) x1)) (- C1 b1))))
(let ((?x74 (+ (* P1_1 (ite (> x1 0.0) x1 0.0)) (* Q1_1 (ite (> (- x1) 0.0) (- x1) 0.0)))))
(let ((?x71 (+ (* P1_0 (ite (> x0 0.0) x0 0.0)) (* Q1_0 (ite (> (- x0) 0.0) (- x0) 0.0)))))
(let ((?x81 (- (+ (+ ?x71 ?x74) C1) (+ (+ (* W1_0 x0) (* W1_1 x1)) b1))))
(let ((?x67 (+ (+ (* (- P0_0 W0_0) x0) (* (- P0_1 W0_1) x1)) (- C0 b0))))
(let ((?x53 (+ (* P0_1 (ite (> x1 0.0) x1 0.0)) (* Q0_1 (ite (> (- x1) 0.0) (- x1) 0.0)))))
(let ((?x48 (+ (* P0_0 (ite (> x0 0.0) x0 0.0)) (* Q0_0 (ite (> (- x0) 0.0) (- x0) 0.0)))))
(let ((?x60 (- (+ (+ ?x48 ?x53) C0) (+ (+ (* W0_0 x0) (* W0_1 x1)) b0))))
(let (($x90 (and (= (ite (> (- x0) 0.0) (- x0) 0.0) 0.0) (= (ite (> (- x1) 0.0) (- x1) 0.0) 0.0) (= ?x60 ?x67) (= ?x81 ?x88))))
(not $x90)))))))))))
(check-sat)
