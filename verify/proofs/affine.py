"""Affine lemmas (docs/affine.md §2–§5; certs/FORMAT.md facts 1, 4, 5 and 6): constant neurons and the bias gadget
(following the idea of Fischer, Gadhikar & Burkholz 2022), the rescaled frame with biases, the reach of a box
domain, the non-negative box, and the composition step with biases. Each builder is followed by its registry
entry, whose statements are exported word for word into ``proofs/<name>.smt2``."""

from __future__ import annotations

import z3

from verify.proofs.terms import Built, Lemma, Terms, lemma_pair

__all__ = ["LEMMAS"]


def _constant_neuron(ctx: z3.Context, false: bool) -> Built:
    """A hidden neuron that keeps only its bias β > 0 (its input edge pruned to 0) outputs σ(0·z + β) = β for every
    input z: a constant (docs/affine.md §2; certs/FORMAT.md fact 4). False variant: the hypothesis β > 0 is dropped."""
    t = Terms(ctx)
    beta, z = t.r("beta"), t.r("z")
    hyps = [] if false else [beta > 0]
    return hyps, t.relu(t.zero * z + beta) == beta


CONSTANT_NEURON = lemma_pair(
    "constant_neuron",
    "Constant neuron (docs/affine.md §2, certs/FORMAT.md fact 4): for β > 0 and all z, σ(0·z + β) = β: a hidden "
    "neuron that keeps its positive bias and no input edge outputs β whatever its input.",
    "FALSE variant (hypothesis β > 0 dropped): for all β, z, σ(0·z + β) = β.",
    _constant_neuron)


def _gadget_neuron_bias(ctx: z3.Context, false: bool) -> Built:
    """A gadget neuron must lose its bias: with the bias pruned, σ(u z + 0·β) = u σ(z) for u > 0; with a kept bias
    β > 0 the identity fails (docs/affine.md §2; certs/FORMAT.md fact 4). False variant: the bias is kept."""
    t = Terms(ctx)
    u, beta, z = t.r("u"), t.r("beta"), t.r("z")
    kept = beta if false else t.zero * beta
    return [u > 0, beta > 0], t.relu(u * z + kept) == u * t.relu(z)


GADGET_NEURON_BIAS = lemma_pair(
    "gadget_neuron_bias",
    "A gadget neuron loses its bias (docs/affine.md §2, certs/FORMAT.md fact 4): for u > 0, β > 0 and all z, "
    "with the bias pruned, σ(u z + 0·β) = u σ(z).",
    "FALSE variant (bias kept): for u > 0, β > 0 and all z, σ(u z + β) = u σ(z).",
    _gadget_neuron_bias)


def _bias_gadget(ctx: z3.Context, false: bool, n: int, c: int) -> Built:
    """Gadget neurons (u_t, v_t) of any signs, constant neurons (β_s > 0, w_s) and the output neuron's own bias
    β_o (0 when pruned) together compute P σ(z) + Q σ(−z) + C with C = Σ w_s β_s + β_o, and miss w z + b by at most
    |P − w| σ(z) + |Q + w| σ(−z) + |C − b| (docs/affine.md §2; certs/FORMAT.md fact 5). False variant: the sign of b
    is flipped in the error term."""
    t = Terms(ctx)
    u, v, beta, ws = t.vec("u", n), t.vec("v", n), t.vec("beta", c), t.vec("w_c", c)
    w, b, beta_o, z = t.r("w"), t.r("b"), t.r("beta_out"), t.r("z")
    y = t.sum([vi * t.relu(ui * z) for ui, vi in zip(u, v, strict=True)]
              + [wi * t.relu(t.zero * z + bi) for bi, wi in zip(beta, ws, strict=True)]) + beta_o
    p = t.sum([z3.If(ui > 0, vi * ui, t.zero) for ui, vi in zip(u, v, strict=True)])
    q = t.sum([z3.If(ui < 0, vi * t.abs(ui), t.zero) for ui, vi in zip(u, v, strict=True)])
    const = t.sum([wi * bi for bi, wi in zip(beta, ws, strict=True)]) + beta_o
    identity = y == p * t.relu(z) + q * t.relu(-z) + const
    err = y - (w * z + b)
    exact = err == (p - w) * t.relu(z) + (q + w) * t.relu(-z) + (const - b)
    e = const + b if false else const - b
    bound = t.abs(err) <= t.abs(p - w) * t.relu(z) + t.abs(q + w) * t.relu(-z) + t.abs(e)
    return [bi > 0 for bi in beta], z3.And(identity, exact, bound)


