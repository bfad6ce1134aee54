"""The checker's speed on 1024-wide layers (issue 15): the verified spectral test's two paths, and `slt-verify check`.

    python benchmarks/bench_check_speed.py                   # tables 1-3; ~10 min on 2 shared cores (stdlib is slow)
    python benchmarks/bench_check_speed.py --no-stdlib-shapes  # table 1 without the stdlib column
    python benchmarks/bench_check_speed.py --workdir DIR     # keep the model and certificates in DIR between runs
    python benchmarks/bench_check_speed.py --subset-sum 8    # also a subset-sum certificate at k = 8 (~7 min to build)

Table 1, per layer shape of a 784-1024-1024-10 target (W₁ 1024×784, its [E⁺ E⁻] 1024×1568, W₂ and E⁺₂
1024×1024, W₃ 10×1024; float32 matrices drawn like a fresh layer, U[−1, 1]/√n, as bench_spectral.py does): the time
of ``spectral_bound_holds`` on the engine's claim with the stdlib path (one run) and with the numpy path (fastest of
``--repeat``), both called through ``spectral._decide`` on the same matrix in the same run; the numpy path's split
(step 0: exact ΣN², L and the rational constants; N1 conversion; N2 Gram; N3–N4 Cholesky); and both paths'
decisions on c = σ(1 ± 10^-9).

Table 2: `python -m verify check` on 784-1024-1024-10 certificates (random-init target, seed 0, eps 10; pair
construction at k = 4: certified, bound 6.17; with ``--subset-sum K`` also a subset-sum one), each run in a fresh
process: wall time (min and median of the runs), the CPU time of the fastest run and the child's peak RSS, with
``SLT_VERIFY_SPECTRAL=stdlib`` (before) and with the default numpy path (after), and the pair certificate with
Frobenius rows (no spectral test).  Table 3 splits in-process checks by phase, wrapping ``check.spectral_bound_holds``,
``check._layer_matrices`` and ``check._kept_edges``.  The machine is shared: compare rows of one run, and prefer the
CPU column when the load average is high.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _targets import random_mlp, saved, table  # noqa: E402

from verify.engine.spectral_hint import spectral_claim, to_fixed_point  # noqa: E402
from verify.kernel import check, spectral  # noqa: E402

WIDTHS = [784, 1024, 1024, 10]
SHAPES = [("W1", (1024, 784)), ("[E+ E-]1", (1024, 1568)), ("W2, E+2", (1024, 1024)), ("W3", (10, 1024))]


def layer_matrix(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    a = np.random.RandomState(seed).uniform(-1, 1, size=shape) / math.sqrt(shape[1])
    return a.astype(np.float32).astype(np.float64)


class Timer:
    """Wrap a module attribute (a function) and add up the wall and process-CPU seconds spent in it."""

    def __init__(self, module, name: str) -> None:
        self.module, self.name, self.orig = module, name, getattr(module, name)
        self.seconds, self.cpu, self.calls = 0.0, 0.0, 0

    def __enter__(self) -> Timer:
        def wrapped(*a, **k):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return self.orig(*a, **k)
            finally:
                self.seconds += time.perf_counter() - t0
                self.cpu += time.process_time() - c0
                self.calls += 1
        setattr(self.module, self.name, wrapped)
        return self

    def __exit__(self, *exc) -> None:
        setattr(self.module, self.name, self.orig)


def shapes_table(stdlib: bool, repeat: int) -> str:
    out = []
    for name, shape in SHAPES:
        a = layer_matrix(shape)
        rows, K = to_fixed_point(a)
        claim = spectral_claim(a)
        sigma = Fraction(float(np.linalg.norm(a, 2)))
        t0 = time.perf_counter()
        ok_std = spectral._decide(rows, K, claim, "stdlib") if stdlib else None
        t_std = time.perf_counter() - t0
        best = None
        for _ in range(repeat):   # the fastest of ``repeat`` numpy-path runs, with its split
            with Timer(spectral, "_numpy_gram_side") as conv, Timer(spectral, "_numpy_cholesky_succeeds") as chol:
                t0 = time.perf_counter()
                ok_np = spectral._decide(rows, K, claim, "numpy")
                t_np = time.perf_counter() - t0
            if best is None or t_np < best[0]:
                best = (t_np, conv.seconds, chol.seconds)
        t_np, conv_s, chol_s = best
        # Gram alone, to split N2 from N3–N4 (same BLAS call as the path makes), fastest of ``repeat``
        at = spectral._numpy_gram_side(rows, max(max(max(r), -min(r)) for r in rows).bit_length(), np)
        t_gram = math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            _ = at @ at.T
            t_gram = min(t_gram, time.perf_counter() - t0)
        lo, hi = sigma * (1 - Fraction(1, 10**9)), sigma * (1 + Fraction(1, 10**9))
        dec = [spectral._decide(rows, K, c, "numpy") for c in (lo, hi)]
        if stdlib:
            dec += [spectral._decide(rows, K, c, "stdlib") for c in (lo, hi)]
        m, n = sorted(shape)
        out.append([name, f"{shape[0]}x{shape[1]}", f"{m * m * n / 2**30:.3f}",
                    f"{t_std:.3f}" if stdlib else "-", f"{t_np:.3f}",
                    f"{t_std / t_np:.1f}x" if stdlib else "-",
                    f"{t_np - conv_s - chol_s:.3f} / {conv_s:.3f} / {t_gram:.3f} / {max(0.0, chol_s - t_gram):.3f}",
                    f"{ok_std}/{ok_np}" if stdlib else f"-/{ok_np}",
                    "/".join("acc" if x else "ref" for x in dec)])
        print(f"  {name} done", file=sys.stderr, flush=True)
    return table(["matrix", "shape", "m²n / 2^30", "stdlib s", "numpy s (min)", "speed-up",
                  "numpy split: step 0 / N1 / N2 / N3-N4 s", "claim accepted (stdlib/numpy)",
                  "σ(1−1e-9), σ(1+1e-9): numpy[, stdlib]"], out)


def build(workdir: Path, method: str, k: int, norm: str) -> Path:
    """The certificate (built once per workdir) of the random-init 784-1024-1024-10 target."""
    from verify.certify import certify
    from verify.engine.construct import build as build_g
    from verify.options import Eps, Options

    model = workdir / "t.safetensors"
    path = workdir / f"{method}{k}-{norm}.cert.json"
    if not path.exists():
        target = saved(random_mlp(WIDTHS), model)
        t0 = time.perf_counter()
        built = build_g(target.weights, Options(method=method, seed=0, device="cpu", norm=norm), k=k)
        res = certify(target, Eps.parse("10"), built, empirical=False)
        path.write_text(json.dumps(res.cert))
        print(f"  built {path.name} in {time.perf_counter() - t0:.0f} s: bound {res.cert['claim']['bound']}, "
              f"{res.cert['verdict']}", file=sys.stderr, flush=True)
    return path


def measure(cert: Path, model: Path, env: dict[str, str]) -> tuple[int, float, float, float, str]:
    """(exit code, wall seconds, CPU seconds, peak MB, line) of `python -m verify check` in a fresh process."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run([sys.executable, '-m', 'verify', 'check', sys.argv[1], '--model', sys.argv[2]], "
            "capture_output=True, text=True); "
            "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "print(p.returncode, time.perf_counter() - t, r.ru_utime + r.ru_stime, r.ru_maxrss / 1024, "
            "repr(p.stdout[:40]))")
    out = subprocess.run([sys.executable, "-c", code, str(cert), str(model)], capture_output=True, text=True,
                         timeout=3600, env={**os.environ, **env}).stdout.split(" ", 4)
    return int(out[0]), float(out[1]), float(out[2]), float(out[3]), out[4].strip()


