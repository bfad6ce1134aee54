"""Adversarial review of the telescope block (fact 9; verify/kernel/reach.py, docs/tighter.md §2–§5, §9).

Every attack builds a certificate, lets the kernel decide, and, where it accepts, proves the accepted claim true
independently: G̃ rebuilt from the raw mask bits and the generator (tests/independent.py ``pruned_from_raw``), F read
with the safetensors library, both evaluated in exact rationals (``relu_net``), the exact supremum over a box from
``verify.exact``.  The key device is ``_tight``: it replaces the block by the *smallest* one the kernel accepts
through its reach-box branch (err_sup_i = √(Σ_r s_r²) rounded up by 10^-40 relative, found by recording what the
kernel computes) and sets claim.bound to its telescoped bound; any error of the kernel's boxes, signs, units or
rounding then shows up as an accepted claim below the exact supremum.  Where a network makes the telescope exact
(one layer with one output; or the last layer of F zero, so ω_L = 0 and T = S_L, with one hidden neuron on a
non-negative box) the tight bound must equal the exact supremum to 10^-27, and one part in 2^40 below it is refused
with fact 9's reason.
"""

from __future__ import annotations

import copy
import itertools
import math
import random
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from independent import decimal_above, decimal_below, pruned_from_raw, read, relu_net, target_from_safetensors

from verify.kernel import check, io, reach, rng
from verify.kernel.wellformed import Unusable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "certs" / "examples"
Z = Fraction(0)


# --- building blocks --------------------------------------------------------------------------------------------

def _target(path: Path, widths: list[int], seed: int, scale: float = 1.0, zero_last: bool = False,
            bias: bool = True) -> Path:
    import torch
    from safetensors.torch import save_file

    rs = np.random.RandomState(seed)
    tensors = {}
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        w = rs.uniform(-scale, scale, (b, a))
        tensors[f"{2 * i}.weight"] = torch.from_numpy(w * 0 if zero_last and i == len(widths) - 2 else w).float()
        if bias:
            tensors[f"{2 * i}.bias"] = torch.from_numpy(rs.uniform(-scale, scale, b)).float()
    save_file(tensors, str(path))
    return path


def _cert(path: Path, k: int, method: str, domain: str, seed: int = 0, rescale: str = "auto") -> dict:
    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    t = load_target(path)
    built = build(t.weights, Options(method=method, seed=seed, device="cpu", domain=domain, rescale=rescale), k=k,
                  biases=t.biases)
    return certify(t, Eps.parse("1000"), built, empirical=False, semantics="exact").cert


def _run(cert: dict, data: bytes) -> tuple[check.Checked, dict]:
    """check_certificate, recording the kernel's Σ_r s_r² per layer and its feature box before every layer."""
    rec: dict = {"sq": [], "boxes": []}
    orig = reach.Tracker.layer

    def spy(self, *a, **kw):
        rec["boxes"].append((None if self.lo is None else list(self.lo), None if self.hi is None else list(self.hi)))
        out = orig(self, *a, **kw)
        rec["sq"].append(out)
        return out

    reach.Tracker.layer = spy
    try:
        ok = check.check_certificate(cert, data)
    finally:
        reach.Tracker.layer = orig
    return ok, rec


def _root_up(x: Fraction) -> Fraction:
    r = Fraction(math.isqrt(int(x * 2**200)) + 1, 2**100)
    assert r * r >= x
    return r


def _loose(cert: dict) -> dict:
    c = copy.deepcopy(cert)
    c["claim"].pop("float32", None)
    huge = "1" + "0" * 300 + "e400"   # 10^700 and 10^790: about the largest DECs (400 characters, exponent ≤ 400)
    c["telescope"] = {"method": io.TELESCOPE_METHOD, "err_sup": [huge] * len(c["layers"]),
                      "bound": "1" + "0" * 390 + "e400"}
    c["claim"]["bound"], c["claim"]["eps"] = c["layers"][-1]["delta"], "1e300"
    _verdict(c)
    return c


def _verdict(c: dict) -> None:
    c["verdict"] = "certified" if Fraction(c["claim"]["bound"]) <= Fraction(c["claim"]["eps"]) else "not-certified"


