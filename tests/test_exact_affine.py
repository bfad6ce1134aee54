"""Tests for the exact oracle with biases and box / ball domains (issue #13: verify/exact/affine.py).

The references here are independent of verify/exact/: a plain-Fraction forward pass, grids of exact rational
points, closed forms, and for one-dimensional inputs an exact walk along the line through every kink.
"""

from __future__ import annotations

import itertools
import math
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.exact import ExactResult, error_sq, evaluate, exact_check

F = Fraction
ZERO, ONE = F(0), F(1)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- independent references ---------------------------------------------------------------------------


def parts(layer) -> tuple[list, list]:
    if isinstance(layer, tuple):
        w, b = layer
        return w, (b if b is not None else [ZERO] * len(w))
    return layer, [ZERO] * len(layer)


def net_eval(net: list, x: list[Fraction]) -> list[Fraction]:
    """Reference forward pass: affine layers, ReLU after every layer except the last."""
    h = list(x)
    for i, layer in enumerate(net):
        w, b = parts(layer)
        h = [sum((a * v for a, v in zip(row, h, strict=True)), ZERO) + bi for row, bi in zip(w, b, strict=True)]
        if i < len(net) - 1:
            h = [max(v, ZERO) for v in h]
    return h


def err2(target: list, pruned: list, x: list[Fraction]) -> Fraction:
    return sum(((g - f) ** 2 for g, f in zip(net_eval(pruned, x), net_eval(target, x), strict=True)), ZERO)


def walk_max_1d(target: list, pruned: list, a: Fraction, b: Fraction) -> Fraction:
    """max of err2 over [a, b] for one-dimensional input, exactly: walk from a to b through every point where a
    pre-activation crosses 0. Each neuron carries (value, slope) at x⁺ (the right-sided pattern), so the next
    kink is the smallest positive −value/slope; err2 is convex between kinks, so kinks and ends suffice."""
    x, best = a, err2(target, pruned, [a])
    while x < b:
        step = b - x
        for net in (target, pruned):
            h = [(x, ONE)]
            for i, layer in enumerate(net):
                w, bias = parts(layer)
                pre = [(sum((c * v for c, (v, _) in zip(row, h, strict=True)), ZERO) + bi,
                        sum((c * s for c, (_, s) in zip(row, h, strict=True)), ZERO))
                       for row, bi in zip(w, bias, strict=True)]
                if i < len(net) - 1:
                    for v, s in pre:
                        if v > 0 and s < 0 or v < 0 and s > 0:
                            step = min(step, -v / s)
                    pre = [(v, s) if v > 0 or (v == 0 and s > 0) else (ZERO, ZERO) for v, s in pre]
                h = pre
        x += step
        best = max(best, err2(target, pruned, [x]))
    return best


def grid(lo: list[Fraction], hi: list[Fraction], n: int) -> list[list[Fraction]]:
    axes = [[l + (h - l) * k / n for k in range(n + 1)] for l, h in zip(lo, hi, strict=True)]
    return [list(p) for p in itertools.product(*axes)]


def lipschitz(target: list, pruned: list) -> float:
    """An upper bound on the Lipschitz constant of e = G̃ − F: Σ over both networks of Π ‖W_i‖_F (ReLU is
    1-Lipschitz, biases do not matter), inflated against float rounding."""
    return sum(math.prod(float(np.linalg.norm(np.array(parts(layer)[0], dtype=float))) for layer in net)
               for net in (target, pruned)) * (1 + 1e-9)


def in_box(x: list[Fraction], lo: list[Fraction], hi: list[Fraction]) -> bool:
    return all(a <= v <= b for v, a, b in zip(x, lo, hi, strict=True))


def assert_box_exact(res: ExactResult, target: list, pruned: list, lo: list, hi: list) -> Fraction:
    """On a box the sup is attained at the witness: its exact error² lies in the reported bracket."""
    if res.witness is None:
        assert res.sup_upper == 0
        return ZERO
    assert in_box(res.witness, lo, hi)
    m2 = err2(target, pruned, res.witness)
    assert res.sup_lower ** 2 < m2 <= res.sup_upper ** 2
    assert res.sup_upper <= res.sup_lower * (1 + F(1, 2 ** 50))
    return m2


