"""verify.testing's strategies and verify.pytest_plugin (issue 17): the strategies draw valid targets and domains within
their limits, every certified pair checks VALID and no attack beats its bound, and the plugin's ``assert_certified``
fixture and ``slt_slow`` marker work in a user's test file (run through pytest's ``pytester``)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from verify import api
from verify.domain import parse
from verify.kernel import check as kcheck
from verify.testing import MAX_DEPTH, MAX_WIDTH, certified_pairs, certify_settings, domains, targets

pytest_plugins = ["pytester"]


def _linears(model: nn.Sequential) -> list[nn.Linear]:
    return [m for m in model if isinstance(m, nn.Linear)]


@settings(max_examples=30, deadline=None)
@given(targets())
def test_targets_are_small_sequential_relu_mlps(model):
    linears = _linears(model)
    assert isinstance(model, nn.Sequential) and not model.training
    assert 1 <= len(linears) <= 3 and len(model) == 2 * len(linears) - 1
    assert all(isinstance(m, nn.ReLU) for m in list(model)[1::2])
    assert all(m.in_features <= 8 and m.out_features <= 8 for m in linears)
    assert all(m.weight.dtype == torch.float32 for m in linears)
    assert len({m.bias is None for m in linears}) == 1                # biases on every layer or on none
    for a, b in zip(linears, linears[1:], strict=False):
        assert a.out_features == b.in_features
    for m in linears:   # |w| ≤ scale/√fan_in with scale ≤ 4 (float32 rounding aside)
        assert float(m.weight.detach().abs().max()) <= 4 / math.sqrt(m.in_features) * (1 + 1e-6)


@settings(max_examples=10, deadline=None)
@given(targets(max_depth=2, max_width=4, bias=True, scale=2.0, saturation=1.0, inputs=3))
def test_target_options_are_honoured(model):
    """Fixed input dimension, biases, and full saturation: every weight sits at ±scale/√fan_in; the checker's reader
    takes the module as it is."""
    linears = _linears(model)
    assert linears[0].in_features == 3 and all(m.bias is not None for m in linears)
    for m in linears:
        assert torch.allclose(m.weight.abs(), torch.full_like(m.weight, 2 / math.sqrt(m.in_features)))
    target = api._source(model).target
    assert target.widths == [3] + [m.out_features for m in linears]


def test_strategy_limits_are_enforced():
    for bad in (dict(max_depth=MAX_DEPTH + 1), dict(max_width=0), dict(max_width=MAX_WIDTH + 1),
                dict(scale=(2.0, 1.0)), dict(saturation=1.5), dict(bias="yes")):
        with pytest.raises(ValueError):
            targets(**bad)
    with pytest.raises(ValueError):
        certified_pairs(k=0)
    with pytest.raises(ValueError):
        domains(kinds=("sphere",))


@settings(max_examples=40, deadline=None)
@given(domains(), st.integers(1, 16))
def test_domains_parse_for_any_input_dimension(text, d):
    dom = parse(text).for_inputs(d)
    assert dom.kind in ("ball", "box") and dom.reach > 0
    if dom.kind == "box":
        lo, hi = dom.bounds()
        assert (lo < hi).all() and len(lo) == d


@certify_settings
@given(certified_pairs())
def test_certified_pairs_check_valid_and_no_attack_beats_the_bound(pair):
    """The project's own property test over the strategies: every certificate the engine writes for a drawn target
    and domain is accepted by the independent checker, and neither the certificate's attack nor a fresh one exceeds
    the certified bound."""
    model, cert = pair
    ok = api.check(cert)
    assert cert.certified and ok.bound == cert.bound
    assert kcheck.verdict_line(ok)[0] == 0
    # info.empirical stores the attack rounded to nearest at 7 digits, and the attack evaluates in float64: on a tight
    # certificate (a 1x1 target on a box reaches its sup at a corner) either can sit a rounding above the exact bound
    assert cert.attack <= cert.bound * (1 + 1e-6)
    assert api.attack(model, cert, seed=cert.seed + 1) <= cert.bound * (1 + 1e-9)


USER_TESTS = '''
import pytest
from torch import nn
import torch

def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).eval()

@pytest.mark.slt_slow
def test_recipe_certifies(assert_certified):
    cert = assert_certified(mlp(), "1", domain="box:0,1", k=8)
    assert cert.certified and cert.k == 8

def test_recipe_too_ambitious(assert_certified):
    assert_certified(mlp(), "0.000001", domain="box:0,1", k=2)
'''


def test_plugin_fixture_and_marker_in_a_user_test_file(pytester):
    """The pytest11 entry point loads the plugin (no -p needed): one passing test, and one failing with the readable
    paragraph; the marker is registered (no unknown-mark warning) and deselects."""
    from importlib.metadata import entry_points

    assert any(e.value == "verify.pytest_plugin" for e in entry_points(group="pytest11")), \
        "the pytest11 entry point is not installed: run `pip install -e .` after changing pyproject.toml"
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-W", "error::pytest.PytestUnknownMarkWarning")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*not certified: bound * > eps 0.000001 at k=2 over the box [[]0, 1[]]^3; "
                                 "attack found * (tightness *); dominant layer * of 2 contributes *% (eta_*"])
    assert "Traceback" not in result.stdout.str()                # one paragraph, no traceback
    only_fast = pytester.runpytest("-m", "not slt_slow")
    only_fast.assert_outcomes(failed=1, deselected=1)
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.slt_slow: *"])


def test_helper_reports_a_refused_certificate_and_an_attack_above_the_bound(monkeypatch):
    """The two failures that should never happen, forced: the checker refusing, and an attack beating the bound."""
    from verify import pytest_plugin

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).eval()

    def refuse(cert, model=None, **_):
        raise kcheck.Invalid(5, "layers[0].eta is below the gadget error")

    with monkeypatch.context() as m:
        m.setattr(api, "check", refuse)
        with pytest.raises(pytest.fail.Exception, match=r"rejected the certificate \(Invalid: \[fact 5\] layers"):
            pytest_plugin.assert_certified(model, "10", k=4)
    with monkeypatch.context() as m:
        m.setattr(api, "attack", lambda *a, **kw: 1e6)
        with pytest.raises(pytest.fail.Exception, match=r"UNSOUND: the re-attack found an error of 1000000 > "):
            pytest_plugin.assert_certified(model, "10", k=4)
    assert pytest_plugin.assert_certified(model, "10", k=4).certified
