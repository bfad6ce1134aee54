"""Tests for scripts/unroll_cnn.py (a CNN as the equivalent dense MLP) and the shipped demo CNN
verify/data/digits_cnn.pt written by scripts/train_digits_cnn.py."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from retrain import assert_retrained_matches
from torch import nn

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT / "verify" / "data"


def _load_script():
    spec = importlib.util.spec_from_file_location("unroll_cnn", REPO_ROOT / "scripts" / "unroll_cnn.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


unroll = _load_script()


def _random_cnn(seed: int, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Dropout(0.2),
        nn.Conv2d(3, 4, (2, 3), stride=(1, 2), padding=(1, 0)), nn.ReLU(),
        nn.Conv2d(4, 2, 1, bias=False), nn.ReLU(),
        nn.Flatten(), nn.Linear(2 * 6 * 2, 5), nn.ReLU(), nn.Linear(5, 3),
    ).to(dtype).eval()


@pytest.mark.parametrize("seed", [0, 1])
def test_unrolled_mlp_equals_the_cnn_in_float64(seed: int) -> None:
    cnn = _random_cnn(seed)
    mlp = unroll.unroll_cnn(cnn, (2, 5, 5))
    kinds = [type(m).__name__ for m in mlp]
    assert kinds == ["Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [m.in_features for m in mlp if isinstance(m, nn.Linear)] == [50, 75, 48, 24, 5]
    x = torch.randn(64, 2, 5, 5, generator=torch.Generator().manual_seed(seed + 10), dtype=torch.float64)
    with torch.no_grad():
        want, got = cnn(x), mlp(x)
    assert torch.allclose(got, want, rtol=1e-12, atol=1e-12)
    # the biases are the convolution's, repeated per output position; a missing bias is 0
    assert torch.equal(mlp[1].bias, cnn[0].bias.repeat_interleave(25))
    assert torch.equal(mlp[5].bias, torch.zeros(24, dtype=torch.float64))


def test_unrolled_entries_are_the_kernel_weights_exactly() -> None:
    """float32 in, float32 out, no rounding: every entry is a kernel weight or 0, each kernel weight appears once
    per output position whose receptive field covers its input pixel."""
    cnn = _random_cnn(3, torch.float32)
    mlp = unroll.unroll_cnn(cnn, (2, 5, 5))
    assert mlp[1].weight.dtype == torch.float32
    W, K = mlp[1].weight.detach().numpy(), cnn[0].weight.detach().numpy()
    assert set(W[W != 0].tolist()) <= set(K.ravel().tolist())
    assert np.count_nonzero(W) == 3 * 2 * (3 * 5 - 2) ** 2   # per in-channel, 13 in-image (row, col) pairs squared
    with torch.no_grad():
        x = torch.rand(16, 2, 5, 5, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
        assert torch.allclose(mlp.double()(x), cnn.double()(x), rtol=1e-12, atol=1e-12)


def test_a_1x3x3_example_against_hand_computed_matrices() -> None:
    valid = nn.Conv2d(1, 1, 2).double()
    same = nn.Conv2d(1, 1, 3, stride=2, padding=1).double()
    with torch.no_grad():
        valid.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2))
        valid.bias.fill_(-1.0)
        same.weight.copy_(torch.arange(1.0, 10.0).reshape(1, 1, 3, 3))
        same.bias.fill_(0.5)
    # columns x00 x01 x02 x10 x11 x12 x20 x21 x22; rows the 2 × 2 output positions, row-major
    valid_matrix = [[1, 2, 0, 3, 4, 0, 0, 0, 0],
                    [0, 1, 2, 0, 3, 4, 0, 0, 0],
                    [0, 0, 0, 1, 2, 0, 3, 4, 0],
                    [0, 0, 0, 0, 1, 2, 0, 3, 4]]
    # stride 2, padding 1: output (r, t) is centred on pixel (2r, 2t); kernel positions in the padding drop out
    same_matrix = [[5, 6, 0, 8, 9, 0, 0, 0, 0],
                   [0, 4, 5, 0, 7, 8, 0, 0, 0],
                   [0, 0, 0, 2, 3, 0, 5, 6, 0],
                   [0, 0, 0, 0, 1, 2, 0, 4, 5]]
    for conv, matrix, bias in ((valid, valid_matrix, -1.0), (same, same_matrix, 0.5)):
        (W, b), = unroll.unrolled_layers(nn.Sequential(conv), (1, 3, 3))[0]
        assert W.tolist() == matrix
        assert b.tolist() == [bias] * 4
        mlp = unroll.unroll_cnn(nn.Sequential(conv), (1, 3, 3))
        x = torch.randn(5, 1, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            assert torch.allclose(mlp(x), conv(x).flatten(1), rtol=1e-13, atol=1e-13)


def test_write_unrolled_saves_a_loadable_mlp(tmp_path: Path) -> None:
    cnn = _random_cnn(5, torch.float32)
    src, dst = tmp_path / "cnn.pt", tmp_path / "out" / "mlp.pt"
    torch.save(cnn, src)
    assert unroll.main([str(src), "--input-shape", "2,5,5", "-o", str(dst)]) == 0
    with torch.serialization.safe_globals([nn.Sequential, nn.Flatten, nn.Linear, nn.ReLU]):
        mlp = torch.load(dst, weights_only=True)
    assert not mlp.training and next(mlp.parameters()).dtype == torch.float32
    x = torch.rand(8, 2, 5, 5, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        assert torch.allclose(mlp.double()(x.double()), cnn.double()(x.double()), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("model", "shape", "match"), [
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2)), (1, 6, 6), "cannot unroll MaxPool2d"),
    (nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect")), (1, 4, 4), "padding_mode"),
    (nn.Sequential(nn.Conv2d(2, 2, 3)), (1, 4, 4), "receives 1 channels"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(9, 2)), (1, 4, 4), "receives shape"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.ReLU(), nn.Conv2d(2, 1, 1)), (1, 4, 4), "one ReLU"),
    (nn.Sequential(nn.Conv2d(1, 2, 3)), (1, 4), "C,H,W"),
])
def test_refuses_what_it_cannot_unroll(model: nn.Sequential, shape: tuple, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        unroll.unrolled_layers(model, shape)


def test_shipped_cnn_loads_safely_and_reproduces_its_record() -> None:
    """verify/data/digits_cnn.pt: a whole float32 nn.Sequential that torch loads with weights_only=True, whose
    sidecar records its hash, and whose unrolled float64 network reproduces the recorded held-out accuracy."""
    from verify.datasets import accuracy, affine_mlp_forward, digits_pixels_split

    meta = json.loads((DATA / "digits_cnn.json").read_text())
    path = DATA / meta["weights_file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == meta["sha256"]
    cnn = unroll.load_sequential(path)
    assert [type(m).__name__ for m in cnn] == meta["architecture"]["modules"]
    assert all(p.dtype == torch.float32 for p in cnn.parameters()) and not cnn.training
    layers, _ = unroll.unrolled_layers(cnn, meta["architecture"]["input_shape"])
    forward = affine_mlp_forward([W for W, _ in layers], [b for _, b in layers])
    _, _, x_te, y_te = digits_pixels_split(meta["data"]["test_fraction"], meta["data"]["split_seed"])
    assert accuracy(forward, x_te, y_te) == meta["accuracy"]["test"] >= 0.95


@pytest.mark.slow
def test_cnn_training_script_reproduces_the_shipped_model(tmp_path: Path) -> None:
    """Rerunning the recorded command gives the same model and record: the same bytes on the training machine,
    float32 rounding drift at most on another CPU (tests/retrain.py).  Same torch version.  About 10 s, one thread."""
    import subprocess
    import sys

    meta = json.loads((DATA / "digits_cnn.json").read_text())
    if torch.__version__ != meta["versions"]["torch"]:
        pytest.skip(f"weights were trained with torch {meta['versions']['torch']}")
    assert meta["command"] == "python scripts/train_digits_cnn.py"
    subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "train_digits_cnn.py"), "--out-dir", str(tmp_path)],
                   check=True, capture_output=True, cwd=tmp_path)
    new_meta = json.loads((tmp_path / "digits_cnn.json").read_text())
    assert new_meta.pop("command") == f"python scripts/train_digits_cnn.py --out-dir {tmp_path}"
    assert_retrained_matches(tmp_path / meta["weights_file"], DATA / meta["weights_file"], new_meta,
                             {k: v for k, v in meta.items() if k != "command"}, atol=1e-2, rtol=0.5)
