"""Device parity (docs/devices.md §4): the engine's computations run on two torch devices and compared bit for bit.

Every check runs the same inputs on device A and device B and compares each result exactly: tensors by dtype, shape
and raw bits (float64 as int64, so −0.0 ≠ 0.0 and NaN payloads count), everything else with ``==``, certificate and
model files byte for byte.  The only difference allowed anywhere is the certificate's ``info.device`` label.

    python -m verify.engine.parity --devices cpu cuda            # on a CUDA machine: every check, full size
    python -m verify.engine.parity --devices cpu cpu --quick     # the harness itself, on any machine
    python -m verify.engine.parity --devices cpu cpu --quick --perturb   # must report a mismatch in every check

``--perturb`` alters the first result of device B in every check before it is compared, so a harness that compared
nothing, or compared a result with itself, would be caught (tests/test_cuda_parity.py runs both forms on the CPU).
Exit status: 0 every check bit-identical, 1 some mismatch, 2 a device is unavailable.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

__all__ = ["Outcome", "Comparison", "CHECKS", "run_checks", "check_generator", "check_primitives",
           "check_subset_sum", "check_construction", "check_certify", "lenient_cuda", "main"]

DATA = Path(__file__).resolve().parent.parent / "data"
TARGETS = {   # name: (model file, input shape, domain) — the shipped digits models (verify/data)
    "digits-mlp": ("digits_mlp.safetensors", None, "ball"),
    "bias-mlp": ("digits_bias_mlp.pt", None, "box:0,1"),
    "cnn": ("digits_cnn.pt", (1, 8, 8), "box:0,1"),
}
_INT_OF = {torch.float64: torch.int64, torch.float32: torch.int32, torch.float16: torch.int16,
           torch.bfloat16: torch.int16}


def _bits(t: torch.Tensor) -> torch.Tensor:
    t = t.detach().cpu().contiguous()
    return t.view(_INT_OF[t.dtype]) if t.dtype in _INT_OF else t


def _perturbed(x):
    """x with one bit (or byte, or character) changed: what ``--perturb`` compares instead of device B's result."""
    if isinstance(x, torch.Tensor):
        y = _bits(x).clone()
        if y.numel():
            flat = y.view(-1)
            flat[0] = ~flat[0] if y.dtype == torch.bool else flat[0] ^ 1
        else:
            y = torch.zeros(1, dtype=y.dtype)
        return y.view(x.dtype) if x.dtype in _INT_OF else y
    if isinstance(x, bytes):
        return x[:-1] + bytes([x[-1] ^ 1]) if x else b"\x00"
    raise TypeError(f"cannot perturb a {type(x).__name__}")


@dataclass
class Outcome:
    """One check: its ``name``, the devices, how many results it ``compared`` and a line per mismatch."""

    name: str
    devices: tuple[str, str]
    compared: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.compared > 0 and not self.mismatches

    def line(self) -> str:
        a, b = self.devices
        if self.ok:
            return f"PASS {self.name}: {self.compared} results bit-identical ({a} vs {b})"
        if not self.compared:
            return f"FAIL {self.name}: nothing was compared ({a} vs {b})"
        return (f"FAIL {self.name}: {len(self.mismatches)} of {self.compared} results differ ({a} vs {b}): "
                + "; ".join(self.mismatches[:5]))


class Comparison:
    """Collects the comparisons of one check into an ``Outcome``; ``perturb`` alters B's first array or file."""

    def __init__(self, name: str, devices: tuple[str, str], perturb: bool = False) -> None:
        self.outcome = Outcome(name, devices)
        self._perturb = perturb

    def same(self, what: str, a, b) -> bool:
        if self._perturb and isinstance(b, torch.Tensor | np.ndarray | bytes):   # the first array or file
            b, self._perturb = _perturbed(torch.from_numpy(b) if isinstance(b, np.ndarray) else b), False
        self.outcome.compared += 1
        a, b = (torch.from_numpy(np.ascontiguousarray(x)) if isinstance(x, np.ndarray) else x for x in (a, b))
        if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
            ok = (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.dtype == b.dtype
                  and a.shape == b.shape and torch.equal(_bits(a), _bits(b)))
            if not ok:
                self.outcome.mismatches.append(f"{what}: {_describe(a, b)}")
            return ok
        if a != b:
            self.outcome.mismatches.append(f"{what}: {str(a)[:60]!r} != {str(b)[:60]!r}")
            return False
        return True

    def on(self, what: str, t: torch.Tensor, device: str) -> None:
        """A result that must live on ``device`` (so that B really ran where it was asked to)."""
        if t.device.type != torch.device(device).type:
            self.outcome.mismatches.append(f"{what}: computed on {t.device}, not {device}")


