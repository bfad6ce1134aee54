"""The independent checker (issue 3): accepts what the engine emits, rejects every mutation, stays independent."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from fractions import Fraction

import pytest
import torch
from conftest import SMALL, make_sequential, random_weights
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify import check, io
from verify.certify import certify
from verify.engine.empirical import empirical_sup
from verify.engine.model import load_target, target_from_weights


def _check(cert, model) -> None:
    check.check_certificate(cert, model)


def test_engine_certificate_is_accepted(small_cert):
    ok = check.check_certificate(small_cert["cert"], small_cert["model"])
    assert ok.bound == io.parse_decimal(small_cert["cert"]["claim"]["bound"])
    assert ok.kept == sum(m["kept"] for m in small_cert["cert"]["mask"])


@pytest.mark.parametrize("fmt", ["module", "safetensors"])
def test_other_model_formats_certify_and_check(small_model, fmt):
    t = load_target(small_model[fmt])
    res = certify(t, eps_text="10", method="pair", k=8, seed=0, device="cpu", empirical=False)
    assert check.check_certificate(res.cert, small_model[fmt]).bound == res.bound


def _mutations(cert: dict):
    """(name, mutated certificate) pairs, each of which must be rejected."""
    def mut(name, f):
        c = copy.deepcopy(cert)
        f(c)
        return name, c

    def lower(x: str) -> str:
        return io.decimal_up(io.parse_decimal(x) * Fraction(999, 1000), 12) if io.parse_decimal(x) else "0"

    out = []
    for i in range(len(cert["layers"])):
        for key in ("eta", "omega", "delta", "rho"):
            if io.parse_decimal(cert["layers"][i][key]) > 0:
                out.append(mut(f"layers[{i}].{key}", lambda c, i=i, key=key: c["layers"][i].__setitem__(
                    key, lower(c["layers"][i][key]))))
        out.append(mut(f"layers[{i}].norm", lambda c, i=i: c["layers"][i].__setitem__("norm", "spectral-ish")))
    out += [
        mut("bound", lambda c: c["claim"].__setitem__("bound", lower(c["claim"]["bound"]))),
        mut("eps", lambda c: c["claim"].__setitem__("eps", lower(c["claim"]["bound"]))),
        mut("norm", lambda c: c["claim"].__setitem__("norm", "linf")),
        mut("domain", lambda c: c["claim"].__setitem__("domain", "unit linf ball")),
        mut("verdict", lambda c: c.__setitem__("verdict", "not-certified")),
        mut("seed", lambda c: c["random_network"].__setitem__("seed", c["random_network"]["seed"] + 1)),
        mut("width", lambda c: c["random_network"].update(width_factor=1 + c["random_network"]["width_factor"])),
        mut("params", lambda c: c["random_network"].__setitem__("parameters", c["random_network"]["parameters"] - 1)),
        mut("generator", lambda c: c["random_network"].__setitem__("generator", "mt19937")),
        mut("hash", lambda c: c["model"].__setitem__("sha256", "0" * 64)),
        mut("format", lambda c: c.__setitem__("format", "slt-verify-certificate/0")),
        mut("extra field", lambda c: c.__setitem__("bonus", 1)),
        mut("missing field", lambda c: c.pop("rescaling")),
        mut("exponent", lambda c: c["rescaling"]["neuron_exponents"][0].__setitem__(0, 3)),
        mut("mask kept count", lambda c: c["mask"][1].__setitem__("kept", c["mask"][1]["kept"] + 1)),
        mut("mask shape", lambda c: c["mask"][0].__setitem__("shape", [1, 1])),
        mut("mask data", lambda c: c["mask"][0].__setitem__("data", "not base64!")),
        mut("layer key", lambda c: c["model"]["layers"][0].__setitem__("key", "9.weight")),
        mut("eps string", lambda c: c["claim"].__setitem__("eps", "0.1x")),
    ]
    return out


def _flip_mask_bit(cert: dict, layer: int, pos: int) -> dict:
    c = copy.deepcopy(cert)
    m = c["mask"][layer]
    rows, cols = m["shape"]
    bits = {r * cols + col for r, col in io.decode_mask(m["data"], rows, cols)}
    bits ^= {pos}
    m["data"], m["kept"] = io.encode_mask(rows, cols, bits), len(bits)
    return c


def test_every_mutation_is_rejected(small_cert):
    assert small_cert["cert"]["verdict"] == "certified"
    for name, bad in _mutations(small_cert["cert"]):
        with pytest.raises(check.Invalid):
            _check(bad, small_cert["model"])
            print("accepted mutation:", name)


def test_mask_entries_are_verified(small_model):
    """With Frobenius rows every single mask bit flip is rejected: the engine's subsets are optimal per weight, so
    any change raises some exact error, and structural changes break check 4."""
    res = certify(load_target(small_model["state_dict"]), eps_text="5", method="subset-sum", k=10, seed=3,
                  device="cpu", norm="frobenius", empirical=False)
    cert = res.cert
    for layer in range(len(cert["mask"])):
        rows, cols = cert["mask"][layer]["shape"]
        for pos in range(0, rows * cols, max(1, rows * cols // 40)):
            with pytest.raises(check.Invalid):
                _check(_flip_mask_bit(cert, layer, pos), small_model["state_dict"])


def test_mask_flips_in_spectral_certificates_are_rejected_or_true(small_cert):
    """A spectral η has a 10^-5 margin, so a mask flip that barely moves ‖E‖₂ can leave the certificate true.  The
    checker must then be right: recompute the flipped network's largest error with an attack and the true norms."""
    cert = small_cert["cert"]
    target = small_cert["target"]
    rejected = accepted = 0
    for layer in range(len(cert["mask"])):
        rows, cols = cert["mask"][layer]["shape"]
        for pos in range(0, rows * cols, max(1, rows * cols // 25)):
            bad = _flip_mask_bit(cert, layer, pos)
            try:
                ok = check.check_certificate(bad, small_cert["model"])
            except check.Invalid:
                rejected += 1
                continue
            accepted += 1
            _, pruned = check.exact_networks(bad, small_cert["model"])
            mats = [torch.tensor([[float(x) for x in row] for row in m], dtype=torch.float64) for m in pruned]

            def g(x, mats=mats):
                for i, m in enumerate(mats):
                    x = x @ m.T if m.numel() else torch.zeros(x.shape[0], m.shape[0], dtype=torch.float64)
                    x = torch.relu(x) if i + 1 < len(mats) else x
                return x

            emp = empirical_sup(target.forward, g, target.widths[0], samples=1024, steps=30, seed=0)
            assert emp.max_error <= float(ok.bound) * (1 + 1e-9)
    assert rejected > accepted


def test_wrong_model_is_rejected(small_cert, tmp_path):
    other = make_sequential([4, 6, 5, 3], seed=99)
    p = tmp_path / "other.pt"
    torch.save(other.state_dict(), p)
    with pytest.raises(check.Invalid, match="sha256"):
        _check(small_cert["cert"], p)


def test_cli_exit_codes(small_cert, tmp_path, capsys):
    from verify.cli import main

    assert main(["check", str(small_cert["path"]), "--model", str(small_cert["model"])]) == 0
    assert capsys.readouterr().out.startswith("VALID")
    bad = tmp_path / "bad.json"
    name, mutated = _mutations(small_cert["cert"])[0]
    bad.write_text(json.dumps(mutated))
    assert main(["check", str(bad), "--model", str(small_cert["model"])]) == 1
    assert capsys.readouterr().out.startswith("INVALID")
    broken = tmp_path / "broken.json"
    broken.write_text(small_cert["path"].read_text()[:-40])
    assert main(["check", str(broken), "--model", str(small_cert["model"])]) == 2
    assert main(["check", str(tmp_path / "missing.json"), "--model", str(small_cert["model"])]) == 2
    assert main(["check", str(small_cert["path"]), "--model", str(tmp_path / "missing.pt")]) == 2
    bad.write_text("[1, 2]")
    assert main(["check", str(bad), "--model", str(small_cert["model"])]) == 1


def test_checker_never_imports_the_engine():
    code = ("import sys, verify.check; assert not [m for m in sys.modules if m.startswith(('verify.engine', "
            "'verify.certify'))], sorted(sys.modules); import torch  # noqa")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_certificates_are_deterministic(small_model):
    t = load_target(small_model["state_dict"])
    a = certify(t, eps_text="1", method="subset-sum", k=6, seed=5, device="cpu")
    b = certify(t, eps_text="1", method="subset-sum", k=6, seed=5, device="cpu")
    assert json.dumps(a.cert) == json.dumps(b.cert)


def test_rescaled_large_weights_certify(tmp_path):
    """Weights far outside [-1, 1]: exact power-of-two rescaling, ε still about the user's F."""
    m = make_sequential([3, 4, 2], seed=2, scale=300.0)
    with torch.no_grad():
        m[2].weight.mul_(1 / 4096)  # unbalanced layers: the tool moves scale between them
    p = tmp_path / "big.pt"
    torch.save(m.state_dict(), p)
    t = load_target(p)
    res = certify(t, eps_text="100", method="subset-sum", k=16, seed=0, device="cpu")
    assert res.cert["rescaling"]["neuron_exponents"][0][0] != 0
    ok = check.check_certificate(res.cert, p)
    emp = empirical_sup(t.forward, res.construction.forward, 3, samples=2048, steps=40, seed=1)
    assert emp.max_error <= ok.bound


N_EXAMPLES = 60 if SMALL else 300


@settings(max_examples=N_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), depth=st.integers(1, 3), k=st.integers(1, 20),
       method=st.sampled_from(["pair", "subset-sum"]), scale=st.sampled_from([0.3, 1.0, 4.0]))
def test_soundness_bound_never_below_attack(seed, depth, k, method, scale):
    """Adversarial soundness: the certified bound is ≥ the largest error that sampling and gradient ascent find.

    Small k and large weights give large, easily found errors, so this is a sharp test of the bound."""
    rs = __import__("numpy").random.RandomState(seed)
    widths = [int(rs.randint(1, 6)) for _ in range(depth + 1)]
    target = target_from_weights(random_weights(widths, seed, scale))
    res = certify(target, eps_text="1", method=method, k=k, seed=seed % 1000, device="cpu", empirical=False)
    emp = empirical_sup(target.forward, res.construction.forward, widths[0], samples=1024, restarts=8, steps=40,
                        seed=seed)
    assert emp.max_error <= float(res.bound) * (1 + 1e-12) + 1e-12, (emp.max_error, res.bound)
    # and the bound the checker re-derives is the engine's, exactly
    c = res.construction
    from verify.certify import layer_bounds
    from verify.engine.construct import LayerPruning  # noqa: F401  (documents what is checked)
    assert layer_bounds(c) == [(r["eta"], r["omega"], r["norm"]) for r in res.cert["layers"]]


def test_layer_order_cannot_be_swapped(tmp_path):
    """Square layers chain in any order: the checker must pin the order to the file's, for every format."""
    from safetensors.torch import save_file

    m = make_sequential([3, 3, 3, 3], seed=4)
    paths = {"torch-module": tmp_path / "m.pt", "torch-state-dict": tmp_path / "s.pt",
             "safetensors": tmp_path / "t.safetensors"}
    torch.save(m, paths["torch-module"])
    torch.save(m.state_dict(), paths["torch-state-dict"])
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(paths["safetensors"]))
    for path in paths.values():
        res = certify(load_target(path), eps_text="100", method="subset-sum", k=4, seed=0, device="cpu",
                      empirical=False)
        check.check_certificate(res.cert, path)
        bad = copy.deepcopy(res.cert)
        layers = bad["model"]["layers"]
        layers[0]["key"], layers[2]["key"] = layers[2]["key"], layers[0]["key"]
        with pytest.raises(check.Invalid):
            check.check_certificate(bad, path)


def test_mask_zlib_bomb_and_trailing_data_are_rejected_without_inflating(small_cert):
    import base64
    import zlib

    shape = small_cert["cert"]["mask"][0]["shape"]
    bomb = base64.b64encode(zlib.compress(b"\0" * (1 << 26))).decode()
    with pytest.raises(io.MaskError):
        list(io.decode_mask(bomb, *shape))
    rows, cols = shape
    good = zlib.compress(b"\0" * ((rows * cols + 7) // 8))
    with pytest.raises(io.MaskError):
        list(io.decode_mask(base64.b64encode(good + b"junk").decode(), rows, cols))
    assert list(io.decode_mask(base64.b64encode(good).decode(), rows, cols)) == []
