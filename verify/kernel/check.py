"""The independent checker: accepts a certificate only if every number in it is re-derived here.  [trusted]

Imports only the rest of the kernel (``conv``, ``floatbound``, ``io``, ``modelfile``, ``networks``, ``paths``,
``reach``, ``rng``, ``spectral``, ``verdict``, ``wellformed``) and the standard library (no torch, nothing of the
engine; numpy only inside ``spectral`` and ``paths``, optionally).  Every trusted computation is exact integer or
rational arithmetic (the kept paths' sums in int64 under a proven overflow bound, verify/kernel/paths.py P3), or,
for spectral norms, floats with a proven a-priori rounding bound (verify/kernel/spectral.py).

Input first has to be **well-formed** (verify/kernel/wellformed.py: strict JSON matching certs/schema.json exactly,
within the size limits below); anything else is ``Unusable`` (exit 2).  A well-formed certificate is VALID iff
facts 1–9 hold (certs/FORMAT.md, "When a certificate is valid"; 8 only for a claim with a float32 block, 9 only
with a telescope block, checked between 6 and 7); the first that fails raises ``Invalid`` tagged with its number
(exit 1).  One function per fact:

  1. ``_claim``: claim.eps > 0, and the domain D is sound: a ball has radius > 0 and reach ≥ radius, a box has
     lo ≤ hi and reach² ≥ Σ max(lo_j², hi_j²) (exactly), so ‖x‖₂ ≤ reach on D (docs/affine.md §4);
  2. ``_model``: SHA-256 of the model bytes equals model.sha256, and the function those same bytes compute
     (verify/kernel/modelfile.py, "what F is") has the modules, weight keys, bias keys, shapes, strides and
     paddings model lists; model.input_shape fits the chain (verify/kernel/conv.py ``walk``, docs/conv.md §1);
  3. ``_structure``: G's widths (k·n + c hidden channels per pair) and parameter count (weights and biases) follow
     from k, the bias block c and the layer shapes; a box has C·H·W coordinates; one exponent per hidden channel;
  4. ``_kept_edges``: every mask has its G layer's shape and kept counts; in each odd layer every hidden neuron
     keeps at most one input edge, keeps its bias only when it keeps no input edge and the bias is positive (a
     constant neuron), and even layers keep edges exactly from the hidden neurons that kept an edge or a bias;
  5. ``_layer_rows``: for every target layer i, with E⁺, E⁻ the gadget errors over its kernel matrix and e the
     bias error at every output position, computed exactly from weights and biases regenerated from the seed and
     mapped back to F's units (D = diag(2^s)), and M the convolution's multiplicity (1 for a Linear):
     η_i ≥ √M‖[E⁺ E⁻]‖ (i = 1, unless D is a non-negative box) or √M‖E⁺‖, ω_i ≥ √M‖W_i‖, in the row's norm
     (Frobenius decided exactly, spectral by verify/kernel/spectral.py: may refuse, never wrongly accept),
     β_i ≥ ‖e‖₂ and ν_i ≥ √(H'W')‖b_i‖₂ (exactly; docs/conv.md §4–§5);
  6. ``_composition``: δ_i ≥ η_i ρ_{i−1} + β_i + ω_i δ_{i−1} and ρ_i ≥ (ω_i + η_i) ρ_{i−1} + ν_i + β_i from the
     stored previous values (δ_0 = 0, ρ_0 = reach) — valid because both recurrences are monotone in every argument;
  9. ``_telescope`` (only with a ``telescope`` block; Linear layers, or 1 × 1 convolutions of 1 × 1 images):
     each err_sup S_i ≥ sup_D ‖r_i‖ for G̃'s layer error r_i = E_i f_i + e_i, over the reach box of G̃'s features
     (verify/kernel/reach.py, exactly) or as η_i ρ_{i−1} + β_i, and telescope.bound ≥ Σ_i S_i ω_{i+1} ⋯ ω_L
     (docs/tighter.md §5);
  7. ``_verdict``: claim.bound ≥ δ_L (or ≥ telescope.bound when fact 9 proved it), and the verdict is
     "certified" exactly when claim.bound ≤ claim.eps (or, when claim.float32.verdict_bound names it,
     claim.float32.bound_float32 ≤ claim.eps);
  8. ``_float32`` (only when the claim has a ``float32`` block): its hints follow (verify/kernel/floatbound.py,
     docs/float32.md §7).
Then sup_{x ∈ D} ‖G̃(x) − F(x)‖₂ ≤ claim.bound in exact real arithmetic of the stored weights and biases
(docs/affine.md §5, docs/conv.md §6; the lemmas are proved in proofs/), and with fact 8 ‖fl(G̃)(x) − F(x)‖₂ ≤
bound_float32 for binary32 inputs x ∈ D (docs/float32.md §7).

Limits (each refused with exit 2 before the work it bounds): certificate file ``MAX_CERT_BYTES``, model file
``modelfile.MAX_MODEL_BYTES``, target weights ``MAX_TARGET_WEIGHTS``, G parameters ``MAX_G_PARAMETERS`` (and
every G dimension < 2^32, the generator's index range), kept weights and biases ``MAX_KEPT``, the exact layer
matrices ``MAX_EXACT_BITS`` (entries × bits per entry, from the exponents and the weights' binary exponents), JSON
values ``wellformed.MAX_JSON_VALUES``, the spectral test's work ``MAX_SPECTRAL_WORK`` and fact 9's box bounds
``reach.MAX_BOX_BITS``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import sys
from fractions import Fraction
from pathlib import Path

from verify.kernel import conv, floatbound, io, modelfile, paths, reach, rng
from verify.kernel.networks import exact_networks
from verify.kernel.spectral import at_least_root, spectral_bound_holds
from verify.kernel.verdict import Checked, Domain, domain_text, verdict_line
from verify.kernel.wellformed import Unusable, load_json, read_file, well_formed

__all__ = ["Invalid", "Unusable", "Checked", "check_certificate", "check_files", "exact_networks", "main",
           "domain_text", "verdict_line",
           "MAX_CERT_BYTES", "MAX_TARGET_WEIGHTS", "MAX_G_PARAMETERS", "MAX_KEPT", "MAX_EXACT_BITS",
           "MAX_SPECTRAL_WORK"]

MAX_CERT_BYTES = 1 << 28           # 256 MiB of JSON
MAX_TARGET_WEIGHTS = 1 << 24       # 16.8 M weights and biases of F (784-1024-1024-10 has 1.9 M)
MAX_G_PARAMETERS = 1 << 32         # G's masks then inflate to at most 512 MiB
MAX_KEPT = 50_000_000              # kept weights and biases of G (a 784-256-256-10 certificate keeps 4.4 M)
MAX_EXACT_BITS = 1 << 34           # 2 GiB of exact integers for the largest layer's matrices
MAX_SPECTRAL_WORK = 1 << 33        # Σ min(m, n)²·max(m, n) over spectral rows (1024 × 1568 is 2^30.6: ~1 s with
#                                    numpy's BLAS, ~1 min on the stdlib path)
MAX_TENSOR_VALUES = 1 << 24        # values of F's input and of every layer's output tensor
MAX_GEOMETRY_STEPS = 1 << 24       # Σ over layers of H + W + H' + W' (and 1/4 of it: output channels × border patterns)


class Invalid(Exception):
    """A well-formed certificate whose claim does not follow; ``fact`` is the failing fact's number (exit 1)."""

    def __init__(self, fact: int, message: str) -> None:
        super().__init__(f"[fact {fact}] {message}")
        self.fact = fact


