; lemma: single_neuron_1.false
; FALSE variant (dimension 1, last term missing): |σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ Σ_{j<0} |w_j x_j
; − g_j|.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; single_neuron_1.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun g0 () Real)
(declare-fun x0 () Real)
(declare-fun w0 () Real)
(assert
 (let ((?x14 (- (ite (> (* w0 x0) 0.0) (* w0 x0) 0.0) (ite (> g0 0.0) g0 0.0))))
(not (>= 0.0 (ite (< ?x14 0.0) (- ?x14) ?x14)))))
(check-sat)
