"""Tight certification (issue 7): width needed with Frobenius vs spectral bounds, and the checker's run time.

    python benchmarks/bench_tight.py                 # digits target at eps 0.01; checker time at 784-1024-1024-10
    python benchmarks/bench_tight.py --big           # also the 784-256-256-10 target (slow on CPU)

"before" = Frobenius-norm rows (exact, what the first certificates used); "after" = spectral rows proved by
verify/kernel/spectral.py.  Same seed, same subset-sum construction; the smallest certified k is searched for each.
The checker timing certifies a 784-1024-1024-10 target with the cheap pair construction at k = 4 (its bound does
not matter: the checker's cost is regenerating the kept weights and proving the four spectral bounds).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from _targets import digits, random_mlp, saved, table

from verify.certify import certify
from verify.engine.construct import build, g_parameters
from verify.kernel import check
from verify.options import Eps, Options
from verify.search import search_width


def checker_time(widths: list[int], norm: str) -> tuple[float, float, str]:
    target = random_mlp(widths)
    with tempfile.TemporaryDirectory() as d:
        model = Path(d) / "t.safetensors"
        target = saved(target, model)
        t0 = time.perf_counter()
        built = build(target.weights, Options(method="pair", seed=0, device="cpu", norm=norm), k=4)
        res = certify(target, Eps.parse("1000"), built, empirical=False)
        t_cert = time.perf_counter() - t0
        path = Path(d) / "t.cert.json"
        path.write_text(json.dumps(res.cert))
        t0 = time.perf_counter()
        check.check_files(path, model)
        return t_cert, time.perf_counter() - t0, res.cert["claim"]["bound"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--eps", default="0.01")
    ap.add_argument("--no-checker", action="store_true", help="skip the 784-1024-1024-10 checker timing")
    args = ap.parse_args()
    targets = [("digits 64-32-16-10", digits())]
    if args.big:
        targets.append(("784-256-256-10", random_mlp([784, 256, 256, 10])))
    rows = []
    for name, target in targets:
        for norm in ("frobenius", "spectral"):
            t0 = time.perf_counter()
            found = search_width(target, Options(method="subset-sum", seed=0, device="cpu", norm=norm),
                                 Fraction(args.eps))
            k, bound = found.k, found.bound
            rows.append([name, args.eps, norm, k if k else "not reached", f"{g_parameters(target.widths, k):,}"
                         if k else "-", f"{float(bound):.4g}", f"{time.perf_counter() - t0:.0f}"])
    print(table(["target", "eps", "norm", "smallest k", "G parameters", "certified bound", "search s"], rows))
    if not args.no_checker:
        crow = []
        for norm in ("frobenius", "spectral"):
            t_cert, t_check, bound = checker_time([784, 1024, 1024, 10], norm)
            crow.append(["784-1024-1024-10 (pair, k=4)", norm, f"{t_cert:.1f}", f"{t_check:.1f}", bound])
        print()
        print(table(["target", "norm", "certify s", "check s", "bound"], crow))


if __name__ == "__main__":
    main()
