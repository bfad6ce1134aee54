"""Biases and domains other than the unit ball, by homogenisation.

Lifting. An affine network N(x) = W_L σ(⋯ σ(W_1 x + b_1)) + b_L on R^d becomes the bias-free network N′ on
R^{d+1} ∋ (x, t) whose layers are [W_i | b_i], every hidden layer with one more neuron, the carrier, that computes
t (σ(t) = t for t ≥ 0) and feeds the next layer's bias column. For t > 0, N′(x, t) = t·N(x/t). The activation
regions of N′ (both networks jointly; verify/exact/regions.py) within a pointed polyhedral cone K ⊂ {t ≥ 0} are
cones C_p on which e′ = G̃′ − F′ is linear; cut by t = 1 they are polyhedra P_p on which e = G̃ − F is affine,
and they cover K ∩ {t = 1}.

Boxes (``box_sup``). K = {(x, t) : t·lo ≤ x ≤ t·hi} is the cone over the box, pointed with K ∩ {t = 0} = {0},
so every extreme ray of every C_p has t > 0 and, scaled to t = 1, is a vertex of P_p (a polytope). ‖e‖² is convex
on P_p, so its max over P_p is attained at a vertex: the sup over the box is the max of ‖e(v)‖² over the finitely
many vertices v, each evaluated exactly in Fractions with the given networks. No copositivity, no rounding: the
sup is attained, at ``witness``. Coordinates with lo_j = hi_j are folded into the first layer's bias first
(K must be full-dimensional).

Balls with biases (``BallOracle``). The ball of radius r lies in the box [−r, r]^d; the regions of that box are
enumerated as above. On a region P_p the vertex max of ‖e‖² is a proven upper bound (P_p ∩ ball ⊆ P_p), and
vertices inside the ball give exact lower ends. Where a region's bound exceeds the bound b² in question, two exact
tests follow, in this order:

1. an S-lemma certificate, exact and self-contained: with e(x) = A′(x, 1) on P_p, if for some rational μ ≥ 0
   the form M_μ(z) = (b² − μr²)t² + μ‖x‖² − ‖A′z‖² is copositive on the closed cone C_p (z = (x, t); tested on
   its simplicial pieces with verify/exact/cones.py's Cottle–Habetler–Lemke test), then every x ∈ P_p with
   ‖x‖ ≤ r has ‖e(x)‖² ≤ b² − μ(r² − ‖x‖²) ≤ b². μ is guessed from the region's numeric maximiser (its KKT
   multiplier) and a few values around it; a wrong guess only costs the fallback;
2. otherwise z3's nonlinear real arithmetic (nlsat, a complete decision procedure in exact algebraic arithmetic)
   on "some x in the open region with ‖x‖ < r has ‖e(x)‖² > b²". The open sets suffice: the union of the open
   regions ∩ open ball is dense in the ball and e is continuous. A "sat" answer is turned into a rational point
   of the ball whose error, evaluated exactly, exceeds b² (or an AssertionError is raised).

Either "no" lowers the region's bound to b². So a "sound" answer rests on exact rational arithmetic and, for the
regions where no S-lemma certificate was found (typically those holding the maximum, when b is within a fraction
of a percent of the sup), on z3's unsat answers, as ``method="nlsat"`` does for bias-free networks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import z3

from verify.exact.arith import IMat, IVec, Matrix, idot, primitive, sq
from verify.exact.cones import not_copositive_witness, triangulate
from verify.exact.networks import AffineNet, Net, drop_dead_affine, error_sq
from verify.exact.regions import Deadline, Enumerator, Region

__all__ = ["BallOracle", "MAX_REGIONS", "ball_region_witness", "box_cone", "box_sup", "fold_fixed", "lift",
           "s_lemma_certificate"]

MAX_REGIONS = 20_000     # activation regions of a box or of a ball with biases; more raises ValueError


def lift(net: AffineNet) -> Net:
    """The bias-free network N′ on (x, t) with N′(x, t) = t·N(x/t) for t > 0 (carrier neuron last)."""
    out: Net = []
    for i, (w, b) in enumerate(net):
        rows = [[*row, bi] for row, bi in zip(w, b, strict=True)]
        if i < len(net) - 1:
            rows.append([Fraction(0)] * len(w[0]) + [Fraction(1)])
        out.append(rows)
    return out


def fold_fixed(net: AffineNet, fixed: dict[int, Fraction]) -> AffineNet:
    """The network of the remaining inputs when input j is fixed to ``fixed[j]`` (folded into layer 1's bias)."""
    (w, b), rest = net[0], net[1:]
    keep = [j for j in range(len(w[0])) if j not in fixed]
    b1 = [bi + sum((row[j] * v for j, v in fixed.items()), Fraction(0)) for row, bi in zip(w, b, strict=True)]
    return [([[row[j] for j in keep] for row in w], b1), *rest]


def box_cone(lo: Sequence[Fraction], hi: Sequence[Fraction]) -> tuple[list[IVec], list[IVec]]:
    """(facet normals, extreme rays) of K = {(x, t) : t·lo ≤ x ≤ t·hi}, integer vectors; lo < hi entrywise."""
    d = len(lo)
    unit = [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]
    facets = [primitive([*unit[j], -lo[j]]) for j in range(d)] + [primitive([*(-v for v in unit[j]), hi[j]])
                                                                    for j in range(d)]
    rays = [primitive([*v, Fraction(1)]) for v in itertools.product(*zip(lo, hi, strict=True))]
    return facets, rays


def _regions(target: AffineNet, pruned: AffineNet, lo: Sequence[Fraction], hi: Sequence[Fraction],
             deadline: Deadline) -> list[Region]:
    t, p = drop_dead_affine(target), drop_dead_affine(pruned)
    return Enumerator(lift(t), lift(p), deadline, start=box_cone(lo, hi), max_regions=MAX_REGIONS).run()


def _vertex(ray: IVec) -> list[Fraction]:
    if ray[-1] <= 0:
        raise AssertionError("a region of a bounded box has a ray with t ≤ 0")
    return [Fraction(v, ray[-1]) for v in ray[:-1]]


def box_sup(target: AffineNet, pruned: AffineNet, lo: list[Fraction], hi: list[Fraction], deadline: Deadline
            ) -> tuple[Fraction, list[Fraction], int, int]:
    """(max ‖e(x)‖² over the box, a point of the box attaining it, regions, vertices evaluated). Exact."""
    fixed = {j: lo[j] for j in range(len(lo)) if lo[j] == hi[j]}
    free = [j for j in range(len(lo)) if j not in fixed]
    if not free:
        return error_sq(target, pruned, lo), list(lo), 0, 1
    regions = _regions(fold_fixed(target, fixed), fold_fixed(pruned, fixed), [lo[j] for j in free],
                       [hi[j] for j in free], deadline)
    rays = list(dict.fromkeys(r for reg in regions for r in reg.rays))
    best2, best = Fraction(-1), list(lo)
    for n, ray in enumerate(rays):
        if n % 64 == 0:
            deadline.check("evaluating the vertices of the box's regions")
        x = list(lo)
        for j, v in zip(free, _vertex(ray), strict=True):
            x[j] = v
        e2 = error_sq(target, pruned, x)  # the given networks, not the lifted or folded ones
        if e2 > best2:
            best2, best = e2, x
    return best2, best, len(regions), len(rays)


# ---------------------------------------------------------------------------------------------------
# Balls with biases


def _ball_numeric_max(a: Matrix, cone: list[IVec], r: float, x0: Sequence[float]) -> np.ndarray:
    """Float estimate of argmax ‖A(x, 1)‖ over the closed region ∩ ball (untrusted: a start for exact evaluation)."""
    from scipy.optimize import minimize

    am = np.array([[float(v) for v in row] for row in a])
    g = np.array([[float(v) for v in f] for f in cone])
    a_x, a_t, g_x, g_t = am[:, :-1], am[:, -1], g[:, :-1], g[:, -1]
    constraints = [{"type": "ineq", "fun": lambda x: r * r - x @ x, "jac": lambda x: -2.0 * x},
                   {"type": "ineq", "fun": lambda x: g_x @ x + g_t, "jac": lambda x: g_x}]
    res = minimize(lambda x: -float(np.sum((a_x @ x + a_t) ** 2)), np.array(x0, dtype=float),
                   jac=lambda x: -2.0 * a_x.T @ (a_x @ x + a_t), constraints=constraints, method="SLSQP",
                   options={"maxiter": 200, "ftol": 1e-16})
    return res.x if np.all(np.isfinite(res.x)) else np.array(x0, dtype=float)


def _into_ball(x: Sequence[Fraction], r2: Fraction, bits: int = 64) -> list[Fraction]:
    """x itself if ‖x‖² ≤ r2, else c·x with c rational, c ≤ √(r2/‖x‖²), within a relative 2^-bits of it."""
    n2 = sq(x)
    if n2 <= r2:
        return list(x)
    q = r2 / n2
    scale = 1 << bits
    c = Fraction(math.isqrt(q.numerator * scale * scale // q.denominator), scale)
    return [c * v for v in x]


def _pieces(reg: Region, n: int) -> list[list[IVec]]:
    """The rays of each simplicial piece of the closed cone (cached on the region)."""
    if reg.pieces is None:
        reg.pieces = [[reg.rays[i] for i in piece]
                      for piece in triangulate(tuple(range(len(reg.rays))), n, reg.rays, reg.cone)]
    return reg.pieces


def s_lemma_certificate(reg: Region, r2: Fraction, b2: Fraction, mu: Fraction) -> bool:
    """True iff M_μ = (b2 − μ·r2)·E_tt + μ·I_x − A′ᵀA′ is copositive on the region's closed cone (exact), which
    proves ‖e(x)‖² ≤ b2 for every x of the closed region with ‖x‖² ≤ r2 (module docstring). μ ≥ 0."""
    n = len(reg.gram)
    m = [[-v + (mu if i == j < n - 1 else 0) + (b2 - mu * r2 if i == j == n - 1 else 0) for j, v in enumerate(row)]
         for i, row in enumerate(reg.gram)]
    den = math.lcm(*(v.denominator for row in m for v in row))
    mi: IMat = [[int(v * den) for v in row] for row in m]
    for rs in _pieces(reg, n):
        mr = [[idot(row, r) for row in mi] for r in rs]  # (M R)ᵀ, row per ray
        if not_copositive_witness([[idot(ri, mrj) for mrj in mr] for ri in rs]) is not None:
            return False
    return True


def _mu_guesses(reg: Region, x: np.ndarray) -> list[Fraction]:
    """Candidate multipliers μ for ``s_lemma_certificate``, from the numeric maximiser x of ‖A′(x, 1)‖² over the
    region ∩ ball: the KKT multiplier of the sphere (non-negative least squares with the active facets), small
    relative changes of it, then a coarse grid on [0, 2 λ_max(A′ₓᵀA′ₓ)]."""
    from scipy.optimize import nnls

    am = np.array([[float(v) for v in row] for row in reg.a])
    g = np.array([[float(v) for v in f] for f in reg.cone])
    a_x, a_t, g_x, g_t = am[:, :-1], am[:, -1], g[:, :-1], g[:, -1]
    grad = 2.0 * a_x.T @ (a_x @ x + a_t)
    active = [k for k in range(len(g)) if abs(g_x[k] @ x + g_t[k]) <= 1e-7 * float(np.linalg.norm(g[k]))]
    base = []
    if float(x @ x) > 0:
        sol, _ = nnls(np.column_stack([2.0 * x] + [-g_x[k] for k in active]), grad)
        base = [float(sol[0]), max(0.0, float(grad @ x) / (2.0 * float(x @ x)))]
    lam = float(np.linalg.eigvalsh(a_x.T @ a_x)[-1]) if a_x.size else 0.0
    cands = [m * (1 + k) for m in base for k in (0, 1e-6, -1e-6, 1e-4, -1e-4, 1e-3, -1e-3, 1e-2, -1e-2, 3e-2, 0.1)]
    cands += list(np.linspace(0.0, 2.0 * lam, 17))
    out = []
    for c in cands:
        if math.isfinite(c) and c >= 0:
            f = Fraction(c).limit_denominator(1 << 40)
            if f not in out:
                out.append(f)
    return out


def _z3_int_linear(coef: Sequence[int], x: list[z3.ArithRef], const: int, ctx: z3.Context) -> z3.ArithRef:
    terms = [xj * int(v) for v, xj in zip(coef, x, strict=True) if v]
    if const:
        terms.append(z3.RealVal(int(const), ctx))
    return z3.Sum(terms) if terms else z3.RealVal(0, ctx)


def ball_region_witness(reg: Region, r2: Fraction, b2: Fraction, d: int, timeout_ms: int
                        ) -> list[z3.ArithRef] | None | bool:
    """z3 nlsat on: x in the open region, ‖x‖² < r2, ‖A(x, 1)‖² > b2 (integer coefficients only). The model's
    values (rational or algebraic), None when there is no such x, False when z3 gave up."""
    ctx = z3.Context()
    x = [z3.Real(f"x{j}", ctx) for j in range(d)]
    solver = z3.SolverFor("QF_NRA", ctx=ctx)
    solver.set("timeout", timeout_ms)
    solver.add(*[_z3_int_linear(g[:-1], x, g[-1], ctx) > 0 for g in reg.cone])
    solver.add(z3.Sum([xj * xj for xj in x]) * r2.denominator < r2.numerator)
    den = math.lcm(*(v.denominator for row in reg.a for v in row))
    lins = [_z3_int_linear([int(v * den) for v in row[:-1]], x, int(row[-1] * den), ctx) for row in reg.a]
    lhs = z3.Sum([t * t for t in lins]) if lins else z3.RealVal(0, ctx)
    solver.add(lhs * b2.denominator > b2.numerator * den * den)
    res = solver.check()
    if res != z3.sat:
        return None if res == z3.unsat else False
    model = solver.model()
    return [model.eval(xj, model_completion=True) for xj in x]


def _rational_points(vals: list[z3.ArithRef]):
    """Rational approximations of z3 model values, ever finer (exact when the values are rational)."""
    if all(z3.is_rational_value(v) for v in vals):
        yield [Fraction(v.as_fraction()) for v in vals]
        return
    for digits in (20, 40, 80, 160, 320):
        yield [Fraction(v.as_fraction()) if z3.is_rational_value(v) else Fraction(v.approx(digits).as_fraction())
               for v in vals]


class BallOracle:
    """``verify.exact.oracle.Oracle``'s interface (lo2, witness, hi2(), decide(b2), seed(), cone_queries) for
    affine networks on the ball of radius r (see the module docstring). ``certificates``: try the S-lemma
    certificate before z3 (default); False leaves every such region to z3 (an independent cross-check)."""

    def __init__(self, target: AffineNet, pruned: AffineNet, radius: Fraction, deadline: Deadline,
                 certificates: bool = True) -> None:
        self.target, self.pruned, self.deadline = target, pruned, deadline
        self.certificates = certificates  # False: z3 alone decides the regions beyond their vertex bounds
        self.d = len(target[0][0][0])
        self.r2 = radius * radius
        self.radius = radius
        self.regions = _regions(target, pruned, [-radius] * self.d, [radius] * self.d, deadline)
        self.lo2 = Fraction(0)
        self.witness: list[Fraction] | None = None
        self.cone_queries = 0    # regions that needed a decision beyond their vertex bound
        self.z3_queries = 0      # of those, the regions that needed z3 (no S-lemma certificate found)
        self.argmax: dict[int, np.ndarray] = {}
        values: dict[IVec, Fraction] = {}
        for reg in self.regions:
            deadline.check("evaluating region vertices")
            for ray in reg.rays:
                if ray not in values:
                    v = _vertex(ray)
                    values[ray] = error_sq(target, pruned, v)
                    if sq(v) <= self.r2:
                        self._keep(v, values[ray])
            reg.ub2 = max(values[ray] for ray in reg.rays)  # proven: P ∩ ball ⊆ P, ‖e‖² convex on P

    def hi2(self) -> Fraction:
        return max((reg.ub2 for reg in self.regions), default=Fraction(0))

    def _keep(self, x: list[Fraction], e2: Fraction) -> None:
        if e2 > self.lo2:
            self.lo2, self.witness = e2, x

    def offer(self, x: Sequence[Fraction]) -> Fraction:
        """Evaluate a rational point (pulled into the ball if outside) exactly; keep the best. Its error²."""
        y = _into_ball(x, self.r2)
        e2 = error_sq(self.target, self.pruned, y)
        self._keep(y, e2)
        return e2

    def polish(self, reg: Region, start: Sequence[Fraction]) -> np.ndarray:
        """A numeric maximiser of the region from ``start`` (offered exactly, kept for the μ guesses)."""
        x = _ball_numeric_max(reg.a, reg.cone, float(self.radius), [float(v) for v in start])
        self.offer([Fraction(float(v)) for v in x])
        self.argmax[id(reg)] = x
        return x

    def _start(self, reg: Region) -> list[Fraction]:
        inner = [v / reg.point[-1] for v in reg.point[:-1]]  # Σ rays: inside the region
        return _into_ball(inner, self.r2)

    def seed(self) -> None:
        """Numeric maxima (exactly evaluated) of the regions whose bound could beat the best point."""
        for reg in sorted(self.regions, key=lambda r: r.ub2, reverse=True):
            if reg.ub2 > self.lo2:
                self.deadline.check("estimating the supremum")
                self.polish(reg, self._start(reg))

    def certified(self, reg: Region, b2: Fraction) -> bool:
        """An S-lemma certificate that the region ∩ ball has ‖e‖² ≤ b2 (exact; False: none found)."""
        x = self.argmax.get(id(reg))
        if x is None:
            x = self.polish(reg, self._start(reg))
        for mu in _mu_guesses(reg, x):
            self.deadline.check("deciding a bound")
            if s_lemma_certificate(reg, self.r2, b2, mu):
                return True
        return False

    def decide(self, b2: Fraction) -> bool:
        """True iff some ‖x‖ ≤ r has ‖e(x)‖² > b2; then lo2 > b2 and ``witness`` is such a point. When False,
        every region's ub2 is ≤ b2. Raises TimeoutError when out of time."""
        if self.lo2 > b2:
            return True
        for reg in sorted(self.regions, key=lambda r: r.ub2, reverse=True):
            if reg.ub2 <= b2:
                continue
            self.deadline.check("deciding a bound")
            self.cone_queries += 1
            if self.certificates and self.certified(reg, b2):
                reg.ub2 = b2
                continue
            self.z3_queries += 1
            vals = ball_region_witness(reg, self.r2, b2, self.d, self.deadline.left_ms())
            if vals is False:
                raise TimeoutError("exact oracle: z3 nlsat did not decide a region in time")
            if vals is None:
                reg.ub2 = b2
                continue
            for x in _rational_points(vals):
                if sq(x) <= self.r2 and error_sq(self.target, self.pruned, x) > b2:
                    self._keep(x, error_sq(self.target, self.pruned, x))
                    break
            if self.lo2 <= b2:
                raise AssertionError("a z3 witness did not exceed the bound when evaluated exactly")
            self.polish(reg, self.witness)
            return True
        return False
