"""The float32 block of a certificate (docs/float32.md): G̃ (and, if asked, F) run in binary32.  Untrusted: fact 8 of
the checker (verify/kernel/floatbound.py) re-derives every number.

From the certificate's exact part (masks, seed, exponents, rows) and F's weights this computes, per target layer i
(docs/float32.md §4–§6), in float64 with a relative margin (every quantity is a sum of non-negative float64 terms,
so its relative rounding error is below n·2^-53):

* q_i ≥ ‖conv_{Q_i}‖ for Q_i = Σ |v·u| over G̃'s kept paths in F's units, the smaller of √(‖Q‖₁‖Q‖∞) (row and
  input-channel sums) and √M·‖Q‖_F; κ_i ≥ √(H'W')·‖c_i‖ for the kept constants' |v·β| plus |own bias|;
* then the recursion e_i = (ω_i + η_i) e_{i−1} + γ_{N_i+1}(q_i (ρ_{i−1} + e_{i−1}) + κ_i) + α_i (§5) in exact
  rationals, each stored value rounded up and carried forward, r = e_L and bound_float32 = bound + r;
* with F covered (§6), t_i ≥ ‖conv_{|W_i|}‖ and f_i = ω_i f_{i−1} + γ_{N^F_i}(t_i (ρ_{i−1} + δ_{i−1} + f_{i−1}) + ν_i)
  + α^F_i (α^F_i scaled by max(1, max |W_i|); F's weights must be 0 or normal), and r = e_L + f_L.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import torch

from verify.engine.rng_torch import weights as g_weights
from verify.errors import InputError
from verify.kernel import io
from verify.kernel.floatbound import TAU_OP, dot_constant, gamma
from verify.kernel.floatbound import _root_up as root_up  # the integer ≥ √n fact 8 multiplies α by
from verify.kernel.rng import BIAS_COL

__all__ = ["float32_block", "SEMANTICS_VERDICT", "Float32Unavailable"]

DIGITS = 12
_MARGIN = 1 + 2.0**-20          # covers float64 summation of up to 2^31 non-negative terms (n·2^-53 ≤ 2^-22)
SEMANTICS_VERDICT = {"exact+float32": "bound", "float32": "bound_float32", "float32-both": "bound_float32"}


class Float32Unavailable(InputError):
    """No float32 claim can be made: G̃'s (or F's) values could overflow binary32, or the exponents are beyond what
    the hints compute (docs/float32.md §5).  ``certify`` omits the block by default and raises it when asked for."""


def _fits(scale_exp: int, size: Fraction, what: str) -> None:
    """The overflow condition fact 8 checks (docs/float32.md §5), raised before a block that could not check."""
    if Fraction(2) ** (max(0, scale_exp) + 2) * (size + 1) > 2**127:
        raise Float32Unavailable(f"{what} could overflow float32 (values beyond 2^125): no float32 claim")


def _up(x: float) -> Fraction:
    """A rational ≥ x·margin (x ≥ 0 a float64 sum of non-negative terms)."""
    if not math.isfinite(x):   # sums beyond float64: far beyond float32's range as well
        raise Float32Unavailable("the network's values exceed float64's range: no float32 claim")
    return Fraction(x * _MARGIN) * (1 + Fraction(1, 2**40))


def _norm_hint(row_max: float, col_max: float, frob_sq: float, mult: int) -> str:
    """q ≥ the operator norm of a convolution with a non-negative kernel matrix (docs/float32.md §4)."""
    return min(io.sqrt_up(_up(row_max) * _up(col_max), DIGITS), io.sqrt_up(mult * _up(frob_sq), DIGITS),
               key=io.parse_decimal)


def _decode(entry: dict, bias: bool) -> tuple[torch.Tensor, torch.Tensor]:
    rows, cols = entry["shape"]
    data, kept = (entry["bias_data"], entry["bias_kept"]) if bias else (entry["data"], entry["kept"])
    pos = list(io.decode_mask(data, rows, 1 if bias else cols, limit=kept))
    t = torch.tensor(pos, dtype=torch.int64).reshape(-1, 2)
    return t[:, 0], t[:, 1]


def _pair(cert: dict, i: int, g, exps: list[np.ndarray]) -> tuple[int, str, str]:
    """(N_i, q_i, κ_i) of G̃'s pair i (docs/float32.md §4): N_i the most non-zero terms one output adds up."""
    seed, A = cert["random_network"]["seed"], g.positions
    odd, even = cert["mask"][2 * i], cert["mask"][2 * i + 1]
    hidden = odd["shape"][0]
    h_rows, h_cols = _decode(odd, False)
    src = torch.full((hidden,), -1, dtype=torch.int64)
    src[h_rows] = h_cols
    uabs = torch.zeros(hidden, dtype=torch.float64)
    uabs[h_rows] = g_weights(seed, 2 * i + 1, h_rows, h_cols).abs()
    const_rows, _ = _decode(odd, True)
    beta = torch.zeros(hidden, dtype=torch.float64)
    beta[const_rows] = g_weights(seed, 2 * i + 1, const_rows, torch.tensor(BIAS_COL))
    r, col = _decode(even, False)
    v = g_weights(seed, 2 * i + 2, r, col).abs()
    h, q = col // A, col % A
    s_in, s_out = torch.from_numpy(exps[i]), torch.from_numpy(exps[i + 1])
    gadget = src[h] >= 0
    rg, hg = r[gadget], h[gadget]
    c = src[hg] * A + q[gadget]
    vals = v[gadget] * uabs[hg] * torch.pow(2.0, (s_in[c // g.group] - s_out[rg]).to(torch.float64))
    Q = torch.zeros(g.c_out, g.c_in * A, dtype=torch.float64)
    Q.index_put_((rg, c), vals, accumulate=True)
    const = torch.zeros(g.c_out, dtype=torch.float64)
    const.index_add_(0, r[~gadget], v[~gadget] * beta[h[~gadget]])
    b_rows, _ = _decode(even, True)
    const[b_rows] += g_weights(seed, 2 * i + 2, b_rows, torch.tensor(BIAS_COL)).abs()
    const = const * torch.pow(2.0, -s_out.to(torch.float64))
    terms = torch.bincount(r, minlength=g.c_out)
    terms[b_rows] += 1
    q_hint = _norm_hint(float(Q.sum(1).max()), float(Q.reshape(g.c_out, g.c_in, A).sum((0, 2)).max()),
                        float((Q * Q).sum()), g.mult)
    kappa = io.sqrt_up(g.pixels * _up(float((const * const).sum())), DIGITS)
    return int(terms.max()) if terms.numel() else 0, q_hint, kappa


def _target(w: np.ndarray, b: np.ndarray, g) -> tuple[int, str]:
    """(N^F_i, t_i) of F's layer i (docs/float32.md §6)."""
    a = np.abs(w)
    terms = int(((w != 0).sum(1) + (b != 0)).max())
    cols = a.reshape(g.c_out, g.c_in, g.positions).sum((0, 2)).max()
    return terms, _norm_hint(float(a.sum(1).max()), float(cols), float((a * a).sum()), g.mult)


def _subnormal(weights: list[np.ndarray]) -> bool:
    """Some weight is a non-zero binary32 number below 2^-126 (docs/float32.md §1, §6)."""
    return any(bool(((w != 0) & (np.abs(w) < 2.0**-126)).any()) for w in weights)


def float32_block(cert: dict, weights: list[np.ndarray], biases: list[np.ndarray], geometry: list,
                  semantics: str) -> dict:
    """claim.float32 for the certificate ``cert`` (its exact part complete) of the target with kernel matrices
    ``weights`` and ``biases`` (docs/float32.md §7); ``semantics`` one of ``SEMANTICS_VERDICT``.  InputError when F is
    to be covered but holds a weight that is not a binary32 number."""
    both = semantics == "float32-both"
    L = len(geometry)
    exps = [np.zeros(geometry[0].c_in, dtype=np.int64), *(np.asarray(s, dtype=np.int64) for s in
                                                          cert["rescaling"]["neuron_exponents"]),
            np.zeros(geometry[-1].c_out, dtype=np.int64)]
    if max(int(np.abs(s).max()) for s in exps) > 900:
        raise Float32Unavailable("rescaling exponents beyond 900: the float32 hints are not computed")
    rows = [{k: io.parse_decimal(v) for k, v in row.items() if k != "norm"} for row in cert["layers"]]
    reach = io.parse_decimal(cert["claim"]["domain"]["reach"])
    rn = cert["random_network"]
    layers, e = [], Fraction(0)
    for i, g in enumerate(geometry):
        terms, q_s, kappa_s = _pair(cert, i, g, exps)
        q, kappa = io.parse_decimal(q_s), io.parse_decimal(kappa_s)
        rho = rows[i - 1]["rho"] if i else reach
        _fits(int(max(exps[i].max(), exps[i + 1].max())), q * (rho + e) + kappa + rho + e, f"G~'s layer pair {i + 1}")
        per_output = 4 * terms * (g.c_in + 1) + dot_constant((rn["width_factor"] * g.c_in + rn["bias_block"])
                                                             * g.positions)
        alpha = root_up(g.c_out * g.pixels) * Fraction(2) ** -int(exps[i + 1].min()) * per_output * TAU_OP
        e_s = io.decimal_up((rows[i]["omega"] + rows[i]["eta"]) * e + gamma(terms + 1) * (q * (rho + e) + kappa)
                            + alpha, DIGITS)
        e = io.parse_decimal(e_s)
        layers.append({"q": q_s, "kappa": kappa_s, "error": e_s})
    r = e
    target_layers: list[dict] = []
    if both:
        if any(not np.array_equal(x.astype(np.float32).astype(np.float64), x) for x in (*weights, *biases)):
            raise InputError("--semantics float32-both: F holds weights that are not float32 numbers (F run in "
                             "float32 would round them): certify a float32 copy of the model")
        if _subnormal(weights):
            raise Float32Unavailable("F holds a subnormal weight, which flush-to-zero (DAZ) reads as 0: no float32 "
                                     "claim covers F (docs/float32.md §6); --semantics float32 covers G~ alone")
        f = Fraction(0)
        for i, (w, b, g) in enumerate(zip(weights, biases, geometry, strict=True)):
            terms, t_s = _target(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64), g)
            t = io.parse_decimal(t_s)
            prev = rows[i - 1]["rho"] + rows[i - 1]["delta"] if i else reach
            _fits(0, t * (prev + f) + rows[i]["bias_norm"] + prev + f, f"F's layer {i + 1}")
            mu = max(Fraction(1), Fraction(float(np.abs(w).max())))   # DAZ: |w|·τ per product (§6)
            alpha = root_up(g.c_out * g.pixels) * mu * dot_constant(g.c_in * g.positions) * TAU_OP
            f_s = io.decimal_up(rows[i]["omega"] * f + gamma(terms) * (t * (prev + f) + rows[i]["bias_norm"])
                                + alpha, DIGITS)
            f = io.parse_decimal(f_s)
            target_layers.append({"q": t_s, "error": f_s})
        r += f
    r_s = io.decimal_up(r, DIGITS)
    bound32 = io.decimal_up(io.parse_decimal(cert["claim"]["bound"]) + io.parse_decimal(r_s), DIGITS)
    assert len(layers) == L
    return {"arithmetic": io.FLOAT32_ARITHMETIC, "covers": "pruned-and-target" if both else "pruned",
            "verdict_bound": SEMANTICS_VERDICT[semantics], "bound_float32": bound32, "r": r_s, "layers": layers,
            "target_layers": target_layers}
