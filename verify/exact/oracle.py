"""The search over all cones: the best exact point found so far (a lower end for the sup), proven per-cone upper
bounds, and the exact decision whether some ‖x‖ ≤ 1 has error > b.

Cheap exact shortcuts come first: b² I − AᵀA positive definite (rational LDLᵀ) means no for that cone; a known
point with error > b means yes. Only the remaining cones get the exact per-cone decision of ``cones``. Floating
point is used only to propose points (``region_numeric_max``), which are then evaluated exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from verify.exact.arith import SQRT_BITS, is_pd, shifted, sq
from verify.exact.cones import cone_witness, nlsat_witness, spectral_ub2
from verify.exact.networks import Net, error_sq
from verify.exact.regions import Deadline, Region

__all__ = ["Oracle", "region_numeric_max", "scale_into_ball"]


def region_numeric_max(region: Region) -> np.ndarray:
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


def scale_into_ball(x: Sequence[Fraction], err2: Fraction, need: Fraction | None = None
                    ) -> tuple[list[Fraction], Fraction]:
    """c·x with c ≤ 1/‖x‖ rational (so ‖c x‖ ≤ 1) and its exact squared error c²·err2 (homogeneity); c is
    within a relative 2^-64 of 1/‖x‖. With ``need``: also c²·err2 > need, which is possible whenever
    err2/‖x‖² > need (the precision is raised until it holds)."""
    n2 = sq(x)
    bits = SQRT_BITS + max((n2.numerator.bit_length() - n2.denominator.bit_length()) // 2, 0)
    while True:
        scale = 1 << bits
        c = Fraction(math.isqrt(scale * scale * n2.denominator // n2.numerator), scale)
        if need is None or c * c * err2 > need or bits > 8192:
            return [c * v for v in x], c * c * err2
        bits *= 2


class Oracle:
    """Holds the cones, the best exact point found (lo2 = its squared error, witness = the point) and the
    per-cone proven bounds ub2; ``decide(b2)`` answers exactly whether some ‖x‖ ≤ 1 has error² > b2.
    ``method`` picks the per-cone decision: "cones" (copositivity) or "nlsat" (z3)."""

    def __init__(self, target: Net, pruned: Net, regions: list[Region], deadline: Deadline,
                 method: str) -> None:
        self.target, self.pruned, self.regions, self.deadline = target, pruned, regions, deadline
        self.method = method
        self.d = len(target[0][0])
        self.lo2 = Fraction(0)
        self.witness: list[Fraction] | None = None
        self.cone_queries = 0
        for reg in regions:
            reg.ub2 = spectral_ub2(reg.gram)

    def hi2(self) -> Fraction:
        return max((reg.ub2 for reg in self.regions), default=Fraction(0))

    def offer(self, x: Sequence[Fraction], need: Fraction | None = None) -> None:
        """Evaluate a rational point exactly in both networks (scaled into the ball); keep the best."""
        if any(x):
            err2 = error_sq(self.target, self.pruned, x)
            if err2 > 0:
                y, e2 = scale_into_ball(x, err2, need)
                if e2 > self.lo2:
                    self.lo2, self.witness = e2, y

    def polish(self, reg: Region) -> None:
        self.offer([Fraction(float(v)) for v in region_numeric_max(reg)])

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
            if not is_pd(shifted(reg.gram, b2)):
                self.cone_queries += 1
                if self.method == "nlsat":
                    point = nlsat_witness(reg, b2, self.d, self.deadline.left_ms())
                    if point is False:
                        raise TimeoutError("exact oracle: z3 nlsat did not decide a cone in time")
                else:
                    point = cone_witness(reg, b2, self.d)
                if point is not None:
                    self.offer(point, need=b2)
                    if self.lo2 <= b2:
                        raise AssertionError("a cone witness did not exceed the bound when evaluated exactly")
                    self.polish(reg)
                    return True
            reg.ub2 = b2
        return False