def rand_rat(rng: np.random.Generator, shape: tuple[int, ...], den: int) -> list:
    vals = rng.integers(-2 * den, 2 * den + 1, size=shape)
    if len(shape) == 1:
        return [F(int(v), den) for v in vals]
    return [[F(int(v), den) for v in row] for row in vals]


def random_affine_pair(seed: int, d: int | None = None, max_hidden: int = 8) -> tuple[list, list, int]:
    """Tiny affine networks with random rational weights and biases: d ≤ 3 inputs, at most ``max_hidden``
    hidden neurons in both networks together; some layers given as plain matrices (no bias) or (W, None)."""
    rng = np.random.default_rng(seed)
    d = int(rng.integers(1, 4)) if d is None else d
    out = int(rng.integers(1, 3))
    budget = max_hidden
    nets = []
    for _ in range(2):
        widths = [d]
        for _ in range(int(rng.integers(0, 3))):
            if budget <= 0:
                break
            w = int(rng.integers(1, min(4, budget) + 1))
            widths.append(w)
            budget -= w
        widths.append(out)
        net = []
        for i in range(len(widths) - 1):
            den = int(rng.choice([2, 3, 4, 7, 8]))
            w = rand_rat(rng, (widths[i + 1], widths[i]), den)
            style = int(rng.integers(0, 4))
            if style == 0:
                net.append(w)
            elif style == 1:
                net.append((w, None))
            else:
                net.append((w, rand_rat(rng, (widths[i + 1],), den)))
        nets.append(net)
    return nets[0], nets[1], d


def random_box(rng: np.random.Generator, d: int) -> tuple[list[Fraction], list[Fraction]]:
    lo = [F(int(v), 4) for v in rng.integers(-6, 2, size=d)]
    hi = [l + F(int(v), 4) for l, v in zip(lo, rng.integers(1, 7, size=d), strict=True)]
    return lo, hi


# --- known suprema on boxes ---------------------------------------------------------------------------


def test_affine_error_max_is_at_the_corners() -> None:
    """No hidden layer: e(x) = A x + c is affine on the whole box, so the sup is the largest ‖A v + c‖ over the
    2^d corners v (‖·‖² convex). With one output and a symmetric box [−h, h] it is |c| + Σ |a_j| h_j."""
    a, c, h = [F(3, 4), F(-2, 3), F(1, 5)], F(-1, 7), [F(1), F(1, 2), F(3)]
    target = [([[F(1, 2), F(1, 3), ZERO]], [F(2, 7)])]
    pruned = [([[F(1, 2) + a[0], F(1, 3) + a[1], a[2]]], [F(2, 7) + c])]
    res = exact_check(target, pruned, ONE, domain=("box", [-v for v in h], h))
    true = abs(c) + sum(abs(x) * y for x, y in zip(a, h, strict=True))
    assert assert_box_exact(res, target, pruned, [-v for v in h], h) == true * true
    assert res.witness == [-h[0], h[1], -h[2]]  # the signs of −a (c < 0)
    assert res.sound == (true <= 1)
    # several outputs, a general box: the max over the corners, computed here directly
    target = [([[ONE, F(-2)], [F(1, 3), ZERO], [ZERO, F(5, 4)]], [F(1, 2), F(-1), ZERO])]
    pruned = [([[F(-1, 2), F(1, 4)], [ZERO, ONE], [F(2), F(-3, 2)]], None)]
    lo, hi = [F(-1, 2), F(1, 3)], [F(2), F(3, 4)]
    res = exact_check(target, pruned, ONE, domain=("box", lo, hi))
    corners = [list(v) for v in itertools.product(*zip(lo, hi, strict=True))]
    assert assert_box_exact(res, target, pruned, lo, hi) == max(err2(target, pruned, v) for v in corners)
    assert res.witness in corners and not res.sound


