"""Meet-in-the-middle subset-sum kernel vs a MIP baseline (Pensia et al. 2020 used one Gurobi MIP per weight).

Baseline: scipy's HiGHS ``scipy.optimize.milp`` on the same instance,

    minimise t   s.t.   −t ≤ Σ_i p_i x_i − w ≤ t,   x ∈ {0,1}^s,  t ≥ 0,

with ``mip_rel_gap = 0``.  Instances: candidates p_i = u_i v_i with u, v on G's grid (odd multiples of
2^-24 in (−1, 1), i.e. U[−1,1] discretised as in ``verify.kernel.rng``), targets w ~ U[−1, 1].  Both errors are
recomputed exactly (fractions) from the returned subsets.  Ours is timed batched over ``--batch``
instances on the CPU; the MIP one instance at a time; both in the same run and thread setting.

Floor (``floor_per_weight``): on the same instances, in the same run and chunks, the two primitives any torch
meet-in-the-middle needs — ``torch.sort`` of every instance's 2^b high-half subset sums and ``torch.searchsorted``
of its 2^a low-half sums in them — with the sums enumerated beforehand (untimed).  "ours/floor" is how far the
kernel (enumeration, exact keys, tie rule, chunking included) is above that.

    python benchmarks/bench_subset_sum_kernel.py            # s = 8, 12, 16, 20   (< 2 min)
    python benchmarks/bench_subset_sum_kernel.py --quick    # s = 8, 12, 16, few instances
    python benchmarks/bench_subset_sum_kernel.py --kernel-only --sizes 8 12 16 20 24
    python benchmarks/bench_subset_sum_kernel.py --kernel-only --device cuda    # on a GPU
"""

from __future__ import annotations

import argparse
import statistics
import time
from fractions import Fraction

import numpy as np
import torch

from verify.engine.subset_sum import PRODUCT_BITS, _subset_sums, best_subsets, chosen_sums, instance_bytes


