"""Adversarial review of the float32 claim (docs/float32.md; fact 8, verify/kernel/floatbound.py and verdict.py).

Each attack builds a concrete certificate and model.  Where the checker accepts a claim, the claim is first proved
false by exact evaluation (``fractions.Fraction`` against float32 values computed operation by operation, and, where
the CPU supports it, by torch itself); such findings are marked ``xfail(strict=True)``: they fail until the checker
(or the API) is fixed.  Attacks the checker refuses are ordinary tests that name the reason.

Findings (both fixed; the tests below were strict xfails until then):

* F with a *subnormal* binary32 weight, ``covers`` = "pruned-and-target": ``floatbound.is_binary32`` admits subnormals,
  and docs/float32.md §1 counts "flushed to zero" as covered (the block's ``arithmetic`` line says "underflow gradual
  or flushed to zero").  Flush-to-zero as CPUs and GPUs implement it (``torch.set_flush_denormal(True)``: MXCSR FTZ
  and DAZ; CUDA's ftz) also reads subnormal *operands* as zero, so F's product w·h loses |w·h|, which is not
  ≤ u|w·h| + τ when |h| > 1 (§1's per-operation model, used by Lemma 1, fails).  The f_i recursion of §6 has no term
  for it, and the accepted bound_float32 is exceeded by 3.4× (test below).
* ``verify.api.check(require_certified=True)`` compares ``ok.bound`` with ε, not the bound the verdict names
  (``Checked.claimed``): a certificate whose verdict_bound is bound_float32 and that is "not-certified" (bound ≤ ε <
  bound_float32) returns normally, although ``slt-verify check`` prints INVALID and exits 1.
"""

from __future__ import annotations

import copy
import io as _io
import json
from decimal import Decimal, getcontext
from fractions import Fraction
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch
from test_check_format4_attacks import _F, _G, _box, _cert4, _honest, _net
from test_float32_attacks import _exact_net
from torch import nn

from verify import api, float32_hints
from verify.engine.export import pruned_from_certificate
from verify.errors import NotReachedError
from verify.float32_hints import Float32Unavailable, float32_block
from verify.kernel import check, floatbound, io, rng
from verify.kernel.wellformed import Unusable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "certs" / "examples"
TINY = 2.0**-126          # the smallest normal binary32 number


# --- helpers ------------------------------------------------------------------------------------------------------

def _example(name: str) -> tuple[dict, bytes]:
    model = {"tiny": "tiny.safetensors", "tiny-bias": "tiny-bias.safetensors", "tiny-cnn": "tiny-cnn.pt"}[name]
    return (json.loads((EXAMPLES / f"{name}.cert.json").read_text()), (EXAMPLES / model).read_bytes())


def _invalid(cert: dict, data: bytes, fact: int, pattern: str) -> None:
    with pytest.raises(check.Invalid, match=pattern) as e:
        check.check_certificate(cert, data)
    assert e.value.fact == fact


def _f32(x) -> np.float32:
    return np.float32(x)


def _daz(x: np.float32) -> np.float32:
    """An operand as a denormals-are-zero unit reads it (MXCSR.DAZ, CUDA ftz): a subnormal becomes ±0."""
    return np.float32(0) if abs(float(x)) < TINY else x


# --- F with a subnormal weight, run with flush-to-zero (DAZ) ---------------------------------------------------------

SEED, K = 3, 64


def _path(seed: int, layer: int, smallest: bool) -> tuple[int, Fraction]:
    """The hidden neuron h (input 0, output 0) with u_h > 0 and v_h > 0 whose product v·u is the smallest (largest)."""
    found = [(h, rng.weight(seed, layer + 1, 0, h) * rng.weight(seed, layer, h, 0)) for h in range(K)
             if rng.weight(seed, layer, h, 0) > 0 and rng.weight(seed, layer + 1, 0, h) > 0]
    return (min if smallest else max)(found, key=lambda t: t[1])


