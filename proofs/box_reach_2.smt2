; lemma: box_reach_2
; Reach of a box in dimension 2 (docs/affine.md §4, certs/FORMAT.md fact 1): if lo_j ≤ x_j ≤ hi_j
; and M_j ≥ lo_j², M_j ≥ hi_j² for every j (fact 1 takes M_j = max(lo_j², hi_j²)), reach ≥ 0 and
; reach² ≥ Σ_j M_j, then x_j² ≤ M_j for every j and ‖x‖² ≤ reach².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; box_reach_2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun reach () Real)
(declare-fun M1 () Real)
(declare-fun M0 () Real)
(declare-fun hi0 () Real)
(declare-fun x0 () Real)
(declare-fun lo0 () Real)
(declare-fun hi1 () Real)
(declare-fun x1 () Real)
(declare-fun lo1 () Real)
(assert
 (>= reach 0.0))
(assert
 (let ((?x16 (* reach reach)))
 (>= ?x16 (+ M0 M1))))
(assert
 (and (<= lo0 x0) (<= x0 hi0)))
(assert
 (and (<= lo1 x1) (<= x1 hi1)))
(assert
 (and (>= M0 (* lo0 lo0)) (>= M0 (* hi0 hi0))))
(assert
 (and (>= M1 (* lo1 lo1)) (>= M1 (* hi1 hi1))))
(assert
 (let (($x41 (and (<= (* x0 x0) M0) (<= (* x1 x1) M1) (<= (+ (* x0 x0) (* x1 x1)) (* reach reach)))))
(not $x41)))
(check-sat)