def test_sup_at_a_kink_inside_an_edge() -> None:
    """e(x) = 1 − |x₁ − 1/3| − x₂ on [0, 1]²: the sup 1 is attained only at (1/3, 0), inside the bottom edge, at the
    kink of |·| (no corner of the box, no point of a grid of step 1/10)."""
    third = F(1, 3)
    pruned = [([[ONE, ZERO], [-ONE, ZERO], [ZERO, ONE]], [-third, third, ZERO]), ([[-ONE, -ONE, -ONE]], [ONE])]
    target = [([[ZERO, ZERO]], [ZERO])]
    lo, hi = [ZERO, ZERO], [ONE, ONE]
    res = exact_check(target, pruned, ONE, domain=("box", lo, hi))
    assert res.sound and res.witness == [third, ZERO]
    assert assert_box_exact(res, target, pruned, lo, hi) == 1
    assert res.sup_upper == 1
    corners = max(err2(target, pruned, list(v)) for v in itertools.product((ZERO, ONE), repeat=2))
    gridmax = max(err2(target, pruned, p) for p in grid(lo, hi, 10))
    assert corners < gridmax < 1
    below = exact_check(target, pruned, 1 - F(1, 10**12), domain=("box", lo, hi))
    assert not below.sound and err2(target, pruned, below.witness) > below.bound ** 2
    assert in_box(below.witness, lo, hi)


def test_a_bound_just_below_the_sup_is_refuted_with_a_witness() -> None:
    target, pruned, d = random_affine_pair(7, d=2)
    lo, hi = [F(-1), F(-1, 2)], [F(1, 2), F(1)]
    exact = exact_check(target, pruned, ZERO, domain=("box", lo, hi))
    m2 = assert_box_exact(exact, target, pruned, lo, hi)
    assert m2 > 0 and not exact.sound
    for bound in (exact.sup_lower, exact.sup_lower * (1 - F(1, 10**9))):
        res = exact_check(target, pruned, bound, domain=("box", lo, hi))
        assert not res.sound
        assert in_box(res.witness, lo, hi) and err2(target, pruned, res.witness) > bound ** 2
    assert exact_check(target, pruned, exact.sup_upper, domain=("box", lo, hi)).sound


def test_relu_of_shifted_input_on_a_one_dimensional_box() -> None:
    """F(x) = σ(x − 1/2), G̃ ≡ 1/4 on [0, 2]: e = 1/4 − σ(x − 1/2), largest |e| = 5/4 at x = 2."""
    target = [([[ONE]], [F(-1, 2)]), [[ONE]]]
    pruned = [([[ZERO]], [F(1, 4)])]
    res = exact_check(target, pruned, F(5, 4), domain=("box", [ZERO], [F(2)]))
    assert res.sound and res.witness == [F(2)]
    assert not exact_check(target, pruned, F(5, 4) - F(1, 10**15), domain=("box", [ZERO], [F(2)])).sound


def test_degenerate_box_coordinates_are_fixed() -> None:
    """lo_j = hi_j: the box is lower-dimensional; a single point gives that point's error."""
    target, pruned, _ = random_affine_pair(3, d=2)
    lo, hi = [F(-1), F(1, 3)], [F(1), F(1, 3)]
    res = exact_check(target, pruned, ONE, domain=("box", lo, hi))
    m2 = assert_box_exact(res, target, pruned, lo, hi)
    assert res.witness[1] == F(1, 3)
    line = [(t, F(1, 3)) for t in (F(k, 200) - 1 for k in range(401))]
    assert max(err2(target, pruned, list(p)) for p in line) <= m2
    point = exact_check(target, pruned, ONE, domain=("box", [F(1, 2), F(1, 3)], [F(1, 2), F(1, 3)]))
    e2 = err2(target, pruned, [F(1, 2), F(1, 3)])
    assert point.sup_lower ** 2 < e2 <= point.sup_upper ** 2 or (e2 == 0 and point.sup_upper == 0)


