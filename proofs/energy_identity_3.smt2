; lemma: energy_identity_3
; Energy identity in dimension 3 (docs/gadgets.md §4): ‖σ(z)‖² + ‖σ(−z)‖² = ‖z‖².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; energy_identity_3
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z2 () Real)
(declare-fun z1 () Real)
(declare-fun z0 () Real)
(assert
 (let ((?x15 (- z2)))
(let ((?x17 (ite (> ?x15 0.0) ?x15 0.0)))
(let ((?x12 (- z1)))
(let ((?x14 (ite (> ?x12 0.0) ?x12 0.0)))
(let ((?x9 (- z0)))
(let ((?x11 (ite (> ?x9 0.0) ?x9 0.0)))
(let ((?x23 (ite (> z2 0.0) z2 0.0)))
(let ((?x21 (ite (> z1 0.0) z1 0.0)))
(let ((?x19 (ite (> z0 0.0) z0 0.0)))
(let ((?x32 (+ (+ (* ?x19 ?x19) (* ?x21 ?x21) (* ?x23 ?x23)) (+ (* ?x11 ?x11) (* ?x14 ?x14) (* ?x17 ?x17)))))
(not (= ?x32 (+ (* z0 z0) (* z1 z1) (* z2 z2)))))))))))))))
(check-sat)
