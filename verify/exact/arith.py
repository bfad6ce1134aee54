"""Exact arithmetic for the oracle: dyadic square roots with known error, integer linear algebra on short vectors
(d ≤ 4) and an exact positive-definiteness test. Nothing here rounds in the unsafe direction."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

__all__ = ["IMat", "IVec", "Matrix", "SQRT_BITS", "det", "idot", "is_pd", "primitive", "rank", "round_up",
           "shifted", "sq", "sqrt_down", "sqrt_scale", "sqrt_up"]

SQRT_BITS = 64             # the dyadic square roots below have about this many significant bits

Matrix = list[list[Fraction]]
IVec = tuple[int, ...]
IMat = list[list[int]]


def sq(v: Sequence[Fraction]) -> Fraction:
    """‖v‖², exactly."""
    return sum((t * t for t in v), Fraction(0))


def sqrt_scale(q: Fraction) -> int:
    """2^k with k chosen so that √q·2^k has about SQRT_BITS bits (relative precision, any magnitude)."""
    half_log2 = (q.numerator.bit_length() - q.denominator.bit_length()) // 2 if q else 0
    return 1 << max(SQRT_BITS - half_log2, 0)


def sqrt_down(q: Fraction) -> Fraction:
    """A dyadic rational r with 0 ≤ r ≤ √q and r ≥ √q·(1 − 2^-60)."""
    scale = sqrt_scale(q)
    return Fraction(math.isqrt(q.numerator * scale * scale // q.denominator), scale)


def sqrt_up(q: Fraction) -> Fraction:
    """A dyadic rational r with √q ≤ r ≤ √q·(1 + 2^-60) (for q > 0)."""
    scale = sqrt_scale(q)
    n = -(-q.numerator * scale * scale // q.denominator)
    r = math.isqrt(n)
    return Fraction(r if r * r == n else r + 1, scale)


def round_up(q: Fraction, bits: int = 40) -> Fraction:
    """The dyadic rational ≥ q (q > 0) with about ``bits`` significant bits."""
    e = q.numerator.bit_length() - q.denominator.bit_length() - bits
    unit = Fraction(2) ** e
    return -(-q // unit) * unit


# ---------------------------------------------------------------------------------------------------
# Exact integer linear algebra on short vectors (d ≤ 4)


def idot(u: Sequence[int], v: Sequence[int]) -> int:
    return sum(a * b for a, b in zip(u, v, strict=True))


def det(m: IMat) -> int:
    """Determinant by Laplace expansion (the matrices here are at most 4×4)."""
    n = len(m)
    if n == 0:
        return 1
    if n == 1:
        return m[0][0]
    if n == 2:
        return m[0][0] * m[1][1] - m[0][1] * m[1][0]
    return sum((-1) ** j * m[0][j] * det([row[:j] + row[j + 1:] for row in m[1:]]) for j in range(n) if m[0][j])


def primitive(v: Sequence[Fraction | int]) -> IVec:
    """The positive multiple of a rational vector with coprime integer entries."""
    fr = [Fraction(x) for x in v]
    scale = math.lcm(*(x.denominator for x in fr))
    ints = [int(x * scale) for x in fr]
    g = math.gcd(*ints) or 1
    return tuple(i // g for i in ints)


def rank(vectors: Sequence[IVec]) -> int:
    """Rank over Q by fraction-free elimination."""
    a = [list(v) for v in vectors]
    r, cols = 0, len(a[0]) if a else 0
    for c in range(cols):
        p = next((i for i in range(r, len(a)) if a[i][c]), None)
        if p is None:
            continue
        a[r], a[p] = a[p], a[r]
        for i in range(r + 1, len(a)):
            if a[i][c]:
                a[i] = [a[r][c] * x - a[i][c] * y for x, y in zip(a[i], a[r], strict=True)]
        r += 1
    return r


# ---------------------------------------------------------------------------------------------------
# Rational symmetric matrices


def is_pd(m: Matrix) -> bool:
    """Exact test that a symmetric rational matrix is positive definite (Sylvester: Gaussian
    elimination without pivoting has only positive pivots)."""
    a = [row[:] for row in m]
    n = len(a)
    for k in range(n):
        p = a[k][k]
        if p <= 0:
            return False
        for i in range(k + 1, n):
            f = a[i][k] / p
            if f:
                for j in range(k + 1, n):
                    a[i][j] -= f * a[k][j]
    return True


def shifted(gram: Matrix, c: Fraction) -> Matrix:
    """c·I − gram."""
    return [[(c if i == j else Fraction(0)) - v for j, v in enumerate(row)] for i, row in enumerate(gram)]
