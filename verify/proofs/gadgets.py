"""Gadget lemmas (docs/gadgets.md §2–§5; Malach et al. 2020; Pensia et al. 2020): how a pruned pair of random
layers acts on one input coordinate and on a whole layer. Each builder is followed by its registry entry, whose
statements are exported word for word into ``proofs/<name>.smt2``."""

from __future__ import annotations

import z3

from verify.proofs.terms import Built, Lemma, Terms, lemma_pair

__all__ = ["LEMMAS"]


def _relu_pos_scale(ctx: z3.Context, false: bool) -> Built:
    """ReLU commutes with a positive factor: σ(u z) = u σ(z) whenever u > 0 (docs/gadgets.md §2).
    False variant: the hypothesis u > 0 is dropped."""
    t = Terms(ctx)
    u, z = t.r("u"), t.r("z")
    hyps = [] if false else [u > 0]
    return hyps, t.relu(u * z) == u * t.relu(z)


RELU_POS_SCALE = lemma_pair(
    "relu_pos_scale",
    "Positive scaling (docs/gadgets.md §2): for u > 0 and all z, σ(u z) = u σ(z).",
    "FALSE variant (hypothesis u > 0 dropped): for all u, z, σ(u z) = u σ(z).",
    _relu_pos_scale)


def _relu_neg_scale(ctx: z3.Context, false: bool) -> Built:
    """A negative factor moves ReLU to the other side: σ(u z) = |u| σ(−z) whenever u < 0 (docs/gadgets.md §2).
    False variant: σ(z) instead of σ(−z)."""
    t = Terms(ctx)
    u, z = t.r("u"), t.r("z")
    side = z if false else -z
    return [u < 0], t.relu(u * z) == t.abs(u) * t.relu(side)


RELU_NEG_SCALE = lemma_pair(
    "relu_neg_scale",
    "Negative scaling (docs/gadgets.md §2): for u < 0 and all z, σ(u z) = |u| σ(−z).",
    "FALSE variant (wrong side): for u < 0, σ(u z) = |u| σ(z).",
    _relu_neg_scale)


def _rescaled_frame(ctx: z3.Context, false: bool) -> Built:
    """The gadget of a layer rescaled by powers of two c = 2^s_in, d = 2^s_out, fed z' = c z, has its error in
    F's own units given by the same E⁺/E⁻ identity with P, Q scaled by c/d (docs/rescaling.md §2).
    False variant: the roles of c and d are swapped."""
    t = Terms(ctx)
    c, d, p, q, w, z = (t.r(s) for s in ("c", "d", "P", "Q", "w", "z"))
    y = p * t.relu(c * z) + q * t.relu(-c * z)   # the gadget of the rescaled layer, fed z' = c z
    a, b = (d, c) if false else (c, d)
    return [c > 0, d > 0], y - d * w * z == (a * p - b * w) * t.relu(z) + (a * q + b * w) * t.relu(-z)


RESCALED_FRAME = lemma_pair(
    "rescaled_frame",
    "Errors in F's units (certs/FORMAT.md check 5): for c, d > 0 (c = 2^s_in, d = 2^s_out) and all P, Q, "
    "w, z, with y = P σ(c z) + Q σ(−c z) the rescaled gadget fed z' = c z: y/d − w z = (cP/d − w) σ(z) "
    "+ (cQ/d + w) σ(−z), stated multiplied by d.",
    "FALSE variant (c and d swapped): y − d w z = (dP − cw) σ(z) + (dQ + cw) σ(−z).",
    _rescaled_frame)


def _pair_gadget(ctx: z3.Context, false: bool) -> Built:
    """Two neurons with u1 > 0 > u2 compute P σ(z) + Q σ(−z), and their error against w z is at most
    |P − w| σ(z) + |Q + w| σ(−z) (docs/gadgets.md §3). False variant: the wrong sign of w in E⁻."""
    t = Terms(ctx)
    u1, u2, v1, v2, w, z = (t.r(s) for s in ("u1", "u2", "v1", "v2", "w", "z"))
    y = v1 * t.relu(u1 * z) + v2 * t.relu(u2 * z)
    p, q = v1 * u1, v2 * t.abs(u2)
    e_minus = (q - w) if false else (q + w)
    identity = y == p * t.relu(z) + q * t.relu(-z)
    bound = t.abs(y - w * z) <= t.abs(p - w) * t.relu(z) + t.abs(e_minus) * t.relu(-z)
    return [u1 > 0, u2 < 0], z3.And(identity, bound)


