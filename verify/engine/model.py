"""Loading and validating a target network F (docs/overview.md §1).

Accepted inputs (what F is for each: verify/kernel/modelfile.py, shared with the checker):
  * safetensors: 2-D tensors named ``<prefix><index>.weight`` (an ``nn.Sequential`` state_dict);
  * a ``torch.save``d state_dict of that form, or a whole ``nn.Sequential`` of bias-free ``Linear`` layers with
    ``ReLU`` between them.  The pickle is interpreted by verify/kernel/modelfile.py with a closed vocabulary, never by
    ``pickle``'s own class loading: a pickle that wants to run code is refused, never executed.

For a state_dict, ReLUs cannot be seen; F is read as Linear layers in index order with a ReLU between
consecutive ones (docs/certificate.md §2).  Every problem ends in ``InputError`` with a one-line message.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from verify.errors import InputError
from verify.kernel import modelfile

__all__ = ["Target", "load_target", "target_from_weights", "sha256_file"]


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


def load_target(path: str | Path) -> Target:
    """Read, hash and validate a target model file (docs/certificate.md §2).  Raises InputError.

    The file is read once; the SHA-256 and F's weights come from those same bytes, through the checker's own
    reader (verify/kernel/modelfile.py), so the engine certifies exactly the function the checker will check."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a model file")
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size > modelfile.MAX_MODEL_BYTES:
                raise InputError(f"{path}: larger than {modelfile.MAX_MODEL_BYTES} bytes, the model size limit")
            data = f.read(modelfile.MAX_MODEL_BYTES + 1)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if not data:
        raise InputError(f"{path}: empty file")
    try:
        chain = modelfile.read_chain(data)
    except modelfile.ModelFileError as e:
        raise InputError(f"{path}: {e}") from None
    for layer in chain.layers:
        if layer.bias is not None and any(layer.bias):
            raise InputError(f"{layer.bias_key}: biases are not supported yet (F must be bias-free); this bias is "
                             "non-zero")
    arrays = [np.array(layer.weight, dtype=np.float64).reshape(len(layer.weight), -1) for layer in chain.layers]
    keys = [layer.weight_key for layer in chain.layers]
    _validate(arrays, keys)
    return Target(weights=arrays, keys=keys, sha256=hashlib.sha256(data).hexdigest(), file_format=chain.kind,
                  path=str(path), dtype=chain.dtype)
