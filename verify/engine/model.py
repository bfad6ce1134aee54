"""Loading and validating a target network F (docs/overview.md §1).

Accepted inputs (what F is for each: verify/kernel/modelfile.py, shared with the checker):
  * safetensors: 2-D tensors named ``<prefix><index>.weight`` and optional ``.bias`` (an ``nn.Sequential``
    state_dict);
  * a ``torch.save``d state_dict of that form, or a whole ``nn.Sequential`` of ``Linear`` layers (with or without
    biases) with ``ReLU`` between them, an optional leading ``Flatten`` and ``Dropout``/``Identity`` anywhere;
  * a whole ``nn.Sequential`` CNN: ``Conv2d`` layers, then a ``Flatten`` and ``Linear`` layers, ``ReLU`` between
    consecutive ones (docs/conv.md §1).  Its input shape (C, H, W) is given (``--input-shape``) or inferred from the
    first Linear's in_features when exactly one square image size fits.
    The pickle is interpreted by verify/kernel/modelfile.py with a closed vocabulary, never by
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

from verify.engine.conv import Layout, mlp_layout
from verify.errors import InputError
from verify.kernel import conv as kconv
from verify.kernel import modelfile

__all__ = ["Target", "load_target", "target_from_weights", "sha256_file"]

MAX_IMAGE_SIDE = 1 << 15   # the largest square side tried when inferring the input shape


@dataclass(frozen=True)
class Target:
    """A validated target F: ``weights[i]`` is W_{i+1} as exact float64, shape (out, in) — for a Conv2d its kernel
    matrix (out, in·kh·kw), docs/conv.md §1; ``biases[i]`` is b_{i+1} (zeros where the layer has none,
    ``bias_keys[i]`` None then); ``modules`` F's module classes in order; ``layout`` each layer's kind and geometry
    and F's input shape (engine/conv.py; default: the MLP of ``weights``)."""

    weights: list[np.ndarray]
    keys: list[str]
    biases: list[np.ndarray] = field(default_factory=list)
    bias_keys: list[str | None] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    sha256: str = ""
    file_format: str = "memory"
    path: str = ""
    dtype: str = "float64"
    notes: list[str] = field(default_factory=list)
    layout: Layout | None = None

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """Each layer's weight matrix shape (out, in) (a Conv2d's kernel matrix: (out, in·kh·kw))."""
        return [tuple(w.shape) for w in self.weights]  # type: ignore[misc]

    @property
    def widths(self) -> list[int]:
        """n_0 = d, n_1, ..., n_L for an MLP; for a CNN the channels (features) n_0 = C, then every layer's outputs
        (``Layout.channels``)."""
        if self.layout is not None and self.layout.conv:
            return self.layout.channels
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    @property
    def in_features(self) -> int:
        """d, the length of the (flattened) input x: C·H·W for a CNN."""
        return self.layout.in_features if self.layout is not None else self.weights[0].shape[1]

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.layout.input_shape if self.layout is not None else (self.weights[0].shape[1],)

    def __post_init__(self) -> None:
        if not self.biases:
            self.biases.extend(np.zeros(w.shape[0]) for w in self.weights)
        if not self.bias_keys:
            self.bias_keys.extend([None] * len(self.weights))
        if not self.modules:
            self.modules.extend(["Linear", "ReLU"] * (len(self.weights) - 1) + ["Linear"])
        if self.layout is None:
            object.__setattr__(self, "layout", mlp_layout(self.weights, self.modules))

    @property
    def parameters(self) -> int:
        """Weights and stored biases of F."""
        return sum(w.size for w in self.weights) + sum(
            b.size for b, key in zip(self.biases, self.bias_keys, strict=True) if key is not None)

    @property
    def has_bias(self) -> bool:
        """Some bias is non-zero (then G needs constant neurons, docs/affine.md §2)."""
        return any(bool(np.any(b)) for b in self.biases)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """F(x) in float64 for a batch x of shape (B, d) (flattened inputs: d = C·H·W for a CNN, whose output is
        flattened too); a Conv2d runs as torch's zero-padded conv2d (docs/conv.md §1)."""
        h = x.to(torch.float64)
        for i, w in enumerate(self.weights):
            wt = torch.from_numpy(w).to(h.device)
            b = torch.from_numpy(self.biases[i]).to(h.device)
            if self.layout.is_conv(i):
                g = self.layout.geometry[i]
                z = h.reshape(h.shape[0], g.c_in, g.h, g.w)
                kernel = wt.reshape(g.c_out, g.c_in, g.kh, g.kw)
                h = torch.nn.functional.conv2d(z, kernel, b, g.stride, g.padding).reshape(h.shape[0], -1)
            else:
                h = h @ wt.T + b
            if i + 1 < len(self.weights):
                h = torch.relu(h)
        return h


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _float64(x, what: str) -> np.ndarray:
    t = x.detach().cpu() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if not t.is_floating_point():
        raise InputError(f"{what} must be floating point, got {t.dtype}")
    return t.to(torch.float64).numpy().copy()


def target_from_weights(weights: list, keys: list[str] | None = None, biases: list | None = None) -> Target:
    """Validate in-memory weight matrices (numpy or torch, (out, in)) and optional bias vectors into a Target."""
    arrays = [_float64(w, f"layer {i + 1}: weights") for i, w in enumerate(weights)]
    keys = keys or [f"{2 * i}.weight" for i in range(len(arrays))]
    _validate(arrays, keys)
    if biases is None:
        return Target(weights=arrays, keys=keys)
    vecs = [np.zeros(w.shape[0]) if b is None else _float64(b, f"layer {i + 1}: bias").reshape(-1)
            for i, (w, b) in enumerate(zip(arrays, biases, strict=True))]
    _validate_biases(arrays, vecs, keys)
    return Target(weights=arrays, keys=keys, biases=vecs,
                  bias_keys=[None if b is None else key.rsplit(".", 1)[0] + ".bias"
                             for key, b in zip(keys, biases, strict=True)])


