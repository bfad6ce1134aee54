"""The checker's size limits at their exact boundaries (issue 18's mutation run on verify/kernel/check.py): each limit
is the number certs/FORMAT.md states, and each is computed exactly — a certificate needing exactly the limit is
checked, one needing one unit more is refused (``Unusable``, exit 2) before the work it bounds.  The sizes a
certificate needs are computed here from the model file and the certificate, independently of the checker."""

from __future__ import annotations

import copy
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from independent import read

from verify.kernel import check
from verify.kernel.wellformed import Unusable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "certs" / "examples"
FORMAT = (ROOT / "certs" / "FORMAT.md").read_text(encoding="utf-8")


def _example(name: str) -> tuple[dict, bytes]:
    return read(EXAMPLES / f"{name}.cert.json"), (EXAMPLES / f"{name}.safetensors").read_bytes()


def _limit_row(label: str) -> str:
    row = next(line for line in FORMAT.splitlines() if line.startswith(f"| {label} |"))
    return row.split("|")[2].strip()


def test_the_limits_are_the_documented_ones():
    assert _limit_row("certificate file") == "256 MiB" and check.MAX_CERT_BYTES == 256 << 20
    assert _limit_row("target weights and biases in all") == "2^24" and check.MAX_TARGET_WEIGHTS == 2**24
    assert _limit_row("G's parameters (weights and biases)").startswith("2^32 ") and check.MAX_G_PARAMETERS == 2**32
    assert _limit_row("kept weights and biases of G (sum of the declared `kept` and `bias_kept`)").startswith(
        "5·10^7") and check.MAX_KEPT == 5 * 10**7
    assert _limit_row("one layer's exact matrices").startswith("2^34 bits") and check.MAX_EXACT_BITS == 2**34
    assert _limit_row("spectral rows").startswith("2^33 ") and check.MAX_SPECTRAL_WORK == 2**33


def _shapes(cert: dict) -> list[tuple[int, int]]:
    return [tuple(layer["shape"]) for layer in cert["model"]["layers"]]


def _two_sided(cert: dict) -> bool:
    """Layer 1's inputs take both signs: a ball, or a box with some lo < 0."""
    d = cert["claim"]["domain"]
    return d["kind"] == "ball" or any(Fraction(x) < 0 for x in d["lo"])


def _exponent(x: float) -> int:
    return Fraction(x).denominator.bit_length() - 1


def _exact_bits(cert: dict, model: bytes) -> int:
    """The largest layer's exact-matrix size as certs/FORMAT.md's limits table defines it: entries × (K + 1100 +
    spread), entries = m·(n + 1)·(3 for a two-sided layer 1, else 2; with a telescope block Ŵ too: 5, else 3),
    K = max(48 + max s_out − min(0, min s_in),
    the weights' and biases' binary exponents), spread = max(0, max s_in − min s_out, −min s_out)."""
    from safetensors.numpy import load_file

    tensors = load_file_bytes(model, load_file)
    exps = cert["rescaling"]["neuron_exponents"]
    shapes = _shapes(cert)
    s = [[0] * shapes[0][1], *exps, [0] * shapes[-1][0]]
    out = 0
    for i, (layer, (m, n)) in enumerate(zip(cert["model"]["layers"], shapes, strict=True)):
        values = tensors[layer["key"]].ravel().tolist()
        if layer["bias_key"]:
            values += tensors[layer["bias_key"]].ravel().tolist()
        K = max(48 + max(s[i + 1]) - min(0, *s[i]), *(_exponent(v) for v in values))
        spread = max(0, max(s[i]) - min(s[i + 1]), -min(s[i + 1]))
        both, tele = i == 0 and _two_sided(cert), "telescope" in cert
        matrices = (5 if tele else 3) if both else (3 if tele else 2)
        out = max(out, m * (n + 1) * matrices * (K + 1100 + spread))
    return out


def load_file_bytes(data: bytes, load_file) -> dict:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".safetensors") as f:
        f.write(data)
        f.flush()
        return load_file(f.name)


def _needs(cert: dict, model: bytes) -> dict[str, int]:
    rn = cert["random_network"]
    spectral = sum(min(m, n) ** 2 * max(m, n)
                   for i, (row, (m, n0)) in enumerate(zip(cert["layers"], _shapes(cert), strict=True))
                   if row["norm"] == "spectral" for n in [n0 * (2 if i == 0 and _two_sided(cert) else 1)])
    return {"MAX_TARGET_WEIGHTS": sum(m * (n + 1) for m, n in _shapes(cert)),
            "MAX_G_PARAMETERS": rn["parameters"],
            "MAX_KEPT": sum(m["kept"] + m["bias_kept"] for m in cert["mask"]),
            "MAX_EXACT_BITS": _exact_bits(cert, model),
            "MAX_SPECTRAL_WORK": spectral}


