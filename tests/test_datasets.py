"""Tests for verify.datasets and the embedded digits target written by scripts/train_digits.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from retrain import assert_retrained_matches
from scipy import stats
from sklearn.datasets import load_digits

from verify.datasets import (
    EMBEDDED_BIAS_KEYS,
    EMBEDDED_BIAS_META,
    EMBEDDED_BIAS_MODEL,
    EMBEDDED_BIAS_MODULES,
    EMBEDDED_KEYS,
    accuracy,
    affine_mlp_forward,
    box_points,
    digits_pixels_split,
    digits_split,
    embedded_meta_path,
    embedded_model_path,
    load_embedded_bias_layers,
    load_embedded_bias_model,
    load_embedded_weights,
    mlp_forward,
    unit_ball_points,
    unit_rows,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def split():
    return digits_split()


@pytest.fixture(scope="module")
def meta() -> dict:
    return json.loads(embedded_meta_path().read_text())


# ---------------------------------------------------------------- the split


def test_split_is_deterministic(split):
    again = digits_split()
    for a, b in zip(split, again, strict=True):
        assert np.array_equal(a, b)
    other = digits_split(seed=1)
    assert not np.array_equal(split[0], other[0])


def test_split_shapes_and_dtypes(split):
    X_tr, y_tr, X_te, y_te = split
    assert X_tr.dtype == np.float64 and X_te.dtype == np.float64
    assert X_tr.shape[1] == X_te.shape[1] == 64
    assert len(X_tr) == len(y_tr) and len(X_te) == len(y_te)
    assert len(y_tr) + len(y_te) == 1797
    assert abs(len(y_te) - 0.25 * 1797) <= 1


def test_rows_have_unit_norm(split):
    for X in (split[0], split[2]):
        assert np.max(np.abs(np.linalg.norm(X, axis=1) - 1.0)) < 1e-12


def test_split_is_a_partition_of_the_scaled_dataset(split):
    X_tr, y_tr, X_te, y_te = split
    digits = load_digits()
    expected = sorted(zip(map(bytes, unit_rows(digits.data)), digits.target.tolist(), strict=True))
    got = sorted(
        zip(map(bytes, np.concatenate([X_tr, X_te])), np.concatenate([y_tr, y_te]).tolist(), strict=True)
    )
    assert got == expected


@pytest.mark.parametrize("fraction", [0.25, 0.4])
def test_split_is_stratified(fraction):
    _, y_tr, _, y_te = digits_split(test_fraction=fraction, seed=3)
    total = np.bincount(np.concatenate([y_tr, y_te]), minlength=10)
    test = np.bincount(y_te, minlength=10)
    # each class keeps its share of the test set up to rounding
    assert np.all(np.abs(test - fraction * total) <= 1.0)
    assert np.all(np.bincount(y_tr, minlength=10) > 0)


def test_split_rejects_bad_fraction():
    with pytest.raises(ValueError, match=r"test_fraction must lie in \(0, 1\), got 1\.0"):
        digits_split(test_fraction=1.0)


def test_unit_rows_rejects_zero_row():
    with pytest.raises(ValueError, match="a zero row cannot be scaled"):
        unit_rows(np.array([[1.0, 0.0], [0.0, 0.0]]))


# ---------------------------------------------------------------- accuracy and forward


def test_accuracy_matches_a_loop():
    rng = np.random.default_rng(7)
    scores = rng.standard_normal((200, 5))
    y = rng.integers(0, 5, 200)
    expected = sum(int(np.argmax(s) == t) for s, t in zip(scores, y, strict=True)) / 200
    assert accuracy(lambda X: X, scores, y) == expected


def test_accuracy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"X has 3 rows but y has shape \(2,\)"):
        accuracy(lambda X: X, np.eye(3), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"forward returned shape \(2, 3\), expected \(3, classes\)"):
        accuracy(lambda X: X[:2], np.eye(3), np.array([0, 1, 2]))


def test_mlp_forward_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(6, 5, bias=False), torch.nn.ReLU(), torch.nn.Linear(5, 3, bias=False)
    ).double()
    X = np.random.default_rng(0).standard_normal((50, 6))
    ref = net(torch.from_numpy(X)).detach().numpy()
    got = mlp_forward([net[0].weight.detach().numpy(), net[2].weight.detach().numpy()])(X)
    assert np.allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_mlp_forward_rejects_unchained_shapes():
    with pytest.raises(ValueError, match=r"weight shapes \(4, 3\) then \(2, 5\) do not chain"):
        mlp_forward([np.zeros((4, 3)), np.zeros((2, 5))])


# ---------------------------------------------------------------- unit-ball sampling


def test_unit_ball_points_inside_and_deterministic():
    x = unit_ball_points(5000, 64, seed=11)
    assert x.shape == (5000, 64) and x.dtype == np.float64
    assert np.all(np.linalg.norm(x, axis=1) <= 1.0)
    assert np.array_equal(x, unit_ball_points(5000, 64, seed=11))
    assert not np.array_equal(x, unit_ball_points(5000, 64, seed=12))


@pytest.mark.parametrize("d", [2, 10, 64])
def test_unit_ball_points_are_uniform(d):
    x = unit_ball_points(4000, d, seed=d)
    r = np.linalg.norm(x, axis=1)
    # radius CDF of the uniform ball: P(|x| <= r) = r^d
    assert stats.kstest(r, lambda t: np.clip(t, 0.0, 1.0) ** d).pvalue > 1e-3
    # direction: uniform on the sphere, so each coordinate of x/|x| has mean 0 and variance 1/d
    u = x / r[:, None]
    assert np.max(np.abs(u.mean(axis=0))) < 5.0 / np.sqrt(d * 4000)
    assert np.allclose((u**2).mean(axis=0), 1.0 / d, rtol=0.25)


# ---------------------------------------------------------------- the embedded target


def test_embedded_weights_file_matches_recorded_sha256(meta):
    digest = hashlib.sha256(embedded_model_path().read_bytes()).hexdigest()
    assert digest == meta["sha256"]
    assert embedded_model_path().name == meta["weights_file"]


def test_embedded_model_loads_with_safetensors(meta):
    from safetensors import safe_open

    with safe_open(str(embedded_model_path()), framework="numpy") as f:
        assert sorted(f.keys()) == sorted(EMBEDDED_KEYS)
    weights = load_embedded_weights()
    widths = meta["architecture"]["widths"]
    assert [list(W.shape) for W in weights] == [[widths[i + 1], widths[i]] for i in range(len(weights))]
    assert all(W.dtype == np.float32 for W in weights)
    assert sum(W.size for W in weights) == meta["architecture"]["num_weights"]
    bound = meta["training"]["weight_bound"]
    assert bound < 1.0
    assert all(np.max(np.abs(W)) <= bound for W in weights)


def test_embedded_model_reproduces_recorded_accuracy(meta):
    split = digits_split(meta["data"]["test_fraction"], meta["data"]["split_seed"])
    X_tr, y_tr, X_te, y_te = split
    forward = mlp_forward(load_embedded_weights())
    test_acc = accuracy(forward, X_te, y_te)
    assert abs(test_acc - meta["accuracy"]["test"]) <= 1e-9
    assert abs(accuracy(forward, X_tr, y_tr) - meta["accuracy"]["train"]) <= 1e-9
    assert test_acc >= 0.93


def test_recorded_weight_and_output_statistics_are_recomputable(meta):
    weights = load_embedded_weights()
    for W, row in zip(weights, meta["weights"], strict=True):
        W64 = W.astype(np.float64)
        assert row["max_abs"] == float(np.max(np.abs(W64)))
        assert np.isclose(row["spectral_norm"], np.linalg.norm(W64, 2), rtol=1e-9)
        assert np.isclose(row["frobenius_norm"], np.linalg.norm(W64), rtol=1e-9)
    _, _, X_te, _ = digits_split(meta["data"]["test_fraction"], meta["data"]["split_seed"])
    out = mlp_forward(weights)(X_te)
    rec = meta["outputs_on_test"]
    assert np.isclose(rec["max_output_l2_norm"], np.max(np.linalg.norm(out, axis=1)), rtol=1e-9)
    top2 = -np.sort(-out, axis=1)[:, :2]
    margin = top2[:, 0] - top2[:, 1]
    assert np.isclose(rec["margin_top1_top2_percentiles"]["p5"], np.percentile(margin, 5), rtol=1e-9)
    # the logit scale cannot exceed the product of the layer norms on the unit ball
    assert rec["max_output_l2_norm"] <= np.prod([r["spectral_norm"] for r in meta["weights"]]) * (1 + 1e-9)


def test_scaling_to_the_unit_sphere_keeps_the_prediction():
    """Positive homogeneity of a bias-free ReLU net: argmax F(x/|x|) = argmax F(x) (datasets docstring)."""
    forward = mlp_forward(load_embedded_weights())
    raw = load_digits().data
    assert np.array_equal(np.argmax(forward(raw), axis=1), np.argmax(forward(unit_rows(raw)), axis=1))


def test_embedded_files_live_in_the_package():
    import verify

    pkg = Path(verify.__file__).resolve().parent
    assert embedded_model_path().resolve().parent == pkg / "data"
    assert embedded_meta_path().resolve().parent == pkg / "data"


# ---------------------------------------------------------------- slow: install and retrain


@pytest.mark.slow
def test_embedded_model_found_from_a_non_editable_install(tmp_path):
    """Build and install the package into a plain directory; the data files must come with it."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(REPO_ROOT / "pyproject.toml", src)
    shutil.copytree(REPO_ROOT / "verify", src / "verify", ignore=shutil.ignore_patterns("__pycache__"))
    readme = REPO_ROOT / "README.md"
    (src / "README.md").write_text(readme.read_text() if readme.exists() else "placeholder\n")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), str(src)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    code = (
        "import verify, verify.datasets as d; "
        "print(verify.__file__); print(d.embedded_model_path()); print(len(d.load_embedded_weights()))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path, env=env
    ).stdout.split("\n")
    assert Path(out[0]).resolve().is_relative_to(target.resolve())
    assert Path(out[1]).resolve().is_relative_to(target.resolve())
    assert out[2] == str(len(EMBEDDED_KEYS))


