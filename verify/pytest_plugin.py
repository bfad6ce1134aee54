"""pytest plugin of slt-verify (issue 17), registered through the ``pytest11`` entry point (pyproject.toml).

* fixture ``assert_certified``: the helper ``assert_certified(model, eps, *, domain=None, k=None, options=None)``
  below.  It certifies ``model`` at ``eps`` (``verify.api.certify``), checks the certificate with the independent
  checker (``verify.api.check``), re-attacks G̃ with a fresh seed (``verify.api.attack``) and returns the
  ``Certificate``; otherwise the test fails with one readable paragraph: the bound against ε, the width factor, the
  domain, what the attack found and which layer dominates the bound.
* marker ``slt_slow``: for slow certification tests (``pytest -m "not slt_slow"`` leaves them out).

Importing this module loads neither torch nor hypothesis (pytest imports it in every session of an environment where
slt-verify is installed); the helper imports the engine when it is first called.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from verify.api import Certificate, Model
    from verify.options import Options

__all__ = ["assert_certified", "MARKER"]

MARKER = "slt_slow"
# The re-attack evaluates F and G̃ in float64: on a tight certificate it may find the exact sup plus a rounding error.
RELATIVE_ROUNDING = 1e-9


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: a slow slt-verify certification test (deselect with "
                                       f"-m 'not {MARKER}')")


def assert_certified(model: Model, eps: str | float, *, domain: str | None = None, k: int | None = None,
                     options: Options | None = None) -> Certificate:
    """Certify ``model`` at ``eps`` over ``domain`` (default: ``options.domain``, the unit ball), check the
    certificate independently and re-attack G̃; return the Certificate, or fail the test with a readable paragraph.

    ``k`` fixes the width factor (faster and reproducible; default: ``options.width``, ``"auto"`` searching as
    ``--width-factor auto`` does).  A model, ε or domain the tool refuses raises ``InputError`` (an error of the
    test, not a failure)."""
    from verify import api

    opts = options if options is not None else api.Options()
    if k is not None:
        opts = replace(opts, width=k)
    try:
        cert = api.certify(model, eps, domain=domain, options=opts)
    except api.NotReachedError as e:
        missed = e
    else:
        missed = None
    if missed is not None:   # outside the except clause: the failure reads as one paragraph, not a chain
        tried: dict[int, object] = getattr(missed, "tried", {})
        if not tried:
            pytest.fail(f"not certified: {missed}", pytrace=False)
        best = min(tried, key=tried.get)   # rebuild the best k tried, to say what limits it
        cert = api.certify(model, eps, domain=domain, options=replace(opts, width=best))
        pytest.fail(f"not certified: no width factor up to {getattr(missed, 'k_max', '?')} reaches eps {eps}; the "
                    f"best one tried: {cert.explain()}", pytrace=False)
    if not cert.certified:
        pytest.fail(f"not certified: {cert.explain()}", pytrace=False)
    refused = _refusal(cert)
    if refused is not None:
        pytest.fail(f"the independent checker rejected the certificate ({refused}); {cert.explain()}", pytrace=False)
    found = api.attack(cert.model_bytes if cert.model_bytes is not None else cert.model_path, cert,
                       seed=(cert.seed + 1) % 2**32)
    if found > cert.bound * (1 + RELATIVE_ROUNDING):
        pytest.fail(f"UNSOUND: the re-attack found an error of {found:.9g} > the certified bound "
                    f"{cert.json['claim']['bound']}; {cert.explain()}", pytrace=False)
    return cert


def _refusal(cert: Certificate) -> str | None:
    """The checker's objection to ``cert`` in one line, or None when it is VALID."""
    from verify import api

    try:
        api.check(cert)
    except (api.Invalid, api.Unusable, api.NotReachedError) as e:
        return f"{type(e).__name__}: {e}"
    return None


@pytest.fixture(name="assert_certified", scope="session")
def assert_certified_fixture():
    """The helper ``verify.pytest_plugin.assert_certified``: certify, check, re-attack, or fail readably (stateless,
    so session-scoped: Hypothesis's @given may use it)."""
    return assert_certified
