"""Adversarial cases for the checker (issue 11), one per class of attack.

Soundness cases: a model file whose ``state_dict()``/``children()`` look like an honestly certified F, but whose
forward pass computes another function F'.  Each test (1) shows that torch, loading the file as a user would,
computes F' (to 1e-9), (2) proves the honest certificate's claim false for F' by exact rational evaluation at a
witness point of the unit ball, and (3) asserts that the checker (and the engine's loader) refuses the file.
Resource and robustness cases run the checker in a subprocess with a time limit: every input is answered with
one line and exit 1 or 2, never a hang or a traceback.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
import struct
import subprocess
import sys
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from torch import nn
from zipcraft import torch_zip

from verify.certify import certify
from verify.engine.construct import build
from verify.engine.model import load_target
from verify.errors import InputError
from verify.kernel import check, io
from verify.options import Eps, Options

_ALLOWED = [nn.Sequential, nn.Linear, nn.ReLU]


def _linear(m: int, n: int, seed: int) -> nn.Linear:
    lin = nn.Linear(n, m, bias=False)
    with torch.no_grad():
        lin.weight.copy_((torch.rand(m, n, generator=torch.Generator().manual_seed(seed)) * 2 - 1) * 0.9)
    return lin


@pytest.fixture(scope="module")
def honest(tmp_path_factory) -> dict:
    """A square 3-3-3 F = B σ(A x), certified at a fixed k; its layers are reused by the attacks."""
    d = tmp_path_factory.mktemp("adv")
    A, B = _linear(3, 3, 1), _linear(3, 3, 2)
    path = d / "honest.pt"
    torch.save(nn.Sequential(A, nn.ReLU(), B), path)
    target = load_target(path)
    built = build(target.weights, Options(method="subset-sum", seed=0, device="cpu"), k=16)
    res = certify(target, Eps.parse("1"), built, empirical=False)
    ok = check.check_certificate(res.cert, path)
    return {"dir": d, "A": A, "B": B, "cert": res.cert, "ok": ok}


def _as_attack(honest: dict, module: nn.Module, name: str) -> tuple[Path, dict]:
    """Save ``module`` and retarget the honest certificate to it (hash only: the rest is the honest claim)."""
    path = honest["dir"] / name
    torch.save(module, path)
    cert = copy.deepcopy(honest["cert"])
    cert["model"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return path, cert


def _frac(t: torch.Tensor) -> list[list[Fraction]]:
    return [[Fraction(v) for v in row] for row in t.detach().to(torch.float64).tolist()]


def _apply(mats: list, x: list[Fraction], relu_after_last: bool = False) -> list[Fraction]:
    """Layers are matrices or (W, b) pairs, evaluated exactly."""
    for i, m in enumerate(mats):
        w, b = m if isinstance(m, tuple) else (m, [Fraction(0)] * len(m))
        x = [sum((a * v for a, v in zip(row, x, strict=True)), bias) for row, bias in zip(w, b, strict=True)]
        if i + 1 < len(mats) or relu_after_last:
            x = [max(v, Fraction(0)) for v in x]
    return x


def _prove_false(honest: dict, path: Path, real, witness_dirs: int = 64) -> None:
    """(1) torch's forward of the file equals ``real`` (exact rational F') to 1e-9 on the witnesses, and (2) at
    some witness x, ‖x‖₂ ≤ 1, the exact ‖G̃(x) − F'(x)‖₂ exceeds the honest claim's bound."""
    with torch.serialization.safe_globals(_ALLOWED):
        module = torch.load(path, weights_only=True)
    _, pruned = check.exact_networks(honest["ok"])
    bound = honest["ok"].bound
    gen = torch.Generator().manual_seed(0)
    worst = Fraction(0)
    for _ in range(witness_dirs):
        v = torch.randn(3, generator=gen, dtype=torch.float64)
        v = v / (v.norm() * (1 + 1e-12))
        x = [Fraction(t) for t in v.tolist()]
        assert sum(t * t for t in x) <= 1
        fx = real(x)
        with torch.no_grad():
            seen = module(v.unsqueeze(0).to(torch.float32)).to(torch.float64)[0].tolist()
        assert max(abs(a - float(b)) for a, b in zip(seen, fx, strict=True)) < 1e-5  # float32 forward ≈ F'
        gx = _apply(pruned, x)
        worst = max(worst, sum((a - b) ** 2 for a, b in zip(gx, fx, strict=True)))
    assert worst > bound**2, "the attack did not make the claim false"


def _refused(path: Path, cert: dict, pattern: str) -> None:
    with pytest.raises(check.Unusable, match=pattern):
        check.check_certificate(cert, path)
    with pytest.raises(InputError, match=pattern):
        load_target(path)


def test_children_run_in_insertion_order_not_name_order(honest):
    """Children keyed "2", "1", "0": forward runs B' = A first (insertion order); sorting by name gives F."""
    A, B = honest["A"], honest["B"]
    attack = nn.Sequential(OrderedDict([("2", B), ("1", nn.ReLU()), ("0", A)]))  # state_dict keys as honest F's
    assert set(attack.state_dict()) == {"0.weight", "2.weight"}
    path, cert = _as_attack(honest, attack, "order.pt")
    _prove_false(honest, path, lambda x: _apply([_frac(A.weight), _frac(B.weight)][::-1], x))
    _refused(path, cert, "not keyed 0, 1, ... in the order forward runs them")


