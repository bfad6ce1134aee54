"""The width search of ``--width-factor auto`` (docs/composition.md §6): build G̃ (engine/construct.py) and bound it
(certify.py) for k = k_start, then doubling and bisection.  It returns the construction of the k it chose, already
bounded, together with every bound it measured, so that certification only writes and failure messages only report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from verify.certify import Bounded, bounded
from verify.engine.construct import Construction, build, largest_k
from verify.engine.model import Target
from verify.options import Options

__all__ = ["WidthSearch", "search_width", "default_k_max"]


@dataclass(frozen=True)
class WidthSearch:
    """What the search measured: the certified bound of every k it ``tried``, the bounded construction of the k it
    returns (``chosen``; None if even ``k_max`` fails) and ``k_max``, the largest k it would try."""

    tried: dict[int, Fraction]
    chosen: Bounded | None
    k_max: int

    @property
    def k(self) -> int | None:
        return self.chosen.construction.k if self.chosen is not None else None

    @property
    def construction(self) -> Construction | None:
        return self.chosen.construction if self.chosen is not None else None

    @property
    def bound(self) -> Fraction:
        """The bound at the returned k, or, when none is returned, at ``k_max`` (the last k tried)."""
        return self.tried[self.k if self.k is not None else self.k_max]


def default_k_max(options: Options) -> int:
    """For subset-sum 4·max_candidates, past which the candidate lists stop growing; 2^16 for pair."""
    return 4 * options.max_candidates if options.method == "subset-sum" else 1 << 16


def search_width(target: Target, options: Options, eps: Fraction, *, k_max: int | None = None, k_start: int = 1,
                 on_try: Callable[[int, Fraction], None] | None = None,
                 known: Bounded | None = None) -> WidthSearch:
    """A width factor k whose certified bound is ≤ ε while k − 1's is not: doubling, then bisection; k is the
    smallest certified one among the k tried, and the smallest of all where the bound is monotone in k
    (docs/composition.md §6).

    Monotone because G for width k is a prefix of G for k+1 (docs/gadgets.md §1), so every per-weight error and hence
    every η_i is non-increasing in k (for subset-sum while no block has more than ``options.max_candidates``
    candidates on a side; beyond that the candidate list is chosen per weight and the bound is only roughly
    monotone).  Per-neuron rescaling (``options.rescale``) and the neuron assignment (``options.reassign``) are
    chosen per k, so with them the bound is only roughly monotone too.  ``options.width`` is not read.
    ``k_start`` (a guess, e.g. the k another setting needed) is tried first: if it reaches eps the search halves down
    from it until a k fails, else it doubles up from it; then bisection as usual.  ``known``, a construction already
    built and bounded with these options, is used for its k instead of building it again.  ``on_try(k, bound)`` is
    called for every k tried.  ``k_max`` defaults to ``default_k_max``, and is clamped to ``largest_k``."""
    k_max = min(default_k_max(options) if k_max is None else k_max, largest_k(target.widths))
    tried: dict[int, Fraction] = {}
    latest: Bounded | None = None  # the last construction that reached eps: always that of the current hi

    def bound_at(k: int) -> Fraction:
        nonlocal latest
        if k not in tried:
            if known is not None and known.construction.k == k:
                b = known
            else:
                b = bounded(build(target.weights, options, k=k))
            tried[k] = b.bound
            if tried[k] <= eps:
                latest = b
            if on_try:
                on_try(k, tried[k])
        return tried[k]

    hi = max(1, min(k_start, k_max))
    if bound_at(hi) <= eps:
        lo = hi // 2
        while lo >= 1 and bound_at(lo) <= eps:
            hi, lo = lo, lo // 2
    else:
        lo = hi
        while bound_at(hi) > eps:
            if hi >= k_max:
                return WidthSearch(tried, None, k_max)
            lo, hi = hi, min(2 * hi, k_max)  # lo: the last k tried that failed (not hi // 2 when k_max clamps)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if bound_at(mid) <= eps:
            hi = mid
        else:
            lo = mid
    return WidthSearch(tried, latest, k_max)
