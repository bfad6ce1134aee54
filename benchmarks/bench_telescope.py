"""The telescope block (issue 16, docs/tighter.md §9) before and after, on certificates the checker accepts.

    OMP_NUM_THREADS=1 python benchmarks/bench_telescope.py [--targets demo,demo01,ball,trained] [--no-smallest]

Per target: the same construction (the k ``--width-factor auto`` picks with ``--composition recurrence``, default
options otherwise) certified with the recursion alone and with the telescope block; both certificates are checked
by the kernel (fact 9's time is the difference); bound / attack for each (the attack: ``empirical_sup`` with 16,384
samples and 64 × 200 ascent steps, the larger of that and the certifier's default run); which layer's term dominates
the telescoped bound; and, unless ``--no-smallest``, the smallest k each composition certifies (``--width-factor
smallest``, doubling then bisection).  Prints a Markdown table; the log of a run is benchmarks/telescope.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _targets import table  # noqa: E402

from verify.certify import bounded, certify  # noqa: E402
from verify.commands import write_json  # noqa: E402
from verify.engine.empirical import empirical_sup  # noqa: E402
from verify.engine.model import load_target  # noqa: E402
from verify.engine.runtime import cpu_forward  # noqa: E402
from verify.kernel import check  # noqa: E402
from verify.options import Eps, Options  # noqa: E402
from verify.search import find_width  # noqa: E402


def _targets(names: list[str], tmp: Path) -> list[tuple[str, object, str, str]]:
    from verify.datasets import EMBEDDED_BIAS_MODEL, embedded_model_path

    out = []
    for name in names:
        if name == "demo":
            out.append(("digits 64-32-16-10 bias (demo), box [0,1]", EMBEDDED_BIAS_MODEL, "box:0,1", "0.1"))
        elif name == "demo01":
            out.append(("digits 64-32-16-10 bias (demo), box [0,1]", EMBEDDED_BIAS_MODEL, "box:0,1", "0.01"))
        elif name == "ball":
            out.append(("digits 64-32-16-10 bias-free, unit ball", embedded_model_path(), "ball", "0.01"))
        elif name == "trained":
            from _tighter_extra import trained_mlp

            trained_mlp(tmp / "trained.pt")
            out.append(("trained 64-48-32-10 bias, box [0,1]", tmp / "trained.pt", "box:0,1", "0.05"))
        else:
            raise SystemExit(f"unknown target {name}")
    return out


def _attack(target, construction, domain, seed: int) -> float:
    long = empirical_sup(target.forward, cpu_forward(construction), target.in_features, domain=domain,
                         device="cpu", seed=seed, samples=16384, steps=200)   # 64 restarts
    return long.max_error


def _checked(cert: dict, model: Path, tmp: Path) -> tuple[Fraction, float]:
    path = tmp / "c.json"
    write_json(path, cert)
    t0 = time.perf_counter()
    ok = check.check_files(path, model)
    return ok.bound, time.perf_counter() - t0


def _smallest(target, options: Options, eps: Fraction) -> int | None:
    return find_width(target, dataclasses.replace(options, width="smallest"), eps).k


def run(names: list[str], smallest: bool) -> str:
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for label, model, domain, eps_text in _targets(names, tmp):
            target = load_target(model)
            eps = Eps.parse(eps_text)
            plain_opts = Options(device="cpu", domain=domain, composition="recurrence")
            found = find_width(target, plain_opts, eps.value)
            c = found.chosen.construction
            tele_b = bounded(dataclasses.replace(c, options=dataclasses.replace(c.options, composition="telescope")))
            plain = certify(target, eps, found.chosen, semantics="exact")
            tele = certify(target, eps, tele_b, semantics="exact")
            b_plain, t_plain = _checked(plain.cert, model, tmp)
            b_tele, t_tele = _checked(tele.cert, model, tmp)
            from verify.domain import parse

            attack = max(_attack(target, c, parse(domain).for_inputs(target.in_features), 0),
                         float(plain.cert["info"]["empirical"]["max_error"]))
            omegas = [Fraction(r["omega"]) for r in tele.cert["layers"]]
            terms = []
            for i, s in enumerate(tele.cert["telescope"]["err_sup"]):
                t = Fraction(s)
                for w in omegas[i + 1:]:
                    t *= w
                terms.append(t)
            top = max(range(len(terms)), key=lambda i: terms[i])
            ks = ("–", "–")
            if smallest:
                ks = (_smallest(target, plain_opts, eps.value),
                      _smallest(target, dataclasses.replace(plain_opts, composition="telescope"), eps.value))
            rows.append([label, eps_text, c.k, f"{float(b_plain):.4g}", f"{float(b_tele):.4g}", f"{attack:.3g}",
                         f"{float(b_plain) / attack:.3g}", f"{float(b_tele) / attack:.3g}",
                         f"L{top + 1} {float(terms[top] / sum(terms)):.0%}", f"{ks[0]} → {ks[1]}",
                         f"{t_plain:.2f} / {t_tele:.2f}"])
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return table(["target", "ε", "k", "bound (recursion)", "bound (telescope)", "attack", "bound/attack before",
                  "after", "dominant term (after)", "smallest k before → after", "check s before / after"], rows)


def exact_ratios(n: int) -> str:
    """``check --exact`` on ``n`` tiny random targets with biases per domain: bound / exact sup for the recursion and
    for the telescope block (both certificates checked first), as median and largest ratios."""
    import numpy as np
    import torch
    from safetensors.torch import save_file

    from verify.engine.construct import build
    from verify.exact import exact_check

    rows = []
    for domain, spec in (("box:0,1", ("box", 0, 1)), ("box:-1,1", ("box", -1, 1)), ("ball", ("ball", 1))):
        before, after = [], []
        with tempfile.TemporaryDirectory() as d:
            for seed in range(n):
                rs = np.random.RandomState(seed)
                widths = [int(rs.randint(2, 4)), int(rs.randint(2, 5)), int(rs.randint(2, 4)), int(rs.randint(1, 3))]
                tensors = {}
                for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
                    tensors[f"{2 * i}.weight"] = torch.from_numpy(rs.uniform(-1, 1, (b, a))).float()
                    tensors[f"{2 * i}.bias"] = torch.from_numpy(rs.uniform(-0.5, 0.5, b)).float()
                path = Path(d) / f"t{seed}.safetensors"
                save_file(tensors, str(path))
                t = load_target(path)
                c = build(t.weights, Options(seed=seed, device="cpu", domain=domain), k=6, biases=t.biases)
                cert = certify(t, Eps.parse("1000"), bounded(c), empirical=False, semantics="exact").cert
                ok = check.check_certificate(cert, path)
                target, pruned = check.exact_networks(ok)
                dim = widths[0]
                dom = (spec if spec[0] == "ball" else
                       ("box", [Fraction(spec[1])] * dim, [Fraction(spec[2])] * dim))
                res = exact_check(target, pruned, ok.bound, domain=dom, timeout_s=120)
                if not res.sound:
                    raise SystemExit(f"UNSOUND: {domain} seed {seed}")
                sup = res.sup_lower
                if sup > 0:
                    before.append(float(Fraction(cert["layers"][-1]["delta"]) / sup))
                    after.append(float(ok.bound / sup))
        rows.append([domain, len(before), f"{np.median(before):.3g}", f"{max(before):.3g}",
                     f"{np.median(after):.3g}", f"{max(after):.3g}"])
    return table(["domain", "targets", "recursion / exact sup: median", "max", "telescope / exact sup: median",
                  "max"], rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--targets", default="demo,demo01,ball,trained")
    p.add_argument("--no-smallest", action="store_true", help="skip the smallest-k searches")
    p.add_argument("--exact", type=int, default=0, metavar="N",
                   help="instead: bound / exact sup on N tiny random targets per domain (check --exact)")
    args = p.parse_args()
    print(exact_ratios(args.exact) if args.exact else run(args.targets.split(","), not args.no_smallest))


if __name__ == "__main__":
    main()
