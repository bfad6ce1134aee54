"""Adversarial review of certificate format 4 (convolutional targets): every field of a format-4 certificate the
checker reads, the new model-file structures (Conv2d attributes, 4-D strided tensors, the Flatten grammar, shared
flat tuples in the pickle) and every size the geometry depends on.

Certificates are written here by hand (``_cert4``) for models saved with torch; every row an honest certificate
needs is computed by an oracle in this file that shares nothing with the checker but the published generator
(``verify.kernel.rng``): masks are read from their raw bits (tests/independent.py), E⁺, E⁻, e, M and the output
sizes are formed from certs/FORMAT.md's and docs/conv.md's definitions by brute force over positions, and F and G̃
are evaluated exactly (``Fraction``) by a direct convolution, itself checked against torch's float64 forward.  Each
refused attack also proves, where it can, that the claim it would make is false at an explicit witness x ∈ D.

Tests marked ``xfail(strict=True)`` are the findings of the review: they fail until the checker is fixed.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io as _io
import json
import math
import pickle
import struct
import subprocess
import sys
import textwrap
import zlib
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from independent import mask_bits
from torch import nn
from zipcraft import torch_zip

from verify.kernel import check, conv, modelfile, rng, tensordata, torchzip
from verify.kernel.wellformed import Unusable

ZERO = Fraction(0)
FORMAT4 = "slt-verify-certificate/4"
SEMANTICS4 = ("exact real arithmetic of the stored weights and biases; Conv2d is torch's zero-padded conv2d; "
              "Flatten reshapes, Dropout and Identity are the identity (inference)")
SEMANTICS3 = ("exact real arithmetic of the stored weights and biases; Flatten reshapes, Dropout and Identity are "
              "the identity (inference)")
ROOT = Path(__file__).resolve().parent.parent


# --- model files ---------------------------------------------------------------------------------------------

def _save(module: nn.Module) -> bytes:
    buf = _io.BytesIO()
    torch.save(module, buf)
    return buf.getvalue()


def _load(data: bytes) -> nn.Module:
    """What torch itself restores from the bytes (the reference for what F computes)."""
    return torch.load(_io.BytesIO(data), weights_only=False)


def _net(*layers: nn.Module, weights: list | None = None, biases: list | None = None) -> nn.Sequential:
    """nn.Sequential in float64 and eval mode; ``weights``/``biases`` (per affine layer, nested lists) set exactly."""
    net = nn.Sequential(*layers).double().eval()
    affine = [m for m in net if isinstance(m, nn.Conv2d | nn.Linear)]
    with torch.no_grad():
        for i, m in enumerate(affine):
            if weights is not None and weights[i] is not None:
                m.weight.copy_(torch.tensor(weights[i], dtype=torch.float64).reshape(m.weight.shape))
            if biases is not None and biases[i] is not None and m.bias is not None:
                m.bias.copy_(torch.tensor(biases[i], dtype=torch.float64))
    return net


def _affine(module: nn.Sequential) -> list[tuple[str, nn.Module]]:
    return [(name, m) for name, m in module.named_children() if isinstance(m, nn.Conv2d | nn.Linear)]


def _stride_padding(m: nn.Module) -> tuple[tuple[int, int], tuple[int, int]]:
    """(stride, padding) as torch's Conv2d.forward uses them (padding "same"/"valid" resolved for odd kernels)."""
    if isinstance(m, nn.Linear):
        return (1, 1), (0, 0)
    stride = (m.stride, m.stride) if isinstance(m.stride, int) else tuple(m.stride)
    pad = m.padding
    if pad == "valid":
        pad = (0, 0)
    elif pad == "same":
        pad = tuple((k - 1) // 2 for k in m.weight.shape[2:])
    elif isinstance(pad, int):
        pad = (pad, pad)
    return tuple(stride), tuple(pad)


def _walk(input_shape, module) -> list[dict]:
    """docs/conv.md §1, restated: per affine layer its input/output channels and sizes, kernel, stride, padding
    and the input-column group of one rescaling exponent."""
    shape, group, out = tuple(input_shape), 1, []
    for m in module:
        if isinstance(m, nn.Flatten):
            group = shape[1] * shape[2] if len(shape) == 3 else group
            shape = (math.prod(shape),)
        elif isinstance(m, nn.Conv2d):
            (C, H, W), (o, _, kh, kw) = shape, m.weight.shape
            (sh, sw), (ph, pw) = _stride_padding(m)
            ho, wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
            out.append({"c_in": C, "h": H, "w": W, "kh": kh, "kw": kw, "s": (sh, sw), "p": (ph, pw), "c_out": o,
                        "ho": ho, "wo": wo, "group": kh * kw})
            shape = (o, ho, wo)
        elif isinstance(m, nn.Linear):
            out.append({"c_in": shape[0], "h": 1, "w": 1, "kh": 1, "kw": 1, "s": (1, 1), "p": (0, 0),
                        "c_out": m.out_features, "ho": 1, "wo": 1, "group": group})
            shape, group = (m.out_features,), 1
    return out


# --- writing certificates by hand ------------------------------------------------------------------------------

def _mask(rows: int, cols: int, positions) -> str:
    buf = bytearray((rows * cols + 7) // 8)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return base64.b64encode(zlib.compress(bytes(buf))).decode()


def _dec(x: Fraction, digits: int = 40) -> str:
    """A decimal string ≥ x (x ≥ 0), ``digits`` significant digits; exact when x has a short expansion."""
    x = Fraction(x)
    if x == 0:
        return "0"
    e = len(str(x.numerator)) - len(str(x.denominator))
    while Fraction(10) ** e > x:
        e -= 1
    while Fraction(10) ** (e + 1) <= x:
        e += 1
    scale = digits - 1 - e
    y = x * Fraction(10) ** scale
    return f"{-((-y.numerator) // y.denominator)}e{-scale}"


def _sqrt_up(s: Fraction, digits: int = 40) -> Fraction:
    """A decimal ≥ √s (√s itself when s is the square of a short decimal)."""
    s = Fraction(s)
    if s == 0:
        return ZERO
    a, b = math.isqrt(s.numerator), math.isqrt(s.denominator)
    if a * a == s.numerator and b * b == s.denominator:
        return Fraction(_dec(Fraction(a, b), digits))
    r = Fraction(_dec(Fraction(math.isqrt(s.numerator * 10**120 // s.denominator) + 1, 10**60), digits))
    assert r * r >= s
    return r


def _cert4(module: nn.Sequential, input_shape, *, seed=0, k=1, c=0, exps=None, odd=None, odd_bias=None,
           even=None, even_bias=None, domain=None) -> tuple[dict, bytes]:
    """A format-4 certificate for the saved ``module`` on ``input_shape`` with the given kept sets per target layer
    i: odd[i] = {h: j}, odd_bias[i] = {h}, even[i] = {(r, col)} (col = h·A + q), even_bias[i] = {r}.  The rows are
    placeholders; ``_honest`` fills them in."""
    data = _save(module)
    geo = _walk(input_shape, module)
    L = len(geo)
    layers = []
    for name, m in _affine(module):
        stride, pad = _stride_padding(m)
        layers.append({"key": f"{name}.weight", "bias_key": None if m.bias is None else f"{name}.bias",
                       "shape": list(m.weight.shape), "stride": list(stride), "padding": list(pad)})
    widths, params, masks = [geo[0]["c_in"]], 0, []
    for i, g in enumerate(geo):
        n, m, A = g["c_in"], g["c_out"], g["kh"] * g["kw"]
        hid = k * n + c
        widths += [hid, m]
        params += hid * (n + 1) + m * (hid * A + 1)
        o, ob = (odd or [{}] * L)[i], (odd_bias or [set()] * L)[i]
        e, eb = (even or [set()] * L)[i], (even_bias or [set()] * L)[i]
        masks += [{"layer": 2 * i + 1, "shape": [hid, n], "kept": len(o),
                   "data": _mask(hid, n, [h * n + j for h, j in o.items()]),
                   "bias_kept": len(ob), "bias_data": _mask(hid, 1, ob)},
                  {"layer": 2 * i + 2, "shape": [m, hid * A], "kept": len(e),
                   "data": _mask(m, hid * A, [r * hid * A + col for r, col in e]),
                   "bias_kept": len(eb), "bias_data": _mask(m, 1, eb)}]
    cert = {"format": FORMAT4, "verdict": "certified",
            "claim": {"eps": "1e100", "bound": "1e90", "norm": "l2",
                      "domain": domain or {"kind": "ball", "radius": "1", "reach": "1"}, "semantics": SEMANTICS4},
            "model": {"sha256": hashlib.sha256(data).hexdigest(), "format": "torch-module",
                      "modules": [type(m).__name__ for m in module], "input_shape": list(input_shape),
                      "layers": layers},
            "random_network": {"distribution": rng.DISTRIBUTION, "generator": rng.GENERATOR, "seed": seed,
                               "width_factor": k, "bias_block": c, "widths": widths, "parameters": params},
            "rescaling": {"neuron_exponents": exps if exps is not None else [[0] * g["c_out"] for g in geo[:-1]]},
            "mask": masks,
            "layers": [{"eta": "1e30", "omega": "1e30", "beta": "1e30", "bias_norm": "1e30", "delta": "1e90",
                        "rho": "1e90", "norm": "frobenius"} for _ in geo],
            "info": {}}
    return cert, data


def _box(d: int, lo: str, hi: str, reach: str) -> dict:
    return {"kind": "box", "lo": [lo] * d, "hi": [hi] * d, "reach": reach}


# --- the oracle: E⁺, E⁻, e, M from FORMAT.md's definitions, by brute force -------------------------------------

def _target(module) -> list[tuple[list[list[Fraction]], list[Fraction]]]:
    """F's layers as (kernel matrix m × n·A, bias), exactly, read by torch (``weight.reshape(m, -1)``)."""
    out = []
    for _, m in _affine(module):
        w = m.weight.detach().double().reshape(m.weight.shape[0], -1).tolist()
        b = m.bias.detach().double().tolist() if m.bias is not None else [0.0] * len(w)
        out.append(([[Fraction(x) for x in row] for row in w], [Fraction(x) for x in b]))
    return out


def _bias_of(seed: int, layer: int, row: int) -> Fraction:
    return rng.weight(seed, layer, row, 2**32 - 1)


def _kept(cert: dict) -> list[tuple[dict, set, list, set]]:
    """Per target layer, from the raw mask bits: (src {h: j}, constant channels, even edges [(r, col)], kept
    even biases)."""
    masks, out = cert["mask"], []
    for i in range(len(masks) // 2):
        odd, even = masks[2 * i], masks[2 * i + 1]
        hid, n = odd["shape"]
        m, cols = even["shape"]
        src = {b // n: b % n for b in mask_bits(odd["data"], hid, n)}
        out.append((src, set(mask_bits(odd["bias_data"], hid, 1)),
                    [divmod(b, cols) for b in mask_bits(even["data"], m, cols)],
                    set(mask_bits(even["bias_data"], m, 1))))
    return out


def _count(n: int, k: int, s: int, p: int, out: int, x: int) -> int:
    """#{(r, a): 0 ≤ r < out, 0 ≤ a < k, s·r + a − p = x}, by enumeration."""
    return sum(1 for r in range(out) for a in range(k) if s * r + a - p == x)


def _mult(g: dict) -> int:
    return (max(_count(g["h"], g["kh"], g["s"][0], g["p"][0], g["ho"], x) for x in range(g["h"]))
            * max(_count(g["w"], g["kw"], g["s"][1], g["p"][1], g["wo"], x) for x in range(g["w"])))


def _inside(g: dict, r: int, t: int) -> list[int]:
    """The kernel positions q = a·kw + e that land inside the image at output position (r, t)."""
    return [a * g["kw"] + e for a in range(g["kh"]) for e in range(g["kw"])
            if 0 <= g["s"][0] * r + a - g["p"][0] < g["h"] and 0 <= g["s"][1] * t + e - g["p"][1] < g["w"]]


def _oracle(cert: dict, module) -> list[dict]:
    """Per target layer, exactly and in F's units: E⁺, E⁻ (m × n·A), the bias error tensor e (m·H'·W' values),
    W, b, M and H'·W' (certs/FORMAT.md fact 5, docs/conv.md §3–§5)."""
    geo, tgt, seed = _walk(cert["model"]["input_shape"], module), _target(module), cert["random_network"]["seed"]
    ex = cert["rescaling"]["neuron_exponents"]
    s = [[0] * geo[0]["c_in"], *ex, [0] * geo[-1]["c_out"]]
    out = []
    for i, (g, (W, b), (src, const, edges, own)) in enumerate(zip(geo, tgt, _kept(cert), strict=True)):
        m, A = g["c_out"], g["kh"] * g["kw"]
        cols = g["c_in"] * A
        P, N = [[ZERO] * cols for _ in range(m)], [[ZERO] * cols for _ in range(m)]
        at = [dict() for _ in range(m)]
        for r, col in edges:
            h, q = divmod(col, A)
            v = rng.weight(seed, 2 * i + 2, r, col)
            if h in const:
                at[r][q] = at[r].get(q, ZERO) + v * _bias_of(seed, 2 * i + 1, h)
            else:
                u = rng.weight(seed, 2 * i + 1, h, src[h])
                (P if u > 0 else N)[r][src[h] * A + q] += v * u
        t = [[Fraction(2) ** (s[i][col // g["group"]] - s[i + 1][r]) for col in range(cols)] for r in range(m)]
        ep = [[t[r][col] * P[r][col] - W[r][col] for col in range(cols)] for r in range(m)]
        em = [[W[r][col] - t[r][col] * N[r][col] for col in range(cols)] for r in range(m)]
        e = []
        for r in range(m):
            base = _bias_of(seed, 2 * i + 2, r) if r in own else ZERO
            for y in range(g["ho"]):
                for x in range(g["wo"]):
                    c_rp = base + sum((at[r].get(q, ZERO) for q in _inside(g, y, x)), ZERO)
                    e.append(Fraction(2) ** -s[i + 1][r] * c_rp - b[r])
        out.append({"ep": ep, "em": em, "e": e, "W": W, "b": b, "M": _mult(g), "pixels": g["ho"] * g["wo"]})
    return out


def _sq(rows) -> Fraction:
    return sum((x * x for row in rows for x in row), ZERO)


def _honest(cert: dict, module, *, nonneg: bool | None = None, mult=None, pixels=None, beta=None) -> dict:
    """Fill in the smallest Frobenius rows (rounded up) and the bound; ``mult``/``pixels``/``beta`` (per layer,
    callables of the oracle's row) replace the oracle's M, H'·W' or β — to write the certificate an attacker
    would write."""
    dom = cert["claim"]["domain"]
    if nonneg is None:
        nonneg = dom["kind"] == "box" and all(not x.startswith("-") or Fraction(x[1:]) == 0 for x in dom["lo"])
    rho, delta = Fraction(dom["reach"]), ZERO
    for i, o in enumerate(_oracle(cert, module)):
        M = mult(o) if mult else o["M"]
        px = pixels(o) if pixels else o["pixels"]
        eta = _sqrt_up(M * (_sq(o["ep"]) + (0 if i or nonneg else _sq(o["em"]))))
        omega, nu = _sqrt_up(M * _sq(o["W"])), _sqrt_up(px * _sq([o["b"]]))
        bt = beta(o) if beta else _sqrt_up(_sq([o["e"]]))
        delta = Fraction(_dec(eta * rho + bt + omega * delta))
        rho = Fraction(_dec((omega + eta) * rho + nu + bt))
        cert["layers"][i] = {"eta": _dec(eta), "omega": _dec(omega), "beta": _dec(bt), "bias_norm": _dec(nu),
                             "delta": _dec(delta), "rho": _dec(rho), "norm": "frobenius"}
    cert["claim"]["bound"] = _dec(delta)
    cert["claim"]["eps"] = _dec(delta + 1)
    cert["verdict"] = "certified"
    return cert


# --- exact evaluation of F and G̃ ---------------------------------------------------------------------------------

def _conv(x: list, shape: tuple, W: list, b: list, kh: int, kw: int, s: tuple, p: tuple) -> tuple[list, tuple]:
    """torch's zero-padded conv2d of the C×H×W tensor x (row-major list), exactly: kernel matrix W (m × C·kh·kw)."""
    C, H, Wd = shape
    A, m = kh * kw, len(W)
    ho, wo = (H + 2 * p[0] - kh) // s[0] + 1, (Wd + 2 * p[1] - kw) // s[1] + 1
    out = []
    for o in range(m):
        for r in range(ho):
            for t in range(wo):
                acc = b[o]
                for a in range(kh):
                    yy = s[0] * r + a - p[0]
                    if not 0 <= yy < H:
                        continue
                    for e in range(kw):
                        xx = s[1] * t + e - p[1]
                        if 0 <= xx < Wd:
                            for ch in range(C):
                                acc += W[o][ch * A + a * kw + e] * x[(ch * H + yy) * Wd + xx]
                out.append(acc)
    return out, (m, ho, wo)


def _relu(x: list) -> list:
    return [max(v, ZERO) for v in x]


def _F(module, input_shape, x: list) -> list:
    """F(x) exactly, following the modules in forward order (x flattened row-major)."""
    shape, affine = tuple(input_shape), iter(_target(module))
    for m in module:
        if isinstance(m, nn.ReLU):
            x = _relu(x)
        elif isinstance(m, nn.Flatten):
            shape = (math.prod(shape),)
        elif isinstance(m, nn.Conv2d | nn.Linear):
            W, b = next(affine)
            stride, pad = _stride_padding(m)
            kh, kw = (m.weight.shape[2:] if isinstance(m, nn.Conv2d) else (1, 1))
            x, shape = _conv(x, shape if len(shape) == 3 else (shape[0], 1, 1), W, b, kh, kw, stride, pad)
            if isinstance(m, nn.Linear):
                shape = (shape[0],)
    return x


def _G(cert: dict, module, x: list) -> list:
    """G̃(x) exactly (certs/FORMAT.md): per target layer a 1 × 1 convolution to k·n + c channels (kept edges and
    constant biases), ReLU, the kh × kw convolution with the target's stride and padding, ReLU between layers."""
    geo, seed = _walk(cert["model"]["input_shape"], module), cert["random_network"]["seed"]
    kept = _kept(cert)
    for i, (g, (src, const, edges, own)) in enumerate(zip(geo, kept, strict=True)):
        n, m, A = g["c_in"], g["c_out"], g["kh"] * g["kw"]
        hid = cert["mask"][2 * i]["shape"][0]
        U = [[rng.weight(seed, 2 * i + 1, h, j) if src.get(h) == j else ZERO for j in range(n)] for h in range(hid)]
        bu = [_bias_of(seed, 2 * i + 1, h) if h in const else ZERO for h in range(hid)]
        z, shape = _conv(x, (n, g["h"], g["w"]), U, bu, 1, 1, (1, 1), (0, 0))
        V = [[ZERO] * (hid * A) for _ in range(m)]
        for r, col in edges:
            V[r][col] = rng.weight(seed, 2 * i + 2, r, col)
        bv = [_bias_of(seed, 2 * i + 2, r) if r in own else ZERO for r in range(m)]
        x, _ = _conv(_relu(z), shape, V, bv, g["kh"], g["kw"], g["s"], g["p"])
        if i + 1 < len(geo):
            x = _relu(x)
    return x


def _err2(cert: dict, module, x: list) -> Fraction:
    """‖G̃(x) − F(x)‖₂², exactly."""
    g, f = _G(cert, module, x), _F(module, cert["model"]["input_shape"], x)
    assert len(g) == len(f)
    return sum(((a - b) ** 2 for a, b in zip(g, f, strict=True)), ZERO)


def _false_at(cert: dict, module, x: list) -> bool:
    """The certificate's claim is false at x: ‖G̃(x) − F(x)‖₂ > claim.bound (x must lie in D)."""
    return _err2(cert, module, x) > Fraction(cert["claim"]["bound"]) ** 2


def _invalid(cert, data, fact: int, pattern: str) -> None:
    with pytest.raises(check.Invalid, match=pattern) as e:
        check.check_certificate(cert, data)
    assert e.value.fact == fact


def _seed(pred, start: int = 0) -> int:
    """The first G seed with the generator signs a construction needs (deterministic)."""
    return next(s for s in range(start, start + 20_000) if pred(s))


# --- the oracle itself, against torch -----------------------------------------------------------------------------

def test_the_oracles_F_is_torchs_forward_and_its_geometry_torchs_shapes():
    """_F (exact) equals torch's float64 forward of the saved-and-reloaded module, on a CNN with padding, strides,
    a kernel larger than the image in one dimension, Flatten and Linear; _walk's sizes are torch's."""
    torch.manual_seed(0)
    net = _net(nn.Conv2d(2, 3, (3, 5), stride=(2, 1), padding=(1, 2)), nn.ReLU(), nn.Conv2d(3, 2, 2, padding=1),
               nn.ReLU(), nn.Flatten(), nn.Dropout(), nn.Linear(2 * 3 * 3, 2))
    shape = (2, 3, 2)
    x = torch.randn(1, *shape, dtype=torch.float64)
    ref = _load(_save(net))(x).reshape(-1).tolist()
    got = _F(net, shape, [Fraction(v) for v in x.reshape(-1).tolist()])
    assert max(abs(float(a) - b) for a, b in zip(got, ref, strict=True)) < 1e-12
    geo = _walk(shape, net)
    assert [(g["c_out"], g["ho"], g["wo"], g["group"]) for g in geo] == [(3, 2, 2, 15), (2, 3, 3, 4), (2, 1, 1, 9)]


def _below(s: Fraction, digits: int = 40) -> str:
    """A decimal strictly below √s (s > 0)."""
    s = Fraction(s)
    scale = 10 ** digits
    r = Fraction(math.isqrt(s.numerator * scale * scale // s.denominator), scale)
    while r * r >= s:
        r -= Fraction(1, scale)
    return f"{r.numerator * (scale // r.denominator)}e-{digits}"


def _engine_cert(tmp_path, net, shape, domain: str, *, k: int = 2, c: int = 3, seed: int = 5) -> tuple[dict, bytes]:
    from verify.cli import main

    path, out = tmp_path / "cnn.pt", tmp_path / "cnn.cert.json"
    path.write_bytes(_save(net))
    assert main(["certify", str(path), "--eps", "1e6", "--domain", domain, "--input-shape", ",".join(map(str, shape)),
                 "--width-factor", str(k), "--bias-block", str(c), "--seed", str(seed), "--norm", "frobenius",
                 "--no-empirical", "-o", str(out)]) == 0
    return json.loads(out.read_text()), path.read_bytes()


def _border_cnn() -> nn.Sequential:
    torch.manual_seed(3)
    net = _net(nn.Conv2d(2, 3, 3, stride=2, padding=2), nn.ReLU(), nn.Conv2d(3, 2, (2, 3), padding=(1, 0)), nn.ReLU(),
               nn.Flatten(), nn.Linear(2 * 4 * 1, 2))
    with torch.no_grad():
        for _, m in _affine(net):
            m.bias.uniform_(-0.5, 0.5)
    return net


@pytest.mark.parametrize("domain", ["box:-1,1", "box:0,1"])
def test_every_row_of_an_engine_certificate_is_decided_at_the_oracles_exact_value(tmp_path, domain):
    """Baseline for the attacks below: on an engine-built CNN certificate (padding 2 > (k − 1)/2, stride 2, a kernel
    as wide as the image, constant channels), the rows the oracle of this file computes — Frobenius, with √M on η
    and ω, the bias error at every output position, √(H'W') on ν — are accepted, and each of eta, omega, beta,
    bias_norm written 10^-40 below the oracle's exact value is refused by fact 5."""
    net, shape = _border_cnn(), (2, 3, 3)
    cert, data = _engine_cert(tmp_path, net, shape, domain)
    _honest(cert, net)
    check.check_certificate(cert, data)
    oracle = _oracle(cert, net)
    assert [o["M"] for o in oracle] == [4, 2, 1] and [o["pixels"] for o in oracle] == [9, 4, 1]
    nonneg = domain == "box:0,1"
    for i, o in enumerate(oracle):
        exact = {"eta": o["M"] * (_sq(o["ep"]) + (0 if i or nonneg else _sq(o["em"]))),
                 "omega": o["M"] * _sq(o["W"]), "beta": _sq([o["e"]]), "bias_norm": o["pixels"] * _sq([o["b"]])}
        for key, s in exact.items():
            if s == 0:
                continue
            bad = copy.deepcopy(cert)
            bad["layers"][i][key] = _below(s)
            _invalid(bad, data, 5, rf"layers\[{i}\]\.{key}")
    # and the accepted claim holds where the error is largest in practice: at vertices and random points of D
    lo = -1.0 if domain == "box:-1,1" else 0.0
    gen = torch.Generator().manual_seed(0)
    bound2 = Fraction(cert["claim"]["bound"]) ** 2
    for _ in range(6):
        v = (lo + (1 - lo) * (torch.rand(18, generator=gen) < 0.5).double()).tolist()
        assert _err2(cert, net, [Fraction(x) for x in v]) <= bound2


# --- Conv2d attributes: what torch's forward reads is what the kernel reads ------------------------------------------

def _conv_variant(edit, c_in=1, c_out=2, kernel=3, **kw) -> bytes:
    """A Conv2d → ReLU → Flatten → Linear module whose Conv2d's pickled attributes ``edit`` changes before saving."""
    torch.manual_seed(1)
    net = _net(nn.Conv2d(c_in, c_out, kernel, **kw), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1))
    edit(net[0])
    return _save(net)


def _forward_agrees(data: bytes, shape) -> tuple:
    """The kernel's reading of the file (stride, padding, kernel matrix, unrolled on ``shape``) computes the same
    first layer as torch's forward of the module torch restores from the same bytes; returns (stride, padding)."""
    chain = modelfile.read_chain(data)
    layer = chain.layers[0]
    g = conv.walk(list(shape), ["Conv2d"], [(layer.shape, layer.stride, layer.padding)])[0]
    dense = conv.unroll([[Fraction(v) for v in row] for row in layer.weight], g)
    first = _load(data)[0]
    x = torch.randn(1, *shape, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        ref = first(x).reshape(-1).tolist()
    xs = [Fraction(v) for v in x.reshape(-1).tolist()]
    got = [sum((w * v for w, v in zip(row, xs, strict=True)), ZERO) + Fraction(layer.bias[i // g.pixels])
           for i, row in enumerate(dense)]
    assert len(got) == len(ref) and max(abs(float(a) - b) for a, b in zip(got, ref, strict=True)) < 1e-12
    return layer.stride, layer.padding


@pytest.mark.parametrize("edit, want", [
    # padding_mode "zeros": torch never reads _reversed_padding_repeated_twice, the kernel neither
    (lambda m: setattr(m, "_reversed_padding_repeated_twice", (3, 3, 0, 0)), ((1, 1), (1, 1))),
    (lambda m: setattr(m, "_reversed_padding_repeated_twice", [0, 0, 0, 0]), ((1, 1), (1, 1))),
    (lambda m: setattr(m, "stride", 2), ((2, 2), (1, 1))),                       # an int stride
    (lambda m: setattr(m, "stride", [2, 1]), ((2, 1), (1, 1))),                  # a list stride, per dimension
    (lambda m: setattr(m, "padding", [0, 2]), ((1, 1), (0, 2))),                 # a list padding, per dimension
    (lambda m: setattr(m, "padding", 2), ((1, 1), (2, 2))),                      # an int padding
    (lambda m: setattr(m, "padding", "valid"), ((1, 1), (0, 0))),
    (lambda m: setattr(m, "padding", "same"), ((1, 1), (1, 1))),
    (lambda m: setattr(m, "dilation", [1, 1]), ((1, 1), (1, 1))),                # a list dilation of ones
    (lambda m: setattr(m, "output_padding", [0, 0]), ((1, 1), (1, 1))),          # never read by Conv2d.forward
])
def test_conv2d_attribute_forms_torch_accepts_are_read_as_torch_runs_them(edit, want):
    """Attack: pickled Conv2d attributes in forms torch's forward accepts (int, list, tuple, strings) but whose
    reading could differ.  Each is read as the stride and padding torch's forward uses, checked on the bytes:
    the kernel's unrolled first layer equals torch's forward of the module torch restores."""
    data = _conv_variant(edit, padding=1)
    assert _forward_agrees(data, (1, 4, 5)) == want


@pytest.mark.parametrize("edit, pattern", [
    (lambda m: setattr(m, "padding_mode", "circular"), "only zero padding is read"),
    (lambda m: (setattr(m, "padding_mode", "reflect"), setattr(m, "padding", (0, 0))), "only zero padding"),
    (lambda m: setattr(m, "padding_mode", "zero"), "only zero padding is read"),
    (lambda m: setattr(m, "stride", (2,)), "malformed kernel_size or stride"),     # torch expands a 1-tuple
    (lambda m: setattr(m, "stride", (0, 1)), "malformed kernel_size or stride"),
    (lambda m: setattr(m, "stride", (True, 1)), "malformed kernel_size or stride"),
    (lambda m: setattr(m, "stride", (2.0, 1)), "malformed kernel_size or stride"),
    (lambda m: setattr(m, "stride", (1, 1, 1)), "malformed kernel_size or stride"),
    (lambda m: setattr(m, "padding", (1,)), "malformed padding"),
    (lambda m: setattr(m, "padding", (-1, 0)), "malformed padding"),
    (lambda m: setattr(m, "padding", "SAME"), "malformed padding"),
    (lambda m: setattr(m, "padding", "same "), "malformed padding"),
    (lambda m: (setattr(m, "padding", "same"), setattr(m, "stride", (2, 2))), "padding='same' is read only with"),
    (lambda m: setattr(m, "dilation", (2, 1)), "dilated convolutions are not read"),
    (lambda m: setattr(m, "dilation", (1,)), "dilated convolutions are not read"),
    (lambda m: setattr(m, "dilation", 0), "dilated convolutions are not read"),
    (lambda m: setattr(m, "groups", True), "grouped convolutions are not read"),
    (lambda m: setattr(m, "groups", 1.0), "grouped convolutions are not read"),
    (lambda m: setattr(m, "groups", 2), "grouped convolutions are not read"),
    (lambda m: setattr(m, "transposed", True), "a transposed convolution is not read"),
    (lambda m: setattr(m, "transposed", 0), "a transposed convolution is not read"),
    (lambda m: setattr(m, "output_padding", (1, 0)), "a transposed convolution is not read"),
    (lambda m: setattr(m, "kernel_size", (3, 2)), "kernel_size do not match its weight"),
    (lambda m: setattr(m, "kernel_size", 5), "kernel_size do not match its weight"),
    (lambda m: setattr(m, "in_channels", 2), "in_channels/out_channels/kernel_size do not match"),
    (lambda m: setattr(m, "out_channels", 3), "in_channels/out_channels/kernel_size do not match"),
    (lambda m: m.__dict__.__setitem__("forward", None), r"attributes \['forward'\] are not those"),
    (lambda m: m.__dict__.__setitem__("_conv_forward", None), r"attributes \['_conv_forward'\] are not those"),
    (lambda m: m.__dict__.pop("_reversed_padding_repeated_twice"), "are missing"),
    (lambda m: m.__dict__.pop("padding_mode"), "are missing"),
    (lambda m: m.register_buffer("scale", torch.ones(1)), "_buffers is not empty"),
    (lambda m: m.register_forward_pre_hook(print), "the pickle asks for __builtin__.print"),
])
def test_conv2d_attributes_whose_forward_is_not_the_plain_convolution_are_refused(edit, pattern):
    """Attack: a Conv2d whose pickled attributes make torch's forward differ from conv2d(x, W, b, stride,
    padding) — padding modes (even "circular" with padding 0, which equals zeros), dilation, groups, transposition,
    a 1-tuple stride torch would expand, a kernel_size or channel count that is not the weight's, shadowing
    attributes, buffers and hooks — is refused in one line naming it."""
    with pytest.raises(modelfile.ModelFileError, match=pattern):
        modelfile.read_chain(_conv_variant(edit, padding=1))


def test_a_weight_shape_not_matching_the_declared_channels_is_refused_and_4d_linear_weights_too():
    """Attack: a Conv2d given a 3-D or a Linear given a 4-D weight (both are Parameters the pickle can hold)."""
    def three_d(m):
        m._parameters["weight"] = nn.Parameter(torch.ones(2, 1, 9, dtype=torch.float64))
    with pytest.raises(modelfile.ModelFileError, match="not a non-empty 4-D"):
        modelfile.read_chain(_conv_variant(three_d))
    net = _net(nn.Flatten(), nn.Linear(4, 1))
    net[1]._parameters["weight"] = nn.Parameter(torch.ones(1, 4, 1, 1, dtype=torch.float64))
    with pytest.raises(modelfile.ModelFileError, match="4-D convolution weight"):
        modelfile.read_chain(_save(net))


# --- 4-D strided tensors (tensordata) ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: torch.arange(1.0, 19.0, dtype=torch.float64).reshape(2, 3, 3, 1).permute(3, 0, 1, 2),   # (1, 2, 3, 3)
    lambda: torch.arange(1.0, 19.0, dtype=torch.float64).reshape(3, 3, 2, 1).permute(3, 2, 0, 1),
    lambda: torch.arange(1.0, 10.0, dtype=torch.float64).reshape(1, 1, 3, 3).expand(1, 2, 3, 3),    # stride 0
    lambda: torch.arange(1.0, 40.0, dtype=torch.float64)[5:].as_strided((1, 2, 3, 3), (0, 1, 7, 2), 3),  # overlap
    lambda: torch.arange(1.0, 81.0, dtype=torch.float64).reshape(1, 2, 5, 8)[:, :, 1:4, 2:8:2],     # a slice
])
def test_non_contiguous_4d_weights_are_read_in_torchs_logical_order(make):
    """Attack: a Conv2d weight stored as a permuted, broadcast (stride 0), overlapping or sliced view of its storage
    (torch.save keeps the strides).  The kernel matrix read is torch's weight.reshape(m, -1), and the certificate's
    shape is the logical one."""
    weight = make()
    assert list(weight.stride()) != tensordata.contiguous(tuple(weight.shape))   # not the plain row-major layout
    net = _net(nn.Conv2d(2, 1, 3), nn.ReLU(), nn.Flatten(), nn.Linear(1, 1))
    net[0]._parameters["weight"] = nn.Parameter(weight, requires_grad=False)
    data = _save(net)
    assert _load(data)[0].weight.stride() == weight.stride()   # the file really holds the strided view
    layer = modelfile.read_chain(data).layers[0]
    assert layer.shape == (1, 2, 3, 3)
    assert layer.weight == weight.reshape(1, -1).tolist()
    _forward_agrees(data, (2, 3, 4))


def test_strided_views_beyond_their_storage_or_over_four_dimensions_are_refused():
    """Attack: a 4-D view whose last element lies past its storage (one value short), and a 5-D tensor."""
    storage = tensordata.Storage("float64", struct.pack("<17d", *range(17)))
    assert len(tensordata.Tensor(storage, 1, (1, 2, 3, 3), (0, 1, 5, 2)).values()) == 18   # up to element 16
    with pytest.raises(tensordata.ModelFileError, match="beyond its storage"):
        tensordata.Tensor(storage, 2, (1, 2, 3, 3), (0, 1, 5, 2))           # reaches element 17: outside
    with pytest.raises(tensordata.ModelFileError, match="beyond its storage"):
        tensordata.Tensor(storage, 0, (2, 2, 3, 3), (1, 1, 6, 2))
    with pytest.raises(tensordata.ModelFileError, match="malformed sizes"):
        tensordata.Tensor(storage, 0, (1, 1, 1, 2, 2), (4, 4, 4, 2, 1))
    with pytest.raises(tensordata.ModelFileError, match="malformed sizes"):
        tensordata.Tensor(storage, 0, (1, 2, 3, 3), (1, 6, 2))


# --- the bias error tensor at the border (docs/conv.md §5) ------------------------------------------------------------

@pytest.mark.parametrize("layer, shape, q", [
    (lambda: nn.Conv2d(1, 1, 3, padding=1), (1, 2, 2), 0),             # corner position: inside at 1 of 4 outputs
    (lambda: nn.Conv2d(1, 1, 3, stride=2, padding=1), (1, 3, 3), 8),   # other corner, with a stride
    (lambda: nn.Conv2d(1, 1, 1, padding=2), (1, 1, 2), 0),             # padding > kernel: 28 of 30 outputs read none
    (lambda: nn.Conv2d(1, 1, (5, 1), padding=(2, 0)), (1, 2, 1), 3),   # kernel taller than the image
    (lambda: nn.Conv2d(1, 1, (5, 1), padding=(2, 0)), (1, 2, 1), 4),   # ... at a position no output reads inside
])
def test_a_constant_at_a_kernel_position_that_reads_the_padding_is_counted_at_every_output(layer, shape, q):
    """Attack: the bias of F is built by one constant channel through a kernel position q that lands in the zero
    padding at some output positions, where G̃ then adds nothing.  The attacker's beta is the dense bias error
    |v·β − b|·√(H'W') = 0 (v·β = b exactly); the checker refuses it (fact 5), and at the witness x = 0 the claim
    bound 0 is false: ‖G̃(0) − F(0)‖ = |b|·√(outputs where q reads the padding).  The honest beta is accepted."""
    seed = _seed(lambda s: rng.bias_int(s, 1, 1) > 0)
    net = _net(layer())
    g = _walk(shape, net)[0]
    A = g["kh"] * g["kw"]
    vb = rng.weight(seed, 2, 0, A + q) * _bias_of(seed, 1, 1)     # hidden channel 1 = the constant, position q
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].bias.fill_(float(vb))
    assert Fraction(float(vb)) == vb
    cert, data = _cert4(net, shape, seed=seed, k=1, c=1, odd_bias=[{1}], even=[{(0, A + q)}])
    outside = sum(1 for r in range(g["ho"]) for t in range(g["wo"]) if q not in _inside(g, r, t))
    assert outside > 0
    honest = _honest(copy.deepcopy(cert), net)
    assert Fraction(honest["layers"][0]["beta"]) == _sqrt_up(vb * vb * outside)
    check.check_certificate(honest, data)
    assert _err2(honest, net, [ZERO] * math.prod(shape)) <= Fraction(honest["claim"]["bound"]) ** 2
    attack = _honest(cert, net, beta=lambda o: ZERO)
    assert attack["claim"]["bound"] == "0"
    _invalid(attack, data, 5, r"layers\[0\]\.beta is below")
    assert _false_at(attack, net, [ZERO] * math.prod(shape))


# --- the multiplicity √M (docs/conv.md §4) --------------------------------------------------------------------------

def test_eta_without_the_multiplicity_is_refused_and_its_claim_is_false():
    """Attack: eta and omega written as for a dense layer (M = 1) for a 2 × 1 kernel of ones on a 4 × 1 image
    (M = 2), with nothing kept (G̃ = 0) on the box [0, 1]^4.  The claim δ = ‖K‖_F·reach = 2√2 is refused (fact 5);
    at x = (1, 1, 1, 1) the error is ‖F(x)‖ = ‖(2, 2, 2)‖ = 2√3 > 2√2.  With √M the honest certificate holds."""
    net = _net(nn.Conv2d(1, 1, (2, 1), bias=False), weights=[[1.0, 1.0]])
    shape = (1, 4, 1)
    cert, data = _cert4(net, shape, domain=_box(4, "0", "1", "2"))
    attack = _honest(copy.deepcopy(cert), net, mult=lambda o: 1)
    _invalid(attack, data, 5, r"layers\[0\]\.eta is below")
    ones = [Fraction(1)] * 4
    assert _err2(attack, net, ones) == 12 and _false_at(attack, net, ones)
    honest = _honest(cert, net)
    check.check_certificate(honest, data)
    assert not _false_at(honest, net, ones)


def test_multiplicity_and_inside_agree_with_brute_force_on_odd_geometries():
    """Attack surface: stride larger than the kernel, padding larger than the kernel, kernels larger than the image
    (and pixels no output reads, M = 0).  conv.multiplicity and conv.inside equal a brute-force count on every
    combination with n ≤ 5, k ≤ 4, s ≤ 4, p ≤ 4."""
    zero = 0
    for n in range(1, 6):
        for k in range(1, 5):
            for s in range(1, 5):
                for p in range(0, 5):
                    out = (n + 2 * p - k) // s + 1
                    if out < 1:
                        continue
                    brute = max(_count(n, k, s, p, out, x) for x in range(n))
                    assert conv.multiplicity(n, k, s, p, out) == brute, (n, k, s, p)
                    zero += brute == 0
                    g = conv.walk([1, n, 1], ["Conv2d"], [((1, 1, k, 1), (s, 1), (p, 0))])[0]
                    listed = {}
                    for (a0, a1), _, cnt in conv.inside(g):
                        key = tuple(range(a0, a1 + 1))
                        listed[key] = listed.get(key, 0) + cnt
                    want = {}
                    for r in range(out):
                        key = tuple(a for a in range(k) if 0 <= s * r + a - p < n)
                        want[key] = want.get(key, 0) + 1
                    assert listed == want, (n, k, s, p)
    assert zero > 0   # geometries where no output reads the image occur and are covered


def test_a_convolution_that_reads_only_padding_has_m_0_and_a_spectral_eta_0_is_decided_soundly():
    """Attack: stride 2 and padding 1 on a 1 × 1 image: no output position reads the pixel, so M = 0 and the
    checker must accept eta = omega = 0 — on spectral rows, where it divides by a rational ≥ √M, without a
    ZeroDivisionError — and the claim (only the bias error remains) is true at both ends of the ball."""
    seed = _seed(lambda s: rng.weight_int(s, 1, 0, 0) > 0)
    net = _net(nn.Conv2d(1, 1, 1, stride=2, padding=1), weights=[[0.75]], biases=[[0.25]])
    cert, data = _cert4(net, (1, 1, 1), seed=seed, k=1, odd=[{0: 0}], even=[{(0, 0)}])
    assert [o["M"] for o in _oracle(cert, net)] == [0]
    _honest(cert, net)
    for row in cert["layers"]:
        row["norm"] = "spectral"
    assert cert["layers"][0]["eta"] == "0" and cert["layers"][0]["omega"] == "0"
    check.check_certificate(cert, data)
    for x in (Fraction(-1), Fraction(1)):
        assert not _false_at(cert, net, [x])


# --- the first layer on a non-negative box ----------------------------------------------------------------------------

def _exact_gadget_conv(shape=(1, 1, 2)):
    """F = a 1 × 1 convolution whose weight is exactly G̃'s one positive gadget path v·u (E⁺ = 0, E⁻ = W)."""
    seed = _seed(lambda s: rng.weight_int(s, 1, 0, 0) > 0 and rng.weight_int(s, 2, 0, 0) > 0)
    w = rng.weight(seed, 2, 0, 0) * rng.weight(seed, 1, 0, 0)
    net = _net(nn.Conv2d(1, 1, 1, bias=False), weights=[[float(w)]])
    return net, seed


@pytest.mark.parametrize("lo, reach", [("-1", "2"), ("-1e-30", "2")])
def test_a_box_certificate_relabelled_to_reach_below_zero_is_refused_and_false(lo, reach):
    """Attack: on the box [0, 1]^2 only E⁺ acts (the padding is 0 for x ≥ 0 too), and for F = G̃'s gadget path
    exactly E⁺ = 0: the claim is bound 0, accepted.  The same rows with lo = −1 (or −10^-30) in one coordinate
    are refused (fact 5: eta must bound [E⁺ E⁻]); at x = (lo, 0) G̃(x) = 0 ≠ F(x), so bound 0 would be false."""
    net, seed = _exact_gadget_conv()
    cert, data = _cert4(net, (1, 1, 2), seed=seed, k=1, odd=[{0: 0}], even=[{(0, 0)}],
                        domain=_box(2, "0", "1", reach))
    _honest(cert, net)
    assert cert["claim"]["bound"] == "0"
    check.check_certificate(cert, data)
    for x in ([1, 1], [1, 0], [0, 1]):
        assert _err2(cert, net, [Fraction(v) for v in x]) == 0
    cert["claim"]["domain"]["lo"][0] = lo
    _invalid(cert, data, 5, r"layers\[0\]\.eta is below")
    assert _false_at(cert, net, [Fraction(lo), ZERO])
    cert["claim"]["domain"]["lo"][0] = "-0"    # −0 is 0: still a non-negative box
    check.check_certificate(cert, data)


# --- rescaling exponents per channel, and a Linear after a Flatten (docs/conv.md §6) ----------------------------------

def _group_net(mapping, second: str):
    """Conv2d(1 → 2 channels, 1 × 1) on a 1 × 1 × 2 image, ReLU, then either Flatten and Linear(4 → 1) or
    Conv2d(2 → 1, 1 × 2); with s_1 = [0, 3] and weights set so that G̃ (every kept gadget positive; k = 2) computes
    F exactly when column j of the second layer carries the exponent of channel ``mapping(j)`` (the right one:
    j // 2 in both cases — H·W = 2 for the Linear, A = 2 for the convolution)."""
    def signs(s):
        return (all(rng.weight_int(s, 1, o, 0) > 0 and rng.weight_int(s, 2, o, o) > 0 for o in (0, 1))
                and all(rng.weight_int(s, 3, j, j) > 0 for j in range(4)))
    seed, s1 = _seed(signs), [0, 3]
    w1 = [rng.weight(seed, 2, o, o) * rng.weight(seed, 1, o, 0) / 2 ** s1[o] for o in (0, 1)]
    if second == "linear":   # column j ← hidden channel j (its own input feature j)
        src2, cols = {j: j for j in range(4)}, [(j, j) for j in range(4)]
        tail = [nn.Flatten(), nn.Linear(4, 1, bias=False)]
    else:                    # column j·2 + q ← hidden channel j at kernel position q (weight sharing over q)
        src2, cols = {j: j for j in range(2)}, [(j * 2 + q, j) for j in range(2) for q in range(2)]
        tail = [nn.Conv2d(2, 1, (1, 2), bias=False)]
    w2 = [ZERO] * 4
    for col, h in cols:
        w2[col] = rng.weight(seed, 4, 0, h * 2 + col % 2 if second == "conv" else h) * rng.weight(seed, 3, h, h)
        w2[col] *= 2 ** s1[mapping(col)]
    net = _net(nn.Conv2d(1, 2, 1, bias=False), nn.ReLU(), *tail,
               weights=[[float(v) for v in w1], [float(v) for v in w2]])
    assert [Fraction(float(v)) for v in w1 + w2] == w1 + w2
    even2 = {(0, h * 2 + col % 2 if second == "conv" else h) for col, h in cols}
    cert, data = _cert4(net, (1, 1, 2), seed=seed, k=2, exps=[s1], odd=[{0: 0, 1: 0}, src2],
                        even=[{(0, 0), (1, 1)}, even2], domain=_box(2, "0", "1", "2"))
    return net, cert, data


@pytest.mark.parametrize("second", ["linear", "conv"])
def test_the_next_layer_carries_the_exponent_of_the_channel_its_column_reads(second):
    """Attack: exponents per channel — column j of a Linear after a Flatten must carry the exponent of channel
    ⌊j / (H·W)⌋, column j·A + q of a convolution that of channel j.  With F built so that G̃ = F exactly under
    that mapping, the checker accepts bound 0 (and G̃ = F at the box's vertices); with F built for the interleaved
    mapping (j mod C, or the kernel position q) the same bound-0 certificate is refused (fact 5, layer 2's eta)
    and G̃ ≠ F at x = (1, 1)."""
    net, cert, data = _group_net(lambda j: j // 2, second)
    _honest(cert, net)
    assert cert["claim"]["bound"] == "0"
    check.check_certificate(cert, data)
    for x in ([1, 1], [1, 0], [0, 1], [Fraction(1, 3), Fraction(5, 7)]):
        assert _err2(cert, net, [Fraction(v) for v in x]) == 0
    net, cert, data = _group_net(lambda j: j % 2, second)
    for i in range(2):
        cert["layers"][i] = {"eta": "0", "omega": "10", "beta": "0", "bias_norm": "0", "delta": "0", "rho": "1e9",
                             "norm": "frobenius"}
    cert["claim"]["bound"], cert["claim"]["eps"] = "0", "1"
    _invalid(cert, data, 5, r"layers\[1\]\.eta is below")
    assert _false_at(cert, net, [Fraction(1), Fraction(1)])


# --- ν with √(H'W') ---------------------------------------------------------------------------------------------------

def test_bias_norm_without_the_pixel_count_is_refused_and_its_claim_is_false():
    """Attack: ν_1 = ‖b_1‖ instead of √(H'W')·‖b_1‖ for a 1 × 1 convolution with bias b on a 1 × 1 × 4 image (four
    output pixels), built exactly by one constant channel (so δ_1 = 0), then Flatten and Linear(4 → 1) of ones with
    nothing kept.  The attacker's ρ_1 = b makes δ_2 = ‖W_2‖·b = 2b; the checker refuses it (fact 5) and at any x
    the error is W_2·(b, b, b, b) = 4b."""
    seed = _seed(lambda s: rng.bias_int(s, 1, 1) > 0 and rng.weight_int(s, 2, 0, 1) > 0)
    b = rng.weight(seed, 2, 0, 1) * _bias_of(seed, 1, 1)
    net = _net(nn.Conv2d(1, 1, 1), nn.ReLU(), nn.Flatten(), nn.Linear(4, 1, bias=False),
               weights=[[0.0], [1.0] * 4], biases=[[float(b)], None])
    cert, data = _cert4(net, (1, 1, 4), seed=seed, k=1, c=1, odd_bias=[{1}, set()], even=[{(0, 1)}, set()],
                        domain=_box(4, "0", "1", "2"))
    attack = _honest(copy.deepcopy(cert), net, pixels=lambda o: 1)
    _invalid(attack, data, 5, r"layers\[0\]\.bias_norm is below")
    x = [Fraction(1, 2)] * 4
    assert _err2(attack, net, x) == 16 * b * b and _false_at(attack, net, x)
    honest = _honest(cert, net)
    check.check_certificate(honest, data)
    assert not _false_at(honest, net, x)


# --- the layer-order grammar and Flatten ------------------------------------------------------------------------------

@pytest.mark.parametrize("layers, shape", [
    (lambda: [nn.Conv2d(1, 2, 2), nn.Flatten(), nn.ReLU(), nn.Linear(8, 1)], (1, 3, 3)),        # Flatten before ReLU
    (lambda: [nn.Conv2d(1, 2, 2), nn.ReLU(), nn.Identity(), nn.Flatten(), nn.Dropout(0.9), nn.Linear(8, 1)],
     (1, 3, 3)),
    (lambda: [nn.Conv2d(1, 2, 2), nn.ReLU(), nn.Conv2d(2, 1, 2), nn.Flatten()], (1, 3, 3)),      # Flatten last
    (lambda: [nn.Flatten(), nn.Linear(9, 2), nn.ReLU(), nn.Linear(2, 1)], (1, 3, 3)),            # an MLP on images
    (lambda: [nn.Conv2d(1, 2, 2), nn.ReLU(), nn.Conv2d(2, 1, 2)], (1, 3, 3)),                   # an image out
])
def test_flatten_placements_the_grammar_accepts_are_torchs_function(layers, shape):
    """Attack: Flatten where the grammar accepts it (before the ReLU, between Identity and Dropout, last, first) —
    does torch compute something else there?  For each, an honest certificate (k = 1, every gadget edge of layer
    1 kept) is accepted, the oracle's exact F equals torch's forward of the reloaded module, and the claim holds
    at the ball's sampled points."""
    torch.manual_seed(4)
    net = _net(*layers())
    g0 = _walk(shape, net)[0]
    A = g0["kh"] * g0["kw"]
    cert, data = _cert4(net, shape, k=1, odd=[{h: h for h in range(g0["c_in"])}] + [{}] * (len(_affine(net)) - 1),
                        even=[{(r, h * A + q) for r in range(g0["c_out"]) for h in range(g0["c_in"])
                               for q in range(A)}] + [set()] * (len(_affine(net)) - 1))
    _honest(cert, net)
    ok = check.check_certificate(cert, data)
    assert [g.group for g in ok.geometry] == [g["group"] for g in _walk(shape, net)]
    gen = torch.Generator().manual_seed(5)
    for _ in range(3):
        x = torch.randn(1, *shape, dtype=torch.float64, generator=gen)
        x = x / x.norm()
        ref = _load(data)(x).reshape(-1).tolist()
        xs = [Fraction(v) for v in x.reshape(-1).tolist()]
        assert max(abs(float(a) - b) for a, b in zip(_F(net, shape, xs), ref, strict=True)) < 1e-12
        assert _err2(cert, net, xs) <= Fraction(cert["claim"]["bound"]) ** 2


@pytest.mark.parametrize("layers, pattern", [
    (lambda: [nn.Flatten(), nn.Conv2d(1, 1, 1)], "Conv2d after a Flatten"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.ReLU(), nn.Linear(3, 1)], "needs a Flatten between them"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.ReLU(), nn.Flatten(0, -1), nn.Linear(9, 1)], r"start_dim=0"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.ReLU(), nn.Flatten(1, 2), nn.Linear(9, 1)], r"end_dim=2"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.ReLU(), nn.Flatten(2), nn.Linear(3, 1)], r"start_dim=2"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.ReLU(), nn.Flatten(), nn.Flatten(), nn.Linear(9, 1)], "read only once"),
    (lambda: [nn.Flatten(), nn.Linear(9, 4), nn.ReLU(), nn.Flatten(), nn.Linear(4, 1)], "read only once"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.ReLU(), nn.Flatten()], "ends with a ReLU"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.ReLU(), nn.Flatten(), nn.Linear(9, 1), nn.ReLU(), nn.Conv2d(1, 1, 1)],
     "Conv2d after a Flatten or a Linear"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.Flatten(), nn.Linear(9, 1)], "no ReLU between them"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.ReLU(), nn.ReLU(), nn.Conv2d(1, 1, 1)], "follows another ReLU"),
    (lambda: [nn.Conv2d(1, 1, 1), nn.Sequential(nn.ReLU()), nn.Conv2d(1, 1, 1)], "nested Sequentials"),
])
def test_flatten_placements_torch_would_compute_differently_are_refused(layers, pattern):
    """Attack: a Flatten (or a missing one) where torch computes something else than the flattening the claim is
    about — a Linear on the image's last dimension, Flatten(0, −1) merging the batch, Flatten(1, 2)/(2) keeping a
    dimension, a second Flatten after a Linear — and other out-of-grammar orders."""
    with pytest.raises(modelfile.ModelFileError, match=pattern):
        modelfile.read_chain(_save(_net(*layers())))


def test_an_unbatched_input_gives_torch_no_other_function():
    """The claim is about F on inputs of model.input_shape; torch also runs a Conv2d on an unbatched C×H×W tensor,
    where Flatten(1, −1) keeps the channel dimension.  Either the Linear then sees the same vector (one channel) or
    torch raises (several): no second function hides behind the same file."""
    torch.manual_seed(6)
    one = _net(nn.Conv2d(2, 1, 2), nn.ReLU(), nn.Flatten(), nn.Linear(4, 2))
    x = torch.randn(2, 3, 3, dtype=torch.float64)
    assert torch.equal(one(x).reshape(-1), one(x[None]).reshape(-1))
    two = _net(nn.Conv2d(2, 2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2))
    with pytest.raises(RuntimeError):
        two(x)


# --- model.input_shape ------------------------------------------------------------------------------------------------

def _conv_only():
    torch.manual_seed(7)
    return _net(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.Conv2d(1, 1, 1))


def test_an_input_shape_the_user_never_uses_is_checked_on_its_own_geometry():
    """Attack: model.input_shape that fits the chain but is not the shape the user applies F to.  For a fully
    convolutional F both [1, 8, 8] and [1, 4, 16] fit; a certificate honest for 8 × 8 (36 and 36 output pixels)
    relabelled to 4 × 16 (28 pixels) is still accepted and its claim — now about 4 × 16 inputs — holds (sampled);
    one honest for 4 × 16 relabelled to 8 × 8 is refused (fact 5: M grows from 2·3 to 3·3, and beta and
    bias_norm need √36‖b‖).  For a CNN with a
    Linear after the Flatten only the shapes its Linear fits are accepted (fact 2)."""
    net = _conv_only()
    small, data = _cert4(net, (1, 4, 16))
    big, _ = _cert4(net, (1, 8, 8))
    _honest(small, net)
    _honest(big, net)
    check.check_certificate(small, data)
    check.check_certificate(big, data)
    relabelled = copy.deepcopy(big)
    relabelled["model"]["input_shape"] = [1, 4, 16]
    check.check_certificate(relabelled, data)
    gen = torch.Generator().manual_seed(8)
    for _ in range(3):
        x = torch.randn(64, dtype=torch.float64, generator=gen)
        assert not _false_at(relabelled, net, [Fraction(v) for v in (x / x.norm()).tolist()])
    small["model"]["input_shape"] = [1, 8, 8]
    _invalid(small, data, 5, r"layers\[0\]\.eta is below")
    small["layers"][0]["eta"] = small["layers"][0]["omega"] = small["layers"][0]["beta"] = "1e10"
    _invalid(small, data, 5, r"layers\[0\]\.bias_norm is below")
    small["model"]["input_shape"] = [64]
    _invalid(small, data, 2, "does not fit F.*needs 1 channels of an image")
    torch.manual_seed(9)
    cnn = _net(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(72, 1))
    cert, data = _cert4(cnn, (1, 8, 8))
    _honest(cert, cnn)
    check.check_certificate(cert, data)
    for shape in ([1, 4, 16], [2, 8, 4], [1, 8, 9], [1, 64, 1]):
        cert["model"]["input_shape"] = shape
        _invalid(cert, data, 2, "does not fit F")
    # a state dict / safetensors MLP has no Flatten: only [d] fits it
    head = json.dumps({"0.weight": {"dtype": "F64", "shape": [1, 4], "data_offsets": [0, 32]}}).encode()
    blob = struct.pack("<Q", len(head)) + head + struct.pack("<4d", 1.0, 2.0, 3.0, 4.0)
    mlp = copy.deepcopy(cert)
    mlp["model"].update(sha256=hashlib.sha256(blob).hexdigest(), format="safetensors", modules=["Linear"],
                        input_shape=[1, 2, 2], layers=[{"key": "0.weight", "bias_key": None, "shape": [1, 4],
                                                         "stride": [1, 1], "padding": [0, 0]}])
    _invalid(mlp, blob, 2, r"does not fit F.*a Linear needs a vector of 4")


def test_a_box_with_one_coordinate_per_channel_is_fact_3():
    """Attack: a box listing C (or H·W) bounds for a C × H × W input: the claim must cover all C·H·W coordinates."""
    net = _conv_only()
    cert, data = _cert4(net, (1, 3, 3), domain=_box(1, "0", "1", "1"))
    _invalid(cert, data, 3, "the box has 1 coordinates, F has 9 inputs")
    cert["claim"]["domain"] = _box(9, "0", "1", "3")
    _honest(cert, net)
    check.check_certificate(cert, data)


@pytest.mark.parametrize("shape, pattern", [
    ([1, 2**24 + 1, 1], "more than 16777216 values"),
    ([2**12, 2**12, 2], "more than 16777216 values"),
    ([2**63, 1, 1], "more than 16777216 values"),
    ([1, 1, 1], "outputs more than 16777216 values"),
])
def test_input_shapes_and_outputs_over_the_tensor_limit_are_unusable(shape, pattern):
    """Attack: huge model.input_shape values (the geometry's loops are O(image size)), and a padding that blows a
    1 × 1 image up to more than 2^24 outputs; each is refused (exit 2) before any geometry is walked."""
    net = _net(nn.Conv2d(1, 1, 1, padding=(2**12, 2**12)))
    cert, data = _cert4(net, (1, 1, 1))
    cert["model"]["input_shape"] = shape
    with pytest.raises(Unusable, match=pattern):
        check.check_certificate(cert, data)


# --- masks, widths, exponents and sizes of a convolution's G pair -----------------------------------------------------

def _pair_cert():
    torch.manual_seed(10)
    net = _net(nn.Conv2d(2, 2, 2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(18, 1))
    cert, data = _cert4(net, (2, 2, 2), seed=1, k=2, c=1, odd=[{0: 0, 3: 1}, {}], odd_bias=[{4}, set()],
                        even=[{(0, 0 * 4 + 1), (1, 3 * 4 + 2), (1, 4 * 4 + 3)}, set()])
    return net, cert, data


def test_the_pair_certificate_used_below_is_honest():
    net, cert, data = _pair_cert()
    if rng.bias_int(1, 1, 4) <= 0:
        pytest.skip("seed 1's bias of hidden channel 4 is not positive")
    _honest(cert, net)
    check.check_certificate(cert, data)


@pytest.mark.parametrize("edit, fact, pattern", [
    # the even mask without the A kernel positions (a dense layer's shape)
    (lambda c: c["mask"][1].__setitem__("shape", [2, 5]), 4, r"mask\[1\] must describe G layer 2 of shape \[2, 20\]"),
    # an edge at (channel 1, position 0) — channel 1 keeps nothing — next to channel 0's edge
    (lambda c: c["mask"][1].update(data=_mask(2, 20, [0 * 20 + 1, 1 * 20 + 14, 1 * 20 + 19, 0 * 20 + 4]), kept=4),
     4, r"kept edge \(0, 4\) from a hidden neuron with no input edge and no bias"),
    # a column beyond (k·n + c)·A
    (lambda c: c["mask"][1].update(data=base64.b64encode(zlib.compress(bytes(5) + b"\x01")).decode(), kept=1), 4,
     r"mask\[1\]\.data"),
    # widths in kernel positions rather than channels, or parameters without A
    (lambda c: c["random_network"].__setitem__("widths", [2, 20, 2, 37, 1]), 3, "random_network.widths must be"),
    (lambda c: c["random_network"].__setitem__("parameters", 5 * 3 + 2 * 6 + 37 * 19 + 38), 3, "parameters does not"),
    # one exponent per output pixel (2 channels × 9 pixels) instead of per channel
    (lambda c: c["rescaling"].__setitem__("neuron_exponents", [[0] * 18]), 3, "one integer per hidden channel"),
])
def test_masks_widths_and_exponents_of_a_conv_pair_must_have_the_conv_shapes(edit, fact, pattern):
    """Attack: masks, widths, parameter counts and exponents sized as for the virtual dense layer (or per pixel)."""
    net, cert, data = _pair_cert()
    edit(cert)
    _invalid(cert, data, fact, pattern)


def test_columns_at_the_generators_bias_column_never_pass_the_parameter_limit():
    """Attack: A·(k·n + c) near 2^32, where a column h·A + q could reach the generator's bias column 2^32 − 1.  The
    parameter limit (2^32) already implies every column < 2^32 − 1 for any geometry (parameters ≥ (kn + c)·A·m + 2);
    certificates with (kn + c)·A = 2^32 − 1 (A = 9·... ) or 2^32 are unusable."""
    torch.manual_seed(11)
    net = _net(nn.Conv2d(1, 1, (17, 1), padding=(8, 0)))
    for hidden in ((2**32 - 1) // 17, 2**32 // 17 + 1):
        cert, data = _cert4(net, (1, 1, 1))
        rn = cert["random_network"]
        rn["width_factor"], rn["widths"] = hidden, [1, hidden, 1]
        rn["parameters"] = hidden * 2 + (hidden * 17 + 1)
        assert hidden * 17 >= 2**32 - 1 - 17
        with pytest.raises(Unusable, match="random network too large"):
            check.check_certificate(cert, data)
    for m, n, A, kc in [(1, 1, 1, 1), (1, 1, 3, 5), (2, 3, 9, 7)]:
        params = kc * (n + 1) + m * (kc * A + 1)
        assert params > kc * A + 1   # so params ≤ 2^32 ⇒ kc·A ≤ 2^32 − 2 < the bias column


# --- format 3 carrying format-4 meaning -------------------------------------------------------------------------------

def test_a_format_3_certificate_cannot_describe_a_convolutional_file():
    """Attack: a format-3 certificate (read as format 4 with input_shape [d], strides [1, 1], paddings [0, 0]) for a
    CNN file: its modules cannot name Conv2d (unusable), and without it they are not the file's (fact 2); format
    4's semantics string in format 3, and format 3's in format 4, are unusable."""
    net = _conv_only()
    cert, data = _cert4(net, (1, 3, 3))
    _honest(cert, net)
    check.check_certificate(cert, data)
    three = copy.deepcopy(cert)
    three["format"], three["claim"]["semantics"] = "slt-verify-certificate/3", SEMANTICS3
    del three["model"]["input_shape"]
    for spec in three["model"]["layers"]:
        del spec["stride"], spec["padding"]
    with pytest.raises(Unusable, match=r"model.modules\[0\] must be one of"):
        check.check_certificate(three, data)
    three["model"]["modules"] = ["Linear", "ReLU", "Linear"]
    with pytest.raises(Unusable, match=r"model.layers\[0\].shape must list 2"):
        check.check_certificate(three, data)
    for spec in three["model"]["layers"]:
        spec["shape"] = spec["shape"][:2]
    _invalid(three, data, 2, "model.modules are not the file's modules")
    mixed = copy.deepcopy(cert)
    mixed["claim"]["semantics"] = SEMANTICS3
    with pytest.raises(Unusable, match="claim.semantics must be one of"):
        check.check_certificate(mixed, data)


# --- the pickle's shared flat tuples (torchzip._scan) -----------------------------------------------------------------

def _pkl(*ops: bytes) -> bytes:
    return b"\x80\x02" + b"".join(ops) + b"."


K1, K2, K3 = b"K\x01", b"K\x02", b"K\x03"
PUT = [b"q" + bytes([i]) for i in range(8)]
GET = [b"h" + bytes([i]) for i in range(8)]
T1, T2, T3 = b"\x85", b"\x86", b"\x87"


def test_two_conv2d_sharing_one_kernel_size_constant_are_read():
    """The case the flat-tuple rule exists for: two Conv2d built in one function share the constant (3, 3) as
    kernel_size, so the pickle fetches that tuple from the memo twice; the file is read, each Conv2d with its own
    weight."""
    torch.manual_seed(12)
    net = _net(nn.Conv2d(1, 2, (3, 3)), nn.ReLU(), nn.Conv2d(2, 1, (3, 3)))
    assert net[0].kernel_size is net[2].kernel_size
    data = _save(net)
    chain = modelfile.read_chain(data)
    assert [x.shape for x in chain.layers] == [(2, 1, 3, 3), (1, 2, 3, 3)]
    assert chain.layers[1].weight == net[2].weight.detach().reshape(1, -1).tolist()


@pytest.mark.parametrize("ops", [
    (K3, K3, T2, PUT[0], GET[0], GET[0], T2),                       # ((3, 3), (3, 3)): one flat tuple, twice
    (b"X\x01\x00\x00\x00a", PUT[0], GET[0], GET[0], K1, T3, PUT[1], GET[1], GET[1], T2),   # atoms from the memo
    (b")", PUT[0], GET[0], GET[0], T2),                            # the empty tuple
])
def test_flat_tuples_of_atoms_may_be_shared(ops):
    torchzip._scan(_pkl(*ops))
    assert pickle.loads(_pkl(*ops)) is not None


@pytest.mark.parametrize("ops", [
    (K1, K2, T2, PUT[0], GET[0], T1, PUT[1], GET[1], GET[1], T2),   # a tuple holding a tuple, shared
    (K1, K2, K3, T3, PUT[0], GET[0], GET[0], T2, PUT[1], GET[1], GET[1], T2, PUT[2], GET[2], GET[2], T2),   # 2^n
    (b"(", K1, T2, PUT[0], GET[0]),                                 # MARK, one atom, TUPLE2
    (b"]", PUT[0], GET[0], K1, b"a", T2),                           # a list
    (b"c__builtin__\nset\n", K1, T2, PUT[0], GET[0], GET[0], T2),     # a tuple holding a global
    (b"}", PUT[0], GET[0], GET[0], T2),                             # a dict
    (K1, K2, T2, b"(", PUT[0], b"t", GET[0]),                      # a memo store right after MARK
])
def test_tuples_holding_anything_but_atoms_are_never_shared(ops):
    """Attack on the new flat-tuple rule: smuggle a non-flat tuple (a tuple of tuples, doubling at each level: 2^n
    leaves from n memo fetches; a TUPLE2 whose second item sits under a MARK — both the C and the pure-Python
    unpickler refuse it anyway; a tuple holding a global) or a container into the memo's shareable kinds.  Every
    fetch of such an object is refused by the scan, before anything is built; end to end too."""
    with pytest.raises(modelfile.ModelFileError, match="reuses a container object|memo index"):
        torchzip._scan(_pkl(*ops))
    archive = torch_zip([(b"archive/data.pkl", _pkl(*ops)), (b"archive/version", b"3\n")])
    with pytest.raises(modelfile.ModelFileError, match="reuses a container object|memo index"):
        modelfile.read_chain(archive)


# --- sizes: what the geometry costs (findings) ------------------------------------------------------------------------

def _one_by_one_chain(input_shape, geometry: list[tuple[tuple, tuple]]) -> tuple[dict, bytes]:
    """A chain of 1 × 1 convolutions of weight 1 (one channel, no bias, ReLU between) with the given (stride,
    padding) per layer, and its honest certificate on the unit ball with nothing kept (E = −W, so η_1 = √2,
    η_i = 1, ω_i = 1, M = 1, β = ν = 0), written without walking the geometry."""
    layers = []
    for i, (stride, pad) in enumerate(geometry):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Conv2d(1, 1, 1, stride=stride, padding=pad, bias=False))
    net = _net(*layers, weights=[[1.0]] * len(geometry))
    data = _save(net)
    specs = [{"key": f"{2 * i}.weight", "bias_key": None, "shape": [1, 1, 1, 1], "stride": list(s), "padding": list(p)}
             for i, (s, p) in enumerate(geometry)]
    L = len(geometry)
    rows, rho, delta = [], Fraction(1), ZERO
    for i in range(L):
        eta = _sqrt_up(Fraction(2)) if i == 0 else Fraction(1)
        delta, rho = Fraction(_dec(eta * rho + delta)), Fraction(_dec((1 + eta) * rho))
        rows.append({"eta": _dec(eta), "omega": "1", "beta": "0", "bias_norm": "0", "delta": _dec(delta),
                     "rho": _dec(rho), "norm": "frobenius"})
    masks = []
    for i in range(L):
        masks += [{"layer": 2 * i + 1, "shape": [1, 1], "kept": 0, "data": _mask(1, 1, []), "bias_kept": 0,
                   "bias_data": _mask(1, 1, [])},
                  {"layer": 2 * i + 2, "shape": [1, 1], "kept": 0, "data": _mask(1, 1, []), "bias_kept": 0,
                   "bias_data": _mask(1, 1, [])}]
    cert = {"format": FORMAT4, "verdict": "certified",
            "claim": {"eps": _dec(delta + 1), "bound": _dec(delta), "norm": "l2",
                      "domain": {"kind": "ball", "radius": "1", "reach": "1"}, "semantics": SEMANTICS4},
            "model": {"sha256": hashlib.sha256(data).hexdigest(), "format": "torch-module",
                      "modules": [type(m).__name__ for m in net], "input_shape": list(input_shape), "layers": specs},
            "random_network": {"distribution": rng.DISTRIBUTION, "generator": rng.GENERATOR, "seed": 0,
                               "width_factor": 1, "bias_block": 0, "widths": [1] * (2 * L + 1), "parameters": 4 * L},
            "rescaling": {"neuron_exponents": [[0]] * (L - 1)}, "mask": masks, "layers": rows, "info": {}}
    return cert, data


def test_the_one_by_one_chain_certificate_is_honest_on_a_small_image():
    """The generator of the two findings below writes honest certificates (checked here where the image is small)."""
    cert, data = _one_by_one_chain([1, 3, 2], [((1, 1), (0, 0)), ((2, 1), (1, 0)), ((1, 1), (0, 0))])
    check.check_certificate(cert, data)
    cert["layers"][1]["eta"] = "0.99"
    _invalid(cert, data, 5, r"layers\[1\]\.eta is below")


def _run_checker(cert: dict, data: bytes, tmp_path, timeout: float, memory: int = 3 << 30):
    """``check.run`` in a child process (niced, address space capped at ``memory`` — above the 1 GiB + 256 MiB that
    ``read_file`` reserves for its two reads): (exit code, line), or None when it did not finish within ``timeout``
    seconds."""
    (tmp_path / "c.json").write_text(json.dumps(cert))
    (tmp_path / "m.pt").write_bytes(data)
    code = textwrap.dedent(f"""
        import os, resource
        os.nice(10)
        resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
        from verify.kernel import check
        code, line, _ = check.run({str(tmp_path / "c.json")!r}, {str(tmp_path / "m.pt")!r})
        print(code)
        print(line)
    """)
    try:
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    first, _, line = out.stdout.partition("\n")
    return int(first), line.strip()


def test_geometry_work_summed_over_layers_is_bounded(tmp_path):
    """Found by review (fixed): every layer's output is within MAX_TENSOR_VALUES (2^24), but the geometry
    (``multiplicity`` loops over the input rows, ``_ranges`` over the output rows: about 17 s per layer at 2^24)
    was paid per layer, for any number of layers (64 one-weight 1 × 1 convolutions on a 1 × 2^24 × 1 image, model
    52 KB, certificate 39 KB: more than an hour).  The checker now bounds the total (MAX_GEOMETRY_STEPS) and
    refuses this certificate at once."""
    cert, data = _one_by_one_chain([1, 2**24, 1], [((1, 1), (0, 0))] * 64)
    assert len(data) < 1 << 16 and len(json.dumps(cert)) < 1 << 16
    res = _run_checker(cert, data, tmp_path, timeout=20)
    assert res is not None and "MemoryError" not in res[1], res


def test_padding_far_beyond_the_kernel_costs_no_memory(tmp_path):
    """Found by review (fixed): ``_ranges`` keyed every output row by its (lo, hi) kernel range, and rows whose range
    is empty (all padding) each got their own key, so ``inside`` returned one rectangle per output position (2^24 − 1
    here: 3.46 GB and 98 s for a 2.7 KB model).  Empty ranges now share one key, and the rectangles are bounded."""
    cert, data = _one_by_one_chain([1, 1, 1], [((1, 1), (2**23 - 1, 0))])
    res = _run_checker(cert, data, tmp_path, timeout=20)
    assert res is not None and "MemoryError" not in res[1], res


# --- more fields: the layout is not relied on, spectral rows carry √M, fact 2's fields --------------------------------

def test_channels_outside_the_layout_serve_as_gadgets_and_constants_soundly():
    """Attack on 'the checker does not rely on the layout': a bias-block channel (h = 5 ≥ k·n) keeps an input edge
    from channel 0, a gadget slot (h = 1) is a constant, and one gadget channel feeds several kernel positions of
    both outputs.  The oracle's rows are accepted and the claim holds at the box's vertices and random points."""
    seed = _seed(lambda s: rng.bias_int(s, 1, 1) > 0)
    torch.manual_seed(13)
    net = _net(nn.Conv2d(2, 2, 2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(18, 1))
    cert, data = _cert4(net, (2, 2, 2), seed=seed, k=2, c=2, odd=[{0: 1, 5: 0}, {}], odd_bias=[{1}, set()],
                        even=[{(0, 0 * 4 + 0), (0, 0 * 4 + 3), (1, 0 * 4 + 2), (1, 5 * 4 + 1), (0, 1 * 4 + 3),
                               (1, 1 * 4 + 0)}, set()], domain=_box(8, "-1", "1", "3"))
    _honest(cert, net)
    check.check_certificate(cert, data)
    gen = torch.Generator().manual_seed(14)
    for _ in range(4):
        v = (torch.rand(8, generator=gen) < 0.5).double() * 2 - 1
        assert not _false_at(cert, net, [Fraction(x) for x in v.tolist()])
        assert not _false_at(cert, net, [Fraction(x) for x in (torch.rand(8, generator=gen) * 2 - 1).tolist()])


@pytest.mark.parametrize("c_in, c_out, kernel, shape, M", [
    (1, 3, (3, 1), (1, 5, 2), 3),      # M = 3: √M is not rational, stdlib Cholesky
    (8, 48, (3, 1), (8, 4, 2), 2),     # 48 × 48 (both signs): the numpy path where numpy is usable
    (2, 2, 3, (2, 3, 3), 9),
])
def test_spectral_rows_carry_the_multiplicity(c_in, c_out, kernel, shape, M):
    """Attack: spectral eta and omega for a convolution, one part in 10^7 below √M·‖·‖₂ (refused, fact 5) and one
    part in 10^7 above (accepted): the spectral test divides by a rational ≥ √M, never by √M rounded down."""
    import numpy as np

    torch.manual_seed(15)
    net = _net(nn.Conv2d(c_in, c_out, kernel, padding=1 if M == 9 else 0, bias=False))
    cert, data = _cert4(net, shape)
    assert _oracle(cert, net)[0]["M"] == M
    _honest(cert, net)
    w = net[0].weight.detach().reshape(c_out, -1).numpy()
    norms = {"eta": math.sqrt(M) * np.linalg.norm(np.hstack([-w, w]), 2), "omega": math.sqrt(M) * np.linalg.norm(w, 2)}
    cert["layers"][0]["norm"] = "spectral"
    for key, value in norms.items():
        cert["layers"][0][key] = _dec(Fraction(value * (1 - 1e-7)), 17)
        _invalid(cert, data, 5, rf"layers\[0\]\.{key} is below")
        cert["layers"][0][key] = _dec(Fraction(value * (1 + 1e-7)), 17)
    check.check_certificate(cert, data)


@pytest.mark.parametrize("edit, fact, pattern", [
    (lambda c: c["model"]["layers"][0].__setitem__("stride", [1, 2]), 2, r"shape, stride or padding is not the"),
    (lambda c: c["model"]["layers"][0].__setitem__("padding", [1, 1]), 2, r"shape, stride or padding is not the"),
    (lambda c: c["model"]["layers"][0].__setitem__("shape", [2, 4]), 2, r"shape, stride or padding is not the"),
    (lambda c: c["model"]["layers"][0].__setitem__("shape", [2, 1, 4, 1]), 2, r"shape, stride or padding"),
    (lambda c: c["model"]["layers"][2].__setitem__("stride", [2, 2]), 2, r"model.layers\[2\]: shape, stride"),
    (lambda c: c["model"]["layers"][0].__setitem__("shape", [2, 1, 2]), None, r"must list 2 or 4 sizes"),
    (lambda c: c["model"]["layers"][0].__setitem__("padding", [0, -1]), None, r"padding\[1\] must be an integer"),
    (lambda c: c["model"]["layers"][0].__setitem__("stride", [0, 1]), None, r"stride\[0\] must be an integer"),
    (lambda c: c["model"].__setitem__("input_shape", [1, 3, 3, 1]), None, r"input_shape must list 1 or 3"),
    (lambda c: c["model"].__setitem__("input_shape", [1, 0, 3]), None, r"input_shape\[1\] must be an integer"),
    (lambda c: c["model"].__setitem__("modules", ["Conv2d", "ReLU", "Conv2d", "Flatten", "ReLU", "Linear"]), 2,
     "model.modules are not the file's"),
    (lambda c: c["model"].__setitem__("format", "torch-state-dict"), 2, "model.format is"),
])
def test_format_4_model_fields_must_be_the_files(edit, fact, pattern):
    """Attack: every format-4 field of ``model`` that describes F — strides, paddings, the 4-D shape, the input shape,
    the module order — edited one at a time: each is refused (fact 2, or unusable for the schema)."""
    torch.manual_seed(16)
    net = _net(nn.Conv2d(1, 2, (2, 2)), nn.ReLU(), nn.Conv2d(2, 2, 1, stride=2), nn.ReLU(), nn.Flatten(),
               nn.Linear(2, 1))
    cert, data = _cert4(net, (1, 3, 3))
    _honest(cert, net)
    check.check_certificate(cert, data)
    edit(cert)
    if fact is None:
        with pytest.raises(Unusable, match=pattern):
            check.check_certificate(cert, data)
    else:
        _invalid(cert, data, fact, pattern)


def test_flat_files_with_4d_weights_and_modules_with_mixed_dtypes_are_refused():
    """Attack: a safetensors file (or state_dict) whose weight is 4-D — it cannot say the stride and padding — and a
    module whose Conv2d weight is float32 with a float64 bias (torch's forward raises)."""
    head = json.dumps({"0.weight": {"dtype": "F64", "shape": [1, 1, 1, 2], "data_offsets": [0, 16]}}).encode()
    blob = struct.pack("<Q", len(head)) + head + struct.pack("<2d", 1.0, 2.0)
    with pytest.raises(modelfile.ModelFileError, match="4-D convolution weight"):
        modelfile.read_chain(blob)
    net = _net(nn.Conv2d(1, 1, 1))
    net[0]._parameters["weight"] = nn.Parameter(torch.ones(1, 1, 1, 1, dtype=torch.float32))
    with pytest.raises(modelfile.ModelFileError, match="mixes floating-point dtypes"):
        modelfile.read_chain(_save(net))


def test_geometries_torch_cannot_run_are_refused():
    """Found by review (fixed): the checker accepted any stride ≥ 1 and padding ≥ 0 up to 2^63 whose output is
    between 1 and 2^24 values; torch's conv2d overflows 32-bit arithmetic for paddings near 2^31 and raises (a claim
    about a function torch cannot evaluate: vacuous, not false).  Strides and paddings ≥ 2^30 are now refused."""
    net = _net(nn.Conv2d(1, 1, 1, stride=(2**33, 1), padding=(2**31 - 1, 0)), weights=[[2.0]], biases=[[0.5]])
    with pytest.raises(RuntimeError, match="Output size is too small"):
        _load(_save(net))(torch.ones(1, 1, 1, 1, dtype=torch.float64))
    cert, data = _cert4(net, (1, 1, 1))
    _honest(cert, net)
    with pytest.raises(Unusable, match=r"stride or padding of 2\^30 or more"):
        check.check_certificate(cert, data)


# --- a random differential sweep --------------------------------------------------------------------------------------

def _random_case(case: int):
    """A small random CNN (one or two convolutions, padding up to 2 > (k − 1)/2, strides, kernels larger than the
    image, biases), random
    masks obeying fact 4 (constants at random kernel positions, gadgets at random positions, even biases),
    random exponents and domain."""
    import random

    rnd = random.Random(case)
    C, H, W = rnd.randint(1, 2), rnd.randint(1, 3), rnd.randint(1, 3)
    c1, k1 = rnd.randint(1, 3), (rnd.randint(1, 3), rnd.randint(1, 3))
    p1 = (rnd.randint(0, 2), rnd.randint(0, 2))
    s1 = (rnd.randint(1, 2), rnd.randint(1, 2))
    while (H + 2 * p1[0] - k1[0]) < 0 or (W + 2 * p1[1] - k1[1]) < 0:
        p1 = (p1[0] + 1, p1[1] + 1)
    h1, w1 = (H + 2 * p1[0] - k1[0]) // s1[0] + 1, (W + 2 * p1[1] - k1[1]) // s1[1] + 1
    layers = [nn.Conv2d(C, c1, k1, stride=s1, padding=p1), nn.ReLU()]
    if rnd.random() < 0.5:   # a second convolution: its columns j·A + q carry the exponent of channel j
        c2, k2, p2 = rnd.randint(1, 2), (rnd.randint(1, 2), rnd.randint(1, 3)), (rnd.randint(0, 2), rnd.randint(0, 1))
        s2 = (rnd.randint(1, 2), 1)
        while h1 + 2 * p2[0] < k2[0] or w1 + 2 * p2[1] < k2[1]:
            p2 = (p2[0] + 1, p2[1] + 1)
        layers += [nn.Conv2d(c1, c2, k2, stride=s2, padding=p2), nn.ReLU()]
        c1, h1, w1 = c2, (h1 + 2 * p2[0] - k2[0]) // s2[0] + 1, (w1 + 2 * p2[1] - k2[1]) // s2[1] + 1
    torch.manual_seed(case)
    net = _net(*layers, nn.Flatten(), nn.Linear(c1 * h1 * w1, 2))
    with torch.no_grad():
        for _, m in _affine(net):
            m.bias.uniform_(-1, 1)
    shape, k, c, seed = (C, H, W), rnd.randint(1, 2), rnd.randint(0, 2), rnd.randint(0, 10**6)
    geo = _walk(shape, net)
    odd, odd_bias, even, even_bias = [], [], [], []
    for i, g in enumerate(geo):
        n, m, A = g["c_in"], g["c_out"], g["kh"] * g["kw"]
        src, const = {}, set()
        for h in range(k * n + c):
            roll = rnd.random()
            if roll < 0.6:
                src[h] = rnd.randrange(n)
            elif roll < 0.85 and rng.bias_int(seed, 2 * i + 1, h) > 0:
                const.add(h)
        edges = {(rnd.randrange(m), h * A + rnd.randrange(A)) for h in (*src, *const) for _ in range(rnd.randint(1, 3))}
        odd.append(src)
        odd_bias.append(const)
        even.append(edges)
        even_bias.append({r for r in range(m) if rnd.random() < 0.3})
    exps = [[rnd.randint(-3, 3) for _ in range(g["c_out"])] for g in geo[:-1]]
    d = C * H * W
    reach = _dec(_sqrt_up(Fraction(d)))
    domain = rnd.choice([_box(d, "0", "1", reach), _box(d, "-1", "0.5", reach), {"kind": "ball", "radius": "1",
                                                                                   "reach": "1"}])
    cert, data = _cert4(net, shape, seed=seed, k=k, c=c, exps=exps, odd=odd, odd_bias=odd_bias, even=even,
                        even_bias=even_bias, domain=domain)
    return net, cert, data, rnd


@pytest.mark.parametrize("case", range(16))
def test_random_conv_certificates_are_decided_at_the_oracles_values_and_hold(case):
    """Differential sweep: on random small CNN certificates the checker accepts exactly the oracle's rows (one
    random row entry 10^-40 below its exact value is refused, fact 5), and the accepted claim holds at vertices and
    random points of D, evaluated exactly."""
    net, cert, data, rnd = _random_case(case)
    _honest(cert, net)
    check.check_certificate(cert, data)
    oracle = _oracle(cert, net)
    dom = cert["claim"]["domain"]
    nonneg = dom["kind"] == "box" and dom["lo"][0] == "0"
    i = rnd.randrange(len(oracle))
    o = oracle[i]
    exact = {"eta": o["M"] * (_sq(o["ep"]) + (0 if i or nonneg else _sq(o["em"]))), "omega": o["M"] * _sq(o["W"]),
             "beta": _sq([o["e"]]), "bias_norm": o["pixels"] * _sq([o["b"]])}
    key = rnd.choice([key for key, s in exact.items() if s > 0])
    bad = copy.deepcopy(cert)
    bad["layers"][i][key] = _below(exact[key])
    _invalid(bad, data, 5, rf"layers\[{i}\]\.{key}")
    d = math.prod(cert["model"]["input_shape"])
    for _ in range(4):
        if dom["kind"] == "box":
            lo, hi = Fraction(dom["lo"][0]), Fraction(dom["hi"][0])
            x = [rnd.choice([lo, hi, lo + (hi - lo) * Fraction(rnd.randint(0, 8), 8)]) for _ in range(d)]
        else:
            x = [Fraction(rnd.randint(-8, 8), 8 * max(1, d)) for _ in range(d)]
        assert not _false_at(cert, net, x)
