"""Exact oracle for tiny networks: decide sup_{‖x‖₂ ≤ 1} ‖G̃(x) − F(x)‖₂ ≤ b in rational arithmetic.

F(x) = W_L σ(⋯ σ(W_1 x)) and G̃(x) = M_K σ(⋯ σ(M_1 x)) (DESIGN.md §1; no ReLU after the last layer)
are given as lists of weight matrices of ``fractions.Fraction`` (PyTorch (out, in) convention), e.g. the
exact values of stored floats. Nothing here rounds: the answer is about the real-arithmetic functions.

Method (activation regions). Both networks are positively homogeneous and piecewise linear, so

    sup_{‖x‖≤1} ‖e(x)‖ = max_p  max { ‖A_p x‖ : x ∈ C_p, ‖x‖ ≤ 1 },    e = G̃ − F,

where p runs over the joint activation patterns whose open cone C_p = {x : s_i ℓ_i·x > 0} is non-empty
and e(x) = A_p x on C_p. Every x off the finitely many hyperplanes ℓ_i·x = 0 lies in one such cone,
and e is continuous, so the open cones suffice. Patterns are enumerated depth-first, one neuron at a
time; a branch is kept only if its strict linear system is feasible (z3 linear real arithmetic, exact).
A neuron whose pre-activation form is identically zero is simply off.

Per cone, "some x ∈ C_p has ‖A_p x‖ > b‖x‖" is the question ∃x: s_i ℓ_i·x > 0 ∧ xᵀ(A_pᵀA_p − b² I)x > 0,
a linear-plus-one-quadratic problem that z3's complete nonlinear arithmetic (nlsat) decides exactly.
Cheap exact shortcuts answer most cones first: b² I − A_pᵀA_p positive definite (rational LDLᵀ) means
no, and a known point of the cone with error > b means yes. The supremum is bracketed by bisection on b:
lower ends are exact errors at rational points of the ball, upper ends are decided "no" answers.

Size limits (``MAX_*``) keep the enumeration small; larger inputs raise ``ValueError``.
"""

from __future__ import annotations

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

MAX_INPUT_DIM = 4
MAX_KEPT_WEIGHTS = 96      # nonzero weights of each network, after removing dead neurons
MAX_HIDDEN_NEURONS = 40    # hidden neurons of both networks together, after removing dead neurons
_SQRT_BITS = 64            # sup_lower / sup_upper are dyadic with this many fractional bits

Matrix = list[list[Fraction]]
Net = list[Matrix]
Form = tuple[Fraction, ...]  # a linear form ℓ, meaning x ↦ Σ_j ℓ_j x_j


