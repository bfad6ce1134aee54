"""Fact 9's arithmetic: G̃'s reach boxes and the error suprema over them (docs/tighter.md §2–§5).  [trusted; stdlib]

For a network of Linear layers, in F's own units, pair i of G̃ computes ŷ_i = Ŵ_i f_i + b̂_i from its features f_i:
f_1 = x on a non-negative box, f_1 = (σ(x), σ(−x)) otherwise (Ŵ_1 = [W_1 + E⁺, E⁻ − W_1]), f_i = σ(ŷ_{i−1}) for
i ≥ 2 (Ŵ_i = W_i + E⁺_i); b̂_i = b_i + e_i.  Its error against F's layer on the same input is
r_i = E_i f_i + e_i.  The checker (verify/kernel/check.py fact 9) uses, for every x in D,

  1. **boxes** (Lemma 1, IBP): if lo ≤ f ≤ hi then each ŷ_r lies between Σ_j min(w_rj lo_j, w_rj hi_j) + b̂_r and
     Σ_j max(w_rj lo_j, w_rj hi_j) + b̂_r, so σ(ŷ) lies in the box of σ of those ends (σ is non-decreasing);
  2. **row suprema** (Lemma 4.2): over the same box |E_r f + e_r| ≤ s_r, the larger absolute value of the row's two
     extreme corners (a linear function of f attains its extremes at corners, coordinate by coordinate);
  3. **the ball** (layer 1 when D is the ball ‖x‖ ≤ R): ‖(σ(x), σ(−x))‖ = ‖x‖ ≤ R, so by Cauchy–Schwarz
     |E_r f + e_r| ≤ R‖E_r‖ + |e_r| and ŷ_r ∈ b̂_r ± R‖Ŵ_r‖;

and returns Σ_r s_r² ≥ sup_D ‖r_i‖², which fact 9 compares with the certificate's ``err_sup`` row.

Every box bound is an integer in units of 2^-Q, rounded outward after each layer (lower ends down, upper ends up),
so the boxes only grow and stay the size of one float's worth of bits plus Q; a layer's matrices are integers in
units of 2^-K (check.py's fact 5 matrices), so products are exact integers in units of 2^-(K+Q).

>>> t = Tracker.for_box([Fraction(0)], [Fraction(1)], both=False)
>>> t.layer([[1]], [[3]], [0], [0], K=0)          # W = 2, E = 1, b = e = 0: ŷ = 3x, r = x on [0, 1]
Fraction(1, 1)
>>> (t.lo[0] >> Q, -((-t.hi[0]) >> Q))           # the next features: σ(ŷ) ∈ [0, 3]
(0, 3)
"""

from __future__ import annotations

import math
from fractions import Fraction

from verify.kernel.wellformed import Unusable

__all__ = ["Q", "MAX_BOX_BITS", "Tracker", "sqrt_up", "hat_rows"]

Q = 128               # box bounds are integers in units of 2^-Q
MAX_BOX_BITS = 4096   # a box bound beyond 2^4096 is refused (Unusable): it bounds the size of every product below,
#                       and the certifier, which works in float64, never writes a block for values beyond 2^1024


def sqrt_up(n: int, scale: int = 64) -> Fraction:
    """A rational ≥ √n (n ≥ 0 an integer), exact when n is a perfect square, else within 2^-scale of it."""
    r = math.isqrt(n)
    return Fraction(r) if r * r == n else Fraction(math.isqrt(n << (2 * scale)) + 1, 1 << scale)


