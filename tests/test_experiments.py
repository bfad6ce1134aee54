"""Section 3 experiments: the neuron-subnetwork construction (neuron.py) and the two quick runs."""

from __future__ import annotations

import csv
import itertools
from fractions import Fraction

import numpy as np
import pytest

from verify.experiments.neuron import (
    RandomFeatures,
    feature_layer,
    head_weights,
    neuron_subnetwork,
    select_greedy,
    select_subset_sum,
    sup_error_bound,
)
from verify.experiments.random_features import RF_COLUMNS, fit_random_features, sphere_points
from verify.experiments.separation import COLUMNS, DETAIL_COLUMNS
from verify.kernel import rng

HAS_SUBSET_SUM = True
try:
    from verify.engine.subset_sum import best_subsets  # noqa: F401
except ImportError:  # pragma: no cover
    HAS_SUBSET_SUM = False


def _ball_points(n: int, d: int, seed: int) -> np.ndarray:
    """Points of the closed unit ball: half on the sphere (where the sup is), half inside."""
    s = sphere_points(n, d, seed)
    r = np.random.default_rng(seed + 1).random((n, 1))
    return np.concatenate([s, s * r])


def _small_rf(n: int = 12, d: int = 5, c: int = 3, seed: int = 4) -> RandomFeatures:
    X = sphere_points(400, d, seed + 100)
    Y = np.stack([np.maximum(X @ v, 0) for v in np.random.default_rng(seed).standard_normal((c, d))], axis=1)
    return fit_random_features(X, Y, n, seed, ridge=1.0)


# --- the random network is the project's generator --------------------------------------------------------

def test_feature_layer_is_verify_rng_layer_1_and_nested():
    W = feature_layer(7, 4, seed=9)
    for i, j in [(0, 0), (3, 2), (6, 3)]:
        assert Fraction(W[i, j]) == rng.weight(9, 1, i, j)
    assert np.array_equal(feature_layer(5, 4, seed=9), W[:5])


def test_head_weights_layout():
    u = head_weights(2, 3, 4, seed=5)
    assert u.shape == (2, 3, 4)
    for r, i, t in [(0, 0, 0), (1, 2, 3), (0, 1, 2)]:
        assert Fraction(u[r, i, t]) == rng.weight(5, 2, r, t * 3 + i)


# --- selection rules -------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_greedy_rule_keeps_right_sign_and_beats_skipped(seed):
    g = np.random.default_rng(seed)
    alpha = g.uniform(-2, 2, size=(3, 40))
    u = g.uniform(-1, 1, size=(3, 40, 24))
    keep = select_greedy(alpha, u)
    E = np.where(keep, u, 0).sum(-1) - alpha
    assert np.all(np.where(keep, u * np.sign(alpha)[..., None], 1) > 0)  # kept copies have α's sign
    assert np.all(np.abs(E) <= np.abs(alpha) + 1e-15)                     # never worse than pruning all
    skipped = np.where(~keep & (u * np.sign(alpha)[..., None] > 0), np.abs(u), np.inf).min(-1)
    assert np.all(np.abs(E) <= skipped + 1e-12)                           # below every skipped magnitude


@pytest.mark.skipif(not HAS_SUBSET_SUM, reason="verify.engine.subset_sum not available")
def test_subset_sum_rule_is_optimal_against_enumeration():
    g = np.random.default_rng(1)
    m = 8
    u = head_weights(2, 6, m, seed=3)
    alpha = g.uniform(-1.5, 1.5, size=(2, 6))
    keep = select_subset_sum(alpha, u)
    E = np.abs(np.where(keep, u, 0).sum(-1) - alpha)
    masks = np.array(list(itertools.product([0, 1], repeat=m)), dtype=float)  # (256, m)
    best = np.abs(np.einsum("sm,rim->ris", masks, u) - alpha[..., None]).min(-1)
    np.testing.assert_allclose(E, best, rtol=0, atol=1e-14)


# --- the construction: pruning only, and g̃ matches f within the computed bound ---------------------------

@pytest.mark.parametrize("select", ["greedy", "subset-sum"])
def test_neuron_subnetwork_matches_random_features_within_bound(select):
    if select == "subset-sum" and not HAS_SUBSET_SUM:
        pytest.skip("verify.engine.subset_sum not available")
    rf = _small_rf()
    net = neuron_subnetwork(rf, m=16 if select == "subset-sum" else 64, seed=4, select=select)
    X = _ball_points(3000, rf.W.shape[1], seed=11)
    f, g = rf.forward(X), net.forward(X)
    err = np.linalg.norm(g - f, axis=1)
    assert err.max() <= net.bound
    # eq. (2): the difference is exactly E σ(Wx)
    np.testing.assert_allclose(g - f, np.maximum(X @ rf.W.T, 0) @ net.residual.T, atol=1e-12)
    # and the construction is useful: far closer than the trivial subnetwork (everything removed)
    assert net.bound < 0.1 * np.linalg.norm(f, axis=1).max()
    if select == "subset-sum":
        assert net.bound < 1e-2