def _subnormal_target(scale: int = 1) -> dict:
    """F = Linear(1→1, w1) → ReLU → Linear(1→1, w2), w1 a subnormal binary32 number and w2 ≈ 2^s·(a product of G's),
    certified with the rescaling exponent s on F's hidden neuron: pair 1 of G̃ (one path, v·u) imitates 2^s·w1 and
    pair 2 (one path) imitates w2·2^-s, so G̃ approximates F to ~2^-24 relative, and all of G̃'s values are normal.
    The domain is the single point x = X (largest power of two the overflow condition of §5 admits), times ``scale``."""
    h1, p1 = _path(SEED, 1, True)
    h2, p2 = _path(SEED, 3, False)
    s = 0
    while p1 / Fraction(2) ** s >= Fraction(1, 2**126):
        s += 1
    w1, w2 = float(_f32(float(p1 / Fraction(2) ** s))), float(_f32(float(p2 * Fraction(2) ** s)))
    assert 0 < w1 < TINY, "premise: F's first weight is a subnormal binary32 number"
    x = 1
    while 2.0 ** (s + 2) * (2 * x + 2) <= 2.0**127:
        x *= 2
    x *= scale
    net = _net(nn.Linear(1, 1, bias=False), nn.ReLU(), nn.Linear(1, 1, bias=False), weights=[[[w1]], [[w2]]])
    cert, data = _cert4(net, (1,), seed=SEED, k=K, exps=[[s]], odd=[{h1: 0}, {h2: 0}], even=[{(0, h1)}, {(0, h2)}],
                        domain=_box(1, str(x), str(x), str(x)))
    _honest(cert, net)
    return {"net": net, "cert": cert, "data": data, "w": (w1, w2), "x": x, "s": s, "paths": (h1, h2)}


def _with_block(t: dict) -> dict:
    """The certificate with the float32-both block the certifier wrote before the fix (its refusal of subnormal F
    weights switched off, as an attacker's certifier would), the verdict on bound_float32 and ε = it."""
    geometry = check._model(t["cert"], t["data"])[1]
    w1, w2 = t["w"]
    with mock.patch.object(float32_hints, "_subnormal", return_value=False):
        block = float32_block(t["cert"], [np.array([[w1]]), np.array([[w2]])], [np.zeros(1), np.zeros(1)],
                              geometry, "float32-both")
    assert block["covers"] == "pruned-and-target" and block["verdict_bound"] == "bound_float32"
    cert = copy.deepcopy(t["cert"])
    cert["claim"]["float32"] = block
    cert["claim"]["eps"] = block["bound_float32"]
    cert["verdict"] = "certified"
    return cert


def _g_float32(t: dict) -> np.float32:
    """G̃(X) run in binary32: each output has one non-zero product (the other hidden neurons are pruned, their
    weights zero), so every summation order gives this value; all operands are normal, so DAZ changes nothing."""
    (h1, h2), x = t["paths"], _f32(t["x"])
    u1, v1 = _f32(float(rng.weight(SEED, 1, h1, 0))), _f32(float(rng.weight(SEED, 2, 0, h1)))
    u2, v2 = _f32(float(rng.weight(SEED, 3, h2, 0))), _f32(float(rng.weight(SEED, 4, 0, h2)))
    ops = [u1, x]
    a = max(u1 * x, _f32(0))
    ops += [v1, a]
    g1 = max(v1 * a, _f32(0))
    ops += [u2, g1]
    b = max(u2 * g1, _f32(0))
    ops += [v2, b]
    out = v2 * b
    assert all(abs(float(o)) >= TINY for o in ops), "premise: G̃ reads no subnormal operand"
    return out


def _f_float32_daz(t: dict) -> np.float32:
    """F(X) run in binary32 with denormals-are-zero: the subnormal w1 is read as 0."""
    w1, w2 = map(_f32, t["w"])
    a = max(_daz(w1) * _daz(_f32(t["x"])), _f32(0))
    return _daz(w2) * _daz(a)


