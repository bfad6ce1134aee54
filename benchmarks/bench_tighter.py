"""Tighter bounds than the certificate's recursion (issue 16): measure candidates against each other and the attack.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_tighter.py                  # all targets, k search, exact
    python benchmarks/bench_tighter.py --targets demo --no-k-search --no-exact         # one target, quick
    python benchmarks/bench_tighter.py --checker-only                                 # LipSDP: what a checker pays

Measured, not certified (docs/tighter.md): every candidate is computed in float64 here; a checker would re-derive
each rigorously.  For each target G̃ is built at the k today's width search picks (``search.find_width``, default
options), then every candidate of docs/tighter.md §7 is computed on the same G̃ and compared with the certificate's
bound and with the attack (``engine.empirical.empirical_sup``, the certifier's default run and a longer one).  The
smallest k of each candidate is found by bisection over k ≤ today's k on rebuilt constructions (shared, capped).
The exact oracle (``verify.exact``) referees every candidate on tiny targets: one below the true sup is unsound.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
from _targets import random_mlp, table
from _tighter_bounds import analyse
from _tighter_extra import checker_cost, exact_cases, exact_crosscheck, model_check, net_of, trained_mlp

from verify.certify import bound_of, domain_of
from verify.engine.construct import build
from verify.engine.empirical import empirical_sup
from verify.engine.model import Target, load_target
from verify.engine.runtime import cpu_forward
from verify.options import Options
from verify.search import find_width

CANDIDATES = ("telescope", "+box reach (IBP)", "+box reach", "+masks", "+LipSDP", "recursion", "best")
SEARCH_ORDER = ("best", "+LipSDP", "+box reach", "+box reach (IBP)", "+masks", "recursion")


def targets(names: list[str], tmp: Path) -> list[tuple[str, Target, str, str]]:
    """(name, target, domain, ε) for the requested targets."""
    out = []
    for name in names:
        if name == "demo":
            out.append(("demo 64-32-16-10 bias", load_target("verify/data/digits_bias_mlp.pt"), "box:0,1", "0.01"))
        elif name == "ball":
            out.append(("digits 64-32-16-10 ball", load_target("verify/data/digits_mlp.safetensors"), "ball", "0.01"))
        elif name == "box":
            out.append(("digits 64-32-16-10 box", load_target("verify/data/digits_mlp.safetensors"), "box:0,1",
                        "0.05"))
        elif name == "trained":
            out.append(("trained 64-48-32-10 bias", trained_mlp(tmp / "trained.pt"), "box:0,1", "0.05"))
        else:
            raise SystemExit(f"unknown target {name!r}")
    return out


class Ladder:
    """Constructions at several k for one target: the certificate's bound and every candidate (cached per k)."""

    def __init__(self, target: Target, options: Options, cap: int) -> None:
        self.target, self.options, self.cap = target, options, cap
        self.rows: dict[int, dict[str, float]] = {}
        self.dominant: dict[int, dict[str, str]] = {}
        self.builds = 0

    def add(self, c) -> dict[str, float]:
        dom = domain_of(c)
        net, reach = net_of(self.target, c, dom)
        an = analyse(net, reach)
        ibp = analyse(net, reach, sdp=False, crown=False).bounds["+box reach"]
        row = {"today": float(bound_of(c)), **an.bounds, "+box reach (IBP)": ibp,
               "_model": model_check(net, c, self.target.in_features, dom),
               "_sdp_s": an.sdp_seconds}
        self.rows[c.k] = row
        self.dominant[c.k] = {**an.dominant, "today": an.dominant["telescope"]}
        return row

    def at(self, k: int) -> dict[str, float] | None:
        if k not in self.rows:
            if self.builds >= self.cap:
                return None
            self.builds += 1
            self.add(build(self.target.weights, self.options, k=k, biases=self.target.biases,
                           layout=self.target.layout))
        return self.rows[k]

    def smallest(self, key: str, eps: float, k_hi: int) -> str:
        """Smallest k ≤ k_hi whose ``key`` bound is ≤ ε by bisection (the bound is roughly monotone in k);
        '≤ k' when the build cap stopped it."""
        lo, hi = 0, k_hi   # invariant: hi certifies, lo fails (k = 0 stands for "fails")
        known_fail = [k for k, r in self.rows.items() if k < hi and r[key] > eps]
        lo = max(known_fail, default=0)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            row = self.at(mid)
            if row is None:
                return f"≤ {hi}"
            lo, hi = (lo, mid) if row[key] <= eps else (mid, hi)
        return str(hi)


def attack(target: Target, c, long: bool) -> float:
    dom = domain_of(c)
    kw = {"samples": 16384, "steps": 200} if long else {}
    return empirical_sup(target.forward, cpu_forward(c), target.in_features, domain=dom, device="cpu", seed=c.seed,
                         **kw).max_error


