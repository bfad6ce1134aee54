"""Biases: width, bound, tightness and memory with the bias gadget, and how large its bias block c must be.

    python benchmarks/bench_biases.py            # the full form of benchmarks/biases.md (about 10 min on 2 cores)
    python benchmarks/bench_biases.py --quick    # eps 0.1 only, c in {0, 22, 44}, two domains (a few minutes)

Table A: for the embedded bias MLP (64-32-16-10 with biases, domain box:0,1) and the embedded bias-free MLP (domain
ball), per ε: the smallest certified k of `search_width` (default options: subset-sum, 22 candidates, spectral rows,
bias block "auto" = 44 when F has a non-zero bias), G's parameters, c, the certified bound, the attack's max error and
the tightness bound / attack (`certify(..., empirical=True)`), construction + bound time at that k, and peak RSS.
Every row runs in a fresh spawned process: peak RSS is that process's `resource.getrusage(RUSAGE_SELF).ru_maxrss`
(so it includes the Python + torch imports; "RSS after load" is the same counter after the imports and loading the
target).  Baseline for what the biases cost: the same weights with the biases dropped, searched in the same run.
Table A2: G's widths with and without the bias block, c/(k·n) per layer, and the share of δ_L due to the β_i terms
(δ_L recomposed from the certified rows with every β_i = 0, vs the real δ_L).
Table B: the bias MLP over box:0,1 at the k of Table A at the last ε, bias_block c in {0, 4, ..., 88}: per layer β_i
(the certified bias error norms), the usable constants (positive-bias block neurons, at most max_candidates) and δ_L.
Table C: the same MLP and ε over box:0,1, box:-1,1 and ball:8 (all three have reach 8): the smallest k, what the
non-negative first layer saves.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction

import torch
from _targets import digits, table

from verify.certify import bounded, certify, compose, domain_of
from verify.datasets import EMBEDDED_BIAS_MODEL
from verify.engine.biases import constants
from verify.engine.construct import build, g_parameters, g_widths
from verify.engine.model import Target, load_target, target_from_weights
from verify.options import Eps, Options
from verify.search import search_width

BIAS_DOMAIN = "box:0,1"
TARGETS = {  # name -> (domain, loader)
    "bias MLP": (BIAS_DOMAIN, lambda: load_target(EMBEDDED_BIAS_MODEL)),
    "bias MLP, biases dropped": (BIAS_DOMAIN, lambda: target_from_weights(load_target(EMBEDDED_BIAS_MODEL).weights)),
    "bias-free MLP": ("ball", digits),
}


def _mib(kib: int) -> float:
    return kib / 1024  # ru_maxrss is in KiB on Linux


def beta_free_delta(rows, reach: Fraction) -> Fraction:
    """δ_L recomposed from certified rows with every β_i set to 0 (η_i, ω_i, ν_i as certified)."""
    return Fraction(compose([(r.eta, r.omega, "0", r.bias_norm, r.norm) for r in rows], reach)[-1].delta)


def table_a_row(name: str, eps: str) -> dict:
    """One row of Table A, run in a fresh process (peak RSS of this process only)."""
    domain, load = TARGETS[name]
    target = load()
    rss_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    found = search_width(target, Options(seed=0, device="cpu", domain=domain), Fraction(eps))
    t_search = time.perf_counter() - t0
    out = {"name": name, "eps": eps, "domain": domain, "widths": target.widths, "k": found.k,
           "bound": float(found.bound), "search_s": t_search, "tried": len(found.tried), "k_max": found.k_max}
    if found.chosen is not None:
        ch = found.chosen
        c = ch.construction
        t0 = time.perf_counter()
        cert = certify(target, Eps.parse(eps), ch, empirical=True)
        emp = cert.cert["info"]["empirical"]
        reach = domain_of(c).reach
        out.update(c=c.bias_block, params=g_parameters(target.widths, c.k, c.bias_block),
                   params_no_c=g_parameters(target.widths, c.k, 0), bound_s_text=ch.rows[-1].delta,
                   max_error=float(emp["max_error"]), tightness=emp["tightness"], construct_s=c.seconds,
                   bound_s=ch.seconds, attack_s=time.perf_counter() - t0, betas=[r.beta for r in ch.rows],
                   delta_no_beta=float(beta_free_delta(ch.rows, reach)), rescaling=c.rescaling)
    out["rss_load_mib"] = _mib(rss_load)
    out["rss_peak_mib"] = _mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return out


def in_fresh_process(fn, *args):
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                             max_tasks_per_child=1) as pool:
        return pool.submit(fn, *args).result()


def usable(c_built, i: int) -> int:
    """Positive-bias neurons of layer pair i's bias block that the gadget may use (at most max_candidates)."""
    start, size = c_built.bias_parts[i].hidden
    hs, _ = constants(c_built.seed, i + 1, start, size, c_built.options.max_candidates, torch.device("cpu"))
    return hs.numel()


