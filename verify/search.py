"""The width policies of ``--width-factor auto`` and ``--width-factor smallest`` (docs/composition.md §6).

``auto`` (``predict_width``, the default): predict the certified bound at each k from a sample of the gadgets
(verify/predict.py), build and bound the construction of the smallest k predicted to reach ε, and step up only if
its certified bound misses: usually one full construction.  ``smallest`` (``search_width``): build and bound k =
k_start, then doubling and bisection, for a k that reaches ε while k − 1 does not.  Both return the construction of
the k they chose, already bounded, with every bound they measured, so that certification only writes and failure
messages only report; neither builds any (k, options) twice (``Builds``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from verify.certify import Bounded, bounded
from verify.engine.construct import Construction, build, largest_k
from verify.engine.model import Target
from verify.options import WIDTH_AUTO, WIDTH_SMALLEST, Options

__all__ = ["WidthSearch", "Builds", "search_width", "predict_width", "find_width", "default_k_max",
           "MARGIN_EXACT", "MARGIN_SAMPLED", "PREDICT_FRACTION"]

# The width policy builds the smallest k whose predicted bound is ≤ ε / margin.  Exact predictions (every row of every
# layer pruned) differ from the certified bound only by the certifier's rounding up (σ_max + 10^-5 relative, 12
# digits); sampled ones by the extrapolation error measured in benchmarks/predict.md.
MARGIN_EXACT = 1.001
MARGIN_SAMPLED = 1.25
# Above this share of the weights pruned per prediction (predict.Predictor.fraction; 1 where every layer is small
# enough to prune whole, as on the digits targets), predicting k costs about what building it does, and ``auto``
# searches by building instead (benchmarks/predict.md: 10-20 % slower than that search on the digits targets).
PREDICT_FRACTION = 0.5


@dataclass(frozen=True)
class WidthSearch:
    """What a width policy measured: the certified bound of every k it ``tried`` (built and bounded), the bounded
    construction of the k it returns (``chosen``; None if even ``k_max`` fails) and ``k_max``, the largest k it
    would try; the ``policy`` it ran, how many full constructions it ``built`` (a ``known`` one is not counted),
    and for ``auto`` the ``predicted`` bound of every k the prediction evaluated, the k it predicted first
    (``predicted_k``) and the seconds the predictions took (``predict_seconds``)."""

    tried: dict[int, Fraction]
    chosen: Bounded | None
    k_max: int
    policy: str = WIDTH_SMALLEST
    built: int = 0
    predicted: dict[int, float] = field(default_factory=dict)
    predicted_k: int | None = None
    predict_seconds: float = 0.0

    @property
    def k(self) -> int | None:
        return self.chosen.construction.k if self.chosen is not None else None

    @property
    def construction(self) -> Construction | None:
        return self.chosen.construction if self.chosen is not None else None

    @property
    def summary(self) -> str:
        """One line for the summary table: the policy, what it guarantees or predicted, how much it built."""
        n = f"{self.built} construction{'s' if self.built != 1 else ''} built"
        if self.policy == WIDTH_SMALLEST:
            return f"smallest: k-1 fails, {n}"
        if self.predicted_k is None:
            return f"auto: k-1 fails (small or convolutional target: searched by building, as smallest does), {n}"
        steps = f", stepped up to {self.k}" if self.k is not None and self.k != self.predicted_k else ""
        return f"auto: predicted k = {self.predicted_k}{steps}, {n}"

    @property
    def bound(self) -> Fraction:
        """The bound at the returned k, or, when none is returned, at ``k_max`` (the last k tried)."""
        return self.tried[self.k if self.k is not None else self.k_max]


class Builds:
    """The constructions of one search: ``bounded(build(...))`` for each (k, options) at most once, every bound
    kept (``bounds``) and, so that memory stays that of one construction, of the constructions only the one with
    the smallest k that reached ``eps`` per options (the one a search returns; the others are dropped once a
    smaller k reaches it).  ``known``: a construction already built and bounded, used instead of building its k.
    ``built`` counts the constructions built here and ``seconds`` their time (building and bounding)."""

    def __init__(self, target: Target, eps: Fraction, known: Bounded | None = None) -> None:
        self.target, self.eps = target, eps
        self.bounds: dict[tuple[int, Options], Fraction] = {}
        self._kept: dict[Options, Bounded] = {}
        self.built = 0
        self.seconds = 0.0
        if known is not None:
            self._add(known, known.construction.options)

    @staticmethod
    def _key(options: Options) -> Options:
        return dataclasses.replace(options, width=WIDTH_AUTO)   # build does not read the width policy

    def _add(self, b: Bounded, options: Options) -> None:
        k, key = b.construction.k, self._key(options)
        self.bounds[(k, key)] = b.bound
        kept = self._kept.get(key)
        if b.bound <= self.eps and (kept is None or k < kept.construction.k):
            self._kept[key] = b

    def get(self, k: int, options: Options) -> tuple[Fraction, Bounded | None]:
        """(certified bound, the bounded construction or None if it misses eps or was dropped) at k, built and
        bounded only the first time."""
        key = self._key(options)
        if (k, key) not in self.bounds:
            t0 = time.perf_counter()
            b = bounded(build(self.target.weights, options, k=k, biases=self.target.biases,
                              layout=getattr(self.target, "layout", None)))
            self.built += 1
            self.seconds += time.perf_counter() - t0
            self._add(b, options)
            return b.bound, b
        kept = self._kept.get(key)
        return self.bounds[(k, key)], kept if kept is not None and kept.construction.k == k else None


def _shape_of(target: Target):
    """What ``largest_k`` sizes G from: the target's layout (engine/conv.py), or its widths (an MLP)."""
    layout = getattr(target, "layout", None)
    return layout if layout is not None else target.widths


