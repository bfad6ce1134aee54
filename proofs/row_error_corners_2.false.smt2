; lemma: row_error_corners_2.false
; FALSE variant (dimension 2, corners without the sign split): ... |Σ_j E_j h_j + e| ≤ max(|Σ_j E_j
; u_j + e|, |Σ_j E_j l_j + e|).
; expected: refuted (the query below is sat; a model is a counterexample)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; row_error_corners_2.false
(set-info :status sat)
(set-logic QF_NRA)
(declare-fun u0 () Real)
(declare-fun h0 () Real)
(declare-fun l0 () Real)
(declare-fun u1 () Real)
(declare-fun h1 () Real)
(declare-fun l1 () Real)
(declare-fun e () Real)
(declare-fun E1 () Real)
(declare-fun E0 () Real)
(assert
 (and (<= l0 h0) (<= h0 u0)))
(assert
 (and (<= l1 h1) (<= h1 u1)))
(assert
 (let ((?x28 (+ (+ (* E0 l0) (* E1 l1)) e)))
(let ((?x34 (ite (< ?x28 0.0) (- ?x28) ?x28)))
(let ((?x24 (+ (+ (* E0 u0) (* E1 u1)) e)))
(let ((?x31 (ite (< ?x24 0.0) (- ?x24) ?x24)))
(let ((?x38 (+ (+ (* E0 h0) (* E1 h1)) e)))
(let (($x44 (<= (ite (< ?x38 0.0) (- ?x38) ?x38) (ite (>= ?x31 ?x34) ?x31 ?x34))))
(not $x44))))))))
(check-sat)
