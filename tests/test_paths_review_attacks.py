"""Adversarial review of verify/kernel/paths.py (commit 4e6862b): the masks decoded once per target layer (fact 4)
and the kept paths summed once (facts 5 and 8), on the numpy path and on the stdlib path (SLT_VERIFY_PATHS=stdlib).

Every attack runs the checker (or the paths function it targets) on both paths and asserts the same outcome: the
same Checked, or the same exception, fact number and message.  Certificates are changed by rewriting raw mask bits
(read with tests/independent.py, written here with int.to_bytes, never with verify.kernel.io) or are built from
scratch for hand-written safetensors models (``_build``).  The old floatbound._pair_stats and check._layer_matrices
(commit c5f139c) are copied here and compared with the new ones on random layers, convolutions included.

The review's findings are the tests whose docstrings say "Review finding (fixed)".
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import tracemalloc
import zlib
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from independent import mask_bits

from verify.kernel import check, conv, floatbound, io, paths, rng

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "certs" / "examples"
MODELS = {"tiny": "tiny.safetensors", "tiny-bias": "tiny-bias.safetensors", "tiny-cnn": "tiny-cnn.pt"}


# --- helpers --------------------------------------------------------------------------------------------------------

def _encode(total: int, positions) -> str:
    """A mask's data from its flat positions (LSB first within each byte, certs/FORMAT.md), without verify.kernel.io;
    positions may lie in the last byte's padding (≥ total)."""
    value = 0
    for p in positions:
        value |= 1 << p
    return base64.b64encode(zlib.compress(value.to_bytes((total + 7) // 8, "little"), 9)).decode("ascii")


def _example(name: str) -> tuple[dict, bytes]:
    return json.loads((EXAMPLES / f"{name}.cert.json").read_text()), (EXAMPLES / MODELS[name]).read_bytes()


def _outcome(cert: dict, model: bytes):
    """What the checker says: ("ok", bound, float32 bound, kept, pruned paths) or (exception type, fact, message)."""
    try:
        ok = check.check_certificate(copy.deepcopy(cert), model)
    except (check.Invalid, check.Unusable) as e:
        return type(e).__name__, getattr(e, "fact", None), str(e)
    return "ok", ok.bound, ok.float32, ok.kept, [(p.src, p.const, p.out_bias, p.edges()) for p in ok.pruned]


def _both(cert: dict, model: bytes, monkeypatch) -> tuple:
    """The checker's outcome on the numpy path and on the stdlib path; asserts they are the same and returns it."""
    seen = []
    for env in ("numpy", "stdlib"):
        monkeypatch.setenv(paths.PATH_ENV, env)
        seen.append(_outcome(cert, model))
    monkeypatch.delenv(paths.PATH_ENV)
    assert seen[0] == seen[1]
    return seen[0]


def _bits(entry: dict, bias: bool = False) -> tuple[list[int], int]:
    rows, cols = entry["shape"]
    cols = 1 if bias else cols
    return mask_bits(entry["bias_data" if bias else "data"], rows, cols), rows * cols


def _rewrite(entry: dict, positions, bias: bool = False, kept: int | None = None) -> None:
    rows, cols = entry["shape"]
    total = rows * (1 if bias else cols)
    positions = sorted(set(positions))
    entry["bias_data" if bias else "data"] = _encode(total, positions)
    entry["bias_kept" if bias else "kept"] = len(positions) if kept is None else kept


def _safetensors(weights: list, biases: list | None = None) -> bytes:
    """A safetensors file of Linear layers "0", "2", … (a ReLU between), float64."""
    head, blob = {}, b""
    for i, w in enumerate(weights):
        parts = [("weight", [x for row in w for x in row], [len(w), len(w[0])])]
        if biases is not None:
            parts.append(("bias", biases[i], [len(w)]))
        for name, values, shape in parts:
            data = struct.pack(f"<{len(values)}d", *values)
            span = [len(blob), len(blob) + len(data)]
            head[f"{2 * i}.{name}"] = {"dtype": "F64", "shape": shape, "data_offsets": span}
            blob += data
    text = json.dumps(head).encode()
    return struct.pack("<Q", len(text)) + text + blob


def _build(weights: list, k: int, c: int, seed: int, odd: list, even: list, *, odd_bias=None, even_bias=None,
           biases=None, rows=None, domain=None, bound: str = "0.001") -> tuple[dict, bytes]:
    """A format-4 certificate for a Linear chain (no float32 block, no telescope), kept positions given per layer."""
    model = _safetensors(weights, biases)
    cert, _ = _example("tiny")
    del cert["claim"]["float32"]
    cert.pop("telescope", None)
    dims = [(len(w[0]), len(w)) for w in weights]
    cert["claim"]["bound"] = bound
    cert["claim"]["domain"] = domain or {"kind": "ball", "radius": "1", "reach": "1"}
    cert["model"] = {"sha256": hashlib.sha256(model).hexdigest(), "format": "safetensors",
                     "modules": ["Linear"] + ["ReLU", "Linear"] * (len(dims) - 1), "input_shape": [dims[0][0]],
                     "layers": [{"key": f"{2 * i}.weight", "bias_key": None if biases is None else f"{2 * i}.bias",
                                 "shape": [m, n], "stride": [1, 1], "padding": [0, 0]}
                                for i, (n, m) in enumerate(dims)]}
    widths, params = [dims[0][0]], 0
    for n, m in dims:
        widths += [k * n + c, m]
        params += (k * n + c) * (n + 1) + m * (k * n + c + 1)
    cert["random_network"].update(seed=seed, width_factor=k, bias_block=c, widths=widths, parameters=params)
    cert["rescaling"]["neuron_exponents"] = [[0] * m for _, m in dims[:-1]]
    masks = []
    for i, (n, m) in enumerate(dims):
        H = k * n + c
        for layer, shape, pos, bpos in ((2 * i + 1, [H, n], odd[i], (odd_bias or [[]] * len(dims))[i]),
                                        (2 * i + 2, [m, H], even[i], (even_bias or [[]] * len(dims))[i])):
            masks.append({"layer": layer, "shape": shape, "kept": len(pos), "data": _encode(shape[0] * shape[1], pos),
                          "bias_kept": len(bpos), "bias_data": _encode(shape[0], bpos)})
    cert["mask"] = masks
    cert["layers"] = rows or [{"eta": "0", "omega": "0", "beta": "0", "bias_norm": "0", "delta": "0", "rho": "0",
                               "norm": "frobenius"} for _ in dims]
    return cert, model


def _exact_one_path(k: int, seed: int = 7) -> tuple[dict, bytes, Fraction]:
    """A VALID certificate for F(x) = w·x on the box [0, 1] with G of width k: one kept path h0 (u > 0, the last
    such channel), and w = v·u·2^-48 exactly, so E⁺ = 0; returns it with the true sup|G̃ − F| (0)."""
    h0 = next(h for h in range(k - 1, -1, -1) if rng.weight_int(seed, 1, h, 0) > 0)
    prod = rng.weight_int(seed, 2, 0, h0) * rng.weight_int(seed, 1, h0, 0)
    w = prod / 2**48
    assert Fraction(w) == Fraction(prod, 2**48) and abs(w) < 1
    rows = [{"eta": "0", "omega": "1", "beta": "0", "bias_norm": "0", "delta": "0", "rho": "1", "norm": "frobenius"}]
    cert, model = _build([[[w]]], k, 0, seed, [[h0]], [[h0]], rows=rows,
                         domain={"kind": "box", "lo": ["0"], "hi": ["1"], "reach": "1"})
    # exact evaluation: G̃(x) = v·σ(u·x) = v·u·x for x ≥ 0 (u > 0) and F(x) = w·x, so the error is 0 on [0, 1]
    return cert, model, Fraction(0)


# --- fact 4: tampered masks are refused identically on both paths ---------------------------------------------------

def _padding_bit(cert: dict) -> None:
    """A bit in the last byte's padding of the first mask whose shape leaves padding (bits ≥ rows·cols)."""
    for entry in cert["mask"]:
        bits, total = _bits(entry)
        if total % 8:
            entry["data"] = _encode(total, [*bits, total + (7 - total % 8)])
            return
    entry = cert["mask"][-1]   # no padding anywhere (tiny-cnn): a bit in one byte too many (a length error)
    bits, total = _bits(entry)
    entry["data"] = _encode(total + 8, [*bits, total])


def _bias_padding_bit(cert: dict) -> None:
    for entry in cert["mask"]:
        bits, total = _bits(entry, bias=True)
        if total % 8:
            entry["bias_data"] = _encode(total, [*bits, total])
            entry["bias_kept"] = len(bits) + 1   # the count even agrees with the bits set
            return
    raise AssertionError("no bias mask with padding")


def _kept_delta(delta: int, layer: int, bias: bool = False):
    def attack(cert: dict) -> None:
        key = "bias_kept" if bias else "kept"
        cert["mask"][layer][key] = max(0, cert["mask"][layer][key] + delta)
    return attack


def _kept_zero(layer: int):
    def attack(cert: dict) -> None:
        cert["mask"][layer]["kept"] = 0
    return attack


def _second_input_edge(cert: dict) -> None:
    """A hidden neuron of the first odd G layer with two or more inputs keeps a second input edge."""
    entry = next(e for e in cert["mask"][::2] if e["shape"][1] > 1)
    bits, _ = _bits(entry)
    n = entry["shape"][1]
    h, j = divmod(bits[0], n)
    _rewrite(entry, [*bits, h * n + (j + 1) % n])


def _const_and_src(cert: dict) -> None:
    """A hidden neuron of G layer 1 that keeps an input edge also keeps its (positive) bias."""
    entry = cert["mask"][0]
    n = entry["shape"][1]
    seed = cert["random_network"]["seed"]
    live = sorted({p // n for p in _bits(entry)[0]})
    h = next(h for h in live if rng.bias_int(seed, 1, h) > 0)
    _rewrite(entry, [*_bits(entry, bias=True)[0], h], bias=True)


def _negative_const(cert: dict) -> None:
    """An idle hidden neuron with a non-positive bias keeps its bias (and is fed to an output)."""
    entry, seed = cert["mask"][0], cert["random_network"]["seed"]
    H, n = entry["shape"]
    used = {p // n for p in _bits(entry)[0]} | set(_bits(entry, bias=True)[0])
    h = next(h for h in range(H) if h not in used and rng.bias_int(seed, 1, h) <= 0)
    _rewrite(entry, [*_bits(entry, bias=True)[0], h], bias=True)


def _dead_edge(cert: dict) -> None:
    """An output edge of G layer 2 from a hidden neuron that keeps neither an input edge nor a bias."""
    odd, even = cert["mask"][0], cert["mask"][1]
    H, n = odd["shape"]
    A = even["shape"][1] // H
    used = {p // n for p in _bits(odd)[0]} | set(_bits(odd, bias=True)[0])
    h = next(h for h in range(H) if h not in used)
    _rewrite(even, [*_bits(even)[0], (even["shape"][0] - 1) * even["shape"][1] + h * A + A - 1])


def _unfed(cert: dict) -> None:
    """Every output edge of one live hidden neuron of G layer 2 removed."""
    odd, even = cert["mask"][0], cert["mask"][1]
    H, n = odd["shape"]
    A = even["shape"][1] // H
    width = even["shape"][1]
    h = max(p // n for p in _bits(odd)[0])
    _rewrite(even, [p for p in _bits(even)[0] if (p % width) // A != h])


def _last_layer_all_bits(cert: dict) -> None:
    """The last mask keeps every edge of its shape, declaring the true count (only facts ≥ 4's structure fail)."""
    entry = cert["mask"][-1]
    total = entry["shape"][0] * entry["shape"][1]
    _rewrite(entry, range(total))


ATTACKS_4 = {
    "padding bit": _padding_bit,
    "bias padding bit": _bias_padding_bit,
    "kept +1": _kept_delta(1, 1),
    "kept -1": _kept_delta(-1, 1),
    "kept 0": _kept_zero(2),
    "bias_kept +1": _kept_delta(1, 3, bias=True),
    "second input edge": _second_input_edge,
    "const and src": _const_and_src,
    "non-positive const": _negative_const,
    "dead edge": _dead_edge,
    "live but unfed": _unfed,
    "every edge kept": _last_layer_all_bits,
}


@pytest.mark.parametrize("name", ["tiny", "tiny-bias", "tiny-cnn"])
@pytest.mark.parametrize("attack", list(ATTACKS_4))
def test_tampered_masks_are_refused_identically_on_both_paths(name, attack, monkeypatch):
    cert, model = _example(name)
    ATTACKS_4[attack](cert)
    got = _both(cert, model, monkeypatch)
    assert got[0] == "Invalid" and got[1] == 4, got


@pytest.mark.parametrize("name", ["tiny-cnn", "tiny-bias"])
def test_every_edge_moved_to_another_kernel_position_or_row_gives_the_same_verdict_on_both_paths(name, monkeypatch):
    """Each kept edge of G layer 2 moved to the next kernel position (CNN) or the next output row (Linear): whatever
    the checker decides, both paths decide it, and with a changed product the claimed eta no longer holds."""
    base, model = _example(name)
    even = base["mask"][1]
    m, width = even["shape"]
    A = width // base["mask"][0]["shape"][0]
    bits = _bits(even)[0]
    refused = 0
    for t in range(0, len(bits), max(1, len(bits) // 8)):
        cert = copy.deepcopy(base)
        r, col = divmod(bits[t], width)
        h, q = divmod(col, A)
        moved = r * width + h * A + (q + 1) % A if A > 1 else ((r + 1) % m) * width + col
        if moved in bits:
            continue
        _rewrite(cert["mask"][1], [p for p in bits if p != bits[t]] + [moved])
        got = _both(cert, model, monkeypatch)
        refused += got[0] != "ok"
    assert refused > 0


def test_decode_limit_and_shape_errors_at_chunk_boundaries(monkeypatch):
    """P1 with one-byte chunks: the (limit + 1)-th bit first in a new chunk, a bit beyond the shape in the chunk
    where the limit is also exceeded, and bits beyond the shape after the limit: io.set_bits's outcome each time."""
    cases = [
        (16, [0, 7, 8], 2),          # the third bit opens chunk 1
        (12, [0, 1, 13], 2),         # beyond the shape is the third bit: shape error (set_bits checks it first)
        (12, [0, 1, 13], 1),         # the limit is met first: count error
        (12, [0, 1, 2, 13, 14], 2),  # limit + 1-th bit inside the shape: count error
        (9, [8], 0),                 # limit 0, one bit in the last partial byte: count error
        (9, [15], 5),                # a padding bit alone: shape error
        (24, list(range(24)), 24),   # every bit, exactly the limit
    ]
    for chunk in (1, 2, 1 << 22):
        monkeypatch.setattr(paths, "_CHUNK_BYTES", chunk)
        for total, pos, limit in cases:
            raw = zlib.decompress(base64.b64decode(_encode(total, pos)))
            try:
                want = list(io.set_bits(raw, total, limit))
            except io.MaskError as e:
                want = ("error", str(e))
            for env in ("numpy", "stdlib"):
                monkeypatch.setenv(paths.PATH_ENV, env)
                try:
                    got = paths.ints(paths.decode(_encode(total, pos), 1, total, limit))
                except io.MaskError as e:
                    got = ("error", str(e))
                assert got == want, (chunk, total, pos, limit, env)


# --- P3: the 2^15-term guard ----------------------------------------------------------------------------------------

def _many_sources(F: int) -> paths.Kept:
    """n = 1, m = 1, A = 1: F hidden neurons all fed by input 0 and all read by output 0 (F_0 = F)."""
    return paths.Kept({h: 0 for h in range(F)}, frozenset(), frozenset(), list(range(F)), F, 1)


def _many_constants(seed: int, H: int) -> paths.Kept:
    """n = 1, m = 1, A = 1: every hidden neuron with a positive bias is a constant read by output 0."""
    const = [h for h in range(H) if rng.bias_int(seed, 1, h) > 0]
    return paths.Kept({}, frozenset(const), frozenset(), const, H, 1)


@pytest.mark.parametrize("which", ["sources", "constants"])
def test_the_term_guard_is_load_bearing_and_keeps_the_sums_exact(which, monkeypatch):
    """A layer where one entry of mag (resp. at_mag) sums enough same-sign terms to pass 2^63: sums() takes the stdlib
    path and is exact; the numpy path forced past the guard would wrap around (so the guard is what keeps it exact)."""
    monkeypatch.delenv(paths.PATH_ENV, raising=False)
    seed = 3
    kept = _many_sources(5 << 15) if which == "sources" else _many_constants(seed, 10 << 15)
    exact = paths._sums_stdlib(seed, 0, kept, 1, 1)
    big = exact.mag[0][0] if which == "sources" else exact.at_mag[0]
    assert big >= 2**63   # the entry really exceeds int64
    assert paths.sums(seed, 0, kept, 1, 1) == exact
    monkeypatch.setattr(paths, "_MAX_TERMS", 1 << 40)
    forced = paths._sums_numpy(np, seed, 0, kept, 1, 1)
    assert forced != exact   # int64 wrapped: without the guard the numpy path would be wrong


def test_the_guard_counts_per_input_not_per_output():
    """F_j counts the hidden neurons of input j; a single output entry pos[r][j·A + q] cannot receive more terms than
    F_j even when every hidden neuron of input j feeds it at every kernel position (A = 4): each term lands at its own
    q.  Checked against the oracle-free stdlib path with F_0 = 2^15 − 1 (the largest the numpy path accepts)."""
    F, A = (1 << 15) - 1, 4
    flat = [h * A + q for h in range(F) for q in range(A)]
    kept = paths.Kept({h: 0 for h in range(F)}, frozenset(), frozenset(), flat, F * A, A)
    fast = paths._sums_numpy(np, 11, 1, kept, 1, 1)
    assert fast == paths._sums_stdlib(11, 1, kept, 1, 1)


# --- P2: the generator on large arrays at the top of the index range ------------------------------------------------

def test_array_generator_on_large_arrays_of_extreme_indices():
    """The probes use one-element arrays; numpy's vector loops on long arrays are another code path."""
    rnd = random.Random(5)
    top = [0, 1, 2**31 - 1, 2**31, 2**32 - 2, 2**32 - 1]
    idx = [(rnd.choice(top) if rnd.random() < 0.3 else rnd.randrange(2**32), rnd.choice(top)
            if rnd.random() < 0.3 else rnd.randrange(2**32)) for _ in range(20000)]
    rows, cols = (np.array([t[s] for t in idx], np.int64) for s in (0, 1))
    for seed, layer in ((0, 1), (2**32 - 1, 2**32 - 1), (123456789, 2)):
        got = paths._weights(np, seed, layer, rows, cols).tolist()
        assert got == [rng.weight_int(seed, layer, r, c) for r, c in idx]


# --- P4 and the degenerate layers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["empty", "only constants", "only sources"])
def test_degenerate_layers_agree_and_leave_no_numpy_scalars(shape, monkeypatch):
    seed, n, m, A, H = 9, 2, 3, 4, 6
    pos = [h for h in range(H) if rng.bias_int(seed, 1, h) > 0]
    kept = {"empty": paths.Kept({}, frozenset(), frozenset(), np.zeros(0, np.int64), H * A, A),
            "only constants": paths.Kept({}, frozenset(pos), frozenset({0, 2}),
                                         np.array(sorted(r * H * A + h * A + h % A for h in pos for r in range(m))),
                                         H * A, A),
            "only sources": paths.Kept({0: 1, 5: 0}, frozenset(), frozenset({1}),
                                       np.array([0 * H * A + 0 * A + 3, 2 * H * A + 5 * A + 0]), H * A, A)}[shape]
    fast, slow = paths._sums_numpy(np, seed, 0, kept, m, n), paths._sums_stdlib(seed, 0, kept, m, n)
    assert fast == slow
    for s in (fast, slow):
        assert all(type(x) is int for t in (s.pos, s.neg, s.mag, s.at_q) for row in t for x in row)
        assert all(type(x) is int for x in (*s.at_mag, *s.own, *s.terms))
    for env in ("numpy", "stdlib"):
        monkeypatch.setenv(paths.PATH_ENV, env)
        live = set(kept.src) | kept.const
        assert paths.feeds(kept, live) == (None, set())
        assert paths.feeds(kept, live | {H - 1}) == (None, {H - 1} - live)
        if shape != "empty":
            dead, unfed = paths.feeds(kept, set())
            assert dead == divmod(int(kept.flat[0]), kept.width) and unfed == set()
            assert all(type(x) is int for x in dead)
            assert all(type(x) is int for x in paths.feeds(kept, live | {H - 1})[1])


def test_the_checker_hands_on_python_ints_only(monkeypatch):
    """End to end on the CNN and bias examples: every Sums value the checker builds is a Python int (a numpy int64
    shifted left in check.py or floatbound.py would wrap silently)."""
    monkeypatch.delenv(paths.PATH_ENV, raising=False)
    seen = []
    real = paths.sums
    monkeypatch.setattr(paths, "sums", lambda *a: seen.append(real(*a)) or seen[-1])
    for name in ("tiny-cnn", "tiny-bias"):
        cert, model = _example(name)
        check.check_certificate(cert, model)
    assert seen
    for s in seen:
        assert all(type(x) is int for t in (s.pos, s.neg, s.mag, s.at_q) for row in t for x in row)
        assert all(type(x) is int for x in (*s.at_mag, *s.own, *s.terms))


# --- floatbound._pair_stats and check._layer_matrices against their versions of c5f139c -----------------------------

def _old_pair_stats(seed, i, pruned, g, K, s_in, s_out):
    """floatbound._pair_stats of commit c5f139c, verbatim but for its arguments."""
    src, const, edges, out_bias = pruned
    A = g.positions
    u = {h: abs(rng.weight_int(seed, 2 * i + 1, h, j)) for h, j in src.items()}
    beta = {h: rng.bias_int(seed, 2 * i + 1, h) for h in const}
    cols = [0] * g.c_in
    terms = row_max = frob = const_sq = 0
    for r in range(g.c_out):
        key = rng.row_key(seed, 2 * i + 2, r)
        row: dict[int, int] = {}
        own = abs(rng.bias_int(seed, 2 * i + 2, r)) << 24 if r in out_bias else 0
        for col in edges.get(r, ()):
            v = abs(rng.weight_int(seed, 2 * i + 2, r, col, key=key))
            h, q = divmod(col, A)
            if h in beta:
                own += v * beta[h]
            else:
                c = src[h] * A + q
                row[c] = row.get(c, 0) + v * u[h]
        terms = max(terms, len(edges.get(r, ())) + (r in out_bias))
        total = 0
        for c, x in row.items():
            x <<= K - 48 + s_in[c // g.group] - s_out[r]
            total += x
            frob += x * x
            cols[c // A] += x
        row_max = max(row_max, total)
        const_sq += (own << (K - 48 - s_out[r])) ** 2
    return floatbound._Stats(terms, row_max, max(cols), frob, const_sq)


def _old_layer_matrices(ratios, K, exps, seed, i, pruned, g, both):
    """check._layer_matrices of commit c5f139c, verbatim; at_q returned as the new list form for comparison."""
    s_out, s_in = exps
    src, const, edges, out_bias = pruned
    A = g.positions
    u = {h: rng.weight_int(seed, 2 * i + 1, h, j) for h, j in src.items()}
    beta = {h: rng.bias_int(seed, 2 * i + 1, h) for h in const}
    e_rows, w_rows, consts = [], [], []
    for r, row in enumerate(ratios):
        pos: dict[int, int] = {}
        neg: dict[int, int] = {}
        at_q: dict[int, int] = {}
        key = rng.row_key(seed, 2 * i + 2, r)
        for col in edges.get(r, ()):
            v = rng.weight_int(seed, 2 * i + 2, r, col, key=key)
            h, q = divmod(col, A)
            if h in beta:
                at_q[q] = at_q.get(q, 0) + v * beta[h]
                continue
            side = pos if u[h] > 0 else neg
            side[src[h] * A + q] = side.get(src[h] * A + q, 0) + v * u[h]
        w_row = [num << (K - b) for num, b in row]
        up = [K - 48 + s_in[c // g.group] - s_out[r] for c in range(len(row))]
        e_row = [(pos.get(c, 0) << up[c]) - wv for c, wv in enumerate(w_row)]
        if both:
            e_row += [wv - (neg.get(c, 0) << up[c]) for c, wv in enumerate(w_row)]
        e_rows.append(e_row)
        w_rows.append(w_row)
        consts.append((rng.bias_int(seed, 2 * i + 2, r) << 24 if r in out_bias else 0,
                       [at_q.get(q, 0) for q in range(A)]))
    return e_rows, w_rows, consts


def _random_layer(rnd: random.Random, seed: int):
    n, m, k, c = rnd.randint(1, 3), rnd.randint(1, 3), rnd.randint(1, 4), rnd.randint(0, 3)
    kh, kw = rnd.choice([(1, 1), (1, 2), (2, 2), (3, 3)])
    A, H = kh * kw, k * n + c
    group = rnd.choice([1, A, 2 * A]) if n % 2 == 0 else rnd.choice([1, A])
    hs = list(range(H))
    rnd.shuffle(hs)
    src = {h: rnd.randrange(n) for h in hs[: rnd.randint(0, H)]}
    const = frozenset(h for h in hs if h not in src and rng.bias_int(seed, 1, h) > 0 and rnd.random() < 0.6)
    flat = set()
    for h in (*src, *const):
        for _ in range(rnd.randint(1, 2 * A)):
            flat.add(rnd.randrange(m) * H * A + h * A + rnd.randrange(A))
    kept = paths.Kept(src, const, frozenset(r for r in range(m) if rnd.random() < 0.5), sorted(flat), H * A, A)
    g = conv.Geometry(n, kh, kw, kh, kw, (1, 1), (0, 0), m, 1, 1, group)
    channels = -(-n * A // group)
    s_in = [rnd.randint(-3, 3) for _ in range(channels)]
    s_out = [rnd.randint(-3, 3) for _ in range(m)]
    K = 48 + max(s_out) - min(0, *s_in) + rnd.randint(0, 3)
    ratios = [[(rnd.randint(-2**20, 2**20), rnd.randint(0, K)) for _ in range(n * A)] for _ in range(m)]
    return kept, g, K, s_in, s_out, ratios


def test_pair_stats_and_layer_matrices_equal_their_old_versions(monkeypatch):
    """Random layers (Linear and kernels up to 3 × 3, constants, exponent groups, rescaling): the new
    floatbound._pair_stats and check._layer_matrices, fed by paths.sums on either path, equal c5f139c's."""
    rnd = random.Random(2024)
    for trial in range(120):
        seed = rnd.randrange(2**32)
        kept, g, K, s_in, s_out, ratios = _random_layer(rnd, seed)
        pruned = (kept.src, set(kept.const), kept.edges(), set(kept.out_bias))
        old_stats = _old_pair_stats(seed, 0, pruned, g, K, s_in, s_out)
        both = trial % 2 == 0
        old_mats = _old_layer_matrices(ratios, K, (s_out, s_in), seed, 0, pruned, g, both)
        for env in ("numpy", "stdlib"):
            monkeypatch.setenv(paths.PATH_ENV, env)
            s = paths.sums(seed, 0, kept, g.c_out, g.c_in)
            net = SimpleNamespace(sums=[s], geometry=[g], scales=[K], exps=[s_in, s_out])
            assert floatbound._pair_stats(net, 0) == old_stats, (trial, env)
            assert check._layer_matrices(ratios, K, (s_out, s_in), s, g, both) == old_mats, (trial, env)


# --- end to end: built certificates ---------------------------------------------------------------------------------

def test_an_exact_single_path_certificate_is_valid_on_both_paths(monkeypatch):
    cert, model, truth = _exact_one_path(40)
    got = _both(cert, model, monkeypatch)
    assert got[0] == "ok" and got[1] >= truth
    # lowering omega below |w| is refused on both paths (fact 5)
    cert["layers"][0]["omega"] = "0.0000000001"
    got = _both(cert, model, monkeypatch)
    assert got[:2] == ("Invalid", 5)


def test_an_exact_path_certificate_with_a_flipped_edge_is_refused(monkeypatch):
    """The same certificate with its kept output edge moved to another hidden neuron that keeps the same input: the
    sums change and E⁺ ≠ 0 with eta = 0 claimed."""
    cert, model, _ = _exact_one_path(40)
    odd, even = cert["mask"]
    h0 = _bits(odd)[0][0]
    h1 = next(h for h in range(40) if h != h0 and rng.weight_int(7, 1, h, 0) > 0)
    _rewrite(odd, [h1])
    _rewrite(even, [h1])
    got = _both(cert, model, monkeypatch)
    assert got[:2] == ("Invalid", 5)


def _deep_chain(L: int) -> tuple[dict, bytes]:
    """L Linear 1 → 1 layers, k = 1, every path kept; rows claiming eta = 0 (refused at fact 5, after every layer's
    masks were decoded and summed)."""
    return _build([[[0.5]]] * L, 1, 0, 3, [[0]] * L, [[0]] * L)


def test_a_deep_chain_is_refused_identically(monkeypatch):
    got = _both(*_deep_chain(12), monkeypatch)
    assert got[:2] == ("Invalid", 5)


def test_the_numpy_probes_run_a_bounded_number_of_times_per_check(monkeypatch):
    """Review finding (fixed): _numpy_ok's generator probes ran on every paths call (4 decodes, dead_edge, fed and
    sums per layer: ~25 ms a layer), so a 22,000-layer chain of 1 x 1 layers (within MAX_JSON_VALUES) took ~9 min on
    the numpy path against ~3 s on the stdlib path.  Now once per process."""
    monkeypatch.delenv(paths.PATH_ENV, raising=False)
    monkeypatch.setattr(paths, "_probed", [])
    calls = []
    real = paths._numpy_ok
    monkeypatch.setattr(paths, "_numpy_ok", lambda np_: calls.append(1) or real(np_))
    cert, model = _deep_chain(20)
    with pytest.raises(check.Invalid):
        check.check_certificate(cert, model)
    assert len(calls) == 1


# --- memory: what the numpy path allocates beyond the stdlib path ---------------------------------------------------

_CHILD = """
import os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]) << 20, int(sys.argv[3]) << 20))
os.environ["SLT_VERIFY_PATHS"] = sys.argv[2]
from verify.kernel import check
try:
    ok = check.check_files(sys.argv[1], sys.argv[1] + ".model")
    print("VALID", ok.bound)
except MemoryError:
    print("MemoryError")
"""


def _run_limited(cert_path: Path, env: str, limit_mib: int) -> str:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(cert_path), env, str(limit_mib)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT,
                         env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                              "PYTHONPATH": str(ROOT)})
    return out.stdout.strip() or out.stderr.strip()[-300:]


@pytest.fixture(scope="module")
def wide_certificate(tmp_path_factory) -> Path:
    """A VALID certificate with k = 2^26 hidden neurons and one kept path (_exact_one_path): G's masks are 8 MiB of
    bits each, the stdlib path needs O(kept) memory beyond them."""
    cert, model, _ = _exact_one_path(1 << 26)
    path = tmp_path_factory.mktemp("wide") / "wide.cert.json"
    path.write_text(json.dumps(cert))
    Path(str(path) + ".model").write_bytes(model)
    return path


def test_a_wide_certificate_is_valid_on_the_stdlib_path_within_1_gib(wide_certificate):
    assert _run_limited(wide_certificate, "stdlib", 1024) == "VALID 1/1000"


def test_a_wide_certificate_is_valid_on_the_numpy_path_within_1_gib(wide_certificate):
    """Review finding (fixed): _sums_numpy allocated u, jcol, beta, is_const (25 bytes) and dead_edge's table (1
    byte) per hidden channel H = k·n + c, not per kept channel: 1.6 GiB of address space for k = 2^26, so under an
    address-space limit the numpy path answered MemoryError (exit 2) where the stdlib path says VALID."""
    assert _run_limited(wide_certificate, "numpy", 1024) == "VALID 1/1000"


def test_decode_memory_follows_the_declared_limit(monkeypatch):
    """Review finding (fixed): decode unpacked a whole 4 MiB chunk (32 MiB of bits, up to 256 MiB of int64
    positions) before applying the declared limit, so a mask of set bits declaring kept = 0 cost ~290 MiB on the
    numpy path and nothing on the stdlib path.  Chunks are now 64 KiB."""
    monkeypatch.delenv(paths.PATH_ENV, raising=False)
    total = 1 << 26
    data = base64.b64encode(zlib.compress(b"\xff" * (total // 8), 9)).decode("ascii")
    tracemalloc.start()
    try:
        with pytest.raises(io.MaskError, match="more than the 0 set bits"):
            paths.decode(data, 1, total, 0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"peak {peak >> 20} MiB"
