; lemma: rescaled_affine_frame
; Bias errors in F's units (docs/affine.md §3, certs/FORMAT.md fact 5): for c, d > 0 (c = 2^s_in, d
; = 2^s_out) and all P, Q, C', w, b, z, with y = P σ(c z) + Q σ(−c z) + C' the rescaled pair fed z'
; = c z: y/d − (w z + b) = (cP/d − w) σ(z) + (cQ/d + w) σ(−z) + (C'/d − b), stated multiplied by d.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; rescaled_affine_frame
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun c () Real)
(declare-fun d () Real)
(declare-fun b () Real)
(declare-fun C () Real)
(declare-fun z () Real)
(declare-fun w () Real)
(declare-fun Q () Real)
(declare-fun P () Real)
(assert
 (> c 0.0))
(assert
 (> d 0.0))
(assert
 (let ((?x44 (* (+ (* c Q) (* d w)) (ite (> (- z) 0.0) (- z) 0.0))))
(let ((?x45 (+ (* (- (* c P) (* d w)) (ite (> z 0.0) z 0.0)) ?x44)))
(let ((?x23 (+ (* P (ite (> (* c z) 0.0) (* c z) 0.0)) (* Q (ite (> (* (- c) z) 0.0) (* (- c) z) 0.0)))))
(let (($x47 (= (- (+ ?x23 C) (* d (+ (* w z) b))) (+ ?x45 (- C (* d b))))))
(not $x47))))))
(check-sat)
