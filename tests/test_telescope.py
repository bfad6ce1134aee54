"""The telescope block and fact 9 (issue 16: tighter bounds; docs/tighter.md §2–§5, verify/kernel/reach.py).

Oracles: the reach box and the row suprema against enumeration of every vertex of the box (a linear function's extremes
over a box are at vertices); err_sup against G̃'s own pairs evaluated exactly from the raw certificate
(tests/independent.py), the affine map of each pair read off by evaluating it at the basis vectors; the telescoped
bound against the exact supremum (verify/exact) on tiny targets with biases, on boxes and balls.
"""

from __future__ import annotations

import copy
import itertools
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from independent import (
    decimal_above,
    decimal_below,
    pruned_from_raw,
    read,
    relu_net,
    target_from_safetensors,
    telescoped,
)

from verify.kernel import check, io, reach
from verify.kernel.wellformed import Unusable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "certs" / "examples"
ZERO = Fraction(0)


# --- the tracker against vertex enumeration -------------------------------------------------------------------------

def _vertices(lo: list[Fraction], hi: list[Fraction]):
    return itertools.product(*[sorted({a, b}) for a, b in zip(lo, hi, strict=True)])


def _dot(row, f) -> Fraction:
    return sum((Fraction(a) * v for a, v in zip(row, f, strict=True)), ZERO)


ints = st.integers(-6, 6)


@settings(max_examples=150 if SMALL else 1000, deadline=None)
@given(data=st.data(), n=st.integers(1, 4), m=st.integers(1, 3), K=st.integers(0, 3))
def test_row_suprema_and_next_box_are_the_vertex_extremes(data, n, m, K):
    """Σ_r s_r² is exactly Σ_r max over the box's vertices of |E_r f + e_r|² (units 2^-K), and the next box is
    σ of the exact range of Ŵ f + b̂, rounded outward by less than 2^-Q."""
    E = data.draw(st.lists(st.lists(ints, min_size=n, max_size=n), min_size=m, max_size=m))
    W = data.draw(st.lists(st.lists(ints, min_size=n, max_size=n), min_size=m, max_size=m))
    e, b = data.draw(st.lists(ints, min_size=m, max_size=m)), data.draw(st.lists(ints, min_size=m, max_size=m))
    lo = [Fraction(v, 4) for v in data.draw(st.lists(st.integers(-8, 8), min_size=n, max_size=n))]
    hi = [a + Fraction(v, 4) for a, v in zip(lo, data.draw(st.lists(st.integers(0, 8), min_size=n, max_size=n)),
                                             strict=True)]
    t = reach.Tracker.for_box(lo, hi, both=False)
    w_hat = reach.hat_rows(W, E, both=False)
    got = t.layer(E, w_hat, e, [x + y for x, y in zip(b, e, strict=True)], K)
    scale = Fraction(1, 2**K)
    want = sum(max(abs(_dot(E[r], f) + e[r]) for f in _vertices(lo, hi)) ** 2 for r in range(m)) * scale**2
    assert got == want
    for r in range(m):
        values = [(_dot(W[r], f) + _dot(E[r], f) + b[r] + e[r]) * scale for f in _vertices(lo, hi)]
        top, bottom = max(0, max(values)), max(0, min(values))
        got_hi, got_lo = Fraction(t.hi[r], 2**reach.Q), Fraction(t.lo[r], 2**reach.Q)
        assert top <= got_hi < top + Fraction(1, 2**reach.Q)
        assert bottom - Fraction(1, 2**reach.Q) < got_lo <= bottom


