"""Exact power-of-two rescaling of F (positive homogeneity of ReLU; docs/rescaling.md §1).

Hidden neuron r of target layer i gets an integer exponent s_i[r]; with s_0 = 0 (inputs) and s_L = 0 (outputs)

    W'_i[r, c] = 2^(s_i[r] - s_{i-1}[c]) · W_i[r, c]

computes exactly the same function: σ(2^s t) = 2^s σ(t) and a power of two times a float is exact (no overflow
or underflow is checked below).  So G̃ approximates F' = F, and ε always refers to the user's F.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["balanced_exponents", "reach_exponents", "apply_exponents"]


def balanced_exponents(weights: list[np.ndarray]) -> list[np.ndarray]:
    """Per-layer exponents e_i (Σ e_i = 0) that bring every layer's max |w| near their geometric mean.

    With the product of the layers' scales fixed at 1, the composed bound of docs/composition.md §3 is smallest when no
    layer is much smaller than the others relative to the gadgets' fixed absolute accuracy.  Returned as the
    per-neuron exponents s_1..s_{L-1} (each constant within its layer: s_i = e_1 + ... + e_i).
    """
    logs = [math.log2(float(np.abs(w).max())) if np.abs(w).max() > 0 else 0.0 for w in weights]
    mean = sum(logs) / len(logs)
    e = [round(mean - li) for li in logs[:-1]]
    out, s = [], 0
    for i, ei in enumerate(e):
        s += ei
        out.append(np.full(weights[i].shape[0], s, dtype=np.int64))
    return out


def apply_exponents(weights: list[np.ndarray], exponents: list[np.ndarray],
                    groups: list[int] | None = None) -> list[np.ndarray]:
    """W'_i = diag(2^{s_i}) W_i diag(2^{-s_{i-1}}), exactly (np.ldexp).  ``groups[i]``: how many consecutive
    columns of W_i share one exponent of s_{i−1} (a convolution's kernel positions, the pixels of a channel before
    a Flatten: docs/conv.md §6; default 1)."""
    if len(exponents) != len(weights) - 1:
        raise ValueError("need one exponent vector per hidden layer")
    groups = groups or [1] * len(weights)
    s = [np.zeros(weights[0].shape[1] // groups[0], dtype=np.int64), *exponents,
         np.zeros(weights[-1].shape[0], dtype=np.int64)]
    out = []
    for i, w in enumerate(weights):
        shift = s[i + 1][:, None] - np.repeat(s[i], groups[i])[None, :]
        scaled = np.ldexp(w, shift.astype(np.int32))
        if not np.all(np.isfinite(scaled)) or not np.array_equal(np.ldexp(scaled, (-shift).astype(np.int32)), w):
            raise ValueError("power-of-two rescaling is not exact here (float64 overflow or underflow)")
        out.append(scaled)
    return out


def reach_exponents(weights: list[np.ndarray], reach: list[np.ndarray], gains: list[float], span: int = 8,
                    sweeps: int = 8, groups: list[int] | None = None) -> list[np.ndarray]:
    """Per-neuron exponents that bring the weights within reach of the gadgets G offers at this width (issue 7).

    A weight w of layer i at (r, c) becomes w·2^Δ, Δ = s_i[r] − s_{i−1}[c].  Its gadget's usable products sum
    to ``reach`` R; subset sums are dense only well inside [0, R] (they cluster around R/2), so a weight above
    R/2 is taken to miss by the excess, which in F's units is
        e(Δ) = max(0, |w| − (R/2)·2^−Δ)
    and scaling a neuron down brings its row within reach at the price of its outgoing column.  The exponents
    minimise Σ_i gains_i · Σ e² (``gains`` ≈ how much layer i's error is amplified downstream, docs/composition.md §3)
    by coordinate descent: s_i is optimised for all neurons of layer i at once over [−span, span] given its
    neighbours (ties go to the smaller |s|, so neurons that need nothing stay at 0), the layers in turn, until
    nothing changes.  Unreachable weights (R ≈ 0) cost |w| whatever Δ is, so unlike a min–max they cannot drag
    every other neuron along.  Precision (the resolution of the subset sums) is not modelled: tried with an
    estimate R·2^−2q for q usable products, it made the digits bounds worse at
    every k tried (36–57).  ``groups[i]``: consecutive columns of layer i sharing one exponent (``apply_exponents``;
    a convolution's channels, docs/conv.md §6): a channel's cost is that of all its columns.
    """
    absw = [np.abs(w) for w in weights]
    groups = groups or [1] * len(weights)

    def err2(i: int, delta: np.ndarray) -> np.ndarray:
        e = np.maximum(0.0, absw[i] - 0.5 * reach[i] * np.exp2(-delta.astype(np.float64)))
        return gains[i] * e * e

    s = [np.zeros(w.shape[1] // g, dtype=np.int64) for w, g in zip(weights, groups, strict=True)] + [
        np.zeros(weights[-1].shape[0], dtype=np.int64)]
    ts = np.array(sorted(range(-span, span + 1), key=abs))
    for _ in range(sweeps):
        changed = False
        for i in [*range(1, len(weights)), *range(len(weights) - 2, 0, -1)]:
            as_rows = [err2(i - 1, t - np.repeat(s[i - 1], groups[i - 1])[None, :]).sum(axis=1) for t in ts]
            as_cols = [err2(i, s[i + 1][:, None] - t).sum(axis=0).reshape(-1, groups[i]).sum(axis=1) for t in ts]
            cost = np.stack(as_rows) + np.stack(as_cols)   # (2·span+1, n_i)
            best = ts[np.argmin(cost, axis=0)]
            changed |= not np.array_equal(best, s[i])
            s[i] = best
        if not changed:
            break
    return s[1:-1]
