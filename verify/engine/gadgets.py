"""Gadget primitives (docs/gadgets.md): which hidden neurons of G may serve which input, and which edges the pair
and subset-sum gadgets keep.  Untrusted: the checker re-derives every error from the kept edges.

Layout of G for target layer i (W'_i of shape (m, n), width factor k; docs/gadgets.md §1):
  * G layer 2i-1 = U_i of shape (k·n, n); hidden neuron h = t·n + j (t < k) serves input coordinate j and keeps
    only its edge U_i[h, j] (for i ≥ 2 a neuron with U_i[h, j] < 0 moves to a nearby coordinate where its weight
    is positive: ``candidates``).  With this interleaved layout G for width k is a prefix of G for width k+1,
    so the best error per weight never grows with k.
  * G layer 2i = V_i of shape (m, k·n); output r keeps edges V_i[r, h] for a chosen set of hidden neurons.

Gadget algebra (Malach et al. 2020, Lemma A.2 / docs/gadgets.md §3): with p_h = V[r,h]·U[h,j],
    E⁺[r,j] = Σ_{kept h, u_h>0} p_h − W'[r,j]        E⁻[r,j] = W'[r,j] − Σ_{kept h, u_h<0} p_h
so both signs want the kept products to sum to W'[r,j].  For i ≥ 2 inputs are ReLU outputs (≥ 0) and only the
positive side is used (docs/gadgets.md §5).

``build`` (construct.py) prunes whole layers with ``prune_layer``; ``refine`` (refine.py) re-prunes single rows and
columns with the same ``GADGETS``.  A new gadget is one function with ``pair_layer``'s signature, listed in
``GADGETS`` under the name ``Options.method`` gives it (verify/options.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from verify.engine import parallel, rng_torch
from verify.engine.runtime import exact_ldexp, grid_accumulate
from verify.engine.subset_sum import best_subsets
from verify.options import Options

__all__ = ["LayerPruning", "Candidates", "Pruned", "candidates", "from_owner", "rebalanced", "row_chunks",
           "signs_of", "pair_layer", "pair_rows", "subset_layer", "subset_rows", "GADGETS", "kept_edges",
           "prune_layer", "finish_layer", "layer_error", "padded", "unscale"]

CHUNK_ELEMS = 1 << 22     # elements of one row chunk's (rows, candidates, inputs) tensors
REASSIGN_TRIES = 8        # a negative-weight neuron tries its own input and the next 7 (docs/gadgets.md §6.4)
BY_LENGTH = True          # search each block over its own valid candidates (``_by_length``); False: every block
                          # over the longest list, the slower reference tests/test_by_length.py compares with


@dataclass
class LayerPruning:
    """Kept edges of the G layers 2i-1 and 2i for target layer i (1-based)."""

    index: int
    n: int
    m: int
    k: int
    src: torch.Tensor   # (k·n,) int64: input coordinate whose edge hidden neuron h keeps, or -1 (pruned)
    u: torch.Tensor     # (k·n,) float64: U[h, src[h]], 0 where src = -1
    rows: torch.Tensor  # (E,) int64: kept V edges, output index r (sorted by r, then h)
    cols: torch.Tensor  # (E,) int64: kept V edges, hidden index h
    v: torch.Tensor     # (E,) float64: V[rows, cols]
    both: bool | None = None   # inputs of both signs ([E⁺ E⁻] counts); default: the first layer only

    def __post_init__(self) -> None:
        if self.both is None:
            self.both = self.index == 1

    @property
    def hidden(self) -> int:
        return self.k * self.n

    def dense(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Full-size pruned matrices (U of shape (k·n, n), V of shape (m, k·n)), zeros where pruned."""
        dev = self.u.device
        U = torch.zeros(self.hidden, self.n, dtype=torch.float64, device=dev)
        alive = self.src >= 0
        U[alive.nonzero().squeeze(1), self.src[alive]] = self.u[alive]
        V = torch.zeros(self.m, self.hidden, dtype=torch.float64, device=dev)
        V[self.rows, self.cols] = self.v
        return U, V

    def gadget_errors(self, w_scaled: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(E⁺, E⁻) of docs/gadgets.md §3 in float64.  The kept products are exact and are summed exactly, as int64
        units of 2^-48 in any order (``runtime.grid_accumulate``, docs/devices.md §2); the subtraction of W' rounds
        once."""
        uh = self.u[self.cols]
        prod = self.v * uh
        j = self.src[self.cols]
        P = grid_accumulate((self.m, self.n), (self.rows[uh > 0], j[uh > 0]), prod[uh > 0])
        Q = grid_accumulate((self.m, self.n), (self.rows[uh < 0], j[uh < 0]), prod[uh < 0])
        return P - w_scaled, w_scaled - Q

    def eta_matrix(self, w_scaled: torch.Tensor) -> torch.Tensor:
        """The matrix whose norm is η_i (docs/gadgets.md §4–§5, docs/affine.md §4): [E⁺ E⁻] for the first layer,
        whose inputs have both signs, and E⁺ after it (ReLU outputs ≥ 0) or on a non-negative box."""
        e_pos, e_neg = self.gadget_errors(w_scaled)
        return torch.cat([e_pos, e_neg], dim=1) if self.both else e_pos

    def eta_matrix_f_units(self, w_scaled: torch.Tensor, s_out: np.ndarray, s_in: np.ndarray) -> torch.Tensor:
        """``eta_matrix`` mapped back to F's own units, D_out⁻¹ · eta_matrix · D_in with D = diag(2^s) of the
        rescaling exponents of this layer's outputs and inputs (docs/rescaling.md §2): what check 5 of
        certs/FORMAT.md bounds."""
        return unscale(self.eta_matrix(w_scaled), s_out, s_in)


@dataclass(frozen=True)
class Candidates:
    """The hidden neurons of G layer 2i−1 that may serve each input coordinate (block) j, slot-major (s, n):
    ``h[q, j]`` the neuron, ``u[q, j]`` = U[h, j] its input weight, ``valid[q, j]`` whether the slot is used;
    ``owner[h]`` the block neuron h serves and ``u_of[h]`` = U[h, owner[h]]."""

    h: torch.Tensor
    u: torch.Tensor
    valid: torch.Tensor
    owner: torch.Tensor
    u_of: torch.Tensor


@dataclass
class Pruned:
    """Every layer pair pruned for one rescaling: the ``exponents`` s_1..s_{L−1}, the rescaled weights ``scaled``
    (W'_i, docs/rescaling.md §1), the kept edges ``layers``, the neuron assignment ``chosen`` each layer kept and
    each layer's η_i in F's units (``etas``)."""

    exponents: list[np.ndarray]
    scaled: list[np.ndarray]
    layers: list[LayerPruning]
    chosen: list[Candidates]
    etas: list[float]
    biases: list = field(default_factory=list)   # engine/biases.py BiasPruning per layer (empty: F is bias-free)
    betas: list[float] = field(default_factory=list)   # ‖e_i‖₂ per layer in F's units (zeros when bias-free)


def candidates(seed: int, layer: int, k: int, n: int, move_negative: bool, device: torch.device) -> Candidates:
    """Which hidden neuron serves which input coordinate (docs/gadgets.md §5, §6.4: any neuron of a dense layer can).

    Neuron h = t·n + j serves j by default.  When the inputs are ReLU outputs (target layers i ≥ 2), a neuron
    whose weight U[h, j] is negative would be useless there (σ(u z) = 0 for z ≥ 0); with ``move_negative`` it
    serves instead the first of j+1, j+2, … (up to 8 tries, cyclically) where its weight is positive: about twice
    the useful candidates for the same G.  The rule depends only on (seed, h, n), so G for width k stays a prefix
    of G for k+1."""
    hs = torch.arange(k * n, device=device)
    home = hs % n
    if not move_negative:
        u = rng_torch.weights(seed, layer, hs, home)
        return Candidates(hs.view(k, n), u.view(k, n), torch.ones(k, n, dtype=torch.bool, device=device), home, u)
    tries = min(n, REASSIGN_TRIES)
    cols = (home[:, None] + torch.arange(tries, device=device)[None, :]) % n        # (k·n, tries)
    uu = rng_torch.weights(seed, layer, hs[:, None], cols)
    first = torch.argmax((uu > 0).to(torch.int8), dim=1)                            # 0 if none is positive
    return from_owner(cols[hs, first], uu[hs, first], n)


def from_owner(owner: torch.Tensor, u_of: torch.Tensor, n: int) -> Candidates:
    """Candidates of every block from an assignment owner[h] (and u_of[h] = U[h, owner[h]]), ordered by h."""
    dev = owner.device
    kn = owner.numel()
    order = torch.argsort(owner * kn + torch.arange(kn, device=dev))               # by block, then by h
    counts = torch.bincount(owner, minlength=n)
    s = int(counts.max())
    start = torch.cumsum(counts, 0) - counts
    slot = torch.arange(kn, device=dev) - start[owner[order]]
    h = torch.zeros(s, n, dtype=torch.int64, device=dev)
    valid = torch.zeros(s, n, dtype=torch.bool, device=dev)
    h[slot, owner[order]] = order
    valid[slot, owner[order]] = True
    u = torch.where(valid, u_of[h], torch.zeros((), dtype=u_of.dtype, device=dev))
    return Candidates(h, u, valid, owner, u_of)


def rebalanced(lp: LayerPruning, w: torch.Tensor, cand: Candidates, seed: int, layer: int) -> Candidates | None:
    """Uneven allocation for the first layer (docs/gadgets.md §6.4): blocks j whose worst gadget error is far above
    the typical one get extra neurons of the needed input-weight sign, taken from the blocks with the smallest
    errors.

    Any hidden neuron of a dense random layer can serve any coordinate (with weight U[h, j]), so this is still
    pruning only; it is an engine heuristic, tried next to the uniform assignment and kept only if it is better."""
    e_pos, e_neg = lp.gadget_errors(w)
    block_err = torch.maximum(e_pos.abs().max(0).values, e_neg.abs().max(0).values)   # (n,)
    typical = float(block_err.median())
    hard = (block_err > 20 * max(typical, 1e-300)).nonzero().squeeze(1).tolist()
    n, k = lp.n, lp.k
    if not hard or len(hard) > n // 4:
        return None
    owner, u_of = cand.owner.clone(), cand.u_of.clone()
    donors = [j for j in torch.argsort(block_err.cpu()).tolist() if j not in hard]   # ties: CPU's (docs/devices.md §2)
    quota = max(1, k // 8)  # neurons a donor block may give
    given = dict.fromkeys(donors, 0)
    want = max(2, k // 2)
    for j in hard:
        # the side that fails decides the sign of the weight U[h, j] the new neurons need
        sign = 1.0 if float(e_pos[:, j].abs().max()) >= float(e_neg[:, j].abs().max()) else -1.0
        got = 0
        for d in donors:
            if got >= want:
                break
            hs = (owner == d).nonzero().squeeze(1).flip(0)  # the donor's newest (largest t) neurons first
            uj = rng_torch.weights(seed, layer, hs, torch.full_like(hs, j))
            for h, u in zip(hs.tolist(), uj.tolist(), strict=True):
                if got >= want or given[d] >= quota:
                    break
                if u * sign > 0:
                    owner[h], u_of[h] = j, u
                    given[d] += 1
                    got += 1
    return from_owner(owner, u_of, n)


def row_chunks(m: int, per_row: int) -> Iterator[tuple[int, int]]:
    """Row ranges [r0, r1) of m rows such that a chunk holds about ``CHUNK_ELEMS`` elements of ``per_row`` each."""
    step = max(1, CHUNK_ELEMS // max(per_row, 1))
    for r0 in range(0, m, step):
        yield r0, min(m, r0 + step)


def signs_of(i: int, options: Options) -> tuple[int, ...]:
    """The input-weight signs target layer i prunes for: both for i = 1, whose inputs have both signs (docs/gadgets.md
    §4), the positive side only after it (§5) and on a non-negative box domain (docs/affine.md §4)."""
    return (1, -1) if i == 1 and not options.nonneg_input else (1,)


def pair_layer(w: torch.Tensor, cand: Candidates, i: int, options: Options,
               row_ids: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pair gadget (Malach et al.; docs/gadgets.md §6.1) for the rescaled weights ``w`` of target layer i: for each
    weight and each sign, the single candidate with sign(u) = sign whose product v·u is closest to w, kept only if it
    beats pruning both (error |w|).  Returns kept (r, h), r the index into w's rows; ``row_ids`` are the G output
    rows those are (default 0, 1, …).  Each row chunk runs as jobs of ``pair_rows`` on the current executor
    (engine/parallel.py), gathered in the serial order: per chunk, per sign, rows ascending (docs/parallel.md §2)."""
    m, n = w.shape
    r_all = torch.arange(m, device=w.device) if row_ids is None else row_ids
    signs, core = signs_of(i, options), _lists_only(cand)
    split = [parallel.pieces(r0, r1, n) for r0, r1 in row_chunks(m, cand.h.shape[0] * n)]
    jobs = [(w[a:b], r_all[a:b], core, i, options, signs) for chunk in split for a, b in chunk]
    done = iter(parallel.run(pair_rows, jobs, options.device, w.device))
    rows_out, cols_out = [], []
    for chunk in split:
        got = [next(done) for _ in chunk]
        for q in range(len(signs)):
            for (a, _), per_sign in zip(chunk, got, strict=True):
                rows_out.append(per_sign[q][0] + a)
                cols_out.append(per_sign[q][1])
    return torch.cat(rows_out), torch.cat(cols_out)


def pair_rows(w: torch.Tensor, r: torch.Tensor, cand: Candidates, i: int, options: Options,
              signs: tuple[int, ...]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """One job of ``pair_layer``: the rows ``w`` of W' (G output rows ``r``, whose V entries it regenerates from the
    seed), per sign in ``signs`` the kept (index into w's rows, h)."""
    v = rng_torch.weights(options.seed, 2 * i, r[:, None, None], cand.h[None])  # (mc, s, n)
    err = (v * cand.u[None] - w[:, None, :]).abs()
    out = []
    for sign in signs:
        e = torch.where((cand.valid & (cand.u * sign > 0))[None], err, torch.inf)
        best, t = e.min(dim=1)  # (mc, n)
        keep = best < w.abs()
        rr, jj = keep.nonzero(as_tuple=True)
        out.append((rr, cand.h[t[rr, jj], jj]))
    return out


def _lists_only(cand: Candidates) -> Candidates:
    """``cand`` without its per-neuron tables (owner, u_of), which the row jobs do not read: less to send."""
    empty = cand.owner[:0]
    return Candidates(cand.h, cand.u, cand.valid, empty, cand.u_of[:0])


def subset_layer(w: torch.Tensor, cand: Candidates, i: int, options: Options,
                 row_ids: torch.Tensor | None = None, blocks: torch.Tensor | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Subset-sum gadget (Pensia et al. 2020; docs/gadgets.md §6.2): for each weight and each sign, the subset of that
    sign's candidates whose products sum closest to w — the exact optimum over all of them when the block has at most
    ``options.max_candidates`` on that side, else over a list of ``max_candidates`` of them: the third whose
    products p have the largest p·sign(w) (so that |w| can be reached), then the first by t (a heuristic choice of
    the list; the search within it stays exact).  Rows and ``row_ids`` as for ``pair_layer``.  Each row chunk runs
    as jobs of ``subset_rows`` on the current executor (engine/parallel.py), gathered in the serial order: per sign,
    rows ascending (docs/parallel.md §2).  ``blocks`` (index tensor) prunes only those columns of ``w``, with the
    candidate lists of the whole layer (engine/reprune.py); the kept edges are the same as those instances' in a
    pruning of every column."""
    if blocks is not None:
        w = w[:, blocks]
    m, n = w.shape
    r_all = torch.arange(m, device=w.device) if row_ids is None else row_ids
    u_int = torch.round(cand.u * 2.0**24).to(torch.int64)
    jobs = []
    for sign in signs_of(i, options):
        lists = _sign_lists(cand, u_int, sign, options.max_candidates)
        if lists is None:
            continue
        if blocks is not None:
            lists = (lists[0][blocks], lists[1][blocks], lists[2][blocks], lists[3])
        for r0, r1 in row_chunks(m, n * lists[0].shape[1]):
            jobs += [(w[a:b], r_all[a:b], lists, i, options, a) for a, b in parallel.pieces(r0, r1, n)]
    if not jobs:
        z = torch.zeros(0, dtype=torch.int64, device=w.device)
        return z, z
    done = parallel.run(subset_rows, jobs, options.device, w.device)
    return torch.cat([rr for rr, _ in done]), torch.cat([hh for _, hh in done])


def _sign_lists(cand: Candidates, u_int: torch.Tensor, sign: int, max_candidates: int
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int] | None:
    """The candidates of input-weight sign ``sign`` per block, block-major: (valid, h, u in units of 2^-24, each
    (n, s_all), and s = the list length searched, min(s_all, max_candidates)); None if no block has one."""
    ok = cand.valid & (cand.u * sign > 0)                   # (s, n)
    s_all = int(ok.sum(dim=0).max().item()) if ok.any() else 0
    if s_all == 0:
        return None
    # order[j, q] = slot of the q-th candidate of block j (padded, masked invalid)
    order = torch.argsort((~ok).to(torch.int8), dim=0, stable=True)[:s_all].T  # (n, s_all)
    valid = torch.gather(ok.T, 1, order)                                        # (n, s_all)
    h = torch.gather(cand.h.T, 1, order)                                        # (n, s_all)
    uu = torch.gather(u_int.T, 1, order)                                        # (n, s_all)
    return valid, h, uu, min(s_all, max_candidates)


def subset_rows(w: torch.Tensor, r: torch.Tensor, lists: tuple[torch.Tensor, torch.Tensor, torch.Tensor, int],
                i: int, options: Options, offset: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """One job of ``subset_layer``: the rows ``w`` of W' (G output rows ``r``, whose V entries it regenerates from
    the seed) against one sign's candidate ``lists`` (``_sign_lists``); the kept (index into w's rows + ``offset``,
    h)."""
    valid, h, uu, s = lists
    dev = w.device
    n, s_all = h.shape
    mc = r.numel()
    v_int = rng_torch.weights_int(options.seed, 2 * i, r[:, None, None], h[None])  # (mc, n, s_all)
    prod = v_int * uu[None]
    vmask = valid[None].expand(mc, n, s_all)
    hh = h[None].expand(mc, n, s_all)
    if s_all > s:  # the s//3 candidates best aligned with sign(w), then the first ones by t
        low = torch.iinfo(torch.int64).min
        score = torch.where(vmask, prod * torch.sign(w)[:, :, None].to(torch.int64), low)
        top = torch.argsort(score, dim=2, descending=True, stable=True)[:, :, : s // 3]
        prio = torch.where(vmask, -torch.arange(s_all, device=dev), low).expand(mc, n, s_all).clone()
        prio.scatter_(2, top, 1)
        pick = torch.sort(torch.argsort(prio, dim=2, descending=True, stable=True)[:, :, :s], dim=2).values
        prod, vmask, hh = (torch.gather(x, 2, pick) for x in (prod, vmask, hh))
    chosen = torch.zeros((mc, n, s), dtype=torch.bool, device=dev)
    for sj, cols in _by_length(valid, s):   # each block searched over its own valid slots only
        part = best_subsets(prod[:, cols, :sj].reshape(-1, sj), w[:, cols].reshape(-1),
                            vmask[:, cols, :sj].reshape(-1, sj))
        chosen[:, cols, :sj] = part.reshape(mc, cols.numel(), sj)
    rr, jj, qq = chosen.nonzero(as_tuple=True)
    return rr + offset, hh[rr, jj, qq]


def _by_length(valid: torch.Tensor, s: int) -> list[tuple[int, torch.Tensor]]:
    """The blocks grouped by s_j = min(valid candidates of block j, s), the length each is searched over, for
    s_j ≥ 1: [(s_j, block indices)].  ``_sign_lists`` puts a block's valid candidates first and ``subset_rows``'
    pick keeps them first, so the first s_j slots of block j are exactly its valid ones.  A subset holding an invalid
    slot has the sum of the same subset without it and a larger bitmask, so the exact lexicographic optimum of
    (error, bitmask) over all s slots lies within the first s_j, and searching those alone returns the same subset
    (engine/subset_sum.py) at a cost of about 2^(s_j/2) instead of 2^(s/2) per instance."""
    lengths = valid.sum(dim=1).clamp(max=s) if BY_LENGTH else torch.full((valid.shape[0],), s)
    return [(sj, (lengths == sj).nonzero().squeeze(1)) for sj in sorted(set(lengths.tolist())) if sj > 0]


GADGETS: dict[str, Callable[..., tuple[torch.Tensor, torch.Tensor]]] = {
    "pair": pair_layer,
    "subset-sum": subset_layer,
}


def kept_edges(w: torch.Tensor, cand: Candidates, i: int, options: Options,
               row_ids: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The kept V edges (r, h) of the gadget ``options.method`` for target layer i (``pair_layer``'s contract)."""
    return GADGETS[options.method](w, cand, i, options, row_ids)


def unscale(e: torch.Tensor, s_out: np.ndarray, s_in: np.ndarray) -> torch.Tensor:
    """D_out⁻¹ E D_in with D = diag(2^s): an error matrix of the rescaled layer in F's own units (docs/rescaling.md
    §2; exact: powers of two; the input columns repeat for the first layer's [E⁺ E⁻])."""
    t = torch.as_tensor(np.asarray(s_in)[None, :] - np.asarray(s_out)[:, None], device=e.device)
    return exact_ldexp(e, t.repeat(1, e.shape[1] // t.shape[1]))


def layer_error(lp: LayerPruning, w: torch.Tensor, s_out: np.ndarray, s_in: np.ndarray) -> float:
    """‖[E⁺ E⁻]‖₂ (first layer) or ‖E⁺‖₂ in F's units — η_i of docs/composition.md §1 — which decides between neuron
    assignments and rescalings."""
    return float(torch.linalg.matrix_norm(lp.eta_matrix_f_units(w, s_out, s_in).cpu(), ord=2))


def prune_layer(w: torch.Tensor, i: int, cand: Candidates, options: Options) -> LayerPruning:
    """Kept edges of G layers 2i−1, 2i for the rescaled weights ``w`` of target layer i, served by ``cand`` (both
    input signs for i = 1, positive side after; docs/gadgets.md §4–§5).  The bias block, if any, follows the
    k·n gadget neurons (engine/biases.py)."""
    rows, hs = kept_edges(w, cand, i, options)
    return finish_layer(rows, hs, w.shape, i, cand, options)


def finish_layer(rows: torch.Tensor, hs: torch.Tensor, shape: tuple[int, int], i: int, cand: Candidates,
                 options: Options) -> LayerPruning:
    """The LayerPruning of the kept V edges (rows, hs), in any order: edges sorted by r, then h; each kept hidden
    neuron's input edge from ``cand``; V's values regenerated from the seed."""
    dev = rows.device
    m, n = shape
    k = cand.owner.numel() // n   # G layer 2i−1 has k·n gadget neurons
    key, _ = torch.sort(rows * (k * n) + hs)
    rows, hs = key // (k * n), key % (k * n)
    src = torch.full((k * n,), -1, dtype=torch.int64, device=dev)
    src[hs] = cand.owner[hs]
    u_kept = torch.where(src >= 0, cand.u_of, torch.zeros_like(cand.u_of))
    v = rng_torch.weights(options.seed, 2 * i, rows, hs)
    return LayerPruning(i, n, m, k, src, u_kept, rows, hs, v, len(signs_of(i, options)) == 2)


def padded(exponents: list[np.ndarray], widths: list[int]) -> list[np.ndarray]:
    """s_0 = 0, s_1..s_{L−1}, s_L = 0 (docs/rescaling.md §1: inputs and outputs keep F's units)."""
    return [np.zeros(widths[0], dtype=np.int64), *exponents, np.zeros(widths[-1], dtype=np.int64)]