@pytest.mark.slow
def test_training_script_reproduces_the_embedded_weights(tmp_path, meta):
    """Rerunning the recorded command gives the same bytes (same torch version; CPU kernels may differ
    across machines).  Under SLT_SLOW_SCALE=small this is the same run: training takes seconds."""
    torch = pytest.importorskip("torch")
    if torch.__version__ != meta["versions"]["torch"]:
        pytest.skip(f"weights were trained with torch {meta['versions']['torch']}")
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "train_digits.py"), "--out-dir", str(tmp_path)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    assert meta["command"] == "python scripts/train_digits.py"
    new_meta = json.loads((tmp_path / meta["weights_file"]).with_suffix(".json").read_text())
    assert new_meta["sha256"] == meta["sha256"]
    assert new_meta["accuracy"] == meta["accuracy"]


# ---------------------------------------------------------------- pixels / 16 and box sampling


@pytest.fixture(scope="module")
def pixels():
    return digits_pixels_split()


@pytest.fixture(scope="module")
def bias_meta() -> dict:
    return json.loads(EMBEDDED_BIAS_META.read_text())


def test_pixels_lie_in_the_unit_box_on_the_sixteenths_grid(pixels):
    x_tr, y_tr, x_te, y_te = pixels
    assert x_tr.shape == (1347, 64) and x_te.shape == (450, 64)
    assert x_tr.dtype == np.float64 and x_te.dtype == np.float64
    assert y_tr.dtype == np.int64 and y_te.dtype == np.int64
    for x in (x_tr, x_te):
        assert np.all((x >= 0.0) & (x <= 1.0))
        assert np.array_equal(x * 16.0, np.round(x * 16.0))
    assert x_tr.min() == 0.0 and x_tr.max() == 1.0


