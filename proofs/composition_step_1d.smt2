; lemma: composition_step_1d
; Whole composition step in dimension 1, in one query (docs/composition.md §2): if η, ω, δ, ρ ≥ 0,
; (â − a)² ≤ δ², â² ≤ ρ², (y − W â)² ≤ η² â², W² ≤ ω², then (σ(y) − σ(W a))² ≤ (η ρ + ω δ)² and
; σ(y)² ≤ ((ω + η) ρ)².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; composition_step_1d
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun eta () Real)
(declare-fun omega () Real)
(declare-fun delta () Real)
(declare-fun rho () Real)
(declare-fun a () Real)
(declare-fun a_hat () Real)
(declare-fun W () Real)
(declare-fun y () Real)
(assert
 (>= eta 0.0))
(assert
 (>= omega 0.0))
(assert
 (>= delta 0.0))
(assert
 (>= rho 0.0))
(assert
 (<= (* (- a_hat a) (- a_hat a)) (* delta delta)))
(assert
 (<= (* a_hat a_hat) (* rho rho)))
(assert
 (<= (* (- y (* W a_hat)) (- y (* W a_hat))) (* (* (* eta eta) a_hat) a_hat)))
(assert
 (<= (* W W) (* omega omega)))
(assert
 (let (($x52 (<= (* (ite (> y 0.0) y 0.0) (ite (> y 0.0) y 0.0)) (* (* (* (+ omega eta) (+ omega eta)) rho) rho))))
(let ((?x37 (+ (* eta rho) (* omega delta))))
(let ((?x39 (ite (> y 0.0) y 0.0)))
(let ((?x43 (- ?x39 (ite (> (* W a) 0.0) (* W a) 0.0))))
(not (and (<= (* ?x43 ?x43) (* ?x37 ?x37)) $x52)))))))
(check-sat)
