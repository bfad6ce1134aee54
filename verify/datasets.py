"""Data for the embedded demo target: scikit-learn's ``load_digits`` on the unit sphere, no download.

The certificate covers the unit l2 ball (docs/overview.md §1), so every input row is scaled to unit l2 norm.
This loses nothing for classification: the target F is a bias-free ReLU MLP, hence positively
homogeneous (σ(c t) = c σ(t) for c > 0 gives F(c x) = c F(x)), so for every x ≠ 0

    argmax F(x / ‖x‖₂) = argmax F(x).

``load_digits`` (1797 grey-scale 8×8 images, 10 classes) ships inside scikit-learn; nothing here
touches the network.  Also: the accuracy of a forward function, uniform samples from the unit ball for
held-out evaluation of ‖G̃(x) − F(x)‖₂, and the path of the embedded model trained by
``scripts/train_digits.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = [
    "EMBEDDED_MODEL",
    "EMBEDDED_META",
    "EMBEDDED_KEYS",
    "digits_split",
    "unit_rows",
    "accuracy",
    "unit_ball_points",
    "embedded_model_path",
    "embedded_meta_path",
    "load_embedded_weights",
    "mlp_forward",
    "EMBEDDED_BIAS_MODEL_NAME",
    "EMBEDDED_BIAS_META_NAME",
    "EMBEDDED_BIAS_MODEL",
    "EMBEDDED_BIAS_META",
    "EMBEDDED_BIAS_KEYS",
    "EMBEDDED_BIAS_MODULES",
    "PIXEL_SCALE",
    "digits_pixels_split",
    "box_points",
    "affine_mlp_forward",
    "load_embedded_bias_model",
    "load_embedded_bias_layers",
]

EMBEDDED_MODEL = "digits_mlp.safetensors"
EMBEDDED_META = "digits_mlp.json"
EMBEDDED_KEYS = ("0.weight", "2.weight", "4.weight")


def unit_rows(X: np.ndarray) -> np.ndarray:
    """Return ``X`` (float64) with every row divided by its l2 norm: x ↦ x / ‖x‖₂.

    A zero row has no direction and is rejected with ``ValueError``.

    >>> unit_rows(np.array([[3.0, 4.0]])).tolist()
    [[0.6, 0.8]]
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-d array, got shape {X.shape}")
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms == 0.0):
        raise ValueError("a zero row cannot be scaled to unit norm")
    return X / norms


def digits_split(
    test_fraction: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified, deterministic train/test split of ``load_digits``, rows on the unit sphere.

    Returns ``(X_train, y_train, X_test, y_test)``: X float64 of shape (N, 64) with ‖x‖₂ = 1 per row
    (see the module docstring for why this keeps argmax F unchanged), y int64 labels in 0..9.  The same
    ``(test_fraction, seed)`` always gives the same split; every class keeps its share in both parts.

    >>> X_tr, y_tr, X_te, y_te = digits_split()
    >>> X_tr.shape, X_te.shape
    ((1347, 64), (450, 64))
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = unit_rows(digits.data)
    y = np.asarray(digits.target, dtype=np.int64)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, shuffle=True, stratify=y
    )
    return X_tr, y_tr, X_te, y_te


def accuracy(forward: Callable[[np.ndarray], np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose top logit is the label: mean over i of [argmax forward(X)_i = y_i].

    ``forward`` maps an (N, d) array to (N, classes) scores.  Ties go to the lowest class index
    (``numpy.argmax``).

    >>> accuracy(lambda X: X, np.eye(3), np.array([0, 1, 1]))
    0.6666666666666666
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has shape {y.shape}")
    if y.shape[0] == 0:
        raise ValueError("accuracy of an empty set is undefined")
    scores = np.asarray(forward(X))
    if scores.ndim != 2 or scores.shape[0] != y.shape[0]:
        raise ValueError(f"forward returned shape {scores.shape}, expected ({y.shape[0]}, classes)")
    return float(np.mean(np.argmax(scores, axis=1) == y))


def unit_ball_points(n: int, d: int, seed: int) -> np.ndarray:
    """``n`` points drawn uniformly from the closed unit l2 ball in R^d, float64 of shape (n, d).

    x = r · g / ‖g‖₂ with g ~ N(0, I_d) (uniform direction) and r = U^{1/d}, U ~ U[0, 1]
    (P(‖x‖ ≤ r) = r^d, the volume fraction).  Deterministic in ``seed``.

    >>> bool(np.all(np.linalg.norm(unit_ball_points(100, 5, 0), axis=1) <= 1.0))
    True
    """
    if n < 0 or d < 1:
        raise ValueError(f"need n >= 0 and d >= 1, got n={n}, d={d}")
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, d))
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0  # probability zero; keeps the point at the origin instead of NaN
    r = rng.random((n, 1)) ** (1.0 / d)
    # Rounding can leave ‖x‖ a few ulps above 1; pull such points back inside the closed ball.
    x = g / norms * r
    over = np.linalg.norm(x, axis=1) > 1.0
    while np.any(over):
        x[over] *= 1.0 - 2.0**-50
        over = np.linalg.norm(x, axis=1) > 1.0
    return x