def _describe(a, b) -> str:
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return f"{type(a).__name__} vs {type(b).__name__}"
    if a.dtype != b.dtype or a.shape != b.shape:
        return f"{a.dtype}{tuple(a.shape)} vs {b.dtype}{tuple(b.shape)}"
    diff = (_bits(a) != _bits(b)).reshape(-1)
    i = int(diff.nonzero()[0])
    return f"{int(diff.sum())} of {diff.numel()} entries differ, first at flat index {i}: " \
           f"{a.reshape(-1)[i].item()!r} vs {b.reshape(-1)[i].item()!r}"


# --- the checks ------------------------------------------------------------------------------------------------


def check_generator(cmp: Comparison, devices: tuple[str, str], quick: bool) -> None:
    """G's weights (engine/rng_torch.py) over index ranges at both ends of [0, 2^32), integer and float."""
    from verify.engine import rng_torch

    n = 64 if quick else 512
    for seed, layer, r0, c0 in ((0, 1, 0, 0), (7, 3, 2**32 - n, 2**31), (2**32 - 1, 2**32 - 1, 12345, 2**32 - n)):
        out = []
        for dev in devices:
            rows = torch.arange(r0, r0 + n, device=dev)[:, None]
            cols = torch.arange(c0, c0 + n, device=dev)[None, :]
            out.append((rng_torch.weights_int(seed, layer, rows, cols), rng_torch.weights(seed, layer, rows, cols),
                        rng_torch.weights(seed, layer, rows, cols, torch.float32)))
        cmp.on("weights_int", out[1][0], devices[1])
        for name, a, b in zip(("weights_int", "weights", "weights float32"), *out, strict=True):
            cmp.same(f"{name} seed={seed}", a, b)


def check_primitives(cmp: Comparison, devices: tuple[str, str], quick: bool) -> None:
    """The exact primitives of engine/runtime.py on edge inputs: powers of two across the whole float64 range,
    scaling into the subnormals, and sums of grid products in any order."""
    from verify.engine.runtime import exact_ldexp, grid_accumulate, grid_sum, pow2

    t = torch.arange(-1200, 1200)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(t.numel(), dtype=torch.float64, generator=gen) * 2.0 ** torch.randint(-60, 60, t.shape,
                                                                                          generator=gen)
    grid = (torch.randint(-(2**24) + 1, 2**24, (4096, 40), generator=gen) | 1).to(torch.float64) * 2.0**-24
    prods = grid * grid.flip(1)
    idx = torch.randint(0, 64, (prods.numel(),), generator=gen)
    out = [(pow2(t.to(d)), exact_ldexp(x.to(d), t.to(d)), grid_sum(prods.to(d), 1),
            grid_accumulate((64,), (idx.to(d),), prods.reshape(-1).to(d))) for d in devices]
    cmp.on("pow2", out[1][0], devices[1])
    for name, a, b in zip(("pow2", "exact_ldexp", "grid_sum", "grid_accumulate"), *out, strict=True):
        cmp.same(name, a, b)


def _edge_targets(rng: np.random.Generator, n: int) -> np.ndarray:
    """Weights for the subset-sum kernel: uniform ones, exact half units (ties), zeros of both signs, subnormals,
    values beyond the 2^56 clamp, infinities, the clamp itself (T = w·2^48 = ±2^56) and the old clamp 2^60."""
    kind = rng.integers(0, 8, size=n)
    base = rng.integers(-64, 65, size=n).astype(np.float64)
    w = np.where(kind == 0, rng.uniform(-2, 2, size=n), base * 2.0**-49)
    w = np.where(kind == 2, base * 2.0**-48 + 2.0**-75, w)
    w = np.where(kind == 3, np.where(base > 0, 0.0, -0.0), w)
    w = np.where(kind == 4, np.where(base > 0, 5e-324, -2.2e-308), w)
    w = np.where(kind == 5, np.sign(base + 0.5) * np.where(base > 30, np.inf, 3e15), w)
    w = np.where(kind == 6, np.sign(base + 0.5) * 2.0**8, w)
    w = np.where(kind == 7, np.sign(base + 0.5) * 2.0**12, w)
    return w


