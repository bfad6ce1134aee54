"""Rigorous spectral-norm upper bounds ‖A‖₂ ≤ c for exact dyadic matrices.  [trusted; stdlib, numpy optional]

docs/composition.md §1 needs η_i ≥ ‖E_i‖₂ and ω_i ≥ ‖W'_i‖₂; Frobenius norms are valid but 2–15× too large.  This module
decides ``‖A‖₂ ≤ c`` for A = rows / 2^K (exact Python ints, as ``check._layer_matrices`` holds them) and a rational c.
It answers True only when the inequality is proven; it may answer False when unsure.  The method is a verified
floating-point Cholesky test of d·I − ÃÃᵀ in the spirit of Rump, "Verification of positive definiteness",
BIT 46 (2006), with the backward error of Cholesky from Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., Thm 10.3 and Lemma 8.4 — re-derived below with the constants this code uses, including
underflow.  docs/certificate.md §3 admits such "floating-point computation with a proven a-priori rounding bound";
docs/spectral.md gives both proofs in full, step by step, with the same numbering.

Two paths prove the same statement; each is sound on its own, and they differ only in which true claims they
refuse (a claim within ~10^-9 relative of σ_max may be refused by one and accepted by the other):

* the **stdlib path** (steps 1–5): Python floats and ``sum``; always available; m²n/2 + m³/6 multiply-adds at
  ≈ 16 ns each (a minute for 1024 × 1568);
* the **numpy path** (steps N1–N5): the Gram matrix by numpy's matmul (BLAS) and a blocked Cholesky
  written here in numpy (elementwise ufuncs and matmul; LAPACK is not used).  Taken when numpy
  imports, passes ``_numpy_gram_canary_ok`` (once) and ``_numpy_model_ok`` (every call), and
  m²n ≥ ``_NUMPY_MIN_WORK``, unless the environment sets ``SLT_VERIFY_SPECTRAL=stdlib``.  numpy is imported
  lazily: importing the kernel loads only the stdlib.

Step 0 (both paths, exact): c < 0 is refused; an empty or zero A is accepted for c ≥ 0; c ≥ ‖A‖_F is accepted,
decided on the integers (``at_least_root``); otherwise A ≠ 0 and c < ‖A‖_F.  A is used in its wide orientation,
m ≤ n (Aᵀ has the same norm); n ≥ 2^40 is refused.  The float formats below are checked at run time, on every
call: every claim left is refused unless ``_float_model_ok`` holds for Python floats, and the numpy path is not
taken unless ``_numpy_model_ok`` holds for numpy's (the stdlib path decides instead).

Floating-point model (Python floats, both paths): IEEE 754 binary64, round to nearest, u = 2^-53,
η = 2^-1074 (≥ the absolute error of an underflowing product or quotient).  For x, y floats,
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

The stdlib proof, for A of shape m×n with m ≤ n, c > 0, N = rows (ints):

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

The numpy path assumes, besides the model above for its Python floats (d, the pivots and their square roots):
  (A1) numpy's float64 is IEEE binary64 and its elementwise ufuncs (negative, subtract, divide)
       return the correctly rounded result, rounding to nearest; int64 → float64 conversion of |q| ≤ 2^53 is exact;
  (A2) underflow: an operation may, instead of gradual underflow, flush a result below 2^-1022 to zero (FTZ)
       or read an operand below 2^-1022 as zero (DAZ) — inside BLAS threads as well; the proof allows any of these;
  (A3) numpy.matmul of float64 arrays returns, for every entry, Σ_k x_k y_k evaluated by binary64 operations
       rounded to nearest: each product rounded once or fused into an FMA fl(x·y + s), the products combined
       by additions in some order (any binary tree), and otherwise only exact operations (adding 0,
       multiplying by 1, copying).  This is the model of Higham §3.1 ((3.5) for any order of evaluation) that Rump's
       verification methods rest on; the DGEMM/DSYRK of reference BLAS, OpenBLAS and BLIS (open source) satisfy
       it, vendor libraries (MKL, Accelerate) are not known to do otherwise for float64 but cannot be inspected;
       Strassen-type algorithms and reduced or extended intermediate precision do not.  ``_numpy_model_ok`` and
       ``_numpy_gram_canary_ok`` run canaries for the last two; nothing can rule out the first, but
       ``SLT_VERIFY_SPECTRAL=stdlib`` removes BLAS from the trusted base.
Write τ = 2^-1020 and g = γ_{2m}.

N1. Scaling and exact conversion.  L as in step 1; Q = ⌊N·2^(53−L)⌋ (a shift, exact when L ≤ 53), so
    |Q_ij| ≤ 2^53 and Ã = fl(Q)·2^-53 is exact, Ã ∈ 2^-53·ℤ, |Ã_ij| ≤ 1, and 0 ≤ A'_ij − Ã_ij < 2^-53 (= 0 when
    L ≤ 53).  So ‖A' − Ã‖₂ ≤ ‖A' − Ã‖_F ≤ β := 2^-53(⌊√(mn)⌋ + 1) (0 when L ≤ 53), ‖Ã‖_F ≤ F + β, and
    ‖Ã‖₂ ≤ c₁ := c' − β implies the claim (F as in step 1).
N2. Gram matrix.  B̃ = Ã @ Ãᵀ (matmul), the symmetric B̃ defined by its upper triangle (the only part read).
    Every product of entries of Ã and every sum of such values lies in 2^-106·ℤ, and rounding to nearest keeps
    a value of 2^-106·ℤ in 2^-106·ℤ (it is representable below 2^-53 and rounded to a multiple of
    2^-105 above), so every intermediate is 0 or ≥ 2^-106 in magnitude: nothing underflows, no operand is
    subnormal, (A2) is void here, and nothing overflows (|values| ≤ 2n).  By (A3) each entry is a sum tree of n
    products with at most n roundings on each product's path, so |B̃ − ÃÃᵀ| ≤ γ_n|Ã||Ã|ᵀ entrywise and, as in
    step 2, λ_max(B̃) ≤ c₂ := c₁² − γ_n(F + β)² implies ‖Ã‖₂ ≤ c₁.
N3. Shift.  A float d ≥ 1/8 (so d, B̃_jj and d − B̃_jj lie in 2^-106·ℤ: no underflow); M̃ = −B̃ off the
    diagonal (exact), M̃_jj = fl(d − B̃_jj); the code requires B̃_jj finite and ≥ 0 and M̃_jj > 0, so as in
    step 3 xᵀB̃x ≤ d(1 + u) − xᵀM̃x for unit x.  (d ≥ 1/8 is implied anyway: the row of Ã holding its largest
    entry, ≥ ½, has B̃_jj ≥ ¼, and M̃_jj > 0 needs d > B̃_jj.)
N4. Cholesky (``_numpy_cholesky_steps``, blocks of ``_NUMPY_BLOCK`` rows).  Row j's pivot p_j is the working
    entry W_jj after the updates of all rows k < j, required in [2^-1000, ∞); r_jj = fl(√p_j) (math.sqrt);
    r_ji = fl(W_ji / r_jj) for i > j (ufunc divide).  Updates: before row j is used, W_jb ← fl(W_jb − G_b) with
    G = matmul of the block's earlier rows k ∈ [j0, j) (Σ_k r_kj r_kb); after a block, W_ab ← fl(W_ab − G_ab) for
    the rows and columns beyond it, G = matmul of the block's rows of R̃.  So the W_ij that row i reads (i ≤ j) is
    m_ij − Σ_{k<i} r_ki r_kj evaluated by one sum tree of i leaves (m_ij and the i − 1 products), by (A1) and
    (A3), whatever the block size.  Each leaf's product carries at most i rounding factors (1 + δ) (its own and
    ≤ i − 1 additions), m_ij's at most i − 1; dividing the tree's identity by m_ij's factors (Higham Lemma 3.1,
    without using any cancellation of common factors) gives
      |m_ij − Σ_{k≤i} r_ki r_kj| ≤ γ_{2i−1} Σ_{k<i}|r_ki r_kj| + γ_i |r_ii r_ij| + ε_abs      (i < j),
      |m_jj − Σ_{k≤j} r_kj²|     ≤ γ_{2j−1} Σ_{k<j} r_kj² + γ_{j+1} r_jj² + ε_abs,
    both within g|R̃|ᵀ|R̃| + ε_abs, ε_abs = 4mτ(1 + d).  The absolute term: under (A2) every product, addition,
    FMA and division of this step errs by at most τ(1 + d) absolutely beyond its rounding (DAZ on a factor
    below 2^-1022 times a factor ≤ √(2d + 1), by its column's diagonal relation; FTZ of a result; an operand
    below 2^-1022 read as 0; a quotient's error times r_ii ≤ 1 + d), the 2i − 1 operations of one relation
    are amplified by at most (1 + u)^m/(1 − u)^m ≤ 2, and 2(2i − 1)τ(1 + d) ≤ ε_abs.  The code refuses
    unless every pivot lies in [2^-1000, ∞) and every r_ij is finite; an overflow anywhere in a value the
    relations use would leave an infinity or NaN in R̃ or a pivot (no operation of this step maps ±∞ or NaN
    to a finite value except division by ±∞, and the divisors r_jj are finite), so none occurred.
    Then, as in step 4, ‖R̃‖_F² ≤ ((1 + u)md + mε_abs)/(1 − g) and xᵀM̃x ≥ −g‖R̃‖_F² − mε_abs.
N5. As in step 5, λ_max(B̃) ≤ d·(1 + u + g(1 + u)m/(1 − g)) + mε_abs/(1 − g); the code takes the largest float
    d for which this is ≤ c₂ (exact rationals, ε_abs evaluated at c₂ ≥ d) and refuses if d < 1/8 (no claim
    with c' ≥ ‖A'‖₂ ≥ max|A'_ij| ≥ ½ is lost: d ≈ c'²).  A completed factorisation proves the claim.

The slack is about β/c' + γ_n‖A‖_F²/c² + 2mg ≲ 10^−9 relative for 1024-wide layers (both paths), far below the
margins ``verify.engine.spectral_hint.spectral_claim`` adds.  Cost: stdlib m²n/2 + m³/6 multiply-adds in C-level
loops (≈ 16 ns each on the project's CPU); numpy: converting the Python ints (≈ 0.3 µs per entry, with the exact
ΣN² of step 0) and BLAS (benchmarks/bench_check_speed.py, benchmarks/check_speed.md).
"""

