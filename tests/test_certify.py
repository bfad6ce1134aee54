"""The certifier's vectorised bounds (DESIGN.md §3–§4) against exact rationals and mpmath intervals."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import io
from verify.certify import compose, frobenius_sq_upper


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
    rows = compose([("0.1", "2", "spectral"), ("0.3", "0.5", "spectral"), ("0.001", "3", "spectral")])
    delta, rho = Fraction(0), Fraction(1)
    for (eta, omega), r in zip([("0.1", "2"), ("0.3", "0.5"), ("0.001", "3")], rows, strict=True):
        eta, omega = Fraction(eta), Fraction(omega)
        assert io.parse_decimal(r.delta) >= eta * rho + omega * delta
        assert io.parse_decimal(r.rho) >= (omega + eta) * rho
        delta, rho = io.parse_decimal(r.delta), io.parse_decimal(r.rho)
    assert rows[0].delta == "0.1" and rows[0].rho == "2.1"


def test_search_width_finds_the_smallest_k_from_any_start(small_model):
    """search_width returns the smallest certified k (checked against every smaller k) and the same k from any
    k_start; the construction it returns is that k's."""
    from verify.certify import bound_of, search_width
    from verify.engine.construct import build
    from verify.engine.model import load_target

    target = load_target(small_model["state_dict"])
    eps = Fraction(1, 2)
    found = {s: search_width(target, eps=eps, method="subset-sum", seed=0, device="cpu", rescale="layer", k_start=s)
             for s in (1, 3, 5, 50)}
    ks = {k for k, _, _ in found.values()}
    assert len(ks) == 1
    k = ks.pop()
    for kk in range(1, k):
        assert bound_of(build(target.weights, method="subset-sum", k=kk, seed=0, rescale="layer")) > eps
    for k_found, bound, c in found.values():
        assert c is not None and c.k == k_found and bound_of(c) == bound <= eps
