"""What the full mutation run of verify/kernel/floatbound.py (fact 8, docs/float32.md) found untested (issue 18).

The statistics of §4 (N_i, the row, input-channel and Frobenius sums of Q_i and Σ c_i²) were compared with an
independent oracle only for MLPs (tests/test_float32_tight.py: A = 1, where the kernel position q of a kept edge is
always 0).  Here they are recomputed for a CNN (two convolutions with non-square kernels, stride, padding, nonzero
rescaling exponents on both hidden layers, then Flatten and a Linear) from the raw mask bits and the published
generator, in the layout certs/FORMAT.md gives the even layer of a pair (columns h·A + q).  F's overflow condition
(§5 on F's side) is tested at its boundary, and every error hint, r and bound_float32 exactly at its requirement
(accepted) and 10^-200 below it (refused, the message whole), on the domain {0} where the requirements are dyadic."""

from __future__ import annotations

import copy
from fractions import Fraction

import independent as ind
import pytest
import torch
from independent import mask_bits
from test_check_format4_attacks import _box, _cert4, _honest, _net
from test_float32_attacks import SEED
from test_float32_attacks import K as WIDTH
from test_float32_tight import _example, _tight, fact8_network
from torch import nn

from verify.kernel import check, floatbound, rng


@pytest.fixture(scope="module")
def cnn(tmp_path_factory) -> tuple[dict, floatbound.Network]:
    """An engine-built float32 certificate of a CNN, and the Network its check handed to fact 8."""
    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.Conv2d(3, 2, (2, 3), stride=(1, 2)), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(12, 2)).eval()
    with torch.no_grad():          # channels of very different sizes: per-channel rescaling exponents ≠ 0
        model[0].weight[1] *= 16
        model[0].weight[2] /= 8
        model[2].weight[0] /= 4
    path = tmp_path_factory.mktemp("f32cnn") / "cnn.pt"
    torch.save(model, path)
    target = load_target(path, input_shape=(2, 4, 5))
    built = build(target.weights, Options(seed=7, device="cpu", bias_block=3, rescale="neuron"), k=4,
                  biases=target.biases, layout=target.layout)
    cert = certify(target, Eps.parse("1000"), built, empirical=False, semantics="float32").cert
    return cert, fact8_network(cert, path.read_bytes())


