"""The independent checker: accepts a certificate only if every number in it is re-derived here.  [trusted]

Imports only the rest of the kernel (``io``, ``modelfile``, ``rng``, ``spectral``) and the standard library (no
torch, nothing of the engine).  Every trusted computation is exact integer or rational arithmetic, or, for
spectral norms, stdlib floats with a proven a-priori rounding bound (verify/kernel/spectral.py).

Input first has to be **well-formed** (``_well_formed``): a JSON document without duplicate keys, NaN or
over-long integers, matching certs/schema.json exactly (every object has exactly its keys, every number its type
and range, every DEC the grammar of ``io.parse_decimal``), within the size limits below.  Anything else is
``Unusable`` (exit 2).  A well-formed certificate is VALID iff facts 1–7 hold; the first that fails raises
``Invalid`` tagged with its number (exit 1).  One function per fact:

  1. ``_claim``: claim.eps > 0 (norm, domain and semantics are the constants ``io.CLAIM``);
  2. ``_model``: SHA-256 of the model bytes equals model.sha256, and the function those same bytes compute
     (verify/kernel/modelfile.py, "what F is") is the bias-free Linear/ReLU chain whose weight keys and shapes
     model.layers lists, in order (a bias is allowed only if it is all zeros);
  3. ``_structure``: G's generator and distribution, widths and parameter count follow from the width factor k
     and the layer shapes; rescaling.neuron_exponents has one integer per hidden neuron of F;
  4. ``_kept_edges``: every mask has its G layer's shape and kept count; in each odd layer every hidden neuron
     keeps at most one input edge, and even layers keep edges exactly from the hidden neurons that kept one;
  5. ``_layer_rows``: for every target layer i, with E⁺, E⁻ the gadget errors computed exactly from weights
     regenerated from the seed and mapped back to F's units (E = D_i⁻¹ E' D_{i−1}, D = diag(2^s)):
     η_i ≥ ‖[E⁺ E⁻]‖ (i = 1) or ‖E⁺‖ (i ≥ 2) and ω_i ≥ ‖W_i‖, in the row's norm: Frobenius (decided exactly)
     or spectral (verify/kernel/spectral.py: may refuse, never wrongly accept);
  6. ``_composition``: δ_i ≥ η_i ρ_{i−1} + ω_i δ_{i−1} and ρ_i ≥ (ω_i + η_i) ρ_{i−1} from the stored previous
     values (δ_0 = 0, ρ_0 = 1) — valid because both recurrences are monotone in every argument;
  7. ``_verdict``: claim.bound ≥ δ_L, and the verdict is "certified" exactly when claim.bound ≤ claim.eps.
Then sup_{‖x‖₂≤1} ‖G̃(x) − F(x)‖₂ ≤ claim.bound in exact real arithmetic of the stored weights
(docs/certificate.md §5; the lemmas are proved in proofs/).

Limits (each refused with exit 2 before the work it bounds): certificate file ``MAX_CERT_BYTES``, model file
``modelfile.MAX_MODEL_BYTES``, target weights ``MAX_TARGET_WEIGHTS``, G parameters ``MAX_G_PARAMETERS`` (and
every G dimension < 2^32, the generator's index range), kept weights ``MAX_KEPT``, the exact layer matrices
``MAX_EXACT_BITS`` (entries × bits per entry, from the exponents and the weights' binary exponents), JSON values
``MAX_JSON_VALUES`` and the spectral test's work ``MAX_SPECTRAL_WORK``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from verify.kernel import io, modelfile, rng
from verify.kernel.spectral import at_least_root, spectral_bound_holds

__all__ = ["Invalid", "Unusable", "Checked", "check_certificate", "check_files", "exact_networks", "main",
           "MAX_CERT_BYTES", "MAX_TARGET_WEIGHTS", "MAX_G_PARAMETERS", "MAX_KEPT", "MAX_EXACT_BITS", "MAX_JSON_VALUES",
           "MAX_SPECTRAL_WORK"]

MAX_CERT_BYTES = 1 << 28           # 256 MiB of JSON
MAX_TARGET_WEIGHTS = 1 << 24       # 16.8 M weights of F (784-1024-1024-10 has 1.9 M)
MAX_G_PARAMETERS = 1 << 32         # G's masks then inflate to at most 512 MiB
MAX_KEPT = 50_000_000              # kept weights of G (a 784-256-256-10 certificate keeps 4.4 M)
MAX_EXACT_BITS = 1 << 34           # 2 GiB of exact integers for the largest layer's matrices
MAX_JSON_VALUES = 1_000_000        # JSON objects, arrays and separators ({, [ and , counted in the raw text)
MAX_SPECTRAL_WORK = 1 << 33        # Σ min(m, n)²·max(m, n) over spectral rows (1024 × 1568 is 2^30.6: ~1 min)
_MAX_INT_DIGITS = 20               # JSON integers: seeds, sizes and counts fit in 20 digits
_EXPONENT_RANGE = 4096


class Invalid(Exception):
    """A well-formed certificate whose claim does not follow; ``fact`` is the failing fact's number (exit 1)."""

    def __init__(self, fact: int, message: str) -> None:
        super().__init__(f"[fact {fact}] {message}")
        self.fact = fact


