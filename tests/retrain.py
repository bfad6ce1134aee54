"""Comparing a retrained demo model with the shipped one.

The training scripts (scripts/train_digits_*.py) are deterministic on one machine: rerunning the recorded command
gives the same bytes.  Across machines torch's CPU kernels (MKL / oneDNN paths picked by the instruction set, e.g.
AVX-512 against AVX2) may round a float32 sum differently.  Over a training run such differences stay at the level
of float32 rounding for the MLP and are amplified by training for the CNN (measured 2026-12-06 on an AVX-512
machine against the models trained on another: bias MLP largest weight difference 8.3e-7; CNN 1.9e-3 on weights
up to 0.88, its smallest top-1/top-2 margin 0.0111 against 0.0124; every accuracy equal).

So the check is: the same bytes and the same record, or else every tensor within ``atol`` of the shipped one, every
float of the record within ``rtol`` and everything else in the record (accuracies, shapes, keys, versions) equal;
the tolerances are per model, about five times the drift seen.  A changed script, seed, data split or schedule
moves the weights by far more than ``atol`` and fails either way.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

ALLOWED = [nn.Sequential, nn.Flatten, nn.Linear, nn.Conv2d, nn.ReLU, nn.Dropout, nn.Identity]
FLOAT_KEYS_THAT_DRIFT = {"sha256"}   # the file's hash changes with any bit of any weight


def _state(path: Path) -> dict[str, torch.Tensor]:
    with torch.serialization.safe_globals(ALLOWED):
        return torch.load(path, weights_only=True).state_dict()


def _same_record(new: object, old: object, rtol: float, where: str = "") -> None:
    """``new`` equals ``old`` except that floats may differ by ``rtol`` (relative) and the model's hash may differ."""
    if isinstance(old, dict):
        assert isinstance(new, dict) and new.keys() == old.keys(), where
        for key in old:
            if key not in FLOAT_KEYS_THAT_DRIFT:
                _same_record(new[key], old[key], rtol, f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), where
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            _same_record(a, b, rtol, f"{where}[{i}]")
    elif isinstance(old, float) and "accuracy" not in where:
        assert isinstance(new, float) and math.isclose(new, old, rel_tol=rtol, abs_tol=rtol), (where, new, old)
    else:
        assert new == old, (where, new, old)


def assert_retrained_matches(new_model: Path, old_model: Path, new_meta: dict, old_meta: dict,
                             atol: float = 1e-5, rtol: float = 1e-5) -> None:
    """The retrained model is the shipped one: byte-identical with an identical record, or (another CPU) within
    float32 rounding drift as the module docstring says."""
    if new_model.read_bytes() == old_model.read_bytes():
        assert new_meta == old_meta
        return
    new, old = _state(new_model), _state(old_model)
    assert new.keys() == old.keys()
    for key in old:
        assert new[key].dtype == old[key].dtype and new[key].shape == old[key].shape, key
        assert (new[key] - old[key]).abs().max().item() <= atol, key
    _same_record(new_meta, old_meta, rtol)
