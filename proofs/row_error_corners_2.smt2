; lemma: row_error_corners_2
; Gadget error of one row over a box in dimension 2 (docs/tighter.md §4, Lemma 4 item 2): for all
; E_j, e and l_j ≤ h_j ≤ u_j, |Σ_j E_j h_j + e| ≤ max(|Σ_j (max(E_j, 0) u_j + min(E_j, 0) l_j) +
; e|, |Σ_j (max(E_j, 0) l_j + min(E_j, 0) u_j) + e|).
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; row_error_corners_2
(set-info :status unsat)
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
 (let ((?x42 (+ (* (ite (> E1 0.0) E1 0.0) l1) (* (ite (< E1 0.0) E1 0.0) u1))))
(let ((?x39 (+ (* (ite (> E0 0.0) E0 0.0) l0) (* (ite (< E0 0.0) E0 0.0) u0))))
(let ((?x44 (+ (+ ?x39 ?x42) e)))
(let ((?x50 (ite (< ?x44 0.0) (- ?x44) ?x44)))
(let ((?x34 (+ (* (ite (> E1 0.0) E1 0.0) u1) (* (ite (< E1 0.0) E1 0.0) l1))))
(let ((?x27 (+ (* (ite (> E0 0.0) E0 0.0) u0) (* (ite (< E0 0.0) E0 0.0) l0))))
(let ((?x36 (+ (+ ?x27 ?x34) e)))
(let ((?x47 (ite (< ?x36 0.0) (- ?x36) ?x36)))
(let ((?x54 (+ (+ (* E0 h0) (* E1 h1)) e)))
(let (($x60 (<= (ite (< ?x54 0.0) (- ?x54) ?x54) (ite (>= ?x47 ?x50) ?x47 ?x50))))
(not $x60))))))))))))
(check-sat)
