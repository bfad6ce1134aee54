"""The independent checker (issue 3): accepts what the engine emits, rejects every mutation, stays independent."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
import zlib
from fractions import Fraction

import pytest
import torch
from conftest import SMALL, make_sequential, random_weights
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.certify import certify
from verify.engine.construct import build
from verify.engine.empirical import empirical_sup
from verify.engine.model import load_target, target_from_weights
from verify.kernel import check, io
from verify.options import Eps, Options


def _check(cert, model) -> None:
    check.check_certificate(cert, model)


def _popcount(data: str) -> int:
    """Kept bits of a mask, decoded here from the raw bytes (independent of io.decode_mask)."""
    return sum(bin(b).count("1") for b in zlib.decompress(base64.b64decode(data)))


def test_engine_certificate_is_accepted(small_cert):
    cert = small_cert["cert"]
    ok = check.check_certificate(cert, small_cert["model"])
    assert ok.bound <= ok.eps == Fraction(2)
    assert ok.kept == sum(_popcount(m["data"]) for m in cert["mask"]) > 0
    assert ok.layers == 3


@pytest.mark.parametrize("fmt", ["module", "safetensors"])
def test_other_model_formats_certify_and_check(small_model, fmt):
    t = load_target(small_model[fmt])
    res = certify(t, Eps.parse("10"), build(t.weights, Options(method="pair", seed=0, device="cpu"), k=8),
                  empirical=False)
    ok = check.check_certificate(res.cert, small_model[fmt])
    assert ok.bound == min(io.parse_decimal(res.cert["layers"][-1]["delta"]),
                           io.parse_decimal(res.cert["telescope"]["bound"]))


U, I = check.Unusable, check.Invalid   # expected: Unusable (exit 2, malformed) or Invalid (exit 1, fact number)


def _mutations(cert: dict):
    """(name, mutated certificate, expected exception, fact or None, message pattern): each must be refused so."""
    def mut(name, f, exc, fact, pattern):
        c = copy.deepcopy(cert)
        f(c)
        return name, c, exc, fact, pattern

    def lower(x: str) -> str:
        return io.decimal_up(io.parse_decimal(x) * Fraction(999, 1000), 12) if io.parse_decimal(x) else "0"

    rn = "random_network"
    out = []
    for i in range(len(cert["layers"])):
        for key, fact in (("eta", 5), ("omega", 5), ("delta", 6), ("rho", 6)):
            if io.parse_decimal(cert["layers"][i][key]) > 0:
                out.append(mut(f"layers[{i}].{key}", lambda c, i=i, key=key: c["layers"][i].__setitem__(
                    key, lower(c["layers"][i][key])), I, fact, rf"layers\[{i}\]\.{key} is below"))
        out.append(mut(f"layers[{i}].norm", lambda c, i=i: c["layers"][i].__setitem__("norm", "spectral-ish"),
                       U, None, rf"layers\[{i}\]\.norm must be one of"))
    out += [
        mut("bound", lambda c: c["claim"].__setitem__("bound", lower(c["claim"]["bound"])), I, 7,
            "claim.bound is below"),
        mut("eps", lambda c: c["claim"].__setitem__("eps", lower(c["claim"]["bound"])), I, 7,
            "verdict must be 'not-certified'"),
        mut("eps zero", lambda c: c["claim"].__setitem__("eps", "0"), I, 1, "eps must be positive"),
        mut("norm", lambda c: c["claim"].__setitem__("norm", "linf"), U, None, "claim.norm"),
        mut("domain", lambda c: c["claim"].__setitem__("domain", "unit linf ball"), U, None, "claim.domain"),
        mut("verdict", lambda c: c.__setitem__("verdict", "not-certified"), I, 7, "verdict must be 'certified'"),
        mut("seed", lambda c: c[rn].__setitem__("seed", c[rn]["seed"] + 1), I, 5, r"layers\[0\]\.eta is below"),
        mut("width", lambda c: c[rn].update(width_factor=1 + c[rn]["width_factor"]), I, 3, "widths must be"),
        mut("params", lambda c: c[rn].__setitem__("parameters", c[rn]["parameters"] - 1), I, 3, "parameters"),
        mut("generator", lambda c: c[rn].__setitem__("generator", "mt19937"), U, None, "generator"),
        mut("hash", lambda c: c["model"].__setitem__("sha256", "0" * 64), I, 2, "sha256 does not match"),
        mut("format", lambda c: c.__setitem__("format", "slt-verify-certificate/0"), U, None, "format"),
        mut("extra field", lambda c: c.__setitem__("bonus", 1), U, None, "must be an object with keys"),
        mut("missing field", lambda c: c.pop("rescaling"), U, None, "must be an object with keys"),
        mut("nested extra field", lambda c: c["claim"].__setitem__("note", "x"), U, None, "claim must be an object"),
        mut("mask extra field", lambda c: c["mask"][0].__setitem__("why", 1), U, None, r"mask\[0\] must be"),
        mut("integer as float", lambda c: c[rn].__setitem__("width_factor", float(c[rn]["width_factor"])), U, None,
            "width_factor must be an integer"),
        mut("bool as integer", lambda c: c[rn].__setitem__("seed", True), U, None, "seed must be an integer"),
        mut("exponent", lambda c: c["rescaling"]["neuron_exponents"][0].__setitem__(0, 3), I, 5, r"\.eta is below"),
        mut("exponent count", lambda c: c["rescaling"]["neuron_exponents"][0].append(0), I, 3, "neuron_exponents"),
        mut("exponent range", lambda c: c["rescaling"]["neuron_exponents"][0].__setitem__(0, 5000), U, None,
            r"neuron_exponents\[0\]\[0\] must be an integer"),
        mut("mask kept count", lambda c: c["mask"][1].__setitem__("kept", c["mask"][1]["kept"] + 1), I, 4,
            r"mask\[1\]\.kept does not match"),
        mut("mask kept too small", lambda c: c["mask"][1].__setitem__("kept", c["mask"][1]["kept"] - 1), I, 4,
            "more than the .* set bits declared"),
        mut("mask shape", lambda c: c["mask"][0].__setitem__("shape", [1, 1]), I, 4, "must describe G layer 1"),
        mut("mask data", lambda c: c["mask"][0].__setitem__("data", "not base64!"), I, 4, "not zlib"),
        mut("layer key", lambda c: c["model"]["layers"][0].__setitem__("key", "9.weight"), I, 2, "model.layers keys"),
        mut("non-ascii digit", lambda c: c["model"]["layers"][0].__setitem__("key", "\u0660.weight"), I, 2,
            "model.layers keys"),
        mut("model format", lambda c: c["model"].__setitem__("format", "safetensors"), I, 2, "model.format"),
        mut("eps string", lambda c: c["claim"].__setitem__("eps", "0.1x"), U, None, "claim.eps"),
        mut("eps whitespace", lambda c: c["claim"].__setitem__("eps", "0.1\n"), U, None, "claim.eps"),
        mut("eps huge exponent", lambda c: c["claim"].__setitem__("eps", "1e-99999999"), U, None, "exponent"),
        mut("eps sign", lambda c: c["claim"].__setitem__("eps", "+0.1"), U, None, "claim.eps"),
        mut("info not object", lambda c: c.__setitem__("info", []), U, None, "info must be an object"),
    ]
    return out


def test_every_mutation_is_refused_for_its_reason(small_cert):
    assert small_cert["cert"]["verdict"] == "certified"
    for name, bad, exc, fact, pattern in _mutations(small_cert["cert"]):
        with pytest.raises(exc, match=pattern) as e:
            _check(bad, small_cert["model"])
        if fact is not None:
            assert e.value.fact == fact, name


def _flip_mask_bit(cert: dict, layer: int, pos: int) -> dict:
    c = copy.deepcopy(cert)
    m = c["mask"][layer]
    rows, cols = m["shape"]
    bits = {r * cols + col for r, col in io.decode_mask(m["data"], rows, cols)}
    bits ^= {pos}
    m["data"], m["kept"] = io.encode_mask(rows, cols, bits), len(bits)
    return c


def _pruned_from_raw_bits(cert: dict) -> list[torch.Tensor]:
    """G̃'s weight matrices from the certificate's raw mask bytes (numpy bit unpacking, not io.decode_mask) and
    the generator's torch twin (verify/engine/rng_torch.py, tested bit-equal to the spec)."""
    import numpy as np

    from verify.engine.rng_torch import weights

    seed = cert["random_network"]["seed"]
    out = []
    for m in cert["mask"]:
        rows, cols = m["shape"]
        raw = np.frombuffer(zlib.decompress(base64.b64decode(m["data"])), dtype=np.uint8)
        keep = torch.from_numpy(np.unpackbits(raw, bitorder="little")[: rows * cols].reshape(rows, cols).copy())
        w = weights(seed, m["layer"], torch.arange(rows).unsqueeze(1), torch.arange(cols).unsqueeze(0))
        out.append(w * keep.to(torch.float64))
    return out


