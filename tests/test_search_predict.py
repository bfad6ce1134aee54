"""Issue #15: the width policy ``auto`` (predict k from a sample, build once, step up if it misses), ``smallest``
(today's doubling and bisection, unchanged) and the per-search cache of constructions (verify/search.py,
verify/predict.py)."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import random_weights
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.options import Options
from verify.predict import Predictor


@pytest.fixture(scope="module")
def small_target(small_model):
    from verify.engine.model import load_target

    return load_target(small_model["state_dict"])


@pytest.fixture
def counted(monkeypatch):
    """Every (k, options) that ``verify.search`` builds, in order (the real build runs)."""
    import verify.search as vs

    calls: list[tuple[int, Options]] = []
    real = vs.build

    def counting(weights, options, *, k, **kw):
        calls.append((k, options))
        return real(weights, options, k=k, **kw)

    monkeypatch.setattr(vs, "build", counting)
    return calls


def _old_search_width(bound_of_k, eps, k_max, k_start=1):
    """The search of verify/search.py before issue #15 (doubling, then bisection), over a table of bounds: the k it
    returns and the k it tried, in order.  ``smallest`` must do exactly this."""
    tried: dict[int, Fraction] = {}
    latest = None

    def bound_at(k):
        nonlocal latest
        if k not in tried:
            tried[k] = bound_of_k(k)
            if tried[k] <= eps:
                latest = k
        return tried[k]

    hi = max(1, min(k_start, k_max))
    if bound_at(hi) <= eps:
        lo = hi // 2
        while lo >= 1 and bound_at(lo) <= eps:
            hi, lo = lo, lo // 2
    else:
        lo = hi
        while bound_at(hi) > eps:
            if hi >= k_max:
                return None, list(tried)
            lo, hi = hi, min(2 * hi, k_max)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if bound_at(mid) <= eps:
            hi = mid
        else:
            lo = mid
    return latest, list(tried)


def _on_table(monkeypatch, bounds: dict[int, Fraction]):
    """verify.search's build and bounded replaced by a table of certified bounds (k → bound); returns the list of k
    built."""
    import verify.search as vs

    built: list[int] = []

    def fake_build(weights, options, k, **_):
        built.append(k)
        return SimpleNamespace(k=k, options=options)

    monkeypatch.setattr(vs, "build", fake_build)
    monkeypatch.setattr(vs, "bounded", lambda c: SimpleNamespace(construction=c, bound=bounds[c.k]))
    return built


class _Table:
    """A stand-in for predict.Predictor whose predictions come from ``table(k)``."""

    def __init__(self, table, samples: bool = True) -> None:
        self.table, self.cache, self.seconds, self.samples, self.k_max = table, {}, 0.0, samples, 1 << 20
        self.fraction = 0.1 if samples else 1.0

    def __call__(self, k: int):
        self.cache[k] = SimpleNamespace(bound=self.table(k))
        return self.cache[k]

    smallest_k = Predictor.smallest_k


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(certified=st.sets(st.integers(1, 40)), k_start=st.integers(1, 45), k_max=st.integers(1, 40))
def test_smallest_is_the_old_search_exactly(monkeypatch, certified, k_start, k_max):
    """``smallest`` (search_width, and find_width with that policy) tries the same k in the same order as the search
    before issue #15 and returns the same k, on any (non-monotone) table, building each k once."""
    from verify.search import find_width, search_width

    bounds = {k: Fraction(0 if k in certified else 2) for k in range(1, 46)}
    target = SimpleNamespace(weights=[], biases=[], widths=[2, 2, 2])
    built = _on_table(monkeypatch, bounds)
    want_k, want_order = _old_search_width(bounds.__getitem__, Fraction(1), k_max, k_start)
    order: list[int] = []
    found = search_width(target, Options(device="cpu"), Fraction(1), k_start=k_start, k_max=k_max,
                         on_try=lambda k, b: order.append(k))
    assert order == built == want_order and found.k == want_k and found.built == len(built)
    want_k, want_order = _old_search_width(bounds.__getitem__, Fraction(1), k_max)
    built.clear()
    found = find_width(target, Options(device="cpu", width="smallest"), Fraction(1), k_max=k_max)
    assert built == want_order and found.k == want_k and found.policy == "smallest"


