"""The numpy path of verify/kernel/spectral.py (steps N1–N5): soundness at the proof's own threshold, agreement
with the stdlib path, adversarial entries, failure detection, and the fallbacks.

The oracle of the margin tests is the module docstring's N1–N5 evaluated in exact rationals here, independently of
the code; σ_max is known exactly (disjoint supports, rank one, Hadamard·diagonal) or decided exactly (symmetric
elimination of c²I − AAᵀ in rationals, ``exact_pd``).
"""

from __future__ import annotations

import builtins
import functools
import math
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_spectral import KINDS, _hadamard, exact_pd, exact_sigma_sq, make_matrix, rank_one, sigma_np

from verify.engine.spectral_hint import spectral_claim, to_fixed_point
from verify.kernel import spectral
from verify.kernel.spectral import spectral_bound_holds

U = Fraction(1, 2**53)
TAU = Fraction(1, 2**1020)


def numpy_path(rows, K, c) -> bool:
    return spectral._decide(rows, K, Fraction(c), "numpy")


def stdlib_path(rows, K, c) -> bool:
    return spectral._decide(rows, K, Fraction(c), "stdlib")


def _gamma(k: int) -> Fraction:
    return k * U / (1 - k * U)


def _wide(rows):
    return [list(col) for col in zip(*rows, strict=True)] if len(rows) > len(rows[0]) else rows


# --- the proof N1–N5 in exact rationals, from the docstring alone ---------------------------------------------

class NumpyProof:
    """N1–N5 for a fixed matrix: ``stage(c)`` = 0 (c₁ ≤ 0), 1 (c₂ ≤ 0), 2 (nothing left for d), 3 (d_max < 1/8,
    refused), 4 (the Cholesky decides); ``d_max(c)``."""

    def __init__(self, rows: list[list[int]], K: int) -> None:
        wide = _wide(rows)
        self.m, self.n = len(wide), len(wide[0])
        self.K = K
        self.f2 = sum(x * x for r in rows for x in r)
        self.L = max(abs(x) for r in rows for x in r).bit_length()
        self.F = Fraction(math.isqrt(self.f2) + 1, 2**self.L)
        self.beta = Fraction(math.isqrt(self.m * self.n) + 1, 2**53) if self.L > 53 else Fraction(0)
        # Ã = ⌊N·2^(53−L)⌋·2^-53 (Python's >> and << are exact floor shifts)
        s = self.L - 53
        self.q = [[v >> s if s >= 0 else v << -s for v in r] for r in wide]

    def steps(self, c: Fraction) -> tuple[int, Fraction | None]:
        c_s = c * Fraction(2) ** (self.K - self.L)
        c1 = c_s - self.beta
        if c1 <= 0:
            return 0, None
        c2 = c1 * c1 - _gamma(self.n) * (self.F + self.beta) ** 2
        if c2 <= 0:
            return 1, None
        g = _gamma(2 * self.m)
        eps_abs = 4 * self.m * TAU * (1 + c2)
        rest = c2 - self.m * eps_abs / (1 - g)
        if rest <= 0:
            return 2, None
        d_max = rest / (1 + U + g * (1 + U) * self.m / (1 - g))
        return (3 if d_max < Fraction(1, 8) else 4), d_max

    def gram_diagonal_max(self) -> float:
        """max_j B̃_jj for rows with disjoint supports: one nonzero per row (B̃_jj = RN(x²) whether the product is
        rounded or fused), or exact squares whose sums are exact in any order."""
        best = Fraction(0)
        for r in self.q:
            nz = [Fraction(v, 2**53) for v in r if v]
            if len(nz) == 1:
                val = Fraction(float(nz[0] ** 2))      # float(Fraction) rounds to nearest, ties to even
            elif len(nz) == 2:                         # fl(fl(x²) + fl(y²)), or one of them fused (FMA)
                x2, y2 = nz[0] ** 2, nz[1] ** 2
                rn = lambda v: Fraction(float(v))  # noqa: E731
                vals = {rn(rn(x2) + rn(y2)), rn(x2 + rn(y2)), rn(rn(x2) + y2)}
                assert len(vals) == 1, "choose entries whose Gram diagonal does not depend on FMA"
                val = vals.pop()
            else:
                assert all(abs(v.numerator) < 2**26 for v in nz)   # squares have ≤ 52 bits …
                val = sum(v * v for v in nz)
                assert Fraction(float(val)) == val   # … and so does their sum: exact in any order
            best = max(best, val)
        return float(best)


