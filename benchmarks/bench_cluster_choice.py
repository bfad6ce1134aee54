"""Dask distributed or Ray for ``--cluster`` (issue 15): what each costs on this machine, measured the same way.

For every engine importable here (run it once in an environment with ``distributed``, once in one with ``ray``):
its installed size, whether it requires torch (so that ``pip install`` could replace the installed one), the import
time (a fresh interpreter), the start of a local cluster of 2 worker processes with 1 thread each, the memory of all
the processes that cluster runs (idle, after the tasks), the round trip of 200 empty tasks, the round trip of 16
tasks that each send and return a 400 kB tensor (what one row job of the 784-wide layer carries: its candidate
lists; after 4 untimed ones, in which the workers import torch), and the shutdown.  Prints a table;
benchmarks/parallel.md holds a measured copy.

    python benchmarks/bench_cluster_choice.py
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from importlib import metadata

import torch

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _targets import table  # noqa: E402


def _noop(x: int) -> int:
    return x


def _echo(t: torch.Tensor) -> torch.Tensor:
    return t + 1


def _cluster_rss() -> str:
    """Resident memory of every process this one started (the cluster's), MiB."""
    import psutil

    total = 0
    for p in psutil.Process().children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return f"{total / 2**20:.0f} MiB"


def _import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _dask() -> list[object]:
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    start = time.perf_counter() - t0
    t0 = time.perf_counter()
    client.gather(client.map(_noop, range(200), pure=False))
    empty = (time.perf_counter() - t0) / 200
    payload = torch.zeros(50_000, dtype=torch.int64)
    client.gather(client.map(_echo, [payload] * 4, pure=False))   # the workers import torch first (not timed)
    t0 = time.perf_counter()
    client.gather(client.map(_echo, [payload] * 16, pure=False))
    data = (time.perf_counter() - t0) / 16
    rss = _cluster_rss()
    t0 = time.perf_counter()
    client.close()
    cluster.close()
    return [f"{start:.2f} s", rss, f"{empty * 1e3:.2f} ms", f"{data * 1e3:.2f} ms", f"{time.perf_counter() - t0:.2f} s"]


def _ray() -> list[object]:
    import ray

    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    noop, echo = ray.remote(num_cpus=1)(_noop), ray.remote(num_cpus=1)(_echo)
    ray.get([noop.remote(0), noop.remote(1)])   # the first tasks start the worker processes
    start = time.perf_counter() - t0
    t0 = time.perf_counter()
    ray.get([noop.remote(i) for i in range(200)])
    empty = (time.perf_counter() - t0) / 200
    payload = torch.zeros(50_000, dtype=torch.int64)
    ray.get([echo.remote(payload) for _ in range(4)])   # the workers import torch first (not timed)
    t0 = time.perf_counter()
    ray.get([echo.remote(payload) for _ in range(16)])
    data = (time.perf_counter() - t0) / 16
    rss = _cluster_rss()
    t0 = time.perf_counter()
    ray.shutdown()
    return [f"{start:.2f} s", rss, f"{empty * 1e3:.2f} ms", f"{data * 1e3:.2f} ms", f"{time.perf_counter() - t0:.2f} s"]


def main() -> None:
    rows = []
    for name, module, run in (("Dask distributed", "distributed", _dask), ("Ray", "ray", _ray)):
        if importlib.util.find_spec(module) is None:
            rows.append([name, "not installed", "", "", "", "", "", "", ""])
            continue
        version = importlib.import_module(module).__version__
        size = sum(f.locate().stat().st_size for f in metadata.files(module) or () if f.locate().is_file())
        wants_torch = any(r.split()[0].lower().startswith("torch") for r in metadata.requires(module) or ())
        rows.append([f"{name} {version}", f"{size / 2**20:.0f} MB", "yes" if wants_torch else "no",
                     f"{_import_seconds(module):.2f} s", *run()])
    print(f"torch {torch.__version__}")
    print(table(["engine", "installed (package itself)", "requires torch", "import", "local cluster (2 procs) up",
                 "its processes' RSS", "empty task", "task with 400 kB tensor", "shutdown"], rows))


if __name__ == "__main__":
    main()
