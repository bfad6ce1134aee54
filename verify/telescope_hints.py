"""The telescope block of a certificate (docs/tighter.md §2–§5): a bound from G̃'s reach boxes.  Untrusted: fact 9 of
the checker (verify/kernel/check.py, verify/kernel/reach.py) re-derives every number exactly.

For a network of Linear layers, in F's own units (E_i the matrices of η_i, e_i the bias errors), this propagates
G̃'s feature boxes by interval arithmetic (Lemma 1) in float64, widened after every layer by more than float64's
rounding (relative to |W| + |E|: the sum W + E cancels where G̃ cannot reach a weight) and the checker's 2^-128
grid can move them, so that each box contains the one the checker computes;
bounds each layer's error r_i = E_i f_i + e_i row by row over its box (Lemma 4.2; on the ball, layer 1 by
Cauchy–Schwarz), takes S_i as the smaller of ‖s_i‖ (with a relative margin) and today's η_i ρ_{i−1} + β_i (exact,
from the stored rows), and telescopes (Lemma 5): bound = Σ_i S_i ω_{i+1} ⋯ ω_L in exact rationals, rounded up.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import torch

from verify.kernel import io

__all__ = ["telescope_block", "telescope_bound"]

DIGITS = 12
_TINY = 2.0**-100      # absolute widening per layer: covers the checker's outward rounding to 2^-128
_REL = 2.0**-30        # relative margin on S_i's float64 norm


def _widen(n: int) -> float:
    """Relative widening for an n-term float64 dot product (|error| ≤ γ_n Σ|terms|, γ_n < (n + 2)·2^-53)."""
    return (n + 2) * 2.0**-50


def _rows(m: np.ndarray) -> np.ndarray:
    """Each row's sum, correctly rounded (``math.fsum``): the same bits whatever BLAS, threads or device, so the
    certificate's hints are byte-identical wherever it is written."""
    return np.array([math.fsum(r) for r in m.tolist()], dtype=np.float64)


def _ends(w: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(max, min, Σ|terms|) of w f over lo ≤ f ≤ hi, row by row (Lemma 1), in float64 (elementwise products, then
    correctly rounded row sums)."""
    wp, wn = np.maximum(w, 0.0), np.minimum(w, 0.0)
    return (_rows(wp * hi + wn * lo), _rows(wp * lo + wn * hi),
            _rows(np.abs(w) * np.maximum(np.abs(lo), np.abs(hi))))


def _norms(m: np.ndarray) -> np.ndarray:
    """Each row's ℓ2 norm from correctly rounded sums of squares (then one sqrt)."""
    return np.sqrt(_rows(m * m))


def _input_box(domain) -> tuple[np.ndarray, np.ndarray] | None:
    """Layer 1's feature box on a box domain, rounded outward (None on the ball)."""
    if domain.kind == "ball":
        return None
    lo = np.nextafter(np.array([float(io.parse_signed(v)) for v in domain.lo]), -np.inf)
    hi = np.nextafter(np.array([float(io.parse_signed(v)) for v in domain.hi]), np.inf)
    if domain.non_negative:
        return np.maximum(lo, 0.0), hi
    return (np.concatenate([np.maximum(lo, 0.0), np.maximum(-hi, 0.0)]),
            np.concatenate([np.maximum(hi, 0.0), np.maximum(-lo, 0.0)]))


def _hat(w: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Ŵ: W + E⁺, or [W + E⁺, E⁻ − W] when E = [E⁺ E⁻] (reach.hat_rows)."""
    n = w.shape[1]
    return w + e if e.shape[1] == n else np.concatenate([w + e[:, :n], e[:, n:] - w], axis=1)


def _size(w: np.ndarray, e: np.ndarray) -> np.ndarray:
    """|W| + |E| laid out as Ŵ: what float64's W + E can be off by, relative (Ŵ = W + E cancels where G̃ cannot
    reach a large weight: E ≈ −W, Ŵ small, the rounding of the sum as large as u·|W|)."""
    n = w.shape[1]
    a = np.abs(w)
    return a + np.abs(e) if e.shape[1] == n else np.concatenate([a + np.abs(e[:, :n]), np.abs(e[:, n:]) + a], axis=1)


def _layer_sups(errors: list[np.ndarray], weights: list[np.ndarray], bias_errors: list[np.ndarray],
                biases: list[np.ndarray], domain) -> list[float] | None:
    """‖s_i‖ per layer (float64, each s_r widened to cover rounding), or None if some value is not finite."""
    box = _input_box(domain)
    radius = float(io.parse_decimal(domain.radius)) * (1 + 2.0**-50) if box is None else None
    out = []
    for E, W, e, b in zip(errors, weights, bias_errors, biases, strict=True):
        wh, bh = _hat(W, E), b + e
        size, b_size = _size(W, E), np.abs(b) + np.abs(e)   # the scale of wh's and bh's rounding errors
        tau = _widen(E.shape[1] + 1)
        if box is None:   # layer 1 on the ball: Cauchy–Schwarz
            s = (radius * _norms(E) + np.abs(e)) * (1 + tau)
            reach = radius * (_norms(wh) + tau * _norms(size)) + tau * b_size
            top, bottom = bh + reach, bh - reach
        else:
            lo, hi = box
            t, u, mag = _ends(E, lo, hi)
            s = np.maximum(np.abs(t + e), np.abs(u + e)) + tau * (mag + np.abs(e))
            top, bottom, _ = _ends(wh, lo, hi)
            slack = tau * (_rows(size * np.maximum(np.abs(lo), np.abs(hi))) + b_size)
            top, bottom = top + bh + slack, bottom + bh - slack
        box = (np.maximum(bottom - _TINY, 0.0), np.maximum(top, 0.0) + _TINY)
        norm = float(np.sqrt(math.fsum((s * s).tolist())))
        if not (np.isfinite(norm) and np.isfinite(box[1]).all()):
            return None
        out.append(norm * (1 + _REL) + _TINY)
    return out


def telescope_block(errors: list[torch.Tensor], weights: list[np.ndarray], bias_errors: list[torch.Tensor],
                    biases: list[np.ndarray], domain, rows: list) -> dict | None:
    """The certificate's ``telescope`` block (certs/FORMAT.md) for a network of Linear layers, from the float64
    matrices of the construction and its certified ``rows`` (certify.LayerBounds), or None when some value
    overflows float64."""
    sups = _layer_sups([x.cpu().numpy() for x in errors], [np.asarray(w, dtype=np.float64) for w in weights],
                       [x.cpu().numpy() for x in bias_errors], [np.asarray(b, dtype=np.float64) for b in biases],
                       domain)
    if sups is None:
        return None
    texts, total, rho = [], Fraction(0), domain.reach
    for s, row in zip(sups, rows, strict=True):
        eta, omega, beta = (io.parse_decimal(x) for x in (row.eta, row.omega, row.beta))
        text = min(io.decimal_up(Fraction(s), DIGITS), io.decimal_up(eta * rho + beta, DIGITS), key=io.parse_decimal)
        texts.append(text)
        total, rho = total * omega + io.parse_decimal(text), io.parse_decimal(row.rho)
    return {"method": io.TELESCOPE_METHOD, "err_sup": texts, "bound": io.decimal_up(total, DIGITS)}


def telescope_bound(block: dict | None) -> Fraction | None:
    """The block's bound as a rational (None without a block)."""
    return None if block is None else io.parse_decimal(block["bound"])
