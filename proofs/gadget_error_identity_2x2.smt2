; lemma: gadget_error_identity_2x2
; Layer error identity (docs/gadgets.md §3), W, P, Q of shape 2×2: for all z, y(z) − W z = E⁺ σ(z)
; + E⁻ σ(−z) where y(z) = P σ(z) + Q σ(−z), E⁺ = P − W, E⁻ = Q + W.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; gadget_error_identity_2x2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun z1 () Real)
(declare-fun W1_1 () Real)
(declare-fun Q1_1 () Real)
(declare-fun P1_1 () Real)
(declare-fun z0 () Real)
(declare-fun W1_0 () Real)
(declare-fun Q1_0 () Real)
(declare-fun P1_0 () Real)
(declare-fun W0_1 () Real)
(declare-fun Q0_1 () Real)
(declare-fun P0_1 () Real)
(declare-fun W0_0 () Real)
(declare-fun Q0_0 () Real)
(declare-fun P0_0 () Real)
(assert
 (let ((?x31 (- z1)))
(let ((?x33 (ite (> ?x31 0.0) ?x31 0.0)))
(let ((?x77 (+ (* (- P1_1 W1_1) (ite (> z1 0.0) z1 0.0)) (* (+ Q1_1 (* 1.0 W1_1)) ?x33))))
(let ((?x23 (- z0)))
(let ((?x25 (ite (> ?x23 0.0) ?x23 0.0)))
(let ((?x71 (+ (* (- P1_0 W1_0) (ite (> z0 0.0) z0 0.0)) (* (+ Q1_0 (* 1.0 W1_0)) ?x25))))
(let ((?x62 (+ (+ (* P1_0 (ite (> z0 0.0) z0 0.0)) (* Q1_0 ?x25)) (+ (* P1_1 (ite (> z1 0.0) z1 0.0)) (* Q1_1 ?x33)))))
(let ((?x52 (+ (* (- P0_1 W0_1) (ite (> z1 0.0) z1 0.0)) (* (+ Q0_1 (* 1.0 W0_1)) ?x33))))
(let ((?x46 (+ (* (- P0_0 W0_0) (ite (> z0 0.0) z0 0.0)) (* (+ Q0_0 (* 1.0 W0_0)) ?x25))))
(let ((?x36 (+ (+ (* P0_0 (ite (> z0 0.0) z0 0.0)) (* Q0_0 ?x25)) (+ (* P0_1 (ite (> z1 0.0) z1 0.0)) (* Q0_1 ?x33)))))
(let (($x81 (and (= (- ?x36 (+ (* W0_0 z0) (* W0_1 z1))) (+ ?x46 ?x52)) (= (- ?x62 (+ (* W1_0 z0) (* W1_1 z1))) (+ ?x71 ?x77)))))
(not $x81)))))))))))))
(check-sat)
