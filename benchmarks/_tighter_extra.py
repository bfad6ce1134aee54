"""Helpers of bench_tighter.py: the trained 64-48-32-10 target, the exact-oracle cross-check on tiny targets, and
what a checker would pay to verify LipSDP multipliers (docs/tighter.md §6, §8).  Measured, not certified."""

from __future__ import annotations

import math
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
from _tighter_bounds import Net, analyse, backed_off, lipsdp_matrix, solve_lipsdp

from verify.engine.construct import Construction
from verify.engine.model import Target, load_target


def net_of(target: Target, c: Construction, domain) -> tuple[Net, float]:
    """F, G̃'s errors in F's units (docs/affine.md §3) and the domain, as ``Net``; and the domain's reach."""
    E = [m.cpu().numpy() for m in c.error_matrices()]
    e = [v.cpu().numpy() for v in c.bias_errors()]
    if domain.kind == "box":
        lo, hi = domain.bounds()
        net = Net(list(target.weights), list(target.biases), E, e, lo=np.asarray(lo, float), hi=np.asarray(hi, float))
    else:
        net = Net(list(target.weights), list(target.biases), E, e, radius=float(domain.radius))
    return net, float(domain.reach)


def model_check(net: Net, c: Construction, d: int, domain) -> float:
    """max |net.forward_g − G̃| on random points of the domain: the F-units model of G̃ must be G̃."""
    rs = np.random.RandomState(1)
    if net.radius is None:
        x = net.lo + rs.rand(256, d) * (net.hi - net.lo)
    else:
        x = rs.randn(256, d)
        x *= net.radius / np.linalg.norm(x, axis=1, keepdims=True)
    return float(np.abs(net.forward_g(x) - c.forward(torch.from_numpy(x)).cpu().numpy()).max())


def trained_mlp(path: Path, widths: tuple[int, ...] = (64, 48, 32, 10), steps: int = 400) -> Target:
    """A 64-48-32-10 MLP with biases trained on the digits pixels in [0, 1] (full-batch Adam, seed 0, one thread:
    deterministic, a few seconds), saved as a whole nn.Sequential and read back with the checker's reader."""
    from verify.datasets import digits_pixels_split

    x_tr, y_tr, x_te, y_te = digits_pixels_split()
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    X, Y = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(X), Y).backward()
        opt.step()
    model = model.float().eval()
    acc = float((model(torch.from_numpy(x_te).float()).argmax(1).numpy() == y_te).mean())
    torch.save(model, path)
    target = load_target(path)
    target.notes.append(f"held-out accuracy {acc:.4f}")
    return target


# --- the exact oracle as referee (docs/tighter.md §8) -----------------------------------------------------------

def exact_cases() -> list[tuple[list[int], int, str, int, str]]:
    """(widths, seed, domain, k, method) of the tiny targets."""
    return [([2, 3, 2], 0, "box:0,1", 2, "pair"), ([3, 4, 3, 2], 1, "box:0,1", 2, "pair"),
            ([3, 4, 3, 2], 2, "box:-1,1", 2, "pair"), ([2, 3, 2], 3, "ball", 2, "pair"),
            ([3, 4, 3, 2], 4, "ball", 3, "pair"), ([2, 4, 3, 2], 5, "box:-1,1", 3, "pair"),
            ([2, 3, 2], 6, "box:0,1", 6, "subset-sum"), ([3, 4, 3, 2], 7, "box:0,1", 4, "subset-sum"),
            ([2, 4, 3, 2], 8, "ball", 4, "subset-sum"), ([3, 3, 2], 9, "box:-1,1", 5, "subset-sum")]