def _validate_biases(arrays: list[np.ndarray], vecs: list[np.ndarray], keys: list[str]) -> None:
    for i, (w, b, key) in enumerate(zip(arrays, vecs, keys, strict=True)):
        if b.shape != (w.shape[0],):
            raise InputError(f"layer {i + 1} ({key}): the bias has shape {tuple(b.shape)}, expected ({w.shape[0]},)")
        if not np.all(np.isfinite(b)):
            raise InputError(f"layer {i + 1} ({key}): the bias holds NaN or Inf")


def _validate(arrays: list[np.ndarray], keys: list[str], chained: bool = True) -> None:
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
        if chained and i and w.shape[1] != arrays[i - 1].shape[0]:
            raise InputError(
                f"shape mismatch: layer {i} ({keys[i - 1]}) has {arrays[i - 1].shape[0]} outputs but layer "
                f"{i + 1} ({key}) expects {w.shape[1]} inputs")


def _layer_specs(chain: modelfile.Chain) -> list[tuple]:
    return [(tuple(layer.shape), tuple(layer.stride), tuple(layer.padding)) for layer in chain.layers]


def _infer_shape(chain: modelfile.Chain, where: str) -> tuple[int, ...]:
    """F's input shape when the file does not say it: (d,) for an MLP; for a CNN (C, S, S) with C the first
    convolution's in_channels and S the one square side whose image, after the convolutions, has as many values as
    the first Linear's in_features.  InputError (pass --input-shape) when no Linear pins it down or S is not
    unique."""
    layers = chain.layers
    kinds = [layer.kind for layer in layers]
    if "Conv2d" not in kinds:
        return (layers[0].shape[1],)
    ask = "pass --input-shape C,H,W"
    if "Linear" not in kinds:
        raise InputError(f"{where}: F has no Linear layer to infer its input image size from; {ask}")
    first = kinds.index("Linear")
    cut = [j for j, m in enumerate(chain.modules) if m in ("Flatten", "Linear")][0]
    modules, specs, want = list(chain.modules[:cut]), _layer_specs(chain)[:first], layers[first].shape[1]
    c = layers[0].shape[1]
    fits = []
    for side in range(1, MAX_IMAGE_SIDE + 1):
        try:
            g = kconv.walk([c, side, side], modules, specs)[-1]
        except kconv.GeometryError:
            continue
        size = g.c_out * g.pixels
        if size == want:
            fits.append(side)
        elif size > want:
            break
    if len(fits) != 1:
        found = "no square image size gives" if not fits else \
            f"the input size is ambiguous: {', '.join(f'{s}x{s}' for s in fits)} all give"
        raise InputError(f"{where}: {found} the first Linear's {want} inputs; {ask}")
    return (c, fits[0], fits[0])


def _layout(chain: modelfile.Chain, input_shape: tuple[int, ...] | None, where: str) -> tuple[Layout, list[str]]:
    """F's layout for the given or inferred input shape, checked to fit every layer (docs/conv.md §1)."""
    notes = []
    shape = tuple(input_shape) if input_shape else _infer_shape(chain, where)
    if not input_shape and len(shape) == 3:
        notes.append(f"input shape {shape[0]}x{shape[1]}x{shape[2]} inferred (square images); pass --input-shape "
                     "C,H,W otherwise")
    try:
        geometry = kconv.walk(list(shape), list(chain.modules), _layer_specs(chain))
    except kconv.GeometryError as e:
        raise InputError(f"{where}: input shape {'x'.join(map(str, shape))} does not fit F: {e}; pass "
                         "--input-shape C,H,W") from None
    kinds = tuple(layer.kind for layer in chain.layers)
    return Layout(kinds, tuple(geometry), tuple(chain.modules), shape), notes


def load_target(path: str | Path, input_shape: tuple[int, ...] | None = None) -> Target:
    """Read, hash and validate a target model file (docs/certificate.md §2).  Raises InputError.

    The file is read once; the SHA-256 and F's weights come from those same bytes, through the checker's own
    reader (verify/kernel/modelfile.py), so the engine certifies exactly the function the checker will check.
    ``input_shape`` ((C, H, W) or (d,)) is F's input; by default inferred (``_infer_shape``)."""
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
    arrays = [np.array(layer.weight, dtype=np.float64).reshape(len(layer.weight), -1) for layer in chain.layers]
    keys = [layer.weight_key for layer in chain.layers]
    _validate(arrays, keys, chained=all(layer.kind == "Linear" for layer in chain.layers))
    layout, notes = _layout(chain, input_shape, str(path))
    vecs = [np.zeros(len(layer.weight)) if layer.bias is None else np.array(layer.bias, dtype=np.float64)
            for layer in chain.layers]
    return Target(weights=arrays, keys=keys, biases=vecs, bias_keys=[layer.bias_key for layer in chain.layers],
                  modules=list(getattr(chain, "modules", [])), sha256=hashlib.sha256(data).hexdigest(),
                  file_format=chain.kind, path=str(path), dtype=chain.dtype, notes=notes, layout=layout)
