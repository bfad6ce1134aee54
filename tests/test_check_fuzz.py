"""Fuzzing the checker (issue 11): random mutations of a certificate and of the model file.

Every case must be answered by ``Unusable`` (exit 2), ``Invalid`` (exit 1) or acceptance, never by another
exception; every accepted case is re-attacked independently of the checker's own reading of the model: the
module as torch loads it, evaluated in float64 on sampled and gradient-ascended points of the unit ball, against
G̃ built from the decoded certificate, and (for certificate mutations, which keep the model) the exact oracle.
``SLT_FUZZ_EXAMPLES`` scales the budgets (CI runs the default, small form).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from safetensors.torch import save_file
from torch import nn

from verify.certify import certify
from verify.domain import Domain
from verify.engine.construct import build
from verify.engine.empirical import empirical_sup
from verify.engine.model import load_target
from verify.exact import exact_check
from verify.kernel import check, io
from verify.kernel.wellformed import Unusable, well_formed
from verify.options import Eps, Options

SCALE = int(os.environ.get("SLT_FUZZ_EXAMPLES", "1"))
_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict:
    """A 2-3-2 module with biases and its honest certificate over the box [-0.5, 1]^2 (pair gadgets, k = 3, bias
    block 4: a tiny G with constant neurons)."""
    d = tmp_path_factory.mktemp("fuzz")
    gen = torch.Generator().manual_seed(7)
    A, B = nn.Linear(2, 3), nn.Linear(3, 2)
    with torch.no_grad():
        for layer in (A, B):
            layer.weight.copy_(torch.rand(*layer.weight.shape, generator=gen) * 2 - 1)
            layer.bias.copy_(torch.rand(*layer.bias.shape, generator=gen) - 0.5)
    path = d / "base.pt"
    torch.save(nn.Sequential(A, nn.ReLU(), B), path)
    target = load_target(path)
    options = Options(method="pair", seed=1, device="cpu", domain="box:-0.5,1", bias_block=4)
    res = certify(target, Eps.parse("10"), build(target.weights, options, k=3, biases=target.biases),
                  empirical=False, semantics="float32-both")
    assert res.cert["mask"][0]["bias_kept"] > 0   # the fuzzed fields include kept constants
    assert "float32" in res.cert["claim"]        # ... and the float32 block (docs/float32.md, fact 8)
    return {"dir": d, "path": path, "cert": res.cert, "A": A, "B": B, "data": path.read_bytes()}


def _g_tilde(ok: check.Checked, dtype: torch.dtype = torch.float64):
    _, pruned = check.exact_networks(ok)
    mats = [(torch.tensor([[float(v) for v in row] for row in w], dtype=dtype),
             torch.tensor([float(v) for v in b], dtype=dtype)) for w, b in pruned]

    def g(x: torch.Tensor) -> torch.Tensor:
        for i, (w, b) in enumerate(mats):
            x = x @ w.T + b
            x = torch.relu(x) if i + 1 < len(mats) else x
        return x
    return g


def _domain(ok: check.Checked) -> tuple[Domain, tuple]:
    """The accepted claim's domain, for the attack (decimal strings) and for the exact oracle (rationals)."""
    d = ok.domain
    if d.kind == "ball":
        return Domain("ball", radius=io.decimal_up(d.radius, 17)), ("ball", d.radius)
    text = [tuple(("-" if v < 0 else "") + io.decimal_up(abs(v), 17) for v in side) for side in (d.lo, d.hi)]
    return Domain("box", lo=text[0], hi=text[1]), ("box", list(d.lo), list(d.hi))