def test_a_repeated_relu_object_is_not_skipped(honest):
    """One ReLU object under keys 1 and 3: children() lists it once, forward applies it twice: σ(F(x))."""
    A, B = honest["A"], honest["B"]
    relu = nn.ReLU()
    attack = nn.Sequential(A, relu, B)
    attack.add_module("3", relu)
    assert len(list(attack.children())) == 3 and len(attack._modules) == 4
    path, cert = _as_attack(honest, attack, "twice.pt")
    _prove_false(honest, path, lambda x: _apply([_frac(A.weight), _frac(B.weight)], x, relu_after_last=True))
    _refused(path, cert, "appears twice")


def test_an_instance_forward_attribute_is_refused(honest):
    """``forward`` stored in B's __dict__ (a ReLU object): B(x) computes σ(x), so F'(x) = σ(σ(A x))."""
    A, B = honest["A"], copy.deepcopy(honest["B"])
    object.__setattr__(B, "forward", nn.ReLU())
    path, cert = _as_attack(honest, nn.Sequential(A, nn.ReLU(), B), "forward.pt")
    _prove_false(honest, path, lambda x: _apply([_frac(A.weight)], x, relu_after_last=True))
    _refused(path, cert, r"attributes \['forward'\] are not those of a fresh Linear")


def test_an_instance_weight_attribute_shadowing_the_parameter_is_refused(honest):
    """``weight`` in B's __dict__ wins over ``_parameters['weight']`` in forward; state_dict() shows the latter."""
    A, B = honest["A"], copy.deepcopy(honest["B"])
    other = nn.Parameter(-2 * B.weight.detach().clone())
    object.__setattr__(B, "weight", other)
    assert torch.equal(B.state_dict()["weight"], honest["B"].weight)   # what state_dict-based readers saw
    path, cert = _as_attack(honest, nn.Sequential(A, nn.ReLU(), B), "shadow.pt")
    _prove_false(honest, path, lambda x: _apply([_frac(A.weight), _frac(other)], x))
    _refused(path, cert, r"attributes \['weight'\] are not those of a fresh Linear")


def test_engine_refuses_what_it_cannot_model(honest, tmp_path):
    """certify never certifies a function other than the module's forward: a trailing (repeated) ReLU is named."""
    relu = nn.ReLU()
    m = nn.Sequential(honest["A"], relu, honest["B"])
    m.add_module("3", relu)
    torch.save(m, tmp_path / "m.pt")
    with pytest.raises(InputError, match="appears twice"):
        load_target(tmp_path / "m.pt")


