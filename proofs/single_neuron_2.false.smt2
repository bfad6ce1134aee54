; lemma: single_neuron_2.false
; FALSE variant (dimension 2, last term missing): |σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ Σ_{j<1} |w_j x_j
; − g_j|.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; single_neuron_2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun g0 () Real)
(declare-fun x0 () Real)
(declare-fun w0 () Real)
(declare-fun g1 () Real)
(declare-fun x1 () Real)
(declare-fun w1 () Real)
(assert
 (let ((?x12 (* w0 x0)))
(let ((?x24 (- ?x12 g0)))
(let ((?x14 (+ ?x12 (* w1 x1))))
(let ((?x20 (- (ite (> ?x14 0.0) ?x14 0.0) (ite (> (+ g0 g1) 0.0) (+ g0 g1) 0.0))))
(let (($x32 (<= (ite (< ?x20 0.0) (- ?x20) ?x20) (ite (< ?x24 0.0) (- ?x24) ?x24))))
(not $x32)))))))
(check-sat)
