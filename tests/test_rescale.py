"""Per-neuron rescaling (issue 7) and the F-units frame of the certificate rows (certs/FORMAT.md check 5)."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import torch
from conftest import SMALL, make_sequential, random_weights
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from independent import bound_floor, kept_from_raw

from verify.certify import bound_of, certify
from verify.datasets import embedded_model_path
from verify.engine.construct import build
from verify.engine.model import load_target
from verify.engine.rescale import apply_exponents, reach_exponents
from verify.kernel import check
from verify.options import Eps, Options


def test_reach_exponents_scale_a_row_just_into_reach():
    """W1 = [[2]], W2 = [[0.1]], every reach R = 1 (weights up to R/2 = 0.5 count as reachable): only s = −2
    brings both 2·2^s and 0.1·2^−s to ≤ 0.5."""
    w = [np.array([[2.0]]), np.array([[0.1]])]
    s = reach_exponents(w, [np.ones((1, 1)), np.ones((1, 1))], gains=[1.0, 1.0])
    assert [v.tolist() for v in s] == [[-2]]


def test_reach_exponents_leave_reachable_neurons_alone():
    rs = np.random.RandomState(0)
    w = [rs.uniform(-0.3, 0.3, (5, 4)), rs.uniform(-0.3, 0.3, (3, 5))]
    s = reach_exponents(w, [np.ones((5, 4)), np.ones((3, 5))], gains=[1.0, 1.0])
    assert all(not v.any() for v in s)


def _layer_pair(lp, z_scaled: torch.Tensor) -> torch.Tensor:
    U, V = lp.dense()
    return torch.relu(z_scaled @ U.T) @ V.T


@settings(max_examples=20 if SMALL else 60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1))
def test_error_matrices_bound_each_layer_in_f_units(seed):
    """For every layer pair of G̃ and inputs z (ReLU outputs ≥ 0 after the first layer), with D = diag(2^s):
    ‖D_i⁻¹ y'(D_{i−1} z) − W_i z‖ ≤ ‖error_matrices()[i]‖₂ ‖z‖ — the statement check 5 relies on."""
    rs = np.random.RandomState(seed)
    widths = [int(v) for v in rs.randint(1, 7, size=int(rs.randint(3, 5)))]
    w = random_weights(widths, seed % 1000)
    w[0] = w[0] * float(rs.choice([1 / 64, 1.0, 16.0]))   # unbalanced, so that the exponents are not all 0
    c = build(w, Options(method="subset-sum", seed=seed % 101, device="cpu", rescale="neuron"),
              k=int(rs.randint(2, 12)))
    s = [np.zeros(c.widths[0], dtype=np.int64), *c.exponents, np.zeros(c.widths[-1], dtype=np.int64)]
    for i, (lp, e) in enumerate(zip(c.layers, c.error_matrices(), strict=True)):
        z = torch.from_numpy(rs.normal(size=(64, c.widths[i])))
        if i > 0:
            z = z.abs()
        y = _layer_pair(lp, z * torch.from_numpy(np.exp2(s[i]).astype(np.float64)))
        lhs = (y / torch.from_numpy(np.exp2(s[i + 1]).astype(np.float64)) - z @ torch.from_numpy(w[i]).T).norm(dim=1)
        eta = float(torch.linalg.matrix_norm(e, ord=2))
        assert bool((lhs <= eta * z.norm(dim=1) * (1 + 1e-9) + 1e-12).all())


@pytest.fixture(scope="module")
def digits_target():
    return load_target(embedded_model_path())


