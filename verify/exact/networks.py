"""The two networks as the oracle sees them: exact evaluation, input checks, dead-neuron removal and the size
limits (``MAX_*``) that keep the region enumeration small.

F(x) = W_L σ(⋯ σ(W_1 x)) and G̃(x) = M_K σ(⋯ σ(M_1 x)) (docs/overview.md §1; no ReLU after the last layer)
are lists of weight matrices of ``fractions.Fraction`` (PyTorch (out, in) convention)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Rational

from verify.exact.arith import Matrix

__all__ = ["MAX_HIDDEN_NEURONS", "MAX_INPUT_DIM", "MAX_KEPT_WEIGHTS", "Net", "as_fraction", "check_sizes",
           "drop_dead", "error_sq", "evaluate", "validate"]

MAX_INPUT_DIM = 4
MAX_KEPT_WEIGHTS = 512     # nonzero weights of each network, after removing dead neurons
MAX_HIDDEN_NEURONS = 128   # hidden neurons of both networks together, after removing dead neurons

Net = list[Matrix]


def evaluate(net: Sequence[Sequence[Sequence[Fraction]]], x: Sequence[Fraction]) -> list[Fraction]:
    """net(x) in exact arithmetic: ReLU after every layer but the last (docs/overview.md §1)."""
    h = list(x)
    for i, w in enumerate(net):
        h = [sum((wij * hj for wij, hj in zip(row, h, strict=True) if wij), Fraction(0)) for row in w]
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


def validate(net: Sequence, name: str) -> Net:
    """``net`` as Fraction matrices, after checking that it is a non-empty chain of well-formed layers."""
    if not isinstance(net, Sequence) or not net:
        raise ValueError(f"{name}: expected a non-empty list of weight matrices")
    out: Net = []
    for i, w in enumerate(net):
        if not isinstance(w, Sequence) or not w or not all(isinstance(r, Sequence) and r for r in w):
            raise ValueError(f"{name} layer {i + 1}: expected a non-empty (out, in) list of lists")
        width = len(w[0])
        if any(len(r) != width for r in w):
            raise ValueError(f"{name} layer {i + 1}: rows have different lengths")
        if out and width != len(out[-1]):
            raise ValueError(f"{name} layer {i + 1}: takes {width} inputs but layer {i} has {len(out[-1])} outputs")
        out.append([[as_fraction(v, f"{name} layer {i + 1} [{r}][{c}]") for c, v in enumerate(row)]
                    for r, row in enumerate(w)])
    return out


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


def check_sizes(target: Net, pruned: Net) -> None:
    """ValueError unless both networks have the same input and output dimensions and lie within the limits."""
    d = len(target[0][0])
    if len(pruned[0][0]) != d:
        raise ValueError(f"input dimensions differ: target {d}, pruned {len(pruned[0][0])}")
    if len(target[-1]) != len(pruned[-1]):
        raise ValueError(f"output dimensions differ: target {len(target[-1])}, pruned {len(pruned[-1])}")
    if d > MAX_INPUT_DIM:
        raise ValueError(f"input dimension {d} is above the exact oracle's limit of {MAX_INPUT_DIM}")
    for name, net in (("target", target), ("pruned", pruned)):
        kept = sum(1 for w in net for row in w for v in row if v)
        if kept > MAX_KEPT_WEIGHTS:
            raise ValueError(f"{name} keeps {kept} nonzero weights (after removing dead neurons); the exact "
                             f"oracle's limit is {MAX_KEPT_WEIGHTS}")
    hidden = sum(len(w) for net in (target, pruned) for w in net[:-1])
    if hidden > MAX_HIDDEN_NEURONS:
        raise ValueError(f"{hidden} hidden neurons (after removing dead ones) is above the exact oracle's "
                         f"limit of {MAX_HIDDEN_NEURONS}")
