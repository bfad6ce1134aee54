"""End-to-end command line (issues 2–4): certify → check, exit codes, outputs, demo in a small form."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from verify.cli import main


def test_certify_then_check_end_to_end(small_model, tmp_path, capsys):
    cert = tmp_path / "c.json"
    pruned = tmp_path / "g.safetensors"
    code = main(["certify", str(small_model["state_dict"]), "--eps", "0.5", "--width-factor", "auto",
                 "--device", "cpu", "-o", str(cert), "--save-pruned", str(pruned)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "CERTIFIED" in out and "certified bound" in out and "random G" in out
    data = json.loads(cert.read_text())
    assert data["verdict"] == "certified"
    k = data["random_network"]["width_factor"]
    # auto found the smallest k: one less is not certified
    if k > 1:
        code = main(["certify", str(small_model["state_dict"]), "--eps", "0.5", "--width-factor", str(k - 1),
                     "--device", "cpu", "-o", str(tmp_path / "c2.json")])
        assert code == 1
        err = capsys.readouterr().err
        assert "NOT CERTIFIED" in err and "width" in err
    assert main(["check", str(cert), "--model", str(small_model["state_dict"])]) == 0
    assert pruned.exists()


def test_default_certificate_path_is_next_to_the_model(small_model, tmp_path, capsys):
    model = tmp_path / "net.pt"
    model.write_bytes(small_model["state_dict"].read_bytes())
    assert main(["certify", str(model), "--eps", "100", "--width-factor", "4", "--no-empirical"]) == 0
    assert (tmp_path / "net.cert.json").exists()


def test_not_reached_writes_a_not_certified_certificate(small_model, tmp_path, capsys):
    cert = tmp_path / "c.json"
    assert main(["certify", str(small_model["state_dict"]), "--eps", "1e-9", "--width-factor", "2",
                 "--method", "pair", "-o", str(cert)]) == 1
    err = capsys.readouterr().err
    assert "would be needed" in err
    assert json.loads(cert.read_text())["verdict"] == "not-certified"
    assert main(["check", str(cert), "--model", str(small_model["state_dict"])]) == 1
    assert "not-certified" in capsys.readouterr().out


def test_bad_output_locations(small_model, tmp_path, capsys):
    for args in (["-o", str(tmp_path / "no" / "dir.json")], ["--save-pruned", str(tmp_path / "g.txt")]):
        assert main(["certify", str(small_model["state_dict"]), "--eps", "1", "--width-factor", "2", *args]) == 2
        assert "Traceback" not in capsys.readouterr().err


def test_help_explains_every_command():
    for cmd in ("certify", "check", "prove", "demo", "width", "experiment"):
        out = subprocess.run([sys.executable, "-m", "verify", cmd, "--help"], capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0 and len(out.stdout) > 200, cmd
    out = subprocess.run([sys.executable, "-m", "verify"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "certify" in out.stdout


def test_check_help_does_not_import_torch():
    code = "import sys; from verify.cli import build_parser; build_parser(); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_certificates_are_byte_identical_across_processes(small_model, tmp_path):
    """The README's promise (same model, seed and options -> the same bytes), across two fresh interpreters with
    different hash seeds, not within one process (whose caches and RNG state could hide a dependence)."""
    import os

    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"c{hash_seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-m", "verify", "certify", str(small_model["state_dict"]), "--eps", "100",
                        "--width-factor", "6", "--device", "cpu", "--seed", "5", "-o", str(out)],
                       check=True, capture_output=True, env=env, timeout=300)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b'"timings"' not in outs[0]


def test_width_command(small_model, capsys):
    assert main(["width", "--model", str(small_model["state_dict"]), "--eps", "0.5", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "Malach" in out and "Pensia" in out and "subset-sum" in out and "k =" in out


def test_cuda_flag_without_gpu(small_model, capsys):
    if torch.cuda.is_available():
        return
    assert main(["certify", str(small_model["state_dict"]), "--eps", "1", "--device", "cuda"]) == 2
    assert "CUDA" in capsys.readouterr().err


def test_absurd_width_is_refused_not_crashed(small_model, capsys):
    assert main(["certify", str(small_model["state_dict"]), "--eps", "1", "--width-factor", "100000000"]) == 2
    err = capsys.readouterr().err
    assert "above the limit" in err and "Traceback" not in err


def test_not_reached_subset_sum_says_which_width_would_reach_it(small_model, tmp_path, capsys):
    import re

    model = str(small_model["state_dict"])
    assert main(["certify", model, "--eps", "0.01", "--width-factor", "3", "-o", str(tmp_path / "a.json")]) == 1
    m = re.search(r"width factor (\d+) reaches it", capsys.readouterr().err)
    assert m, "the message names the width that is needed"
    assert main(["certify", model, "--eps", "0.01", "--width-factor", m.group(1), "-o", str(tmp_path / "b.json")]) == 0


def test_float64_weights_beyond_1e154(tmp_path, capsys):
    """Issue 18: squares of weights above ~1e154 overflowed frobenius_sq_upper (a traceback, exit 1).  Now such a
    model certifies and checks; near the top of float64 an unreachable eps is a one-line NOT CERTIFIED."""
    from conftest import make_sequential

    for scale, eps, want in ((1e200, "1e300", 0), (1.7e308, "1e300", 1)):
        net = make_sequential([3, 4, 2], seed=0).double()
        with torch.no_grad():
            net[0].weight.div_(net[0].weight.abs().max()).mul_(scale)   # largest |w| = scale
        model, cert = tmp_path / f"big{want}.pt", tmp_path / f"big{want}.cert.json"
        torch.save(net.state_dict(), model)
        for norm in ("spectral", "frobenius"):
            code = main(["certify", str(model), "--eps", eps, "--width-factor", "8", "--no-empirical", "--norm",
                         norm, "-o", str(cert)])
            err = capsys.readouterr().err
            assert code == want and "Traceback" not in err, err
            assert main(["check", str(cert), "--model", str(model)]) == want
            out = capsys.readouterr().out
            assert ("VALID" if want == 0 else "verdict not-certified") in out, out
            if want:
                assert "NOT CERTIFIED" in err and "no width factor up to 88 reaches it" in err, err


def test_width_factor_smallest_is_accepted_and_is_the_bisection(small_model, tmp_path, capsys):
    """`--width-factor smallest` (search.search_width: doubling, then bisection) returns a k that certifies while
    k − 1 does not, and the Python API's Options(width="smallest") writes the same certificate bytes."""
    import verify
    from verify.options import Options

    cert = tmp_path / "s.json"
    assert main(["certify", str(small_model["state_dict"]), "--eps", "0.5", "--width-factor", "smallest",
                 "--device", "cpu", "--no-empirical", "-o", str(cert)]) == 0
    assert "smallest" in capsys.readouterr().out
    k = json.loads(cert.read_text())["random_network"]["width_factor"]
    if k > 1:
        assert main(["certify", str(small_model["state_dict"]), "--eps", "0.5", "--width-factor", str(k - 1),
                     "--device", "cpu", "--no-empirical", "-o", str(tmp_path / "below.json")]) == 1
    via_api = verify.certify_model(small_model["state_dict"], "0.5", options=Options(width="smallest", device="cpu"),
                             attack=False)
    via_api.save(tmp_path / "api.json")
    assert (tmp_path / "api.json").read_bytes() == cert.read_bytes()
    with pytest.raises(SystemExit) as e:
        main(["certify", str(small_model["state_dict"]), "--eps", "0.5", "--width-factor", "largest"])
    assert e.value.code == 2 and "'auto' or 'smallest'" in capsys.readouterr().err


def test_the_checks_elapsed_line_returns_the_verdict_and_stops_its_thread():
    """commands._elapsed (the elapsed-time line of ``slt-verify check``): fn's value or exception passes through
    unchanged and its ticker thread is gone afterwards."""
    import threading

    from verify import commands

    seen = []

    def verdict():
        seen.extend(t.name for t in threading.enumerate())
        return 0, "VALID", None

    assert commands._elapsed("checking certificate", verdict) == (0, "VALID", None)
    with pytest.raises(ZeroDivisionError):
        commands._elapsed("checking certificate", lambda: 1 // 0)
    assert "slt-verify-elapsed" in seen   # it ran beside the check ...
    assert "slt-verify-elapsed" not in [t.name for t in threading.enumerate()]   # ... and is gone