from __future__ import annotations

import math
import os
import sys
from fractions import Fraction
from operator import mul

__all__ = ["spectral_bound_holds", "at_least_root"]

_U = Fraction(1, 2**53)        # unit roundoff of binary64
_ETA = Fraction(1, 2**1074)    # absolute error bound of an underflowing product or quotient
_FLUSH_BITS = 460              # nonzero |Ã_ij| ≥ 2^-460, so Gram products stay normal (≥ 2^-920)

_PATH_ENV = "SLT_VERIFY_SPECTRAL"   # "stdlib": never take the numpy path
_NUMPY_MIN_WORK = 1 << 16           # numpy path only where m²n reaches this (below, the stdlib path is as fast)
_NUMPY_BLOCK = 128                  # rows per block of the numpy Cholesky (any value ≥ 1 is covered by N4)
_NP_BITS = 53                       # N1: Q = ⌊N·2^(53−L)⌋, |Q| ≤ 2^53
_NP_TAU = Fraction(1, 2**1020)      # N4: absolute error of one operation under (A2), per unit of (1 + d)
_NP_PIVOT_MIN = 2.0**-1000          # N4: every pivot must reach this (normal, so √ and DAZ are harmless)
_NP_D_MIN = Fraction(1, 8)          # N3/N5: d ≥ 1/8 keeps d − B̃_jj in 2^-106·ℤ

