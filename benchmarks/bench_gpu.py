"""GPU benchmark (issue 15): certify each target on the GPU and on the CPU in the same run, print one markdown table.

    python benchmarks/bench_gpu.py                        # on a CUDA machine: every row on the GPU, then on the CPU
    python benchmarks/bench_gpu.py --skip-cpu             # GPU rows only (the large targets are slow on a CPU)
    python benchmarks/bench_gpu.py --device cpu --quick   # the whole pipeline on a CPU in under a minute

Each (target, device) runs ``slt-verify certify``'s steps (width search or fixed k, bounds, the attack, the certificate)
in a fresh process, so that its peak host RSS is its own.  Per row: the width factor and certified bound; the time to
search/build and bound ("build s") and in all ("certify s"); peak GPU memory (``torch.cuda.max_memory_allocated``) and
peak RSS; the subset-sum kernel's own time per weight inside the construction (``best_subsets`` wrapped, synchronised),
and on a sample of those same instances the kernel against the floor of benchmarks/bench_subset_sum_kernel.py (sorting
and searching the same subset sums with torch's primitives, same run, same device); the CPU's certify time for the
same row and CPU / device; and whether the two certificates are byte-identical (after the ``info.device`` label:
docs/devices.md §4).  Column meanings and measured tables: benchmarks/gpu.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_subset_sum_kernel import floor_per_weight, time_ours  # noqa: E402

DATA = HERE.parent / "verify" / "data"
# name: (model, input shape, domain, eps, width) at full size, and (eps, width, model) of the --quick form, whose
# random targets are narrower (the pipeline, not the figures: a 1024-wide layer's SVDs alone take a minute here)
ROWS = {
    "digits MLP": ("digits_bias_mlp.pt", None, "box:0,1", "0.1", "auto", ("1000", "4", None)),
    "digits CNN": ("digits_cnn.pt", (1, 8, 8), "box:0,1", "0.05", "auto", ("1000", "3", None)),
    "784-256-256-10": ("random:784,256,256,10", None, "ball", "0.01", "40", ("1000", "2", "random:784,32,32,10")),
    "784-1024-1024-10": ("random:784,1024,1024,10", None, "ball", "0.01", "auto",
                         ("1000", "1", "random:784,64,64,10")),
}
SAMPLE = 8192   # kernel instances kept for the kernel-vs-floor comparison


class KernelProbe:
    """Wraps ``best_subsets`` where the gadgets call it: total synchronised time and instances, and a sample of the
    instances with the most candidates (for the floor on the same data)."""

    def __init__(self) -> None:
        self.seconds, self.instances, self.sample = 0.0, 0, None

    def install(self) -> None:
        from verify.engine import biases, gadgets, subset_sum

        inner = subset_sum.best_subsets

        def probed(p, w, valid=None, **kw):
            if p.is_cuda:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            out = inner(p, w, valid, **kw)
            if p.is_cuda:
                torch.cuda.synchronize()
            self.seconds += time.perf_counter() - t0
            self.instances += p.shape[0]
            if p.shape[0] and (self.sample is None or p.shape[1] > self.sample[0].shape[1]):
                q = p if valid is None else torch.where(valid, p, 0)
                self.sample = (q[:SAMPLE].clone(), w[:SAMPLE].clone())
            return out

        gadgets.best_subsets = biases.best_subsets = probed


def _target(spec: str, shape, folder: Path):
    from _targets import random_mlp, saved

    from verify.engine.model import load_target

    if spec.startswith("random:"):
        widths = [int(x) for x in spec.split(":")[1].split(",")]
        path = folder / f"random-{'-'.join(map(str, widths))}.safetensors"
        return saved(random_mlp(widths), path), path
    return load_target(DATA / spec, shape), DATA / spec


def child(name: str, device: str, quick: bool, folder: Path) -> dict:
    """One (target, device): certify as ``slt-verify certify`` does, measured (module docstring)."""
    from verify.certify import bounded, certify
    from verify.commands import write_json
    from verify.engine.construct import build
    from verify.options import Eps, Options
    from verify.search import find_width

    spec, shape, domain, eps_text, width, (eps_quick, width_quick, spec_quick) = ROWS[name]
    if quick:
        eps_text, width, spec = eps_quick, width_quick, spec_quick or spec
    target, _ = _target(spec, shape, folder)
    options = Options(device=device, domain=domain, width=width if width == "auto" else int(width))
    eps = Eps.parse(eps_text)
    probe = KernelProbe()
    probe.install()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    if width == "auto":
        built = find_width(target, options, eps.value).chosen
        if built is None:
            raise SystemExit(f"{name}: no width factor reaches eps {eps_text}")
    else:
        built = bounded(build(target.weights, options, k=int(width), biases=target.biases, layout=target.layout))
    t_build = time.perf_counter() - t0
    res = certify(target, eps, built)
    cert_path = folder / f"{name.replace(' ', '_')}.{device.replace(':', '')}.cert.json"
    write_json(cert_path, res.cert)
    t_all = time.perf_counter() - t0
    p, w = probe.sample
    kernel_sample, _ = time_ours(p.to(device), w.to(device))
    floor = floor_per_weight(p.to(device))
    label = f'"device": "{torch.device(device).type}"'
    text = cert_path.read_text().replace(label, '"device": "cpu"', 1)
    shown = name if spec == ROWS[name][0] else f"{name} (quick: {spec.split(':')[1].replace(',', '-')})"
    return {"target": shown, "device": device, "k": res.construction.k, "bound": res.cert["claim"]["bound"],
            "eps": eps_text, "verdict": res.cert["verdict"], "build_s": t_build, "certify_s": t_all,
            "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "kernel_us_per_weight": 1e6 * probe.seconds / max(probe.instances, 1),
            "kernel_instances": probe.instances, "sample_s": int(p.shape[1]),
            "sample_us_per_weight": 1e6 * kernel_sample, "floor_us_per_weight": 1e6 * floor,
            "cert_sha256": hashlib.sha256(text.encode()).hexdigest()}


def _spawn(name: str, device: str, quick: bool, folder: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", name, "--device", device, "--folder", str(folder)]
    out = subprocess.run(cmd + (["--quick"] if quick else []), capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{name} on {device} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(x, spec: str = ".1f") -> str:
    return "–" if x is None else format(x, spec)


def table(rows: list[dict]) -> str:
    head = ["target", "k", "bound (ε)", "device", "build s", "certify s", "peak GPU MiB", "peak RSS MiB",
            "kernel µs/weight", "floor µs/weight (s)", "kernel/floor", "CPU certify s", "CPU/device", "identical"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        cpu = r.get("cpu")
        lines.append("| " + " | ".join([
            r["target"], str(r["k"]), f"{r['bound']} ({r['eps']})", r["device"], _fmt(r["build_s"]),
            _fmt(r["certify_s"]), _fmt(r["peak_gpu_mib"], ".0f"), _fmt(r["peak_rss_mib"], ".0f"),
            _fmt(r["kernel_us_per_weight"], ".2f"), f"{r['floor_us_per_weight']:.2f} ({r['sample_s']})",
            _fmt(r["sample_us_per_weight"] / r["floor_us_per_weight"]),
            _fmt(cpu and cpu["certify_s"]), _fmt(cpu and cpu["certify_s"] / r["certify_s"]),
            "not run" if r["identical"] is None else ("yes" if r["identical"] else "**no**")]) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--quick", action="store_true", help="small k and loose eps (under a minute on a CPU)")
    ap.add_argument("--skip-cpu", action="store_true", help="no CPU rows (then nothing is compared)")
    ap.add_argument("--rows", nargs="+", choices=list(ROWS), help="these targets only")
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    ap.add_argument("--child", choices=list(ROWS), help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.device, args.quick, Path(args.folder))))
        return
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: run with --device cpu")
    where = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else "CPU only"
    print(f"torch {torch.__version__}, {where}, {'quick' if args.quick else 'full'} form")
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for name in args.rows or list(ROWS):
            folder = Path(d) / name.replace(" ", "_")
            (folder / "cpu").mkdir(parents=True)
            row = _spawn(name, args.device, args.quick, folder)
            row["cpu"] = None if args.skip_cpu else _spawn(name, "cpu", args.quick, folder / "cpu")
            row["identical"] = None if row["cpu"] is None else row["cpu"]["cert_sha256"] == row["cert_sha256"]
            rows.append(row)
            print(f"  {name}: done ({row['certify_s']:.1f} s on {args.device})", file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