def threshold(rows, K) -> tuple[Fraction, Fraction]:
    """lo < hi, hi/lo − 1 < 2^-1400, with the proof's d_max(lo) < f⁺ ≤ d_max(hi): the numpy path must refuse lo
    and accept hi (f⁺ = the float after max B̃_jj; the Cholesky of d·I − B̃, B̃ diagonal, succeeds iff d ≥ f⁺)."""
    pf = NumpyProof(rows, K)
    f_plus = Fraction(math.nextafter(pf.gram_diagonal_max(), math.inf))
    s2 = exact_sigma_sq(rows, K)
    p = 200 + max(0, K)                                  # σ ≥ 2^-K: 200 bits below σ at least
    lo = Fraction(math.isqrt(math.floor(s2 * 4**p)), 2**p)
    hi = lo * (1 + Fraction(1, 2**20))

    def reaches(c: Fraction) -> bool:
        stage, d = pf.steps(c)
        return stage == 4 and d >= f_plus

    assert not reaches(lo) and reaches(hi)
    for _ in range(1420):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if reaches(mid) else (mid, hi)
    return lo, hi


def _odd(rs: np.random.RandomState, bits: int) -> int:
    return int.from_bytes(rs.bytes(bits // 8 + 1), "little") % 2 ** (bits - 1) + 2 ** (bits - 1) | 1


def _diag(values: list[int], cols: int) -> list[list[int]]:
    return [[v if i == j else 0 for j in range(cols)] for i, v in enumerate(values)]


def _margin_cases() -> dict[str, tuple[list[list[int]], int]]:
    rs = np.random.RandomState(15)
    big = [_odd(rs, 53) * (1 if i % 3 else -1) for i in range(48)]
    return {
        "L = 53: exact conversion, beta = 0": (_diag([_odd(rs, 53), -_odd(rs, 52), _odd(rs, 40)], 5), 70),
        "L = 54: one bit dropped": (_diag([-_odd(rs, 54), _odd(rs, 53), _odd(rs, 20)], 4), 60),
        "53 < L <= 63: int64 floor division": (_diag([_odd(rs, 62), -_odd(rs, 61), -_odd(rs, 59)], 6), 64),
        "L > 63: Python shifts": (_diag([_odd(rs, 300), -_odd(rs, 299), _odd(rs, 120), -_odd(rs, 2)], 5), 280),
        "L < 53: left shift": (_diag([_odd(rs, 30), -_odd(rs, 29)], 3), 10),
        "negative K": (_diag([-_odd(rs, 53), _odd(rs, 50)], 3), -40),
        "huge K": (_diag([_odd(rs, 70), _odd(rs, 66)], 2), 5000),
        "dense row, sigma' > 1": ([[3 << 40, -(3 << 40), 3 << 40, 0, 0, 0], [0, 0, 0, 5 << 37, 0, 0]], 41),
        "tall": ([list(r) for r in zip(*_diag([_odd(rs, 66), -_odd(rs, 65), _odd(rs, 61)], 7), strict=True)], 64),
        # square, rows disjoint but columns not (26-bit significands: the Gram diagonal is exact in any order)
        "square, Gram on the rows": ([[(2**25 + 1) << 27, (2**24 + 3) << 27, 0], [0, 0, 1 << 50], [0, 0, 0]], 53),
        "zero rows and columns": ([[0, 0, 0, 0], [0, _odd(rs, 58), 0, 0], [0, 0, 0, 0], [0, 0, 0, -_odd(rs, 57)]], 59),
        # large enough that the public function takes the numpy path by itself (m²n ≥ _NUMPY_MIN_WORK)
        "48 x 64 diagonal (auto path)": (_diag(big, 64), 60),
    }


MARGIN = _margin_cases()


@functools.cache
def _threshold_of(name: str) -> tuple[Fraction, Fraction]:
    return threshold(*MARGIN[name])


@pytest.mark.parametrize("name", list(MARGIN))
def test_numpy_decision_flips_exactly_at_the_proofs_threshold(name: str):
    """Every slack term of N1–N5 (β, the Gram term γ_n(F + β)², g = γ_2m, coef's u, ε_abs = 4mτ(1 + c₂) at
    2^-1010 relative) moves this threshold by more than the 2^-1400 the bisection resolves, so dropping or
    weakening any of them in the code fails here; the exact oracle shows the threshold itself is above σ_max."""
    rows, K = MARGIN[name]
    lo, hi = _threshold_of(name)
    sigma_sq = exact_sigma_sq(rows, K)
    assert lo * lo > sigma_sq
    assert hi * hi < sigma_sq * (1 + Fraction(1, 10**11))
    assert not numpy_path(rows, K, lo), name
    assert numpy_path(rows, K, hi), name
    if "auto" in name:
        m, n = sorted((len(rows), len(rows[0])))
        assert m * m * n >= spectral._NUMPY_MIN_WORK
        assert not spectral_bound_holds(rows, K, lo) and spectral_bound_holds(rows, K, hi)


def test_margin_cases_cover_every_branch():
    """Both conversion regimes (β = 0 and β > 0), the three conversion routes (left shift, int64 floor division,
    Python shifts), both sides of c₂ = 1, both orientations, both signs of K — and the threshold is below ‖A‖_F in
    every case (so the exact shortcut of step 0 does not decide it)."""
    seen = set()
    for name, (rows, K) in MARGIN.items():
        pf = NumpyProof(rows, K)
        lo, _ = _threshold_of(name)
        c2 = (lo * Fraction(2) ** (K - pf.L)) ** 2
        route = "left" if pf.L < 53 else "none" if pf.L == 53 else "int64" if pf.L <= 63 else "python"
        seen |= {("beta", pf.beta > 0), ("c2>1", c2 > 1), ("tall", len(rows) > len(rows[0])), ("K<0", K < 0),
                 ("route", route)}
        f2 = Fraction(pf.f2) * Fraction(2) ** (-2 * K)
        assert lo * lo * (1 + Fraction(1, 10**6)) < f2
    assert seen >= {(k, v) for k in ("beta", "c2>1", "tall", "K<0") for v in (True, False)}
    assert {v for k, v in seen if k == "route"} == {"left", "none", "int64", "python"}


@pytest.mark.parametrize("rows, K", [([[3, 1, 0], [0, 2, 5]], 0), ([[7], [1], [-2]], 3),
                                     ([[1 << 500, 3], [1, 1]], -20)])
@pytest.mark.parametrize("stage", [0, 1, 2, 3])
def test_every_early_exit_refuses(rows, K, stage: int):
    """Claims where N1–N5 give up before the Cholesky (c₁ ≤ 0, c₂ ≤ 0, nothing left for d, d < 1/8) are refused.
    The d < 1/8 window is wide (c' up to ~0.35), the others are found by exact bisection."""
    pf = NumpyProof(rows, K)
    lo, hi = Fraction(0), Fraction(sum(abs(x) for r in rows for x in r)) * Fraction(2) ** (-K)
    assert pf.steps(lo)[0] <= stage < pf.steps(hi)[0]
    c = None
    for _ in range(4000):
        if pf.steps(lo)[0] == stage:
            c = lo
            break
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if pf.steps(mid)[0] <= stage else (lo, mid)
    assert c is not None and pf.steps(c)[0] == stage
    assert not numpy_path(rows, K, c)
    top = max(sum(x * x for x in r) for r in rows)
    assert c * c * 2 < Fraction(top) * Fraction(2) ** (-2 * K)   # far below σ_max: refusing them costs nothing


# --- exactly known σ_max, both paths ------------------------------------------------------------------------------

GAPS = [Fraction(1, 2**k) for k in (10, 30, 52, 60, 90)]


def _check_known_both(rows, K, sigma_sq: Fraction, tight: Fraction = Fraction(1, 10**9)):
    for gap in GAPS:
        target = sigma_sq * (1 - gap) ** 2
        c = Fraction(math.isqrt(math.floor(target * 2**200)), 2**100)
        assert c * c < sigma_sq
        assert not numpy_path(rows, K, c), gap
        assert not stdlib_path(rows, K, c), gap
    hi = sigma_sq * (1 + tight) ** 2
    c = Fraction(math.isqrt(math.ceil(hi * 2**200)) + 1, 2**100)
    assert numpy_path(rows, K, c)
    assert stdlib_path(rows, K, c)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), bits=st.sampled_from([8, 52, 53, 54, 63, 64, 70, 300, 1200]))
