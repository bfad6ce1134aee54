"""The Python API (verify/api.py, issue 17): certify from memory, a state_dict and a path; check; save and load; errors
of the CLI's classes with one-line messages; the dominant layer against a hand computation."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from torch import nn

import verify
from verify import api
from verify.errors import InputError, NotReachedError
from verify.kernel import check as kcheck
from verify.kernel.wellformed import Unusable
from verify.options import Options

ROOT = Path(__file__).resolve().parents[1]
FAST = Options(width=8, device="cpu", seed=1)   # a fixed width factor: one construction, well under a second


def _mlp(widths: list[int], seed: int, bias: bool = True) -> nn.Sequential:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(nn.Linear(a, b, bias=bias))
        if i + 2 < len(widths):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).eval()


@pytest.fixture(scope="module")
def memory_cert() -> tuple[nn.Sequential, api.Certificate]:
    model = _mlp([3, 5, 4, 2], seed=0)
    return model, api.certify(model, "2", domain="box:0,1", options=FAST)


def _one_line(e: BaseException) -> bool:
    return bool(str(e)) and "\n" not in str(e)


def test_certify_an_in_memory_module(memory_cert):
    model, cert = memory_cert
    assert cert.certified and cert.bound <= cert.eps == 2
    assert (cert.k, cert.seed, cert.domain) == (8, 1, "the box [0, 1]^3")
    assert cert.json["model"]["format"] == "torch-module"
    assert cert.sha256 == hashlib.sha256(cert.model_bytes).hexdigest()   # the bytes the certificate names
    assert cert.kept == sum(m["kept"] + m["bias_kept"] for m in cert.json["mask"]) > 0
    assert 0 < cert.attack <= cert.bound and cert.tightness == pytest.approx(float(cert.bound) / cert.attack, 1e-3)
    ok = api.check(cert)
    assert ok.bound == cert.bound and ok.eps == cert.eps
    again = io.BytesIO()
    torch.save(model, again)
    assert api.check(cert, again.getvalue()).bound == cert.bound   # serialising is deterministic
    assert api.check(cert, model).bound == cert.bound


def test_certify_a_state_dict_and_a_path_like_the_cli(small_model, tmp_path):
    """A state_dict in memory, and the same file by path; by path the certificate is byte-identical to the one the
    CLI's certify_flow writes (the API and the CLI run the same functions)."""
    from verify.commands import certify_flow
    from verify.engine.model import load_target
    from verify.options import Eps

    net = small_model["net"]
    from_dict = api.certify(net.state_dict(), 1, options=FAST)
    assert from_dict.json["model"]["format"] == "torch-state-dict" and from_dict.certified
    api.check(from_dict)
    path = small_model["state_dict"]
    from_path = api.certify(path, 1, options=FAST)
    assert from_path.model_path == Path(path) and from_path.model_bytes is None
    api.check(from_path)
    api.check(from_path, path)
    out_api, out_cli = tmp_path / "api.cert.json", tmp_path / "cli.cert.json"
    assert from_path.save(out_api) is None            # the model is a file already: nothing else written
    certify_flow(load_target(path), FAST, Eps.parse("1"), out_cli, stream=io.StringIO())
    assert out_api.read_bytes() == out_cli.read_bytes()
    assert kcheck.run(out_api, path)[0] == 0


def test_save_load_round_trip_is_byte_identical(memory_cert, tmp_path):
    model, cert = memory_cert
    first = tmp_path / "net.cert.json"
    written = cert.save(first)
    assert written == tmp_path / "net.pt" and written.read_bytes() == cert.model_bytes
    assert kcheck.run(first, written)[0] == 0          # `slt-verify check net.cert.json --model net.pt`: VALID
    loaded = api.Certificate.load(first, model=written)
    assert loaded == cert and loaded.model_path == written
    second = tmp_path / "again.cert.json"
    assert loaded.save(second, model_path=tmp_path / "again.pt") == tmp_path / "again.pt"
    assert second.read_bytes() == first.read_bytes()
    assert (tmp_path / "again.pt").read_bytes() == cert.model_bytes
    assert loaded.check().bound == cert.bound
    with pytest.raises(InputError, match="no model file"):
        api.Certificate.load(first).check()


