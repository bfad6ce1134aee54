"""Torch twin of ``verify.kernel.rng`` (generator slt-hash32-v1), bit-identical on CPU and CUDA.

Works on int64 tensors holding unsigned 32-bit values; 32-bit products are formed from 16-bit halves
so nothing overflows int64.  Tested equal to the stdlib reference in tests/test_rng.py.
"""

from __future__ import annotations

import torch

from verify.kernel import rng

__all__ = ["mix32", "weights_int", "weights"]

_M32 = 0xFFFFFFFF


def _mulmod32(x: torch.Tensor, c: int) -> torch.Tensor:
    """(x * c) mod 2^32 for x in [0, 2^32) without int64 overflow."""
    lo = x & 0xFFFF
    hi = x >> 16
    return (lo * c + ((hi * (c & 0xFFFF)) << 16)) & _M32


def mix32(x: torch.Tensor) -> torch.Tensor:
    """Elementwise ``verify.kernel.rng.mix32`` on an int64 tensor of values in [0, 2^32)."""
    x = x ^ (x >> 16)
    x = _mulmod32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = _mulmod32(x, 0x846CA68B)
    return x ^ (x >> 16)


def weights_int(seed: int, layer: int, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """Integer weights (value * 2^24) of G's layer at broadcast(rows, cols); int64, odd, |w| < 2^24."""
    base = mix32(torch.tensor(seed ^ 0x9E3779B9, dtype=torch.int64, device=rows.device))
    base = mix32(base ^ layer)
    h = mix32(base ^ rows.to(torch.int64))
    h = mix32(h ^ cols.to(torch.int64))
    m = mix32(h ^ 0x85EBCA6B) >> 8
    return 2 * m + 1 - (1 << rng.SCALE_BITS)


def weights(seed: int, layer: int, rows: torch.Tensor, cols: torch.Tensor,
            dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """G's weights at broadcast(rows, cols) as floats (exact in float32 and float64)."""
    return weights_int(seed, layer, rows, cols).to(dtype) * (2.0 ** -rng.SCALE_BITS)
