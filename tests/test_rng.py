"""G's weights (docs/generator.md): the stdlib reference and its torch twin agree bit for bit."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.engine import rng_torch
from verify.kernel import rng


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), layer=st.integers(0, 2**32 - 1),
       r0=st.integers(0, 2**32 - 64), c0=st.integers(0, 2**32 - 64))
def test_torch_twin_is_bit_identical(seed, layer, r0, c0):
    rows = torch.arange(r0, r0 + 7)[:, None]
    cols = torch.arange(c0, c0 + 9)[None, :]
    got = rng_torch.weights_int(seed, layer, rows, cols)
    want = [[rng.weight_int(seed, layer, r, c) for c in range(c0, c0 + 9)] for r in range(r0, r0 + 7)]
    assert got.tolist() == want
    w = rng_torch.weights(seed, layer, rows, cols, dtype=torch.float32)
    assert [[float(rng.weight(seed, layer, r, c)) for c in range(c0, c0 + 9)] for r in range(r0, r0 + 7)] == \
        w.double().tolist()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.gpu
def test_cuda_matches_cpu():
    rows, cols = torch.arange(300)[:, None], torch.arange(500)[None, :]
    a = rng_torch.weights_int(7, 3, rows, cols)
    b = rng_torch.weights_int(7, 3, rows.cuda(), cols.cuda()).cpu()
    assert torch.equal(a, b)


def test_values_are_odd_grid_points_in_open_interval():
    w = rng_torch.weights_int(1, 2, torch.arange(200)[:, None], torch.arange(200)[None, :])
    assert bool((w % 2 == 1).all()) and int(w.abs().max()) < 2**24


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_distribution_is_uniform_on_minus_one_one(seed):
    w = rng_torch.weights(seed, 1, torch.arange(400)[:, None], torch.arange(500)[None, :]).numpy().ravel()
    n = w.size
    assert abs(w.mean()) < 5 * np.sqrt(1 / 3 / n)
    assert abs(w.var() - 1 / 3) < 0.01
    hist, _ = np.histogram(w, bins=20, range=(-1, 1))
    expected = n / 20
    chi2 = float(((hist - expected) ** 2 / expected).sum())
    assert chi2 < 60  # 19 degrees of freedom; p < 1e-5 beyond this
    # neighbouring rows/columns/layers/seeds are uncorrelated
    a = rng_torch.weights(seed, 1, torch.arange(400)[:, None], torch.arange(500)[None, :]).numpy()
    for other in (rng_torch.weights(seed, 2, torch.arange(400)[:, None], torch.arange(500)[None, :]).numpy(),
                  rng_torch.weights(seed + 1, 1, torch.arange(400)[:, None], torch.arange(500)[None, :]).numpy(),
                  a[:, 1:], a[1:, :]):
        x = a[: other.shape[0], : other.shape[1]].ravel()
        assert abs(np.corrcoef(x, other.ravel())[0, 1]) < 0.02


def test_out_of_range_arguments_are_refused():
    for args, name in (((-1, 0, 0, 0), "seed"), ((0, 2**32, 0, 0), "layer"), ((0, 0, -5, 0), "row"),
                       ((0, 0, 0, 2**32), "col"), ((1.0, 0, 0, 0), "seed"), ((0, 0, 0, "3"), "col")):
        with pytest.raises(ValueError, match=rf"^{name} must be an integer in \[0, 2\^32\), got "):
            rng.weight_int(*args)
    top = 2**32 - 1   # the ends of the range are accepted
    assert rng.weight_int(0, 0, 0, 0) != rng.weight_int(top, top, top, top)


def test_doctests():
    import doctest

    res = doctest.testmod(rng)
    assert res.attempted > 0 and res.failed == 0


def _reference_weight_int(seed: int, layer: int, row: int, col: int) -> int:
    """slt-hash32-v1 written again from the module docstring alone (an oracle independent of rng.py's code)."""
    def mix(x: int) -> int:
        x ^= x >> 16
        x = x * 0x7FEB352D % 2**32
        x ^= x >> 15
        x = x * 0x846CA68B % 2**32
        return x ^ (x >> 16)

    h = mix(seed ^ 0x9E3779B9)
    for v in (layer, row, col):
        h = mix(h ^ v)
    m = mix(h ^ 0x85EBCA6B) >> 8
    return (2 * m + 1 - 2**24)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), layer=st.integers(0, 2**32 - 1), row=st.integers(0, 2**32 - 1),
       col=st.integers(0, 2**32 - 1))
def test_generator_is_the_published_one(seed, layer, row, col):
    """The published generator of certs/FORMAT.md: every certificate's G depends on these exact values."""
    want = _reference_weight_int(seed, layer, row, col)
    assert rng.weight_int(seed, layer, row, col) == want
    assert rng.weight_int(seed, layer, row, col, key=rng.row_key(seed, layer, row)) == want
    assert rng.weight(seed, layer, row, col) == Fraction(want, 2**24)