def test_neuron_subnetwork_is_a_pruning_of_the_wide_network():
    """Dense wide network (W tiled m times, output weights u) with the mask applied = net.forward."""
    rf = _small_rf(n=5, d=3, c=2)
    net = neuron_subnetwork(rf, m=6, seed=4, select="greedy")
    n, m = 5, 6
    first = np.tile(rf.W, (m, 1))                                   # hidden h = t·n + i has row w_i
    X = _ball_points(50, 3, seed=2)
    out = np.zeros((len(X), 2))
    for r in range(2):
        v = np.array([net.u[r, h % n, h // n] for h in range(n * m)])
        mask = np.array([net.keep[r, h % n, h // n] for h in range(n * m)])
        assert np.all(v == head_weights(2, n, m, 4)[r].T.reshape(-1))   # u[r, i, t] at h = t·n + i
        out[:, r] = np.maximum(X @ first.T, 0) @ (v * mask)
    np.testing.assert_allclose(net.forward(X), out, atol=1e-12)
    assert net.width == 2 * n * m and net.parameters == 2 * n * m * 4


_DIGEST = """
import hashlib, sys
sys.path.insert(0, sys.argv[1])
from test_experiments import _small_rf
from verify.experiments.neuron import neuron_subnetwork
net = neuron_subnetwork(_small_rf(), m=12, seed=int(sys.argv[2]), select="greedy")
print(hashlib.sha256(net.keep.tobytes() + net.u.tobytes() + repr(net.bound).encode()).hexdigest())
"""


def test_construction_is_deterministic_across_processes():
    """Same seed, same subnetwork and bound in two fresh interpreters (different hash seeds); another seed differs."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    here = str(Path(__file__).resolve().parent)

    def digest(seed: int, hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        return subprocess.run([sys.executable, "-c", _DIGEST, here, str(seed)], check=True, capture_output=True,
                              text=True, env=env, timeout=300).stdout.strip()

    a, b = digest(7, "1"), digest(7, "2")
    assert len(a) == 64 and a == b
    assert digest(8, "1") != a


def test_bound_is_attained_for_one_feature():
    w = np.array([[0.6, -0.8, 0.0]])
    E = np.array([[-0.25]])
    b = sup_error_bound(w, E)
    x = w[0] / np.linalg.norm(w[0])
    attained = abs(E[0, 0] * max(x @ w[0], 0))
    assert attained <= b["bound"] <= attained * (1 + 1e-8)


@pytest.mark.parametrize("seed", range(4))
def test_sup_error_bound_holds_on_samples(seed):
    g = np.random.default_rng(seed)
    W = g.uniform(-1, 1, (30, 6))
    E = g.normal(size=(4, 30)) * 0.01
    X = sphere_points(20000, 6, seed)
    assert np.linalg.norm(np.maximum(X @ W.T, 0) @ E.T, axis=1).max() <= sup_error_bound(W, E)["bound"]


# --- the quick experiment runs ---------------------------------------------------------------------------

def _read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, newline="") as f:
        header = next(csv.reader(f))
    return header, rows


@pytest.fixture(scope="module")
def separation_run(tmp_path_factory):
    from verify.experiments import separation_experiment

    out = tmp_path_factory.mktemp("sep")
    rc = separation_experiment(out, quick=True, seed=0)
    return rc, out


def test_separation_quick_outputs(separation_run):
    from verify.engine.construct import g_parameters

    rc, out = separation_run
    assert rc == 0
    header, rows = _read(out / "separation.csv")
    assert header == COLUMNS
    assert _read(out / "separation_details.csv")[0] == DETAIL_COLUMNS
    assert (out / "separation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {r["method"] for r in rows} == {"weight", "neuron"}
    assert len({r["d"] for r in rows}) >= 2
    _, details = _read(out / "separation_details.csv")
    for r in details:
        d, n, p = int(r["d"]), int(r["k_or_n"]), int(r["params"])
        assert p == (g_parameters([d, 1, 1], n) if r["method"] == "weight" else d * n + n)
        if r["method"] == "weight":  # the certified bound is an upper bound: never below what was observed
            assert float(r["error"]) >= float(r["heldout_sup"])
            assert float(r["error"]) >= float(r["engine_empirical_sup"])


def test_separation_weight_beats_neuron_at_largest_d(separation_run):
    _, out = separation_run
    _, rows = _read(out / "separation.csv")
    d_max = max(int(r["d"]) for r in rows)
    weight = max((r for r in rows if r["method"] == "weight" and int(r["d"]) == d_max),
                 key=lambda r: int(r["width"]))
    budget = 4 * int(weight["params"])  # neuron rows with up to 4x the parameters
    neuron = [float(r["error"]) for r in rows
              if r["method"] == "neuron" and int(r["d"]) == d_max and int(r["params"]) <= budget]
    assert neuron, "no neuron row at comparable parameter count"
    assert float(weight["error"]) < min(neuron)
    assert float(weight["error"]) <= 0.01  # the weight method reaches ε = 0.01 (certified) with modest width


def test_random_features_quick(tmp_path):
    from verify.experiments import random_features_experiment

    assert random_features_experiment(tmp_path, quick=True, seed=0) == 0
    header, rows = _read(tmp_path / "random_features.csv")
    assert header == RF_COLUMNS
    assert rows
    for r in rows:
        assert float(r["max_test_error"]) <= float(r["bound"])
        assert float(r["certified_agree"]) <= float(r["agree"])
        assert abs(float(r["rf_test_acc"]) - float(r["neuron_test_acc"])) <= 1 - float(r["agree"]) + 1e-12
    if HAS_SUBSET_SUM:
        exact = [r for r in rows if r["select"] == "subset-sum"]
        assert exact and all(float(r["certified_agree"]) > 0.5 for r in exact)
