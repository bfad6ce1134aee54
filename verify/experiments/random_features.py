"""Random-features predictors and the digits experiment: trained random features vs their neuron-subnetwork.

A random-features predictor (Malach et al. 2020, §3) keeps the random first layer W = ``feature_layer(n, d,
seed)`` and trains only the second layer, here by ridge regression:

    α = argmin_α  ‖Φ αᵀ − Y‖_F² + λ ‖α‖_F²,    Φ = σ(X Wᵀ),    i.e. (ΦᵀΦ + λ I) αᵀ = Φᵀ Y.              (1)

``random_features_experiment`` compares, on ``verify.datasets.digits_split()`` (rows on the unit sphere,
10 classes, one-hot targets), the test accuracy of the trained predictor with that of the neuron-subnetwork
of a wider random network realising it (``verify.experiments.neuron``), at the same feature width n, and
reports the sup-error bound (neuron.py eq. (3)).  Since every test row has ‖x‖₂ = 1, the bound b caps
‖g̃(x) − f(x)‖₂, so the predicted class provably agrees wherever f's top-two logit margin exceeds √2·b
(|Δ_a − Δ_b| ≤ √2‖Δ‖₂): the ``certified_agree`` column.

Columns of ``random_features.csv``: n (features), m (copies per feature and class head), select (greedy
sign/magnitude rule or exact subset-sum, neuron.py), rf_params (d·n + C·n), net_width / net_params (hidden
neurons C·n·m and weights C·n·m·(d+1) of the wide random network), kept_neurons, rf_test_acc,
neuron_test_acc, agree (same predicted class), certified_agree, bound (eq. (3) of neuron.py), max_test_error
(max over test rows of ‖g̃(x) − f(x)‖₂), seconds.  Ridge λ = 0.1·N/n keeps |α| below about 0.7, within
reach of a few U[-1, 1] output weights.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import torch

from verify.datasets import digits_split
from verify.experiments.neuron import RandomFeatures, default_selection, feature_layer, neuron_subnetwork

__all__ = ["fit_second_layer", "fit_random_features", "sphere_points", "random_features_experiment",
           "write_table", "print_table", "RF_COLUMNS"]

RF_COLUMNS = ["n", "m", "select", "rf_params", "net_width", "net_params", "kept_neurons", "rf_test_acc",
              "neuron_test_acc", "agree", "certified_agree", "bound", "max_test_error", "seconds"]


def sphere_points(n: int, d: int, seed: int) -> np.ndarray:
    """n points uniform on the unit sphere S^{d-1} (float64, (n, d)), deterministic in seed.

    >>> bool(np.allclose(np.linalg.norm(sphere_points(5, 3, 0), axis=1), 1.0))
    True
    """
    g = np.random.default_rng(seed).standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def fit_second_layer(phi: np.ndarray, Y: np.ndarray, ridge: float) -> np.ndarray:
    """Eq. (1) in float64 (torch, Cholesky): α (C, n) for features Φ (N, n) and targets Y (N,) or (N, C)."""
    P = torch.from_numpy(np.asarray(phi, dtype=np.float64))
    T = torch.from_numpy(np.asarray(Y, dtype=np.float64).reshape(P.shape[0], -1))
    A = P.T @ P
    A.diagonal().add_(ridge)
    L = torch.linalg.cholesky(A)
    return torch.cholesky_solve(P.T @ T, L).T.contiguous().numpy()


def fit_random_features(X: np.ndarray, Y: np.ndarray, n: int, seed: int, *, ridge: float | None = None,
                        rel_ridge: float = 1e-10) -> RandomFeatures:
    """Random features of width n trained on (X, Y) by eq. (1).

    ``ridge`` is λ; if None, λ = rel_ridge · mean diag(ΦᵀΦ) (numerical stabilisation only: least squares)."""
    W = feature_layer(n, X.shape[1], seed)
    phi = np.maximum(X @ W.T, 0.0)
    lam = rel_ridge * float(np.mean(np.sum(phi**2, axis=0))) if ridge is None else ridge
    return RandomFeatures(W, fit_second_layer(phi, Y, lam))


def _accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(scores, axis=1) == y))


def _row(data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], n: int, m: int, select: str, seed: int,
         ridge: float) -> dict:
    """One table row: random features of width n fitted on the training part of ``data`` = (X_tr, y_tr, X_te, y_te)
    and their neuron-subnetwork with m copies per feature, evaluated on the test part."""
    X_tr, y_tr, X_te, y_te = data
    t0 = time.perf_counter()
    Y = np.eye(10)[y_tr]
    # λ in units of N/n: the diagonal of ΦᵀΦ grows like N while ‖α‖² of a fixed function shrinks like 1/n
    rf = fit_random_features(X_tr, Y, n, seed, ridge=ridge * len(X_tr) / n)
    net = neuron_subnetwork(rf, m, seed, select)
    f_te, g_te = rf.forward(X_te), net.forward(X_te)
    top2 = np.sort(f_te, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    return {
        "n": n, "m": m, "select": select, "rf_params": rf.parameters, "net_width": net.width,
        "net_params": net.parameters, "kept_neurons": net.kept,
        "rf_test_acc": _accuracy(f_te, y_te), "neuron_test_acc": _accuracy(g_te, y_te),
        "agree": float(np.mean(np.argmax(f_te, 1) == np.argmax(g_te, 1))),
        "certified_agree": float(np.mean(margin > np.sqrt(2.0) * net.bound)),
        "bound": net.bound, "max_test_error": float(np.max(np.linalg.norm(g_te - f_te, axis=1))),
        "seconds": time.perf_counter() - t0,
    }


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.3e}"
    return str(v)


def write_table(rows: list[dict], columns: list[str], path: Path) -> None:
    """CSV with exactly ``columns``; floats written with repr (round-trip exact)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: repr(v) if isinstance(v, float) else v for k, v in r.items()})


