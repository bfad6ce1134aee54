; lemma: single_neuron_1
; Single-neuron lemma in dimension 1 (the per-neuron step of Malach et al. 2020): for all w_j, x_j
; and all reals g_j (standing for g_j(x_j)), |σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ Σ_j |w_j x_j − g_j|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; single_neuron_1
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun g0 () Real)
(declare-fun x0 () Real)
(declare-fun w0 () Real)
(assert
 (let ((?x9 (* w0 x0)))
(let ((?x18 (- ?x9 g0)))
(let ((?x14 (- (ite (> ?x9 0.0) ?x9 0.0) (ite (> g0 0.0) g0 0.0))))
(let (($x22 (<= (ite (< ?x14 0.0) (- ?x14) ?x14) (ite (< ?x18 0.0) (- ?x18) ?x18))))
(not $x22))))))
(check-sat)