def test_a_subnormal_target_weight_run_with_flush_to_zero_breaks_the_f_covered_claim():
    """The premise of the finding below, proved without the checker: with G̃ and F run in binary32 under
    flush-to-zero (DAZ), ‖fl(G̃)(X) − fl(F)(X)‖ was 3.4 times the bound_float32 the certifier wrote before the fix,
    while G̃ and F agree in exact arithmetic to 1e-8."""
    t = _subnormal_target()
    cert = _with_block(t)
    b32 = io.parse_decimal(cert["claim"]["float32"]["bound_float32"])
    x = [Fraction(t["x"])]
    exact_f, exact_g = _F(t["net"], (1,), x)[0], _G(cert, t["net"], x)[0]
    assert abs(exact_g - exact_f) <= io.parse_decimal(cert["claim"]["bound"]) < Fraction(1, 10**7)
    g32, f32 = _g_float32(t), _f_float32_daz(t)
    assert f32 == 0 and abs(Fraction(float(g32)) - exact_g) < Fraction(1, 10**6) * exact_g
    deviation = abs(Fraction(float(g32)) - Fraction(float(f32)))
    # the bound_float32 the certifier wrote before the fix (§6 with α^F = 4nτ, n = 1, and no weight factor μ)
    u, tau = Fraction(1, 2**24), Fraction(1, 2**126)
    g1 = u / (1 - u)
    block, row1 = cert["claim"]["float32"], cert["layers"][0]
    t1, t2 = (io.parse_decimal(x["q"]) for x in block["target_layers"])
    f1 = g1 * t1 * t["x"] + 4 * tau
    f2 = (io.parse_decimal(cert["layers"][1]["omega"]) * f1 + 4 * tau
          + g1 * t2 * (io.parse_decimal(row1["rho"]) + io.parse_decimal(row1["delta"]) + f1))
    old_b32 = io.parse_decimal(cert["claim"]["bound"]) + io.parse_decimal(block["layers"][-1]["error"]) + f2
    assert deviation > 3 * old_b32, (float(deviation), float(old_b32))
    # the per-operation model of §1 fails for F's first product even with τ' = 2^-124 and μ: |fl(w1·X) − w1·X| = w1·X
    z = Fraction(t["w"][0]) * t["x"]
    assert z > 3 * (u * z + (1 + Fraction(t["w"][0])) * 4 * tau)
    assert b32 > old_b32   # the new constants happen to cover this one point: the kernel refuses the weight anyway
    # and torch itself, with torch.set_flush_denormal(True), on the model file and on the export of G̃
    G = pruned_from_certificate(cert)
    Fm = torch.load(_io.BytesIO(t["data"]), weights_only=False).float()
    xt = torch.tensor([[float(t["x"])]], dtype=torch.float32)
    with torch.no_grad():
        assert Fm(xt).item() > 0   # gradual underflow: F is fine
        if not torch.set_flush_denormal(True):
            pytest.skip("this CPU cannot flush denormals (the DAZ model above already proves the claim false)")
        try:
            g_torch, f_torch = G(xt).item(), Fm(xt).item()
        finally:
            torch.set_flush_denormal(False)
    assert f_torch == 0.0 and Fraction(abs(g_torch - f_torch)) > 3 * old_b32


def test_a_subnormal_target_weight_is_refused():
    """The false claim above is refused by fact 8 (every weight of F 0 or normal when F is covered, §6)."""
    t = _subnormal_target()
    cert = _with_block(t)
    assert "DAZ" in cert["claim"]["float32"]["arithmetic"]
    _invalid(cert, t["data"], 8, r"F's layer 1 holds a subnormal weight, which flush-to-zero \(DAZ\) reads as 0")


def test_the_certifier_writes_no_f_covered_block_for_a_subnormal_weight():
    """float32-both raises (the block was asked for); float32 (G̃ alone) is still written and checks."""
    t = _subnormal_target()
    geometry = check._model(t["cert"], t["data"])[1]
    w = [np.array([[x]]) for x in t["w"]]
    with pytest.raises(Float32Unavailable, match="subnormal weight"):
        float32_block(t["cert"], w, [np.zeros(1), np.zeros(1)], geometry, "float32-both")
    block = float32_block(t["cert"], w, [np.zeros(1), np.zeros(1)], geometry, "float32")
    cert = copy.deepcopy(t["cert"])
    cert["claim"]["float32"] = block
    assert check.check_certificate(cert, t["data"]).float32_covers == "pruned"