# --- facts 1-7 (exit 1) --------------------------------------------------------------------------------------

def _claim(cert: dict) -> tuple[Fraction, Fraction, Domain]:
    """Fact 1: (eps, bound, D), eps > 0 and D's reach bounds ‖x‖₂ on D."""
    claim, d = cert["claim"], cert["claim"]["domain"]
    eps, bound, reach = io.parse_decimal(claim["eps"]), io.parse_decimal(claim["bound"]), io.parse_decimal(d["reach"])
    if eps <= 0:
        raise Invalid(1, "claim.eps must be positive")
    if d["kind"] == "ball":
        radius = io.parse_decimal(d["radius"])
        if radius <= 0 or reach < radius:
            raise Invalid(1, "claim.domain: a ball needs radius > 0 and reach >= radius")
        return eps, bound, Domain("ball", reach, radius=radius, text=(d["radius"],))
    lo, hi = tuple(map(io.parse_signed, d["lo"])), tuple(map(io.parse_signed, d["hi"]))
    if len(lo) != len(hi) or any(a > b for a, b in zip(lo, hi, strict=True)):
        raise Invalid(1, "claim.domain: a box needs as many lo as hi bounds and lo <= hi in every coordinate")
    if reach * reach < sum(max(a * a, b * b) for a, b in zip(lo, hi, strict=True)):
        raise Invalid(1, "claim.domain.reach is below the largest norm of a point of the box")
    return eps, bound, Domain("box", reach, lo=lo, hi=hi, text=(tuple(d["lo"]), tuple(d["hi"])))


