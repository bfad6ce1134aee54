"""Per-neuron rescaling (issue 7): smallest certified width factor with whole-layer vs per-neuron exponents.

    python benchmarks/bench_rescale.py                         # digits target, eps 0.01 and 0.1
    python benchmarks/bench_rescale.py --big --no-digits --rescale layer auto   # 784-256-256-10 (slow on CPU)

"plain" is the layout of docs/gadgets.md §1 with whole-layer exponents (no neuron reassignment, the first construction);
"layer" adds the neighbour and uneven neuron assignments (gadgets.py: candidates, rebalanced), i.e. the
construction before per-neuron rescaling (F's layers balanced as wholes, exponents independent of k);
"neuron" chooses per-neuron exponents from the reach of the candidates G offers at each k
(verify/engine/rescale.py: reach_exponents); "auto" (the default of `slt-verify certify`) prunes with both and keeps
the smaller bound.  All rows: subset-sum, seed 0, spectral rows in F's units, the same search (doubling, then
bisection) as `--width-factor auto`.  Each row is printed as soon as it is measured, the table at the end.
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

from _targets import digits, random_mlp, table

from verify.engine.construct import g_parameters
from verify.options import Options
from verify.search import search_width


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", action="store_true", help="also the 784-256-256-10 target")
    ap.add_argument("--no-digits", action="store_true")
    ap.add_argument("--eps", nargs="+", default=["0.01", "0.1"])
    ap.add_argument("--k-start", type=int, default=1, help="first k tried (search_width's k_start; default 1)")
    ap.add_argument("--rescale", nargs="+", default=["plain", "layer", "neuron", "auto"],
                    choices=["plain", "layer", "neuron", "auto"])
    args = ap.parse_args()
    targets = [] if args.no_digits else [("digits 64-32-16-10", digits())]
    if args.big:
        targets.append(("784-256-256-10", random_mlp([784, 256, 256, 10])))
    header = ["target", "eps", "rescale", "smallest k", "G parameters", "certified bound", "kept", "search s"]
    rows = []
    for name, target in targets:
        for eps in args.eps:
            for rescale in args.rescale:
                t0 = time.perf_counter()
                opts = Options(method="subset-sum", seed=0, device="cpu",
                               rescale="layer" if rescale == "plain" else rescale, reassign=rescale != "plain")
                found = search_width(target, opts, Fraction(eps), k_start=args.k_start)
                k, bound, c = found.k, found.bound, found.construction
                rows.append([name, eps, rescale, k if k else "not reached",
                             f"{g_parameters(target.widths, k):,}" if k else "-", f"{float(bound):.4g}",
                             c.rescaling if c else "-", f"{time.perf_counter() - t0:.0f}"])
                print(" | ".join(map(str, rows[-1])), flush=True)
    print(table(header, rows))


if __name__ == "__main__":
    main()