BIAS_GADGET = [lem for n, c in ((1, 1), (2, 2), (3, 3)) for lem in lemma_pair(
    f"bias_gadget_{n}_{c}",
    f"Bias gadget with {n} gadget and {c} constant neurons (docs/affine.md §2, certs/FORMAT.md fact 5): for all "
    f"u_t, v_t (t < {n}, any signs, u_t = 0 allowed), β_s > 0 and w_s (s < {c}), and all β_o (the output's own "
    "bias, 0 if pruned), w, b, z, with y(z) = Σ_t v_t σ(u_t z) + Σ_s w_s σ(0·z + β_s) + β_o, "
    "P = Σ_{u_t>0} v_t u_t, Q = Σ_{u_t<0} v_t |u_t| and C = Σ_s w_s β_s + β_o: y(z) = P σ(z) + Q σ(−z) + C, "
    "y(z) − (w z + b) = (P − w) σ(z) + (Q + w) σ(−z) + (C − b), and "
    "|y(z) − (w z + b)| ≤ |P − w| σ(z) + |Q + w| σ(−z) + |C − b|.",
    f"FALSE variant ({n} gadget and {c} constant neurons, sign of b flipped in the error term): ... "
    "|y(z) − (w z + b)| ≤ |P − w| σ(z) + |Q + w| σ(−z) + |C + b|.",
    _bias_gadget, n=n, c=c)]


def _rescaled_affine_frame(ctx: z3.Context, false: bool) -> Built:
    """With biases the rescaled pair still has its error in F's units: for c, d > 0 and y = P σ(c z) + Q σ(−c z)
    + C' (the pair built for w' = d w / c and b' = d b, fed z' = c z), y/d − (w z + b) = (cP/d − w) σ(z)
    + (cQ/d + w) σ(−z) + (C'/d − b) (docs/affine.md §3; certs/FORMAT.md fact 5). False variant: C' − b."""
    t = Terms(ctx)
    c, d, p, q, cc, w, b, z = (t.r(s) for s in ("c", "d", "P", "Q", "C", "w", "b", "z"))
    y = p * t.relu(c * z) + q * t.relu(-c * z) + cc
    e = cc - b if false else cc - d * b
    return [c > 0, d > 0], y - d * (w * z + b) == (c * p - d * w) * t.relu(z) + (c * q + d * w) * t.relu(-z) + e


RESCALED_AFFINE_FRAME = lemma_pair(
    "rescaled_affine_frame",
    "Bias errors in F's units (docs/affine.md §3, certs/FORMAT.md fact 5): for c, d > 0 (c = 2^s_in, "
    "d = 2^s_out) and all P, Q, C', w, b, z, with y = P σ(c z) + Q σ(−c z) + C' the rescaled pair fed z' = c z: "
    "y/d − (w z + b) = (cP/d − w) σ(z) + (cQ/d + w) σ(−z) + (C'/d − b), stated multiplied by d.",
    "FALSE variant (bias not rescaled): y − d (w z + b) = (cP − dw) σ(z) + (cQ + dw) σ(−z) + (C' − b).",
    _rescaled_affine_frame)