def _model(cert: dict, data: bytes) -> tuple[list[modelfile.Layer], list[conv.Geometry]]:
    """Fact 2: F's affine layers (exact binary64 weights and biases), read from the same bytes that were hashed,
    and their geometry from model.input_shape (docs/conv.md §1)."""
    model = cert["model"]
    if hashlib.sha256(data).hexdigest() != model["sha256"]:
        raise Invalid(2, "model.sha256 does not match the model file")
    try:
        chain = modelfile.read_chain(data)
    except modelfile.ModelFileError as e:
        raise Unusable(f"model file: {e}") from None
    if chain.kind != model["format"]:
        raise Invalid(2, f"model.format is {model['format']!r} but the file is {chain.kind!r}")
    if list(chain.modules) != model["modules"]:
        raise Invalid(2, f"model.modules are not the file's modules in the order F applies them "
                         f"({list(chain.modules)[:6]}...)")
    keys = [[spec["key"], spec["bias_key"]] for spec in model["layers"]]
    found = [[layer.weight_key, layer.bias_key] for layer in chain.layers]
    if found != keys:
        raise Invalid(2, f"model.layers keys {keys[:3]}... are not the file's layers (weight and bias keys) "
                         f"in the order F applies them ({found[:3]}...)")
    if sum(len(x.weight) * (len(x.weight[0]) + 1) for x in chain.layers) > MAX_TARGET_WEIGHTS:
        raise Unusable(f"model too large to check (more than {MAX_TARGET_WEIGHTS} weights and biases)")
    for i, (layer, spec) in enumerate(zip(chain.layers, model["layers"], strict=True)):
        if [spec["shape"], spec["stride"], spec["padding"]] != [list(layer.shape), list(layer.stride),
                                                                list(layer.padding)]:
            raise Invalid(2, f"model.layers[{i}]: shape, stride or padding is not the file's "
                             f"({list(layer.shape)}, {list(layer.stride)}, {list(layer.padding)})")
    if math.prod(model["input_shape"]) > MAX_TENSOR_VALUES or max(model["input_shape"]) > MAX_TENSOR_VALUES:
        raise Unusable(f"model.input_shape has more than {MAX_TENSOR_VALUES} values")
    try:
        geometry = conv.walk(model["input_shape"], chain.modules,
                             [(x.shape, x.stride, x.padding) for x in chain.layers])
    except conv.GeometryError as e:
        raise Invalid(2, f"model.input_shape {model['input_shape']} does not fit F: {e}") from None
    if max(g.c_out * g.pixels for g in geometry) > MAX_TENSOR_VALUES:
        raise Unusable(f"a layer of F outputs more than {MAX_TENSOR_VALUES} values")
    if sum(map(conv.work, geometry)) > MAX_GEOMETRY_STEPS or sum(
            g.c_out * conv.rectangles(g) for g in geometry) > MAX_GEOMETRY_STEPS // 4:
        raise Unusable(f"F's image sizes or border patterns are too many to check (limit {MAX_GEOMETRY_STEPS} "
                       "steps)")
    return list(chain.layers), geometry


def _structure(cert: dict, geometry: list[conv.Geometry], domain: Domain) -> tuple[int, int, int, list[list[int]]]:
    """Fact 3 and the size limits: (seed, k, c, exponents with s_0 = s_L = 0).  Layer i's G pair has k·n + c
    channels (neurons) between n inputs and m outputs, and A kernel positions (docs/conv.md §2)."""
    rn = cert["random_network"]
    seed, k, c = rn["seed"], rn["width_factor"], rn["bias_block"]
    widths = [geometry[0].c_in]
    for g in geometry:
        widths += [k * g.c_in + c, g.c_out]
    if rn["widths"] != widths:
        raise Invalid(3, f"random_network.widths must be {widths[:7]}{'...' if len(widths) > 7 else ''}")
    params = sum((k * g.c_in + c) * (g.c_in + 1) + g.c_out * ((k * g.c_in + c) * g.positions + 1) for g in geometry)
    if rn["parameters"] != params:
        raise Invalid(3, "random_network.parameters does not match the widths (weights and biases)")
    if params > MAX_G_PARAMETERS or max((k * g.c_in + c) * g.positions for g in geometry) >= 2**32:
        raise Unusable(f"random network too large to check ({params} parameters; limit {MAX_G_PARAMETERS}, "
                       "and every G layer's columns below 2^32)")
    d = math.prod(cert["model"]["input_shape"])
    if domain.kind == "box" and len(domain.lo) != d:
        raise Invalid(3, f"claim.domain: the box has {len(domain.lo)} coordinates, F has {d} inputs")
    exps = cert["rescaling"]["neuron_exponents"]
    if len(exps) != len(geometry) - 1 or any(len(s) != geometry[i].c_out for i, s in enumerate(exps)):
        raise Invalid(3, f"rescaling.neuron_exponents must list one integer per hidden channel or neuron "
                         f"{widths[2:-1:2]}")
    return seed, k, c, [[0] * geometry[0].c_in, *exps, [0] * geometry[-1].c_out]