def default_k_max(options: Options) -> int:
    """For subset-sum 4·max_candidates, past which the candidate lists stop growing; 2^16 for pair."""
    return 4 * options.max_candidates if options.method == "subset-sum" else 1 << 16


def search_width(target: Target, options: Options, eps: Fraction, *, k_max: int | None = None, k_start: int = 1,
                 on_try: Callable[[int, Fraction], None] | None = None,
                 known: Bounded | None = None, builds: Builds | None = None) -> WidthSearch:
    """``--width-factor smallest``: a width factor k whose certified bound is ≤ ε while k − 1's is not: doubling,
    then bisection; k is the smallest certified one among the k tried, and the smallest of all where the bound is
    monotone in k (docs/composition.md §6).

    Monotone because G for width k is a prefix of G for k+1 (docs/gadgets.md §1), so every per-weight error and hence
    every η_i is non-increasing in k (for subset-sum while no block has more than ``options.max_candidates``
    candidates on a side; beyond that the candidate list is chosen per weight and the bound is only roughly
    monotone).  Per-neuron rescaling (``options.rescale``) and the neuron assignment (``options.reassign``) are
    chosen per k, so with them the bound is only roughly monotone too.  ``options.width`` is not read.
    ``k_start`` (a guess, e.g. the k another setting needed) is tried first: if it reaches eps the search halves down
    from it until a k fails, else it doubles up from it; then bisection as usual.  ``known``, a construction already
    built and bounded with these options, is used for its k instead of building it again; ``builds`` (default: a new
    ``Builds``) builds each k.  ``on_try(k, bound)`` is called for every k tried.  ``k_max`` defaults to
    ``default_k_max``, and is clamped to ``largest_k``."""
    k_max = min(default_k_max(options) if k_max is None else k_max, largest_k(_shape_of(target)))
    builds = builds if builds is not None else Builds(target, eps)
    if known is not None:
        builds._add(known, options)
    built0 = builds.built
    tried: dict[int, Fraction] = {}
    latest: Bounded | None = None  # the last construction that reached eps: always that of the current hi

    def bound_at(k: int) -> Fraction:
        nonlocal latest
        if k not in tried:
            tried[k], b = builds.get(k, options)
            if tried[k] <= eps and b is not None:
                latest = b
            if on_try:
                on_try(k, tried[k])
        return tried[k]

    def result(chosen: Bounded | None) -> WidthSearch:
        return WidthSearch(tried, chosen, k_max, WIDTH_SMALLEST, builds.built - built0)

    hi = max(1, min(k_start, k_max))
    if bound_at(hi) <= eps:
        lo = hi // 2
        while lo >= 1 and bound_at(lo) <= eps:
            hi, lo = lo, lo // 2
    else:
        lo = hi
        while bound_at(hi) > eps:
            if hi >= k_max:
                return result(None)
            lo, hi = hi, min(2 * hi, k_max)  # lo: the last k tried that failed (not hi // 2 when k_max clamps)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if bound_at(mid) <= eps:
            hi = mid
        else:
            lo = mid
    return result(latest)


