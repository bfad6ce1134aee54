"""Unroll a saved CNN into the equivalent dense MLP, for comparing CNN and flattened-MLP certification.

    python scripts/unroll_cnn.py verify/data/digits_cnn.pt --input-shape 1,8,8 -o /tmp/digits_cnn_unrolled.pt

The source is a whole saved ``nn.Sequential`` of ``Conv2d``, ``ReLU``, ``Flatten`` and ``Linear`` (``Dropout`` and
``Identity``, the identity at inference, are skipped) whose input is a C × H × W image.  The result is the
``nn.Sequential(Flatten, Linear, ReLU, …, Linear)`` that computes the same function of the image: every
``Conv2d`` becomes a ``Linear`` whose weight is the convolution's matrix (docs/conv.md §7; rows and columns in
torch's row-major C × H × W order, so the MLP's input is the flattened image, exactly what ``Flatten`` makes) and
whose bias is the convolution's bias repeated over the H'·W' output positions; a ``Linear`` (after the CNN's
``Flatten``) is copied unchanged, and the CNN's ``Flatten`` disappears (the MLP already works on flattened vectors).

The matrix is not built from a formula but measured: the convolution, in float64 and without its bias, is applied
to every basis image e_i, and column i is its flattened output.  With dilation ≥ 1 and zero padding every output
entry is then a single product K[o, c, a, e]·1 (an input pixel meets an output position through at most one kernel
position), so each entry is exactly a kernel weight or 0, and the matrix is stored in the model's own dtype without
any rounding (checked).  It is then compared with the convolution on random inputs in float64.  So the MLP computes,
in exact arithmetic, the function of the CNN: the certified claim about one is a claim about the other.

``unrolled_layers`` returns the float64 (weight, bias) pairs; ``unroll_cnn`` builds the MLP module; ``write_unrolled``
loads a model file, unrolls it and saves the MLP with ``torch.save(mlp.eval(), path)``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["SAFE_MODULES", "load_sequential", "unroll_cnn", "unrolled_layers", "write_unrolled"]

SAFE_MODULES = [nn.Sequential, nn.Conv2d, nn.ReLU, nn.Flatten, nn.Linear, nn.Dropout, nn.Identity]
SKIPPED = (nn.Dropout, nn.Identity)
CHECK_INPUTS = 8        # random inputs on which each unrolled matrix is compared with its convolution
CHECK_RTOL = 1e-12      # float64: a different summation order, nothing more


def _conv_output(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """The convolution of a float64 batch x without its bias, in float64."""
    return F.conv2d(x, conv.weight.detach().to(torch.float64), None, conv.stride, conv.padding, conv.dilation,
                    conv.groups)


def _conv_matrix(conv: nn.Conv2d, shape: tuple[int, int, int], seed: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """(matrix of the bias-free convolution on C × H × W images, output shape): column i is conv(e_i) flattened."""
    if conv.padding_mode != "zeros":
        raise ValueError(f"Conv2d with padding_mode={conv.padding_mode!r}: only zero padding is linear-plus-bias")
    c, h, w = shape
    if conv.in_channels != c:
        raise ValueError(f"Conv2d({conv.in_channels}, {conv.out_channels}) receives {c} channels")
    n = c * h * w
    with torch.no_grad():
        basis = torch.eye(n, dtype=torch.float64).reshape(n, c, h, w)
        out = _conv_output(conv, basis)
        out_shape = tuple(out.shape[1:])
        mat = out.reshape(n, -1).T.contiguous().numpy().copy()
        gen = torch.Generator().manual_seed(seed)
        x = torch.randn(CHECK_INPUTS, c, h, w, generator=gen, dtype=torch.float64)
        direct = _conv_output(conv, x).reshape(CHECK_INPUTS, -1).numpy()
    via_matrix = x.reshape(CHECK_INPUTS, -1).numpy() @ mat.T
    scale = np.abs(x.reshape(CHECK_INPUTS, -1).numpy()) @ np.abs(mat).T + 1.0
    if not np.all(np.abs(via_matrix - direct) <= CHECK_RTOL * scale):
        raise AssertionError("the unrolled matrix differs from the convolution on random inputs")
    return mat, out_shape


def unrolled_layers(model: nn.Sequential, input_shape: Sequence[int], seed: int = 0
                    ) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[str]]:
    """The dense layers of ``model`` on inputs of ``input_shape`` (C, H, W): a list of float64 (weight, bias)
    pairs (weight of shape out × in in row-major tensor order, bias of length out; a missing bias is 0), and the
    chain as module names ("Linear", "ReLU") for the MLP. ValueError for a module or shape it cannot unroll."""
    if not isinstance(model, nn.Sequential):
        raise ValueError(f"not an nn.Sequential: {type(model).__name__}")
    shape: tuple[int, ...] = tuple(int(s) for s in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"input shape must be C,H,W with positive sizes, got {list(shape)}")
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    chain: list[str] = []
    for i, m in enumerate(model):
        if isinstance(m, SKIPPED):
            continue
        if isinstance(m, nn.ReLU):
            chain.append("ReLU")
        elif isinstance(m, nn.Flatten):
            if (m.start_dim, m.end_dim) != (1, -1):
                raise ValueError(f"module {i}: Flatten({m.start_dim}, {m.end_dim}) is not the batch Flatten")
            shape = (int(np.prod(shape)),)
        elif isinstance(m, nn.Conv2d):
            if len(shape) != 3:
                raise ValueError(f"module {i}: Conv2d after Flatten")
            mat, shape = _conv_matrix(m, shape, seed + i)
            pixels = shape[1] * shape[2]
            bias = (np.zeros(mat.shape[0]) if m.bias is None
                    else np.repeat(m.bias.detach().to(torch.float64).numpy(), pixels))
            layers.append((mat, bias))
            chain.append("Linear")
        elif isinstance(m, nn.Linear):
            if len(shape) != 1 or shape[0] != m.in_features:
                raise ValueError(f"module {i}: Linear({m.in_features}, {m.out_features}) receives shape {list(shape)}")
            W = m.weight.detach().to(torch.float64).numpy().copy()
            b = np.zeros(W.shape[0]) if m.bias is None else m.bias.detach().to(torch.float64).numpy().copy()
            layers.append((W, b))
            chain.append("Linear")
            shape = (m.out_features,)
        else:
            raise ValueError(f"module {i}: cannot unroll {type(m).__name__}")
    expected = ["Linear"] + ["ReLU", "Linear"] * (len(layers) - 1)
    if chain != expected:
        raise ValueError(f"the model is not affine layers with one ReLU between them: {chain}")
    return layers, chain


def unroll_cnn(model: nn.Sequential, input_shape: Sequence[int], dtype: torch.dtype | None = None,
               seed: int = 0) -> nn.Sequential:
    """The MLP ``nn.Sequential(Flatten, Linear, ReLU, …, Linear)`` equal to ``model`` on C × H × W inputs, in eval
    mode, with parameters of ``dtype`` (default: the model's own). Every unrolled entry is a weight or bias of
    ``model`` (or 0), so the conversion to the model's dtype is exact; AssertionError if it were not."""
    layers, _ = unrolled_layers(model, input_shape, seed)
    if dtype is None:
        dtype = next(model.parameters()).dtype
    modules: list[nn.Module] = [nn.Flatten()]
    for k, (W, b) in enumerate(layers):
        lin = nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        if dtype != torch.float64:  # the stored values must be exactly the float64 ones
            if not (np.array_equal(lin.weight.detach().to(torch.float64).numpy(), W)
                    and np.array_equal(lin.bias.detach().to(torch.float64).numpy(), b)):
                raise AssertionError(f"layer {k + 1} is not exactly representable in {dtype}")
        modules.append(lin)
        if k + 1 < len(layers):
            modules.append(nn.ReLU())
    return nn.Sequential(*modules).eval()


def load_sequential(path: str | Path) -> nn.Sequential:
    """A whole saved ``nn.Sequential``, loaded with ``weights_only=True`` (only the modules in SAFE_MODULES)."""
    with torch.serialization.safe_globals(SAFE_MODULES):
        model = torch.load(path, weights_only=True, map_location="cpu")
    if not isinstance(model, nn.Sequential):
        raise ValueError(f"{path}: not a whole saved nn.Sequential")
    return model.eval()


def write_unrolled(src: str | Path, input_shape: Sequence[int], dst: str | Path) -> nn.Sequential:
    """Load the CNN saved at ``src``, unroll it for inputs of ``input_shape`` and save the MLP whole at ``dst``
    (``torch.save(mlp.eval(), dst)``); returns the MLP."""
    mlp = unroll_cnn(load_sequential(src), input_shape)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    torch.save(mlp.eval(), dst)
    return mlp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path, help="a whole saved nn.Sequential CNN (.pt)")
    ap.add_argument("--input-shape", required=True, help="C,H,W of one input image, e.g. 1,8,8")
    ap.add_argument("-o", "--output", type=Path, required=True, help="where to save the MLP (.pt)")
    a = ap.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        shape = [int(s) for s in a.input_shape.split(",")]
    except ValueError:
        ap.error(f"--input-shape must be C,H,W integers, got {a.input_shape!r}")
    mlp = write_unrolled(a.model, shape, a.output)
    widths = [mlp[1].in_features] + [m.out_features for m in mlp if isinstance(m, nn.Linear)]
    print(f"wrote {a.output}: MLP of widths {widths}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