def make_instances(s: int, count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Products in units of 2^-48 (int64, (count, s)) and float64 targets in [-1, 1]."""
    rng = np.random.default_rng(seed)
    u = 2 * rng.integers(0, 1 << 24, size=(count, s), dtype=np.int64) + 1 - (1 << 24)
    v = 2 * rng.integers(0, 1 << 24, size=(count, s), dtype=np.int64) + 1 - (1 << 24)
    w = rng.uniform(-1.0, 1.0, size=count)
    return torch.from_numpy(u * v), torch.from_numpy(w)


def exact_error(total_int: int, w: float) -> Fraction:
    """|S·2^-48 − w| as an exact rational."""
    return abs(Fraction(total_int, 1 << PRODUCT_BITS) - Fraction(w))


def mip_subset(p_int: np.ndarray, w: float, time_limit: float) -> tuple[np.ndarray, bool]:
    """HiGHS MIP for one instance; returns (x as 0/1 array, solved to optimality)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    s = p_int.shape[0]
    p = p_int.astype(np.float64) * 2.0 ** -PRODUCT_BITS  # exact: |p_int| < 2^48
    c = np.zeros(s + 1)
    c[-1] = 1.0
    a = np.zeros((2, s + 1))
    a[0, :s], a[0, -1] = p, -1.0
    a[1, :s], a[1, -1] = -p, -1.0
    integrality = np.ones(s + 1)
    integrality[-1] = 0
    upper = np.ones(s + 1)
    upper[-1] = np.inf
    res = milp(c, constraints=LinearConstraint(a, -np.inf, [w, -w]), integrality=integrality,
               bounds=Bounds(np.zeros(s + 1), upper),
               options={"mip_rel_gap": 0.0, "time_limit": time_limit})
    if res.x is None:
        return np.zeros(s, dtype=np.int64), False
    return np.rint(res.x[:s]).astype(np.int64), res.status == 0


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_ours(p: torch.Tensor, w: torch.Tensor, repeats: int = 3) -> tuple[float, torch.Tensor]:
    """Seconds per weight of ``best_subsets`` on (p, w) on their device, best of ``repeats``."""
    best_subsets(p[:4], w[:4])  # warm-up
    times, chosen = [], None
    for _ in range(repeats):
        _sync(p.device)
        t0 = time.perf_counter()
        chosen = best_subsets(p, w)
        _sync(p.device)
        times.append(time.perf_counter() - t0)
    assert chosen is not None
    return min(times) / p.shape[0], chosen


def floor_per_weight(p: torch.Tensor, repeats: int = 3) -> float:
    """Seconds per weight of the floor (module docstring): torch.sort of the high-half sums and torch.searchsorted of
    the low-half sums, chunked as ``best_subsets`` chunks on this device, best of ``repeats``."""
    s = p.shape[1]
    a = (s + 1) // 2
    low, high = _subset_sums(p[:, :a]), _subset_sums(p[:, a:])
    chunk = max(1, ((256 << 20) if p.is_cuda else (16 << 20)) // instance_bytes(s))
    times = []
    for _ in range(repeats + 1):   # the first is a warm-up
        _sync(p.device)
        t0 = time.perf_counter()
        for lo in range(0, p.shape[0], chunk):
            r_sorted, _ = torch.sort(high[lo:lo + chunk], dim=1, stable=True)
            torch.searchsorted(r_sorted, low[lo:lo + chunk])
        _sync(p.device)
        times.append(time.perf_counter() - t0)
    return min(times[1:]) / p.shape[0]


def run(sizes: list[int], batch: int, mip_count: int, seed: int, time_limit: float, kernel_only: bool,
        device: str = "cpu") -> str:
    head = (f"{'s':>3} {'ours us/weight':>15} {'floor us/weight':>16} {'ours/floor':>10} {'peak est/inst':>14}"
            + ("" if kernel_only else f" {'MIP ms/weight':>14} {'MIP/ours':>9} {'MIP==ours':>10} "
               f"{'MIP<ours':>9} {'MIP timeouts':>12}")
            + f" {'median opt err':>15}")
    lines = [head, "-" * len(head)]
    for s in sizes:
        nb = max(mip_count, batch if s <= 16 else max(mip_count, batch // (1 << (s - 16))))
        p, w = make_instances(s, nb, seed + s)
        per_weight, chosen = time_ours(p.to(device), w.to(device))
        floor = floor_per_weight(p.to(device))
        sums = chosen_sums(p, chosen.cpu()).tolist()
        errs = [exact_error(sums[i], float(w[i])) for i in range(nb)]
        row = (f"{s:>3} {per_weight * 1e6:>15.2f} {floor * 1e6:>16.2f} {per_weight / floor:>10.1f} "
               f"{instance_bytes(s):>14,}")
        if not kernel_only:
            equal = better = timeouts = 0
            t_mip = 0.0
            for i in range(mip_count):
                t0 = time.perf_counter()
                x, optimal = mip_subset(p[i].numpy(), float(w[i]), time_limit)
                t_mip += time.perf_counter() - t0
                timeouts += not optimal
                e_mip = exact_error(int((p[i].numpy() * x).sum()), float(w[i]))
                equal += abs(e_mip - errs[i]) <= Fraction(1, 10 ** 12) * errs[i]
                better += e_mip < errs[i]  # would contradict exactness of ours
            mip_per = t_mip / mip_count
            row += (f" {mip_per * 1e3:>14.3f} {mip_per / per_weight:>9.0f} {equal / mip_count:>10.2f} "
                    f"{better:>9d} {timeouts:>12d}")
        row += f" {float(statistics.median(errs)):>15.3e}"
        lines.append(row)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", help="candidate counts s (default 8 12 16 20)")
    ap.add_argument("--batch", type=int, default=4096, help="instances timed for ours at s <= 16 "
                    "(halved per extra candidate beyond 16)")
    ap.add_argument("--mip-count", type=int, default=40, help="instances solved by the MIP per s")
    ap.add_argument("--time-limit", type=float, default=20.0, help="MIP time limit per instance (s)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: on the shared "
                    "2-core VM the 2-thread OpenMP path was 5-60x slower per op)")
    ap.add_argument("--seed", type=int, default=0, help="instance seed")
    ap.add_argument("--quick", action="store_true", help="s = 8 12 16, 8 MIP instances, batch 1024")
    ap.add_argument("--kernel-only", action="store_true", help="time ours only (no MIP)")
    ap.add_argument("--device", default="cpu", help="torch device of the kernel and the floor (the MIP: CPU)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    sizes = args.sizes or ([8, 12, 16] if args.quick else [8, 12, 16, 20])
    batch, mip_count = (1024, 8) if args.quick else (args.batch, args.mip_count)
    t0 = time.perf_counter()
    where = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else "CPU"
    print(f"torch {torch.__version__}, {where}, {torch.get_num_threads()} CPU thread(s), seed {args.seed}")
    print(run(sizes, batch, mip_count, args.seed, args.time_limit, args.kernel_only, args.device))
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
