"""Layouts of G for a convolution (issue 14, "Construction"): per-weight subset-sum error against G's parameters.

Measures, for the two Conv2d layers of the shipped digits CNN (``verify/data/digits_cnn.pt``: Conv2d(1, 4, 3,
padding=1), ReLU, Conv2d(4, 8, 3, stride=2, padding=1), ReLU, Flatten, Linear(128, 10); 1 × 8 × 8 inputs over the
box [0, 1], so every layer's inputs are ≥ 0 and only positive input weights of a 1 × 1 gadget channel are useful),
how well three layouts of the random network G approximate the target's kernel entries w[o, c, q]:

* ``ours``: docs/conv.md §2 as the engine builds it: a 1 × 1 convolution to k·n + c channels (k channels per input
  channel, shared by all A kernel positions; c = 44 bias channels), ReLU, a kh × kw convolution back to m; w[o, c, q]
  is a subset sum of the products U[h, c]·V[o, h, q] over the channels h serving c; negative-weight channels move to a
  neighbouring input channel (``gadgets.candidates``, move_negative) and the engine keeps the better of the two
  assignments (smaller ‖E‖₂).  This calls the engine's own ``gadgets.prune_layer``.
* ``2L-plain``: the same shape without moving negative-weight channels (channel t·n + j serves j; on inputs ≥ 0 only
  the channels with U > 0, about k/2, can serve): the layout of da Cunha, Natale and Viennot (ICLR 2022, k = 2n) and
  of Burkholz's ``--construct 2L`` (ICML 2022, k = 2ρ).  Same engine call, one assignment.
* ``L+1``: Burkholz's default construction: target layer 1 is a 1 × 1 convolution to 2ρ(n + 1) channels, ReLU, and
  a kh × kw convolution to ρ(m + 1) channels (ρ copies of every output channel, each with its own subset sum over
  the products, as in 2L-plain with k = 2ρ); every later target convolution is one random kh × kw convolution from
  the ρ(n + 1) copies to ρ(m + 1) copies, w[o, c, q] being, for each output copy, a subset sum of the ρ weights
  V[(o, t), (c, s), q] themselves (s < ρ: the copies of input channel c).  Its parameters grow as ρ².

Every layout draws G from the project's generator (verify/kernel/rng.py: odd multiples of 2^-24 in (−1, 1)) and
chooses every subset with the exact solver of verify/engine/subset_sum.py (at most ``max_candidates`` = 22 per
weight, the engine's default), so only the layout differs.  The weights are F's own (their largest is 0.88, the
engine's balanced rescaling is the identity here).  Errors E = (built) − w are in F's units; for L+1 every output
copy counts.  Parameters: G's weights and biases per conv layer pair (L+1: the G layers that build that target
layer) and for the whole G (the Linear layer included, which the layout also decides: 2L for ours and 2L-plain,
one random layer with ρ copies of every input for L+1).

Prints two markdown tables: per layout and width (k or ρ) the parameters, the largest and median |E| over all seeds
and ‖E‖₂ (spectral norm of the kernel error matrix, mean over seeds; L+1: the worst output copy), and, per conv
layer and error level τ, the smallest width of the grid whose largest |E| over every seed is ≤ τ with that layer's
parameters.  benchmarks/cnn_layouts.md keeps a measured copy and the discussion.

    PYTHONPATH=. nice -n 10 python benchmarks/bench_cnn_layouts.py     # seeds 0-4 (about 40 s on one core)
    PYTHONPATH=. python benchmarks/bench_cnn_layouts.py --seeds 1      # seed 0 only

(from the repository root; ``PYTHONPATH=.`` is not needed where the package is installed with ``pip install -e .``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from verify.engine import rng_torch
from verify.engine.conv import Geometry, conv_candidates
from verify.engine.gadgets import prune_layer
from verify.engine.model import load_target
from verify.engine.subset_sum import PRODUCT_BITS, best_subsets, chosen_sums
from verify.kernel import rng
from verify.options import CANDIDATES_DEFAULT, Options

ROOT = Path(__file__).resolve().parent.parent
CNN = ROOT / "verify" / "data" / "digits_cnn.pt"
SHAPE = (1, 8, 8)
BIAS_BLOCK = 2 * CANDIDATES_DEFAULT   # the engine's bias block "auto" for a target with biases
K_GRID = [4, 6, 8, 10, 12, 16, 20, 24, 30, 40, 50, 60]
RHO_GRID = list(range(2, 23))
K_SHOWN = [8, 16, 30, 60]
RHO_SHOWN = [2, 4, 6, 8, 12, 16, 22]
TAUS = [1e-2, 1e-3, 1e-4]
DEV = torch.device("cpu")


def options(seed: int) -> Options:
    return Options(seed=seed, device="cpu", domain="box:0,1")


def spectral(e: torch.Tensor) -> float:
    return float(torch.linalg.matrix_norm(e, ord=2))


def errors_2l(w: np.ndarray, i: int, g: Geometry, k: int, seed: int, move: bool) -> torch.Tensor:
    """E⁺ = P − W (m, n·A) of the engine's pair for target layer i at width k (docs/conv.md §2–§3; inputs ≥ 0)."""
    wt = torch.from_numpy(w)
    cands = [conv_candidates(seed, 2 * i - 1, k, g, False, DEV)]
    if move:
        cands.append(conv_candidates(seed, 2 * i - 1, k, g, True, DEV))
    tried = [prune_layer(wt, i, c, options(seed)).eta_matrix(wt) for c in cands]
    return min(tried, key=spectral)


