"""Tests for verify/exact/, the exact sup oracle for tiny networks.

The reference evaluator here is written independently of the module (plain Fractions), so a witness or
a sampled error is checked without trusting verify/exact/'s own arithmetic.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.exact import ExactResult, exact_check

F = Fraction
ZERO, ONE = F(0), F(1)


def net_eval(net: list, x: list[Fraction]) -> list[Fraction]:
    """Reference forward pass: ReLU after every layer except the last."""
    h = list(x)
    for i, w in enumerate(net):
        h = [sum((a * b for a, b in zip(row, h, strict=True)), ZERO) for row in w]
        if i < len(net) - 1:
            h = [max(v, ZERO) for v in h]
    return h


def err2(target: list, pruned: list, x: list[Fraction]) -> Fraction:
    return sum(((g - f) ** 2 for g, f in zip(net_eval(pruned, x), net_eval(target, x), strict=True)), ZERO)


def assert_bracket(res: ExactResult, sup2_lo: Fraction, sup2_hi: Fraction | None = None) -> None:
    """sup_lower² ≤ true sup² ≤ sup_upper², given the true sup² as an exact value or an exact interval."""
    sup2_hi = sup2_lo if sup2_hi is None else sup2_hi
    assert res.sup_lower ** 2 <= sup2_lo
    assert sup2_hi <= res.sup_upper ** 2


def assert_witness(res: ExactResult, target: list, pruned: list) -> None:
    assert res.witness is not None
    assert sum((v * v for v in res.witness), ZERO) <= 1
    assert err2(target, pruned, res.witness) > res.sup_lower ** 2


def to_fr(a: np.ndarray) -> list[list[Fraction]]:
    return [[F(float(v)) for v in row] for row in a]


def pair_pruned(widths: list[int], k: int, seed: int) -> tuple[list, list]:
    """A float32 target and a pair-pruned random network in the shape docs/gadgets.md §1 describes: each hidden
    neuron of an odd layer keeps one input edge; layer 1 keeps a positive-u and a negative-u neuron per
    weight, later layers only positive-u ones."""
    rng = np.random.default_rng(seed)
    target, pruned = [], []
    for i in range(len(widths) - 1):
        n, m = widths[i], widths[i + 1]
        w = (rng.uniform(-1, 1, (m, n)) * 0.7).astype(np.float32)
        u = rng.uniform(-1, 1, (n, k)).astype(np.float32)
        v = rng.uniform(-1, 1, (m, n, k)).astype(np.float32)
        big_u, big_v = np.zeros((k * n, n), np.float32), np.zeros((m, k * n), np.float32)
        for r in range(m):
            for j in range(n):
                signs = (1, -1) if i == 0 else (1,)
                for sgn in signs:
                    cand = [t for t in range(k) if sgn * u[j, t] > 0] or list(range(k))
                    t = min(cand, key=lambda t: abs(v[r, j, t] * abs(u[j, t]) - sgn * w[r, j]))
                    big_v[r, j * k + t], big_u[j * k + t, j] = v[r, j, t], u[j, t]
        target.append(to_fr(w))
        pruned += [to_fr(big_u), to_fr(big_v)]
    return target, pruned


def sample_ball(rng: np.random.Generator, d: int, n: int) -> list[list[Fraction]]:
    xs = rng.normal(size=(n, d))
    xs /= np.linalg.norm(xs, axis=1, keepdims=True)
    xs *= rng.uniform(size=(n, 1)) ** (1 / d)
    pts = [[F(float(v)) for v in x] for x in xs]
    return [p for p in pts if sum((v * v for v in p), ZERO) <= 1]


# --- known suprema ----------------------------------------------------------------------------------


def test_one_dimensional_pair_gadget_sup_is_the_larger_gadget_error() -> None:
    """G̃(x) = v1 σ(u1 x) + v2 σ(u2 x), F(x) = w x: the error is (P − w) σ(x) + (Q + w) σ(−x), so the sup
    over [−1, 1] is max(|P − w|, |Q + w|) (docs/gadgets.md §3)."""
    u1, u2, v1, v2, w = F(3, 4), F(-1, 2), F(1, 2), F(3, 5), F(1, 3)
    target, pruned = [[[w]]], [[[u1], [u2]], [[v1, v2]]]
    p, q = v1 * u1, v2 * abs(u2)
    true = max(abs(p - w), abs(q + w))
    res = exact_check(target, pruned, true)
    assert res.sound  # the bound equals the sup: not exceeded
    assert_bracket(res, true * true)
    assert res.sup_upper <= res.sup_lower * (1 + F(1, 1000))
    assert res.tightness is not None and 0.999 < res.tightness <= 1
    low = exact_check(target, pruned, true * F(999_999, 1_000_000))
    assert not low.sound
    assert_witness(low, target, pruned)
    assert err2(target, pruned, low.witness) > low.bound ** 2


def test_tiny_errors_keep_relative_precision() -> None:
    """A gadget error of 2^-100 (far below any fixed absolute rounding) is still bracketed to rel_tol."""
    w, tiny = F(1, 3), F(1, 2**100)
    target, pruned = [[[w]]], [[[ONE], [-ONE]], [[w + tiny, -w]]]  # error: tiny·σ(x)
    res = exact_check(target, pruned, tiny)
    assert res.sound and 0 < res.sup_lower < tiny <= res.sup_upper <= res.sup_lower * (1 + F(1, 1000))
    assert not exact_check(target, pruned, tiny * F(999, 1000)).sound


def test_linear_target_against_silent_network_gives_the_spectral_norm() -> None:
    """F(x) = W x with W = [[1, 1], [0, 1]] and G̃ ≡ 0: the sup is ‖W‖₂ = golden ratio (irrational)."""
    target = [[[ONE, ONE], [ZERO, ONE]]]
    pruned = [[[ZERO, ZERO]], [[ZERO], [ZERO]]]
    res = exact_check(target, pruned, F(2), rel_tol=F(1, 10**6))
    mpmath.mp.dps = 60
    phi = (1 + mpmath.sqrt(5)) / 2
    assert mpmath.mpf(res.sup_lower.numerator) / res.sup_lower.denominator < phi
    assert phi <= mpmath.mpf(res.sup_upper.numerator) / res.sup_upper.denominator
    assert res.sup_upper <= res.sup_lower * (1 + F(1, 10**6))
    assert res.sound and res.tightness == pytest.approx(2 / float(phi), rel=1e-5)
    assert not exact_check(target, pruned, F(1618, 1000)).sound
    assert exact_check(target, pruned, F(1619, 1000)).sound


def test_single_relu_neuron_sup_is_the_weight_norm() -> None:
    """F(x) = σ(w·x), w = (1, −2, 2), G̃ ≡ 0: sup over the ball is ‖w‖ = 3, attained at w/3."""
    target = [[[F(1), F(-2), F(2)]], [[ONE]]]
    pruned = [[[ZERO] * 3], [[ZERO]]]
    res = exact_check(target, pruned, F(3))
    assert res.sound
    assert_bracket(res, F(9))
    assert_witness(res, target, pruned)
    res = exact_check(target, pruned, F(3) - F(1, 10**9))
    assert not res.sound
    assert err2(target, pruned, res.witness) > res.bound ** 2
    assert sum((v * v for v in res.witness), ZERO) <= 1


def test_relu_against_identity_one_sided_error() -> None:
    """F(x) = x, G̃(x) = σ(x): the error is σ(−x), sup 1 at x = −1; a bound of 1/2 is caught."""
    target, pruned = [[[ONE]]], [[[ONE]], [[ONE]]]
    res = exact_check(target, pruned, F(1, 2))
    assert not res.sound
    assert_bracket(res, ONE)
    assert res.witness is not None and res.witness[0] < 0
    assert err2(target, pruned, res.witness) > F(1, 4)


def test_exact_gadget_has_zero_error_and_no_witness() -> None:
    """σ(x) − σ(−x) = x exactly: the sup is 0, sound even for bound 0, tightness undefined."""
    res = exact_check([[[ONE]]], [[[ONE], [-ONE]], [[ONE, -ONE]]], ZERO)
    assert res.sound and res.sup_lower == res.sup_upper == 0
    assert res.witness is None and res.tightness is None


def test_dead_and_unread_neurons_do_not_change_the_answer() -> None:
    target, pruned = pair_pruned([2, 2, 1], 4, seed=3)
    base = exact_check(target, pruned, F(1, 3))
    # a neuron with no input edge and one whose output is never read
    padded = [[*pruned[0], [ZERO, ZERO], [F(1, 2), F(-1, 3)]]] + [[[*row, F(5), ZERO] for row in pruned[1]]]
    padded += pruned[2:]
    again = exact_check(target, padded, F(1, 3))
    assert (again.sound, again.sup_lower, again.sup_upper) == (base.sound, base.sup_lower, base.sup_upper)


# --- against sampling and against the independent method -------------------------------------------


def test_two_dimensional_sup_matches_a_dense_angle_grid() -> None:
    """In 2-D the sup over the ball is the max over the unit circle. A grid of 20000 angles (evaluated in
    float64) comes within L·π/20000 of it, L ≤ Σ over both networks of the product of Frobenius norms."""
    target, pruned = pair_pruned([2, 3, 2], 6, seed=11)
    res = exact_check(target, pruned, ONE, rel_tol=F(1, 10**4))
    ts = np.linspace(0, 2 * math.pi, 20000, endpoint=False)
    outs = []
    for net in (target, pruned):
        h = np.stack([np.cos(ts), np.sin(ts)])
        for i, w in enumerate(net):
            h = np.array(w, dtype=float) @ h
            h = np.maximum(h, 0) if i < len(net) - 1 else h
        outs.append(h)
    grid = float(np.max(np.linalg.norm(outs[1] - outs[0], axis=0)))  # float64: compared with 1e-9 slack
    lip = sum(math.prod(float(np.linalg.norm(np.array(w, dtype=float))) for w in net) for net in (target, pruned))
    assert grid <= float(res.sup_upper) * (1 + 1e-9)
    assert float(res.sup_lower) <= grid + lip * math.pi / 20000
    assert res.sup_upper <= res.sup_lower * (1 + F(1, 10**4))


@pytest.mark.parametrize("seed", range(6))
def test_cone_method_agrees_with_z3_nlsat(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = int(rng.integers(1, 4))
    target, pruned = pair_pruned([d, int(rng.integers(1, 4)), int(rng.integers(1, 3))], 4, seed)
    bound = F(int(rng.integers(1, 8)), 10)
    a = exact_check(target, pruned, bound, rel_tol=F(1, 100), method="cones")
    b = exact_check(target, pruned, bound, rel_tol=F(1, 100), method="nlsat")
    assert a.sound == b.sound
    assert a.sup_lower <= b.sup_upper and b.sup_lower <= a.sup_upper


def random_network_pair(seed: int) -> tuple[list, list, int]:
    """A dense random target and a sparse random 'pruned' network of another depth, from an integer seed
    (hypothesis arrays of floats are mostly one repeated value)."""
    rng = np.random.default_rng(seed)
    d = int(rng.integers(1, 4))
    widths_f = [d, *rng.integers(1, 4, size=int(rng.integers(0, 3))).tolist(), int(rng.integers(1, 3))]
    widths_g = [d, *rng.integers(1, 5, size=int(rng.integers(1, 4))).tolist(), widths_f[-1]]
    target = [to_fr(rng.uniform(-1, 1, (widths_f[i + 1], widths_f[i])).astype(np.float32))
              for i in range(len(widths_f) - 1)]
    pruned = [to_fr((rng.uniform(-1, 1, (widths_g[i + 1], widths_g[i])) *
                     (rng.uniform(size=(widths_g[i + 1], widths_g[i])) < 0.6)).astype(np.float32))
              for i in range(len(widths_g) - 1)]
    return target, pruned, d


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), structured=st.booleans())
def test_sampled_errors_never_exceed_sup_upper(seed: int, structured: bool) -> None:
    if structured:
        rng = np.random.default_rng(seed)
        d = int(rng.integers(1, 4))
        target, pruned = pair_pruned([d, int(rng.integers(1, 4)), int(rng.integers(1, 3))], 4, seed)
    else:
        target, pruned, d = random_network_pair(seed)
    bound = F(1, 2)
    res = exact_check(target, pruned, bound, rel_tol=F(1, 100))
    assert res.sup_lower <= res.sup_upper <= res.sup_lower * (1 + F(1, 100)) or res.sup_upper == 0
    worst = max((err2(target, pruned, x) for x in sample_ball(np.random.default_rng(seed + 1), d, 150)),
                default=ZERO)
    assert worst <= res.sup_upper ** 2
    if worst > bound ** 2:
        assert not res.sound
    if res.witness is not None:
        assert_witness(res, target, pruned)
    if not res.sound:
        assert err2(target, pruned, res.witness) > bound ** 2


# --- limits and input checks ------------------------------------------------------------------------


def test_refuses_inputs_above_the_limits_and_malformed_ones() -> None:
    with pytest.raises(ValueError, match="input dimension 5"):
        exact_check([[[ONE] * 5]], [[[ONE] * 5], [[ONE]]], ONE)
    with pytest.raises(ValueError, match="nonzero weights"):
        exact_check([[[ONE] * 4] * 300], [[[ONE] * 4], [[ONE]] * 300], ONE)
    with pytest.raises(ValueError, match="output dimensions differ"):
        exact_check([[[ONE]]], [[[ONE]], [[ONE], [ONE]]], ONE)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        exact_check([[[ONE]], [[ONE, ONE]]], [[[ONE]]], ONE)
    with pytest.raises(ValueError, match="expected a Fraction"):
        exact_check([[["1"]]], [[[ONE]]], ONE)
    with pytest.raises(ValueError, match="not finite"):
        exact_check([[[float("nan")]]], [[[ONE]]], ONE)
    with pytest.raises(ValueError, match="bound must be"):
        exact_check([[[ONE]]], [[[ONE]]], F(-1))
    with pytest.raises(ValueError, match="method"):
        exact_check([[[ONE]]], [[[ONE]]], ONE, method="magic")


def test_time_limit_is_enforced() -> None:
    target, pruned = pair_pruned([3, 4, 3, 2], 8, seed=0)
    with pytest.raises(TimeoutError, match="exact oracle: time limit reached while"):
        exact_check(target, pruned, F(1, 10), timeout_s=0.01)


# --- the exact machinery on its own (private helpers: these are the parts soundness rests on) -------


def _brute_force_rays(cons: list[tuple[int, ...]], d: int) -> set[tuple[int, ...]]:
    """Extreme rays of {x : g·x ≥ 0} from every (d−1)-subset of constraints, with sympy's exact linear
    algebra (independent of verify/exact/regions.py's double description)."""
    import itertools

    import sympy

    from verify.exact import _primitive

    def dot(g: tuple[int, ...], c: list[Fraction]) -> Fraction:
        return sum((a * b for a, b in zip(g, c, strict=True)), ZERO)

    rays = set()
    for sub in itertools.combinations(cons, d - 1):
        null = sympy.Matrix([list(g) for g in sub]).nullspace() if d > 1 else [sympy.Matrix([1])]
        if len(null) != 1:
            continue
        vec = [F(int(v.p), int(v.q)) for v in null[0]]
        for cand in (vec, [-v for v in vec]):
            active = [list(g) for g in cons if dot(g, cand) == 0]
            if all(dot(g, cand) >= 0 for g in cons) and sympy.Matrix(active).rank() == d - 1:
                rays.add(_primitive(cand))
    return rays


@pytest.mark.parametrize("seed", range(4))
def test_regions_partition_space_and_reproduce_the_error(seed: int) -> None:
    """Every generic point lies in exactly one enumerated open cone, where A x is the exact error vector;
    each cone's rays are exactly its extreme rays (checked against a brute-force enumeration)."""
    pytest.importorskip("sympy")
    from verify.exact import _Deadline, _drop_dead, _Enumerator

    rng = np.random.default_rng(seed)
    d = [2, 3, 4, 4][seed]
    target, pruned = pair_pruned([d, 3, 2], 3, seed)
    if seed % 2 == 0:  # a dense random G̃ instead: cones cut by general hyperplanes in every layer
        pruned = [to_fr(rng.uniform(-1, 1, shape).astype(np.float32)) for shape in ((4, d), (3, 4), (2, 3))]
    regions = _Enumerator(_drop_dead(target), _drop_dead(pruned), _Deadline(60)).run()
    for x in sample_ball(rng, d, 120):
        inside = [r for r in regions if all(sum((a * b for a, b in zip(g, x, strict=True)), ZERO) > 0
                                            for g in r.cone)]
        assert len(inside) == 1
        ax = [sum((a * b for a, b in zip(row, x, strict=True)), ZERO) for row in inside[0].a]
        assert ax == [g - f for g, f in zip(net_eval(pruned, x), net_eval(target, x), strict=True)]
    for reg in regions[:40]:
        assert set(reg.rays) == _brute_force_rays(reg.cone, d)


@pytest.mark.parametrize(("n", "c"), [(3, F(3, 5)), (4, F(2, 5)), (4, F(1, 3))])
def test_copositivity_decided_at_full_size(n: int, c: Fraction) -> None:
    """A = I − c(J − I): every principal k×k block is copositive iff c ≤ 1/(k − 1), so for these (n, c)
    only the full matrix can fail (and it does iff c > 1/(n − 1), with λ = (1, …, 1) a witness)."""
    from verify.exact import _not_copositive_witness

    a = [[(c.denominator if i == j else -c.numerator) for j in range(n)] for i in range(n)]
    lam = _not_copositive_witness(a)
    assert (lam is not None) == (c > F(1, n - 1))
    if lam is not None:
        assert all(v > 0 for v in lam)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), borderline=st.booleans())