def _cnn_pair(cert: dict, i: int, positions: int) -> dict:
    """Pair i of G̃ (docs/float32.md §4) from the raw masks: the even layer's column h·A + q is hidden channel h at
    kernel position q, the odd layer's bit h·n + j its one input channel j; entries scaled by 2^(s_in − s_out) with
    one exponent per channel (a Linear after Flatten: per H·W block of its input columns)."""
    seed, A = cert["random_network"]["seed"], positions
    odd, even = cert["mask"][2 * i], cert["mask"][2 * i + 1]
    hidden, n = odd["shape"]
    m, width = even["shape"]
    assert width == hidden * A
    src = {b // n: b % n for b in mask_bits(odd["data"], hidden, n)}
    const = set(mask_bits(odd["bias_data"], hidden, 1))
    exps = [[0] * cert["model"]["input_shape"][0], *cert["rescaling"]["neuron_exponents"],
            [0] * cert["model"]["layers"][-1]["shape"][0]]
    s_in, s_out = exps[i], exps[i + 1]
    per = n // len(s_in)                      # input columns per exponent: 1 for a convolution's channels
    Q: dict[tuple[int, int], Fraction] = {}
    c = [Fraction(0)] * m
    terms = [0] * m
    for b in mask_bits(even["data"], m, width):
        r, col = divmod(b, width)
        h, q = divmod(col, A)
        v = abs(rng.weight(seed, 2 * i + 2, r, col))
        terms[r] += 1
        if h in const:
            c[r] += v * abs(rng.weight(seed, 2 * i + 1, h, 2**32 - 1)) * Fraction(2) ** -s_out[r]
        else:
            j = src[h]
            scale = Fraction(2) ** (s_in[j // per] - s_out[r])
            Q[r, j * A + q] = Q.get((r, j * A + q), Fraction(0)) + v * abs(rng.weight(seed, 2 * i + 1, h, j)) * scale
    for r in mask_bits(even["bias_data"], m, 1):
        terms[r] += 1
        c[r] += abs(rng.weight(seed, 2 * i + 2, r, 2**32 - 1)) * Fraction(2) ** -s_out[r]
    rows = max(sum((x for (r, _), x in Q.items() if r == rr), Fraction(0)) for rr in range(m))
    cols = max(sum((x for (_, col), x in Q.items() if col // A == j), Fraction(0)) for j in range(n))
    return {"N": max(terms), "rows": rows, "cols": cols, "frob": sum(x * x for x in Q.values()),
            "kappa2": sum(x * x for x in c), "positions": sum(1 for (_, col) in Q if col % A)}


def test_a_cnns_exact_statistics_equal_the_raw_mask_oracle(cnn):
    """N_i, the row, input-channel and Frobenius sums of Q_i (one entry per input channel and kernel position, so
    two kept hidden channels on the same input at different positions are two entries) and Σ c_i², in units of
    2^-K_i, are exactly the oracle's on every pair of a CNN with per-channel exponents."""
    cert, net = cnn
    assert any(any(s) for s in net.exps[1:-1]) and [g.positions for g in net.geometry] == [9, 6, 1]
    for i, (g, K) in enumerate(zip(net.geometry, net.scales, strict=True)):
        s, p = floatbound._pair_stats(net, i), _cnn_pair(cert, i, g.positions)
        assert s.terms == p["N"]
        assert (Fraction(s.row_max, 2**K), Fraction(s.col_max, 2**K)) == (p["rows"], p["cols"]), i
        assert Fraction(s.frob_sq, 4**K) == p["frob"], i
        assert Fraction(s.const_sq, 4**K) == p["kappa2"], i
    assert _cnn_pair(cert, 0, 9)["positions"] and _cnn_pair(cert, 1, 6)["kappa2"]   # both features are exercised


def test_fs_overflow_condition_at_its_boundary():
    """F's side of §5 (covers = "pruned-and-target"): layer 2 of tiny-bias, whose input bound ρ_1 + δ_1 + f_1 is
    filled by a loose stored f_1 until t_2·(ρ_1 + δ_1 + f_1) + ν_2 + ρ_1 + δ_1 + f_1 is just below 2^125 (accepted:
    4·(size + 1) ≤ 2^127 with F's scale exponent 0) and then 2^-30 relative above it (refused for F's overflow, and
    not for G̃'s, whose bound does not read f_1)."""
    cert, data, target = _example("tiny-bias")
    tight = _tight(cert, target)
    rows, block = cert["layers"], tight["claim"]["float32"]
    t2, nu2 = Fraction(block["target_layers"][1]["q"]), Fraction(rows[1]["bias_norm"])
    reach = Fraction(rows[0]["rho"]) + Fraction(rows[0]["delta"])
    f1 = ind.decimal_below((2**125 - 1 - nu2) / (t2 + 1) - reach)
    assert Fraction(f1) > 2**120
    p = ind.float32_target(*target[1])
    e = Fraction(block["layers"][1]["error"])
    for f, ok in ((f1, True), (ind.decimal_above(Fraction(f1) * (1 + Fraction(1, 2**30))), False)):
        size = (t2 + 1) * (reach + Fraction(f)) + nu2
        assert (size <= 2**125 - 1) == ok          # the kernel's limit 4·(size + 1) ≤ 2^127
        c = copy.deepcopy(tight)
        b = c["claim"]["float32"]
        b["target_layers"][0]["error"] = f
        need = ind.float32_target_error(p, rows[1], Fraction(f), reach, t2)
        b["target_layers"][1]["error"] = ind.decimal_above(need)
        b["r"] = ind.decimal_above(e + Fraction(b["target_layers"][1]["error"]))
        b["bound_float32"] = ind.decimal_above(Fraction(cert["claim"]["bound"]) + Fraction(b["r"]))
        if ok:
            check.check_certificate(c, data)
        else:
            with pytest.raises(check.Invalid, match=r"target_layers\[1\]: F's values may overflow binary32") as ex:
                check.check_certificate(c, data)
            assert ex.value.fact == 8


def _exact(x: Fraction) -> str:
    """x (a denominator 2^a·5^b) as an exact decimal string."""
    d = 0
    while (x * 10**d).denominator != 1:
        d += 1
    assert d <= 200, x
    return f"{x.numerator * 10**d // x.denominator}e-{d}"


def test_an_error_hint_exactly_at_its_requirement_is_accepted():
    """On the domain {0} (reach 0) and with no bias, the γ terms of §5 and §6 vanish and each layer's requirement
    is its underflow term alone, ⌈√m⌉·scale·per_output·τ' (a dyadic rational, written here exactly): e_1 and f_1
    equal to it are accepted (the page asks for ≥), and the same minus 10^-200 are refused for their reason, as are r
    and bound_float32 10^-200 below theirs (each message whole)."""
    net = _net(nn.Linear(2, 1, bias=False), weights=[[[0.5, -0.25]]])
    odd = {h: h % 2 for h in range(2 * WIDTH) if rng.weight_int(SEED, 1, h, h % 2) > 0}
    cert, data = _cert4(net, (2,), seed=SEED, k=WIDTH, odd=[odd], even=[{(0, h) for h in odd}],
                        domain=_box(2, "0", "0", "0"))
    _honest(cert, net)
    row, zero = cert["layers"][0], Fraction(0)
    p, t = ind.float32_pair(cert, 0), ind.float32_target([[Fraction(1, 2), Fraction(-1, 4)]], [zero])
    q, tq = ind.sqrt_above(p["q2"]), ind.sqrt_above(t["q2"])
    e = ind.float32_pair_error(p, row, zero, zero, Fraction(q), zero)
    f = ind.float32_target_error(t, row, zero, zero, Fraction(tq))
    alpha_e = 1 * (4 * p["N"] * (2 + 1) + 3 * (2 * WIDTH + 1)) * ind.TAU_OP32    # m = 1, no exponents, n_h = 2
    assert e == alpha_e and f == 3 * (2 + 1) * ind.TAU_OP32                  # μ = 1: F's weights are below 1
    r = e + f
    block = {"arithmetic": check.io.FLOAT32_ARITHMETIC, "covers": "pruned-and-target", "verdict_bound": "bound",
             "bound_float32": _exact(Fraction(cert["claim"]["bound"]) + r), "r": _exact(r),
             "layers": [{"q": q, "kappa": "0", "error": _exact(e)}], "target_layers": [{"q": tq, "error": _exact(f)}]}
    cert["claim"]["float32"] = block
    assert check.check_certificate(cert, data).float32 == Fraction(cert["claim"]["bound"]) + r
    tiny = Fraction(1, 10**200)
    whole = r"^\[fact 8\] claim\.float32\."
    for path, pattern in ((("layers", 0, "error"), whole + r"layers\[0\]\.error is below"),
                          (("target_layers", 0, "error"), whole + r"target_layers\[0\]\.error is below"),
                          (("r",), whole + r"r is below the last layer's error plus F's$"),
                          (("bound_float32",), whole + r"bound_float32 is below claim\.bound \+ r$")):
        low = copy.deepcopy(cert)
        node = low["claim"]["float32"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = _exact(Fraction(node[path[-1]]) - tiny)
        with pytest.raises(check.Invalid, match=pattern) as ex:
            check.check_certificate(low, data)
        assert ex.value.fact == 8