def test_pixels_split_is_the_digits_split_rescaled(pixels, split):
    """Same rows in the same order as digits_split, so the two targets' held-out accuracies are comparable."""
    for x, y, X, Y in ((pixels[0], pixels[1], split[0], split[1]), (pixels[2], pixels[3], split[2], split[3])):
        assert np.array_equal(y, Y)
        assert np.allclose(unit_rows(x), X, rtol=0.0, atol=1e-15)
    again = digits_pixels_split()
    assert all(np.array_equal(a, b) for a, b in zip(pixels, again, strict=True))
    other = digits_pixels_split(test_fraction=0.4, seed=3)
    assert np.array_equal(other[3], digits_split(test_fraction=0.4, seed=3)[3])
    with pytest.raises(ValueError, match=r"test_fraction must lie in \(0, 1\), got 0\.0"):
        digits_pixels_split(test_fraction=0.0)


def test_box_points_inside_and_deterministic():
    x = box_points(5000, 64, 0.0, 1.0, seed=11)
    assert x.shape == (5000, 64) and x.dtype == np.float64
    assert np.all((x >= 0.0) & (x <= 1.0))
    assert np.array_equal(x, box_points(5000, 64, 0.0, 1.0, seed=11))
    assert not np.array_equal(x, box_points(5000, 64, 0.0, 1.0, seed=12))
    # roughly uniform: each coordinate has mean 1/2 and variance 1/12
    assert np.max(np.abs(x.mean(axis=0) - 0.5)) < 5.0 * np.sqrt(1.0 / 12.0 / 5000)
    assert stats.kstest(x[:, 0], "uniform").pvalue > 1e-3


