"""Rigorous spectral-norm upper bounds ‖A‖₂ ≤ c for exact dyadic matrices.  [trusted; stdlib only]

docs/composition.md §1 needs η_i ≥ ‖E_i‖₂ and ω_i ≥ ‖W'_i‖₂; Frobenius norms are valid but 2–15× too large.  This module
decides ``‖A‖₂ ≤ c`` for A = rows / 2^K (exact Python ints, as ``check._layer_matrices`` holds them) and a rational c.
It answers True only when the inequality is proven; it may answer False when unsure.  The method is a verified
floating-point Cholesky test of d·I − ÃÃᵀ in the spirit of Rump, "Verification of positive definiteness",
BIT 46 (2006), with the backward error of Cholesky from Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., Thm 10.3 — both re-derived below with the constants this code uses, including underflow.
docs/certificate.md §3 admits such "floating-point computation with a proven a-priori rounding bound".

Floating-point model (checked at run time by ``_float_model_ok``): IEEE 754 binary64, round to nearest,
u = 2^-53, η = 2^-1074 (≥ the absolute error of an underflowing product or quotient).  For x, y floats,
fl(x ± y) = (x ± y)(1 + δ) (|δ| ≤ u; an addition whose result is subnormal is exact), fl(x·y) = xy(1 + δ) + e
and fl(x/y) = (x/y)(1 + δ) + e with |e| ≤ η, fl(√x) = √x(1 + δ).  γ_k = ku / (1 − ku).  Python's int→float
conversion is correctly rounded; multiplying by a power of two is exact when the result is normal.

Summation.  ``sum(xs, 0.0)`` over floats x_1..x_k is left-to-right recursive summation in CPython ≤ 3.11 (and
PyPy) and Neumaier's compensated summation in CPython ≥ 3.12 (python/cpython#100425).  Both satisfy
   (S)   |ŝ − Σx_i| ≤ γ_{k−1} Σ|x_i|.
Recursive: 0.0 + x_1 is exact, then k − 1 roundings (Higham §4.2).  Neumaier: t_i = fl(t_{i−1} + x_i) with the
exact error e_i (Fast2Sum, so Σx = t_k + Σe_i), |e_i| ≤ u|t_i| ≤ u(1 + u)^k Σ|x|; the e_i are summed recursively
into ĉ, |ĉ − Σe| ≤ γ_{k−2} Σ|e|, and the result fl(t_k + ĉ) (or t_k if ĉ = 0) differs from Σx by at most
u|Σx| + (1 + u)|ĉ − Σe| ≤ [u + (1 + u)γ_{k−2} k u (1 + u)^k] Σ|x| ≤ γ_{k−1} Σ|x| for 3 ≤ k ≤ 2^40 (for k ≤ 2 it
is exact or a single rounding; cf. Neumaier 1974, (IV,12): ε|s| + ε²(¾k² + k)Σ|x|).
Dot products ``sum(map(mul, x, y), 0.0)`` of length k then satisfy, with p_i = x_i y_i,
   (D)   |ŝ − Σp_i| ≤ uΣ|p| + kη + γ_{k−1}((1 + u)Σ|p| + kη) ≤ γ_k Σ|p_i| + 2kη,
and without the 2kη term when no product underflows (u + (1 + u)γ_{k−1} ≤ γ_k, Higham Lemma 3.3).

The proof, for A of shape m×n with m ≤ n (otherwise Aᵀ, same norm), c > 0, N = rows (ints):

1. Scaling and conversion.  L = max bit length of |N_ij|; A' = A·2^(K−L) = N·2^−L has max|A'| ∈ [½, 1), and
   ‖A‖₂ ≤ c ⇔ ‖A'‖₂ ≤ c' := c·2^(K−L).  With t = max(0, L − 460), Q = N >> t (floor, so
   0 ≤ N·2^−t − Q < 1) and Ã = fl(Q)·2^(t−L): every nonzero |Ã_ij| ≥ 2^−460 (normal), |Ã_ij| ≤ 1, and
   |Ã_ij − A'_ij| ≤ u|A'_ij| + (1 + u)φ with φ = 2^−460 if t > 0 else 0.  By Minkowski,
   ‖Ã − A'‖₂ ≤ ‖Ã − A'‖_F ≤ β := u·F + (1 + u)φ√(mn), with F = (⌊√ΣN²⌋ + 1)·2^−L ≥ ‖A'‖_F (exact ints).
   So ‖Ã‖₂ ≤ c₁ := c' − β implies the claim, and ‖Ã‖_F ≤ F + β.
2. Gram matrix.  B̃_ij = fl(Σ_k Ã_ik Ã_jk) for i ≤ j (the symmetric B̃ is defined by this upper triangle).
   Products of nonzero entries are ≥ 2^−920, so none underflows and (D) gives |B̃ − ÃÃᵀ| ≤ γ_n|Ã||Ã|ᵀ
   entrywise, hence ‖B̃ − ÃÃᵀ‖₂ ≤ γ_n‖|Ã|‖₂² ≤ γ_n(F + β)².  So λ_max(B̃) ≤ c₂ := c₁² − γ_n(F + β)² implies
   ‖Ã‖₂ ≤ c₁.
3. Shift.  For a float d > 0, M̃_ij = −B̃_ij (i ≠ j, exact) and M̃_jj = fl(d − B̃_jj) = d − B̃_jj + ε_j.  The
   code requires B̃_jj ≥ 0 and (step 4) M̃_jj > 0, so 0 < d − B̃_jj ≤ d, |ε_j| ≤ ud and 0 < M̃_jj ≤ (1 + u)d.
   For unit x: xᵀB̃x = d − xᵀM̃x + Σε_j x_j² ≤ d(1 + u) − λ_min(M̃).
4. Cholesky (column by column, R̃ upper triangular): for j, for i < j: r_ij = fl(fl(m_ij − s_ij)/r_ii) with
   s_ij = fl(Σ_{k<i} r_ki r_kj) by (D); then t_j = fl(m_jj − s_jj), required > 0 (and s_jj ≥ 0), r_jj = fl(√t_j).
   Solving each step for m_ij (Higham Lemma 3.1: 1/((1+δ)(1+δ')) = 1 + θ₂, 1/((1+δ)²(1+δ')) = 1 + θ₃):
     |m_ij − Σ_{k≤i} r_ki r_kj| ≤ γ_i Σ_{k<i}|r_ki r_kj| + γ_2|r_ii r_ij| + 2iη + (1 + γ_2) r_ii η,
     |m_jj − Σ_{k≤j} r_kj²|     ≤ γ_j Σ_{k<j} r_kj² + γ_3 r_jj² + 2jη.
   Since r_ii ≤ (1 + u)√((1 + u)M̃_ii) ≤ 2·max(1, d): R̃ᵀR̃ = M̃ + ΔM with |ΔM| ≤ g|R̃|ᵀ|R̃| + ε_abs·11ᵀ,
   g = γ_{m+2}, ε_abs = (2m + 4·max(1, d))η.  Hence for unit x, with ‖R̃x‖² ≥ 0,
     xᵀM̃x ≥ −g‖|R̃||x|‖² − ε_abs(Σ|x_i|)² ≥ −g‖R̃‖_F² − mε_abs,
   and from the diagonal relations (1 − g)Σ_{k≤j} r_kj² ≤ M̃_jj + ε_abs, so
   ‖R̃‖_F² ≤ (tr M̃ + mε_abs)/(1 − g) ≤ ((1 + u)md + mε_abs)/(1 − g).
5. Together: λ_max(B̃) ≤ d·(1 + u + g(1 + u)m/(1 − g)) + mε_abs/(1 − g).  The code picks the largest float d
   for which this is ≤ c₂, checked in exact rational arithmetic (with ε_abs evaluated at max(1, c₂) ≥ d), so a
   Cholesky that runs to completion proves λ_max(B̃) ≤ c₂ ⇒ ‖Ã‖₂ ≤ c₁ ⇒ ‖A'‖₂ ≤ c' ⇒ ‖A‖₂ ≤ c.  No overflow can
   occur: |Ã| ≤ 1, B̃ entries ≤ n, and d ≤ c₂ < (F + β)² ≤ 4mn because claims with c ≥ ‖A‖_F are accepted
   beforehand in exact arithmetic.

The slack is about β/c' + γ_n‖A‖_F²/c² + 2mg ≲ 10^−9 relative for 1024-wide layers, far below the margins
``verify.engine.spectral_hint.spectral_claim`` adds.  Cost: m²n/2 + m³/6 multiply-adds in C-level loops
(≈ 16 ns each on the project's CPU; see benchmarks/bench_spectral.py).
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from operator import mul

__all__ = ["spectral_bound_holds", "at_least_root"]

_U = Fraction(1, 2**53)        # unit roundoff of binary64
_ETA = Fraction(1, 2**1074)    # absolute error bound of an underflowing product or quotient
_FLUSH_BITS = 460              # nonzero |Ã_ij| ≥ 2^-460, so Gram products stay normal (≥ 2^-920)


def _gamma(k: int) -> Fraction:
    """γ_k = ku / (1 − ku) (Higham §3.1), exactly."""
    return k * _U / (1 - k * _U)


def _float_model_ok() -> bool:
    """The arithmetic the proof assumes: binary64 with round-to-nearest-even (spot checks of both directions)."""
    fi = sys.float_info
    if (fi.radix, fi.mant_dig, fi.max_exp, fi.min_exp) != (2, 53, 1024, -1021):
        return False
    half, above = 2.0**-53, 2.0**-53 + 2.0**-80
    return (1.0 + half == 1.0 and 1.0 + above == 1.0 + 2.0**-52 and -1.0 - above == -1.0 - 2.0**-52
            and (1.0 + 2.0**-52) + half == 1.0 + 2.0**-51 and 2.0**-1074 / 2.0 == 0.0)


def _validate(rows: list[list[int]]) -> int:
    """Number of columns; ValueError unless rows is a rectangular list of int lists."""
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise ValueError("rows must be a list of lists of ints")
    q = len(rows[0]) if rows else 0
    for r in rows:
        if len(r) != q or not all(type(x) is int for x in r):
            raise ValueError("rows must be a rectangular list of lists of ints")
    return q


def at_least_root(c: Fraction, f2: int, K: int) -> bool:
    """c ≥ √(f2) / 2^K, decided exactly (f2 = Σ N², c ≥ 0): the one exact "at least" test, shared with
    ``check`` for Frobenius rows.

    >>> at_least_root(Fraction(5, 2), 25, 1), at_least_root(Fraction(5, 2) - Fraction(1, 10**9), 25, 1)
    (True, False)
    """
    lhs, rhs = c.numerator ** 2, f2 * c.denominator ** 2
    return (lhs << (2 * K)) >= rhs if K >= 0 else lhs >= (rhs << (-2 * K))


def _gram_side_floats(rows: list[list[int]], L: int) -> tuple[list[list[float]], int]:
    """Ã of step 1 for the wide orientation (m ≤ n) and t; Ã = fl(N >> t)·2^(t−L) exactly as proved."""
    if len(rows) > len(rows[0]):
        rows = [list(col) for col in zip(*rows, strict=True)]
    t = max(0, L - _FLUSH_BITS)
    scale = 2.0 ** (t - L)  # a power of two ≥ 2^-460: the products below are exact
    if t == 0:
        return [[x * scale for x in map(float, r)] for r in rows], t
    return [[float(v >> t) * scale for v in r] for r in rows], t


def _cholesky_succeeds(a: list[list[float]], d: float) -> bool:
    """Steps 2–4: float Cholesky of M̃ = fl(d·I − B̃), B̃ = fl(ÃÃᵀ) formed column by column; True iff it
    runs to completion with every pivot t_j > 0 (and the sign guards of step 3/4 hold)."""
    cols: list[list[float]] = []   # cols[i] = [r_0i, ..., r_{i-1,i}]
    diag: list[float] = []         # r_ii
    for j, xj in enumerate(a):
        bcol = [sum(map(mul, xi, xj), 0.0) for xi in a[: j + 1]]   # B̃_ij, i ≤ j
        cj: list[float] = []
        for i in range(j):
            cj.append((-bcol[i] - sum(map(mul, cols[i], cj), 0.0)) / diag[i])
        bjj = bcol[j]
        s = sum(map(mul, cj, cj), 0.0)
        tj = (d - bjj) - s
        if not (bjj >= 0.0 and s >= 0.0 and tj > 0.0):
            return False
        cols.append(cj)
        diag.append(math.sqrt(tj))
    return True


def spectral_bound_holds(rows: list[list[int]], K: int, c: Fraction) -> bool:
    """True only if ‖A‖₂ ≤ c for A = rows / 2^K (module docstring, steps 1–5); False when not proven.

    ``rows`` is a rectangular list of int lists (value = entry / 2^K, any int K); ``c`` a Fraction or int.

    >>> spectral_bound_holds([[3, 0], [0, -4]], 0, Fraction(4))    # σ_max = 4: exact claims fail safe
    False
    >>> spectral_bound_holds([[3, 0], [0, -4]], 0, Fraction(4000001, 1000000))
    True
    >>> spectral_bound_holds([[3, 0], [0, -4]], 1, Fraction(199, 100))   # A/2 has norm 2
    False
    """
    q = _validate(rows)
    c = Fraction(c)
    if c < 0:
        return False
    if not rows or q == 0:
        return True
    f2 = sum(sum(map(mul, r, r)) for r in rows)
    if at_least_root(c, f2, K):   # ‖A‖₂ ≤ ‖A‖_F ≤ c, exactly
        return True
    if not _float_model_ok():
        return False
    L = max(max(map(abs, r)) for r in rows).bit_length()   # L ≥ 1 here: A ≠ 0 since c < ‖A‖_F
    m, n = sorted((len(rows), q))
    if n >= 2**40:
        return False
    a, t = _gram_side_floats(rows, L)
    # step 1
    c_s = c * Fraction(2) ** (K - L)
    f_up = Fraction(math.isqrt(f2) + 1, 2**L)
    phi = Fraction(1, 2**_FLUSH_BITS) if t > 0 else Fraction(0)
    beta = _U * f_up + (1 + _U) * phi * (math.isqrt(m * n) + 1)
    c1 = c_s - beta
    if c1 <= 0:
        return False
    # step 2
    c2 = c1 * c1 - _gamma(n) * (f_up + beta) ** 2
    if c2 <= 0:
        return False
    # step 5: the largest float d with d·coef + m·ε_abs/(1 − g) ≤ c₂
    g = _gamma(m + 2)
    eps_abs = (2 * m + 4 * max(Fraction(1), c2)) * _ETA
    coef = 1 + _U + g * (1 + _U) * m / (1 - g)
    rhs = c2 - m * eps_abs / (1 - g)
    if rhs <= 0:
        return False
    d_max = rhs / coef
    d = float(d_max)
    while d > 0 and Fraction(d) > d_max:
        d = math.nextafter(d, 0.0)
    if not d > 0:
        return False
    return _cholesky_succeeds(a, d)