def test_constant_and_unread_neurons_do_not_change_the_answer() -> None:
    """Padding G̃'s first hidden layer with a constant neuron (no input edge, bias 3/5, read with weight 5: it
    adds 3 to the next pre-activations, taken back from the next bias), a dead one (no input edge, bias −2) and
    one never read changes neither G̃ nor the answer (verify/exact/networks.py folds and drops them)."""
    rng = np.random.default_rng(11)
    target, _, _ = random_affine_pair(11, d=2)
    out = len(parts(target[-1])[0])
    w1, b1 = rand_rat(rng, (3, 2), 4), rand_rat(rng, (3,), 4)
    w2, b2 = rand_rat(rng, (2, 3), 3), rand_rat(rng, (2,), 3)
    w3 = rand_rat(rng, (out, 2), 5)
    pruned = [(w1, b1), (w2, b2), w3]
    padded = [([*w1, [ZERO, ZERO], [ZERO, ZERO], [F(1, 2), F(-1, 3)]], [*b1, F(3, 5), F(-2), ONE]),
              ([[*row, F(5), F(7), ZERO] for row in w2], [b - 3 for b in b2]), w3]
    x = [F(1, 3), F(-2, 7)]
    assert net_eval(padded, x) == net_eval(pruned, x)
    for domain in (("box", [-ONE, F(-1, 2)], [F(1, 2), ONE]), ("ball", F(3, 4))):
        base = exact_check(target, pruned, F(1, 2), domain=domain)
        again = exact_check(target, padded, F(1, 2), domain=domain)
        assert (again.sound, again.regions) == (base.sound, base.regions)
        assert again.sup_lower <= base.sup_upper and base.sup_lower <= again.sup_upper
        if domain[0] == "box":
            assert (again.sup_lower, again.sup_upper, again.witness) == (base.sup_lower, base.sup_upper,
                                                                         base.witness)


# --- against exact grids ------------------------------------------------------------------------------


def check_against_grid(target: list, pruned: list, d: int, lo: list, hi: list, n: int) -> ExactResult:
    res = exact_check(target, pruned, ONE, domain=("box", lo, hi))
    m2 = assert_box_exact(res, target, pruned, lo, hi)
    gridmax = max(err2(target, pruned, p) for p in grid(lo, hi, n))
    assert gridmax <= m2  # no rational grid point beats the oracle's sup
    half_diag = math.sqrt(sum(float((h - l) / n) ** 2 for l, h in zip(lo, hi, strict=True))) / 2
    assert math.sqrt(float(m2)) <= math.sqrt(float(gridmax)) + lipschitz(target, pruned) * half_diag + 1e-12
    assert res.sound == (m2 <= 1)
    return res


@pytest.mark.parametrize("seed", range(6))
def test_sup_over_box_against_a_fine_grid(seed: int) -> None:
    target, pruned, d = random_affine_pair(100 + seed)
    lo, hi = random_box(np.random.default_rng(seed), d)
    check_against_grid(target, pruned, d, lo, hi, {1: 400, 2: 40, 3: 12}[d])


@FAST
@given(seed=st.integers(0, 2**32 - 1))
def test_box_sup_property(seed: int) -> None:
    """Random tiny affine networks (d ≤ 2, ≤ 8 hidden neurons), random boxes: the sup is attained at a point of
    the box, no grid point exceeds it, and the grid comes within the Lipschitz gap; in 1-D it equals the
    exact kink walk."""
    rng = np.random.default_rng(seed)
    target, pruned, d = random_affine_pair(seed, d=int(rng.integers(1, 3)))
    lo, hi = random_box(rng, d)
    t0 = time.monotonic()
    res = check_against_grid(target, pruned, d, lo, hi, {1: 60, 2: 12}[d])
    assert time.monotonic() - t0 < 5
    if d == 1:
        assert err2(target, pruned, res.witness or lo) == walk_max_1d(target, pruned, lo[0], hi[0])


@pytest.mark.parametrize("seed", range(8))
def test_one_dimensional_box_equals_the_kink_walk(seed: int) -> None:
    target, pruned, _ = random_affine_pair(200 + seed, d=1)
    a, b = F(-3, 2), F(5, 4)
    res = exact_check(target, pruned, F(1, 2), domain=("box", [a], [b]))
    true = walk_max_1d(target, pruned, a, b)
    assert (err2(target, pruned, res.witness) if res.witness else ZERO) == true
    assert res.sound == (true <= F(1, 4))


