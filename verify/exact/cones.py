"""One cone: a proven upper bound on ‖A x‖/‖x‖ and the exact decision whether some x in it has ‖A x‖ > b‖x‖.

The closed cone (pointed, since it lies in an orthant) is cut into simplicial cones spanned by its extreme rays R,
and on each the question becomes whether λᵀNλ > 0 for some λ ≥ 0, N = Rᵀ(AᵀA − b²I)R, i.e. whether −N fails to be
copositive. For these small matrices copositivity has a finite rational test (Cottle, Habetler & Lemke 1970,
Thm 3.1: if every principal submatrix of order n−1 of a symmetric A is copositive, then A is not copositive iff
A⁻¹ exists and A⁻¹ ≤ 0 entrywise), applied recursively; a failure comes with a rational λ = −A⁻¹1, hence a
rational witness x = Rλ. A second, independent exact method (``nlsat_witness``: z3's complete nonlinear real
arithmetic on the same question) is kept for cross-checking.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import z3

from verify.exact.arith import IMat, IVec, Matrix, det, idot, is_pd, rank, shifted
from verify.exact.regions import Region

__all__ = ["cone_witness", "nlsat_witness", "not_copositive_witness", "simplices", "spectral_ub2", "triangulate"]


def not_copositive_witness(a: IMat) -> list[int] | None:
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
            dt = det(sub)
            if dt:
                s = 1 if dt > 0 else -1
                m = len(idx)  # adj[r][c] = (−1)^{r+c} · det(sub without row c and column r)
                adj = [[(-1) ** (r + c) * det([row[:r] + row[r + 1:] for k2, row in enumerate(sub) if k2 != c])
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


def spectral_ub2(gram: Matrix) -> Fraction:
    """A proven c ≥ λ_max(AᵀA) = max ‖A x‖²/‖x‖²: a float eigenvalue estimate, enlarged until c·I − AᵀA is
    positive definite in exact arithmetic; the trace (≥ λ_max) if that never happens."""
    trace = sum((gram[i][i] for i in range(len(gram))), Fraction(0))
    if trace == 0:
        return Fraction(0)
    lam = float(np.linalg.eigvalsh(np.array([[float(v) for v in row] for row in gram]))[-1])
    for rel in (2.0 ** -40, 2.0 ** -20, 2.0 ** -8):
        c = Fraction(max(lam, 0.0)) * (1 + Fraction(rel)) + trace * Fraction(rel)
        if c < trace and is_pd(shifted(gram, c)):
            return c
    return trace


def triangulate(face: tuple[int, ...], dim: int, rays: list[IVec], cons: list[IVec]) -> list[tuple[int, ...]]:
    """Pulling triangulation: a face of dimension ``dim`` with rays ``face`` is the union of the cones
    from its first ray over its facets that miss that ray; recurse until the pieces are simplicial."""
    if len(face) == dim:
        return [face]
    apex, out, seen = face[0], [], set()
    for g in cons:
        sub = tuple(i for i in face if idot(g, rays[i]) == 0)
        if apex in sub or sub in seen or len(sub) < dim - 1 or rank([rays[i] for i in sub]) != dim - 1:
            continue
        seen.add(sub)
        out += [(apex, *piece) for piece in triangulate(sub, dim - 1, rays, cons)]
    return out


def simplices(reg: Region, d: int) -> list[tuple[IMat, IMat, list[IVec]]]:
    """Per simplicial piece with integer rays R: (Rᵀ(D·G)R, RᵀR, R) where D·G = ``reg.gram_int``; cached."""
    if reg.simplices is None:
        reg.simplices = []
        for piece in triangulate(tuple(range(len(reg.rays))), d, reg.rays, reg.cone):
            rs = [reg.rays[i] for i in piece]
            grs = [[idot(row, r) for row in reg.gram_int] for r in rs]
            reg.simplices.append(([[idot(gi, rj) for rj in rs] for gi in grs],
                                  [[idot(ri, rj) for rj in rs] for ri in rs], rs))
    return reg.simplices


def cone_witness(reg: Region, b2: Fraction, d: int) -> list[Fraction] | None:
    """A rational x in the closed cone with ‖A x‖² > b2 ‖x‖², or None if there is none (exact).

    On a piece x = Rλ, λ ≥ 0: ‖A x‖² − b2‖x‖² = λᵀNλ with N = Rᵀ(G − b2 I)R, and q·D·N = q·Rᵀ(DG)R − p·D·RᵀR
    for b2 = p/q is an integer matrix with the same signs; a witness exists iff −N is not copositive."""
    p, q = b2.numerator, b2.denominator
    for rgr, rr, rs in simplices(reg, d):
        neg = [[p * reg.gram_den * v - q * w for v, w in zip(r1, r2, strict=True)]
               for r1, r2 in zip(rr, rgr, strict=True)]
        lam = not_copositive_witness(neg)
        if lam is not None:
            return [Fraction(sum(lam[i] * rs[i][j] for i in range(len(rs)))) for j in range(d)]
    return None


def _linear_z3(g: Sequence[int], x: list[z3.ArithRef]) -> z3.ArithRef:
    """The z3 term Σ g_j x_j with exact integer coefficients (never z3 RealVal(float))."""
    terms = [xj * int(v) for v, xj in zip(g, x, strict=True) if v]
    return z3.Sum(terms) if terms else z3.RealVal(0, x[0].ctx)


def nlsat_witness(reg: Region, b2: Fraction, d: int, timeout_ms: int) -> list[Fraction] | None | bool:
    """Same question by z3's complete nonlinear arithmetic (independent cross-check): a point, None
    (no point), or False when z3 gave up. Algebraic model values are rounded; the caller re-checks."""
    ctx = z3.Context()
    x = [z3.Real(f"x{j}", ctx) for j in range(d)]
    solver = z3.SolverFor("QF_NRA", ctx=ctx)
    solver.set("timeout", timeout_ms)
    solver.add(*[_linear_z3(g, x) > 0 for g in reg.cone])
    m = shifted(reg.gram, b2)  # b2·I − AᵀA; we ask for xᵀ m x < 0, scaled to integer coefficients
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