def split(cert: Path, model: Path, env: dict[str, str], repeat: int) -> list[list[str]]:
    """In-process checks by phase: the fastest of ``repeat`` runs, wall and process-CPU seconds (the CPU time
    includes BLAS threads)."""
    best = None
    saved_env = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        for _ in range(repeat):
            with Timer(check, "spectral_bound_holds") as spec, Timer(check, "_layer_matrices") as mats, \
                    Timer(check, "_kept_edges") as kept:
                t0, c0 = time.perf_counter(), time.process_time()
                check.check_files(cert, model)
                total, cpu = time.perf_counter() - t0, time.process_time() - c0
            if best is None or total < best[0][0]:
                best = ((total, cpu), [(t.seconds, t.cpu, t.calls) for t in (spec, mats, kept)])
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    (total, cpu), phases = best
    rest = (total - sum(p[0] for p in phases), cpu - sum(p[1] for p in phases), "")
    names = ["spectral_bound_holds (all spectral rows)", "_layer_matrices (exact integer E, W from the kept edges)",
             "_kept_edges (decode masks, fact 4)", "everything else (JSON, model file, facts 1-3, 6-7)"]
    rows = [[name, f"{w:.2f}", f"{c:.2f}", f"{100 * c / cpu:.0f} %", str(n)]
            for name, (w, c, n) in zip(names, [*phases, rest], strict=True)]
    return rows + [["total", f"{total:.2f}", f"{cpu:.2f}", "100 %", ""]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--no-stdlib-shapes", action="store_true", help="table 1 without the (slow) stdlib column")
    ap.add_argument("--no-shapes", action="store_true")
    ap.add_argument("--subset-sum", type=int, default=0, metavar="K", help="also a subset-sum certificate at k = K")
    ap.add_argument("--repeat", type=int, default=3, help="runs per numpy-path or Frobenius check (min and median)")
    ap.add_argument("--stdlib-repeat", type=int, default=1, help="runs per stdlib-path check (0: skip them)")
    args = ap.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="slt-check-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    blas = ", ".join(f"{x['internal_api']} {x['version']} ({x['num_threads']} threads)"
                     for x in _threadpool_info())
    print(f"# {platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}, {blas}, "
          f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, load {os.getloadavg()[0]:.1f}")
    if not args.no_shapes:
        print("\n## Table 1: spectral_bound_holds per layer shape (engine claim σ(1 + 1e-5))\n")
        print(shapes_table(not args.no_stdlib_shapes, args.repeat), flush=True)
    model = workdir / "t.safetensors"
    certs = [("pair", 4, "spectral"), ("pair", 4, "frobenius")]
    if args.subset_sum:
        certs.append(("subset-sum", args.subset_sum, "spectral"))
    paths = {c: build(workdir, *c) for c in certs}
    print("\n## Table 2: `python -m verify check`, 784-1024-1024-10, fresh process each\n")
    out = []
    for (method, k, norm), path in paths.items():
        cert = json.loads(path.read_text())
        kept = sum(x["kept"] + x.get("bias_kept", 0) for x in cert["mask"])
        envs = [("stdlib (before)", {"SLT_VERIFY_SPECTRAL": "stdlib"})] * bool(args.stdlib_repeat) \
            + [("numpy (after)", {})] if norm == "spectral" else [("-", {})]
        for label, env in envs:
            runs = [measure(path, model, env) for _ in range(args.stdlib_repeat if env else args.repeat)]
            best = min(runs, key=lambda r: r[1])
            walls = sorted(r[1] for r in runs)
            out.append([f"{method} k={k}", norm, f"{kept:,}", label, str(best[0]), str(len(runs)), f"{walls[0]:.1f}",
                        f"{walls[len(walls) // 2]:.1f}", f"{best[2]:.1f}", f"{max(r[3] for r in runs):.0f}",
                        best[4].strip("'")[:30]])
            print(f"  {out[-1]}", file=sys.stderr, flush=True)
    print(table(["certificate", "rows", "kept weights", "spectral path", "exit", "runs", "check s (min)",
                 "check s (median)", "CPU s (min run)", "peak MB", "line"], out))
    print(f"\n(load average after table 2: {os.getloadavg()[0]:.1f})")
    for (method, k, norm), path in paths.items():
        if norm == "spectral":
            for label, env in (("numpy path", {}), ("stdlib path", {"SLT_VERIFY_SPECTRAL": "stdlib"})):
                if env and (method != "pair" or not args.stdlib_repeat):
                    continue
                reps = args.repeat if not env else args.stdlib_repeat
                print(f"\n## Table 3: where an in-process check goes ({method} k={k}, spectral rows, {label}, "
                      f"fastest of {reps})\n")
                print(table(["phase", "wall s", "CPU s", "share of CPU", "calls"], split(path, model, env, reps)))


def _threadpool_info() -> list[dict]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return []
    return threadpool_info()


if __name__ == "__main__":
    main()
