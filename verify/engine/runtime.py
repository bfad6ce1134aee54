"""Runtime policy of the engine: which torch device it runs on and how many CPU threads it uses, and the few
device-independent primitives that keep a construction bit-identical on CPU and CUDA (docs/devices.md).

Neither changes what is certified: G is a pure function of the seed on every device (docs/generator.md §5), every
number a certificate depends on is computed exactly or on the CPU (docs/devices.md §2), and the thread count only
changes speed.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Callable

import torch

from verify.errors import InputError

__all__ = ["device_of", "set_threads", "pow2", "exact_ldexp", "grid_sum", "grid_accumulate", "cpu_forward"]

GRID_BITS = 48   # products of two of G's weights are integers in units of 2^-48 (engine/subset_sum.py)


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


def pow2(t: torch.Tensor) -> torch.Tensor:
    """2^t (float64, on t's device) for integer-valued t, built from the bits of the IEEE format: exact, 0 below
    2^-1074, subnormal below 2^-1022, inf above 2^1023 — what ``torch.ldexp`` gives on the CPU, without CUDA's libm
    ``pow`` (docs/devices.md §2)."""
    e = t.to(torch.int64)
    normal = (e.clamp(-1022, 1024) + 1023) << 52   # 1024 -> the bits of inf
    sub = torch.ones_like(e) << (e.clamp(-1074, -1023) + 1074)
    return torch.where(e >= -1022, normal, torch.where(e >= -1074, sub, torch.zeros_like(e))).view(torch.float64)


def exact_ldexp(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """x·2^t for float64 x and integer-valued t: one IEEE multiplication by an exact power of two, so the same bits on
    every device (``torch.ldexp`` multiplies by ``pow(2, t)``; docs/devices.md §2)."""
    return x * pow2(t.to(x.device))


def grid_sum(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Σ over ``dim`` of float64 values on the 2^-48 grid (products of two of G's weights, or 0) with |Σ| < 2^15,
    summed as int64 units and rounded once at the end: independent of the order a device reduces in
    (docs/devices.md §2)."""
    units = (x * 2.0**GRID_BITS).to(torch.int64)
    return units.sum(dim=dim).to(torch.float64) * 2.0**-GRID_BITS


def grid_accumulate(shape: tuple[int, ...], indices: tuple[torch.Tensor, ...], values: torch.Tensor) -> torch.Tensor:
    """A float64 tensor of ``shape`` holding, at each index, the sum of the ``values`` (on the 2^-48 grid) put there
    (``index_put_`` with ``accumulate``), accumulated in int64 units: CUDA's atomics add integers exactly in any
    order; one rounding at the end, only beyond 2^53 units (docs/devices.md §2)."""
    acc = torch.zeros(shape, dtype=torch.int64, device=values.device)
    acc.index_put_(indices, (values * 2.0**GRID_BITS).to(torch.int64), accumulate=True)
    return acc.to(torch.float64) * 2.0**-GRID_BITS


def _on_cpu(part):
    if isinstance(part, torch.Tensor):
        return part.cpu()
    if isinstance(part, tuple):
        return tuple(_on_cpu(x) for x in part)
    if dataclasses.is_dataclass(part):
        return dataclasses.replace(part, **{f.name: _on_cpu(getattr(part, f.name)) for f in dataclasses.fields(part)
                                            if isinstance(getattr(part, f.name), torch.Tensor)})
    return part


def cpu_forward(construction) -> Callable[[torch.Tensor], torch.Tensor]:
    """G̃'s ``forward`` (engine/construct.py ``Construction``) evaluated on the CPU whatever device built it: float64
    matrix products and convolutions reduce in a device-dependent order (cuBLAS, cuDNN), so the attack whose result
    the certificate reports runs here (docs/devices.md §3)."""
    if construction.device.type == "cpu":
        return construction.forward
    view = copy.copy(construction)
    view.device = torch.device("cpu")
    view.__dict__["compact"] = [_on_cpu(p) for p in construction.compact]
    return view.forward
