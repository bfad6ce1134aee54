"""Hypothesis strategies for tests of certified lottery tickets (issue 17): targets, domains, certified pairs.

    from hypothesis import given
    from verify.testing import certified_pairs, certify_settings

    @certify_settings
    @given(certified_pairs())
    def test_my_tickets_check(pair):
        model, cert = pair
        verify.check(cert)                          # the independent checker accepts it
        assert cert.attack <= cert.bound            # and no attack beats the bound

Every strategy is bounded so that one example is quick (well under a second on a 2-core CPU for
``certified_pairs`` at its defaults): depth ≤ ``MAX_DEPTH``, widths ≤ ``MAX_WIDTH``, width factor ≤ ``MAX_K``, asked
for beyond those is a ValueError.  Certifying a pair is slower than Hypothesis's defaults expect, so use
``certify_settings`` (10 examples, no deadline, the too-slow health check off) or settings of your own.

Needs ``hypothesis`` (the ``test`` extra); torch is imported when an example is drawn.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from torch import nn

    from verify.api import Certificate

__all__ = ["targets", "domains", "certified_pairs", "certify_settings", "MAX_DEPTH", "MAX_WIDTH", "MAX_K"]

MAX_DEPTH = 4      # Linear layers of a target
MAX_WIDTH = 16     # inputs and neurons per layer
MAX_K = 32         # width factor of G in certified_pairs

#: Settings for tests that certify while drawing: 10 examples, no deadline, slow data generation allowed.
certify_settings = settings(max_examples=10, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_Range = float | tuple[float, float]


def _within(name: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")


def _floats(name: str, value: _Range, lo: float, hi: float) -> st.SearchStrategy[float]:
    """A fixed float or a (low, high) range, both within [lo, hi]."""
    a, b = (value, value) if isinstance(value, int | float) else value
    if not lo <= a <= b <= hi:
        raise ValueError(f"{name} must be a number or a (low, high) pair within [{lo}, {hi}], got {value!r}")
    return st.just(float(a)) if a == b else st.floats(a, b, allow_nan=False, allow_infinity=False)


def targets(*, max_depth: int = 3, max_width: int = 8, bias: bool | None = None, scale: _Range = (0.25, 4.0),
            saturation: _Range = (0.0, 0.5), inputs: int | None = None) -> st.SearchStrategy[nn.Sequential]:
    """Target MLPs F: ``nn.Sequential`` of ``Linear`` layers with one ``ReLU`` between consecutive ones, float32, in
    eval mode, 1..``max_depth`` layers of 1..``max_width`` neurons (``inputs``: a fixed input dimension).

    ``bias``: every layer with biases (True), none (False) or either (None, drawn).  Weights are uniform in
    ±``scale``/√fan_in (PyTorch's default init at scale 1), biases likewise; ``scale`` is a number or a range drawn
    from.  ``saturation`` is the fraction (or a range of it) of weights pushed to ±``scale``/√fan_in, the bound, as
    weights trained under clipping end up (the digits demo's MLP was trained with |w| ≤ 0.5; README, "Per-neuron
    rescaling pays where trained weights saturate").  The weights themselves come from a drawn torch seed, so they
    shrink as one value."""
    _within("max_depth", max_depth, 1, MAX_DEPTH)
    _within("max_width", max_width, 1, MAX_WIDTH)
    if inputs is not None:
        _within("inputs", inputs, 1, MAX_WIDTH)
    scales, saturations = _floats("scale", scale, 1e-3, 1e3), _floats("saturation", saturation, 0.0, 1.0)
    if bias not in (None, True, False):
        raise ValueError(f"bias must be True, False or None, got {bias!r}")

    @st.composite
    def build(draw) -> nn.Sequential:
        import torch
        from torch import nn

        depth = draw(st.integers(1, max_depth))
        widths = [inputs or draw(st.integers(1, max_width))] + [draw(st.integers(1, max_width)) for _ in range(depth)]
        has_bias = draw(st.booleans()) if bias is None else bias
        s, p = draw(scales), draw(saturations)
        gen = torch.Generator().manual_seed(draw(st.integers(0, 2**32 - 1)))
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            bound = s / math.sqrt(a)
            w = (torch.rand(b, a, generator=gen, dtype=torch.float64) * 2 - 1) * bound
            if p > 0:
                clipped = torch.where(w >= 0, bound, -bound)
                w = torch.where(torch.rand(b, a, generator=gen, dtype=torch.float64) < p, clipped, w)
            lin = nn.Linear(a, b, bias=has_bias)
            with torch.no_grad():
                lin.weight.copy_(w)
                if has_bias:
                    lin.bias.copy_((torch.rand(b, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
            layers.append(lin)
            if i + 1 < depth:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers).eval()

    return build()


def domains(*, kinds: tuple[str, ...] = ("ball", "box")) -> st.SearchStrategy[str]:
    """``--domain`` texts that ``verify.domain.parse`` accepts for any input dimension: ``ball``, ``ball:R``
    (R in (0, 4], multiples of 1/8) and ``box:LO,HI`` (LO < HI in [−2, 4], multiples of 1/4; LO ≥ 0 about half the
    time, the image-like case where layer 1 needs only positive weights).  ``kinds`` picks among "ball" and "box"."""
    if not kinds or set(kinds) - {"ball", "box"}:
        raise ValueError(f"kinds must be a non-empty subset of ('ball', 'box'), got {kinds!r}")
    options = []
    if "ball" in kinds:
        options += [st.just("ball"), st.integers(1, 32).map(lambda n: f"ball:{n / 8:g}")]
    if "box" in kinds:
        def box(lo_hi: tuple[int, int]) -> str:
            lo, width = lo_hi
            return f"box:{lo / 4:g},{(lo + width) / 4:g}"

        options += [st.tuples(st.integers(-8, 8), st.integers(1, 8)).map(box),
                    st.tuples(st.integers(0, 4), st.integers(1, 8)).map(box)]
    return st.one_of(*options)


def certified_pairs(*, max_depth: int = 2, max_width: int = 6, bias: bool | None = None,
                    domain: str | st.SearchStrategy[str] | None = None, k: int = 8,
                    eps: float | str | None = None) -> st.SearchStrategy[tuple[nn.Sequential, Certificate]]:
    """(target, certificate) pairs: a target from ``targets(max_depth=..., max_width=..., bias=...)`` certified by
    ``verify.api.certify`` at the fixed width factor ``k`` with a drawn seed, over ``domain`` (a text, a strategy, or
    None: drawn from ``domains()``), the attack run.  With ``eps=None`` the claim's ε is the bound rounded up, so
    every certificate is certified; with an ε the certificate may say not-certified (``cert.certified``)."""
    from verify.options import Options

    _within("k", k, 1, MAX_K)
    models = targets(max_depth=max_depth, max_width=max_width, bias=bias)
    places = domains() if domain is None else st.just(domain) if isinstance(domain, str) else domain

    @st.composite
    def build(draw) -> tuple[nn.Sequential, Certificate]:
        from verify.api import certify

        model = draw(models)
        options = Options(width=k, seed=draw(st.integers(0, 2**16)), device="cpu", domain=draw(places))
        return model, certify(model, eps, options=options)

    return build()