PAIR_GADGET = lemma_pair(
    "pair_gadget",
    "Pair gadget (Malach et al. 2020; docs/gadgets.md §3): for u1 > 0 > u2 and all v1, v2, w, z, with "
    "y(z) = v1 σ(u1 z) + v2 σ(u2 z), P = v1 u1, Q = v2 |u2|: y(z) = P σ(z) + Q σ(−z) and "
    "|y(z) − w z| ≤ |P − w| σ(z) + |Q + w| σ(−z).",
    "FALSE variant (wrong sign of w in E⁻): ... |y(z) − w z| ≤ |P − w| σ(z) + |Q − w| σ(−z).",
    _pair_gadget)


def _subset_sum_gadget(ctx: z3.Context, false: bool, n: int) -> Built:
    """Any n kept neurons of one input coordinate, of any signs, compute P σ(z) + Q σ(−z), P summing v u over
    u > 0 and Q summing v |u| over u < 0 (docs/gadgets.md §3). False variant: u instead of |u| in Q."""
    t = Terms(ctx)
    u, v, z = t.vec("u", n), t.vec("v", n), t.r("z")
    y = t.sum([vi * t.relu(ui * z) for ui, vi in zip(u, v, strict=True)])
    p = t.sum([z3.If(ui > 0, vi * ui, t.zero) for ui, vi in zip(u, v, strict=True)])
    neg = (lambda ui: ui) if false else t.abs
    q = t.sum([z3.If(ui < 0, vi * neg(ui), t.zero) for ui, vi in zip(u, v, strict=True)])
    return [], y == p * t.relu(z) + q * t.relu(-z)


SUBSET_SUM_GADGET = [lem for n in range(1, 7) for lem in lemma_pair(
    f"subset_sum_gadget_{n}",
    f"Subset-sum gadget with {n} kept neurons (Pensia et al. 2020; docs/gadgets.md §3): for all "
    f"u_t, v_t, z (t < {n}, any signs, u_t = 0 allowed), Σ_t v_t σ(u_t z) = P σ(z) + Q σ(−z) "
    "with P = Σ_{u_t>0} v_t u_t and Q = Σ_{u_t<0} v_t |u_t|.",
    f"FALSE variant ({n} neurons, |u_t| replaced by u_t in Q): Σ_t v_t σ(u_t z) = "
    "P σ(z) + Q' σ(−z) with Q' = Σ_{u_t<0} v_t u_t.",
    _subset_sum_gadget, n=n)]


def _gadget_error_identity(ctx: z3.Context, false: bool, n: int, m: int) -> Built:
    """A whole pruned layer pair, y(z) = P σ(z) + Q σ(−z), misses W z by exactly E⁺ σ(z) + E⁻ σ(−z) with
    E⁺ = P − W and E⁻ = Q + W (docs/gadgets.md §3). False variant: E⁻ = Q − W."""
    t = Terms(ctx)
    p, q, w, z = t.mat("P", m, n), t.mat("Q", m, n), t.mat("W", m, n), t.vec("z", n)
    concl = []
    for r in range(m):
        y = t.sum([p[r][j] * t.relu(z[j]) + q[r][j] * t.relu(-z[j]) for j in range(n)])
        wz = t.sum([w[r][j] * z[j] for j in range(n)])
        sign = -1 if false else 1
        rhs = t.sum([(p[r][j] - w[r][j]) * t.relu(z[j]) + (q[r][j] + sign * w[r][j]) * t.relu(-z[j])
                     for j in range(n)])
        concl.append(y - wz == rhs)
    return [], z3.And(concl)


GADGET_ERROR_IDENTITY = [lem for n, m in ((2, 2), (3, 3)) for lem in lemma_pair(
    f"gadget_error_identity_{n}x{m}",
    f"Layer error identity (docs/gadgets.md §3), W, P, Q of shape {m}×{n}: for all z, "
    "y(z) − W z = E⁺ σ(z) + E⁻ σ(−z) where y(z) = P σ(z) + Q σ(−z), E⁺ = P − W, E⁻ = Q + W.",
    f"FALSE variant ({m}×{n}, wrong sign): y(z) − W z = (P − W) σ(z) + (Q − W) σ(−z).",
    _gadget_error_identity, n=n, m=m)]


