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
