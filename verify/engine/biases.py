"""The bias gadget (docs/affine.md §2): constant neurons of G and subset sums that approximate F's biases.
Untrusted: the checker recomputes every bias error exactly from the kept constants and edges.

Layout: G layer 2i−1 has k·n gadget neurons and then a **bias block** of c neurons h = k·n + t (t < c).  A neuron of
the block that keeps only its bias β_h (no input edge) outputs σ(β_h) = β_h for every input when β_h > 0, so output
r of G layer 2i, keeping edges v_{r,h} to a set S_r of such constants, adds C[r] = Σ_{h ∈ S_r} v_{r,h} β_h to its
pre-activation.  C[r] approximates the rescaled bias b'_r = 2^{s_i[r]} b_i[r]; S_r is the exact subset-sum optimum
over the block's positive-bias neurons (the first ``max_candidates`` of them: engine/subset_sum.py), the products
v·β being integers in units of 2^-48 like the weight gadget's.  Biases are drawn like the weights (U[-1, 1] on odd
multiples of 2^-24, verify/kernel/rng.py at column ``BIAS_COL``), so about c/2 of the block can serve.  G's own
layer-2i biases are pruned (they would add one random constant each, which a subset sum does not need).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from verify.engine import rng_torch
from verify.engine.gadgets import row_chunks
from verify.engine.runtime import grid_accumulate
from verify.engine.subset_sum import best_subsets
from verify.kernel import rng

__all__ = ["BiasPruning", "constants", "prune_biases"]


@dataclass
class BiasPruning:
    """Kept constants of G layer 2i−1 and kept edges from them in G layer 2i, for target layer ``index``."""

    index: int
    m: int
    hidden: tuple[int, int]   # the bias block's first neuron (k·n) and its size c
    const: torch.Tensor       # (C,) int64: hidden neurons that keep their bias (sorted)
    beta: torch.Tensor        # (C,) float64: their biases
    rows: torch.Tensor        # (E,) int64: output r of each kept edge to a constant (sorted by r, then h)
    cols: torch.Tensor        # (E,) int64: the column of G layer 2i: the constant neuron h (h·A + q* for a Conv2d)
    v: torch.Tensor           # (E,) float64: V[r, col]
    positions: int = 1        # A: a Conv2d's kernel positions (column col = h·A + q; docs/conv.md §5)

    def sums(self) -> torch.Tensor:
        """C[r] = Σ v_{r,h} β_h (float64, exact: at most 40 products on the 2^-48 grid, each below 1 in magnitude,
        summed as int64 units in any order: docs/devices.md §2).  For a Conv2d this is the constant built where the
        kernel position lands inside the image."""
        if not self.rows.numel():
            return torch.zeros(self.m, dtype=torch.float64, device=self.v.device)
        beta_of = torch.zeros(self.hidden[0] + self.hidden[1], dtype=torch.float64, device=self.v.device)
        beta_of[self.const] = self.beta
        return grid_accumulate((self.m,), (self.rows,), self.v * beta_of[self.cols // self.positions])


def constants(seed: int, i: int, start: int, size: int, limit: int, device: torch.device
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """(h, β_h as integers in units of 2^-24) of the first ``limit`` positive-bias neurons of the bias block
    [start, start + size) of G layer 2i−1."""
    hs = torch.arange(start, start + size, device=device)
    beta = rng_torch.weights_int(seed, 2 * i - 1, hs, torch.full_like(hs, rng.BIAS_COL))
    keep = (beta > 0).nonzero().squeeze(1)[:limit]
    return hs[keep], beta[keep]


def prune_biases(b_scaled: torch.Tensor, i: int, start: int, size: int, seed: int, limit: int,
                 at: tuple[int, int] = (1, 0)) -> BiasPruning:
    """The bias gadget for the rescaled bias ``b_scaled`` (m,) of target layer i: per output the exact best subset of
    the block's constants (``limit`` candidates at most; none is kept for a zero bias).  ``at`` = (A, q*): for a
    Conv2d with A kernel positions, constant channel h reaches the outputs through V column h·A + q* only
    (docs/conv.md §5; (1, 0) for a Linear)."""
    dev = b_scaled.device
    m = b_scaled.numel()
    A, q = at
    hs, beta_int = constants(seed, i, start, size, limit, dev)
    rows_out, cols_out = [], []
    if hs.numel():
        for r0, r1 in row_chunks(m, hs.numel()):
            r = torch.arange(r0, r1, device=dev)
            prod = rng_torch.weights_int(seed, 2 * i, r[:, None], hs[None] * A + q) * beta_int[None]
            chosen = best_subsets(prod, b_scaled[r0:r1].to(torch.float64))
            rr, tt = chosen.nonzero(as_tuple=True)
            rows_out.append(rr + r0)
            cols_out.append(hs[tt] * A + q)
    rows = torch.cat(rows_out) if rows_out else torch.zeros(0, dtype=torch.int64, device=dev)
    cols = torch.cat(cols_out) if cols_out else torch.zeros(0, dtype=torch.int64, device=dev)
    const = torch.unique(cols // A)
    beta = rng_torch.weights(seed, 2 * i - 1, const, torch.full_like(const, rng.BIAS_COL))
    v = rng_torch.weights(seed, 2 * i, rows, cols)
    return BiasPruning(i, m, (start, size), const, beta, rows, cols, v, A)
