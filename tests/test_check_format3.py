"""Format 3's new fields (issue 13): every mutation of a domain, bias, constant-neuron or module field is refused for
its own reason (``match=`` on the message, the fact number), and the same certificate unmutated is accepted."""

from __future__ import annotations

import copy
from fractions import Fraction

import pytest
import torch
from torch import nn

from verify.certify import certify
from verify.engine.construct import build
from verify.engine.model import load_target
from verify.kernel import check, io, rng
from verify.kernel.wellformed import Unusable
from verify.options import Eps, Options

U, I = Unusable, check.Invalid


@pytest.fixture(scope="module")
def biased(tmp_path_factory) -> dict:
    """A Flatten/Linear/ReLU/Dropout/Linear module with biases and its certificate over the box [0, 1]^4."""
    torch.manual_seed(5)
    m = nn.Sequential(nn.Flatten(), nn.Linear(4, 5), nn.ReLU(), nn.Dropout(0.3), nn.Linear(5, 3)).eval()
    path = tmp_path_factory.mktemp("f3") / "m.pt"
    torch.save(m, path)
    t = load_target(path)
    c = build(t.weights, Options(seed=11, device="cpu", domain="box:0,1", bias_block=16), k=9, biases=t.biases)
    cert = certify(t, Eps.parse("1"), c, empirical=False).cert
    check.check_certificate(cert, path.read_bytes())
    return {"cert": cert, "model": path.read_bytes(), "construction": c}


def _bits(cert: dict, i: int, key: str) -> set[int]:
    m = cert["mask"][i]
    rows, cols = m["shape"]
    return {r * (1 if key == "bias_data" else cols) + col
            for r, col in io.decode_mask(m[key], rows, 1 if key == "bias_data" else cols)}


def _set_bits(c: dict, i: int, key: str, bits: set[int]) -> None:
    m = c["mask"][i]
    rows, cols = m["shape"]
    m[key] = io.encode_mask(rows, 1 if key == "bias_data" else cols, bits)
    m["bias_kept" if key == "bias_data" else "kept"] = len(bits)


def _lower(x: str) -> str:
    return io.decimal_up(io.parse_decimal(x) * Fraction(999, 1000), 12)


