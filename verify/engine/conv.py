"""Convolutional targets in the engine (docs/conv.md): F's layout, the virtual dense view of a convolution pair, the
border-aware bias error, and G̃'s convolution pairs for evaluation and export.  Untrusted: the checker re-derives
every number from the masks (verify/kernel/check.py, verify/kernel/conv.py).

The virtual dense view (docs/conv.md §2).  For a Conv2d layer with n input channels, m output channels and A = kh·kw
kernel positions, G layer 2i − 1 is a 1 × 1 convolution to k·n + c channels and G layer 2i a kh × kw convolution
back to m.  Virtual hidden neuron h·A + q (channel h at kernel position q) serves virtual column j·A + q of the
m × n·A kernel matrix when channel h serves input channel j, with the channel's weight u_h = U[h, j]; its weight
towards output o is V[o, h, q] = ``weight(seed, 2i, o, h·A + q)``, the dense engine's V at hidden index h·A + q.
So ``conv_candidates`` expands a channel-level assignment (gadgets.candidates) over the A positions, and the
dense gadgets (gadgets.prune_layer) prune the kernel matrix unchanged.  A channel keeps its input edge when any of
its virtual neurons keeps an output edge (``channel_view``).  A Linear layer is the case A = 1 on a 1 × 1 image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from verify.engine.gadgets import Candidates, LayerPruning, candidates, from_owner
from verify.engine.runtime import exact_ldexp, grid_accumulate
from verify.kernel import conv as kconv
from verify.kernel.conv import Geometry

__all__ = ["Layout", "mlp_layout", "layout_of", "conv_candidates", "channel_view", "column_exponents",
           "bias_position", "inside_mask", "bias_error_tensor", "ConvPair", "conv_pair", "pair_tensors",
           "export_module", "Geometry"]


@dataclass(frozen=True)
class Layout:
    """F's shape: per affine layer its class (``kinds``: "Conv2d" or "Linear") and ``geometry`` (verify/kernel/conv.py
    ``walk``), F's ``modules`` in forward order and the ``input_shape`` ((C, H, W), or (d,) for an MLP)."""

    kinds: tuple[str, ...]
    geometry: tuple[Geometry, ...]
    modules: tuple[str, ...]
    input_shape: tuple[int, ...]

    @property
    def conv(self) -> bool:
        """Some layer is a convolution (the construction then keeps channel-level rescaling, docs/conv.md §6)."""
        return "Conv2d" in self.kinds

    def is_conv(self, i: int) -> bool:
        """Layer i (0-based) is a Conv2d."""
        return self.kinds[i] == "Conv2d"

    @property
    def in_features(self) -> int:
        """d = C·H·W, the inputs of F as the claim reads them (flattened row-major)."""
        return math.prod(self.input_shape)

    @property
    def channels(self) -> list[int]:
        """n_0 = the first layer's input channels (features), then every layer's output channels (features): the
        sizes of the rescaling exponent vectors s_0 … s_L (docs/conv.md §6)."""
        return [self.geometry[0].c_in] + [g.c_out for g in self.geometry]

    def g_widths(self, k: int, c: int) -> list[int]:
        """G's widths in channels: [n_1, k·n_1 + c, m_1, k·n_2 + c, m_2, …] (docs/conv.md §2)."""
        out = [self.geometry[0].c_in]
        for g in self.geometry:
            out += [k * g.c_in + c, g.c_out]
        return out

    def g_parameters(self, k: int, c: int) -> int:
        """Σ_i (k n_i + c)(n_i + 1) + m_i((k n_i + c)·A_i + 1): G's weights and biases (docs/conv.md §2)."""
        return sum((k * g.c_in + c) * (g.c_in + 1) + g.c_out * ((k * g.c_in + c) * g.positions + 1)
                   for g in self.geometry)

    def describe(self) -> str:
        """F's shape in one line, e.g. ``1x8x8 -> Conv2d 4@3x3 -> Conv2d 8@3x3/2 -> Linear 10``."""
        parts = ["x".join(map(str, self.input_shape))]
        for kind, g in zip(self.kinds, self.geometry, strict=True):
            if kind == "Linear":
                parts.append(f"Linear {g.c_out}")
                continue
            text = f"Conv2d {g.c_out}@{g.kh}x{g.kw}"
            if g.stride != (1, 1):
                text += "/" + (str(g.stride[0]) if g.stride[0] == g.stride[1] else "x".join(map(str, g.stride)))
            parts.append(text)
        return " -> ".join(parts)