_numpy_cache: list = []             # [module or None], filled by _numpy() on first use


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


def _largest_float_at_most(x: Fraction) -> float:
    """The largest float ≤ x, for 0 < x < 2^1024 (float() rounds to nearest; step down once if above)."""
    d = float(x)
    while d > 0 and Fraction(d) > x:
        d = math.nextafter(d, 0.0)
    return d


# --- the stdlib path (steps 1–5) -----------------------------------------------------------------------------

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


def _stdlib_proof(rows: list[list[int]], c_s: Fraction, f2: int, L: int, m: int, n: int) -> bool:
    """Steps 1–5 for the claim ‖A'‖₂ ≤ c_s (A' = N·2^-L, c_s = c' of step 1)."""
    a, t = _gram_side_floats(rows, L)
    # step 1
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
    d = _largest_float_at_most(rhs / coef)
    if not d > 0:
        return False
    return _cholesky_succeeds(a, d)


# --- the numpy path (steps N1–N5) ----------------------------------------------------------------------------

def _numpy():
    """numpy if it imports and passes the Gram canary of ``_numpy_gram_canary_ok`` (once per process) and the
    probes of ``_numpy_model_ok`` (on every call, like ``_float_model_ok``), else None."""
    if not _numpy_cache:
        try:
            import numpy
        except ImportError:
            numpy = None
        _numpy_cache.append(numpy if numpy is not None and _numpy_gram_canary_ok(numpy) else None)
    np = _numpy_cache[0]
    return np if np is not None and _numpy_model_ok(np) else None


