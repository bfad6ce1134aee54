"""Width needed by `pair` and `subset-sum` (issue 4), construction time, and a MIP baseline on real instances.

    python benchmarks/bench_width.py            # digits target, eps 0.1 / 0.01 / 0.001
    python benchmarks/bench_width.py --big      # also 784-256-256-10 (slow on CPU: minutes per construction)

For each target and ε: the smallest certified width factor k found by `search_width` (doubling + bisection), G's
parameter count, and the time of one construction at that k.  Baseline: the same per-weight subset choice solved
by scipy's HiGHS `milp` (Pensia et al. used one Gurobi MIP per weight) on a sample of real instances of the first
layer at the subset-sum k: time per weight and how often its error equals our exact optimum.
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np
import torch
from _targets import digits, random_mlp, table
from bench_subset_sum_kernel import exact_error, mip_subset

from verify.engine import rng_torch
from verify.engine.construct import build, g_parameters
from verify.engine.subset_sum import best_subsets, chosen_sums
from verify.options import Options
from verify.search import search_width


def mip_sample(target, k: int, seed: int, count: int) -> tuple[float, float, float]:
    """(our µs/weight, MIP ms/weight, fraction of equal errors) on `count` positive-side instances of layer 1."""
    w = torch.from_numpy(build(target.weights, Options(method="pair", seed=seed, device="cpu"), k=1).scaled[0])
    m, n = w.shape
    rs = np.random.RandomState(0)
    count_ours = max(count, 2000)  # time ours on a batch (as the engine runs it); the MIP on the first `count`
    rows, cols = rs.randint(0, m, count_ours), rs.randint(0, n, count_ours)
    t = torch.arange(min(k, 40))  # the kernel takes at most 40 candidates; use the block's first ones
    j, r = torch.from_numpy(cols)[:, None], torch.from_numpy(rows)[:, None]
    h = (t * n)[None, :] + j  # hidden neurons t·n + j of each weight's block
    u = rng_torch.weights_int(seed, 1, h, j)
    v = rng_torch.weights_int(seed, 2, r, h)
    prod, valid = u * v, u > 0
    # compact each instance's positive-side candidates to the front, as the engine does (padding stays invalid)
    order = torch.argsort((~valid).to(torch.int8), dim=1, stable=True)
    prod, valid = torch.gather(prod, 1, order), torch.gather(valid, 1, order)
    s = int(valid.sum(dim=1).max())
    prod, valid = prod[:, :s], valid[:, :s]
    targets = w[rows, cols]
    best_subsets(prod[:8], targets[:8], valid[:8])  # warm-up
    t0 = time.perf_counter()
    ours = best_subsets(prod, targets, valid)
    t_ours = (time.perf_counter() - t0) / count_ours
    sums = chosen_sums(prod, ours)
    equal, t_mip = 0, 0.0
    for i in range(count):
        p = prod[i][valid[i]].numpy()
        t0 = time.perf_counter()
        x, _ = mip_subset(p, float(targets[i]), 20.0)
        t_mip += time.perf_counter() - t0
        mip_err = exact_error(int(np.round(x).astype(np.int64) @ p), float(targets[i]))
        equal += mip_err == exact_error(int(sums[i]), float(targets[i]))
    return t_ours * 1e6, t_mip / count * 1e3, equal / count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", action="store_true", help="also the 784-256-256-10 target")
    ap.add_argument("--eps", nargs="+", default=["0.1", "0.01", "0.001"])
    ap.add_argument("--mip", type=int, default=30, help="MIP instances per target")
    ap.add_argument("--pair-kmax", type=int, default=4096)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--mip-only", type=int, metavar="K", help="only the MIP comparison, at width factor K")
    args = ap.parse_args()
    targets = [("digits 64-32-16-10", digits())]
    if args.big:
        targets.append(("784-256-256-10", random_mlp([784, 256, 256, 10])))
    rows, mip_rows = [], []
    for name, target in targets if args.mip_only is None else []:
        for eps in args.eps:
            for method in ("pair", "subset-sum"):
                kmax = args.pair_kmax if method == "pair" else None
                t0 = time.perf_counter()
                found = search_width(target, Options(method=method, seed=0, device=args.device), Fraction(eps),
                                     k_max=kmax)
                k, bound = found.k, found.bound
                t_search = time.perf_counter() - t0
                if k is None:
                    rows.append([name, eps, method, "not reached", "-", f"best bound {float(bound):.3g}", "-",
                                 f"{t_search:.1f}"])
                    continue
                t0 = time.perf_counter()
                build(target.weights, Options(method=method, seed=0, device=args.device), k=k)
                rows.append([name, eps, method, k, f"{g_parameters(target.widths, k):,}", f"{float(bound):.4g}",
                             f"{time.perf_counter() - t0:.2f}", f"{t_search:.1f}"])
    if rows:
        print(table(["target", "eps", "method", "k", "G parameters", "certified bound", "construct s", "search s"],
                    rows))
        print(flush=True)
    for name, target in targets:
        k_ss = args.mip_only or next((r[3] for r in reversed(rows) if r[0] == name and r[2] == "subset-sum"
                                      and isinstance(r[3], int)), 32)
        ours_us, mip_ms, agree = mip_sample(target, k_ss, 0, args.mip)
        mip_rows.append([name, min(k_ss, 40), f"{ours_us:.2f}", f"{mip_ms:.1f}", f"{mip_ms * 1e3 / ours_us:.0f}x",
                         f"{agree:.2f}"])
    header = ["target", "candidates k", "ours µs/weight", "MIP ms/weight", "MIP / ours", "MIP error = ours"]
    print(table(header, mip_rows))


if __name__ == "__main__":
    main()