def test_rank_one_both_paths(seed: int, bits: int):
    """A = u vᵀ with entries of up to 2·``bits`` bits, straddling the int64 and the 2^53 limits: σ² = ‖u‖²‖v‖²."""
    rows, sigma_sq = rank_one(seed, bits)
    _check_known_both(rows, bits, Fraction(sigma_sq, 2 ** (2 * bits)))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(0, 7), transpose=st.booleans())
def test_hadamard_times_diagonal_both_paths(seed: int, p: int, transpose: bool):
    """A = P H D (H Hadamard of order up to 128, so blocks and the auto path are exercised): σ = 2^(p/2)·max|d|."""
    rs = np.random.RandomState(seed)
    n = 2**p
    d = [int(x) for x in rs.randint(-(2**40), 2**40, size=n)]
    perm, signs, h = rs.permutation(n), rs.choice([-1, 1], size=n), _hadamard(p)
    rows = [[int(signs[i]) * h[perm[i]][j] * d[j] for j in range(n)] for i in range(n)]
    if transpose:
        rows = [list(c) for c in zip(*rows, strict=True)]
    sigma_sq = Fraction(n * max(x * x for x in d), 2**40)
    _check_known_both(rows, 20, sigma_sq)
    if n >= 64:   # the public function takes the numpy path here
        below = Fraction(math.isqrt(math.floor(sigma_sq * (1 - Fraction(1, 2**60)) * 2**200)), 2**100)
        assert not spectral_bound_holds(rows, 20, below)


