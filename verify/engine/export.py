"""G̃ rebuilt from a certificate alone (``verify.api.Certificate.pruned`` for a loaded certificate): G's kept weights
and biases regenerated from the seed (engine/rng_torch.py, bit-identical to the checker's generator) at the mask's
positions, as an ``nn.Sequential`` of Linear and ReLU layers, or for a CNN of Conv2d pairs, ReLU, Flatten and
Linear pairs (docs/conv.md §2).  Untrusted: informational, the checker does not use it."""

from __future__ import annotations

import torch

from verify.engine.conv import export_module, layout_of
from verify.engine.rng_torch import weights as g_weights
from verify.errors import InputError
from verify.kernel import io
from verify.kernel.rng import BIAS_COL

__all__ = ["pruned_from_certificate"]


def pruned_from_certificate(cert: dict) -> torch.nn.Sequential:
    """G̃ rebuilt from the certificate alone: G's kept weights and biases regenerated from the seed (engine/rng_torch,
    bit-identical to the checker's generator) at the mask's positions; dead hidden neurons dropped."""
    seed = cert["random_network"]["seed"]
    masks = cert["mask"]
    dense: list[tuple[torch.Tensor, torch.Tensor]] = []
    for entry in masks:
        rows, cols = entry["shape"]
        layer = entry["layer"]
        pos = list(io.decode_mask(entry["data"], rows, cols, limit=entry["kept"]))
        bias_rows = [r for r, _ in io.decode_mask(entry["bias_data"], rows, 1, limit=entry["bias_kept"])]
        w = torch.zeros(rows, cols, dtype=torch.float64)
        b = torch.zeros(rows, dtype=torch.float64)
        if pos:
            r = torch.tensor([p[0] for p in pos], dtype=torch.int64)
            c = torch.tensor([p[1] for p in pos], dtype=torch.int64)
            w[r, c] = g_weights(seed, layer, r, c)
        if bias_rows:
            r = torch.tensor(bias_rows, dtype=torch.int64)
            b[r] = g_weights(seed, layer, r, torch.tensor(BIAS_COL, dtype=torch.int64))
        dense.append((w, b))
    if any(len(spec["shape"]) == 4 for spec in cert["model"]["layers"]):
        return _conv_from_dense(cert, dense)
    for j in range(0, len(dense), 2):   # odd G layer j+1: keep hidden neurons with an input edge or a bias
        (u, bu), (v, bv) = dense[j], dense[j + 1]
        live = (u != 0).any(dim=1) | (bu != 0)
        keep = live.nonzero().squeeze(1)
        if keep.numel() == 0:
            keep = torch.zeros(1, dtype=torch.int64)
        dense[j], dense[j + 1] = (u[keep], bu[keep]), (v[:, keep], bv)
    layers: list[torch.nn.Module] = []
    for j, (w, b) in enumerate(dense):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(w.float())
            lin.bias.copy_(b.float())
        layers.append(lin)
        if j + 1 < len(dense):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).eval()


def _conv_from_dense(cert: dict, dense: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.nn.Sequential:
    """G̃ of a certificate for a CNN (docs/conv.md §2): each Conv2d pair as a 1 × 1 Conv2d and a kh × kw Conv2d with F's
    stride and padding, Linear pairs as two Linear layers, a Flatten where F has one (engine/conv.py)."""
    try:
        layout = layout_of(cert["model"])
    except ValueError as e:
        raise InputError(f"the certificate's model does not describe a CNN this tool reads: {e}") from None
    pairs = []
    for i, g in enumerate(layout.geometry):
        (u, bu), (v, bv) = dense[2 * i], dense[2 * i + 1]
        if layout.is_conv(i):
            v = v.reshape(v.shape[0], -1, g.kh, g.kw)
        pairs.append((u, bu, v, bv))
    return export_module(pairs, layout)