def _reattack(ok: check.Checked, model_bytes: bytes, tmp) -> None:
    """An accepted certificate: torch's own forward of the file against G̃, by sampling and gradient ascent."""
    path = tmp / "reattack.pt"
    path.write_bytes(model_bytes)
    f = load_target(path).forward   # safetensors and state_dicts: F is the Linear chain (the convention)
    if model_bytes[:4] == b"PK\x03\x04":
        try:
            with torch.serialization.safe_globals([nn.Sequential, nn.Linear, nn.ReLU, nn.Flatten, nn.Dropout,
                                                   nn.Identity]):
                obj = torch.load(path, weights_only=True)
        except Exception:   # e.g. a flipped byte in torch's own metadata record: torch defines no F here
            event("accepted; torch cannot load the file")
            obj = None
        if isinstance(obj, nn.Module):
            f = obj.double().eval()
    g = _g_tilde(ok)
    d = len(ok.weights[0][0])
    emp = empirical_sup(f, g, d, domain=_domain(ok)[0], samples=512, steps=20, seed=0)
    assert emp.max_error <= float(ok.bound) * (1 + 1e-9) + 1e-12, (emp.max_error, ok.bound)
    if ok.float32 is not None:   # the float32 claim: G̃ run in float32 at float32 points of D, against F
        gen = torch.Generator().manual_seed(1)
        x = torch.cat([torch.tensor(emp.argmax, dtype=torch.float64)[None], torch.rand(64, d, generator=gen,
                                                                                     dtype=torch.float64)])
        if ok.domain.kind == "box":
            lo, hi = (torch.tensor([float(v) for v in side], dtype=torch.float64) for side in (ok.domain.lo,
                                                                                                ok.domain.hi))
            x[1:] = lo + x[1:] * (hi - lo)
            x = x.float()
            x = x[((x.double() >= lo) & (x.double() <= hi)).all(1)]
        else:
            x = (x / x.norm(dim=1, keepdim=True).clamp_min(1e-300) * float(ok.domain.radius) * 0.999).float()
            x = x[x.double().norm(dim=1) <= float(ok.domain.radius)]
        gap = (_g_tilde(ok, torch.float32)(x).double() - f(x.double())).norm(dim=1)
        assert gap.numel() == 0 or float(gap.max()) <= float(ok.float32) * (1 + 1e-9) + 1e-12, (gap, ok.float32)


def _answer(cert, model: bytes):
    try:
        ok = check.check_certificate(cert, model)
    except check.Unusable:
        event("exit 2")
        return None
    except check.Invalid as e:
        event(f"exit 1, fact {e.fact}")
        return None
    event("accepted")
    return ok


# --- certificate mutations -----------------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "0", "1", "0.5", "1e400", "1e-400", "+1", "1 ", "٣", "2.0", "1e-99999999", "9" * 500,
                     "spectral", "frobenius", "certified", "not-certified", "AAAA", "eJwDAAAAAAE="]),
    st.text(max_size=8))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                       max_leaves=6)


def _nodes(obj, path=()):
    yield path
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _nodes(v, (*path, i))


def _decimal(text: str) -> Fraction | None:
    try:
        return io.parse_decimal(text)
    except ValueError:
        return None


def _mutate(cert: dict, path: tuple, op: str, value, delta: int) -> None:
    if not path:
        return
    parent = cert
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    old = parent[key]
    if op == "delete":
        del parent[key]
    elif op == "add" and isinstance(old, dict):
        old["extra"] = value
    elif op == "nudge" and type(old) is int:
        parent[key] = old + delta
    elif op == "nudge" and isinstance(old, str) and _decimal(old) is not None:
        parent[key] = io.decimal_up(_decimal(old) * Fraction(1000 + delta, 1000), 12)
    else:
        parent[key] = value


@settings(max_examples=200 * SCALE, **_SETTINGS)
@given(data=st.data())
def test_certificate_mutations_are_answered_and_accepted_ones_hold(base, tmp_path, data):
    cert = copy.deepcopy(base["cert"])
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_nodes(cert))
        path = data.draw(st.sampled_from(paths))
        _mutate(cert, path, data.draw(st.sampled_from(["replace", "delete", "add", "nudge"])),
                data.draw(_VALUES), data.draw(st.integers(-3, 3)))
    _schema_agrees(cert)
    ok = _answer(cert, base["data"])
    if ok is not None:
        _reattack(ok, base["data"], tmp_path)
        target, pruned = check.exact_networks(ok)
        assert exact_check(target, pruned, ok.bound, domain=_domain(ok)[1], timeout_s=60).sound