def _numpy_model_ok(np) -> bool:
    """(A1)–(A3) spot checks: binary64 format; round to nearest (ties to even) in numpy's ufuncs, in both
    directions; exact int64 → float64 at ±2^53; and two matmul probes — one rounding of 1 + 2^-53 + 2^-80 (an
    accumulator in x87 extended precision rounds twice, to 1), and 1 + 2^-106 rounded to 1 in both signs
    (directed rounding fails one).  Probes cannot prove (A3); they catch gross violations.  False disables the
    path."""
    fi = np.finfo(np.float64)
    if (fi.nmant, fi.nexp, fi.maxexp, fi.minexp) != (52, 11, 1024, -1022) or np.dtype(np.float64).itemsize != 8:
        return False
    half, above, ulp = 2.0**-53, 2.0**-53 + 2.0**-80, 2.0**-52
    one = np.array([1.0, -1.0])
    x = np.array([1.0 + ulp, -(1.0 + ulp)])
    two = np.array([[1.0, above], [-1.0, -above]])
    return (np.subtract(one, np.array([-half, half])).tolist() == [1.0, -1.0]                 # ties to even
            and np.subtract(one, np.array([-above, above])).tolist() == [1.0 + ulp, -1.0 - ulp]
            and np.multiply.outer(x, x).tolist() == [[1.0 + 2 * ulp, -1.0 - 2 * ulp],
                                                     [-1.0 - 2 * ulp, 1.0 + 2 * ulp]]
            and np.divide(one, np.float64(3.0)).tolist() == [1.0 / 3.0, -1.0 / 3.0]
            and np.negative(one).tolist() == [-1.0, 1.0]
            and np.array([2**53, -(2**53), 2**53 - 1], dtype=np.int64).astype(np.float64).tolist()
            == [2.0**53, -(2.0**53), 2.0**53 - 1]
            and (two @ np.ones((2, 1))).tolist() == [[1.0 + ulp], [-1.0 - ulp]]
            and (two @ two.T).tolist() == [[1.0, -1.0], [-1.0, 1.0]])


