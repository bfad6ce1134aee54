"""The certifier's vectorised bounds (docs/composition.md §4–§5) against exact rationals and mpmath intervals."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.certify import compose, frobenius_sq_upper
from verify.kernel import io


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 40), cols=st.integers(1, 40),
       log_scale=st.integers(-300, 300))
def test_frobenius_upper_encloses_exact_and_interval_sums(seed, rows, cols, log_scale):
    rs = np.random.RandomState(seed)
    a = rs.standard_normal((rows, cols)) * 2.0 ** log_scale
    a[rs.random_sample(a.shape) < 0.2] = 0.0
    t = torch.from_numpy(a)
    exact = sum(Fraction(float(x)) ** 2 for x in a.ravel())
    up = frobenius_sq_upper(t, rounded_once=False)
    assert up >= exact
    assert up <= exact * (1 + Fraction(1, 10**9)) + Fraction(rows * cols, 2**1070)
    # mpmath's interval evaluation of the same sum (the reference) agrees with the enclosure
    mpmath.iv.prec = 120
    s = mpmath.iv.mpf(0)
    for x in a.ravel():
        v = mpmath.iv.mpf(float(x))
        s += v * v
    mpmath.mp.prec = 200
    up_mp = mpmath.mpf(up.numerator) / up.denominator
    lo, hi = mpmath.mpf(s.a), mpmath.mpf(s.b)  # the interval's endpoints
    assert lo <= up_mp  # our enclosure is consistent with the interval reference
    assert hi <= up_mp * (1 + mpmath.mpf(10) ** -9) + mpmath.mpf(2) ** -1070 * rows * cols
    # a value rounded once from the exact one (x̃ = x(1+θ)): the bound still covers the exact x
    x_exact = [Fraction(float(x)) * (1 + Fraction(1, 2**53)) for x in a.ravel()]
    assert frobenius_sq_upper(t) >= sum(x * x for x in x_exact)


def test_composition_rounds_up_and_carries_rounded_values():
    given = [("0.1", "2", "0", "0"), ("0.3", "0.5", "0.01", "1.5"), ("0.001", "3", "0.0000001", "0.25")]
    rows = compose([(*g, "spectral") for g in given], Fraction(3, 7))
    delta, rho = Fraction(0), Fraction(3, 7)
    for (eta, omega, beta, nu), r in zip(given, rows, strict=True):
        eta, omega, beta, nu = map(Fraction, (eta, omega, beta, nu))
        assert io.parse_decimal(r.delta) >= eta * rho + beta + omega * delta
        assert io.parse_decimal(r.rho) >= (omega + eta) * rho + nu + beta
        delta, rho = io.parse_decimal(r.delta), io.parse_decimal(r.rho)
    # rounded up to 12 significant digits: 0.1·3/7 = 0.0428571428571428…, (2 + 0.1)·3/7 = 0.9
    assert rows[0].delta == "0.0428571428572" and rows[0].rho == "0.9"
    assert compose([("0.1", "2", "0", "0", "spectral")])[0].rho == "2.1"   # ρ_0 = 1 by default (the unit ball)


def test_search_width_finds_the_smallest_k_from_any_start(small_model):
    """search_width returns the smallest certified k (checked against every smaller k) and the same k from any
    k_start; the construction it returns is that k's."""
    from verify.certify import bound_of
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Options
    from verify.search import search_width

    target = load_target(small_model["state_dict"])
    eps = Fraction(1, 2)
    opts = Options(method="subset-sum", seed=0, device="cpu", rescale="layer")
    searches = {s: search_width(target, opts, eps, k_start=s) for s in (1, 3, 5, 50)}
    found = {s: (f.k, f.bound, f.construction) for s, f in searches.items()}
    ks = {k for k, _, _ in found.values()}
    assert len(ks) == 1
    k = ks.pop()
    for kk in range(1, k):
        assert bound_of(build(target.weights, opts, k=kk)) > eps
    for k_found, bound, c in found.values():
        assert c is not None and c.k == k_found and bound_of(c) == bound <= eps


# --- issue 18: weights beyond 1e154, and what --width-factor auto returns ---------------------------------------


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), top=st.integers(150, 1023),
       spread=st.integers(0, 1100), rounded=st.booleans())
