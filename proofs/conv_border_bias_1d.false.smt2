; lemma: conv_border_bias_1d.false
; FALSE variant (padding read as β, the interior value claimed at the border): ... e[r] = β_o + β
; (V[0] + V[1] + V[2]) − b at every r, and e[0] = −b, e[1] = 0 when only V[0] is kept with V[0]·β =
; b.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; conv_border_bias_1d.false
(set-info :status sat)
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
(let (($x57 (and (= V1 0.0) (= V2 0.0) (= beta_out 0.0) (= (* V0 beta) b))))
(let ((?x48 (- (+ beta_out (* beta (+ V0 V1 V2))) b)))
(let ((?x44 (- (+ beta_out (+ (* V0 ?x24) (* V1 ?x34) (* V2 0.0))) b)))
(let (($x64 (and (= ?x28 ?x48) (= ?x38 ?x48) (= ?x44 ?x48) (=> $x57 (and (= ?x28 (- b)) (= ?x38 0.0))))))
(not $x64))))))))))))))
(check-sat)
