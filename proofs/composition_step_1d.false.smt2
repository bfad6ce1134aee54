; lemma: composition_step_1d.false
; FALSE variant (ω missing in δ): ... then (σ(y) − σ(W a))² ≤ (η ρ + δ)² and σ(y)² ≤ ((ω + η) ρ)².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; composition_step_1d.false
(set-info :status sat)
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
 (let (($x51 (<= (* (ite (> y 0.0) y 0.0) (ite (> y 0.0) y 0.0)) (* (* (* (+ omega eta) (+ omega eta)) rho) rho))))
(let ((?x38 (ite (> y 0.0) y 0.0)))
(let ((?x42 (- ?x38 (ite (> (* W a) 0.0) (* W a) 0.0))))
(let (($x45 (<= (* ?x42 ?x42) (* (+ (* eta rho) delta) (+ (* eta rho) delta)))))
(not (and $x45 $x51)))))))
(check-sat)