class Unusable(Exception):
    """An unreadable, malformed or over-limit input (exit 2)."""


@dataclass(frozen=True)
class Checked:
    """An accepted certificate: the verified bound and ε, counts for the report line, and what was decoded
    (F's weights, and per target layer the kept edges ``(src, edges)``) for ``exact_networks``."""

    bound: Fraction
    eps: Fraction
    layers: int
    kept: int
    seed: int
    weights: list
    pruned: list


# --- well-formedness (exit 2) --------------------------------------------------------------------------------

def _obj(v: object, where: str, keys: tuple | set) -> dict:
    if not isinstance(v, dict) or set(v) != set(keys):
        got = sorted(v) if isinstance(v, dict) else type(v).__name__
        raise Unusable(f"malformed certificate: {where} must be an object with keys {sorted(keys)}, got {got}")
    return v


def _int(v: object, where: str, lo: int, hi: int) -> int:
    if type(v) is not int or not lo <= v <= hi:
        raise Unusable(f"malformed certificate: {where} must be an integer in [{lo}, {hi}]")
    return v


def _list(v: object, where: str) -> list:
    if not isinstance(v, list):
        raise Unusable(f"malformed certificate: {where} must be a list")
    return v


def _one_of(v: object, where: str, allowed: tuple) -> str:
    if v not in allowed or type(v) is not str:
        raise Unusable(f"malformed certificate: {where} must be one of {list(allowed)}")
    return v


def _dec(v: object, where: str) -> Fraction:
    try:
        return io.parse_decimal(v)
    except ValueError as e:
        raise Unusable(f"malformed certificate: {where}: {e}") from None


def _shape(v: object, where: str) -> list:
    for j, x in enumerate(_list(v, where)):
        _int(x, f"{where}[{j}]", 1, 2**63)
    if len(v) != 2:
        raise Unusable(f"malformed certificate: {where} must be [rows, cols]")
    return v


