"""The float32 claim (docs/float32.md, fact 8 of verify/kernel/check.py): honest certificates of the three shipped
models check VALID, every hint mutated is refused for its reason, and G̃ as exported (``--save-pruned``) and run in
float32 in several summation orders never deviates from G̃ in exact (float64 or rational) arithmetic by more than r."""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch

from verify.certify import certify, compose
from verify.engine.construct import build
from verify.engine.empirical import empirical_sup
from verify.engine.export import pruned_from_certificate
from verify.engine.model import load_target
from verify.float32_hints import Float32Unavailable, float32_block
from verify.kernel import check, floatbound, io
from verify.kernel.wellformed import Unusable
from verify.options import Eps, Options

DATA = Path(__file__).resolve().parent.parent / "verify" / "data"
EXAMPLES = Path(__file__).resolve().parent.parent / "certs" / "examples"
MODELS = {   # path, domain, input shape, width factor
    "mlp": (DATA / "digits_mlp.safetensors", "ball", None, 12),
    "bias": (DATA / "digits_bias_mlp.pt", "box:0,1", None, 12),
    "cnn": (DATA / "digits_cnn.pt", "box:0,1", (1, 8, 8), 8),
}
SHRINK = 1 - 2.0**-20   # float64 references are within ~2^-29·r of the exact values (docs/float32.md §3 with u = 2^-53)


def _built(name: str):
    path, domain, shape, k = MODELS[name]
    target = load_target(path, shape)
    built = build(target.weights, Options(seed=0, device="cpu", domain=domain, rescale="neuron"), k=k,
                  biases=target.biases, layout=target.layout)
    return path, target, built


@pytest.fixture(scope="module", params=list(MODELS))
def honest(request) -> dict:
    path, target, built = _built(request.param)
    res = certify(target, Eps.parse("1000"), built, empirical=False, semantics="float32-both")
    return {"name": request.param, "path": path, "target": target, "res": res, "cert": res.cert}


@pytest.fixture(scope="module")
def bias_cert() -> dict:
    path, target, built = _built("bias")
    res = certify(target, Eps.parse("1000"), built, empirical=False, semantics="float32-both")
    return {"path": path, "target": target, "built": built, "cert": res.cert, "data": path.read_bytes()}


def _invalid(cert: dict, data: bytes, fact: int, pattern: str) -> None:
    with pytest.raises(check.Invalid, match=pattern) as e:
        check.check_certificate(cert, data)
    assert e.value.fact == fact


def _half(text: str) -> str:
    return io.decimal_up(io.parse_decimal(text) / 2, 12)


# --- honest certificates -----------------------------------------------------------------------------------------

def test_honest_float32_certificates_of_the_shipped_models_are_valid(honest):
    cert = honest["cert"]
    block = cert["claim"]["float32"]
    ok = check.check_certificate(cert, honest["path"])
    assert ok.float32 == io.parse_decimal(block["bound_float32"]) and ok.float32_verdict
    assert ok.float32_covers == "pruned-and-target"
    bound, r = io.parse_decimal(cert["claim"]["bound"]), io.parse_decimal(block["r"])
    assert 0 < r and ok.float32 >= bound + r
    assert r >= sum(io.parse_decimal(x[-1]["error"]) for x in (block["layers"], block["target_layers"]))
    code, line = check.verdict_line(ok)
    assert code == 0 and "G~ and F run in float32" in line and io.decimal_up(ok.float32, 6) in line