def _box_reach(ctx: z3.Context, false: bool, n: int) -> Built:
    """A box lo ≤ x ≤ hi has x_j² ≤ M_j for any M_j ≥ max(lo_j², hi_j²), so reach² ≥ Σ_j M_j gives ‖x‖ ≤ reach
    (docs/affine.md §4; certs/FORMAT.md fact 1, which takes M_j = max(lo_j², hi_j²)). False variant: M_j ≥ hi_j²
    only (lo forgotten)."""
    t = Terms(ctx)
    lo, hi, x, cap, reach = t.vec("lo", n), t.vec("hi", n), t.vec("x", n), t.vec("M", n), t.r("reach")
    hyps = [reach >= 0, reach * reach >= t.sum(cap)]
    hyps += [z3.And(a <= xj, xj <= b) for a, xj, b in zip(lo, x, hi, strict=True)]
    hyps += [mj >= b * b if false else z3.And(mj >= a * a, mj >= b * b) for a, b, mj in zip(lo, hi, cap, strict=True)]
    per_coordinate = [xj * xj <= mj for xj, mj in zip(x, cap, strict=True)]
    return hyps, z3.And(*per_coordinate, t.sq(x) <= reach * reach)


BOX_REACH = [lem for n in (2, 3) for lem in lemma_pair(
    f"box_reach_{n}",
    f"Reach of a box in dimension {n} (docs/affine.md §4, certs/FORMAT.md fact 1): if lo_j ≤ x_j ≤ hi_j and "
    "M_j ≥ lo_j², M_j ≥ hi_j² for every j (fact 1 takes M_j = max(lo_j², hi_j²)), reach ≥ 0 and "
    "reach² ≥ Σ_j M_j, then x_j² ≤ M_j for every j and ‖x‖² ≤ reach².",
    f"FALSE variant (dimension {n}, lo forgotten): if lo ≤ x ≤ hi, M_j ≥ hi_j² for every j, reach ≥ 0 and "
    "reach² ≥ Σ_j M_j, then x_j² ≤ M_j for every j and ‖x‖² ≤ reach².",
    _box_reach, n=n)]


def _nonneg_box(ctx: z3.Context, false: bool, n: int, m: int) -> Built:
    """On a box with lo ≥ 0 the first pair's input is non-negative: σ(−x) = 0 and its error against W x + b is
    E⁺ x + e alone, with E⁺ = P − W and e = C − b (docs/affine.md §4; certs/FORMAT.md fact 5).
    False variant: lo ≥ −1 instead of lo ≥ 0."""
    t = Terms(ctx)
    p, q, w = t.mat("P", m, n), t.mat("Q", m, n), t.mat("W", m, n)
    cc, b, lo, hi, x = t.vec("C", m), t.vec("b", m), t.vec("lo", n), t.vec("hi", n), t.vec("x", n)
    floor = t.q(-1) if false else t.zero
    hyps = [a >= floor for a in lo] + [z3.And(a <= xj, xj <= h) for a, xj, h in zip(lo, x, hi, strict=True)]
    concl = [t.relu(-xj) == 0 for xj in x]
    for r in range(m):
        y = t.sum([p[r][j] * t.relu(x[j]) + q[r][j] * t.relu(-x[j]) for j in range(n)]) + cc[r]
        target = t.sum([w[r][j] * x[j] for j in range(n)]) + b[r]
        concl.append(y - target == t.sum([(p[r][j] - w[r][j]) * x[j] for j in range(n)]) + (cc[r] - b[r]))
    return hyps, z3.And(concl)


NONNEG_BOX = lemma_pair(
    "nonneg_box_2x2",
    "Non-negative box (docs/affine.md §4, certs/FORMAT.md fact 5), first pair of shape 2×2: if lo ≥ 0 and "
    "lo ≤ x ≤ hi, then σ(−x_j) = 0 for every j, and y(x) = P σ(x) + Q σ(−x) + C misses W x + b by exactly "
    "E⁺ x + e with E⁺ = P − W, e = C − b: the negative-u neurons (Q, E⁻) play no role.",
    "FALSE variant (lo ≥ −1 instead of lo ≥ 0): if lo ≥ −1 and lo ≤ x ≤ hi, then σ(−x_j) = 0 and "
    "y(x) − (W x + b) = E⁺ x + e.",
    _nonneg_box, n=2, m=2)


