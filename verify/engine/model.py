"""Loading and validating a target network F (DESIGN.md §1).

Accepted inputs:
  * ``.safetensors``: 2-D tensors named ``<prefix><index>.weight`` (an ``nn.Sequential`` state_dict);
  * ``.pt``/``.pth``/other: a ``torch.save``d state_dict of that form, or a whole ``nn.Sequential`` of bias-free
    ``Linear`` layers with ``ReLU`` between them.  Loaded with ``weights_only=True`` and only ``Sequential``,
    ``Linear`` and ``ReLU`` allow-listed: a pickle that wants to run code is refused, never executed.

For a state_dict, ReLUs cannot be seen; F is read as Linear layers in index order with a ReLU between
consecutive ones (DESIGN.md §1).  Every problem ends in ``InputError`` with a one-line message.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from verify.errors import InputError

__all__ = ["Target", "load_target", "target_from_weights", "sha256_file"]

_KEY = re.compile(r"^(?P<prefix>(?:.*\.)?)(?P<index>\d+)\.(?P<kind>weight|bias)$")


@dataclass(frozen=True)
class Target:
    """A validated target F: ``weights[i]`` is W_{i+1} as exact float64, shape (out, in)."""

    weights: list[np.ndarray]
    keys: list[str]
    sha256: str = ""
    file_format: str = "memory"
    path: str = ""
    dtype: str = "float64"
    notes: list[str] = field(default_factory=list)

    @property
    def shapes(self) -> list[tuple[int, int]]:
        return [tuple(w.shape) for w in self.weights]  # type: ignore[misc]

    @property
    def widths(self) -> list[int]:
        """n_0 = d, n_1, ..., n_L."""
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    @property
    def parameters(self) -> int:
        return sum(w.size for w in self.weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """F(x) in float64 for a batch x of shape (B, d)."""
        h = x.to(torch.float64)
        for i, w in enumerate(self.weights):
            h = h @ torch.from_numpy(w).to(h.device).T
            if i + 1 < len(self.weights):
                h = torch.relu(h)
        return h


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def target_from_weights(weights: list, keys: list[str] | None = None) -> Target:
    """Validate in-memory weight matrices (numpy or torch, (out, in)) into a Target."""
    arrays = []
    for i, w in enumerate(weights):
        t = w.detach().cpu() if isinstance(w, torch.Tensor) else torch.as_tensor(np.asarray(w))
        if not t.is_floating_point():
            raise InputError(f"layer {i + 1}: weights must be floating point, got {t.dtype}")
        arrays.append(t.to(torch.float64).numpy().copy())
    keys = keys or [f"{2 * i}.weight" for i in range(len(arrays))]
    _validate(arrays, keys)
    return Target(weights=arrays, keys=keys)


def _validate(arrays: list[np.ndarray], keys: list[str]) -> None:
    if not arrays:
        raise InputError("the model has no Linear layers (empty model)")
    for i, (w, key) in enumerate(zip(arrays, keys, strict=True)):
        if w.ndim != 2:
            raise InputError(f"layer {i + 1} ({key}): expected a 2-D Linear weight, got shape {tuple(w.shape)}")
        if 0 in w.shape:
            raise InputError(f"layer {i + 1} ({key}): empty weight matrix of shape {tuple(w.shape)}")
        if not np.all(np.isfinite(w)):
            bad = int(np.size(w) - np.count_nonzero(np.isfinite(w)))
            raise InputError(f"layer {i + 1} ({key}): {bad} weight(s) are NaN or Inf")
        if i and w.shape[1] != arrays[i - 1].shape[0]:
            raise InputError(
                f"shape mismatch: layer {i} ({keys[i - 1]}) has {arrays[i - 1].shape[0]} outputs but layer "
                f"{i + 1} ({key}) expects {w.shape[1]} inputs")


def _check_zero_bias(key: str, b: torch.Tensor) -> None:
    if b is not None and torch.count_nonzero(b).item():
        raise InputError(f"{key}: biases are not supported yet (F must be bias-free); this bias is non-zero")


def _from_state_dict(sd: dict) -> tuple[list[torch.Tensor], list[str]]:
    layers: dict[tuple[str, int], torch.Tensor] = {}
    for key, value in sd.items():
        if not isinstance(value, torch.Tensor):
            raise InputError(f"not a model: entry {key!r} is a {type(value).__name__}, not a tensor")
        m = _KEY.match(str(key))
        if not m:
            raise InputError(f"not an nn.Sequential state_dict of Linear layers: unexpected entry {key!r}")
        if m["kind"] == "bias":
            _check_zero_bias(str(key), value)
            continue
        layers[(m["prefix"], int(m["index"]))] = value
    prefixes = {p for p, _ in layers}
    if len(prefixes) > 1:
        raise InputError(f"state_dict mixes several module prefixes: {sorted(prefixes)}")
    order = sorted(layers, key=lambda pi: pi[1])
    return [layers[pi] for pi in order], [f"{p}{i}.weight" for p, i in order]


def _from_sequential(model: torch.nn.Module) -> tuple[list[torch.Tensor], list[str]]:
    if type(model) is not torch.nn.Sequential:
        raise InputError(f"not a supported model: {type(model).__name__} (expected nn.Sequential or a state_dict)")
    children = list(model.named_children())
    weights, keys = [], []
    expect_linear = True
    for name, layer in children:
        kind = type(layer).__name__
        if isinstance(layer, torch.nn.Linear):
            if not expect_linear:
                raise InputError(f"layer {name} (Linear) follows a Linear layer without a ReLU between them")
            _check_zero_bias(f"{name}.bias", layer.bias)
            weights.append(layer.weight.detach())
            keys.append(f"{name}.weight")
            expect_linear = False
        elif isinstance(layer, torch.nn.ReLU):
            if expect_linear:
                raise InputError(f"layer {name} (ReLU) must sit between two Linear layers")
            expect_linear = True
        else:
            raise InputError(f"layer {name} ({kind}) is not supported: only Linear and ReLU layers are")
    if weights and expect_linear:
        raise InputError("the model ends with a ReLU: the last layer of F must be Linear (DESIGN.md §1)")
    return weights, keys


_SAFE = [torch.nn.Sequential, torch.nn.Linear, torch.nn.ReLU]


def _torch_load(path: Path):
    try:
        with torch.serialization.safe_globals(_SAFE):
            return torch.load(path, map_location="cpu", weights_only=True)
    except (zipfile.BadZipFile, EOFError, RuntimeError) as e:
        raise InputError(f"{path}: truncated or corrupt PyTorch file ({str(e).splitlines()[0][:120]})") from None
    except Exception as e:  # UnpicklingError and friends
        text = str(e)
        m = re.search(r"(?:Unsupported global: GLOBAL|unsupported GLOBAL) ([\w.]+)", text)
        if m:
            name = m.group(1)
            if name.startswith("torch.nn.modules."):
                raise InputError(f"{path}: layer {name.rsplit('.', 1)[-1]} is not supported: only Linear and "
                                 "ReLU layers are") from None
            raise InputError(f"{path}: refused: the pickle asks for {name}, which weights-only loading does not "
                             "allow (a model file has no reason to run code)") from None
        if "Weights only load failed" in text:
            raise InputError(f"{path}: refused: the pickle needs more than weights-only loading allows "
                             "(only tensors, state_dicts and nn.Sequential of Linear/ReLU are accepted)") from None
        first = text.strip().splitlines()[0][:160] if text.strip() else type(e).__name__
        raise InputError(f"{path}: not a loadable PyTorch model ({first})") from None


def _load_safetensors(path: Path) -> dict:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise InputError(f"{path}: not a valid safetensors file ({str(e)[:120]})") from None


def load_target(path: str | Path) -> Target:
    """Read, validate and hash a target model file (DESIGN.md §1).  Raises InputError."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a model file")
    try:
        digest = sha256_file(path)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if path.stat().st_size == 0:
        raise InputError(f"{path}: empty file")
    if path.suffix == ".safetensors":
        obj, fmt = _load_safetensors(path), "safetensors"
    else:
        obj = _torch_load(path)
        fmt = "torch-module" if isinstance(obj, torch.nn.Module) else "torch-state-dict"
    if isinstance(obj, torch.nn.Module):
        tensors, keys = _from_sequential(obj)
    elif isinstance(obj, dict):
        tensors, keys = _from_state_dict(obj)
    else:
        raise InputError(f"{path}: not a model: the file holds a {type(obj).__name__}")
    for key, t in zip(keys, tensors, strict=True):
        if not t.is_floating_point():
            raise InputError(f"{key}: weights must be floating point, got {t.dtype}")
    arrays = [t.to(torch.float64).numpy().copy() for t in tensors]
    _validate(arrays, keys)
    dtype = str(tensors[0].dtype).replace("torch.", "")
    return Target(weights=arrays, keys=keys, sha256=digest, file_format=fmt, path=str(path), dtype=dtype)
