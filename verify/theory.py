"""Width of the random network G that the two strong-lottery-ticket theorems ask for.  [informational]

Nothing here is part of a certificate: a certificate is checked directly (docs/overview.md §2) and holds
for the one G it names, whatever these theorems say.  The point is the comparison "what the theory
asks for" vs "what the certificate needed" (``slt-verify width``).

Notation as in docs/README.md: target F with weights W_i of shape (n_i, n_{i-1}), i = 1..L, and G of depth
2L whose layer 2i-1 has k_i·n_{i-1} neurons (k_i the width factor) and layer 2i has n_i.  G has
Σ_i k_i n_{i-1} (n_{i-1} + n_i) weights.  ω_i is a given upper bound on ‖W_i‖_2 (``weight_bounds``).

Rescaling.  Both theorems assume ‖W_i‖_2 ≤ 1.  A bias-free ReLU network is positively homogeneous in
each layer, F = (Π_i ω_i)·F' with F' built from W_i/ω_i; when some ω_i > 1 the widths are evaluated for
F' at ε' = ε / Π_i max(1, ω_i) and the notes say so (multiplying G̃'s output by Π ω_i is not a pruning,
so the theorem itself does not cover F: the norm assumption is reported unmet).

Sources and their limits (stated again in every result's ``notes``): the project's search tool only
reached the opening pages of arXiv 2002.00585 and 2006.07990 (abstracts, introductions), not the
theorem statements or appendices.  Malach et al.'s main-text Thm 2.1 gives the width as
poly(d, n, l, 1/ε, log 1/δ); Pensia et al.'s abstract describes it as a factor O(d^4 l^2) wider than
the target and their own as O(log(dl)) wider (d width, l depth).  The formulas below are therefore
explicit bounds derived here (Malach) or the recalled form of the theorem with a documented choice
of its unstated constant (Pensia) — see each function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from verify.errors import InputError

__all__ = ["TheoryWidth", "PENSIA_C_COUNTING", "malach_width", "pensia_width", "format_table"]

# Smallest constant compatible with counting for the two-sided gadget: about k/2 candidates per sign
# must give at least 1/ε_w distinct subset sums, so k ≥ 2·log2(1/ε_w) = (2/ln 2)·ln(1/ε_w).
PENSIA_C_COUNTING = 2.0 / math.log(2.0)


@dataclass(frozen=True)
class TheoryWidth:
    """What one theorem asks of G for a given target, ε and δ.

    theorem: name and source; width_factor: max_i k_i; widths: output widths of G's layers 1..2L
    ([k_1 n_0, n_1, k_2 n_1, ..., k_L n_{L-1}, n_L]); parameters: weights of the dense G;
    assumptions / satisfied: each hypothesis of the theorem and whether the given target meets it
    (False also when it could not be checked); notes: provenance, constants, rescaling;
    layer_factors: [k_1, ..., k_L].
    """

    theorem: str
    width_factor: float
    widths: list[int]
    parameters: int
    assumptions: list[str]
    satisfied: list[bool]
    notes: str
    layer_factors: list[int] = field(default_factory=list)


def _dims(shapes: list[tuple[int, int]]) -> list[int]:
    """n_0..n_L from PyTorch (out, in) shapes, checking that consecutive layers fit."""
    if not shapes:
        raise InputError("the target needs at least one layer")
    dims = [int(shapes[0][1])]
    for i, (out, inp) in enumerate(shapes):
        if int(inp) != dims[-1]:
            raise InputError(f"layer {i + 1} takes {inp} inputs but layer {i} gives {dims[-1]}")
        if int(out) < 1 or int(inp) < 1:
            raise InputError(f"layer {i + 1} has an empty shape {(out, inp)}")
        dims.append(int(out))
    return dims


def _common(shapes, eps, delta, weight_bounds, max_entries=None):
    """Validated dims, effective ε', and the assumption lines shared by both theorems."""
    dims = _dims(shapes)
    n_layers = len(dims) - 1
    if not (eps > 0 and math.isfinite(eps)):
        raise InputError(f"eps must be a positive number, got {eps!r}")
    if not 0 < delta < 1:
        raise InputError(f"delta must lie in (0, 1), got {delta!r}")
    assumptions = ["eps in (0, 1)", "delta in (0, 1)", "inputs on the unit l2 ball ||x||_2 <= 1 "
                   "(the certified domain)"]
    satisfied = [eps < 1, True, True]
    notes: list[str] = []
    scale = 1.0
    if weight_bounds is None:
        assumptions.append("||W_i||_2 <= 1 for every layer (not checked: no bounds given)")
        satisfied.append(False)
    else:
        if len(weight_bounds) != n_layers or not all(b > 0 and math.isfinite(b) for b in weight_bounds):
            raise InputError(f"weight_bounds needs {n_layers} positive finite values")
        worst = max(weight_bounds)
        assumptions.append(f"||W_i||_2 <= 1 for every layer (largest given bound {worst:.6g})")
        satisfied.append(worst <= 1)
        scale = math.prod(max(1.0, b) for b in weight_bounds)
        if scale > 1:
            notes.append(f"some ||W_i||_2 > 1: widths are for the rescaled target W_i/omega_i at "
                         f"eps' = eps/prod(max(1, omega_i)) = {eps / scale:.6g}; scaling the output by "
                         f"{scale:.6g} is not a pruning, so the theorem does not cover F itself.")
    if max_entries is not None:
        if len(max_entries) != n_layers:
            raise InputError(f"max_entries needs {n_layers} values")
        ok = all(m <= 1 / math.sqrt(dims[i]) for i, m in enumerate(max_entries))
        assumptions.append("max_jk |W_i[j,k]| <= 1/sqrt(n_{i-1}) for every layer")
        satisfied.append(ok)
    return dims, eps / scale, assumptions, satisfied, notes


