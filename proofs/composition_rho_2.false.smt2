; lemma: composition_rho_2.false
; FALSE variant (dimension 2, η missing): ... then ‖σ(y)‖² ≤ (ω ρ)².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; composition_rho_2.false
(set-info :status sat)
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
 (let ((?x37 (ite (> y1 0.0) y1 0.0)))
(let ((?x35 (ite (> y0 0.0) y0 0.0)))
(let (($x43 (<= (+ (* ?x35 ?x35) (* ?x37 ?x37)) (* (* (* omega omega) rho) rho))))
(not $x43)))))
(check-sat)
