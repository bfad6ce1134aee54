"""engine/reprune.py: re-pruning from earlier prunings gives exactly the construction (and the certificate bytes) of
pruning every layer in full (docs/gadgets.md §6.5).  The reference is ``gadgets.prune_layer`` / ``construct.build``
with ``REUSE`` off, run in the same process; each test also asserts that instances were actually reused, so that it
cannot pass by pruning everything again."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import verify
from verify import api
from verify.engine import construct, gadgets
from verify.engine.reprune import Earlier, Reuse, clean_blocks, reprune
from verify.options import Options


def _same(a: gadgets.LayerPruning, b: gadgets.LayerPruning) -> None:
    for name in ("rows", "cols", "v", "src", "u"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert (a.index, a.n, a.m, a.k, a.both) == (b.index, b.n, b.m, b.k, b.both)


def _target(widths: list[int], seed: int, bias: bool) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    rng = np.random.default_rng(seed)
    ws = [rng.uniform(-1, 1, (widths[i + 1], widths[i])) / np.sqrt(widths[i]) for i in range(len(widths) - 1)]
    bs = [rng.uniform(-0.3, 0.3, widths[i + 1]) for i in range(len(widths) - 1)] if bias else None
    return ws, bs


@given(st.integers(0, 2**16), st.sampled_from([1, 2]), st.integers(2, 6), st.booleans())
@settings(max_examples=40, deadline=None)
def test_rows_and_columns_moved_by_powers_of_two_are_repruned_exactly(seed: int, i: int, k: int, nonneg: bool
                                                                       ) -> None:
    """W' with a few rows and columns scaled by 2^±1 (what a rescaling or the refinement does): reprune from the
    unscaled pruning equals a full pruning, and keeps the untouched instances."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 9)), int(rng.integers(2, 9))
    options = Options(seed=seed, domain="box:0,1" if nonneg else "ball")
    w0 = torch.from_numpy(rng.uniform(-1.5, 1.5, (m, n)))
    cand = gadgets.candidates(seed, 2 * i - 1, k, n, i > 1, torch.device("cpu"))
    first = gadgets.prune_layer(w0, i, cand, options)
    w = w0.clone()
    w[int(rng.integers(m))] *= 2.0
    w[:, int(rng.integers(n))] *= 0.5
    reuse = Reuse()
    reuse.earlier[i] = [Earlier(w0, cand, first)]
    _same(reuse.prune(w, i, cand, options), gadgets.prune_layer(w, i, cand, options))
    assert reuse.instances[1] > 0 or min(m, n) < 3   # (2 × n: both rows may be dirty)


def test_a_rebalanced_first_layer_reprunes_only_the_blocks_that_changed() -> None:
    """The uneven allocation of §6.4 on a target with one block far harder than the rest: the changed blocks are
    exactly those whose owners moved, and the re-pruning equals a full one."""
    seed, k, m, n = 3, 6, 12, 10
    options = Options(seed=seed)
    w = torch.from_numpy(np.random.default_rng(0).uniform(-0.5, 0.5, (m, n)))
    w[:, 4] *= 40.0
    cand = gadgets.candidates(seed, 1, k, n, False, torch.device("cpu"))
    first = gadgets.prune_layer(w, 1, cand, options)
    other = gadgets.rebalanced(first, w, cand, seed, 1)
    assert other is not None
    moved = set(cand.owner[cand.owner != other.owner].tolist()) | set(other.owner[cand.owner != other.owner].tolist())
    clean = clean_blocks(other, cand)
    assert {j for j in range(n) if not clean[j]} == moved
    assert 0 < len(moved) < n
    _same(reprune(w, 1, other, options, Earlier(w, cand, first)), gadgets.prune_layer(w, 1, other, options))


def test_an_unusable_earlier_pruning_falls_back_to_a_full_one() -> None:
    options = Options(seed=1)
    cand = gadgets.candidates(1, 1, 3, 4, False, torch.device("cpu"))
    w = torch.ones(5, 4, dtype=torch.float64) * 0.3
    full = gadgets.prune_layer(w, 1, cand, options)
    _same(reprune(w, 1, cand, options, None), full)
    other = gadgets.candidates(1, 1, 3, 5, False, torch.device("cpu"))
    _same(reprune(torch.ones(5, 5, dtype=torch.float64), 1, other, options, Earlier(w, cand, full)),
          gadgets.prune_layer(torch.ones(5, 5, dtype=torch.float64), 1, other, options))
    pair = Options(seed=1, method="pair")
    _same(reprune(w * 2, 1, cand, pair, Earlier(w, cand, full)), gadgets.prune_layer(w * 2, 1, cand, pair))


@pytest.mark.parametrize(("widths", "domain", "bias", "k"), [
    ([20, 16, 12, 3], "ball", False, 12),
    ([20, 16, 12, 3], "box:0,1", True, 10),
    ([30, 24, 5], "box:-1,1", True, 12),
])
def test_build_gives_the_same_construction_with_and_without_reuse(monkeypatch, widths, domain, bias, k) -> None:
    ws, bs = _target(widths, len(widths) + k, bias)
    options = Options(domain=domain)
    monkeypatch.setattr(construct, "REUSE", False)
    full = construct.build(ws, options, k=k, biases=bs)
    monkeypatch.setattr(construct, "REUSE", True)
    seen = []
    real = Reuse.prune

    def spy(self, *a, **kw):
        out = real(self, *a, **kw)
        seen.append(tuple(self.instances))
        return out
    monkeypatch.setattr(Reuse, "prune", spy)
    fast = construct.build(ws, options, k=k, biases=bs)
    assert seen and seen[-1][1] > 0, "nothing was reused"
    assert fast.rescaling == full.rescaling
    for a, b in zip(fast.layers, full.layers, strict=True):
        _same(a, b)
    for a, b in zip(fast.exponents, full.exponents, strict=True):
        assert np.array_equal(a, b)


def test_the_certificate_is_byte_identical_with_and_without_reuse(monkeypatch, tmp_path) -> None:
    """The shipped bias MLP (the demo's target; fixed k, attack off) with reuse on and off."""
    model = Path(verify.__file__).parent / "data" / "digits_bias_mlp.pt"
    texts = []
    for flag in (False, True):
        monkeypatch.setattr(construct, "REUSE", flag)
        cert = api.certify(model, "0.1", options=Options(width=16, domain="box:0,1"), attack=False)
        texts.append(json.dumps(cert.json, sort_keys=True))
    assert texts[0] == texts[1]