def _well_formed(cert: object) -> None:
    """The certificate matches certs/schema.json exactly (types, keys, ranges, grammars)."""
    _obj(cert, "the certificate", io.TOP_FIELDS)
    _one_of(cert["format"], "format", (io.FORMAT,))
    _one_of(cert["verdict"], "verdict", ("certified", "not-certified"))
    claim = _obj(cert["claim"], "claim", {"eps", "bound", *io.CLAIM})
    for key, want in io.CLAIM.items():
        _one_of(claim[key], f"claim.{key}", (want,))
    _dec(claim["eps"], "claim.eps")
    _dec(claim["bound"], "claim.bound")
    model = _obj(cert["model"], "model", ("sha256", "format", "layers"))
    sha = model["sha256"]
    if not (isinstance(sha, str) and len(sha) == 64 and all(ch in "0123456789abcdef" for ch in sha)):
        raise Unusable("malformed certificate: model.sha256 must be 64 lowercase hex digits")
    _one_of(model["format"], "model.format", ("safetensors", "torch-state-dict", "torch-module"))
    if not _list(model["layers"], "model.layers"):
        raise Unusable("malformed certificate: model.layers is empty")
    for i, spec in enumerate(model["layers"]):
        spec = _obj(spec, f"model.layers[{i}]", ("key", "shape"))
        if not isinstance(spec["key"], str):
            raise Unusable(f"malformed certificate: model.layers[{i}].key must be a string")
        _shape(spec["shape"], f"model.layers[{i}].shape")
    rn = _obj(cert["random_network"], "random_network",
              ("distribution", "generator", "seed", "width_factor", "widths", "parameters"))
    _one_of(rn["distribution"], "random_network.distribution", (rng.DISTRIBUTION,))
    _one_of(rn["generator"], "random_network.generator", (rng.GENERATOR,))
    _int(rn["seed"], "random_network.seed", 0, 2**32 - 1)
    _int(rn["width_factor"], "random_network.width_factor", 1, 2**32 - 1)
    for j, w in enumerate(_list(rn["widths"], "random_network.widths")):
        _int(w, f"random_network.widths[{j}]", 1, 2**63)
    if len(rn["widths"]) < 3:
        raise Unusable("malformed certificate: random_network.widths must list at least 3 widths")
    _int(rn["parameters"], "random_network.parameters", 1, 2**63)
    exps = _list(_obj(cert["rescaling"], "rescaling", ("neuron_exponents",))["neuron_exponents"], "rescaling")
    for i, s in enumerate(exps):
        for j, e in enumerate(_list(s, f"rescaling.neuron_exponents[{i}]")):
            _int(e, f"rescaling.neuron_exponents[{i}][{j}]", -_EXPONENT_RANGE, _EXPONENT_RANGE)
    for i, m in enumerate(_list(cert["mask"], "mask")):
        m = _obj(m, f"mask[{i}]", ("layer", "shape", "kept", "data"))
        _int(m["layer"], f"mask[{i}].layer", 1, 2**32)
        _shape(m["shape"], f"mask[{i}].shape")
        _int(m["kept"], f"mask[{i}].kept", 0, 2**63)
        if not isinstance(m["data"], str):
            raise Unusable(f"malformed certificate: mask[{i}].data must be a base64 string")
    for i, row in enumerate(_list(cert["layers"], "layers")):
        row = _obj(row, f"layers[{i}]", ("eta", "omega", "delta", "rho", "norm"))
        for key in ("eta", "omega", "delta", "rho"):
            _dec(row[key], f"layers[{i}].{key}")
        _one_of(row["norm"], f"layers[{i}].norm", ("frobenius", "spectral"))
    if not isinstance(cert["info"], dict):
        raise Unusable("malformed certificate: info must be an object")


# --- facts 1-7 (exit 1) --------------------------------------------------------------------------------------

def _claim(cert: dict) -> tuple[Fraction, Fraction]:
    """Fact 1: (eps, bound), eps > 0."""
    eps, bound = io.parse_decimal(cert["claim"]["eps"]), io.parse_decimal(cert["claim"]["bound"])
    if eps <= 0:
        raise Invalid(1, "claim.eps must be positive")
    return eps, bound


def _model(cert: dict, data: bytes) -> list[list[list[float]]]:
    """Fact 2: F's weight matrices (exact binary64), read from the same bytes that were hashed."""
    model = cert["model"]
    if hashlib.sha256(data).hexdigest() != model["sha256"]:
        raise Invalid(2, "model.sha256 does not match the model file")
    try:
        chain = modelfile.read_chain(data)
    except modelfile.ModelFileError as e:
        raise Unusable(f"model file: {e}") from None
    if chain.kind != model["format"]:
        raise Invalid(2, f"model.format is {model['format']!r} but the file is {chain.kind!r}")
    keys = [spec["key"] for spec in model["layers"]]
    if [layer.weight_key for layer in chain.layers] != keys:
        raise Invalid(2, f"model.layers keys {keys[:4]}... are not the file's Linear layers in the order F applies "
                         f"them ({[layer.weight_key for layer in chain.layers][:4]}...)")
    weights = [layer.weight for layer in chain.layers]
    if sum(len(w) * len(w[0]) for w in weights) > MAX_TARGET_WEIGHTS:
        raise Unusable(f"model too large to check (more than {MAX_TARGET_WEIGHTS} weights)")
    for i, (layer, spec) in enumerate(zip(chain.layers, model["layers"], strict=True)):
        shape = [len(layer.weight), len(layer.weight[0])]
        if spec["shape"] != shape or (i and shape[1] != len(weights[i - 1])):
            raise Invalid(2, f"model.layers[{i}]: shape {shape} does not chain or does not match")
        if layer.bias is not None and any(layer.bias):
            raise Invalid(2, f"{layer.bias_key} is non-zero: format 2 certifies bias-free networks only")
    return weights


