"""The checker's time and peak memory per class of hostile or extreme input (issue 11).

    python benchmarks/bench_check_limits.py            # every class; about a minute on 2 cores
    python benchmarks/bench_check_limits.py --quick    # skips the two largest within-limit rows

Each row runs ``slt-verify check`` in a fresh process (``python -m verify check``) and reports its exit code,
wall time and peak resident memory (the child's ``ru_maxrss``), next to the same figures for an honest
certificate of the same small target measured in the same run (the baseline).  Classes: the attacks of the
issue (huge decimal exponent, huge declared G, a pickle calling a constructor, an over-size model file, deep or
huge-integer JSON, a zlib bomb in a mask) and the largest inputs the limits admit (a 1×1 target whose G keeps
2^k edges: the cost of regenerating kept weights, which the limit of 5·10^7 kept weights bounds).
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import torch

from verify.certify import certify
from verify.engine.construct import build
from verify.engine.model import load_target
from verify.kernel import io
from verify.options import Eps, Options

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from zipcraft import torch_zip  # noqa: E402  (the tests' torch-layout zip writer)


def _measure(cert: object, model: Path, tmp: Path, raw: str | None = None) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak MB, first 60 characters of the line) of one check in a fresh process."""
    path = tmp / "cert.json"
    path.write_text(raw if raw is not None else json.dumps(cert))
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run([sys.executable, '-m', 'verify', 'check', sys.argv[1], '--model', sys.argv[2]], "
            "capture_output=True, text=True); "
            "print(p.returncode, time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, repr(p.stdout[:60]))")
    out = subprocess.run([sys.executable, "-c", code, str(path), str(model)], capture_output=True, text=True,
                         timeout=3600).stdout.split(" ", 3)
    return int(out[0]), float(out[1]), float(out[2]), out[3].strip()


def _retarget(cert: dict, model: Path) -> dict:
    c = copy.deepcopy(cert)
    c["model"]["sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()
    return c


def _mask(layer: int, shape: list[int], kept: list[int]) -> dict:
    """A format-4 mask entry keeping the flat positions ``kept`` and no bias."""
    return {"layer": layer, "shape": shape, "kept": len(kept), "data": io.encode_mask(*shape, kept), "bias_kept": 0,
            "bias_data": io.encode_mask(shape[0], 1, [])}


def _wide_one_by_one(model: Path, cert: dict, k: int) -> dict:
    """A 1×1 target's certificate whose G (pair layout, no bias block) keeps 2k edges: k hidden neurons, all used."""
    c = copy.deepcopy(cert)
    rn = c["random_network"]
    rn["width_factor"], rn["bias_block"], rn["widths"], rn["parameters"] = k, 0, [1, k, 1], 3 * k + 1
    c["mask"] = [_mask(1, [k, 1], list(range(k))), _mask(2, [1, k], list(range(k)))]
    c.pop("telescope", None)            # the rows' bounds below are loose: facts 8 and 9 are not what is measured
    c["claim"].pop("float32", None)
    c["layers"][0].update(eta="1e9", omega="1", delta="1e9", rho="2e9", norm="frobenius")
    c["claim"]["bound"], c["verdict"] = "1e9", "not-certified"
    return c


def rows(quick: bool) -> list[tuple[str, object, Path, str | None]]:
    tmp = Path(tempfile.mkdtemp(prefix="slt-limits-"))
    one = tmp / "one.pt"
    torch.save({"0.weight": torch.tensor([[0.5]])}, one)
    target = load_target(one)
    built = build(target.weights, Options(method="pair", seed=0, device="cpu"), k=2)
    base = certify(target, Eps.parse("1"), built, empirical=False).cert
    out: list[tuple[str, object, Path, str | None]] = [("honest 1x1 certificate (baseline)", base, one, None)]

    c = copy.deepcopy(base)
    c["claim"]["eps"] = "1e-99999999"
    out.append(("decimal with a huge exponent", c, one, None))
    c = copy.deepcopy(base)
    k = 2**31
    c["random_network"].update(width_factor=k, bias_block=0, widths=[1, k, 1], parameters=3 * k + 1)
    for i, shape in enumerate(([k, 1], [1, k])):
        c["mask"][i] = {**_mask(i + 1, [1, 1], [0]), "shape": shape, "kept": k}
    out.append(("declared G of 2^32 weights, every edge kept", c, one, None))
    c = copy.deepcopy(base)
    c["mask"][0]["data"] = base64.b64encode(zlib.compress(b"\xff" * (1 << 26))).decode()
    out.append(("zlib bomb in a mask (64 MiB inflated)", c, one, None))

    crafted = tmp / "crafted.pt"
    pkl = b"\x80\x02ctorch.nn.modules.linear\nLinear\nq\x00J\xa0\x86\x01\x00J\xa0\x86\x01\x00\x86R."
    crafted.write_bytes(torch_zip([(b"m/data.pkl", pkl), (b"m/byteorder", b"little"), (b"m/version", b"3\n")]))
    out.append(("pickle calling Linear(100000, 100000)", _retarget(base, crafted), crafted, None))
    big = tmp / "big.pt"
    with open(big, "wb") as f:
        f.truncate((1 << 30) + 1)
    out.append(("model file of 1 GiB + 1 byte (sparse)", base, big, None))
    out.append(("JSON nested 100000 deep", None, one, "[" * 100_000 + "]" * 100_000))
    out.append(("JSON integer of 5000 digits", None, one, '{"a": ' + "9" * 5000 + "}"))
    out.append(("JSON of 2 M empty objects (6 MB)", None, one, "[" + "{}," * 2_000_000 + "{}]"))
    for e in ([16, 20] if quick else [16, 20, 22]):
        out.append((f"1x1 target, G keeps 2^{e + 1} edges (within limits)", _wide_one_by_one(one, base, 2**e), one,
                    None))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="slt-limits-run-"))
    print(f"checker limits, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    print(f"{'input class':52s} {'exit':>4s} {'time s':>8s} {'x base':>7s} {'peak MB':>8s} {'x base':>7s}  line")
    base = None
    for name, cert, model, raw in rows(args.quick):
        code, secs, mb, line = _measure(cert, model, tmp, raw)
        base = base or (secs, mb)
        print(f"{name:52s} {code:4d} {secs:8.2f} {secs / base[0]:7.2f} {mb:8.0f} {mb / base[1]:7.2f}  {line}")
    print(f"(peak MB is the child's ru_maxrss; the 1-process interpreter with the checker loaded is the baseline; "
          f"RLIMIT_AS {resource.getrlimit(resource.RLIMIT_AS)[0]})")


if __name__ == "__main__":
    main()