def _dyadic(w: float) -> tuple[int, int]:
    """w as (numerator, b) with value numerator / 2^b, exactly (a float's denominator is a power of two)."""
    num, den = w.as_integer_ratio()
    return num, den.bit_length() - 1


def _scales(ratios: list, biases: list, exps: list[list[int]]) -> list[int]:
    """K_i per layer: fact 5's matrices and vectors are integers in units of 2^-K_i (every W, b, 2^t·P' and
    2^-s·C' is one: the bias acts as a weight on a constant input of exponent 0)."""
    return [max(48 + max(exps[i + 1]) - min(0, *exps[i]), max(b for row in rows for _, b in row),
                max((b for _, b in biases[i]), default=0))
            for i, rows in enumerate(ratios)]


def _exact_budget(ratios: list, scales: list[int], exps: list[list[int]], nonneg: bool, tele: bool) -> None:
    """Unusable if some layer's exact matrices would exceed MAX_EXACT_BITS (checked before decoding masks): E and W,
    and with a telescope block (``tele``) Ŵ as well.

    Entries are below 2^(K + 1100 + spread) in units of 2^-K: |W| < 2^1024, and a kept path's P' (at most 2^48
    units of 2^-48 per product, fewer than 2^50 products) is shifted up by K − 48 + s_in[c] − s_out[r] ≤
    K − 48 + spread, spread = max(0, max s_in − min s_out) (the constants' shift K − 48 − s_out[r] likewise)."""
    for i, (rows, K) in enumerate(zip(ratios, scales, strict=True)):
        both = i == 0 and not nonneg
        bits = len(rows) * (len(rows[0]) + 1) * (3 + 2 * tele if both else 2 + tele) * _entry_bits(K, exps, i)
        if bits > MAX_EXACT_BITS:
            raise Unusable(f"layer {i + 1}'s exact matrices would need {bits} bits (limit {MAX_EXACT_BITS})")


def _entry_bits(K: int, exps: list[list[int]], i: int) -> int:
    """An upper bound on the bits of one entry of layer i's exact matrices (``_exact_budget``)."""
    return K + 1100 + max(0, max(exps[i]) - min(exps[i + 1]), -min(exps[i + 1]))


def _decode(entry: dict, layer: int, shape: list[int], bias: bool):
    """The kept positions of one mask (flat row·cols + col, increasing; verify/kernel/paths.py ``decode``)."""
    data, kept = (entry["bias_data"], entry["bias_kept"]) if bias else (entry["data"], entry["kept"])
    what = f"mask[{layer - 1}].{'bias_' if bias else ''}"
    try:
        bits = paths.decode(data, shape[0], 1 if bias else shape[1], kept)
    except io.MaskError as e:
        raise Invalid(4, f"{what}data: {e}") from None
    if kept != len(bits):
        raise Invalid(4, f"{what}kept does not match the mask")
    return bits


