"""Exact power-of-two rescaling of F (positive homogeneity of ReLU; DESIGN.md §1).

Hidden neuron r of target layer i gets an integer exponent s_i[r]; with s_0 = 0 (inputs) and s_L = 0 (outputs)

    W'_i[r, c] = 2^(s_i[r] - s_{i-1}[c]) · W_i[r, c]

computes exactly the same function: σ(2^s t) = 2^s σ(t) and a power of two times a float is exact (no overflow
or underflow is checked below).  So G̃ approximates F' = F, and ε always refers to the user's F.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["balanced_exponents", "apply_exponents"]


def balanced_exponents(weights: list[np.ndarray]) -> list[np.ndarray]:
    """Per-layer exponents e_i (Σ e_i = 0) that bring every layer's max |w| near their geometric mean.

    With the product of the layers' scales fixed at 1, the composed bound of DESIGN.md §3 is smallest when no
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


def apply_exponents(weights: list[np.ndarray], exponents: list[np.ndarray]) -> list[np.ndarray]:
    """W'_i = diag(2^{s_i}) W_i diag(2^{-s_{i-1}}), exactly (np.ldexp)."""
    if len(exponents) != len(weights) - 1:
        raise ValueError("need one exponent vector per hidden layer")
    s = [np.zeros(weights[0].shape[1], dtype=np.int64), *exponents, np.zeros(weights[-1].shape[0], dtype=np.int64)]
    out = []
    for i, w in enumerate(weights):
        shift = s[i + 1][:, None] - s[i][None, :]
        scaled = np.ldexp(w, shift.astype(np.int32))
        if not np.all(np.isfinite(scaled)) or not np.array_equal(np.ldexp(scaled, (-shift).astype(np.int32)), w):
            raise ValueError("power-of-two rescaling is not exact here (float64 overflow or underflow)")
        out.append(scaled)
    return out
