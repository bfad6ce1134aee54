"""Pruning G into G̃ (docs/gadgets.md): the pair (Malach et al.) and subset-sum (Pensia et al.) gadgets.

Layout of G for target layer i (W'_i of shape (m, n), width factor k):
  * G layer 2i-1 = U_i of shape (k·n, n); hidden neuron h = t·n + j (t < k) serves input coordinate j and keeps
    only its edge U_i[h, j] (for i ≥ 2 a neuron with U_i[h, j] < 0 moves to a nearby coordinate where its weight
    is positive: ``_candidates``).  With this interleaved layout G for width k is a prefix of G for width k+1,
    so the best error per weight never grows with k.
  * G layer 2i = V_i of shape (m, k·n); output r keeps edges V_i[r, h] for a chosen set of hidden neurons.

Gadget algebra (Malach et al. 2020, Lemma A.2 / docs/gadgets.md §3): with p_h = V[r,h]·U[h,j],
    E⁺[r,j] = Σ_{kept h, u_h>0} p_h − W'[r,j]        E⁻[r,j] = W'[r,j] − Σ_{kept h, u_h<0} p_h
so both signs want the kept products to sum to W'[r,j].  For i ≥ 2 inputs are ReLU outputs (≥ 0) and only the
positive side is used.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from verify.engine import rng_torch
from verify.engine.rescale import apply_exponents, balanced_exponents, reach_exponents

__all__ = ["LayerPruning", "Construction", "build", "g_widths", "g_parameters", "METHODS", "MAX_CANDIDATES",
           "MAX_G_PARAMETERS", "largest_k", "RESCALINGS", "rescale_tries"]

METHODS = ("pair", "subset-sum")
MAX_CANDIDATES = 22  # subset-sum: candidates per side and block (meet-in-the-middle over 2 x 2^11 sums)
MAX_G_PARAMETERS = 4 * 10**9  # larger random networks are refused (memory of one row chunk grows with k·n)
_CHUNK_ELEMS = 1 << 22


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
        """(E⁺, E⁻) of docs/gadgets.md §3 in float64.  The kept products are exact and their sums are exact too
        (at most 2^5 terms of magnitude < 1 on the 2^-48 grid); the subtraction of W' rounds once."""
        P = torch.zeros(self.m, self.n, dtype=torch.float64, device=self.u.device)
        Q = torch.zeros_like(P)
        uh = self.u[self.cols]
        prod = self.v * uh
        j = self.src[self.cols]
        P.index_put_((self.rows[uh > 0], j[uh > 0]), prod[uh > 0], accumulate=True)
        Q.index_put_((self.rows[uh < 0], j[uh < 0]), prod[uh < 0], accumulate=True)
        return P - w_scaled, w_scaled - Q

    def eta_matrix(self, w_scaled: torch.Tensor) -> torch.Tensor:
        """The matrix whose norm is η_i (docs/gadgets.md §4–§5): [E⁺ E⁻] for the first layer, whose inputs have both
        signs, and E⁺ after it, whose inputs are ReLU outputs ≥ 0."""
        e_pos, e_neg = self.gadget_errors(w_scaled)
        return torch.cat([e_pos, e_neg], dim=1) if self.index == 1 else e_pos

    def eta_matrix_f_units(self, w_scaled: torch.Tensor, s_out: np.ndarray, s_in: np.ndarray) -> torch.Tensor:
        """``eta_matrix`` mapped back to F's own units, D_out⁻¹ · eta_matrix · D_in with D = diag(2^s) of the
        rescaling exponents of this layer's outputs and inputs: what check 5 of certs/FORMAT.md bounds."""
        return _unscale(self.eta_matrix(w_scaled), s_out, s_in)