@pytest.mark.parametrize("top", [2**53 - 1, 2**53, 2**53 + 1, 2**63 - 1, 2**63, 2**64 + 1, 3 << 1000])
@pytest.mark.parametrize("sign", [1, -1])
def test_entries_at_the_conversion_limits(top: int, sign: int):
    """A diagonal whose largest entry sits at 2^53 ± 1, 2^63, 2^64 + 1 or beyond, with tiny entries of both signs
    beside it (floored to −2^-53 or 0): σ_max = |top| exactly up to the tiny part, which the exact oracle covers."""
    tiny = [1, -1, 3, -2]
    rows = [[sign * top, 0, 0, 0, 0], [0, tiny[0], 0, 0, 0], [0, 0, tiny[1], 0, tiny[2]], [0, tiny[3], 0, 0, 0]]
    K = top.bit_length() + 3
    s2 = Fraction(top * top, 4**K)             # the largest singular value: rows/columns of the tiny part are ≤ 13
    assert exact_pd(rows, K, Fraction(top + 14, 2**K)) and not exact_pd(rows, K, Fraction(top, 2**K))
    for gap in GAPS:
        c = Fraction(math.isqrt(math.floor(s2 * (1 - gap) ** 2 * 2**200)), 2**100)
        assert not numpy_path(rows, K, c) and not stdlib_path(rows, K, c)
    c = Fraction(top, 2**K) * (1 + Fraction(1, 10**9))
    assert numpy_path(rows, K, c) and stdlib_path(rows, K, c)


@pytest.mark.parametrize("L", [54, 60, 63, 64, 100])
def test_floor_reaches_minus_two_to_the_53(L: int):
    """N = −(2^L − 1) floors to Q = −2^53 exactly (the bound of N1 is attained): the numpy path must still prove a
    claim just above σ, decided by the Cholesky (a second entry keeps σ well below ‖A‖_F)."""
    top = 2**L - 1
    rows = [[-top, 0, 0], [0, 0, top >> 1]]
    assert spectral._numpy_gram_side(rows, L, np)[0, 0] == -1.0
    K = L
    sigma = Fraction(top, 2**K)
    assert sigma * (1 + Fraction(1, 10**9)) < Fraction(math.isqrt(top**2 + (top >> 1) ** 2), 2**K)   # below ‖A‖_F
    assert numpy_path(rows, K, sigma * (1 + Fraction(1, 10**9)))
    assert not numpy_path(rows, K, sigma * (1 - Fraction(1, 2**60)))


@pytest.mark.parametrize("K", [-3000, -1, 0, 1, 64, 3000])
def test_huge_and_tiny_scales(K: int):
    """The same matrix at scales 2^±3000: the decision depends on c·2^K only."""
    rows = [[5, -3, 0, 1], [2, 7, -1, 0], [0, 0, 4, 4]]
    a = np.array(rows, dtype=float)
    sigma = Fraction(sigma_np(a)) * Fraction(2) ** (-K)
    for path in (numpy_path, stdlib_path):
        assert path(rows, K, sigma * (1 + Fraction(1, 10**9)))
        assert not path(rows, K, sigma * (1 - Fraction(1, 10**9)))