def check_subset_sum(cmp: Comparison, devices: tuple[str, str], quick: bool) -> None:
    """The exact subset-sum kernel (engine/subset_sum.py) on random grid products, products of the largest magnitude
    and small integers (many equal sums), with random invalid candidates, for s = 1 … 24 (28 with the full size)."""
    from verify.engine.subset_sum import best_subsets

    rng = np.random.default_rng(15)
    sizes = (1, 2, 5, 8, 13, 16) if quick else (1, 2, 3, 5, 8, 11, 13, 16, 20, 24, 28)
    for s in sizes:
        bsz = 512 if quick else max(64, 8192 >> max(0, s - 16))
        u = 2 * rng.integers(0, 1 << 24, size=(bsz, s)) + 1 - (1 << 24)
        v = 2 * rng.integers(0, 1 << 24, size=(bsz, s)) + 1 - (1 << 24)
        p = u * v
        p[: bsz // 8] = np.where(rng.random((bsz // 8, s)) < 0.5, (1 << 48) - 1, 1 - (1 << 48))
        p[bsz // 8: bsz // 4] = rng.integers(-4, 5, size=(bsz // 4 - bsz // 8, s))
        w = _edge_targets(rng, bsz)
        valid = rng.random((bsz, s)) < 0.8
        valid[0] = False
        out = [best_subsets(torch.from_numpy(p).to(d), torch.from_numpy(w).to(d), torch.from_numpy(valid).to(d))
               for d in devices]
        cmp.on(f"best_subsets s={s}", out[1], devices[1])
        cmp.same(f"best_subsets s={s} ({bsz} weights)", out[0], out[1])


def _construction_results(c, bounded_rows) -> Iterator[tuple[str, object]]:
    """Everything a construction holds or derives that a certificate or G̃ depends on, in a fixed order."""
    yield "k", c.k
    yield "rescaling", c.rescaling
    yield "bias_block", c.bias_block
    for i, s in enumerate(c.exponents):
        yield f"exponents[{i}]", s
    for i, w in enumerate(c.scaled):
        yield f"scaled[{i}]", w
    for i, lp in enumerate(c.layers):
        for name in ("src", "u", "rows", "cols", "v"):
            yield f"layers[{i}].{name}", getattr(lp, name)
    for i, bp in enumerate(c.bias_parts):
        for name in ("const", "beta", "rows", "cols", "v"):
            yield f"bias_parts[{i}].{name}", getattr(bp, name)
    for i, e in enumerate(c.error_matrices()):
        yield f"error_matrices()[{i}]", e
    for i, e in enumerate(c.bias_errors()):
        yield f"bias_errors()[{i}]", e
    for norm, rows in bounded_rows.items():
        yield f"certified rows ({norm})", [r.as_json() for r in rows]
    for key, t in c.pruned_state_dict().items():
        yield f"pruned_state_dict[{key}]", t


def check_construction(cmp: Comparison, devices: tuple[str, str], quick: bool, target: str = "bias-mlp") -> None:
    """``construct.build`` of a shipped digits model at a small k (both rescalings, the neuron assignments, the bias
    gadget, the refinement) and its certified rows in both norms."""
    from verify.certify import bounded
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Options

    name, shape, domain = TARGETS[target]
    t = load_target(DATA / name, shape)
    k = {"digits-mlp": 3, "bias-mlp": 3, "cnn": 2}[target] if quick else {"digits-mlp": 12, "bias-mlp": 12,
                                                                            "cnn": 6}[target]
    results = []
    for dev in devices:
        c = build(t.weights, Options(device=dev, domain=domain), k=k, biases=t.biases, layout=t.layout)
        rows = {norm: bounded(c, norm).rows for norm in ("spectral", "frobenius")}
        results.append((c, list(_construction_results(c, rows))))
    cmp.on("construction", results[1][0].layers[0].src, devices[1])
    for (what, a), (_, b) in zip(results[0][1], results[1][1], strict=True):
        cmp.same(f"{target} k={k} {what}", a, b)


def check_certify(cmp: Comparison, devices: tuple[str, str], quick: bool, workdir: Path | None = None) -> None:
    """The whole ``slt-verify certify`` flow (construction, bounds, attack, certificate, ``--save-pruned``) on the
    bias MLP and the CNN: the files byte for byte, the certificate after its ``info.device`` label.  With the full
    size also the default width search (``--width-factor auto``) on the bias MLP."""
    from verify.cli import main as cli

    runs = [("bias-mlp", "4", "1000"), ("cnn", "3", "1000")] if quick else [   # each k certifies its eps
        ("bias-mlp", "23", "0.1"), ("cnn", "30", "0.05"), ("bias-mlp", "auto", "0.1")]
    with contextlib.ExitStack() as stack:
        tmp = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for target, k, eps in runs:
            name, shape, domain = TARGETS[target]
            files = []
            for j, dev in enumerate(devices):   # the same file names, one folder per device
                (tmp / str(j)).mkdir(exist_ok=True)
                out, pruned = tmp / str(j) / f"{target}-{k}.cert.json", tmp / str(j) / f"{target}-{k}.pruned.pt"
                args = ["certify", str(DATA / name), "--eps", eps, "--width-factor", k, "--domain", domain,
                        "--device", dev, "-o", str(out), "--save-pruned", str(pruned)]
                if shape:
                    args += ["--input-shape", ",".join(map(str, shape))]
                with contextlib.redirect_stdout(io.StringIO()):
                    code = cli(args)
                files.append((code, *(f.read_bytes() if f.exists() else b"" for f in (out, pruned))))
            (code_a, cert_a, pruned_a), (code_b, cert_b, pruned_b) = files
            label = f'"device": "{torch.device(devices[1]).type}"'.encode()
            if cert_b.count(label) != 1:
                cmp.outcome.mismatches.append(f"{target} k={k}: certificate of {devices[1]} lacks {label.decode()}")
            cert_b = cert_b.replace(label, f'"device": "{torch.device(devices[0]).type}"'.encode(), 1)
            cmp.same(f"certify {target} k={k} exit code", code_a, code_b)
            cmp.same(f"certify {target} k={k} certificate bytes", cert_a, cert_b)
            cmp.same(f"certify {target} k={k} --save-pruned file bytes", pruned_a, pruned_b)


CHECKS: dict[str, Callable[..., None]] = {
    "generator": check_generator,
    "primitives": check_primitives,
    "subset-sum": check_subset_sum,
    "construction digits-mlp": lambda c, d, q: check_construction(c, d, q, "digits-mlp"),
    "construction bias-mlp": lambda c, d, q: check_construction(c, d, q, "bias-mlp"),
    "construction cnn": lambda c, d, q: check_construction(c, d, q, "cnn"),
    "certify": check_certify,
}


@contextlib.contextmanager
def lenient_cuda() -> Iterator[None]:
    """TF32 for float32 matrix products and convolutions and cuDNN's benchmark mode switched on (the settings a user's
    process may have): parity must hold regardless (docs/devices.md §3).  Restored on exit."""
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32, torch.backends.cudnn.benchmark)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = torch.backends.cudnn.benchmark = True
    try:
        yield
    finally:
        (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32,
         torch.backends.cudnn.benchmark) = saved


def run_checks(devices: tuple[str, str], *, quick: bool = False, perturb: bool = False,
               only: list[str] | None = None) -> list[Outcome]:
    """The checks named in ``only`` (default: all of ``CHECKS``), each on devices A and B; one Outcome each."""
    outcomes = []
    for name in only or list(CHECKS):
        cmp = Comparison(name, devices, perturb)
        CHECKS[name](cmp, devices, quick)
        outcomes.append(cmp.outcome)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devices", nargs=2, default=["cpu", "cuda"], metavar=("A", "B"))
    ap.add_argument("--quick", action="store_true", help="small sizes (about a minute on a 2-core CPU)")
    ap.add_argument("--perturb", action="store_true", help="alter B's first result in every check (self-test)")
    ap.add_argument("--lenient", action="store_true", help="TF32 and cuDNN benchmark mode on (lenient_cuda)")
    ap.add_argument("--only", nargs="+", choices=list(CHECKS), help="run these checks only")
    args = ap.parse_args(argv)
    if any(torch.device(d).type == "cuda" for d in args.devices) and not torch.cuda.is_available():
        print("parity: CUDA requested but torch.cuda.is_available() is False", file=sys.stderr)
        return 2
    with lenient_cuda() if args.lenient else contextlib.nullcontext():
        outcomes = run_checks(tuple(args.devices), quick=args.quick, perturb=args.perturb, only=args.only)
    for o in outcomes:
        print(o.line(), flush=True)
    bad = [o.name for o in outcomes if not o.ok]
    print(f"parity: {len(outcomes) - len(bad)} of {len(outcomes)} checks bit-identical" + (
        f"; differing: {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
