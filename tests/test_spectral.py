"""verify.kernel.spectral (trusted spectral-norm check) and verify.engine.spectral_hint (its untrusted claims).

Soundness: spectral_bound_holds never accepts c < σ_max.  Checked against matrices with σ_max known exactly
(diagonal, rank one, Hadamard·diagonal), an exact rational decision of c²I − AAᵀ ≻ 0, mpmath interval Cholesky
and a 200-bit mpmath SVD.  Usefulness: the engine's claims (σ_max·(1 + 10^−5)) are accepted, and so is
σ_max·(1 + 10^−9) on small and moderately sized matrices.
"""

from __future__ import annotations

import ast
import doctest
import functools
import math
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.engine import spectral_hint
from verify.engine.spectral_hint import spectral_claim, to_fixed_point
from verify.kernel import spectral
from verify.kernel.spectral import spectral_bound_holds

KINDS = ["gauss", "uniform", "lowrank", "tiny", "huge", "mixed", "wide", "tall", "ints", "float32", "repeated"]


def make_matrix(seed: int, kind: str) -> np.ndarray:
    """A float64 test matrix drawn from ``seed`` (seeds, not hypothesis arrays)."""
    rs = np.random.RandomState(seed)
    m, n = rs.randint(1, 25, size=2)
    if kind == "gauss":
        return rs.randn(m, n)
    if kind == "uniform":
        return rs.uniform(-1, 1, size=(rs.randint(1, 41), rs.randint(1, 61)))
    if kind == "lowrank":
        m, n = m + 2, n + 2
        r = rs.randint(1, min(m, n))
        return rs.randn(m, r) @ rs.randn(r, n)
    if kind == "tiny":
        return rs.randn(m, n) * 1e-300          # some entries subnormal
    if kind == "huge":
        return rs.randn(m, n) * 1e300
    if kind == "mixed":                          # 300 decades in one matrix
        return rs.choice([-1.0, 1.0], size=(m, n)) * 10.0 ** rs.uniform(-150, 150, size=(m, n))
    if kind == "wide":
        return rs.randn(rs.randint(1, 4), rs.randint(20, 80))
    if kind == "tall":
        return rs.randn(rs.randint(20, 80), rs.randint(1, 4))
    if kind == "ints":
        return rs.randint(-3, 4, size=(m, n)) * (rs.rand(m, n) < 0.5).astype(float)
    if kind == "float32":
        return (rs.uniform(-1, 1, size=(m, n)) / np.sqrt(n)).astype(np.float32).astype(np.float64)
    if kind == "repeated":                       # repeated rows and a repeated top singular value
        base = rs.randn(1, n)
        return np.vstack([base, base, -base, rs.randn(max(1, m - 3), n) * 1e-3])
    raise AssertionError(kind)


def sigma_np(a: np.ndarray) -> float:
    """LAPACK's σ_max; relative error ≤ ~10·max(m, n)·2^-53, far below the 10^-6 used against it."""
    if a.size == 0 or not a.any():
        return 0.0
    scale = 2.0 ** np.frexp(np.abs(a).max())[1]
    return float(np.linalg.norm(a / scale, 2)) * scale


def exact_pd(rows: list[list[int]], K: int, c: Fraction) -> bool:
    """c²I − AAᵀ ≻ 0 (⇔ c > ‖A‖₂) decided exactly: symmetric elimination in rationals, all pivots > 0."""
    if len(rows) > len(rows[0]):
        rows = [list(col) for col in zip(*rows, strict=True)]
    m = len(rows)
    s = c * c * Fraction(2) ** (2 * K)
    M = [[(s if i == j else 0) - sum(x * y for x, y in zip(rows[i], rows[j], strict=True)) for j in range(m)]
         for i in range(m)]
    for k in range(m):
        if M[k][k] <= 0:
            return False
        for i in range(k + 1, m):
            f = M[i][k] / M[k][k]
            for j in range(k + 1, m):
                M[i][j] -= f * M[k][j]
    return True