def test_per_neuron_rescaling_pays_on_digits_and_auto_takes_the_better(digits_target):
    """The README's figures, recomputed: with whole-layer exponents the digits bound 'drops from X at k = 48 to Y
    at k = 57' (at k = 48 first-layer weights lie beyond their gadgets' reach), and with per-neuron exponents 'at
    k = 48 the bound is Z'.  'auto' must keep the better of the two at k = 48."""
    from test_readme import as_written, find

    b = {r: bound_of(build(digits_target.weights, Options(method="subset-sum", seed=0, device="cpu", rescale=r), k=48))
         for r in ("layer", "neuron", "auto")}
    b["layer57"] = bound_of(build(digits_target.weights,
                                  Options(method="subset-sum", seed=0, device="cpu", rescale="layer"), k=57))
    m = find(r"With whole-layer rescaling, subset-sum's bound on digits drops from ([\d.]+) at k = 48 to "
             r"([\d.]+) at k = 57")
    z = find(r"within reach: at k = 48 the bound is ([\d.]+)").group(1)
    for text, value in ((m.group(1), b["layer"]), (m.group(2), b["layer57"]), (z, b["neuron"])):
        assert as_written(text, float(value)), (text, float(value))
    assert b["neuron"] < b["layer"]
    assert b["auto"] == min(b["layer"], b["neuron"])


def test_neuron_rescaled_certificate_checks_and_rows_are_in_f_units(digits_target, tmp_path):
    built = build(digits_target.weights, Options(method="subset-sum", seed=0, device="cpu", rescale="neuron"), k=44)
    res = certify(digits_target, Eps.parse("0.1"), built, empirical=True)
    cert = res.cert
    assert cert["info"]["rescaling"] == "neuron"
    assert any(v != 0 for s in cert["rescaling"]["neuron_exponents"] for v in s)
    assert res.certified and float(cert["info"]["empirical"]["max_error"]) <= float(res.bound)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cert))
    ok = check.check_files(path, digits_target.path)
    # independent of the checker and the certifier: kept weights counted from the raw mask bytes, and the stored
    # bound above the exact composition of the stored rows (tests/independent.py)
    assert ok.kept == kept_from_raw(cert) == res.construction.kept
    assert bound_floor(cert) <= Fraction(cert["claim"]["bound"])
    # omega is the user's ‖W_i‖, not the rescaled one: the rescaled layer's norm would not pass as ω
    scaled_norm = float(np.linalg.norm(apply_exponents(digits_target.weights, res.construction.exponents)[1], 2))
    user_norm = float(np.linalg.norm(digits_target.weights[1], 2))
    assert user_norm <= float(cert["layers"][1]["omega"]) <= user_norm * (1 + 2e-5)   # the claim is σ·(1 + 1e-5)
    assert abs(scaled_norm - float(cert["layers"][1]["omega"])) > 0.1


@settings(max_examples=100 if SMALL else 300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), method=st.sampled_from(["pair", "subset-sum"]))
def test_sub_block_errors_equal_the_full_pruning(seed, method):
    """refine.sub_errors (what the exact refinement of per-neuron exponents evaluates) on any rows × columns equals
    the same block of the error matrix of a full pruning with the same exponents and assignment."""
    from verify.engine import gadgets
    from verify.engine.refine import sub_errors

    rs = np.random.RandomState(seed)
    widths = [int(v) for v in rs.randint(2, 7, size=3)]
    w = random_weights(widths, seed % 1000)
    k = int(rs.randint(2, 10))
    dev = torch.device("cpu")
    s = [np.zeros(widths[0], dtype=np.int64), rs.randint(-2, 3, size=widths[1]), np.zeros(widths[2], dtype=np.int64)]
    scaled = apply_exponents(w, [s[1]])
    for i in (1, 2):
        opts = Options(method=method, seed=seed % 89, device="cpu", max_candidates=22)
        cand = gadgets.candidates(seed % 89, 2 * i - 1, k, widths[i - 1], i > 1, dev)
        lp = gadgets.prune_layer(torch.from_numpy(scaled[i - 1]), i, cand, opts)
        full = lp.eta_matrix_f_units(torch.from_numpy(scaled[i - 1]), s[i], s[i - 1]).abs()
        rows = np.sort(rs.choice(widths[i], size=int(rs.randint(1, widths[i] + 1)), replace=False))
        cols = np.sort(rs.choice(widths[i - 1], size=int(rs.randint(1, widths[i - 1] + 1)), replace=False))
        sub = sub_errors(w[i - 1], rows, cols, s[i][rows], s[i - 1][cols], cand, i, opts)
        want = full[np.ix_(rows, cols)]
        if i == 1:
            want = torch.cat([want, full[:, widths[0]:][np.ix_(rows, cols)]], dim=1)
        assert torch.equal(sub, want)