def test_frobenius_upper_is_a_bound_up_to_the_largest_floats(seed, n, top, spread, rounded):
    """Entries up to 2^1023·(2 − 2^-52) (their squares overflow float64) mixed with entries down to subnormals:
    the bound covers the exact Σ x² (Fractions; with ``rounded_once``, of every x(1 ± u)) and stays within
    1e-9 relative of it, plus the 2^-1073 per entry of scaling underflow (module docstring)."""
    rs = np.random.RandomState(seed)
    exps = rs.randint(max(-1074, top - spread), top + 1, size=n)
    a = np.ldexp(rs.uniform(0.5, 1.0, size=n) * rs.choice([-1.0, 1.0], size=n), exps)
    a[rs.random_sample(n) < 0.2] = 0.0
    a[0] = np.ldexp(np.nextafter(1.0, 0.0) * rs.choice([-1.0, 1.0]), top)   # one entry near 2^top
    assert np.isfinite(a).all()
    exact = sum(Fraction(float(x)) ** 2 for x in a)
    up = frobenius_sq_upper(torch.from_numpy(a), rounded_once=rounded)
    covered = exact / (1 - Fraction(1, 2**53)) ** 2 if rounded else exact
    assert up >= covered
    e = int(np.frexp(np.abs(a).max())[1])
    assert up <= covered * (1 + Fraction(1, 10**9)) + n * Fraction(2) ** (2 * e - 1070)


def test_frobenius_upper_refuses_non_finite_values():
    from verify.errors import InputError

    for bad in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(InputError, match="overflow float64"):
            frobenius_sq_upper(torch.tensor([1.0, bad], dtype=torch.float64))
    assert frobenius_sq_upper(torch.zeros(0, dtype=torch.float64)) == 0
    assert frobenius_sq_upper(torch.zeros(3, dtype=torch.float64)) == 0


def _search_on_table(monkeypatch, certified: set[int], **kwargs) -> tuple[int | None, dict[int, bool]]:
    """search_width with build/bound_of replaced by a table: bound 0 (reaches eps = 1) at the k in ``certified``,
    2 elsewhere.  Returns the k found and every k tried with whether it reached eps."""
    from types import SimpleNamespace

    import verify.search as vc
    from verify.options import Options

    monkeypatch.setattr(vc, "build", lambda weights, options, k, **_: SimpleNamespace(k=k))
    monkeypatch.setattr(vc, "bounded", lambda c: SimpleNamespace(
        construction=c, bound=Fraction(0) if c.k in certified else Fraction(2)))
    tried: dict[int, bool] = {}
    target = SimpleNamespace(weights=[], biases=[], widths=[2, 2, 2])
    found = vc.search_width(target, Options(method="subset-sum", seed=0, device="cpu"), Fraction(1),
                            on_try=lambda kk, b: tried.setdefault(kk, b <= 1), **kwargs)
    k, bound, c = found.k, found.bound, found.construction
    if k is not None:
        assert c is not None and c.k == k and bound == 0
    return k, tried


def test_auto_width_on_the_issues_non_monotone_case(monkeypatch):
    """Issue 18's 6-8-7-3 target (seed 1, eps 0.01) had k = 28 certified and auto returning 34 (32 and 33 fail):
    the search returns a k whose predecessor fails, the smallest certified among those tried, not 28."""
    certified = {28} | set(range(34, 89))
    k, tried = _search_on_table(monkeypatch, certified)
    assert k == 34 and tried[33] is False and 28 not in tried
    assert k == min(kk for kk, ok in tried.items() if ok)


def test_auto_width_when_k_max_clamps_the_doubling(monkeypatch):
    """Doubling 1, 2, 4, 8 then k_max = 12: the bisection must start from the last failure (8), not 12 // 2, or
    it returns 7 with 6 never tried (the k − 1 of the CLI help)."""
    k, tried = _search_on_table(monkeypatch, {7, 9, 10, 11, 12}, k_max=12)
    assert k == 9 and tried[8] is False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(certified=st.sets(st.integers(1, 40)), k_start=st.integers(1, 45), k_max=st.integers(1, 40))
def test_auto_width_returns_what_the_help_says(monkeypatch, certified, k_start, k_max):
    """For any (non-monotone) table: the k returned reaches eps, k − 1 was tried and fails (or k = 1), and k is
    the smallest certified k tried; None only if k_max was tried and fails.  On monotone tables: the smallest."""
    k, tried = _search_on_table(monkeypatch, certified, k_start=k_start, k_max=k_max)
    if k is None:
        assert tried[k_max] is False
        return
    assert k in certified and (k == 1 or tried[k - 1] is False)
    assert k == min(kk for kk, ok in tried.items() if ok)
    reachable = {kk for kk in certified if kk <= k_max}
    if reachable == set(range(min(reachable), k_max + 1)):   # monotone up to k_max
        assert k == min(reachable)