def test_a_subnormal_bias_of_f_is_allowed():
    """Subnormal biases lose < τ when read as 0, inside §1's addition term: not refused."""
    assert floatbound.is_binary32(1, 149) and not floatbound.is_normal_or_zero(1, 149)
    t = _subnormal_target()
    geometry = check._model(t["cert"], t["data"])[1]
    big = [np.array([[2.0**-100]]), np.array([[1.0]])]
    block = float32_block(t["cert"], big, [np.array([2.0**-140]), np.zeros(1)], geometry, "float32-both")
    assert block["covers"] == "pruned-and-target"


def test_the_overflow_condition_counts_the_rescaling_exponent():
    """The same construction on a domain twice as far out: G̃'s values are still tiny (2^s·â with â ≈ 2^-126·X), but
    §5's condition 2^(S+2)·(… + reach + 1) ≤ 2^127 with S = s = 120 fails, and the honest hints are refused for it."""
    t = _subnormal_target()
    cert = _with_block(t)
    far = _subnormal_target(scale=2)
    assert far["s"] == t["s"] >= 100
    geometry = check._model(far["cert"], far["data"])[1]
    with pytest.raises(Float32Unavailable, match="could overflow float32"):
        w1, w2 = far["w"]
        float32_block(far["cert"], [np.array([[w1]]), np.array([[w2]])], [np.zeros(1), np.zeros(1)], geometry,
                      "float32-both")
    attack = copy.deepcopy(far["cert"])
    attack["claim"]["float32"] = cert["claim"]["float32"]
    attack["claim"]["eps"], attack["verdict"] = "1e100", "certified"
    _invalid(attack, far["data"], 8, r"layers\[0\]: G~'s values may overflow binary32")


# --- G̃ alone under flush-to-zero: subnormal inputs are covered ---------------------------------------------------

def test_g_run_with_flush_to_zero_on_subnormal_inputs_stays_within_the_pruned_claim():
    """covers = "pruned": G̃'s weights are normal and below 1, so a subnormal input read as 0 loses < τ per product,
    inside α.  On the box [0, 2^-140]^2 (every input subnormal) G̃ run by torch under set_flush_denormal outputs 0,
    and |0 − F(x)| stays within bound_float32 (G̃ = F exactly here)."""
    getcontext().prec = 200
    hi = str(Decimal(1) / Decimal(2**140))
    net, cert, data = _exact_net(_box(2, "0", hi, "1.5e-42"))
    geometry = check._model(cert, data)[1]
    block = float32_block(cert, [net[0].weight.detach().numpy()], [np.zeros(1)], geometry, "float32")
    cert = {**cert, "claim": {**cert["claim"], "float32": block}}
    ok = check.check_certificate(cert, data)
    G = pruned_from_certificate(cert)
    points = np.array([[2.0**-140, 2.0**-140], [2.0**-141, 2.0**-140], [2.0**-149, 2.0**-140]], dtype=np.float32)
    with torch.no_grad():
        if not torch.set_flush_denormal(True):
            pytest.skip("this CPU cannot flush denormals")
        try:
            outs = G(torch.from_numpy(points))[:, 0].tolist()
        finally:
            torch.set_flush_denormal(False)
    for p, y in zip(points, outs, strict=True):
        exact = _F(net, (2,), [Fraction(float(v)) for v in p])[0]
        assert abs(Fraction(y) - exact) <= ok.float32


# --- the verdict: which bound is compared with ε --------------------------------------------------------------------

def _float32_verdict_between() -> tuple[dict, bytes]:
    """tiny-bias (verdict on bound_float32) with ε between the exact bound and bound_float32."""
    cert, data = _example("tiny-bias")
    block = cert["claim"]["float32"]
    assert block["verdict_bound"] == "bound_float32"
    bound, b32 = io.parse_decimal(cert["claim"]["bound"]), io.parse_decimal(block["bound_float32"])
    eps = "0.00002"
    assert bound <= io.parse_decimal(eps) < b32
    cert["claim"]["eps"] = eps
    return cert, data


def test_certified_on_the_exact_bound_when_the_verdict_names_bound_float32_is_refused():
    cert, data = _float32_verdict_between()
    cert["verdict"] = "certified"
    _invalid(cert, data, 7, r"verdict must be 'not-certified'")