def test_box_points_per_coordinate_bounds():
    lo, hi = np.array([-2.0, 0.5, 3.0]), np.array([-1.0, 0.5, 7.0])
    x = box_points(2000, 3, lo, hi, seed=0)
    assert np.all((x >= lo) & (x <= hi))
    assert np.all(x[:, 1] == 0.5)  # a degenerate side is a single value
    assert box_points(0, 3, lo, hi, seed=0).shape == (0, 3)
    with pytest.raises(ValueError, match="lo <= hi"):
        box_points(10, 2, 1.0, 0.0, seed=0)
    with pytest.raises(ValueError, match="need n >= 0 and d >= 1"):
        box_points(10, 0, seed=0)


def test_affine_mlp_forward_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3, bias=False)
    ).double()
    X = np.random.default_rng(0).standard_normal((50, 1, 2, 3))
    ref = net(torch.from_numpy(X)).detach().numpy()
    got = affine_mlp_forward(
        [net[1].weight.detach().numpy(), net[3].weight.detach().numpy()], [net[1].bias.detach().numpy(), None]
    )(X)
    assert np.allclose(got, ref, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"bias of shape \(4,\) does not match weight of shape \(5, 6\)"):
        affine_mlp_forward([np.zeros((5, 6))], [np.zeros(4)])


# ---------------------------------------------------------------- the embedded target with biases


def test_embedded_bias_model_loads_with_weights_only():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    allowed = [nn.Sequential, nn.Flatten, nn.Linear, nn.ReLU, nn.Dropout]
    with torch.serialization.safe_globals(allowed):
        net = torch.load(EMBEDDED_BIAS_MODEL, map_location="cpu", weights_only=True)
    assert type(net) is nn.Sequential
    assert [type(m).__name__ for m in net] == list(EMBEDDED_BIAS_MODULES)
    assert all(type(m) in allowed for m in net)
    assert not net.training and not any(m.training for m in net)
    assert net[0].start_dim == 1 and net[0].end_dim == -1 and net[3].p == 0.1
    state = net.state_dict()
    assert list(state) == list(EMBEDDED_BIAS_KEYS)
    assert all(t.dtype == torch.float32 and t.device.type == "cpu" for t in state.values())
    assert [tuple(state[k].shape) for k in EMBEDDED_BIAS_KEYS] == [(32, 64), (32,), (16, 32), (16,), (10, 16), (10,)]
    # the library loader gives the same module
    same = load_embedded_bias_model().state_dict()
    assert all(torch.equal(state[k], same[k]) for k in EMBEDDED_BIAS_KEYS)


def test_embedded_bias_file_matches_meta(bias_meta):
    assert hashlib.sha256(EMBEDDED_BIAS_MODEL.read_bytes()).hexdigest() == bias_meta["sha256"]
    assert EMBEDDED_BIAS_MODEL.name == bias_meta["weights_file"]
    arch = bias_meta["architecture"]
    assert arch["keys"] == list(EMBEDDED_BIAS_KEYS)
    assert arch["modules"] == list(EMBEDDED_BIAS_MODULES)
    assert arch["widths"] == [64, 32, 16, 10]
    assert bias_meta["data"]["scaling"] == "pixels / 16, box [0,1]^64"
    import verify

    assert EMBEDDED_BIAS_MODEL.resolve().parent == Path(verify.__file__).resolve().parent / "data"