def test_pruned_network_rebuilt_from_the_certificate(memory_cert, tmp_path):
    """G̃ from the construction and G̃ regenerated from seed and mask alone compute the same function, and no attack on
    it beats the bound."""
    model, cert = memory_cert
    cert.save(tmp_path / "c.cert.json")
    loaded = api.Certificate.load(tmp_path / "c.cert.json")
    x = torch.rand(64, 3)
    with torch.no_grad():
        assert torch.equal(cert.pruned(x), loaded.pruned(x))
        assert float((cert.pruned(x) - model(x)).norm(dim=1).max()) <= cert.bound
    assert [type(m).__name__ for m in loaded.pruned] == ["Linear", "ReLU"] * 5 + ["Linear"]
    found = api.attack(model, loaded, seed=7)
    assert 0 < found <= cert.bound
    assert api.attack(model, cert) == pytest.approx(cert.attack, rel=1e-6)   # the certificate's own attack (its seed)


def test_dominant_layer_matches_a_hand_computation():
    """δ_L unrolled: contribution_i = (η_i ρ_{i−1} + β_i) Π_{j>i} ω_j, from the stored rows and ρ_0 = reach."""
    rows = [{"eta": "0.1", "omega": "2", "beta": "0", "bias_norm": "0", "delta": "0.1", "rho": "2.5",
             "norm": "spectral"},
            {"eta": "0.2", "omega": "3", "beta": "0.01", "bias_norm": "0", "delta": "0.81", "rho": "8",
             "norm": "spectral"}]
    cert = {"claim": {"domain": {"kind": "ball", "radius": "1", "reach": "1"}}, "layers": rows}
    got = api.layer_rows(cert)
    # layer 1: (0.1·1 + 0)·3 = 0.3; layer 2: 0.2·2.5 + 0.01 = 0.51; δ_2 = 0.81
    assert [r.contribution for r in got] == [Fraction(3, 10), Fraction(51, 100)]
    assert [r.share for r in got] == pytest.approx([0.3 / 0.81, 0.51 / 0.81])
    assert max(got, key=lambda r: r.contribution).index == 2


def test_dominant_layer_of_a_real_certificate(memory_cert):
    """Each layer's contribution is its error term times the norms after it: the telescope block's err_sup when its
    bound is below δ_L (as on this box), else η_i ρ_{i−1} + β_i."""
    _, cert = memory_cert
    rows = cert.json["layers"]
    rho = [Fraction(cert.json["claim"]["domain"]["reach"])] + [Fraction(r["rho"]) for r in rows]
    tele = cert.json["telescope"]
    assert Fraction(tele["bound"]) < Fraction(rows[-1]["delta"])
    terms = []
    for i, s in enumerate(tele["err_sup"]):
        term = Fraction(s)
        for later in rows[i + 1:]:
            term *= Fraction(later["omega"])
        terms.append(term)
    assert [r.contribution for r in cert.layers] == terms
    recursion = []
    for i, r in enumerate(rows):
        term = Fraction(r["eta"]) * rho[i] + Fraction(r["beta"])
        for later in rows[i + 1:]:
            term *= Fraction(later["omega"])
        recursion.append(term)
    plain = {key: value for key, value in cert.json.items() if key != "telescope"}
    assert [r.contribution for r in api.layer_rows(plain)] == recursion
    assert sum(recursion) <= Fraction(rows[-1]["delta"])
    assert sum(terms) <= cert.bound                    # every stored δ is rounded up, so the unrolled sum is below
    assert cert.dominant.index == 1 + terms.index(max(terms))
    assert sum(r.share for r in cert.layers) == pytest.approx(1)
    text = cert.explain()
    assert f"dominant layer {cert.dominant.index} of 3 contributes" in text and "attack found" in text