@dataclass(frozen=True)
class ExactResult:
    """Outcome of ``exact_check``.

    sound      True iff ‖G̃(x) − F(x)‖₂ ≤ bound for every ‖x‖₂ ≤ 1 (decided exactly).
    sup_lower  ≤ the true sup; attained up to 2^-64 by ``witness`` (‖witness‖₂ ≤ 1, error checked in Fractions).
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
    regions: int = 0
    nonlinear_queries: int = 0


# ---------------------------------------------------------------------------------------------------
# Exact evaluation


def evaluate(net: Sequence[Sequence[Sequence[Fraction]]], x: Sequence[Fraction]) -> list[Fraction]:
    """net(x) in exact arithmetic: ReLU after every layer but the last (DESIGN.md §1)."""
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


def _sqrt_down(q: Fraction) -> Fraction:
    """A dyadic rational r with 0 ≤ r ≤ √q."""
    scale = 1 << _SQRT_BITS
    return Fraction(math.isqrt(q.numerator * scale * scale // q.denominator), scale)


def _sqrt_up(q: Fraction) -> Fraction:
    """A dyadic rational r with r ≥ √q."""
    scale = 1 << _SQRT_BITS
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
# Activation regions


def _dot(form: Form, x: Sequence[Fraction]) -> Fraction:
    return sum((a * b for a, b in zip(form, x, strict=True) if a), Fraction(0))


def _combine(row: Sequence[Fraction], forms: Sequence[Form], d: int) -> Form:
    """Σ_c row[c]·forms[c], a linear form (one row of W times the previous layer's forms)."""
    acc = [Fraction(0)] * d
    for w, f in zip(row, forms, strict=True):
        if w:
            for j, v in enumerate(f):
                if v:
                    acc[j] += w * v
    return tuple(acc)


def _canonical(form: Form) -> tuple[Form, int]:
    """(form / |first nonzero entry|, sign of that entry): two forms with the same key are positive
    multiples of each other up to the returned signs."""
    lead = next(v for v in form if v)
    return tuple(v / abs(lead) for v in form), (1 if lead > 0 else -1)


@dataclass
class _Region:
    """One open cone C_p = {x : g·x > 0 for g in cone} on which G̃(x) − F(x) = A x; ``gram`` = AᵀA."""

    cone: list[Form]
    a: Matrix
    gram: Matrix
    point: list[Fraction]      # a rational point of C_p
    ub2: Fraction = Fraction(0)  # proven: ‖A x‖² ≤ ub2 ‖x‖² on C_p


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left_ms(self) -> int:
        return max(1, int((self.end - time.monotonic()) * 1000))

    def check(self, what: str) -> None:
        if time.monotonic() > self.end:
            raise TimeoutError(f"exact oracle: time limit reached while {what}")


class _Enumerator:
    """Depth-first enumeration of the non-empty open activation cones of F and G̃ jointly. Each branch
    adds one strict linear constraint; feasibility is decided exactly (a known interior point, a known
    parallel constraint, or z3 linear real arithmetic)."""

    def __init__(self, target: Net, pruned: Net, deadline: _Deadline) -> None:
        self.nets = (target, pruned)
        self.d = len(target[0][0])
        self.deadline = deadline
        self.ctx = z3.Context()
        self.x = [z3.Real(f"x{j}", self.ctx) for j in range(self.d)]
        self.solver = z3.SolverFor("QF_LRA", ctx=self.ctx)
        self.stages = [(k, i) for k, net in enumerate(self.nets) for i in range(len(net) - 1)]
        self.regions: list[_Region] = []
        self.lp_queries = 0

    def run(self) -> list[_Region]:
        ident = [tuple(Fraction(int(i == j)) for j in range(self.d)) for i in range(self.d)]
        start = [Fraction(1, 1 + 2 * j) for j in range(self.d)]  # a generic interior point of R^d
        self._stage(0, [ident, ident], [], {}, start)
        return self.regions

    def _z3(self, g: Form) -> z3.BoolRef:
        return z3.Sum([z3.Q(v.numerator, v.denominator, self.ctx) * xj for v, xj in zip(g, self.x, strict=True)
                       if v] or [z3.RealVal(0, self.ctx)]) > 0

    def _stage(self, s: int, acts: list[list[Form]], cone: list[Form], known: dict, point: list[Fraction]) -> None:
        if s == len(self.stages):
            self._leaf(acts, cone, point)
            return
        k, i = self.stages[s]
        pre = [_combine(row, acts[k], self.d) for row in self.nets[k][i]]
        self._neuron(s, pre, 0, [], acts, cone, known, point)

    def _neuron(self, s: int, pre: list[Form], r: int, out: list[Form], acts: list[list[Form]],
                cone: list[Form], known: dict, point: list[Fraction]) -> None:
        if r == len(pre):
            k = self.stages[s][0]
            nxt = list(acts)
            nxt[k] = out
            self._stage(s + 1, nxt, cone, known, point)
            return
        self.deadline.check("enumerating activation regions")
        form = pre[r]
        zero = tuple(Fraction(0) for _ in form)
        if not any(form):  # pre-activation ≡ 0 on this cone: the neuron is off either way
            self._neuron(s, pre, r + 1, [*out, zero], acts, cone, known, point)
            return
        key, lead = _canonical(form)
        for sign in (1, -1):  # on: form·x > 0, off: form·x < 0
            g = form if sign == 1 else tuple(-v for v in form)
            child_out = [*out, form if sign == 1 else zero]
            if key in known:  # a positive multiple of ±form is already constrained: the sign is forced
                if known[key] * lead == sign:
                    self._neuron(s, pre, r + 1, child_out, acts, cone, known, point)
                continue
            new_point = point if _dot(g, point) > 0 else self._feasible(g)
            if new_point is None:
                continue
            self.solver.push()
            self.solver.add(self._z3(g))
            self._neuron(s, pre, r + 1, child_out, acts, [*cone, g], {**known, key: sign * lead}, new_point)
            self.solver.pop()

    def _feasible(self, g: Form) -> list[Fraction] | None:
        """A rational point of the current cone with g·x > 0, or None if there is none (exact LRA)."""
        self.lp_queries += 1
        self.solver.push()
        self.solver.add(self._z3(g))
        self.solver.set("timeout", self.deadline.left_ms())
        res = self.solver.check()
        point = None
        if res == z3.sat:
            m = self.solver.model()
            point = [Fraction(m.eval(xj, model_completion=True).as_fraction()) for xj in self.x]
        self.solver.pop()
        if res == z3.unknown:
            raise TimeoutError("exact oracle: linear feasibility check did not finish")
        return point

    def _leaf(self, acts: list[list[Form]], cone: list[Form], point: list[Fraction]) -> None:
        outs = [[_combine(row, acts[k], self.d) for row in self.nets[k][-1]] for k in (0, 1)]
        a = [[g - f for g, f in zip(rg, rf, strict=True)] for rf, rg in zip(outs[0], outs[1], strict=True)]
        gram = [[sum((row[i] * row[j] for row in a), Fraction(0)) for j in range(self.d)] for i in range(self.d)]
        self.regions.append(_Region(cone, a, gram, point))


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


def _region_numeric_max(region: _Region) -> np.ndarray:
    """Float estimate of argmax ‖A x‖ over the closed cone ∩ unit ball (untrusted: a start for exact
    evaluation). The top eigenvector if it lies in the cone, else SLSQP from the cone's known point."""
    from scipy.optimize import minimize

    g = np.array([[float(v) for v in row] for row in region.gram])
    cons = np.array([[float(v) for v in f] for f in region.cone]) if region.cone else np.zeros((0, len(g)))
    _, vecs = np.linalg.eigh(g)
    top = vecs[:, -1]
    for cand in (top, -top):
        if cons.size == 0 or np.all(cons @ cand > 1e-12 * np.abs(cons).sum(axis=1)):
            return cand
    x0 = np.array([float(v) for v in region.point])
    x0 /= np.linalg.norm(x0)
    constraints = [{"type": "ineq", "fun": lambda x: 1.0 - x @ x, "jac": lambda x: -2.0 * x}]
    if cons.size:
        constraints.append({"type": "ineq", "fun": lambda x: cons @ x, "jac": lambda x: cons})
    res = minimize(lambda x: -(x @ g @ x), x0, jac=lambda x: -2.0 * (g @ x), constraints=constraints,
                   method="SLSQP", options={"maxiter": 200, "ftol": 1e-16})
    x = res.x if np.all(np.isfinite(res.x)) else x0
    return x / max(np.linalg.norm(x), 1e-300)


def _scale_into_ball(x: Sequence[Fraction], err2: Fraction, need: Fraction | None = None
                     ) -> tuple[list[Fraction], Fraction]:
    """c·x with c ≤ 1/‖x‖ rational (so ‖c x‖ ≤ 1) and its exact squared error c²·err2 (homogeneity).
    With ``need``: also c²·err2 > need, which is possible whenever err2/‖x‖² > need."""
    n2 = _sq(x)
    bits = _SQRT_BITS
    while True:
        scale = 1 << bits
        c = Fraction(math.isqrt(scale * scale * n2.denominator // n2.numerator), scale)
        if need is None or c * c * err2 > need or bits > 4096:
            return [c * v for v in x], c * c * err2
        bits *= 2


class _Oracle:
    """Holds the cones, the best exact point found (lo2 = its squared error) and the per-cone proven
    upper bounds; ``decide(b2)`` answers exactly whether some ‖x‖ ≤ 1 has squared error > b2."""

    def __init__(self, target: Net, pruned: Net, regions: list[_Region], deadline: _Deadline) -> None:
        self.target, self.pruned, self.regions, self.deadline = target, pruned, regions, deadline
        self.lo2 = Fraction(0)
        self.witness: list[Fraction] | None = None
        self.nl_queries = 0
        for reg in regions:
            reg.ub2 = _spectral_ub2(reg.gram)

    def hi2(self) -> Fraction:
        return max((reg.ub2 for reg in self.regions), default=Fraction(0))

    def offer(self, x: Sequence[Fraction], need: Fraction | None = None) -> bool:
        """Evaluate a rational point exactly (scaled into the ball); keep it if it beats lo2."""
        if not any(x):
            return False
        err2 = error_sq(self.target, self.pruned, x)
        if err2 == 0:
            return False
        y, e2 = _scale_into_ball(x, err2, need)
        if e2 > self.lo2:
            self.lo2, self.witness = e2, y
            return True
        return False

    def polish(self, reg: _Region) -> None:
        self.offer([Fraction(float(v)) for v in _region_numeric_max(reg)])

    def seed(self) -> None:
        """Lower bounds from every cone's known point, then numeric maxima of the cones that could beat them."""
        for reg in self.regions:
            self.offer(reg.point)
        for reg in sorted(self.regions, key=lambda r: r.ub2, reverse=True):
            if reg.ub2 > self.lo2:
                self.polish(reg)

    def decide(self, b2: Fraction) -> bool | None:
        """True: some ‖x‖ ≤ 1 has ‖e(x)‖² > b2 (then lo2 > b2). False: none (then every ub2 ≤ b2 ... or was).
        None: z3 ran out of time."""
        if self.lo2 > b2:
            return True
        for reg in sorted(self.regions, key=lambda r: r.ub2, reverse=True):
            if reg.ub2 <= b2:
                continue
            self.deadline.check("deciding a bound")
            if _is_pd(_shifted(reg.gram, b2)):
                reg.ub2 = b2
                continue
            found = self._nonlinear(reg, b2)
            if found is None:
                return None
            if found:
                return True
            reg.ub2 = b2
        return False

    def _nonlinear(self, reg: _Region, b2: Fraction) -> bool | None:
        """∃x: g·x > 0 (g ∈ cone) ∧ xᵀ(AᵀA − b2·I)x > 0, by z3's complete nonlinear real arithmetic."""
        self.nl_queries += 1
        ctx = z3.Context()
        x = [z3.Real(f"x{j}", ctx) for j in range(len(reg.gram))]

        def q(v: Fraction) -> z3.ArithRef:
            return z3.Q(v.numerator, v.denominator, ctx)

        solver = z3.SolverFor("QF_NRA", ctx=ctx)
        solver.set("timeout", self.deadline.left_ms())
        for g in reg.cone:
            solver.add(z3.Sum([q(v) * xj for v, xj in zip(g, x, strict=True) if v] or [q(Fraction(0))]) > 0)
        m = _shifted(reg.gram, b2)  # b2·I − AᵀA; we ask for xᵀ m x < 0
        terms = [q(m[i][j] if i == j else 2 * m[i][j]) * x[i] * x[j]
                 for i in range(len(m)) for j in range(i, len(m)) if m[i][j]]
        solver.add(z3.Sum(terms or [q(Fraction(0))]) < 0)
        res = solver.check()
        if res == z3.unknown:
            return None
        if res == z3.unsat:
            return False
        model = solver.model()
        for digits in (30, 60, 120, 240):
            point = []
            for xj in x:
                v = model.eval(xj, model_completion=True)
                point.append(Fraction(v.as_fraction()) if z3.is_rational_value(v)
                             else Fraction(v.approx(digits).as_fraction()))
            self.offer(point, need=b2)
            if self.lo2 > b2:
                break
        if self.lo2 <= b2:  # only possible if an algebraic model could not be rounded: should not happen
            return None
        self.polish(reg)
        return True


# ---------------------------------------------------------------------------------------------------
# Entry point


def exact_check(target: list[list[list[Fraction]]], pruned: list[list[list[Fraction]]], bound: Fraction, *,
                rel_tol: Fraction = Fraction(1, 1000), timeout_s: float = 60) -> ExactResult:
    """Decide exactly whether ‖G̃(x) − F(x)‖₂ ≤ bound for all ‖x‖₂ ≤ 1, and bracket the true sup.

    ``sound`` is decided first (exact; TimeoutError if that alone exceeds ``timeout_s``), then the sup is
    narrowed by bisection until sup_upper ≤ sup_lower·(1 + rel_tol) or the time is up (the bracket is then
    wider but still valid). Raises ValueError for malformed input or input above the size limits.

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
    t_net, p_net = _validate(target, "target"), _validate(pruned, "pruned")
    t_net, p_net = _drop_dead(t_net), _drop_dead(p_net)
    _check_sizes(t_net, p_net)
    deadline = _Deadline(timeout_s)
    regions = _Enumerator(t_net, p_net, deadline).run()
    oracle = _Oracle(t_net, p_net, regions, deadline)
    oracle.seed()

    verdict = oracle.decide(bound * bound)
    if verdict is None:
        raise TimeoutError("exact oracle: the nonlinear check at the bound did not finish in time")
    sound = not verdict

    factor = (1 + rel_tol / 2) ** 2
    while not _close(oracle.lo2, oracle.hi2(), rel_tol) and time.monotonic() < deadline.end:
        b2 = oracle.lo2 * factor if oracle.lo2 else Fraction(0)
        try:
            if oracle.decide(b2) is None:
                break
        except TimeoutError:
            break

    lower, upper = _lower(oracle.lo2), _sqrt_up(oracle.hi2())
    return ExactResult(
        sound=sound, bound=bound, sup_lower=lower, sup_upper=upper,
        witness=oracle.witness, tightness=float(bound / upper) if upper else None,
        seconds=time.monotonic() - t0, regions=len(regions), nonlinear_queries=oracle.nl_queries)


def _close(lo2: Fraction, hi2: Fraction, rel_tol: Fraction) -> bool:
    """sup_upper ≤ sup_lower·(1 + rel_tol) for the dyadic roundings reported."""
    if hi2 == 0:
        return True
    return _sqrt_up(hi2) <= _lower(lo2) * (1 + rel_tol)


def _lower(lo2: Fraction) -> Fraction:
    """A dyadic rational strictly below √lo2 when lo2 > 0 (so the witness achieves more than it)."""
    r = _sqrt_down(lo2)
    return max(r - Fraction(1, 1 << _SQRT_BITS), Fraction(0)) if r * r == lo2 else r
