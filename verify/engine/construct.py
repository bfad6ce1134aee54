"""Pruning G into G̃ (docs/gadgets.md): every layer pair of G pruned with the gadget primitives of gadgets.py, for
one or two rescalings of F (docs/rescaling.md), keeping the smaller composed bound.

``build`` is the whole construction for one width factor k; the layout of G and the gadget algebra are in
gadgets.py's docstring and docs/gadgets.md §1–§5.  A Conv2d layer of F is pruned in the virtual dense view of
docs/conv.md §2 (engine/conv.py): its kernel matrix by the same gadgets, its biases through one kernel position.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import torch

from verify.domain import parse as parse_domain
from verify.engine.biases import BiasPruning, prune_biases
from verify.engine.conv import (
    Layout,
    bias_error_tensor,
    bias_position,
    channel_view,
    column_exponents,
    conv_candidates,
    conv_pair,
    export_module,
    mlp_layout,
    pair_tensors,
)
from verify.engine.gadgets import (
    Candidates,
    LayerPruning,
    Pruned,
    layer_error,
    padded,
    prune_layer,
    rebalanced,
)
from verify.engine.refine import reach, refine
from verify.engine.reprune import Reuse
from verify.engine.rescale import apply_exponents, balanced_exponents, reach_exponents
from verify.engine.runtime import device_of, exact_ldexp
from verify.errors import InputError
from verify.options import Options

__all__ = ["Construction", "build", "g_widths", "g_parameters", "MAX_G_PARAMETERS", "largest_k", "rescale_tries"]

MAX_G_PARAMETERS = 4 * 10**9  # larger random networks are refused (memory of one row chunk grows with k·n)
REUSE = True   # re-prune from earlier prunings of the same build (engine/reprune.py); False: every pruning in full


@dataclass
class Construction:
    """G̃ for a target: the options it was built with, width factor, rescaling and the kept edges of every G layer."""

    options: Options
    k: int
    widths: list[int]                 # target widths n_0..n_L
    exponents: list[np.ndarray]       # s_1..s_{L-1} (rescale.py)
    originals: list[np.ndarray]       # W_i (F's own weights)
    scaled: list[np.ndarray]          # W'_i = D_i W_i D_{i-1}^-1, what the gadgets approximate
    layers: list[LayerPruning]
    device: torch.device
    rescaling: str = "given"          # which rescaling was kept: "layer", "neuron" or "given" (exponents passed)
    seconds: float = field(default=0.0, compare=False)   # how long ``build`` took
    biases: list[np.ndarray] = field(default_factory=list)      # b_i (F's own; zeros where F has none)
    bias_parts: list[BiasPruning] = field(default_factory=list)  # the bias gadget per layer (engine/biases.py)
    bias_block: int = 0               # c: constant neurons after the k·n gadget neurons of every odd G layer
    layout: Layout | None = None      # F's layer kinds and geometry (engine/conv.py); default: the MLP of originals

    def __post_init__(self) -> None:
        if self.layout is None:
            self.layout = mlp_layout(self.originals)

    @property
    def method(self) -> str:
        return self.options.method

    @property
    def seed(self) -> int:
        return self.options.seed

    @cached_property
    def compact(self) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Per layer pair, what ``forward`` multiplies with: the live hidden neurons' inputs and weights and the
        transposed V restricted to them (computed once, on first use)."""
        out = []
        for i, lp in enumerate(self.layers):
            if self.layout.is_conv(i):
                out.append(conv_pair(lp, self.bias_parts[i] if self.bias_parts else None, self.layout.geometry[i],
                                     self.bias_block))
                continue
            alive = (lp.src >= 0).nonzero().squeeze(1)
            V = torch.zeros(lp.m, lp.hidden, dtype=torch.float64, device=self.device)
            V[lp.rows, lp.cols] = lp.v
            const = self.bias_parts[i].sums() if self.bias_parts else torch.zeros(lp.m, dtype=torch.float64,
                                                                                  device=self.device)
            out.append((lp.src[alive], lp.u[alive], V[:, alive].T.contiguous(), const))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """G̃(x) in float64 for a batch x of shape (B, d) (flattened: d = C·H·W for a CNN, whose output is flattened
        too); dead hidden neurons are skipped and each layer's constant neurons enter as their summed contribution C
        (engine/biases.py); a Conv2d layer's pair runs as two convolutions (engine/conv.py ``ConvPair``)."""
        z = x.to(torch.float64).to(self.device)
        for i, part in enumerate(self.compact):
            if callable(part):
                z = part(z)
            else:
                src, u, vt, const = part
                z = torch.relu(z[:, src] * u) @ vt + const
            if i + 1 < len(self.compact):
                z = torch.relu(z)
        return z

    def bias_errors(self) -> list[torch.Tensor]:
        """e_i = D_i⁻¹ C'_i − b_i per layer in F's units (float64, one rounding: the subtraction), the vectors whose
        norms are the β_i of docs/affine.md §5 (what fact 5 of certs/FORMAT.md recomputes exactly)."""
        s = padded(self.exponents, self.widths)
        out = []
        for i, b in enumerate(self.biases):
            if self.layout.is_conv(i):   # a tensor over every output position (docs/conv.md §5)
                out.append(bias_error_tensor(self.bias_parts[i] if self.bias_parts else None,
                                             torch.from_numpy(b).to(self.device), s[i + 1], self.layout.geometry[i]))
                continue
            c = self.bias_parts[i].sums() if self.bias_parts else torch.zeros(len(b), dtype=torch.float64)
            shift = torch.as_tensor(-np.asarray(s[i + 1]), device=c.device)
            out.append(exact_ldexp(c, shift) - torch.from_numpy(b).to(c.device))
        return out

    def error_matrices(self) -> list[torch.Tensor]:
        """The matrices whose norms are the η_i of docs/composition.md §1, in F's own units (what the checker's check 5
        recomputes exactly): D_i⁻¹ [E⁺ E⁻] D_0 for the first layer, D_i⁻¹ E⁺ D_{i−1} after it."""
        s = padded(self.exponents, self.widths)
        return [lp.eta_matrix_f_units(torch.from_numpy(ws).to(self.device), s[i + 1],
                                      column_exponents(s[i], self.layout.geometry[i]))
                for i, (lp, ws) in enumerate(zip(self.layers, self.scaled, strict=True))]

    def pruned_state_dict(self, drop_dead: bool = True) -> dict[str, torch.Tensor]:
        """State dict of an nn.Sequential of 2L Linear layers with biases (ReLU between) computing G̃.

        Zeros where pruned; the bias block's constant neurons are rows of zeros with their kept bias β.  With
        ``drop_dead`` hidden neurons that keep neither an input edge nor a bias (they output σ(0) = 0 and have no
        kept output edge) are removed, so the odd-layer widths shrink but the function is unchanged.  For a CNN:
        the state_dict of ``pruned_module``."""
        if self.layout.conv:
            return {key: t.contiguous() for key, t in self.pruned_module().state_dict().items()}
        sd: dict[str, torch.Tensor] = {}
        for i, lp in enumerate(self.layers):
            U, V = lp.dense()
            c = self.bias_block
            U = torch.cat([U, torch.zeros(c, lp.n, dtype=U.dtype, device=U.device)])
            V = torch.cat([V, torch.zeros(lp.m, c, dtype=V.dtype, device=V.device)], dim=1)
            bu = torch.zeros(lp.hidden + c, dtype=torch.float64, device=U.device)
            live = lp.src >= 0
            live = torch.cat([live, torch.zeros(c, dtype=torch.bool, device=live.device)])
            if self.bias_parts:
                bp = self.bias_parts[i]
                bu[bp.const] = bp.beta
                V[bp.rows, bp.cols] = bp.v
                live[bp.const] = True
            if drop_dead:
                keep = live.nonzero().squeeze(1)
                if keep.numel() == 0:  # nothing survives: keep one all-zero neuron so every layer stays loadable
                    keep = torch.zeros(1, dtype=torch.int64, device=keep.device)
                U, V, bu = U[keep], V[:, keep], bu[keep]
            sd[f"{4 * i}.weight"] = U.float().cpu().contiguous()
            sd[f"{4 * i}.bias"] = bu.float().cpu().contiguous()
            sd[f"{4 * i + 2}.weight"] = V.float().cpu().contiguous()
            sd[f"{4 * i + 2}.bias"] = torch.zeros(lp.m, dtype=torch.float32)
        return sd

    def pruned_module(self) -> torch.nn.Sequential:
        """G̃ as a plain ``nn.Sequential`` of Linear (with biases) and ReLU layers, in float32, eval mode; for a CNN
        of Conv2d pairs, ReLU, Flatten and Linear pairs (engine/conv.py ``export_module``)."""
        if self.layout.conv:
            return export_module(self._pairs(), self.layout)
        sd = self.pruned_state_dict()
        layers: list[torch.nn.Module] = []
        for j in range(2 * len(self.layers)):
            w = sd[f"{2 * j}.weight"]
            layers.append(torch.nn.Linear(w.shape[1], w.shape[0]))
            if j + 1 < 2 * len(self.layers):
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers)
        model.load_state_dict(sd)
        return model.eval()

    def _pairs(self) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Per layer G̃'s (U, odd-layer biases, V) over all k·n + c hidden channels (neurons), zeros where pruned; V of
        a Conv2d layer has shape (m, k·n + c, kh, kw)."""
        out = []
        for i, lp in enumerate(self.layers):
            bp = self.bias_parts[i] if self.bias_parts else None
            if self.layout.is_conv(i):
                out.append(pair_tensors(lp, bp, self.layout.geometry[i], self.bias_block))
                continue
            U, V = lp.dense()
            c = self.bias_block
            U = torch.cat([U, torch.zeros(c, lp.n, dtype=U.dtype, device=U.device)])
            V = torch.cat([V, torch.zeros(lp.m, c, dtype=V.dtype, device=V.device)], dim=1)
            bu = torch.zeros(lp.hidden + c, dtype=torch.float64, device=U.device)
            if bp is not None:
                bu[bp.const] = bp.beta
                V[bp.rows, bp.cols] = bp.v
            out.append((U, bu, V))
        return out

    def channel_src(self, i: int) -> torch.Tensor:
        """G layer 2i + 1's kept input edge per hidden channel (neuron) of target layer i + 1 (0-based), −1 where
        pruned: for a Conv2d the channel-level view of the virtual pruning (engine/conv.py ``channel_view``)."""
        return channel_view(self.layers[i], self.layout.geometry[i].positions)[0]

    @property
    def kept(self) -> int:
        """Kept weights and biases of G (a Conv2d layer's odd G layer counted per channel)."""
        return sum(int((self.channel_src(i) >= 0).sum()) + lp.rows.numel() for i, lp in enumerate(self.layers)) + sum(
            bp.const.numel() + bp.rows.numel() for bp in self.bias_parts)


def g_widths(widths: list[int] | Layout, k: int, c: int = 0) -> list[int]:
    """Widths of G: d, k·n_0 + c, n_1, k·n_1 + c, n_2, ..., k·n_{L-1} + c, n_L (docs/gadgets.md §1; c constant
    neurons per pair, docs/affine.md §2); for a ``Layout`` in channels (docs/conv.md §2)."""
    if isinstance(widths, Layout):
        return widths.g_widths(k, c)
    out = [widths[0]]
    for i in range(1, len(widths)):
        out += [k * widths[i - 1] + c, widths[i]]
    return out


def g_parameters(widths: list[int] | Layout, k: int, c: int = 0) -> int:
    """G's weights and biases (for a ``Layout``: with its convolutions' kernel positions, docs/conv.md §2)."""
    if isinstance(widths, Layout):
        return widths.g_parameters(k, c)
    gw = g_widths(widths, k, c)
    return sum(a * b + b for a, b in zip(gw[:-1], gw[1:], strict=True))


def largest_k(widths: list[int] | Layout) -> int:
    """The largest width factor whose G stays within MAX_G_PARAMETERS."""
    return max(1, MAX_G_PARAMETERS // g_parameters(widths, 1))


def _prune_all(scaled: list[np.ndarray], exps: list[np.ndarray], assignments: list[list[Candidates]],
               options: Options, progress: Callable[[int], None] | None, *,
               biases: tuple[list[np.ndarray], int] | None = None, layout: Layout | None = None,
               reuse: Reuse | None = None) -> Pruned:
    """Prune every layer pair for one rescaling (docs/gadgets.md §6.4); returns the kept edges, the neuron assignment
    each layer kept and each layer's η_i (spectral, F's units).  Every assignment is pruned and the one with the
    smallest η_i is kept; i = 1 also tries ``gadgets.rebalanced`` (when its inputs have both signs and
    ``options.reassign``): a few blocks with
    unreachable weights dominate the bound, so give them more neurons.  ``biases`` = (F's biases b_i, bias block c)
    adds the bias gadget of engine/biases.py for b'_i = D_i b_i, with β_i = ‖e_i‖₂.  ``layout`` (default: the MLP of
    ``scaled``) says which layers are convolutions: their assignments are the virtual dense view's
    (engine/conv.py), they are not rebalanced (that would break the channels' weight sharing), their η_i carries
    the factor √M_i and their bias error is the tensor over every output position (docs/conv.md §4–§5).  ``reuse``
    re-prunes dense layers from earlier prunings of the same build where nothing changed (engine/reprune.py: the
    same edges as a full pruning).  Runs on the assignments' device."""
    dev = assignments[0][0].h.device
    layout = layout or mlp_layout(scaled)
    s = padded(exps, layout.channels)
    layers, chosen, etas, parts, betas = [], [], [], [], []
    for i, (ws, cands) in enumerate(zip(scaled, assignments, strict=True), start=1):
        w = torch.from_numpy(ws).to(dev)
        g, conv = layout.geometry[i - 1], layout.is_conv(i - 1)
        s_in = column_exponents(s[i - 1], g)
        cands = list(cands)
        prune = reuse.prune if reuse is not None and not conv else prune_layer
        tried = [prune(w, i, cand, options) for cand in cands]
        if i == 1 and options.reassign and tried[0].both and not conv:
            cand = rebalanced(tried[0], w, cands[0], options.seed, 1)
            if cand is not None:
                cands.append(cand)
                tried.append(prune(w, 1, cand, options))
        errs = [layer_error(lp, w, s[i], s_in) for lp in tried]
        best = int(np.argmin(errs))
        layers.append(tried[best])
        chosen.append(cands[best])
        etas.append(errs[best] * math.sqrt(g.mult))
        if biases is not None:
            b, c = biases[0][i - 1], biases[1]
            b_scaled = torch.from_numpy(np.ldexp(b, s[i].astype(np.int32))).to(dev)
            b_t = torch.from_numpy(b).to(dev)
            if conv:
                A = g.positions
                bp = prune_biases(b_scaled, i, tried[best].hidden // A, c, options.seed, options.max_candidates,
                                  (A, bias_position(g)))
                e = bias_error_tensor(bp, b_t, s[i], g)
            else:
                bp = prune_biases(b_scaled, i, tried[best].hidden, c, options.seed, options.max_candidates)
                e = exact_ldexp(bp.sums(), torch.as_tensor(-s[i], device=dev)) - b_t
            parts.append(bp)
            betas.append(float(e.cpu().norm()))   # on the CPU: a reduction (docs/devices.md §2)
        if progress:
            progress(1)
    return Pruned(exps, scaled, layers, chosen, etas, parts, betas or [0.0] * len(etas))


def _composed(pruned: Pruned, omegas: list[float], nus: list[float], reach: float) -> float:
    """δ_L of docs/affine.md §5 in floating point: the engine's estimate, used to choose between rescalings."""
    delta, rho = 0.0, reach
    for eta, omega, beta, nu in zip(pruned.etas, omegas, pruned.betas, nus, strict=True):
        delta, rho = eta * rho + beta + omega * delta, (omega + eta) * rho + nu + beta
    return delta


def _rescalings(weights: list[np.ndarray], options: Options, assignments: list[list[Candidates]],
                gains: list[float], groups: list[int] | None = None) -> list[tuple[str, list[np.ndarray]]]:
    """The rescalings ``build`` prunes with when no exponents are given (docs/rescaling.md §4): whole layers
    balanced, and per-neuron exponents that keep the weights within reach of the candidates G offers at this k
    (measured with the last assignment listed for each layer).  ``groups`` (a target with convolutions): the
    exponents are per channel, each shared by a group of columns (docs/conv.md §6)."""
    tries = []
    if options.rescale in ("layer", "auto") or len(weights) == 1:
        tries.append(("layer", balanced_exponents(weights)))
    if options.rescale in ("neuron", "auto") and len(weights) > 1:
        dev = assignments[0][0].h.device
        reaches = [reach(torch.from_numpy(w).to(dev), cands[-1], i, options)
                   for i, (w, cands) in enumerate(zip(weights, assignments, strict=True), start=1)]
        tries.append(("neuron", reach_exponents(weights, reaches, gains, groups=groups)))
    return tries


def _refined(weights: list[np.ndarray], pruned: Pruned, gains: list[float], options: Options,
             biases: tuple[list[np.ndarray], int] | None, reuse: Reuse | None = None) -> Pruned:
    """The per-neuron try after ``refine``'s exact greedy moves of the neurons that hold the largest errors, pruned
    again with the assignments the refinement evaluated (so that its exact gains carry over); ``pruned`` itself if
    nothing moved or the moved exponents are not exact in float64."""
    exps = refine(weights, pruned, gains, options)
    if all(np.array_equal(a, b) for a, b in zip(exps, pruned.exponents, strict=True)):
        return pruned
    try:
        scaled = apply_exponents(weights, exps)
        return _prune_all(scaled, exps, [[c] for c in pruned.chosen], replace(options, reassign=False), None,
                          biases=biases, reuse=reuse)
    except ValueError:
        return pruned


def build(weights: list[np.ndarray], options: Options, *, k: int, biases: list[np.ndarray] | None = None,
          exponents: list[np.ndarray] | None = None, progress: Callable[[int], None] | None = None,
          layout: Layout | None = None) -> Construction:
    """Prune G (width factor k, ``options.seed``) into G̃ approximating the target ``weights`` and ``biases`` (None:
    bias-free; docs/gadgets.md, docs/affine.md) with the gadget ``options.method``.

    ``exponents`` fixes the rescaling of F (rescale.py).  Otherwise ``options.rescale="layer"`` balances whole layers
    (rescale.balanced_exponents), ``"neuron"`` chooses per-neuron exponents that keep the weights within reach
    of the candidates G offers at this k (rescale.reach_exponents), and ``"auto"`` prunes with both and keeps
    the smaller composed bound (about three prunings: it never does worse than either).  ``options.reassign=False``
    keeps the plain layout of docs/gadgets.md §1 (neuron t·n + j serves input j) instead of also trying the neighbour
    and uneven assignments (benchmarks' "before").  A non-zero bias adds ``options.bias_block_for(True)`` constant
    neurons per pair (engine/biases.py); ``options.domain`` decides whether layer 1's inputs are ≥ 0 and where the
    composed estimate starts.  Vectorised in torch on ``options.device``; ``progress`` is called once per finished
    target layer and rescaling tried.  ``options.width`` is not read: k is given.  ``layout`` (engine/conv.py;
    default: the MLP of ``weights``) gives each layer's kind and geometry: a Conv2d layer's ``weights`` entry is its
    kernel matrix, pruned in the virtual dense view of docs/conv.md §2."""
    t0 = time.perf_counter()
    if k < 1:
        raise ValueError("width factor k must be ≥ 1")
    layout = layout or mlp_layout(weights)
    widths = layout.channels
    biases = [np.zeros(w.shape[0]) for w in weights] if biases is None else [np.asarray(b, np.float64) for b in biases]
    c = options.bias_block_for(any(bool(np.any(b)) for b in biases))
    if g_parameters(layout, k, c) > MAX_G_PARAMETERS:
        raise InputError(f"width factor {k} gives G {g_parameters(layout, k, c):,} parameters, above the limit of "
                         f"{MAX_G_PARAMETERS:,}; use a smaller --width-factor or --method subset-sum")
    dev = device_of(options.device)
    seed = options.seed
    reach = float(parse_domain(options.domain).for_inputs(layout.in_features).reach)
    spectral = [float(np.linalg.norm(w, 2)) for w in weights]
    omegas = [nw * math.sqrt(g.mult) for nw, g in zip(spectral, layout.geometry, strict=True)]   # docs/conv.md §4
    nus = [float(np.linalg.norm(b)) * math.sqrt(g.pixels) for b, g in zip(biases, layout.geometry, strict=True)]
    gains = [math.prod(omegas) / max(nw, 1e-300) for nw in omegas]   # ≈ ρ_{i−1}·ω_{i+1}⋯ω_L of docs/composition.md §3
    # Neuron assignments tried per layer: where inputs are ≥ 0 (i ≥ 2, or a non-negative box) also moves
    # negative-weight neurons (gadgets.candidates; per channel for a convolution); the last one listed is the one
    # whose reach the per-neuron rescaling is measured with.
    assignments = [[conv_candidates(seed, 2 * i - 1, k, g, False, dev)]
                   + ([conv_candidates(seed, 2 * i - 1, k, g, True, dev)]
                      if (i > 1 or options.nonneg_input) and options.reassign else [])
                   for i, g in enumerate(layout.geometry, start=1)]
    groups = [g.group for g in layout.geometry]
    tries = [("given", exponents)] if exponents is not None else _rescalings(weights, options, assignments, gains,
                                                                             groups)
    bias_arg = (biases, c) if c or any(bool(np.any(b)) for b in biases) else None
    best, reuse = None, Reuse(REUSE)
    for kind, exps in tries:
        try:
            scaled = apply_exponents(weights, exps, groups)
        except ValueError:
            if exponents is not None:
                raise
            continue
        pruned = _prune_all(scaled, exps, assignments, options, progress,
                            biases=bias_arg, layout=layout, reuse=reuse)
        if kind == "neuron" and not layout.conv:   # refine moves single neurons' rows and columns: MLPs only
            pruned = _refined(weights, pruned, gains, options, bias_arg, reuse)
        bound = _composed(pruned, omegas, nus, reach)
        if best is None or bound < best[0]:
            best = (bound, kind, pruned)
    if best is None:
        raise ValueError("power-of-two rescaling is not exact for these weights (float64 overflow or underflow)")
    _, kind, pruned = best
    return Construction(options, k, widths, pruned.exponents, list(weights), pruned.scaled, pruned.layers, dev, kind,
                        time.perf_counter() - t0, biases, pruned.biases, c, layout)


def rescale_tries(rescale: str, n_layers: int) -> int:
    """How many rescalings ``build`` prunes with (its ``progress`` is called n_layers times for each)."""
    return 2 if rescale == "auto" and n_layers > 1 else 1
