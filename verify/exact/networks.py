"""The two networks as the oracle sees them: exact evaluation, input checks, dead-neuron removal and the size
limits (``MAX_*``) that keep the region enumeration small.

F(x) = W_L σ(⋯ σ(W_1 x + b_1)) + b_L and G̃ likewise (docs/overview.md §1; no ReLU after the last layer) are lists
of layers of ``fractions.Fraction`` (PyTorch (out, in) convention). A layer is a weight matrix (a list of rows: no
bias) or a pair ``(W, b)`` with ``b`` a list (or None: no bias). ``Net`` is the bias-free form (matrices only),
``AffineNet`` the general one (pairs, biases explicit)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Rational

from verify.exact.arith import Matrix

__all__ = ["MAX_HIDDEN_NEURONS", "MAX_INPUT_DIM", "MAX_KEPT_WEIGHTS", "AffineNet", "Net", "as_fraction",
           "check_affine_sizes", "check_sizes", "drop_dead", "drop_dead_affine", "error_sq", "evaluate", "has_bias",
           "input_dim", "layer_parts", "validate", "validate_affine"]

MAX_INPUT_DIM = 4
MAX_KEPT_WEIGHTS = 512     # nonzero weights and biases of each network, after removing dead neurons
MAX_HIDDEN_NEURONS = 128   # hidden neurons of both networks together, after removing dead neurons

Net = list[Matrix]
AffineNet = list[tuple[Matrix, list[Fraction]]]


def layer_parts(layer: object) -> tuple[object, object]:
    """(W, b) of one layer as given, unconverted: a matrix is (W, None); a pair or 1-tuple (W, b) / (W,) is split.
    A matrix's first element is a row (of numbers); a pair's first element is a matrix (of rows), so the two
    spellings cannot be confused."""
    if isinstance(layer, Sequence) and 1 <= len(layer) <= 2 and isinstance(layer[0], Sequence) and layer[0] \
            and isinstance(layer[0][0], Sequence) and not isinstance(layer[0][0], str):
        return layer[0], (layer[1] if len(layer) == 2 else None)
    return layer, None


def evaluate(net: Sequence, x: Sequence[Fraction]) -> list[Fraction]:
    """net(x) in exact arithmetic: ReLU after every layer but the last (docs/overview.md §1); a layer is a
    matrix or a pair (W, b)."""
    h = list(x)
    for i, layer in enumerate(net):
        w, b = layer_parts(layer)
        h = [sum((wij * hj for wij, hj in zip(row, h, strict=True) if wij), Fraction(0)) for row in w]
        if b is not None:
            h = [v + bi for v, bi in zip(h, b, strict=True)]
        if i < len(net) - 1:
            h = [v if v > 0 else Fraction(0) for v in h]
    return h


def error_sq(target: Sequence, pruned: Sequence, x: Sequence[Fraction]) -> Fraction:
    """‖G̃(x) − F(x)‖₂², exactly."""
    return sum(((g - f) ** 2 for g, f in zip(evaluate(pruned, x), evaluate(target, x), strict=True)),
               Fraction(0))


def as_fraction(v: object, where: str) -> Fraction:
    """The exact value of a rational or finite float (a float's value, never its decimal spelling);
    ValueError naming ``where`` otherwise."""
    if isinstance(v, bool) or not isinstance(v, Rational | float):
        raise ValueError(f"{where}: expected a Fraction, got {type(v).__name__}")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"{where}: weight is not finite ({v})")
    return Fraction(v)


def input_dim(net: object) -> int | None:
    """The input dimension of a network as given (its first layer's row length), None if it is malformed."""
    if not isinstance(net, Sequence) or not net:
        return None
    w, _ = layer_parts(net[0])
    if isinstance(w, Sequence) and w and isinstance(w[0], Sequence):
        return len(w[0])
    return None


def validate_affine(net: Sequence, name: str) -> AffineNet:
    """``net`` as pairs (W, b) of Fractions (b = zeros where no bias is given), after checking that it is a
    non-empty chain of well-formed layers."""
    if not isinstance(net, Sequence) or not net or isinstance(net, str):
        raise ValueError(f"{name}: expected a non-empty list of layers (weight matrices or (W, b) pairs)")
    out: AffineNet = []
    for i, layer in enumerate(net):
        w, b = layer_parts(layer)
        if not isinstance(w, Sequence) or not w or not all(isinstance(r, Sequence) and r for r in w):
            raise ValueError(f"{name} layer {i + 1}: expected a non-empty (out, in) list of lists")
        width = len(w[0])
        if any(len(r) != width for r in w):
            raise ValueError(f"{name} layer {i + 1}: rows have different lengths")
        if out and width != len(out[-1][0]):
            raise ValueError(f"{name} layer {i + 1}: takes {width} inputs but layer {i} has {len(out[-1][0])} "
                             "outputs")
        mat = [[as_fraction(v, f"{name} layer {i + 1} [{r}][{c}]") for c, v in enumerate(row)]
               for r, row in enumerate(w)]
        if b is None:
            bias = [Fraction(0)] * len(mat)
        elif not isinstance(b, Sequence) or isinstance(b, str) or len(b) != len(mat):
            raise ValueError(f"{name} layer {i + 1}: the bias must be a list of {len(mat)} numbers")
        else:
            bias = [as_fraction(v, f"{name} layer {i + 1} bias [{r}]") for r, v in enumerate(b)]
        out.append((mat, bias))
    return out


def has_bias(net: AffineNet) -> bool:
    return any(any(b) for _, b in net)


def validate(net: Sequence, name: str) -> Net:
    """``net`` as Fraction matrices, after checking that it is a non-empty chain of well-formed layers without
    (nonzero) biases."""
    aff = validate_affine(net, name)
    if has_bias(aff):
        raise ValueError(f"{name}: has nonzero biases; use validate_affine")
    return [w for w, _ in aff]


def drop_dead(net: Net) -> Net:
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


def drop_dead_affine(net: AffineNet) -> AffineNet:
    """``drop_dead`` for affine layers: a hidden neuron with a zero weight row is the constant σ(b_r), which is
    folded into the next layer's bias; one whose output column is zero is removed. net(x) is unchanged."""
    net = [([row[:] for row in w], b[:]) for w, b in net]
    changed = True
    while changed:
        changed = False
        for i in range(len(net) - 1):
            (w, b), (nxt, nb) = net[i], net[i + 1]
            keep = [r for r in range(len(w)) if any(w[r]) and any(row[r] for row in nxt)]
            if len(keep) == len(w):
                continue
            for r in range(len(w)):
                if not any(w[r]) and b[r] > 0:  # constant σ(b_r) = b_r
                    nb = [v + row[r] * b[r] for v, row in zip(nb, nxt, strict=True)]
            if keep:
                net[i] = ([w[r] for r in keep], [b[r] for r in keep])
                net[i + 1] = ([[row[r] for r in keep] for row in nxt], nb)
                changed = True
            else:  # the layer is constant: keep one silent neuron for the shapes
                silent = ([[Fraction(0)] * len(w[0])], [Fraction(0)]), ([[Fraction(0)] for _ in nxt], nb)
                if (net[i], net[i + 1]) != silent:
                    net[i], net[i + 1] = silent
                    changed = True
    return net


def _check_counts(d: int, d_pruned: int, outs: tuple[int, int], kept: tuple[int, int], hidden: int) -> None:
    if d_pruned != d:
        raise ValueError(f"input dimensions differ: target {d}, pruned {d_pruned}")
    if outs[0] != outs[1]:
        raise ValueError(f"output dimensions differ: target {outs[0]}, pruned {outs[1]}")
    if d > MAX_INPUT_DIM:
        raise ValueError(f"input dimension {d} is above the exact oracle's limit of {MAX_INPUT_DIM}")
    for name, k in zip(("target", "pruned"), kept, strict=True):
        if k > MAX_KEPT_WEIGHTS:
            raise ValueError(f"{name} keeps {k} nonzero weights (after removing dead neurons); the exact "
                             f"oracle's limit is {MAX_KEPT_WEIGHTS}")
    if hidden > MAX_HIDDEN_NEURONS:
        raise ValueError(f"{hidden} hidden neurons (after removing dead ones) is above the exact oracle's "
                         f"limit of {MAX_HIDDEN_NEURONS}")


def check_sizes(target: Net, pruned: Net) -> None:
    """ValueError unless both networks have the same input and output dimensions and lie within the limits."""
    _check_counts(len(target[0][0]), len(pruned[0][0]), (len(target[-1]), len(pruned[-1])),
                  tuple(sum(1 for w in net for row in w for v in row if v) for net in (target, pruned)),
                  sum(len(w) for net in (target, pruned) for w in net[:-1]))


def check_affine_sizes(target: AffineNet, pruned: AffineNet) -> None:
    """``check_sizes`` for affine networks; nonzero biases count as kept weights."""
    _check_counts(len(target[0][0][0]), len(pruned[0][0][0]), (len(target[-1][0]), len(pruned[-1][0])),
                  tuple(sum(1 for w, b in net for row in [*w, b] for v in row if v) for net in (target, pruned)),
                  sum(len(w) for net in (target, pruned) for w, _ in net[:-1]))