def iv_cholesky_proves(rows: list[list[int]], K: int, c: Fraction, prec: int = 80) -> bool:
    """mpmath interval Cholesky of c²I − AAᵀ; True means c > ‖A‖₂ is proven (all pivots' intervals > 0)."""
    if len(rows) > len(rows[0]):
        rows = [list(col) for col in zip(*rows, strict=True)]
    m = len(rows)
    iv = mpmath.iv
    saved, iv.prec = iv.prec, prec
    try:
        cc = iv.mpf(c.numerator) / c.denominator
        scale = iv.ldexp(iv.mpf(1), -2 * K)
        M = [[(cc * cc if i == j else 0) - scale * sum(x * y for x, y in zip(rows[i], rows[j], strict=True))
              for j in range(m)] for i in range(m)]
        R = [[iv.mpf(0)] * m for _ in range(m)]
        for j in range(m):
            for i in range(j):
                R[i][j] = (M[i][j] - sum((R[k][i] * R[k][j] for k in range(i)), iv.mpf(0))) / R[i][i]
            p = M[j][j] - sum((R[k][j] ** 2 for k in range(j)), iv.mpf(0))
            if not p.a > 0:
                return False
            R[j][j] = iv.sqrt(p)
    finally:
        iv.prec = saved
    return True


def frac_below(x: float, rel: Fraction) -> Fraction:
    return Fraction(x) * (1 - rel)


def mp_fraction(x: mpmath.mpf) -> Fraction:
    """The exact value of an mpmath number."""
    man, exp = int(x.man), int(x.exp)
    return Fraction(man) * Fraction(2) ** exp


# --- usefulness and soundness on random matrices -----------------------------------------------------------

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(KINDS))
def test_claim_accepted_and_just_below_sigma_rejected(seed: int, kind: str):
    a = make_matrix(seed, kind)
    rows, K = to_fixed_point(a)
    c = spectral_claim(a)
    assert spectral_bound_holds(rows, K, c), (kind, a.shape, c)
    sigma = sigma_np(a)
    assert c >= Fraction(sigma)
    if sigma > 0:
        assert not spectral_bound_holds(rows, K, frac_below(sigma, Fraction(1, 10**6)))
        # and the certified bound is essentially tight: 1e-9 above σ is enough here
        assert spectral_bound_holds(rows, K, Fraction(sigma) * (1 + Fraction(1, 10**9)))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_against_200_bit_mpmath_svd(seed: int):
    rs = np.random.RandomState(seed)
    a = rs.randn(rs.randint(1, 7), rs.randint(1, 9)) * 2.0 ** rs.randint(-60, 60)
    rows, K = to_fixed_point(a)
    with mpmath.mp.workprec(200):
        sv = mpmath.mp.svd_r(mpmath.mp.matrix(a.tolist()), compute_uv=False)   # float → mpf is exact
        sigma = max(sv[i] for i in range(len(sv)))
        lo_f = mp_fraction(sigma * (1 - mpmath.mpf(10) ** -9))
        hi_f = mp_fraction(sigma * (1 + mpmath.mpf(10) ** -9))
    assert not spectral_bound_holds(rows, K, lo_f)
    assert spectral_bound_holds(rows, K, hi_f)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), exp=st.sampled_from([3, 7, 10, 13, 15]), above=st.booleans())
def test_cross_check_exact_and_interval(seed: int, exp: int, above: bool):
    """Near the boundary: acceptance implies the exact rational test; interval proofs at ≥1e-7 imply ours."""
    rs = np.random.RandomState(seed)
    a = rs.randn(rs.randint(1, 6), rs.randint(1, 7))
    rows, K = to_fixed_point(a)
    sigma = Fraction(sigma_np(a))
    c = sigma * (1 + Fraction(1, 10**exp)) if above else sigma * (1 - Fraction(1, 10**exp))
    ours = spectral_bound_holds(rows, K, c)
    if ours:
        assert exact_pd(rows, K, c)
    if iv_cholesky_proves(rows, K, c) and exp <= 7:
        assert ours
    if exp <= 10:   # far enough from σ for LAPACK's σ to decide the side, so the exact test must agree
        assert exact_pd(rows, K, c) == above
        assert ours == above