def test_smallest_on_a_real_target_equals_search_width(small_target, counted):
    """find_width(policy "smallest") is search_width: the same k, bounds and constructions, each built once."""
    from verify.search import find_width, search_width

    opts = Options(device="cpu", rescale="layer")
    a = search_width(small_target, opts, Fraction(1, 2))
    n_a = len(counted)
    b = find_width(small_target, Options(device="cpu", rescale="layer", width="smallest"), Fraction(1, 2))
    assert (a.k, a.tried) == (b.k, b.tried) and a.built == b.built == n_a == len(counted) - n_a
    assert len(set(counted[:n_a])) == n_a
    assert a.summary.startswith("smallest: k-1 fails")


def test_auto_on_a_small_target_searches_by_building(small_target, counted):
    """Every layer of the 4-6-5-3 target is small enough to prune whole, so a prediction would cost a
    construction: ``auto`` runs the search of ``smallest`` (the same k and bounds, each k built once)."""
    from verify.predict import Predictor
    from verify.search import PREDICT_FRACTION, predict_width, search_width

    opts = Options(device="cpu")
    assert Predictor(small_target, opts).fraction == 1 > PREDICT_FRACTION
    found = predict_width(small_target, opts, Fraction(1, 2))
    n = len(counted)
    ref = search_width(small_target, opts, Fraction(1, 2))
    assert (found.k, found.tried, found.built) == (ref.k, ref.tried, n) and found.policy == "auto"
    assert found.predicted_k is None and found.summary.startswith("auto: k-1 fails")
    assert len(set(counted[:n])) == n


@pytest.fixture(scope="module")
def wide_target():
    """A 16-64-8 target whose first layer a prediction samples when the sample is small (``_sampled``)."""
    from verify.engine.model import target_from_weights

    return target_from_weights(random_weights([16, 64, 8], seed=3))


def _sampled(target, opts):
    return Predictor(target, opts, sample_weights=128, min_rows=8, forced_rows=4)


def test_auto_certifies_with_one_or_two_constructions(wide_target, counted):
    """``auto`` with a sampled prediction returns a certified construction of the k it reports (its bound recomputes
    to the same value) after at most two full constructions, none built twice, and reports the prediction."""
    from verify.certify import bound_of
    from verify.search import predict_width

    opts = Options(device="cpu")
    pred = _sampled(wide_target, opts)
    assert pred.samples and pred.fraction < 0.5
    found = predict_width(wide_target, opts, Fraction(1, 10), predictor=pred)
    assert found.chosen is not None and found.bound <= Fraction(1, 10) and found.policy == "auto"
    assert found.construction.k == found.k and bound_of(found.construction) == found.bound
    assert found.built == len(counted) <= 2 and len(set(counted)) == len(counted)
    assert found.predicted_k is not None and found.predicted[found.predicted_k] <= 0.1 / 1.25
    assert found.summary.startswith(f"auto: predicted k = {found.predicted_k}")


def test_auto_steps_up_when_the_prediction_is_too_optimistic(monkeypatch):
    """A prediction that is 4x too optimistic everywhere: the first k built misses, the next step is chosen from the
    prediction scaled by how far it fell short, and the k returned certifies; no k is built twice."""
    from verify.search import predict_width

    true = {k: Fraction(64, k * k) for k in range(1, 89)}          # certified bound 64/k², reaches 0.1 at k = 26
    built = _on_table(monkeypatch, true)
    target = SimpleNamespace(weights=[], biases=[], widths=[2, 2, 2])
    found = predict_width(target, Options(device="cpu"), Fraction(1, 10),
                          predictor=_Table(lambda k: float(true[k]) / 4))
    assert found.k is not None and true[found.k] <= Fraction(1, 10)
    assert built[0] == found.predicted_k < found.k and len(built) == len(set(built)) == found.built <= 3
    assert "stepped up" in found.summary