def exact_crosscheck(widths: list[int], seed: int, domain_text: str, k: int, method: str) -> dict:
    """Certify a tiny target with biases, run the exact oracle on the checked certificate's networks, and compare
    every candidate with the true sup.  A candidate below sup_lower is unsound."""
    from safetensors.torch import save_file

    from verify.certify import certify, domain_of
    from verify.engine.construct import build
    from verify.exact import exact_check
    from verify.kernel import check, io
    from verify.options import Eps, Options

    rs = np.random.RandomState(seed)
    sd = {}
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        sd[f"{2 * i}.weight"] = torch.from_numpy(rs.uniform(-1, 1, (b, a)) * 0.8).float()
        sd[f"{2 * i}.bias"] = torch.from_numpy(rs.uniform(-0.3, 0.3, b)).float()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.safetensors"
        save_file(sd, str(path))
        target = load_target(path)
        opts = Options(method=method, seed=seed, device="cpu", domain=domain_text, max_candidates=4, bias_block=8)
        c = build(target.weights, opts, k=k, biases=target.biases, layout=target.layout)
        res = certify(target, Eps.parse("1000"), c, empirical=False, semantics="exact")
        t_net, g_net = check.exact_networks(check.check_certificate(res.cert, path))
    dom = domain_of(c)
    bound = io.parse_decimal(res.cert["claim"]["bound"])
    spec = (("ball", io.parse_decimal(dom.radius)) if dom.kind == "ball"
            else ("box", [io.parse_signed(v) for v in dom.lo], [io.parse_signed(v) for v in dom.hi]))
    t0 = time.perf_counter()
    ex = exact_check(t_net, g_net, bound, domain=spec, timeout_s=120)
    net, reach = net_of(target, c, dom)
    an = analyse(net, reach)
    an.bounds["+box reach (IBP)"] = analyse(net, reach, sdp=False, crown=False).bounds["+box reach"]
    out = {"case": f"{'-'.join(map(str, widths))} s{seed} {domain_text} {method} k={k}", "true": float(ex.sup_upper),
           "true_lo": float(ex.sup_lower), "today": float(bound), "oracle_s": time.perf_counter() - t0,
           "model": model_check(net, c, widths[0], dom)}
    out.update(an.bounds)
    return out


# --- what the checker would pay for LipSDP (docs/tighter.md §6) --------------------------------------------------

def dyadic_up(x: float, bits: int = 40) -> Fraction:
    return Fraction(math.ceil(x * 2**bits), 2**bits)


def checker_cost(Ws: list[np.ndarray], name: str, solve: bool = True) -> dict:
    """Solve LipSDP for the network Ws (first matrix the identity for a suffix), round T to 2^−40 and ρ up, back ρ
    off until a float Cholesky of −M(ρ, T) − τI succeeds, then time what a checker's PSD proof would cost at this
    size: the float assembly of M and the kernel's verified Cholesky (verify.kernel.spectral, numpy path) on a
    matrix of the same order N (its d·I − ÃÃᵀ form does the Gram product too, so this overestimates)."""
    from verify.kernel import spectral

    alphas = [np.zeros(W.shape[0]) for W in Ws[:-1]]
    N = Ws[0].shape[1] + sum(W.shape[0] for W in Ws[:-1])
    r, t_solve, t_assemble, ok = math.nan, math.nan, math.nan, None
    if solve:   # cvxpy/Clarabel on N = 768 asked for 43 GB here: only the checker's side is timed there
        t0 = time.perf_counter()
        rho, T = solve_lipsdp(Ws, alphas)
        t_solve = time.perf_counter() - t0
        T = np.array([float(Fraction(round(v * 2**40), 2**40)) for v in T])
        r = backed_off(Ws, alphas, rho, T)
        t0 = time.perf_counter()
        M = lipsdp_matrix(Ws, alphas, float(dyadic_up(r)), T)
        t_assemble = time.perf_counter() - t0
        ok = bool(np.linalg.eigvalsh(-(M + M.T) / 2).min() > 0)
    rs = np.random.RandomState(0)
    rows = [[int(v) for v in row] for row in rs.randint(-2**20, 2**20, (N, N))]
    sigma = float(np.linalg.norm(np.array(rows, float), 2))
    t0 = time.perf_counter()
    proved = spectral.spectral_bound_holds(rows, 20, Fraction(sigma * (1 + 1e-5)) / 2**20)
    t_check = time.perf_counter() - t0
    return {"net": name, "N": N, "lip": math.sqrt(r), "norms": math.prod(float(np.linalg.norm(W, 2)) for W in Ws),
            "solve_s": t_solve, "assemble_s": t_assemble, "cholesky_s": t_check, "psd": ok, "proved": proved}