def errors_l1_first(w: np.ndarray, g: Geometry, rho: int, seed: int) -> torch.Tensor:
    """L+1, first target layer: ρ output copies (rows o·ρ + t), each its own subset sum over the products of the
    2ρ channels per input channel (those with U > 0 serve); (m·ρ, n·A)."""
    wt = torch.from_numpy(np.repeat(w, rho, axis=0))
    cand = conv_candidates(seed, 1, 2 * rho, g, False, DEV)
    return prune_layer(wt, 1, cand, options(seed)).eta_matrix(wt)


def errors_l1_later(w: np.ndarray, i: int, g: Geometry, rho: int, seed: int, limit: int) -> torch.Tensor:
    """L+1, target layer i ≥ 2: one random kh × kw convolution from ρ(n + 1) to ρ(m + 1) channels; output copy
    (o, t) builds w[o, c, q] from the weights V[(o, t), (c, s), q], s < ρ (the first ``limit``); (m·ρ, n·A)."""
    m, n, A = g.c_out, g.c_in, g.positions
    s = min(rho, limit)
    rows = torch.arange(m * rho)
    c, q, t = torch.meshgrid(torch.arange(n), torch.arange(A), torch.arange(s), indexing="ij")
    cols = ((c * rho + t) * A + q).reshape(n * A, s)                       # column (c·ρ + t)·A + q of G's kernel
    v = rng_torch.weights_int(seed, i + 1, rows[:, None, None], cols[None])   # (m·ρ, n·A, s), units 2^-24
    prods = v * (1 << (PRODUCT_BITS - rng.SCALE_BITS))                     # units 2^-48
    target = torch.from_numpy(np.repeat(w, rho, axis=0))
    chosen = best_subsets(prods.reshape(-1, s), target.reshape(-1))
    built = chosen_sums(prods.reshape(-1, s), chosen).to(torch.float64) * 2.0**-PRODUCT_BITS
    return built.reshape(m * rho, n * A) - target


def params_2l(g: Geometry, k: int, c: int = BIAS_BLOCK) -> int:
    """G's parameters for one target layer in the 2L layout (docs/conv.md §2)."""
    return (k * g.c_in + c) * (g.c_in + 1) + g.c_out * ((k * g.c_in + c) * g.positions + 1)