def _result(theorem, dims, factors, assumptions, satisfied, notes) -> TheoryWidth:
    widths: list[int] = []
    for i, k in enumerate(factors):
        widths += [k * dims[i], dims[i + 1]]
    params = sum(k * dims[i] * (dims[i] + dims[i + 1]) for i, k in enumerate(factors))
    return TheoryWidth(theorem, float(max(factors)), widths, params, assumptions, satisfied,
                       " ".join(notes), list(factors))


def malach_width(shapes: list[tuple[int, int]], eps: float, delta: float = 0.01,
                 weight_bounds: list[float] | None = None, *,
                 max_entries: list[float] | None = None) -> TheoryWidth:
    """Width for Malach et al. 2020, Thm 2.1 (arXiv 2002.00585): pair gadget, one neuron per sign.

    Explicit sufficient width for Malach et al.'s construction (docs/gadgets.md §6.1, "pair"), derived here
    along their proof route because the paper's explicit constants could not be retrieved:

        N   = Σ_i 2 n_{i-1} n_i                                  (sign, output r, block j) events
        k_i = ⌈ 128 · L² · n_{i-1} · n_i · ln(N / δ) / ε'² ⌉     (ε' = ε unless rescaled)

    Derivation.  (a) For |w| ≤ 1 and 0 < ε_w ≤ 1, a candidate (u, v) ~ U[-1,1]² has u ∈ [1 − ε_w/2, 1]
    and |v − w| ≤ ε_w/2 with probability ≥ (ε_w/4)², and then |uv − w| ≤ (1 − u)|v| + |v − w| ≤ ε_w;
    symmetrically u ∈ [−1, −1 + ε_w/2], |v + w| ≤ ε_w/2 gives |v|u| + w| ≤ ε_w (Malach et al. Lemma A.1's
    idea).  (b) Block j's k candidates are independent for a fixed output r, so one event fails with
    probability ≤ (1 − ε_w²/16)^k ≤ exp(−k ε_w²/16); a union bound over the N events is ≤ δ once
    k ≥ 16 ln(N/δ)/ε_w².  (c) Then every entry of E⁺, E⁻ is ≤ ε_w, so η_i ≤ ‖[E⁺ E⁻]‖_F ≤ √(2 n_{i-1} n_i) ε_w;
    ε_w = ε/(2L√(2 n_{i-1} n_i)) gives η_i ≤ ε/(2L) and, with ω_i ≤ 1, docs/composition.md §3 gives
    δ_L = Σ_i η_i ρ_{i-1} Π_{j>i} ω_j ≤ (ε/2)(1 + ε/(2L))^L ≤ (ε/2)e^{ε/2} < ε.  This grows like
    d² l²/ε² (d the width), more slowly in d than the O(d^4 l^2) factor Pensia et al. quote for Thm 2.1.
    Rounds up (ceil); natural log.  ``max_entries`` (max |entry| per layer) checks Malach's entry bound.

    >>> r = malach_width([(2, 3), (1, 2)], eps=0.5, delta=0.1, weight_bounds=[0.9, 0.8])
    >>> r.layer_factors, r.widths, r.parameters, all(r.satisfied)
    ([62364, 20788], [187092, 2, 41576, 1], 1060188, True)
    """
    dims, eps_eff, assumptions, satisfied, notes = _common(shapes, eps, delta, weight_bounds, max_entries)
    n_layers = len(dims) - 1
    events = sum(2 * dims[i] * dims[i + 1] for i in range(n_layers))
    log_term = math.log(events / delta)
    factors = [math.ceil(128 * n_layers**2 * dims[i] * dims[i + 1] * log_term / eps_eff**2)
               for i in range(n_layers)]
    notes = notes + [
        "Malach et al. 2020 (arXiv 2002.00585) state Thm 2.1's width as poly(d, n, l, 1/eps, log 1/delta) "
        "in the main text; their appendix constants could not be retrieved here, so k_i is the explicit "
        "bound derived in verify.theory.malach_width for their pair construction (box lemma, union bound, "
        "layer composition). Pensia et al. summarise Thm 2.1 as a factor O(d^4 l^2) wider; this bound "
        "grows like d^2 l^2/eps^2, so it does not overstate the published requirement in d.",
        "Both theorems assume G ~ i.i.d. U[-1,1]; slt-hash32-v1 draws the 2^24-point grid of odd "
        "multiples of 2^-24. Certificates never rely on either theorem.",
    ]
    return _result("Malach et al. 2020, Thm 2.1 (pair; constants derived)", dims, factors,
                   assumptions, satisfied, notes)


