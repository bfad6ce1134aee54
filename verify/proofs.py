"""Machine-checked lemmas behind the certificate (docs/gadgets.md, docs/composition.md), proved by z3 over ALL reals.

Every lemma is built in a fresh ``z3.Context`` as hypotheses H and a conclusion C, with ReLU written
σ(t) = If(t > 0, t, 0). The solver is asked about H ∧ ¬C:

* a true lemma is **proved** when that query is ``unsat`` (no real counterexample exists);
* each true lemma has a deliberately false variant (wrong sign, missing term, off-by-factor, dropped
  hypothesis) that must be **refuted**: the query is ``sat`` and the model, re-evaluated in z3, is a
  genuine counterexample. A harness that cannot fail proves nothing; these variants show it can.

``run_all`` runs the registry ``LEMMAS`` and prints a table (or JSON); ``write_smt2`` exports each query
as SMT-LIB 2 (``proofs/<name>.smt2``, statement and expected status in the header) so another solver
can re-check it. Nonlinear z3 has had soundness bugs; if the optional ``cvc5`` package is
installed, every exported query can be re-checked with it as well.

Lemmas that z3 cannot prove in one query for general dimension (the composition step in dimension ≥ 2
times out) are proved as a chain of small lemmas whose conclusions feed the next one's
hypotheses; each lemma's statement says which links it relies on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TextIO

import z3

__all__ = ["LEMMAS", "Lemma", "LemmaResult", "check_assertions", "cvc5_available", "cvc5_check", "index_text",
           "prove", "run_all", "smt2_text", "write_smt2"]

PROVED, REFUTED = "unsat", "sat"
TIMEOUT_MS = 60_000

Built = tuple[list[z3.BoolRef], z3.BoolRef]  # (hypotheses, conclusion)


@dataclass(frozen=True)
class Lemma:
    """One query. ``expected`` is "unsat" for a true lemma (H ∧ ¬C has no model) and "sat" for a false
    variant (a counterexample exists). ``build`` makes (H, C) in the context it is given."""

    name: str
    statement: str
    expected: str
    build: Callable[[z3.Context], Built] = field(repr=False)
    variant_of: str | None = None

    def assertions(self, ctx: z3.Context) -> list[z3.BoolRef]:
        hyps, concl = self.build(ctx)
        return [*hyps, z3.Not(concl)]


# ---------------------------------------------------------------------------------------------------
# Small term helpers (all in one explicit context)


class _T:
    def __init__(self, ctx: z3.Context) -> None:
        self.ctx = ctx
        self.zero = z3.RealVal(0, ctx)

    def r(self, name: str) -> z3.ArithRef:
        return z3.Real(name, self.ctx)

    def vec(self, name: str, n: int) -> list[z3.ArithRef]:
        return [z3.Real(f"{name}{i}", self.ctx) for i in range(n)]

    def mat(self, name: str, m: int, n: int) -> list[list[z3.ArithRef]]:
        return [[z3.Real(f"{name}{r}_{c}", self.ctx) for c in range(n)] for r in range(m)]

    def q(self, num: int, den: int = 1) -> z3.ArithRef:
        return z3.Q(num, den, self.ctx) if den != 1 else z3.RealVal(num, self.ctx)

    def relu(self, t: z3.ArithRef) -> z3.ArithRef:
        return z3.If(t > 0, t, self.zero)

    def abs(self, t: z3.ArithRef) -> z3.ArithRef:
        return z3.If(t < 0, -t, t)

    def sum(self, ts: Sequence[z3.ArithRef]) -> z3.ArithRef:
        # a one-term z3.Sum prints as "(+ x)", which is not SMT-LIB 2 (cvc5 rejects it)
        if len(ts) <= 1:
            return ts[0] if ts else self.zero
        return z3.Sum(list(ts))

    def sq(self, v: Sequence[z3.ArithRef]) -> z3.ArithRef:
        return self.sum([t * t for t in v])

    def dot(self, u: Sequence[z3.ArithRef], v: Sequence[z3.ArithRef]) -> z3.ArithRef:
        return self.sum([a * b for a, b in zip(u, v, strict=True)])


# ---------------------------------------------------------------------------------------------------
# Gadget lemmas (docs/gadgets.md §2–§5; Malach et al. 2020; Pensia et al. 2020)


def _relu_pos_scale(false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        u, z = t.r("u"), t.r("z")
        hyps = [] if false else [u > 0]  # false variant: the hypothesis u > 0 is dropped
        return hyps, t.relu(u * z) == u * t.relu(z)

    return build


def _relu_neg_scale(false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        u, z = t.r("u"), t.r("z")
        side = z if false else -z  # false variant: σ(z) instead of σ(−z)
        return [u < 0], t.relu(u * z) == t.abs(u) * t.relu(side)

    return build


def _pair_gadget(false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        u1, u2, v1, v2, w, z = (t.r(s) for s in ("u1", "u2", "v1", "v2", "w", "z"))
        y = v1 * t.relu(u1 * z) + v2 * t.relu(u2 * z)
        p, q = v1 * u1, v2 * t.abs(u2)
        e_minus = (q - w) if false else (q + w)  # false variant: E⁻ = Q − w (wrong sign)
        identity = y == p * t.relu(z) + q * t.relu(-z)
        bound = t.abs(y - w * z) <= t.abs(p - w) * t.relu(z) + t.abs(e_minus) * t.relu(-z)
        return [u1 > 0, u2 < 0], z3.And(identity, bound)

    return build


def _rescaled_frame(false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        c, d, p, q, w, z = (t.r(s) for s in ("c", "d", "P", "Q", "w", "z"))
        y = p * t.relu(c * z) + q * t.relu(-c * z)   # the gadget of the rescaled layer, fed z' = c z
        a, b = (d, c) if false else (c, d)           # false variant: the exponents' roles swapped
        return [c > 0, d > 0], y - d * w * z == (a * p - b * w) * t.relu(z) + (a * q + b * w) * t.relu(-z)

    return build


def _subset_sum_gadget(n: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        u, v, z = t.vec("u", n), t.vec("v", n), t.r("z")
        y = t.sum([vi * t.relu(ui * z) for ui, vi in zip(u, v, strict=True)])
        p = t.sum([z3.If(ui > 0, vi * ui, t.zero) for ui, vi in zip(u, v, strict=True)])
        # false variant: |u_t| replaced by u_t in Q (missing absolute value)
        neg = (lambda ui: ui) if false else t.abs
        q = t.sum([z3.If(ui < 0, vi * neg(ui), t.zero) for ui, vi in zip(u, v, strict=True)])
        return [], y == p * t.relu(z) + q * t.relu(-z)

    return build


def _gadget_error_identity(n: int, m: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        p, q, w, z = t.mat("P", m, n), t.mat("Q", m, n), t.mat("W", m, n), t.vec("z", n)
        concl = []
        for r in range(m):
            y = t.sum([p[r][j] * t.relu(z[j]) + q[r][j] * t.relu(-z[j]) for j in range(n)])
            wz = t.sum([w[r][j] * z[j] for j in range(n)])
            sign = -1 if false else 1  # false variant: E⁻ = Q − W
            rhs = t.sum([(p[r][j] - w[r][j]) * t.relu(z[j]) + (q[r][j] + sign * w[r][j]) * t.relu(-z[j])
                         for j in range(n)])
            concl.append(y - wz == rhs)
        return [], z3.And(concl)

    return build


def _gadget_layer_bound(n: int, m: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        p, q, w, z, eta = t.mat("P", m, n), t.mat("Q", m, n), t.mat("W", m, n), t.vec("z", n), t.r("eta")
        s = [t.relu(zj) for zj in z] + [t.relu(-zj) for zj in z]
        err, es = [], []
        for r in range(m):
            y = t.sum([p[r][j] * s[j] + q[r][j] * s[n + j] for j in range(n)])
            err.append(y - t.sum([w[r][j] * z[j] for j in range(n)]))
            plus = [(p[r][j] - w[r][j]) * s[j] for j in range(n)]
            minus = [] if false else [(q[r][j] + w[r][j]) * s[n + j] for j in range(n)]
            es.append(t.sum(plus + minus))  # false variant: the E⁻ block is left out of the norm
        hyps = [eta >= 0, t.sq(es) <= eta * eta * t.sq(s if not false else s[:n])]
        return hyps, t.sq(err) <= eta * eta * t.sq(z)

    return build


def _gadget_nonneg_input(n: int, m: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        p, q, w, z = t.mat("P", m, n), t.mat("Q", m, n), t.mat("W", m, n), t.vec("z", n)
        concl = []
        for r in range(m):
            y = t.sum([p[r][j] * t.relu(z[j]) + q[r][j] * t.relu(-z[j]) for j in range(n)])
            concl.append(y - t.sum([w[r][j] * z[j] for j in range(n)])
                         == t.sum([(p[r][j] - w[r][j]) * z[j] for j in range(n)]))
        hyps = [] if false else [zj >= 0 for zj in z]  # false variant: z ≥ 0 dropped
        return hyps, z3.And(concl)

    return build


# ---------------------------------------------------------------------------------------------------
# Neuron and norm lemmas (docs/composition.md §2)


def _single_neuron(d: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        w, x, g = t.vec("w", d), t.vec("x", d), t.vec("g", d)
        lhs = t.abs(t.relu(t.dot(w, x)) - t.relu(t.sum(g)))
        terms = [t.abs(w[j] * x[j] - g[j]) for j in range(d)]
        return [], lhs <= t.sum(terms[:-1] if false else terms)  # false variant: last term missing

    return build


def _energy_identity(n: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        z = t.vec("z", n)
        neg = [] if false else [t.relu(-zj) for zj in z]  # false variant: ‖σ(−z)‖² missing
        return [], t.sq([t.relu(zj) for zj in z]) + t.sq(neg) == t.sq(z)

    return build


def _relu_lipschitz(m: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        a, b = t.vec("a", m), t.vec("b", m)
        lhs = t.sq([t.relu(ai) - t.relu(bi) for ai, bi in zip(a, b, strict=True)])
        factor = t.q(1, 4) if false else t.q(1)  # false variant: Lipschitz constant 1/2
        return [], lhs <= factor * t.sq([ai - bi for ai, bi in zip(a, b, strict=True)])

    return build


def _cauchy_schwarz(m: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        p, q, al, be = t.vec("p", m), t.vec("q", m), t.r("alpha"), t.r("beta")
        hyps = [al >= 0, be >= 0, t.sq(p) <= al * al, t.sq(q) <= be * be]
        return hyps, t.dot(p, q) <= (al * be / 2 if false else al * be)  # false variant: factor 1/2

    return build


def _triangle_sq(m: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        p, q, al, be = t.vec("p", m), t.vec("q", m), t.r("alpha"), t.r("beta")
        hyps = [al >= 0, be >= 0, t.sq(p) <= al * al, t.sq(q) <= be * be]
        rhs = al * al + be * be if false else (al + be) * (al + be)  # false variant: cross term missing
        return hyps, t.sq([pi + qi for pi, qi in zip(p, q, strict=True)]) <= rhs

    return build


def _opnorm_psd_2x2(false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        w, v, om = t.mat("W", 2, 2), t.vec("v", 2), t.r("omega")
        g00 = w[0][0] * w[0][0] + w[1][0] * w[1][0]  # G = WᵀW
        g11 = w[0][1] * w[0][1] + w[1][1] * w[1][1]
        g01 = w[0][0] * w[0][1] + w[1][0] * w[1][1]
        a, c = om * om - g00, om * om - g11
        hyps = [om >= 0, a >= 0, c >= 0]
        if not false:  # false variant: the determinant condition is dropped
            hyps.append(a * c - g01 * g01 >= 0)
        wv = [w[r][0] * v[0] + w[r][1] * v[1] for r in range(2)]
        return hyps, t.sq(wv) <= om * om * t.sq(v)

    return build


# ---------------------------------------------------------------------------------------------------
# Composition (docs/composition.md §1–§2): δ_i = η_i ρ_{i−1} + ω_i δ_{i−1},  ρ_i = (ω_i + η_i) ρ_{i−1}


def _composition_delta(false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        e_out, e_pre, n_p, n_q, r, e_in, eta, om, rho, de = (
            t.r(s) for s in ("e_out", "e_pre", "n_p", "n_q", "r", "e_in", "eta", "omega", "rho", "delta"))
        hyps = [x >= 0 for x in (e_out, e_pre, n_p, n_q, r, e_in, eta, om, rho, de)]
        hyps += [e_out <= e_pre, e_pre <= n_p + n_q, n_p <= eta * r, n_q <= om * e_in, r <= rho, e_in <= de]
        return hyps, e_out <= eta * rho + (de if false else om * de)  # false variant: ω missing

    return build


def _composition_rho(m: int, false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        y, b = t.vec("y", m), t.vec("b", m)  # y = G̃'s pre-activation, b = W â
        eta, om, rho, r2 = t.r("eta"), t.r("omega"), t.r("rho"), t.r("R2")  # R2 = ‖â‖²
        hyps = [eta >= 0, om >= 0, rho >= 0, r2 >= 0, r2 <= rho * rho,
                t.sq([yi - bi for yi, bi in zip(y, b, strict=True)]) <= eta * eta * r2, t.sq(b) <= om * om * r2]
        growth = om if false else om + eta  # false variant: η missing
        return hyps, t.sq([t.relu(yi) for yi in y]) <= growth * growth * rho * rho

    return build


def _composition_step_1d(false: bool) -> Callable[[z3.Context], Built]:
    def build(ctx: z3.Context) -> Built:
        t = _T(ctx)
        a, ah, y, w, eta, om, de, rho = (t.r(s) for s in ("a", "a_hat", "y", "W", "eta", "omega", "delta", "rho"))
        hyps = [eta >= 0, om >= 0, de >= 0, rho >= 0, (ah - a) * (ah - a) <= de * de, ah * ah <= rho * rho,
                (y - w * ah) * (y - w * ah) <= eta * eta * ah * ah, w * w <= om * om]
        d_new = eta * rho + (de if false else om * de)  # false variant: ω missing
        err = t.relu(y) - t.relu(w * a)
        return hyps, z3.And(err * err <= d_new * d_new, t.relu(y) * t.relu(y) <= (om + eta) * (om + eta) * rho * rho)

    return build


# ---------------------------------------------------------------------------------------------------
# The registry: every true lemma followed by its false variant

_S = "σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them."


def _pair(name: str, statement: str, false_statement: str,
          make: Callable[[bool], Callable[[z3.Context], Built]]) -> list[Lemma]:
    return [Lemma(name, statement, PROVED, make(False)),
            Lemma(f"{name}.false", false_statement, REFUTED, make(True), variant_of=name)]


def _registry() -> list[Lemma]:
    out: list[Lemma] = []
    out += _pair("relu_pos_scale",
                 "Positive scaling (docs/gadgets.md §2): for u > 0 and all z, σ(u z) = u σ(z).",
                 "FALSE variant (hypothesis u > 0 dropped): for all u, z, σ(u z) = u σ(z).",
                 _relu_pos_scale)
    out += _pair("relu_neg_scale",
                 "Negative scaling (docs/gadgets.md §2): for u < 0 and all z, σ(u z) = |u| σ(−z).",
                 "FALSE variant (wrong side): for u < 0, σ(u z) = |u| σ(z).",
                 _relu_neg_scale)
    out += _pair("rescaled_frame",
                 "Errors in F's units (certs/FORMAT.md check 5): for c, d > 0 (c = 2^s_in, d = 2^s_out) and all P, Q, "
                 "w, z, with y = P σ(c z) + Q σ(−c z) the rescaled gadget fed z' = c z: y/d − w z = (cP/d − w) σ(z) "
                 "+ (cQ/d + w) σ(−z), stated multiplied by d.",
                 "FALSE variant (c and d swapped): y − d w z = (dP − cw) σ(z) + (dQ + cw) σ(−z).",
                 _rescaled_frame)
    out += _pair("pair_gadget",
                 "Pair gadget (Malach et al. 2020; docs/gadgets.md §3): for u1 > 0 > u2 and all v1, v2, w, z, with "
                 "y(z) = v1 σ(u1 z) + v2 σ(u2 z), P = v1 u1, Q = v2 |u2|: y(z) = P σ(z) + Q σ(−z) and "
                 "|y(z) − w z| ≤ |P − w| σ(z) + |Q + w| σ(−z).",
                 "FALSE variant (wrong sign of w in E⁻): ... |y(z) − w z| ≤ |P − w| σ(z) + |Q − w| σ(−z).",
                 _pair_gadget)
    for n in range(1, 7):
        out += _pair(f"subset_sum_gadget_{n}",
                     f"Subset-sum gadget with {n} kept neurons (Pensia et al. 2020; docs/gadgets.md §3): for all "
                     f"u_t, v_t, z (t < {n}, any signs, u_t = 0 allowed), Σ_t v_t σ(u_t z) = P σ(z) + Q σ(−z) "
                     "with P = Σ_{u_t>0} v_t u_t and Q = Σ_{u_t<0} v_t |u_t|.",
                     f"FALSE variant ({n} neurons, |u_t| replaced by u_t in Q): Σ_t v_t σ(u_t z) = "
                     "P σ(z) + Q' σ(−z) with Q' = Σ_{u_t<0} v_t u_t.",
                     lambda f, n=n: _subset_sum_gadget(n, f))
    for n, m in ((2, 2), (3, 3)):
        out += _pair(f"gadget_error_identity_{n}x{m}",
                     f"Layer error identity (docs/gadgets.md §3), W, P, Q of shape {m}×{n}: for all z, "
                     "y(z) − W z = E⁺ σ(z) + E⁻ σ(−z) where y(z) = P σ(z) + Q σ(−z), E⁺ = P − W, E⁻ = Q + W.",
                     f"FALSE variant ({m}×{n}, wrong sign): y(z) − W z = (P − W) σ(z) + (Q − W) σ(−z).",
                     lambda f, n=n, m=m: _gadget_error_identity(n, m, f))
    for n, m in ((1, 2), (2, 1)):
        out += _pair(f"gadget_layer_bound_{n}x{m}",
                     f"Layer error bound (docs/gadgets.md §4), shape {m}×{n}: with s = (σ(z), σ(−z)), y(z) = P σ(z) + "
                     "Q σ(−z), if η ≥ 0 and ‖[E⁺ E⁻] s‖² ≤ η² ‖s‖² then ‖y(z) − W z‖² ≤ η² ‖z‖². The hypothesis "
                     "is ‖[E⁺ E⁻]‖₂ ≤ η used at the one vector s, so the lemma is stronger than the version with "
                     "the operator norm. In larger shapes it follows from gadget_error_identity and "
                     "energy_identity.",
                     f"FALSE variant ({m}×{n}, E⁻ left out): if ‖E⁺ σ(z)‖² ≤ η² ‖σ(z)‖² then "
                     "‖y(z) − W z‖² ≤ η² ‖z‖².",
                     lambda f, n=n, m=m: _gadget_layer_bound(n, m, f))
    out += _pair("gadget_nonneg_input_2x2",
                 "Layers i ≥ 2 (docs/gadgets.md §5), shape 2×2: if z ≥ 0 then y(z) − W z = E⁺ z, so the "
                 "negative-u neurons (Q) play no role.",
                 "FALSE variant (hypothesis z ≥ 0 dropped): y(z) − W z = E⁺ z for all z.",
                 lambda f: _gadget_nonneg_input(2, 2, f))
    for d in range(1, 4):
        out += _pair(f"single_neuron_{d}",
                     f"Single-neuron lemma in dimension {d} (the per-neuron step of Malach et al. 2020): for all "
                     "w_j, x_j and all reals g_j (standing for g_j(x_j)), "
                     "|σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ Σ_j |w_j x_j − g_j|.",
                     f"FALSE variant (dimension {d}, last term missing): |σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ "
                     f"Σ_{{j<{d - 1}}} |w_j x_j − g_j|.",
                     lambda f, d=d: _single_neuron(d, f))
    for n in range(1, 5):
        out += _pair(f"energy_identity_{n}",
                     f"Energy identity in dimension {n} (docs/gadgets.md §4): ‖σ(z)‖² + ‖σ(−z)‖² = ‖z‖².",
                     f"FALSE variant (dimension {n}, missing term): ‖σ(z)‖² = ‖z‖².",
                     lambda f, n=n: _energy_identity(n, f))
    for m in range(1, 4):
        out += _pair(f"relu_lipschitz_{m}",
                     f"ReLU is 1-Lipschitz in ℓ2, dimension {m} (docs/composition.md §2): ‖σ(a) − σ(b)‖² ≤ ‖a − b‖².",
                     f"FALSE variant (dimension {m}, constant 1/2): ‖σ(a) − σ(b)‖² ≤ ‖a − b‖² / 4.",
                     lambda f, m=m: _relu_lipschitz(m, f))
    for m in range(1, 4):
        out += _pair(f"cauchy_schwarz_{m}",
                     f"Cauchy–Schwarz, dimension {m}: if α, β ≥ 0, ‖p‖² ≤ α², ‖q‖² ≤ β² then p·q ≤ α β.",
                     f"FALSE variant (dimension {m}, factor 1/2): ... then p·q ≤ α β / 2.",
                     lambda f, m=m: _cauchy_schwarz(m, f))
    for m in range(1, 3):
        out += _pair(f"triangle_sq_{m}",
                     f"Triangle inequality in squared form, dimension {m}: if α, β ≥ 0, ‖p‖² ≤ α², ‖q‖² ≤ β² "
                     "then ‖p + q‖² ≤ (α + β)². (Dimension 3 times out in one query; there it follows from "
                     "cauchy_schwarz_3 and the expansion ‖p + q‖² = ‖p‖² + 2 p·q + ‖q‖².)",
                     f"FALSE variant (dimension {m}, cross term missing): ... then ‖p + q‖² ≤ α² + β².",
                     lambda f, m=m: _triangle_sq(m, f))
    out += _pair("opnorm_psd_2x2",
                 "Spectral-norm encoding for a 2×2 matrix W (used for ω_i, docs/composition.md §2): if ω ≥ 0 and "
                 "ω² I − WᵀW is positive semidefinite, written without quantifiers as both diagonal entries "
                 "≥ 0 and determinant ≥ 0, then ‖W v‖² ≤ ω² ‖v‖² for every v ∈ R².",
                 "FALSE variant (determinant condition dropped): diagonal entries of ω² I − WᵀW ≥ 0 alone "
                 "imply ‖W v‖² ≤ ω² ‖v‖².",
                 _opnorm_psd_2x2)
    out += _pair("composition_delta",
                 "Composition step for δ (docs/composition.md §2), as the last link of a chain. Scalars ≥ 0: e_in = "
                 "‖â − a‖, r = ‖â‖, n_p = ‖y − W â‖ (gadget error at â), n_q = ‖W (â − a)‖, e_pre = ‖y − W a‖, "
                 "e_out = ‖σ(y) − σ(W a)‖ (or ‖y − W a‖ for the last layer). Links: e_out ≤ e_pre "
                 "(relu_lipschitz), e_pre ≤ n_p + n_q (y − W a = (y − W â) + W(â − a), triangle_sq / "
                 "cauchy_schwarz), n_p ≤ η r (gadget_layer_bound), n_q ≤ ω e_in (‖W‖₂ ≤ ω, e.g. "
                 "opnorm_psd_2x2), r ≤ ρ, e_in ≤ δ. Conclusion: e_out ≤ η ρ + ω δ.",
                 "FALSE variant (ω missing): with the same links, e_out ≤ η ρ + δ.",
                 _composition_delta)
    for m in (1, 2):
        out += _pair(f"composition_rho_{m}",
                     f"Composition step for ρ (docs/composition.md §2), output dimension {m}, in one query: for "
                     "vectors y (G̃'s pre-activation) and b (standing for W â) and R2 = ‖â‖², if η, ω, ρ ≥ 0, R2 ≤ ρ², "
                     "‖y − b‖² ≤ η² R2 and ‖b‖² ≤ ω² R2, then ‖σ(y)‖² ≤ ((ω + η) ρ)².",
                     f"FALSE variant (dimension {m}, η missing): ... then ‖σ(y)‖² ≤ (ω ρ)².",
                     lambda f, m=m: _composition_rho(m, f))
    out += _pair("composition_step_1d",
                 "Whole composition step in dimension 1, in one query (docs/composition.md §2): if η, ω, δ, ρ ≥ 0, "
                 "(â − a)² ≤ δ², â² ≤ ρ², (y − W â)² ≤ η² â², W² ≤ ω², then (σ(y) − σ(W a))² ≤ (η ρ + ω δ)² "
                 "and σ(y)² ≤ ((ω + η) ρ)².",
                 "FALSE variant (ω missing in δ): ... then (σ(y) − σ(W a))² ≤ (η ρ + δ)² and σ(y)² ≤ "
                 "((ω + η) ρ)².",
                 _composition_step_1d)
    return out


LEMMAS: dict[str, Lemma] = {lem.name: lem for lem in _registry()}


# ---------------------------------------------------------------------------------------------------
# Running and exporting


@dataclass(frozen=True)
class LemmaResult:
    """Outcome of one query. ``ok`` means z3 answered as expected, a counterexample (if any) evaluates
    to true in z3, and cvc5 (if run) did not contradict it; ``model`` maps names to exact values."""

    name: str
    expected: str
    result: str
    ok: bool
    ms: float
    model: dict[str, str] | None = None
    model_checked: bool | None = None
    cvc5: str | None = None


def smt2_text(lemma: Lemma) -> str:
    """The query H ∧ ¬C of ``lemma`` as SMT-LIB 2 with a header stating it in words; deterministic
    (built in a fresh context, so z3's internal term numbering does not depend on what ran before)."""
    ctx = z3.Context()
    fs = lemma.assertions(ctx)
    head = (z3.Ast * max(len(fs) - 1, 1))()
    for i, f in enumerate(fs[:-1]):
        head[i] = f.as_ast()
    body = z3.Z3_benchmark_to_smtlib_string(ctx.ref(), lemma.name, "QF_NRA", lemma.expected, "",
                                            len(fs) - 1, head, fs[-1].as_ast())
    words = "proved (the query below is unsat)" if lemma.expected == PROVED else \
        "refuted (the query below is sat; a model is a counterexample)"
    lines = [f"; lemma: {lemma.name}", *_wrap(lemma.statement, "; "), f"; expected: {words}",
             f"; {_S}", "; query: hypotheses and the negated conclusion", ";"]
    return "\n".join(lines) + "\n" + body.rstrip("\n") + "\n"


def _wrap(text: str, prefix: str, width: int = 100) -> list[str]:
    lines, cur = [], prefix
    for word in text.split():
        if len(cur) + len(word) + 1 > width and cur != prefix:
            lines.append(cur.rstrip())
            cur = prefix
        cur += word + " "
    lines.append(cur.rstrip())
    return lines


def _value(v: z3.ExprRef) -> str:
    if z3.is_rational_value(v):
        return str(Fraction(v.as_fraction()))
    return v.sexpr()  # an algebraic number, written exactly as (root-obj p k)


def check_assertions(fs: Sequence[z3.BoolRef], timeout_ms: int = TIMEOUT_MS
                     ) -> tuple[str, dict[str, str] | None, bool | None]:
    """Check a query with z3: (result, model as exact strings, whether the model satisfies every assertion)."""
    solver = z3.Solver(ctx=fs[0].ctx)
    solver.set("timeout", timeout_ms)
    solver.add(*fs)
    res = str(solver.check())
    if res != REFUTED:
        return res, None, None
    m = solver.model()
    model = {d.name(): _value(m[d]) for d in sorted(m.decls(), key=lambda d: d.name())}
    checked = all(z3.is_true(m.eval(f, model_completion=True)) for f in fs)
    return res, model, checked


def cvc5_available() -> bool:
    """True when the optional cvc5 Python package can be imported (it is not a dependency)."""
    try:
        import cvc5  # noqa: F401
    except ImportError:
        return False
    return True


# cvc5 does not honour its time limits on some nonlinear queries (measured: it ran past 12 s with
# tlimit=3000), so it runs in a child process that can be killed. The child reads SMT-LIB on stdin.
_CVC5_CHILD = """
import sys, cvc5
tm = cvc5.TermManager()
solver = cvc5.Solver(tm)
symbols = cvc5.SymbolManager(tm)
parser = cvc5.InputParser(solver, symbols)
parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, sys.stdin.read(), "query")
while True:
    cmd = parser.nextCommand()
    if cmd.isNull():
        break
    out = cmd.invoke(solver, symbols).strip()
    if out:
        print(out)
"""


def cvc5_check(text: str, timeout_s: float = 10.0) -> str:
    """Re-check an SMT-LIB 2 query with cvc5 (independent of z3) in a child process:
    "sat", "unsat", "unknown", "timeout" or "error"."""
    try:
        done = subprocess.run([sys.executable, "-c", _CVC5_CHILD], input=text, capture_output=True,
                              text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return "timeout"
    answers = [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
    return answers[-1] if answers and answers[-1] in ("sat", "unsat", "unknown") else "error"


def prove(lemma: Lemma, timeout_ms: int = TIMEOUT_MS, cross_check: bool = False,
          cvc5_timeout_s: float = 10.0) -> LemmaResult:
    """Run one lemma in a fresh z3 context (and optionally cvc5 on its SMT-LIB export). A cvc5 answer
    that contradicts the expected one makes the result not ok; "unknown"/"timeout" do not."""
    ctx = z3.Context()
    fs = lemma.assertions(ctx)
    t0 = time.perf_counter()
    res, model, checked = check_assertions(fs, timeout_ms)
    ms = (time.perf_counter() - t0) * 1000
    other = cvc5_check(smt2_text(lemma), cvc5_timeout_s) if cross_check else None
    ok = res == lemma.expected and checked is not False and other in (None, "unknown", "timeout", lemma.expected)
    return LemmaResult(lemma.name, lemma.expected, res, ok, round(ms, 1), model, checked, other)


def write_smt2(directory: str | Path) -> list[Path]:
    """Write ``<name>.smt2`` for every lemma and false variant, plus ``README.md`` (an index), under
    ``directory``; returns the paths written. ``tests/test_proofs.py`` checks the committed files match."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for lemma in LEMMAS.values():
        path = root / f"{lemma.name}.smt2"
        path.write_text(smt2_text(lemma), encoding="utf-8")
        paths.append(path)
    index = root / "README.md"
    index.write_text(index_text(), encoding="utf-8")
    return [*paths, index]


def index_text() -> str:
    """``proofs/README.md``: what the files are, how to re-check them, one line per lemma."""
    lines = [
        "# Machine-checked lemmas",
        "",
        "Generated by `verify.proofs.write_smt2` (do not edit by hand; `tests/test_proofs.py` checks that these",
        "files match the code). Each `<name>.smt2` is the query *hypotheses ∧ ¬conclusion* over the reals,",
        "with the statement in its header and the expected answer in `(set-info :status ...)`:",
        "",
        "* `unsat`: the lemma is **proved** (no counterexample exists);",
        "* `sat`: a deliberately **false** variant (`<name>.false`), refuted by a counterexample. These show",
        "  that the harness can fail.",
        "",
        "Re-check with any SMT-LIB 2 solver for `QF_NRA`, e.g. `z3 proofs/pair_gadget.smt2` or",
        "`cvc5 proofs/pair_gadget.smt2`; run them all with `slt-verify prove [--json]`.",
        f"Notation: {_S}",
        "",
        "| lemma | expected | statement |",
        "| --- | --- | --- |",
    ]
    for lem in LEMMAS.values():
        lines.append(f"| `{lem.name}` | {lem.expected} | {lem.statement.replace('|', '∣')} |")
    return "\n".join(lines) + "\n"


def run_all(json_output: bool = False, stream: TextIO = sys.stdout, *, names: Sequence[str] | None = None,
            cross_check: bool = False, timeout_ms: int = TIMEOUT_MS, cvc5_timeout_s: float = 10.0) -> int:
    """Run every lemma (or ``names``); print a table or JSON; return 0 iff every true lemma is proved
    (unsat) and every false variant refuted (sat, with a model that checks).

    ``cross_check=True`` also re-checks every exported query with cvc5 (optional package; ValueError if
    it is missing): an answer contradicting z3 fails the run, "unknown" or "timeout" does not. Measured:
    cvc5 1.4.2 answers 63 of the first 68 queries in ≈ 12 s and times out on five true nonlinear lemmas;
    it agrees with z3 on the two rescaled_frame queries added since."""
    if cross_check and not cvc5_available():
        raise ValueError("cross_check needs the optional 'cvc5' package (pip install cvc5)")
    use_cvc5 = cross_check
    unknown = [n for n in names or () if n not in LEMMAS]
    if unknown:
        raise ValueError(f"unknown lemma(s): {', '.join(unknown)}")
    lemmas = [LEMMAS[n] for n in names] if names is not None else list(LEMMAS.values())
    results = [prove(lem, timeout_ms, use_cvc5, cvc5_timeout_s) for lem in lemmas]
    ok = all(r.ok for r in results)
    if json_output:
        doc = {"ok": ok, "z3": z3.get_version_string(), "cvc5": use_cvc5,
               "lemmas": [asdict(r) for r in results]}
        stream.write(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    else:
        _print_table(results, use_cvc5, stream)
        good = sum(r.ok for r in results)
        verdict = "ALL AS EXPECTED" if ok else "FAILED"
        stream.write(f"{verdict}: {good}/{len(results)} queries as expected (z3 {z3.get_version_string()}"
                     f"{', cross-checked with cvc5' if use_cvc5 else ''})\n")
    return 0 if ok else 1


def _print_table(results: Sequence[LemmaResult], use_cvc5: bool, stream: TextIO) -> None:
    width = max(len(r.name) for r in results)
    head = f"{'lemma':<{width}}  {'expected':<8}  {'result':<7}  " + ("cvc5     " if use_cvc5 else "") + "      ms"
    stream.write(head + "\n" + "-" * len(head) + "\n")
    for r in results:
        mark = "" if r.ok else "   <-- NOT AS EXPECTED"
        other = f"{r.cvc5 or '-':<7}  " if use_cvc5 else ""
        stream.write(f"{r.name:<{width}}  {r.expected:<8}  {r.result:<7}  {other}{r.ms:8.1f}{mark}\n")
        if r.model is not None:
            shown = ", ".join(f"{k}={v}" for k, v in r.model.items())
            stream.write(f"{'':<{width}}    counterexample: {shown}"
                         f"{'' if r.model_checked else '  (DOES NOT CHECK)'}\n")


if __name__ == "__main__":  # python -m verify.proofs [--json] [--cvc5] [--write DIR]
    args = sys.argv[1:]
    if "--write" in args:
        for written in write_smt2(args[args.index("--write") + 1]):
            print(written)
        sys.exit(0)
    sys.exit(run_all("--json" in args, cross_check="--cvc5" in args))