def test_zero_rows_and_degenerate_shapes():
    assert numpy_path([[0, 0, 0], [0, 0, 0]], 7, Fraction(0))                  # A = 0: step 0
    assert numpy_path([[0, 5, 0]], 0, 5) and not numpy_path([[0, 5, 0]], 0, Fraction(4999, 1000))
    assert numpy_path([[3], [4]], 0, 5) and not numpy_path([[3], [4]], 0, Fraction(49999, 10000))
    rows = [[0] * 9, [1, 2, 3, 0, 0, 0, 0, 0, 0], [0] * 9, [0, 0, 0, 0, 0, 0, 4, 4, 2]]   # σ = 6
    assert numpy_path(rows, 0, Fraction(6000001, 1000000)) and not numpy_path(rows, 0, Fraction(5999999, 1000000))
    assert not numpy_path([[1]], 0, Fraction(-1))


# --- agreement of the two paths, and soundness against the exact test ----------------------------------------------

@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(KINDS))
def test_paths_agree_on_random_matrices(seed: int, kind: str):
    """Both accept the engine's claim and σ(1 + 10^-9); both refuse σ(1 − 10^-6) (LAPACK's σ is accurate far
    beyond that)."""
    a = make_matrix(seed, kind)
    rows, K = to_fixed_point(a)
    claim = spectral_claim(a)
    sigma = Fraction(sigma_np(a))
    for path in (numpy_path, stdlib_path):
        assert path(rows, K, claim), (kind, a.shape)
        if sigma > 0:
            assert path(rows, K, sigma * (1 + Fraction(1, 10**9))), (kind, path)
            assert not path(rows, K, sigma * (1 - Fraction(1, 10**6))), (kind, path)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), exp=st.sampled_from([3, 7, 10, 12, 14, 15]), above=st.booleans(),
       scale=st.sampled_from([0, 30, -400, 900]))
def test_acceptance_implies_the_exact_test(seed: int, exp: int, above: bool, scale: int):
    """Near the boundary (down to 10^-15 relative): wherever either path accepts, c²I − AAᵀ ≻ 0 exactly."""
    rs = np.random.RandomState(seed)
    a = rs.randn(rs.randint(1, 6), rs.randint(1, 7)) * 2.0**scale
    rows, K = to_fixed_point(a)
    sigma = Fraction(sigma_np(a))
    c = sigma * (1 + Fraction(1, 10**exp)) if above else sigma * (1 - Fraction(1, 10**exp))
    for path in (numpy_path, stdlib_path):
        if path(rows, K, c):
            assert exact_pd(rows, K, c), path
    if exp <= 10:
        assert numpy_path(rows, K, c) == above == stdlib_path(rows, K, c)


@pytest.mark.parametrize("block", [1, 2, 7, 64, 128, 1000])
def test_block_size_does_not_change_the_decision(monkeypatch, block: int):
    """N4 holds for any block size: a 150 × 190 matrix at σ(1 ± 10^-9), block sizes from 1 to more than m."""
    a = np.random.RandomState(3).uniform(-1, 1, size=(150, 190)).astype(np.float32).astype(np.float64)
    rows, K = to_fixed_point(a)
    sigma = Fraction(sigma_np(a))
    monkeypatch.setattr(spectral, "_NUMPY_BLOCK", block)
    assert numpy_path(rows, K, sigma * (1 + Fraction(1, 10**9)))
    assert not numpy_path(rows, K, sigma * (1 - Fraction(1, 10**9)))


def test_layer_sized_matrix_agrees_with_stdlib():
    """A 200 × 300 layer-like matrix: the engine's claim, 10^-9 above and below σ, both paths."""
    a = (np.random.RandomState(4).uniform(-1, 1, size=(200, 300)) / math.sqrt(300)).astype(np.float32)
    a = a.astype(np.float64)
    rows, K = to_fixed_point(a)
    sigma = Fraction(sigma_np(a))
    for c, want in ((spectral_claim(a), True), (sigma * (1 + Fraction(1, 10**9)), True),
                    (sigma * (1 - Fraction(1, 10**9)), False)):
        assert numpy_path(rows, K, c) == want == stdlib_path(rows, K, c) == spectral_bound_holds(rows, K, c)