def table_b(target: Target, k: int, blocks: list[int]) -> tuple[str, str]:
    rows, ref = [], None
    results = []
    for c in blocks:
        opts = Options(seed=0, device="cpu", domain=BIAS_DOMAIN, bias_block=c)
        t0 = time.perf_counter()
        b = bounded(build(target.weights, opts, k=k, biases=target.biases))
        secs = time.perf_counter() - t0
        reach = domain_of(b.construction).reach
        share = 1 - beta_free_delta(b.rows, reach) / b.bound
        results.append((c, b, share, secs))
        if c == 44:
            ref = b
    for c, b, share, secs in results:
        cb = b.construction
        use = "/".join(str(usable(cb, i)) for i in range(len(cb.layers)))
        rows.append([c, use] + [f"{float(r.beta):.3g}" for r in b.rows]
                    + [f"{float(share):.1%}", f"{float(b.bound):.4g}",
                       f"{float(b.bound / ref.bound):.3g}" if ref is not None else "-", f"{secs:.1f}"])
    nb = len(results[0][1].rows)
    header = (["c", "usable constants per layer"] + [f"β_{i + 1}" for i in range(nb)]
              + ["β share of δ_L", "certified δ_L", "δ_L / δ_L(c=44)", "build+bound s"])
    ref_rows = (ref or results[-1][1]).rows
    rho = [float(domain_of((ref or results[-1][1]).construction).reach)] + [float(r.rho) for r in ref_rows]
    weight_terms = ", ".join(f"η_{i + 1}·ρ_{i} = {float(r.eta) * rho[i]:.3g}" for i, r in enumerate(ref_rows))
    return table(header, rows), weight_terms