def test_every_semantics_writes_what_it_says_and_checks(bias_cert):
    target, built, path = bias_cert["target"], bias_cert["built"], bias_cert["path"]
    exact = certify(target, Eps.parse("1000"), built, empirical=False, semantics="exact").cert
    assert "float32" not in exact["claim"]
    assert check.check_certificate(exact, path).float32 is None
    default = certify(target, Eps.parse("1000"), built, empirical=False, semantics="exact+float32").cert
    block = default["claim"]["float32"]
    assert (block["covers"], block["verdict_bound"], block["target_layers"]) == ("pruned", "bound", [])
    ok = check.check_certificate(default, path)
    assert not ok.float32_verdict and ok.claimed == ok.bound
    assert "with G~ run in float32 on float32 inputs" in check.verdict_line(ok)[1]
    # eps between bound and bound_float32: the exact verdict certifies, the float32 verdict does not
    bound, b32 = io.parse_decimal(default["claim"]["bound"]), io.parse_decimal(block["bound_float32"])
    eps = Eps.parse(io.decimal_up((bound + b32) / 2, 12))
    assert certify(target, eps, built, empirical=False, semantics="exact+float32").certified
    res = certify(target, eps, built, empirical=False, semantics="float32")
    assert not res.certified and res.cert["verdict"] == "not-certified"
    ok = check.check_certificate(res.cert, path)
    code, line = check.verdict_line(ok)
    assert code == 1 and "float32 bound" in line
    # the same certificate claiming "certified" is refused (fact 7), and so is switching the bound the verdict names
    lie = copy.deepcopy(res.cert)
    lie["verdict"] = "certified"
    _invalid(lie, bias_cert["data"], 7, "verdict must be 'not-certified'")
    switched = certify(target, eps, built, empirical=False, semantics="exact+float32").cert
    switched["claim"]["float32"]["verdict_bound"] = "bound_float32"
    _invalid(switched, bias_cert["data"], 7, "verdict must be 'not-certified'")


def test_float32_both_refuses_a_model_whose_weights_are_not_float32(bias_cert, tmp_path):
    target, built = bias_cert["target"], bias_cert["built"]
    weights = [w.copy() for w in target.weights]
    weights[1][0, 0] += 2.0**-40   # no longer a binary32 number
    with pytest.raises(Exception, match="not float32 numbers"):
        float32_block(bias_cert["cert"], weights, target.biases, list(built.layout.geometry), "float32-both")


# --- mutations of the new hints ----------------------------------------------------------------------------------