def _schema_agrees(cert: dict) -> None:
    """The checker's well-formedness test and certs/schema.json (jsonschema) agree on every mutated certificate
    (strings ending in a newline are skipped: Python's ``re`` lets ``$`` match before one, ECMA's does not; and so
    are integral floats such as 3.0, which JSON Schema counts as integers and certs/FORMAT.md refuses: "never 56.0")."""
    if any(isinstance(v, str) and v.endswith("\n") or isinstance(v, float) and v.is_integer() for v in _leaves(cert)):
        return
    try:
        well_formed(cert)
        ours = True
    except Unusable:
        ours = False
    assert _SCHEMA.is_valid(cert) == ours, cert


def _leaves(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _leaves(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj


_SCHEMA = jsonschema.Draft202012Validator(json.loads((Path(__file__).resolve().parent.parent / "certs" /
                                                      "schema.json").read_text()))


# --- model-file mutations ------------------------------------------------------------------------------------

_DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16]


@st.composite
def _modules(draw, base: dict) -> nn.Module:
    """Sequentials near the base: its layers, other layers, repeats, reorderings, injected attributes, dtypes."""
    A, B = copy.deepcopy(base["A"]), copy.deepcopy(base["B"])
    if draw(st.booleans()):   # the bias-free variant: the certificate's bias keys no longer match
        A.bias, B.bias = None, None
    dtype = draw(st.sampled_from(_DTYPES))
    A, B = A.to(dtype), B.to(dtype)
    relu = nn.ReLU()
    pool = {"A": A, "B": B, "relu": relu, "relu2": nn.ReLU(), "tanh": nn.Tanh(), "id": nn.Identity(),
            "drop": nn.Dropout(), "lin": nn.Linear(2, 2, bias=draw(st.booleans())), "flat": nn.Flatten(),
            "flat2": nn.Flatten(start_dim=2), "bn": nn.BatchNorm1d(2)}
    names = draw(st.lists(st.sampled_from(sorted(pool)), min_size=1, max_size=5))
    if draw(st.booleans()):
        names = draw(st.sampled_from([["A", "relu", "B"], ["flat", "A", "relu", "drop", "B"],
                                      ["id", "A", "relu", "B", "id"], ["A", "drop", "relu", "B"]]))
    m = nn.Sequential()
    keys = [str(i) for i in range(len(names))]
    if draw(st.booleans()):
        keys = keys[::-1]
    for key, name in zip(keys, names, strict=True):
        m.add_module(key, pool[name])
    inject = draw(st.sampled_from([None, "forward", "weight", "extra", "hook"]))
    target = draw(st.sampled_from([A, B, m]))
    if inject == "forward":
        object.__setattr__(target, "forward", nn.ReLU())
    elif inject == "weight" and target is not m:
        object.__setattr__(target, "weight", nn.Parameter(-target.weight.detach().clone()))
    elif inject == "extra":
        object.__setattr__(target, "scale", 2.0)
    elif inject == "hook":
        target.register_buffer("shift", torch.ones(1))
    return m


@settings(max_examples=60 * SCALE, **_SETTINGS)
@given(data=st.data())
def test_model_file_mutations_are_answered_and_accepted_ones_hold(base, tmp_path, data):
    module = data.draw(_modules(base))
    kind = data.draw(st.sampled_from(["module", "state_dict", "safetensors"]))
    path = tmp_path / ("m.safetensors" if kind == "safetensors" else "m.pt")
    try:
        if kind == "module":
            torch.save(module, path)
        elif kind == "state_dict":
            torch.save(module.state_dict(), path)
        else:
            save_file({k: v.contiguous() for k, v in module.state_dict().items()}, str(path))
    except Exception:   # torch itself cannot save this variant: nothing to check
        return
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(0, 2))):   # byte flips anywhere in the file
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
    model = bytes(raw)
    cert = copy.deepcopy(base["cert"])
    cert["model"]["sha256"] = hashlib.sha256(model).hexdigest()
    cert["model"]["format"] = {"module": "torch-module", "state_dict": "torch-state-dict",
                               "safetensors": "safetensors"}[kind]
    ok = _answer(cert, model)
    if ok is not None:
        _reattack(ok, model, tmp_path)