@settings(max_examples=60 if SMALL else 400, deadline=None)
@given(data=st.data(), n=st.integers(1, 3))
def test_features_of_both_signs_cover_every_input(data, n):
    """On a box with negative coordinates layer 1 sees (σ(x), σ(−x)): the tracker's supremum of |[E⁺ E⁻] f + e|
    is at least the value at every vertex x of the box (the feature box contains their images)."""
    E = data.draw(st.lists(st.lists(ints, min_size=2 * n, max_size=2 * n), min_size=1, max_size=2))
    e = data.draw(st.lists(ints, min_size=len(E), max_size=len(E)))
    lo = [Fraction(v, 2) for v in data.draw(st.lists(st.integers(-4, 0), min_size=n, max_size=n))]
    hi = [Fraction(v, 2) for v in data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))]
    t = reach.Tracker.for_box(lo, hi, both=True)
    got = t.layer(E, [[0] * (2 * n)] * len(E), e, [0] * len(E), 0)
    for x in _vertices(lo, hi):
        f = [max(v, ZERO) for v in x] + [max(-v, ZERO) for v in x]
        assert sum((_dot(row, f) + er) ** 2 for row, er in zip(E, e, strict=True)) <= got


def test_layer_one_on_the_ball_is_cauchy_schwarz():
    """s_r = R‖E_r‖ + |e_r| and ŷ_r ∈ b̂_r ± R‖Ŵ_r‖ (rows of integer norm: exact)."""
    t = reach.Tracker.for_ball(Fraction(2))
    got = t.layer([[3, 4, 0, 0], [0, 0, 0, 0]], [[0, 0, 12, 16], [1, 0, 0, 0]], [1, -2], [-30, 5], K=1)
    assert got == (Fraction(2 * 5 + 1, 2)) ** 2 + Fraction(2, 2) ** 2
    assert (Fraction(t.lo[0], 2**reach.Q), Fraction(t.hi[0], 2**reach.Q)) == (0, 5)   # −15 ± 20 → σ: [0, 5]
    assert (Fraction(t.lo[1], 2**reach.Q), Fraction(t.hi[1], 2**reach.Q)) == (Fraction(3, 2), Fraction(7, 2))


def test_sqrt_up_is_an_upper_bound_within_its_scale():
    for n in (0, 1, 2, 3, 10**30 + 7, 2**127 - 1):
        r = reach.sqrt_up(n)
        assert r * r == n if r.denominator == 1 else r * r > n > (r - Fraction(1, 2**64)) ** 2


# --- err_sup against G̃'s own pairs --------------------------------------------------------------------------------

def _example() -> tuple[dict, bytes, Path]:
    return read(EXAMPLES / "tiny-bias.cert.json"), (EXAMPLES / "tiny-bias.safetensors").read_bytes(), \
        EXAMPLES / "tiny-bias.safetensors"


def _pair_in_f_units(pruned, i: int, s_in: list[int], s_out: list[int]):
    """Pair i of G̃ as a function of F-unit features f ≥ 0: D_i⁻¹ pair(D_{i−1} f) (docs/rescaling.md §2)."""
    odd, even = pruned[2 * i], pruned[2 * i + 1]

    def f_map(f):
        y = relu_net([odd, even], [v * Fraction(2) ** s for v, s in zip(f, s_in, strict=True)])
        return [v / Fraction(2) ** s for v, s in zip(y, s_out, strict=True)]
    return f_map


def _exact_err_sups(cert: dict, model: Path) -> list[Fraction]:
    """Σ_r s_r² per layer, from the raw certificate: each pair's affine map on f ≥ 0 read off at 0 and the basis
    vectors, its error against F's layer, maximised over the vertices of the reach box, which is propagated with
    the same affine maps (non-negative box [0, 1]^d: layer 1's features are x)."""
    pruned, target = pruned_from_raw(cert), target_from_safetensors(model, cert)
    exps = [[0] * len(target[0][0][0]), *cert["rescaling"]["neuron_exponents"], [0] * len(target[-1][0])]
    lo = [Fraction(v) for v in cert["claim"]["domain"]["lo"]]
    hi = [Fraction(v) for v in cert["claim"]["domain"]["hi"]]
    out = []
    for i, (W, b) in enumerate(target):
        g = _pair_in_f_units(pruned, i, exps[i], exps[i + 1])
        n = len(W[0])
        b_hat = g([ZERO] * n)
        cols = [[a - c for a, c in zip(g([Fraction(int(j == t)) for j in range(n)]), b_hat, strict=True)]
                for t in range(n)]
        w_hat = [[cols[t][r] for t in range(n)] for r in range(len(W))]
        err = [[w_hat[r][t] - W[r][t] for t in range(n)] for r in range(len(W))]
        e = [bh - bb for bh, bb in zip(b_hat, b, strict=True)]
        verts = list(_vertices(lo, hi))
        out.append(sum(max(abs(_dot(err[r], f) + e[r]) for f in verts) ** 2 for r in range(len(W))))
        ys = [[_dot(w_hat[r], f) + b_hat[r] for f in verts] for r in range(len(W))]
        lo, hi = [max(ZERO, min(v)) for v in ys], [max(ZERO, max(v)) for v in ys]
    return out


