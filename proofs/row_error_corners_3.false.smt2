; lemma: row_error_corners_3.false
; FALSE variant (dimension 3, corners without the sign split): ... |Σ_j E_j h_j + e| ≤ max(|Σ_j E_j
; u_j + e|, |Σ_j E_j l_j + e|).
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; row_error_corners_3.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun u0 () Real)
(declare-fun h0 () Real)
(declare-fun l0 () Real)
(declare-fun u1 () Real)
(declare-fun h1 () Real)
(declare-fun l1 () Real)
(declare-fun u2 () Real)
(declare-fun h2 () Real)
(declare-fun l2 () Real)
(declare-fun e () Real)
(declare-fun E2 () Real)
(declare-fun E1 () Real)
(declare-fun E0 () Real)
(assert
 (and (<= l0 h0) (<= h0 u0)))
(assert
 (and (<= l1 h1) (<= h1 u1)))
(assert
 (and (<= l2 h2) (<= h2 u2)))
(assert
 (let ((?x37 (+ (+ (* E0 l0) (* E1 l1) (* E2 l2)) e)))
(let ((?x43 (ite (< ?x37 0.0) (- ?x37) ?x37)))
(let ((?x32 (+ (+ (* E0 u0) (* E1 u1) (* E2 u2)) e)))
(let ((?x40 (ite (< ?x32 0.0) (- ?x32) ?x32)))
(let ((?x48 (+ (+ (* E0 h0) (* E1 h1) (* E2 h2)) e)))
(let (($x54 (<= (ite (< ?x48 0.0) (- ?x48) ?x48) (ite (>= ?x40 ?x43) ?x40 ?x43))))
(not $x54))))))))
(check-sat)
