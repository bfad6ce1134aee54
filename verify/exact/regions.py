"""Activation regions: the open cones on which both networks are linear, enumerated exactly.

Both networks are positively homogeneous and piecewise linear, so e = G̃ − F is linear, e(x) = A_p x, on every
open cone C_p = {x : s_i ℓ_i·x > 0} of a joint activation pattern p. Every x off the finitely many hyperplanes
ℓ_i·x = 0 lies in one such cone, and e is continuous, so the non-empty open cones suffice. Patterns are enumerated
depth-first, one neuron at a time, starting from the 2^d open orthants; every cone carries its extreme rays
(double description), so deciding whether a branch is non-empty is an integer sign test and cutting it is exact
integer algebra. A neuron whose pre-activation form is identically zero is simply off.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from verify.exact.arith import IVec, Matrix, idot, primitive, rank
from verify.exact.networks import Net

__all__ = ["Deadline", "Enumerator", "Form", "Region", "combine", "cut"]

Form = tuple[Fraction, ...]  # a linear form ℓ, meaning x ↦ Σ_j ℓ_j x_j


def combine(row: Sequence[Fraction], forms: Sequence[Form], d: int) -> Form:
    """Σ_c row[c]·forms[c], a linear form (one row of W times the previous layer's forms)."""
    acc = [Fraction(0)] * d
    for w, f in zip(row, forms, strict=True):
        if w:
            for j, v in enumerate(f):
                if v:
                    acc[j] += w * v
    return tuple(acc)


def cut(rays: list[IVec], cons: list[IVec], g: IVec, d: int) -> list[IVec]:
    """Extreme rays of cone(rays) ∩ {g·x ≥ 0} (one double-description step, Motzkin et al. 1953).
    Rays with g·r ≥ 0 stay; each pair r⁺, r⁻ on either side gives (g·r⁺) r⁻ − (g·r⁻) r⁺ on the hyperplane,
    kept if it is extreme: the constraints active at it (``cons`` and g) have rank d − 1. Every ray satisfies
    ``cons``, so the constraints of ``cons`` active at the new ray are those active at both r⁺ and r⁻ (hence at
    least d − 2 of them are needed: a cheap test before the rank)."""
    vals = [idot(g, r) for r in rays]
    out = [r for r, v in zip(rays, vals, strict=True) if v >= 0]
    pos = [(r, v) for r, v in zip(rays, vals, strict=True) if v > 0]
    neg = [(r, v) for r, v in zip(rays, vals, strict=True) if v < 0]
    if not pos or not neg:
        return out
    zeros = {r: frozenset(i for i, h in enumerate(cons) if idot(h, r) == 0) for r, _ in pos + neg}
    seen = set(out)
    for rp, vp in pos:
        zp = zeros[rp]
        for rn, vn in neg:
            common = zp & zeros[rn]
            if len(common) < d - 2:
                continue
            c = _iprimitive([vp * a - vn * b for a, b in zip(rn, rp, strict=True)])
            if c not in seen and rank([*(cons[i] for i in sorted(common)), g]) == d - 1:
                seen.add(c)
                out.append(c)
    return out


def _iprimitive(v: list[int]) -> IVec:
    """The primitive positive multiple of a non-zero integer vector (``primitive`` for integers, faster)."""
    g = math.gcd(*v)
    return tuple(x // g for x in v)


@dataclass
class Region:
    """One open cone C_p = {x : g·x > 0 for g in cone} on which G̃(x) − F(x) = A x; ``gram`` = AᵀA.
    ``cone`` holds its facet normals (primitive integer vectors), ``rays`` its extreme rays."""

    cone: list[IVec]
    rays: list[IVec]
    a: Matrix
    gram: Matrix
    ub2: Fraction = Fraction(0)  # proven: ‖A x‖² ≤ ub2 ‖x‖² on C_p
    simplices: list | None = None  # per simplicial piece (Rᵀ(D·G)R, RᵀR, R); see cones.simplices
    pieces: list | None = None  # per simplicial piece its rays R; see affine.s_lemma_certificate

    def __post_init__(self) -> None:
        self.point = [Fraction(sum(col)) for col in zip(*self.rays, strict=True)]  # Σ rays: an interior point
        self.gram_den = math.lcm(*(v.denominator for row in self.gram for v in row))  # D
        self.gram_int = [[int(v * self.gram_den) for v in row] for row in self.gram]  # D·G, integers


class Deadline:
    """The oracle's time limit: ``check`` raises TimeoutError once it has passed."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left_ms(self) -> int:
        return max(1, int((self.end - time.monotonic()) * 1000))

    def check(self, what: str) -> None:
        if time.monotonic() > self.end:
            raise TimeoutError(f"exact oracle: time limit reached while {what}")


class Enumerator:
    """Depth-first enumeration of the non-empty open activation cones of F and G̃ jointly, starting from
    the 2^d open orthants (so every cone is pointed). Each cone carries its extreme rays, which makes every
    step exact integer arithmetic: the open cone meets {g·x > 0} iff some ray has g·r > 0; if no ray has
    g·r < 0 the neuron is on throughout (and symmetrically); otherwise both children are cut (``cut``)."""

    def __init__(self, target: Net, pruned: Net, deadline: Deadline,
                 start: tuple[list[IVec], list[IVec]] | None = None, max_regions: int | None = None) -> None:
        self.nets = (target, pruned)
        self.d = len(target[0][0])
        self.deadline = deadline
        self.start = start
        self.max_regions = max_regions  # ValueError beyond it (None: no limit but the deadline)
        self.stages = [(k, i) for k, net in enumerate(self.nets) for i in range(len(net) - 1)]
        self.regions: list[Region] = []

    def run(self) -> list[Region]:
        """The cones within the 2^d open orthants or, given ``start`` = (facet normals, extreme rays) of a
        full-dimensional pointed polyhedral cone, the cones within that one (verify/exact/affine.py)."""
        d = self.d
        ident = [tuple(Fraction(int(i == j)) for j in range(d)) for i in range(d)]
        if self.start is not None:
            self._stage(0, [ident, ident], list(self.start[0]), list(self.start[1]))
            return self.regions
        for signs in itertools.product((1, -1), repeat=d):
            orthant = [tuple(s if j == i else 0 for j in range(d)) for i, s in enumerate(signs)]
            self._stage(0, [ident, ident], orthant, orthant)
        return self.regions

    def _stage(self, s: int, acts: list[list[Form]], cons: list[IVec], rays: list[IVec]) -> None:
        if s == len(self.stages):
            self._leaf(acts, cons, rays)
            return
        k, i = self.stages[s]
        pre = [combine(row, acts[k], self.d) for row in self.nets[k][i]]
        self._neuron(s, pre, [], acts, cons, rays)

    def _neuron(self, s: int, pre: list[Form], out: list[Form], acts: list[list[Form]],
                cons: list[IVec], rays: list[IVec]) -> None:
        if len(out) == len(pre):
            nxt = list(acts)
            nxt[self.stages[s][0]] = out
            self._stage(s + 1, nxt, cons, rays)
            return
        self.deadline.check("enumerating activation regions")
        form = pre[len(out)]
        zero = tuple(Fraction(0) for _ in form)
        if not any(form):  # pre-activation ≡ 0: the neuron is off either way
            self._neuron(s, pre, [*out, zero], acts, cons, rays)
            return
        g = primitive(form)
        vals = [idot(g, r) for r in rays]
        if all(v >= 0 for v in vals):  # g·x > 0 on the whole open cone: on
            self._neuron(s, pre, [*out, form], acts, cons, rays)
        elif all(v <= 0 for v in vals):  # g·x < 0 on the whole open cone: off
            self._neuron(s, pre, [*out, zero], acts, cons, rays)
        else:
            neg = tuple(-v for v in g)
            self._neuron(s, pre, [*out, form], acts, [*cons, g], cut(rays, cons, g, self.d))
            self._neuron(s, pre, [*out, zero], acts, [*cons, neg], cut(rays, cons, neg, self.d))

    def _leaf(self, acts: list[list[Form]], cons: list[IVec], rays: list[IVec]) -> None:
        d = self.d
        if self.max_regions is not None and len(self.regions) >= self.max_regions:
            raise ValueError(f"more than {self.max_regions} activation regions in the domain: above the exact "
                             "oracle's limit")
        outs = [[combine(row, acts[k], d) for row in self.nets[k][-1]] for k in (0, 1)]
        a = [[g - f for g, f in zip(rg, rf, strict=True)] for rf, rg in zip(outs[0], outs[1], strict=True)]
        gram = [[sum((row[i] * row[j] for row in a), Fraction(0)) for j in range(d)] for i in range(d)]
        facets = list(dict.fromkeys(g for g in cons if rank([r for r in rays if idot(g, r) == 0]) == d - 1))
        self.regions.append(Region(facets, rays, a, gram))
