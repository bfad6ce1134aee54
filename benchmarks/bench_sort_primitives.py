"""The sort primitives the subset-sum kernel can use on the CPU (verify/engine/subset_sum.py ``_sorted_high``), timed on
the same int64 rows in the same run.

    python benchmarks/bench_sort_primitives.py              # 512 rows of 2^11 (s = 22), 1 torch thread
    python benchmarks/bench_sort_primitives.py --bits 8 10 11

Rows: torch.sort (stable, with its permutation: the kernel before), torch.sort (unstable), numpy's sort of values
only (what the kernel uses for packed R·2^b + mask), numpy's argsort, and for scale torch.searchsorted of as many
random queries, unsorted and sorted.  Best of ``--repeats``.  Prints a markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch


def best(fn, repeats: int) -> float:
    out = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bits", type=int, nargs="+", default=[11], help="row length 2^bits (default 11, s = 22)")
    ap.add_argument("--rows", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    print("| row length | primitive | ms per call | ns per element |")
    print("|---|---|---|---|")
    for bits in args.bits:
        x = torch.randint(-(2**59), 2**59, (args.rows, 1 << bits), dtype=torch.int64, generator=gen)
        q = torch.randint(-(2**59), 2**59, x.shape, dtype=torch.int64, generator=gen)
        xs, qs, xn = torch.sort(x, dim=1).values, torch.sort(q, dim=1).values, x.numpy()
        cases = {
            "torch.sort stable (values + permutation)": (lambda a: torch.sort(a, dim=1, stable=True), x),
            "torch.sort unstable": (lambda a: torch.sort(a, dim=1), x),
            "numpy sort (values)": (lambda a: np.sort(a, axis=1), xn),
            "numpy argsort": (lambda a: np.argsort(a, axis=1), xn),
            "torch.searchsorted, random queries": (lambda a, s=xs: torch.searchsorted(s, a), q),
            "torch.searchsorted, sorted queries": (lambda a, s=xs: torch.searchsorted(s, a), qs),
        }
        for name, (fn, arg) in cases.items():
            t = best(lambda fn=fn, arg=arg: fn(arg), args.repeats)
            print(f"| 2^{bits} | {name} | {1e3 * t:.2f} | {1e9 * t / x.numel():.2f} |")
    print(f"\ntorch {torch.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