def _tight(cert: dict, data: bytes) -> tuple[dict, dict]:
    """The smallest block the kernel accepts through the reach-box branch, claim.bound = its bound (accepted)."""
    c = _loose(cert)
    _, rec = _run(c, data)
    total, texts = Z, []
    for sq, row in zip(rec["sq"], c["layers"], strict=True):
        texts.append(decimal_above(_root_up(sq), 40))
        total = total * Fraction(row["omega"]) + Fraction(texts[-1])
    c["telescope"] = {"method": io.TELESCOPE_METHOD, "err_sup": texts, "bound": decimal_above(total, 40)}
    c["claim"]["bound"] = c["telescope"]["bound"]
    _verdict(c)
    _, rec = _run(c, data)
    return c, rec


def _recompose(cert: dict) -> None:
    """Stored δ_i, ρ_i that fact 6 accepts for the certificate's own rows and reach."""
    rho, delta = Fraction(cert["claim"]["domain"]["reach"]), Z
    for row in cert["layers"]:
        eta, omega, beta, nu = (Fraction(row[k]) for k in ("eta", "omega", "beta", "bias_norm"))
        row["delta"] = decimal_above(eta * rho + beta + omega * delta, 30)
        row["rho"] = decimal_above((omega + eta) * rho + nu + beta, 30)
        delta, rho = Fraction(row["delta"]), Fraction(row["rho"])


def _dec(v: Fraction) -> str:
    """v exactly, as a (signed) decimal string; v's denominator must be 2^a·5^b."""
    if v < 0:
        return "-" + _dec(-v)
    n = 0
    while (v * 10**n).denominator != 1:
        n += 1
    return f"{(v * 10**n).numerator}e-{n}"


def _set_box(cert: dict, lo: list[Fraction], hi: list[Fraction]) -> None:
    sq = sum(max(a * a, b * b) for a, b in zip(lo, hi, strict=True))
    cert["claim"]["domain"] = {"kind": "box", "lo": [_dec(v) for v in lo], "hi": [_dec(v) for v in hi],
                               "reach": decimal_above(_root_up(sq), 30) if sq else "1e-9"}


def _loosen_rows(cert: dict) -> None:
    """η_i, β_i far above the truth (fact 5 accepts any upper bound), then δ, ρ recomposed: lets the domain, the
    exponents or the masks change under a certificate without touching what fact 9 computes."""
    for row in cert["layers"]:
        row["eta"] = row["beta"] = "1e9"
    _recompose(cert)


