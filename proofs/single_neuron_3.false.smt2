; lemma: single_neuron_3.false
; FALSE variant (dimension 3, last term missing): |σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ Σ_{j<2} |w_j x_j
; − g_j|.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; single_neuron_3.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun g1 () Real)
(declare-fun x1 () Real)
(declare-fun w1 () Real)
(declare-fun g0 () Real)
(declare-fun x0 () Real)
(declare-fun w0 () Real)
(declare-fun g2 () Real)
(declare-fun x2 () Real)
(declare-fun w2 () Real)
(assert
 (let ((?x16 (* w1 x1)))
(let ((?x32 (- ?x16 g1)))
(let ((?x15 (* w0 x0)))
(let ((?x28 (- ?x15 g0)))
(let ((?x40 (+ (ite (< ?x28 0.0) (- ?x28) ?x28) (ite (< ?x32 0.0) (- ?x32) ?x32))))
(let ((?x18 (+ ?x15 ?x16 (* w2 x2))))
(let ((?x24 (- (ite (> ?x18 0.0) ?x18 0.0) (ite (> (+ g0 g1 g2) 0.0) (+ g0 g1 g2) 0.0))))
(not (<= (ite (< ?x24 0.0) (- ?x24) ?x24) ?x40))))))))))
(check-sat)
