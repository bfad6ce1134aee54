"""Tests for verify.theory: formulas as documented, monotonicity, assumptions, table."""

from __future__ import annotations

import doctest
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import theory
from verify.errors import InputError
from verify.theory import PENSIA_C_COUNTING, format_table, malach_width, pensia_width

DIMS = st.lists(st.integers(min_value=1, max_value=600), min_size=2, max_size=5)
EPS = st.floats(min_value=1e-6, max_value=0.99)


def shapes_of(dims: list[int]) -> list[tuple[int, int]]:
    return [(dims[i + 1], dims[i]) for i in range(len(dims) - 1)]


def test_tiny_case_matches_the_documented_formulas() -> None:
    dims, eps, delta = [4, 3, 2], 0.25, 0.05
    big_l = 2
    # Malach (docstring): N = sum 2 n_{i-1} n_i;  k_i = ceil(128 L^2 n_{i-1} n_i ln(N/delta) / eps^2)
    n_events = 2 * 4 * 3 + 2 * 3 * 2
    k_m = [math.ceil(128 * big_l**2 * a * b * math.log(n_events / delta) / eps**2) for a, b in ((4, 3), (3, 2))]
    r = malach_width(shapes_of(dims), eps, delta)
    assert r.layer_factors == k_m
    assert r.widths == [k_m[0] * 4, 3, k_m[1] * 3, 2]
    assert r.parameters == k_m[0] * 4 * (4 + 3) + k_m[1] * 3 * (3 + 2)
    assert r.width_factor == max(k_m)
    # Pensia (docstring): k_i = max(1, ceil(c ln(n_{i-1} n_i L / min(eps, delta))))
    c = 2 / math.log(2)
    k_p = [max(1, math.ceil(c * math.log(a * b * big_l / min(eps, delta)))) for a, b in ((4, 3), (3, 2))]
    r = pensia_width(shapes_of(dims), eps, delta)
    assert r.layer_factors == k_p
    assert r.widths == [k_p[0] * 4, 3, k_p[1] * 3, 2]
    assert r.parameters == k_p[0] * 4 * 7 + k_p[1] * 3 * 5


@settings(max_examples=60, deadline=None)
@given(dims=DIMS, eps=EPS, shrink=st.floats(min_value=0.05, max_value=0.95))
def test_monotone_in_eps(dims: list[int], eps: float, shrink: float) -> None:
    for fn in (malach_width, pensia_width):
        coarse, fine = fn(shapes_of(dims), eps), fn(shapes_of(dims), eps * shrink)
        assert all(f >= c for f, c in zip(fine.layer_factors, coarse.layer_factors, strict=True))
        assert fine.parameters >= coarse.parameters
    # Malach's 1/eps^2 is strictly monotone.
    assert malach_width(shapes_of(dims), eps * shrink).width_factor > malach_width(shapes_of(dims), eps).width_factor


@settings(max_examples=60, deadline=None)
@given(dims=DIMS, eps=EPS, layer=st.integers(min_value=0, max_value=4), extra=st.integers(1, 300))
def test_monotone_in_widths(dims: list[int], eps: float, layer: int, extra: int) -> None:
    wider = list(dims)
    wider[layer % len(dims)] += extra
    for fn in (malach_width, pensia_width):
        small, big = fn(shapes_of(dims), eps), fn(shapes_of(wider), eps)
        assert big.width_factor >= small.width_factor
        assert all(b >= s for b, s in zip(big.layer_factors, small.layer_factors, strict=True))
        assert big.parameters > small.parameters


@settings(max_examples=40, deadline=None)
@given(dims=DIMS, eps=st.floats(min_value=1e-6, max_value=1e-2))
def test_pensia_far_below_malach_for_small_eps(dims: list[int], eps: float) -> None:
    m, p = malach_width(shapes_of(dims), eps), pensia_width(shapes_of(dims), eps)
    assert m.width_factor > 1000 * p.width_factor
    assert m.parameters > 1000 * p.parameters


def test_assumptions_and_rescaling() -> None:
    shapes = [(3, 4), (2, 3)]
    unchecked = pensia_width(shapes, 0.1)
    assert not all(unchecked.satisfied)
    ok = pensia_width(shapes, 0.1, weight_bounds=[1.0, 0.5])
    assert all(ok.satisfied) and "rescaled" not in ok.notes
    big = pensia_width(shapes, 0.1, weight_bounds=[2.0, 4.0])
    assert big.satisfied.count(False) == 1 and "rescaled" in big.notes
    # Rescaled target: eps' = eps / (2 * 4); same widths as the unit-norm target at eps'.
    assert big.layer_factors == pensia_width(shapes, 0.1 / 8, weight_bounds=[1, 1]).layer_factors
    assert malach_width(shapes, 0.1, weight_bounds=[2.0, 4.0]).layer_factors == \
        malach_width(shapes, 0.1 / 8, weight_bounds=[1, 1]).layer_factors
    assert not all(pensia_width(shapes, 1.5, weight_bounds=[1, 1]).satisfied)  # eps outside (0, 1)
    entries_ok = malach_width(shapes, 0.1, weight_bounds=[1, 1], max_entries=[0.5, 0.5])
    entries_bad = malach_width(shapes, 0.1, weight_bounds=[1, 1], max_entries=[0.6, 0.5])  # 0.6 > 1/sqrt(4)
    assert all(entries_ok.satisfied) and entries_bad.satisfied.count(False) == 1
    assert len(entries_ok.assumptions) == len(entries_ok.satisfied)


def test_pensia_constant_scales_factor() -> None:
    shapes = [(50, 100), (10, 50)]
    base = pensia_width(shapes, 1e-3, c=1.0)
    double = pensia_width(shapes, 1e-3, c=2.0)
    assert all(abs(d - 2 * b) <= 1 for d, b in zip(double.layer_factors, base.layer_factors, strict=True))
    assert pensia_width(shapes, 1e-3).layer_factors == pensia_width(shapes, 1e-3, c=PENSIA_C_COUNTING).layer_factors


def test_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="layer 2 takes 5 inputs but layer 1 gives 3"):
        pensia_width([(3, 4), (2, 5)], 0.1)  # 3 outputs feed a layer taking 5
    with pytest.raises(InputError, match="eps must be a positive number, got 0.0"):
        malach_width([(3, 4)], 0.0)
    with pytest.raises(InputError, match=r"delta must lie in \(0, 1\), got 1.0"):
        malach_width([(3, 4)], 0.1, delta=1.0)
    with pytest.raises(InputError, match="weight_bounds needs 1 positive finite values"):
        pensia_width([(3, 4)], 0.1, weight_bounds=[1.0, 1.0])
    with pytest.raises(InputError, match="the target needs at least one layer"):
        pensia_width([], 0.1)
    with pytest.raises(InputError, match="the constant c must be positive, got 0.0"):
        pensia_width([(3, 4)], 0.1, c=0.0)


def test_format_table_lists_every_row_and_assumption() -> None:
    rows = [malach_width([(5, 6), (2, 5)], 0.05, weight_bounds=[1.2, 0.7]),
            pensia_width([(5, 6), (2, 5)], 0.05, weight_bounds=[1.2, 0.7])]
    text = format_table(rows)
    for r in rows:
        assert r.theorem in text
        assert str(r.widths) in text
        for a in r.assumptions:
            assert a in text
    assert text.count("[NO ]") == sum(not ok for r in rows for ok in r.satisfied)


def test_doctests() -> None:
    res = doctest.testmod(theory)
    assert res.attempted > 0 and res.failed == 0