def _affine_delta(ctx: z3.Context, false: bool) -> Built:
    """The last link of the δ step with biases: e_out ≤ η ρ + β + ω δ from the links that the gadget, norm and
    bias lemmas prove (docs/affine.md §5; certs/FORMAT.md fact 6). False variant: β is missing."""
    t = Terms(ctx)
    names = ("e_out", "e_pre", "n_g", "n_e", "n_q", "r", "e_in", "eta", "omega", "beta", "rho", "delta")
    e_out, e_pre, n_g, n_e, n_q, r, e_in, eta, om, be, rho, de = (t.r(s) for s in names)
    hyps = [x >= 0 for x in (e_out, e_pre, n_g, n_e, n_q, r, e_in, eta, om, be, rho, de)]
    hyps += [e_out <= e_pre, e_pre <= n_g + n_e + n_q, n_g <= eta * r, n_e <= be, n_q <= om * e_in, r <= rho,
             e_in <= de]
    bias = t.zero if false else be
    return hyps, e_out <= eta * rho + bias + om * de


AFFINE_DELTA = lemma_pair(
    "affine_delta",
    "Composition step for δ with biases (docs/affine.md §5, certs/FORMAT.md fact 6), as the last link of a chain. "
    "Scalars ≥ 0: e_in = ‖â − a‖, r = ‖â‖, n_g = ‖g‖ with g the gadget error at â, n_e = ‖e‖ (bias error), "
    "n_q = ‖W (â − a)‖, e_pre = ‖y − (W a + b)‖ with y = W â + b + g + e, e_out = ‖σ(y) − σ(W a + b)‖ (or "
    "e_pre for the last layer). Links: e_out ≤ e_pre (relu_lipschitz), e_pre ≤ n_g + n_e + n_q "
    "(y − (W a + b) = g + e + W(â − a), triangle_sq twice), n_g ≤ η r (gadget_layer_bound), n_e ≤ β, "
    "n_q ≤ ω e_in (opnorm_psd_2x2), r ≤ ρ, e_in ≤ δ. Conclusion: e_out ≤ η ρ + β + ω δ.",
    "FALSE variant (β missing): with the same links, e_out ≤ η ρ + ω δ.",
    _affine_delta)


def _affine_rho(ctx: z3.Context, false: bool) -> Built:
    """The last link of the ρ step with biases: r_out ≤ (ω + η) ρ + ν + β from the links that the gadget, norm and
    bias lemmas prove (docs/affine.md §5; certs/FORMAT.md fact 6). False variant: ν is missing."""
    t = Terms(ctx)
    names = ("r_out", "r_pre", "n_a", "n_b", "n_g", "n_e", "r", "eta", "omega", "nu", "beta", "rho")
    r_out, r_pre, n_a, n_b, n_g, n_e, r, eta, om, nu, be, rho = (t.r(s) for s in names)
    hyps = [x >= 0 for x in (r_out, r_pre, n_a, n_b, n_g, n_e, r, eta, om, nu, be, rho)]
    hyps += [r_out <= r_pre, r_pre <= n_a + n_b + n_g + n_e, n_a <= om * r, n_b <= nu, n_g <= eta * r, n_e <= be,
             r <= rho]
    bias = t.zero if false else nu
    return hyps, r_out <= (om + eta) * rho + bias + be


AFFINE_RHO = lemma_pair(
    "affine_rho",
    "Composition step for ρ with biases (docs/affine.md §5, certs/FORMAT.md fact 6), as the last link of a chain. "
    "Scalars ≥ 0: r = ‖â‖, n_a = ‖W â‖, n_b = ‖b‖, n_g = ‖g‖ (gadget error at â), n_e = ‖e‖ (bias error), "
    "r_pre = ‖y‖ with y = W â + b + g + e, r_out = ‖σ(y)‖ (or r_pre for the last layer). Links: r_out ≤ r_pre "
    "(relu_lipschitz with b = 0), r_pre ≤ n_a + n_b + n_g + n_e (triangle_sq three times), n_a ≤ ω r "
    "(opnorm_psd_2x2), n_b ≤ ν, n_g ≤ η r (gadget_layer_bound), n_e ≤ β, r ≤ ρ. Conclusion: "
    "r_out ≤ (ω + η) ρ + ν + β.",
    "FALSE variant (ν missing): with the same links, r_out ≤ (ω + η) ρ + β.",
    _affine_rho)