def test_embedded_bias_model_reproduces_recorded_accuracy(bias_meta, pixels):
    x_tr, y_tr, x_te, y_te = pixels
    assert (len(y_tr), len(y_te)) == (bias_meta["data"]["n_train"], bias_meta["data"]["n_test"])
    weights, biases = load_embedded_bias_layers()
    assert all(a.dtype == np.float32 for a in weights + biases)
    forward = affine_mlp_forward(weights, biases)
    test_acc = accuracy(forward, x_te, y_te)
    assert test_acc == bias_meta["accuracy"]["test"]
    assert accuracy(forward, x_tr, y_tr) == bias_meta["accuracy"]["train"]
    assert test_acc >= 0.93
    # images (N, 1, 8, 8) through the torch module (float32) agree with the float64 forward on the rows
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        out = load_embedded_bias_model()(torch.from_numpy(x_te.reshape(-1, 1, 8, 8).astype(np.float32))).numpy()
    assert np.allclose(out, forward(x_te), rtol=0.0, atol=1e-4)


def test_recorded_bias_model_statistics_are_recomputable(bias_meta, pixels):
    weights, biases = load_embedded_bias_layers()
    for W, b, row in zip(weights, biases, bias_meta["weights"], strict=True):
        W64, b64 = W.astype(np.float64), b.astype(np.float64)
        assert row["max_abs"] == float(np.max(np.abs(W64)))
        assert np.isclose(row["spectral_norm"], np.linalg.norm(W64, 2), rtol=1e-9)
        assert np.isclose(row["frobenius_norm"], np.linalg.norm(W64), rtol=1e-9)
        assert np.isclose(row["bias_l2_norm"], np.linalg.norm(b64), rtol=1e-12)
    out = affine_mlp_forward(weights, biases)(pixels[2])
    rec = bias_meta["outputs_on_test"]
    assert np.isclose(rec["max_output_l2_norm"], np.max(np.linalg.norm(out, axis=1)), rtol=1e-9)


def test_embedded_bias_model_is_read_by_the_closed_vocabulary_reader():
    """slt-verify's own reader (no torch) sees the same chain and the same numbers as torch.load."""
    from verify.kernel.modelfile import read_chain

    chain = read_chain(EMBEDDED_BIAS_MODEL.read_bytes())
    assert chain.kind == "torch-module"
    assert chain.modules == list(EMBEDDED_BIAS_MODULES)
    weights, biases = load_embedded_bias_layers()
    assert [(layer.weight_key, layer.bias_key) for layer in chain.layers] == list(
        zip(EMBEDDED_BIAS_KEYS[0::2], EMBEDDED_BIAS_KEYS[1::2], strict=True)
    )
    for layer, W, b in zip(chain.layers, weights, biases, strict=True):
        assert np.array_equal(np.array(layer.weight), W.astype(np.float64))
        assert np.array_equal(np.array(layer.bias), b.astype(np.float64))


@pytest.mark.slow
def test_bias_training_script_reproduces_the_embedded_model(tmp_path, bias_meta):
    """Rerunning the recorded command gives the same model: the same bytes on the training machine, float32
    rounding drift at most on another CPU (tests/retrain.py).  Same torch version.  Training takes a few seconds."""
    torch = pytest.importorskip("torch")
    if torch.__version__ != bias_meta["versions"]["torch"]:
        pytest.skip(f"weights were trained with torch {bias_meta['versions']['torch']}")
    assert bias_meta["command"] == "python scripts/train_digits_bias.py"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "train_digits_bias.py"), "--out-dir", str(tmp_path)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    new_meta = json.loads((tmp_path / EMBEDDED_BIAS_META.name).read_text())
    assert new_meta.pop("command") == f"python scripts/train_digits_bias.py --out-dir {tmp_path}"
    assert_retrained_matches(tmp_path / bias_meta["weights_file"], EMBEDDED_BIAS_MODEL, new_meta,
                             {k: v for k, v in bias_meta.items() if k != "command"})
