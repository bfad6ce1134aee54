; lemma: composition_rho_1.false
; FALSE variant (dimension 1, η missing): ... then ‖σ(y)‖² ≤ (ω ρ)².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; composition_rho_1.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun eta () Real)
(declare-fun omega () Real)
(declare-fun rho () Real)
(declare-fun R2 () Real)
(declare-fun b0 () Real)
(declare-fun y0 () Real)
(assert
 (>= eta 0.0))
(assert
 (>= omega 0.0))
(assert
 (>= rho 0.0))
(assert
 (>= R2 0.0))
(assert
 (<= R2 (* rho rho)))
(assert
 (<= (* (- y0 b0) (- y0 b0)) (* (* eta eta) R2)))
(assert
 (<= (* b0 b0) (* (* omega omega) R2)))
(assert
 (let ((?x28 (ite (> y0 0.0) y0 0.0)))
(not (<= (* ?x28 ?x28) (* (* (* omega omega) rho) rho)))))
(check-sat)