# --- matrices with exactly known σ_max ---------------------------------------------------------------------

def _gaps() -> list[Fraction]:
    return [Fraction(1, 2**k) for k in (10, 30, 52, 60, 90)]


def _check_known(rows: list[list[int]], K: int, sigma_sq: Fraction):
    """σ_max² = sigma_sq exactly: every c with c² < σ² is rejected; c = σ(1 + 1e-9) (rounded up) is accepted."""
    for gap in _gaps():
        target = sigma_sq * (1 - gap) ** 2            # c = √target < σ, rounded down to 100 bits below
        c = Fraction(math.isqrt(math.floor(target * 2**200)), 2**100)
        assert c * c < sigma_sq
        assert not spectral_bound_holds(rows, K, c), gap
    hi = sigma_sq * (1 + Fraction(1, 10**9)) ** 2
    c = Fraction(math.isqrt(math.ceil(hi * 2**200)) + 1, 2**100)
    assert spectral_bound_holds(rows, K, c)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_diagonal(seed: int):
    rs = np.random.RandomState(seed)
    m, n = rs.randint(1, 20, size=2)
    d = [int(x) for x in rs.randint(-(2**62), 2**62, size=min(m, n))]
    rows = [[d[i] if i == j and i < len(d) else 0 for j in range(n)] for i in range(m)]
    K = int(rs.randint(-200, 200))
    _check_known(rows, K, Fraction(max(x * x for x in d)) / Fraction(2) ** (2 * K))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), bits=st.sampled_from([8, 53, 70, 300, 1200]))
def test_rank_one(seed: int, bits: int):
    """A = u vᵀ with integer entries of up to ``bits`` bits (not representable in binary64 beyond 53)."""
    rows, sigma_sq = rank_one(seed, bits)
    _check_known(rows, bits, Fraction(sigma_sq, 2 ** (2 * bits)))


