"""Re-pruning a layer after a small change, reusing every gadget that did not change (docs/gadgets.md §6.5).
[untrusted]

``build`` prunes the same target layer several times: once per neuron assignment, once more for a rebalanced first
layer, once per rescaling, and once after ``refine`` moved a few neurons' exponents.  The subset-sum gadget solves one
independent instance per weight (r, j) and sign: its kept edges depend only on the rescaled weight W'[r, j], on
block j's candidate list of that sign (the neurons, their input weights, their order) and on G's output row r
(``gadgets.subset_rows``).  The list length s searched is shared by the blocks, but the search returns the exact
lexicographic optimum of (error, bitmask) whatever s (subset_sum.py), and a block's valid candidates come first in
the same order at every s, so s does not change an instance's result.  Hence, against an earlier pruning of the same
layer (``Earlier``):

1. a block j is *clean* if its candidate lists equal the earlier ones (the same valid slots, neurons and input
   weights, compared after padding both to the longer list);
2. the *dirty* columns C are the blocks that are not clean, and the columns where more than half of W' changed;
   the dirty rows R are those where W' changed outside C (a rescaling moves whole rows and columns);
3. the earlier kept edges of every instance outside R × all and all × C are kept as they are; rows R are pruned
   again over every column, and columns C over the rows outside R;
4. the edges are put in ``prune_layer``'s canonical order (by r, then h).

The result equals ``gadgets.prune_layer(w, i, cand, options)`` exactly (tests/test_reprune.py compares every tensor
on targets with and without biases, on balls and boxes, and the certificates byte for byte).  Other gadgets than
subset-sum, and layers where more than ``FULL_FRACTION`` of the instances are dirty, are pruned in full.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from verify.engine.gadgets import Candidates, LayerPruning, finish_layer, prune_layer, subset_layer
from verify.options import Options

__all__ = ["Earlier", "FULL_FRACTION", "KEPT", "Reuse", "clean_blocks", "reprune"]

FULL_FRACTION = 0.75   # above this share of dirty instances a full pruning is as cheap
KEPT = 2               # earlier prunings remembered per layer (each holds its kept edges: memory)


@dataclass(frozen=True)
class Earlier:
    """A pruning of target layer i to reuse: the rescaled weights it pruned, its candidates and its result."""

    w: torch.Tensor
    cand: Candidates
    layer: LayerPruning


def _padded(c: Candidates, s: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(h, u, valid) of ``c`` padded with invalid slots to s rows; invalid slots read (0, 0)."""
    extra = s - c.h.shape[0]
    h, u, valid = c.h, c.u, c.valid
    if extra:
        h = torch.cat([h, h.new_zeros(extra, h.shape[1])])
        u = torch.cat([u, u.new_zeros(extra, u.shape[1])])
        valid = torch.cat([valid, valid.new_zeros(extra, valid.shape[1])])
    return torch.where(valid, h, 0), torch.where(valid, u, 0.0), valid


def clean_blocks(a: Candidates, b: Candidates) -> torch.Tensor:
    """Step 1: (n,) bool, True where block j's candidate lists (every sign) are the same in ``a`` and ``b``."""
    s = max(a.h.shape[0], b.h.shape[0])
    (ha, ua, va), (hb, ub, vb) = _padded(a, s), _padded(b, s)
    return (va == vb).all(0) & (ha == hb).all(0) & (ua == ub).all(0)


def _dirty_count(w: torch.Tensor, cand: Candidates, earlier: Earlier) -> int:
    """How many instances (r, j) step 2 marks dirty (m·n when ``earlier`` cannot be used)."""
    if w.shape != earlier.w.shape or cand.owner.shape != earlier.cand.owner.shape:
        return w.numel()
    R, C = _dirty(w, cand, earlier)
    return R.numel() * w.shape[1] + C.numel() * w.shape[0]


def _dirty(w: torch.Tensor, cand: Candidates, earlier: Earlier) -> tuple[torch.Tensor, torch.Tensor]:
    """Step 2: the dirty rows R and columns C as index tensors."""
    m = w.shape[0]
    changed = w != earlier.w
    cols = ~clean_blocks(cand, earlier.cand) | (changed.sum(0) * 2 > m)
    rows = (changed & ~cols[None, :]).any(1)
    return rows.nonzero().squeeze(1), cols.nonzero().squeeze(1)


def reprune(w: torch.Tensor, i: int, cand: Candidates, options: Options, earlier: Earlier | None) -> LayerPruning:
    """``prune_layer(w, i, cand, options)``, computed from ``earlier`` where nothing changed (steps 1–4)."""
    if (earlier is None or options.method != "subset-sum" or w.shape != earlier.w.shape
            or cand.owner.shape != earlier.cand.owner.shape):
        return prune_layer(w, i, cand, options)
    m, n = w.shape
    R, C = _dirty(w, cand, earlier)
    if R.numel() * n + C.numel() * m > FULL_FRACTION * m * n:
        return prune_layer(w, i, cand, options)
    old = earlier.layer
    in_r = torch.zeros(m, dtype=torch.bool, device=w.device)
    in_r[R] = True
    in_c = torch.zeros(n, dtype=torch.bool, device=w.device)
    in_c[C] = True
    keep = ~in_r[old.rows] & ~in_c[earlier.cand.owner[old.cols]]
    rows, hs = [old.rows[keep]], [old.cols[keep]]
    if R.numel():
        rr, hh = subset_layer(w[R], cand, i, options, row_ids=R)
        rows.append(R[rr])
        hs.append(hh)
    if C.numel():
        rr, hh = subset_layer(w, cand, i, options, blocks=C)
        fresh = ~in_r[rr]
        rows.append(rr[fresh])
        hs.append(hh[fresh])
    return finish_layer(torch.cat(rows), torch.cat(hs), w.shape, i, cand, options)


class Reuse:
    """The last ``KEPT`` prunings of each target layer within one ``build``; ``prune`` re-prunes from the one with
    the fewest dirty instances and remembers the result.  ``enabled=False`` prunes every layer in full (the
    reference the tests compare with)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.earlier: dict[int, list[Earlier]] = {}
        self.instances = [0, 0]   # (pruned again, reused), summed over every call

    def prune(self, w: torch.Tensor, i: int, cand: Candidates, options: Options) -> LayerPruning:
        past = self.earlier.get(i, [])
        scored = [(_dirty_count(w, cand, e), e) for e in past] if self.enabled else []
        dirty, best = min(scored, key=lambda x: x[0], default=(w.numel(), None))
        dirty = min(w.numel(), dirty)
        self.instances[0] += dirty
        self.instances[1] += w.numel() - dirty
        layer = reprune(w, i, cand, options, best)
        self.earlier[i] = [*past, Earlier(w, cand, layer)][-KEPT:]
        return layer
