"""Issue 13 end to end: tutorial-style MLPs (biases, Flatten, Dropout) certified over boxes and balls, checked
independently, and attacked through torch's own forward of both the target module and the exported G̃."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import torch
from conftest import SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from independent import bound_floor, kept_from_raw, pruned_from_raw, relu_net
from torch import nn

from verify.cli import main
from verify.domain import parse
from verify.engine.biases import constants, prune_biases
from verify.engine.subset_sum import brute_force_subsets
from verify.errors import InputError
from verify.kernel import check, rng

_ALLOWED = [nn.Sequential, nn.Linear, nn.ReLU, nn.Flatten, nn.Dropout, nn.Identity]


def _tutorial_mlp(seed: int) -> nn.Sequential:
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Flatten(), nn.Linear(9, 7), nn.ReLU(), nn.Dropout(0.2), nn.Linear(7, 5), nn.ReLU(),
                      nn.Linear(5, 3))
    return m.eval()


def _attack(f: nn.Module, g: nn.Module, lo: float, hi: float, d: int, seed: int) -> float:
    """The largest ‖g(x) − f(x)‖₂ over box corners, uniform points and signed-gradient ascent (float64)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.cat([(torch.rand(2048, d, generator=gen, dtype=torch.float64) < 0.5).double(),
                   torch.rand(2048, d, generator=gen, dtype=torch.float64)]) * (hi - lo) + lo
    f, g = f.double(), g.double()

    def err(x):
        return (g(x) - f(x.view(-1, 1, 3, 3))).norm(dim=1)

    with torch.no_grad():
        e = err(x)
    x = x[e.topk(16).indices].clone().requires_grad_(True)
    best = float(e.max())
    for step in range(40):
        ex = err(x)
        best = max(best, float(ex.max()))
        (grad,) = torch.autograd.grad(ex.sum(), x)
        with torch.no_grad():
            x = (x + 0.1 * 0.95 ** step * (hi - lo) * grad.sign()).clamp(lo, hi)
        x.requires_grad_(True)
    return best


@pytest.mark.parametrize("domain,lo,hi", [("box:0,1", 0.0, 1.0), ("box:-1,0.5", -1.0, 0.5)])
def test_tutorial_mlp_certifies_checks_and_the_export_is_never_beaten(tmp_path, capsys, domain, lo, hi):
    """`certify` accepts Flatten/Linear(bias)/ReLU/Dropout over a box, `check` accepts, the exported G̃ (a plain
    nn.Sequential loaded by torch with an allow-list) never exceeds the bound against torch's forward of the target
    over the box, and the claim's numbers recompose independently."""
    model = _tutorial_mlp(3)
    path = tmp_path / "tutorial.pt"
    torch.save(model, path)
    cert_path, pruned = tmp_path / "t.cert.json", tmp_path / "t.pruned.pt"
    code = main(["certify", str(path), "--eps", "0.05", "--domain", domain, "-o", str(cert_path),
                 "--save-pruned", str(pruned), "--device", "cpu"])
    out = capsys.readouterr().out
    assert code == 0, out
    cert = json.loads(cert_path.read_text())
    assert cert["model"]["modules"] == ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Linear"]
    assert cert["claim"]["domain"]["kind"] == "box" and cert["claim"]["domain"]["lo"] == [domain[4:].split(",")[0]] * 9
    assert cert["random_network"]["bias_block"] == 44
    assert sum(m["bias_kept"] for m in cert["mask"]) > 0          # constant neurons are kept
    assert main(["check", str(cert_path), "--model", str(path)]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"VALID: sup over the box [{domain[4:].replace(',', ', ')}]^9 of")
    ok = check.check_files(cert_path, path)
    bound = Fraction(cert["claim"]["bound"])
    assert ok.bound == bound and ok.kept == kept_from_raw(cert) and bound_floor(cert) <= bound
    with torch.serialization.safe_globals(_ALLOWED):
        g = torch.load(pruned, weights_only=True)
    found = _attack(model, g, lo, hi, 9, seed=0)
    assert 0 < found <= float(bound)
    # the export is G̃ exactly: it agrees with the independent rebuild from the raw mask bits at a rational point
    x = [Fraction(v).limit_denominator(64) * Fraction(hi - lo) + Fraction(lo) for v in np.linspace(0, 1, 9)]
    want = relu_net(pruned_from_raw(cert), x)
    with torch.no_grad():
        got = g.double()(torch.tensor([[float(v) for v in x]], dtype=torch.float64))[0].tolist()
    assert max(abs(a - float(b)) for a, b in zip(got, want, strict=True)) < 1e-12


def test_a_non_negative_box_drops_the_negative_side_of_layer_one(tmp_path):
    """On box:0,1 layer 1 keeps no hidden neuron with a negative input weight (σ(u x) = 0 there), and η_1 bounds E⁺
    only; on box:-1,1 both sides are used."""
    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import target_from_weights
    from verify.options import Eps, Options

    rs = np.random.RandomState(0)
    t = target_from_weights([rs.uniform(-1, 1, (5, 4)), rs.uniform(-1, 1, (2, 5))],
                            biases=[rs.uniform(-1, 1, 5), rs.uniform(-1, 1, 2)])
    for domain, negative_used in (("box:0,1", False), ("box:-1,1", True)):
        c = build(t.weights, Options(seed=2, device="cpu", domain=domain), k=10, biases=t.biases)
        lp = c.layers[0]
        kept_u = lp.u[lp.src >= 0]
        assert bool((kept_u < 0).any()) == negative_used
        assert lp.both == negative_used
        cert = certify(t, Eps.parse("1"), c, empirical=False).cert
        assert cert["claim"]["domain"]["reach"] == "2"


