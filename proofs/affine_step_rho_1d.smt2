; lemma: affine_step_rho_1d
; Whole ρ step with biases in dimension 1, in one query (docs/affine.md §5, certs/FORMAT.md fact
; 6): if η, ω, β, ν, ρ ≥ 0, |â| ≤ ρ, |g| ≤ η |â| (gadget error), |W| ≤ ω, |e| ≤ β (bias error) and
; |b| ≤ ν, then with y = W â + b + g + e: σ(y) ≤ (ω + η) ρ + ν + β.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; affine_step_rho_1d
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun eta () Real)
(declare-fun omega () Real)
(declare-fun beta () Real)
(declare-fun nu () Real)
(declare-fun rho () Real)
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
 (>= nu 0.0))
(assert
 (>= rho 0.0))
(assert
 (let ((?x23 (ite (< a_hat 0.0) (- a_hat) a_hat)))
 (<= ?x23 rho)))
(assert
 (<= (ite (< g 0.0) (- g) g) (* eta (ite (< a_hat 0.0) (- a_hat) a_hat))))
(assert
 (<= (ite (< W 0.0) (- W) W) omega))
(assert
 (<= (ite (< e 0.0) (- e) e) beta))
(assert
 (<= (ite (< b 0.0) (- b) b) nu))
(assert
 (let ((?x49 (+ (+ (+ (* W a_hat) b) g) e)))
(let (($x52 (<= (ite (> ?x49 0.0) ?x49 0.0) (+ (+ (* (+ omega eta) rho) nu) beta))))
(not $x52))))
(check-sat)