def _kept_edges(cert: dict, geometry: list[conv.Geometry], k: int, c: int, seed: int) -> tuple[list[paths.Kept], int]:
    """Fact 4: decode masks; per target layer a ``paths.Kept`` (src {h: j}, const {h}, out_bias {r} and the kept
    positions of layer 2i + 2) and the kept count (weights and biases).  Column col = h·A + q of layer 2i + 2 is
    channel h at kernel position q."""
    masks = cert["mask"]
    if len(masks) != 2 * len(geometry):
        raise Invalid(4, f"mask must list {2 * len(geometry)} G layers")
    if sum(m["kept"] + m["bias_kept"] for m in masks) > MAX_KEPT:
        raise Unusable(f"too many kept weights and biases to check (limit {MAX_KEPT})")
    out, kept = [], 0
    for i, g in enumerate(geometry):
        n, m, A = g.c_in, g.c_out, g.positions
        parts = []
        for layer, shape in ((2 * i + 1, [k * n + c, n]), (2 * i + 2, [m, (k * n + c) * A])):
            entry = masks[layer - 1]
            if entry["layer"] != layer or entry["shape"] != shape:
                raise Invalid(4, f"mask[{layer - 1}] must describe G layer {layer} of shape {shape}")
            parts.append((_decode(entry, layer, shape, False), paths.ints(_decode(entry, layer, shape, True))))
            kept += len(parts[-1][0]) + len(parts[-1][1])
        (odd, odd_bias), (even, out_bias) = parts
        src: dict[int, int] = {}
        for h, j in (divmod(p, n) for p in paths.ints(odd)):
            if h in src:
                raise Invalid(4, f"G layer {2 * i + 1}: hidden neuron {h} keeps more than one input edge")
            src[h] = j
        for h in odd_bias:
            if h in src or rng.bias_int(seed, 2 * i + 1, h) <= 0:
                raise Invalid(4, f"G layer {2 * i + 1}: hidden neuron {h} keeps its bias but also an input edge, "
                                 "or its bias is not positive (only constant neurons may keep a bias)")
        pair = paths.Kept(src, frozenset(odd_bias), frozenset(out_bias), even, (k * n + c) * A, A)
        dead, unfed = paths.feeds(pair, set(src) | pair.const)
        if dead is not None:
            raise Invalid(4, f"G layer {2 * i + 2}: kept edge {dead} from a hidden neuron with no input edge and "
                             "no bias")
        if unfed:
            raise Invalid(4, f"G layer {2 * i + 1}: hidden neuron {min(unfed)} keeps an input edge or bias but no "
                             "output edge")
        out.append(pair)
    return out, kept