# --- N1's conversion, exactly ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("bits", [5, 52, 53, 54, 60, 63, 64, 65, 200])
@pytest.mark.parametrize("shape", [(3, 7), (7, 3), (4, 4)])
def test_conversion_is_the_proved_floor(bits: int, shape):
    """Ã = ⌊N·2^(53−L)⌋·2^-53 exactly, in the wide orientation, whatever route the code takes (shift left,
    int64 floor division, Python shifts), including negative entries and −2^(L−1)."""
    rs = np.random.default_rng(bits * 100 + shape[0])
    rows = [[int.from_bytes(rs.bytes(bits // 8 + 1), "little") % 2**bits * (1 if rs.random() < 0.5 else -1)
             for _ in range(shape[1])] for _ in range(shape[0])]
    rows[0][0] = -(2 ** (bits - 1))
    rows[1][1] = 0
    L = max(abs(x) for r in rows for x in r).bit_length()
    a = spectral._numpy_gram_side(rows, L, np)
    wide = _wide(rows)
    assert a.shape == (len(wide), len(wide[0])) and a.flags["C_CONTIGUOUS"] and a.dtype == np.float64
    for ra, rn in zip(a.tolist(), wide, strict=True):
        for x, v in zip(ra, rn, strict=True):
            assert Fraction(x) == Fraction(math.floor(Fraction(v) * Fraction(2) ** (53 - L)), 2**53)
            assert abs(x) <= 1


# --- failure detection (N3–N4 guards) -------------------------------------------------------------------------------

def test_cholesky_refuses_bad_pivots_nan_and_inf():
    a = np.array([[0.5, 0.25, 0.0], [0.0, 0.5, 0.5]])
    b = a @ a.T
    top = float(np.linalg.eigvalsh(b).max())
    assert spectral._numpy_cholesky_succeeds(a, top * 1.001, np)
    assert not spectral._numpy_cholesky_succeeds(a, top * 0.999, np)      # some pivot ≤ 0
    assert not spectral._numpy_cholesky_succeeds(a, float(b[0, 0]), np)   # a diagonal of M̃ exactly 0
    assert not spectral._numpy_cholesky_succeeds(a, math.nan, np)
    assert not spectral._numpy_cholesky_succeeds(a, math.inf, np)
    assert not spectral._numpy_cholesky_succeeds(np.array([[np.nan, 0.0]]), 1.0, np)
    assert not spectral._numpy_cholesky_succeeds(np.array([[1.0, np.inf]]), 1.0, np)
    assert not spectral._numpy_cholesky_succeeds(np.array([[1e300, 1e300], [1e300, -1e300]]), 1e308, np)
    # a pivot below 2^-1000 is refused even though it is positive; 2^-1000 itself is accepted, ∞ is not
    zero = np.zeros((1, 1))
    assert spectral._numpy_cholesky_succeeds(zero, 2.0**-1000, np)
    assert not spectral._numpy_cholesky_succeeds(zero, math.nextafter(2.0**-1000, 0.0), np)
    assert not spectral._numpy_cholesky_succeeds(zero, 5e-324, np)


def test_cholesky_refuses_a_nan_in_r():
    """A NaN produced in an off-diagonal entry of R̃ is refused (by the pivot of its column, which subtracts its
    square; the final isfinite of R̃ is a second guard)."""
    real_divide = np.divide
    calls = []

    def poisoned(x, y, *args, **kw):
        out = real_divide(x, y, *args, **kw)
        calls.append(1)
        if len(calls) == 1:
            out = np.array(out, copy=True)
            out[-1] = np.nan
        return out

    fake = SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    fake.divide = poisoned
    a = np.eye(3) * 0.5
    assert spectral._numpy_cholesky_succeeds(a, 1.0, np)
    assert not spectral._numpy_cholesky_succeeds(a, 1.0, fake)


# --- when the numpy path is off --------------------------------------------------------------------------------------

@pytest.fixture
def fresh_numpy_cache(monkeypatch):
    monkeypatch.setattr(spectral, "_numpy_cache", [])


BIG = [[int(x) for x in r] for r in np.random.RandomState(5).randint(-1000, 1000, size=(50, 60))]
BIG_SIGMA = Fraction(sigma_np(np.array(BIG, dtype=float)))


def test_numpy_missing_falls_back_to_stdlib(monkeypatch, fresh_numpy_cache):
    real_import = builtins.__import__

    def no_numpy(name, *args, **kw):
        if name == "numpy" or name.startswith("numpy."):
            raise ImportError("no numpy here")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_numpy)
    assert spectral._numpy() is None
    assert spectral_bound_holds(BIG, 0, BIG_SIGMA * (1 + Fraction(1, 10**9)))       # the stdlib path proves it
    assert not spectral_bound_holds(BIG, 0, BIG_SIGMA * (1 - Fraction(1, 10**9)))
    assert not numpy_path(BIG, 0, BIG_SIGMA * 2)                                     # forced numpy: refuses


def test_failed_model_check_falls_back(monkeypatch, fresh_numpy_cache):
    monkeypatch.setattr(spectral, "_numpy_model_ok", lambda np_: False)
    monkeypatch.setattr(spectral, "_numpy_proof", lambda *a: pytest.fail("numpy path taken"))
    assert spectral._numpy() is None
    assert spectral_bound_holds(BIG, 0, BIG_SIGMA * (1 + Fraction(1, 10**9)))
    assert not numpy_path(BIG, 0, BIG_SIGMA * 2)


def test_environment_selects_the_stdlib_path(monkeypatch):
    taken = []
    real = spectral._stdlib_proof
    monkeypatch.setattr(spectral, "_stdlib_proof", lambda *a: taken.append(1) or real(*a))
    assert spectral_bound_holds(BIG, 0, BIG_SIGMA * (1 + Fraction(1, 10**9))) and not taken   # numpy by default
    monkeypatch.setenv("SLT_VERIFY_SPECTRAL", "stdlib")
    assert spectral_bound_holds(BIG, 0, BIG_SIGMA * (1 + Fraction(1, 10**9))) and taken


@pytest.mark.parametrize("shape, numpy_taken", [((32, 64), True), ((64, 32), True), ((31, 64), False),
                                                 ((32, 63), False)])
def test_the_numpy_path_starts_at_m2n_two_to_the_16(monkeypatch, shape, numpy_taken: bool):
    taken = []
    real = spectral._numpy_proof
    monkeypatch.setattr(spectral, "_numpy_proof", lambda *a: taken.append(1) or real(*a))
    a = np.random.RandomState(7).randint(-9, 10, size=shape)
    rows = [[int(x) for x in r] for r in a]
    sigma = Fraction(sigma_np(a.astype(float)))
    assert spectral_bound_holds(rows, 0, sigma * (1 + Fraction(1, 10**9)))
    assert bool(taken) == numpy_taken


def test_tiny_matrices_take_the_stdlib_path(monkeypatch):
    monkeypatch.setattr(spectral, "_numpy_proof", lambda *a: pytest.fail("numpy path taken"))
    assert spectral_bound_holds([[3, 0], [0, -4]], 0, Fraction(4000001, 1000000))
    with pytest.raises(ValueError, match="unknown path"):
        spectral._decide([[3, 1]], 0, Fraction(1), "lapack")


def test_non_binary64_python_floats_refuse_the_numpy_path_too(monkeypatch):
    monkeypatch.setattr(spectral, "_float_model_ok", lambda: False)
    assert not numpy_path(BIG, 0, BIG_SIGMA * 2)
    assert numpy_path(BIG, 0, Fraction(10**9))           # ≥ ‖A‖_F: exact, no floats


# --- the model checks: canaries catch reduced, extended and directed rounding in matmul -------------------------------

def _fake_numpy(matmul):
    """numpy whose arrays multiply with ``matmul`` (a function of two float64 ndarrays)."""

    class Arr(np.ndarray):
        def __matmul__(self, other):
            return matmul(np.asarray(self), np.asarray(other)).view(Arr)

    ns = SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    ns.array = lambda *a, **k: np.array(*a, **k).view(Arr)
    ns.ones = lambda *a, **k: np.ones(*a, **k).view(Arr)
    return ns


def _off_diagonal(b: np.ndarray, factor: float) -> np.ndarray:
    """b with entry (3, 3) moved by ``factor`` times the canary's bound γ_n·B_33 (B_33 = Σ|x||x|: a diagonal)."""
    n = 128
    out = np.array(b, copy=True)
    out[3, 3] += factor * n / (2**53 - n) * b[3, 3]
    return out


def test_gram_canary_bound_is_not_looser_than_gamma_n():
    """Half the bound is accepted (the canary passes a correct-within-bound matmul), 1.5× is not."""
    ok = _fake_numpy(lambda x, y: x @ y if x.shape[-1] <= 2 else _off_diagonal(x @ y, 0.5))
    assert spectral._numpy_gram_canary_ok(ok)


def _extended(x, y):
    """Each entry summed exactly, rounded to a 64-bit significand, then to binary64 (x87-style double rounding)."""
    out = np.empty((x.shape[0], y.shape[1]))
    for i in range(x.shape[0]):
        for j in range(y.shape[1]):
            s = sum(Fraction(float(p)) * Fraction(float(q)) for p, q in zip(x[i], y[:, j], strict=True))
            if s == 0:
                out[i, j] = 0.0
                continue
            e = math.floor(math.log2(abs(s))) - 63
            r = round(s / Fraction(2) ** e) * Fraction(2) ** e if e >= 0 else Fraction(round(s * 2**-e), 2**-e)
            out[i, j] = float(r)
    return out


@pytest.mark.parametrize("name, matmul", [
    ("float32", lambda x, y: (x.astype(np.float32) @ y.astype(np.float32)).astype(np.float64)),
    ("round up", lambda x, y: np.nextafter(x @ y, np.inf)),
    ("round down", lambda x, y: np.nextafter(x @ y, -np.inf)),
    ("extended", _extended),
    ("off by 2^-40 relative", lambda x, y: (x @ y) * (1 + 2.0**-40)),
])
def test_model_check_rejects_bad_matmul(name, matmul):
    """The probes of ``_numpy_model_ok`` catch each (the Gram canary alone would not see a one-ulp directed or
    double rounding: that stays within its a-priori bound)."""
    assert spectral._numpy_model_ok(np) and spectral._numpy_gram_canary_ok(np)
    assert not spectral._numpy_model_ok(_fake_numpy(matmul)), name
    if name in ("float32", "off by 2^-40 relative"):
        assert not spectral._numpy_gram_canary_ok(_fake_numpy(matmul)), name


@pytest.mark.parametrize("name, matmul", [
    ("float32 beyond 2 terms", lambda x, y: x @ y if x.shape[-1] <= 2 else
     (x.astype(np.float32) @ y.astype(np.float32)).astype(np.float64)),
    ("2^-40 relative beyond 2 terms", lambda x, y: x @ y if x.shape[-1] <= 2 else (x @ y) * (1 + 2.0**-40)),
    ("diagonal entry 1.5x its bound off", lambda x, y: x @ y if x.shape[-1] <= 2 else _off_diagonal(x @ y, 1.5)),
    ("NaN beyond 2 terms", lambda x, y: x @ y if x.shape[-1] <= 2 else np.full((x.shape[0], y.shape[1]), np.nan)),
    ("inf beyond 2 terms", lambda x, y: x @ y if x.shape[-1] <= 2 else np.full((x.shape[0], y.shape[1]), np.inf)),
])
def test_gram_canary_catches_what_the_small_probes_miss(name, matmul):
    """A matmul wrong only for longer sums passes the 2-term probes of ``_numpy_model_ok`` but not the canary;
    ``_numpy`` then disables the path."""
    fake = _fake_numpy(matmul)
    assert spectral._numpy_model_ok(fake), name
    assert not spectral._numpy_gram_canary_ok(fake), name


def test_model_checks_run_on_every_call_and_the_canary_once(monkeypatch, fresh_numpy_cache):
    calls = {"model": 0, "canary": 0}
    real_model, real_canary = spectral._numpy_model_ok, spectral._numpy_gram_canary_ok
    monkeypatch.setattr(spectral, "_numpy_model_ok", lambda np_: calls.__setitem__("model", calls["model"] + 1)
                        or real_model(np_))
    monkeypatch.setattr(spectral, "_numpy_gram_canary_ok", lambda np_: calls.__setitem__("canary", calls["canary"] + 1)
                        or real_canary(np_))
    for _ in range(3):
        assert spectral_bound_holds(BIG, 0, BIG_SIGMA * (1 + Fraction(1, 10**9)))
    assert calls == {"model": 3, "canary": 1}
    monkeypatch.setattr(spectral, "_numpy_model_ok", lambda np_: False)   # e.g. the rounding mode changed
    monkeypatch.setattr(spectral, "_numpy_proof", lambda *a: pytest.fail("numpy path taken"))
    assert spectral_bound_holds(BIG, 0, BIG_SIGMA * (1 + Fraction(1, 10**9)))          # the stdlib path decides


def test_model_check_rejects_a_non_binary64_format():
    class Info:
        nmant, nexp, maxexp, minexp = 63, 15, 16384, -16382

    ns = SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    ns.finfo = lambda t: Info
    assert not spectral._numpy_model_ok(ns)