def test_err_sup_is_accepted_at_the_exact_supremum_and_refused_below_it():
    cert, data, path = _example()
    sups = _exact_err_sups(cert, path)
    rho = Fraction(cert["claim"]["domain"]["reach"])
    for i, (sq, row) in enumerate(zip(sups, cert["layers"], strict=True)):
        tight = copy.deepcopy(cert)
        tight["telescope"]["err_sup"][i] = decimal_above(_root(sq, up=True))
        check.check_certificate(tight, data)
        below = _root(sq, up=False) * (1 - Fraction(1, 2**40))
        assert below < Fraction(row["eta"]) * rho + Fraction(row["beta"])   # the other way cannot rescue it
        tight["telescope"]["err_sup"][i] = decimal_below(below)
        with pytest.raises(check.Invalid, match=rf"telescope.err_sup\[{i}\] is below") as e:
            check.check_certificate(tight, data)
        assert e.value.fact == 9
        rho = Fraction(row["rho"])


def _root(x: Fraction, up: bool) -> Fraction:
    r = Fraction(int(np.sqrt(float(x)) * 2**60), 2**60)
    while (r * r < x) if up else (r * r > x):
        r += Fraction(1, 2**60) if up else -Fraction(1, 2**60)
    return r


def test_err_sup_may_instead_be_the_recursions_term():
    """S_i = η_i ρ_{i−1} + β_i (from the stored rows) is accepted even where it is above the reach-box value; one
    part in 2^40 below both is refused."""
    cert, data, path = _example()
    sups = _exact_err_sups(cert, path)
    rho = Fraction(cert["claim"]["domain"]["reach"])
    row = cert["layers"][0]
    term = Fraction(row["eta"]) * rho + Fraction(row["beta"])
    ok = copy.deepcopy(cert)
    ok["telescope"]["err_sup"][0] = decimal_above(term)
    ok["telescope"]["bound"] = decimal_above(telescoped(ok))
    ok["claim"]["bound"] = ok["layers"][-1]["delta"]
    block = ok["claim"]["float32"]
    block["bound_float32"] = decimal_above(Fraction(ok["claim"]["bound"]) + Fraction(block["r"]))
    check.check_certificate(ok, data)
    if term * term < sups[0]:
        ok["telescope"]["err_sup"][0] = decimal_below(term * (1 - Fraction(1, 2**40)))
        with pytest.raises(check.Invalid, match=r"telescope.err_sup\[0\] is below"):
            check.check_certificate(ok, data)


def test_the_bound_is_accepted_at_the_sum_and_refused_below_it():
    cert, data, _ = _example()
    exact = telescoped(cert)
    ok = copy.deepcopy(cert)
    ok["telescope"]["bound"] = ok["claim"]["bound"] = decimal_above(exact)
    ok["claim"]["float32"]["bound_float32"] = cert["claim"]["float32"]["bound_float32"]
    check.check_certificate(ok, data)
    ok["telescope"]["bound"] = decimal_below(exact * (1 - Fraction(1, 2**40)))
    with pytest.raises(check.Invalid, match="telescope.bound is below") as e:
        check.check_certificate(ok, data)
    assert e.value.fact == 9


def test_claim_bound_may_not_go_below_the_smaller_of_the_two():
    cert, data, _ = _example()
    tele, delta = Fraction(cert["telescope"]["bound"]), Fraction(cert["layers"][-1]["delta"])
    assert tele < delta   # the example is one where the telescope is tighter
    assert Fraction(cert["claim"]["bound"]) == tele
    bad = copy.deepcopy(cert)
    bad["claim"]["bound"] = decimal_below(tele * (1 - Fraction(1, 2**40)))
    with pytest.raises(check.Invalid, match="claim.bound is below") as e:
        check.check_certificate(bad, data)
    assert e.value.fact == 7
    plain = copy.deepcopy(cert)
    del plain["telescope"]
    with pytest.raises(check.Invalid, match="claim.bound is below"):
        check.check_certificate(plain, data)   # without the block the recursion's δ_L is the floor