def test_not_certified_on_bound_float32_is_reported_invalid_by_the_cli(tmp_path):
    cert, data = _float32_verdict_between()
    cert["verdict"] = "not-certified"
    (tmp_path / "c.json").write_text(json.dumps(cert))
    (tmp_path / "m.safetensors").write_bytes(data)
    code, line, _ = check.run(tmp_path / "c.json", tmp_path / "m.safetensors")
    assert code == 1 and line.startswith("INVALID: verdict not-certified: float32 bound")


def test_api_check_requires_the_bound_the_verdict_names():
    cert, data = _float32_verdict_between()
    cert["verdict"] = "not-certified"
    with pytest.raises(NotReachedError, match="float32 bound"):
        api.check(cert, data)
    ok = api.check(cert, data, require_certified=False)
    assert ok.bound <= ok.eps < ok.claimed == ok.float32


def test_verdict_on_the_exact_bound_never_says_bound_float32_reaches_eps():
    """verdict_bound = "bound": certified on the exact bound, bound_float32 above ε is stated beside it, not below ε."""
    cert, data = _float32_verdict_between()
    cert["claim"]["float32"]["verdict_bound"] = "bound"
    cert["verdict"] = "certified"
    code, line = check.verdict_line(check.check_certificate(cert, data))
    b32 = io.decimal_up(io.parse_decimal(cert["claim"]["float32"]["bound_float32"]), 6)
    assert code == 0 and f"<= eps 0.00002, and <= {b32} with" in line and f"{b32} <= eps" not in line


# --- mis-indexed, inflated and malformed hints ----------------------------------------------------------------------

def test_hints_swapped_between_layers_are_refused():
    cert, data = _example("tiny-bias")
    block = cert["claim"]["float32"]
    block["layers"].reverse()
    _invalid(cert, data, 8, r"layers\[0\]\.kappa is below")
    cert, data = _example("tiny-bias")
    cert["claim"]["float32"]["target_layers"].reverse()
    _invalid(cert, data, 8, r"target_layers\[0\]\.q is below")


def test_hints_of_a_pruned_block_in_the_target_slot_are_refused():
    """covers = "pruned-and-target" with F's hints copied from G̃'s (q, error): F's own |W| norm is not met."""
    cert, data = _example("tiny-bias")
    block = cert["claim"]["float32"]
    block["target_layers"] = [{"q": row["q"], "error": row["error"]} for row in block["layers"]]
    with pytest.raises(check.Invalid) as e:
        check.check_certificate(cert, data)
    assert e.value.fact == 8


def test_an_inflated_error_hint_cannot_hide_an_overflow():
    """A huge stored error is an upper bound, so it is allowed to be loose — but it enters §5's overflow condition of
    the next pair, which then refuses it (the checker never reasons with a bound it cannot prove finite)."""
    cert, data = _example("tiny-bias")
    block = cert["claim"]["float32"]
    block["layers"][0]["error"] = "1e300"
    block["r"] = block["bound_float32"] = "1e301"
    cert["claim"]["eps"] = "1e302"
    _invalid(cert, data, 8, r"layers\[1\]: G~'s values may overflow binary32")


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "Infinity", "1e401", "0x1p-3", " 1", "1_0", "\uff11", "1.",
                                  ".5", "+1", "-0"])
def test_non_decimal_hints_are_unusable(text):
    cert, data = _example("tiny-bias")
    cert["claim"]["float32"]["layers"][1]["q"] = text
    with pytest.raises(Unusable, match=r"claim\.float32\.layers\[1\]\.q"):
        check.check_certificate(cert, data)


def test_a_float32_block_in_a_format_3_certificate_is_unusable():
    """A complete, well-formed block (not an empty one) on a format-3 certificate: format 3 has no such key."""
    cert = json.loads((ROOT / "tests" / "data" / "format3-tiny.cert.json").read_text())
    data = (ROOT / "tests" / "data" / "format3-tiny.safetensors").read_bytes()
    cert["claim"]["float32"] = _example("tiny")[0]["claim"]["float32"]
    with pytest.raises(Unusable, match="claim must be an object with keys"):
        check.check_certificate(cert, data)
