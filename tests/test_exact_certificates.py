"""Issue 5: the exact oracle as a soundness referee for real certificates of tiny targets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SMALL, random_weights
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.certify import certify
from verify.cli import main
from verify.engine.construct import build
from verify.engine.model import target_from_weights
from verify.exact import exact_check
from verify.kernel import check, io
from verify.options import Eps, Options

TIGHTNESS: list[float] = []


def _save(tmp_path, weights):
    import torch
    from safetensors.torch import save_file

    path = tmp_path / "t.safetensors"
    save_file({f"{2 * i}.weight": torch.from_numpy(w).float().contiguous() for i, w in enumerate(weights)},
              str(path))
    return path


@settings(max_examples=60 if SMALL else 300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 6), method=st.sampled_from(["pair", "subset-sum"]),
       norm=st.sampled_from(["spectral", "frobenius"]))
def test_no_certificate_is_unsound(tmp_path_factory, seed, k, method, norm):
    rs = np.random.RandomState(seed)
    widths = [int(rs.randint(1, 5)), int(rs.randint(1, 5))] + [int(rs.randint(1, 4))
                                                              for _ in range(int(rs.randint(1, 3)))]
    path = _save(tmp_path_factory.mktemp("exact"), random_weights(widths, seed, scale=float(rs.choice([0.5, 2.0]))))
    from verify.engine.model import load_target

    loaded = load_target(path)
    built = build(loaded.weights, Options(method=method, seed=seed % 100, device="cpu", norm=norm), k=k)
    res = certify(loaded, Eps.parse("1000"), built, empirical=False)
    target, pruned = check.exact_networks(check.check_certificate(res.cert, path))
    out = exact_check(target, pruned, io.parse_decimal(res.cert["claim"]["bound"]), timeout_s=60)
    assert out.sound, (out.witness, res.cert["claim"]["bound"])
    assert out.sup_upper <= io.parse_decimal(res.cert["claim"]["bound"])
    if out.tightness is not None:
        TIGHTNESS.append(out.tightness)


def test_tightness_report():
    """Runs after the property test (file order): report the tightness ratios seen (bound / true sup)."""
    if not TIGHTNESS:
        pytest.skip("no tightness ratios collected (run the whole file)")
    t = sorted(TIGHTNESS)
    print(f"\ncertificate tightness (bound / exact sup) over {len(t)} tiny targets: min {t[0]:.3g}, "
          f"median {t[len(t) // 2]:.3g}, max {t[-1]:.3g}")
    assert t[0] >= 1.0


def test_an_unsound_bound_is_caught_with_a_witness(tmp_path):
    """Adversarial: shrink a valid certificate's bound below the true sup; the oracle must find a witness."""
    w = random_weights([2, 3, 2], seed=5)
    target = target_from_weights(w)
    res = certify(target, Eps.parse("1000"), build(target.weights, Options(method="pair", seed=1, device="cpu"), k=3),
                  empirical=False)
    path = _save(tmp_path, w)
    cert = json.loads(json.dumps(res.cert))
    cert["model"]["sha256"] = __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    cert["model"]["format"] = "safetensors"
    t, g = check.exact_networks(check.check_certificate(cert, path))
    exact = exact_check(t, g, io.parse_decimal(cert["claim"]["bound"]))
    assert exact.sound
    too_small = exact.sup_lower * io.parse_decimal("0.9")
    lie = exact_check(t, g, too_small)
    assert not lie.sound and lie.witness is not None


def test_cli_exact(tmp_path, capsys):
    from verify.engine.model import load_target

    path = _save(tmp_path, random_weights([3, 2, 2], seed=2))
    target = load_target(path)
    built = build(target.weights, Options(method="subset-sum", seed=0, device="cpu"), k=4)
    res = certify(target, Eps.parse("1000"), built, empirical=False)
    cert = tmp_path / "c.json"
    cert.write_text(json.dumps(res.cert))
    assert main(["check", str(cert), "--model", str(path), "--exact"]) == 0
    out = capsys.readouterr().out
    assert "VALID" in out and "EXACT: true sup" in out and "tightness" in out
