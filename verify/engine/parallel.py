"""Row chunks of the gadget search on every core or on a Dask cluster (docs/parallel.md).  Untrusted engine code.

The gadgets (engine/gadgets.py ``pair_layer``, ``subset_layer``) split a layer's rows into jobs: rows [a, b) of the
rescaled target W', their G output rows, the candidate lists (O(k·n), never G's O(k·n·m) layer) and the options.
A job rebuilds its slice of G from (seed, layer, rows) itself (engine/rng_torch.py) and returns only the kept edges.
Every row's edges depend on that row alone, and ``run`` returns the jobs' results in the order they were listed, so
the gadgets concatenate exactly the list the serial loop builds (docs/parallel.md §2): the certificate is the same
bytes whatever runs the jobs.

Executors: serial (the default), ``threads`` or ``processes`` for ``--jobs N`` (benchmarks/parallel.md measured
which is faster), and Dask distributed for ``--cluster ADDRESS|local:N`` (docs/parallel.md §3).  ``engine`` installs
one for the duration of a command; the gadgets ask ``pieces`` how finely to split and ``run`` to execute.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from verify.engine.runtime import device_of
from verify.errors import InputError

__all__ = ["Executor", "engine", "current", "pieces", "run", "alongside", "MIN_PIECE", "TASKS_PER_WORKER",
           "CLUSTER_TIMEOUT_S"]

MIN_PIECE = 256          # weights (rows × inputs) per job at least: smaller jobs cost more to send than to run
TASKS_PER_WORKER = 2     # jobs per worker and row chunk: balances the load, keeps memory at one serial chunk
CLUSTER_TIMEOUT_S = 30   # seconds to connect to a scheduler and to see its first worker


class Executor:
    """Runs a list of jobs and returns their results in list order.  This base class is the serial executor: the
    calling thread runs them one after the other.  ``workers`` jobs run at once; ``remote`` executors run them in
    other processes, so their tensors travel as numpy arrays and each worker resolves the device itself."""

    kind = "serial"
    workers = 1
    remote = False

    def map(self, fn: Callable[..., Any], jobs: Sequence[tuple], device: str) -> list[Any]:
        return [fn(*args) for args in jobs]

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return "serial" if self.workers == 1 else f"{self.kind} x {self.workers}"


class _Threads(Executor):
    """Threads of this process: torch releases the GIL inside its operators, so jobs overlap."""

    kind = "threads"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="slt-rows")

    def map(self, fn: Callable[..., Any], jobs: Sequence[tuple], device: str) -> list[Any]:
        def one(args: tuple) -> Any:
            _LOCAL.busy = True    # a job that splits work of its own runs it itself: no waiting on this pool
            try:
                return fn(*args)
            finally:
                _LOCAL.busy = False

        return list(self._pool.map(one, jobs))

    def close(self) -> None:
        self._pool.shutdown()


class _Processes(Executor):
    """Worker processes on this machine (forked from a server that has imported the engine, so they start fast)."""

    kind, remote = "processes", True

    def __init__(self, workers: int) -> None:
        self.workers = workers
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["verify.engine.gadgets"])
        self._pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker)

    def map(self, fn: Callable[..., Any], jobs: Sequence[tuple], device: str) -> list[Any]:
        futures = [self._pool.submit(_call, fn, _pack(args), device) for args in jobs]
        return [f.result() for f in futures]

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


class _Dask(Executor):
    """A Dask distributed client: of a running scheduler (``address``) or of a local cluster of ``local`` worker
    processes with one thread each, started here and stopped by ``close``."""

    kind, remote = "dask", True

    def __init__(self, address: str | None, local: int | None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError("--cluster needs the optional package 'distributed' (pip install "
                             "'slt-verify[cluster]')") from None
        self._cluster = None
        t0 = time.monotonic()
        if local is not None:   # seconds of start-up (an address answers or fails with one line)
            print(f"note: starting a Dask cluster: {local} local worker processes ...", file=sys.stderr, flush=True)
        try:
            if local is not None:
                self._cluster = LocalCluster(n_workers=local, threads_per_worker=1, processes=True,
                                             dashboard_address=":0", silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
            else:
                self._client = Client(address, timeout=f"{CLUSTER_TIMEOUT_S}s")
                self._client.wait_for_workers(1, timeout=CLUSTER_TIMEOUT_S)
        except (OSError, TimeoutError) as e:
            self.close()
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise InputError(f"--cluster {address or f'local:{local}'}: cannot reach a Dask scheduler with a worker "
                             f"within {CLUSTER_TIMEOUT_S} s ({why})") from None
        from verify import __version__

        versions = self._client.run(_init_worker)   # 1 torch thread per job; every worker must run this version
        print(f"note: Dask cluster ready with {len(versions)} workers in {time.monotonic() - t0:.1f} s",
              file=sys.stderr, flush=True)
        other = sorted({v for v in versions.values() if v != __version__})
        if other:
            self.close()
            raise InputError(f"--cluster: workers run slt-verify {', '.join(other)}, this is {__version__}: install "
                             "the same version on every worker")
        self.workers = max(1, sum(self._client.nthreads().values()))
        self._where = f"local:{local}" if local is not None else address

    def map(self, fn: Callable[..., Any], jobs: Sequence[tuple], device: str) -> list[Any]:
        n = len(jobs)
        futures = self._client.map(_call, [fn] * n, [_pack(args) for args in jobs], [device] * n, pure=False)
        return self._client.gather(futures)

    def describe(self) -> str:
        return f"Dask cluster {self._where} ({self.workers} worker threads)"

    def close(self) -> None:
        if getattr(self, "_client", None) is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


_CURRENT: Executor = Executor()
_LOCAL = threading.local()    # .busy: this thread is running a job of a thread pool


def current() -> Executor:
    """The executor the gadgets use now (serial unless inside ``engine``)."""
    return _CURRENT


@contextmanager
def engine(jobs: tuple[str, int] | None = None, cluster: tuple[str, int | None] | None = None
           ) -> Iterator[Executor]:
    """Install an executor for the duration of the block and stop it afterwards: ``jobs`` = (kind, N) from
    ``options.parse_jobs`` (N = 1: serial), or ``cluster`` = (address, None) or ("local", N) from
    ``options.parse_cluster``.  Nothing the executor does changes a result (docs/parallel.md §2)."""
    global _CURRENT
    if cluster is not None:
        address, local = cluster
        ex: Executor = _Dask(None if local is not None else address, local)
    elif jobs is not None and jobs[1] > 1:
        ex = _Threads(jobs[1]) if jobs[0] == "threads" else _Processes(jobs[1])
    else:
        ex = Executor()
    before, _CURRENT = _CURRENT, ex
    threads = torch.get_num_threads()
    if isinstance(ex, _Threads):   # the pool's threads share torch's: N pools of `threads` each would oversubscribe
        torch.set_num_threads(max(1, threads // ex.workers))
    try:
        yield ex
    finally:
        _CURRENT = before
        torch.set_num_threads(threads)
        ex.close()


def pieces(r0: int, r1: int, cols: int) -> list[tuple[int, int]]:
    """Rows [r0, r1) (one serial row chunk of a layer with ``cols`` weights per row) split into the jobs of the
    current executor: the chunk itself when serial, else up to ``TASKS_PER_WORKER`` jobs per worker of about equal
    size, each with at least ``MIN_PIECE`` weights.  Any split gives the same edges (docs/parallel.md §2)."""
    rows, ex = r1 - r0, _CURRENT
    if ex.workers == 1 or rows <= 1:
        return [(r0, r1)]
    count = max(1, min(ex.workers * TASKS_PER_WORKER, rows, rows * max(cols, 1) // MIN_PIECE))
    bounds = [r0 + rows * q // count for q in range(count + 1)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def run(fn: Callable[..., Any], jobs: Sequence[tuple], device: str, home: torch.device) -> list[Any]:
    """``fn(*job)`` for every job, in list order, on the current executor; a single job runs here.  ``device`` is
    ``Options.device`` (a remote worker resolves it itself: ``auto`` is its own GPU if it has one), ``home`` the
    device the results are returned on.  ``fn`` must be a module-level function (remote workers import it)."""
    ex = _CURRENT
    if len(jobs) <= 1 or ex.workers == 1 or getattr(_LOCAL, "busy", False):
        return [fn(*args) for args in jobs]
    out = ex.map(fn, jobs, device)
    return [_unpack(r, home) for r in out] if ex.remote else out


def alongside(fn: Callable[..., Any], jobs: Sequence[tuple]) -> list[Any] | None:
    """``fn(*job)`` for every job at once on the current executor's threads, or None where it has none here
    (serial, or workers in other processes, whose cost per job exceeds these small ones): the caller then runs the
    jobs it needs when it needs them.  For work that may be wasted (``refine`` tries both moves of a neuron when the
    first may already do): a result is what running ``fn`` here would return."""
    ex = _CURRENT
    if ex.remote or ex.workers == 1 or len(jobs) <= 1 or getattr(_LOCAL, "busy", False):
        return None
    return ex.map(fn, jobs, "")


# --- in the workers ----------------------------------------------------------------------------------------------

def _init_worker() -> str:
    """A worker process runs one job per thread: torch's own threads would only compete with the other workers.
    Dask starts its workers with MALLOC_TRIM_THRESHOLD_ set, which makes glibc map and unmap every block above
    128 KiB: the jobs' temporaries then cost more system time than the search (benchmarks/parallel.md).  Blocks up to
    32 MiB come from the heap again, and up to 256 MiB of it is kept."""
    import ctypes

    from verify import __version__

    torch.set_num_threads(1)
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
    except (OSError, AttributeError):   # not glibc: nothing to undo
        pass
    return __version__


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3   # glibc's malloc.h


def _call(fn: Callable[..., Any], args: tuple, device: str) -> Any:
    """A job in a remote worker: its arrays as tensors on the worker's device, the result back as arrays."""
    return _pack(fn(*_unpack(args, device_of(device))))


@dataclasses.dataclass(frozen=True)
class _Array:
    """A tensor on its way between processes: the numpy array of its CPU copy."""

    data: np.ndarray


def _pack(x: Any) -> Any:
    if isinstance(x, torch.Tensor):
        return _Array(x.detach().cpu().numpy())
    if isinstance(x, list | tuple):
        return type(x)(_pack(y) for y in x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type) and any(
            isinstance(getattr(x, f.name), torch.Tensor) for f in dataclasses.fields(x)):
        return dataclasses.replace(x, **{f.name: _pack(getattr(x, f.name)) for f in dataclasses.fields(x)})
    return x


def _unpack(x: Any, device: torch.device) -> Any:
    if isinstance(x, _Array):
        return torch.from_numpy(x.data).to(device)
    if isinstance(x, list | tuple):
        return type(x)(_unpack(y, device) for y in x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type) and any(
            isinstance(getattr(x, f.name), _Array) for f in dataclasses.fields(x)):
        return dataclasses.replace(x, **{f.name: _unpack(getattr(x, f.name), device)
                                         for f in dataclasses.fields(x)})
    return x

