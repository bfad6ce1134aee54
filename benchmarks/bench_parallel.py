"""``--jobs`` and ``--cluster`` against a serial run (issue 15; docs/parallel.md): wall time, peak memory, ratio to
serial and whether the certificate has the same bytes.

Each row runs ``slt-verify certify MODEL --width-factor K --eps 1000 --no-empirical`` in a fresh process (ε large
enough that the fixed k certifies, so that no search follows) and samples every 50 ms the resident memory of that
process and of all its descendants (worker processes, the local Dask cluster's workers).  "build" is the
construction and bounding as the command's summary reports it ("time / device"), "wall" the whole command
(interpreter start, reading the model, starting and stopping workers), "CPU s" the user and system time of the
command and every process it started, sampled with the memory (nearly independent of how busy the machine is: CPU s
beyond serial's is what splitting costs).  With ``--repeats R`` the rows run R times,
interleaved, and the smallest times and the largest memory are kept (the machine is shared).  Needs psutil (a
dependency of ``distributed``).

    python benchmarks/bench_parallel.py                       # digits MLP, digits CNN, 784-256-256-10
    python benchmarks/bench_parallel.py --targets digits --repeats 3
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _targets import random_mlp, saved, table  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "verify" / "data"
RUNS = [("serial", []), ("--jobs threads:2", ["--jobs", "threads:2"]),
        ("--jobs processes:2", ["--jobs", "processes:2"]), ("--cluster local:2", ["--cluster", "local:2"])]


def _tree(proc: psutil.Process, cpu: dict[int, float]) -> tuple[int, int]:
    """(RSS of ``proc``, RSS of ``proc`` and all its descendants), bytes; processes that just ended count 0.  Also
    records in ``cpu`` each process's user + system seconds so far."""
    own = total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            with p.oneshot():
                rss, t = p.memory_info().rss, p.cpu_times()
        except psutil.Error:
            continue
        cpu[p.pid] = t.user + t.system
        total += rss
        own = rss if p.pid == proc.pid else own
    return own, total


def _run(cmd: list[str]) -> tuple[float, float | None, int, int, float]:
    """Run ``cmd``: (wall seconds, the summary's build seconds, peak parent RSS, peak tree RSS, CPU seconds of the
    whole tree: user + system of each process when last sampled, at most 50 ms before it ended)."""
    cpu: dict[int, float] = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ps = psutil.Process(proc.pid)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            own, total = _tree(ps, cpu)
            peak[0], peak[1] = max(peak[0], own), max(peak[1], total)
            done.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{out.decode(errors='replace')}")
    m = re.search(rb"time / device\s+([0-9.]+) s", out)
    return wall, float(m.group(1)) if m else None, peak[0], peak[1], sum(cpu.values())


def _targets(names: list[str], tmp: Path, k_digits: int, k_cnn: int, k_big: int) -> list[tuple[str, list[str]]]:
    out = []
    for name in names:
        if name == "digits":
            out.append((f"digits MLP 64-32-16-10, k = {k_digits}",
                        [str(DATA / "digits_mlp.safetensors"), "--width-factor", str(k_digits)]))
        elif name == "cnn":
            out.append((f"digits CNN, k = {k_cnn}", [str(DATA / "digits_cnn.pt"), "--input-shape", "1,8,8",
                                                      "--domain", "box:0,1", "--width-factor", str(k_cnn)]))
        elif name == "big":
            path = tmp / "mlp784.safetensors"
            saved(random_mlp([784, 256, 256, 10]), path)
            out.append((f"784-256-256-10 (random init), k = {k_big}", [str(path), "--width-factor", str(k_big)]))
        else:
            raise SystemExit(f"unknown target {name!r} (digits, cnn, big)")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--targets", default="digits,cnn,big", help="comma-separated: digits, cnn, big")
    ap.add_argument("--k-digits", type=int, default=24)
    ap.add_argument("--k-cnn", type=int, default=24)
    ap.add_argument("--k-big", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--runs", default=",".join(str(i) for i in range(len(RUNS))),
                    help="which rows, by index: 0 serial, 1 threads, 2 processes, 3 local Dask cluster")
    args = ap.parse_args()
    runs = [RUNS[int(i)] for i in args.runs.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        for label, model_args in _targets(args.targets.split(","), tmp, args.k_digits, args.k_cnn, args.k_big):
            best: dict[str, list] = {}
            for _ in range(args.repeats):
                for name, extra in runs:
                    cert = tmp / f"{len(rows)}-{name.replace(' ', '_').replace(':', '_')}.json"
                    cmd = [sys.executable, "-m", "verify", "certify", *model_args, "--eps", "1000", "--no-empirical",
                           "-o", str(cert), *extra]
                    wall, build, own, total, cpu = _run(cmd)
                    digest = hashlib.sha256(cert.read_bytes()).hexdigest()
                    b = best.setdefault(name, [wall, build, own, total, digest, cpu])
                    b[0], b[2], b[3], b[5] = min(b[0], wall), max(b[2], own), max(b[3], total), min(b[5], cpu)
                    b[1] = min(b[1], build) if b[1] is not None and build is not None else build
                    if b[4] != digest:
                        b[4] = "differs between repeats"
                    print(f"  {label}: {name} {wall:.1f} s", file=sys.stderr, flush=True)
            base = best[runs[0][0]]
            for name, _ in runs:
                wall, build, own, total, digest, cpu = best[name]
                rows.append([label, name, f"{wall:.1f}", f"{build:.1f}" if build is not None else "?",
                             f"{base[1] / build:.2f}x" if build and base[1] else "?", f"{cpu:.1f}",
                             f"{own / 2**20:.0f}", f"{total / 2**20:.0f}", "yes" if digest == base[4] else "NO"])
    print(f"load average at the end (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} cores")
    print(table(["target", "run", "wall s", "build s", "build speed-up vs serial", "CPU s (all processes)",
                 "peak RSS parent MiB", "peak RSS parent + workers MiB", "certificate bytes equal"], rows))


if __name__ == "__main__":
    main()
