"""Neuron and norm lemmas (docs/composition.md §2, docs/gadgets.md §4): the single-neuron step, the energy
identity, ReLU's Lipschitz constant, Cauchy–Schwarz, the triangle inequality and the spectral-norm encoding.
Each builder is followed by its registry entry, whose statements are exported word for word into
``proofs/<name>.smt2``."""

from __future__ import annotations

import z3

from verify.proofs.terms import Built, Lemma, Terms, lemma_pair

__all__ = ["LEMMAS"]


def _single_neuron(ctx: z3.Context, false: bool, d: int) -> Built:
    """One ReLU neuron is as close to its target as the sum of its inputs' errors:
    |σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ Σ_j |w_j x_j − g_j| (the per-neuron step of Malach et al. 2020; the
    layer form is docs/composition.md §2). False variant: the last term of the sum is missing."""
    t = Terms(ctx)
    w, x, g = t.vec("w", d), t.vec("x", d), t.vec("g", d)
    lhs = t.abs(t.relu(t.dot(w, x)) - t.relu(t.sum(g)))
    terms = [t.abs(w[j] * x[j] - g[j]) for j in range(d)]
    return [], lhs <= t.sum(terms[:-1] if false else terms)


SINGLE_NEURON = [lem for d in range(1, 4) for lem in lemma_pair(
    f"single_neuron_{d}",
    f"Single-neuron lemma in dimension {d} (the per-neuron step of Malach et al. 2020): for all "
    "w_j, x_j and all reals g_j (standing for g_j(x_j)), "
    "|σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ Σ_j |w_j x_j − g_j|.",
    f"FALSE variant (dimension {d}, last term missing): |σ(Σ_j w_j x_j) − σ(Σ_j g_j)| ≤ "
    f"Σ_{{j<{d - 1}}} |w_j x_j − g_j|.",
    _single_neuron, d=d)]


def _energy_identity(ctx: z3.Context, false: bool, n: int) -> Built:
    """The positive and negative parts of a vector split its squared norm: ‖σ(z)‖² + ‖σ(−z)‖² = ‖z‖²
    (docs/gadgets.md §4). False variant: the ‖σ(−z)‖² term is missing."""
    t = Terms(ctx)
    z = t.vec("z", n)
    neg = [] if false else [t.relu(-zj) for zj in z]
    return [], t.sq([t.relu(zj) for zj in z]) + t.sq(neg) == t.sq(z)


ENERGY_IDENTITY = [lem for n in range(1, 5) for lem in lemma_pair(
    f"energy_identity_{n}",
    f"Energy identity in dimension {n} (docs/gadgets.md §4): ‖σ(z)‖² + ‖σ(−z)‖² = ‖z‖².",
    f"FALSE variant (dimension {n}, missing term): ‖σ(z)‖² = ‖z‖².",
    _energy_identity, n=n)]


def _relu_lipschitz(ctx: z3.Context, false: bool, m: int) -> Built:
    """ReLU does not increase Euclidean distances: ‖σ(a) − σ(b)‖² ≤ ‖a − b‖² (docs/composition.md §2).
    False variant: Lipschitz constant 1/2."""
    t = Terms(ctx)
    a, b = t.vec("a", m), t.vec("b", m)
    lhs = t.sq([t.relu(ai) - t.relu(bi) for ai, bi in zip(a, b, strict=True)])
    factor = t.q(1, 4) if false else t.q(1)
    return [], lhs <= factor * t.sq([ai - bi for ai, bi in zip(a, b, strict=True)])


RELU_LIPSCHITZ = [lem for m in range(1, 4) for lem in lemma_pair(
    f"relu_lipschitz_{m}",
    f"ReLU is 1-Lipschitz in ℓ2, dimension {m} (docs/composition.md §2): ‖σ(a) − σ(b)‖² ≤ ‖a − b‖².",
    f"FALSE variant (dimension {m}, constant 1/2): ‖σ(a) − σ(b)‖² ≤ ‖a − b‖² / 4.",
    _relu_lipschitz, m=m)]


