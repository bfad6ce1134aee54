"""certs/examples: the worked example is valid, every broken variant is rejected, and both match the generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verify.kernel import check, io

EXAMPLES = Path(__file__).resolve().parent.parent / "certs" / "examples"
MODEL = EXAMPLES / "tiny.safetensors"


def test_worked_example_is_valid():
    """The checker accepts it, counts the kept weights the raw mask bytes hold, and the claim is true: the exact
    sup of G̃ − F, with G̃ rebuilt from the raw bits and the generator (tests/independent.py), is below it."""
    from fractions import Fraction

    from independent import bound_floor, kept_from_raw, pruned_from_raw, read, target_from_safetensors

    from verify.exact import exact_check

    for name, domain in (("tiny", None), ("tiny-bias", ("box", [Fraction(0)] * 2, [Fraction(1)] * 2))):
        ok = check.check_files(EXAMPLES / f"{name}.cert.json", EXAMPLES / f"{name}.safetensors")
        cert = read(EXAMPLES / f"{name}.cert.json")
        bound = Fraction(cert["claim"]["bound"])
        assert ok.kept == kept_from_raw(cert)
        assert bound_floor(cert) <= bound <= Fraction(cert["claim"]["eps"])
        exact = exact_check(target_from_safetensors(EXAMPLES / f"{name}.safetensors", cert), pruned_from_raw(cert),
                            bound, domain=domain)
        assert exact.sound and exact.sup_upper <= bound


# each broken example fails the fact its change breaks, with the reason named
BROKEN = {"broken-bound-below-delta": (7, "claim.bound is below"), "broken-eta-halved": (5, r"layers\[0\].eta"),
          "broken-mask-edge-dropped": (4, "keeps an input edge or bias but no output edge"),
          "broken-model-hash": (2, "sha256 does not match"), "broken-seed-changed": (5, r"layers\[0\].eta"),
          "broken-verdict-flipped": (7, "verdict must be 'certified'"),
          "broken-bias-beta-halved": (5, r"layers\[1\].beta is below"),
          # lo = -1 makes layer 1's inputs take both signs: its eta must then bound [E+ E-], which it does not
          "broken-bias-box-widened": (5, r"layers\[0\].eta"),
          "broken-bias-reach-lowered": (1, "reach is below"),
          "broken-bias-bias-key-dropped": (2, "bias keys"),
          "broken-bias-constant-dropped": (4, "no input edge and no bias"),
          # eta without the multiplicity √9 of the first 3×3 convolution (padding 1, stride 1)
          "broken-cnn-multiplicity-dropped": (5, r"layers\[0\].eta is below"),
          "broken-cnn-stride-changed": (2, r"model.layers\[1\]: shape, stride or padding is not the file's"),
          # beta of one output position, not of all 16 (the constants' error repeats at every position)
          "broken-cnn-beta-one-position": (5, r"layers\[0\].beta is below"),
          # the float32 block (docs/float32.md): a rounding error, F's |W_1| norm, the constants at one position
          "broken-float32-error-halved": (8, r"claim.float32.layers\[1\].error is below"),
          "broken-bias-float32-target-q-halved": (8, r"claim.float32.target_layers\[0\].q is below"),
          "broken-cnn-float32-kappa-one-position": (8, r"claim.float32.layers\[0\].kappa is below"),
          "broken-bias-telescope-err-sup-halved": (9, r"telescope.err_sup\[0\] is below"),
          "broken-bias-telescope-bound-lowered": (9, "telescope.bound is below"),
          "broken-cnn-telescope-added": (9, "Linear layers only")}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("broken-*.cert.json")), ids=lambda p: p.name)
def test_broken_examples_are_rejected(path):
    fact, reason = BROKEN[path.name.removesuffix(".cert.json")]
    base = next((f"tiny-{kind}" for kind in ("bias", "cnn") if path.name.startswith(f"broken-{kind}-")), "tiny")
    model = EXAMPLES / (f"{base}.pt" if base == "tiny-cnn" else f"{base}.safetensors")
    with pytest.raises(check.Invalid, match=reason) as e:
        check.check_files(path, model)
    assert e.value.fact == fact
    if "verdict" not in path.name:  # it differs from the valid certificate in exactly one place
        valid = json.loads((EXAMPLES / f"{base}.cert.json").read_text())
        assert json.loads(path.read_text()) != valid


def test_examples_are_what_the_script_writes(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("mk", EXAMPLES.parent.parent / "scripts" / "make_cert_examples.py")
    mk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mk)
    monkeypatch.setattr(mk, "OUT", tmp_path)
    mk.main()
    for f in EXAMPLES.iterdir():
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name


def test_schema_lists_what_the_checker_requires():
    schema = json.loads((EXAMPLES.parent / "schema.json").read_text())
    assert set(schema["required"]) == set(io.TOP_FIELDS)
    cert = json.loads((EXAMPLES / "tiny.cert.json").read_text())
    for key, spec in schema["properties"].items():
        if "required" in spec:
            assert set(spec["required"]) <= set(cert[key]), key