def _structure(cert: dict, shapes: list[tuple[int, int]]) -> tuple[int, int, list[list[int]]]:
    """Fact 3 and the size limits: (seed, k, exponents with s_0 = s_L = 0)."""
    rn = cert["random_network"]
    seed, k = rn["seed"], rn["width_factor"]
    widths = [shapes[0][1]]
    for m, n in shapes:
        widths += [k * n, m]
    if rn["widths"] != widths:
        raise Invalid(3, f"random_network.widths must be {widths[:7]}{'...' if len(widths) > 7 else ''}")
    params = sum(a * b for a, b in zip(widths, widths[1:], strict=False))
    if rn["parameters"] != params:
        raise Invalid(3, "random_network.parameters does not match the widths")
    if params > MAX_G_PARAMETERS or max(widths) >= 2**32:
        raise Unusable(f"random network too large to check ({params} parameters; limit {MAX_G_PARAMETERS}, "
                       "and every width below 2^32)")
    exps = cert["rescaling"]["neuron_exponents"]
    if len(exps) != len(shapes) - 1 or any(len(s) != shapes[i][0] for i, s in enumerate(exps)):
        raise Invalid(3, f"rescaling.neuron_exponents must list one integer per hidden neuron {widths[2:-1:2]}")
    return seed, k, [[0] * shapes[0][1], *exps, [0] * shapes[-1][0]]


def _dyadic(w: float) -> tuple[int, int]:
    """w as (numerator, b) with value numerator / 2^b, exactly (a float's denominator is a power of two)."""
    num, den = w.as_integer_ratio()
    return num, den.bit_length() - 1


def _scales(ratios: list, exps: list[list[int]]) -> list[int]:
    """K_i per layer: fact 5's matrices are integers in units of 2^-K_i (every W and every 2^t·P' is one)."""
    return [max(48 + max(exps[i + 1]) - min(exps[i]), max(b for row in rows for _, b in row))
            for i, rows in enumerate(ratios)]


def _exact_budget(ratios: list, scales: list[int]) -> None:
    """Unusable if some layer's exact matrices would exceed MAX_EXACT_BITS (checked before decoding masks).

    Entries are below 2^(K + 1100) in units of 2^-K (|W| < 2^1024; |P'·2^t| ≤ kept paths · 2^(t + K) < 2^(K + 1100)
    as t ≤ 2·4096 is absorbed in K)."""
    for i, (rows, K) in enumerate(zip(ratios, scales, strict=True)):
        bits = len(rows) * len(rows[0]) * (3 if i == 0 else 2) * (K + 1100)
        if bits > MAX_EXACT_BITS:
            raise Unusable(f"layer {i + 1}'s exact matrices would need {bits} bits (limit {MAX_EXACT_BITS})")


