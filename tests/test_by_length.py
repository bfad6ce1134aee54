"""gadgets._by_length: searching each block of the subset-sum gadget over its own valid candidates gives exactly the
kept edges of searching every block over the longest list (the reference, ``gadgets.BY_LENGTH = False``), on lists
of uneven length, with and without the candidate pick of lists longer than ``max_candidates``.  Each example asserts
that its blocks had at least two lengths, so it cannot pass by searching one length only."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.engine import gadgets
from verify.options import Options


def _pruned(w: torch.Tensor, i: int, cand: gadgets.Candidates, options: Options, by_length: bool,
            monkeypatch: pytest.MonkeyPatch) -> gadgets.LayerPruning:
    with monkeypatch.context() as m:
        m.setattr(gadgets, "BY_LENGTH", by_length)
        return gadgets.prune_layer(w, i, cand, options)


@given(st.integers(0, 2**16), st.sampled_from([1, 2]), st.integers(2, 14), st.integers(2, 8), st.booleans())
@settings(max_examples=60, deadline=None)
def test_blocks_searched_over_their_own_length_keep_the_same_edges(seed: int, i: int, k: int, cap: int,
                                                                    nonneg: bool) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 7)), int(rng.integers(2, 9))
    options = Options(seed=seed, max_candidates=cap, domain="box:0,1" if nonneg else "ball")
    w = torch.from_numpy(rng.uniform(-2.0, 2.0, (m, n)))
    w[0, 0] = 0.0                                   # a zero weight: sign 0 in the pick's score
    cand = gadgets.candidates(seed, 2 * i - 1, k, n, i > 1 and nonneg, torch.device("cpu"))
    lengths = set()
    for sign in gadgets.signs_of(i, options):
        lists = gadgets._sign_lists(cand, torch.round(cand.u * 2.0**24).to(torch.int64), sign, cap)
        if lists is not None:
            lengths |= {sj for sj, _ in gadgets._by_length(lists[0], lists[3])}
    if len(lengths) < 2:
        return   # every block the same length: nothing to compare
    a = _pruned(w, i, cand, options, True, pytest.MonkeyPatch())
    b = _pruned(w, i, cand, options, False, pytest.MonkeyPatch())
    for name in ("rows", "cols", "v", "src", "u"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name


def test_the_lengths_are_the_valid_counts_capped_at_the_list_length() -> None:
    valid = torch.tensor([[True, True, True, False, False],
                          [True, False, False, False, False],
                          [False] * 5,
                          [True] * 5,
                          [True, True, True, True, False]])
    groups = gadgets._by_length(valid, 4)
    assert [(sj, idx.tolist()) for sj, idx in groups] == [(1, [1]), (3, [0]), (4, [3, 4])]
