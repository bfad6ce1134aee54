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
    """Number of kept weights of G, counted from the masks' raw bytes."""
    return sum(bin(int.from_bytes(zlib.decompress(base64.b64decode(m["data"])), "little")).count("1")
               for m in cert["mask"])


def composed_delta(cert: dict) -> Fraction:
    """δ_L = Σ-composition of the certificate's (η_i, ω_i) in exact rationals, without any rounding:
    δ_i = η_i ρ_{i−1} + ω_i δ_{i−1}, ρ_i = (ω_i + η_i) ρ_{i−1}, δ_0 = 0, ρ_0 = 1 (a lower bound on claim.bound)."""
    delta, rho = Fraction(0), Fraction(1)
    for row in cert["layers"]:
        eta, omega = Fraction(row["eta"]), Fraction(row["omega"])
        delta, rho = eta * rho + omega * delta, (omega + eta) * rho
    return delta


def pruned_from_raw(cert: dict) -> list[Matrix]:
    """G̃ as 2L exact matrices ((out, in) convention), rebuilt from the raw mask bits and the generator; hidden
    neurons without a kept input edge are dropped (they output σ(0) = 0, so the function is unchanged)."""
    seed = cert["random_network"]["seed"]
    masks = {m["layer"]: m for m in cert["mask"]}
    out: list[Matrix] = []
    for i in range(len(masks) // 2):
        odd, even = masks[2 * i + 1], masks[2 * i + 2]
        hidden, n = odd["shape"]
        src = {b // n: b % n for b in mask_bits(odd["data"], hidden, n)}
        live = sorted(src) or [0]
        out.append([[rng.weight(seed, 2 * i + 1, h, j) if src.get(h) == j else Fraction(0) for j in range(n)]
                    for h in live])
        m = even["shape"][0]
        V = [[Fraction(0)] * len(live) for _ in range(m)]
        pos = {h: t for t, h in enumerate(live)}
        for b in mask_bits(even["data"], m, hidden):
            r, h = divmod(b, hidden)
            assert h in src, "an even-layer edge from a hidden neuron without an input edge"
            V[r][pos[h]] = rng.weight(seed, 2 * i + 2, r, h)
        out.append(V)
    return out


def target_from_safetensors(path: Path, cert: dict) -> list[Matrix]:
    """F's weight matrices, read with the safetensors library under the certificate's keys, as exact rationals."""
    from safetensors.numpy import load_file

    tensors = load_file(str(path))
    return [[[Fraction(float(x)) for x in row] for row in tensors[layer["key"]].tolist()]
            for layer in cert["model"]["layers"]]


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def relu_net(mats: list[Matrix], x: list[Fraction]) -> list[Fraction]:
    """A ReLU network with weight matrices ``mats`` ((out, in) convention) at x, exactly: σ between layers only."""
    for i, w in enumerate(mats):
        x = [sum((a * b for a, b in zip(row, x, strict=True)), Fraction(0)) for row in w]
        if i + 1 < len(mats):
            x = [max(v, Fraction(0)) for v in x]
    return x