def test_mask_entries_are_verified(small_model):
    """With Frobenius rows every single mask bit flip is rejected: the engine's subsets are optimal per weight, so
    any change raises some exact error, and structural changes break check 4."""
    target = load_target(small_model["state_dict"])
    built = build(target.weights, Options(method="subset-sum", seed=3, device="cpu", norm="frobenius"), k=10)
    res = certify(target, Eps.parse("5"), built, empirical=False)
    cert = res.cert
    for layer in range(len(cert["mask"])):
        rows, cols = cert["mask"][layer]["shape"]
        for pos in range(0, rows * cols, max(1, rows * cols // 40)):
            with pytest.raises(check.Invalid, match=r"\[fact [45]\]"):
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
            mats = _pruned_from_raw_bits(bad)

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
    with pytest.raises(check.Invalid, match="sha256 does not match") as e:
        _check(small_cert["cert"], p)
    assert e.value.fact == 2


def test_cli_exit_codes(small_cert, tmp_path, capsys):
    from verify.cli import main

    assert main(["check", str(small_cert["path"]), "--model", str(small_cert["model"])]) == 0
    assert capsys.readouterr().out.startswith("VALID")
    bad = tmp_path / "bad.json"
    mutated = _mutations(small_cert["cert"])[0][1]
    bad.write_text(json.dumps(mutated))
    assert main(["check", str(bad), "--model", str(small_cert["model"])]) == 1
    assert capsys.readouterr().out.startswith("INVALID")
    broken = tmp_path / "broken.json"
    broken.write_text(small_cert["path"].read_text()[:-40])
    assert main(["check", str(broken), "--model", str(small_cert["model"])]) == 2
    assert main(["check", str(tmp_path / "missing.json"), "--model", str(small_cert["model"])]) == 2
    assert main(["check", str(small_cert["path"]), "--model", str(tmp_path / "missing.pt")]) == 2
    capsys.readouterr()
    bad.write_text("[1, 2]")
    assert main(["check", str(bad), "--model", str(small_cert["model"])]) == 2
    assert capsys.readouterr().out.startswith("UNUSABLE: malformed certificate")


def test_checker_import_closure_is_the_kernel():
    """Importing verify.kernel.check loads exactly the kernel {check, conv, floatbound, io, modelfile, modules,
    networks, paths, reach, rng, spectral, tensordata, torchzip, verdict, wellformed}, and otherwise only the standard
    library (no torch, numpy or safetensors; numpy is imported lazily by the spectral test and by paths.py when they
    run)."""
    code = ("import sys; before = set(sys.modules); import verify.kernel.check; "
            "print(sorted(m for m in sys.modules if m.startswith('verify'))); "
            "print(sorted({m.split('.')[0] for m in set(sys.modules) - before} - set(sys.stdlib_module_names) - "
            "{'verify'}))")
    out = subprocess.run([sys.executable, "-c", code], check=True, timeout=120, capture_output=True, text=True).stdout
    mods, heavy = out.splitlines()
    kernel = ["check", "conv", "floatbound", "io", "modelfile", "modules", "networks", "paths", "reach", "rng",
              "spectral", "tensordata", "torchzip", "verdict", "wellformed"]
    assert mods == str(sorted(["verify", "verify.kernel", *(f"verify.kernel.{m}" for m in kernel)]))
    assert heavy == "[]"   # nothing outside the standard library


def test_certificates_are_deterministic_across_processes(small_model, tmp_path):
    """Two separate processes, same model, seed and options: byte-identical certificates."""
    outs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.cert.json"
        subprocess.run([sys.executable, "-m", "verify", "certify", str(small_model["state_dict"]), "--eps", "1",
                        "--width-factor", "8", "--seed", "5", "-o", str(out)], check=True, timeout=300,
                       capture_output=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 1000


def test_rescaled_large_weights_certify(tmp_path):
    """Weights far outside [-1, 1]: exact power-of-two rescaling, ε still about the user's F."""
    m = make_sequential([3, 4, 2], seed=2, scale=300.0)
    with torch.no_grad():
        m[2].weight.mul_(1 / 4096)  # unbalanced layers: the tool moves scale between them
    p = tmp_path / "big.pt"
    torch.save(m.state_dict(), p)
    t = load_target(p)
    res = certify(t, Eps.parse("100"), build(t.weights, Options(method="subset-sum", seed=0, device="cpu"), k=16))
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
    built = build(target.weights, Options(method=method, seed=seed % 1000, device="cpu"), k=k)
    res = certify(target, Eps.parse("1"), built, empirical=False)
    emp = empirical_sup(target.forward, res.construction.forward, widths[0], samples=1024, steps=40,
                        seed=seed)
    assert emp.max_error <= float(res.bound) * (1 + 1e-12) + 1e-12, (emp.max_error, res.bound)


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
        target = load_target(path)
        built = build(target.weights, Options(method="subset-sum", seed=0, device="cpu"), k=4)
        res = certify(target, Eps.parse("100"), built, empirical=False)
        check.check_certificate(res.cert, path)
        bad = copy.deepcopy(res.cert)
        layers = bad["model"]["layers"]
        layers[0]["key"], layers[2]["key"] = layers[2]["key"], layers[0]["key"]
        with pytest.raises(check.Invalid,
                           match=r"are not the file's layers \(weight and bias keys\) in the order F applies"):
            check.check_certificate(bad, path)


def test_mask_zlib_bomb_and_trailing_data_are_rejected_without_inflating(small_cert):
    shape = small_cert["cert"]["mask"][0]["shape"]
    bomb = base64.b64encode(zlib.compress(b"\0" * (1 << 26))).decode()
    with pytest.raises(io.MaskError, match="expected"):
        list(io.decode_mask(bomb, *shape))
    rows, cols = shape
    good = zlib.compress(b"\0" * ((rows * cols + 7) // 8))
    with pytest.raises(io.MaskError, match="expected"):
        list(io.decode_mask(base64.b64encode(good + b"junk").decode(), rows, cols))
    assert list(io.decode_mask(base64.b64encode(good).decode(), rows, cols)) == []
