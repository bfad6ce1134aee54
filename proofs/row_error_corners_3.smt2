; lemma: row_error_corners_3
; Gadget error of one row over a box in dimension 3 (docs/tighter.md §4, Lemma 4 item 2): for all
; E_j, e and l_j ≤ h_j ≤ u_j, |Σ_j E_j h_j + e| ≤ max(|Σ_j (max(E_j, 0) u_j + min(E_j, 0) l_j) +
; e|, |Σ_j (max(E_j, 0) l_j + min(E_j, 0) u_j) + e|).
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; row_error_corners_3
(set-info :status unsat)
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
 (let ((?x59 (+ (* (ite (> E2 0.0) E2 0.0) l2) (* (ite (< E2 0.0) E2 0.0) u2))))
(let ((?x56 (+ (* (ite (> E1 0.0) E1 0.0) l1) (* (ite (< E1 0.0) E1 0.0) u1))))
(let ((?x53 (+ (* (ite (> E0 0.0) E0 0.0) l0) (* (ite (< E0 0.0) E0 0.0) u0))))
(let ((?x61 (+ (+ ?x53 ?x56 ?x59) e)))
(let ((?x67 (ite (< ?x61 0.0) (- ?x61) ?x61)))
(let ((?x48 (+ (* (ite (> E2 0.0) E2 0.0) u2) (* (ite (< E2 0.0) E2 0.0) l2))))
(let ((?x41 (+ (* (ite (> E1 0.0) E1 0.0) u1) (* (ite (< E1 0.0) E1 0.0) l1))))
(let ((?x34 (+ (* (ite (> E0 0.0) E0 0.0) u0) (* (ite (< E0 0.0) E0 0.0) l0))))
(let ((?x50 (+ (+ ?x34 ?x41 ?x48) e)))
(let ((?x64 (ite (< ?x50 0.0) (- ?x50) ?x50)))
(let ((?x72 (+ (+ (* E0 h0) (* E1 h1) (* E2 h2)) e)))
(let (($x78 (<= (ite (< ?x72 0.0) (- ?x72) ?x72) (ite (>= ?x64 ?x67) ?x64 ?x67))))
(not $x78))))))))))))))
(check-sat)