def _random_masks(cert: dict, rnd: random.Random, p_edge: float = 0.5, p_const: float = 0.3) -> None:
    """Replace every mask by a random one fact 4 allows: ≤ 1 input edge per hidden neuron, a kept bias only on a
    neuron with none and a positive bias (a constant neuron), an output edge from every live neuron."""
    seed, masks = cert["random_network"]["seed"], cert["mask"]
    for i in range(len(masks) // 2):
        odd, even = masks[2 * i], masks[2 * i + 1]
        (hidden, n), m = odd["shape"], even["shape"][0]
        src, const = {}, []
        for h in range(hidden):
            u = rnd.random()
            if u < p_edge:
                src[h] = rnd.randrange(n)
            elif u < p_edge + p_const and rng.bias_int(seed, 2 * i + 1, h) > 0:
                const.append(h)
        edges = set()
        for h in sorted(set(src) | set(const)):
            edges |= {(r, h) for r in range(m) if rnd.random() < 0.5} or {(rnd.randrange(m), h)}
        flat = [h * n + j for h, j in src.items()]
        odd.update(data=io.encode_mask(hidden, n, flat), kept=len(flat),
                   bias_data=io.encode_mask(hidden, 1, const), bias_kept=len(const))
        flat = sorted(r * hidden + h for r, h in edges)
        out_bias = [r for r in range(m) if rnd.random() < 0.5]
        even.update(data=io.encode_mask(m, hidden, flat), kept=len(flat),
                    bias_data=io.encode_mask(m, 1, out_bias), bias_kept=len(out_bias))


# --- the independent oracle ---------------------------------------------------------------------------------------

def _exps(cert: dict, target: list) -> list[list[int]]:
    return [[0] * len(target[0][0][0]), *cert["rescaling"]["neuron_exponents"], [0] * len(target[-1][0])]


def _trace(cert: dict, pruned: list, target: list, x: list[Fraction]):
    """Per layer (G̃'s features in F's units, r_i = ŷ_i − (W_i f + b_i)), and G̃(x), independently of the kernel:
    G's own pairs in G's units, mapped back by 2^-s (docs/rescaling.md §2)."""
    exps, a, out = _exps(cert, target), list(x), []
    for i, (w, b) in enumerate(target):
        f = [v / Fraction(2) ** s for v, s in zip(a, exps[i], strict=True)]
        y_g = relu_net([tuple(pruned[2 * i]), tuple(pruned[2 * i + 1])], a)
        y = [v / Fraction(2) ** s for v, s in zip(y_g, exps[i + 1], strict=True)]
        out.append((f, [p - sum((c * v for c, v in zip(row, f, strict=True)), bb)
                        for p, row, bb in zip(y, w, b, strict=True)]))
        a = [max(v, Z) for v in y_g]
    return out, y


def _pointwise(cert: dict, rec: dict, path: Path, points) -> Fraction:
    """At every x: G̃'s features lie in the kernel's boxes, ‖r_i‖² ≤ Σ_r s_r², ‖G̃(x) − F(x)‖ ≤ claim.bound.
    Returns the largest ‖G̃(x) − F(x)‖² seen."""
    target, pruned = target_from_safetensors(path, cert), pruned_from_raw(cert)
    bound, worst, unit = Fraction(cert["claim"]["bound"]), Z, Fraction(1, 2**reach.Q)
    for x in points:
        layers, g = _trace(cert, pruned, target, x)
        fx = relu_net([tuple(t) for t in target], x)
        err2 = sum((p - q) ** 2 for p, q in zip(g, fx, strict=True))
        assert err2 <= bound * bound, ("an accepted claim is false", x, float(err2) ** 0.5, float(bound))
        worst = max(worst, err2)
        for i, (f, r) in enumerate(layers):
            assert sum(v * v for v in r) <= rec["sq"][i], ("a layer's error is above its row suprema", i, x)
            lo, hi = rec["boxes"][i]
            if lo is None:
                continue
            if len(lo) == 2 * len(f):
                f = [max(v, Z) for v in f] + [max(-v, Z) for v in f]
            assert all(a * unit <= v <= b * unit for v, a, b in zip(f, lo, hi, strict=True)), ("box", i, x)
    return worst


def _box_points(lo: list[Fraction], hi: list[Fraction], rnd: random.Random, n: int = 12):
    pts = [list(v) for v in itertools.product(*[sorted({a, b}) for a, b in zip(lo, hi, strict=True)])]
    return pts + [[a + (b - a) * Fraction(rnd.randint(0, 32), 32) for a, b in zip(lo, hi, strict=True)]
                  for _ in range(n)]


def _ball_points(radius: Fraction, d: int, rnd: random.Random, n: int = 16):
    pts = [[radius * s if t == j else Z for t in range(d)] for j in range(d) for s in (1, -1)]
    for _ in range(n):
        v = [Fraction(rnd.randint(-20, 20)) for _ in range(d)]
        norm = _root_up(sum(t * t for t in v)) or Fraction(1)
        pts.append([radius * t / norm for t in v])
    return pts


def _exact_sup_box(cert: dict, path: Path):
    from verify.exact import exact_check

    d = cert["claim"]["domain"]
    target, pruned = target_from_safetensors(path, cert), pruned_from_raw(cert)
    spec = ("box", [io.parse_signed(v) for v in d["lo"]], [io.parse_signed(v) for v in d["hi"]])
    return exact_check(target, [tuple(x) for x in pruned], Fraction(cert["claim"]["bound"]), domain=spec,
                       timeout_s=30)


def _below(cert: dict, data: bytes, i: int) -> None:
    """One part in 2^40 below the kernel's reach-box value of layer i (and below η_i ρ_{i−1} + β_i): fact 9."""
    bad = copy.deepcopy(cert)
    s = Fraction(bad["telescope"]["err_sup"][i]) * (1 - Fraction(1, 2**40))
    rho = Fraction(bad["claim"]["domain"]["reach"]) if i == 0 else Fraction(bad["layers"][i - 1]["rho"])
    row = bad["layers"][i]
    if s >= Fraction(row["eta"]) * rho + Fraction(row["beta"]) or s == 0:
        return
    bad["telescope"]["err_sup"][i] = decimal_below(s, 40)
    with pytest.raises(check.Invalid, match=rf"\[fact 9\] telescope.err_sup\[{i}\] is below the layer's error"):
        check.check_certificate(bad, data)


# --- 1. one layer, one output: the kernel's bound is the exact supremum (signs of E, e and b̂; every domain) -----

@pytest.mark.parametrize("domain,box", [
    ("box:0,1", None),
    ("box:-1,1", None),
    ("box:-1,1", ([Fraction(-3, 4), Fraction(1, 8)], [Fraction(-3, 4), Fraction(1, 2)])),   # lo = hi, lo < 0
    ("box:-1,1", ([Fraction(-2), Fraction(-1)], [Fraction(-1, 2), Fraction(-1, 4)])),       # all negative
    ("box:0,1", ([Fraction(1, 2), Fraction(3)], [Fraction(1, 2), Fraction(5)])),            # lo ≥ 0, lo = hi
])
@pytest.mark.parametrize("method", ["pair", "subset-sum"])
def test_one_layer_tight_block_is_the_exact_supremum(tmp_path, domain, box, method):
    path = _target(tmp_path / "t.safetensors", [2, 1], seed=11)
    cert = _cert(path, 3, method, domain, seed=5)
    if box is not None:
        _set_box(cert, *box)
        _loosen_rows(cert)
    data = path.read_bytes()
    tight, rec = _tight(cert, data)
    bound = Fraction(tight["claim"]["bound"])
    out = _exact_sup_box(tight, path)
    assert out.sound, ("accepted claim is false", out.witness)
    d = tight["claim"]["domain"]
    if all(io.parse_signed(a) >= 0 or io.parse_signed(b) <= 0 for a, b in zip(d["lo"], d["hi"], strict=True)):
        assert bound - out.sup_upper <= bound * Fraction(1, 10**27)   # one sign per coordinate: the box is exact
    _below(tight, data, 0)


def test_one_layer_on_the_ball_is_cauchy_schwarz_and_true(tmp_path):
    """Layer 1 on the ball: radius (not reach) times ‖E_r‖ plus |e_r|; the claim holds at the sphere's points and
    a reach far above the radius changes nothing (the kernel uses the radius)."""
    path = _target(tmp_path / "t.safetensors", [3, 2], seed=3)
    cert = _cert(path, 4, "subset-sum", "ball:2", seed=1)
    cert["claim"]["domain"]["reach"] = "1000"
    _loosen_rows(cert)
    data = path.read_bytes()
    tight, rec = _tight(cert, data)
    _pointwise(tight, rec, path, _ball_points(Fraction(2), 3, random.Random(0)))
    _below(tight, data, 0)
    small = copy.deepcopy(cert)
    small["claim"]["domain"]["reach"] = "2"
    _recompose(small)
    assert _tight(small, data)[0]["telescope"]["err_sup"] == tight["telescope"]["err_sup"]


# --- 2. F's last layer zero: T = S_L, an exact function of the kernel's box of G̃'s hidden layer ----------------

@pytest.mark.parametrize("seed", range(6))
def test_zero_last_layer_tight_block_is_exact_with_random_masks_and_exponents(tmp_path, seed):
    """ω_L = 0, so the telescoped bound is S_L alone, computed over the kernel's box of G̃'s last hidden layer: with
    one hidden neuron on a non-negative box that box is exact, so a wrong b̂ (constants of the bias block, their
    sign, the 2^-s of the exponents) or a wrong Ŵ would put the accepted bound below the exact supremum.  The masks
    are random (constant neurons included) and the exponents random in [-4, 4]."""
    rnd = random.Random(seed)
    path = _target(tmp_path / "t.safetensors", [2, 1, 1], seed=seed, scale=2.0, zero_last=True)
    cert = _cert(path, 3, "pair" if seed % 2 else "subset-sum", "box:0,1", seed=seed)
    _random_masks(cert, rnd, p_edge=0.4, p_const=0.4)
    cert["rescaling"]["neuron_exponents"] = [[rnd.randint(-4, 4)]]
    lo = [Fraction(rnd.randint(0, 4), 4) for _ in range(2)]
    _set_box(cert, lo, [a + Fraction(rnd.choice([0, 1, 5]), 4) for a in lo])
    _loosen_rows(cert)
    assert cert["layers"][-1]["omega"] == "0"
    data = path.read_bytes()
    tight, rec = _tight(cert, data)
    out = _exact_sup_box(tight, path)
    bound = Fraction(tight["claim"]["bound"])
    assert out.sound, ("accepted claim is false", out.witness)
    assert bound - out.sup_upper <= bound * Fraction(1, 10**27)
    _pointwise(tight, rec, path, _box_points([io.parse_signed(v) for v in tight["claim"]["domain"]["lo"]],
                                             [io.parse_signed(v) for v in tight["claim"]["domain"]["hi"]], rnd))
    _below(tight, data, 1)


# --- 3. random networks, masks, exponents and domains: never below the truth -------------------------------------

@pytest.mark.parametrize("seed", range(14))
def test_tight_blocks_on_random_networks_are_true(tmp_path, seed):
    """Depth 1–4, widths 1–3, pair and subset-sum, rescalings, boxes of both signs (degenerate ones too) and balls;
    half the cases with random masks and exponents (the kernel must be right for any G̃ and any D_i, not only the
    engine's).  Features inside the kernel's boxes, each layer's error inside its row suprema, and the claim true
    at sampled points and, on boxes, at the exact supremum."""
    rnd = random.Random(1000 + seed)
    depth = rnd.randint(1, 4)
    widths = [rnd.randint(1, 3) for _ in range(depth + 1)]
    path = _target(tmp_path / "t.safetensors", widths, seed=seed, scale=rnd.choice([0.3, 1.0, 3.0]),
                   bias=seed % 5 != 0)
    domain = ["box:0,1", "box:-1,1", "ball", "ball:3", "box:-0.5,2", "custom", "custom"][seed % 7]
    cert = _cert(path, rnd.randint(1, 5), rnd.choice(["pair", "subset-sum"]),
                 "box:-1,1" if domain == "custom" else domain, seed=seed, rescale=rnd.choice(["auto", "neuron"]))
    if seed % 2:
        _random_masks(cert, rnd)
        cert["rescaling"]["neuron_exponents"] = [[rnd.randint(-5, 5) for _ in row]
                                                 for row in cert["rescaling"]["neuron_exponents"]]
    if domain == "custom":
        lo = [Fraction(rnd.randint(-8, 8), 4) for _ in range(widths[0])]
        _set_box(cert, lo, [a + Fraction(rnd.choice([0, 1, 5]), 4) for a in lo])
    _loosen_rows(cert)
    data = path.read_bytes()
    tight, rec = _tight(cert, data)
    d = tight["claim"]["domain"]
    if d["kind"] == "ball":
        _pointwise(tight, rec, path, _ball_points(Fraction(d["radius"]), widths[0], rnd))
        return
    lo, hi = [io.parse_signed(v) for v in d["lo"]], [io.parse_signed(v) for v in d["hi"]]
    _pointwise(tight, rec, path, _box_points(lo, hi, rnd))
    try:
        out = _exact_sup_box(tight, path)
    except ValueError as e:   # G̃ too wide for the exact oracle: the sampled points above have to do
        assert "limit" in str(e)
        return
    assert out.sound, ("accepted claim is false", out.witness)


# --- 4. the rows the alternative branch reads are fact 6's -------------------------------------------------------

def test_alternative_branch_cannot_use_a_lowered_rho(tmp_path):
    """err_sup_2 = η_2 ρ_1 + β_2 with ρ_1 lowered: fact 6 refuses ρ_1 before fact 9 could use it."""
    path = _target(tmp_path / "t.safetensors", [2, 3, 2], seed=2)
    cert = _cert(path, 2, "pair", "box:-1,1", seed=4)
    cert["claim"].pop("float32", None)
    data = path.read_bytes()
    rows = cert["layers"]
    rows[0]["rho"] = decimal_below(Fraction(rows[0]["rho"]) / 2, 30)
    cert["telescope"]["err_sup"][1] = decimal_above(Fraction(rows[1]["eta"]) * Fraction(rows[0]["rho"])
                                                    + Fraction(rows[1]["beta"]), 30)
    with pytest.raises(check.Invalid, match=r"\[fact 6\] layers\[0\].rho is below"):
        check.check_certificate(cert, data)


def test_alternative_branch_at_its_value_is_accepted_and_true(tmp_path):
    """Every err_sup_i = η_i ρ_{i−1} + β_i exactly (the reach box unused) on a box of both signs: accepted, true."""
    path = _target(tmp_path / "t.safetensors", [2, 2, 1], seed=8)
    cert = _loose(_cert(path, 2, "subset-sum", "box:-1,1", seed=9))
    rho, total, texts = Fraction(cert["claim"]["domain"]["reach"]), Z, []
    for row in cert["layers"]:
        s = Fraction(row["eta"]) * rho + Fraction(row["beta"])
        texts.append(_dec(s) if (s * 10**60).denominator == 1 else decimal_above(s, 60))
        total, rho = total * Fraction(row["omega"]) + Fraction(texts[-1]), Fraction(row["rho"])
    cert["telescope"] = {"method": io.TELESCOPE_METHOD, "err_sup": texts, "bound": decimal_above(total, 40)}
    cert["claim"]["bound"] = min(cert["telescope"]["bound"], cert["layers"][-1]["delta"], key=Fraction)
    check.check_certificate(cert, path.read_bytes())
    assert _exact_sup_box(cert, path).sound


# --- 5. the float32 block over a telescoped claim.bound ---------------------------------------------------------

def test_float32_block_needs_claim_bound_plus_r_when_the_bound_is_telescoped():
    """tiny-bias's claim.bound is the telescoped one (< δ_L): bound_float32 one part in 2^40 below claim.bound + r
    is refused by fact 8, so ‖fl(G̃) − F‖ ≤ ‖fl(G̃) − G̃‖ + ‖G̃ − F‖ ≤ r + claim.bound is what it states."""
    cert, data = read(EXAMPLES / "tiny-bias.cert.json"), (EXAMPLES / "tiny-bias.safetensors").read_bytes()
    assert Fraction(cert["claim"]["bound"]) == Fraction(cert["telescope"]["bound"]) < Fraction(
        cert["layers"][-1]["delta"])
    check.check_certificate(cert, data)
    bad = copy.deepcopy(cert)
    need = Fraction(cert["claim"]["bound"]) + Fraction(cert["claim"]["float32"]["r"])
    bad["claim"]["float32"]["bound_float32"] = decimal_below(need * (1 - Fraction(1, 2**40)), 40)
    with pytest.raises(check.Invalid, match=r"\[fact 8\] claim.float32.bound_float32 is below claim.bound \+ r"):
        check.check_certificate(bad, data)


# --- 6. which networks may carry a block --------------------------------------------------------------------------

def test_a_real_cnn_with_a_block_is_refused():
    cert, data = read(EXAMPLES / "tiny-cnn.cert.json"), (EXAMPLES / "tiny-cnn.pt").read_bytes()
    cert["telescope"] = {"method": io.TELESCOPE_METHOD, "err_sup": ["1e9"] * len(cert["layers"]), "bound": "1e30"}
    with pytest.raises(check.Invalid, match=r"\[fact 9\] telescope: the reach-box bound covers networks of Linear"):
        check.check_certificate(cert, data)


@pytest.mark.parametrize("domain", ["box:-1,1", "ball"])
def test_a_one_by_one_convolution_on_a_one_pixel_image_is_a_linear_layer(tmp_path, domain):
    """Conv2d(1×1) on a 1×1 image, Flatten, Dropout, Identity, Linear: every geometry is trivial, so the kernel
    (``dense``) accepts a block although a Conv2d occurs (certs/FORMAT.md fact 9 says "every layer of F a Linear
    layer"); the convolution is then exactly a Linear layer, and the tight block is true."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.ReLU(), nn.Flatten(), nn.Dropout(0.5), nn.Identity(),
                          nn.Linear(3, 2))
    path = tmp_path / "m.pt"
    torch.save(model, path)
    cert = _cert(path, 3, "pair", domain, seed=3)
    tight, rec = _tight(cert, path.read_bytes())
    w1 = [[Fraction(float(v)) for v in row] for row in model[0].weight.detach().reshape(3, 2).double().tolist()]
    target = [(w1, [Fraction(float(v)) for v in model[0].bias.tolist()]),
              ([[Fraction(float(v)) for v in row] for row in model[5].weight.detach().double().tolist()],
               [Fraction(float(v)) for v in model[5].bias.tolist()])]
    from verify.exact import exact_check

    spec = ("box", [Fraction(-1)] * 2, [Fraction(1)] * 2) if domain != "ball" else ("ball", Fraction(1))
    out = exact_check(target, [tuple(x) for x in pruned_from_raw(tight)], Fraction(tight["claim"]["bound"]),
                      domain=spec, timeout_s=30)
    assert out.sound, out.witness


def test_a_null_or_format_3_block_is_unusable():
    cert, data = read(EXAMPLES / "tiny-bias.cert.json"), (EXAMPLES / "tiny-bias.safetensors").read_bytes()
    bad = copy.deepcopy(cert)
    bad["telescope"] = None
    with pytest.raises(Unusable, match="telescope must be an object"):
        check.check_certificate(bad, data)
    bad = copy.deepcopy(read(EXAMPLES / "tiny.cert.json"))
    bad["format"] = io.FORMAT_3
    bad["telescope"]["err_sup"] = ["0"] * len(bad["layers"])
    with pytest.raises(Unusable, match="the certificate must be an object with keys"):
        check.check_certificate(bad, (EXAMPLES / "tiny.safetensors").read_bytes())


def test_zero_err_sup_and_zero_bound_are_refused_on_a_network_with_error():
    cert, data = read(EXAMPLES / "tiny-bias.cert.json"), (EXAMPLES / "tiny-bias.safetensors").read_bytes()
    bad = copy.deepcopy(cert)
    bad["telescope"]["err_sup"] = ["0"] * len(bad["layers"])
    bad["telescope"]["bound"] = bad["claim"]["bound"] = "0"
    with pytest.raises(check.Invalid, match=r"\[fact 9\] telescope.err_sup\[0\] is below"):
        check.check_certificate(bad, data)
    bad = copy.deepcopy(cert)
    bad["telescope"]["bound"] = bad["claim"]["bound"] = "0"
    with pytest.raises(check.Invalid, match=r"\[fact 9\] telescope.bound is below"):
        check.check_certificate(bad, data)


# --- 7. huge and tiny decimals: exact, fast, true ----------------------------------------------------------------

@pytest.mark.parametrize("lo,hi,reach_", [
    (["-1e399", "-1e399"], ["1e399", "3e399"], "5e399"),          # the largest boxes a DEC can state
    (["1e-400", "0"], ["1e-400", "1e-400"], "2e-400"),           # below the 2^-128 grid: rounded outward
    (["-1e-400", "-3e-400"], ["1e-400", "-1e-400"], "4e-400"),    # both signs below the grid
])
def test_extreme_boxes_are_checked_quickly_and_truly(tmp_path, lo, hi, reach_):
    path = _target(tmp_path / "t.safetensors", [2, 3, 3, 1], seed=21)
    cert = _cert(path, 2, "pair", "box:-1,1", seed=2)
    cert["claim"]["domain"] = {"kind": "box", "lo": lo, "hi": hi, "reach": reach_}
    _loosen_rows(cert)
    t0 = time.perf_counter()
    tight, rec = _tight(cert, path.read_bytes())
    assert time.perf_counter() - t0 < 20
    lo_f, hi_f = [io.parse_signed(v) for v in lo], [io.parse_signed(v) for v in hi]
    _pointwise(tight, rec, path, _box_points(lo_f, hi_f, random.Random(0), n=4))