def mlp_layout(weights: list[np.ndarray], modules: list[str] | None = None) -> Layout:
    """The layout of an MLP with these (out, in) weight matrices (and F's ``modules``, default Linear/ReLU)."""
    modules = list(modules) if modules else ["Linear"] + ["ReLU", "Linear"] * (len(weights) - 1)
    shapes = [(tuple(w.shape), (1, 1), (0, 0)) for w in weights]
    d = int(weights[0].shape[1])
    return Layout(tuple("Linear" for _ in weights), tuple(kconv.walk([d], modules, shapes)), tuple(modules), (d,))


def layout_of(model: dict) -> Layout:
    """The layout a certificate's ``model`` object states (certs/FORMAT.md: modules, input_shape, layers' shape,
    stride and padding); ValueError (kernel.conv.GeometryError) if they do not fit."""
    specs = [(tuple(x["shape"]), tuple(x.get("stride", (1, 1))), tuple(x.get("padding", (0, 0))))
             for x in model["layers"]]
    shape = tuple(model.get("input_shape") or (specs[0][0][1],))
    kinds = tuple("Conv2d" if len(x[0]) == 4 else "Linear" for x in specs)
    return Layout(kinds, tuple(kconv.walk(list(shape), list(model["modules"]), specs)), tuple(model["modules"]), shape)


def conv_candidates(seed: int, layer: int, k: int, g: Geometry, move_negative: bool,
                    device: torch.device) -> Candidates:
    """The candidates of the virtual dense view (module docstring): channel h = t·n + j (or the channel it moves to,
    ``move_negative``: gadgets.candidates on the n input channels) repeated over the A kernel positions, so that
    virtual neuron h·A + q serves virtual column owner(h)·A + q with the channel's weight."""
    ch = candidates(seed, layer, k, g.c_in, move_negative, device)
    A = g.positions
    if A == 1:
        return ch
    q = torch.arange(A, device=device)
    owner = (ch.owner[:, None] * A + q[None, :]).reshape(-1)
    u_of = ch.u_of[:, None].expand(-1, A).reshape(-1)
    return from_owner(owner, u_of, g.c_in * A)