def rank_one(seed: int, bits: int) -> tuple[list[list[int]], int]:
    """rows = u vᵀ, 1 ≤ m, n < 30, integer u, v of up to ``bits`` bits and random signs, and its exact σ² =
    ‖u‖²‖v‖² (a rank-one matrix's only singular value)."""
    rs = np.random.RandomState(seed)
    m, n = rs.randint(1, 30, size=2)
    rnd = np.random.default_rng(seed)
    u = [int.from_bytes(rnd.bytes(bits // 8 + 1), "little") % 2**bits * int(rs.choice([-1, 1])) for _ in range(m)]
    v = [int.from_bytes(rnd.bytes(bits // 8 + 1), "little") % 2**bits * int(rs.choice([-1, 1])) for _ in range(n)]
    if not any(u) or not any(v):
        u[0], v[0] = 1, 1
    return [[x * y for y in v] for x in u], sum(x * x for x in u) * sum(y * y for y in v)


def _hadamard(p: int) -> list[list[int]]:
    h = [[1]]
    for _ in range(p):
        h = [r + r for r in h] + [r + [-x for x in r] for r in h]
    return h


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(0, 5), transpose=st.booleans())
def test_hadamard_times_diagonal(seed: int, p: int, transpose: bool):
    """A = P H D with H Hadamard (HᵀH = 2^p I), P a signed permutation: σ_max = 2^(p/2)·max|d|."""
    rs = np.random.RandomState(seed)
    n = 2**p
    d = [int(x) for x in rs.randint(-(2**40), 2**40, size=n)]
    perm = rs.permutation(n)
    signs = rs.choice([-1, 1], size=n)
    h = _hadamard(p)
    rows = [[int(signs[i]) * h[perm[i]][j] * d[j] for j in range(n)] for i in range(n)]
    if transpose:
        rows = [list(c) for c in zip(*rows, strict=True)]
    _check_known(rows, 20, Fraction(n * max(x * x for x in d), 2**40))


# --- edge cases ----------------------------------------------------------------------------------------------

def test_edge_cases():
    assert spectral_bound_holds([], 0, Fraction(0))
    assert spectral_bound_holds([[], []], 5, Fraction(0))
    assert spectral_bound_holds([[0, 0], [0, 0]], 3, Fraction(0))
    assert not spectral_bound_holds([[0]], 0, Fraction(-1))
    assert not spectral_bound_holds([[1]], 0, Fraction(1, 2))
    assert spectral_bound_holds([[1]], 0, Fraction(1))             # c ≥ ‖A‖_F: decided exactly
    assert not spectral_bound_holds([[3, 4]], 0, Fraction(4999, 1000))
    assert spectral_bound_holds([[3, 4]], 0, 5)                    # ints accepted as c
    assert spectral_bound_holds([[3, 4]], -2, 20) and not spectral_bound_holds([[3, 4]], -2, Fraction(19999, 1000))
    for bad in ([[1, 2], [3]], [[1.0]], [[True]]):
        with pytest.raises(ValueError, match="rows must be a rectangular list of lists of ints"):
            spectral_bound_holds(bad, 0, Fraction(1))
    for bad in ("x", [(1, 2)], [[1], (2,)]):
        with pytest.raises(ValueError, match="rows must be a list of lists of ints"):
            spectral_bound_holds(bad, 0, Fraction(1))


def test_huge_ints_and_flushed_entries():
    """Entries spanning 2^1500..1 take the flush path (t > 0); the tiny ones cannot rescue a claim below σ."""
    big = 3 << 1500
    rows = [[big, 1, -1], [1, 5, 0], [0, 7, big // 3]]
    # A = 2^500·diag(3, ~0, 1) + O(2^-1000): σ_max = 3·2^500 up to a relative 2^-1500
    scale = Fraction(1 << 1500, 2**1000)
    assert spectral_bound_holds(rows, 1000, 3 * scale * (1 + Fraction(1, 10**12)))
    assert not spectral_bound_holds(rows, 1000, 3 * scale * (1 - Fraction(1, 10**12)))


def test_to_fixed_point_is_exact():
    rs = np.random.RandomState(0)
    a = rs.randn(7, 9) * 10.0 ** rs.uniform(-320, 300, size=(7, 9))
    a[0, 0], a[1, 1], a[2, 2] = 0.0, 5e-324, -2.0**1000
    rows, K = to_fixed_point(a)
    assert all(Fraction(n, 1) / Fraction(2) ** K == Fraction(x) for rn, ra in zip(rows, a.tolist(), strict=True)
               for n, x in zip(rn, ra, strict=True))
    assert any(n & 1 for r in rows for n in r)  # K is minimal: some numerator is odd
    assert to_fixed_point(np.zeros((2, 3))) == ([[0, 0, 0], [0, 0, 0]], 0)


@pytest.mark.parametrize("shape", [(64, 100), (100, 64)])
def test_moderate_size_tight(shape):
    """A layer-like matrix: the default claim and a 1e-8 margin both verify; 1e-7 below σ does not."""
    a = np.random.RandomState(1).uniform(-1, 1, size=shape) / np.sqrt(shape[1])
    rows, K = to_fixed_point(a)
    sigma = Fraction(sigma_np(a))
    assert spectral_bound_holds(rows, K, spectral_claim(a))
    assert spectral_bound_holds(rows, K, sigma * (1 + Fraction(1, 10**8)))
    assert not spectral_bound_holds(rows, K, sigma * (1 - Fraction(1, 10**7)))


def _imported(node: ast.AST) -> set[str]:
    names = {a.name.split(".")[0] for n in ast.walk(node) if isinstance(n, ast.Import) for a in n.names}
    return names | {n.module.split(".")[0] for n in ast.walk(node) if isinstance(n, ast.ImportFrom) and n.module}


def test_trusted_module_imports_only_stdlib():
    """At module level the stdlib only; numpy only lazily, inside ``_numpy`` (docstring: the numpy path)."""
    tree = ast.parse(Path(spectral.__file__).read_text(encoding="utf-8"))
    top = set().union(*(_imported(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)))
    assert top <= {"__future__", "math", "os", "sys", "fractions", "operator"}, top
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert _imported(tree) - top == {"numpy"}
    assert [name for name, f in funcs.items() if _imported(f)] == ["_numpy"]


def test_doctests():
    for mod in (spectral, spectral_hint):
        res = doctest.testmod(mod)
        assert res.attempted > 0 and res.failed == 0, mod.__name__


def test_claim_inputs():
    import torch

    a = np.random.RandomState(2).randn(5, 3)
    assert spectral_claim(torch.from_numpy(a)) == spectral_claim(a) == spectral_claim(a.T)
    assert spectral_claim(np.zeros((3, 4))) == 0 and spectral_claim(np.zeros((0, 4))) == 0
    with pytest.raises(ValueError, match="matrix has non-finite entries"):
        spectral_claim(np.array([[1.0, np.inf]]))
    with pytest.raises(ValueError, match="expected a matrix"):
        to_fixed_point(np.zeros(3))


# --- the proof's constants: the decision flips exactly where the docstring's d reaches the float Gram diagonal ---
#
# Every slack term of the module docstring (β of step 1 with its φ part, the Gram term γ_n(F + β)² of step 2, the
# Cholesky g = γ_{m+2}, coef and ε_abs of steps 4–5) moves the smallest claim the code accepts.  The random tests
# above cannot see one term removed or sign-flipped: the others cover it at every gap they try.  Here the matrices
# have rows with disjoint supports whose float Gram diagonal is known exactly (one product, or exact sums), so the
# float Cholesky of d·I − B̃ succeeds exactly when d > max B̃_jj.  The test computes, in exact rationals and from the
# docstring alone, the proof's d_max(c) and bisects the claim c to 2^-1400 relative: the code must reject just below
# that threshold and accept just above it.  An exact oracle checks the threshold itself is above σ_max.

U = Fraction(1, 2**53)
ETA = Fraction(1, 2**1074)
FLUSH_BITS = 460   # step 1: nonzero |Ã_ij| ≥ 2^-460


def _gamma_k(k: int) -> Fraction:
    return k * U / (1 - k * U)


def _wide(rows: list[list[int]]) -> list[list[int]]:
    return [list(col) for col in zip(*rows, strict=True)] if len(rows) > len(rows[0]) else rows


def proof_steps(rows: list[list[int]], K: int, c: Fraction) -> tuple[int, Fraction | None]:
    """Steps 1–5 of the module docstring for claim c, exactly: (stage, d_max).  The stage says how far the proof
    gets: 0 if c₁ ≤ 0, 1 if c₂ ≤ 0, 2 if nothing is left for d, 3 if d_max is below the smallest float
    2^-1074 (so the float d is 0), else 4 with step 5's d_max.  √(mn) is bounded by ⌊√(mn)⌋ + 1 and ‖A'‖_F
    by F, as stated there."""
    wide = _wide(rows)
    m, n = len(wide), len(wide[0])
    f2 = sum(x * x for r in rows for x in r)
    L = max(abs(x) for r in rows for x in r).bit_length()
    flushed = L > FLUSH_BITS
    c_scaled = c * Fraction(2) ** (K - L)
    F = Fraction(math.isqrt(f2) + 1, 2**L)
    phi = Fraction(1, 2**FLUSH_BITS) if flushed else Fraction(0)
    beta = U * F + (1 + U) * phi * (math.isqrt(m * n) + 1)
    c1 = c_scaled - beta
    if c1 <= 0:
        return 0, None
    c2 = c1 * c1 - _gamma_k(n) * (F + beta) ** 2
    if c2 <= 0:
        return 1, None
    g = _gamma_k(m + 2)
    eps_abs = (2 * m + 4 * max(Fraction(1), c2)) * ETA
    rest = c2 - m * eps_abs / (1 - g)
    if rest <= 0:
        return 2, None
    d_max = rest / (1 + U + g * (1 + U) * m / (1 - g))
    return (3 if d_max < Fraction(1, 2**1074) else 4), d_max


def proof_d_max(rows: list[list[int]], K: int, c: Fraction) -> Fraction | None:
    """Step 5's d_max for claim c (None where the proof gives up before it: stages 0–2 of ``proof_steps``)."""
    stage, d_max = proof_steps(rows, K, c)
    return d_max if stage >= 3 else None


def float_gram_diagonal_max(rows: list[list[int]]) -> float:
    """max_j B̃_jj for rows with disjoint supports: Ã = fl(N >> t)·2^(t−L) (step 1), B̃_jj = the float sum of
    the rounded squares: one rounding of at most two of them, or (more nonzeros) exact squares summed exactly."""
    wide = _wide(rows)
    L = max(abs(x) for r in rows for x in r).bit_length()
    t = max(0, L - FLUSH_BITS)
    best = 0.0
    for r in wide:
        a = [float(x >> t) * 2.0 ** (t - L) for x in r]
        squares = [x * x for x in a if x]
        if len(squares) <= 2:      # fl(fl(x²) + fl(y²)): one rounding, whatever the summation algorithm
            best = max(best, sum(squares, 0.0))
        else:
            assert all(Fraction(x) ** 2 == Fraction(s) for x, s in zip([x for x in a if x], squares, strict=True))
            best = max(best, math.fsum(squares))
    return best


def exact_sigma_sq(rows: list[list[int]], K: int) -> Fraction:
    """σ_max² for rows (or columns) with disjoint supports: the largest squared row (column) norm, exactly."""
    return Fraction(max(sum(x * x for x in r) for r in _wide(rows)), 4**K) if K >= 0 else \
        Fraction(max(sum(x * x for x in r) for r in _wide(rows)) * 4 ** (-K))


@functools.cache
def _threshold_of(name: str) -> tuple[Fraction, Fraction]:
    return proof_threshold(*MARGIN_CASES[name])


def proof_threshold(rows: list[list[int]], K: int) -> tuple[Fraction, Fraction]:
    """Claims lo < hi with d_max(lo) < f⁺ ≤ d_max(hi), f⁺ the float after max B̃_jj, hi/lo − 1 < 2^-1400."""
    f_plus = Fraction(math.nextafter(float_gram_diagonal_max(rows), math.inf))
    s2 = exact_sigma_sq(rows, K)
    lo = Fraction(math.isqrt(math.floor(s2 * 2**400)), 2**200)       # ≤ σ_max
    hi = lo * (1 + Fraction(1, 2**20))

    def reaches(c: Fraction) -> bool:
        d = proof_d_max(rows, K, c)
        return d is not None and d >= f_plus

    assert not reaches(lo) and reaches(hi)
    for _ in range(1420):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if reaches(mid) else (mid, hi)
    return lo, hi


def _margin_cases() -> dict[str, tuple[list[list[int]], int]]:
    rs = np.random.RandomState(18)

    def odd(bits: int) -> int:
        return int.from_bytes(rs.bytes(bits // 8 + 1), "little") % 2 ** (bits - 1) + 2 ** (bits - 1) | 1

    def diag(values: list[int], cols: int) -> list[list[int]]:
        return [[v if i == j else 0 for j in range(cols)] for i, v in enumerate(values)]

    cases = {
        "diagonal, exact floats": (diag([odd(53), -odd(52), odd(40)], 5), 70),
        "diagonal, rounded conversion": (diag([odd(70), odd(69), -odd(66), odd(30)], 6), 90),
        "diagonal, negative K": (diag([-odd(53), odd(50)], 3), -40),
        "flushed entries (L > 460)": (diag([odd(700), -odd(699), odd(200), odd(400)], 5), 650),
        "flushed by one bit (L = 461)": (diag([odd(461), odd(460), -odd(300)], 4), 470),
        "dense row, sigma' > 1": ([[3 << 40, -(3 << 40), 3 << 40, 0, 0, 0], [0, 0, 0, 5 << 37, 0, 0]], 41),
        "tall": ([list(r) for r in zip(*diag([odd(66), odd(65), odd(61)], 7), strict=True)], 64),
        # square, rows disjoint but columns not: the column-side Cholesky rejects where the row side accepts
        "square, Gram on the rows": ([[4968414789081033, 3470635888792985, 0], [0, 0, 1 << 50], [0, 0, 0]], 53),
    }
    return cases


MARGIN_CASES = _margin_cases()


@pytest.mark.parametrize("name", list(MARGIN_CASES))
def test_decision_flips_exactly_at_the_proofs_threshold(name: str):
    rows, K = MARGIN_CASES[name]
    lo, hi = _threshold_of(name)
    sigma_sq = exact_sigma_sq(rows, K)
    assert lo * lo > sigma_sq                          # the proof's threshold is sound here (exact oracle) …
    assert hi * hi < sigma_sq * (1 + Fraction(1, 10**12))   # … and tight
    assert not spectral_bound_holds(rows, K, lo), name
    assert spectral_bound_holds(rows, K, hi), name


def test_margin_cases_exercise_every_branch_of_the_proof():
    """The cases above cover the flush path (t > 0, φ ≠ 0), both sides of max(1, c₂), both orientations and
    both signs of K, and in every case the threshold lies below ‖A‖_F (the exact Frobenius shortcut, which
    accepts any claim ≥ ‖A‖_F, does not decide it)."""
    seen = set()
    for name, (rows, K) in MARGIN_CASES.items():
        L = max(abs(x) for r in rows for x in r).bit_length()
        lo, _ = _threshold_of(name)
        c2 = (lo * Fraction(2) ** (K - L)) ** 2
        seen |= {("flush", L > FLUSH_BITS), ("c2>1", c2 > 1), ("tall", len(rows) > len(rows[0])), ("K<0", K < 0)}
        f2 = sum(x * x for r in rows for x in r)
        assert lo * lo * (1 + Fraction(1, 10**6)) < (Fraction(f2, 4**K) if K >= 0 else Fraction(f2 * 4 ** (-K)))
    assert seen == {(k, v) for k in ("flush", "c2>1", "tall", "K<0") for v in (True, False)}


@pytest.mark.parametrize("field, value", [("radix", 10), ("mant_dig", 64), ("max_exp", 16384), ("min_exp", -16381)])
def test_refuses_to_prove_anything_on_a_platform_that_is_not_binary64(monkeypatch, field: str, value: int):
    """The proof's floating-point model is IEEE binary64 (module docstring): on any other float format the
    Cholesky path must answer False, while claims decided exactly (c ≥ ‖A‖_F) still hold."""
    import sys
    from types import SimpleNamespace

    info = {k: getattr(sys.float_info, k) for k in ("radix", "mant_dig", "max_exp", "min_exp")} | {field: value}
    monkeypatch.setattr(spectral, "sys", SimpleNamespace(float_info=SimpleNamespace(**info)))
    assert not spectral._float_model_ok()
    rows = [[3, 0], [0, -4]]
    assert not spectral_bound_holds(rows, 0, Fraction(4000001, 1000000))   # true, but needs the float proof
    assert spectral_bound_holds(rows, 0, Fraction(5))                      # = ‖A‖_F: exact, no floats
    monkeypatch.undo()
    assert spectral._float_model_ok() and spectral_bound_holds(rows, 0, Fraction(4000001, 1000000))


@pytest.mark.parametrize("K", [-3, -1, 0, 1, 2, 7])
def test_claims_at_exactly_the_frobenius_norm(K: int):
    """c = ‖A‖_F is accepted exactly (for every sign of K), and for a rank-one A (σ_max = ‖A‖_F) any c below it is
    refused, however close."""
    scale = Fraction(2) ** -K
    assert spectral_bound_holds([[3, 4]], K, 5 * scale)
    assert spectral_bound_holds([[3], [4]], K, 5 * scale)
    assert not spectral_bound_holds([[3, 4]], K, 5 * scale * (1 - Fraction(1, 2**200)))
    assert spectral_bound_holds([[6, 0, 0], [0, 0, 8]], K, 10 * scale)               # rank two, σ = 8 < F = 10
    assert not spectral_bound_holds([[6, 0, 0], [0, 0, 8]], K, 8 * scale)             # σ itself: fails safe


@pytest.mark.parametrize("shape", [(3, 7), (7, 3), (4, 4), (1, 9), (9, 1)])
def test_gram_side_is_the_smaller_one_and_exact(shape: tuple[int, int]):
    """Step 1–2's Ã is taken on the side with m = min(rows, cols) rows (the Cholesky constants use that m), and
    for entries of at most 53 bits it is exactly A·2^-L."""
    rs = np.random.RandomState(sum(shape))
    rows = [[int(v) for v in r] for r in rs.randint(-(2**52), 2**52, size=shape)]
    L = max(abs(x) for r in rows for x in r).bit_length()
    a, t = spectral._gram_side_floats(rows, L)
    assert t == 0 and len(a) == min(shape) and len(a[0]) == max(shape)
    wide = rows if shape[0] <= shape[1] else [list(c) for c in zip(*rows, strict=True)]
    assert all(Fraction(x) == Fraction(n, 2**L) for ra, rn in zip(a, wide, strict=True)
               for x, n in zip(ra, rn, strict=True))


def _claim_in_stage(rows: list[list[int]], K: int, stage: int) -> Fraction:
    """A claim c at which the proof stops at ``stage`` (``proof_steps``), by exact bisection on c ∈ [0, ‖A‖_∞·n]."""
    lo, hi = Fraction(0), Fraction(sum(abs(x) for r in rows for x in r), 2**K) if K >= 0 else \
        Fraction(sum(abs(x) for r in rows for x in r) * 2 ** (-K))
    assert proof_steps(rows, K, lo)[0] <= stage < proof_steps(rows, K, hi)[0]
    for _ in range(4000):
        got = proof_steps(rows, K, lo)[0]
        if got == stage:
            return lo
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if proof_steps(rows, K, mid)[0] <= stage else (lo, mid)
    raise AssertionError(f"no claim found in stage {stage}")


@pytest.mark.parametrize("rows, K", [([[3, 1, 0], [0, 2, 5]], 0), ([[7], [1], [-2]], 3),
                                     ([[1 << 500, 3], [1, 1]], -20)])
@pytest.mark.parametrize("stage", [0, 1, 2, 3])
def test_every_early_exit_of_the_proof_refuses(rows, K, stage: int):
    """Claims where the proof gives up before the Cholesky — c₁ ≤ 0, c₂ ≤ 0, nothing left for d, d rounding to
    0 (windows down to 2^-1070 wide, found by exact bisection) — are refused; they are far below σ_max."""
    c = _claim_in_stage(rows, K, stage)
    assert proof_steps(rows, K, c)[0] == stage
    assert c * c * 4 < exact_sigma_sq_dense(rows, K)
    assert not spectral_bound_holds(rows, K, c)


def exact_sigma_sq_dense(rows: list[list[int]], K: int) -> Fraction:
    """A lower bound on σ_max²: the largest squared row norm (exact)."""
    top = max(sum(x * x for x in r) for r in rows)
    return Fraction(top, 4**K) if K >= 0 else Fraction(top * 4 ** (-K))