def test_copositivity_witness_agrees_with_z3(seed: int, borderline: bool) -> None:
    """λ ≥ 0 with λᵀAλ < 0 exists iff the Cottle–Habetler–Lemke recursion finds one (ground truth: z3's
    complete nonlinear arithmetic on the simplex). ``borderline``: positive diagonal and non-positive
    off-diagonal entries, where failures tend to show only in large principal blocks."""
    import z3

    from verify.exact import _not_copositive_witness

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5))
    if borderline:
        raw = -rng.integers(0, 5, size=(n, n))
        a = (raw + raw.T + np.diag(rng.integers(4, 12, size=n))).tolist()
    else:
        raw = rng.integers(-6, 7, size=(n, n))
        a = ((raw + raw.T) // 2 + np.diag(rng.integers(0, 4, size=n))).tolist()
    lam = _not_copositive_witness(a)
    ctx = z3.Context()
    v = [z3.Real(f"l{i}", ctx) for i in range(n)]
    solver = z3.SolverFor("QF_NRA", ctx=ctx)
    solver.add(*[t >= 0 for t in v], z3.Sum(v) == 1,
               z3.Sum([v[i] * v[j] * int(a[i][j]) for i in range(n) for j in range(n)]) < 0)
    assert (lam is not None) == (solver.check() == z3.sat)
    if lam is not None:
        assert all(t >= 0 for t in lam) and sum(lam[i] * a[i][j] * lam[j] for i in range(n) for j in range(n)) < 0


@pytest.mark.parametrize("method", ["cones", "nlsat"])
def test_decisions_without_numeric_help(method: str) -> None:
    """The exact per-cone decision alone (no sampled or optimized points) finds a point above a bound
    just below the sup, and proves a bound just above it."""
    from verify.exact import _Deadline, _drop_dead, _Enumerator, _Oracle

    target, pruned = pair_pruned([3, 3, 2], 4, seed=5)
    ref = exact_check(target, pruned, ONE, rel_tol=F(1, 10**4))
    t, p = _drop_dead(target), _drop_dead(pruned)
    below, above = (ref.sup_lower * F(999, 1000)) ** 2, (ref.sup_upper * F(1001, 1000)) ** 2
    oracle = _Oracle(t, p, _Enumerator(t, p, _Deadline(60)).run(), _Deadline(60), method)
    assert oracle.lo2 == 0 and oracle.decide(below)
    assert oracle.witness is not None and err2(target, pruned, oracle.witness) > below
    assert sum((v * v for v in oracle.witness), ZERO) <= 1
    fresh = _Oracle(t, p, _Enumerator(t, p, _Deadline(60)).run(), _Deadline(60), method)
    assert not fresh.decide(above)
    assert fresh.hi2() <= above