@dataclass
class Construction:
    """G̃ for a target: method, width factor, seed, rescaling and the kept edges of every G layer."""

    method: str
    k: int
    seed: int
    widths: list[int]                 # target widths n_0..n_L
    exponents: list[np.ndarray]       # s_1..s_{L-1} (rescale.py)
    originals: list[np.ndarray]       # W_i (F's own weights)
    scaled: list[np.ndarray]          # W'_i = D_i W_i D_{i-1}^-1, what the gadgets approximate
    layers: list[LayerPruning]
    device: torch.device
    rescaling: str = "given"          # which rescaling was kept: "layer", "neuron" or "given" (exponents passed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """G̃(x) in float64 for a batch x of shape (B, d); dead hidden neurons are skipped."""
        if not hasattr(self, "_compact"):
            self._compact = []
            for lp in self.layers:
                alive = (lp.src >= 0).nonzero().squeeze(1)
                V = torch.zeros(lp.m, lp.hidden, dtype=torch.float64, device=self.device)
                V[lp.rows, lp.cols] = lp.v
                self._compact.append((lp.src[alive], lp.u[alive], V[:, alive].T.contiguous()))
        z = x.to(torch.float64).to(self.device)
        for i, (src, u, vt) in enumerate(self._compact):
            z = torch.relu(z[:, src] * u) @ vt
            if i + 1 < len(self._compact):
                z = torch.relu(z)
        return z

    def error_matrices(self) -> list[torch.Tensor]:
        """The matrices whose norms are the η_i of docs/composition.md §1, in F's own units (what the checker's check 5
        recomputes exactly): D_i⁻¹ [E⁺ E⁻] D_0 for the first layer, D_i⁻¹ E⁺ D_{i−1} after it."""
        s = _padded(self.exponents, self.widths)
        return [lp.eta_matrix_f_units(torch.from_numpy(ws).to(self.device), s[i + 1], s[i])
                for i, (lp, ws) in enumerate(zip(self.layers, self.scaled, strict=True))]

    def pruned_state_dict(self, drop_dead: bool = True) -> dict[str, torch.Tensor]:
        """State dict of an nn.Sequential of 2L bias-free Linear layers (ReLU between) computing G̃.

        Zeros where pruned; with ``drop_dead`` hidden neurons whose input edge is pruned (they output σ(0) = 0 and
        have no kept output edge) are removed, so the odd-layer widths shrink but the function is unchanged."""
        sd: dict[str, torch.Tensor] = {}
        for i, lp in enumerate(self.layers):
            U, V = lp.dense()
            if drop_dead:
                keep = (lp.src >= 0).nonzero().squeeze(1)
                if keep.numel() == 0:  # nothing survives: keep one all-zero neuron so every layer stays loadable
                    keep = torch.zeros(1, dtype=torch.int64, device=keep.device)
                U, V = U[keep], V[:, keep]
            sd[f"{4 * i}.weight"] = U.float().cpu().contiguous()
            sd[f"{4 * i + 2}.weight"] = V.float().cpu().contiguous()
        return sd

    @property
    def kept(self) -> int:
        return sum(int((lp.src >= 0).sum()) + lp.rows.numel() for lp in self.layers)


def g_widths(widths: list[int], k: int) -> list[int]:
    """Widths of G: d, k·n_0, n_1, k·n_1, n_2, ..., k·n_{L-1}, n_L (docs/gadgets.md §1)."""
    out = [widths[0]]
    for i in range(1, len(widths)):
        out += [k * widths[i - 1], widths[i]]
    return out


def g_parameters(widths: list[int], k: int) -> int:
    gw = g_widths(widths, k)
    return sum(a * b for a, b in zip(gw[:-1], gw[1:], strict=True))


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


_REASSIGN_TRIES = 8


