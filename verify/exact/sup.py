"""``exact_check``: decide exactly whether sup_{x ∈ D} ‖G̃(x) − F(x)‖₂ ≤ b, then bracket the true sup.

D is the ball of radius r (default: the unit ball) or a box [lo, hi]. Three cases:

* bias-free networks on a ball: the cone oracle (verify/exact/oracle.py; the radius is folded into layer 1,
  since e(r·y) is e of the networks with r·W_1). The bound is decided first; the sup is then bracketed by
  bisection on b: lower ends are exact errors at rational points of the ball, upper ends decided "no" answers;
* a box (biases or not): the max of ‖e‖² over the vertices of the regions (verify/exact/affine.py), exact: the
  sup is attained at ``witness``;
* networks with biases on a ball: ``affine.BallOracle`` (vertex bounds, then per region an S-lemma copositivity
  certificate or z3 nlsat), bracketed by bisection as in the first case.

The reported ends are dyadic rationals.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from verify.exact.affine import BallOracle, box_sup
from verify.exact.arith import round_up, sqrt_down, sqrt_scale, sqrt_up
from verify.exact.networks import (
    MAX_INPUT_DIM,
    as_fraction,
    check_affine_sizes,
    check_sizes,
    drop_dead,
    drop_dead_affine,
    has_bias,
    input_dim,
    validate_affine,
)
from verify.exact.oracle import Oracle
from verify.exact.regions import Deadline, Enumerator

__all__ = ["Domain", "ExactResult", "exact_check", "parse_domain"]

Domain = tuple  # ("ball", radius) or ("box", lo, hi); None: the unit ball


@dataclass(frozen=True)
class ExactResult:
    """Outcome of ``exact_check`` (D: the domain, by default the unit ball).

    sound      True iff ‖G̃(x) − F(x)‖₂ ≤ bound for every x in D (decided exactly).
    sup_lower  < the true sup, within a relative ~2^-60 of the error of ``witness`` (a rational point of D,
               its error evaluated exactly in Fractions). On a box the sup is attained at ``witness``.
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
    regions: int = 0           # activation cones (regions) enumerated
    cone_queries: int = 0      # cones that needed the exact per-cone decision
    vertices: int = 0          # region vertices evaluated exactly (box domains)


def parse_domain(domain: object, d: int) -> tuple[str, Fraction, list[Fraction], list[Fraction]]:
    """(kind, radius, lo, hi) of a domain argument for inputs of dimension d; ValueError if malformed."""
    if domain is None:
        return "ball", Fraction(1), [], []
    if not isinstance(domain, Sequence) or isinstance(domain, str) or not domain:
        raise ValueError(f"domain must be None, ('ball', radius) or ('box', lo, hi), got {domain!r}")
    kind = domain[0]
    if kind == "ball" and len(domain) in (1, 2):
        radius = as_fraction(domain[1], "ball radius") if len(domain) == 2 else Fraction(1)
        if radius <= 0:
            raise ValueError(f"ball radius must be > 0, got {radius}")
        return "ball", radius, [], []
    if kind == "box" and len(domain) == 3:
        lo, hi = domain[1], domain[2]
        for name, v in (("lo", lo), ("hi", hi)):
            if not isinstance(v, Sequence) or isinstance(v, str) or len(v) != d:
                raise ValueError(f"box {name} must be a list of {d} numbers (the input dimension)")
        lo = [as_fraction(v, f"box lo[{j}]") for j, v in enumerate(lo)]
        hi = [as_fraction(v, f"box hi[{j}]") for j, v in enumerate(hi)]
        if any(a > b for a, b in zip(lo, hi, strict=True)):
            raise ValueError("box: lo must be <= hi in every coordinate")
        return "box", Fraction(0), lo, hi
    raise ValueError(f"domain must be None, ('ball', radius) or ('box', lo, hi), got {domain!r}")