@pytest.mark.parametrize("edit,pattern", [
    (lambda t: t.update(method="crown"), "telescope.method"),
    (lambda t: t.update(extra="1"), "telescope must be an object"),
    (lambda t: t.pop("bound"), "telescope must be an object"),
    (lambda t: t.update(err_sup="0.1"), "telescope.err_sup must be a list"),
    (lambda t: t["err_sup"].__setitem__(0, "-1"), r"telescope.err_sup\[0\]"),
    (lambda t: t.update(bound="1e999999"), "telescope.bound"),
])
def test_malformed_blocks_are_unusable(edit, pattern):
    cert, data, _ = _example()
    bad = copy.deepcopy(cert)
    edit(bad["telescope"])
    with pytest.raises(Unusable, match=pattern):
        check.check_certificate(bad, data)


def test_a_block_with_the_wrong_number_of_layers_is_refused():
    cert, data, _ = _example()
    bad = copy.deepcopy(cert)
    bad["telescope"]["err_sup"].append("1")
    with pytest.raises(check.Invalid, match="telescope.err_sup must list 2 layers") as e:
        check.check_certificate(bad, data)
    assert e.value.fact == 9


def test_format_3_has_no_telescope_block():
    cert = read(EXAMPLES / "tiny.cert.json")
    assert "telescope" in cert
    old = json.loads(json.dumps(cert))
    old["format"] = io.FORMAT_3
    with pytest.raises(Unusable, match="the certificate must be an object with keys"):
        check.check_certificate(old, (EXAMPLES / "tiny.safetensors").read_bytes())


# --- soundness against the exact supremum -----------------------------------------------------------------------

DOMAINS = {"box:0,1": ("box", 0, 1), "box:-1,1": ("box", -1, 1), "box:-0.5,2": ("box", Fraction(-1, 2), 2),
           "ball": ("ball", 1)}


@settings(max_examples=25 if SMALL else 200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 8), method=st.sampled_from(["pair", "subset-sum"]),
       domain=st.sampled_from(sorted(DOMAINS)))
def test_the_telescoped_bound_is_never_below_the_exact_supremum(tmp_path_factory, seed, k, method, domain):
    import torch
    from safetensors.torch import save_file

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.exact import exact_check
    from verify.options import Eps, Options

    rs = np.random.RandomState(seed)
    widths = [int(rs.randint(1, 4)), int(rs.randint(1, 4))] + [int(rs.randint(1, 4))
                                                              for _ in range(int(rs.randint(1, 3)))]
    scale = float(rs.choice([0.5, 2.0]))
    tensors = {}
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        tensors[f"{2 * i}.weight"] = torch.from_numpy(rs.uniform(-scale, scale, (b, a))).float()
        tensors[f"{2 * i}.bias"] = torch.from_numpy(rs.uniform(-scale, scale, b)).float()
    path = tmp_path_factory.mktemp("tele") / "t.safetensors"
    save_file(tensors, str(path))
    t = load_target(path)
    built = build(t.weights, Options(method=method, seed=seed % 100, device="cpu", domain=domain), k=k,
                  biases=t.biases)
    cert = certify(t, Eps.parse("1000"), built, empirical=False, semantics="exact").cert
    assert "telescope" in cert
    ok = check.check_certificate(cert, path)
    target, pruned = check.exact_networks(ok)
    d = DOMAINS[domain]
    dim = widths[0]
    spec = ("ball", Fraction(d[1])) if d[0] == "ball" else ("box", [Fraction(d[1])] * dim, [Fraction(d[2])] * dim)
    tele = Fraction(cert["telescope"]["bound"])
    out = exact_check(target, pruned, tele, domain=spec, timeout_s=60)
    assert out.sound, (out.witness, tele)
    assert out.sup_upper <= tele


