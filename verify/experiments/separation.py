"""Weight-pruning vs neuron-pruning on a single ReLU neuron (Malach et al. 2020, §2 vs §3).  [experiment]

Target: F(x) = σ(⟨w, x⟩) on the unit l2 ball of R^d, w a random unit vector (seeded), i.e. the depth-2
network with weights [w (1×d), [[1]]].  For growing width we record the error reached by

* ``weight`` — a weight-subnetwork of a random network (the certified construction of ``verify.certify``,
  subset-sum when the engine has it, else pair).  ``error`` is the *certified* bound on
  sup_{‖x‖≤1} |G̃(x) − F(x)|, an upper bound; the details file also has the engine's empirical sup (sphere
  samples plus gradient ascent, a lower bound) and the sup/RMS over the held-out points.
* ``neuron`` — a neuron-subnetwork, which by §3 is as powerful as random features and no more: random
  first layer ``feature_layer(n, d, seed)`` and least-squares second layer (random_features.py eq. (1)),
  trained on points of the unit sphere.  ``error`` is the sup over held-out points, an *empirical* value
  (a lower bound on the true sup, so the comparison favours this method).

Both networks are bias-free, hence positively homogeneous: the sup over the ball is attained on the sphere,
so training and held-out points are drawn uniformly on the unit sphere (points of the closed ball).
``params`` counts the random network used: ``g_parameters([d, 1, 1], k)`` for weight, d·n + n for neuron;
``width`` is its widest hidden layer (k·d for weight, n for neuron).

Expected shape (Yehudai & Shamir 2019, cited by Malach et al. §3: random features need width exponential
in d to approximate one ReLU neuron; §2 and Pensia et al. 2020: weight-pruning needs only polynomial /
logarithmic overhead): the weight lines reach ε = 0.01 at modest width for every d, the neuron lines
flatten and need far more parameters as d grows and ε shrinks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from verify.experiments.random_features import (
    fit_random_features,
    print_table,
    sphere_points,
    write_table,
)

__all__ = ["SeparationConfig", "config", "single_neuron", "weight_method", "weight_rows", "neuron_rows",
           "reach", "plot", "separation_experiment", "COLUMNS", "DETAIL_COLUMNS"]

COLUMNS = ["method", "d", "width", "params", "error"]
DETAIL_COLUMNS = COLUMNS + ["error_kind", "construction", "k_or_n", "heldout_sup", "heldout_rms",
                            "engine_empirical_sup", "seconds"]
EPS_MARKS = (0.1, 0.01)


@dataclass(frozen=True)
class SeparationConfig:
    dims: tuple[int, ...]
    ks: tuple[int, ...]               # width factors of the weight construction
    neuron_widths: tuple[int, ...]    # random-features widths n
    heldout: int                      # held-out sphere points per d
    min_train: int = 8192             # training points: max(8n, min_train)


def config(quick: bool, method: str) -> SeparationConfig:
    """Sizes: quick ≈ seconds, full ≈ a minute on 2 CPU cores.  Pair needs far larger k than subset-sum."""
    if method == "pair":
        ks = (2, 8, 32, 128) if quick else (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
    else:
        ks = (4, 8, 16, 24, 32, 40) if quick else (2, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40)
    if quick:
        return SeparationConfig((2, 4, 8), ks, (4, 16, 64, 256, 1024), 5000)
    return SeparationConfig((2, 4, 8, 16), ks, tuple(2**j for j in range(2, 12)), 20000)


def single_neuron(d: int, seed: int) -> np.ndarray:
    """The target's w: a unit vector of R^d, deterministic in (seed, d).

    >>> bool(abs(np.linalg.norm(single_neuron(5, 0)) - 1.0) < 1e-12)
    True
    """
    g = np.random.default_rng([seed, d]).standard_normal(d)
    return g / np.linalg.norm(g)


def weight_method() -> str:
    """"subset-sum" when the engine's kernel imports and builds a tiny case, else "pair"."""
    try:
        from verify.engine.construct import build
        from verify.options import Options

        build([np.array([[0.5]]), np.array([[0.5]])], Options(method="subset-sum", seed=0, device="cpu"), k=2)
    except Exception:  # noqa: BLE001 - any failure means the method is not usable yet
        return "pair"
    return "subset-sum"


