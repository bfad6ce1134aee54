; lemma: rescaled_frame
; Errors in F's units (certs/FORMAT.md check 5): for c, d > 0 (c = 2^s_in, d = 2^s_out) and all P,
; Q, w, z, with y = P σ(c z) + Q σ(−c z) the rescaled gadget fed z' = c z: y/d − w z = (cP/d − w)
; σ(z) + (cQ/d + w) σ(−z), stated multiplied by d.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; rescaled_frame
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun c () Real)
(declare-fun d () Real)
(declare-fun z () Real)
(declare-fun w () Real)
(declare-fun Q () Real)
(declare-fun P () Real)
(assert
 (> c 0.0))
(assert
 (> d 0.0))
(assert
 (let ((?x37 (* (+ (* c Q) (* d w)) (ite (> (- z) 0.0) (- z) 0.0))))
(let ((?x38 (+ (* (- (* c P) (* d w)) (ite (> z 0.0) z 0.0)) ?x37)))
(let ((?x21 (+ (* P (ite (> (* c z) 0.0) (* c z) 0.0)) (* Q (ite (> (* (- c) z) 0.0) (* (- c) z) 0.0)))))
(not (= (- ?x21 (* (* d w) z)) ?x38))))))
(check-sat)
