"""Runtime policy of the engine: which torch device it runs on and how many CPU threads it uses.

Neither changes what is certified: G is a pure function of the seed on every device (docs/generator.md §5), and the
thread count only changes speed.
"""

from __future__ import annotations

import os

import torch

from verify.errors import InputError

__all__ = ["device_of", "set_threads"]


def device_of(name: str | torch.device) -> torch.device:
    """Resolve ``auto|cpu|cuda`` (``--device``, ``Options.device``) to a torch device; ``auto`` is cuda when one is
    available.  Any other name torch accepts (``cuda:1``) is passed through; a torch device is returned as is."""
    if isinstance(name, torch.device):
        return name
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda requested but no CUDA device is available (try --device auto)")
    return torch.device(name)


def set_threads(threads: int | None) -> None:
    """torch CPU threads (``--threads``): the given number, or, when None, 1 on machines with at most 2 cores (many
    mid-sized tensor operations run faster single-threaded there: benchmarks/bench_subset_sum_kernel.py) and
    torch's default otherwise."""
    if threads is not None and threads < 1:
        raise InputError("--threads must be at least 1")
    if threads is None and (os.cpu_count() or 1) <= 2:
        threads = 1
    if threads:
        torch.set_num_threads(threads)
