; lemma: single_neuron_2
; Single-neuron lemma in dimension 2 (the per-neuron step of Malach et al. 2020): for all w_j, x_j
; and all reals g_j (standing for g_j(x_j)), |σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ Σ_j |w_j x_j − g_j|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; single_neuron_2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun g1 () Real)
(declare-fun x1 () Real)
(declare-fun w1 () Real)
(declare-fun g0 () Real)
(declare-fun x0 () Real)
(declare-fun w0 () Real)
(assert
 (let ((?x13 (* w1 x1)))
(let ((?x28 (- ?x13 g1)))
(let ((?x12 (* w0 x0)))
(let ((?x24 (- ?x12 g0)))
(let ((?x32 (+ (ite (< ?x24 0.0) (- ?x24) ?x24) (ite (< ?x28 0.0) (- ?x28) ?x28))))
(let ((?x20 (- (ite (> (+ ?x12 ?x13) 0.0) (+ ?x12 ?x13) 0.0) (ite (> (+ g0 g1) 0.0) (+ g0 g1) 0.0))))
(not (<= (ite (< ?x20 0.0) (- ?x20) ?x20) ?x32)))))))))
(check-sat)