def channel_view(lp: LayerPruning, A: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(src, u) per channel of G layer 2i − 1 from a virtual pruning: the input channel a gadget channel keeps its
    edge to (−1: pruned; kept when any of its A virtual neurons keeps an output edge) and its weight U[h, src]."""
    if A == 1:
        return lp.src, lp.u
    sv, uv = lp.src.view(-1, A), lp.u.view(-1, A)
    alive = sv >= 0
    first = torch.argmax(alive.to(torch.int8), dim=1)
    rows = torch.arange(sv.shape[0], device=sv.device)
    some = alive.any(dim=1)
    src = torch.where(some, sv[rows, first] // A, torch.full_like(sv[:, 0], -1))
    u = torch.where(some, uv[rows, first], torch.zeros_like(uv[:, 0]))
    return src, u


def column_exponents(s_in: np.ndarray, g: Geometry) -> np.ndarray:
    """The exponent of every input column of a layer from its input channels' exponents: column c belongs to channel
    c // group (docs/conv.md §6: j·A + q → j for a convolution, j → j // (H·W) for a Linear after a Flatten)."""
    return np.repeat(np.asarray(s_in), g.group)


def _best_offset(n: int, k: int, s: int, p: int, out: int) -> int:
    """The kernel offset a (0 ≤ a < k) that lands inside [0, n) at the most output indices, ties to the centre."""
    def count(a: int) -> int:
        return sum(1 for r in range(out) if 0 <= s * r + a - p < n)
    return max(range(k), key=lambda a: (count(a), -abs(2 * a - (k - 1)), -a))


def bias_position(g: Geometry) -> int:
    """q* = a·kw + e, the one kernel position whose constant channels build the layer's biases (docs/conv.md §5): one
    inside the image at every output position whenever one exists (p ≤ (k − 1)/2 in both dimensions), else the
    one inside at the most positions (the bias error at the others is counted exactly by ``bias_error_tensor``)."""
    a = _best_offset(g.h, g.kh, g.stride[0], g.padding[0], g.ho)
    e = _best_offset(g.w, g.kw, g.stride[1], g.padding[1], g.wo)
    return a * g.kw + e


def inside_mask(g: Geometry, device: torch.device | str = "cpu") -> torch.Tensor:
    """(A, H'·W') bool: whether kernel position q = a·kw + e lands inside the image at output position (r, t)."""
    r = torch.arange(g.ho, device=device)
    t = torch.arange(g.wo, device=device)
    a = torch.arange(g.kh, device=device)
    e = torch.arange(g.kw, device=device)
    rows = g.stride[0] * r[None, :] + a[:, None] - g.padding[0]           # (kh, ho)
    cols = g.stride[1] * t[None, :] + e[:, None] - g.padding[1]           # (kw, wo)
    ok_r = (rows >= 0) & (rows < g.h)
    ok_c = (cols >= 0) & (cols < g.w)
    return (ok_r[:, None, :, None] & ok_c[None, :, None, :]).reshape(g.positions, g.pixels)


def bias_error_tensor(bp, b: torch.Tensor, s_out: np.ndarray, g: Geometry) -> torch.Tensor:
    """e[o, p] = 2^(−s_out[o])·(Σ over o's kept constant edges (o, h·A + q) with q inside at p of v·β_h) − b[o], over
    every output o and position p, flattened (c_out·H'·W',) in F's units (docs/conv.md §5): what fact 5 of
    certs/FORMAT.md recomputes exactly.  ``bp`` is the layer's engine/biases.py BiasPruning (None: no constants);
    float64 with one rounding per entry (the subtraction) while each output's edges share one kernel position, as
    the engine keeps them."""
    dev = b.device
    m = b.numel()
    at_q = torch.zeros(m, g.positions, dtype=torch.float64, device=dev)
    if bp is not None and bp.rows.numel():
        h, q = bp.cols // g.positions, bp.cols % g.positions
        beta_of = torch.zeros(int(h.max()) + 1, dtype=torch.float64, device=dev)
        beta_of[bp.const] = bp.beta
        at_q = grid_accumulate(tuple(at_q.shape), (bp.rows, q), bp.v * beta_of[h])   # exact (docs/devices.md §2)
    built = at_q @ inside_mask(g, dev).to(torch.float64)                    # (m, H'·W')
    shift = torch.as_tensor(-np.asarray(s_out), device=dev)[:, None]
    return (exact_ldexp(built, shift) - b[:, None]).reshape(-1)


@dataclass
class ConvPair:
    """G̃'s pair for one Conv2d layer, restricted to its live channels: the gadget channels' input channel ``src`` and
    weight ``u``, the constant channels' biases ``beta``, and the kh × kw kernel ``weight`` (m, live, kh, kw) over
    the gadget channels then the constant ones."""

    g: Geometry
    src: torch.Tensor
    u: torch.Tensor
    beta: torch.Tensor
    weight: torch.Tensor

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        """The pair on a batch of flattened inputs (B, n·H·W) → (B, m·H'·W'), float64 (docs/conv.md §2–§3)."""
        g, bsz = self.g, z.shape[0]
        x = z.reshape(bsz, g.c_in, g.h, g.w)
        hid = torch.relu(x[:, self.src] * self.u[None, :, None, None])
        if self.beta.numel():
            hid = torch.cat([hid, self.beta[None, :, None, None].expand(bsz, -1, g.h, g.w)], dim=1)
        if hid.shape[1] == 0:   # every channel pruned: the pair outputs 0 (conv2d wants at least one channel)
            return torch.zeros(bsz, g.c_out * g.pixels, dtype=torch.float64, device=z.device)
        y = torch.nn.functional.conv2d(hid, self.weight, None, g.stride, g.padding)
        return y.reshape(bsz, -1)


def pair_tensors(lp: LayerPruning, bp, g: Geometry, c: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """G̃'s pair for a Conv2d layer as dense tensors over all k·n + c channels: U (k·n + c, n), the odd layer's
    biases (the constant channels' β, 0 elsewhere) and the kernel V (m, k·n + c, kh, kw), zeros where pruned."""
    dev = lp.u.device
    A = g.positions
    hidden = lp.hidden // A + c
    src, u = channel_view(lp, A)
    U = torch.zeros(hidden, g.c_in, dtype=torch.float64, device=dev)
    alive = (src >= 0).nonzero().squeeze(1)
    U[alive, src[alive]] = u[alive]
    bu = torch.zeros(hidden, dtype=torch.float64, device=dev)
    V = torch.zeros(lp.m, hidden * A, dtype=torch.float64, device=dev)
    V[lp.rows, lp.cols] = lp.v
    if bp is not None:
        bu[bp.const] = bp.beta
        V[bp.rows, bp.cols] = bp.v
    return U, bu, V.reshape(lp.m, hidden, g.kh, g.kw)


def conv_pair(lp: LayerPruning, bp, g: Geometry, c: int) -> ConvPair:
    """The ``ConvPair`` of a pruned Conv2d layer (``bp``: its BiasPruning or None; ``c``: the bias block)."""
    U, bu, V = pair_tensors(lp, bp, g, c)
    src, u = channel_view(lp, g.positions)
    alive = (src >= 0).nonzero().squeeze(1)
    const = bp.const if bp is not None else torch.zeros(0, dtype=torch.int64, device=U.device)
    live = torch.cat([alive, const])
    return ConvPair(g, src[alive], u[alive], bu[const], V[:, live].contiguous())


def _live(U: torch.Tensor, bu: torch.Tensor) -> torch.Tensor:
    """Hidden channels (neurons) that keep an input edge or a bias; at least one, so every layer stays loadable."""
    keep = ((U != 0).any(dim=1) | (bu != 0)).nonzero().squeeze(1)
    return keep if keep.numel() else torch.zeros(1, dtype=torch.int64, device=U.device)


def export_module(pairs: list[tuple], layout: Layout) -> torch.nn.Sequential:
    """G̃ as a plain ``nn.Sequential`` in float32, eval mode: per target layer i its pair (U, odd-layer biases, V[, even
    layer biases]) —
    for a Conv2d a 1 × 1 ``Conv2d`` with biases, ``ReLU`` and a kh × kw ``Conv2d`` with F's stride and padding
    (V of shape (m, k·n + c, kh, kw)), for a Linear two ``Linear`` layers — with ``ReLU`` between pairs and a
    ``Flatten`` where F has one between its convolutions and its Linear layers.  Hidden channels (neurons) that keep
    nothing are dropped (they output 0 and feed nothing), which does not change the function."""
    nn = torch.nn
    mods: list[nn.Module] = []
    flatten = "Flatten" in layout.modules and layout.conv
    for i, (pair, g) in enumerate(zip(pairs, layout.geometry, strict=True)):
        U, bu, V = pair[:3]
        keep = _live(U, bu)
        U, bu, V = U[keep], bu[keep], V[:, keep]
        if layout.is_conv(i):
            one = nn.Conv2d(g.c_in, len(keep), 1)
            two = nn.Conv2d(len(keep), g.c_out, (g.kh, g.kw), stride=g.stride, padding=g.padding)
            one.weight.data.copy_(U[:, :, None, None].float())
        else:
            if flatten and i and layout.is_conv(i - 1):
                mods.append(nn.Flatten())
            one, two = nn.Linear(g.c_in, len(keep)), nn.Linear(len(keep), g.c_out)
            one.weight.data.copy_(U.float())
        one.bias.data.copy_(bu.float())
        two.weight.data.copy_(V.float())
        two.bias.data.copy_(pair[3].float() if len(pair) > 3 else torch.zeros(g.c_out))
        mods += [one, nn.ReLU(), two]
        if i + 1 < len(pairs):
            mods.append(nn.ReLU())
    if flatten and layout.is_conv(len(pairs) - 1):
        mods.append(nn.Flatten())
    return nn.Sequential(*mods).eval()
