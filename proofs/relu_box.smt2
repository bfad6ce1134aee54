; lemma: relu_box
; ReLU on a box (docs/tighter.md §3, the reach box; used by §2 Lemma 1 from layer 2 on): for all l,
; y, u, l ≤ y ≤ u implies σ(l) ≤ σ(y) ≤ σ(u).
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; relu_box
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun y () Real)
(declare-fun l () Real)
(declare-fun u () Real)
(assert
 (<= l y))
(assert
 (<= y u))
(assert
 (let (($x19 (and (<= (ite (> l 0.0) l 0.0) (ite (> y 0.0) y 0.0)) (<= (ite (> y 0.0) y 0.0) (ite (> u 0.0) u 0.0)))))
(not $x19)))
(check-sat)