def test_regions_of_the_lifted_network_partition_the_box() -> None:
    """Every generic point x of the box lies in exactly one enumerated open region (x, 1), where the region's
    linear map gives the exact error e(x) = A (x, 1)."""
    from verify.exact import _Deadline
    from verify.exact.affine import _regions

    rng = np.random.default_rng(5)
    target, pruned, d = random_affine_pair(42, d=3)
    lo, hi = random_box(rng, d)
    regions = _regions(_affine(target), _affine(pruned), lo, hi, _Deadline(60))
    for _ in range(150):
        x = [l + (h - l) * F(int(rng.integers(1, 10**6)), 10**6) for l, h in zip(lo, hi, strict=True)]
        xt = [*x, ONE]
        inside = [r for r in regions if all(sum((a * b for a, b in zip(g, xt, strict=True)), ZERO) > 0
                                            for g in r.cone)]
        assert len(inside) == 1
        ax = [sum((a * b for a, b in zip(row, xt, strict=True)), ZERO) for row in inside[0].a]
        assert ax == [g - f for g, f in zip(net_eval(pruned, x), net_eval(target, x), strict=True)]
    for reg in regions:
        assert all(ray[-1] > 0 and in_box([F(v, ray[-1]) for v in ray[:-1]], lo, hi) for ray in reg.rays)


def _affine(net: list) -> list:
    return [(parts(layer)[0], list(parts(layer)[1])) for layer in net]


# --- balls --------------------------------------------------------------------------------------------


def test_affine_error_on_a_ball_closed_form() -> None:
    """e(x) = a·x + c with one output: the sup over the ball of radius r is |c| + r‖a‖, at r·sign(c)·a/‖a‖."""
    a, c, r = [F(3, 5), F(-4, 5)], F(-1, 3), F(3, 2)  # ‖a‖ = 1
    target = [([[ONE, ONE]], [ONE])]
    pruned = [([[ONE + a[0], ONE + a[1]]], [ONE + c])]
    true = abs(c) + r
    res = exact_check(target, pruned, true, domain=("ball", r), rel_tol=F(1, 10**6))
    assert res.sound
    assert res.sup_lower < true <= res.sup_upper <= res.sup_lower * (1 + F(1, 10**6))
    assert sum((v * v for v in res.witness), ZERO) <= r * r
    low = exact_check(target, pruned, true * (1 - F(1, 10**6)), domain=("ball", r))
    assert not low.sound and err2(target, pruned, low.witness) > low.bound ** 2
    assert sum((v * v for v in low.witness), ZERO) <= r * r


@pytest.mark.parametrize("seed", range(5))
def test_one_dimensional_ball_is_the_interval(seed: int) -> None:
    """In 1-D the ball of radius r is [−r, r]: the ball oracle (z3 per region) brackets the exact walk."""
    target, pruned, _ = random_affine_pair(300 + seed, d=1)
    r = F(5, 4)
    true = walk_max_1d(target, pruned, -r, r)
    res = exact_check(target, pruned, F(1, 2), domain=("ball", r), rel_tol=F(1, 10**4))
    assert res.sup_lower ** 2 < true <= res.sup_upper ** 2 or (true == 0 and res.sup_upper == 0)
    assert res.sound == (true <= F(1, 4))
    box = exact_check(target, pruned, F(1, 2), domain=("box", [-r], [r]))
    assert box.sound == res.sound


@pytest.mark.parametrize("seed", range(4))
def test_ball_with_biases_against_samples_and_a_circle_grid(seed: int) -> None:
    """2-D: no exact point of a radial grid (circle and interior) or of a random sample exceeds sup_upper, the
    grid comes within the Lipschitz gap of sup_lower, and a bound just below the sup is refuted."""
    target, pruned, d = random_affine_pair(400 + seed, d=2)
    r = F(1)
    res = exact_check(target, pruned, ONE, domain=("ball", r), rel_tol=F(1, 10**4))
    assert res.sup_upper <= res.sup_lower * (1 + F(1, 10**4))
    if res.witness is not None:
        assert sum((v * v for v in res.witness), ZERO) <= 1
        assert err2(target, pruned, res.witness) > res.sup_lower ** 2
    # rational points on circles of radius ρ: ((1 − u²), 2u)/(1 + u²)·ρ
    pts = []
    for rho in (F(1), F(3, 4), F(1, 2), F(1, 4), ZERO):
        for k in range(-200, 201):
            u = F(k, 40)
            pts.append([rho * (1 - u * u) / (1 + u * u), rho * 2 * u / (1 + u * u)])
    gridmax = max(err2(target, pruned, p) for p in pts)
    assert gridmax <= res.sup_upper ** 2
    # the largest angular gap is at u = ±5 (angle step ≤ 2/(1 + u²)/40) and the radial step is 1/4
    gap = lipschitz(target, pruned) * (1 / 40 + 1 / 8)
    assert float(res.sup_lower) <= math.sqrt(float(gridmax)) + gap + 1e-12
    if res.sup_lower > 0:
        low = exact_check(target, pruned, res.sup_lower * F(999, 1000), domain=("ball", r))
        assert not low.sound and err2(target, pruned, low.witness) > low.bound ** 2
        assert sum((v * v for v in low.witness), ZERO) <= 1


