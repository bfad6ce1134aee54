; lemma: conv_border_bias_1d
; Constant channel at the border (docs/conv.md §5, certs/FORMAT.md fact 5), 1-D: size 3, kernel 3,
; stride 1, zero padding 1. For β > 0 and all x, V[q] (0 if pruned), β_o (the output's own bias, 0
; if pruned) and b, with the constant channel σ(0·x_i + β) zero-padded by the kernel after it and
; e[r] = β_o + Σ_q V[q]·(its value at r + q − 1) − b: e[0] = β_o + β (V[1] + V[2]) − b, e[1] = β_o
; + β (V[0] + V[1] + V[2]) − b, e[2] = β_o + β (V[0] + V[1]) − b; and if only V[0] is kept, β_o = 0
; and V[0]·β = b, then e[0] = −b (the border) and e[1] = 0 (inside).
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; conv_border_bias_1d
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun beta () Real)
(declare-fun b () Real)
(declare-fun x2 () Real)
(declare-fun V2 () Real)
(declare-fun x1 () Real)
(declare-fun V1 () Real)
(declare-fun x0 () Real)
(declare-fun V0 () Real)
(declare-fun beta_out () Real)
(assert
 (> beta 0.0))
(assert
 (let ((?x32 (+ (* 0.0 x2) beta)))
(let ((?x34 (ite (> ?x32 0.0) ?x32 0.0)))
(let ((?x22 (+ (* 0.0 x1) beta)))
(let ((?x24 (ite (> ?x22 0.0) ?x22 0.0)))
(let ((?x17 (+ (* 0.0 x0) beta)))
(let ((?x19 (ite (> ?x17 0.0) ?x17 0.0)))
(let ((?x38 (- (+ beta_out (+ (* V0 ?x19) (* V1 ?x24) (* V2 ?x34))) b)))
(let ((?x28 (- (+ beta_out (+ (* V0 0.0) (* V1 ?x19) (* V2 ?x24))) b)))
(let (($x65 (and (= V1 0.0) (= V2 0.0) (= beta_out 0.0) (= (* V0 beta) b))))
(let ((?x44 (- (+ beta_out (+ (* V0 ?x24) (* V1 ?x34) (* V2 0.0))) b)))
(let (($x72 (and (= ?x28 (- (+ beta_out (* beta (+ V1 V2))) b)) (= ?x38 (- (+ beta_out (* beta (+ V0 V1 V2))) b)) (= ?x44 (- (+ beta_out (* beta (+ V0 V1))) b)) (=> $x65 (and (= ?x28 (- b)) (= ?x38 0.0))))))
(not $x72)))))))))))))
(check-sat)
