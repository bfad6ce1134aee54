"""Loading targets (issue 2): every accepted format, every bad input -> one line and exit status 2."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import make_sequential
from torch import nn

from verify.cli import main
from verify.engine.model import load_target
from verify.errors import InputError


@pytest.mark.parametrize("fmt", ["state_dict", "module", "safetensors"])
def test_formats_load_identically(small_model, fmt):
    t = load_target(small_model[fmt])
    ref = [p.detach().double().numpy() for p in small_model["net"].parameters()]
    assert t.shapes == [(6, 4), (5, 6), (3, 5)]
    assert all(np.array_equal(a, b) for a, b in zip(t.weights, ref, strict=True))
    assert len(t.sha256) == 64 and t.file_format != "memory"
    x = torch.randn(7, 4, dtype=torch.float64)
    assert torch.allclose(t.forward(x), small_model["net"].double()(x))
    small_model["net"].float()


def _cli_error(args, capsys) -> str:
    code = main(args)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def _save(tmp_path, name, obj):
    p = tmp_path / name
    torch.save(obj, p)
    return str(p)


def test_missing_file(tmp_path, capsys):
    assert "no such file" in _cli_error(["certify", str(tmp_path / "nope.pt"), "--eps", "0.1"], capsys)


def test_directory(tmp_path, capsys):
    assert "directory" in _cli_error(["certify", str(tmp_path), "--eps", "0.1"], capsys)


def test_unreadable_file(tmp_path, capsys, small_model):
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    p = tmp_path / "locked.pt"
    p.write_bytes(small_model["state_dict"].read_bytes())
    p.chmod(0)
    assert "cannot read" in _cli_error(["certify", str(p), "--eps", "0.1"], capsys)


def test_empty_file(tmp_path, capsys):
    p = tmp_path / "empty.pt"
    p.write_bytes(b"")
    assert "empty file" in _cli_error(["certify", str(p), "--eps", "0.1"], capsys)


@pytest.mark.parametrize("name", ["small.pt", "small.safetensors"])
def test_truncated(tmp_path, capsys, small_model, name):
    src = small_model["state_dict"] if name.endswith(".pt") else small_model["safetensors"]
    data = src.read_bytes()
    p = tmp_path / name
    p.write_bytes(data[: len(data) // 2])
    err = _cli_error(["certify", str(p), "--eps", "0.1"], capsys)
    assert "truncated" in err or "not a valid safetensors" in err or "corrupt" in err


def test_not_a_model(tmp_path, capsys):
    assert "not a model" in _cli_error(["certify", _save(tmp_path, "x.pt", [1, 2, 3]), "--eps", "0.1"], capsys)
    assert "not a model" in _cli_error(["certify", _save(tmp_path, "y.pt", {"a": 3}), "--eps", "0.1"], capsys)
    p = tmp_path / "text.pt"
    p.write_text("hello, I am not a model")
    assert "not a loadable" in _cli_error(["certify", str(p), "--eps", "0.1"], capsys)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/slt_verify_pwned",))


def test_code_running_pickle_is_refused_not_run(tmp_path, capsys):
    marker = "/tmp/slt_verify_pwned"
    if os.path.exists(marker):
        os.remove(marker)
    p = tmp_path / "evil.pt"
    torch.save({"0.weight": torch.ones(2, 2), "payload": _Evil()}, p)
    err = _cli_error(["certify", str(p), "--eps", "0.1"], capsys)
    assert "refused" in err
    assert not os.path.exists(marker)
    q = tmp_path / "evil_raw.pt"
    q.write_bytes(pickle.dumps(_Evil()))
    _cli_error(["certify", str(q), "--eps", "0.1"], capsys)
    assert not os.path.exists(marker)


def test_unsupported_layer_is_named(tmp_path, capsys):
    m = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Tanh(), nn.Linear(4, 2, bias=False))
    assert "Tanh" in _cli_error(["certify", _save(tmp_path, "tanh.pt", m), "--eps", "0.1"], capsys)
    m = nn.Sequential(nn.Linear(3, 4, bias=False), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2, bias=False))
    assert "BatchNorm1d" in _cli_error(["certify", _save(tmp_path, "bn.pt", m), "--eps", "0.1"], capsys)


def test_nonzero_bias_is_read_exactly(tmp_path):
    """Biases are part of F now: the state_dict and the module give the same Target, with the stored float32 values
    converted exactly and the bias keys recorded."""
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    for name, obj in (("bias.pt", m.state_dict()), ("biasm.pt", m)):
        t = load_target(_save(tmp_path, name, obj))
        assert t.bias_keys == ["0.bias", "2.bias"] and t.has_bias
        for got, want in zip(t.biases, (m[0].bias, m[2].bias), strict=True):
            assert got.tolist() == want.detach().double().tolist()
        x = torch.randn(5, 3, dtype=torch.float64)
        assert torch.allclose(t.forward(x), m.double()(x), rtol=1e-12, atol=1e-12)
        m.float()


def test_zero_bias_is_accepted(tmp_path):
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with torch.no_grad():
        for layer in (m[0], m[2]):
            layer.bias.zero_()
    assert load_target(_save(tmp_path, "zb.pt", m.state_dict())).shapes == [(4, 3), (2, 4)]


def test_shape_mismatch(tmp_path, capsys):
    sd = {"0.weight": torch.ones(4, 3), "2.weight": torch.ones(2, 5)}
    assert "shape mismatch" in _cli_error(["certify", _save(tmp_path, "mm.pt", sd), "--eps", "0.1"], capsys)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nonfinite_weights(tmp_path, capsys, bad):
    w = torch.ones(4, 3)
    w[1, 2] = bad
    sd = {"0.weight": w, "2.weight": torch.ones(2, 4)}
    assert "NaN or Inf" in _cli_error(["certify", _save(tmp_path, "nan.pt", sd), "--eps", "0.1"], capsys)


def test_empty_model(tmp_path, capsys):
    assert "empty model" in _cli_error(["certify", _save(tmp_path, "e.pt", {}), "--eps", "0.1"], capsys)
    assert "empty model" in _cli_error(["certify", _save(tmp_path, "es.pt", nn.Sequential()), "--eps", "0.1"],
                                       capsys)


def test_relu_at_the_end(tmp_path, capsys):
    m = nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU())
    assert "ends with a ReLU" in _cli_error(["certify", _save(tmp_path, "r.pt", m), "--eps", "0.1"], capsys)


@pytest.mark.parametrize("eps", ["0", "-0.1", "nan", "inf", "abc", "1e400x"])
def test_bad_eps(small_model, capsys, eps):
    with pytest.raises(SystemExit) as e:
        main(["certify", str(small_model["state_dict"]), "--eps", eps])
    assert e.value.code == 2
    assert "--eps" in capsys.readouterr().err


def test_bad_width_and_seed(small_model, capsys):
    for args in (["--width-factor", "0"], ["--width-factor", "x"], ["--seed", "-1"], ["--seed", str(2**32)],
                 ["--max-candidates", "1"], ["--max-candidates", "41"], ["--max-candidates", "x"]):
        with pytest.raises(SystemExit) as e:
            main(["certify", str(small_model["state_dict"]), "--eps", "0.1", *args])
        assert e.value.code == 2
        assert args[0] in capsys.readouterr().err, args   # refused for this option, not another reason


def test_integer_weights_rejected():
    from verify.engine.model import target_from_weights

    with pytest.raises(InputError, match="floating point"):
        target_from_weights([torch.ones(2, 2, dtype=torch.int64)])


def test_weights_at_any_scale_are_accepted():
    from verify.engine.construct import build
    from verify.options import Options

    m = make_sequential([3, 5, 2], seed=0, scale=1000.0)
    w = [p.detach().double().numpy() for p in m.parameters()]
    x = torch.randn(5, 3, dtype=torch.float64)
    g = torch.relu(x @ torch.from_numpy(w[0]).T) @ torch.from_numpy(w[1]).T
    for rescale in ("layer", "neuron", "auto"):
        c = build(w, Options(method="pair", seed=0, device="cpu", rescale=rescale), k=4)
        assert c.rescaling in {"layer": ("layer",), "neuron": ("neuron",), "auto": ("layer", "neuron")}[rescale]
        # exact power-of-two rescaling: the function is unchanged
        f = torch.relu(x @ torch.from_numpy(c.scaled[0]).T) @ torch.from_numpy(c.scaled[1]).T
        assert torch.equal(f, g)
        if rescale == "layer":  # whole layers are brought to their geometric mean
            assert np.abs(c.scaled[0]).max() <= 2 * np.sqrt(np.abs(w[0]).max() * np.abs(w[1]).max())


def test_console_script_and_module_entry_point(small_model):
    for cmd in (["slt-verify", "--help"], [sys.executable, "-m", "verify", "check", "--help"]):
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0 and "usage" in out.stdout
