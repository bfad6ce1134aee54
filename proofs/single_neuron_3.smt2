; lemma: single_neuron_3
; Single-neuron lemma in dimension 3 (the per-neuron step of Malach et al. 2020): for all w_j, x_j
; and all reals g_j (standing for g_j(x_j)), |σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ Σ_j |w_j x_j − g_j|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; single_neuron_3
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun g2 () Real)
(declare-fun x2 () Real)
(declare-fun w2 () Real)
(declare-fun g1 () Real)
(declare-fun x1 () Real)
(declare-fun w1 () Real)
(declare-fun g0 () Real)
(declare-fun x0 () Real)
(declare-fun w0 () Real)
(assert
 (let ((?x17 (* w2 x2)))
(let ((?x36 (- ?x17 g2)))
(let ((?x16 (* w1 x1)))
(let ((?x32 (- ?x16 g1)))
(let ((?x15 (* w0 x0)))
(let ((?x28 (- ?x15 g0)))
(let ((?x40 (+ (ite (< ?x28 0.0) (- ?x28) ?x28) (ite (< ?x32 0.0) (- ?x32) ?x32) (ite (< ?x36 0.0) (- ?x36) ?x36))))
(let ((?x24 (- (ite (> (+ ?x15 ?x16 ?x17) 0.0) (+ ?x15 ?x16 ?x17) 0.0) (ite (> (+ g0 g1 g2) 0.0) (+ g0 g1 g2) 0.0))))
(not (<= (ite (< ?x24 0.0) (- ?x24) ?x24) ?x40)))))))))))
(check-sat)