def print_table(rows: list[dict], columns: list[str]) -> None:
    cells = [[_fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(x[j]) for x in cells)) for j, c in enumerate(columns)]
    print("  ".join(c.rjust(wd) for c, wd in zip(columns, widths, strict=True)))
    for x in cells:
        print("  ".join(v.rjust(wd) for v, wd in zip(x, widths, strict=True)))


def random_features_experiment(out: Path, quick: bool = False, seed: int = 0) -> int:
    """Digits: trained random features vs their neuron-subnetwork at matched feature width n.

    Writes ``random_features.csv`` (columns ``RF_COLUMNS``) under ``out`` and prints the table.  Returns 0."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = digits_split()
    X_tr, X_te = data[0], data[2]
    widths = (25, 100) if quick else (25, 50, 100, 200, 400, 800)
    # copies per feature: the sign/magnitude rule needs m ≳ 1/|α| copies of the right sign, the exact
    # subset-sum only enough that no group is one-signed (probability 2^{1-m} per group)
    copies = {"greedy": 256 if quick else 1024, "subset-sum": 16 if quick else 20}
    selects = ["greedy"] + (["subset-sum"] if default_selection() == "subset-sum" else [])
    rows = [_row(data, n, copies[s], s, seed, ridge=0.1)
            for n in widths for s in selects]
    write_table(rows, RF_COLUMNS, out / "random_features.csv")
    print(f"random features vs neuron-subnetwork on digits ({len(X_tr)} train / {len(X_te)} test, "
          f"seed {seed}); each feature present m times per class head in the wide random network")
    print_table(rows, RF_COLUMNS)
    print("bound: sup over the unit ball of ‖g̃(x) − f(x)‖₂ (neuron.py eq. (3)); certified_agree: share "
          "of test points whose class provably agrees (margin > √2·bound)")
    print(f"wrote {out / 'random_features.csv'}")
    return 0