def table_c(target: Target, eps: str, domains: list[str], k_start: int) -> str:
    rows, ref = [], None
    for domain in domains:
        t0 = time.perf_counter()
        found = search_width(target, Options(seed=0, device="cpu", domain=domain), Fraction(eps), k_start=k_start)
        secs = time.perf_counter() - t0
        at_start = found.tried.get(k_start)
        if found.k is None:
            rows.append([domain, eps, f"not reached (k ≤ {found.k_max})", "-", f"{float(found.bound):.4g} at "
                         f"k = {found.k_max}", f"{float(at_start):.4g}", "-", f"{secs:.0f}"])
            continue
        c = found.construction.bias_block
        params = g_parameters(target.widths, found.k, c)
        if ref is None:
            ref = (found.k, params)
        rows.append([domain, eps, found.k, f"{params:,}", f"{float(found.bound):.4g}", f"{float(at_start):.4g}",
                     f"{found.k / ref[0]:.2f} / {params / ref[1]:.2f}", f"{secs:.0f}"])
    return table(["domain", "eps", "smallest k", "G parameters", "certified bound", f"bound at k = {k_start}",
                  f"k / params vs {domains[0]}", "search s"], rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="eps 0.1 only, c in {0, 22, 44}, box:0,1 vs box:-1,1")
    ap.add_argument("--eps", nargs="+", default=["0.1", "0.01"])
    ap.add_argument("--blocks", nargs="+", type=int, default=[0, 4, 8, 16, 22, 32, 44, 64, 88])
    ap.add_argument("--domains", nargs="+", default=[BIAS_DOMAIN, "box:-1,1", "ball:8"])
    ap.add_argument("--k", type=int, help="Table B's width factor (default: Table A's k at the last eps)")
    args = ap.parse_args()
    if args.quick:
        args.eps, args.blocks, args.domains = ["0.1"], [0, 22, 44], [BIAS_DOMAIN, "box:-1,1"]
    t_all = time.perf_counter()
    res = {(name, eps): in_fresh_process(table_a_row, name, eps) for name in TARGETS for eps in args.eps}
    rows = []
    for (name, eps), r in res.items():
        if r["k"] is None:
            rows.append([name, r["domain"], eps, f"not reached (k ≤ {r['k_max']})"] + ["-"] * 8
                        + [f"{r['rss_peak_mib']:.0f}"])
            continue
        rows.append([name, r["domain"], eps, r["k"], f"{r['params']:,}", r["c"], r["bound_s_text"],
                     f"{r['max_error']:.3e}", r["tightness"], f"{r['construct_s'] + r['bound_s']:.2f}",
                     f"{r['search_s']:.0f} ({r['tried']})", f"{r['rss_load_mib']:.0f}", f"{r['rss_peak_mib']:.0f}"])
    print("Table A: smallest certified width factor (search_width, default options), tightness, time, memory\n")
    print(table(["target", "domain", "eps", "k", "G parameters", "c", "certified bound", "attack max error",
                 "bound / attack", "construct+bound s", "search s (k tried)", "RSS after load MiB",
                 "peak RSS MiB"], rows))
    rows2 = []
    for (name, eps), r in res.items():
        if r["k"] is None or name == "bias MLP, biases dropped":
            continue
        k, c, n = r["k"], r["c"], r["widths"]
        base = res.get(("bias MLP, biases dropped", eps)) if name == "bias MLP" else None
        k_base = (f"{base['k']} ({k / base['k']:.2f}x)" if base and base["k"] else "-")
        share = 1 - r["delta_no_beta"] / r["bound"] if r["bound"] else 0.0
        rows2.append([name, eps, k, "-".join(map(str, g_widths(n, k, c))), "-".join(map(str, g_widths(n, k, 0))),
                      " / ".join(f"{c / (k * m):.1%}" for m in n[:-1]),
                      f"{r['params'] / r['params_no_c']:.3f}", " / ".join(f"{float(b):.3g}" for b in r["betas"]),
                      f"{r['bound']:.4g}", f"{r['delta_no_beta']:.4g}", f"{share:.1%}", k_base])
    print("\nTable A2: what the biases cost (G's widths with the bias block c and without it, at the same k)\n")
    print(table(["target", "eps", "k", "G widths with c", "G widths without c", "c / (k·n) per layer",
                 "params with / without c", "β_i (certified)", "δ_L", "δ_L with β = 0", "β share of δ_L",
                 "k with biases dropped"], rows2), flush=True)
    bias = load_target(EMBEDDED_BIAS_MODEL)
    k_b = args.k or res[("bias MLP", args.eps[-1])]["k"]
    tb, weight_terms = table_b(bias, k_b, args.blocks)
    print(f"\nTable B: bias MLP over {BIAS_DOMAIN} at k = {k_b}, bias block c varied (max_candidates 22)\n")
    print(tb)
    print(f"\nweight-error terms of δ_i at c = 44 (for comparison with β_i): {weight_terms}", flush=True)
    k_a = res[("bias MLP", args.eps[-1])]["k"] or 1
    print(f"\nTable C: bias MLP, same weights and biases, at eps {args.eps[-1]} over domains of reach 8\n")
    print(table_c(bias, args.eps[-1], args.domains, k_a))
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s; torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s), python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