def test_auto_reports_not_reached_after_k_max(monkeypatch):
    """Nothing reaches eps: the prediction says so, k_max is built once and the search returns None."""
    from verify.search import predict_width

    built = _on_table(monkeypatch, dict.fromkeys(range(1, 89), Fraction(5)))
    target = SimpleNamespace(weights=[], biases=[], widths=[2, 2, 2])
    found = predict_width(target, Options(device="cpu"), Fraction(1), k_max=12, predictor=_Table(lambda k: 5.0))
    assert found.chosen is None and found.k is None and built == [12] and found.bound == 5


def test_known_construction_is_reused_not_rebuilt(small_target, counted):
    """A fixed k that missed (what ``certify --width-factor K`` hands to the search for its message) is reused by
    both policies, not built again."""
    from verify.certify import bounded
    from verify.engine.construct import build
    from verify.search import find_width

    opts = Options(device="cpu", width=4)
    known = bounded(build(small_target.weights, opts, k=4, biases=small_target.biases))
    assert known.bound > Fraction(1, 10)
    n0 = len(counted)
    auto = find_width(small_target, opts, Fraction(1, 10), known=known)
    assert auto.k > 4 and auto.tried[4] == known.bound and all(k != 4 for k, _ in counted[n0:])
    n1 = len(counted)
    smallest = find_width(small_target, opts, Fraction(1, 10), known=known, policy="smallest")
    assert smallest.tried[4] == known.bound and all(k != 4 for k, _ in counted[n1:])
    assert len(counted[n1:]) == smallest.built == len(smallest.tried) - 1


def test_auto_with_a_known_miss_starts_above_it(monkeypatch):
    """A fixed k that missed is not built again, and the prediction-driven steps start above it."""
    from verify.search import predict_width

    true = {k: Fraction(64, k * k) for k in range(1, 89)}
    built = _on_table(monkeypatch, true)
    target = SimpleNamespace(weights=[], biases=[], widths=[2, 2, 2])
    known = SimpleNamespace(construction=SimpleNamespace(k=20), bound=true[20])
    found = predict_width(target, Options(device="cpu"), Fraction(1, 10), known=known,
                          predictor=_Table(lambda k: float(true[k])))
    assert 20 not in built and min(built) > 20 and found.tried[20] == true[20] and true[found.k] <= Fraction(1, 10)


def test_builds_keeps_bounds_and_only_the_smallest_certified_construction(small_target, counted):
    from verify.search import Builds

    opts = Options(device="cpu", rescale="layer")
    b = Builds(small_target, Fraction(1, 2))
    bound8, c8 = b.get(16, opts)
    bound16, c16 = b.get(12, opts)
    assert c8 is not None and c16 is not None and b.built == 2
    assert b.get(16, opts) == (bound8, None)            # dropped: a smaller k reaches eps
    assert b.get(12, Options(device="cpu", rescale="layer", width="smallest"))[1] is c16   # width is not a key
    assert b.built == 2 and Counter(k for k, _ in counted) == {16: 1, 12: 1}


def test_prediction_is_exact_on_whole_layers(small_target):
    """Where every layer is pruned whole the prediction follows build step by step (assignments, rebalancing,
    refinement, bias gadget): its bound is the certified recursion δ_L up to the certifier's rounding (the
    prediction does not model the telescope block, which can only lower the certified bound)."""
    from verify.certify import bounded
    from verify.engine.construct import build
    opts = Options(device="cpu")
    pred = Predictor(small_target, opts)
    assert not pred.samples
    for k in (4, 9, 14):
        p = pred(k)
        assert p.exact and p.rows == tuple(small_target.widths[1:])
        b = bounded(build(small_target.weights, opts, k=k))
        assert p.bound == pytest.approx(float(b.rows[-1].delta), rel=1e-3)
        assert b.bound <= Fraction(b.rows[-1].delta)