def pensia_width(shapes: list[tuple[int, int]], eps: float, delta: float = 0.01,
                 weight_bounds: list[float] | None = None, *, c: float = PENSIA_C_COUNTING) -> TheoryWidth:
    """Width for Pensia et al. 2020, Thm 1 (arXiv 2006.07990): subset-sum gadget.

    Form of the theorem (recalled; only the abstract could be re-checked, which confirms the factor
    O(log(dl)) and depth 2l): layer 2i−1 of G has C·n_{i-1}·log(n_{i-1} n_i L / min(ε, δ)) neurons,
    layer 2i has n_i, G ~ i.i.d. U[−1,1], ‖W_i‖ ≤ 1, ‖x‖ ≤ 1; then with probability ≥ 1 − δ the target is
    ε-approximated by a pruning of G.  So

        k_i = max(1, ⌈ c · ln(n_{i-1} · n_i · L / min(ε', δ)) ⌉)          (ε' = ε unless rescaled)

    C is an absolute constant the paper leaves implicit (it comes from Lueker's random subset-sum
    theorem, whose constant is implicit too).  Default c = PENSIA_C_COUNTING = 2/ln 2 ≈ 2.885, the
    smallest value compatible with counting for the two-sided gadget (about k/2 candidates per sign
    must produce at least 1/ε_w subset sums, ε_w the per-weight error), so the widths are, if
    anything, optimistic for Thm 1.  For comparison, Pensia et al.'s official code (GitHub
    acnagle/optimal-lottery-tickets: README "n = round(c * log2(1 / epsilon))" coefficients per weight, and
    subset-sum/run.sh "--c 3 --epsilon 0.01") used 21 candidates per weight for their MNIST 784-500-10
    experiment, where ln(n_0 n_1 L/ε) = 18.2: an empirical c, not the theorem's.  Rounds up.

    >>> r = pensia_width([(2, 3), (1, 2)], eps=0.5, delta=0.1, weight_bounds=[0.9, 0.8], c=1.0)
    >>> r.layer_factors, r.widths, r.parameters
    ([5, 4], [15, 2, 8, 1], 99)
    """
    if not (c > 0 and math.isfinite(c)):
        raise InputError(f"the constant c must be positive, got {c!r}")
    dims, eps_eff, assumptions, satisfied, notes = _common(shapes, eps, delta, weight_bounds)
    n_layers = len(dims) - 1
    floor = min(eps_eff, delta)
    factors = [max(1, math.ceil(c * math.log(dims[i] * dims[i + 1] * n_layers / floor)))
               for i in range(n_layers)]
    notes = notes + [
        f"Pensia et al. 2020 (arXiv 2006.07990) Thm 1 has an unstated absolute constant C; c = {c:.6g} "
        + ("(2/ln 2: for the two-sided gadget, counting subset sums shows that no smaller constant works "
           "as eps -> 0; the paper's C is presumably larger, so these widths are likely optimistic)."
           if c == PENSIA_C_COUNTING else "(caller's choice).")
        + " The theorem's form is recalled from the paper; only its abstract was re-checked here. The authors' "
        "own code (acnagle/optimal-lottery-tickets) takes round(c*log2(1/eps)) candidates per weight and ran "
        "MNIST with c = 3, eps = 0.01 (21 candidates): an empirical constant, not the theorem's.",
        "Both theorems assume G ~ i.i.d. U[-1,1]; slt-hash32-v1 draws the 2^24-point grid of odd "
        "multiples of 2^-24. Certificates never rely on either theorem.",
    ]
    return _result("Pensia et al. 2020, Thm 1 (subset-sum)", dims, factors, assumptions, satisfied, notes)


def format_table(rows: list[TheoryWidth]) -> str:
    """Plain-text table: one line per theorem, then its assumptions (yes/NO) and notes."""
    head = f"{'theorem':<52} {'factor k':>10} {'per layer k_i':<24} {'params of G':>14} {'assumptions':>11}"
    lines = [head, "-" * len(head)]
    for r in rows:
        ks = ",".join(str(k) if k < 10**6 else f"{k:.3g}" for k in r.layer_factors)
        lines.append(f"{r.theorem:<52} {r.width_factor:>10.4g} {ks:<24} {r.parameters:>14.4g} "
                     f"{sum(r.satisfied):>5}/{len(r.satisfied):<5}")
    for r in rows:
        lines.append("")
        lines.append(f"{r.theorem}: widths of G's layers {r.widths}")
        for text, ok in zip(r.assumptions, r.satisfied, strict=True):
            lines.append(f"  [{'yes' if ok else 'NO '}] {text}")
        lines.append(f"  notes: {r.notes}")
    return "\n".join(lines)
