; lemma: rescaled_frame.false
; FALSE variant (c and d swapped): y − d w z = (dP − cw) σ(z) + (dQ + cw) σ(−z).
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; rescaled_frame.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun c () Real)
(declare-fun d () Real)
(declare-fun z () Real)
(declare-fun w () Real)
(declare-fun Q () Real)
(declare-fun P () Real)
(assert
 (> c 0.0))
(assert
 (> d 0.0))
(assert
 (let ((?x38 (* (+ (* d Q) (* c w)) (ite (> (- z) 0.0) (- z) 0.0))))
(let ((?x39 (+ (* (- (* d P) (* c w)) (ite (> z 0.0) z 0.0)) ?x38)))
(let ((?x21 (+ (* P (ite (> (* c z) 0.0) (* c z) 0.0)) (* Q (ite (> (* (- c) z) 0.0) (* (- c) z) 0.0)))))
(not (= (- ?x21 (* (* d w) z)) ?x39))))))
(check-sat)