def _numpy_gram_canary_ok(np) -> bool:
    """A 32 × 128 Gram product with 53-bit entries, each entry checked exactly against its a-priori bound of
    step N2: |B̃·2^106 − QQᵀ| ≤ γ_n·|Q||Q|ᵀ (catches a reduced-precision or otherwise wrong matmul; it cannot
    prove (A3))."""
    m, n, state, q = 32, 128, 12345, []
    for _ in range(m):
        row = []
        for _ in range(n):
            state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
            row.append((state >> 10) - (1 << 53))        # |Q| ≤ 2^53
        q.append(row)
    b = np.array(q, dtype=np.int64).astype(np.float64) * 2.0**-53
    b = b @ b.T
    if not np.isfinite(b).all():
        return False
    for i in range(m):
        for j in range(i, m):
            exact = sum(map(mul, q[i], q[j]))
            absum = sum(abs(u * v) for u, v in zip(q[i], q[j], strict=True))
            got = Fraction(float(b[i, j])) * 2**106
            if abs(got - exact) * (2**53 - n) > n * absum:
                return False
    return True


def _numpy_gram_side(rows: list[list[int]], L: int, np):
    """Ã of step N1 for the wide orientation, as a C-contiguous float64 array: fl(⌊N·2^(53−L)⌋)·2^-53 (None if
    the range check of N1 fails, which the proof excludes)."""
    s = L - _NP_BITS
    if L <= 63:                                               # |N| < 2^63: int64 holds N exactly
        q = np.array(rows, dtype=np.int64)
        if s > 0:
            q = np.floor_divide(q, np.int64(1 << s))          # ⌊N / 2^s⌋, as Python's >>
        elif s < 0:
            q = q * np.int64(1 << -s)                         # exact: |N·2^-s| < 2^53
    else:
        q = np.array([[v >> s for v in r] for r in rows], dtype=np.int64)
    if q.ndim != 2 or not int(np.abs(q).max()) <= 1 << _NP_BITS:   # N1's |Q| ≤ 2^53, checked (refuse if not)
        return None
    a = q.astype(np.float64) * 2.0**-_NP_BITS                 # exact: |Q| ≤ 2^53, power-of-two scale
    if a.shape[0] > a.shape[1]:
        a = a.T
    return np.ascontiguousarray(a)


def _numpy_cholesky_succeeds(a, d: float, np) -> bool:
    """Steps N2–N4: B̃ = Ã @ Ãᵀ, M̃ = d·I − B̃, and a blocked Cholesky of M̃ (a GEMV per row within a block, a
    GEMM after each block) that reads only the upper triangle; True iff every pivot lies in [2^-1000, ∞) and R̃ is
    finite (the guards of N3–N4)."""
    with np.errstate(all="ignore"):   # numpy's reporting only (no FP mode changes): overflow is caught below
        return _numpy_cholesky_steps(a, d, np)


def _numpy_cholesky_steps(a, d: float, np) -> bool:
    m = a.shape[0]
    b = a @ a.T                                               # N2
    bd = b.diagonal().copy()
    if not (np.isfinite(bd).all() and (bd >= 0.0).all()):
        return False
    w = np.negative(b, out=b)                                 # N3: −B̃, exact (in place: b is not used again)
    idx = np.arange(m)
    w[idx, idx] = np.subtract(np.float64(d), bd)              # fl(d − B̃_jj)
    if not (w.diagonal() > 0.0).all():
        return False
    r = np.zeros((m, m))
    for j0 in range(0, m, _NUMPY_BLOCK):                      # N4
        j1 = min(j0 + _NUMPY_BLOCK, m)
        for j in range(j0, j1):
            if j > j0:                                        # the block's earlier rows, one matmul (a GEMV)
                w[j, j:] -= r[j0:j, j] @ r[j0:j, j:]
            p = float(w[j, j])
            if not _NP_PIVOT_MIN <= p < math.inf:
                return False
            rjj = math.sqrt(p)
            r[j, j] = rjj
            if j + 1 < m:
                r[j, j + 1:] = np.divide(w[j, j + 1:], rjj)
        if j1 < m:                                            # the rows after the block, one matmul (GEMM/SYRK)
            panel = r[j0:j1, j1:]
            w[j1:, j1:] -= panel.T @ panel
    return bool(np.isfinite(r).all())


