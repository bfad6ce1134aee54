"""Issue 15's targets: certify + check from scratch, as a user runs them, on random-init MLPs at ε = 0.01.

    python benchmarks/bench_scale.py                         # 784-256-256-10: default options, then --jobs 1
    python benchmarks/bench_scale.py --widths 784,1024,1024,10 --variants default
    python benchmarks/bench_scale.py --extra-args --width-factor smallest --variants default   # the old exact search

Each row is two commands run as a user would, each in a fresh process: ``slt-verify certify MODEL --eps E [options]``
and ``slt-verify check CERT --model MODEL``.  The target is a bias-free MLP with torch.nn.Linear's default scale
(U[−1/√fan_in, 1/√fan_in], numpy seed 0; ``benchmarks/_targets.py``) saved as float32 safetensors.  Per row: the
width factor certified, the bound, the constructions the width policy built (the summary line ``certify`` prints),
wall and CPU seconds of certify and of check, and the peak RSS of each process (``os.wait4``'s ru_maxrss, which
includes the threads; with ``--jobs processes:N`` the workers' memory is not included, with Dask neither).
Variants: ``default`` (no options: ``--width-factor auto`` and, since 2026-12-06, ``--jobs auto``, every core),
``serial`` (``--jobs 1``) and ``jobs2`` (``--jobs 2``); the
certificates of the variants are compared byte for byte (``info.timings`` is only written with
``--record-timings``, which is not used).  Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

VARIANTS = {"default": [], "serial": ["--jobs", "1"], "jobs2": ["--jobs", "2"]}


def timed(cmd: list[str], env: dict[str, str] | None = None, cwd: str | None = None
          ) -> tuple[int, float, float, float, str]:
    """Run ``cmd`` (with ``env`` added to this environment, in ``cwd``); return (exit code, wall s, CPU s of the
    child, its peak RSS in MiB, its stderr + stdout)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                                cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode(errors="replace")
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", default="784,256,256,10")
    ap.add_argument("--eps", default="0.01")
    ap.add_argument("--variants", nargs="+", default=["default", "serial"], choices=sorted(VARIANTS))
    ap.add_argument("--extra-args", nargs=argparse.REMAINDER, default=[], help="passed to every certify command")
    args = ap.parse_args()
    from _targets import random_mlp, saved

    widths = [int(w) for w in args.widths.split(",")]
    rows, certs = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "target.safetensors"
        saved(random_mlp(widths, seed=0), model)
        for name in args.variants:
            cert = Path(tmp) / f"{name}.cert.json"
            cmd = [sys.executable, "-m", "verify", "certify", str(model), "--eps", args.eps, "-o", str(cert),
                   *VARIANTS[name], *args.extra_args]
            rc, wall, cpu, rss, text = timed(cmd)
            print(f"[{name}] certify exit {rc}, {wall:.0f} s", file=sys.stderr, flush=True)
            k = re.search(r"width factor (\d+)|k = (\d+)", text)
            built = re.search(r"(\d+) constructions? built", text)
            bound = re.search(r"<= ([0-9.e-]+)", text)
            crc, cwall, ccpu, crss, ctext = timed([sys.executable, "-m", "verify", "check", str(cert), "--model",
                                                   str(model)]) if cert.exists() else (None, 0.0, 0.0, 0.0, "")
            certs[name] = cert.read_bytes() if cert.exists() else b""
            rows.append([name, rc, (k.group(1) or k.group(2)) if k else "?", bound.group(1) if bound else "?",
                         built.group(1) if built else "?", f"{wall:.0f}", f"{cpu:.0f}", f"{rss:.0f}", crc,
                         f"{cwall:.1f}", f"{ccpu:.1f}", f"{crss:.0f}", f"{wall + cwall:.0f}",
                         ctext.strip().splitlines()[0][:60] if ctext.strip() else ""])
    same = len({v for v in certs.values() if v}) <= 1
    print(f"target {args.widths} (random init, seed 0), eps {args.eps}, extra {' '.join(args.extra_args) or '-'}; "
          f"certificates of all variants byte-identical: {'yes' if same else 'NO'}\n")
    head = ["variant", "certify exit", "k", "bound", "constructions", "certify wall s", "certify CPU s",
            "certify peak RSS MiB", "check exit", "check wall s", "check CPU s", "check peak RSS MiB",
            "total wall s", "check says"]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


if __name__ == "__main__":
    main()