def _target_value(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    return np.maximum(X @ w, 0.0)


def weight_rows(w: np.ndarray, ks: tuple[int, ...], seed: int, method: str,
                X_held: np.ndarray) -> list[dict]:
    """One row per width factor k: certified bound of the weight-subnetwork (``verify.certify.certify``)."""
    import torch

    from verify.certify import certify
    from verify.engine.construct import build, g_parameters
    from verify.engine.model import target_from_weights
    from verify.options import Eps, Options

    d = w.size
    target = target_from_weights([w[None, :], np.array([[1.0]])])
    y = _target_value(w, X_held)
    rows = []
    for k in ks:
        t0 = time.perf_counter()
        built = build(target.weights, Options(method=method, seed=seed, device="cpu"), k=k)
        res = certify(target, Eps.parse("0.01"), built, empirical=True)
        with torch.no_grad():
            g = res.construction.forward(torch.from_numpy(X_held)).cpu().numpy()[:, 0]
        e = np.abs(g - y)
        rows.append({"method": "weight", "d": d, "width": k * d, "params": g_parameters(target.widths, k),
                     "error": float(res.bound), "error_kind": "certified upper bound", "construction": method,
                     "k_or_n": k, "heldout_sup": float(e.max()), "heldout_rms": float(np.sqrt(np.mean(e**2))),
                     "engine_empirical_sup": float(res.cert["info"]["empirical"]["max_error"]),
                     "seconds": time.perf_counter() - t0})
    return rows


def neuron_rows(w: np.ndarray, widths: tuple[int, ...], seed: int, X_held: np.ndarray,
                min_train: int = 8192) -> list[dict]:
    """One row per width n: least-squares random features (what neuron-pruning can reach, §3),
    held-out sup error."""
    d = w.size
    y = _target_value(w, X_held)
    rows = []
    for n in widths:
        t0 = time.perf_counter()
        X = sphere_points(max(8 * n, min_train), d, seed=(seed << 20) + 1000 * d + 1)
        rf = fit_random_features(X, _target_value(w, X), n, seed)
        e = np.abs(rf.forward(X_held)[:, 0] - y)
        rows.append({"method": "neuron", "d": d, "width": n, "params": d * n + n, "error": float(e.max()),
                     "error_kind": "held-out sup (empirical)",
                     "construction": "random features, least squares",
                     "k_or_n": n, "heldout_sup": float(e.max()), "heldout_rms": float(np.sqrt(np.mean(e**2))),
                     "engine_empirical_sup": "", "seconds": time.perf_counter() - t0})
    return rows


def reach(rows: list[dict], eps: float) -> dict[tuple[str, int], int | None]:
    """Smallest ``params`` with ``error`` ≤ eps per (method, d); None if no row reaches it."""
    out: dict[tuple[str, int], int | None] = {}
    for r in rows:
        key = (r["method"], r["d"])
        out.setdefault(key, None)
        if r["error"] <= eps and (out[key] is None or r["params"] < out[key]):
            out[key] = r["params"]
    return out


def plot(rows: list[dict], path: Path, title: str = "") -> None:
    """Log-log error vs parameters of the random network, one line per (method, d)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5.0))
    dims = sorted({r["d"] for r in rows})
    colors = plt.get_cmap("tab10")
    for j, d in enumerate(dims):
        for method, style, marker in (("weight", "-", "o"), ("neuron", "--", "s")):
            pts = sorted((r["params"], r["error"]) for r in rows if r["d"] == d and r["method"] == method)
            if pts:
                ax.plot(*zip(*pts, strict=True), style, marker=marker, color=colors(j), ms=4,
                        label=f"{method}, d={d}")
    for eps in EPS_MARKS:
        ax.axhline(eps, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("parameters of the random network")
    ax.set_ylabel("sup error on the unit ball")
    ax.set_title(title or "single ReLU neuron: weight-pruning (certified) vs neuron-pruning (held-out)")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def separation_experiment(out: Path, quick: bool = False, seed: int = 0) -> int:
    """Run the experiment, write ``separation.csv`` (``COLUMNS``), ``separation_details.csv``
    (``DETAIL_COLUMNS``) and ``separation.png`` under ``out``, print the table.  Returns 0."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    method = weight_method()
    cfg = config(quick, method)
    rows: list[dict] = []
    for d in cfg.dims:
        w = single_neuron(d, seed)
        X_held = sphere_points(cfg.heldout, d, seed=(seed << 20) + 1000 * d + 2)
        rows += weight_rows(w, cfg.ks, seed, method, X_held)
        rows += neuron_rows(w, cfg.neuron_widths, seed, X_held, cfg.min_train)
    write_table(rows, COLUMNS, out / "separation.csv")
    write_table(rows, DETAIL_COLUMNS, out / "separation_details.csv")
    plot(rows, out / "separation.png")
    print(f"single ReLU neuron x -> relu(<w,x>), |w| = 1, seed {seed}; weight = {method} construction "
          f"(error: certified bound), neuron = random features / least squares (error: held-out sup over "
          f"{cfg.heldout} sphere points)")
    print_table(rows, ["method", "d", "width", "params", "error", "heldout_sup", "engine_empirical_sup"])
    for eps in EPS_MARKS:
        got = reach(rows, eps)
        parts = []
        for d in cfg.dims:
            cells = []
            for m in ("weight", "neuron"):
                p = got.get((m, d))
                best = min(r["error"] for r in rows if r["method"] == m and r["d"] == d)
                cells.append(f"{m} {p}" if p is not None else f"{m} not reached (best {best:.3g})")
            parts.append(f"d={d}: " + ", ".join(cells))
        print(f"smallest params reaching error <= {eps}: " + "; ".join(parts))
    print(f"wrote {out / 'separation.csv'}, {out / 'separation_details.csv'}, {out / 'separation.png'}")
    return 0
