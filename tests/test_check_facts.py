"""Details of verify/kernel/check.py that the mutation run found untested (issue 18): the fact number of each
structural refusal, the constant-neuron sign rule for every neuron of a bias block, ``exact_networks`` against the
independent rebuild from raw mask bits, the VALID line's wording of the domain, and the exit codes of ``run`` and
``main``."""

from __future__ import annotations

import copy
import io as stdio
import json
from fractions import Fraction
from pathlib import Path

import pytest
from independent import pruned_from_raw, read, target_from_safetensors

from verify.kernel import check, io, rng

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "certs" / "examples"


def _example(name: str) -> tuple[dict, bytes]:
    return read(EXAMPLES / f"{name}.cert.json"), (EXAMPLES / f"{name}.safetensors").read_bytes()


@pytest.mark.parametrize("edit,fact,pattern", [
    (lambda c: c["mask"].pop(), 4, "mask must list 4 G layers"),
    (lambda c: c["layers"].pop(), 5, "layers must have 2 rows"),
    (lambda c: c["model"]["layers"][0].update(shape=[3, 3]), 2, r"model.layers\[0\]: shape"),
])
def test_structural_refusals_name_their_fact(edit, fact, pattern):
    cert, model = _example("tiny-bias")
    bad = copy.deepcopy(cert)
    edit(bad)
    with pytest.raises(check.Invalid, match=pattern) as e:
        check.check_certificate(bad, model)
    assert e.value.fact == fact


def _set(m: dict, key: str, bits: set[int], cols: int) -> None:
    m[key] = io.encode_mask(m["shape"][0], cols, bits)
    m["bias_kept" if key == "bias_data" else "kept"] = len(bits)


@pytest.mark.parametrize("pair", [0, 1])
def test_every_neuron_of_the_bias_block_follows_the_sign_rule(pair):
    """Keeping the bias of any block neuron h of G layer 2i+1 (with an edge from it): fact 4 refuses exactly the
    neurons whose bias, regenerated here from the published generator at column 2^32 − 1, is not positive."""
    cert, model = _example("tiny-bias")
    seed = cert["random_network"]["seed"]
    odd, even = cert["mask"][2 * pair], cert["mask"][2 * pair + 1]
    hidden, n = odd["shape"]
    m = even["shape"][0]
    first = cert["random_network"]["width_factor"] * n
    kept = {r for r, _ in io.decode_mask(odd["bias_data"], hidden, 1)}
    seen = {True: 0, False: 0}
    for h in range(first, hidden):
        if h in kept:
            continue
        positive = rng.weight(seed, 2 * pair + 1, h, 2**32 - 1) > 0
        bad = copy.deepcopy(cert)
        _set(bad["mask"][2 * pair], "bias_data", kept | {h}, 1)
        edges = {r * hidden + col for r, col in io.decode_mask(even["data"], m, hidden)}
        _set(bad["mask"][2 * pair + 1], "data", edges | {h}, hidden)         # output 0 keeps an edge from h
        with pytest.raises(check.Invalid) as e:
            check.check_certificate(bad, model)
        refused_as_negative = e.value.fact == 4 and "not positive" in str(e.value)
        assert refused_as_negative == (not positive), (h, str(e.value))
        seen[positive] += 1
    assert seen[True] and seen[False]


@pytest.mark.parametrize("name", ["tiny", "tiny-bias"])
def test_exact_networks_are_the_independent_rebuild(name):
    """What the checker hands the exact oracle is G̃ and F exactly as rebuilt from the raw mask bits and the
    safetensors file (same live neurons, same order, same weights and biases)."""
    cert, model = _example(name)
    ok = check.check_certificate(cert, model)
    target, pruned = check.exact_networks(ok)
    assert pruned == [(list(map(list, w)), list(b)) for w, b in pruned_from_raw(cert)]
    assert target == target_from_safetensors(EXAMPLES / f"{name}.safetensors", cert)
    assert all(isinstance(v, Fraction) for w, b in pruned for row in w for v in row)


def _domain_line(domain: dict) -> str:
    cert, model = _example("tiny-bias")
    c = copy.deepcopy(cert)
    c["claim"]["domain"] = domain
    try:
        ok = check.check_certificate(c, model)
    except check.Invalid:
        pytest.fail("domain edit not accepted")
    return check.verdict_line(ok)[1]