def _set(path: tuple, value):
    def edit(c):
        node = c["claim"]["float32"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value(node[path[-1]]) if callable(value) else value
    return edit


LOWERED = [
    (("layers", 0, "q"), r"layers\[0\]\.q is below"),
    (("layers", 2, "q"), r"layers\[2\]\.q is below"),
    (("layers", 0, "kappa"), r"layers\[0\]\.kappa is below"),
    (("layers", 1, "kappa"), r"layers\[1\]\.kappa is below"),
    (("layers", 0, "error"), r"layers\[0\]\.error is below"),
    (("layers", 1, "error"), r"layers\[1\]\.error is below"),
    (("layers", 2, "error"), r"layers\[2\]\.error is below"),
    (("target_layers", 0, "q"), r"target_layers\[0\]\.q is below"),
    (("target_layers", 2, "q"), r"target_layers\[2\]\.q is below"),
    (("target_layers", 1, "error"), r"target_layers\[1\]\.error is below"),
    (("target_layers", 2, "error"), r"target_layers\[2\]\.error is below"),
    (("r",), r"claim\.float32\.r is below"),
    (("bound_float32",), r"bound_float32 is below claim\.bound \+ r"),
]


@pytest.mark.parametrize(("path", "pattern"), LOWERED, ids=["-".join(map(str, p)) for p, _ in LOWERED])
def test_every_lowered_hint_is_refused_for_its_reason(bias_cert, path, pattern):
    cert = copy.deepcopy(bias_cert["cert"])
    _set(path, _half)(cert)
    _invalid(cert, bias_cert["data"], 8, pattern)


def test_a_slightly_lowered_error_is_refused_and_the_stored_values_are_tight(bias_cert):
    """The certifier rounds up to 12 digits: lowering the last error by 1e-9 relative already fails."""
    cert = copy.deepcopy(bias_cert["cert"])
    _set(("layers", 2, "error"), lambda s: io.decimal_up(io.parse_decimal(s) * (1 - Fraction(1, 10**9)), 12))(cert)
    _invalid(cert, bias_cert["data"], 8, r"layers\[2\]\.error is below")


STRUCTURE = [
    ("one layer dropped", _set(("layers",), lambda v: v[:-1]), r"must list 3 layers and 3 target_layers"),
    ("covers only G~ but lists F", _set(("covers",), "pruned"), r"must list 3 layers and 0 target_layers"),
    ("covers F without its layers", _set(("target_layers",), []), r"must list 3 layers and 3 target_layers"),
]


@pytest.mark.parametrize(("what", "edit", "pattern"), STRUCTURE, ids=[w for w, _, _ in STRUCTURE])
def test_a_block_of_the_wrong_length_is_refused(bias_cert, what, edit, pattern):
    cert = copy.deepcopy(bias_cert["cert"])
    edit(cert)
    _invalid(cert, bias_cert["data"], 8, pattern)


def _drop(key):
    def edit(c):
        del c["claim"]["float32"][key]
    return edit


MALFORMED = [
    ("arithmetic changed", _set(("arithmetic",), "IEEE 754 binary32 with TF32"), r"claim\.float32\.arithmetic must be"),
    ("covers unknown", _set(("covers",), "target"), r"claim\.float32\.covers must be one of"),
    ("verdict_bound unknown", _set(("verdict_bound",), "r"), r"claim\.float32\.verdict_bound must be one of"),
    ("q a number", _set(("layers", 0, "q"), 1.5), r"claim\.float32\.layers\[0\]\.q"),
    ("error negative", _set(("layers", 1, "error"), "-1"), r"claim\.float32\.layers\[1\]\.error"),
    ("r a number", _set(("r",), 0.5), r"claim\.float32\.r"),
    ("bound_float32 null", _set(("bound_float32",), None), r"claim\.float32\.bound_float32"),
    ("layers an object", _set(("layers",), {}), r"claim\.float32\.layers must be a list"),
    ("a layer missing kappa", lambda c: c["claim"]["float32"]["layers"][0].pop("kappa"),
     r"claim\.float32\.layers\[0\] must be an object with keys"),
    ("a target layer with kappa", _set(("target_layers", 0, "kappa"), "1"),
     r"claim\.float32\.target_layers\[0\] must be an object with keys"),
    ("r missing", _drop("r"), r"claim\.float32 must be an object with keys"),
    ("an extra key", _set(("note",), "x"), r"claim\.float32 must be an object with keys"),
    ("the block a list", lambda c: c["claim"].__setitem__("float32", []), r"claim\.float32 must be an object"),
]


@pytest.mark.parametrize(("what", "edit", "pattern"), MALFORMED, ids=[w for w, _, _ in MALFORMED])
def test_malformed_float32_blocks_are_unusable(bias_cert, what, edit, pattern):
    cert = copy.deepcopy(bias_cert["cert"])
    edit(cert)
    with pytest.raises(Unusable, match=pattern):
        check.check_certificate(cert, bias_cert["data"])


def test_format_3_has_no_float32_block():
    cert = json.loads((Path(__file__).parent / "data" / "format3-tiny.cert.json").read_text())
    data = (Path(__file__).parent / "data" / "format3-tiny.safetensors").read_bytes()
    check.check_certificate(cert, data)
    cert["claim"]["float32"] = {}
    with pytest.raises(Unusable, match="claim must be an object with keys"):
        check.check_certificate(cert, data)


def test_values_that_could_overflow_binary32_are_refused(bias_cert):
    """An exact certificate over a domain of reach 1e39 is valid (the reach is only an upper bound), but its float32
    block cannot be: G~'s values could exceed 2^127 (docs/float32.md §5)."""
    cert = copy.deepcopy(bias_cert["cert"])
    cert["claim"]["domain"]["reach"] = "1e39"
    rows = compose([(r["eta"], r["omega"], r["beta"], r["bias_norm"], r["norm"]) for r in cert["layers"]],
                   Fraction(10) ** 39)
    cert["layers"] = [r.as_json() for r in rows]
    cert["claim"]["bound"], cert["claim"]["eps"] = rows[-1].delta, "1e100"
    with pytest.raises(Float32Unavailable, match="could overflow float32"):   # the certifier writes no such block
        float32_block(cert, bias_cert["target"].weights, bias_cert["target"].biases,
                      list(bias_cert["built"].layout.geometry), "float32")
    cert["verdict"] = "certified"   # the honest block of the certificate as it was: q and kappa still hold
    _invalid(cert, bias_cert["data"], 8, r"layers\[0\]: G~'s values may overflow binary32")
    del cert["claim"]["float32"]
    assert check.check_certificate(cert, bias_cert["data"]).float32 is None


def test_binary32_numbers_are_recognised_exactly():
    rs = np.random.RandomState(0)
    values = np.concatenate([rs.standard_normal(200) * 10.0 ** rs.randint(-40, 38, 200),
                             [2.0**-149, 2.0**-126, 3 * 2.0**-149, float(np.finfo(np.float32).max), 0.0, -1.5]])
    for v in values:
        f32 = float(np.float32(v))
        assert floatbound.is_binary32(*check._dyadic(f32))
        if f32 != v:
            assert not floatbound.is_binary32(*check._dyadic(float(v)))
    for v in (2.0**-150, 2.0**128, 1 + 2.0**-24, 2.0**-127 + 2.0**-150, 0.1):
        assert not floatbound.is_binary32(*check._dyadic(v)), v


# --- Lemma 1 against exact rationals ----------------------------------------------------------------------------

def _fl(x) -> np.float32:
    return np.float32(x)


def test_lemma_1_holds_for_adversarial_summation_orders_and_underflow():
    """|fl(Σ w h + b) − (Σ w h + b)| ≤ γ_N (Σ|w h| + |b|) + 4 n τ (docs/float32.md §3 with a smaller absolute term than
    its 3(n + 1)·τ', which also covers flush-to-zero; here underflow is gradual), for sequential sums in orders
    chosen to maximise the error (ascending and descending magnitude, alternating signs), pairwise and blocked sums,
    and products that underflow."""
    rs = np.random.RandomState(1)
    worst = 0.0
    for trial in range(60):
        n = int(rs.randint(2, 300))
        scale = 2.0 ** -70 if trial % 5 == 0 else 1.0   # products near 2^-140: gradual underflow
        w = (rs.standard_normal(n) * scale).astype(np.float32)
        h = (np.abs(rs.standard_normal(n)) * scale).astype(np.float32)
        b = np.float32(rs.standard_normal())
        t = w * h   # binary32 products, each rounded once
        exact = sum((Fraction(float(a)) * Fraction(float(c)) for a, c in zip(w, h, strict=True)), Fraction(float(b)))
        total = sum((abs(Fraction(float(a)) * Fraction(float(c))) for a, c in zip(w, h, strict=True)),
                    abs(Fraction(float(b))))
        N = int(np.count_nonzero(w)) + (b != 0)
        bound = floatbound.gamma(N) * total + 4 * n * floatbound.TAU
        orders = [np.argsort(np.abs(t)), np.argsort(-np.abs(t)), np.argsort(t), rs.permutation(n)]
        results = []
        for order in orders:
            acc = b
            for v in t[order]:
                acc = _fl(acc + v)
            results.append(acc)
        results.append(_fl(np.sum(t, dtype=np.float32) + b))   # numpy's pairwise summation
        blocks = [np.cumsum(t[i:i + 16], dtype=np.float32)[-1] for i in range(0, n, 16)]
        results.append(_fl(np.cumsum(np.array(blocks[::-1], dtype=np.float32), dtype=np.float32)[-1] + b))
        for res in results:
            err = abs(Fraction(float(res)) - exact)
            assert err <= bound, (trial, float(err), float(bound))
            if bound:
                worst = max(worst, float(err / bound))
    assert worst < 1


# --- G̃ run in float32 -------------------------------------------------------------------------------------------

def _points(honest: dict, n: int) -> np.ndarray:
    """n float32 points of the domain: random ones, box vertices, and the attack's worst point."""
    cert, target = honest["cert"], honest["target"]
    d = target.in_features
    gen = np.random.RandomState(3)
    if cert["claim"]["domain"]["kind"] == "box":
        pts = gen.uniform(0, 1, (n, d))
        pts[: n // 8] = gen.randint(0, 2, (n // 8, d))   # vertices
    else:
        pts = gen.standard_normal((n, d))
        pts *= (gen.uniform(0, 1, (n, 1)) ** (1 / d) / np.linalg.norm(pts, axis=1, keepdims=True))
        pts *= SHRINK   # so that rounding to float32 stays in the unit ball
    res = honest["res"]
    from verify.domain import parse
    emp = empirical_sup(target.forward, res.construction.forward, d,
                        domain=parse(res.construction.options.domain), samples=256, steps=10)
    pts[-1] = np.asarray(emp.argmax) * (SHRINK if cert["claim"]["domain"]["kind"] == "ball" else 1)
    return pts.astype(np.float32)


def _layers(module: torch.nn.Sequential) -> list:
    """(kind, W (out, in·A) float32, b, conv or None) per affine layer, and 'relu'/'flatten' steps."""
    out = []
    for m in module:
        if isinstance(m, torch.nn.Linear):
            out.append(("affine", m.weight.detach().numpy(), m.bias.detach().numpy(), None))
        elif isinstance(m, torch.nn.Conv2d):
            w = m.weight.detach()
            out.append(("affine", w.reshape(w.shape[0], -1).numpy(), m.bias.detach().numpy(),
                        (w.shape[2:], m.stride, m.padding)))
        elif isinstance(m, torch.nn.ReLU):
            out.append(("relu",))
        elif isinstance(m, torch.nn.Flatten):
            out.append(("flatten",))
    return out


def _sum_sequential(p: np.ndarray) -> np.ndarray:
    return np.cumsum(p, axis=-1, dtype=p.dtype)[..., -1]


SUMS = {
    "pairwise": lambda p: np.sum(p, axis=-1, dtype=p.dtype),
    "sequential": _sum_sequential,
    "reversed": lambda p: _sum_sequential(p[..., ::-1]),
    "blocked": lambda p: _sum_sequential(np.stack([_sum_sequential(p[..., i:i + 16])
                                                   for i in range(0, p.shape[-1], 16)][::-1], axis=-1)),
}


def _forward(layers: list, x: np.ndarray, shape: tuple, dtype, total) -> np.ndarray:
    """The exported network on x (B, d) in ``dtype`` with every dot product summed by ``total`` (products formed
    in ``dtype``; ``total=None``: one BLAS matmul), convolutions through exact im2col (torch's unfold copies)."""
    h = x.astype(dtype).reshape(x.shape[0], *shape)
    for step in layers:
        if step[0] == "relu":
            h = np.maximum(h, 0)
            continue
        if step[0] == "flatten":
            h = h.reshape(h.shape[0], -1)
            continue
        _, W, b, conv = step
        W, b = W.astype(dtype), b.astype(dtype)
        if conv is not None:
            (kh, kw), stride, pad = conv
            Hh, Ww = h.shape[2:]
            cols = torch.nn.functional.unfold(torch.from_numpy(h), (kh, kw), padding=pad, stride=stride).numpy()
            ho = (Hh + 2 * pad[0] - kh) // stride[0] + 1
            wo = (Ww + 2 * pad[1] - kw) // stride[1] + 1
            patches = cols.transpose(0, 2, 1).reshape(-1, cols.shape[1])   # (B·ho·wo, c·A)
            y = _affine(patches, W, b, total).reshape(h.shape[0], ho * wo, -1).transpose(0, 2, 1)
            h = y.reshape(h.shape[0], W.shape[0], ho, wo)
        else:
            h = _affine(h.reshape(h.shape[0], -1), W, b, total)
    return h.reshape(h.shape[0], -1)


def _affine(h: np.ndarray, W: np.ndarray, b: np.ndarray, total) -> np.ndarray:
    if total is None:
        return (h @ W.T) + b
    out = np.empty((h.shape[0], W.shape[0]), dtype=h.dtype)
    step = max(1, (1 << 22) // max(1, W.size))
    for i in range(0, h.shape[0], step):
        p = h[i:i + step, None, :] * W[None, :, :]            # products, each rounded once
        out[i:i + step] = total(np.concatenate([p, np.broadcast_to(b, p.shape[:2])[..., None]], axis=-1))
    return out


def test_g_run_in_float32_in_every_summation_order_stays_within_r(honest, tmp_path):
    """G̃ as `--save-pruned` writes it (torch.save of the module, loaded back) and as exported from the certificate
    alone, run in float32 — torch's forward, numpy's BLAS matmul, and numpy sums in pairwise, sequential, reversed
    and blocked order — never deviates from its float64 evaluation by more than r (docs/float32.md §5), and F run in
    float32 stays within bound_float32 of it."""
    cert, res = honest["cert"], honest["res"]
    block = cert["claim"]["float32"]
    r_pruned = io.parse_decimal(block["layers"][-1]["error"])
    path = tmp_path / "pruned.pt"
    torch.save(res.construction.pruned_module(), path)
    saved = torch.load(path, weights_only=False)
    exported = pruned_from_certificate(cert)
    shape = tuple(cert["model"]["input_shape"])
    x = _points(honest, 64 if honest["name"] == "cnn" else 192)
    layers = _layers(saved)
    ref = _forward(layers, x, shape, np.float64, None)
    runs = {"torch": saved(torch.from_numpy(x).reshape(-1, *shape)).detach().reshape(len(x), -1).numpy(),
            "torch-from-certificate": exported(torch.from_numpy(x).reshape(-1, *shape)).detach()
            .reshape(len(x), -1).numpy(),
            "blas": _forward(layers, x, shape, np.float32, None)}
    for name, total in SUMS.items():
        runs[name] = _forward(layers, x, shape, np.float32, total)
    worst = {}
    for name, y in runs.items():
        assert y.dtype == np.float32, name
        dev = np.linalg.norm(y.astype(np.float64) - ref, axis=1).max()
        worst[name] = dev
        assert dev <= float(r_pruned) * SHRINK, (name, dev, float(r_pruned))
    assert max(worst.values()) > 0, "float32 rounding was observed"
    # against F: exact claim + r, F in float64 and F run in float32 (covers = pruned-and-target)
    f_model = torch.load(honest["path"], weights_only=False) if honest["path"].suffix == ".pt" else None
    f64 = honest["target"].forward(torch.from_numpy(x.astype(np.float64))).numpy()
    b32 = float(io.parse_decimal(block["bound_float32"])) * SHRINK
    for name, y in runs.items():
        assert np.linalg.norm(y - f64, axis=1).max() <= b32, name
        if f_model is not None:
            f32 = f_model.float().eval()(torch.from_numpy(x).reshape(-1, *shape)).detach().numpy()
            assert np.linalg.norm(y.astype(np.float64) - f32, axis=1).max() <= b32, name
    honest["worst"] = worst
    print(f"\n{honest['name']}: r = {float(r_pruned):.4g}, largest deviation {max(worst.values()):.3g} "
          f"({max(worst, key=worst.get)}), ratio {float(r_pruned) / max(worst.values()):.3g}")


def test_the_tiny_example_run_in_float32_loops_is_within_r_of_exact_rationals():
    """The bias-free 2-3-2 example (certs/examples): G̃ from the certificate, evaluated with sequential float32
    accumulation in Python loops in forward and reverse order, against G̃ in exact rationals."""
    cert = json.loads((EXAMPLES / "tiny.cert.json").read_text())
    model = EXAMPLES / "tiny.safetensors"
    target = load_target(model)
    cert["claim"]["float32"] = float32_block(cert, target.weights, target.biases, list(target.layout.geometry),
                                             "exact+float32")
    ok = check.check_certificate(cert, model)
    r = io.parse_decimal(cert["claim"]["float32"]["r"])
    net = pruned_from_certificate(cert)
    mats = [(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in net if isinstance(m, torch.nn.Linear)]
    rs = np.random.RandomState(5)
    worst = Fraction(0)
    for _ in range(40):
        x = rs.standard_normal(2)
        x = (x / np.linalg.norm(x) * rs.uniform(0, 1) * SHRINK).astype(np.float32)
        for order in (1, -1):
            h32, hq = list(x), [Fraction(float(v)) for v in x]
            for j, (W, b) in enumerate(mats):
                out32, outq = [], []
                for row, bias in zip(W, b, strict=True):
                    acc = np.float32(bias)
                    for w, v in list(zip(row, h32, strict=True))[::order]:
                        acc = np.float32(acc + np.float32(w * v))
                    out32.append(acc)
                    outq.append(sum((Fraction(float(w)) * v for w, v in zip(row, hq, strict=True)),
                                    Fraction(float(bias))))
                if j + 1 < len(mats):
                    out32, outq = [max(v, np.float32(0)) for v in out32], [max(v, Fraction(0)) for v in outq]
                h32, hq = out32, outq
            err2 = sum((Fraction(float(a)) - b) ** 2 for a, b in zip(h32, hq, strict=True))
            assert err2 <= r * r
            worst = max(worst, err2)
    assert 0 < worst and ok.float32 is not None


def test_the_command_line_writes_checks_and_omits_the_float32_claim(tmp_path, capsys):
    from verify.cli import main

    model = EXAMPLES / "tiny-bias.safetensors"
    for semantics, has, verdict_bound in (("float32-both", True, "bound_float32"), ("exact", False, None),
                                          (None, True, "bound")):
        out = tmp_path / f"{semantics}.cert.json"
        args = ["certify", str(model), "--eps", "1", "--width-factor", "8", "--domain", "box:0,1", "--no-empirical",
                "-o", str(out)] + (["--semantics", semantics] if semantics else [])
        assert main(args) == 0
        printed = capsys.readouterr().out
        cert = json.loads(out.read_text())
        assert ("float32" in cert["claim"]) == has and ("float32 bound" in printed) == has
        if has:
            assert cert["claim"]["float32"]["verdict_bound"] == verdict_bound
        assert main(["check", str(out), "--model", str(model)]) == 0
        line = capsys.readouterr().out
        assert line.startswith("VALID: sup over the box [0, 1]^2") and ("run in float32" in line) == has