def exact_check(target: list, pruned: list, bound: Fraction, *, domain: Domain | None = None,
                rel_tol: Fraction = Fraction(1, 1000), timeout_s: float = 60, method: str = "cones") -> ExactResult:
    """Decide exactly whether ‖G̃(x) − F(x)‖₂ ≤ bound for all x in ``domain``, and bracket the true sup.

    A network is a list of layers, each a weight matrix (list of rows of Fraction, (out, in) convention) or a
    pair (W, b) with b a list of Fraction (None: no bias); no ReLU after the last layer. ``domain`` is None (the
    unit ball), ("ball", radius) or ("box", lo, hi) with lists lo ≤ hi of the input dimension.

    ``sound`` is decided first (exact; TimeoutError if that alone exceeds ``timeout_s``), then the sup is
    narrowed by bisection until sup_upper ≤ sup_lower·(1 + rel_tol) or the time is up (the bracket is then
    wider but still valid); on a box the sup is computed exactly at once. Raises ValueError for malformed input
    or input above the size limits. ``method`` picks the exact per-cone decision on a ball: "cones"
    (copositivity on simplicial pieces, default; with biases: an S-lemma copositivity certificate per region,
    z3 nlsat where none is found) or "nlsat" (z3 nonlinear arithmetic alone; slower, kept as an independent
    cross-check). On a box no such decision is needed (verify/exact/affine.py).

    >>> one = Fraction(1)
    >>> r = exact_check([[[one]]], [[[one], [-one]], [[one, -one]]], Fraction(0))  # σ(x) − σ(−x) = x
    >>> r.sound, r.sup_upper
    (True, Fraction(0, 1))
    >>> r = exact_check([([[one]], [one])], [[[one]]], one, domain=("box", [-one], [one]))  # |(x + 1) − x| = 1
    >>> r.sound, r.sup_lower < 1 <= r.sup_upper, r.witness
    (True, True, [Fraction(-1, 1)])
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
        d_in = input_dim(net)
        if d_in is not None and d_in > MAX_INPUT_DIM:
            raise ValueError(f"{name}: input dimension {d_in} is above the exact oracle's limit "
                             f"of {MAX_INPUT_DIM}")
    t_aff, p_aff = validate_affine(target, "target"), validate_affine(pruned, "pruned")
    kind, radius, lo, hi = parse_domain(domain, len(t_aff[0][0][0]))
    t_live, p_live = drop_dead_affine(t_aff), drop_dead_affine(p_aff)  # same functions
    check_affine_sizes(t_live, p_live)
    deadline = Deadline(timeout_s)

    if kind == "box":
        max2, x, n_regions, n_points = box_sup(t_aff, p_aff, lo, hi, deadline)
        lower, upper = _lower(max2), sqrt_up(max2)
        return ExactResult(
            sound=max2 <= bound * bound, bound=bound, sup_lower=lower, sup_upper=upper,
            witness=x if max2 > 0 else None, tightness=float(bound / upper) if upper else None,
            seconds=time.monotonic() - t0, regions=n_regions, vertices=n_points)

    if has_bias(t_live) or has_bias(p_live):  # a dead neuron's negative bias does not count
        oracle = BallOracle(t_aff, p_aff, radius, deadline, certificates=method == "cones")
        oracle.seed()
        sound = not oracle.decide(bound * bound)
        _bracket(oracle, rel_tol, bisect=True)
        return _result(oracle, bound, sound, t0, len(oracle.regions), lambda y: y)

    t_net, p_net = (_scaled([w for w, _ in net], radius) for net in (t_live, p_live))
    t_net, p_net = drop_dead(t_net), drop_dead(p_net)
    check_sizes(t_net, p_net)
    regions = Enumerator(t_net, p_net, deadline).run()
    oracle = Oracle(t_net, p_net, regions, deadline, method)
    oracle.seed()
    sound = not oracle.decide(bound * bound)  # exact: no rounding of the bound
    _bracket(oracle, rel_tol, bisect=False)
    return _result(oracle, bound, sound, t0, len(regions), lambda y: [radius * v for v in y])


def _scaled(net: list, radius: Fraction) -> list:
    """The network x ↦ net(radius·x): layer 1 times radius (exact)."""
    if radius == 1:
        return net
    return [[[radius * v for v in row] for row in net[0]], *net[1:]]


def _bracket(oracle: Oracle | BallOracle, rel_tol: Fraction, bisect: bool) -> None:
    """Narrow [lo2, hi2] until close or out of time. Each step decides b2 just above lo2 (a "no" closes the
    bracket; b2 = 0 while lo2 = 0). With ``bisect``, after two "yes" answers in a row (the numeric estimates were
    poor), the geometric middle while the bracket is wide (each answer then halves it on a log scale)."""
    factor = (1 + rel_tol / 2) ** 2
    yes = 0
    while not _close(oracle.lo2, oracle.hi2(), rel_tol):
        # aim just above the best lower end; rounding b² up to 40 bits keeps the numbers small
        b2 = round_up(oracle.lo2 * factor) if oracle.lo2 else Fraction(0)
        if bisect and yes >= 2 and oracle.hi2() > b2 * factor:
            b2 = max(b2, round_up(sqrt_up(oracle.lo2 * oracle.hi2())))
        try:
            if oracle.decide(b2):
                yes += 1
            else:
                yes = 0
                if not _close(oracle.lo2, oracle.hi2(), rel_tol) and oracle.hi2() <= round_up(oracle.lo2 * factor):
                    break  # every cone is now below b2; only the dyadic rounding keeps the bracket open
        except TimeoutError:
            break


def _result(oracle: Oracle | BallOracle, bound: Fraction, sound: bool, t0: float, n_regions: int,
            unscale) -> ExactResult:
    lower, upper = _lower(oracle.lo2), sqrt_up(oracle.hi2())
    return ExactResult(
        sound=sound, bound=bound, sup_lower=lower, sup_upper=upper,
        witness=unscale(oracle.witness) if oracle.witness is not None else None,
        tightness=float(bound / upper) if upper else None,
        seconds=time.monotonic() - t0, regions=n_regions, cone_queries=oracle.cone_queries)


def _close(lo2: Fraction, hi2: Fraction, rel_tol: Fraction) -> bool:
    """sup_upper ≤ sup_lower·(1 + rel_tol) for the dyadic roundings reported."""
    if hi2 == 0:
        return True
    return sqrt_up(hi2) <= _lower(lo2) * (1 + rel_tol)


def _lower(lo2: Fraction) -> Fraction:
    """A dyadic rational strictly below √lo2 when lo2 > 0 (so the witness achieves more than it)."""
    r = sqrt_down(lo2)
    return max(r - Fraction(1, sqrt_scale(lo2)), Fraction(0)) if r * r == lo2 else r
