"""CPU/CUDA parity (docs/devices.md): on a CUDA machine every engine result and every certificate byte equals the CPU's.

The CUDA tests run verify/engine/parity.py's checks with devices ("cpu", "cuda") and are skipped, with the reason,
where ``torch.cuda.is_available()`` is False (this project's CI).  The CPU tests run the same harness with ("cpu",
"cpu") in a subprocess — it must pass and compare something in every check, and with ``--perturb`` it must fail in
every check — test the exact primitives the parity rests on against independent oracles, and run the GPU benchmark
script in its ``--quick`` form on the CPU.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import torch

from verify.engine import parity
from verify.engine.runtime import cpu_forward, exact_ldexp, grid_accumulate, grid_sum, pow2

ROOT = Path(__file__).resolve().parent.parent
CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="needs CUDA: torch.cuda.is_available() is False on this machine")
DEVICES = ("cpu", "cuda")


def _assert_identical(outcomes: list[parity.Outcome]) -> None:
    for o in outcomes:
        assert o.compared > 0, f"{o.name}: nothing compared"
        assert not o.mismatches, o.line()


# --- on a CUDA machine ---------------------------------------------------------------------------------------


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("check", ["generator", "primitives", "subset-sum"])
def test_cuda_kernels_bit_identical(check: str) -> None:
    _assert_identical(parity.run_checks(DEVICES, only=[check]))


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("target", ["digits-mlp", "bias-mlp", "cnn"])
def test_cuda_construction_bit_identical(target: str) -> None:
    _assert_identical(parity.run_checks(DEVICES, only=[f"construction {target}"]))


@pytest.mark.gpu
@needs_cuda
def test_cuda_construction_ignores_tf32_and_cudnn_benchmark() -> None:
    """TF32 and cuDNN's benchmark mode on (what a user's process may set) change nothing (docs/devices.md §3)."""
    with parity.lenient_cuda():
        assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.benchmark
        _assert_identical(parity.run_checks(DEVICES, only=["construction bias-mlp", "construction cnn"]))


@pytest.mark.gpu
@needs_cuda
def test_cuda_certify_files_byte_identical() -> None:
    """certify at fixed k (MLP with biases, CNN) and with the default width search: certificate and --save-pruned
    files byte for byte, the certificate after its info.device label."""
    _assert_identical(parity.run_checks(DEVICES, only=["certify"]))


@pytest.mark.gpu
@needs_cuda
def test_cuda_attack_runs_on_cpu_copy() -> None:
    """The attack reported in the certificate evaluates G̃ on the CPU (docs/devices.md §3) and equals G̃ on CUDA up to
    float64 rounding."""
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Options

    t = load_target(parity.DATA / "digits_bias_mlp.pt")
    c = build(t.weights, Options(device="cuda", domain="box:0,1"), k=4, biases=t.biases)
    x = torch.rand(64, t.in_features, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    on_cpu = cpu_forward(c)(x)
    assert on_cpu.device.type == "cpu" and c.forward(x).is_cuda
    assert torch.allclose(on_cpu, c.forward(x).cpu(), rtol=1e-12, atol=1e-12)


# --- on every machine: the harness itself --------------------------------------------------------------------


def _harness(*extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verify.engine.parity", "--devices", "cpu", "cpu", "--quick",
                           *extra], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_harness_passes_cpu_vs_cpu_and_compares_every_check() -> None:
    res = _harness()
    assert res.returncode == 0, res.stdout + res.stderr
    lines = dict(re.findall(r"^PASS (.+?): (\d+) results bit-identical \(cpu vs cpu\)$", res.stdout, re.M))
    assert set(lines) == set(parity.CHECKS), res.stdout
    # every result the harness is meant to compare was compared (counts of the quick form)
    assert int(lines["generator"]) == 9 and int(lines["primitives"]) == 4 and int(lines["subset-sum"]) == 6
    assert all(int(lines[f"construction {t}"]) >= 40 for t in ("digits-mlp", "bias-mlp", "cnn"))
    assert int(lines["certify"]) == 6
    assert f"parity: {len(parity.CHECKS)} of {len(parity.CHECKS)} checks bit-identical" in res.stdout


def test_harness_reports_a_difference_in_every_check() -> None:
    """--perturb changes one bit (byte, character) of B's first result in every check: every check must fail."""
    res = _harness("--perturb")
    assert res.returncode == 1, res.stdout + res.stderr
    failed = re.findall(r"^FAIL (.+?): 1 of (\d+) results differ \(cpu vs cpu\): (.+)$", res.stdout, re.M)
    assert {name for name, _, _ in failed} == set(parity.CHECKS), res.stdout
    assert all("differ" in why or "!=" in why for _, _, why in failed)
    assert f"parity: 0 of {len(parity.CHECKS)} checks bit-identical" in res.stdout


@pytest.mark.skipif(CUDA, reason="checks the answer when CUDA is missing")
def test_harness_refuses_a_missing_cuda_device(capsys) -> None:
    assert parity.main(["--devices", "cpu", "cuda", "--quick"]) == 2
    assert "torch.cuda.is_available() is False" in capsys.readouterr().err


