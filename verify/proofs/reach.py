"""Telescoped reach-box lemmas (docs/tighter.md §2, §4, §5): interval bound propagation of one row, ReLU on a box,
the gadget error of one row over a box (its value at the sign-split corners), and the telescoping of the per-layer
errors through the later layers, as a scalar three-layer network and as one vector step in dimension 2. Each
builder is followed by its registry entry, whose statements are exported word for word into
``proofs/<name>.smt2``."""

from __future__ import annotations

import z3

from verify.proofs.terms import Built, Lemma, Terms, lemma_pair

__all__ = ["LEMMAS"]


def _pos(t: Terms, w: z3.ArithRef) -> z3.ArithRef:
    """max(w, 0), the positive part of a weight."""
    return z3.If(w > 0, w, t.zero)


def _neg(t: Terms, w: z3.ArithRef) -> z3.ArithRef:
    """min(w, 0), the negative part of a weight."""
    return z3.If(w < 0, w, t.zero)


def _corners(t: Terms, w: list[z3.ArithRef], lo: list[z3.ArithRef], hi: list[z3.ArithRef],
             b: z3.ArithRef) -> tuple[z3.ArithRef, z3.ArithRef]:
    """The row w·h + b at its largest and smallest corners of the box lo ≤ h ≤ hi (docs/tighter.md §2, Lemma 1):
    Σ_j (max(w_j, 0) hi_j + min(w_j, 0) lo_j) + b and Σ_j (max(w_j, 0) lo_j + min(w_j, 0) hi_j) + b."""
    upper = t.sum([_pos(t, wj) * u + _neg(t, wj) * lj for wj, lj, u in zip(w, lo, hi, strict=True)]) + b
    lower = t.sum([_pos(t, wj) * lj + _neg(t, wj) * u for wj, lj, u in zip(w, lo, hi, strict=True)]) + b
    return upper, lower


def _ibp_row(ctx: z3.Context, false: bool, n: int) -> Built:
    """Interval bound propagation of one row: for l ≤ h ≤ u, Σ_j w_j h_j + b lies between the row's values at the
    sign-split corners (docs/tighter.md §2, Lemma 1). False variant: the upper bound ignores the signs of w."""
    t = Terms(ctx)
    w, h, lo, hi, b = t.vec("w", n), t.vec("h", n), t.vec("l", n), t.vec("u", n), t.r("b")
    hyps = [z3.And(lj <= hj, hj <= u) for lj, hj, u in zip(lo, h, hi, strict=True)]
    upper, lower = _corners(t, w, lo, hi, b)
    if false:
        upper = t.dot(w, hi) + b
    y = t.dot(w, h) + b
    return hyps, z3.And(y <= upper, lower <= y)


IBP_ROW = [lem for n in (2, 3) for lem in lemma_pair(
    f"ibp_row_{n}",
    f"Interval bound propagation of one row in dimension {n} (docs/tighter.md §2, Lemma 1): for all w_j, b and "
    "l_j ≤ h_j ≤ u_j, Σ_j (max(w_j, 0) l_j + min(w_j, 0) u_j) + b ≤ Σ_j w_j h_j + b ≤ "
    "Σ_j (max(w_j, 0) u_j + min(w_j, 0) l_j) + b.",
    f"FALSE variant (dimension {n}, signs ignored in the upper bound): ... Σ_j w_j h_j + b ≤ Σ_j w_j u_j + b.",
    _ibp_row, n=n)]


def _relu_box(ctx: z3.Context, false: bool) -> Built:
    """ReLU maps a box into a box: l ≤ y ≤ u implies σ(l) ≤ σ(y) ≤ σ(u), since σ is non-decreasing
    (docs/tighter.md §3, the reach box [σ(l_i − Δ_i), σ(u_i + Δ_i)]). False variant: σ(y) ≤ u (σ dropped from the
    upper end; fails for u < 0)."""
    t = Terms(ctx)
    lo, y, hi = t.r("l"), t.r("y"), t.r("u")
    top = hi if false else t.relu(hi)
    return [lo <= y, y <= hi], z3.And(t.relu(lo) <= t.relu(y), t.relu(y) <= top)


RELU_BOX = lemma_pair(
    "relu_box",
    "ReLU on a box (docs/tighter.md §3, the reach box; used by §2 Lemma 1 from layer 2 on): for all l, y, u, "
    "l ≤ y ≤ u implies σ(l) ≤ σ(y) ≤ σ(u).",
    "FALSE variant (σ dropped from the upper end): l ≤ y ≤ u implies σ(l) ≤ σ(y) ≤ u.",
    _relu_box)


def _row_error_corners(ctx: z3.Context, false: bool, n: int) -> Built:
    """The gadget error of one row over a box is largest in absolute value at the sign-split corners:
    |E·h + e| ≤ max(|Σ_j (E⁺_j u_j + E⁻_j l_j) + e|, |Σ_j (E⁺_j l_j + E⁻_j u_j) + e|) for l ≤ h ≤ u
    (docs/tighter.md §4, Lemma 4 item 2). False variant: the corners u and l without the sign split."""
    t = Terms(ctx)
    big_e, h, lo, hi, e = t.vec("E", n), t.vec("h", n), t.vec("l", n), t.vec("u", n), t.r("e")
    hyps = [z3.And(lj <= hj, hj <= u) for lj, hj, u in zip(lo, h, hi, strict=True)]
    upper, lower = (t.dot(big_e, hi) + e, t.dot(big_e, lo) + e) if false else _corners(t, big_e, lo, hi, e)
    a, c = t.abs(upper), t.abs(lower)
    return hyps, t.abs(t.dot(big_e, h) + e) <= z3.If(a >= c, a, c)


