; lemma: box_reach_3.false
; FALSE variant (dimension 3, lo forgotten): if lo ≤ x ≤ hi, M_j ≥ hi_j² for every j, reach ≥ 0 and
; reach² ≥ Σ_j M_j, then x_j² ≤ M_j for every j and ‖x‖² ≤ reach².
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; box_reach_3.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun reach () Real)
(declare-fun M2 () Real)
(declare-fun M1 () Real)
(declare-fun M0 () Real)
(declare-fun hi0 () Real)
(declare-fun x0 () Real)
(declare-fun lo0 () Real)
(declare-fun hi1 () Real)
(declare-fun x1 () Real)
(declare-fun lo1 () Real)
(declare-fun hi2 () Real)
(declare-fun x2 () Real)
(declare-fun lo2 () Real)
(assert
 (>= reach 0.0))
(assert
 (let ((?x20 (* reach reach)))
 (>= ?x20 (+ M0 M1 M2))))
(assert
 (and (<= lo0 x0) (<= x0 hi0)))
(assert
 (and (<= lo1 x1) (<= x1 hi1)))
(assert
 (and (<= lo2 x2) (<= x2 hi2)))
(assert
 (>= M0 (* hi0 hi0)))
(assert
 (>= M1 (* hi1 hi1)))
(assert
 (>= M2 (* hi2 hi2)))
(assert
 (let ((?x20 (* reach reach)))
(let (($x46 (and (<= (* x0 x0) M0) (<= (* x1 x1) M1) (<= (* x2 x2) M2) (<= (+ (* x0 x0) (* x1 x1) (* x2 x2)) ?x20))))
(not $x46))))
(check-sat)
