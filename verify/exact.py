"""Exact oracle for tiny networks: decide sup_{‖x‖₂ ≤ 1} ‖G̃(x) − F(x)‖₂ ≤ b in rational arithmetic.

F(x) = W_L σ(⋯ σ(W_1 x)) and G̃(x) = M_K σ(⋯ σ(M_1 x)) (docs/overview.md §1; no ReLU after the last layer)
are given as lists of weight matrices of ``fractions.Fraction`` (PyTorch (out, in) convention), e.g. the
exact values of stored floats. Nothing here rounds: the answer is about the real-arithmetic functions.

Method (activation regions). Both networks are positively homogeneous and piecewise linear, so

    sup_{‖x‖≤1} ‖e(x)‖ = max_p  max { ‖A_p x‖ : x ∈ C_p, ‖x‖ ≤ 1 },    e = G̃ − F,

where p runs over the joint activation patterns whose open cone C_p = {x : s_i ℓ_i·x > 0} is non-empty
and e(x) = A_p x on C_p. Every x off the finitely many hyperplanes ℓ_i·x = 0 lies in one such cone,
and e is continuous, so the open cones suffice. Patterns are enumerated depth-first, one neuron at a
time, starting from the 2^d open orthants; every cone carries its extreme rays (double description), so
deciding whether a branch is non-empty is an integer sign test and cutting it is exact integer algebra.
A neuron whose pre-activation form is identically zero is simply off.

Per cone, "some x ∈ C_p has ‖A_p x‖ > b‖x‖" is decided exactly in rational arithmetic: the closed cone
(pointed, since it lies in an orthant) is cut into simplicial cones spanned by
its extreme rays R, and on each the question becomes whether λᵀNλ > 0 for some λ ≥ 0, N = Rᵀ(A_pᵀA_p − b²I)R,
i.e. whether −N fails to be copositive. For these small matrices copositivity has a finite rational test
(Cottle, Habetler & Lemke 1970, Thm 3.1: if every principal submatrix of order n−1 of a symmetric A is
copositive, then A is not copositive iff A⁻¹ exists and A⁻¹ ≤ 0 entrywise), applied recursively; a
failure comes with a rational λ = −A⁻¹1, hence a rational witness x = Rλ. A second, independent exact
method (``method="nlsat"``: z3's complete nonlinear real arithmetic on the same question) is kept for
cross-checking. Cheap exact shortcuts come first: b² I − A_pᵀA_p positive definite (rational LDLᵀ) means
no; a known point with error > b means yes. The supremum is bracketed by bisection on b: lower ends are
exact errors at rational points of the ball, upper ends are decided "no" answers.

Size limits (``MAX_*``) keep the enumeration small; larger inputs raise ``ValueError``.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational

import numpy as np
import z3

__all__ = ["ExactResult", "exact_check", "evaluate", "error_sq", "MAX_INPUT_DIM", "MAX_KEPT_WEIGHTS",
           "MAX_HIDDEN_NEURONS"]

# Measured (2-core CPU, pair-pruned random nets, k = 8): a 3-4-3-2 target (~60 hidden neurons) takes
# 0.3–0.7 s, 4-5-3 takes 2–4 s, 4-6-4-2 (~70 hidden, ~185 kept weights, ~3800 cones) about 15 s.
MAX_INPUT_DIM = 4
MAX_KEPT_WEIGHTS = 512     # nonzero weights of each network, after removing dead neurons (certs/examples: 265, 0.3 s)
MAX_HIDDEN_NEURONS = 128   # hidden neurons of both networks together, after removing dead neurons
_SQRT_BITS = 64            # sup_lower / sup_upper are dyadic, with about this many significant bits

Matrix = list[list[Fraction]]
Net = list[Matrix]
Form = tuple[Fraction, ...]  # a linear form ℓ, meaning x ↦ Σ_j ℓ_j x_j


@dataclass(frozen=True)
class ExactResult:
    """Outcome of ``exact_check``.

    sound      True iff ‖G̃(x) − F(x)‖₂ ≤ bound for every ‖x‖₂ ≤ 1 (decided exactly).
    sup_lower  < the true sup, within a relative ~2^-60 of the error of ``witness`` (‖witness‖₂ ≤ 1,
               its error evaluated exactly in Fractions).
    sup_upper  ≥ the true sup. sup_upper ≤ sup_lower·(1 + rel_tol) unless the time ran out first.
    witness    a rational point; when ``sound`` is False its error exceeds ``bound``. None if the sup is 0.
    tightness  bound / sup_upper (≤ bound / true sup), None when sup_upper = 0.
    """

    sound: bool
    bound: Fraction
    sup_lower: Fraction
    sup_upper: Fraction
    witness: list[Fraction] | None
    tightness: float | None
    seconds: float
    regions: int = 0           # activation cones enumerated
    cone_queries: int = 0      # cones that needed the exact per-cone decision


# ---------------------------------------------------------------------------------------------------
# Exact evaluation


def evaluate(net: Sequence[Sequence[Sequence[Fraction]]], x: Sequence[Fraction]) -> list[Fraction]:
    """net(x) in exact arithmetic: ReLU after every layer but the last (docs/overview.md §1)."""
    h = list(x)
    for i, w in enumerate(net):
        h = [sum((wij * hj for wij, hj in zip(row, h, strict=True) if wij), Fraction(0)) for row in w]
        if i < len(net) - 1:
            h = [v if v > 0 else Fraction(0) for v in h]
    return h


def error_sq(target: Sequence, pruned: Sequence, x: Sequence[Fraction]) -> Fraction:
    """‖G̃(x) − F(x)‖₂², exactly."""
    return sum(((g - f) ** 2 for g, f in zip(evaluate(pruned, x), evaluate(target, x), strict=True)),
               Fraction(0))


def _sq(v: Sequence[Fraction]) -> Fraction:
    return sum((t * t for t in v), Fraction(0))


def _sqrt_scale(q: Fraction) -> int:
    """2^k with k chosen so that √q·2^k has about _SQRT_BITS bits (relative precision, any magnitude)."""
    half_log2 = (q.numerator.bit_length() - q.denominator.bit_length()) // 2 if q else 0
    return 1 << max(_SQRT_BITS - half_log2, 0)


def _sqrt_down(q: Fraction) -> Fraction:
    """A dyadic rational r with 0 ≤ r ≤ √q and r ≥ √q·(1 − 2^-60)."""
    scale = _sqrt_scale(q)
    return Fraction(math.isqrt(q.numerator * scale * scale // q.denominator), scale)


def _sqrt_up(q: Fraction) -> Fraction:
    """A dyadic rational r with √q ≤ r ≤ √q·(1 + 2^-60) (for q > 0)."""
    scale = _sqrt_scale(q)
    n = -(-q.numerator * scale * scale // q.denominator)
    r = math.isqrt(n)
    return Fraction(r if r * r == n else r + 1, scale)


# ---------------------------------------------------------------------------------------------------
# Input checks and dead-neuron removal


def _as_fraction(v: object, where: str) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, Rational | float):
        raise ValueError(f"{where}: expected a Fraction, got {type(v).__name__}")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"{where}: weight is not finite ({v})")
    return Fraction(v)  # exact: a float's value, never its decimal spelling


def _validate(net: Sequence, name: str) -> Net:
    if not isinstance(net, Sequence) or not net:
        raise ValueError(f"{name}: expected a non-empty list of weight matrices")
    out: Net = []
    for i, w in enumerate(net):
        if not isinstance(w, Sequence) or not w or not all(isinstance(r, Sequence) and r for r in w):
            raise ValueError(f"{name} layer {i + 1}: expected a non-empty (out, in) list of lists")
        width = len(w[0])
        if any(len(r) != width for r in w):
            raise ValueError(f"{name} layer {i + 1}: rows have different lengths")
        if out and width != len(out[-1]):
            raise ValueError(f"{name} layer {i + 1}: takes {width} inputs but layer {i} has {len(out[-1])} outputs")
        out.append([[_as_fraction(v, f"{name} layer {i + 1} [{r}][{c}]") for c, v in enumerate(row)]
                    for r, row in enumerate(w)])
    return out


def _drop_dead(net: Net) -> Net:
    """Remove hidden neurons that are always 0 (zero input row: σ(0) = 0) or never read (zero output
    column); the function net(x) is unchanged. Repeats until nothing changes."""
    net = [[row[:] for row in w] for w in net]
    changed = True
    while changed:
        changed = False
        for i in range(len(net) - 1):
            w, nxt = net[i], net[i + 1]
            keep = [r for r in range(len(w)) if any(w[r]) and any(row[r] for row in nxt)]
            if len(keep) < len(w) and keep:
                net[i] = [w[r] for r in keep]
                net[i + 1] = [[row[r] for r in keep] for row in nxt]
                changed = True
            elif not keep:  # the network is identically zero: keep one silent neuron for the shapes
                if len(w) > 1 or any(w[0]) or any(row[0] for row in nxt):
                    net[i] = [[Fraction(0)] * len(w[0])]
                    net[i + 1] = [[Fraction(0)] for _ in nxt]
                    changed = True
    return net


def _check_sizes(target: Net, pruned: Net) -> None:
    d = len(target[0][0])
    if len(pruned[0][0]) != d:
        raise ValueError(f"input dimensions differ: target {d}, pruned {len(pruned[0][0])}")
    if len(target[-1]) != len(pruned[-1]):
        raise ValueError(f"output dimensions differ: target {len(target[-1])}, pruned {len(pruned[-1])}")
    if d > MAX_INPUT_DIM:
        raise ValueError(f"input dimension {d} is above the exact oracle's limit of {MAX_INPUT_DIM}")
    for name, net in (("target", target), ("pruned", pruned)):
        kept = sum(1 for w in net for row in w for v in row if v)
        if kept > MAX_KEPT_WEIGHTS:
            raise ValueError(f"{name} keeps {kept} nonzero weights (after removing dead neurons); the exact "
                             f"oracle's limit is {MAX_KEPT_WEIGHTS}")
    hidden = sum(len(w) for net in (target, pruned) for w in net[:-1])
    if hidden > MAX_HIDDEN_NEURONS:
        raise ValueError(f"{hidden} hidden neurons (after removing dead ones) is above the exact oracle's "
                         f"limit of {MAX_HIDDEN_NEURONS}")


# ---------------------------------------------------------------------------------------------------
# Exact integer linear algebra on short vectors (d ≤ 4)

IVec = tuple[int, ...]
IMat = list[list[int]]


def _idot(u: Sequence[int], v: Sequence[int]) -> int:
    return sum(a * b for a, b in zip(u, v, strict=True))


def _det(m: IMat) -> int:
    """Determinant by Laplace expansion (the matrices here are at most 4×4)."""
    n = len(m)
    if n == 0:
        return 1
    if n == 1:
        return m[0][0]
    if n == 2:
        return m[0][0] * m[1][1] - m[0][1] * m[1][0]
    return sum((-1) ** j * m[0][j] * _det([row[:j] + row[j + 1:] for row in m[1:]]) for j in range(n) if m[0][j])


def _primitive(v: Sequence[Fraction | int]) -> IVec:
    """The positive multiple of a rational vector with coprime integer entries."""
    fr = [Fraction(x) for x in v]
    scale = math.lcm(*(x.denominator for x in fr))
    ints = [int(x * scale) for x in fr]
    g = math.gcd(*ints) or 1
    return tuple(i // g for i in ints)


def _rank(vectors: Sequence[IVec]) -> int:
    """Rank over Q by fraction-free elimination."""
    a = [list(v) for v in vectors]
    rank, cols = 0, len(a[0]) if a else 0
    for c in range(cols):
        p = next((i for i in range(rank, len(a)) if a[i][c]), None)
        if p is None:
            continue
        a[rank], a[p] = a[p], a[rank]
        for i in range(rank + 1, len(a)):
            if a[i][c]:
                a[i] = [a[rank][c] * x - a[i][c] * y for x, y in zip(a[i], a[rank], strict=True)]
        rank += 1
    return rank


def _not_copositive_witness(a: IMat) -> list[int] | None:
    """λ ≥ 0, λ ≠ 0 (integers) with λᵀ a λ < 0, or None when the symmetric integer matrix a is copositive.

    Cottle, Habetler & Lemke (1970), Thm 3.1, applied to every principal submatrix, smallest first: if all
    principal submatrices of order n−1 of A are copositive, A is not copositive iff A⁻¹ exists and A⁻¹ ≤ 0
    entrywise; then λ = −A⁻¹1 > 0 has λᵀAλ = 1ᵀA⁻¹1 < 0. With A⁻¹ = adj(A)/det(A) all of this is integer
    arithmetic: A⁻¹ ≤ 0 iff det(A) ≠ 0 and sign(det A)·adj(A) ≤ 0, and λ ∝ −sign(det A)·adj(A)1.
    The witness is re-checked exactly before it is returned.
    """
    n = len(a)
    memo: dict[tuple[int, ...], list[int] | None] = {}

    def rec(idx: tuple[int, ...]) -> list[int] | None:
        if idx in memo:
            return memo[idx]
        found = None
        for k in range(len(idx) if len(idx) > 1 else 0):
            found = rec(idx[:k] + idx[k + 1:])
            if found is not None:
                break
        if found is None:
            sub = [[a[i][j] for j in idx] for i in idx]
            det = _det(sub)
            if det:
                s = 1 if det > 0 else -1
                m = len(idx)  # adj[r][c] = (−1)^{r+c} · det(sub without row c and column r)
                adj = [[(-1) ** (r + c) * _det([row[:r] + row[r + 1:] for k2, row in enumerate(sub) if k2 != c])
                        for c in range(m)] for r in range(m)]
                if all(s * v <= 0 for row in adj for v in row):
                    lam = dict(zip(idx, (-s * sum(row) for row in adj), strict=True))
                    found = [lam.get(j, 0) for j in range(n)]
        memo[idx] = found
        return found

    lam = rec(tuple(range(n)))
    if lam is not None:
        q = sum(lam[i] * a[i][j] * lam[j] for i in range(n) for j in range(n))
        if not (all(v >= 0 for v in lam) and q < 0):
            raise AssertionError("copositivity witness failed its exact re-check")
    return lam



# ---------------------------------------------------------------------------------------------------
# Activation regions (double description: every cone carries its extreme rays)


def _combine(row: Sequence[Fraction], forms: Sequence[Form], d: int) -> Form:
    """Σ_c row[c]·forms[c], a linear form (one row of W times the previous layer's forms)."""
    acc = [Fraction(0)] * d
    for w, f in zip(row, forms, strict=True):
        if w:
            for j, v in enumerate(f):
                if v:
                    acc[j] += w * v
    return tuple(acc)


def _cut(rays: list[IVec], cons: list[IVec], g: IVec, d: int) -> list[IVec]:
    """Extreme rays of cone(rays) ∩ {g·x ≥ 0} (one double-description step, Motzkin et al. 1953).
    Rays with g·r ≥ 0 stay; each pair r⁺, r⁻ on either side gives (g·r⁺) r⁻ − (g·r⁻) r⁺ on the hyperplane,
    kept if it is extreme: the constraints active at it (``cons`` and g) have rank d − 1."""
    vals = [_idot(g, r) for r in rays]
    out = [r for r, v in zip(rays, vals, strict=True) if v >= 0]
    seen = set(out)
    new_cons = [*cons, g]
    for rp, vp in zip(rays, vals, strict=True):
        if vp <= 0:
            continue
        for rn, vn in zip(rays, vals, strict=True):
            if vn >= 0:
                continue
            c = _primitive([vp * a - vn * b for a, b in zip(rn, rp, strict=True)])
            if c not in seen and _rank([h for h in new_cons if _idot(h, c) == 0]) == d - 1:
                seen.add(c)
                out.append(c)
    return out


@dataclass
class _Region:
    """One open cone C_p = {x : g·x > 0 for g in cone} on which G̃(x) − F(x) = A x; ``gram`` = AᵀA.
    ``cone`` holds its facet normals (primitive integer vectors), ``rays`` its extreme rays."""

    cone: list[IVec]
    rays: list[IVec]
    a: Matrix
    gram: Matrix
    ub2: Fraction = Fraction(0)  # proven: ‖A x‖² ≤ ub2 ‖x‖² on C_p
    simplices: list | None = None  # per simplicial piece (Rᵀ(D·G)R, RᵀR, R); see _simplices

    def __post_init__(self) -> None:
        self.point = [Fraction(sum(col)) for col in zip(*self.rays, strict=True)]  # Σ rays: an interior point
        self.gram_den = math.lcm(*(v.denominator for row in self.gram for v in row))  # D
        self.gram_int = [[int(v * self.gram_den) for v in row] for row in self.gram]  # D·G, integers


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left_ms(self) -> int:
        return max(1, int((self.end - time.monotonic()) * 1000))

    def check(self, what: str) -> None:
        if time.monotonic() > self.end:
            raise TimeoutError(f"exact oracle: time limit reached while {what}")


class _Enumerator:
    """Depth-first enumeration of the non-empty open activation cones of F and G̃ jointly, starting from
    the 2^d open orthants (so every cone is pointed). Each cone carries its extreme rays, which makes every
    step exact integer arithmetic: the open cone meets {g·x > 0} iff some ray has g·r > 0; if no ray has
    g·r < 0 the neuron is on throughout (and symmetrically); otherwise both children are cut (``_cut``)."""

    def __init__(self, target: Net, pruned: Net, deadline: _Deadline) -> None:
        self.nets = (target, pruned)
        self.d = len(target[0][0])
        self.deadline = deadline
        self.stages = [(k, i) for k, net in enumerate(self.nets) for i in range(len(net) - 1)]
        self.regions: list[_Region] = []

    def run(self) -> list[_Region]:
        d = self.d
        ident = [tuple(Fraction(int(i == j)) for j in range(d)) for i in range(d)]
        for signs in itertools.product((1, -1), repeat=d):
            orthant = [tuple(s if j == i else 0 for j in range(d)) for i, s in enumerate(signs)]
            self._stage(0, [ident, ident], orthant, orthant)
        return self.regions

    def _stage(self, s: int, acts: list[list[Form]], cons: list[IVec], rays: list[IVec]) -> None:
        if s == len(self.stages):
            self._leaf(acts, cons, rays)
            return
        k, i = self.stages[s]
        pre = [_combine(row, acts[k], self.d) for row in self.nets[k][i]]
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
        g = _primitive(form)
        vals = [_idot(g, r) for r in rays]
        if all(v >= 0 for v in vals):  # g·x > 0 on the whole open cone: on
            self._neuron(s, pre, [*out, form], acts, cons, rays)
        elif all(v <= 0 for v in vals):  # g·x < 0 on the whole open cone: off
            self._neuron(s, pre, [*out, zero], acts, cons, rays)
        else:
            neg = tuple(-v for v in g)
            self._neuron(s, pre, [*out, form], acts, [*cons, g], _cut(rays, cons, g, self.d))
            self._neuron(s, pre, [*out, zero], acts, [*cons, neg], _cut(rays, cons, neg, self.d))

    def _leaf(self, acts: list[list[Form]], cons: list[IVec], rays: list[IVec]) -> None:
        d = self.d
        outs = [[_combine(row, acts[k], d) for row in self.nets[k][-1]] for k in (0, 1)]
        a = [[g - f for g, f in zip(rg, rf, strict=True)] for rf, rg in zip(outs[0], outs[1], strict=True)]
        gram = [[sum((row[i] * row[j] for row in a), Fraction(0)) for j in range(d)] for i in range(d)]
        facets = list(dict.fromkeys(g for g in cons if _rank([r for r in rays if _idot(g, r) == 0]) == d - 1))
        self.regions.append(_Region(facets, rays, a, gram))


# ---------------------------------------------------------------------------------------------------
# One cone: exact bounds and the exact decision


def _is_pd(m: Matrix) -> bool:
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


def _shifted(gram: Matrix, c: Fraction) -> Matrix:
    """c·I − gram."""
    return [[(c if i == j else Fraction(0)) - v for j, v in enumerate(row)] for i, row in enumerate(gram)]


def _spectral_ub2(gram: Matrix) -> Fraction:
    """A proven c ≥ λ_max(AᵀA) = max ‖A x‖²/‖x‖²: a float eigenvalue estimate, enlarged until c·I − AᵀA is
    positive definite in exact arithmetic; the trace (≥ λ_max) if that never happens."""
    trace = sum((gram[i][i] for i in range(len(gram))), Fraction(0))
    if trace == 0:
        return Fraction(0)
    lam = float(np.linalg.eigvalsh(np.array([[float(v) for v in row] for row in gram]))[-1])
    for rel in (2.0 ** -40, 2.0 ** -20, 2.0 ** -8):
        c = Fraction(max(lam, 0.0)) * (1 + Fraction(rel)) + trace * Fraction(rel)
        if c < trace and _is_pd(_shifted(gram, c)):
            return c
    return trace


def _triangulate(face: tuple[int, ...], dim: int, rays: list[IVec], cons: list[IVec]) -> list[tuple[int, ...]]:
    """Pulling triangulation: a face of dimension ``dim`` with rays ``face`` is the union of the cones
    from its first ray over its facets that miss that ray; recurse until the pieces are simplicial."""
    if len(face) == dim:
        return [face]
    apex, out, seen = face[0], [], set()
    for g in cons:
        sub = tuple(i for i in face if _idot(g, rays[i]) == 0)
        if apex in sub or sub in seen or len(sub) < dim - 1 or _rank([rays[i] for i in sub]) != dim - 1:
            continue
        seen.add(sub)
        out += [(apex, *piece) for piece in _triangulate(sub, dim - 1, rays, cons)]
    return out


def _simplices(reg: _Region, d: int) -> list[tuple[IMat, IMat, list[IVec]]]:
    """Per simplicial piece with integer rays R: (Rᵀ(D·G)R, RᵀR, R) where D·G = ``reg.gram_int``; cached."""
    if reg.simplices is None:
        reg.simplices = []
        for piece in _triangulate(tuple(range(len(reg.rays))), d, reg.rays, reg.cone):
            rs = [reg.rays[i] for i in piece]
            grs = [[_idot(row, r) for row in reg.gram_int] for r in rs]
            reg.simplices.append(([[_idot(gi, rj) for rj in rs] for gi in grs],
                                  [[_idot(ri, rj) for rj in rs] for ri in rs], rs))
    return reg.simplices


def _cone_witness(reg: _Region, b2: Fraction, d: int) -> list[Fraction] | None:
    """A rational x in the closed cone with ‖A x‖² > b2 ‖x‖², or None if there is none (exact).

    On a piece x = Rλ, λ ≥ 0: ‖A x‖² − b2‖x‖² = λᵀNλ with N = Rᵀ(G − b2 I)R, and q·D·N = q·Rᵀ(DG)R − p·D·RᵀR
    for b2 = p/q is an integer matrix with the same signs; a witness exists iff −N is not copositive."""
    p, q = b2.numerator, b2.denominator
    for rgr, rr, rs in _simplices(reg, d):
        neg = [[p * reg.gram_den * v - q * w for v, w in zip(r1, r2, strict=True)]
               for r1, r2 in zip(rr, rgr, strict=True)]
        lam = _not_copositive_witness(neg)
        if lam is not None:
            return [Fraction(sum(lam[i] * rs[i][j] for i in range(len(rs)))) for j in range(d)]
    return None


def _linear_z3(g: Sequence[int], x: list[z3.ArithRef]) -> z3.ArithRef:
    """The z3 term Σ g_j x_j with exact integer coefficients (never z3 RealVal(float))."""
    terms = [xj * int(v) for v, xj in zip(g, x, strict=True) if v]
    return z3.Sum(terms) if terms else z3.RealVal(0, x[0].ctx)


def _nlsat_witness(reg: _Region, b2: Fraction, d: int, timeout_ms: int) -> list[Fraction] | None | bool:
    """Same question by z3's complete nonlinear arithmetic (independent cross-check): a point, None
    (no point), or False when z3 gave up. Algebraic model values are rounded; the caller re-checks."""
    ctx = z3.Context()
    x = [z3.Real(f"x{j}", ctx) for j in range(d)]
    solver = z3.SolverFor("QF_NRA", ctx=ctx)
    solver.set("timeout", timeout_ms)
    solver.add(*[_linear_z3(g, x) > 0 for g in reg.cone])
    m = _shifted(reg.gram, b2)  # b2·I − AᵀA; we ask for xᵀ m x < 0, scaled to integer coefficients
    coef = {(i, j): m[i][j] if i == j else 2 * m[i][j] for i in range(d) for j in range(i, d)}
    scale = math.lcm(*(v.denominator for v in coef.values()))
    terms = [x[i] * x[j] * int(v * scale) for (i, j), v in coef.items() if v]
    solver.add((z3.Sum(terms) if terms else z3.RealVal(0, ctx)) < 0)
    res = solver.check()
    if res != z3.sat:
        return None if res == z3.unsat else False
    model = solver.model()
    vals = [model.eval(xj, model_completion=True) for xj in x]
    return [Fraction(v.as_fraction()) if z3.is_rational_value(v) else Fraction(v.approx(60).as_fraction())
            for v in vals]


# -- numeric polishing (untrusted) and exact bookkeeping --------------------------------------------


def _region_numeric_max(region: _Region) -> np.ndarray:
    """Float estimate of argmax ‖A x‖ over the closed cone ∩ unit ball (untrusted: only a start for exact
    evaluation). The top eigenvector if it lies in the cone, else SLSQP from the cone's known point."""
    from scipy.optimize import minimize

    g = np.array([[float(v) for v in row] for row in region.gram])
    cons = np.array([[float(v) for v in f] for f in region.cone])
    top = np.linalg.eigh(g)[1][:, -1]
    for cand in (top, -top):
        if np.all(cons @ cand > 1e-12 * np.abs(cons).sum(axis=1)):
            return cand
    x0 = np.array([float(v) for v in region.point])
    x0 /= np.linalg.norm(x0)
    constraints = [{"type": "ineq", "fun": lambda x: 1.0 - x @ x, "jac": lambda x: -2.0 * x},
                   {"type": "ineq", "fun": lambda x: cons @ x, "jac": lambda x: cons}]
    res = minimize(lambda x: -(x @ g @ x), x0, jac=lambda x: -2.0 * (g @ x), constraints=constraints,
                   method="SLSQP", options={"maxiter": 200, "ftol": 1e-16})
    x = res.x if np.all(np.isfinite(res.x)) else x0
    return x / max(float(np.linalg.norm(x)), 1e-300)


def _scale_into_ball(x: Sequence[Fraction], err2: Fraction, need: Fraction | None = None
                     ) -> tuple[list[Fraction], Fraction]:
    """c·x with c ≤ 1/‖x‖ rational (so ‖c x‖ ≤ 1) and its exact squared error c²·err2 (homogeneity); c is
    within a relative 2^-64 of 1/‖x‖. With ``need``: also c²·err2 > need, which is possible whenever
    err2/‖x‖² > need (the precision is raised until it holds)."""
    n2 = _sq(x)
    bits = _SQRT_BITS + max((n2.numerator.bit_length() - n2.denominator.bit_length()) // 2, 0)
    while True:
        scale = 1 << bits
        c = Fraction(math.isqrt(scale * scale * n2.denominator // n2.numerator), scale)
        if need is None or c * c * err2 > need or bits > 8192:
            return [c * v for v in x], c * c * err2
        bits *= 2


class _Oracle:
    """Holds the cones, the best exact point found (lo2 = its squared error, witness = the point) and the
    per-cone proven bounds ub2; ``decide(b2)`` answers exactly whether some ‖x‖ ≤ 1 has error² > b2."""

    def __init__(self, target: Net, pruned: Net, regions: list[_Region], deadline: _Deadline,
                 method: str) -> None:
        self.target, self.pruned, self.regions, self.deadline = target, pruned, regions, deadline
        self.method = method
        self.d = len(target[0][0])
        self.lo2 = Fraction(0)
        self.witness: list[Fraction] | None = None
        self.cone_queries = 0
        for reg in regions:
            reg.ub2 = _spectral_ub2(reg.gram)

    def hi2(self) -> Fraction:
        return max((reg.ub2 for reg in self.regions), default=Fraction(0))

    def offer(self, x: Sequence[Fraction], need: Fraction | None = None) -> None:
        """Evaluate a rational point exactly in both networks (scaled into the ball); keep the best."""
        if any(x):
            err2 = error_sq(self.target, self.pruned, x)
            if err2 > 0:
                y, e2 = _scale_into_ball(x, err2, need)
                if e2 > self.lo2:
                    self.lo2, self.witness = e2, y

    def polish(self, reg: _Region) -> None:
        self.offer([Fraction(float(v)) for v in _region_numeric_max(reg)])

    def seed(self) -> None:
        """Lower bounds from every cone's known point, then numeric maxima of the cones that could beat them."""
        for reg in self.regions:
            self.offer(reg.point)
        for reg in sorted(self.regions, key=lambda r: r.ub2, reverse=True):
            if reg.ub2 > self.lo2:
                self.deadline.check("estimating the supremum")
                self.polish(reg)

    def decide(self, b2: Fraction) -> bool:
        """True iff some ‖x‖ ≤ 1 has ‖e(x)‖² > b2; then lo2 > b2 and ``witness`` is such a point.
        When False, every cone's ub2 is ≤ b2. Raises TimeoutError when out of time."""
        if self.lo2 > b2:
            return True
        for reg in sorted(self.regions, key=lambda r: r.ub2, reverse=True):
            if reg.ub2 <= b2:
                continue
            self.deadline.check("deciding a bound")
            if not _is_pd(_shifted(reg.gram, b2)):
                self.cone_queries += 1
                if self.method == "nlsat":
                    point = _nlsat_witness(reg, b2, self.d, self.deadline.left_ms())
                    if point is False:
                        raise TimeoutError("exact oracle: z3 nlsat did not decide a cone in time")
                else:
                    point = _cone_witness(reg, b2, self.d)
                if point is not None:
                    self.offer(point, need=b2)
                    if self.lo2 <= b2:
                        raise AssertionError("a cone witness did not exceed the bound when evaluated exactly")
                    self.polish(reg)
                    return True
            reg.ub2 = b2
        return False


# ---------------------------------------------------------------------------------------------------
# Entry point


def exact_check(target: list[list[list[Fraction]]], pruned: list[list[list[Fraction]]], bound: Fraction, *,
                rel_tol: Fraction = Fraction(1, 1000), timeout_s: float = 60, method: str = "cones") -> ExactResult:
    """Decide exactly whether ‖G̃(x) − F(x)‖₂ ≤ bound for all ‖x‖₂ ≤ 1, and bracket the true sup.

    ``sound`` is decided first (exact; TimeoutError if that alone exceeds ``timeout_s``), then the sup is
    narrowed by bisection until sup_upper ≤ sup_lower·(1 + rel_tol) or the time is up (the bracket is then
    wider but still valid). Raises ValueError for malformed input or input above the size limits.
    ``method`` picks the exact per-cone decision: "cones" (copositivity on simplicial pieces, default)
    or "nlsat" (z3 nonlinear arithmetic; slower, kept as an independent cross-check).

    >>> one = Fraction(1)
    >>> r = exact_check([[[one]]], [[[one], [-one]], [[one, -one]]], Fraction(0))  # σ(x) − σ(−x) = x
    >>> r.sound, r.sup_upper
    (True, Fraction(0, 1))
    """
    t0 = time.monotonic()
    bound = _as_fraction(bound, "bound")
    rel_tol = _as_fraction(rel_tol, "rel_tol")
    if bound < 0:
        raise ValueError(f"bound must be ≥ 0, got {bound}")
    if rel_tol <= 0:
        raise ValueError(f"rel_tol must be > 0, got {rel_tol}")
    if method not in ("cones", "nlsat"):
        raise ValueError(f"method must be 'cones' or 'nlsat', got {method!r}")
    for name, net in (("target", target), ("pruned", pruned)):  # before converting a large model
        if isinstance(net, Sequence) and net and isinstance(net[0], Sequence) and net[0] \
                and isinstance(net[0][0], Sequence) and len(net[0][0]) > MAX_INPUT_DIM:
            raise ValueError(f"{name}: input dimension {len(net[0][0])} is above the exact oracle's limit "
                             f"of {MAX_INPUT_DIM}")
    t_net, p_net = _validate(target, "target"), _validate(pruned, "pruned")
    t_net, p_net = _drop_dead(t_net), _drop_dead(p_net)
    _check_sizes(t_net, p_net)
    deadline = _Deadline(timeout_s)
    regions = _Enumerator(t_net, p_net, deadline).run()
    oracle = _Oracle(t_net, p_net, regions, deadline, method)
    oracle.seed()
    sound = not oracle.decide(bound * bound)  # exact: no rounding of the bound

    factor = (1 + rel_tol / 2) ** 2
    while not _close(oracle.lo2, oracle.hi2(), rel_tol):
        # aim just above the best lower end; rounding b² up to 40 bits keeps the numbers small
        b2 = _round_up(oracle.lo2 * factor) if oracle.lo2 else Fraction(0)
        try:
            if not oracle.decide(b2) and not _close(oracle.lo2, oracle.hi2(), rel_tol):
                break  # every cone is now below b2; only the dyadic rounding keeps the bracket open
        except TimeoutError:
            break

    lower, upper = _lower(oracle.lo2), _sqrt_up(oracle.hi2())
    return ExactResult(
        sound=sound, bound=bound, sup_lower=lower, sup_upper=upper,
        witness=oracle.witness, tightness=float(bound / upper) if upper else None,
        seconds=time.monotonic() - t0, regions=len(regions), cone_queries=oracle.cone_queries)


def _close(lo2: Fraction, hi2: Fraction, rel_tol: Fraction) -> bool:
    """sup_upper ≤ sup_lower·(1 + rel_tol) for the dyadic roundings reported."""
    if hi2 == 0:
        return True
    return _sqrt_up(hi2) <= _lower(lo2) * (1 + rel_tol)


def _round_up(q: Fraction, bits: int = 40) -> Fraction:
    """The dyadic rational ≥ q (q > 0) with about ``bits`` significant bits."""
    e = q.numerator.bit_length() - q.denominator.bit_length() - bits
    unit = Fraction(2) ** e
    return -(-q // unit) * unit


def _lower(lo2: Fraction) -> Fraction:
    """A dyadic rational strictly below √lo2 when lo2 > 0 (so the witness achieves more than it)."""
    r = _sqrt_down(lo2)
    return max(r - Fraction(1, _sqrt_scale(lo2)), Fraction(0)) if r * r == lo2 else r
