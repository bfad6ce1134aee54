"""The checker on big subset-sum certificates: the kept paths' numpy path against the stdlib path and against the
checker of an earlier commit, each in a fresh process, in the same run (issue 15: "bring the 784-1024-1024-10 check
under 15 s").

    python benchmarks/bench_check_paths.py --pair CERT MODEL [--pair CERT MODEL ...] --baseline-ref c5f139c
    python benchmarks/bench_check_paths.py --build 784,256,256,10 --baseline-ref c5f139c

``--build`` writes the random-init target of ``benchmarks/_targets.py`` (numpy seed 0, float32 safetensors) and
certifies it as a user does (``slt-verify certify MODEL --eps 0.01``) first.  Variants per certificate:
``baseline`` (``--baseline-ref``: that commit's checker from a temporary git worktree, default environment),
``stdlib paths`` (this checker with SLT_VERIFY_PATHS=stdlib) and ``numpy paths`` (the default).  Columns: exit code,
wall and CPU seconds (min over ``--repeat`` runs; CPU includes BLAS threads), peak RSS (``os.wait4``), the verdict
line's start.  Prints a markdown table.

``--cores`` adds the in-process measurement behind "use every core for checking (threads or processes; measure
which)": the kept paths' sums of every layer (the checker's largest vectorised step) computed one layer after
another, then the layers spread over a thread pool and over a process pool of ``os.cpu_count()`` workers, each
checked equal to the serial result.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_scale import timed  # noqa: E402


def check_run(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float, float, str]:
    """bench_scale.timed in a directory outside the repository (python -m puts the cwd first on sys.path), with the
    output cut to its first line."""
    code, wall, cpu, rss, text = timed(cmd, env, cwd=tempfile.gettempdir())
    text = text.strip()
    return code, wall, cpu, rss, text.splitlines()[0][:70] if text else ""


def build(widths: str, workdir: Path) -> tuple[Path, Path]:
    from _targets import random_mlp, saved

    model, cert = workdir / f"target-{widths.replace(',', '-')}.safetensors", workdir / "target.cert.json"
    saved(random_mlp([int(w) for w in widths.split(",")], seed=0), model)
    subprocess.run([sys.executable, "-m", "verify", "certify", str(model), "--eps", "0.01", "-o", str(cert)],
                   check=True, stdout=subprocess.DEVNULL)
    return cert, model


def cores_table(cert_path: Path, model_path: Path) -> None:
    """Serial against threads against processes for the per-layer sums (see the module docstring)."""
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    from verify.kernel import check, paths
    from verify.kernel.wellformed import load_json, read_file, well_formed

    cert = well_formed(load_json(read_file(cert_path, check.MAX_CERT_BYTES, "certificate"), "certificate"))
    _, geometry = check._model(cert, model_path.read_bytes())
    seed, k, c, _ = check._structure(cert, geometry, check._claim(cert)[2])
    pruned, kept = check._kept_edges(cert, geometry, k, c, seed)
    jobs = [(seed, i, p, g.c_out, g.c_in) for i, (p, g) in enumerate(zip(pruned, geometry, strict=True))]
    t0 = time.perf_counter()
    serial = [paths.sums(*j) for j in jobs]
    rows = [("one layer after another", time.perf_counter() - t0, True)]
    for name, pool in (("threads", ThreadPoolExecutor), ("processes", ProcessPoolExecutor)):
        with pool(os.cpu_count()) as ex:
            t0 = time.perf_counter()
            got = list(ex.map(paths.sums, *zip(*jobs, strict=True)))
            rows.append((f"{name} ({os.cpu_count()})", time.perf_counter() - t0, got == serial))
    print(f"\nper-layer sums of {cert_path.name} ({kept} kept weights and biases, {len(jobs)} layers)\n")
    print("| how | wall s | same sums |")
    print("|---|---|---|")
    for name, wall, same in rows:
        print(f"| {name} | {wall:.2f} | {same} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", nargs=2, action="append", default=[], metavar=("CERT", "MODEL"))
    ap.add_argument("--build", metavar="WIDTHS", help="certify this random-init target first (e.g. 784,256,256,10)")
    ap.add_argument("--baseline-ref", help="also run this commit's checker (a temporary git worktree)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--cores", action="store_true", help="also: the per-layer sums serial, in threads, in processes")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pairs = [(Path(c).resolve(), Path(m).resolve()) for c, m in args.pair]
        if args.build:
            pairs.append(build(args.build, Path(tmp)))
        variants = []
        if args.baseline_ref:
            tree = Path(tmp) / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.baseline_ref],
                           check=True, capture_output=True)
            variants.append((f"baseline ({args.baseline_ref})", {"PYTHONPATH": str(tree)}))
        variants += [("stdlib paths", {"SLT_VERIFY_PATHS": "stdlib", "PYTHONPATH": str(ROOT)}),
                     ("numpy paths (default)", {"PYTHONPATH": str(ROOT)})]
        print(f"load average at start {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs", file=sys.stderr)
        print("| certificate | variant | exit | wall s | CPU s | peak RSS MiB | line |")
        print("|---|---|---|---|---|---|---|")
        try:
            for cert, model in pairs:
                for name, env in variants:
                    runs = [check_run([sys.executable, "-m", "verify", "check", str(cert), "--model", str(model)], env)
                            for _ in range(args.repeat)]
                    code, line = runs[0][0], runs[0][4]
                    wall, cpu, rss = (min(r[i] for r in runs) for i in (1, 2, 3))
                    print(f"| {cert.name} | {name} | {code} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {line} |",
                          flush=True)
        finally:
            if args.baseline_ref:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False,
                               capture_output=True)
        if args.cores:
            for cert, model in pairs:
                cores_table(cert, model)
        print(f"load average at end {os.getloadavg()[0]:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main()