def test_sampled_prediction_is_close_on_a_wider_layer():
    """A layer above the sample size is pruned on forced and random rows; the extrapolated bound lands near the
    certified one (benchmarks/predict.md measures larger targets)."""
    from verify.certify import bound_of
    from verify.engine.construct import build
    from verify.engine.model import target_from_weights

    target = target_from_weights(random_weights([48, 96, 8], seed=3))
    opts = Options(device="cpu", rescale="layer")
    pred = Predictor(target, opts, sample_weights=512, min_rows=16, forced_rows=8)
    assert pred.samples
    for k in (6, 10):
        p = pred(k)
        assert not p.exact and p.rows[0] < 96
        certified = float(bound_of(build(target.weights, opts, k=k)))
        assert certified / 1.5 <= p.bound <= certified * 1.5


def test_smallest_k_of_the_prediction():
    """Predictor.smallest_k on a table: a k predicted to reach the goal whose predecessor is not, within [lo, hi];
    None when even hi misses."""
    for table in ({k: 100.0 * 0.7 ** k for k in range(1, 200)},
                  {k: (5.0 if k < 37 else 0.01) for k in range(1, 200)},
                  {k: 50.0 / k for k in range(1, 200)}):
        fake = _Table(table.__getitem__)
        for goal, lo in ((0.1, 1), (1.0, 1), (0.02, 30), (0.5, 100)):
            k = fake.smallest_k(goal, lo, 150)
            want = next((kk for kk in range(lo, 151) if table[kk] <= goal), None)
            if want is None:
                assert k is None
            else:
                assert k is not None and table[k] <= goal and (k == lo or table[k - 1] > goal)
                if all(table[a] >= table[a + 1] for a in range(lo, 150)):   # monotone: the smallest
                    assert k == want


def test_width_policy_option():
    assert Options(width="smallest").width == "smallest"
    with pytest.raises(ValueError, match="smallest"):
        Options(width="largest")
    assert np.isscalar(Options(width=3).width)


def test_sampled_first_layer_models_the_uneven_allocation():
    """On a sampled first layer the prediction clears the failing side of the blocks ``gadgets.rebalanced`` would
    give more neurons (a worst error above 20 times the typical block's), and none where more than a quarter of the
    blocks are hard (rebalanced gives up there): without this the prediction kept spikes the construction
    removes (η_1 4.8x too large on 784-256-256-10 at k = 40, benchmarks/predict.md)."""
    import torch

    from verify.predict import _hard, _Rows

    rs = np.random.RandomState(0)
    m, n = 100, 40
    rows = np.arange(0, 100, 10)
    forced = np.arange(10) < 4
    err = torch.from_numpy(rs.uniform(-1e-4, 1e-4, (10, 2 * n)))
    err[1, 3] = 0.05          # a forced row's spike, E⁺ side of block 3
    err[7, n + 7] = -0.05     # a random row's spike, E⁻ side of block 7
    cleared = _hard(_Rows(rows, forced, m, None, err), np.zeros(10, dtype=np.int64))
    assert cleared is not None and cleared.nonzero().flatten().tolist() == [3, n + 7]
    part = _Rows(rows, forced, m, None, err, cleared)
    assert float(part.clear(err).abs().max()) <= 1e-4 and float(part.clear(err)[:, 4].abs().max()) > 0
    err[2, : n // 4 + 2] = 0.05   # more than a quarter of the blocks hard
    assert _hard(_Rows(rows, forced, m, None, err), np.zeros(10, dtype=np.int64)) is None
