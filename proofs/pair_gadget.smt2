; lemma: pair_gadget
; Pair gadget (Malach et al. 2020; docs/gadgets.md §3): for u1 > 0 > u2 and all v1, v2, w, z, with
; y(z) = v1 σ(u1 z) + v2 σ(u2 z), P = v1 u1, Q = v2 |u2|: y(z) = P σ(z) + Q σ(−z) and |y(z) − w z|
; ≤ |P − w| σ(z) + |Q + w| σ(−z).
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; pair_gadget
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun u1 () Real)
(declare-fun u2 () Real)
(declare-fun z () Real)
(declare-fun w () Real)
(declare-fun v2 () Real)
(declare-fun v1 () Real)
(assert
 (> u1 0.0))
(assert
 (< u2 0.0))
(assert
 (let ((?x30 (- z)))
(let ((?x32 (ite (> ?x30 0.0) ?x30 0.0)))
(let ((?x25 (* v2 (ite (< u2 0.0) (- u2) u2))))
(let ((?x26 (+ ?x25 w)))
(let ((?x28 (ite (> z 0.0) z 0.0)))
(let ((?x21 (* v1 u1)))
(let ((?x41 (- ?x21 w)))
(let ((?x50 (+ (* (ite (< ?x41 0.0) (- ?x41) ?x41) ?x28) (* (ite (< ?x26 0.0) (- ?x26) ?x26) ?x32))))
(let ((?x20 (+ (* v1 (ite (> (* u1 z) 0.0) (* u1 z) 0.0)) (* v2 (ite (> (* u2 z) 0.0) (* u2 z) 0.0)))))
(let ((?x37 (- ?x20 (* w z))))
(let (($x53 (and (= ?x20 (+ (* ?x21 ?x28) (* ?x25 ?x32))) (<= (ite (< ?x37 0.0) (- ?x37) ?x37) ?x50))))
(not $x53)))))))))))))
(check-sat)