@FAST
@given(seed=st.integers(0, 2**32 - 1))
def test_ball_with_biases_property(seed: int) -> None:
    """Random tiny affine networks (d ≤ 2, ≤ 5 hidden neurons) on a ball: samples never exceed sup_upper; a
    refuted bound comes with a witness of the ball exceeding it."""
    rng = np.random.default_rng(seed)
    target, pruned, d = random_affine_pair(seed, d=int(rng.integers(1, 3)), max_hidden=5)
    r = F(int(rng.integers(1, 9)), 4)
    bound = F(int(rng.integers(1, 12)), 4)
    res = exact_check(target, pruned, bound, domain=("ball", r), rel_tol=F(1, 100))
    assert res.sup_lower <= res.sup_upper <= res.sup_lower * (1 + F(1, 100)) or res.sup_upper == 0
    xs = rng.normal(size=(60, d))
    xs *= (rng.uniform(size=(60, 1)) ** (1 / d)) / np.linalg.norm(xs, axis=1, keepdims=True) * float(r)
    for x in xs:
        p = [F(float(v)) for v in x]
        if sum((v * v for v in p), ZERO) <= r * r:
            assert err2(target, pruned, p) <= res.sup_upper ** 2
            if err2(target, pruned, p) > bound ** 2:
                assert not res.sound
    if not res.sound:
        assert sum((v * v for v in res.witness), ZERO) <= r * r
        assert err2(target, pruned, res.witness) > bound ** 2


