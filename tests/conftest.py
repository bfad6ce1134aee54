"""Shared fixtures: small target models written to disk in every supported format."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from torch import nn

from verify.engine.runtime import set_threads

# The default is the small form that .ci/run uses; SLT_SLOW_SCALE=full runs the slow cases at full size.
SMALL = os.environ.get("SLT_SLOW_SCALE", "small") != "full"

set_threads(None)  # the CLI's thread policy, for every test (1 torch thread on machines with <= 2 cores)


def make_sequential(widths: list[int], seed: int = 0, scale: float = 1.0) -> nn.Sequential:
    """A bias-free ReLU MLP with PyTorch's default init, deterministic in ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        lin = nn.Linear(a, b, bias=False)
        with torch.no_grad():
            lin.weight.copy_((torch.rand(b, a, generator=gen) * 2 - 1) * scale / a**0.5)
        layers.append(lin)
        if i + 2 < len(widths):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def random_weights(widths: list[int], seed: int, scale: float = 1.0) -> list[np.ndarray]:
    rs = np.random.RandomState(seed)
    return [rs.uniform(-1, 1, size=(b, a)) * scale / np.sqrt(a) for a, b in zip(widths[:-1], widths[1:], strict=True)]


@pytest.fixture(scope="session")
def small_model(tmp_path_factory) -> dict:
    """The same 4-6-5-3 target as a state_dict .pt, a whole-module .pt and a .safetensors file."""
    from safetensors.torch import save_file

    d = tmp_path_factory.mktemp("models")
    m = make_sequential([4, 6, 5, 3], seed=1)
    paths = {"state_dict": d / "small.pt", "module": d / "small_module.pt", "safetensors": d / "small.safetensors"}
    torch.save(m.state_dict(), paths["state_dict"])
    torch.save(m, paths["module"])
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(paths["safetensors"]))
    return {"dir": d, "net": m, **paths}


@pytest.fixture(scope="session")
def small_cert(small_model, tmp_path_factory) -> dict:
    """A certificate for the small state_dict model (subset-sum, fixed k)."""
    import json

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    target = load_target(small_model["state_dict"])
    built = build(target.weights, Options(method="subset-sum", seed=3, device="cpu"), k=12)
    res = certify(target, Eps.parse("2"), built)
    assert res.certified, res.bound
    path = tmp_path_factory.mktemp("certs") / "small.cert.json"
    path.write_text(json.dumps(res.cert))
    return {"path": path, "cert": res.cert, "result": res, "model": small_model["state_dict"], "target": target}


def honest_certificate(path) -> dict:
    """The honest subset-sum certificate (k = 28, seed 0, ε = 1) of the model file at ``path``, accepted by the
    checker, with its bound and G̃'s exact matrices: the baseline that attack tests retarget to crafted files."""
    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.kernel import check
    from verify.options import Eps, Options

    target = load_target(path)
    built = build(target.weights, Options(method="subset-sum", seed=0, device="cpu"), k=28)
    res = certify(target, Eps.parse("1"), built, empirical=False)
    ok = check.check_certificate(res.cert, path)
    _, pruned = check.exact_networks(ok)
    return {"cert": res.cert, "bound": ok.bound, "pruned": pruned}
