"""Adversarial review of the numpy path (N1–N5) of verify/kernel/spectral.py: attempts at a FALSE ACCEPT.

Every attack builds an integer matrix, an exact lower bound ρ ≤ σ_max² (rank one: exact; otherwise the Rayleigh
quotient ‖N x‖² / (‖x‖²·4^K) of an integer vector x close to the top right singular vector — a valid lower bound
for any x, and within ~10^-25 relative of σ_max² when x is good), and then
  * a ladder of claims c with c² < ρ (hence c < σ_max, each a FALSE claim) down to 2^-8 relative below: every
    one must be refused;
  * a bisection of the code's own accept edge between √ρ and √ρ·(1 + 2^-12): every probed claim that is
    accepted must satisfy c² ≥ ρ (sanity: the upper end is accepted, so the margin region is exercised).
The attacks cover: the worst case of recursive summation (products just under half an ulp of the running sum,
so every addition rounds down: the Gram error reaches (n−1)/n of the γ_n bound on the stdlib path), coherent
floor bias of N1 (all entries negative with a fraction just below one ulp), mixed magnitudes 2^±500, one huge
entry, zero rows, K ≪ 0 and K ≫ 0, m ≫ n and n ≫ m, m > 128 (the blocked Cholesky), a near-degenerate top
singular value (Hadamard, many σ_i = σ_max: the Cholesky of d·I − B̃ is nearly singular), and BLAS thread counts
in a subprocess.  No false accept was found (see the report in the review).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from verify.kernel import spectral

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def decide(rows, K, c, path):
    return spectral._decide(rows, K, Fraction(c), path)


# --- exact lower bounds on σ_max² -------------------------------------------------------------------------------

def rayleigh_lower(rows: list[list[int]], K: int) -> Fraction:
    """ρ = ‖N x‖² / (‖x‖² 4^K) ≤ σ_max(N / 2^K)², exactly, x from a float SVD of N (scaled per entry exactly)."""
    L = max(abs(v) for r in rows for v in r).bit_length()
    a = np.array([[math.ldexp(float(Fraction(v, 2**L)), 0) if v else 0.0 for v in r] for r in rows])
    _, _, vt = np.linalg.svd(a, full_matrices=False)
    best = Fraction(0)
    for v in vt[:2]:                      # the top vector (and the next, harmless) — take the better quotient
        x = [int(round(t * 2.0**62)) for t in v]
        xx = sum(t * t for t in x)
        if not xx:
            continue
        yy = sum(sum(p * q for p, q in zip(r, x, strict=True)) ** 2 for r in rows)
        best = max(best, Fraction(yy, xx))
    return best / Fraction(4) ** K if K >= 0 else best * 4 ** (-K)


def sqrt_below(r: Fraction) -> Fraction:
    """A rational s with s² < r (strictly) and r − s² tiny (relative ≲ 2^-400)."""
    bits = 400 + max(0, r.denominator.bit_length() - r.numerator.bit_length())
    s = Fraction(math.isqrt(math.floor(r * 4**bits)), 2**bits) - Fraction(1, 2**bits)
    assert s * s < r
    return s


def attack(rows, K, rho: Fraction, path: str, bisect_steps: int = 40) -> tuple[list, Fraction]:
    """(false accepts found, relative gap of the code's accept edge above √ρ)."""
    s = sqrt_below(rho)
    ladder = [s] + [s * (1 - Fraction(1, 2**k)) for k in (60, 52, 48, 40, 34, 30, 26, 20, 14, 8)]
    bad = [c for c in ladder if decide(rows, K, c, path)]
    lo, hi = s, s * (1 + Fraction(1, 2**12))
    f2 = sum(v * v for r in rows for v in r)
    assert not spectral.at_least_root(hi, f2, K), "step 0 (exact Frobenius) would decide: vacuous attack"
    assert decide(rows, K, hi, path), "the margin region is not reached: the attack would be vacuous"
    for _ in range(bisect_steps):
        mid = (lo + hi) / 2
        if decide(rows, K, mid, path):
            hi = mid
            if mid * mid < rho:
                bad.append(mid)
        else:
            lo = mid
    return bad, hi / s - 1


# --- the attack matrices ------------------------------------------------------------------------------------------

def _rs(seed):
    return np.random.RandomState(seed)


def _ints(a) -> list[list[int]]:
    return [[int(x) for x in r] for r in a]


def _hadamard(p: int) -> list[list[int]]:
    h = [[1]]
    for _ in range(p):
        h = [r + r for r in h] + [r + [-x for x in r] for r in h]
    return h


P_HALF_ULP = math.isqrt(2**51)          # p² < 2^51: (p·2^-53)² just below 2^-55 = half an ulp of 1/4


def tie_family(m: int, n: int) -> tuple[list[list[int]], int, Fraction]:
    """m equal rows [2^52, p, p, …] / 2^53 = [1/2, ≈2^-27.5, …]: left-to-right summation gives B̃ = J/4 on them
    (each p² rounds away), the truth is (1/4 + (n−1)p²2^-106)J: the Gram error is ≈ m/(m+1) of γ_n‖A‖_F².
    One extra row 2^52·e_{n−1} keeps ‖A‖_F² = (m+1)/4 above σ_max² ≈ m/4 (else step 0 decides exactly).
    Returns (rows, K, ρ ≤ σ_max²)."""
    row = [2**52] + [P_HALF_ULP] * (n - 1)
    rows = [list(row) for _ in range(m)] + [[0] * (n - 1) + [2**52]]
    return rows, 53, rayleigh_lower(rows, 53)


def dense_cases() -> dict[str, tuple[list[list[int]], int]]:
    cases = {}
    rs = _rs(2024)
    # entries with 53 significant bits (L = 53 and L = 54: beta switches on)
    cases["L=53 dense 40x200"] = (_ints(rs.randint(-(2**52), 2**52, size=(40, 200)) * 2 - 1), 60)
    cases["L=54 dense 40x200"] = ([[v * 2 + 1 for v in r] for r in _ints(rs.randint(-(2**52), 2**52,
                                                                                           size=(40, 200)))], 60)
    # coherent floor bias: every entry −(2^60 − small), the floor of N1 pushes all of them away from zero by
    # almost one unit of 2^-53 in the same direction (the norm of Ã exceeds that of A' by ≈ √(mn)·2^-53 = β)
    # (plus a Hadamard component, so that ‖A‖_F exceeds σ_max by a few percent and step 0 cannot decide)
    small = rs.randint(1, 2**7, size=(32, 256))
    h8 = _hadamard(8)
    cases["coherent floor bias 32x256"] = ([[-(2**59) - h8[i][j] * 2**57 + int(s) for j, s in enumerate(r)]
                                            for i, r in enumerate(small)], 60)
    # the same, right at the top: Q = ⌊N / 2^7⌋ reaches −2^53 where h = +1
    h6 = _hadamard(6)
    cases["floor to -2^53, 64x64"] = ([[-(2**59) - h6[i][j] * (2**59 - 1) + (i * 64 + j) % 5 for j in range(64)]
                                       for i in range(64)], 61)
    # mixed magnitudes 2^±500 within one matrix (L > 63: Python shifts; tiny negatives floor to −2^-53)
    e = rs.randint(0, 1000, size=(48, 64))
    sg = rs.choice([-1, 1], size=(48, 64))
    cases["mixed 2^±500, 48x64"] = ([[int(s) * ((1 << int(x)) + 1) for s, x in zip(sr, er, strict=True)]
                                     for sr, er in zip(sg, e, strict=True)], 500)
    # tiny negatives everywhere and one huge entry
    one = [[-(1 + (i + j) % 3) for j in range(96)] for i in range(40)]
    one[7][11], one[8][12], one[9][13] = 3 << 700, -(2 << 700), 1 << 700     # ‖A‖_F > σ_max: step 0 can't decide
    cases["one huge entry, tiny negatives 40x96"] = (one, 700)
    # zero rows, large negative K
    z = _ints(rs.randint(-(2**40), 2**40, size=(64, 80)))
    for i in range(0, 64, 2):
        z[i] = [0] * 80
    cases["zero rows, K = -300"] = (z, -300)
    # K ≫ 0, L just above 63
    cases["K = 3000, L = 64..66"] = (_ints(rs.randint(-(2**62), 2**62, size=(30, 120)) * 3), 3000)
    # orientation: m ≫ n and n ≫ m
    cases["tall 600x24"] = (_ints(rs.randint(-(2**31), 2**31, size=(600, 24))), 31)
    cases["wide 16x1500"] = (_ints(rs.randint(-(2**20), 2**20, size=(16, 1500))), 20)
    # m > 128: the blocked Cholesky with a GEMM between blocks
    cases["blocked 150x160"] = (_ints(rs.randint(-1000, 1000, size=(150, 160))), 0)
    # near-degenerate top: Hadamard·2^50 + ±1 noise (all σ_i ≈ σ_max)
    h = _hadamard(6)
    noise = rs.randint(-1, 2, size=(64, 64))
    cases["Hadamard 64 + noise"] = ([[x * 2**50 + int(t) for x, t in zip(r, nr, strict=True)]
                                     for r, nr in zip(h, noise, strict=True)], 53)
    # low rank: rank two with two equal singular values (block diagonal), entries near 2^53
    u = [int(a) for a in rs.randint(1, 2**20, size=32)]
    cases["rank 2, 64x128"] = ([[a * (2**33 + 1) if j < 64 else 0 for j in range(128)] for a in u]
                               + [[0 if j < 64 else -a * (2**33 + 1) for j in range(128)] for a in u], 40)
    return cases


DENSE = dense_cases()


# --- the attacks --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["numpy", "stdlib"])
@pytest.mark.parametrize("m, n", [(8, 4096), (2, 20000)])
def test_worst_case_summation_no_false_accept(m: int, n: int, path: str):
    rows, K, sigma_sq = tie_family(m, n)
    if path == "stdlib" and sys.version_info < (3, 12):
        # on CPython ≤ 3.11 `sum` is recursive summation: B̃ = J/4 exactly, the worst case of (D)
        a = [[math.ldexp(v, -53) for v in map(float, r)] for r in rows[:2]]
        assert sum(map(lambda x, y: x * y, a[0], a[1]), 0.0) == 0.25
    bad, gap = attack(rows, K, sigma_sq, path, bisect_steps=24)
    assert not bad, f"false accepts {bad} (σ² = {sigma_sq})"


@pytest.mark.parametrize("name", list(DENSE))
def test_dense_adversarial_no_false_accept(name: str):
    rows, K = DENSE[name]
    rho = rayleigh_lower(rows, K)
    assert rho > 0
    bad, gap = attack(rows, K, rho, "numpy", bisect_steps=30)
    assert not bad, f"{name}: false accepts {bad[:2]}"


@pytest.mark.parametrize("name", ["coherent floor bias 32x256", "mixed 2^±500, 48x64", "tall 600x24",
                                  "Hadamard 64 + noise"])
def test_auto_path_no_false_accept(name: str):
    """The public entry point (auto path: numpy here, m²n ≥ 2^16) on the sharpest cases."""
    rows, K = DENSE[name]
    m, n = sorted((len(rows), len(rows[0])))
    assert m * m * n >= spectral._NUMPY_MIN_WORK
    rho = rayleigh_lower(rows, K)
    s = sqrt_below(rho)
    assert not any(spectral.spectral_bound_holds(rows, K, s * (1 - Fraction(1, 2**k))) for k in (400, 50, 30, 10))


def test_hadamard_exact_norm_both_sides():
    """H_128·(2^52+1) (L = 53, every σ_i = σ_max = √128·(2^52+1)/2^K): refused strictly below, for many K."""
    h = [[x * (2**52 + 1) for x in r] for r in _hadamard(7)]
    for K in (-50, 0, 53, 200):
        sigma_sq = Fraction(128 * (2**52 + 1) ** 2) * Fraction(4) ** (-K)
        bad, _ = attack(h, K, sigma_sq, "numpy", bisect_steps=10)
        assert not bad


SUBPROCESS = r"""
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from fractions import Fraction
import test_spectral_numpy_attacks as t
bad = []
rows, K, s2 = t.tie_family(8, 4096)
bad += t.attack(rows, K, s2, "numpy", bisect_steps=16)[0]
for name in ("blocked 150x160", "Hadamard 64 + noise"):
    rows, K = t.DENSE[name]
    bad += t.attack(rows, K, t.rayleigh_lower(rows, K), "numpy", bisect_steps=16)[0]
print("BAD", len(bad))
"""


@pytest.mark.parametrize("threads", ["1", "2"])
def test_blas_thread_counts_no_false_accept(threads: str):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    env.pop("SLT_VERIFY_SPECTRAL", None)
    out = subprocess.run([sys.executable, "-c", SUBPROCESS, ROOT, HERE], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "BAD 0" in out.stdout, out.stdout + out.stderr


def test_env_var_spelling_variants_only_exact_stdlib_disables(monkeypatch):
    """SLT_VERIFY_SPECTRAL is matched exactly ("stdlib"); other spellings keep the numpy path — not a soundness
    issue (both paths are sound), recorded so a change is noticed.  Under every spelling: no false accept."""
    rows, K, s2 = tie_family(8, 4096)
    s = sqrt_below(s2)
    seen = []
    real = spectral._numpy_proof
    monkeypatch.setattr(spectral, "_numpy_proof", lambda *a: seen.append(1) or real(*a))
    for val, numpy_taken in (("stdlib", False), ("STDLIB", True), (" stdlib", True), ("numpy", True)):
        seen.clear()
        monkeypatch.setenv("SLT_VERIFY_SPECTRAL", val)
        assert not spectral.spectral_bound_holds(rows, K, s) and bool(seen) == numpy_taken