def predict_width(target: Target, options: Options, eps: Fraction, *, k_max: int | None = None,
                  on_try: Callable[[int, Fraction], None] | None = None,
                  on_predict: Callable[[int, float], None] | None = None,
                  known: Bounded | None = None, predictor=None) -> WidthSearch:
    """``--width-factor auto``: build the smallest k whose predicted bound (verify/predict.py) is ≤ ε / margin
    (default ``MARGIN_EXACT`` when every layer is pruned whole in the prediction, else ``MARGIN_SAMPLED``), and,
    while its certified bound misses ε, step up: to the smallest k above whose prediction, scaled by how far the
    last one fell short (certified / predicted), reaches ε / margin, at least k + 1 and at most 2k.  Returns the
    first k that certifies (nothing below it is tried: ``search_width`` searches down), or None once ``k_max``
    (default ``default_k_max``, clamped to ``largest_k``) misses.  If even ``k_max`` is predicted to miss, ``k_max``
    is built.  A ``known`` construction (these options, e.g. a fixed k that missed) is reused for its k, and the
    steps start above it if it misses.  ``on_try(k, bound)`` is called for every k built and bounded,
    ``on_predict(k, bound)`` for every k predicted; ``predictor`` (default ``predict.Predictor(target, options)``)
    may be shared between calls."""
    from verify.predict import Predictor

    k_max = min(default_k_max(options) if k_max is None else k_max, largest_k(_shape_of(target)))
    builds = Builds(target, eps)
    if known is not None:
        builds._add(known, options)
    built0 = builds.built
    if getattr(target, "layout", None) is not None and target.layout.conv:
        # the sampled prediction models dense layers only (verify/predict.py): a CNN is searched by building
        found = search_width(target, options, eps, k_max=k_max, on_try=on_try, known=known, builds=builds)
        return dataclasses.replace(found, policy=WIDTH_AUTO)
    pred = predictor if predictor is not None else Predictor(target, options)
    if pred.fraction > PREDICT_FRACTION:
        # predicting would prune about as much as building does (small layers are pruned whole): search by building
        found = search_width(target, options, eps, k_max=k_max, on_try=on_try, known=known, builds=builds)
        return dataclasses.replace(found, policy=WIDTH_AUTO)
    t_pred = pred.seconds
    margin = MARGIN_SAMPLED if pred.samples else MARGIN_EXACT
    goal = float(eps) / margin
    seen: set[int] = set(pred.cache)

    def predicted(k: int) -> float:
        p = pred(k).bound
        if on_predict and k not in seen:
            seen.add(k)
            on_predict(k, p)
        return p

    def smallest(goal_: float, lo: int, hi: int) -> int | None:
        before = set(pred.cache)
        k = pred.smallest_k(goal_, lo, hi)
        for kk in sorted(set(pred.cache) - before):
            predicted(kk)
        return k

    tried: dict[int, Fraction] = {}
    lo = 1
    if known is not None and known.bound > eps:
        tried[known.construction.k] = known.bound
        lo = known.construction.k + 1
    k = smallest(goal, lo, k_max) if lo <= k_max else None
    k = k_max if k is None else k
    first = k

    def result(chosen: Bounded | None) -> WidthSearch:
        return WidthSearch(tried, chosen, k_max, WIDTH_AUTO, builds.built - built0,
                           {kk: pred.cache[kk].bound for kk in sorted(pred.cache)}, first, pred.seconds - t_pred)

    while True:
        bound, b = builds.get(k, options)
        tried[k] = bound
        if on_try:
            on_try(k, bound)
        if bound <= eps and b is not None:
            return result(b)
        if k >= k_max:
            return result(None)
        p = predicted(k)
        # how far the prediction fell short at k (as a float even where the bound is beyond float64's range)
        short = float(min(bound / Fraction(p), Fraction(10**300))) if 0 < p < math.inf else 2.0
        top = min(2 * k, k_max)
        nxt = smallest(goal / max(short, 1.0), k + 1, top)
        k = top if nxt is None else nxt


def find_width(target: Target, options: Options, eps: Fraction, *, policy: str | None = None,
               on_try: Callable[[int, Fraction], None] | None = None,
               on_predict: Callable[[int, float], None] | None = None,
               known: Bounded | None = None, k_max: int | None = None) -> WidthSearch:
    """The width policy ``policy`` (default: ``options.width`` when it names one, else ``auto``):
    ``predict_width`` for ``auto``, ``search_width`` for ``smallest``."""
    if policy is None:
        policy = options.width if options.width in (WIDTH_AUTO, WIDTH_SMALLEST) else WIDTH_AUTO
    if policy == WIDTH_SMALLEST:
        return search_width(target, options, eps, k_max=k_max, on_try=on_try, known=known)
    if policy == WIDTH_AUTO:
        return predict_width(target, options, eps, k_max=k_max, on_try=on_try, on_predict=on_predict, known=known)
    raise ValueError(f"unknown width policy {policy!r}")
