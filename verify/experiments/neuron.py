"""Neuron-subnetworks of a random depth-2 network that realise a random-features predictor.  [experiment]

Malach et al. 2020 (arXiv 2002.00585), §3: removing whole hidden neurons of a random depth-2 network is as
powerful as the best random-features predictor (random first layer, trained second layer) and no more.
Provenance: the project's search tool only reached the paper's abstract and introduction (see also
``verify/theory.py``), which state this result; the theorem statements of §3 were not readable.  The
construction below is our deterministic, finite-width realisation of the "as powerful as" direction, and
its error bound (eq. (3)) is derived here.  Neither is part of a certificate.

Setting.  Features W = (w_i)_{i<n} ∈ R^{n×d}, outputs r < C.  The random-features predictor is

    f_r(x) = Σ_{i<n} α_{r,i} σ(⟨w_i, x⟩),        α ∈ R^{C×n} trained.                                (1)

The wider random network has, for every output r, a scalar depth-2 head of width n·m: hidden neuron
h = t·n + i (t < m) has first-layer row w_i (every feature present m times, as in the paper's grouping of
neurons by feature) and its own random output weight u_{r,i,t} = G_2[r, h] ~ U[-1, 1], drawn by
``verify.kernel.rng`` as layer 2 of the seed (the features are its layer 1, so the network is a pure function of
the seed).  Removing neurons leaves, for chosen subsets S_{r,i} ⊆ {0..m-1},

    g̃_r(x) = Σ_i Σ_{t∈S_{r,i}} u_{r,i,t} σ(⟨w_i, x⟩),    g̃_r − f_r = Σ_i E_{r,i} σ(⟨w_i, x⟩),
    E_{r,i} = Σ_{t∈S_{r,i}} u_{r,i,t} − α_{r,i}.                                                     (2)

So a neuron-subnetwork realises the coefficient α_{r,i} by *which* copies of feature i it keeps: a
subset-sum problem per (r, i), no weight is ever changed.  Choice of S_{r,i} (``select``):

* ``"greedy"`` — the sign/magnitude rule: only copies whose weight has the sign of α_{r,i}, taken in order
  of decreasing |u| while they do not overshoot |α_{r,i}|, then the smallest remaining one if it brings the
  sum closer.  |E_{r,i}| is below every skipped magnitude, so it shrinks as m grows.
* ``"subset-sum"`` — the exact best subset of the first ``SUBSET_CAP`` copies (Pensia et al. 2020's
  refinement, via ``verify.engine.subset_sum.best_subsets``); |E| falls like 2^{-Θ(m)}.

Bound.  For ‖x‖₂ ≤ 1, with ‖σ(Wx)‖₂ ≤ ‖Wx‖₂ ≤ ‖W‖₂ and, since σ ≥ 0, every coordinate of (2) lies
between −N_r and P_r, where P_r = Σ_{E_{r,i}>0} E_{r,i}‖w_i‖₂ and N_r = Σ_{E_{r,i}<0} |E_{r,i}|‖w_i‖₂:

    sup_{‖x‖≤1} ‖g̃(x) − f(x)‖₂  ≤  min( ‖E‖₂·‖W‖₂ ,  (Σ_r max(P_r, N_r)²)^{1/2} ).                 (3)

Evaluated in float64 and multiplied by (1 + 1e-9) to absorb rounding (an experiment's bound, not an
interval enclosure like the certifier's).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from verify.engine import rng_torch
from verify.options import CANDIDATES_DEFAULT

__all__ = ["RandomFeatures", "NeuronSubnetwork", "SELECTIONS", "SUBSET_CAP", "feature_layer",
           "head_weights", "select_greedy", "select_subset_sum", "default_selection", "neuron_subnetwork",
           "sup_error_bound"]

SELECTIONS = ("greedy", "subset-sum")
SUBSET_CAP = CANDIDATES_DEFAULT  # candidates per (r, i) searched exactly by "subset-sum"; the rest are removed
FEATURE_LAYER = 1    # verify.kernel.rng layer of the random first layer W
HEAD_LAYER = 2       # verify.kernel.rng layer of the random output weights u
_MARGIN = 1.0 + 1e-9


def feature_layer(n: int, d: int, seed: int) -> np.ndarray:
    """Random first layer W (n, d), W[i, j] = ``verify.kernel.rng`` weight (seed, layer 1, i, j) ~ U[-1, 1].

    Width n is a prefix of width n+1, so the features of narrower predictors are nested.

    >>> feature_layer(3, 2, 0).shape
    (3, 2)
    """
    rows = torch.arange(n)[:, None]
    cols = torch.arange(d)[None, :]
    return rng_torch.weights(seed, FEATURE_LAYER, rows, cols).numpy()


def head_weights(c: int, n: int, m: int, seed: int) -> np.ndarray:
    """Random output weights u (C, n, m) of the wide network: u[r, i, t] = ``verify.kernel.rng`` weight
    (seed, layer 2, r, t·n + i)."""
    r = torch.arange(c)[:, None, None]
    h = torch.arange(m)[None, None, :] * n + torch.arange(n)[None, :, None]
    return rng_torch.weights(seed, HEAD_LAYER, r, h).numpy()


@dataclass(frozen=True)
class RandomFeatures:
    """The predictor (1): f(x) = α σ(W x), W (n, d) random, α (C, n) trained."""

    W: np.ndarray
    alpha: np.ndarray

    @property
    def width(self) -> int:
        return self.W.shape[0]

    @property
    def parameters(self) -> int:
        """d·n + C·n: the first and the second layer."""
        return self.W.size + self.alpha.size

    def forward(self, X: np.ndarray) -> np.ndarray:
        """f(X) for a batch X (N, d) → (N, C)."""
        return np.maximum(np.asarray(X, dtype=np.float64) @ self.W.T, 0.0) @ self.alpha.T


def select_greedy(alpha: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Sign/magnitude rule for S_{r,i} (module docstring), vectorised over (r, i); returns keep (C, n, m).

    >>> keep = select_greedy(np.array([[0.7]]), np.array([[[0.5, -0.9, 0.3, 0.15]]]))
    >>> keep.tolist()
    [[[True, False, False, True]]]
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    sgn = np.where(alpha < 0, -1.0, 1.0)
    mag = u * sgn[..., None]                      # > 0 exactly for copies of the right sign
    order = np.argsort(-np.where(mag > 0, mag, -np.inf), axis=-1, kind="stable")
    sorted_mag = np.take_along_axis(mag, order, axis=-1)
    rest = np.abs(alpha).copy()                   # |α| − sum taken so far (≥ 0)
    take = np.zeros_like(sorted_mag, dtype=bool)
    for t in range(sorted_mag.shape[-1]):
        v = sorted_mag[..., t]
        ok = (v > 0) & (v <= rest)
        take[..., t] = ok
        rest = np.where(ok, rest - v, rest)
    # one overshooting copy helps iff its magnitude is below 2·rest: take the smallest such one
    cand = np.where((sorted_mag > 0) & ~take, sorted_mag, np.inf)
    t_min = np.argmin(cand, axis=-1)
    v_min = np.take_along_axis(cand, t_min[..., None], axis=-1)[..., 0]
    extra = v_min < 2 * rest
    was = np.take_along_axis(take, t_min[..., None], axis=-1)
    np.put_along_axis(take, t_min[..., None], was | extra[..., None], axis=-1)
    keep = np.zeros_like(take)
    np.put_along_axis(keep, order, take, axis=-1)
    return keep


def select_subset_sum(alpha: np.ndarray, u: np.ndarray, cap: int = SUBSET_CAP) -> np.ndarray:
    """Exact best S_{r,i} ⊆ first ``cap`` copies minimising |E_{r,i}| (Pensia et al. 2020; ties → smallest
    bitmask), by ``verify.engine.subset_sum.best_subsets``; copies beyond ``cap`` are removed.

    Returns keep (C, n, m)."""
    from verify.engine.subset_sum import best_subsets

    c, n, m = u.shape
    s = min(m, cap)
    # u = u_int·2^-24 exactly, so u_int·2^24 is u in the kernel's units of 2^-48
    u_int = torch.from_numpy(np.rint(u[..., :s] * 2.0**24)).to(torch.int64) << 24
    targets = torch.from_numpy(np.ascontiguousarray(alpha, np.float64)).reshape(-1)
    chosen = best_subsets(u_int.reshape(-1, s), targets)
    keep = np.zeros((c, n, m), dtype=bool)
    keep[..., :s] = chosen.reshape(c, n, s).numpy()
    return keep


def default_selection() -> str:
    """"subset-sum" when the engine's exact kernel imports, else "greedy"."""
    try:
        from verify.engine.subset_sum import best_subsets  # noqa: F401
    except ImportError:
        return "greedy"
    return "subset-sum"


