"""Attacks on the float32 claim (docs/float32.md, fact 8), each proved false by exact evaluation and refused.

The target is built so that G̃ = F exactly (claim.bound = 0): F's weight j is the exact sum Σ v·u of the products that
G̃ keeps for input j.  Then any float32 rounding of G̃ is the whole of ‖fl(G̃)(x) − F(x)‖, which exact rationals measure
at float32 points x: a float32 block claiming less is false there.  Two classes: a rounding term too small (half the
deviation observed), and the underflow term α left out on a domain of subnormal inputs, where the relative term
γ·Σ|t| is far below the absolute rounding of products in the subnormal range."""

from __future__ import annotations

from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest
import torch
from test_check_format4_attacks import _G, _box, _cert4, _honest, _net
from torch import nn

from verify.engine.export import pruned_from_certificate
from verify.float32_hints import float32_block
from verify.kernel import check, floatbound, io, rng

SEED, K = 11, 4


def _exact_net(domain: dict) -> tuple[nn.Sequential, dict, bytes]:
    """Linear(2 → 1) with F's weights the exact sums of G̃'s kept products (bias-free; k = 4: hidden neuron h serves
    input h mod 2 and is kept when its weight is positive, every input being ≥ 0)."""
    odd = {h: h % 2 for h in range(2 * K) if rng.weight_int(SEED, 1, h, h % 2) > 0}
    assert sorted(set(odd.values())) == [0, 1]
    w = [Fraction(0), Fraction(0)]
    for h, j in odd.items():
        w[j] += rng.weight(SEED, 2, 0, h) * rng.weight(SEED, 1, h, j)
    assert all(Fraction(float(v)) == v for v in w), "the sums are float64 numbers"
    net = _net(nn.Linear(2, 1, bias=False), weights=[[[float(v) for v in w]]])
    cert, data = _cert4(net, (2,), seed=SEED, k=K, odd=[odd], even=[{(0, h) for h in odd}], domain=domain)
    _honest(cert, net)
    assert cert["claim"]["bound"] == "0"
    return net, cert, data


def _block(cert: dict, net: nn.Sequential, data: bytes) -> dict:
    geometry = check._model(cert, data)[1]
    w = net[0].weight.detach().numpy()
    return float32_block(cert, [w], [np.zeros(1)], geometry, "float32")


def _deviation(cert: dict, net, x: np.ndarray) -> Fraction:
    """|fl(G̃)(x) − F(x)| exactly (G̃ = F exactly here), G̃ run in float32 by torch from the certificate's export and by
    sequential numpy float32 sums in both orders; the largest."""
    module = pruned_from_certificate(cert)
    exact = _G(cert, net, [Fraction(float(v)) for v in x])[0]
    with torch.no_grad():
        outs = [float(module(torch.from_numpy(x[None]))[0, 0])]
    (U, V) = [m.weight.detach().numpy() for m in module if isinstance(m, nn.Linear)]
    hidden = np.maximum(U @ x, np.float32(0))          # one non-zero product per hidden neuron: order-free
    for order in (1, -1):
        acc = np.float32(0)
        for v, h in list(zip(V[0], hidden, strict=True))[::order]:
            acc = np.float32(acc + np.float32(v * h))
        outs.append(float(acc))
    return max(abs(Fraction(y) - exact) for y in outs)


def _claim(cert: dict, block: dict, error: Fraction) -> dict:
    """``cert`` with a float32 block claiming r = ``error`` (rounded down: what an attacker would write)."""
    text = io.decimal_up(error * Fraction(99, 100), 6)   # 6 digits overshoot by less than 1e-5 relative
    assert io.parse_decimal(text) <= error
    bad = {**block, "layers": [{**block["layers"][0], "error": text}], "r": text, "bound_float32": text}
    cert = {**cert, "claim": {**cert["claim"], "float32": bad}}
    return cert


def test_a_rounding_term_smaller_than_the_observed_deviation_is_false_and_refused():
    net, cert, data = _exact_net(_box(2, "0", "1", "2"))
    block = _block(cert, net, data)
    honest = {**cert, "claim": {**cert["claim"], "float32": block}}
    ok = check.check_certificate(honest, data)
    rs = np.random.RandomState(0)
    points = rs.uniform(0, 1, (40, 2)).astype(np.float32)
    x = max(points, key=lambda p: _deviation(cert, net, p))
    d = _deviation(cert, net, x)
    assert 0 < d <= ok.float32, "premise: float32 rounding is observed, and within the honest r"
    attack = _claim(cert, block, d / 2)
    assert d > io.parse_decimal(attack["claim"]["float32"]["bound_float32"]), "the attacker's claim is false at x"
    with pytest.raises(check.Invalid, match=r"layers\[0\]\.error is below") as e:
        check.check_certificate(attack, data)
    assert e.value.fact == 8


def test_leaving_out_the_underflow_term_is_false_on_subnormal_inputs_and_refused():
    getcontext().prec = 200
    hi = str(Decimal(1) / Decimal(2**140))                # 2^-140 exactly: inputs are float32 subnormals
    assert Fraction(Decimal(hi)) == Fraction(1, 2**140)
    net, cert, data = _exact_net(_box(2, "0", hi, "1.5e-42"))
    block = _block(cert, net, data)
    honest = {**cert, "claim": {**cert["claim"], "float32": block}}
    ok = check.check_certificate(honest, data)
    rs = np.random.RandomState(1)
    points = (rs.uniform(0, 1, (40, 2)) * 2.0**-140).astype(np.float32)
    assert all(0 <= float(v) <= 2.0**-140 for v in points.ravel())
    x = max(points, key=lambda p: _deviation(cert, net, p))
    d = _deviation(cert, net, x)
    assert 0 < d <= ok.float32
    # the relative term alone: γ_{N+1}·(q·reach + κ), rounded up, as if underflow did not exist
    q = io.parse_decimal(block["layers"][0]["q"])
    N, kappa = cert["mask"][1]["kept"], io.parse_decimal(block["layers"][0]["kappa"])
    relative = floatbound.gamma(N + 1) * (q * io.parse_decimal("1.5e-42") + kappa)
    attack = _claim(cert, block, relative * 2)
    assert d > io.parse_decimal(attack["claim"]["float32"]["r"]), "the claim without α is false at x"
    with pytest.raises(check.Invalid, match=r"layers\[0\]\.error is below") as e:
        check.check_certificate(attack, data)
    assert e.value.fact == 8


def test_f_covered_with_weights_that_are_not_float32_is_refused():
    """F's weights here are sums of 48-bit products, not binary32 numbers: F run in float32 is another function, so
    a block covering F is refused (fact 8) whatever its numbers."""
    net, cert, data = _exact_net(_box(2, "0", "1", "2"))
    block = _block(cert, net, data)
    assert not all(floatbound.is_binary32(*check._dyadic(float(v))) for v in net[0].weight.detach().view(-1))
    covered = {**block, "covers": "pruned-and-target", "target_layers": [{"q": "1e3", "error": "0.5"}],
               "r": "1", "bound_float32": "1"}   # eps is 1: the verdict "certified" stands
    with pytest.raises(check.Invalid, match="not a binary32 number") as e:
        check.check_certificate({**cert, "claim": {**cert["claim"], "float32": covered}}, data)
    assert e.value.fact == 8