def run_target(name: str, target: Target, domain: str, eps: str, k_search: bool, cap: int) -> list[list[str]]:
    options = Options(seed=0, device="cpu", domain=domain)
    t0 = time.perf_counter()
    found = find_width(target, options, Fraction(eps))
    if found.chosen is None:
        print(f"\n{name}: ε = {eps} not reached up to k = {found.k_max}: skipped", flush=True)
        return []
    c = found.construction
    ladder = Ladder(target, options, cap)
    row = ladder.add(c)
    t_search = time.perf_counter() - t0
    t0 = time.perf_counter()
    att = max(attack(target, c, False), attack(target, c, True))
    t_attack = time.perf_counter() - t0
    print(f"\n{name}: domain {domain}, ε = {eps}, today's k = {c.k} (search {t_search:.0f} s, {found.summary}); "
          f"attack {att:.4g} ({t_attack:.0f} s); F-units model of G̃ off by {row['_model']:.1e}; "
          f"LipSDP {row['_sdp_s']:.1f} s", flush=True)
    unsound = [key for key in ("today",) + CANDIDATES if row[key] < att]
    if unsound:
        print(f"!!! UNSOUND: {unsound} below the attack's {att:.4g} — dropped")
    smallest = {}
    if k_search:
        t0 = time.perf_counter()
        smallest = {"today": str(c.k), "telescope": f"{c.k} (= today)"}
        for key in SEARCH_ORDER:
            smallest[key] = ladder.smallest(key, float(eps), c.k)
        print(f"  k search: {ladder.builds} builds, {time.perf_counter() - t0:.0f} s", flush=True)
    an_dom = ladder.dominant[c.k]
    out = []
    for key in ("today",) + CANDIDATES:
        out.append([name, key, f"{row[key]:.4g}", f"{row[key] / att:.2f}", smallest.get(key, "-"),
                    an_dom.get(key, "-")])
    return out


def exact_table() -> str:
    rows, bad = [], []
    for case in exact_cases():
        r = exact_crosscheck(*case)
        for key in ("today",) + CANDIDATES:
            if r[key] < r["true_lo"]:
                bad.append(f"{r['case']}: {key} = {r[key]:.6g} < true sup {r['true_lo']:.6g}")
        rows.append([r["case"], f"{r['true']:.4g}", f"{r['oracle_s']:.1f}"]
                    + [f"{r[key] / r['true']:.3f}" for key in ("today",) + CANDIDATES] + [f"{r['model']:.0e}"])
    text = table(["tiny target", "true sup", "oracle s", "today/true"] + [f"{key}/true" for key in CANDIDATES]
                 + ["model"], rows)
    if bad:
        text += "\n\n!!! UNSOUND CANDIDATES (below the exact sup):\n" + "\n".join(bad)
    else:
        text += "\n\nno candidate below the exact sup"
    return text


def checker_table() -> str:
    """LipSDP suffixes of the digits MLPs and of a 784-256-256-10 random target: solve, back off, and time the
    verified Cholesky at the matrix's order."""
    rows = []
    nets = [("digits bias P_1", load_target("verify/data/digits_bias_mlp.pt")),
            ("digits ball P_1", load_target("verify/data/digits_mlp.safetensors")),
            ("784-256-256-10 P_1", random_mlp([784, 256, 256, 10]))]
    for name, t in nets:
        Ws = [np.eye(t.weights[0].shape[0])] + list(t.weights[1:])
        r = checker_cost(Ws, name, solve=t.weights[0].shape[0] < 128)
        rows.append([r["net"], r["N"], f"{r['lip']:.4g}", f"{r['norms']:.4g}", f"{r['solve_s']:.1f}",
                     f"{r['assemble_s']:.2f}", f"{r['cholesky_s']:.2f}", r["psd"], r["proved"]])
    return table(["suffix", "N", "LipSDP", "product of norms", "solve s", "assemble s", "verified Cholesky s",
                  "−M ≻ 0 (float)", "kernel test proved"], rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", default="demo,ball,box,trained")
    ap.add_argument("--no-k-search", action="store_true")
    ap.add_argument("--no-exact", action="store_true")
    ap.add_argument("--no-checker", action="store_true")
    ap.add_argument("--checker-only", action="store_true")
    ap.add_argument("--cap", type=int, default=5, help="builds per target for the k searches")
    args = ap.parse_args()
    t_all = time.perf_counter()
    if not args.checker_only:
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            for name, target, domain, eps in targets(args.targets.split(","), Path(tmp)):
                for note in target.notes:
                    if note.startswith("held-out"):
                        print(f"{name}: {note}")
                rows += run_target(name, target, domain, eps, not args.no_k_search, args.cap)
        print()
        print(table(["target", "candidate", "bound", "bound/attack", "smallest k", "dominant term"], rows))
        if not args.no_exact:
            print()
            print(exact_table())
    if not args.no_checker or args.checker_only:
        print()
        print(checker_table())
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    main()
