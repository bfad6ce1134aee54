"""CNNs: the smallest certified k per ε for the shipped digits CNN, G's size against the target's, time and memory,
and the same CNN unrolled into an equivalent dense MLP (what weight sharing saves).

    python benchmarks/bench_cnn.py                  # ε = 0.1, 0.05, 0.02 (about 15 min on 2 cores)
    python benchmarks/bench_cnn.py --eps 0.1        # one ε (a few minutes)

Targets: ``verify/data/digits_cnn.pt`` (Conv2d(1, 4, 3, padding=1), ReLU, Conv2d(4, 8, 3, stride=2, padding=1),
ReLU, Flatten, Linear(128, 10); 1 × 8 × 8 inputs) over the box [0, 1]^64, and its unrolled MLP
(scripts/unroll_cnn.py: 64-256-128-10, the exact dense matrices of the two convolutions, biases repeated per
position; the same function). For each, per ε: ``search_width`` (the smallest k whose certified bound reaches ε
while k − 1's does not; default options: subset-sum, spectral rows, bias block "auto"), G's parameters, the
certified bound, the attack's largest error and the tightness, the search time (every construction it built), and
the peak RSS of the process (each row runs in a fresh spawned process). A row that is not certified up to the
largest k tried says so. Results go to stdout as a markdown table (benchmarks/cnn.md keeps a measured copy).
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CNN = ROOT / "verify" / "data" / "digits_cnn.pt"
SHAPE = (1, 8, 8)


def _unrolled(dst: Path) -> Path:
    spec = importlib.util.spec_from_file_location("unroll_cnn", ROOT / "scripts" / "unroll_cnn.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.write_unrolled(CNN, SHAPE, dst)
    return dst


def row(name: str, path: str, eps: str) -> dict:
    """One table row in a fresh process."""
    from verify.certify import certify
    from verify.engine.construct import g_parameters
    from verify.engine.model import load_target
    from verify.options import Eps, Options
    from verify.search import search_width

    target = load_target(path, input_shape=SHAPE if name == "CNN" else None)
    layout = getattr(target, "layout", None)
    t0 = time.perf_counter()
    found = search_width(target, Options(seed=0, device="cpu", domain="box:0,1"), Fraction(eps))
    seconds = time.perf_counter() - t0
    out = {"name": name, "eps": eps, "k": found.k, "bound": float(found.bound), "built": found.built,
           "search_s": seconds, "f_params": target.parameters, "k_max": found.k_max}
    if found.chosen is not None:
        c = found.chosen.construction
        cert = certify(target, Eps.parse(eps), found.chosen, empirical=True).cert
        emp = cert["info"]["empirical"]
        out.update(g_params=g_parameters(layout if layout is not None else target.widths, c.k, c.bias_block),
                   attack=float(emp["max_error"]), tightness=emp["tightness"], kept=sum(
                       m["kept"] + m["bias_kept"] for m in cert["mask"]))
    out["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eps", nargs="+", default=["0.1", "0.05", "0.02"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mlp = _unrolled(Path(tmp) / "digits_cnn_unrolled.pt")
        jobs = [(name, str(path), eps) for eps in args.eps for name, path in (("CNN", CNN), ("unrolled MLP", mlp))]
        ctx = multiprocessing.get_context("spawn")
        print("| target | ε | smallest k | G parameters (F's) | kept | certified bound | attack | tightness | "
              "constructions | search s | peak RSS MiB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
        for job in jobs:
            with ProcessPoolExecutor(1, mp_context=ctx) as pool:
                _print(pool.submit(row, *job).result())


def _print(r: dict) -> None:
    """One markdown row, printed as soon as it is measured."""
    if r["k"] is None:
        print(f"| {r['name']} | {r['eps']} | not reached with k ≤ {r['k_max']} | – | – | {r['bound']:.4g} | – | "
              f"– | {r['built']} | {r['search_s']:.0f} | {r['rss_mib']:.0f} |", flush=True)
        return
    print(f"| {r['name']} | {r['eps']} | {r['k']} | {r['g_params']:,} ({r['f_params']:,}) | {r['kept']:,} | "
          f"{r['bound']:.4g} | {r['attack']:.3g} | {r['tightness']} | {r['built']} | {r['search_s']:.0f} | "
          f"{r['rss_mib']:.0f} |", flush=True)

if __name__ == "__main__":
    main()
