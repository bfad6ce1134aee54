"""Composition lemmas (docs/composition.md §1–§2): one layer step of the recurrences
δ_i = η_i ρ_{i−1} + ω_i δ_{i−1} and ρ_i = (ω_i + η_i) ρ_{i−1}. In general dimension the step is too hard for one
z3 query, so it is proved as a chain: ``composition_delta`` takes the conclusions of the norm lemmas as its
hypotheses. Each builder is followed by its registry entry, whose statements are exported word for word into
``proofs/<name>.smt2``."""

from __future__ import annotations

import z3

from verify.proofs.terms import Built, Lemma, Terms, lemma_pair

__all__ = ["LEMMAS"]


def _composition_delta(ctx: z3.Context, false: bool) -> Built:
    """The last link of the δ step: the error after a layer is at most η ρ + ω δ, given the links
    e_out ≤ e_pre ≤ n_p + n_q, n_p ≤ η r, n_q ≤ ω e_in, r ≤ ρ, e_in ≤ δ that the norm and gadget lemmas prove
    (docs/composition.md §2). False variant: the factor ω is missing."""
    t = Terms(ctx)
    e_out, e_pre, n_p, n_q, r, e_in, eta, om, rho, de = (
        t.r(s) for s in ("e_out", "e_pre", "n_p", "n_q", "r", "e_in", "eta", "omega", "rho", "delta"))
    hyps = [x >= 0 for x in (e_out, e_pre, n_p, n_q, r, e_in, eta, om, rho, de)]
    hyps += [e_out <= e_pre, e_pre <= n_p + n_q, n_p <= eta * r, n_q <= om * e_in, r <= rho, e_in <= de]
    return hyps, e_out <= eta * rho + (de if false else om * de)


COMPOSITION_DELTA = lemma_pair(
    "composition_delta",
    "Composition step for δ (docs/composition.md §2), as the last link of a chain. Scalars ≥ 0: e_in = "
    "‖â − a‖, r = ‖â‖, n_p = ‖y − W â‖ (gadget error at â), n_q = ‖W (â − a)‖, e_pre = ‖y − W a‖, "
    "e_out = ‖σ(y) − σ(W a)‖ (or ‖y − W a‖ for the last layer). Links: e_out ≤ e_pre "
    "(relu_lipschitz), e_pre ≤ n_p + n_q (y − W a = (y − W â) + W(â − a), triangle_sq / "
    "cauchy_schwarz), n_p ≤ η r (gadget_layer_bound), n_q ≤ ω e_in (‖W‖₂ ≤ ω, e.g. "
    "opnorm_psd_2x2), r ≤ ρ, e_in ≤ δ. Conclusion: e_out ≤ η ρ + ω δ.",
    "FALSE variant (ω missing): with the same links, e_out ≤ η ρ + δ.",
    _composition_delta)


def _composition_rho(ctx: z3.Context, false: bool, m: int) -> Built:
    """The ρ step: if G̃'s pre-activation y is within η ‖â‖ of b = W â, ‖b‖ ≤ ω ‖â‖ and ‖â‖ ≤ ρ, then
    ‖σ(y)‖ ≤ (ω + η) ρ (docs/composition.md §2). False variant: η is missing from the growth factor."""
    t = Terms(ctx)
    y, b = t.vec("y", m), t.vec("b", m)  # y = G̃'s pre-activation, b = W â
    eta, om, rho, r2 = t.r("eta"), t.r("omega"), t.r("rho"), t.r("R2")  # R2 = ‖â‖²
    hyps = [eta >= 0, om >= 0, rho >= 0, r2 >= 0, r2 <= rho * rho,
            t.sq([yi - bi for yi, bi in zip(y, b, strict=True)]) <= eta * eta * r2, t.sq(b) <= om * om * r2]
    growth = om if false else om + eta
    return hyps, t.sq([t.relu(yi) for yi in y]) <= growth * growth * rho * rho


COMPOSITION_RHO = [lem for m in (1, 2) for lem in lemma_pair(
    f"composition_rho_{m}",
    f"Composition step for ρ (docs/composition.md §2), output dimension {m}, in one query: for "
    "vectors y (G̃'s pre-activation) and b (standing for W â) and R2 = ‖â‖², if η, ω, ρ ≥ 0, R2 ≤ ρ², "
    "‖y − b‖² ≤ η² R2 and ‖b‖² ≤ ω² R2, then ‖σ(y)‖² ≤ ((ω + η) ρ)².",
    f"FALSE variant (dimension {m}, η missing): ... then ‖σ(y)‖² ≤ (ω ρ)².",
    _composition_rho, m=m)]


def _composition_step_1d(ctx: z3.Context, false: bool) -> Built:
    """The whole layer step in dimension 1, in one query: both recurrences, δ' = η ρ + ω δ and
    ρ' = (ω + η) ρ, follow from the per-layer bounds (docs/composition.md §1–§2).
    False variant: ω is missing in δ'."""
    t = Terms(ctx)
    a, ah, y, w, eta, om, de, rho = (t.r(s) for s in ("a", "a_hat", "y", "W", "eta", "omega", "delta", "rho"))
    hyps = [eta >= 0, om >= 0, de >= 0, rho >= 0, (ah - a) * (ah - a) <= de * de, ah * ah <= rho * rho,
            (y - w * ah) * (y - w * ah) <= eta * eta * ah * ah, w * w <= om * om]
    d_new = eta * rho + (de if false else om * de)
    err = t.relu(y) - t.relu(w * a)
    return hyps, z3.And(err * err <= d_new * d_new, t.relu(y) * t.relu(y) <= (om + eta) * (om + eta) * rho * rho)


COMPOSITION_STEP_1D = lemma_pair(
    "composition_step_1d",
    "Whole composition step in dimension 1, in one query (docs/composition.md §2): if η, ω, δ, ρ ≥ 0, "
    "(â − a)² ≤ δ², â² ≤ ρ², (y − W â)² ≤ η² â², W² ≤ ω², then (σ(y) − σ(W a))² ≤ (η ρ + ω δ)² "
    "and σ(y)² ≤ ((ω + η) ρ)².",
    "FALSE variant (ω missing in δ): ... then (σ(y) − σ(W a))² ≤ (η ρ + δ)² and σ(y)² ≤ "
    "((ω + η) ρ)².",
    _composition_step_1d)


LEMMAS: list[Lemma] = [*COMPOSITION_DELTA, *COMPOSITION_RHO, *COMPOSITION_STEP_1D]
