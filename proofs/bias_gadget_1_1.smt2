; lemma: bias_gadget_1_1
; Bias gadget with 1 gadget and 1 constant neurons (docs/affine.md §2, certs/FORMAT.md fact 5): for
; all u_t, v_t (t < 1, any signs, u_t = 0 allowed), β_s > 0 and w_s (s < 1), and all β_o (the
; output's own bias, 0 if pruned), w, b, z, with y(z) = Σ_t v_t σ(u_t z) + Σ_s w_s σ(0·z + β_s) +
; β_o, P = Σ_{u_t>0} v_t u_t, Q = Σ_{u_t<0} v_t |u_t| and C = Σ_s w_s β_s + β_o: y(z) = P σ(z) + Q
; σ(−z) + C, y(z) − (w z + b) = (P − w) σ(z) + (Q + w) σ(−z) + (C − b), and |y(z) − (w z + b)| ≤ |P
; − w| σ(z) + |Q + w| σ(−z) + |C − b|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; bias_gadget_1_1
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun beta0 () Real)
(declare-fun b () Real)
(declare-fun beta_out () Real)
(declare-fun w_c0 () Real)
(declare-fun z () Real)
(declare-fun w () Real)
(declare-fun u0 () Real)
(declare-fun v0 () Real)
(assert
 (> beta0 0.0))
(assert
 (let ((?x34 (+ (* w_c0 beta0) beta_out)))
(let ((?x53 (- ?x34 b)))
(let ((?x38 (- z)))
(let ((?x40 (ite (> ?x38 0.0) ?x38 0.0)))
(let (($x28 (< u0 0.0)))
(let ((?x32 (ite $x28 (* v0 (ite $x28 (- u0) u0)) 0.0)))
(let ((?x50 (+ ?x32 w)))
(let ((?x36 (ite (> z 0.0) z 0.0)))
(let ((?x27 (ite (> u0 0.0) (* v0 u0) 0.0)))
(let ((?x48 (- ?x27 w)))
(let ((?x67 (+ (* (ite (< ?x48 0.0) (- ?x48) ?x48) ?x36) (* (ite (< ?x50 0.0) (- ?x50) ?x50) ?x40))))
(let ((?x19 (+ (* 0.0 z) beta0)))
(let ((?x23 (+ (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (* w_c0 (ite (> ?x19 0.0) ?x19 0.0)))))
(let ((?x24 (+ ?x23 beta_out)))
(let ((?x47 (- ?x24 (+ (* w z) b))))
(let (($x72 (<= (ite (< ?x47 0.0) (- ?x47) ?x47) (+ ?x67 (ite (< ?x53 0.0) (- ?x53) ?x53)))))
(let (($x74 (and (= ?x24 (+ (+ (* ?x27 ?x36) (* ?x32 ?x40)) ?x34)) (= ?x47 (+ (+ (* ?x48 ?x36) (* ?x50 ?x40)) ?x53)) $x72)))
(not $x74)))))))))))))))))))
(check-sat)
