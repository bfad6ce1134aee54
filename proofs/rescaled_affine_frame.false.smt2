; lemma: rescaled_affine_frame.false
; FALSE variant (bias not rescaled): y − d (w z + b) = (cP − dw) σ(z) + (cQ + dw) σ(−z) + (C' − b).
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; rescaled_affine_frame.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun c () Real)
(declare-fun d () Real)
(declare-fun b () Real)
(declare-fun C () Real)
(declare-fun z () Real)
(declare-fun w () Real)
(declare-fun Q () Real)
(declare-fun P () Real)
(assert
 (> c 0.0))
(assert
 (> d 0.0))
(assert
 (let ((?x43 (* (+ (* c Q) (* d w)) (ite (> (- z) 0.0) (- z) 0.0))))
(let ((?x44 (+ (* (- (* c P) (* d w)) (ite (> z 0.0) z 0.0)) ?x43)))
(let ((?x23 (+ (* P (ite (> (* c z) 0.0) (* c z) 0.0)) (* Q (ite (> (* (- c) z) 0.0) (* (- c) z) 0.0)))))
(let (($x46 (= (- (+ ?x23 C) (* d (+ (* w z) b))) (+ ?x44 (- C b)))))
(not $x46))))))
(check-sat)