def test_model_bytes_are_read_once(honest, monkeypatch):
    """The bytes hashed are the bytes parsed: the checker opens the model file exactly once."""
    path = honest["dir"] / "once.pt"
    torch.save(nn.Sequential(honest["A"], nn.ReLU(), honest["B"]), path)
    cert = copy.deepcopy(honest["cert"])
    cert["model"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    cert_path = honest["dir"] / "once.cert.json"
    cert_path.write_text(json.dumps(cert))
    opened: list[str] = []
    real_open = open

    def counting_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    check.check_files(cert_path, path)
    assert opened.count(str(path)) == 1


# --- bounded time and memory, one line, the right exit code ---------------------------------------------------

def _run(cert: object, model: Path, tmp: Path, raw: str | None = None) -> tuple[int, str]:
    """The CLI in a fresh process with a 60 s limit (a hang fails the test) and 2 GB of address space."""
    cert_path = tmp / "c.json"
    cert_path.write_text(raw if raw is not None else json.dumps(cert))
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30)); "
            "from verify.cli import main; sys.exit(main(sys.argv[1:]))")
    p = subprocess.run([sys.executable, "-c", code, "check", str(cert_path), "--model", str(model)],
                       capture_output=True, text=True, timeout=60)
    assert p.stderr == "" and len(p.stdout.splitlines()) == 1, (p.stdout, p.stderr[-2000:])
    return p.returncode, p.stdout


@pytest.fixture(scope="module")
def tiny(honest) -> dict:
    """A 1×1 target and its honest certificate (k = 2), for the size attacks."""
    path = honest["dir"] / "one.pt"
    torch.save({"0.weight": torch.tensor([[0.5]])}, path)
    target = load_target(path)
    res = certify(target, Eps.parse("1"), build(target.weights, Options(method="pair", seed=0, device="cpu"), k=2),
                  empirical=False)
    return {"path": path, "cert": res.cert}


def test_huge_decimal_exponent_is_refused_at_once(tiny, tmp_path):
    cert = copy.deepcopy(tiny["cert"])
    cert["claim"]["eps"] = "1e-99999999"
    code, out = _run(cert, tiny["path"], tmp_path)
    assert code == 2 and "exponent out of range" in out


def test_enormous_eps_prints_one_valid_line(tiny, tmp_path):
    cert = copy.deepcopy(tiny["cert"])
    cert["claim"]["eps"] = "9" * 300 + "e400"
    code, out = _run(cert, tiny["path"], tmp_path)
    assert code == 0 and out.startswith("VALID")


@pytest.mark.parametrize("k", [2**31, 2**32 - 1])
def test_huge_width_factor_is_refused_before_decoding(tiny, tmp_path, k):
    """A tiny certificate declaring a huge G that keeps every edge: refused from the declared sizes alone."""
    cert = copy.deepcopy(tiny["cert"])
    rn = cert["random_network"]
    rn["width_factor"], rn["widths"], rn["parameters"] = k, [1, k, 1], 2 * k + k + 1
    for i, shape in enumerate(([k, 1], [1, k])):
        cert["mask"][i] = {"layer": i + 1, "shape": shape, "kept": k, "data": io.encode_mask(1, 1, [0]),
                           "bias_kept": 0, "bias_data": io.encode_mask(1, 1, [])}   # never decoded
    code, out = _run(cert, tiny["path"], tmp_path)
    assert code == 2 and ("too large to check" in out or "too many kept weights" in out), out


def _zip_model(tmp: Path, pkl: bytes, entries: dict[str, bytes] | None = None) -> Path:
    path = tmp / "crafted.pt"
    path.write_bytes(torch_zip([(b"m/data.pkl", pkl), (b"m/byteorder", b"little"), (b"m/version", b"3\n"),
                                *((f"m/data/{k}".encode(), v) for k, v in (entries or {}).items())]))
    return path


