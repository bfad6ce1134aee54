"""Fact 8: the float32 claim — G̃ (and, if asked, F) evaluated in binary32 (docs/float32.md).  [trusted; stdlib only]

Imports only ``conv`` and ``io`` of the kernel; the kept paths' exact sums come from check.py (verify/kernel/paths.py
``Sums``).  For a certificate whose claim carries the optional ``float32``
block (certs/FORMAT.md), ``check_float32`` re-derives, exactly, for every target layer i (docs/float32.md §3–§5)

* N_i, the largest number of non-zero terms (kept weights and a kept bias) that one output of G layer 2i adds up,
  and the dense fan-ins n_h = c_in (layer 2i − 1) and n_e = (k·c_in + c)·A (layer 2i);
* Q_i, the m × c_in·A matrix of Σ |v·u| over kept paths in F's units (2^(s_{i−1} − s_i) per entry), and c_i, per
  output the sum of |v·β| over kept constant channels plus |own bias| (2^(−s_i) per output);

checks the hints q_i ≥ ‖conv_{Q_i}‖ (q_i² ≥ ‖·‖₁‖·‖∞ from row and input-channel sums, or q_i² ≥ M·‖Q_i‖_F²),
κ_i ≥ √(H'W')·‖c_i‖ and the recursion

    e_i ≥ (ω_i + η_i)·e_{i−1} + γ_{N_i+1}·(q_i·(ρ_{i−1} + e_{i−1}) + κ_i) + α_i,        e_0 = 0,

with ω_i, η_i, ρ_i the rows fact 5–6 verified and α_i the underflow term of §3–§4 (per operation τ' = 2^-124,
which covers flush-to-zero of results and denormals-are-zero reads of operands, §1), and that no value overflows (§5).
With ``covers`` = "pruned-and-target" the same for F (§6): every weight and bias of F a binary32 number, every weight
0 or normal (|w| ≥ 2^-126: DAZ would read a subnormal weight as 0), t_i ≥ ‖conv_{|W_i|}‖ and
f_i ≥ ω_i f_{i−1} + γ_{N_i^F}·(t_i·(ρ_{i−1} + δ_{i−1} + f_{i−1}) + ν_i) + α_i^F, α_i^F scaled by max(1, max |W_i|).
Finally r ≥ e_L (+ f_L) and bound_float32 ≥ claim.bound + r.  Every comparison is exact (``fractions``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from verify.kernel import conv, io

__all__ = ["FloatBoundError", "Network", "U", "TAU", "TAU_OP", "gamma", "is_binary32", "is_normal_or_zero",
           "dot_constant", "check_float32"]

U = Fraction(1, 2**24)        # unit roundoff of binary32, round to nearest (docs/float32.md §1)
TAU = Fraction(1, 2**126)     # the smallest normal binary32 number: a flushed result or a DAZ-read operand loses < τ
TAU_OP = 4 * TAU              # τ' = 2^-124: the absolute term of one operation under DAZ and FTZ (§1, §3)
MAX_MAGNITUDE = 2**127        # every value bounded below this cannot overflow binary32 (§5)
MAX_TERMS = 2**22             # N + 1 ≤ 2^22 keeps (N + 1)·u ≤ 1/4, so γ ≤ 1/3


class FloatBoundError(ValueError):
    """The float32 block does not follow (check.py reports it as [fact 8])."""


@dataclass(frozen=True)
class Network:
    """What facts 1–7 established, for fact 8: ``rows`` (η, ω, β, ν) and ``deltas``, ``rhos`` per target layer,
    ``reach``, ``bound``; G's ``seed``, ``k``, ``c``, per-layer ``scales`` K_i and ``exps`` (s_0 … s_L), ``geometry``
    and ``sums``, per target layer its kept paths' exact sums (verify/kernel/paths.py); F's ``ratios`` and
    ``b_ratios`` (num, b) with value num / 2^b."""

    rows: list
    deltas: list
    rhos: list
    reach: Fraction
    bound: Fraction
    seed: int
    k: int
    c: int
    scales: list
    exps: list
    geometry: list
    sums: list
    ratios: list
    b_ratios: list


def gamma(n: int) -> Fraction:
    """γ_n = n·u / (1 − n·u) for binary32 (docs/float32.md §1)."""
    return n * U / (1 - n * U)


def is_binary32(num: int, b: int) -> bool:
    """num / 2^b is a finite binary32 number: with num odd (trailing zero bits moved into b), at most 24 significant
    bits, a multiple of 2^-149 (subnormals) and below 2^128 (docs/float32.md §6)."""
    if num == 0:
        return True
    num = abs(num)
    zeros = (num & -num).bit_length() - 1
    num, b = num >> zeros, b - zeros
    bits = num.bit_length()
    return bits <= 24 and b <= 149 and bits - 1 - b <= 127


def is_normal_or_zero(num: int, b: int) -> bool:
    """num / 2^b is 0 or at least 2^-126 in magnitude, i.e. not subnormal (docs/float32.md §1, §6): its leading bit
    2^(bit_length − 1 − b) is at least 2^-126."""
    return num == 0 or abs(num).bit_length() - 1 - b >= -126


def dot_constant(n: int) -> int:
    """The absolute term of Lemma 1 in units of μ·τ' for a dot product of dense fan-in n plus a bias: at most 2n + 2
    operations, each weighted by (1 + u)^N ≤ 4/3, so 3(n + 1) (docs/float32.md §3)."""
    return 3 * (n + 1)


def _root_up(n: int) -> int:
    """An integer ≥ √n."""
    r = math.isqrt(n)
    return r if r * r == n else r + 1


def _at_least(x: Fraction, square: int, K: int) -> bool:
    """x ≥ √square / 2^K, exactly (square ≥ 0 in units of 2^-2K)."""
    return x >= 0 and x * x * 4**K >= square


@dataclass(frozen=True)
class _Stats:
    """One layer's exact quantities (docs/float32.md §4), matrices in units of 2^-K: the most non-zero terms of an
    output, the largest row sum and input-channel sum and the squared Frobenius norm of the non-negative kernel
    matrix, Σ over outputs of the squared constant vector, and (F only, §6) the largest entry."""

    terms: int
    row_max: int
    col_max: int
    frob_sq: int
    const_sq: int
    entry_max: int = 0


def _norm_ok(q: Fraction, s: _Stats, K: int, g: conv.Geometry) -> bool:
    """q ≥ the operator norm of the convolution with the non-negative kernel matrix of ``s`` (docs/float32.md §4):
    q² ≥ ‖·‖₁‖·‖∞ (each input pixel meets each kernel entry at most once), or q² ≥ M·‖·‖_F² (docs/conv.md §4)."""
    return _at_least(q, s.row_max * s.col_max, K) or _at_least(q, g.mult * s.frob_sq, K)


def _pair_stats(net: Network, i: int) -> _Stats:
    """N_i, Q_i and c_i of G̃'s pair i in F's units (docs/float32.md §4), from the exact sums of every kept path's
    |v·u| and every constant's |v|·β (verify/kernel/paths.py ``Sums``, units of 2^-48)."""
    s, g, K = net.sums[i], net.geometry[i], net.scales[i]
    s_in, s_out, A = net.exps[i], net.exps[i + 1], g.positions
    cols = [0] * g.c_in
    row_max = frob = const_sq = 0
    for r in range(g.c_out):
        total = 0
        for c, x in enumerate(s.mag[r]):
            if x:
                x <<= K - 48 + s_in[c // g.group] - s_out[r]   # ≥ 0 by the choice of K (check._scales)
                total += x
                frob += x * x
                cols[c // A] += x
        row_max = max(row_max, total)
        const_sq += (((abs(s.own[r]) << 24) + s.at_mag[r]) << (K - 48 - s_out[r])) ** 2
    return _Stats(max(s.terms, default=0), row_max, max(cols), frob, const_sq)


def _target_stats(net: Network, i: int) -> _Stats:
    """N_i^F and |W_i| of F's layer i (docs/float32.md §6), in units of 2^-K_i."""
    g, K = net.geometry[i], net.scales[i]
    cols = [0] * g.c_in
    terms = row_max = frob = top = 0
    for row, (bnum, _) in zip(net.ratios[i], net.b_ratios[i], strict=True):
        xs = [abs(num) << (K - b) for num, b in row]
        terms = max(terms, sum(1 for x in xs if x) + (bnum != 0))
        row_max = max(row_max, sum(xs))
        top = max(top, *xs)
        frob += sum(x * x for x in xs)
        for c, x in enumerate(xs):
            cols[c // g.positions] += x
    return _Stats(terms, row_max, max(cols), frob, 0, top)


def _dec(entry: dict, key: str) -> Fraction:
    return io.parse_decimal(entry[key])


def _terms_ok(n: int, where: str) -> None:
    if n + 1 > MAX_TERMS:
        raise FloatBoundError(f"{where}: an output adds {n} terms; the float32 bound needs at most {MAX_TERMS - 1}")


def _underflow(g: conv.Geometry, per_output: int, scale: Fraction) -> Fraction:
    """α = ⌈√(m·H'W')⌉·scale·per_output·τ' ≥ the ℓ2 norm of one layer's underflow errors, ``per_output``·τ'
    bounding one output's (docs/float32.md §3–§4: 3(n + 1) per dense row of fan-in n, 4·N·(n_h + 1) more through a
    pair's hidden layer; ``scale`` 2^(−min s_i) for G̃, max(1, max |W_i|) for F, §6)."""
    return _root_up(g.c_out * g.pixels) * scale * per_output * TAU_OP


def _magnitude(norm: Fraction, x: Fraction, e: Fraction, const: Fraction) -> Fraction:
    """norm·(x + e) + const + x + e: the size of §5's overflow condition for a layer with operator-norm hint ``norm``,
    input bound x, stored input error e and constant part ``const`` (docs/float32.md §5)."""
    return norm * (x + e) + const + x + e


def _overflow_ok(scale_exp: int, size: Fraction) -> bool:
    """No binary32 overflow when every magnitude is at most 2^(scale_exp + 2)·(size + 1) ≤ 2^127 (§5)."""
    return Fraction(2) ** (max(0, scale_exp) + 2) * (size + 1) <= MAX_MAGNITUDE


def _pruned_errors(block: dict, net: Network) -> Fraction:
    """e_L of docs/float32.md §5 from the stored hints, each step checked; returns the stored e_L."""
    e = Fraction(0)
    for i, (entry, (eta, omega, _, _), g) in enumerate(zip(block["layers"], net.rows, net.geometry, strict=True)):
        where = f"claim.float32.layers[{i}]"
        q, kappa, stored = _dec(entry, "q"), _dec(entry, "kappa"), _dec(entry, "error")
        s, K = _pair_stats(net, i), net.scales[i]
        _terms_ok(s.terms, where)
        if not _norm_ok(q, s, K, g):
            raise FloatBoundError(f"{where}.q is below the operator norm bound of G~'s |V||U| in F's units "
                                  "(row and channel sums, or sqrt(M) * Frobenius)")
        if not _at_least(kappa, g.pixels * s.const_sq, K):
            raise FloatBoundError(f"{where}.kappa is below the l2 norm of the kept constants' absolute values")
        rho = net.rhos[i - 1] if i else net.reach
        s_in, s_out = net.exps[i], net.exps[i + 1]
        if not _overflow_ok(max(*s_in, *s_out), _magnitude(q, rho, e, kappa)):
            raise FloatBoundError(f"{where}: G~'s values may overflow binary32 (bound above 2^127)")
        per_output = 4 * s.terms * (g.c_in + 1) + dot_constant((net.k * g.c_in + net.c) * g.positions)
        need = ((omega + eta) * e + gamma(s.terms + 1) * (q * (rho + e) + kappa)
                + _underflow(g, per_output, Fraction(2) ** -min(s_out)))
        if stored < need:
            raise FloatBoundError(f"{where}.error is below (omega + eta)*error_prev + gamma_(N+1)*(q*(rho_prev + "
                                  f"error_prev) + kappa) + underflow (N = {s.terms})")
        e = stored
    return e


def _target_errors(block: dict, net: Network) -> Fraction:
    """f_L of docs/float32.md §6 (F run in binary32) from the stored hints; returns the stored f_L."""
    for i, (rows, brow) in enumerate(zip(net.ratios, net.b_ratios, strict=True)):
        if not all(is_binary32(num, b) for num, b in (*(x for row in rows for x in row), *brow)):
            raise FloatBoundError(f"F's layer {i + 1} holds a weight or bias that is not a binary32 number (F run in "
                                  "float32 would round it): certify a float32 copy of the model")
        if not all(is_normal_or_zero(num, b) for row in rows for num, b in row):
            raise FloatBoundError(f"F's layer {i + 1} holds a subnormal weight, which flush-to-zero (DAZ) reads as 0: "
                                  "no float32 claim covers F")
    f = Fraction(0)
    for i, (entry, (_, omega, _, nu), g) in enumerate(zip(block["target_layers"], net.rows, net.geometry,
                                                          strict=True)):
        where = f"claim.float32.target_layers[{i}]"
        t, stored = _dec(entry, "q"), _dec(entry, "error")
        s, K = _target_stats(net, i), net.scales[i]
        _terms_ok(s.terms, where)
        if not _norm_ok(t, s, K, g):
            raise FloatBoundError(f"{where}.q is below the operator norm bound of |W_{i + 1}|")
        reach = net.rhos[i - 1] + net.deltas[i - 1] if i else net.reach
        if not _overflow_ok(0, _magnitude(t, reach, f, nu)):
            raise FloatBoundError(f"{where}: F's values may overflow binary32 (bound above 2^127)")
        mu = max(Fraction(1), Fraction(s.entry_max, 2**K))   # DAZ: a subnormal h read as 0 loses |w|·τ (§6)
        need = (omega * f + gamma(s.terms) * (t * (reach + f) + nu)
                + _underflow(g, dot_constant(g.c_in * g.positions), mu))
        if stored < need:
            raise FloatBoundError(f"{where}.error is below omega*error_prev + gamma_N*(q*(rho_prev + delta_prev + "
                                  f"error_prev) + bias_norm) + underflow (N = {s.terms})")
        f = stored
    return f


def check_float32(block: dict, net: Network) -> Fraction:
    """Fact 8 (docs/float32.md §7): every hint of the well-formed ``block`` (claim.float32) re-derived; returns
    bound_float32.  FloatBoundError names the first hint that does not follow."""
    L = len(net.rows)
    target = block["covers"] == "pruned-and-target"
    if len(block["layers"]) != L or len(block["target_layers"]) != (L if target else 0):
        raise FloatBoundError(f"claim.float32 must list {L} layers and {L if target else 0} target_layers")
    r = _pruned_errors(block, net) + (_target_errors(block, net) if target else 0)
    if _dec(block, "r") < r:
        raise FloatBoundError("claim.float32.r is below the last layer's error" + (" plus F's" if target else ""))
    bound32 = _dec(block, "bound_float32")
    if bound32 < net.bound + _dec(block, "r"):
        raise FloatBoundError("claim.float32.bound_float32 is below claim.bound + r")
    return bound32