def _cauchy_schwarz(ctx: z3.Context, false: bool, m: int) -> Built:
    """Cauchy–Schwarz with norms given as bounds: ‖p‖ ≤ α and ‖q‖ ≤ β give p·q ≤ α β, the cross term of the
    composition step (docs/composition.md §2). False variant: α β / 2."""
    t = Terms(ctx)
    p, q, al, be = t.vec("p", m), t.vec("q", m), t.r("alpha"), t.r("beta")
    hyps = [al >= 0, be >= 0, t.sq(p) <= al * al, t.sq(q) <= be * be]
    return hyps, t.dot(p, q) <= (al * be / 2 if false else al * be)


CAUCHY_SCHWARZ = [lem for m in range(1, 4) for lem in lemma_pair(
    f"cauchy_schwarz_{m}",
    f"Cauchy–Schwarz, dimension {m}: if α, β ≥ 0, ‖p‖² ≤ α², ‖q‖² ≤ β² then p·q ≤ α β.",
    f"FALSE variant (dimension {m}, factor 1/2): ... then p·q ≤ α β / 2.",
    _cauchy_schwarz, m=m)]


def _triangle_sq(ctx: z3.Context, false: bool, m: int) -> Built:
    """The triangle inequality with norms given as bounds, in squared form: ‖p‖ ≤ α and ‖q‖ ≤ β give
    ‖p + q‖² ≤ (α + β)² (docs/composition.md §2). False variant: the cross term 2 α β is missing."""
    t = Terms(ctx)
    p, q, al, be = t.vec("p", m), t.vec("q", m), t.r("alpha"), t.r("beta")
    hyps = [al >= 0, be >= 0, t.sq(p) <= al * al, t.sq(q) <= be * be]
    rhs = al * al + be * be if false else (al + be) * (al + be)
    return hyps, t.sq([pi + qi for pi, qi in zip(p, q, strict=True)]) <= rhs


TRIANGLE_SQ = [lem for m in range(1, 3) for lem in lemma_pair(
    f"triangle_sq_{m}",
    f"Triangle inequality in squared form, dimension {m}: if α, β ≥ 0, ‖p‖² ≤ α², ‖q‖² ≤ β² "
    "then ‖p + q‖² ≤ (α + β)². (Dimension 3 times out in one query; there it follows from "
    "cauchy_schwarz_3 and the expansion ‖p + q‖² = ‖p‖² + 2 p·q + ‖q‖².)",
    f"FALSE variant (dimension {m}, cross term missing): ... then ‖p + q‖² ≤ α² + β².",
    _triangle_sq, m=m)]


def _opnorm_psd_2x2(ctx: z3.Context, false: bool) -> Built:
    """The spectral-norm bound ω of a 2×2 matrix W, stated without quantifiers: if ω² I − WᵀW has non-negative
    diagonal and determinant, then ‖W v‖ ≤ ω ‖v‖ for every v (docs/composition.md §2, §5).
    False variant: the determinant condition is dropped."""
    t = Terms(ctx)
    w, v, om = t.mat("W", 2, 2), t.vec("v", 2), t.r("omega")
    g00 = w[0][0] * w[0][0] + w[1][0] * w[1][0]  # G = WᵀW
    g11 = w[0][1] * w[0][1] + w[1][1] * w[1][1]
    g01 = w[0][0] * w[0][1] + w[1][0] * w[1][1]
    a, c = om * om - g00, om * om - g11
    hyps = [om >= 0, a >= 0, c >= 0]
    if not false:
        hyps.append(a * c - g01 * g01 >= 0)
    wv = [w[r][0] * v[0] + w[r][1] * v[1] for r in range(2)]
    return hyps, t.sq(wv) <= om * om * t.sq(v)


OPNORM_PSD_2X2 = lemma_pair(
    "opnorm_psd_2x2",
    "Spectral-norm encoding for a 2×2 matrix W (used for ω_i, docs/composition.md §2): if ω ≥ 0 and "
    "ω² I − WᵀW is positive semidefinite, written without quantifiers as both diagonal entries "
    "≥ 0 and determinant ≥ 0, then ‖W v‖² ≤ ω² ‖v‖² for every v ∈ R².",
    "FALSE variant (determinant condition dropped): diagonal entries of ω² I − WᵀW ≥ 0 alone "
    "imply ‖W v‖² ≤ ω² ‖v‖².",
    _opnorm_psd_2x2)


LEMMAS: list[Lemma] = [*SINGLE_NEURON, *ENERGY_IDENTITY, *RELU_LIPSCHITZ, *CAUCHY_SCHWARZ, *TRIANGLE_SQ,
                       *OPNORM_PSD_2X2]
