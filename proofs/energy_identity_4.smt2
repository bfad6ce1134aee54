; lemma: energy_identity_4
; Energy identity in dimension 4 (docs/gadgets.md §4): ‖σ(z)‖² + ‖σ(−z)‖² = ‖z‖².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; energy_identity_4
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z3 () Real)
(declare-fun z2 () Real)
(declare-fun z1 () Real)
(declare-fun z0 () Real)
(assert
 (let ((?x19 (- z3)))
(let ((?x21 (ite (> ?x19 0.0) ?x19 0.0)))
(let ((?x16 (- z2)))
(let ((?x18 (ite (> ?x16 0.0) ?x16 0.0)))
(let ((?x13 (- z1)))
(let ((?x15 (ite (> ?x13 0.0) ?x13 0.0)))
(let ((?x10 (- z0)))
(let ((?x12 (ite (> ?x10 0.0) ?x10 0.0)))
(let ((?x29 (ite (> z3 0.0) z3 0.0)))
(let ((?x27 (ite (> z2 0.0) z2 0.0)))
(let ((?x25 (ite (> z1 0.0) z1 0.0)))
(let ((?x23 (ite (> z0 0.0) z0 0.0)))
(let ((?x40 (+ (+ (* ?x23 ?x23) (* ?x25 ?x25) (* ?x27 ?x27) (* ?x29 ?x29)) (+ (* ?x12 ?x12) (* ?x15 ?x15) (* ?x18 ?x18) (* ?x21 ?x21)))))
(let (($x46 (= ?x40 (+ (* z0 z0) (* z1 z1) (* z2 z2) (* z3 z3)))))
(not $x46))))))))))))))))
(check-sat)