def _candidates(seed: int, layer: int, k: int, n: int, move_negative: bool, dev: torch.device) -> Candidates:
    """Which hidden neuron serves which input coordinate (docs/gadgets.md §5, §6.4: any neuron of a dense layer can).

    Neuron h = t·n + j serves j by default.  When the inputs are ReLU outputs (target layers i ≥ 2), a neuron
    whose weight U[h, j] is negative would be useless there (σ(u z) = 0 for z ≥ 0); with ``move_negative`` it
    serves instead the first of j+1, j+2, … (up to 8 tries, cyclically) where its weight is positive: about twice
    the useful candidates for the same G.  The rule depends only on (seed, h, n), so G for width k stays a prefix
    of G for k+1."""
    hs = torch.arange(k * n, device=dev)
    home = hs % n
    if not move_negative:
        u = rng_torch.weights(seed, layer, hs, home)
        return Candidates(hs.view(k, n), u.view(k, n), torch.ones(k, n, dtype=torch.bool, device=dev), home, u)
    tries = min(n, _REASSIGN_TRIES)
    cols = (home[:, None] + torch.arange(tries, device=dev)[None, :]) % n           # (k·n, tries)
    uu = rng_torch.weights(seed, layer, hs[:, None], cols)
    first = torch.argmax((uu > 0).to(torch.int8), dim=1)                            # 0 if none is positive
    return _from_owner(cols[hs, first], uu[hs, first], n)


def _from_owner(owner: torch.Tensor, u_of: torch.Tensor, n: int) -> Candidates:
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


def _rebalanced(lp: LayerPruning, w: torch.Tensor, cand: Candidates, seed: int, layer: int) -> Candidates | None:
    """Uneven allocation for the first layer (issue 7): blocks j whose worst gadget error is far above the typical
    one get extra neurons of the needed input-weight sign, taken from the blocks with the smallest errors.

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
    donors = [j for j in torch.argsort(block_err).tolist() if j not in hard]
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
    return _from_owner(owner, u_of, n)


def largest_k(widths: list[int]) -> int:
    """The largest width factor whose G stays within MAX_G_PARAMETERS."""
    return max(1, MAX_G_PARAMETERS // g_parameters(widths, 1))


def _row_chunks(m: int, per_row: int):
    step = max(1, _CHUNK_ELEMS // max(per_row, 1))
    for r0 in range(0, m, step):
        yield r0, min(m, r0 + step)


def _pair_layer(w: torch.Tensor, cand: Candidates, seed: int, layer: int, signs: tuple[int, ...],
                dev: torch.device, row_ids: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pair gadget (Malach et al.): for each weight and each sign, the single candidate with sign(u) = sign
    whose product v·u is closest to w, kept only if it beats pruning both (error |w|).  Returns kept (r, h), r
    the index into w's rows; ``row_ids`` are the G output rows those are (default 0, 1, …)."""
    m, n = w.shape
    s = cand.h.shape[0]
    rows_out, cols_out = [], []
    for r0, r1 in _row_chunks(m, s * n):
        r = torch.arange(r0, r1, device=dev) if row_ids is None else row_ids[r0:r1]
        v = rng_torch.weights(seed, layer, r[:, None, None], cand.h[None])  # (mc, s, n)
        err = (v * cand.u[None] - w[r0:r1, None, :]).abs()
        for sign in signs:
            e = torch.where((cand.valid & (cand.u * sign > 0))[None], err, torch.inf)
            best, t = e.min(dim=1)  # (mc, n)
            keep = best < w[r0:r1].abs()
            rr, jj = keep.nonzero(as_tuple=True)
            rows_out.append(rr + r0)
            cols_out.append(cand.h[t[rr, jj], jj])
    return torch.cat(rows_out), torch.cat(cols_out)