def test_a_pickle_that_calls_an_allowed_constructor_is_refused(tiny, tmp_path):
    """About 100 bytes of pickle asking for Linear(100000, 100000) (40 GB if built): refused, nothing built."""
    pkl = b"\x80\x02ctorch.nn.modules.linear\nLinear\nq\x00J\xa0\x86\x01\x00J\xa0\x86\x01\x00\x86R."
    path = _zip_model(tmp_path, pkl)
    cert = copy.deepcopy(tiny["cert"])
    cert["model"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    code, out = _run(cert, path, tmp_path)
    assert code == 2 and "constructed with arguments in the pickle" in out


def test_a_storage_declaring_more_than_the_file_holds_is_refused(tiny, tmp_path):
    pkl = (b"\x80\x02}q\x00X\x08\x00\x00\x000.weightq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02((X\x07\x00\x00"
           b"\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuJ\x00\x00\x00\x40tQK\x00J\x00"
           b"\x80\x00\x00J\x00\x80\x00\x00\x86K\x01J\x00\x80\x00\x00\x86\x89ccollections\nOrderedDict\n)Rtq\x03Rq"
           b"\x04s.")
    path = _zip_model(tmp_path, pkl, {"0": struct.pack("<f", 1.0)})
    code, out = _run(tiny["cert"], path, tmp_path)
    assert code in (1, 2)
    cert = copy.deepcopy(tiny["cert"])
    cert["model"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    code, out = _run(cert, path, tmp_path)
    assert code == 2 and "limit" in out


def test_a_model_file_above_the_size_limit_is_refused_unread(tiny, tmp_path):
    big = tmp_path / "big.pt"
    with open(big, "wb") as f:
        f.truncate((1 << 30) + 1)   # sparse: nothing is written or read
    code, out = _run(tiny["cert"], big, tmp_path)
    assert code == 2 and "larger than" in out


@pytest.mark.parametrize("raw,pattern", [
    ("[" * 100_000 + "]" * 100_000, "not valid strict JSON"),
    ('{"a": ' + "9" * 5000 + "}", "more than 20 digits"),
    ('{"a": 1, "a": 2}', "duplicate key"),
    ('{"a": NaN}', "not JSON"),
    ("\xff\xfe", "not valid strict JSON"),
], ids=["deep", "long-int", "duplicate-key", "nan", "not-utf8"])
def test_unreadable_json_exits_2_in_one_line(tiny, tmp_path, raw, pattern):
    code, out = _run(None, tiny["path"], tmp_path, raw=raw)
    assert code == 2 and pattern in out


@pytest.mark.parametrize("make", ["nan", "meta", "sparse", "int"])
def test_unusable_tensors_exit_2_in_one_line(tiny, tmp_path, make):
    w = torch.tensor([[0.5]])
    sd = {"nan": {"0.weight": torch.tensor([[float("nan")]])}, "meta": {"0.weight": w.to("meta")},
          "sparse": {"0.weight": w.to_sparse()}, "int": {"0.weight": torch.tensor([[1]])}}[make]
    path = tmp_path / f"{make}.pt"
    torch.save(sd, path)
    cert = copy.deepcopy(tiny["cert"])
    cert["model"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    code, out = _run(cert, path, tmp_path)
    assert code == 2 and out.startswith("UNUSABLE: model file")


def test_non_ascii_layer_index_is_refused(tmp_path):
    """'٠.weight' (Arabic-Indic zero) is no Sequential index; int() would read it as 0."""
    from safetensors.torch import save_file

    path = tmp_path / "u.safetensors"
    save_file({"\u0660.weight": torch.tensor([[0.5]])}, str(path))
    with pytest.raises(InputError, match="not a model"):
        load_target(path)


def test_pickle_module_is_never_asked_for_classes(tmp_path):
    """A pickle naming os.system is refused by the closed vocabulary before anything could be called."""
    pkl = pickle.dumps(OrderedDict(), protocol=2).replace(b"collections\nOrderedDict", b"os\nsystem")
    assert b"os\nsystem" in pkl
    path = _zip_model(tmp_path, pkl)
    with pytest.raises(InputError, match="refused: the pickle asks for os.system"):
        load_target(path)