def _kept_edges(cert: dict, shapes: list[tuple[int, int]], k: int) -> tuple[list, int]:
    """Fact 4: decode masks; per target layer (src: {h: j}, edges: {r: [h, ...]}) and the kept count."""
    masks = cert["mask"]
    if len(masks) != 2 * len(shapes):
        raise Invalid(4, f"mask must list {2 * len(shapes)} G layers")
    if sum(m["kept"] for m in masks) > MAX_KEPT:
        raise Unusable(f"too many kept weights to check (limit {MAX_KEPT})")
    out, kept = [], 0
    for i, (m, n) in enumerate(shapes):
        parts = []
        for layer, shape in ((2 * i + 1, [k * n, n]), (2 * i + 2, [m, k * n])):
            entry = masks[layer - 1]
            if entry["layer"] != layer or entry["shape"] != shape:
                raise Invalid(4, f"mask[{layer - 1}] must describe G layer {layer} of shape {shape}")
            try:
                bits = list(io.decode_mask(entry["data"], *shape, limit=entry["kept"]))
            except io.MaskError as e:
                raise Invalid(4, f"mask[{layer - 1}]: {e}") from None
            if entry["kept"] != len(bits):
                raise Invalid(4, f"mask[{layer - 1}].kept does not match the mask")
            parts.append(bits)
            kept += len(bits)
        src: dict[int, int] = {}
        for h, j in parts[0]:
            if h in src:
                raise Invalid(4, f"G layer {2 * i + 1}: hidden neuron {h} keeps more than one input edge")
            src[h] = j
        edges: dict[int, list[int]] = {}
        for r, h in parts[1]:
            if h not in src:
                raise Invalid(4, f"G layer {2 * i + 2}: kept edge ({r}, {h}) from a hidden neuron with no input edge")
            edges.setdefault(r, []).append(h)
        fed = {h for hs in edges.values() for h in hs}
        if len(fed) != len(src):
            h = min(set(src) - fed)
            raise Invalid(4, f"G layer {2 * i + 1}: hidden neuron {h} keeps an input edge but no output edge")
        out.append((src, edges))
    return out, kept


def _layer_matrices(ratios: list, K: int, s_out: list[int], s_in: list[int], seed: int, i: int,
                    kept: tuple) -> tuple[list[list[int]], list[list[int]]]:
    """Fact 5's matrices, exactly, as integer rows in units of 2^-K: the gadget error in F's own units
    E = D_i⁻¹ E' D_{i−1} ([E⁺ E⁻], m × 2n, for the first layer, whose inputs have both signs; E⁺ for later
    layers, whose inputs are ReLU outputs ≥ 0 — docs/gadgets.md §4–§5) and W (unscaled).

    G̃ approximates W' = D_i W D_{i−1}⁻¹ (D = diag(2^s)); its kept products sum to P' (resp. Q'), so
    E[r, c] = P'[r, c]·2^t − W[r, c] with t = s_in[c] − s_out[r].  Regenerated weights are integers in units of
    2^-24, so P' is an integer in units of 2^-48 (verify/kernel/rng.py), and W = num / 2^b exactly."""
    src, edges = kept
    u = {h: rng.weight_int(seed, 2 * i + 1, h, j) for h, j in src.items()}
    e_rows, w_rows = [], []
    for r, row in enumerate(ratios):
        pos: dict[int, int] = {}
        neg: dict[int, int] = {}
        key = rng.row_key(seed, 2 * i + 2, r)
        for h in edges.get(r, ()):
            p = rng.weight_int(seed, 2 * i + 2, r, h, key=key) * u[h]
            side = pos if u[h] > 0 else neg
            side[src[h]] = side.get(src[h], 0) + p
        w_row = [num << (K - b) for num, b in row]
        up = [K - 48 + s_in[c] - s_out[r] for c in range(len(row))]   # ≥ 0 by the choice of K
        e_row = [(pos.get(c, 0) << up[c]) - wv for c, wv in enumerate(w_row)]
        if i == 0:
            e_row += [wv - (neg.get(c, 0) << up[c]) for c, wv in enumerate(w_row)]
        e_rows.append(e_row)
        w_rows.append(w_row)
    return e_rows, w_rows


def _norm_at_most(rows: list[list[int]], K: int, bound: Fraction, norm: str) -> bool:
    """‖rows / 2^K‖ ≤ bound, decided exactly (Frobenius) or by the verified Cholesky test (spectral)."""
    if norm == "spectral":
        return spectral_bound_holds(rows, K, bound)
    return at_least_root(bound, sum(x * x for row in rows for x in row), K)