def _gadget_layer_bound(ctx: z3.Context, false: bool, n: int, m: int) -> Built:
    """The layer bound η: if [E⁺ E⁻] stretches s = (σ(z), σ(−z)) by at most η, the layer's error is at most
    η ‖z‖, because ‖s‖ = ‖z‖ (docs/gadgets.md §4). False variant: the E⁻ block is left out of the norm."""
    t = Terms(ctx)
    p, q, w, z, eta = t.mat("P", m, n), t.mat("Q", m, n), t.mat("W", m, n), t.vec("z", n), t.r("eta")
    s = [t.relu(zj) for zj in z] + [t.relu(-zj) for zj in z]
    err, es = [], []
    for r in range(m):
        y = t.sum([p[r][j] * s[j] + q[r][j] * s[n + j] for j in range(n)])
        err.append(y - t.sum([w[r][j] * z[j] for j in range(n)]))
        plus = [(p[r][j] - w[r][j]) * s[j] for j in range(n)]
        minus = [] if false else [(q[r][j] + w[r][j]) * s[n + j] for j in range(n)]
        es.append(t.sum(plus + minus))
    hyps = [eta >= 0, t.sq(es) <= eta * eta * t.sq(s if not false else s[:n])]
    return hyps, t.sq(err) <= eta * eta * t.sq(z)


GADGET_LAYER_BOUND = [lem for n, m in ((1, 2), (2, 1)) for lem in lemma_pair(
    f"gadget_layer_bound_{n}x{m}",
    f"Layer error bound (docs/gadgets.md §4), shape {m}×{n}: with s = (σ(z), σ(−z)), y(z) = P σ(z) + "
    "Q σ(−z), if η ≥ 0 and ‖[E⁺ E⁻] s‖² ≤ η² ‖s‖² then ‖y(z) − W z‖² ≤ η² ‖z‖². The hypothesis "
    "is ‖[E⁺ E⁻]‖₂ ≤ η used at the one vector s, so the lemma is stronger than the version with "
    "the operator norm. In larger shapes it follows from gadget_error_identity and "
    "energy_identity.",
    f"FALSE variant ({m}×{n}, E⁻ left out): if ‖E⁺ σ(z)‖² ≤ η² ‖σ(z)‖² then "
    "‖y(z) − W z‖² ≤ η² ‖z‖².",
    _gadget_layer_bound, n=n, m=m)]


def _gadget_nonneg_input(ctx: z3.Context, false: bool, n: int, m: int) -> Built:
    """Layers after the first see non-negative inputs, where the error is E⁺ z alone and the negative-u
    neurons (Q) play no role (docs/gadgets.md §5). False variant: the hypothesis z ≥ 0 is dropped."""
    t = Terms(ctx)
    p, q, w, z = t.mat("P", m, n), t.mat("Q", m, n), t.mat("W", m, n), t.vec("z", n)
    concl = []
    for r in range(m):
        y = t.sum([p[r][j] * t.relu(z[j]) + q[r][j] * t.relu(-z[j]) for j in range(n)])
        concl.append(y - t.sum([w[r][j] * z[j] for j in range(n)])
                     == t.sum([(p[r][j] - w[r][j]) * z[j] for j in range(n)]))
    hyps = [] if false else [zj >= 0 for zj in z]
    return hyps, z3.And(concl)


GADGET_NONNEG_INPUT = lemma_pair(
    "gadget_nonneg_input_2x2",
    "Layers i ≥ 2 (docs/gadgets.md §5), shape 2×2: if z ≥ 0 then y(z) − W z = E⁺ z, so the "
    "negative-u neurons (Q) play no role.",
    "FALSE variant (hypothesis z ≥ 0 dropped): y(z) − W z = E⁺ z for all z.",
    _gadget_nonneg_input, n=2, m=2)


LEMMAS: list[Lemma] = [*RELU_POS_SCALE, *RELU_NEG_SCALE, *RESCALED_FRAME, *PAIR_GADGET, *SUBSET_SUM_GADGET,
                       *GADGET_ERROR_IDENTITY, *GADGET_LAYER_BOUND, *GADGET_NONNEG_INPUT]