@pytest.mark.parametrize("seed", range(3))
def test_ball_with_biases_by_z3_alone(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the S-lemma certificates switched off every region beyond its vertex bound goes to z3: it proves a
    bound at the sup_upper found with them, refutes one just below sup_lower, and the brackets overlap."""
    from verify.exact import _BallOracle

    target, pruned, _ = random_affine_pair(600 + seed, d=2)
    dom = ("ball", F(3, 4))
    both = exact_check(target, pruned, ONE, domain=dom, rel_tol=F(1, 1000))
    for method in ("nlsat", "cones"):  # method="nlsat" switches the certificates off; then patch them off
        if method == "cones":
            monkeypatch.setattr(_BallOracle, "certified", lambda self, reg, b2: False)
        alone = exact_check(target, pruned, both.sup_upper, domain=dom, rel_tol=F(1, 1000), method=method)
        assert alone.sound and alone.cone_queries > 0
        assert alone.sup_lower <= both.sup_upper and both.sup_lower <= alone.sup_upper
        low = exact_check(target, pruned, both.sup_lower * F(999, 1000), domain=dom, method=method)
        assert not low.sound and err2(target, pruned, low.witness) > low.bound ** 2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([F(9, 10), F(99, 100), F(101, 100), F(11, 10)]))
def test_s_lemma_certificates_agree_with_z3(seed: int, scale: Fraction) -> None:
    """Per region and threshold b² around the region's numeric max over the ball: whenever an S-lemma certificate
    (exact copositivity) proves ‖e‖² ≤ b² on region ∩ ball, z3 finds no point above b² there, and no point of a
    sample of the region ∩ ball exceeds it."""
    from verify.exact import _BallOracle, _Deadline
    from verify.exact.affine import _mu_guesses, ball_region_witness, s_lemma_certificate

    rng = np.random.default_rng(seed)
    target, pruned, d = random_affine_pair(seed, d=2, max_hidden=4)
    r = F(int(rng.integers(2, 6)), 4)
    oracle = _BallOracle(_affine(target), _affine(pruned), r, _Deadline(60))
    regions = sorted(oracle.regions, key=lambda reg: reg.ub2, reverse=True)[:4]
    for reg in regions:
        x = oracle.polish(reg, oracle._start(reg))
        a = np.array([[float(v) for v in row] for row in reg.a])
        top = float(np.sum((a[:, :-1] @ x + a[:, -1]) ** 2))
        b2 = F(top).limit_denominator(1 << 30) * scale
        proof = next((mu for mu in _mu_guesses(reg, x) if s_lemma_certificate(reg, r * r, b2, mu)), None)
        if proof is None:
            continue
        assert ball_region_witness(reg, r * r, b2, d, 20_000) is None
        for _ in range(40):  # random points of the region (convex combinations of its vertices) in the ball
            lam = rng.dirichlet(np.ones(len(reg.rays)))
            p = [sum((F(float(w)) * F(ray[j], ray[-1]) for w, ray in zip(lam, reg.rays, strict=True)), ZERO)
                 for j in range(d)]
            if sum((v * v for v in p), ZERO) <= r * r:
                assert err2(target, pruned, p) <= b2


@pytest.mark.parametrize("seed", range(4))
def test_ball_oracle_agrees_with_the_cone_oracle_without_biases(seed: int) -> None:
    """Bias-free networks: the affine ball oracle (vertex bounds + z3 per region), run directly, decides the
    same as the copositivity cone oracle just below and just above the sup."""
    from verify.exact import _BallOracle, _Deadline

    rng = np.random.default_rng(seed)
    target, pruned, d = random_affine_pair(500 + seed, d=int(rng.integers(1, 4)))
    target = [parts(layer)[0] for layer in target]
    pruned = [parts(layer)[0] for layer in pruned]
    ref = exact_check(target, pruned, ONE, rel_tol=F(1, 10**4))
    below, above = (ref.sup_lower * F(999, 1000)) ** 2, (ref.sup_upper * F(1001, 1000)) ** 2
    t, p = _affine(target), _affine(pruned)
    oracle = _BallOracle(t, p, ONE, _Deadline(60))
    assert oracle.hi2() >= ref.sup_lower ** 2  # a proven bound from the start
    if ref.sup_lower > 0:
        assert oracle.decide(below) and err2(target, pruned, oracle.witness) > below
        assert sum((v * v for v in oracle.witness), ZERO) <= 1
    fresh = _BallOracle(t, p, ONE, _Deadline(60))
    assert not fresh.decide(above) and fresh.hi2() <= above


def test_radius_scales_a_bias_free_sup() -> None:
    """Bias-free networks are positively homogeneous: the sup over the ball of radius r is r times the unit one,
    with a witness of norm ≤ r."""
    target = [[[F(1), F(-2), F(2)]], [[ONE]]]
    pruned = [[[ZERO] * 3], [[ZERO]]]
    for r in (F(1, 3), F(5, 2)):
        res = exact_check(target, pruned, 3 * r, domain=("ball", r))
        assert res.sound and res.sup_lower < 3 * r <= res.sup_upper
        assert sum((v * v for v in res.witness), ZERO) <= r * r
        assert not exact_check(target, pruned, 3 * r * (1 - F(1, 10**9)), domain=("ball", r)).sound


def test_zero_biases_take_the_bias_free_path() -> None:
    """(W, b) with b = 0 or None on the unit ball is the old call: identical answers."""
    target = [[[F(1, 2), F(-1, 3)], [ONE, F(1, 4)]], [[ONE, F(-1, 2)]]]
    pruned = [[[F(1, 2), ZERO], [ZERO, F(1, 4)]], [[F(1, 2), ONE]]]
    old = exact_check(target, pruned, F(1, 2))
    new = exact_check([(target[0], [ZERO, ZERO]), (target[1], None)], [(w,) for w in pruned], F(1, 2),
                      domain=("ball", ONE))
    assert (old.sound, old.sup_lower, old.sup_upper, old.witness) == (new.sound, new.sup_lower, new.sup_upper,
                                                                      new.witness)
    # a neuron without input edge and with a negative bias is σ(−1) = 0: still the bias-free function
    dead = [([*pruned[0], [ZERO, ZERO]], [ZERO, ZERO, F(-1)]), [[*row, F(5)] for row in pruned[1]]]
    again = exact_check(target, dead, F(1, 2))
    assert (again.sound, again.sup_lower, again.sup_upper, again.witness, again.regions) == \
        (old.sound, old.sup_lower, old.sup_upper, old.witness, old.regions)


# --- API, input checks and limits -----------------------------------------------------------------------


def test_evaluate_and_error_sq_accept_affine_layers() -> None:
    target = [([[ONE, F(-1)]], [F(1, 2)]), [[F(2)]]]
    pruned = [([[F(1, 3), ZERO]], None)]
    x = [F(1, 4), F(-1, 2)]
    assert evaluate(target, x) == net_eval(target, x) == [F(5, 2)]
    assert error_sq(target, pruned, x) == err2(target, pruned, x) == (F(1, 12) - F(5, 2)) ** 2
    assert evaluate([[[ONE, ONE]]], x) == [F(-1, 4)]


def test_malformed_domains_and_biases_are_refused() -> None:
    net = [([[ONE, ONE]], [ONE])]
    for domain, msg in [(("box", [ZERO], [ONE]), "box lo must be a list of 2"),
                        (("box", [ONE, ZERO], [ZERO, ONE]), "lo must be <= hi"),
                        (("ball", ZERO), "radius must be > 0"), (("ball", F(-1)), "radius must be > 0"),
                        (("cube", ONE), "domain must be"), ("ball", "domain must be"),
                        (("box", [ZERO, "a"], [ONE, ONE]), "expected a Fraction")]:
        with pytest.raises(ValueError, match=msg):
            exact_check(net, net, ONE, domain=domain)
    with pytest.raises(ValueError, match="bias must be a list of 1"):
        exact_check([([[ONE, ONE]], [ONE, ONE])], net, ONE)
    with pytest.raises(ValueError, match="bias"):
        exact_check([([[ONE, ONE]], [float("inf")])], net, ONE)
    with pytest.raises(ValueError, match="input dimension 5"):
        exact_check([([[ONE] * 5], [ONE])], net, ONE)


def test_limits_count_biases_and_regions(monkeypatch: pytest.MonkeyPatch) -> None:
    from verify.exact import MAX_KEPT_WEIGHTS, affine

    n = MAX_KEPT_WEIGHTS  # n hidden neurons with one weight and one bias each: 2n kept entries in layer 1
    wide = [([[ONE, ZERO]] * n, [ONE] * n), ([[ONE] * n], None)]
    with pytest.raises(ValueError, match="nonzero weights"):
        exact_check(wide, [([[ONE, ZERO]], None)], ONE, domain=("box", [ZERO, ZERO], [ONE, ONE]))
    target, pruned, _ = random_affine_pair(1, d=2)
    assert exact_check(target, pruned, ONE, domain=("box", [-ONE, -ONE], [ONE, ONE])).regions > 3
    monkeypatch.setattr(affine, "MAX_REGIONS", 3)
    for domain in (("box", [-ONE, -ONE], [ONE, ONE]), ("ball", ONE)):
        with pytest.raises(ValueError, match="more than 3 activation regions in the domain: above the exact"):
            exact_check(target, pruned, ONE, domain=domain)


def test_time_limit_applies_to_boxes_and_balls() -> None:
    from test_exact import pair_pruned

    target, pruned = pair_pruned([3, 4, 3, 2], 8, seed=0)
    biased = [(w, [F(1, 8)] * len(w)) for w in pruned]
    with pytest.raises(TimeoutError, match="exact oracle"):
        exact_check(target, pruned, F(1, 10), timeout_s=0.01, domain=("box", [-ONE] * 3, [ONE] * 3))
    with pytest.raises(TimeoutError, match="exact oracle"):
        exact_check(target, biased, F(1, 10), timeout_s=0.01)