def test_the_valid_line_states_the_domain_in_the_certificates_own_decimals():
    """Short bounds are printed as written; long or per-coordinate ones point to claim.domain (never rounded, which
    could name a larger domain than the one checked)."""
    box = {"kind": "box", "lo": ["0", "0"], "hi": ["0.5", "0.5"], "reach": "0.75"}
    assert "over the box [0, 0.5]^2 of" in _domain_line(box)
    long24 = "0." + "1" * 22
    assert len(long24) == 24 and f"[0, {long24}]^2" in _domain_line({**box, "hi": [long24] * 2})
    long25 = long24 + "1"
    assert "over the box of claim.domain (2 per-coordinate bounds) of" in _domain_line({**box, "hi": [long25] * 2})
    assert "box of claim.domain" in _domain_line({**box, "hi": ["0.5", "0.25"]})
    assert "box of claim.domain" in _domain_line({**box, "lo": ["0", "0.1"]})


def test_valid_line_for_balls(tmp_path):
    cert, model = _example("tiny")
    ok = check.check_certificate(cert, model)
    assert "over the l2 ball of radius 1 of" in check.verdict_line(ok)[1]
    c = copy.deepcopy(cert)
    small = "0." + "0" * 21 + "1"                                    # 24 characters: printed as written
    c["claim"]["domain"] = {"kind": "ball", "radius": small, "reach": small}
    assert f"radius {small} of" in check.verdict_line(check.check_certificate(c, model))[1]
    c["claim"]["domain"] = {"kind": "ball", "radius": small + "1", "reach": small + "1"}
    assert "the l2 ball of claim.domain.radius" in check.verdict_line(check.check_certificate(c, model))[1]


def test_run_and_main_exit_codes_and_stream(tmp_path):
    model = EXAMPLES / "tiny-bias.safetensors"
    code, line, ok = check.run(EXAMPLES / "tiny-bias.cert.json", model)
    assert code == 0 and line.startswith("VALID") and ok is not None
    code, line, ok = check.run(EXAMPLES / "broken-bias-beta-halved.cert.json", model)
    assert code == 1 and line.startswith("INVALID: [fact 5]") and ok is None
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert check.run(bad, model)[0] == 2
    out = stdio.StringIO()
    assert check.main(str(EXAMPLES / "tiny-bias.cert.json"), str(model), stream=out) == 0
    assert out.getvalue().startswith("VALID") and out.getvalue().count("\n") == 1
    assert json.loads((EXAMPLES / "tiny-bias.cert.json").read_text())["verdict"] == "certified"


def test_exact_networks_of_a_one_output_target(tmp_path):
    """A target with one output row (W of shape 1 × n): the exact networks are built and evaluate like F and G̃."""
    import torch
    from independent import relu_net
    from safetensors.torch import save_file

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    path = tmp_path / "one.safetensors"
    save_file({"0.weight": torch.tensor([[0.5, -0.25]]), "0.bias": torch.tensor([0.125])}, str(path))
    t = load_target(path)
    cert = certify(t, Eps.parse("1"), build(t.weights, Options(seed=2, device="cpu"), k=6, biases=t.biases),
                   empirical=False).cert
    ok = check.check_certificate(cert, path.read_bytes())
    target, pruned = check.exact_networks(ok)
    assert target == [([[Fraction(1, 2), Fraction(-1, 4)]], [Fraction(1, 8)])]
    x = [Fraction(1, 3), Fraction(-1, 2)]
    assert relu_net(pruned, x) == relu_net(pruned_from_raw(cert), x)
    assert abs(relu_net(pruned, x)[0] - relu_net(target, x)[0]) <= ok.bound   # x lies in the unit ball