@settings(max_examples=40 if SMALL else 200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 12), scale=st.sampled_from([0.01, 0.5, 1.0, 3.0]),
       i=st.integers(1, 3))
def test_bias_gadget_is_the_exact_subset_sum_optimum(seed, size, scale, i):
    """prune_biases keeps, per output, the best subset of the block's positive-bias constants (checked against brute
    force over the same products), only positive constants, and C = Σ v·β exactly."""
    rs = np.random.RandomState(seed % 2**31)
    b = torch.tensor(rs.uniform(-scale, scale, 4))
    start = 7
    bp = prune_biases(b, i, start, size, seed, limit=40)
    hs, beta_int = constants(seed, i, start, size, 40, torch.device("cpu"))
    assert all(rng.bias_int(seed, 2 * i - 1, h) > 0 for h in hs.tolist())
    assert len(hs) == sum(rng.bias_int(seed, 2 * i - 1, h) > 0 for h in range(start, start + size))
    assert set(bp.const.tolist()) <= set(hs.tolist())
    prods = torch.stack([torch.tensor([rng.weight_int(seed, 2 * i, r, h) for h in hs.tolist()], dtype=torch.int64)
                         * beta_int for r in range(4)]) if len(hs) else torch.zeros(4, 0, dtype=torch.int64)
    best = brute_force_subsets(prods, b.double()) if len(hs) else torch.zeros(4, 0, dtype=torch.bool)
    sums = bp.sums()
    for r in range(4):
        want = sum(Fraction(int(p), 2**48) for p, keep in zip(prods[r].tolist(), best[r].tolist(), strict=True) if keep)
        assert Fraction(float(sums[r])) == want


@pytest.mark.parametrize("spec,message", [
    ("cube", "is not one of"), ("box:1,0", "LO must not exceed HI"), ("box:0", "is not one of"),
    ("ball:-1", "positive"), ("ball:0", "positive"), ("ball:abc", "not a decimal"), ("box:0,1e999", "not a decimal"),
    ("box:/nonexistent.npz", "cannot read"),
])
def test_bad_domains_exit_2_with_one_line(tmp_path, capsys, spec, message):
    path = tmp_path / "m.pt"
    torch.save(_tutorial_mlp(0), path)
    assert main(["certify", str(path), "--eps", "0.1", "--domain", spec]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_npz_domains(tmp_path):
    """box:FILE.npz: one bound per coordinate, written exactly when short, outward otherwise; wrong files refused."""
    good = tmp_path / "good.npz"
    np.savez(good, lo=np.array([0.0, -0.1, 1e-320]), hi=np.array([1.0, 0.1, 2.0]))
    d = parse(f"box:{good}")
    lo = [Fraction(s) if not s.startswith("-") else -Fraction(s[1:]) for s in d.lo]
    hi = [Fraction(s) for s in d.hi]
    assert lo[0] == 0 and lo[1] == -Fraction(0.1) and hi[1] == Fraction(0.1)   # exact float values
    assert lo[2] <= Fraction(1e-320) and hi[2] == 2                              # outward when not short
    assert d.for_inputs(3) is d and not d.non_negative
    with pytest.raises(InputError, match="coordinates but F has 4"):
        d.for_inputs(4)
    for name, arrays, msg in (("swap.npz", {"lo": [1.0], "hi": [0.0]}, "lo > hi"),
                              ("nan.npz", {"lo": [np.nan], "hi": [1.0]}, "finite"),
                              ("keys.npz", {"low": [0.0], "hi": [1.0]}, "exactly the arrays lo and hi"),
                              ("shape.npz", {"lo": [0.0, 0.0], "hi": [1.0]}, "one shape")):
        p = tmp_path / name
        np.savez(p, **{k: np.array(v) for k, v in arrays.items()})
        with pytest.raises(InputError, match=msg):
            parse(f"box:{p}")


def test_bias_certificates_are_byte_identical_across_processes(tmp_path):
    """Same model, seed, domain and options in two separate processes: byte-identical certificates (constants,
    bias masks and the box included)."""
    import subprocess
    import sys

    path = tmp_path / "tutorial.pt"
    torch.save(_tutorial_mlp(4), path)
    outs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.cert.json"
        subprocess.run([sys.executable, "-m", "verify", "certify", str(path), "--eps", "100", "--width-factor", "6",
                        "--seed", "9", "--domain", "box:-0.5,1", "--device", "cpu", "-o", str(out)], check=True,
                       timeout=300, capture_output=True)
        outs.append(out.read_bytes())
    cert = json.loads(outs[0])
    assert outs[0] == outs[1] and cert["claim"]["domain"]["lo"] == ["-0.5"] * 9
    assert sum(m["bias_kept"] for m in cert["mask"]) > 0
