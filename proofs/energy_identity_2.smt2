; lemma: energy_identity_2
; Energy identity in dimension 2 (docs/gadgets.md §4): ‖σ(z)‖² + ‖σ(−z)‖² = ‖z‖².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; energy_identity_2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z1 () Real)
(declare-fun z0 () Real)
(assert
 (let ((?x11 (- z1)))
(let ((?x13 (ite (> ?x11 0.0) ?x11 0.0)))
(let ((?x8 (- z0)))
(let ((?x10 (ite (> ?x8 0.0) ?x8 0.0)))
(let ((?x17 (ite (> z1 0.0) z1 0.0)))
(let ((?x15 (ite (> z0 0.0) z0 0.0)))
(let ((?x24 (+ (+ (* ?x15 ?x15) (* ?x17 ?x17)) (+ (* ?x10 ?x10) (* ?x13 ?x13)))))
(not (= ?x24 (+ (* z0 z0) (* z1 z1))))))))))))
(check-sat)