@pytest.mark.parametrize("name", ["tiny", "tiny-bias"])
@pytest.mark.parametrize("limit", ["MAX_TARGET_WEIGHTS", "MAX_G_PARAMETERS", "MAX_KEPT", "MAX_EXACT_BITS",
                                   "MAX_SPECTRAL_WORK"])
def test_each_limit_admits_exactly_what_it_states(monkeypatch, name, limit):
    cert, model = _example(name)
    need = _needs(cert, model)[limit]
    monkeypatch.setattr(check, limit, need)
    assert check.check_certificate(cert, model).bound == Fraction(cert["claim"]["bound"])
    monkeypatch.setattr(check, limit, need - 1)
    with pytest.raises(Unusable, match="too large|too many|would need"):
        check.check_certificate(cert, model)


def test_rescaling_spread_counts_in_the_exact_budget(monkeypatch):
    """Exponents far apart shift kept paths by their spread: the budget must count it (a layer admitted by the
    estimate without the spread would build matrices several times the limit)."""
    cert, model = _example("tiny")
    spread_free = copy.deepcopy(cert)
    spread_free["rescaling"]["neuron_exponents"] = [[0, 0, 0]]
    assert _exact_bits(cert, model) > _exact_bits(spread_free, model)   # the example's exponents are [-2, 0, 1]
    monkeypatch.setattr(check, "MAX_EXACT_BITS", _exact_bits(cert, model) - 1)
    with pytest.raises(Unusable, match="would need"):
        check.check_certificate(cert, model)


@pytest.mark.parametrize("i,shape", [(0, [2, 3]), (1, [2, 4]), (0, [3, 3])])
def test_a_declared_layer_shape_must_match_the_file(i, shape):
    cert, model = _example("tiny-bias")
    bad = copy.deepcopy(cert)
    bad["model"]["layers"][i]["shape"] = shape
    with pytest.raises(check.Invalid, match=rf"model.layers\[{i}\]: shape, stride or padding is not the file's") as e:
        check.check_certificate(bad, model)
    assert e.value.fact == 2


def test_format_md_lists_the_spectral_work_formula():
    assert re.search(r"Σ min\(m, n\)²·max\(m, n\)", _limit_row("spectral rows"))
    assert json.loads((EXAMPLES / "tiny.cert.json").read_text())["layers"][0]["norm"] == "spectral"


@pytest.mark.parametrize("exponents", [[[1, 1, 1]], [[-3, 2, 0]], [[5, 5, 5]]])
def test_the_exact_budget_at_its_boundary_for_other_exponents(monkeypatch, exponents):
    """The budget is decided before any mask is read, so any exponents can probe it: exactly the stated size is
    admitted (the certificate then fails a later fact, since its rows were made for other exponents), one bit less
    is refused."""
    cert, model = _example("tiny")
    cert = copy.deepcopy(cert)
    cert["rescaling"]["neuron_exponents"] = exponents
    need = _exact_bits(cert, model)
    monkeypatch.setattr(check, "MAX_EXACT_BITS", need)
    with pytest.raises(check.Invalid):
        check.check_certificate(cert, model)
    monkeypatch.setattr(check, "MAX_EXACT_BITS", need - 1)
    with pytest.raises(Unusable, match="would need"):
        check.check_certificate(cert, model)


def test_the_spread_of_a_middle_layer_counts(monkeypatch, tmp_path):
    """A 1-1-16-1 target whose middle layer dominates the budget, with s_1 = [4096] and s_2 = [1]·16: that layer's
    paths are shifted by max s_1 − min s_2 = 4095 bits, which the budget must count exactly."""
    import torch
    from safetensors.torch import save_file

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    gen = torch.Generator().manual_seed(0)
    tensors = {"0.weight": torch.rand(1, 1, generator=gen), "0.bias": torch.rand(1, generator=gen),
               "2.weight": torch.rand(16, 1, generator=gen), "2.bias": torch.rand(16, generator=gen),
               "4.weight": torch.rand(1, 16, generator=gen), "4.bias": torch.rand(1, generator=gen)}
    path = tmp_path / "m.safetensors"
    save_file(tensors, str(path))
    t = load_target(path)
    cert = certify(t, Eps.parse("100"), build(t.weights, Options(seed=1, device="cpu", domain="box:0,1"), k=2,
                                               biases=t.biases), empirical=False).cert
    cert["rescaling"]["neuron_exponents"] = [[4096], [1] * 16]
    model = path.read_bytes()
    need = _exact_bits(cert, model)
    # the middle layer, E, W and (with the telescope block) Ŵ: K = 48 + 1 − 0 = 49 (a float32 rand in [0, 1) has at
    # most 24 fraction bits)
    assert need == 16 * 2 * 3 * (49 + 1100 + 4095)
    monkeypatch.setattr(check, "MAX_EXACT_BITS", need)
    with pytest.raises(check.Invalid):
        check.check_certificate(cert, model)
    monkeypatch.setattr(check, "MAX_EXACT_BITS", need - 1)
    with pytest.raises(Unusable, match="would need"):
        check.check_certificate(cert, model)