def _layer_rows(cert: dict, ratios: list, scales: list[int], exps: list, seed: int,
                pruned: list) -> list[tuple[Fraction, Fraction]]:
    """Fact 5: (η_i, ω_i) per layer, each proven to bound its matrix's norm."""
    rows = cert["layers"]
    if len(rows) != len(ratios):
        raise Invalid(5, f"layers must have {len(ratios)} rows")
    work = sum(min(m, n) ** 2 * max(m, n) for row, w in zip(rows, ratios, strict=True) if row["norm"] == "spectral"
               for m, n in [(len(w), len(w[0]) * (2 if w is ratios[0] else 1))])
    if work > MAX_SPECTRAL_WORK:
        raise Unusable(f"spectral rows too large to check ({work} > {MAX_SPECTRAL_WORK} floating-point steps); "
                       "certify with --norm frobenius")
    out = []
    for i, (K, row) in enumerate(zip(scales, rows, strict=True)):
        eta, omega, norm = io.parse_decimal(row["eta"]), io.parse_decimal(row["omega"]), row["norm"]
        e_rows, w_rows = _layer_matrices(ratios[i], K, exps[i + 1], exps[i], seed, i, pruned[i])
        if not _norm_at_most(e_rows, K, eta, norm):
            raise Invalid(5, f"layers[{i}].eta is below the gadget error's {norm} norm (or not provably above it)")
        if not _norm_at_most(w_rows, K, omega, norm):
            raise Invalid(5, f"layers[{i}].omega is below the weight matrix's {norm} norm (or not provably above it)")
        out.append((eta, omega))
    return out


def _composition(cert: dict, rows: list[tuple[Fraction, Fraction]]) -> Fraction:
    """Fact 6: the stored δ_i, ρ_i dominate the recurrences; returns δ_L."""
    delta, rho = Fraction(0), Fraction(1)
    for i, ((eta, omega), row) in enumerate(zip(rows, cert["layers"], strict=True)):
        new_delta, new_rho = io.parse_decimal(row["delta"]), io.parse_decimal(row["rho"])
        if new_delta < eta * rho + omega * delta:
            raise Invalid(6, f"layers[{i}].delta is below eta*rho_prev + omega*delta_prev")
        if new_rho < (omega + eta) * rho:
            raise Invalid(6, f"layers[{i}].rho is below (omega + eta)*rho_prev")
        delta, rho = new_delta, new_rho
    return delta


def _verdict(cert: dict, eps: Fraction, bound: Fraction, delta: Fraction) -> None:
    """Fact 7: bound ≥ δ_L and the verdict says whether bound ≤ eps."""
    if bound < delta:
        raise Invalid(7, "claim.bound is below the composed bound delta_L")
    verdict = "certified" if bound <= eps else "not-certified"
    if cert["verdict"] != verdict:
        raise Invalid(7, f"verdict must be {verdict!r} for this bound and eps")


def check_certificate(cert: object, model: bytes | Path) -> Checked:
    """Well-formedness, then facts 1–7 of the module docstring.  Raises Unusable or Invalid (the first failure).

    ``model`` is the model file's bytes (or a path, read once: the bytes hashed are the bytes parsed)."""
    data = model if isinstance(model, bytes) else _read(Path(model), modelfile.MAX_MODEL_BYTES, "model file")
    _well_formed(cert)
    eps, bound = _claim(cert)
    weights = _model(cert, data)
    shapes = [(len(w), len(w[0])) for w in weights]
    seed, k, exps = _structure(cert, shapes)
    ratios = [[[_dyadic(x) for x in row] for row in w] for w in weights]
    scales = _scales(ratios, exps)
    _exact_budget(ratios, scales)   # refuse over-limit layers before decoding any mask
    pruned, kept = _kept_edges(cert, shapes, k)
    delta = _composition(cert, _layer_rows(cert, ratios, scales, exps, seed, pruned))
    _verdict(cert, eps, bound, delta)
    return Checked(bound, eps, len(shapes), kept, seed, weights, pruned)


