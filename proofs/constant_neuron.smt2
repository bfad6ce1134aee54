; lemma: constant_neuron
; Constant neuron (docs/affine.md §2, certs/FORMAT.md fact 4): for β > 0 and all z, σ(0·z + β) = β:
; a hidden neuron that keeps its positive bias and no input edge outputs β whatever its input.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; constant_neuron
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun beta () Real)
(declare-fun z () Real)
(assert
 (> beta 0.0))
(assert
 (let ((?x10 (+ (* 0.0 z) beta)))
(not (= (ite (> ?x10 0.0) ?x10 0.0) beta))))
(check-sat)