def _numpy_proof(rows: list[list[int]], c_s: Fraction, f2: int, L: int, m: int, n: int, np) -> bool:
    """Steps N1–N5 for the claim ‖A'‖₂ ≤ c_s (A' = N·2^-L)."""
    # N1
    f_up = Fraction(math.isqrt(f2) + 1, 2**L)
    beta = Fraction(math.isqrt(m * n) + 1, 2**_NP_BITS) if L > _NP_BITS else Fraction(0)
    c1 = c_s - beta
    if c1 <= 0:
        return False
    # N2
    c2 = c1 * c1 - _gamma(n) * (f_up + beta) ** 2
    if c2 <= 0:
        return False
    # N5: the largest float d with d·coef + m·ε_abs/(1 − g) ≤ c₂, ε_abs = 4mτ(1 + c₂) ≥ 4mτ(1 + d)
    g = _gamma(2 * m)
    eps_abs = 4 * m * _NP_TAU * (1 + c2)
    coef = 1 + _U + g * (1 + _U) * m / (1 - g)
    rhs = c2 - m * eps_abs / (1 - g)
    if rhs <= 0:
        return False
    d = _largest_float_at_most(rhs / coef)
    if not Fraction(d) >= _NP_D_MIN:
        return False
    a = _numpy_gram_side(rows, L, np)
    return a is not None and _numpy_cholesky_succeeds(a, d, np)


# --- the decision ----------------------------------------------------------------------------------------------

def _decide(rows: list[list[int]], K: int, c: Fraction, path: str) -> bool:
    """Step 0, then the stdlib proof or the numpy proof.  ``path``: "auto" (numpy where available and the matrix
    is not tiny, unless SLT_VERIFY_SPECTRAL=stdlib), "stdlib" or "numpy" (False if numpy is unusable)."""
    if path not in ("auto", "stdlib", "numpy"):
        raise ValueError(f"unknown path {path!r}")
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
    L = max(max(max(r), -min(r)) for r in rows).bit_length()   # L ≥ 1 here: A ≠ 0 since c < ‖A‖_F
    m, n = sorted((len(rows), q))
    if n >= 2**40:
        return False
    c_s = c * Fraction(2) ** (K - L)
    np = None
    if path == "numpy" or (path == "auto" and os.environ.get(_PATH_ENV) != "stdlib"
                           and m * m * n >= _NUMPY_MIN_WORK):
        np = _numpy()
        if path == "numpy" and np is None:
            return False
    if np is not None:
        return _numpy_proof(rows, c_s, f2, L, m, n, np)
    return _stdlib_proof(rows, c_s, f2, L, m, n)


def spectral_bound_holds(rows: list[list[int]], K: int, c: Fraction) -> bool:
    """True only if ‖A‖₂ ≤ c for A = rows / 2^K (module docstring, steps 0–5 or N1–N5); False when not proven.

    ``rows`` is a rectangular list of int lists (value = entry / 2^K, any int K); ``c`` a Fraction or int.

    >>> spectral_bound_holds([[3, 0], [0, -4]], 0, Fraction(4))    # σ_max = 4: exact claims fail safe
    False
    >>> spectral_bound_holds([[3, 0], [0, -4]], 0, Fraction(4000001, 1000000))
    True
    >>> spectral_bound_holds([[3, 0], [0, -4]], 1, Fraction(199, 100))   # A/2 has norm 2
    False
    """
    return _decide(rows, K, c, "auto")