# --- the certifier's side ------------------------------------------------------------------------------------------

def test_composition_option_writes_or_omits_the_block(tmp_path, capsys):
    """`--composition telescope` (default) adds the block and states the smaller bound; `recurrence` writes δ_L
    alone, the same rows and masks otherwise; both check VALID (the digits bias MLP on [0, 1]^64 at k = 12)."""
    from verify.cli import main
    from verify.datasets import EMBEDDED_BIAS_MODEL

    certs = {}
    for comp in ("telescope", "recurrence"):
        out = tmp_path / f"{comp}.json"
        assert main(["certify", str(EMBEDDED_BIAS_MODEL), "--eps", "1000", "--domain", "box:0,1", "--width-factor",
                     "12", "--no-empirical", "--semantics", "exact", "--composition", comp, "-o", str(out)]) == 0
        assert main(["check", str(out), "--model", str(EMBEDDED_BIAS_MODEL)]) == 0
        certs[comp] = json.loads(out.read_text())
    capsys.readouterr()
    tele, plain = certs["telescope"], certs["recurrence"]
    assert "telescope" not in plain and plain["claim"]["bound"] == plain["layers"][-1]["delta"]
    assert tele["layers"] == plain["layers"] and tele["mask"] == plain["mask"]
    stated = Fraction(tele["telescope"]["bound"])
    assert telescoped(tele) <= stated == Fraction(tele["claim"]["bound"]) < Fraction(tele["layers"][-1]["delta"])
    assert Fraction(tele["telescope"]["bound"]) < Fraction(plain["claim"]["bound"]) / 2   # several times tighter


def test_a_cnn_certificate_has_no_block():
    cert = read(EXAMPLES / "tiny-cnn.cert.json")
    assert "telescope" not in cert and cert["claim"]["bound"] == cert["layers"][-1]["delta"]


def test_box_bounds_beyond_the_limit_are_unusable():
    """A box bound above 2^MAX_BOX_BITS after a layer is refused (exit 2), and one just at it is not."""
    top = Fraction(2**reach.MAX_BOX_BITS - 1)
    t = reach.Tracker.for_box([ZERO], [top], both=False)
    t.layer([[0]], [[1]], [0], [0], K=0)                     # ŷ = x ≤ 2^4096 − 1: within the limit
    assert Fraction(t.hi[0], 2**reach.Q) == top
    with pytest.raises(Unusable, match=r"activations may exceed 2\^4096"):
        t.layer([[0]], [[2]], [0], [0], K=0)                 # 2x reaches 2^4097 − 2