def _subset_layer(w: torch.Tensor, cand: Candidates, seed: int, layer: int, signs: tuple[int, ...],
                  dev: torch.device, max_candidates: int,
                  row_ids: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Subset-sum gadget (Pensia et al. 2020): for each weight and each sign, the subset of that sign's
    candidates whose products sum closest to w — the exact optimum over all of them when the block has at most
    ``max_candidates`` on that side, else over a list of ``max_candidates`` of them: the third whose products p
    have the largest p·sign(w) (so that |w| can be reached), then the first by t (a heuristic choice of the
    list; the search within it stays exact).  Rows and ``row_ids`` as for ``_pair_layer``."""
    from verify.engine.subset_sum import best_subsets

    m, n = w.shape
    u_int = torch.round(cand.u * 2.0**24).to(torch.int64)
    rows_out, cols_out = [], []
    for sign in signs:
        ok = cand.valid & (cand.u * sign > 0)                   # (s, n)
        s_all = int(ok.sum(dim=0).max().item()) if ok.any() else 0
        if s_all == 0:
            continue
        s = min(s_all, max_candidates)
        # order[j, q] = slot of the q-th candidate of block j (padded, masked invalid)
        order = torch.argsort((~ok).to(torch.int8), dim=0, stable=True)[:s_all].T  # (n, s_all)
        valid = torch.gather(ok.T, 1, order)                                        # (n, s_all)
        h = torch.gather(cand.h.T, 1, order)                                        # (n, s_all)
        uu = torch.gather(u_int.T, 1, order)                                        # (n, s_all)
        for r0, r1 in _row_chunks(m, n * s_all):
            mc = r1 - r0
            r = torch.arange(r0, r1, device=dev) if row_ids is None else row_ids[r0:r1]
            v_int = rng_torch.weights_int(seed, layer, r[:, None, None], h[None])  # (mc, n, s_all)
            prod = v_int * uu[None]
            vmask = valid[None].expand(mc, n, s_all)
            hh = h[None].expand(mc, n, s_all)
            if s_all > s:  # the s//3 candidates best aligned with sign(w), then the first ones by t
                low = torch.iinfo(torch.int64).min
                score = torch.where(vmask, prod * torch.sign(w[r0:r1])[:, :, None].to(torch.int64), low)
                top = torch.argsort(score, dim=2, descending=True, stable=True)[:, :, : s // 3]
                prio = torch.where(vmask, -torch.arange(s_all, device=dev), low).expand(mc, n, s_all).clone()
                prio.scatter_(2, top, 1)
                pick = torch.sort(torch.argsort(prio, dim=2, descending=True, stable=True)[:, :, :s], dim=2).values
                prod, vmask, hh = (torch.gather(x, 2, pick) for x in (prod, vmask, hh))
            chosen = best_subsets(prod.reshape(-1, s), w[r0:r1].reshape(-1), vmask.reshape(-1, s))
            chosen = chosen.reshape(mc, n, s) & vmask
            rr, jj, qq = chosen.nonzero(as_tuple=True)
            rows_out.append(rr + r0)
            cols_out.append(hh[rr, jj, qq])
    if not rows_out:
        z = torch.zeros(0, dtype=torch.int64, device=dev)
        return z, z
    return torch.cat(rows_out), torch.cat(cols_out)


def _unscale(e: torch.Tensor, s_out: np.ndarray, s_in: np.ndarray) -> torch.Tensor:
    """D_out⁻¹ E D_in with D = diag(2^s): an error matrix of the rescaled layer in F's own units (exact: powers of
    two; the input columns repeat for the first layer's [E⁺ E⁻])."""
    t = torch.as_tensor(np.asarray(s_in)[None, :] - np.asarray(s_out)[:, None], device=e.device)
    return torch.ldexp(e, t.repeat(1, e.shape[1] // t.shape[1]).to(e.dtype))


def _layer_error(lp: LayerPruning, w: torch.Tensor, s_out: np.ndarray, s_in: np.ndarray) -> float:
    """‖[E⁺ E⁻]‖₂ (first layer) or ‖E⁺‖₂ in F's units — η_i of docs/composition.md §1 — which decides between neuron
    assignments and rescalings."""
    return float(torch.linalg.matrix_norm(lp.eta_matrix_f_units(w, s_out, s_in).cpu(), ord=2))


def _prune_layer(w: torch.Tensor, i: int, k: int, seed: int, method: str, cand: Candidates, dev: torch.device,
                 max_candidates: int) -> LayerPruning:
    """Kept edges of G layers 2i−1, 2i for target layer i (both input signs for i = 1, positive side after)."""
    m, n = w.shape
    signs = (1, -1) if i == 1 else (1,)
    if method == "pair":
        rows, hs = _pair_layer(w, cand, seed, 2 * i, signs, dev)
    else:
        rows, hs = _subset_layer(w, cand, seed, 2 * i, signs, dev, max_candidates)
    key, _ = torch.sort(rows * (k * n) + hs)
    rows, hs = key // (k * n), key % (k * n)
    src = torch.full((k * n,), -1, dtype=torch.int64, device=dev)
    src[hs] = cand.owner[hs]
    u_kept = torch.where(src >= 0, cand.u_of, torch.zeros_like(cand.u_of))
    v = rng_torch.weights(seed, 2 * i, rows, hs)
    return LayerPruning(i, n, m, k, src, u_kept, rows, hs, v)


def _padded(exponents: list[np.ndarray], widths: list[int]) -> list[np.ndarray]:
    """s_0 = 0, s_1..s_{L−1}, s_L = 0."""
    return [np.zeros(widths[0], dtype=np.int64), *exponents, np.zeros(widths[-1], dtype=np.int64)]


def _prune_all(scaled: list[np.ndarray], exps: list[np.ndarray], assignments: list[list[Candidates]], k: int,
               seed: int, method: str, dev: torch.device, max_candidates: int,
               progress: Callable[[int], None] | None,
               rebalance: bool = True) -> tuple[list[LayerPruning], list[Candidates], list[float]]:
    """Prune every layer pair for one rescaling; returns the kept edges, the neuron assignment each layer kept and
    each layer's η_i (spectral, F's units).  Every assignment is pruned and the one with the smallest η_i is kept;
    i = 1 also tries _rebalanced: a few blocks with unreachable weights dominate the bound, so give them more
    neurons."""
    s = _padded(exps, [scaled[0].shape[1]] + [w.shape[0] for w in scaled])
    layers, chosen, etas = [], [], []
    for i, (ws, cands) in enumerate(zip(scaled, assignments, strict=True), start=1):
        w = torch.from_numpy(ws).to(dev)
        cands = list(cands)
        options = [_prune_layer(w, i, k, seed, method, cand, dev, max_candidates) for cand in cands]
        if i == 1 and rebalance:
            cand = _rebalanced(options[0], w, cands[0], seed, 1)
            if cand is not None:
                cands.append(cand)
                options.append(_prune_layer(w, 1, k, seed, method, cand, dev, max_candidates))
        errs = [_layer_error(lp, w, s[i], s[i - 1]) for lp in options]
        best = int(np.argmin(errs))
        layers.append(options[best])
        chosen.append(cands[best])
        etas.append(errs[best])
        if progress:
            progress(1)
    return layers, chosen, etas


def _composed(etas: list[float], omegas: list[float]) -> float:
    """δ_L of docs/composition.md §1 in floating point: the engine's estimate, used to choose between rescalings."""
    delta, rho = 0.0, 1.0
    for eta, omega in zip(etas, omegas, strict=True):
        delta, rho = eta * rho + omega * delta, (omega + eta) * rho
    return delta


RESCALINGS = ("auto", "neuron", "layer")


def build(weights: list[np.ndarray], *, method: str = "pair", k: int, seed: int = 0,
          device: str | torch.device = "cpu", exponents: list[np.ndarray] | None = None,
          rescale: str = "auto", max_candidates: int = MAX_CANDIDATES, reassign: bool = True,
          progress: Callable[[int], None] | None = None) -> Construction:
    """Prune G (width factor k, seed) into G̃ approximating the target ``weights`` (docs/gadgets.md).

    ``exponents`` fixes the rescaling of F (rescale.py).  Otherwise ``rescale="layer"`` balances whole layers
    (rescale.balanced_exponents), ``"neuron"`` chooses per-neuron exponents that keep the weights within reach
    of the candidates G offers at this k (rescale.reach_exponents), and ``"auto"`` prunes with both and keeps
    the smaller composed bound (about three prunings: it never does worse than either).  ``reassign=False`` keeps the
    plain layout of docs/gadgets.md §1 (neuron t·n + j serves input j) instead of also trying the neighbour and uneven
    assignments (benchmarks' "before").  Vectorised in torch on ``device``; ``progress`` is called once per
    finished target layer and rescaling tried."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    if rescale not in RESCALINGS:
        raise ValueError(f"unknown rescaling {rescale!r}; choose from {', '.join(RESCALINGS)}")
    if k < 1:
        raise ValueError("width factor k must be ≥ 1")
    widths = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    if g_parameters(widths, k) > MAX_G_PARAMETERS:
        from verify.errors import InputError

        raise InputError(f"width factor {k} gives G {g_parameters(widths, k):,} parameters, above the limit of "
                         f"{MAX_G_PARAMETERS:,}; use a smaller --width-factor or --method subset-sum")
    dev = torch.device(device)
    omegas = [float(np.linalg.norm(w, 2)) for w in weights]
    gains = [math.prod(omegas) / max(nw, 1e-300) for nw in omegas]   # ≈ ρ_{i−1}·ω_{i+1}⋯ω_L of docs/composition.md §3
    # Neuron assignments tried per layer: i ≥ 2 also moves negative-weight neurons (_candidates), and the last
    # one listed is the one whose reach the per-neuron rescaling is measured with.
    assignments = [[_candidates(seed, 2 * i - 1, k, w.shape[1], False, dev)]
                   + ([_candidates(seed, 2 * i - 1, k, w.shape[1], True, dev)] if i > 1 and reassign else [])
                   for i, w in enumerate(weights, start=1)]
    if exponents is not None:
        tries = [("given", exponents)]
    else:
        tries = []
        if rescale in ("layer", "auto") or len(weights) == 1:
            tries.append(("layer", balanced_exponents(weights)))
        if rescale in ("neuron", "auto") and len(weights) > 1:
            from verify.engine.refine import reach as reach_of

            cap = 1 if method == "pair" else max_candidates
            reach = [reach_of(torch.from_numpy(w).to(dev), cands[-1], seed, 2 * i, (1, -1) if i == 1 else (1,), cap)
                     for i, (w, cands) in enumerate(zip(weights, assignments, strict=True), start=1)]
            tries.append(("neuron", reach_exponents(weights, reach, gains)))
    best = None
    for kind, exps in tries:
        try:
            scaled = apply_exponents(weights, exps)
        except ValueError:
            if exponents is not None:
                raise
            continue
        layers, chosen, etas = _prune_all(scaled, exps, assignments, k, seed, method, dev, max_candidates, progress,
                                          rebalance=reassign)
        if kind == "neuron":  # exact greedy moves of the neurons that hold the largest errors, then prune again
            from verify.engine.refine import refine

            refined = refine(weights, scaled, exps, layers, chosen, gains, seed, method, dev, max_candidates)
            if any(not np.array_equal(a, b) for a, b in zip(refined, exps, strict=True)):
                try:
                    scaled = apply_exponents(weights, refined)
                    exps = refined
                    # with the assignments the refinement evaluated, so that its exact gains carry over
                    layers, _, etas = _prune_all(scaled, exps, [[c] for c in chosen], k, seed, method, dev,
                                                 max_candidates, None, rebalance=False)
                except ValueError:
                    pass
        bound = _composed(etas, omegas)
        if best is None or bound < best[0]:
            best = (bound, kind, exps, scaled, layers)
    if best is None:
        raise ValueError("power-of-two rescaling is not exact for these weights (float64 overflow or underflow)")
    _, kind, exps, scaled, layers = best
    return Construction(method, k, seed, widths, exps, list(weights), scaled, layers, dev, kind)


def rescale_tries(rescale: str, n_layers: int) -> int:
    """How many rescalings ``build`` prunes with (its ``progress`` is called n_layers times for each)."""
    return 2 if rescale == "auto" and n_layers > 1 else 1
