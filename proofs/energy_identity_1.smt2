; lemma: energy_identity_1
; Energy identity in dimension 1 (docs/gadgets.md §4): ‖σ(z)‖² + ‖σ(−z)‖² = ‖z‖².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; energy_identity_1
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z0 () Real)
(assert
 (let ((?x7 (- z0)))
(let ((?x9 (ite (> ?x7 0.0) ?x7 0.0)))
(let ((?x11 (ite (> z0 0.0) z0 0.0)))
(not (= (+ (* ?x11 ?x11) (* ?x9 ?x9)) (* z0 z0)))))))
(check-sat)