def _recomposed(cert: dict, beta_layer: int, beta: str) -> dict:
    """``cert`` with one layer's beta raised to ``beta`` and every later number recomposed upward (exactly as
    fact 6 demands), the bound and eps set to δ_L: a valid certificate whose bias error bound is loose."""
    c = copy.deepcopy(cert)
    c["claim"].pop("float32", None)   # the float32 block (fact 8, docs/float32.md) is not recomposed here,
    c.pop("telescope", None)          # nor the telescope block (fact 9, docs/tighter.md §9)
    c["layers"][beta_layer]["beta"] = beta
    d = c["claim"]["domain"]
    delta, rho = Fraction(0), Fraction(d["reach"])
    for row in c["layers"]:
        eta, omega, b, nu = (Fraction(row[k]) for k in ("eta", "omega", "beta", "bias_norm"))
        delta, rho = eta * rho + b + omega * delta, (omega + eta) * rho + nu + b
        row["delta"], row["rho"] = io.decimal_up(delta, 12), io.decimal_up(rho, 12)
        delta, rho = Fraction(row["delta"]), Fraction(row["rho"])
    c["claim"]["bound"] = c["claim"]["eps"] = c["layers"][-1]["delta"]
    return c


@pytest.mark.parametrize("layer", [1, 3])
def test_kept_even_layer_biases_reach_the_exact_networks(layer):
    """G layer 2i's own bias, when kept, is part of G̃: the checker counts it in C (a loose beta admits it) and hands
    it to the exact oracle exactly as the raw rebuild has it."""
    cert, model = _example("tiny-bias")
    c = _recomposed(cert, layer // 2, "10")
    m = c["mask"][layer]
    _set(m, "bias_data", {0}, 1)
    ok = check.check_certificate(c, model)
    _, pruned = check.exact_networks(ok)
    rebuilt = pruned_from_raw(c)
    assert pruned == [(list(map(list, w)), list(b)) for w, b in rebuilt]
    assert pruned[layer][1][0] == rng.weight(c["random_network"]["seed"], layer + 1, 0, 2**32 - 1) != 0


def test_a_single_live_neuron_gives_matching_exact_shapes(tmp_path):
    """A 1-1 target at k = 1: one hidden neuron; the exact networks' shapes chain (U is 1 × 1, V is 1 × 1)."""
    import torch
    from independent import relu_net
    from safetensors.torch import save_file

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    path = tmp_path / "one.safetensors"
    save_file({"0.weight": torch.tensor([[0.5]])}, str(path))
    t = load_target(path)
    for seed in range(20):
        cert = certify(t, Eps.parse("10"), build(t.weights, Options(seed=seed, device="cpu", rescale="layer"), k=1),
                       empirical=False).cert
        ok = check.check_certificate(cert, path.read_bytes())
        _, pruned = check.exact_networks(ok)
        if len(pruned[0][0]) == 1 and any(pruned[0][0][0]):
            break
    else:
        pytest.fail("no seed kept the single hidden neuron")
    assert [len(pruned[0][0]), len(pruned[0][0][0]), len(pruned[1][0]), len(pruned[1][0][0])] == [1, 1, 1, 1]
    assert relu_net(pruned, [Fraction(1, 3)]) == relu_net(pruned_from_raw(cert), [Fraction(1, 3)])


def test_the_smallest_positive_bias_is_a_constant(tmp_path):
    """Seed 2081631 gives G layer 1's neuron 2 the bias 2^-24 exactly (bias_int = 1, the smallest positive value):
    it may serve as a constant like any positive bias (found by a vectorised search with the torch twin)."""
    import torch
    from safetensors.torch import save_file

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    seed = 2081631
    assert rng.bias_int(seed, 1, 2) == 1
    path = tmp_path / "m.safetensors"
    save_file({"0.weight": torch.tensor([[0.5]]), "0.bias": torch.tensor([0.25])}, str(path))
    t = load_target(path)
    cert = certify(t, Eps.parse("10"), build(t.weights, Options(seed=seed, device="cpu", bias_block=1,
                                                                rescale="layer"), k=2, biases=t.biases),
                   empirical=False).cert
    c = _recomposed(cert, 0, "10")
    _set(c["mask"][0], "bias_data", {2}, 1)
    _set(c["mask"][1], "data", {r * 3 + h for r, h in io.decode_mask(c["mask"][1]["data"], 1, 3)} | {2}, 3)
    ok = check.check_certificate(c, path.read_bytes())
    _, pruned = check.exact_networks(ok)
    assert Fraction(1, 2**24) in pruned[0][1]
