; lemma: composition_rho_2
; Composition step for ρ (docs/composition.md §2), output dimension 2, in one query: for vectors y
; (G̃'s pre-activation) and b (standing for W â) and R2 = ‖â‖², if η, ω, ρ ≥ 0, R2 ≤ ρ², ‖y − b‖² ≤
; η² R2 and ‖b‖² ≤ ω² R2, then ‖σ(y)‖² ≤ ((ω + η) ρ)².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; composition_rho_2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun eta () Real)
(declare-fun omega () Real)
(declare-fun rho () Real)
(declare-fun R2 () Real)
(declare-fun b1 () Real)
(declare-fun y1 () Real)
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
 (let ((?x24 (+ (* (- y0 b0) (- y0 b0)) (* (- y1 b1) (- y1 b1)))))
 (<= ?x24 (* (* eta eta) R2))))
(assert
 (<= (+ (* b0 b0) (* b1 b1)) (* (* omega omega) R2)))
(assert
 (let ((?x38 (ite (> y1 0.0) y1 0.0)))
(let ((?x36 (ite (> y0 0.0) y0 0.0)))
(let (($x45 (<= (+ (* ?x36 ?x36) (* ?x38 ?x38)) (* (* (* (+ omega eta) (+ omega eta)) rho) rho))))
(not $x45)))))
(check-sat)
