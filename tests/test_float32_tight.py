"""Tight tests of fact 8 (docs/float32.md, verify/kernel/floatbound.py) against independent oracles.

The float32 hints are computed here by ``tests/independent.py`` from the page (γ_n, u and τ from numpy's binary32,
Q_i and c_i from the raw masks and the generator, the recursions of §5–§6 from the certificate's own rows), not by the
certifier (which imports the kernel's constants).  Each hint is set to its requirement (rounded up by at most 10^-49
relative: accepted) and then lowered by the factor 1 − 2^-40 (refused for its reason), so a kernel that asks for
more or for less than the page by more than 2^-40 relative fails one of the two.  Certificates: the shipped ``tiny``,
``tiny-bias`` and ``tiny-cnn`` examples (γ-dominated; the CNN's Q_i, M and H'W' restated from the raw masks and the
geometry of test_check_format4_attacks), a domain of subnormal inputs (the underflow term α dominates) and an F with a
weight far above 1 on tiny inputs (the factor μ of §6 dominates)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal, getcontext
from fractions import Fraction
from pathlib import Path
from unittest import mock

import independent as ind
import numpy as np
import pytest
from test_check_format4_attacks import _box, _cert4, _honest, _kept, _mult, _net, _walk
from test_float32_attacks import _exact_net
from test_float32_review_attacks import _path
from torch import nn

from verify.kernel import check, floatbound, rng

EXAMPLES = Path(__file__).resolve().parent.parent / "certs" / "examples"
LOWER = 1 - Fraction(1, 2**40)


def _example(name: str) -> tuple[dict, bytes, list]:
    cert = json.loads((EXAMPLES / f"{name}.cert.json").read_text())
    path = EXAMPLES / f"{name}.safetensors"
    return cert, path.read_bytes(), ind.target_from_safetensors(path, cert)


def _exact_subnormal() -> tuple[dict, bytes, list]:
    """Every input subnormal (box [0, 2^-140]^2): α of §3–§4 is the whole of each error."""
    getcontext().prec = 200
    net, cert, data = _exact_net(_box(2, "0", str(Decimal(1) / Decimal(2**140)), "1.5e-42"))
    return cert, data, []   # F's weights are float64 sums, not binary32: G̃ alone (covers = "pruned")


def _big_weight(constants: bool = False) -> tuple[dict, bytes, list]:
    """F = Linear(1→1, w1) → ReLU → Linear(1→1, w2) with w2 ≈ 2^20·v·u > 1, on the single input 2^-100 (rescaling
    exponent 20 on F's hidden neuron): F's α^F_2 carries μ_2 = w2 (§6).  With ``constants`` G̃ also keeps a constant
    neuron and the output bias of each pair (a poor approximation, honestly bounded): κ_i reads both, |b| + v·β."""
    seed, k, s = 3, 64, 20
    h1, p1 = _path(seed, 1, True)
    h2, p2 = _path(seed, 3, False)
    w1, w2 = float(np.float32(float(p1 / 2**s))), float(np.float32(float(p2 * 2**s)))
    assert w1 >= 2.0**-126 and w2 > 1000
    getcontext().prec = 200
    x = str(Decimal(1) / Decimal(2**100))
    net = _net(nn.Linear(1, 1, bias=False), nn.ReLU(), nn.Linear(1, 1, bias=False), weights=[[[w1]], [[w2]]])
    c1, c2 = (next(h for h in range(k) if h not in (h1, h2) and rng.bias_int(seed, layer, h) > 0) for layer in (1, 3))
    kept = {"odd_bias": [{c1}, {c2}], "even": [{(0, h1), (0, c1)}, {(0, h2), (0, c2)}], "even_bias": [{0}, {0}]}
    cert, data = _cert4(net, (1,), seed=seed, k=k, exps=[[s]], odd=[{h1: 0}, {h2: 0}], domain=_box(1, x, x, x),
                        **(kept if constants else {"even": [{(0, h1)}, {(0, h2)}]}))
    _honest(cert, net)
    return cert, data, [([[Fraction(w1)]], [Fraction(0)]), ([[Fraction(w2)]], [Fraction(0)])]


def _digits_bias() -> tuple[dict, bytes, list]:
    """The shipped digits MLP with biases (three pairs, output biases kept in every even layer)."""
    from test_float32 import _built

    from verify.certify import certify
    from verify.options import Eps

    path, target, built = _built("bias")
    cert = certify(target, Eps.parse("1000"), built, empirical=False, semantics="exact").cert
    layers = [([[Fraction(x) for x in row] for row in w.tolist()], [Fraction(x) for x in b.tolist()])
              for w, b in zip(target.weights, target.biases, strict=True)]
    return cert, path.read_bytes(), layers


def _tiny_cnn() -> tuple[dict, bytes, list]:
    """The shipped CNN example (two convolutions with padding and stride, Flatten, Linear; biases): G̃ alone."""
    cert = json.loads((EXAMPLES / "tiny-cnn.cert.json").read_text())
    return cert, (EXAMPLES / "tiny-cnn.pt").read_bytes(), []


CASES = {"tiny": lambda: _example("tiny"), "tiny-bias": lambda: _example("tiny-bias"), "digits-bias": _digits_bias,
         "subnormal-inputs": _exact_subnormal, "big-weight": _big_weight,
         "kept-constants": lambda: _big_weight(constants=True), "tiny-cnn": _tiny_cnn}


def _conv_pairs(cert: dict) -> list[dict]:
    """ind.float32_pair for every pair of a certificate with convolutions (docs/float32.md §4), from the raw mask bits,
    the generator and the geometry restated by test_check_format4_attacks (``_walk``, ``_mult``): Q_i[r, jA + q] =
    2^(s_{i−1}[j // group] − s_i[r])·Σ|v·u| over kept paths, c_i[r] = 2^(−s_i[r])·(Σ|v·β| + |own bias|), the
    requirements q² = min(‖·‖₁‖·‖∞, M·‖Q‖_F²) (column sums per input channel j over its A kernel positions) and
    κ² = H'W'·Σc², and "m" the m·H'W' outputs the underflow term counts."""
    import torch

    module = torch.load(EXAMPLES / "tiny-cnn.pt", weights_only=False)
    seed = cert["random_network"]["seed"]
    exps = ind._exps(cert)
    out = []
    for i, (g, (src, const, edges, own)) in enumerate(zip(_walk(cert["model"]["input_shape"], module), _kept(cert),
                                                           strict=True)):
        m, A, n = g["c_out"], g["kh"] * g["kw"], g["c_in"]
        s_in, s_out = exps[i], exps[i + 1]
        Q = [[Fraction(0)] * (n * A) for _ in range(m)]
        c, terms = [Fraction(0)] * m, [int(r in own) for r in range(m)]
        for r, col in edges:
            h, q = divmod(col, A)
            v = abs(rng.weight(seed, 2 * i + 2, r, col))
            terms[r] += 1
            if h in src:
                j = src[h] * A + q
                Q[r][j] += v * abs(rng.weight(seed, 2 * i + 1, h, src[h])) * Fraction(2) ** (
                    s_in[j // g["group"]] - s_out[r])
            else:
                assert h in const, "an even-layer edge from a channel with nothing kept"
                c[r] += v * abs(rng.weight(seed, 2 * i + 1, h, 2**32 - 1)) * Fraction(2) ** -s_out[r]
        for r in own:
            c[r] += abs(rng.weight(seed, 2 * i + 2, r, 2**32 - 1)) * Fraction(2) ** -s_out[r]
        rows = max(sum(row) for row in Q)
        cols = max(sum(Q[r][j * A + q] for r in range(m) for q in range(A)) for j in range(n))
        frob, pixels = sum(x * x for row in Q for x in row), g["ho"] * g["wo"]
        hidden = cert["mask"][2 * i]["shape"][0]
        out.append({"N": max(terms), "q2": min(rows * cols, _mult(g) * frob), "kappa2": pixels * sum(x * x for x in c),
                    "n_h": n, "n_e": hidden * A, "m": m * pixels, "min_s": min(s_out), "rows": rows, "cols": cols,
                    "frob": frob})
    return out


def _pairs(cert: dict) -> list[dict]:
    """The independent pair statistics of every pair: ind.float32_pair for an MLP, ``_conv_pairs`` with a Conv2d."""
    if "Conv2d" in cert["model"]["modules"]:
        return _conv_pairs(cert)
    return [ind.float32_pair(cert, i) for i in range(len(cert["layers"]))]


def _tight(cert: dict, target: list) -> dict:
    """The certificate with a float32 block (covering F when ``target`` lists its layers) whose every hint is its
    independent requirement, rounded up."""
    rows, reach = cert["layers"], Fraction(cert["claim"]["domain"]["reach"])
    layers, e = [], Fraction(0)
    for i, (row, p) in enumerate(zip(rows, _pairs(cert), strict=True)):
        q, kappa = ind.sqrt_above(p["q2"]), ind.sqrt_above(p["kappa2"])
        rho = Fraction(rows[i - 1]["rho"]) if i else reach
        e = Fraction(ind.decimal_above(ind.float32_pair_error(p, row, e, rho, Fraction(q), Fraction(kappa))))
        layers.append({"q": q, "kappa": kappa, "error": ind.decimal_above(e)})
    target_layers, f = [], Fraction(0)
    for i, ((w, b), row) in enumerate(zip(target, rows if target else [], strict=True)):
        t = ind.float32_target(w, b)
        q = ind.sqrt_above(t["q2"])
        prev = Fraction(rows[i - 1]["rho"]) + Fraction(rows[i - 1]["delta"]) if i else reach
        f = Fraction(ind.decimal_above(ind.float32_target_error(t, row, f, prev, Fraction(q))))
        target_layers.append({"q": q, "error": ind.decimal_above(f)})
    r = ind.decimal_above(e + f)
    block = {"arithmetic": check.io.FLOAT32_ARITHMETIC, "covers": "pruned-and-target" if target else "pruned",
             "verdict_bound": "bound",
             "bound_float32": ind.decimal_above(Fraction(cert["claim"]["bound"]) + Fraction(r)), "r": r,
             "layers": layers, "target_layers": target_layers}
    out = copy.deepcopy(cert)
    out["claim"]["float32"] = block
    return out


@pytest.fixture(scope="module", params=list(CASES))
def tight(request) -> dict:
    cert, data, target = CASES[request.param]()
    return {"name": request.param, "cert": _tight(cert, target), "data": data}


def _hints(cert: dict) -> list[tuple[tuple, str]]:
    block = cert["claim"]["float32"]
    out = []
    for part in ("layers", "target_layers"):
        for i, entry in enumerate(block[part]):
            for key in entry:
                if Fraction(entry[key]) > 0:
                    out.append(((part, i, key), rf"{part}\[{i}\]\.{key} is below"))
    return out + [(("r",), r"claim\.float32\.r is below"), (("bound_float32",), r"bound_float32 is below")]


def test_every_hint_at_its_requirement_is_accepted_and_just_below_it_refused(tight):
    cert, data = tight["cert"], tight["data"]
    ok = check.check_certificate(cert, data)
    assert ok.float32 == Fraction(cert["claim"]["float32"]["bound_float32"])
    hints = _hints(cert)
    assert len(hints) >= 4
    for path, pattern in hints:
        lowered = copy.deepcopy(cert)
        node = lowered["claim"]["float32"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = ind.decimal_below(Fraction(node[path[-1]]) * LOWER)
        with pytest.raises(check.Invalid, match=pattern) as e:
            check.check_certificate(lowered, data)
        assert e.value.fact == 8, path


def test_the_cases_exercise_each_term(tight):
    """Each case is dominated by the term it is there for, so the tight test above measures that term."""
    cert = tight["cert"]
    block, rows = cert["claim"]["float32"], cert["layers"]
    e1 = Fraction(block["layers"][0]["error"])
    p = _pairs(cert)[0]
    alpha = ind.float32_pair_error(p, rows[0], Fraction(0), Fraction(0), Fraction(0), Fraction(0))
    if tight["name"] == "subnormal-inputs":
        assert alpha > e1 * (1 - Fraction(1, 10**6))
    elif tight["name"] == "big-weight":
        assert Fraction(block["target_layers"][0]["error"]) < 7 * ind.TAU_OP32   # f_1 is α^F_1 = 6τ'
        f2 = Fraction(block["target_layers"][1]["error"])
        assert f2 > 2 * 6 * ind.TAU_OP32 * 1000   # μ_2 = ω_2 = w2 > 1000: ω_2·f_1 and α^F_2
    else:
        assert alpha < e1 * Fraction(1, 10**20)


def fact8_network(cert: dict, data) -> floatbound.Network:
    """What facts 1–7 hand fact 8 (floatbound.Network) for an accepted certificate, caught on its way in."""
    seen = []
    real = floatbound.check_float32

    def spy(block, net):
        seen.append(net)
        return real(block, net)

    with mock.patch.object(floatbound, "check_float32", spy):
        check.check_certificate(cert, data)
    (net,) = seen
    return net


def test_the_kernels_exact_statistics_equal_the_oracles(tight):
    """N_i, the row, input-channel and Frobenius sums of Q_i, H'W'·Σ c_i² (§4) and F's (§6), in units of 2^-K_i, are
    exactly the independent oracle's (for an MLP A = P = M = 1)."""
    net = fact8_network(tight["cert"], tight["data"])
    for i, (K, p) in enumerate(zip(net.scales, _pairs(tight["cert"]), strict=True)):
        s = floatbound._pair_stats(net, i)
        assert s.terms == p["N"]
        assert (Fraction(s.row_max, 2**K), Fraction(s.col_max, 2**K)) == (p["rows"], p["cols"])
        assert (Fraction(s.frob_sq, 4**K), Fraction(s.const_sq * net.geometry[i].pixels, 4**K)) == (p["frob"],
                                                                                                   p["kappa2"])
        if tight["cert"]["claim"]["float32"]["target_layers"]:
            w = [[Fraction(num, 2**b) for num, b in row] for row in net.ratios[i]]
            t, f = floatbound._target_stats(net, i), ind.float32_target(w, [Fraction(n, 2**b) for n, b in
                                                                              net.b_ratios[i]])
            assert (t.terms, Fraction(t.entry_max, 2**K)) == (f["N"], f["top"])
            assert (Fraction(t.row_max, 2**K), Fraction(t.col_max, 2**K), Fraction(t.frob_sq, 4**K)) == (
                f["rows"], f["cols"], f["frob"])


# --- the helpers at their boundaries ------------------------------------------------------------------------------

def test_constants_match_numpy_binary32():
    assert floatbound.U == ind.U32 == Fraction(1, 2**24)
    assert floatbound.TAU == ind.TINY32 and floatbound.TAU_OP == ind.TAU_OP32
    assert ind.SUBNORMAL32 == Fraction(1, 2**149) and ind.MAX32 == Fraction(2**24 - 1, 2**24) * 2**128
    for n in (0, 1, 2, 3, 57, 1000, 2**22 - 1, 2**22, 2**23):
        assert floatbound.gamma(n) == ind.gamma32(n), n
    assert ind.gamma32(floatbound.MAX_TERMS) <= Fraction(1, 3)


@pytest.mark.parametrize("x", [Fraction(0), Fraction(1, 2**126), Fraction(1, 2**149), Fraction(1, 2**150),
                               Fraction(3, 2**150), Fraction(2**23 - 1, 2**149), Fraction(2**24 - 1, 2**149),
                               Fraction(2**24 - 1, 2**150), Fraction(2**23 + 1, 2**149),
                               Fraction(2**24 - 1), Fraction(2**24 + 1), Fraction(2**25 - 1, 2),
                               Fraction(2**24 - 1, 2**24) * 2**128, Fraction(2**24 + 1, 2**24) * 2**127,
                               Fraction(2**128), Fraction(2**127), Fraction(-3, 4),
                               Fraction(1, 2**126) - Fraction(1, 2**149)])
def test_is_binary32_and_is_normal_against_numpy(x):
    for num, b in ((x.numerator, x.denominator.bit_length() - 1), (x.numerator << 7, x.denominator.bit_length() + 6),
                   (-x.numerator << 40, x.denominator.bit_length() + 39)):
        assert abs(Fraction(num, 2**b)) == abs(x)
        assert floatbound.is_binary32(num, b) == ind.binary32(x), (x, num, b)
        if ind.binary32(x):
            assert floatbound.is_normal_or_zero(num, b) == ind.normal_or_zero32(x), (x, num, b)
    assert floatbound.is_binary32(0, 0) and floatbound.is_normal_or_zero(0, 500)


def test_is_binary32_at_its_edges():
    assert floatbound.is_binary32(2**24 - 1, 149) and not floatbound.is_binary32(2**25 - 1, 150)
    assert floatbound.is_binary32((2**24 - 1) << 104, 0) and not floatbound.is_binary32(1 << 128, 0)
    assert floatbound.is_binary32(1, 149) and not floatbound.is_binary32(1, 150)
    assert floatbound.is_binary32(12 << 3, 3) and floatbound.is_binary32(6 << 30, 5)
    assert not floatbound.is_normal_or_zero(1, 127) and floatbound.is_normal_or_zero(1, 126)
    assert floatbound.is_normal_or_zero(2, 127) and not floatbound.is_normal_or_zero(3, 128)


@pytest.mark.parametrize("k", [0, 1, 2, 3, 10, 2**20 + 7, 3**40])
def test_root_up_on_squares_and_neighbours(k):
    for n in (k * k - 1, k * k, k * k + 1):
        if n >= 0:
            assert floatbound._root_up(n) == ind.isqrt_up(n), n


def test_at_least_on_squares_and_signs():
    for K in (0, 3, 48):
        for r in (0, 1, 5, 2**30 + 1):
            x = Fraction(r, 2**K)
            assert floatbound._at_least(x, r * r, K)
            assert not floatbound._at_least(x, r * r + 1, K)
    assert not floatbound._at_least(Fraction(-1), 0, 0) and not floatbound._at_least(Fraction(-1, 2), 0, 0)
    assert not floatbound._at_least(Fraction(-1), 1, 0)


def test_dot_constant_and_the_terms_limit():
    assert [floatbound.dot_constant(n) for n in (0, 1, 5)] == [3, 6, 18]
    floatbound._terms_ok(2**22 - 1, "x")
    with pytest.raises(floatbound.FloatBoundError, match="needs at most 4194303"):
        floatbound._terms_ok(2**22, "x")


def test_the_overflow_limit():
    assert floatbound._overflow_ok(0, Fraction(2**125 - 1)) and not floatbound._overflow_ok(0, Fraction(2**125))
    assert floatbound._overflow_ok(-5, Fraction(2**125 - 1)) and not floatbound._overflow_ok(-5, Fraction(2**125))
    assert floatbound._overflow_ok(3, Fraction(2**122 - 1))
    assert not floatbound._overflow_ok(3, Fraction(2**122 - 1) + Fraction(1, 2**60))


# --- the overflow condition of §5 at its boundary -------------------------------------------------------------------

def _deep() -> tuple[dict, bytes]:
    """Two 1 → 1 pairs with rescaling exponent S = 118 on the hidden neuron and the input 16: §5's limit
    2^(S+2)·(size + 1) ≤ 2^127 is size ≤ 127, where every term of size matters."""
    seed, k, s = 3, 64, 118
    (h1, p1), (h2, p2) = _path(seed, 1, False), _path(seed, 3, False)
    w1, w2 = float(np.float32(float(p1 / 2**s))), float(np.float32(float(p2 * 2**s)))
    net = _net(nn.Linear(1, 1, bias=False), nn.ReLU(), nn.Linear(1, 1, bias=False), weights=[[[w1]], [[w2]]])
    cert, data = _cert4(net, (1,), seed=seed, k=k, exps=[[s]], odd=[{h1: 0}, {h2: 0}], even=[{(0, h1)}, {(0, h2)}],
                        domain=_box(1, "16", "16", "16"))
    _honest(cert, net)
    return cert, data


def _deep_block(cert: dict, hints: list[tuple[Fraction, Fraction, Fraction | None]]) -> dict:
    """A covers = "pruned" block with the given (q, κ, error or None for its requirement) per pair."""
    rows, e, layers = cert["layers"], Fraction(0), []
    for i, (q, kappa, err) in enumerate(hints):
        q, kappa = Fraction(ind.decimal_above(q)), Fraction(ind.decimal_above(kappa))
        rho = Fraction(rows[i - 1]["rho"]) if i else Fraction(16)
        need = ind.float32_pair_error(ind.float32_pair(cert, i), rows[i], e, rho, q, kappa)
        assert err is None or err >= need
        e = Fraction(ind.decimal_above(need)) if err is None else err
        layers.append({"q": ind.decimal_above(q), "kappa": ind.decimal_above(kappa), "error": ind.decimal_above(e)})
    out = copy.deepcopy(cert)
    r = layers[-1]["error"]
    out["claim"]["float32"] = {"arithmetic": check.io.FLOAT32_ARITHMETIC, "covers": "pruned", "verdict_bound": "bound",
                               "bound_float32": ind.decimal_above(Fraction(cert["claim"]["bound"]) + Fraction(r)),
                               "r": r, "layers": layers, "target_layers": []}
    return out


def test_the_overflow_condition_at_its_boundary():
    """Pair 1: q·(ρ_0 + e_0) + κ + ρ_0 + e_0 = 2 · 16 + 79 + 16 = 127 passes and 127 + 2^-33 is refused; pair 2 of
    tiny-bias with an inflated e_1 (a stored upper bound may be loose, and then counts) just below and above 2^125."""
    cert, data = _deep()
    honest = [(Fraction(ind.sqrt_above(ind.float32_pair(cert, i)["q2"])),
               Fraction(ind.sqrt_above(ind.float32_pair(cert, i)["kappa2"])), None) for i in range(2)]
    check.check_certificate(_deep_block(cert, honest), data)
    over = Fraction(1, 2**33)
    at = [(Fraction(2), Fraction(79), None), honest[1]]
    with pytest.raises(check.Invalid, match=r"layers\[1\]"):   # pair 1 passes; pair 2 cannot, its q is ~2^117
        check.check_certificate(_deep_block(cert, at), data)
    with pytest.raises(check.Invalid, match=r"layers\[0\]: G~'s values may overflow"):
        check.check_certificate(_deep_block(cert, [(Fraction(2), 79 + over, None), honest[1]]), data)
    # pair 2 of tiny-bias (no exponents, S = 0: size ≤ 2^125 − 1) with an inflated e_1 that fills the limit
    cert, data, _ = _example("tiny-bias")
    tight = _tight(cert, [])
    q1, k1 = (Fraction(tight["claim"]["float32"]["layers"][1][key]) for key in ("q", "kappa"))
    rho1 = Fraction(cert["layers"][0]["rho"])
    e1 = ind.decimal_below((2**125 - 1 - k1 - (q1 + 1) * rho1) / (q1 + 1))
    assert Fraction(e1) > 2**120
    rows = cert["layers"]
    for e, ok in ((e1, True), (ind.decimal_above(Fraction(e1) * (1 + Fraction(1, 2**30))), False)):
        block = copy.deepcopy(tight)
        layers = block["claim"]["float32"]["layers"]
        layers[0]["error"] = e
        need = ind.float32_pair_error(ind.float32_pair(cert, 1), rows[1], Fraction(layers[0]["error"]), rho1, q1, k1)
        layers[1]["error"] = block["claim"]["float32"]["r"] = ind.decimal_above(need)
        block["claim"]["float32"]["bound_float32"] = ind.decimal_above(Fraction(cert["claim"]["bound"]) + need + 1)
        if ok:
            check.check_certificate(block, data)
        else:
            with pytest.raises(check.Invalid, match=r"layers\[1\]: G~'s values may overflow"):
                check.check_certificate(block, data)


def test_a_convolution_on_subnormal_inputs_counts_its_whole_fan_in(tmp_path):
    """A bias-free 3×3 convolution (A = 9) on the box [0, 2^-140]^16, F covered: every error is its underflow term α,
    whose fan-ins n_e = (k·c_in + c)·A and c_in·A the kernel must count in full; the certifier's errors (12 digits,
    rounded up) lowered by 10^-6 relative are refused."""
    import torch

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1, bias=False)).eval()
    path = tmp_path / "conv.pt"
    torch.save(model, path)
    target = load_target(path, input_shape=(1, 4, 4))
    options = Options(seed=7, device="cpu", domain=f"box:0,{Decimal(2) ** -140:.60e}", bias_block=3)
    built = build(target.weights, options, k=4, biases=target.biases, layout=target.layout)
    cert = certify(target, Eps.parse("1"), built, empirical=False, semantics="float32-both").cert
    data = path.read_bytes()
    block = cert["claim"]["float32"]
    check.check_certificate(cert, data)
    assert Fraction(block["layers"][0]["error"]) < 2**-100 and cert["random_network"]["bias_block"] == 3
    for part in ("layers", "target_layers"):
        lowered = copy.deepcopy(cert)
        entry = lowered["claim"]["float32"][part][0]
        entry["error"] = ind.decimal_below(Fraction(entry["error"]) * (1 - Fraction(1, 10**6)))
        with pytest.raises(check.Invalid, match=rf"{part}\[0\]\.error is below"):
            check.check_certificate(lowered, data)


def test_the_overflow_magnitude():
    """§5's size q·(x + e) + const + x + e, with four distinct powers of two so that every term shows."""
    quarter = Fraction(1, 4)
    assert floatbound._magnitude(Fraction(2), quarter, Fraction(8), Fraction(32)) == (
        2 * 8 + 2 * quarter + 32 + quarter + 8)
    assert floatbound._magnitude(Fraction(3), Fraction(5), Fraction(0), Fraction(0)) == 20