def test_box_bounds_are_rounded_outward_to_multiples_of_2_to_the_minus_128():
    """certs/FORMAT.md fact 9: the least multiple of 2^-128 at or above an upper end, the largest at or below a lower
    end (1/3 is on no binary grid)."""
    third = Fraction(1, 3)
    t = reach.Tracker.for_box([third], [third], both=False)
    assert t.lo == [2**128 // 3] and t.hi == [2**128 // 3 + 1]
    assert Fraction(t.lo[0], 2**128) < third < Fraction(t.hi[0], 2**128)
    t.layer([[0]], [[1]], [0], [0], K=0)
    assert t.lo == [2**128 // 3] and t.hi == [2**128 // 3 + 1]


def test_sqrt_up_rounds_to_its_scale():
    """The least multiple of 2^-scale above √n (default scale 64), for n not a square."""
    for n in (2, 3, 10**20 + 1):
        for scale, r in ((64, reach.sqrt_up(n)), (32, reach.sqrt_up(n, 32))):
            step = Fraction(1, 2**scale)
            assert (r / step).denominator == 1 and (r - step) ** 2 < n < r * r


def test_features_of_both_signs_are_exactly_the_relu_ends():
    """Layer 1's feature box for (σ(x), σ(−x)) is [(σ(lo), σ(−hi)), (σ(hi), σ(−lo))] exactly (grid-exact ends)."""
    lo, hi = [Fraction(-2), Fraction(1), Fraction(-3)], [Fraction(-1), Fraction(4), Fraction(5)]
    t = reach.Tracker.for_box(lo, hi, both=True)
    g = 2**reach.Q
    assert t.lo == [0, 1 * g, 0] + [1 * g, 0, 0]
    assert t.hi == [0, 4 * g, 5 * g] + [2 * g, 0, 3 * g]


def test_a_row_wholly_below_zero_on_the_ball_gives_a_zero_box():
    t = reach.Tracker.for_ball(Fraction(1))
    t.layer([[0, 0]], [[3, 4]], [0], [-6], K=0)     # ŷ ∈ −6 ± 5 = [−11, −1]: σ gives [0, 0]
    assert t.lo == t.hi == [0]


def test_err_sup_equal_to_the_supremum_is_accepted(monkeypatch):
    """Fact 9 compares err_sup² ≥ Σ s² inclusively: with the reach-box supremum fixed at (10^-10)² for every layer
    (monkeypatched: only the comparison is under test), err_sup = 1e-10 is accepted and a hair less refused (both
    below η ρ + β, so the other way cannot accept them)."""
    cert, data, _ = _example()
    monkeypatch.setattr(reach.Tracker, "layer", lambda self, *a, **k: Fraction(1, 10**20))
    ok = copy.deepcopy(cert)
    ok["telescope"]["err_sup"] = ["1e-10", "1e-10"]
    check.check_certificate(ok, data)
    ok["telescope"]["err_sup"] = ["1e-10", "0.99999999999e-10"]
    with pytest.raises(check.Invalid, match=r"telescope.err_sup\[1\] is below"):
        check.check_certificate(ok, data)


def test_a_strided_one_by_one_convolution_is_not_a_linear_layer(tmp_path):
    """A 1 × 1 kernel with stride 2 on a 2 × 2 image has one kernel position and one output pixel, but reads only one
    of the image's four pixels: not the Linear map fact 9 covers, so a telescope block is refused (fact 9)."""
    import torch

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    net = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 1, stride=2), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(1, 1))
    path = tmp_path / "strided.pt"
    torch.save(net.eval(), path)
    t = load_target(path, input_shape=(1, 2, 2))
    opts = Options(seed=1, device="cpu", domain="box:0,1")
    cert = certify(t, Eps.parse("1000"), build(t.weights, opts, k=3, biases=t.biases, layout=t.layout),
                   empirical=False, semantics="exact").cert
    assert "telescope" not in cert
    cert["telescope"] = {"method": "interval-reach", "err_sup": ["1", "1"], "bound": "1000"}
    with pytest.raises(check.Invalid, match="Linear layers only") as e:
        check.check_certificate(cert, path)
    assert e.value.fact == 9


def test_reach_doctest():
    import doctest

    res = doctest.testmod(reach)
    assert res.attempted > 0 and res.failed == 0


@pytest.mark.parametrize("domain", ["box:0,0.0218864", "ball"])
def test_weights_far_beyond_gs_reach_still_give_a_block_the_checker_accepts(tmp_path, domain):
    """With weights near 10^9 G̃ reaches almost none of them (E ≈ −W), so Ŵ = W + E cancels in float64 and its rounding
    is relative to |W| + |E|, not to |Ŵ|: the certifier's boxes must be widened by that (a stress run found blocks the
    checker refused before they were).  Regression: the certificate checks VALID."""
    import torch
    from safetensors.torch import save_file

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    rs = np.random.RandomState(36)
    tensors = {"0.weight": torch.from_numpy(rs.uniform(-1, 1, (7, 3)) * 1.1e9),
               "0.bias": torch.from_numpy(rs.uniform(-1, 1, 7) * 1e-3),
               "2.weight": torch.from_numpy(rs.uniform(-1, 1, (1, 7)) * 1.1e9)}
    path = tmp_path / "big.safetensors"
    save_file(tensors, str(path))
    t = load_target(path)
    opts = Options(method="pair", seed=36, device="cpu", domain=domain, rescale="layer", norm="frobenius")
    cert = certify(t, Eps.parse("1e300"), build(t.weights, opts, k=2, biases=t.biases), empirical=False,
                   semantics="exact").cert
    assert "telescope" in cert
    check.check_certificate(cert, path)
