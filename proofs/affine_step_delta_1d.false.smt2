; lemma: affine_step_delta_1d.false
; FALSE variant (β dropped): ... then |σ(y) − σ(W a + b)| ≤ η ρ + ω δ.
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; affine_step_delta_1d.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun eta () Real)
(declare-fun omega () Real)
(declare-fun beta () Real)
(declare-fun delta () Real)
(declare-fun rho () Real)
(declare-fun a () Real)
(declare-fun a_hat () Real)
(declare-fun g () Real)
(declare-fun W () Real)
(declare-fun e () Real)
(declare-fun b () Real)
(assert
 (>= eta 0.0))
(assert
 (>= omega 0.0))
(assert
 (>= beta 0.0))
(assert
 (>= delta 0.0))
(assert
 (>= rho 0.0))
(assert
 (<= (ite (< (- a_hat a) 0.0) (- (- a_hat a)) (- a_hat a)) delta))
(assert
 (let ((?x29 (ite (< a_hat 0.0) (- a_hat) a_hat)))
 (<= ?x29 rho)))
(assert
 (<= (ite (< g 0.0) (- g) g) (* eta (ite (< a_hat 0.0) (- a_hat) a_hat))))
(assert
 (<= (ite (< W 0.0) (- W) W) omega))
(assert
 (<= (ite (< e 0.0) (- e) e) beta))
(assert
 (let ((?x51 (+ (+ (+ (* W a_hat) b) g) e)))
(let ((?x58 (- (ite (> ?x51 0.0) ?x51 0.0) (ite (> (+ (* W a) b) 0.0) (+ (* W a) b) 0.0))))
(let (($x62 (<= (ite (< ?x58 0.0) (- ?x58) ?x58) (+ (+ (* eta rho) 0.0) (* omega delta)))))
(not $x62)))))
(check-sat)
