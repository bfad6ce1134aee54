"""Oracles for tests that must not trust the code under test.

Certificates are read here from their raw JSON with the standard library only: masks are inflated with
``base64``/``zlib`` and their bits counted from the integer they spell (not with ``verify.kernel.io``), the layer rows
are parsed with ``Fraction`` and composed exactly (not with ``verify.kernel.check``), and G̃ is rebuilt from the kept
bits and ``verify.kernel.rng`` (the published generator, itself tested against an independent torch twin).
"""

from __future__ import annotations

import base64
import json
import zlib
from fractions import Fraction
from pathlib import Path

from verify.kernel import rng

Matrix = list[list[Fraction]]


def mask_bits(data: str, rows: int, cols: int) -> list[int]:
    """Flat indices (row·cols + col) of the set bits of one mask, LSB first within each byte (certs/FORMAT.md);
    asserts the bitset has exactly the shape's byte length and no bit beyond rows·cols."""
    raw = zlib.decompress(base64.b64decode(data, validate=True))
    assert len(raw) == (rows * cols + 7) // 8, "bitset length does not match the shape"
    value = int.from_bytes(raw, "little")
    assert value >> (rows * cols) == 0, "a bit beyond the shape is set"
    return [b for b in range(rows * cols) if (value >> b) & 1]


def kept_from_raw(cert: dict) -> int:
    """Number of kept weights and biases of G, counted from the masks' raw bytes."""
    return sum(bin(int.from_bytes(zlib.decompress(base64.b64decode(m[key])), "little")).count("1")
               for m in cert["mask"] for key in ("data", "bias_data"))


def composed_delta(cert: dict) -> Fraction:
    """δ_L of the certificate's rows in exact rationals, without any rounding (a lower bound on claim.bound):
    δ_i = η_i ρ_{i−1} + β_i + ω_i δ_{i−1}, ρ_i = (ω_i + η_i) ρ_{i−1} + ν_i + β_i, δ_0 = 0, ρ_0 = the domain's reach."""
    delta, rho = Fraction(0), Fraction(cert["claim"]["domain"]["reach"])
    for row in cert["layers"]:
        eta, omega, beta, nu = (Fraction(row[k]) for k in ("eta", "omega", "beta", "bias_norm"))
        delta, rho = eta * rho + beta + omega * delta, (omega + eta) * rho + nu + beta
    return delta


def telescoped(cert: dict) -> Fraction | None:
    """The telescope block's Σ_i S_i ω_{i+1} ⋯ ω_L (docs/tighter.md §5) from its strings, a sum of products (None
    without a block); what fact 9 proves its err_sup rows to be is tested in tests/test_telescope.py."""
    if "telescope" not in cert:
        return None
    omegas = [Fraction(r["omega"]) for r in cert["layers"]]
    total = Fraction(0)
    for i, s in enumerate(cert["telescope"]["err_sup"]):
        term = Fraction(s)
        for w in omegas[i + 1:]:
            term *= w
        total += term
    return total


def bound_floor(cert: dict) -> Fraction:
    """The least claim.bound the stored numbers allow: δ_L, or the telescoped sum where a telescope block is
    smaller (fact 7 with fact 9)."""
    tele = telescoped(cert)
    return composed_delta(cert) if tele is None else min(composed_delta(cert), tele)


def _bias(seed: int, layer: int, row: int) -> Fraction:
    """G's bias: the published generator at column 2^32 − 1 (certs/FORMAT.md), restated here."""
    return rng.weight(seed, layer, row, 2**32 - 1)


