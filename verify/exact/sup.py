"""``exact_check``: decide exactly whether sup_{‖x‖₂ ≤ 1} ‖G̃(x) − F(x)‖₂ ≤ b, then bracket the true sup.

The bound is decided first; the sup is then bracketed by bisection on b: lower ends are exact errors at rational
points of the ball, upper ends are decided "no" answers. The reported ends are dyadic rationals.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from verify.exact.arith import round_up, sqrt_down, sqrt_scale, sqrt_up
from verify.exact.networks import MAX_INPUT_DIM, as_fraction, check_sizes, drop_dead, validate
from verify.exact.oracle import Oracle
from verify.exact.regions import Deadline, Enumerator

__all__ = ["ExactResult", "exact_check"]


@dataclass(frozen=True)
class ExactResult:
    """Outcome of ``exact_check``.

    sound      True iff ‖G̃(x) − F(x)‖₂ ≤ bound for every ‖x‖₂ ≤ 1 (decided exactly).
    sup_lower  < the true sup, within a relative ~2^-60 of the error of ``witness`` (‖witness‖₂ ≤ 1,
               its error evaluated exactly in Fractions).
    sup_upper  ≥ the true sup. sup_upper ≤ sup_lower·(1 + rel_tol) unless the time ran out first.
    witness    a rational point; when ``sound`` is False its error exceeds ``bound``. None if the sup is 0.
    tightness  bound / sup_upper (≤ bound / true sup), None when sup_upper = 0.
    """

    sound: bool
    bound: Fraction
    sup_lower: Fraction
    sup_upper: Fraction
    witness: list[Fraction] | None
    tightness: float | None
    seconds: float
    regions: int = 0           # activation cones enumerated
    cone_queries: int = 0      # cones that needed the exact per-cone decision


def exact_check(target: list[list[list[Fraction]]], pruned: list[list[list[Fraction]]], bound: Fraction, *,
                rel_tol: Fraction = Fraction(1, 1000), timeout_s: float = 60, method: str = "cones") -> ExactResult:
    """Decide exactly whether ‖G̃(x) − F(x)‖₂ ≤ bound for all ‖x‖₂ ≤ 1, and bracket the true sup.

    ``sound`` is decided first (exact; TimeoutError if that alone exceeds ``timeout_s``), then the sup is
    narrowed by bisection until sup_upper ≤ sup_lower·(1 + rel_tol) or the time is up (the bracket is then
    wider but still valid). Raises ValueError for malformed input or input above the size limits.
    ``method`` picks the exact per-cone decision: "cones" (copositivity on simplicial pieces, default)
    or "nlsat" (z3 nonlinear arithmetic; slower, kept as an independent cross-check).

    >>> one = Fraction(1)
    >>> r = exact_check([[[one]]], [[[one], [-one]], [[one, -one]]], Fraction(0))  # σ(x) − σ(−x) = x
    >>> r.sound, r.sup_upper
    (True, Fraction(0, 1))
    """
    t0 = time.monotonic()
    bound = as_fraction(bound, "bound")
    rel_tol = as_fraction(rel_tol, "rel_tol")
    if bound < 0:
        raise ValueError(f"bound must be ≥ 0, got {bound}")
    if rel_tol <= 0:
        raise ValueError(f"rel_tol must be > 0, got {rel_tol}")
    if method not in ("cones", "nlsat"):
        raise ValueError(f"method must be 'cones' or 'nlsat', got {method!r}")
    for name, net in (("target", target), ("pruned", pruned)):  # before converting a large model
        if isinstance(net, Sequence) and net and isinstance(net[0], Sequence) and net[0] \
                and isinstance(net[0][0], Sequence) and len(net[0][0]) > MAX_INPUT_DIM:
            raise ValueError(f"{name}: input dimension {len(net[0][0])} is above the exact oracle's limit "
                             f"of {MAX_INPUT_DIM}")
    t_net, p_net = validate(target, "target"), validate(pruned, "pruned")
    t_net, p_net = drop_dead(t_net), drop_dead(p_net)
    check_sizes(t_net, p_net)
    deadline = Deadline(timeout_s)
    regions = Enumerator(t_net, p_net, deadline).run()
    oracle = Oracle(t_net, p_net, regions, deadline, method)
    oracle.seed()
    sound = not oracle.decide(bound * bound)  # exact: no rounding of the bound

    factor = (1 + rel_tol / 2) ** 2
    while not _close(oracle.lo2, oracle.hi2(), rel_tol):
        # aim just above the best lower end; rounding b² up to 40 bits keeps the numbers small
        b2 = round_up(oracle.lo2 * factor) if oracle.lo2 else Fraction(0)
        try:
            if not oracle.decide(b2) and not _close(oracle.lo2, oracle.hi2(), rel_tol):
                break  # every cone is now below b2; only the dyadic rounding keeps the bracket open
        except TimeoutError:
            break

    lower, upper = _lower(oracle.lo2), sqrt_up(oracle.hi2())
    return ExactResult(
        sound=sound, bound=bound, sup_lower=lower, sup_upper=upper,
        witness=oracle.witness, tightness=float(bound / upper) if upper else None,
        seconds=time.monotonic() - t0, regions=len(regions), cone_queries=oracle.cone_queries)


def _close(lo2: Fraction, hi2: Fraction, rel_tol: Fraction) -> bool:
    """sup_upper ≤ sup_lower·(1 + rel_tol) for the dyadic roundings reported."""
    if hi2 == 0:
        return True
    return sqrt_up(hi2) <= _lower(lo2) * (1 + rel_tol)


def _lower(lo2: Fraction) -> Fraction:
    """A dyadic rational strictly below √lo2 when lo2 > 0 (so the witness achieves more than it)."""
    r = sqrt_down(lo2)
    return max(r - Fraction(1, sqrt_scale(lo2)), Fraction(0)) if r * r == lo2 else r