def mlp_forward(weights: Sequence[np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """The bias-free ReLU MLP of docs/overview.md §1 as a float64 numpy function of a batch of rows.

    F(x) = W_L σ(W_{L-1} ⋯ σ(W_1 x)) with PyTorch ``(out, in)`` shapes; row-batched as X ↦ F(Xᵀ)ᵀ.
    Plain floating point, for accuracies and demos only (the certificate never relies on it).

    >>> f = mlp_forward([np.array([[1.0, -1.0]]), np.array([[2.0]])])
    >>> f(np.array([[3.0, 1.0], [1.0, 3.0]])).tolist()
    [[4.0], [0.0]]
    """
    mats = [np.asarray(W, dtype=np.float64) for W in weights]
    if not mats:
        raise ValueError("an MLP needs at least one weight matrix")
    for prev, nxt in zip(mats, mats[1:], strict=False):
        if prev.ndim != 2 or nxt.ndim != 2 or nxt.shape[1] != prev.shape[0]:
            raise ValueError(f"weight shapes {prev.shape} then {nxt.shape} do not chain")

    def forward(X: np.ndarray) -> np.ndarray:
        a = np.asarray(X, dtype=np.float64)
        for W in mats[:-1]:
            a = np.maximum(a @ W.T, 0.0)
        return a @ mats[-1].T

    return forward


def _data_file(name: str) -> Path:
    ref = resources.files("verify").joinpath("data", name)
    path = Path(str(ref))
    if not path.is_file():
        raise FileNotFoundError(f"embedded file {name} is missing from the verify package")
    return path


def embedded_model_path() -> Path:
    """Filesystem path of the embedded digits target (float32 safetensors, keys 0/2/4.weight).

    Found with ``importlib.resources`` so it also works from an installed, non-editable package
    (pyproject.toml ships ``verify/data/*.safetensors`` as package data; wheels install as plain files).
    """
    return _data_file(EMBEDDED_MODEL)


def embedded_meta_path() -> Path:
    """Filesystem path of the JSON record written next to the embedded model by the training script."""
    return _data_file(EMBEDDED_META)


def load_embedded_weights() -> list[np.ndarray]:
    """The embedded target's weight matrices W_1, W_2, W_3 (float32, PyTorch ``(out, in)`` shapes).

    Read with ``safetensors.numpy`` (no pickle); keys ``0.weight``, ``2.weight``, ``4.weight`` are the
    ``nn.Sequential`` indices of the three ``Linear`` layers.
    """
    from safetensors.numpy import load_file

    tensors = load_file(str(embedded_model_path()))
    return [tensors[key] for key in EMBEDDED_KEYS]


# --- the second embedded target: an MLP with biases on raw pixels / 16 (box [0, 1]^64) ---------------------------

EMBEDDED_BIAS_MODEL_NAME = "digits_bias_mlp.pt"
EMBEDDED_BIAS_META_NAME = "digits_bias_mlp.json"
# Paths inside the installed package (importlib.resources; pyproject.toml must ship verify/data/*.pt).  Not checked
# for existence here, so that scripts/train_digits_bias.py can import them before the files are written.
EMBEDDED_BIAS_MODEL = Path(str(resources.files("verify").joinpath("data", EMBEDDED_BIAS_MODEL_NAME)))
EMBEDDED_BIAS_META = Path(str(resources.files("verify").joinpath("data", EMBEDDED_BIAS_META_NAME)))
EMBEDDED_BIAS_KEYS = ("1.weight", "1.bias", "4.weight", "4.bias", "6.weight", "6.bias")
EMBEDDED_BIAS_MODULES = ("Flatten", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Linear")
PIXEL_SCALE = 16.0  # load_digits pixels are integers 0..16; dividing by 16 maps them into [0, 1]


def digits_pixels_split(
    test_fraction: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``load_digits`` as raw pixels / 16 (every value in the box [0, 1]^64), split exactly like ``digits_split``.

    Returns ``(x_train, y_train, x_test, y_test)``: x float64 of shape (N, 64) with entries k/16, k ∈ {0, …, 16}
    (exact in binary), y int64 labels.  The rows and their order are those of ``digits_split(test_fraction,
    seed)`` (same stratified ``train_test_split`` call on the same labels), only scaled by 1/16 instead of to unit
    norm, so held-out accuracies of the two embedded targets are measured on the same digits.  Reshape to
    (N, 1, 8, 8) for a model that starts with ``nn.Flatten()``.

    >>> x_tr, y_tr, x_te, y_te = digits_pixels_split()
    >>> x_tr.shape, x_te.shape, float(x_tr.min()), float(x_tr.max())
    ((1347, 64), (450, 64), 0.0, 1.0)
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = np.asarray(digits.data, dtype=np.float64) / PIXEL_SCALE
    y = np.asarray(digits.target, dtype=np.int64)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, shuffle=True, stratify=y
    )
    return X_tr, y_tr, X_te, y_te


def box_points(n: int, d: int, lo: float | np.ndarray = 0.0, hi: float | np.ndarray = 1.0, seed: int = 0) -> np.ndarray:
    """``n`` points drawn uniformly from the box [lo, hi]^d, float64 of shape (n, d); deterministic in ``seed``.

    ``lo`` and ``hi`` are scalars or length-``d`` arrays (per-coordinate bounds) with lo ≤ hi.  Each coordinate is
    lo + (hi − lo)·U, U ~ U[0, 1), clipped to [lo, hi] against rounding, so every point lies in the closed box.

    >>> x = box_points(1000, 3, -1.0, 2.0, seed=0)
    >>> x.shape, bool(np.all((x >= -1.0) & (x <= 2.0)))
    ((1000, 3), True)
    """
    if n < 0 or d < 1:
        raise ValueError(f"need n >= 0 and d >= 1, got n={n}, d={d}")
    lo_a = np.broadcast_to(np.asarray(lo, dtype=np.float64), (d,))
    hi_a = np.broadcast_to(np.asarray(hi, dtype=np.float64), (d,))
    if not (np.all(np.isfinite(lo_a)) and np.all(np.isfinite(hi_a))) or np.any(lo_a > hi_a):
        raise ValueError("box bounds must be finite with lo <= hi in every coordinate")
    u = np.random.default_rng(seed).random((n, d))
    return np.clip(lo_a + (hi_a - lo_a) * u, lo_a, hi_a)


def affine_mlp_forward(
    weights: Sequence[np.ndarray], biases: Sequence[np.ndarray | None]
) -> Callable[[np.ndarray], np.ndarray]:
    """A ReLU MLP with biases as a float64 numpy function of a batch of rows (inference: Dropout is the identity).

    F(x) = W_L σ(⋯ σ(W_1 x + b_1) ⋯) + b_L with PyTorch ``(out, in)`` shapes; a ``None`` bias is 0.  Plain
    floating point, for accuracies and demos only.  Rows of any trailing shape are flattened row-major first,
    as ``nn.Flatten()`` does.

    >>> f = affine_mlp_forward([np.array([[1.0, -1.0]]), np.array([[2.0]])], [np.array([-1.0]), np.array([0.5])])
    >>> f(np.array([[3.0, 1.0], [1.0, 3.0]])).tolist()
    [[2.5], [0.5]]
    """
    if len(weights) != len(biases):
        raise ValueError(f"{len(weights)} weight matrices but {len(biases)} biases")
    mlp_forward(weights)  # checks that the weight shapes chain
    mats = [np.asarray(W, dtype=np.float64) for W in weights]
    vecs = [
        np.zeros(W.shape[0]) if b is None else np.asarray(b, dtype=np.float64)
        for W, b in zip(mats, biases, strict=True)
    ]
    for W, b in zip(mats, vecs, strict=True):
        if b.shape != (W.shape[0],):
            raise ValueError(f"bias of shape {b.shape} does not match weight of shape {W.shape}")

    def forward(X: np.ndarray) -> np.ndarray:
        a = np.asarray(X, dtype=np.float64)
        a = a.reshape(a.shape[0], -1)
        for W, b in zip(mats[:-1], vecs[:-1], strict=True):
            a = np.maximum(a @ W.T + b, 0.0)
        return a @ mats[-1].T + vecs[-1]

    return forward


def load_embedded_bias_model():
    """The embedded MLP with biases as a ``torch.nn.Sequential`` (eval mode, float32, CPU).

    Loaded with ``torch.load(..., weights_only=True)``; a whole pickled module needs its classes allow-listed, so
    exactly Sequential, Flatten, Linear, ReLU and Dropout are passed through ``torch.serialization.safe_globals``.
    """
    import torch
    from torch import nn

    path = _data_file(EMBEDDED_BIAS_MODEL_NAME)
    with torch.serialization.safe_globals([nn.Sequential, nn.Flatten, nn.Linear, nn.ReLU, nn.Dropout]):
        return torch.load(path, map_location="cpu", weights_only=True)


def load_embedded_bias_layers() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The embedded MLP's weights W_1, W_2, W_3 and biases b_1, b_2, b_3 (float32 numpy, PyTorch shapes)."""
    state = load_embedded_bias_model().state_dict()
    arrays = [state[k].detach().cpu().numpy().copy() for k in EMBEDDED_BIAS_KEYS]
    return arrays[0::2], arrays[1::2]