def exact_networks(ok: Checked) -> tuple[list, list]:
    """(F, G̃) of an accepted certificate as lists of Fraction matrices ((out, in) convention) for the exact
    oracle (verify/exact/), built from what ``check_certificate`` decoded."""
    target = [[[Fraction(x) for x in row] for row in w] for w in ok.weights]
    pruned = []
    for i, (w, (src, edges)) in enumerate(zip(ok.weights, ok.pruned, strict=True)):
        m, n = len(w), len(w[0])
        hs = sorted(src)  # keep only live hidden neurons (or one all-zero one): the function is unchanged
        pruned.append([[rng.weight(ok.seed, 2 * i + 1, h, src[h]) if j == src[h] else Fraction(0)
                        for j in range(n)] for h in hs] or [[Fraction(0)] * n])
        pos = {h: t for t, h in enumerate(hs)}
        V = [[Fraction(0)] * max(1, len(hs)) for _ in range(m)]
        for r, hlist in edges.items():
            for h in hlist:
                V[r][pos[h]] = rng.weight(ok.seed, 2 * i + 2, r, h)
        pruned.append(V)
    return target, pruned


def _read(path: Path, limit: int, what: str) -> bytes:
    """The file's bytes, read once; Unusable if missing, unreadable or larger than ``limit``."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size > limit:   # refuse before reading (a pipe reports 0 and is capped below)
                raise Unusable(f"{what} {path} is larger than {limit} bytes")
            data = f.read(limit + 1)
    except OSError as e:
        raise Unusable(f"cannot read {what} {path}: {e.strerror or e}") from None
    if len(data) > limit:
        raise Unusable(f"{what} {path} is larger than {limit} bytes")
    return data


def _strict_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"integer with more than {_MAX_INT_DIGITS} digits")
    return int(text)


def _no_constant(text: str) -> None:
    raise ValueError(f"{text} is not JSON")


def load_json(data: bytes, what: str) -> object:
    """Strict JSON: UTF-8, no duplicate keys, no NaN/Infinity, integers of at most 20 digits, and at most
    MAX_JSON_VALUES containers and separators (counted before parsing: memory stays a small multiple of the text)."""
    if data.count(b"{") + data.count(b"[") + data.count(b",") > MAX_JSON_VALUES:
        raise Unusable(f"{what} has more than {MAX_JSON_VALUES} JSON values")
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=io.no_duplicate_keys, parse_int=_strict_int,
                          parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise Unusable(f"{what} is not valid strict JSON ({str(e)[:120] or type(e).__name__})") from None


def check_files(cert_path: Path, model_path: Path) -> Checked:
    """Read both files (each once, within its size limit) and check; Unusable or Invalid on failure."""
    cert = load_json(_read(Path(cert_path), MAX_CERT_BYTES, "certificate"), f"certificate {cert_path}")
    return check_certificate(cert, _read(Path(model_path), modelfile.MAX_MODEL_BYTES, "model file"))


def verdict_line(ok: Checked) -> tuple[int, str]:
    """(exit code, line) for an accepted certificate: VALID only when the bound reaches eps."""
    bound, eps = io.decimal_up(ok.bound, 6), io.decimal_up(ok.eps, 6)
    if ok.bound > ok.eps:
        return 1, (f"INVALID: verdict not-certified: bound {bound} > eps {eps} (the numbers are correct, but "
                   "nothing is certified)")
    return 0, (f"VALID: sup over the unit l2 ball of ||G~(x) - F(x)||_2 <= {bound} <= eps {eps} "
               f"({ok.layers} target layers, {ok.kept} kept weights of G)")


def run(cert_path: str | Path, model_path: str | Path) -> tuple[int, str, Checked | None]:
    """(exit code, verdict line, what was checked or None): 0 valid, 1 invalid, 2 unusable input."""
    try:
        ok = check_files(Path(cert_path), Path(model_path))
        code, line = verdict_line(ok)
        return code, line, ok
    except Unusable as e:
        return 2, f"UNUSABLE: {e}", None
    except Invalid as e:
        return 1, f"INVALID: {e}", None
    except (MemoryError, RecursionError, OverflowError, ValueError, TypeError, KeyError, IndexError) as e:
        # never expected; whatever input provoked it is refused (never accepted), in one line
        return 2, f"UNUSABLE: the input could not be processed ({type(e).__name__}: {str(e)[:120]})", None


def main(cert_path: str, model_path: str, stream=None) -> int:
    """One verdict line; exit 0 valid, 1 invalid, 2 unusable input."""
    code, line, _ = run(cert_path, model_path)
    print(line, file=stream or sys.stdout)
    return code