def test_comparison_is_bitwise() -> None:
    cmp = parity.Comparison("unit", ("cpu", "cpu"))
    assert cmp.same("equal", torch.tensor([1.5, -0.0]), torch.tensor([1.5, -0.0]))
    assert not cmp.same("signed zero", torch.tensor([0.0]), torch.tensor([-0.0]))   # torch.equal says equal
    nan = torch.tensor([math.nan])
    assert cmp.same("same NaN", nan, nan.clone())                                   # torch.equal says differ
    assert not cmp.same("dtype", torch.tensor([1.0], dtype=torch.float64), torch.tensor([1.0]))
    assert not cmp.same("shape", torch.zeros(2, 1), torch.zeros(1, 2))
    assert not cmp.same("one ulp", torch.tensor([1.0]), torch.nextafter(torch.tensor([1.0]), torch.tensor([2.0])))
    assert not cmp.same("bytes", b"abc", b"abd") and not cmp.same("text", "a", "b")
    cmp.on("placed", torch.zeros(1), "cuda")
    o = cmp.outcome
    assert o.compared == 8 and len(o.mismatches) == 7 and not o.ok
    assert "computed on cpu, not cuda" in o.mismatches[-1]
    assert "first at flat index 0" in o.mismatches[0]
    assert not parity.Outcome("empty", ("cpu", "cpu")).ok   # comparing nothing is not a pass


# --- on every machine: the exact primitives the parity rests on ------------------------------------------------


def test_pow2_is_every_power_of_two_of_float64() -> None:
    t = torch.arange(-1200, 1200)
    want = [math.ldexp(1.0, e) if e < 1024 else math.inf for e in t.tolist()]
    assert pow2(t).tolist() == want
    assert torch.equal(pow2(t), torch.ldexp(torch.ones(len(t), dtype=torch.float64), t.double()))


def test_exact_ldexp_rounds_once_like_the_cpu() -> None:
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(5000, dtype=torch.float64, generator=gen) * torch.exp2(
        torch.randint(-600, 600, (5000,), generator=gen).double())
    t = torch.randint(-1100, 1100, (5000,), generator=gen)
    got, want = exact_ldexp(x, t), torch.ldexp(x, t.double())
    assert torch.equal(got.view(torch.int64), want.view(torch.int64))
    # an independent oracle where 2^t is a float64 (torch.ldexp's semantics, x·fl(2^t), differ from the
    # mathematical x·2^t beyond that): the exact product rounded by float() of a Fraction (round to nearest even)
    inside = (t >= -1074) & (t <= 1023)
    checked = 0
    for xi, ti, gi in zip(x[inside].tolist(), t[inside].tolist(), got[inside].tolist(), strict=True):
        checked += 1
        exact = Fraction(xi) * Fraction(2) ** ti
        assert gi == (float(exact) if abs(exact) < 2**1024 else math.copysign(math.inf, xi))
    assert checked > 4000


def test_grid_sums_are_exact_in_any_order() -> None:
    gen = torch.Generator().manual_seed(5)
    u = (torch.randint(-(2**24) + 1, 2**24, (300, 40), generator=gen) | 1)
    v = (torch.randint(-(2**24) + 1, 2**24, (300, 40), generator=gen) | 1)
    prods = (u * v).to(torch.float64) * 2.0**-48
    prods[0] = (2**48 - 1) * 2.0**-48            # 40 products just below 1: the sum needs 54 bits, rounded once
    want = [float(sum(Fraction(p) for p in row)) for row in prods.tolist()]
    assert grid_sum(prods, 1).tolist() == want
    assert grid_sum(prods.flip(1), 1).tolist() == want
    idx = torch.arange(300).repeat_interleave(40)
    order = torch.randperm(idx.numel(), generator=gen)
    assert grid_accumulate((300,), (idx[order],), prods.reshape(-1)[order]).tolist() == want


def test_cpu_forward_evaluates_a_copy_on_the_cpu(small_model) -> None:
    """What the certificate's attack evaluates (engine/runtime.py ``cpu_forward``): G̃ itself; here a construction
    that claims another device, so the copying path runs, must give the same bits."""
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Options

    t = load_target(small_model["state_dict"])
    c = build(t.weights, Options(device="cpu"), k=3)
    assert cpu_forward(c) == c.forward
    assert c.compact   # built on the construction's device, as on CUDA; then copied with it
    other = copy.copy(c)
    other.device = torch.device("cuda")   # tensors stay on the CPU: only the copying is exercised
    x = torch.randn(16, t.in_features, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    assert torch.equal(cpu_forward(other)(x), c.forward(x))
    assert other.device.type == "cuda"    # the construction itself is left as it was


# --- on every machine: the GPU benchmark script, in its quick form on the CPU ----------------------------------


def test_gpu_benchmark_quick_runs_on_cpu(tmp_path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_gpu.py"), "--device", "cpu", "--quick",
                          "--json", str(tmp_path / "rows.json")], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    rows = json.loads((tmp_path / "rows.json").read_text())
    assert [r["target"].split(" (quick")[0] for r in rows] == ["digits MLP", "digits CNN", "784-256-256-10",
                                                               "784-1024-1024-10"]
    for r in rows:
        assert r["device"] == "cpu" and r["certify_s"] > 0 and r["peak_rss_mib"] > 0
        assert r["kernel_us_per_weight"] > 0 and r["floor_us_per_weight"] > 0
        assert r["identical"] is True           # the second CPU process wrote the same certificate bytes
        assert r["verdict"] == "certified"
    assert res.stdout.count("\n| ") >= 5 and "| target " in res.stdout
