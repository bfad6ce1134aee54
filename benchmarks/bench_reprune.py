"""Re-pruning from earlier prunings (verify/engine/reprune.py, docs/gadgets.md §6.5) against pruning every layer in
full, in the same run on the same machine.

    python benchmarks/bench_reprune.py                                  # digits bias MLP k=23, 256-128-128-10 k=30
    python benchmarks/bench_reprune.py --targets 784,256,256,10:41      # issue 15's target at the k auto picks

Each row builds the construction twice, each in a fresh interpreter (so that peak RSS is per variant): ``full``
(``construct.REUSE = False``, the code before reprune.py) and ``reuse`` (the default).  Per variant: wall and CPU
seconds of ``construct.build`` (default options: subset-sum, ``--rescale auto``, ball domain for random targets,
box [0, 1] for the digits bias MLP), the process's peak RSS, and a SHA-256 of every kept-edge tensor, which must
be equal across the variants.  Prints a markdown table.
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
from verify.engine import construct, reprune
from verify.options import Options
spec, reuse = {spec!r}, {reuse!r}
construct.REUSE = reuse
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


def one(spec: dict, reuse: bool) -> dict:
    code = CHILD.format(here=str(HERE), spec=spec, reuse=reuse)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", nargs="+", default=["digits-bias:23", "256,128,128,10:30"],
                    help="TARGET:K, TARGET = digits-bias or comma-separated widths of a random MLP")
    args = ap.parse_args()
    from _targets import table

    rows = []
    for item in args.targets:
        target, k = item.rsplit(":", 1)
        spec = {"target": target, "k": int(k)}
        t0 = time.perf_counter()
        full, fast = one(spec, False), one(spec, True)
        print(f"[{item}] {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        pruned, reused = fast["instances"] or [0, 0]
        rows.append([target, k, fast["rescaling"], f"{full['wall']:.1f}", f"{fast['wall']:.1f}",
                     f"{full['wall'] / fast['wall']:.2f}x", f"{full['cpu']:.1f}", f"{fast['cpu']:.1f}",
                     f"{reused / max(pruned + reused, 1):.0%}", f"{full['rss']:.0f}", f"{fast['rss']:.0f}",
                     "yes" if full["hash"] == fast["hash"] else "NO"])
    print(table(["target", "k", "rescaling kept", "full wall s", "reuse wall s", "speed-up", "full CPU s",
                 "reuse CPU s", "instances reused", "full peak RSS MiB", "reuse peak RSS MiB", "same edges"], rows))
    print(f"\nmachine: {os.cpu_count()} cores, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
