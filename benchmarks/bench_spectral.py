"""Timing and tightness of the verified spectral bound (verify/kernel/spectral.py) against the Frobenius norm.

    python benchmarks/bench_spectral.py                # shapes 256x784, 1024x1568, 1024x1024
    python benchmarks/bench_spectral.py --quick        # 256x784 only
    python benchmarks/bench_spectral.py --path stdlib  # the trusted check on one path (default: both)

For each shape and matrix kind: time of the engine's claim (LAPACK), time of the trusted check on each path of
verify/kernel/spectral.py (the stdlib path and the numpy path, docs/spectral.md §3 and §5),
‖A‖_F / c (the width factor the spectral bound saves over Frobenius) and c/σ_max − 1 (the margin paid).
benchmarks/bench_check_speed.py times the paths per layer shape of a 784-1024-1024-10 target and the whole check.
Kinds: ``random`` = U[−1, 1]/√n rounded to float32 (a fresh layer); ``lowrank+noise`` = rank-8 product plus
1% entrywise noise (a trained layer's typical spectrum: a few large singular values over a flat bulk).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time

import numpy as np

from verify.engine.spectral_hint import spectral_claim, to_fixed_point
from verify.kernel import spectral


def make(kind: str, m: int, n: int, seed: int = 0) -> np.ndarray:
    rs = np.random.RandomState(seed)
    if kind == "random":
        a = rs.uniform(-1, 1, size=(m, n)) / math.sqrt(n)
    elif kind == "lowrank+noise":
        a = rs.randn(m, 8) @ rs.randn(8, n) / math.sqrt(8 * n) + 0.01 * rs.uniform(-1, 1, size=(m, n))
    else:
        raise ValueError(kind)
    return a.astype(np.float32).astype(np.float64)


def run(shape: tuple[int, int], kind: str, path: str) -> dict:
    a = make(kind, *shape)
    t0 = time.perf_counter()
    rows, K = to_fixed_point(a)
    t1 = time.perf_counter()
    c = spectral_claim(a)
    t2 = time.perf_counter()
    ok = spectral._decide(rows, K, c, path)
    t3 = time.perf_counter()
    sigma = float(np.linalg.norm(a, 2))
    m, n = sorted(shape)
    return {"shape": f"{shape[0]}x{shape[1]}", "kind": kind, "path": path, "ok": ok, "convert_s": t1 - t0,
            "claim_s": t2 - t1, "check_s": t3 - t2, "ns_per_madd": (t3 - t2) / (m * m * n / 2 + m**3 / 6) * 1e9,
            "frob_over_c": float(np.linalg.norm(a)) / float(c), "margin": float(c) / sigma - 1}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the 256x784 shape")
    ap.add_argument("--path", choices=("both", "stdlib", "numpy"), default="both",
                    help="which path of the trusted check to time")
    args = ap.parse_args()
    shapes = [(256, 784)] if args.quick else [(256, 784), (1024, 1568), (1024, 1024)]
    paths = ("stdlib", "numpy") if args.path == "both" else (args.path,)
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{platform.processor() or platform.machine()}")
    print("| shape | kind | path | accepted | to_fixed_point s | claim s | check s | ns/madd | Frobenius / c "
          "| c/σ − 1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for shape in shapes:
        for kind in ("random", "lowrank+noise"):
            for path in paths:
                r = run(shape, kind, path)
                print(f"| {r['shape']} | {r['kind']} | {r['path']} | {r['ok']} | {r['convert_s']:.2f} | "
                      f"{r['claim_s']:.2f} | {r['check_s']:.2f} | {r['ns_per_madd']:.1f} | {r['frob_over_c']:.2f} | "
                      f"{r['margin']:.2e} |", flush=True)


if __name__ == "__main__":
    main()