@settings(max_examples=60 if SMALL else 150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), depth=st.integers(2, 3))
def test_any_exponents_give_a_sound_certificate(seed, depth):
    """Adversarial: the exponents are only a proof frame (certs/FORMAT.md, "why 1–7 suffice"), so a certificate
    for the same mask with arbitrary exponents and honestly recomputed rows must be accepted, and its bound must
    stay above every error an attack finds on G̃ (which the exponents do not change)."""
    import dataclasses
    import tempfile
    from pathlib import Path

    from safetensors.torch import save_file

    from verify.certify import bounded, certificate
    from verify.engine.empirical import empirical_sup

    rs = np.random.RandomState(seed)
    widths = [int(v) for v in rs.randint(1, 5, size=depth + 1)]
    net = make_sequential(widths, seed=seed % 1000, scale=float(rs.choice([0.5, 2.0, 8.0])))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.safetensors"
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
        target = load_target(path)
        opts = Options(method="subset-sum", seed=seed % 97, device="cpu", rescale="layer")
        res = certify(target, Eps.parse("1000"), build(target.weights, opts, k=int(rs.randint(1, 9))), empirical=False)
        c = res.construction
        exps = [rs.randint(-6, 7, size=w.shape[0]).astype(np.int64) for w in c.originals[:-1]]
        framed = dataclasses.replace(c, exponents=exps, scaled=apply_exponents(c.originals, exps))
        cert = certificate(target, framed, Eps.parse("1000"), bounded(framed), {})   # with its telescope block
        (Path(d) / "c.json").write_text(json.dumps(cert))
        bound = check.check_files(Path(d) / "c.json", path).bound
    emp = empirical_sup(target.forward, c.forward, widths[0], samples=512, steps=30, seed=seed)
    assert emp.max_error <= float(bound) * (1 + 1e-12) + 1e-12, (emp.max_error, bound)


@pytest.mark.parametrize("shortcut", ["memo", "bound"])
def test_refine_with_its_shortcuts_moves_the_same_exponents_as_without(monkeypatch, shortcut):
    """refine's shortcuts (engine/refine.py): the memo keys each re-pruned row and column by exactly what it depends
    on, and a move whose column alone rules it out is rejected without its row.  Each way the exponents returned
    equal those of a refine without the shortcut, something moved, and the shortcut saved re-prunings."""
    from verify.engine import refine as refine_mod
    from verify.engine.construct import _prune_all, _rescalings
    from verify.engine.gadgets import candidates

    ws = [np.random.default_rng(5).uniform(-1, 1, (b, a)) / np.sqrt(a) for a, b in ((24, 16), (16, 12), (12, 4))]
    options, k = Options(), 6
    gains = [1.0, 1.0, 1.0]
    cands = [[candidates(0, 2 * i - 1, k, w.shape[1], i > 1, torch.device("cpu"))] for i, w in enumerate(ws, 1)]
    kind, exps = _rescalings(ws, options, cands, gains)[-1]
    assert kind == "neuron"
    pruned = _prune_all(apply_exponents(ws, exps), exps, cands, options, None)
    calls = {"all": 0}
    real = refine_mod.sub_errors

    def counting(*a, **kw):
        calls["all"] += 1
        return real(*a, **kw)

    monkeypatch.setattr(refine_mod, "sub_errors", counting)
    fast = refine_mod.refine(ws, pruned, gains, options)
    fast_calls = calls["all"]
    if shortcut == "memo":
        real_moved = refine_mod._Tries.moved

        def forgetful(self, *a):
            self.memo.clear()
            return real_moved(self, *a)

        monkeypatch.setattr(refine_mod._Tries, "moved", forgetful)
    else:
        monkeypatch.setattr(refine_mod, "PRUNE_BY_BOUND", False)
    calls["all"] = 0
    reference = refine_mod.refine(ws, pruned, gains, options)
    assert all(np.array_equal(a, b) for a, b in zip(fast, reference, strict=True))
    assert any(not np.array_equal(a, b) for a, b in zip(fast, exps, strict=True))   # something moved
    assert fast_calls < calls["all"]                                                # and the shortcut saved work
