; lemma: bias_gadget_3_3
; Bias gadget with 3 gadget and 3 constant neurons (docs/affine.md §2, certs/FORMAT.md fact 5): for
; all u_t, v_t (t < 3, any signs, u_t = 0 allowed), β_s > 0 and w_s (s < 3), and all β_o (the
; output's own bias, 0 if pruned), w, b, z, with y(z) = Σ_t v_t σ(u_t z) + Σ_s w_s σ(0·z + β_s) +
; β_o, P = Σ_{u_t>0} v_t u_t, Q = Σ_{u_t<0} v_t |u_t| and C = Σ_s w_s β_s + β_o: y(z) = P σ(z) + Q
; σ(−z) + C, y(z) − (w z + b) = (P − w) σ(z) + (Q + w) σ(−z) + (C − b), and |y(z) − (w z + b)| ≤ |P
; − w| σ(z) + |Q + w| σ(−z) + |C − b|.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; bias_gadget_3_3
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun beta0 () Real)
(declare-fun beta1 () Real)
(declare-fun beta2 () Real)
(declare-fun b () Real)
(declare-fun beta_out () Real)
(declare-fun w_c2 () Real)
(declare-fun w_c1 () Real)
(declare-fun w_c0 () Real)
(declare-fun z () Real)
(declare-fun w () Real)
(declare-fun u2 () Real)
(declare-fun v2 () Real)
(declare-fun u1 () Real)
(declare-fun v1 () Real)
(declare-fun u0 () Real)
(declare-fun v0 () Real)
(assert
 (> beta0 0.0))
(assert
 (> beta1 0.0))
(assert
 (> beta2 0.0))
(assert
 (let ((?x79 (+ (+ (* w_c0 beta0) (* w_c1 beta1) (* w_c2 beta2)) beta_out)))
(let ((?x98 (- ?x79 b)))
(let ((?x83 (- z)))
(let ((?x85 (ite (> ?x83 0.0) ?x83 0.0)))
(let (($x69 (< u2 0.0)))
(let (($x64 (< u1 0.0)))
(let (($x59 (< u0 0.0)))
(let ((?x74 (+ (ite $x59 (* v0 (ite $x59 (- u0) u0)) 0.0) (ite $x64 (* v1 (ite $x64 (- u1) u1)) 0.0) (ite $x69 (* v2 (ite $x69 (- u2) u2)) 0.0))))
(let ((?x95 (+ ?x74 w)))
(let ((?x81 (ite (> z 0.0) z 0.0)))
(let ((?x58 (+ (ite (> u0 0.0) (* v0 u0) 0.0) (ite (> u1 0.0) (* v1 u1) 0.0) (ite (> u2 0.0) (* v2 u2) 0.0))))
(let ((?x93 (- ?x58 w)))
(let ((?x112 (+ (* (ite (< ?x93 0.0) (- ?x93) ?x93) ?x81) (* (ite (< ?x95 0.0) (- ?x95) ?x95) ?x85))))
(let ((?x34 (* 0.0 z)))
(let ((?x43 (+ ?x34 beta2)))
(let ((?x47 (+ (* v0 (ite (> (* u0 z) 0.0) (* u0 z) 0.0)) (* v1 (ite (> (* u1 z) 0.0) (* u1 z) 0.0)) (* v2 (ite (> (* u2 z) 0.0) (* u2 z) 0.0)) (* w_c0 (ite (> (+ ?x34 beta0) 0.0) (+ ?x34 beta0) 0.0)) (* w_c1 (ite (> (+ ?x34 beta1) 0.0) (+ ?x34 beta1) 0.0)) (* w_c2 (ite (> ?x43 0.0) ?x43 0.0)))))
(let ((?x48 (+ ?x47 beta_out)))
(let ((?x92 (- ?x48 (+ (* w z) b))))
(let (($x117 (<= (ite (< ?x92 0.0) (- ?x92) ?x92) (+ ?x112 (ite (< ?x98 0.0) (- ?x98) ?x98)))))
(let (($x121 (and (= ?x48 (+ (+ (* ?x58 ?x81) (* ?x74 ?x85)) ?x79)) (= ?x92 (+ (+ (* ?x93 ?x81) (* ?x95 ?x85)) ?x98)) $x117)))
(not $x121))))))))))))))))))))))
(check-sat)
