; lemma: bias_gadget_2_2
; Bias gadget with 2 gadget and 2 constant neurons (docs/affine.md §2, certs/FORMAT.md fact 5): for
; all u_t, v_t (t < 2, any signs, u_t = 0 allowed), β_s > 0 and w_s (s < 2), and all β_o (the
; output's own bias, 0 if pruned), w, b, z, with y(z) = Σ_t v_t σ(u_t z) + Σ_s w_s σ(0·z + β_s) +
; β_o, P = Σ_{u_t>0} v_t u_t, Q = Σ_{u_t<0} v_t |u_t| and C = Σ_s w_s β_s + β_o: y(z) = P σ(z) + Q
; σ(−z) + C, y(z) − (w z + b) = (P − w) σ(z) + (Q + w) σ(−z) + (C − b), and |y(z) − (w z + b)| ≤ |P
; − w| σ(z) + |Q + w| σ(−z) + |C − b|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; bias_gadget_2_2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun beta0 () Real)
(declare-fun beta1 () Real)
(declare-fun b () Real)
(declare-fun beta_out () Real)
(declare-fun w_c1 () Real)
(declare-fun w_c0 () Real)
(declare-fun z () Real)
(declare-fun w () Real)
(declare-fun u1 () Real)
(declare-fun v1 () Real)
(declare-fun u0 () Real)
(declare-fun v0 () Real)
(assert
 (> beta0 0.0))
(assert
 (> beta1 0.0))
(assert
 (let ((?x58 (+ (+ (* w_c0 beta0) (* w_c1 beta1)) beta_out)))
(let ((?x77 (- ?x58 b)))
(let ((?x62 (- z)))
(let ((?x64 (ite (> ?x62 0.0) ?x62 0.0)))
(let (($x49 (< u1 0.0)))
(let (($x44 (< u0 0.0)))
(let ((?x54 (+ (ite $x44 (* v0 (ite $x44 (- u0) u0)) 0.0) (ite $x49 (* v1 (ite $x49 (- u1) u1)) 0.0))))
(let ((?x74 (+ ?x54 w)))
(let ((?x60 (ite (> z 0.0) z 0.0)))
(let ((?x43 (+ (ite (> u0 0.0) (* v0 u0) 0.0) (ite (> u1 0.0) (* v1 u1) 0.0))))
(let ((?x72 (- ?x43 w)))
(let ((?x91 (+ (* (ite (< ?x72 0.0) (- ?x72) ?x72) ?x60) (* (ite (< ?x74 0.0) (- ?x74) ?x74) ?x64))))
(let ((?x26 (* 0.0 z)))
(let ((?x31 (+ ?x26 beta1)))
(let ((?x35 (+ (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (* v1 (ite (> (* u1 z) 0.0) (* u1 z) 0.0)) (* w_c0 (ite (> (+ ?x26 beta0) 0.0) (+ ?x26 beta0) 0.0)) (* w_c1 (ite (> ?x31 0.0) ?x31 0.0)))))
(let ((?x36 (+ ?x35 beta_out)))
(let ((?x71 (- ?x36 (+ (* w z) b))))
(let (($x96 (<= (ite (< ?x71 0.0) (- ?x71) ?x71) (+ ?x91 (ite (< ?x77 0.0) (- ?x77) ?x77)))))
(let (($x99 (and (= ?x36 (+ (+ (* ?x43 ?x60) (* ?x54 ?x64)) ?x58)) (= ?x71 (+ (+ (* ?x72 ?x60) (* ?x74 ?x64)) ?x77)) $x96)))
(not $x99)))))))))))))))))))))
(check-sat)
