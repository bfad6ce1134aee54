"""G's weights (docs/generator.md): the stdlib reference and its torch twin agree bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import rng
from verify.engine import rng_torch


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
    for args in ((-1, 0, 0, 0), (0, 2**32, 0, 0), (0, 0, -5, 0), (0, 0, 0, 2**32)):
        with pytest.raises(ValueError):
            rng.weight_int(*args)
