; lemma: composition_rho_1
; Composition step for ρ (docs/composition.md §2), output dimension 1, in one query: for vectors y
; (G̃'s pre-activation) and b (standing for W â) and R2 = ‖â‖², if η, ω, ρ ≥ 0, R2 ≤ ρ², ‖y − b‖² ≤
; η² R2 and ‖b‖² ≤ ω² R2, then ‖σ(y)‖² ≤ ((ω + η) ρ)².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; composition_rho_1
(set-info :status unsat)
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
 (let ((?x29 (ite (> y0 0.0) y0 0.0)))
(let (($x34 (<= (* ?x29 ?x29) (* (* (* (+ omega eta) (+ omega eta)) rho) rho))))
(not $x34))))
(check-sat)