def sup_error_bound(W: np.ndarray, E: np.ndarray) -> dict[str, float]:
    """Eq. (3): upper bounds on sup_{‖x‖≤1} ‖E σ(Wx)‖₂ for W (n, d), E (C, n); ``bound`` is their minimum.

    >>> b = sup_error_bound(np.eye(2), np.array([[0.1, -0.2]]))
    >>> round(b["bound"], 6), round(b["sign_split"], 6), round(b["spectral"], 6)
    (0.2, 0.2, 0.223607)
    """
    W = np.asarray(W, dtype=np.float64)
    E = np.asarray(E, dtype=np.float64)
    spectral = float(np.linalg.norm(E, 2) * np.linalg.norm(W, 2))
    rn = np.linalg.norm(W, axis=1)
    pos = np.where(E > 0, E, 0.0) @ rn
    neg = np.where(E < 0, -E, 0.0) @ rn
    split = float(np.sqrt(np.sum(np.maximum(pos, neg) ** 2)))
    return {"spectral": spectral * _MARGIN, "sign_split": split * _MARGIN,
            "bound": min(spectral, split) * _MARGIN}


@dataclass
class NeuronSubnetwork:
    """A neuron-subnetwork g̃ of the wide random network (module docstring, eq. (2)) and its bound (3)."""

    W: np.ndarray            # (n, d) features, shared by the m copies of each
    alpha: np.ndarray        # (C, n) the random-features coefficients it realises
    m: int                   # copies of each feature per head
    seed: int
    select: str
    u: np.ndarray            # (C, n, m) random output weights of the wide network
    keep: np.ndarray         # (C, n, m) bool: kept hidden neurons
    bounds: dict[str, float] = field(default_factory=dict)

    @property
    def residual(self) -> np.ndarray:
        """E (C, n) of eq. (2)."""
        return np.where(self.keep, self.u, 0.0).sum(axis=-1) - self.alpha

    @property
    def bound(self) -> float:
        return self.bounds["bound"]

    @property
    def width(self) -> int:
        """Hidden neurons of the wide random network (all heads): C·n·m."""
        return self.u.size

    @property
    def kept(self) -> int:
        return int(self.keep.sum())

    @property
    def parameters(self) -> int:
        """Weights of the wide random network: C·n·m·(d + 1)."""
        return self.u.size * (self.W.shape[1] + 1)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """g̃(X) (N, C): the pruned network itself, i.e. the sum over kept neurons (r, i, t) of
        u_{r,i,t} σ(⟨w_i, x⟩) into output r (not the collapsed coefficients)."""
        r, i, t = np.nonzero(self.keep)
        act = np.maximum(np.asarray(X, dtype=np.float64) @ self.W[i].T, 0.0)   # (N, kept)
        route = np.zeros((r.size, self.u.shape[0]))
        route[np.arange(r.size), r] = self.u[r, i, t]
        return act @ route


def neuron_subnetwork(rf: RandomFeatures, m: int, seed: int,
                      select: str | None = None) -> NeuronSubnetwork:
    """Prune the wide random network (m copies of each of rf's features per output, output weights from
    ``verify.kernel.rng`` at ``seed``) to a neuron-subnetwork matching ``rf``; deterministic in
    (rf, m, seed, select).

    ``rf.W`` is expected to be ``feature_layer(n, d, seed)`` (the wide network's own first layer); any W works
    for the algebra of (2)–(3)."""
    if m < 1:
        raise ValueError("m (copies per feature) must be ≥ 1")
    select = select or default_selection()
    if select not in SELECTIONS:
        raise ValueError(f"unknown selection {select!r}; choose from {', '.join(SELECTIONS)}")
    alpha = np.atleast_2d(np.asarray(rf.alpha, dtype=np.float64))
    c, n = alpha.shape
    u = head_weights(c, n, m, seed)
    keep = select_greedy(alpha, u) if select == "greedy" else select_subset_sum(alpha, u)
    net = NeuronSubnetwork(rf.W, alpha, m, seed, select, u, keep)
    net.bounds = sup_error_bound(rf.W, net.residual)
    return net