def _layer_matrices(ratios: list, K: int, exps: tuple, sums: paths.Sums, g: conv.Geometry,
                    both: bool) -> tuple[list[list[int]], list[list[int]], list[tuple[int, list[int]]]]:
    """Fact 5's matrices, exactly, as integer rows in units of 2^-K: the gadget error in F's own units
    E = D_i⁻¹ E' D_{i−1} ([E⁺ E⁻], m × 2nA, when ``both`` signs of input occur; E⁺ when the inputs are ≥ 0: ReLU
    outputs, or a non-negative box), W (the unscaled kernel matrix), and per output r the constants it kept, in
    units of 2^-48 before mapping back: (its own kept bias, [Σ v·β over constant channels at kernel position q])
    (docs/affine.md §2–§4, docs/conv.md §2–§5).

    G̃ approximates W' = D_i W D_{i−1}⁻¹ (D = diag(2^s)); its kept products sum to P' (resp. N'): edge (r, hA + q)
    with src[h] = j adds v·u_h to column jA + q (``sums``, verify/kernel/paths.py), so E[r, col] = P'[r, col]·2^t −
    W[r, col] with t = s_in[col // group] − s_out[r].  Regenerated weights and biases are integers in units of
    2^-24, so P' and the constants are integers in units of 2^-48 (verify/kernel/rng.py), and W = num / 2^b
    exactly."""
    s_out, s_in = exps
    e_rows, w_rows, consts = [], [], []
    for r, row in enumerate(ratios):
        w_row = [num << (K - b) for num, b in row]
        up = [K - 48 + s_in[c // g.group] - s_out[r] for c in range(len(row))]   # ≥ 0 by the choice of K
        e_row = [(x << t) - wv for x, t, wv in zip(sums.pos[r], up, w_row, strict=True)]
        if both:
            e_row += [wv - (x << t) for x, t, wv in zip(sums.neg[r], up, w_row, strict=True)]
        e_rows.append(e_row)
        w_rows.append(w_row)
        consts.append((sums.own[r] << 24, sums.at_q[r]))
    return e_rows, w_rows, consts


def _bias_error_sq(consts: list[tuple[int, list[int]]], b_units: list[int], K: int, s_out: list[int],
                   g: conv.Geometry) -> int:
    """Σ e[r, p]² over every output r and position p, in units of 2^-2K (docs/conv.md §5): at p, output r's constants
    are its kept bias plus the Σ v·β of the kernel positions inside the image there (a rectangle of kernel rows
    and columns, summed with a prefix table), mapped back by 2^(−s_out[r]), minus its target bias."""
    total = 0
    spots = conv.inside(g)
    for r, ((own, at_q), bv) in enumerate(zip(consts, b_units, strict=True)):
        pre = [[0] * (g.kw + 1) for _ in range(g.kh + 1)]   # pre[a][e] = Σ at_q over rows < a, columns < e
        for a in range(g.kh):
            for e in range(g.kw):
                pre[a + 1][e + 1] = pre[a][e + 1] + pre[a + 1][e] - pre[a][e] + at_q[a * g.kw + e]
        for (a0, a1), (e0, e1), count in spots:
            part = 0 if a0 > a1 or e0 > e1 else pre[a1 + 1][e1 + 1] - pre[a0][e1 + 1] - pre[a1 + 1][e0] + pre[a0][e0]
            total += count * (((own + part) << (K - 48 - s_out[r])) - bv) ** 2
    return total


def _norm_at_most(rows: list[list[int]], K: int, bound: Fraction, norm: str, g: conv.Geometry) -> bool:
    """The operator norm of the convolution with kernel matrix rows / 2^K is ≤ bound (docs/conv.md §4): for a
    "unrolled" row, its dense matrix on the image (``conv.unroll``; the columns of [E⁺ E⁻] are 2·c_in channels)
    passes the verified Cholesky test; otherwise √M·‖rows / 2^K‖ ≤ bound, decided exactly (Frobenius:
    M·Σx² ≤ bound²·4^K, which also settles a spectral row, ‖·‖₂ ≤ ‖·‖_F) or else, for a spectral row, by the
    verified Cholesky test against bound / (a rational ≥ √M), M = g.mult."""
    if at_least_root(bound, g.mult * sum(x * x for row in rows for x in row), K):
        return True   # √M‖·‖_F bounds every norm above (docs/conv.md §4), the unrolled operator's too
    if norm == "unrolled":
        channels = len(rows[0]) // g.positions
        rows = conv.unroll(rows, conv.Geometry(channels, g.h, g.w, g.kh, g.kw, g.stride, g.padding, g.c_out, g.ho,
                                               g.wo, g.group))
        return spectral_bound_holds(rows, K, bound)
    return norm == "spectral" and spectral_bound_holds(rows, K, bound / reach.sqrt_up(g.mult, 32))


def _spectral_size(norm: str, w: list, g: conv.Geometry, both: bool) -> tuple[int, int]:
    """The shape of the matrix a spectral or unrolled row's Cholesky test works on (the larger of η's and ω's)."""
    if norm == "unrolled":
        return g.c_out * g.pixels, len(w[0]) // g.positions * (2 if both else 1) * g.h * g.w
    return len(w), len(w[0]) * (2 if both else 1)


def _layer_rows(cert: dict, layers: list, scales: list[int], exps: list, seed: int, pruned: list[paths.Kept],
                nonneg: bool, tracker: reach.Tracker | None) -> tuple[list[tuple[Fraction, ...]], list, list]:
    """Fact 5: (η_i, ω_i, β_i, ν_i) per layer, each proven to bound its operator's or tensor's norm: η_i and ω_i
    with the factor √M_i of docs/conv.md §4, β_i over every output position, ν_i ≥ ‖b_i‖₂·√(H'W'); with a
    ``tracker`` (fact 9, Linear layers only), each layer's Σ_r s_r² over G̃'s reach box (verify/kernel/reach.py);
    and, for fact 8 when the claim has a float32 block, each layer's ``paths.Sums`` without P' and N' (one layer's
    dense P' and N' are alive at a time)."""
    rows, (ratios, biases, geometry) = cert["layers"], layers
    if len(rows) != len(ratios):
        raise Invalid(5, f"layers must have {len(ratios)} rows")
    work = sum(min(m, n) ** 2 * max(m, n) for i, (row, w, g) in enumerate(zip(rows, ratios, geometry, strict=True))
               if row["norm"] != "frobenius" for m, n in [_spectral_size(row["norm"], w, g, i == 0 and not nonneg)])
    if work > MAX_SPECTRAL_WORK:
        raise Unusable(f"spectral rows too large to check ({work} > {MAX_SPECTRAL_WORK} floating-point steps); "
                       "certify with --norm frobenius")
    for i, (row, w, g, K) in enumerate(zip(rows, ratios, geometry, scales, strict=True)):
        m, n = _spectral_size(row["norm"], w, g, i == 0 and not nonneg)
        if row["norm"] == "unrolled" and m * n * _entry_bits(K, exps, i) > MAX_EXACT_BITS:
            raise Unusable(f"layers[{i}]: the unrolled {m} x {n} matrix would exceed {MAX_EXACT_BITS} bits")
    out, sups, kept_sums = [], [], []
    for i, (K, row, g) in enumerate(zip(scales, rows, geometry, strict=True)):
        eta, omega, beta, nu = (io.parse_decimal(row[key]) for key in ("eta", "omega", "beta", "bias_norm"))
        both = i == 0 and not nonneg   # otherwise the inputs are ≥ 0: σ(−z) = 0 and only E⁺ acts
        sums = paths.sums(seed, i, pruned[i], g.c_out, g.c_in)
        if "float32" in cert["claim"]:
            kept_sums.append(dataclasses.replace(sums, pos=None, neg=None))
        e_rows, w_rows, consts = _layer_matrices(ratios[i], K, (exps[i + 1], exps[i]), sums, g, both)
        del sums
        b_units = [num << (K - b) for num, b in biases[i]]
        if not _norm_at_most(e_rows, K, eta, row["norm"], g):
            raise Invalid(5, f"layers[{i}].eta is below the gadget error's {row['norm']} norm (or not provably above "
                             "it)")
        if not _norm_at_most(w_rows, K, omega, row["norm"], g):
            raise Invalid(5, f"layers[{i}].omega is below the weight matrix's {row['norm']} norm (or not provably "
                             "above it)")
        if not at_least_root(beta, _bias_error_sq(consts, b_units, K, exps[i + 1], g), K):
            raise Invalid(5, f"layers[{i}].beta is below the bias error's l2 norm")
        if not at_least_root(nu, g.pixels * sum(bv * bv for bv in b_units), K):
            raise Invalid(5, f"layers[{i}].bias_norm is below the l2 norm of the layer's bias")
        out.append((eta, omega, beta, nu))
        if tracker is not None:   # a Linear layer: b̂ = its kept constants mapped back, e = b̂ − b
            b_hat = [(own + at_q[0]) << (K - 48 - s) for (own, at_q), s in zip(consts, exps[i + 1],
                                                                                          strict=True)]
            sups.append(tracker.layer(e_rows, reach.hat_rows(w_rows, e_rows, both), [
                bh - bv for bh, bv in zip(b_hat, b_units, strict=True)], b_hat, K))
    return out, sups, kept_sums


def _composition(cert: dict, rows: list[tuple[Fraction, ...]], reach_0: Fraction) -> Fraction:
    """Fact 6: the stored δ_i, ρ_i dominate the recurrences; returns δ_L."""
    delta, rho = Fraction(0), reach_0
    for i, ((eta, omega, beta, nu), row) in enumerate(zip(rows, cert["layers"], strict=True)):
        new_delta, new_rho = io.parse_decimal(row["delta"]), io.parse_decimal(row["rho"])
        if new_delta < eta * rho + beta + omega * delta:
            raise Invalid(6, f"layers[{i}].delta is below eta*rho_prev + beta + omega*delta_prev")
        if new_rho < (omega + eta) * rho + nu + beta:
            raise Invalid(6, f"layers[{i}].rho is below (omega + eta)*rho_prev + bias_norm + beta")
        delta, rho = new_delta, new_rho
    return delta


def _telescope(cert: dict, rows: list[tuple[Fraction, ...]], sups: list[Fraction] | None,
               reach_0: Fraction) -> Fraction | None:
    """Fact 9 (only with a ``telescope`` block): every err_sup S_i bounds sup_D ‖r_i‖, either over G̃'s reach box
    (S_i² ≥ Σ_r s_r², verify/kernel/reach.py) or as η_i ρ_{i−1} + β_i from the stored ρ (fact 6), and the stored
    bound is ≥ Σ_i S_i ω_{i+1} ⋯ ω_L (docs/tighter.md §5, Lemma 5); returns that stored bound."""
    block = cert.get("telescope")
    if block is None:
        return None
    if sups is None:
        raise Invalid(9, "telescope: the reach-box bound covers networks of Linear layers only (a convolution's "
                         "kernel, input and output must be 1 x 1)")
    if len(block["err_sup"]) != len(rows):
        raise Invalid(9, f"telescope.err_sup must list {len(rows)} layers")
    total, rho = Fraction(0), reach_0
    for i, ((eta, omega, beta, _), text, sq, row) in enumerate(zip(rows, block["err_sup"], sups, cert["layers"],
                                                                   strict=True)):
        s = io.parse_decimal(text)
        if s * s < sq and s < eta * rho + beta:
            raise Invalid(9, f"telescope.err_sup[{i}] is below the layer's error over G~'s reach box "
                             "and below eta*rho_prev + beta")
        total, rho = total * omega + s, io.parse_decimal(row["rho"])
    if io.parse_decimal(block["bound"]) < total:
        raise Invalid(9, "telescope.bound is below sum_i err_sup_i * omega_{i+1} * ... * omega_L")
    return io.parse_decimal(block["bound"])


def _verdict(cert: dict, eps: Fraction, bound: Fraction, delta: Fraction) -> None:
    """Fact 7: bound ≥ δ_L (``delta``: with a telescope block the smaller of δ_L and its bound, fact 9) and the
    verdict says whether the bound it names (claim.bound, or bound_float32 when claim.float32.verdict_bound says
    so; fact 8 proves that one) is ≤ eps."""
    if bound < delta:
        raise Invalid(7, "claim.bound is below the composed bound delta_L (and the telescoped bound, if any)")
    block = cert["claim"].get("float32")
    named = io.parse_decimal(block["bound_float32"]) if block and block["verdict_bound"] == "bound_float32" else bound
    verdict = "certified" if named <= eps else "not-certified"
    if cert["verdict"] != verdict:
        raise Invalid(7, f"verdict must be {verdict!r} for this bound and eps")


def _float32(cert: dict, net: floatbound.Network) -> Fraction | None:
    """Fact 8: the claim's float32 block, if any, follows (docs/float32.md §7); returns bound_float32."""
    block = cert["claim"].get("float32")
    if block is None:
        return None
    try:
        return floatbound.check_float32(block, net)
    except floatbound.FloatBoundError as e:
        raise Invalid(8, str(e)) from None


def check_certificate(cert: object, model: bytes | Path) -> Checked:
    """Well-formedness, then facts 1–7 of the module docstring.  Raises Unusable or Invalid (the first failure).

    ``model`` is the model file's bytes (or a path, read once: the bytes hashed are the bytes parsed)."""
    data = model if isinstance(model, bytes) else read_file(Path(model), modelfile.MAX_MODEL_BYTES, "model file")
    cert = well_formed(cert)
    eps, bound, domain = _claim(cert)
    layers, geometry = _model(cert, data)
    weights = [x.weight for x in layers]
    biases = [x.bias if x.bias is not None else [0.0] * len(x.weight) for x in layers]
    seed, k, c, exps = _structure(cert, geometry, domain)
    ratios = [[[_dyadic(x) for x in row] for row in w] for w in weights]
    b_ratios = [[_dyadic(x) for x in b] for b in biases]
    scales = _scales(ratios, b_ratios, exps)
    _exact_budget(ratios, scales, exps, domain.non_negative, "telescope" in cert)   # before decoding any mask
    pruned, kept = _kept_edges(cert, geometry, k, c, seed)
    dense = all(g.positions == g.pixels == g.h * g.w == 1 for g in geometry)
    tracker = None if "telescope" not in cert or not dense else (
        reach.Tracker.for_ball(domain.radius) if domain.kind == "ball" else
        reach.Tracker.for_box(list(domain.lo), list(domain.hi), not domain.non_negative))
    rows, sups, sums = _layer_rows(cert, (ratios, b_ratios, geometry), scales, exps, seed, pruned,
                                   domain.non_negative, tracker)
    delta = _composition(cert, rows, domain.reach)
    tele = _telescope(cert, rows, sups if tracker is not None else None, domain.reach)
    _verdict(cert, eps, bound, delta if tele is None else min(delta, tele))
    stored = [[io.parse_decimal(row[key]) for row in cert["layers"]] for key in ("delta", "rho")]
    bound32 = _float32(cert, floatbound.Network(rows, *stored, domain.reach, bound, seed, k, c, scales, exps, geometry,
                                                sums, ratios, b_ratios))
    block = cert["claim"].get("float32") or {"covers": "", "verdict_bound": ""}
    return Checked(bound, eps, domain, len(layers), kept, seed, weights, biases, pruned, geometry, bound32,
                   block["covers"], block["verdict_bound"] == "bound_float32")


def check_files(cert_path: Path, model_path: Path) -> Checked:
    """Read both files (each once, within its size limit) and check; Unusable or Invalid on failure."""
    cert = load_json(read_file(Path(cert_path), MAX_CERT_BYTES, "certificate"), f"certificate {cert_path}")
    return check_certificate(cert, read_file(Path(model_path), modelfile.MAX_MODEL_BYTES, "model file"))


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
