"""Certify and check times (issue 3), with the mpmath-interval recomputation of the same norms as the baseline.

    python benchmarks/bench_certify.py                 # 784-256-256-10 target, subset-sum k = 24
    python benchmarks/bench_certify.py --widths 784 1024 1024 10 --k 16

The checker's exact-integer evaluation of every η_i, ω_i is compared with an mpmath interval evaluation of the same
sums of squares (the reference the design names), measured in the same run on the first layer.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from _targets import random_mlp, saved, table

from verify.certify import certify
from verify.engine.construct import build
from verify.engine.model import load_target
from verify.kernel import check
from verify.options import Eps, Options


def mpmath_layer_time(model: Path, cert: dict, budget_s: float = 20.0) -> tuple[float, int]:
    """Seconds per entry for an mpmath.iv evaluation of Σ W'_ij² on the first layer (sampled for budget)."""
    import mpmath

    w = load_target(model).weights[0]
    iv = mpmath.iv
    iv.prec = 80
    t0 = time.perf_counter()
    acc = iv.mpf(0)
    n = 0
    for x in w.ravel():
        v = iv.mpf(float(x))
        acc += v * v
        n += 1
        if time.perf_counter() - t0 > budget_s:
            break
    return (time.perf_counter() - t0) / n, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--widths", type=int, nargs="+", default=[784, 256, 256, 10])
    ap.add_argument("--k", type=int, default=24)
    ap.add_argument("--method", default="subset-sum")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    target = random_mlp(args.widths)
    with tempfile.TemporaryDirectory() as d:
        model = Path(d) / "target.safetensors"
        target = saved(target, model)
        t0 = time.perf_counter()
        built = build(target.weights, Options(method=args.method, seed=0, device=args.device), k=args.k)
        res = certify(target, Eps.parse("0.01"), built, empirical=True, record_timings=True)
        t_certify = time.perf_counter() - t0
        cert_path = Path(d) / "target.cert.json"
        cert_path.write_text(json.dumps(res.cert))
        t0 = time.perf_counter()
        ok = check.check_files(cert_path, model)
        t_check = time.perf_counter() - t0
        per_entry_iv, sampled = mpmath_layer_time(model, res.cert)
    entries = sum(w.size for w in target.weights)
    est_iv = per_entry_iv * entries * 3  # ≥ 3 interval ops per entry and matrix (E⁺, E⁻, W')
    rows = [
        ["target", "-".join(map(str, args.widths)) + f" ({entries:,} weights)"],
        ["method / k / device", f"{args.method} / {args.k} / {args.device}"],
        ["G parameters / kept", f"{res.cert['random_network']['parameters']:,} / {ok.kept:,}"],
        ["certified bound / attack", f"{res.cert['claim']['bound']} / {res.cert['info']['empirical']['max_error']}"],
        ["certify: construct + bound", f"{res.timings['construct_s']:.2f} s + {res.timings['bound_s']:.2f} s"],
        ["certify total (incl. attack)", f"{t_certify:.2f} s"],
        ["certificate size", f"{len(json.dumps(res.cert)):,} bytes"],
        ["check (exact integers)", f"{t_check:.2f} s"],
        ["baseline: mpmath.iv, same sums", f"≈ {est_iv:.1f} s (measured {per_entry_iv * 1e6:.1f} µs/entry on "
                                           f"{sampled:,} entries)"],
        ["check speed-up vs mpmath.iv", f"{est_iv / t_check:.1f}x"],
    ]
    print(table(["quantity", "value"], rows))


if __name__ == "__main__":
    main()