def params_l1(geoms: list[Geometry], rho: int) -> list[int]:
    """G's parameters per target layer in the L+1 layout (ρ copies and ρ constant copies of every channel; the
    last layer reads ρ copies of every input and of the constants, one output each)."""
    out = []
    for i, g in enumerate(geoms):
        if i == 0:
            hid = 2 * rho * (g.c_in + 1)
            out.append(hid * (g.c_in + 1) + rho * (g.c_out + 1) * (hid * g.positions + 1))
        elif i < len(geoms) - 1:
            out.append(rho * (g.c_out + 1) * (rho * (g.c_in + 1) * g.positions + 1))
        else:   # ρ copies of every input column and of the constant columns (H·W of them after a Flatten)
            out.append(g.c_out * (rho * (g.c_in * g.positions + g.group) + 1))
    return out


def measure(layout: str, width: int, convs: list, geoms: list[Geometry], seeds: int, limit: int) -> dict:
    """Errors per conv layer (all seeds) and parameters for one layout and width."""
    res = {"layout": layout, "width": width, "layers": []}
    per_layer = params_l1(geoms, width) if layout == "L+1" else [params_2l(g, width) for g in geoms]
    res["total"] = sum(per_layer)
    for i, w, g in convs:
        errs, norms = [], []
        for seed in range(seeds):
            if layout == "L+1":
                e = errors_l1_first(w, g, width, seed) if i == 1 else errors_l1_later(w, i, g, width, seed, limit)
                norms.append(max(spectral(x) for x in e.reshape(g.c_out, width, -1).unbind(1)))
            else:
                e = errors_2l(w, i, g, width, seed, move=layout == "ours")
                norms.append(spectral(e))
            errs.append(e.abs().reshape(-1))
        a = torch.cat(errs)
        res["layers"].append({"params": per_layer[i - 1], "max": float(a.max()), "median": float(a.median()),
                              "norm": float(np.mean(norms))})
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N−1 (default 5)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    target = load_target(CNN, input_shape=SHAPE)
    lay = target.layout
    geoms = list(lay.geometry)
    convs = [(i + 1, target.weights[i], g) for i, g in enumerate(geoms) if lay.is_conv(i)]
    t0 = time.perf_counter()
    runs = [measure(name, k, convs, geoms, args.seeds, CANDIDATES_DEFAULT) for name in ("ours", "2L-plain")
            for k in K_GRID]
    runs += [measure("L+1", r, convs, geoms, args.seeds, CANDIDATES_DEFAULT) for r in RHO_GRID]
    seconds = time.perf_counter() - t0
    print(f"Target {lay.describe()}, box [0, 1]; seeds 0-{args.seeds - 1}; {seconds:.0f} s.\n")
    head = " | ".join(f"conv{j} params | conv{j} max \\|E\\| | conv{j} median \\|E\\| | conv{j} ‖E‖₂"
                      for j in range(1, len(convs) + 1))
    print(f"| layout | width | {head} | G parameters (total) |")
    print("|---|---|" + "---|" * (4 * len(convs)) + "---|")
    for r in runs:
        if r["width"] not in (RHO_SHOWN if r["layout"] == "L+1" else K_SHOWN):
            continue
        cells = " | ".join(f"{x['params']:,} | {x['max']:.2e} | {x['median']:.1e} | {x['norm']:.2e}"
                           for x in r["layers"])
        name = "ρ" if r["layout"] == "L+1" else "k"
        print(f"| {r['layout']} | {name} = {r['width']} | {cells} | {r['total']:,} |")
    print("\nSmallest width of the grid (k: " + ", ".join(map(str, K_GRID)) + "; ρ: 2-22) whose largest |E| over "
          "all seeds is ≤ τ, with that conv layer's G parameters (— : not reached):\n")
    cols = " | ".join(f"{name} {j}" for j in range(1, len(convs) + 1) for name in ("ours", "2L-plain", "L+1"))
    print(f"| τ | {cols} |")
    print("|---|" + "---|" * (3 * len(convs)))
    for tau in TAUS:
        cells = []
        for j in range(len(convs)):
            for name in ("ours", "2L-plain", "L+1"):
                hit = next((r for r in runs if r["layout"] == name and r["layers"][j]["max"] <= tau), None)
                sym = "ρ" if name == "L+1" else "k"
                cells.append("—" if hit is None else f"{sym}={hit['width']}: {hit['layers'][j]['params']:,}")
        print(f"| {tau:g} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
