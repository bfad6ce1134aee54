; lemma: telescope_3.false
; FALSE variant (ω2 dropped from K_1): ... then |G − F(x)| ≤ S1 ω3 + S2 ω3 + S3.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; telescope_3.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun omega2 () Real)
(declare-fun w2 () Real)
(declare-fun omega3 () Real)
(declare-fun w3 () Real)
(declare-fun S1 () Real)
(declare-fun r1 () Real)
(declare-fun S2 () Real)
(declare-fun r2 () Real)
(declare-fun S3 () Real)
(declare-fun r3 () Real)
(declare-fun b3 () Real)
(declare-fun b2 () Real)
(declare-fun b1 () Real)
(declare-fun x () Real)
(declare-fun w1 () Real)
(assert
 (<= (ite (< w2 0.0) (- w2) w2) omega2))
(assert
 (<= (ite (< w3 0.0) (- w3) w3) omega3))
(assert
 (<= (ite (< r1 0.0) (- r1) r1) S1))
(assert
 (<= (ite (< r2 0.0) (- r2) r2) S2))
(assert
 (<= (ite (< r3 0.0) (- r3) r3) S3))
(assert
 (let ((?x25 (* w2 (ite (> (+ (* w1 x) b1) 0.0) (+ (* w1 x) b1) 0.0))))
(let ((?x26 (+ ?x25 b2)))
(let ((?x22 (+ (* w1 x) b1)))
(let ((?x31 (+ ?x22 r1)))
(let ((?x36 (+ (+ (* w2 (ite (> ?x31 0.0) ?x31 0.0)) b2) r2)))
(let ((?x62 (- (+ (+ (* w3 (ite (> ?x36 0.0) ?x36 0.0)) b3) r3) (+ (* w3 (ite (> ?x26 0.0) ?x26 0.0)) b3))))
(let (($x70 (<= (ite (< ?x62 0.0) (- ?x62) ?x62) (+ (+ (* S1 omega3) (* S2 omega3)) S3))))
(not $x70)))))))))
(check-sat)
