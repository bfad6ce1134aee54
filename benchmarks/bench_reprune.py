"""Re-pruning from earlier prunings (verify/engine/reprune.py, docs/gadgets.md §6.5) and searching each block over
its own candidates (gadgets._by_length, §6.6) against pruning every layer in full over padded lists, in the same run
on the same machine.

    python benchmarks/bench_reprune.py                                  # digits bias MLP k=23, 256-128-128-10 k=30
    python benchmarks/bench_reprune.py --targets 784,256,256,10:41      # issue 15's target at the k auto picks

Each target is built once per variant, each in a fresh interpreter (so that peak RSS is per variant): ``full``
(``construct.REUSE = False`` and ``gadgets.BY_LENGTH = False``: the code before both), ``reuse`` (REUSE only) and
``default`` (both, what the CLI runs).  Per variant: wall and CPU seconds of ``construct.build`` (default options:
subset-sum, ``--rescale auto``, ball domain for random targets, box [0, 1] for the digits bias MLP), the process's
peak RSS, and a SHA-256 of every kept-edge tensor, which must be equal across the variants.  Prints a markdown
table; the speed-up is against ``full`` of the same target in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CHILD = r"""
import hashlib, json, sys, time, resource
sys.path.insert(0, {here!r})
from _targets import random_mlp
from verify.engine import construct, gadgets, reprune
from verify.options import Options
spec, flags = {spec!r}, {flags!r}
construct.REUSE, gadgets.BY_LENGTH = flags
counts = []
real = reprune.Reuse.prune
def spy(self, *a, **kw):
    out = real(self, *a, **kw)
    counts[:] = self.instances
    return out
reprune.Reuse.prune = spy
if spec["target"] == "digits-bias":
    from verify.engine.model import load_target
    import verify, pathlib
    t = load_target(pathlib.Path(verify.__file__).parent / "data" / "digits_bias_mlp.pt")
    options = Options(domain="box:0,1")
else:
    t = random_mlp([int(x) for x in spec["target"].split(",")])
    options = Options()
c0, t0 = time.process_time(), time.perf_counter()
c = construct.build(t.weights, options, k=spec["k"], biases=t.biases)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
h = hashlib.sha256()
for lp in c.layers:
    for x in (lp.rows, lp.cols, lp.src, lp.u, lp.v):
        h.update(x.cpu().numpy().tobytes())
print(json.dumps({{"wall": wall, "cpu": cpu, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "hash": h.hexdigest()[:16], "rescaling": c.rescaling, "instances": counts}}))
"""


VARIANTS = {"full": (False, False), "reuse": (True, False), "default": (True, True)}   # (REUSE, BY_LENGTH)


def one(spec: dict, variant: str) -> dict:
    code = CHILD.format(here=str(HERE), spec=spec, flags=VARIANTS[variant])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", nargs="+", default=["digits-bias:23", "256,128,128,10:30"],
                    help="TARGET:K, TARGET = digits-bias or comma-separated widths of a random MLP")
    ap.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS),
                    help="variants to build, the first is the baseline (default: full reuse default)")
    args = ap.parse_args()
    from _targets import table

    rows = []
    for item in args.targets:
        target, k = item.rsplit(":", 1)
        spec = {"target": target, "k": int(k)}
        t0 = time.perf_counter()
        runs = {v: one(spec, v) for v in args.variants}
        print(f"[{item}] {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        base = runs[args.variants[0]]
        for v, r in runs.items():
            pruned, reused = r["instances"] or [0, 0]
            rows.append([target, k, v, r["rescaling"], f"{r['wall']:.1f}", f"{r['cpu']:.1f}",
                         f"{base['cpu'] / r['cpu']:.2f}x", f"{reused / max(pruned + reused, 1):.0%}",
                         f"{r['rss']:.0f}", "yes" if r["hash"] == base["hash"] else "NO"])
    print(table(["target", "k", "variant", "rescaling kept", "wall s", "CPU s", f"CPU speed-up vs {args.variants[0]}",
                 "instances reused", "peak RSS MiB", "same edges"], rows))
    print(f"\nmachine: {os.cpu_count()} cores, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