def _grid(x: Fraction, up: bool) -> int:
    """x in units of 2^-Q, rounded up (``up``) or down: an integer g with g·2^-Q ≥ x (resp. ≤ x)."""
    n, d = (x * (1 << Q)).as_integer_ratio()
    return -((-n) // d) if up else n // d


class Tracker:
    """The reach box of G̃'s features before the next layer (``lo``, ``hi``: integers in units of 2^-Q, or None
    before layer 1 on a ball of radius ``radius``), advanced one layer at a time by ``layer``, which returns that
    layer's Σ_r s_r² (module docstring)."""

    def __init__(self, lo: list[int] | None, hi: list[int] | None, radius: Fraction | None = None) -> None:
        self.lo, self.hi, self.radius = lo, hi, radius

    @classmethod
    def for_box(cls, lo: list[Fraction], hi: list[Fraction], both: bool) -> Tracker:
        """The features of layer 1 on the box [lo, hi]: x itself, or (σ(x), σ(−x)) when ``both`` signs occur."""
        lo_g, hi_g = [_grid(v, False) for v in lo], [_grid(v, True) for v in hi]
        if not both:
            return cls(lo_g, hi_g)
        return cls([max(0, v) for v in lo_g] + [max(0, -v) for v in hi_g],
                   [max(0, v) for v in hi_g] + [max(0, -v) for v in lo_g])

    @classmethod
    def for_ball(cls, radius: Fraction) -> Tracker:
        return cls(None, None, radius)

    def layer(self, e_rows: list[list[int]], w_hat: list[list[int]], e: list[int], b_hat: list[int],
              K: int) -> Fraction:
        """Σ_r s_r² for the error rows ``e_rows`` (E_r) and bias errors ``e`` over the current box, then move the
        box to σ(Ŵ f + b̂) (``w_hat`` rows Ŵ_r, ``b_hat`` = b̂); every number in units of 2^-K."""
        if self.lo is None:
            return self._ball_layer(e_rows, w_hat, e, b_hat, K)
        lo, hi = self.lo, self.hi
        total = 0
        for row, er in zip(e_rows, e, strict=True):
            top, bottom = _ends(row, lo, hi)
            total += max(abs(top + (er << Q)), abs(bottom + (er << Q))) ** 2
        new_lo, new_hi = [], []
        for row, br in zip(w_hat, b_hat, strict=True):
            top, bottom = _ends(row, lo, hi)
            new_lo.append(max(0, (bottom + (br << Q)) >> K))              # floor, then σ
            new_hi.append(max(0, -((-(top + (br << Q))) >> K)))           # ceiling, then σ
        self._move(new_lo, new_hi)
        return Fraction(total, 1 << (2 * (K + Q)))

    def _ball_layer(self, e_rows: list[list[int]], w_hat: list[list[int]], e: list[int], b_hat: list[int],
                    K: int) -> Fraction:
        """Layer 1 on the ball (module docstring, 3): s_r = R‖E_r‖ + |e_r| and ŷ_r ∈ b̂_r ± R‖Ŵ_r‖."""
        R = self.radius
        total = Fraction(0)
        for row, er in zip(e_rows, e, strict=True):
            total += (R * sqrt_up(sum(v * v for v in row)) + abs(er)) ** 2
        new_lo, new_hi = [], []
        for row, br in zip(w_hat, b_hat, strict=True):
            reach = R * sqrt_up(sum(v * v for v in row))
            new_lo.append(max(0, _grid((br - reach) / (1 << K), False)))
            new_hi.append(max(0, _grid((br + reach) / (1 << K), True)))
        self._move(new_lo, new_hi)
        return total / (1 << (2 * K))

    def _move(self, lo: list[int], hi: list[int]) -> None:
        if max(hi, default=0).bit_length() > Q + MAX_BOX_BITS:
            raise Unusable(f"telescope: G~'s activations may exceed 2^{MAX_BOX_BITS}, beyond what fact 9 checks "
                           "(certify with --composition recurrence)")
        self.lo, self.hi = lo, hi


def hat_rows(w_rows: list[list[int]], e_rows: list[list[int]], both: bool) -> list[list[int]]:
    """Ŵ's rows from W's and E's (same units): W + E⁺, or, with ``both`` (layer 1 with inputs of both signs, E's
    rows [E⁺ E⁻]), [W + E⁺, E⁻ − W], since G̃ computes (W + E⁺)σ(x) + (E⁻ − W)σ(−x) (docs/affine.md §4)."""
    out = []
    for w, e in zip(w_rows, e_rows, strict=True):
        n = len(w)
        row = [a + b for a, b in zip(w, e[:n], strict=True)]
        if both:
            row += [b - a for a, b in zip(w, e[n:], strict=True)]
        out.append(row)
    return out


def _ends(row: list[int], lo: list[int], hi: list[int]) -> tuple[int, int]:
    """(max, min) of Σ_j row_j f_j over lo ≤ f ≤ hi: each term at the end its sign picks (Lemma 1)."""
    top = bottom = 0
    for w, a, b in zip(row, lo, hi, strict=True):
        if w > 0:
            top += w * b
            bottom += w * a
        elif w < 0:
            top += w * a
            bottom += w * b
    return top, bottom
