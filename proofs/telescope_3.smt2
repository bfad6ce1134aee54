; lemma: telescope_3
; Telescoping through hybrids, scalar network of three layers (docs/tighter.md §5, Lemma 5 with K_1
; = ω2 ω3, K_2 = ω3, K_3 = 1): for all x, w_i, b_i and residuals r_i, with F(x) = w3 σ(w2 σ(w1 x +
; b1) + b2) + b3 and the pruned network â1 = σ(w1 x + b1 + r1), â2 = σ(w2 â1 + b2 + r2), G = w3 â2
; + b3 + r3: if |w2| ≤ ω2, |w3| ≤ ω3 and |r_i| ≤ S_i (i = 1, 2, 3), then |G − F(x)| ≤ S1 ω2 ω3 + S2
; ω3 + S3.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; telescope_3
(set-info :status unsat)
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
(let ((?x63 (- (+ (+ (* w3 (ite (> ?x36 0.0) ?x36 0.0)) b3) r3) (+ (* w3 (ite (> ?x26 0.0) ?x26 0.0)) b3))))
(let (($x71 (<= (ite (< ?x63 0.0) (- ?x63) ?x63) (+ (+ (* S1 (* omega2 omega3)) (* S2 omega3)) S3))))
(not $x71)))))))))
(check-sat)
