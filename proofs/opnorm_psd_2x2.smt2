; lemma: opnorm_psd_2x2
; Spectral-norm encoding for a 2×2 matrix W (used for ω_i, docs/composition.md §2): if ω ≥ 0 and ω²
; I − WᵀW is positive semidefinite, written without quantifiers as both diagonal entries ≥ 0 and
; determinant ≥ 0, then ‖W v‖² ≤ ω² ‖v‖² for every v ∈ R².
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; opnorm_psd_2x2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun omega () Real)
(declare-fun W1_0 () Real)
(declare-fun W0_0 () Real)
(declare-fun W1_1 () Real)
(declare-fun W0_1 () Real)
(declare-fun v1 () Real)
(declare-fun v0 () Real)
(assert
 (>= omega 0.0))
(assert
 (let ((?x22 (* omega omega)))
 (let ((?x23 (- ?x22 (+ (* W0_0 W0_0) (* W1_0 W1_0)))))
 (>= ?x23 0.0))))
(assert
 (let ((?x22 (* omega omega)))
 (let ((?x24 (- ?x22 (+ (* W0_1 W0_1) (* W1_1 W1_1)))))
 (>= ?x24 0.0))))
(assert
 (let ((?x21 (+ (* W0_0 W0_1) (* W1_0 W1_1))))
 (let ((?x22 (* omega omega)))
 (let ((?x24 (- ?x22 (+ (* W0_1 W0_1) (* W1_1 W1_1)))))
 (let ((?x23 (- ?x22 (+ (* W0_0 W0_0) (* W1_0 W1_0)))))
 (>= (- (* ?x23 ?x24) (* ?x21 ?x21)) 0.0))))))
(assert
 (let ((?x37 (+ (* W1_0 v0) (* W1_1 v1))))
(let ((?x34 (+ (* W0_0 v0) (* W0_1 v1))))
(let (($x45 (<= (+ (* ?x34 ?x34) (* ?x37 ?x37)) (* (* omega omega) (+ (* v0 v0) (* v1 v1))))))
(not $x45)))))
(check-sat)