ROW_ERROR_CORNERS = [lem for n in (2, 3) for lem in lemma_pair(
    f"row_error_corners_{n}",
    f"Gadget error of one row over a box in dimension {n} (docs/tighter.md §4, Lemma 4 item 2): for all E_j, e and "
    "l_j ≤ h_j ≤ u_j, |Σ_j E_j h_j + e| ≤ max(|Σ_j (max(E_j, 0) u_j + min(E_j, 0) l_j) + e|, "
    "|Σ_j (max(E_j, 0) l_j + min(E_j, 0) u_j) + e|).",
    f"FALSE variant (dimension {n}, corners without the sign split): ... |Σ_j E_j h_j + e| ≤ "
    "max(|Σ_j E_j u_j + e|, |Σ_j E_j l_j + e|).",
    _row_error_corners, n=n)]


def _telescope_3(ctx: z3.Context, false: bool) -> Built:
    """Telescoping through hybrids for a scalar network of three layers: the residual r_i of layer i reaches the
    output through the later layers only, multiplied by at most K_i = ω_{i+1} ⋯ ω_3, so |G − F(x)| ≤ Σ_i K_i S_i
    (docs/tighter.md §5, Lemma 5 with K_i the product of the later weights' bounds). False variant: ω2 is dropped
    from K_1."""
    t = Terms(ctx)
    x, w1, w2, w3, b1, b2, b3 = (t.r(s) for s in ("x", "w1", "w2", "w3", "b1", "b2", "b3"))
    r1, r2, r3, s1, s2, s3, om2, om3 = (t.r(s) for s in ("r1", "r2", "r3", "S1", "S2", "S3", "omega2", "omega3"))
    f = w3 * t.relu(w2 * t.relu(w1 * x + b1) + b2) + b3
    a1 = t.relu(w1 * x + b1 + r1)
    a2 = t.relu(w2 * a1 + b2 + r2)
    g = w3 * a2 + b3 + r3
    hyps = [t.abs(w2) <= om2, t.abs(w3) <= om3, t.abs(r1) <= s1, t.abs(r2) <= s2, t.abs(r3) <= s3]
    k1 = om3 if false else om2 * om3
    return hyps, t.abs(g - f) <= s1 * k1 + s2 * om3 + s3


TELESCOPE_3 = lemma_pair(
    "telescope_3",
    "Telescoping through hybrids, scalar network of three layers (docs/tighter.md §5, Lemma 5 with K_1 = ω2 ω3, "
    "K_2 = ω3, K_3 = 1): for all x, w_i, b_i and residuals r_i, with F(x) = w3 σ(w2 σ(w1 x + b1) + b2) + b3 and the "
    "pruned network â1 = σ(w1 x + b1 + r1), â2 = σ(w2 â1 + b2 + r2), G = w3 â2 + b3 + r3: if |w2| ≤ ω2, "
    "|w3| ≤ ω3 and |r_i| ≤ S_i (i = 1, 2, 3), then |G − F(x)| ≤ S1 ω2 ω3 + S2 ω3 + S3.",
    "FALSE variant (ω2 dropped from K_1): ... then |G − F(x)| ≤ S1 ω3 + S2 ω3 + S3.",
    _telescope_3)


def _telescope_step(ctx: z3.Context, false: bool, m: int) -> Built:
    """One step of the telescoping in vector form: two pre-activations y, y' within S of each other reach the next
    layer within ω S, since ‖σ(y) − σ(y')‖ ≤ ‖y − y'‖ and ‖W v‖ ≤ ω ‖v‖ at v = σ(y) − σ(y') (docs/tighter.md §5,
    Lemma 5 with K_i a product of ω's). False variant: the bound ω S / 2."""
    t = Terms(ctx)
    y, yp, w, om, s = t.vec("y", m), t.vec("yp", m), t.mat("W", m, m), t.r("omega"), t.r("S")
    a, ap = [t.relu(yi) for yi in y], [t.relu(yi) for yi in yp]
    v = [ai - bi for ai, bi in zip(a, ap, strict=True)]
    hyps = [om >= 0, s >= 0, t.sq([t.dot(row, v) for row in w]) <= om * om * t.sq(v),
            t.sq([yi - zi for yi, zi in zip(y, yp, strict=True)]) <= s * s]
    factor = t.q(1, 4) if false else t.q(1)
    return hyps, t.sq([t.dot(row, a) - t.dot(row, ap) for row in w]) <= factor * om * om * s * s


TELESCOPE_STEP = [lem for m in (2,) for lem in lemma_pair(
    f"telescope_step_{m}",
    f"One telescoping step in dimension {m} (docs/tighter.md §5, Lemma 5 with K_i a product of ω's): for "
    f"y, y' ∈ R^{m}, a {m}×{m} matrix W and v = σ(y) − σ(y'), if ω ≥ 0, S ≥ 0, ‖W v‖² ≤ ω² ‖v‖² (‖W‖₂ ≤ ω used "
    "at the one vector v, as in gadget_layer_bound) and ‖y − y'‖² ≤ S², then ‖W σ(y) − W σ(y')‖² ≤ ω² S².",
    f"FALSE variant (dimension {m}, bound halved): ... then ‖W σ(y) − W σ(y')‖² ≤ ω² S² / 4.",
    _telescope_step, m=m)]


LEMMAS: list[Lemma] = [*IBP_ROW, *RELU_BOX, *ROW_ERROR_CORNERS, *TELESCOPE_3, *TELESCOPE_STEP]