def _affine_step_delta_1d(ctx: z3.Context, false: bool) -> Built:
    """The whole δ step with biases in dimension 1, in one query: with y = W â + b + g + e (g the gadget error,
    |g| ≤ η |â|, e the bias error), |σ(y) − σ(W a + b)| ≤ η ρ + β + ω δ (docs/affine.md §5; certs/FORMAT.md
    fact 6). False variant: β is dropped."""
    t = Terms(ctx)
    a, ah, w, b, g, e = (t.r(s) for s in ("a", "a_hat", "W", "b", "g", "e"))
    eta, om, be, de, rho = (t.r(s) for s in ("eta", "omega", "beta", "delta", "rho"))
    hyps = [x >= 0 for x in (eta, om, be, de, rho)]
    hyps += [t.abs(ah - a) <= de, t.abs(ah) <= rho, t.abs(g) <= eta * t.abs(ah), t.abs(w) <= om, t.abs(e) <= be]
    d_new = eta * rho + (t.zero if false else be) + om * de
    return hyps, t.abs(t.relu(w * ah + b + g + e) - t.relu(w * a + b)) <= d_new


def _affine_step_rho_1d(ctx: z3.Context, false: bool) -> Built:
    """The whole ρ step with biases in dimension 1, in one query: with y = W â + b + g + e as above and |b| ≤ ν,
    σ(y) ≤ (ω + η) ρ + ν + β (docs/affine.md §5; certs/FORMAT.md fact 6). False variant: ν is dropped."""
    t = Terms(ctx)
    ah, w, b, g, e = (t.r(s) for s in ("a_hat", "W", "b", "g", "e"))
    eta, om, be, nu, rho = (t.r(s) for s in ("eta", "omega", "beta", "nu", "rho"))
    hyps = [x >= 0 for x in (eta, om, be, nu, rho)]
    hyps += [t.abs(ah) <= rho, t.abs(g) <= eta * t.abs(ah), t.abs(w) <= om, t.abs(e) <= be, t.abs(b) <= nu]
    r_new = (om + eta) * rho + (t.zero if false else nu) + be
    return hyps, t.relu(w * ah + b + g + e) <= r_new


AFFINE_STEP_1D = [*lemma_pair(
    "affine_step_delta_1d",
    "Whole δ step with biases in dimension 1, in one query (docs/affine.md §5, certs/FORMAT.md fact 6): if "
    "η, ω, β, δ, ρ ≥ 0, |â − a| ≤ δ, |â| ≤ ρ, |g| ≤ η |â| (gadget error), |W| ≤ ω and |e| ≤ β (bias error), then "
    "for every b, with y = W â + b + g + e: |σ(y) − σ(W a + b)| ≤ η ρ + β + ω δ.",
    "FALSE variant (β dropped): ... then |σ(y) − σ(W a + b)| ≤ η ρ + ω δ.",
    _affine_step_delta_1d), *lemma_pair(
    "affine_step_rho_1d",
    "Whole ρ step with biases in dimension 1, in one query (docs/affine.md §5, certs/FORMAT.md fact 6): if "
    "η, ω, β, ν, ρ ≥ 0, |â| ≤ ρ, |g| ≤ η |â| (gadget error), |W| ≤ ω, |e| ≤ β (bias error) and |b| ≤ ν, then "
    "with y = W â + b + g + e: σ(y) ≤ (ω + η) ρ + ν + β.",
    "FALSE variant (ν dropped): ... then σ(y) ≤ (ω + η) ρ + β.",
    _affine_step_rho_1d)]


LEMMAS: list[Lemma] = [*CONSTANT_NEURON, *GADGET_NEURON_BIAS, *BIAS_GADGET, *RESCALED_AFFINE_FRAME, *BOX_REACH,
                       *NONNEG_BOX, *AFFINE_DELTA, *AFFINE_RHO, *AFFINE_STEP_1D]