def test_check_errors_are_the_cli_classes_with_one_line_messages(memory_cert, small_model):
    model, cert = memory_cert
    with pytest.raises(kcheck.Invalid) as e:
        api.check(cert, small_model["state_dict"])          # another model file
    assert e.value.fact == 2 and _one_line(e.value) and api.EXIT_CODES[type(e.value)] == 1
    tampered = json.loads(json.dumps(cert.json))
    tampered["layers"][-1]["delta"] = "0.000001"
    with pytest.raises(kcheck.Invalid) as e:
        api.check(tampered, cert.model_bytes)
    assert _one_line(e.value)
    with pytest.raises(Unusable) as e:
        api.check({"format": "nonsense"}, cert.model_bytes)
    assert _one_line(e.value) and api.EXIT_CODES[Unusable] == 2
    with pytest.raises(InputError):
        api.check(cert.json)                                  # a bare dict names no model file
    loose = api.certify(model, "0.001", options=Options(width=2, device="cpu"), attack=False)
    assert not loose.certified
    with pytest.raises(NotReachedError, match="not-certified") as e:
        api.check(loose)
    assert _one_line(e.value) and api.EXIT_CODES[NotReachedError] == 1
    assert api.check(loose, require_certified=False).bound == loose.bound


def test_certify_errors_are_one_line_input_errors(tmp_path):
    sig = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1))
    bad = [(sig, "1", None), (_mlp([2, 2], 0), "-1", None), (_mlp([2, 2], 0), "abc", None),
           (_mlp([2, 2], 0), Fraction(1, 3), None), (_mlp([2, 2], 0), "1", "sphere"),
           (_mlp([2, 2], 0), None, None), ({"fc.weight": torch.ones(2, 2)}, "1", None), (42, "1", None),
           (tmp_path / "missing.pt", "1", None)]
    for model, eps, domain in bad:
        options = None if eps is None else FAST
        with pytest.raises(InputError) as e:
            api.certify(model, eps, domain=domain, options=options)
        assert _one_line(e.value), (model, eps, domain)
        assert "slt-verify-" not in str(e.value)              # no temporary path in the message
    assert api.EXIT_CODES[InputError] == 2


def test_search_failure_is_not_reached_with_what_was_tried():
    model = _mlp([3, 4, 2], seed=2)
    options = Options(device="cpu", max_candidates=2)          # the search stops at k = 4·2 = 8
    with pytest.raises(NotReachedError) as e:
        api.certify(model, "1e-9", options=options)
    assert _one_line(e.value) and e.value.k_max == 8 and set(e.value.tried) == {1, 2, 4, 8}
    cert = api.certify(model, "10", options=options)           # and a reachable eps is searched like the CLI does
    assert cert.certified and 1 <= cert.k <= 8


def test_eps_none_states_the_bound():
    cert = api.certify(_mlp([2, 3, 1], seed=3), None, options=FAST, attack=False)
    assert cert.certified and cert.bound <= cert.eps and len(cert.json["claim"]["eps"].replace(".", "")) <= 4
    assert cert.attack is None and cert.tightness is None and "attack not run" in cert.explain()


def test_theory_widths_are_what_the_width_command_prints(small_model):
    from verify.theory import malach_width, pensia_width

    malach, pensia = api.theory_widths(small_model["state_dict"], "0.1")
    net = small_model["net"]
    shapes = [tuple(m.weight.shape) for m in net if isinstance(m, nn.Linear)]
    norms = [float(torch.linalg.matrix_norm(m.weight.detach().double(), 2)) for m in net if isinstance(m, nn.Linear)]
    assert malach.layer_factors == malach_width(shapes, 0.1, 0.01, norms).layer_factors
    assert pensia.layer_factors == pensia_width(shapes, 0.1, 0.01, norms).layer_factors


def test_import_verify_is_light_and_the_names_are_lazy():
    code = ("import sys, verify; assert 'torch' not in sys.modules and 'verify.api' not in sys.modules; "
            "import verify.pytest_plugin; assert 'torch' not in sys.modules and 'hypothesis' not in sys.modules; "
            "f = verify.certify_model; import verify.certify as m; assert verify.certify is m and callable(f); "
            "assert f is verify.api.certify and verify.Certificate is verify.api.Certificate; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    assert set(verify.__all__) >= {"certify_model", "check", "attack", "theory_widths", "Certificate", "Options"}
    with pytest.raises(AttributeError):
        verify.no_such_name  # noqa: B018
