"""Claimed spectral-norm bounds for the certificate (untrusted; docs/spectral.md §4).

The engine picks c slightly above σ_max(A) with LAPACK; the trusted ``verify.kernel.spectral.spectral_bound_holds``
then proves ‖A‖₂ ≤ c (or refuses).  Its own slack is ≲ 10^−9 relative for layer-sized matrices, and LAPACK's
σ_max is accurate to a few·max(m, n)·u relative, so the default margin of 10^−5 leaves a wide safety gap.
"""

from __future__ import annotations

from contextlib import nullcontext
from fractions import Fraction

import numpy as np
import torch

from verify.kernel import io

try:  # installed with scikit-learn; only a speed matter
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    def threadpool_limits(limits: int):  # type: ignore[no-redef]
        return nullcontext()

__all__ = ["spectral_claim", "to_fixed_point"]


def spectral_claim(a: torch.Tensor | np.ndarray, rel_margin: float = 1e-5, digits: int = 12) -> Fraction:
    """A decimal c ≥ σ_max(a)·(1 + rel_margin) + 2^(e−40), rounded up to ``digits`` significant digits,
    where 2^(e−1) ≤ max|a_ij| < 2^e.

    ``a`` holds the values of A (float64).  The absolute term (≤ 2^−39·σ_max, since σ_max ≥ max|a_ij|) covers
    LAPACK's error when σ_max is tiny against nothing else; for a = 0 the claim is 0, which the checker accepts.

    >>> spectral_claim(np.diag([3.0, -4.0]), rel_margin=1e-3)   # 4·1.001 + 2^-37, rounded up
    Fraction(400400000001, 100000000000)
    """
    arr = _as_float64(a)
    if arr.size == 0:
        return Fraction(0)
    amax = float(np.abs(arr).max())
    if amax == 0.0:
        return Fraction(0)
    # scale by a power of two first: exact, and keeps LAPACK away from overflow and underflow.  One BLAS
    # thread (measured: benchmarks/subset_sum.md, "spectral hint").
    shift = int(np.frexp(amax)[1])
    with threadpool_limits(1):
        sigma = float(np.linalg.svd(np.ldexp(arr, -shift), compute_uv=False)[0])
    c = Fraction(sigma) * (1 + Fraction(rel_margin)) + Fraction(1, 2**40)
    return Fraction(io.decimal_up(c * Fraction(2) ** shift, digits))


def _as_float64(a: torch.Tensor | np.ndarray) -> np.ndarray:
    arr = np.asarray(a.detach().cpu().to(torch.float64) if isinstance(a, torch.Tensor) else a, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError("expected a matrix")
    if not np.isfinite(arr).all():
        raise ValueError("matrix has non-finite entries")
    return arr


def to_fixed_point(a: torch.Tensor | np.ndarray) -> tuple[list[list[int]], int]:
    """(rows, K) with a = rows / 2^K exactly: every float64 is num / 2^b, and K = max b (K may be negative).

    >>> to_fixed_point(np.array([[0.5, -3.0], [0.0, 0.25]]))
    ([[2, -12], [0, 1]], 2)
    """
    arr = _as_float64(a)
    mant, exp = np.frexp(arr)                      # arr = mant · 2^exp, 0.5 ≤ |mant| < 1
    num = (mant * 2.0**53).astype(np.int64)        # exact: 53-bit integers
    b = (53 - exp).astype(np.int64)                # arr = num / 2^b
    nz = num != 0
    if not nz.any():
        return [[0] * arr.shape[1] for _ in range(arr.shape[0])], 0
    # strip trailing zero bits so K is as small as possible
    tz = np.zeros_like(num)
    work = np.where(nz, num, 1)
    for _ in range(53):
        even = (work & 1) == 0
        if not even.any():
            break
        work = np.where(even, work >> 1, work)
        tz += even
    num, b = np.where(nz, work, 0), np.where(nz, b - tz, -(2**62))
    K = int(b.max())
    shifts = (K - b).tolist()
    return [[int(x) << s if x else 0 for x, s in zip(rn, rs, strict=True)]
            for rn, rs in zip(num.tolist(), shifts, strict=True)], K
