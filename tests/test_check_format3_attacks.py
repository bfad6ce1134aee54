"""Attacks on what certificate format 3 added to the checker: domains (ball, box), constant neurons, biases of F
and of G, rescaling with biases, the new modules (Flatten, Dropout, Identity) and the VALID line naming D.

Certificates here are written by hand (``_cert``): masks, rows and the model file (safetensors, float64) are made in
this file, and every row value an honest certificate needs is computed by an exact oracle that shares nothing with
the checker but the published generator (tests/independent.py rebuilds G̃ from the raw mask bits; E⁺, E⁻, e are
formed here from FORMAT.md's definitions).  Each refused attack also proves, where it can, that the claim it would
make is false, by exact evaluation of G̃ and F at a point of D.

Tests whose docstring starts with BUG fail until the checker is fixed: the VALID line naming a larger domain than
the one checked, the exact-arithmetic budget ignoring the rescaling shift, and (a design question) state dicts whose
adjacent indices contradict the ReLU the checker inserts.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import math
import re
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import torch
from independent import pruned_from_raw, relu_net
from torch import nn

from verify.kernel import check, rng
from verify.kernel.wellformed import Unusable, well_formed

ZERO = Fraction(0)
_SEMANTICS = ("exact real arithmetic of the stored weights and biases; Flatten reshapes, Dropout and Identity are "
              "the identity (inference)")
_SCHEMA = jsonschema.Draft202012Validator(json.loads(   # these certificates are format 3, still read (FORMAT.md)
    (Path(__file__).resolve().parent.parent / "certs" / "schema-3.json").read_text()))


# --- writing certificates by hand ------------------------------------------------------------------------------

def _safetensors(tensors: dict) -> bytes:
    """A safetensors file of float64 tensors, written byte by byte."""
    header, body = {}, b""
    for key, a in tensors.items():
        a = np.ascontiguousarray(a, dtype="<f8")
        header[key] = {"dtype": "F64", "shape": list(a.shape), "data_offsets": [len(body), len(body) + a.nbytes]}
        body += a.tobytes()
    head = json.dumps(header).encode()
    return struct.pack("<Q", len(head)) + head + body


def _mask(rows: int, cols: int, positions) -> str:
    buf = bytearray((rows * cols + 7) // 8)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return base64.b64encode(zlib.compress(bytes(buf))).decode()


def _dec(x: Fraction, digits: int = 60) -> str:
    """A decimal string ≥ x (x ≥ 0) with ``digits`` significant digits; exact when x has a short expansion."""
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
    q = -((-y.numerator) // y.denominator)
    return f"{q}e{-scale}"


def _sqrt_up(s: Fraction, digits: int = 60) -> Fraction:
    """A decimal ≥ √s (√s itself when s is the square of a rational)."""
    if s == 0:
        return ZERO
    a, b = math.isqrt(s.numerator), math.isqrt(s.denominator)
    if a * a == s.numerator and b * b == s.denominator:
        return Fraction(_dec(Fraction(a, b), digits))
    r = Fraction(_dec(Fraction(math.isqrt(s.numerator * 10**140 // s.denominator) + 1, 10**70), digits))
    while r * r < s:   # never taken in practice; keeps the oracle exact
        r = Fraction(_dec(r * Fraction(1 + 10**-20), digits))
    return r


def _cert(weights, biases, *, seed=0, k=1, c=0, exps=None, odd=None, odd_bias=None, even=None, even_bias=None,
          domain=None, model=None) -> tuple[dict, bytes]:
    """A format-3 certificate for F = (weights, biases) (lists of lists of floats; a bias None = no bias key) with
    the given kept sets per target layer i: odd[i] = {h: j}, odd_bias[i] = {h}, even[i] = {(r, h)},
    even_bias[i] = {r}.  Rows are placeholders; ``_honest`` fills them in exactly."""
    L = len(weights)
    if model is None:
        tensors, layers = {}, []
        for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
            tensors[f"{2 * i}.weight"] = np.array(w, dtype=np.float64)
            if b is not None:
                tensors[f"{2 * i}.bias"] = np.array(b, dtype=np.float64)
            layers.append({"key": f"{2 * i}.weight", "bias_key": None if b is None else f"{2 * i}.bias",
                           "shape": [len(w), len(w[0])]})
        data = _safetensors(tensors)
        model = {"format": "safetensors", "modules": ["Linear"] + ["ReLU", "Linear"] * (L - 1), "layers": layers}
    else:
        data, model = model
    shapes = [(len(w), len(w[0])) for w in weights]
    widths = [shapes[0][1]]
    for m, n in shapes:
        widths += [k * n + c, m]
    masks = []
    for i, (m, n) in enumerate(shapes):
        hidden = k * n + c
        o, ob = (odd or [{}] * L)[i], (odd_bias or [set()] * L)[i]
        e, eb = (even or [set()] * L)[i], (even_bias or [set()] * L)[i]
        masks += [{"layer": 2 * i + 1, "shape": [hidden, n], "kept": len(o),
                   "data": _mask(hidden, n, [h * n + j for h, j in o.items()]),
                   "bias_kept": len(ob), "bias_data": _mask(hidden, 1, ob)},
                  {"layer": 2 * i + 2, "shape": [m, hidden], "kept": len(e),
                   "data": _mask(m, hidden, [r * hidden + h for r, h in e]),
                   "bias_kept": len(eb), "bias_data": _mask(m, 1, eb)}]
    cert = {"format": "slt-verify-certificate/3", "verdict": "certified",
            "claim": {"eps": "1e100", "bound": "1e90", "norm": "l2",
                      "domain": domain or {"kind": "ball", "radius": "1", "reach": "1"}, "semantics": _SEMANTICS},
            "model": {"sha256": hashlib.sha256(data).hexdigest(), **model},
            "random_network": {"distribution": rng.DISTRIBUTION, "generator": rng.GENERATOR, "seed": seed,
                               "width_factor": k, "bias_block": c, "widths": widths,
                               "parameters": sum(a * b + b for a, b in zip(widths, widths[1:], strict=False))},
            "rescaling": {"neuron_exponents": exps if exps is not None else [[0] * m for m, _ in shapes[:-1]]},
            "mask": masks,
            "layers": [{"eta": "1e30", "omega": "1e30", "beta": "1e30", "bias_norm": "1e30", "delta": "1e90",
                        "rho": "1e90", "norm": "frobenius"} for _ in shapes],
            "info": {}}
    return cert, data


def _target(weights, biases) -> list:
    return [([[Fraction(v) for v in row] for row in w], [Fraction(v) for v in b] if b is not None else [ZERO] * len(w))
            for w, b in zip(weights, biases, strict=True)]


def _errors(cert: dict, target: list) -> list[tuple[list, list, list, list]]:
    """Per target layer, exactly and in F's units (FORMAT.md fact 5, from G̃ rebuilt from the raw bits):
    (E⁺ rows, E⁻ rows, e, W)."""
    pruned = pruned_from_raw(cert)
    ex = cert["rescaling"]["neuron_exponents"]
    s = [[0] * len(target[0][0][0]), *ex, [0] * len(target[-1][0])]
    out = []
    for i, (w, b) in enumerate(target):
        (U, bu), (V, bv) = pruned[2 * i], pruned[2 * i + 1]
        m, n = len(w), len(w[0])
        P, N, C = [[ZERO] * n for _ in range(m)], [[ZERO] * n for _ in range(m)], list(bv)
        for h, (urow, ub) in enumerate(zip(U, bu, strict=True)):
            src = [(j, u) for j, u in enumerate(urow) if u]
            for r in range(m):
                if V[r][h]:
                    if src:
                        j, u = src[0]
                        (P if u > 0 else N)[r][j] += V[r][h] * u
                    else:
                        C[r] += V[r][h] * ub
        t = [[Fraction(2) ** (s[i][j] - s[i + 1][r]) for j in range(n)] for r in range(m)]
        out.append(([[t[r][j] * P[r][j] - w[r][j] for j in range(n)] for r in range(m)],
                    [[w[r][j] - t[r][j] * N[r][j] for j in range(n)] for r in range(m)],
                    [Fraction(2) ** -s[i + 1][r] * C[r] - b[r] for r in range(m)], w))
    return out


def _sq(rows) -> Fraction:
    return sum((x * x for row in rows for x in row), ZERO)


def _honest(cert: dict, target: list, *, nonneg: bool | None = None) -> dict:
    """Fill in the smallest rows (Frobenius, rounded up) and the bound, computed by the oracle above."""
    dom = cert["claim"]["domain"]
    if nonneg is None:
        nonneg = dom["kind"] == "box" and all(not s.startswith("-") or Fraction(s[1:]) == 0 for s in dom["lo"])
    rho, delta = Fraction(dom["reach"]), ZERO
    for i, (ep, em, e, w) in enumerate(_errors(cert, target)):
        b = target[i][1]
        eta = _sqrt_up(_sq(ep) + (0 if i or nonneg else _sq(em)))
        omega, beta, nu = _sqrt_up(_sq(w)), _sqrt_up(_sq([e])), _sqrt_up(_sq([b]))
        delta = Fraction(_dec(eta * rho + beta + omega * delta))
        rho = Fraction(_dec((omega + eta) * rho + nu + beta))
        cert["layers"][i] = {"eta": _dec(eta), "omega": _dec(omega), "beta": _dec(beta), "bias_norm": _dec(nu),
                             "delta": _dec(delta), "rho": _dec(rho), "norm": "frobenius"}
    cert["claim"]["bound"] = _dec(delta)
    cert["claim"]["eps"] = _dec(delta + 1)
    cert["verdict"] = "certified"
    return cert


def _error2(cert: dict, target: list, x: list[Fraction]) -> Fraction:
    """‖G̃(x) − F(x)‖₂², exactly."""
    g, f = relu_net(pruned_from_raw(cert), x), relu_net(target, x)
    return sum(((a - b) ** 2 for a, b in zip(g, f, strict=True)), ZERO)


def _seed(pred) -> int:
    """The first G seed with the generator signs a construction needs (deterministic)."""
    return next(s for s in range(10_000) if pred(s))


def _invalid(cert, data, fact: int, pattern: str) -> None:
    with pytest.raises(check.Invalid, match=pattern) as e:
        check.check_certificate(cert, data)
    assert e.value.fact == fact


# --- a tight 1-D construction: sup ‖G̃ − F‖ equals the certified bound exactly --------------------------------

def _tight(domain: dict) -> tuple[dict, bytes, list, Fraction]:
    """F(x) = N·x (x ∈ R) and G̃ with one positive gadget (P = v₀u₀) and one negative (N = v₁u₁) on the input, so
    G̃(x) − F(x) = (P − N)·σ(x): E⁻ = 0, and on D ∋ reach the bound |P − N|·reach is attained at x = reach."""
    def signs(s):
        return (rng.weight_int(s, 1, 0, 0) > 0 > rng.weight_int(s, 1, 1, 0)
                and rng.weight_int(s, 2, 0, 0) * rng.weight_int(s, 1, 0, 0) > rng.weight_int(s, 2, 0, 1)
                * rng.weight_int(s, 1, 1, 0) and _leading(s) >= 5)

    def pn(s):
        return (rng.weight(s, 2, 0, 0) * rng.weight(s, 1, 0, 0), rng.weight(s, 2, 0, 1) * rng.weight(s, 1, 1, 0))

    def _leading(s):
        p, n = pn(s)
        return int(_dec(p - n, 1).split("e")[0])

    seed = _seed(signs)
    P, N = pn(seed)
    w = float(N)
    assert Fraction(w) == N   # a product of two 24-bit odd integers / 2^48 is a float64
    weights, biases = [[[w]]], [None]
    cert, data = _cert(weights, biases, seed=seed, k=2, odd=[{0: 0, 1: 0}], even=[{(0, 0), (0, 1)}],
                       domain=domain)
    target = _target(weights, biases)
    _honest(cert, target)
    return cert, data, target, P - N


def _printed(line: str, what: str) -> Fraction:
    return Fraction(re.search(what, line).group(1))


@pytest.mark.parametrize("domain, pattern", [
    ({"kind": "ball", "radius": "1.0000000001", "reach": "1.0000000001"}, r"radius ([0-9.eE+-]+)"),
    ({"kind": "box", "lo": ["-1.0000000001"], "hi": ["1.0000000001"], "reach": "1.0000000001"},
     r"box \[-?[0-9.eE+-]+, ([0-9.eE+-]+)\]"),
], ids=["ball", "box"])
def test_the_valid_line_names_no_larger_domain_than_the_one_checked(domain, pattern):
    """BUG: the VALID line rounds the ball's radius and the box's bounds *up* (outward) to 6 digits, so it states
    the bound over a domain the rows were never checked on.  Witness (tight construction, sup attained at the
    boundary): D = ball or box of radius 1.0000000001, printed as 1.00001; at x = 1.00001, inside the printed
    domain, ‖G̃(x) − F(x)‖ = |P − N|·1.00001 exceeds the printed bound (and the certified one)."""
    cert, data, target, slope = _tight(domain)
    ok = check.check_certificate(cert, data)
    assert ok.bound == slope * Fraction("1.0000000001")   # the bound is exact ...
    assert _error2(cert, target, [Fraction("1.0000000001")]) == ok.bound**2   # ... and attained on D
    code, line = check.verdict_line(ok)
    assert code == 0 and line.startswith("VALID")
    x = _printed(line, pattern)   # the edge of the domain the line names
    printed_bound = _printed(line, r"<= ([0-9.eE+-]+) <= eps")
    assert _error2(cert, target, [x]) <= printed_bound**2, (
        f"{line!r}: at x = {x}, inside the domain the line names, |G~(x) - F(x)| = "
        f"{float(slope * x):.9g} > {printed_bound}")


# --- domains: fact 1 and fact 3 ----------------------------------------------------------------------------

def _one_gadget(domain: dict, w: float = 0.75, b: float | None = -0.5):
    """F(x) = w·x + b on R, G̃ with one positive gadget (u₀ > 0, output weight v₀) and no constant."""
    seed = _seed(lambda s: rng.weight_int(s, 1, 0, 0) > 0)
    weights, biases = [[[w]]], [None if b is None else [b]]
    cert, data = _cert(weights, biases, seed=seed, odd=[{0: 0}], even=[{(0, 0)}], domain=domain)
    return cert, data, _target(weights, biases)


def test_box_reach_exactly_at_the_farthest_corner_is_accepted():
    """reach² = Σ max(lo², hi²) exactly (3² + 4² = 5²) is enough; one digit less is fact 1."""
    target = _target([[[0.5, 0.25]]], [[0.125]])
    cert, data = _cert([[[0.5, 0.25]]], [[0.125]], seed=3, k=1, odd=[{}], even=[set()],
                       domain={"kind": "box", "lo": ["-3", "-1"], "hi": ["2", "4"], "reach": "5"})
    _honest(cert, target)
    check.check_certificate(cert, data)
    cert["claim"]["domain"]["reach"] = "4.999999999999999999999999"
    _invalid(cert, data, 1, "reach is below the largest norm of a point of the box")


@pytest.mark.parametrize("lo, hi, pattern", [
    (["1"], ["0.5"], "lo <= hi in every coordinate"),
    (["-0"], ["-0.5"], "lo <= hi in every coordinate"),
    (["0", "0"], ["1"], "as many lo as hi bounds"),
])
def test_malformed_boxes_are_fact_1(lo, hi, pattern):
    cert, data, _ = _one_gadget({"kind": "box", "lo": lo, "hi": hi, "reach": "2"})
    _invalid(cert, data, 1, pattern)


def test_a_box_of_the_wrong_dimension_is_fact_3():
    cert, data, _ = _one_gadget({"kind": "box", "lo": ["0", "0"], "hi": ["1", "1"], "reach": "2"})
    _invalid(cert, data, 3, "the box has 2 coordinates, F has 1 inputs")


@pytest.mark.parametrize("domain, fact, pattern", [
    ({"kind": "ball", "radius": "0", "reach": "1"}, 1, "radius > 0"),
    ({"kind": "ball", "radius": "2", "reach": "1.999999999"}, 1, "reach >= radius"),
])
def test_balls_need_a_positive_radius_within_reach(domain, fact, pattern):
    cert, data, _ = _one_gadget(domain)
    _invalid(cert, data, fact, pattern)


@pytest.mark.parametrize("side, value", [("lo", []), ("hi", []), ("lo", ["+1"]), ("lo", ["--1"]), ("hi", ["−1"]),
                                         ("lo", ["-1e401"]), ("hi", ["1.e3"]), ("lo", ["-" + "9" * 400])])
def test_malformed_box_bounds_are_unusable_and_the_schema_agrees(side, value):
    cert, data, _ = _one_gadget({"kind": "box", "lo": ["0"], "hi": ["1"], "reach": "1"})
    cert["claim"]["domain"][side] = value
    assert not _SCHEMA.is_valid(cert)
    with pytest.raises(Unusable, match=f"claim.domain.{side}"):
        check.check_certificate(cert, data)


def test_schema_and_checker_agree_on_the_format_3_fields():
    """Well-formed for one is well-formed for the other, on values around the new fields (floats such as 1.0 for an
    integer are left out: JSON Schema calls them integers, FORMAT.md does not)."""
    cert, _, _ = _one_gadget({"kind": "box", "lo": ["-0"], "hi": ["1"], "reach": "1"})
    cases = []
    for path, values in [
        (("claim", "domain", "lo", 0), ["-0.0", "-0e5", "0", "-1E+400", "-1e-0400", "-", "-0x1", " 0", "-1.5e2"]),
        (("claim", "domain", "reach"), ["-1", "1e400", "0"]),
        (("claim", "domain", "kind"), ["ball", "Box", None]),
        (("random_network", "bias_block"), [-1, 2**32 - 1, 2**32, True]),
        (("mask", 0, "bias_kept"), [-1, 2**63, 2**63 + 1, False]),
        (("mask", 1, "bias_data"), [None, 3, ""]),
        (("layers", 0, "beta"), ["-0", "1e-400", "0.", None]),
        (("layers", 0, "bias_norm"), ["00", "1e+400", "1e401"]),
        (("model", "layers", 0, "bias_key"), [None, 3, "", ["0.bias"]]),
        (("model", "modules"), [[], ["Dropout"], ["Conv2d"], "Linear"]),
        (("rescaling", "neuron_exponents"), [[[4096]], [[-4097]], [[]], [[True]]]),
    ]:
        for value in values:
            c = copy.deepcopy(cert)
            parent = c
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            cases.append(c)
    for key in ("radius", "lo"):
        c = copy.deepcopy(cert)
        c["claim"]["domain"][key] = "1"   # a box with a radius key / without a key
        cases.append(c)
    c = copy.deepcopy(cert)
    c["claim"]["domain"] = {"kind": "ball", "radius": "1", "reach": "1", "lo": ["0"]}
    cases.append(c)
    for c in cases:
        try:
            well_formed(c)
            ours = True
        except Unusable:
            ours = False
        assert _SCHEMA.is_valid(c) == ours, json.dumps(c)[:300]


# --- the non-negative box rule: layer 1 then bounds only E⁺ -------------------------------------------------

def test_a_box_reaching_below_zero_needs_both_signs_of_layer_1():
    """F(x) = P·x with P = v₀u₀ > 0 the one kept path: G̃ = F on [0, 1] (E⁺ = 0), so "sup ≤ 0" holds there and is
    accepted.  The same rows for [−1, 1] (same reach) would be false: at x = −1, G̃(x) = v₀σ(−u₀) = 0 but
    F(x) = −P.  Fact 5 refuses them ([E⁺ E⁻] = [0, P] there)."""
    seed = _seed(lambda s: rng.weight_int(s, 1, 0, 0) > 0 and rng.weight_int(s, 2, 0, 0) > 0)
    P = rng.weight(seed, 1, 0, 0) * rng.weight(seed, 2, 0, 0)
    weights, biases = [[[float(P)]]], [None]
    assert Fraction(weights[0][0][0]) == P
    cert, data = _cert(weights, biases, seed=seed, odd=[{0: 0}], even=[{(0, 0)}],
                       domain={"kind": "box", "lo": ["0"], "hi": ["1"], "reach": "1"})
    target = _target(weights, biases)
    _honest(cert, target)
    assert check.check_certificate(cert, data).bound == 0
    attack = copy.deepcopy(cert)
    attack["claim"]["domain"]["lo"] = ["-1"]
    assert _error2(attack, target, [Fraction(-1)]) == P * P > 0   # the claim "sup ≤ 0" on [−1, 1] is false
    _invalid(attack, data, 5, r"layers\[0\].eta is below the gadget error's frobenius norm")


@pytest.mark.parametrize("zero", ["-0", "-0.0", "-0e5", "-0.000e-400", "0"])
def test_a_negative_zero_lower_bound_is_non_negative(zero):
    """"-0" is 0 (SDEC): the box is non-negative and E⁺ alone is checked; x = 0 is the only point at issue."""
    cert, data, target = _one_gadget({"kind": "box", "lo": [zero], "hi": ["1"], "reach": "1"}, b=None)
    _honest(cert, target, nonneg=True)
    ok = check.check_certificate(cert, data)
    assert ok.domain.non_negative
    for x in (ZERO, Fraction(1, 3), Fraction(1)):
        assert _error2(cert, target, [x]) <= ok.bound**2


def test_a_tiny_negative_lower_bound_is_not_non_negative():
    cert, data, target = _one_gadget({"kind": "box", "lo": ["-1e-400"], "hi": ["1"], "reach": "1"}, b=None)
    _honest(cert, target, nonneg=True)
    _invalid(cert, data, 5, "eta is below")
    _honest(cert, target, nonneg=False)
    assert not check.check_certificate(cert, data).domain.non_negative


def test_rho_0_is_the_reach_not_the_radius():
    """Rows composed from the radius while reach is larger: fact 6 (rho_0 = reach)."""
    cert, data, target = _one_gadget({"kind": "ball", "radius": "1", "reach": "1"})
    _honest(cert, target)
    cert["claim"]["domain"]["reach"] = "2"
    _invalid(cert, data, 6, r"layers\[0\].delta is below")


# --- constant neurons and G's biases: fact 4, fact 5 ----------------------------------------------------------

def _bias_seed(sign: int, layer: int = 1, row: int = 0, extra=lambda s: True) -> int:
    return _seed(lambda s: rng.bias_int(s, layer, row) * sign > 0 and extra(s))


def test_a_non_positive_bias_is_no_constant():
    """Neuron 0 keeps only its bias β < 0: it outputs σ(β) = 0, not β.  Rows computed as if it output β (e = vβ − b
    = 0 with b := vβ) would be false: G̃(x) − F(x) = −b everywhere.  Fact 4 refuses the kept bias."""
    seed = _bias_seed(-1)
    b = float(rng.weight(seed, 2, 0, 0) * Fraction(rng.bias_int(seed, 1, 0), 1 << 24))
    weights, biases = [[[0.0]]], [[b]]
    cert, data = _cert(weights, biases, seed=seed, odd=[{}], odd_bias=[{0}], even=[{(0, 0)}])
    target = _target(weights, biases)
    cert["layers"][0].update(eta="0", omega="0", beta="0", bias_norm=_dec(abs(Fraction(b))), delta="0",
                             rho=_dec(abs(Fraction(b)) + 1))
    cert["claim"]["bound"] = "0"
    assert _error2(cert, target, [ZERO]) == Fraction(b) ** 2 > 0   # the claim "sup = 0" is false
    _invalid(cert, data, 4, "hidden neuron 0 keeps its bias but also an input edge, or its bias is not positive")


@pytest.mark.parametrize("domain", [
    {"kind": "ball", "radius": "1", "reach": "1"},
    {"kind": "ball", "radius": "1e-400", "reach": "1e-400"},
    {"kind": "box", "lo": ["-1e400"], "hi": ["1e400"], "reach": "1e400"},
    {"kind": "box", "lo": ["-0"], "hi": ["-0.0"], "reach": "0"},
])
def test_a_positive_constant_is_counted_exactly(domain):
    """The same construction with β > 0 is the exact bias gadget: e = 0 and W = 0, so G̃ = F everywhere; the claim
    sup = 0 holds on every domain, extreme ones included, is accepted, and its VALID line is one line."""
    seed = _bias_seed(+1)
    b = float(rng.weight(seed, 2, 0, 0) * Fraction(rng.bias_int(seed, 1, 0), 1 << 24))
    weights, biases = [[[0.0]]], [[b]]
    cert, data = _cert(weights, biases, seed=seed, odd=[{}], odd_bias=[{0}], even=[{(0, 0)}], domain=domain)
    target = _target(weights, biases)
    _honest(cert, target)
    ok = check.check_certificate(cert, data)
    assert Fraction(cert["claim"]["bound"]) == 0 == ok.bound
    assert _error2(cert, target, [Fraction(1)]) == 0 == _error2(cert, target, [ZERO])
    code, line = check.verdict_line(ok)
    assert code == 0 and line.startswith("VALID: sup over the ") and "\n" not in line


def test_a_constant_that_also_keeps_an_input_edge_is_refused():
    """Neuron 0 keeps an edge (u > 0) and its bias β > 0: it computes σ(u·x + β), neither gadget nor constant."""
    seed = _bias_seed(+1, extra=lambda s: rng.weight_int(s, 1, 0, 0) > 0)
    cert, data = _cert([[[0.5]]], [[0.25]], seed=seed, odd=[{0: 0}], odd_bias=[{0}], even=[{(0, 0)}])
    _invalid(cert, data, 4, "hidden neuron 0 keeps its bias but also an input edge")


def test_a_constant_without_an_output_edge_is_refused():
    seed = _bias_seed(+1, row=1)
    cert, data = _cert([[[0.5]]], [[0.25]], seed=seed, k=1, c=1, odd=[{}], odd_bias=[{1}], even=[set()])
    _invalid(cert, data, 4, "hidden neuron 1 keeps an input edge or bias but no output edge")


def test_an_even_edge_from_a_neuron_that_keeps_nothing_is_refused():
    cert, data = _cert([[[0.5]]], [[0.25]], seed=0, k=1, c=1, odd=[{}], even=[{(0, 1)}])
    _invalid(cert, data, 4, r"kept edge \(0, 1\) from a hidden neuron with no input edge and no bias")


def test_any_neuron_may_serve_as_a_constant_and_the_claim_holds():
    """No bias block (c = 0) and a gadget-block neuron used as a constant: accepted, and true (it outputs β)."""
    seed = _bias_seed(+1, row=1, extra=lambda s: rng.weight_int(s, 1, 0, 0) > 0)
    weights, biases = [[[0.5]]], [[0.25]]
    cert, data = _cert(weights, biases, seed=seed, k=2, c=0, odd=[{0: 0}], odd_bias=[{1}], even=[{(0, 0), (0, 1)}],
                       domain={"kind": "box", "lo": ["-1"], "hi": ["2"], "reach": "2"})
    target = _target(weights, biases)
    _honest(cert, target)
    ok = check.check_certificate(cert, data)
    for x in (Fraction(-1), ZERO, Fraction(1, 2), Fraction(2)):
        assert _error2(cert, target, [x]) <= ok.bound**2


def test_an_even_layer_bias_counts_in_c():
    """G layer 2's bias kept: it adds to C.  Rows that leave it out (beta = |b|) are refused (fact 5), and the
    claim they would make is false at x = 0."""
    seed = _seed(lambda s: abs(rng.bias_int(s, 2, 0)) > 1 << 23)
    weights, biases = [[[0.0]]], [[0.0625]]
    cert, data = _cert(weights, biases, seed=seed, odd=[{}], even=[set()], even_bias=[{0}])
    target = _target(weights, biases)
    _honest(cert, target)
    ok = check.check_certificate(cert, data)
    assert ok.bound == abs(Fraction(rng.bias_int(seed, 2, 0), 1 << 24) - Fraction(1, 16))
    attack = copy.deepcopy(cert)
    attack["layers"][0].update(beta="0.0625", delta="0.0625")
    attack["claim"]["bound"] = "0.0625"
    assert _error2(attack, target, [ZERO]) > Fraction(1, 16) ** 2
    _invalid(attack, data, 5, r"layers\[0\].beta is below the bias error's l2 norm")


@pytest.mark.parametrize("which", ["bias_data", "data"])
def test_bits_beyond_a_mask_shape_are_refused(which):
    """A bias bitset of 3 neurons has 5 spare bits in its byte; setting one (or one beyond an edge mask) is fact 4."""
    cert, data = _cert([[[0.5]]], [[0.25]], seed=0, k=1, c=2, odd=[{}], even=[set()])
    entry = cert["mask"][0]
    entry[which] = base64.b64encode(zlib.compress(bytes([1 << 5]))).decode()
    entry["bias_kept" if which == "bias_data" else "kept"] = 1
    _invalid(cert, data, 4, "mask has bits set beyond its shape")


@pytest.mark.parametrize("declared, pattern", [(2, "bias_kept does not match the mask"),
                                               (0, "more than the 0 set bits declared")])
def test_bias_kept_must_match_the_bias_mask(declared, pattern):
    seed = _bias_seed(+1)
    cert, data = _cert([[[0.5]]], [[0.25]], seed=seed, odd=[{}], odd_bias=[{0}], even=[{(0, 0)}])
    cert["mask"][0]["bias_kept"] = declared
    _invalid(cert, data, 4, pattern)


def test_widths_and_parameters_count_the_bias_block_and_g_biases():
    cert, data = _cert([[[0.5, 0.5]], [[1.0]]], [[0.25], None], seed=0, k=2, c=3, odd=[{}, {}],
                       even=[set(), set()])
    assert cert["random_network"]["widths"] == [2, 7, 1, 5, 1]
    assert cert["random_network"]["parameters"] == 2 * 7 + 7 * 1 + 1 * 5 + 5 * 1 + (7 + 1 + 5 + 1)
    for key, value, pattern in [("bias_block", 2, "widths must be"), ("parameters", 31, "parameters does not match"),
                                ("widths", [2, 4, 1, 2, 1], "widths must be")]:
        c = copy.deepcopy(cert)
        c["random_network"][key] = value
        _invalid(c, data, 3, pattern)


# --- rescaling with biases ------------------------------------------------------------------------------------

@pytest.mark.parametrize("s", [4096, -4096, 7])
def test_rescaled_biases_at_extreme_exponents_are_exact(s):
    """A 1-1-1 F with biases and a hidden exponent s: the honest rows (oracle in F's units: E = 2^t·P' − W,
    e = 2^-s·C' − b) are accepted, and one part in 10^25 less of a beta or eta is refused.  At s = ±4096 only the
    paths whose shift makes them tiny are kept (the others would put the rows beyond 10^400)."""
    def signs(g):
        return rng.weight_int(g, 1, 0, 0) > 0 and rng.weight_int(g, 3, 0, 0) > 0 and rng.bias_int(g, 1, 1) > 0 \
            and rng.bias_int(g, 3, 1) > 0
    seed = _seed(signs)
    weights, biases = [[[0.75]], [[-1.5]]], [[0.25], [0.5]]
    full = ({0: 0}, {1}, {(0, 0), (0, 1)})
    first = full if s > 0 else ({}, set(), set())           # into the hidden neuron: shifted by 2^-s
    second = full if s < 0 else ({}, {1}, {(0, 1)})          # out of it: shifted by 2^s (the constant by 2^0)
    cert, data = _cert(weights, biases, seed=seed, k=1, c=1, exps=[[s]], odd=[first[0], second[0]],
                       odd_bias=[first[1], second[1]], even=[first[2], second[2]],
                       even_bias=[{0} if s > 0 else set(), {0}])
    target = _target(weights, biases)
    _honest(cert, target)
    check.check_certificate(cert, data)
    lowered = 0
    for key in ("beta", "eta"):
        for i in (0, 1):
            c = copy.deepcopy(cert)
            v = Fraction(c["layers"][i][key])
            if v:
                c["layers"][i][key] = _dec(v * (1 - Fraction(1, 10**25)))
                _invalid(c, data, 5, rf"layers\[{i}\].{key} is below")
                lowered += 1
    assert lowered >= 3


def test_exponents_beyond_4096_are_unusable():
    cert, data = _cert([[[0.5]], [[0.5]]], [[0.25], None], seed=0, odd=[{}, {}], even=[set(), set()],
                       exps=[[4097]])
    with pytest.raises(Unusable, match=r"neuron_exponents\[0\]\[0\] must be an integer in \[-4096, 4096\]"):
        check.check_certificate(cert, data)


def test_the_exact_budget_bounds_the_matrices_it_admits(monkeypatch):
    """BUG (limits): the per-layer budget counts entries × (K + 1100) bits, assuming the rescaling shift
    t = s_{i-1}[j] − s_i[r] is absorbed in K.  K only absorbs max(s_i) − min(0, s_{i-1}), so a hidden layer with
    s_{i-1} = +4096 and s_i = −4096 gets a small K (from the weights) while its kept paths are shifted by 8192 bits:
    an 8×8 layer whose budget is 8·9·2·(K + 1100) ≈ 160 kbit builds 64 entries of ≈ 8240 bits (527 kbit), 3.3×
    the budget; at the real limit (2^34 bits) a ~8M-weight layer would take ≈ 4× the documented 2 GiB.
    The checker must refuse (Unusable, before building) every layer whose exact matrices exceed the limit."""
    n = 8
    def positive(g):   # neuron h of G layer 3 keeps input h with u > 0
        return all(rng.weight_int(g, 3, h, h) > 0 for h in range(n))
    seed = _seed(positive)
    weights = [[[0.5]] * n, [[0.5] * n for _ in range(n)], [[0.5] * n]]
    cert, data = _cert(weights, [None] * 3, seed=seed, k=1, exps=[[4096] * n, [-4096] * n],
                       odd=[{0: 0}, {h: h for h in range(n)}, {h: h for h in range(n)}],
                       even=[{(r, 0) for r in range(n)}, {(r, h) for r in range(n) for h in range(n)},
                             {(0, h) for h in range(n)}],
                       domain={"kind": "box", "lo": ["0"], "hi": ["1"], "reach": "1"})
    built: list[int] = []
    real = check._layer_matrices

    def measured(*args, **kwargs):
        e, w, c = real(*args, **kwargs)
        built.append(sum(x.bit_length() for rows in (e, w) for row in rows for x in row) + sum(map(int.bit_length, c)))
        return e, w, c
    monkeypatch.setattr(check, "_layer_matrices", measured)
    limit = 200_000
    monkeypatch.setattr(check, "MAX_EXACT_BITS", limit)
    try:
        check.check_certificate(cert, data)
    except Unusable as e:
        assert "exact matrices" in str(e)
    except check.Invalid:
        pass
    assert all(bits <= limit for bits in built), f"exact matrices of {built} bits were built under a {limit}-bit limit"


# --- F: bias keys, modules, Flatten/Dropout/Identity -----------------------------------------------------------

def test_bias_keys_must_be_the_files():
    weights, biases = [[[0.5]], [[0.5]]], [[0.25], None]
    cert, data = _cert(weights, biases, seed=0, odd=[{}, {}], even=[set(), set()])
    for i, key in [(0, None), (1, "2.bias"), (0, "2.bias")]:
        c = copy.deepcopy(cert)
        c["model"]["layers"][i]["bias_key"] = key
        _invalid(c, data, 2, r"model.layers keys .* are not the file's layers \(weight and bias keys\)")


def test_a_bias_on_one_layer_only_is_f_with_that_bias():
    weights, biases = [[[0.5], [-0.5]], [[1.0, 1.0]]], [None, [0.75]]
    seed = _bias_seed(+1, layer=3, row=2)
    cert, data = _cert(weights, biases, seed=seed, k=1, c=1, odd=[{}, {}], odd_bias=[set(), {2}],
                       even=[set(), {(0, 2)}], domain={"kind": "box", "lo": ["-1"], "hi": ["1"], "reach": "1"})
    target = _target(weights, biases)
    _honest(cert, target)
    ok = check.check_certificate(cert, data)
    assert ok.biases == [[0.0, 0.0], [0.75]] and cert["layers"][0]["bias_norm"] == "0"
    for x in (Fraction(-1), ZERO, Fraction(1)):
        assert _error2(cert, target, [x]) <= ok.bound**2
    assert Fraction(cert["layers"][1]["bias_norm"]) == Fraction(3, 4)   # exact: the boundary is accepted ...
    cert["layers"][1]["bias_norm"] = "0.749999999999999999999999999"   # ... and anything below it is not
    _invalid(cert, data, 5, r"layers\[1\].bias_norm is below the l2 norm of the layer's bias")


def test_a_state_dict_with_adjacent_indices_is_not_read_with_a_relu_between():
    """DESIGN BUG (model reading): a torch-state-dict or safetensors file is read as Linear (ReLU Linear)* in index
    order "because the file cannot say otherwise" — but indices 0 and 1 say otherwise: they can only come from an
    nn.Sequential with nothing between the two Linear layers (a ReLU would take index 1).  The same module saved
    whole is refused ("no ReLU between them"); its state_dict is certified as F = W₂σ(W₁x).
    Witness: W₁ = a = v₀u₀ < 0 and W₂ = b = v₁u₁ are G̃'s own kept products, on the box [0, 1]: the rows are exactly
    0 (E⁺ = 0, and σ(a·x) = 0 on both sides), the checker accepts "sup ≤ 0"; the module that wrote the file computes
    b·a·x, so at x = 1 the error is |a·b| > 0.  The checker must refuse adjacent indices."""
    seed = _seed(lambda s: rng.weight_int(s, 1, 0, 0) > 0 > rng.weight_int(s, 2, 0, 0)
                 and rng.weight_int(s, 3, 0, 0) > 0)
    a = rng.weight(seed, 2, 0, 0) * rng.weight(seed, 1, 0, 0)
    b = rng.weight(seed, 4, 0, 0) * rng.weight(seed, 3, 0, 0)
    module = nn.Sequential(nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False)).double()
    with torch.no_grad():
        module[0].weight.fill_(float(a))
        module[1].weight.fill_(float(b))
    buf = io.BytesIO()
    torch.save(module.state_dict(), buf)
    data = buf.getvalue()
    weights, biases = [[[float(a)]], [[float(b)]]], [None, None]
    layers = [{"key": f"{i}.weight", "bias_key": None, "shape": [1, 1]} for i in (0, 1)]
    cert, data = _cert(weights, biases, seed=seed, odd=[{0: 0}, {0: 0}], even=[{(0, 0)}, {(0, 0)}],
                       domain={"kind": "box", "lo": ["0"], "hi": ["1"], "reach": "1"},
                       model=(data, {"format": "torch-state-dict", "modules": ["Linear", "ReLU", "Linear"],
                                     "layers": layers}))
    _honest(cert, _target(weights, biases))
    assert cert["claim"]["bound"] == "0"
    fresh = nn.Sequential(nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False)).double()
    fresh.load_state_dict(torch.load(io.BytesIO(data), weights_only=True))
    with torch.no_grad():
        seen = fresh(torch.ones(1, 1, dtype=torch.float64)).item()
    g = relu_net(pruned_from_raw(cert), [Fraction(1)])[0]
    assert abs(Fraction(seen) - a * b) < Fraction(1, 10**15)   # torch's forward: b·a·x, no ReLU
    assert g == 0 and abs(g - a * b) > 0   # exactly: ‖G̃(1) − b·a·1‖ = |a·b| > 0 = the accepted bound
    with pytest.raises((Unusable, check.Invalid)):
        check.check_certificate(cert, data)


def _module_file(tmp_path, module: nn.Module) -> bytes:
    path = tmp_path / "m.pt"
    torch.save(module, path)
    return path.read_bytes()


def _module_cert(tmp_path, module, modules, keys):
    lins = [m for m in module if isinstance(m, nn.Linear)]
    weights = [lin.weight.detach().double().tolist() for lin in lins]
    biases = [None if lin.bias is None else lin.bias.detach().double().tolist() for lin in lins]
    data = _module_file(tmp_path, module)
    layers = [{"key": f"{k}.weight", "bias_key": None if b is None else f"{k}.bias", "shape": [len(w), len(w[0])]}
              for k, w, b in zip(keys, weights, biases, strict=True)]
    cert, data = _cert(weights, biases, seed=0, odd=[{}] * len(lins), even=[set()] * len(lins),
                       model=(data, {"format": "torch-module", "modules": modules, "layers": layers}))
    target = _target(weights, biases)
    return _honest(cert, target), data, target


def _sequential(train: bool) -> nn.Sequential:
    gen = torch.Generator().manual_seed(5)
    A, B = nn.Linear(4, 3), nn.Linear(3, 2)
    with torch.no_grad():
        for p in (*A.parameters(), *B.parameters()):
            p.copy_(torch.rand(p.shape, generator=gen) - 0.5)
    m = nn.Sequential(nn.Identity(), nn.Flatten(), A, nn.Dropout(0.9), nn.ReLU(), nn.Identity(), B)
    return m.train(train)


@pytest.mark.parametrize("train", [True, False])
def test_flatten_dropout_identity_are_read_as_inference(tmp_path, train):
    """Identity, Flatten (of a 2×2 input), Linear, Dropout(0.9) — saved in training mode too —, ReLU, Identity,
    Linear: F is the Linear chain, which is what the module computes in eval mode (the claim's semantics: inference).
    The modules must be listed as the file has them."""
    module = _sequential(train)
    modules = ["Identity", "Flatten", "Linear", "Dropout", "ReLU", "Identity", "Linear"]
    cert, data, target = _module_cert(tmp_path, module, modules, ["2", "6"])
    ok = check.check_certificate(cert, data)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for _ in range(8):
            x = torch.rand(1, 2, 2, generator=gen, dtype=torch.float64)
            seen = module.double().eval()(x)[0].tolist()
            exact = relu_net(target, [Fraction(v) for v in x.flatten().tolist()])
            assert max(abs(a - float(b)) for a, b in zip(seen, exact, strict=True)) < 1e-12
    assert ok.layers == 2
    for wrong in (["Flatten", "Linear", "Dropout", "ReLU", "Identity", "Linear"],
                  ["Linear", "ReLU", "Linear"], [*modules[:3], "Identity", *modules[4:]]):
        c = copy.deepcopy(cert)
        c["model"]["modules"] = wrong
        _invalid(c, data, 2, "model.modules are not the file's modules")


@pytest.mark.parametrize("module, pattern", [
    (lambda: nn.Sequential(nn.Flatten(start_dim=2), nn.Linear(2, 1)), r"only Flatten\(start_dim=1, end_dim=-1\)"),
    (lambda: nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1)), "Flatten is read only once"),
    (lambda: nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.Linear(2, 1)), "with no ReLU between them"),
    (lambda: nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Dropout(), nn.ReLU(), nn.Linear(2, 1)),
     "follows another ReLU"),
    (lambda: nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Identity()), "ends with a ReLU"),
    (lambda: nn.Sequential(nn.Linear(2, 2), nn.AlphaDropout(), nn.ReLU(), nn.Linear(2, 1)), "AlphaDropout"),
])
def test_modules_that_are_not_the_identity_or_out_of_place_are_refused(tmp_path, module, pattern):
    data = _module_file(tmp_path, module())
    cert, _ = _cert([[[0.5, 0.5]]], [None], seed=0, odd=[{}], even=[set()])
    cert["model"]["sha256"] = hashlib.sha256(data).hexdigest()
    with pytest.raises(Unusable, match=pattern):
        check.check_certificate(cert, data)


# --- robustness: every format-3 field answered with Invalid or Unusable -------------------------------------

def test_format_3_field_mutations_are_answered_in_one_way():
    """Replacing any single value of a certificate with constants, biases and a box by odd values never raises
    anything but Invalid or Unusable (no AttributeError, ZeroDivisionError, ...), and what is accepted still
    holds at the corners of the (possibly mutated) box."""
    seed = _bias_seed(+1, row=2, extra=lambda s: rng.weight_int(s, 1, 0, 0) > 0)
    weights, biases = [[[0.5, -0.25]], [[1.5]]], [[0.125], [-0.5]]
    cert, data = _cert(weights, biases, seed=seed, k=1, c=1, odd=[{0: 0}, {}], odd_bias=[{2}, set()],
                       even=[{(0, 0), (0, 2)}, set()], even_bias=[set(), {0}], exps=[[2]],
                       domain={"kind": "box", "lo": ["-0.5", "0"], "hi": ["1", "0.25"], "reach": "1.1"})
    target = _target(weights, biases)
    _honest(cert, target)
    check.check_certificate(cert, data)
    values = [None, True, 0, -1, 2**32, 1.0, "", "-0", "1e400", "-1e-400", "1", [], ["0"], ["-1", "-1"], {},
              [[0]], "AAAA"]

    def nodes(obj, path=()):
        yield path
        items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
        for key, v in items:
            yield from nodes(v, (*path, key))
    for path in [p for p in nodes(cert) if p and p[0] != "info"]:
        for value in values:
            c = copy.deepcopy(cert)
            parent = c
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            try:
                ok = check.check_certificate(c, data)
            except (check.Invalid, Unusable):
                continue
            lo, hi = ok.domain.lo, ok.domain.hi
            for corner in ([lo[0], lo[1]], [lo[0], hi[1]], [hi[0], lo[1]], [hi[0], hi[1]]):
                assert _error2(c, target, corner) <= ok.bound**2, (path, value)


def test_random_small_certificates_agree_with_the_oracle():
    """Differential: 40 random small F (1–3 layers, biases or none, odd floats) and hand-made G̃ (gadgets of both
    signs, constants anywhere, kept G biases in even layers, exponents up to ±5, balls and boxes with "-0" bounds):
    the oracle's rows are accepted, and one part in 10^25 less of any eta, omega, beta or bias_norm is fact 5."""
    import random

    for case in range(40):
        R = random.Random(case)
        L = R.choice([1, 2, 3])
        dims = [R.randint(1, 3) for _ in range(L + 1)]
        def num(R=R, values=(0.0, 0.5, -1.25, 5e-324, -1e-300, 3.0e5)):
            return R.choice(values) if R.random() < 0.2 else R.uniform(-2, 2)
        weights = [[[num() for _ in range(dims[i])] for _ in range(dims[i + 1])] for i in range(L)]
        biases = [None if R.random() < 0.3 else [num() for _ in range(dims[i + 1])] for i in range(L)]
        k, c, seed = R.randint(1, 3), R.randint(0, 2), R.randrange(2**32)
        odd, odd_bias, even, even_bias = [], [], [], []
        for i in range(L):
            n, m = dims[i], dims[i + 1]
            o, ob = {}, set()
            for h in range(k * n + c):
                t = R.random()
                if t < 0.5:
                    o[h] = R.randrange(n)
                elif t < 0.75 and rng.bias_int(seed, 2 * i + 1, h) > 0:
                    ob.add(h)
            e = set()
            for h in sorted(set(o) | ob):
                e |= {(r, h) for r in range(m) if R.random() < 0.6} or {(R.randrange(m), h)}
            odd.append(o), odd_bias.append(ob), even.append(e)
            even_bias.append({r for r in range(m) if R.random() < 0.3})
        if R.random() < 0.4:
            domain = {"kind": "ball", "radius": "0.75", "reach": "0.75"}
        else:
            lo = [R.choice(["-0", "0", "-0.5", "0.25"]) for _ in range(dims[0])]
            hi = [R.choice(["0.5", "1", "2"]) for _ in range(dims[0])]
            domain = {"kind": "box", "lo": lo, "hi": hi, "reach": "4"}
        cert, data = _cert(weights, biases, seed=seed, k=k, c=c, odd=odd, odd_bias=odd_bias, even=even,
                           even_bias=even_bias, exps=[[R.randint(-5, 5) for _ in range(dims[i + 1])]
                                                      for i in range(L - 1)], domain=domain)
        target = _target(weights, biases)
        _honest(cert, target)
        ok = check.check_certificate(cert, data)
        assert _error2(cert, target, [ZERO] * dims[0]) <= ok.bound**2
        i, key = R.randrange(L), R.choice(["eta", "omega", "beta", "bias_norm"])
        v = Fraction(cert["layers"][i][key])
        if v:
            cert["layers"][i][key] = _dec(v * (1 - Fraction(1, 10**25)))
            _invalid(cert, data, 5, rf"layers\[{i}\].{key} is below")
