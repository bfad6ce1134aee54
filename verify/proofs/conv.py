"""Convolution lemmas (docs/conv.md §3–§5; certs/FORMAT.md format 4): the pair gadget at one output position of a
zero-padded convolution, the multiplicity bound on the operator norm of a convolution, and a constant channel at the
border. Each is stated on a small 1-D (or 2-D) instance whose geometry — which input pixel, or which padding entry,
a kernel position reads at an output position — is computed by one helper from docs/conv.md §1's formula
s·r + a − p. Each builder is followed by its registry entry, whose statements are exported word for word into
``proofs/<name>.smt2``."""

from __future__ import annotations

import z3

from verify.proofs.terms import Built, Lemma, Terms, lemma_pair

__all__ = ["LEMMAS"]


def _reads(n: int, k: int, s: int, p: int, r: int) -> list[int | None]:
    """For output index r of a 1-D convolution (size n, kernel k, stride s, zero padding p): the input index that
    kernel position a reads, s·r + a − p, or None where it falls in the padding (docs/conv.md §1)."""
    return [i if 0 <= i < n else None for i in (s * r + a - p for a in range(k))]


def _out_size(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


def _conv_gadget(ctx: z3.Context, false: bool, c_in: int, per: int, k: int, n: int, p: int) -> Built:
    """The pair gadget of a convolution at every output position of a 1-D instance (stride 1, zero padding p):
    gadget channel h = t·c_in + j keeps its edge u_h (any sign, no bias) to input channel j, output kernel weights
    V[h, q] (0 when pruned); G̃'s hidden tensor is zero-padded by the second convolution. Then
    G̃(x)[r] = conv_{E⁺}(σ(x̄))[r] + conv_{E⁻}(σ(−x̄))[r] + conv_K(x̄)[r] with E⁺ = P − K, E⁻ = K − N at interior
    and border positions alike, x̄ being x padded with entries x_pad = 0 (docs/conv.md §3; certs/FORMAT.md fact 5).
    False variant: the hypothesis x_pad = 0 is dropped (a padding value other than 0)."""
    t = Terms(ctx)
    x = [t.vec(f"x{j}_", n) for j in range(c_in)]
    x_pad = t.r("x_pad")
    hidden = c_in * per
    u = t.vec("u", hidden)
    v = [t.vec(f"V{h}_", k) for h in range(hidden)]
    kern = [t.vec(f"K{j}_", k) for j in range(c_in)]

    def xbar(j: int, i: int | None) -> z3.ArithRef:
        return x_pad if i is None else x[j][i]

    def gadget_in(h: int, i: int | None) -> z3.ArithRef:  # G̃'s hidden tensor, zero-padded
        return t.zero if i is None else t.relu(u[h] * x[h % c_in][i])

    concl = []
    for r in range(_out_size(n, k, 1, p)):
        reads = _reads(n, k, 1, p, r)
        y = t.sum([v[h][q] * gadget_in(h, reads[q]) for h in range(hidden) for q in range(k)])
        rhs = []
        for j in range(c_in):
            for q in range(k):
                mine = [h for h in range(hidden) if h % c_in == j]
                pos = t.sum([z3.If(u[h] > 0, v[h][q] * u[h], t.zero) for h in mine])
                neg = t.sum([z3.If(u[h] < 0, v[h][q] * u[h], t.zero) for h in mine])
                z = xbar(j, reads[q])
                rhs.append((pos - kern[j][q]) * t.relu(z) + (kern[j][q] - neg) * t.relu(-z) + kern[j][q] * z)
        concl.append(y == t.sum(rhs))
    hyps = [] if false else [x_pad == 0]
    return hyps, z3.And(concl)


def _gadget_statement(c_in: int, per: int, k: int, n: int, p: int) -> str:
    out = _out_size(n, k, 1, p)
    return (f"Convolution pair gadget (docs/conv.md §3, certs/FORMAT.md fact 5), 1-D: {c_in} input channel(s) of "
            f"length {n}, kernel {k}, stride 1, zero padding {p} ({out} output positions, the first and last reading "
            f"padding), {per} gadget channel(s) per input channel, one output channel. For all x (any signs), u_h "
            "(any signs, u_h = 0 allowed; h = t·c_in + j serves input channel j, no bias), V[h, q] (0 if pruned), "
            "target kernel K[j, q] and x_pad = 0, with x̄ the input padded by x_pad and G̃'s hidden channel "
            "H_h = σ(u_h x_j) inside the image and 0 in the padding (the second convolution pads with zeros): at "
            "every output position r, Σ_{h,q} V[h,q] H_h[r+q−p] = conv_{E⁺}(σ(x̄))[r] + conv_{E⁻}(σ(−x̄))[r] + "
            "conv_K(x̄)[r], where conv_A(z)[r] = Σ_{j,q} A[j,q] z_j[r+q−p], P[j,q] = Σ_{u_h>0} V[h,q] u_h, "
            "N[j,q] = Σ_{u_h<0} V[h,q] u_h, E⁺ = P − K, E⁻ = K − N.")


CONV_GADGET = [lem for c_in, per, k, n in ((1, 2, 3, 3), (2, 1, 2, 2)) for lem in lemma_pair(
    f"conv_gadget_1d_c{c_in}_k{k}",
    _gadget_statement(c_in, per, k, n, 1),
    f"FALSE variant ({c_in} channel(s), kernel {k}; hypothesis x_pad = 0 dropped): the same identity for a padding "
    "value x_pad of any real value, G̃'s hidden tensor still zero-padded.",
    _conv_gadget, c_in=c_in, per=per, k=k, n=n, p=1)]


def _conv_multiplicity(ctx: z3.Context, false: bool, dims: tuple, mult: int) -> Built:
    """The multiplicity bound on a zero-padded convolution with one input and one output channel, ``dims`` one
    (size, kernel, stride, padding) per dimension: with X_p the patch of x̄ that output p reads, the patch energies
    sum to Σ_i mult(i)·x_i² ≤ M ‖x‖² (M the largest mult(i)), so if ‖K X_p‖ ≤ κ ‖X_p‖ at every patch then
    ‖conv_K x‖² = Σ_p ‖K X_p‖² ≤ M κ² ‖x‖² (docs/conv.md §4; certs/FORMAT.md fact 5). ``mult`` is the M written in
    the registry; the builder checks that the patches it reads give that M. False variant: M replaced by M − 1."""
    t = Terms(ctx)
    axes = [[(r, _reads(n, k, s, p, r)) for r in range(_out_size(n, k, s, p))] for n, k, s, p in dims]
    pixels = [(i,) for i in range(dims[0][0])]
    outs = [((r,), [None if i is None else (i,) for i in rd]) for r, rd in axes[0]]
    if len(dims) == 2:   # a 2-D patch is the product of a row patch and a column patch
        pixels = [(i, j) for i in range(dims[0][0]) for j in range(dims[1][0])]
        outs = [((r, c), [None if a is None or b is None else (a, b) for a in ra for b in cb])
                for r, ra in axes[0] for c, cb in axes[1]]
    x = dict(zip(pixels, t.vec("x", len(pixels)), strict=True))
    y = t.vec("y", len(outs))          # y_p stands for K·X_p: only the hypothesis below ties them to x
    kappa = t.r("kappa")
    count = dict.fromkeys(pixels, 0)
    hyps, entries = [kappa >= 0], []
    for yp, (_, reads) in zip(y, outs, strict=True):
        patch = [x[i] for i in reads if i is not None]   # padding entries are 0 and add nothing
        hyps.append(yp * yp <= kappa * kappa * t.sq(patch))
        entries.extend(patch)
        for i in reads:
            if i is not None:
                count[i] += 1
    if max(count.values()) != mult:
        raise AssertionError(f"instance {dims}: the patches give M = {max(count.values())}, not {mult}")
    bound = t.q(mult - 1 if false else mult)
    norm_sq, energy = t.sq(list(x.values())), t.sq(entries)
    return hyps, z3.And(energy == t.sum([t.q(count[i]) * x[i] * x[i] for i in pixels]),
                        energy <= bound * norm_sq,
                        t.sq(y) <= bound * kappa * kappa * norm_sq)


def _multiplicity_pair(dims: tuple, mult: int) -> list[Lemma]:
    shape = " by ".join(f"size {n}, kernel {k}, stride {s}, padding {p}" for n, k, s, p in dims)
    where = "1-D" if len(dims) == 1 else "2-D, rows by columns, M = M_h·M_w"
    return lemma_pair(
        "conv_multiplicity_" + "_".join(f"n{n}k{k}s{s}p{p}" for n, k, s, p in dims),
        f"Multiplicity bound (docs/conv.md §4, certs/FORMAT.md fact 5), {where}: {shape}, one input and one output "
        f"channel, M = {mult}. For all x, κ ≥ 0 and reals y_p (standing for K·X_p, K the kernel), with X_p the patch "
        "of x̄ (x padded by zeros) that output position p reads: if y_p² ≤ κ² ‖X_p‖² at every p (what ‖K‖₂ ≤ κ "
        f"gives at the patches), then Σ_p ‖X_p‖² = Σ_i mult(i)·x_i² ≤ {mult}·‖x‖² and Σ_p y_p² ≤ {mult}·κ²·‖x‖², "
        "mult(i) counting the (output position, kernel position) pairs that read input i.",
        f"FALSE variant (M = {mult} replaced by {mult - 1}): ... then Σ_p ‖X_p‖² ≤ {mult - 1}·‖x‖² and "
        f"Σ_p y_p² ≤ {mult - 1}·κ²·‖x‖².",
        _conv_multiplicity, dims=dims, mult=mult)


# (instance, M written by hand): M = 3 for stride 1 (kernel 3 reads each pixel 3 times), 2 for stride 2, and
# 2·2 for the 3 × 2 image read by a 3 × 3 kernel with strides (2, 1).
MULTIPLICITY = ((((4, 3, 1, 1),), 3), (((4, 3, 2, 1),), 2), (((3, 3, 2, 1), (2, 3, 1, 1)), 4))
CONV_MULTIPLICITY = [lem for dims, mult in MULTIPLICITY for lem in _multiplicity_pair(dims, mult)]


# Kernel positions inside the image at each output index of a 1-D convolution with size 3, kernel 3, stride 1,
# padding 1, written out by hand (not computed by _reads): the first output's position 0 and the last one's
# position 2 read the padding.
INSIDE_3_3_1_1 = ({1, 2}, {0, 1, 2}, {0, 1})


def _conv_border_bias(ctx: z3.Context, false: bool, two_d: bool) -> Built:
    """A constant channel (no input edge, bias β > 0) outputs σ(0·x_i + β) = β at every pixel i of the image, and
    the kernel after it reads the zero padding: at output position o the kept weights V[q] contribute β·Σ V[q] over
    the kernel positions q inside the image at o only, so the bias error there is e[o] = β_o + β·Σ_{q inside} V[q]
    − b; in particular a bias built exactly through a position q that falls into the padding at a border output
    (V[q]·β = b, nothing else kept) leaves e = −b there and 0 inside (docs/conv.md §5; certs/FORMAT.md fact 5).
    False variant: the padding is read as β, i.e. the interior value is claimed at the border."""
    t = Terms(ctx)
    n, k = 3, 3
    if two_d:
        pixels = [(i, j) for i in range(n) for j in range(n)]
        outs = [(r, c) for r in range(n) for c in range(n)]
        inside = {(r, c): {a * k + e for a in INSIDE_3_3_1_1[r] for e in INSIDE_3_3_1_1[c]} for r, c in outs}
        reads = {(r, c): [None if a is None or e is None else (a, e)
                          for a in _reads(n, k, 1, 1, r) for e in _reads(n, k, 1, 1, c)] for r, c in outs}
        corner, centre = (0, 0), (1, 1)
    else:
        pixels, outs = [(i,) for i in range(n)], [(r,) for r in range(n)]
        inside = {(r,): INSIDE_3_3_1_1[r] for r in range(n)}
        reads = {(r,): [None if i is None else (i,) for i in _reads(n, k, 1, 1, r)] for r in range(n)}
        corner, centre = (0,), (1,)
    x = dict(zip(pixels, t.vec("x", len(pixels)), strict=True))
    taps = len(reads[outs[0]])
    v = t.vec("V", taps)
    beta, beta_o, b = t.r("beta"), t.r("beta_out"), t.r("b")

    def channel(i: tuple | None) -> z3.ArithRef:  # the constant channel, zero-padded by the next convolution
        return t.zero if i is None else t.relu(t.zero * x[i] + beta)

    err = {o: beta_o + t.sum([v[q] * channel(reads[o][q]) for q in range(taps)]) - b for o in outs}
    claimed = {o: beta_o + beta * t.sum([v[q] for q in range(taps) if false or q in inside[o]]) - b for o in outs}
    concl = [err[o] == claimed[o] for o in outs]
    q0_only = z3.And([v[q] == 0 for q in range(1, taps)] + [beta_o == 0, v[0] * beta == b])
    concl.append(z3.Implies(q0_only, z3.And(err[corner] == -b, err[centre] == 0)))
    return [beta > 0], z3.And(concl)


CONV_BORDER_BIAS = [*lemma_pair(
    "conv_border_bias_1d",
    "Constant channel at the border (docs/conv.md §5, certs/FORMAT.md fact 5), 1-D: size 3, kernel 3, stride 1, "
    "zero padding 1. For β > 0 and all x, V[q] (0 if pruned), β_o (the output's own bias, 0 if pruned) and b, "
    "with the constant channel σ(0·x_i + β) zero-padded by the kernel after it and e[r] = β_o + Σ_q V[q]·(its "
    "value at r + q − 1) − b: e[0] = β_o + β (V[1] + V[2]) − b, e[1] = β_o + β (V[0] + V[1] + V[2]) − b, "
    "e[2] = β_o + β (V[0] + V[1]) − b; and if only V[0] is kept, β_o = 0 and V[0]·β = b, then e[0] = −b (the "
    "border) and e[1] = 0 (inside).",
    "FALSE variant (padding read as β, the interior value claimed at the border): ... e[r] = "
    "β_o + β (V[0] + V[1] + V[2]) − b at every r, and e[0] = −b, e[1] = 0 when only V[0] is kept with V[0]·β = b.",
    _conv_border_bias, two_d=False), *lemma_pair(
    "conv_border_bias_2d",
    "Constant channel at the border (docs/conv.md §5, certs/FORMAT.md fact 5), 2-D: a 3 × 3 image, kernel 3 × 3, "
    "stride 1, zero padding 1, kernel position q = 3a + e. For β > 0 and all x, V[q] (0 if pruned), β_o and b, "
    "with e[r, c] = β_o + Σ_q V[q]·(the zero-padded constant channel at (r + a − 1, c + e − 1)) − b: "
    "e[r, c] = β_o + β·Σ_{q ∈ I(r, c)} V[q] − b, where I(r, c) holds the q with a ∈ I(r) and e ∈ I(c), "
    "I(0) = {1, 2}, I(1) = {0, 1, 2}, I(2) = {0, 1} (4 positions at a corner, 6 on an edge, 9 at the centre); and "
    "if only V[0] is kept, β_o = 0 and V[0]·β = b, then e[0, 0] = −b (the corner) and e[1, 1] = 0 (the centre).",
    "FALSE variant (padding read as β): ... e[r, c] = β_o + β·Σ_q V[q] − b at every position, and e[0, 0] = −b, "
    "e[1, 1] = 0 when only V[0] is kept with V[0]·β = b.",
    _conv_border_bias, two_d=True)]


LEMMAS: list[Lemma] = [*CONV_GADGET, *CONV_MULTIPLICITY, *CONV_BORDER_BIAS]