def _mutations(cert: dict, construction) -> list:
    rn, dom = "random_network", ("claim", "domain")
    lp, bp = construction.layers[0], construction.bias_parts[0]
    hidden = cert["mask"][0]["shape"][0]
    gadget = int((lp.src >= 0).nonzero()[0])                   # a gadget neuron keeping an input edge
    negative = next(h for h in range(lp.hidden, hidden) if rng.bias_int(cert[rn]["seed"], 1, h) <= 0)
    constant = int(bp.const[0])

    def domain(c):
        return c[dom[0]][dom[1]]

    def drop_outputs_of(h):
        def f(c):
            m = c["mask"][1]
            _set_bits(c, 1, "data", {b for b in _bits(c, 1, "data") if b % m["shape"][1] != h})
        return f

    out = []
    for i in range(len(cert["layers"])):
        for key, fact in (("beta", 5), ("bias_norm", 5), ("delta", 6), ("rho", 6)):
            out.append((f"layers[{i}].{key}", lambda c, i=i, key=key: c["layers"][i].update({key: _lower(
                c["layers"][i][key])}), I, fact, rf"layers\[{i}\]\.{key} is below"))
    out += [
        ("reach lowered", lambda c: domain(c).update(reach=_lower(domain(c)["reach"])), I, 1, "reach is below"),
        ("lo > hi", lambda c: domain(c)["lo"].__setitem__(0, "2"), I, 1, "lo <= hi"),
        ("lo shorter", lambda c: domain(c)["lo"].pop(), I, 1, "as many lo as hi"),
        ("box of d+1", lambda c: (domain(c)["lo"].append("0"), domain(c)["hi"].append("0")), I, 3, "coordinates"),
        # one coordinate may now be negative: layer 1's inputs take both signs, and eta no longer bounds [E+ E-]
        ("box widened below 0", lambda c: domain(c)["lo"].__setitem__(0, "-0.001"), I, 5, r"layers\[0\]\.eta"),
        # a larger box with its reach updated: the composition from the new reach is above the stored rows
        ("box widened above", lambda c: (domain(c)["hi"].__setitem__(0, "3"), domain(c).update(reach="4")), I, 6,
         r"layers\[0\]\.delta is below"),
        ("domain kind", lambda c: domain(c).update(kind="sphere"), U, None, "kind 'ball' or 'box'"),
        ("domain extra key", lambda c: domain(c).update(center="0"), U, None, "claim.domain must be an object"),
        ("ball keys on a box", lambda c: domain(c).update(kind="ball"), U, None, "claim.domain must be an object"),
        ("lo as a number", lambda c: domain(c)["lo"].__setitem__(0, 0), U, None, r"claim.domain.lo\[0\]"),
        ("lo double sign", lambda c: domain(c)["lo"].__setitem__(0, "--1"), U, None, r"claim.domain.lo\[0\]"),
        ("lo plus sign", lambda c: domain(c)["lo"].__setitem__(0, "+0"), U, None, r"claim.domain.lo\[0\]"),
        ("hi empty", lambda c: domain(c).update(lo=[], hi=[]), U, None, "claim.domain.lo is empty"),
        ("modules", lambda c: c["model"]["modules"].remove("Dropout"), I, 2, "model.modules are not"),
        ("modules name", lambda c: c["model"]["modules"].__setitem__(0, "Tanh"), U, None, r"model.modules\[0\]"),
        ("bias key dropped", lambda c: c["model"]["layers"][0].update(bias_key=None), I, 2, "bias keys"),
        ("bias key renamed", lambda c: c["model"]["layers"][1].update(bias_key="4.weight"), I, 2, "bias keys"),
        ("bias key type", lambda c: c["model"]["layers"][1].update(bias_key=4), U, None, "bias_key a string"),
        ("bias block", lambda c: c[rn].update(bias_block=c[rn]["bias_block"] + 1), I, 3, "widths must be"),
        ("parameters without biases", lambda c: c[rn].update(parameters=c[rn]["parameters"]
                                                              - sum(c[rn]["widths"][1:])), I, 3, "parameters"),
        ("bias_kept", lambda c: c["mask"][0].update(bias_kept=c["mask"][0]["bias_kept"] + 1), I, 4,
         r"mask\[0\]\.bias_kept does not match"),
        ("bias_data", lambda c: c["mask"][0].update(bias_data="???"), I, 4, r"mask\[0\]\.bias_data"),
        ("bias bit beyond the shape", lambda c: c["mask"][1].update(bias_data=io.encode_mask(1, 8, [7]),
                                                                     bias_kept=1), I, 4, "bias_data"),
        ("bias on a gadget neuron", lambda c: _set_bits(c, 0, "bias_data", _bits(c, 0, "bias_data") | {gadget}), I, 4,
         "keeps its bias but also an input edge"),
        ("non-positive constant", lambda c: (_set_bits(c, 0, "bias_data", _bits(c, 0, "bias_data") | {negative}),
                                             _set_bits(c, 1, "data", _bits(c, 1, "data") | {negative})), I, 4,
         "not positive"),
        ("even-layer bias kept", lambda c: _set_bits(c, 1, "bias_data", {0}), I, 5, r"layers\[0\]\.beta is below"),
        ("constant dropped", lambda c: _set_bits(c, 0, "bias_data", _bits(c, 0, "bias_data") - {constant}), I, 4,
         "no input edge and no bias"),
        ("constant without output", drop_outputs_of(constant), I, 4, "keeps an input edge or bias but no output"),
        ("bias masks missing", lambda c: c["mask"][0].pop("bias_data"), U, None, r"mask\[0\] must be an object"),
        ("old format", lambda c: c.update(format="slt-verify-certificate/2"), U, None, "regenerate it"),
        ("semantics", lambda c: c["claim"].update(semantics="exact real arithmetic of the stored weights"), U, None,
         "claim.semantics"),
    ]
    return out


def test_the_unmutated_certificate_is_accepted(biased):
    ok = check.check_certificate(biased["cert"], biased["model"])
    assert ok.domain.kind == "box" and ok.domain.non_negative and ok.domain.reach == 2
    assert ok.kept == biased["construction"].kept


def test_every_format3_mutation_is_refused_for_its_reason(biased):
    names = set()
    for name, f, exc, fact, pattern in _mutations(biased["cert"], biased["construction"]):
        bad = copy.deepcopy(biased["cert"])
        f(bad)
        assert bad != biased["cert"], name
        with pytest.raises(exc, match=pattern) as e:
            check.check_certificate(bad, biased["model"])
        if fact is not None:
            assert e.value.fact == fact, (name, str(e.value))
        names.add(name)
    assert len(names) >= 35


@pytest.mark.parametrize("radius,reach,message", [("2", "1", "reach >= radius"), ("0", "0", "radius > 0")])
def test_ball_claims_need_a_reach_at_least_the_radius(biased, radius, reach, message):
    bad = copy.deepcopy(biased["cert"])
    bad["claim"]["domain"] = {"kind": "ball", "radius": radius, "reach": reach}
    with pytest.raises(I, match=message) as e:
        check.check_certificate(bad, biased["model"])
    assert e.value.fact == 1


def test_a_box_claim_does_not_transfer_to_a_ball_of_the_same_reach(biased):
    """A non-negative box's rows moved to a ball of the same reach are refused: a ball holds inputs of both signs,
    so layer 1's eta must bound [E⁺ E⁻], and the box's bounds E⁺ only."""
    bad = copy.deepcopy(biased["cert"])
    bad["claim"]["domain"] = {"kind": "ball", "radius": "2", "reach": "2"}
    with pytest.raises(I, match=r"layers\[0\]\.eta") as e:
        check.check_certificate(bad, biased["model"])
    assert e.value.fact == 5