def pruned_from_raw(cert: dict) -> list[tuple[Matrix, list[Fraction]]]:
    """G̃ as 2L exact affine layers (W, b) ((out, in) convention), rebuilt from the raw mask bits and the generator;
    hidden neurons keeping neither an input edge nor a bias are dropped (they output σ(0) = 0, so the function is
    unchanged).  Asserts the layout rules: one input edge at most, a kept bias only without an input edge."""
    seed = cert["random_network"]["seed"]
    masks = {m["layer"]: m for m in cert["mask"]}
    out: list = []
    for i in range(len(masks) // 2):
        odd, even = masks[2 * i + 1], masks[2 * i + 2]
        hidden, n = odd["shape"]
        edges = mask_bits(odd["data"], hidden, n)
        src = {b // n: b % n for b in edges}
        assert len(src) == len(edges), "a hidden neuron keeps two input edges"
        const = set(mask_bits(odd["bias_data"], hidden, 1))
        assert not const & set(src), "a hidden neuron keeps an input edge and its bias"
        live = sorted(set(src) | const) or [0]
        out.append(([[rng.weight(seed, 2 * i + 1, h, j) if src.get(h) == j else Fraction(0) for j in range(n)]
                     for h in live], [_bias(seed, 2 * i + 1, h) if h in const else Fraction(0) for h in live]))
        m = even["shape"][0]
        V = [[Fraction(0)] * len(live) for _ in range(m)]
        pos = {h: t for t, h in enumerate(live)}
        for b in mask_bits(even["data"], m, hidden):
            r, h = divmod(b, hidden)
            assert h in src or h in const, "an even-layer edge from a hidden neuron with nothing kept"
            V[r][pos[h]] = rng.weight(seed, 2 * i + 2, r, h)
        kept_b = set(mask_bits(even["bias_data"], m, 1))
        out.append((V, [_bias(seed, 2 * i + 2, r) if r in kept_b else Fraction(0) for r in range(m)]))
    return out


def target_from_safetensors(path: Path, cert: dict) -> list[tuple[Matrix, list[Fraction]]]:
    """F's affine layers (W, b), read with the safetensors library under the certificate's keys, exactly."""
    from safetensors.numpy import load_file

    tensors = load_file(str(path))
    out = []
    for layer in cert["model"]["layers"]:
        w = [[Fraction(float(x)) for x in row] for row in tensors[layer["key"]].tolist()]
        b = ([Fraction(float(x)) for x in tensors[layer["bias_key"]].tolist()] if layer["bias_key"]
             else [Fraction(0)] * len(w))
        out.append((w, b))
    return out


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def relu_net(layers: list, x: list[Fraction]) -> list[Fraction]:
    """A ReLU network at x, exactly: ``layers`` are weight matrices ((out, in) convention) or affine pairs (W, b);
    σ between layers only."""
    for i, layer in enumerate(layers):
        w, b = layer if isinstance(layer, tuple) else (layer, [Fraction(0)] * len(layer))
        x = [sum((a * v for a, v in zip(row, x, strict=True)), bias) for row, bias in zip(w, b, strict=True)]
        if i + 1 < len(layers):
            x = [max(v, Fraction(0)) for v in x]
    return x


# --- float32 (docs/float32.md), written from the page and numpy's own binary32, not from verify.kernel.floatbound ---

def _f32_constants() -> tuple[Fraction, Fraction, Fraction, Fraction]:
    import numpy as np

    fi = np.finfo(np.float32)
    return (Fraction(float(fi.eps)) / 2, Fraction(float(fi.tiny)), Fraction(float(fi.smallest_subnormal)),
            Fraction(float(fi.max)))


U32, TINY32, SUBNORMAL32, MAX32 = _f32_constants()   # u = eps/2 = 2^-24, 2^-126, 2^-149, (2 − 2^-23)·2^127
TAU_OP32 = 4 * TINY32                                  # τ' of docs/float32.md §1


def gamma32(n: int) -> Fraction:
    """γ_n = n·u / (1 − n·u) (docs/float32.md §2), u from np.finfo(np.float32)."""
    return n * U32 / (1 - n * U32)


def binary32(x: Fraction) -> bool:
    """x is a finite binary32 number: it survives a round trip through float64 and numpy.float32 unchanged."""
    import numpy as np

    if abs(x) > MAX32:
        return False
    d = float(x)
    return Fraction(d) == x and Fraction(float(np.float32(d))) == x


def normal_or_zero32(x: Fraction) -> bool:
    return x == 0 or abs(x) >= TINY32


def isqrt_up(n: int) -> int:
    """The least integer r ≥ 0 with r·r ≥ n, by bisection (not math.isqrt)."""
    lo, hi = 0, 1
    while hi * hi < n:
        hi *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        if mid * mid >= n:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _log10(x: Fraction) -> int:
    return len(str(x.numerator)) - len(str(x.denominator))


def decimal_above(x: Fraction, sig: int = 50) -> str:
    """A decimal string ≥ x ≥ 0 within 10^(1 − sig) relative."""
    if x == 0:
        return "0"
    d = sig - _log10(x)
    n = -((-x * Fraction(10) ** d) // 1)
    return f"{n}e{-d}"


def decimal_below(x: Fraction, sig: int = 50) -> str:
    """A decimal string ≤ x (x ≥ 0) within 10^(1 − sig) relative."""
    if x == 0:
        return "0"
    d = sig - _log10(x)
    return f"{(x * Fraction(10) ** d) // 1}e{-d}"


def sqrt_above(x: Fraction, sig: int = 50) -> str:
    """A decimal string ≥ √x within 10^(1 − sig) relative."""
    if x == 0:
        return "0"
    d = sig - _log10(x) // 2
    n = isqrt_up(-((-x * Fraction(100) ** d) // 1))
    return f"{n}e{-d}"


def _exps(cert: dict) -> list[list[int]]:
    hidden = cert["rescaling"]["neuron_exponents"]
    layers = cert["model"]["layers"]
    return [[0] * layers[0]["shape"][1], *hidden, [0] * layers[-1]["shape"][0]]


def float32_pair(cert: dict, i: int) -> dict:
    """G̃'s pair i of an MLP certificate (docs/float32.md §3–§4) from the raw masks and the generator: N_i, the
    requirements q² (the smaller of the ‖·‖₁‖·‖∞ and Frobenius bounds, M = 1) and κ², n_h, n_e, m, min s_i."""
    seed = cert["random_network"]["seed"]
    masks = {m["layer"]: m for m in cert["mask"]}
    odd, even = masks[2 * i + 1], masks[2 * i + 2]
    hidden, n = odd["shape"]
    m = even["shape"][0]
    src = {b // n: b % n for b in mask_bits(odd["data"], hidden, n)}
    const = set(mask_bits(odd["bias_data"], hidden, 1))
    s_in, s_out = _exps(cert)[i], _exps(cert)[i + 1]
    Q = [[Fraction(0)] * n for _ in range(m)]
    c = [Fraction(0)] * m
    terms = [0] * m
    for b in mask_bits(even["data"], m, hidden):
        r, h = divmod(b, hidden)
        v = abs(rng.weight(seed, 2 * i + 2, r, h))
        terms[r] += 1
        if h in src:
            j = src[h]
            Q[r][j] += v * abs(rng.weight(seed, 2 * i + 1, h, j)) * Fraction(2) ** (s_in[j] - s_out[r])
        else:
            assert h in const, "an even-layer edge from a hidden neuron with nothing kept"
            c[r] += v * abs(_bias(seed, 2 * i + 1, h)) * Fraction(2) ** -s_out[r]
    for r in mask_bits(even["bias_data"], m, 1):
        terms[r] += 1
        c[r] += abs(_bias(seed, 2 * i + 2, r)) * Fraction(2) ** -s_out[r]
    rows = max(sum(row) for row in Q)
    cols = max(sum(Q[r][j] for r in range(m)) for j in range(n))
    frob = sum(x * x for row in Q for x in row)
    return {"N": max(terms), "q2": min(rows * cols, frob), "kappa2": sum(x * x for x in c), "n_h": n,
            "n_e": hidden, "m": m, "min_s": min(s_out), "rows": rows, "cols": cols, "frob": frob}


def float32_target(w: Matrix, b: list[Fraction]) -> dict:
    """F's layer (docs/float32.md §6): N^F, t² requirement, μ = max(1, max |w|), n, m."""
    a = [[abs(x) for x in row] for row in w]
    rows = max(sum(row) for row in a)
    cols = max(sum(row[j] for row in a) for j in range(len(a[0])))
    frob = sum(x * x for row in a for x in row)
    return {"N": max(sum(1 for x in row if x) + (bias != 0) for row, bias in zip(w, b, strict=True)),
            "q2": min(rows * cols, frob), "mu": max(Fraction(1), *(x for row in a for x in row)), "n": len(w[0]),
            "m": len(w), "rows": rows, "cols": cols, "frob": frob, "top": max(x for row in a for x in row)}


def _sqrt_ceil_int(n: int) -> int:
    return isqrt_up(n)


def float32_pair_error(p: dict, row: dict, prev: Fraction, rho: Fraction, q: Fraction, kappa: Fraction) -> Fraction:
    """The right-hand side of docs/float32.md §5 for pair p with the certificate's row (ω, η) and stored hints."""
    alpha = (_sqrt_ceil_int(p["m"]) * Fraction(2) ** -p["min_s"]
             * (4 * p["N"] * (p["n_h"] + 1) + 3 * (p["n_e"] + 1)) * TAU_OP32)
    omega, eta = Fraction(row["omega"]), Fraction(row["eta"])
    return (omega + eta) * prev + gamma32(p["N"] + 1) * (q * (rho + prev) + kappa) + alpha


def float32_target_error(t: dict, row: dict, prev: Fraction, reach: Fraction, q: Fraction) -> Fraction:
    """The right-hand side of docs/float32.md §6 for F's layer t with the certificate's row (ω, ν)."""
    alpha = _sqrt_ceil_int(t["m"]) * 3 * (t["n"] + 1) * t["mu"] * TAU_OP32
    return (Fraction(row["omega"]) * prev + gamma32(t["N"]) * (q * (reach + prev) + Fraction(row["bias_norm"]))
            + alpha)
