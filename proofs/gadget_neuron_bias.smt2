; lemma: gadget_neuron_bias
; A gadget neuron loses its bias (docs/affine.md §2, certs/FORMAT.md fact 4): for u > 0, β > 0 and
; all z, with the bias pruned, σ(u z + 0·β) = u σ(z).
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; gadget_neuron_bias
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun u () Real)
(declare-fun beta () Real)
(declare-fun z () Real)
(assert
 (> u 0.0))
(assert
 (> beta 0.0))
(assert
 (let ((?x13 (+ (* u z) (* 0.0 beta))))
(let (($x19 (= (ite (> ?x13 0.0) ?x13 0.0) (* u (ite (> z 0.0) z 0.0)))))
(not $x19))))
(check-sat)
