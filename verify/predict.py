"""Predicting the width factor from a sample (issue #15): the certified bound δ_L at a width factor k, estimated
without building G̃, so that ``--width-factor auto`` builds about one construction instead of twenty (search.py,
docs/composition.md §6).  Untrusted engine code: it only chooses which k to build; every k a search reports is
built and bounded in full.

At a given k the prediction follows ``engine.construct.build`` step by step, on a sample of rows: the same neuron
assignments (``gadgets.candidates``) and rescalings (``construct._rescalings``: whole layers balanced, and per-neuron
exponents measured on G at this k), the real gadget (``gadgets.kept_edges``: a pruned row gets exactly the errors a
full pruning gives it, since every weight's subset depends only on its own value and its block's candidates), the
first layer's uneven allocation (``gadgets.rebalanced`` itself where the layer is pruned whole; on a sampled layer
its effect, modelled by ``_hard``: the failing side of every block hard on the sampled rows cleared), the greedy
refinement of the per-neuron exponents (``refine.refine``'s moves, each re-pruning one row and one column, here on
the pruned rows; skipped when even clearing every row and column it could move leaves that rescaling above the
other) and the bias gadget on every row (``biases.prune_biases``: one subset sum per output, exact).

Which rows.  A layer of at most ``SAMPLE_WEIGHTS`` weights, or with not many more rows than a sample would take, is
pruned whole: then its η_i is exact, and where every layer is, the prediction is the certified bound up to the
certifier's rounding (benchmarks/predict.md: certified / predicted = 1.000 at every k on the digits targets).  A
larger layer (m rows of n weights) is pruned on
  * the ``FORCED_ROWS`` rows with the largest error their gadgets cannot avoid (``_risk``: a weight beyond what its
    candidates can sum to, or below the smallest sum they can make; the spikes of an error matrix), and the rows
    the refinement moves, each standing for itself, and
  * r random rows of the others (r = max(``MIN_ROWS``, ⌈``SAMPLE_WEIGHTS`` / n⌉), the same rows at every k), each
    standing for (m − f)/r rows,
and η_i = ‖E_i‖₂ is the spectral norm of an m-row stand-in: the forced rows, and every random row repeated
(m − f)/r times with independent random signs on its entries.  The errors of different rows are independent given
the layer's candidates, so the stand-in keeps the row and column profile of E and the spectral norm of a random
matrix with that profile (for i.i.d. entries σ(√m + √n), where the sampled rows scaled up to m would give
σ(√m + √(nm/r)): 1.4–3 times too much on the first layers of random targets).  With ``norm="frobenius"`` the
Horvitz–Thompson sum ‖E_F‖² + (m − f)/r · ‖E_R‖² estimates ‖E‖_F² without bias.  On random 784-256-256-10,
256-128-128-10 and 128-96-96-96-10 targets the sampled prediction came within about ±30 % of the certified bound
(benchmarks/predict.md), the margin ``search.MARGIN_SAMPLED`` keeps for it.  Until 2026-12 a sampled first layer
was not rebalanced at all: its hard blocks' spikes, which the full construction removes, stayed in η̂_1 (η̂_1 4.8x
the construction's η_1 on 784-256-256-10 at k = 40, 9.4x at k = 44), and ``auto`` built k = 52 where 40
certifies.  The model
of the rebalancing ignores what the donor blocks lose: on 256-128-128-10 at k = 40 that left the prediction 2.3x
below the certified bound (benchmarks/predict.md).

The predicted bound composes the η̂_i with the exact ω_i, ν_i, β_i and the domain's reach as docs/affine.md §5 does
(in floating point, in ``options.norm``), per rescaling, and keeps the smaller, as ``build`` does.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from verify.domain import parse as parse_domain
from verify.engine import rng_torch
from verify.engine.biases import prune_biases
from verify.engine.construct import _rescalings, largest_k
from verify.engine.gadgets import (
    Candidates,
    LayerPruning,
    candidates,
    kept_edges,
    padded,
    rebalanced,
    row_chunks,
    signs_of,
)
from verify.engine.model import Target
from verify.engine.rescale import apply_exponents
from verify.engine.runtime import device_of, exact_ldexp, grid_sum
from verify.options import Options

__all__ = ["Prediction", "Predictor", "SAMPLE_WEIGHTS", "MIN_ROWS", "FORCED_ROWS"]

SAMPLE_WEIGHTS = 2048   # weights per layer pruned at each k (whole rows: ⌈SAMPLE_WEIGHTS / n⌉ of them, ≥ MIN_ROWS)
MIN_ROWS = 16           # random rows per sampled layer, at least
FORCED_ROWS = 16        # rows with the largest unavoidable errors (_risk), pruned on top of the random ones
SPIKY = 0.3             # a sampled layer whose largest pruned error is above this share of η̂ gets twice the rows
HARD = 20               # gadgets.rebalanced's threshold: a block whose worst error is above HARD × the typical one
TYPICAL_BIAS = 4 / 3    # the sampled estimate of rebalanced's typical block error came out 0.70-0.78 of the full
                        # layer's on 784-256-256-10 (k = 40, 44, both rescalings; benchmarks/predict.md)
REFINE_ROUNDS, REFINE_PER_LAYER = 6, 6   # refine.refine's defaults


@dataclass(frozen=True)
class Prediction:
    """The predicted certified bound at width factor ``k``: ``bound`` (δ_L, the better of the rescalings), which
    ``rescaling`` gives it, its per-layer ``etas`` (η̂_i) and ``betas`` (β_i, exact), the ``rows`` pruned per layer
    (of m = ``widths[1:]``), whether every row of every layer was (``exact``), and how long it took
    (``seconds``)."""

    k: int
    bound: float
    rescaling: str
    etas: tuple[float, ...]
    betas: tuple[float, ...]
    rows: tuple[int, ...]
    exact: bool
    seconds: float = 0.0


@dataclass
class _Rows:
    """The pruned rows of one layer for one rescaling: ``rows`` (ids into the layer), which are ``forced`` (the rest
    are the random sample of the others), the layer's row count ``m``, the assignment ``cand`` and the rows' errors
    in F's units (``err``, signed: (len(rows), n), or (len(rows), 2n) with both input signs)."""

    rows: np.ndarray
    forced: np.ndarray
    m: int
    cand: Candidates
    err: torch.Tensor
    cleared: torch.Tensor | None = None   # columns of ``err`` the modelled uneven allocation fixes (``_hard``)

    def clear(self, err: torch.Tensor) -> torch.Tensor:
        """``err`` (rows of this layer) with the ``cleared`` columns set to 0."""
        if self.cleared is None:
            return err
        return torch.where(self.cleared.to(err.device)[None, :], torch.zeros((), dtype=err.dtype), err)

    @property
    def whole(self) -> bool:
        return len(self.rows) == self.m

    def full(self, seed: int) -> torch.Tensor:
        """An m-row stand-in for the layer's error matrix: the pruned rows in their places, and in every other row a
        copy of a random row (each about (m − f)/r times), every entry with a random sign, so that the copies are
        as independent as the rows they stand for (module docstring).  The matrix itself when the layer is
        whole."""
        e = self.err
        if self.whole:
            return e[torch.as_tensor(np.argsort(self.rows), device=e.device)]
        out = torch.zeros(self.m, e.shape[1], dtype=e.dtype, device=e.device)
        out[torch.as_tensor(self.rows, device=e.device)] = e
        random = np.flatnonzero(~self.forced)
        others = np.setdiff1d(np.arange(self.m), self.rows)
        if len(random):
            gen = torch.Generator().manual_seed(seed)
            reps = len(others) // len(random)
            extra = torch.randperm(len(random), generator=gen)[: len(others) - reps * len(random)]
            pick = random[torch.cat([torch.arange(len(random)).repeat(reps), extra]).numpy()]
            signs = torch.randint(0, 2, (len(others), e.shape[1]), generator=gen).to(e.device, e.dtype) * 2 - 1
            out[torch.as_tensor(others, device=e.device)] = e[torch.as_tensor(pick, device=e.device)] * signs
        return out

    def eta(self, norm: str, seed: int = 0) -> float:
        """η̂: exact for a whole layer, else extrapolated from the pruned rows (module docstring); the norms and sums on
        the CPU, so that the k a search builds does not depend on the device (docs/devices.md §2)."""
        e = self.err.cpu()
        if e.numel() == 0:
            return 0.0
        n_forced = int(self.forced.sum())
        n_random = len(self.rows) - n_forced
        if not self.whole and n_random:
            if norm == "frobenius":   # Horvitz–Thompson: unbiased for ‖E‖_F²
                forced = torch.as_tensor(self.forced, device=e.device)
                w = (self.m - n_forced) / n_random
                return math.sqrt(float((e[forced] ** 2).sum()) + w * float((e[~forced] ** 2).sum()))
            e = self.full(seed)
        return float(torch.linalg.matrix_norm(e.cpu(), ord="fro" if norm == "frobenius" else 2))


def _hard(lay: _Rows, s_out: np.ndarray) -> torch.Tensor | None:
    """``gadgets.rebalanced`` on a sampled first layer, modelled: the columns of ``lay.err`` ([E⁺ E⁻]) it would
    fix, or None where it would give up.  rebalanced gives the blocks whose worst error (over every row, both
    input signs) is above ``HARD`` times the median block's ``k // 2`` more neurons of the failing side's sign,
    which removed their spikes (η_1 of 784-256-256-10 at k = 40: 0.0366 → 0.0076), taken from the blocks with
    the smallest errors.  Which donors it takes cannot be told from a sample (re-pruning the sample with
    donors chosen on it gave 4x the real η_1), so the model keeps the donors as they are and clears the
    failing side of every block that is hard on the sampled rows.  The median block's worst error over all m
    rows is estimated per block as the larger of its forced rows' worst error and its random rows' median
    times the (1/2)^(1/(m − f)) quantile of every random row's error over its block's median (the median of
    a maximum over m − f rows, with one shape for every block), times ``TYPICAL_BIAS``."""
    e = lay.err.abs().cpu()
    e = exact_ldexp(e, torch.as_tensor(s_out, dtype=torch.int64)[:, None].expand_as(e))   # rebalanced's frame
    n = e.shape[1] // 2
    e_pos, e_neg = e[:, :n], e[:, n:]
    a = torch.maximum(e_pos, e_neg)
    forced = torch.as_tensor(lay.forced)
    rand = a[~forced]
    if rand.shape[0] == 0:
        return None
    scale = rand.median(dim=0).values
    ok = scale > 0
    ratios = (rand[:, ok] / scale[ok]).flatten()
    q = float(torch.quantile(ratios, 0.5 ** (1 / (lay.m - int(forced.sum()))))) if ratios.numel() else 0.0
    est = scale * q
    if bool(forced.any()):
        est = torch.maximum(est, a[forced].max(dim=0).values)
    typical = float(est.median()) * TYPICAL_BIAS
    limit = HARD * max(typical, 1e-300)
    if int((est > limit).sum()) > n // 4:
        return None
    hard = a.max(dim=0).values > limit
    pos_fails = e_pos.max(dim=0).values >= e_neg.max(dim=0).values
    return torch.cat([hard & pos_fails, hard & ~pos_fails])


def _compose(etas, omegas, betas, nus, rho: float) -> float:
    """δ_L of docs/affine.md §5 in floating point (as ``construct._composed``)."""
    delta = 0.0
    for eta, omega, beta, nu in zip(etas, omegas, betas, nus, strict=True):
        delta, rho = eta * rho + beta + omega * delta, (omega + eta) * rho + nu + beta
    return delta


class Predictor:
    """Predicted certified bounds of ``build(target.weights, options, k=k, biases=target.biases)`` for any k
    (memoised), and the smallest k whose prediction reaches a goal.  ``sample_weights``, ``min_rows`` and
    ``forced_rows`` size the row sample of large layers (module docstring); ``sample_seed`` draws its random
    rows."""

    def __init__(self, target: Target, options: Options, *, sample_weights: int = SAMPLE_WEIGHTS,
                 min_rows: int = MIN_ROWS, forced_rows: int = FORCED_ROWS, sample_seed: int = 0) -> None:
        layout = getattr(target, "layout", None)
        if layout is not None and layout.conv:
            raise ValueError("the prediction models dense layers only; a CNN is searched by building "
                             "(search.predict_width)")
        self.options = options
        self.weights = [np.asarray(w, np.float64) for w in target.weights]
        self.widths = [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]
        self.biases = ([np.asarray(b, np.float64) for b in target.biases] if target.biases
                       else [np.zeros(w.shape[0]) for w in self.weights])
        has_bias = any(bool(np.any(b)) for b in self.biases)
        self.c = options.bias_block_for(has_bias)
        self.with_biases = bool(self.c) or has_bias
        self.device = device_of(options.device)
        self.rho0 = float(parse_domain(options.domain).for_inputs(self.widths[0]).reach)
        spectral = [float(np.linalg.norm(w, 2)) for w in self.weights]
        self.omegas = spectral if options.norm != "frobenius" else [float(np.linalg.norm(w)) for w in self.weights]
        self.nus = [float(np.linalg.norm(b)) for b in self.biases]
        self.gains = [math.prod(spectral) / max(nw, 1e-300) for nw in spectral]   # as construct.build's
        self.sample_weights, self.min_rows, self.forced_rows = sample_weights, min_rows, forced_rows
        self.sample_seed = sample_seed
        rs = np.random.RandomState(sample_seed)
        self._order = [rs.permutation(w.shape[0]) for w in self.weights]   # random rows: a prefix of this order
        self.k_max = largest_k(self.widths)
        self.cache: dict[int, Prediction] = {}
        self.seconds = 0.0

    @property
    def samples(self) -> bool:
        """Whether some layer is sampled rather than pruned whole (then predictions are estimates)."""
        return any(self._random_rows(i) is not None for i in range(len(self.weights)))

    @property
    def fraction(self) -> float:
        """The share of the target's weights a prediction prunes (per rescaling and assignment; before the extra
        rows of spiky layers): 1 where every layer is pruned whole."""
        total = pruned = 0
        for i, w in enumerate(self.weights):
            m, n = w.shape
            r = self._random_rows(i)
            total += m * n
            pruned += n * (m if r is None else min(m, r + self.forced_rows))
        return pruned / max(total, 1)

    def __call__(self, k: int) -> Prediction:
        """The prediction at width factor k (memoised)."""
        if k not in self.cache:
            t0 = time.perf_counter()
            p = self._predict(k)
            dt = time.perf_counter() - t0
            self.seconds += dt
            self.cache[k] = dataclasses.replace(p, seconds=dt)
        return self.cache[k]

    # --- the rows of a layer -----------------------------------------------------------------------------------

    def _random_rows(self, i: int) -> int | None:
        """How many random rows layer i (0-based) samples, or None to prune it whole."""
        m, n = self.weights[i].shape
        if m * n <= self.sample_weights:
            return None
        r = max(self.min_rows, -(-self.sample_weights // n))
        return None if r + self.forced_rows >= m else r

    def _risk(self, i: int, ws: np.ndarray, cand: Candidates) -> np.ndarray:
        """Per weight of layer i (0-based), in the rescaled frame, an error its gadget cannot avoid (max over the input
        signs pruned): above its reach, |w| − R with R the sum of the aligned products v·u·sign(w) > 0 of its
        candidates (the ``cap`` best, as ``refine.reach``); below it, |w| when even the smallest aligned product
        minus all the misaligned ones is above 2|w| (the empty subset is then the best), and that gap − |w| when it
        lies in (|w|, 2|w|].  Plus a quarter of the excess over R/2 (``rescale.reach_exponents``' model), which
        ranks the weights near the edge of their reach after those."""
        opts, dev = self.options, self.device
        seed, layer = opts.seed, 2 * (i + 1)
        cap = 1 if opts.method == "pair" else opts.max_candidates
        w = torch.from_numpy(ws).to(dev)
        m, n = w.shape
        s = cand.h.shape[0]
        out = torch.zeros(m, n, dtype=torch.float64, device=dev)
        for r0, r1 in row_chunks(m, s * n):
            r = torch.arange(r0, r1, device=dev)
            aw = w[r0:r1].abs()
            v = rng_torch.weights(seed, layer, r[:, None, None], cand.h[None])              # (mc, s, n)
            aligned = v * cand.u[None] * torch.where(w[r0:r1] < 0, -1.0, 1.0)[:, None, :]
            for sign in signs_of(i + 1, opts):
                side = (cand.valid & (cand.u * sign > 0))[None]
                pos = torch.where(side & (aligned > 0), aligned, 0.0)
                reach_ = grid_sum(torch.topk(pos, min(cap, s), dim=1).values if cap < s else pos, dim=1)
                smallest = torch.where(side & (aligned > 0), aligned, torch.inf).min(dim=1).values
                gap = smallest - grid_sum(torch.where(side & (aligned < 0), -aligned, 0.0), dim=1)
                low = torch.where(gap > 2 * aw, aw, torch.where(gap > aw, gap - aw, 0.0))
                risk = torch.maximum((aw - reach_).clamp(min=0), low) + 0.25 * (aw - 0.5 * reach_).clamp(min=0)
                out[r0:r1] = torch.maximum(out[r0:r1], risk)
        return out.cpu().numpy()

    def _forced(self, i: int, ws: np.ndarray, cand: Candidates, s_out: np.ndarray, s_in: np.ndarray) -> np.ndarray:
        """Up to ``forced_rows`` rows of layer i (0-based) with the largest unavoidable errors (``_risk``) in F's
        units; only rows where one is positive."""
        if self.forced_rows <= 0:
            return np.zeros(0, dtype=np.int64)
        shift = (s_in[None, :] - s_out[:, None]).astype(np.float64)   # F units: D_out⁻¹ · D_in
        risk = (self._risk(i, ws, cand) * np.exp2(shift)).max(axis=1)
        order = np.argsort(-risk, kind="stable")[: self.forced_rows]
        return np.sort(order[risk[order] > 0])

    def _choose_rows(self, i: int, ws: np.ndarray, cand: Candidates, s: list[np.ndarray],
                     more: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(rows, forced mask) of layer i (0-based) for this rescaling and assignment; ``more``: twice the random
        rows."""
        m = self.weights[i].shape[0]
        r = self._random_rows(i)
        if r is None:
            return np.arange(m), np.zeros(m, dtype=bool)
        forced = self._forced(i, ws, cand, s[i + 1], s[i])
        rand = np.sort(self._order[i][~np.isin(self._order[i], forced)][: 2 * r if more else r])
        rows = np.concatenate([forced, rand])
        return rows, np.arange(len(rows)) < len(forced)

    def _sampled(self, i: int, ws: np.ndarray, cand: Candidates, s: list[np.ndarray]) -> tuple[_Rows, LayerPruning,
                                                                                                torch.Tensor]:
        """Layer i (0-based) pruned on its rows with ``cand``, with twice the random rows where its error is spiky
        (a pruned error above ``SPIKY`` of η̂: a spike in a random row is copied into every row it stands for, and
        with r = 16 that put η̂ anywhere in 0.75–1.7 times the true ‖E‖₂ on 256-128-128-10, 0.8–1.3 with r = 32)."""
        m = ws.shape[0]
        rows, forced = self._choose_rows(i, ws, cand, s)
        lp, w_rows, err = self._pruned(i, rows, cand, s[i + 1][rows], s[i])
        lay = _Rows(rows, forced, m, cand, err)
        if not lay.whole and float(err.abs().max()) > SPIKY * lay.eta(self.options.norm, self.sample_seed + i):
            rows2, forced2 = self._choose_rows(i, ws, cand, s, more=True)
            if len(rows2) > len(rows):
                extra = rows2[~np.isin(rows2, rows)]
                _, _, err2 = self._pruned(i, extra, cand, s[i + 1][extra], s[i])
                pos = {int(r): q for q, r in enumerate(np.concatenate([rows, extra]))}
                pick = torch.as_tensor([pos[int(r)] for r in rows2], device=err.device)
                lay = _Rows(rows2, forced2, m, cand, torch.cat([err, err2])[pick])
        return lay, lp, w_rows

    def _pruned(self, i: int, rows: np.ndarray, cand: Candidates, s_out: np.ndarray, s_in: np.ndarray,
                cols: np.ndarray | None = None) -> tuple[LayerPruning, torch.Tensor, torch.Tensor]:
        """Rows × ``cols`` (default: all) of layer i (0-based) pruned with ``cand``, as ``refine.sub_errors`` prunes
        them: their LayerPruning (rows and inputs local, hidden neurons global), rescaled weights and errors in F's
        units (signed: η is the norm of the signed matrix; (rows, cols) or (rows, 2·cols) with both input signs).
        ``s_out`` holds the exponents of these rows, ``s_in`` those of all inputs."""
        opts, dev = self.options, self.device
        w = self.weights[i]
        n = w.shape[1]
        if cols is None:
            cols, sub = np.arange(n), cand
            local = cand.owner
        else:
            col_t = torch.as_tensor(cols, device=dev)
            sub = Candidates(cand.h[:, col_t], cand.u[:, col_t], cand.valid[:, col_t], cand.owner, cand.u_of)
            to_local = torch.full((n,), -1, dtype=torch.int64, device=dev)
            to_local[col_t] = torch.arange(len(cols), device=dev)
            local = to_local[cand.owner]
        shift = (s_out[:, None] - s_in[cols][None, :]).astype(np.int32)
        w_rows = torch.from_numpy(np.ldexp(w[np.ix_(rows, cols)], shift)).to(dev)   # exact, as apply_exponents
        row_t = torch.as_tensor(rows, device=dev)
        rr, hs = kept_edges(w_rows, sub, i + 1, opts, row_t)
        v = rng_torch.weights(opts.seed, 2 * (i + 1), row_t[rr], hs)
        lp = LayerPruning(i + 1, len(cols), len(rows), cand.owner.numel() // n, local, cand.u_of, rr, hs, v,
                          len(signs_of(i + 1, opts)) == 2)
        return lp, w_rows, lp.eta_matrix_f_units(w_rows, s_out, s_in[cols])

    # --- one k -------------------------------------------------------------------------------------------------

    def _predict(self, k: int) -> Prediction:
        opts, dev, seed = self.options, self.device, self.options.seed
        assignments = [[candidates(seed, 2 * i - 1, k, w.shape[1], False, dev)]
                       + ([candidates(seed, 2 * i - 1, k, w.shape[1], True, dev)]
                          if (i > 1 or opts.nonneg_input) and opts.reassign else [])
                       for i, w in enumerate(self.weights, start=1)]
        best: Prediction | None = None
        for kind, exps in _rescalings(self.weights, opts, assignments, self.gains):
            try:
                scaled = apply_exponents(self.weights, exps)
            except ValueError:
                continue
            s = padded(exps, self.widths)
            layers = [self._layer(i, ws, cands, s) for i, (ws, cands) in enumerate(zip(scaled, assignments,
                                                                                        strict=True))]
            if kind == "neuron" and (best is None or self._refined_at_best(layers, s, k) < best.bound):
                s = self._refine(layers, s)
            etas = [lay.eta(opts.norm, self.sample_seed + i) for i, lay in enumerate(layers)]
            betas = self._betas(s, k)
            bound = _compose(etas, self.omegas, betas, self.nus, self.rho0)
            bound = bound if math.isfinite(bound) else math.inf   # weights near float64's limits: no estimate
            if best is None or bound < best.bound:
                best = Prediction(k, bound, kind, tuple(etas), tuple(betas), tuple(len(lay.rows) for lay in layers),
                                  all(lay.whole for lay in layers))
        if best is None:
            raise ValueError("power-of-two rescaling is not exact for these weights (float64 overflow or underflow)")
        return best

    def _layer(self, i: int, ws: np.ndarray, cands: list[Candidates], s: list[np.ndarray]) -> _Rows:
        """Layer i (0-based) for one rescaling: every assignment pruned on its rows, and for the first layer with
        inputs of both signs also ``gadgets.rebalanced`` (as ``construct._prune_all``); the smallest η̂ kept."""
        tried = []
        for q, cand in enumerate(cands):
            lay, lp, w_rows = self._sampled(i, ws, cand, s)
            tried.append(lay)
            rows, forced, err = lay.rows, lay.forced, lay.err
            if q == 0 and i == 0 and self.options.reassign and lp.both:
                if lay.whole:   # the uneven allocation itself
                    moved = rebalanced(lp, w_rows, cand, self.options.seed, 1)
                    if moved is not None:
                        _, _, err = self._pruned(i, rows, moved, s[i + 1][rows], s[i])
                        tried.append(_Rows(rows, forced, ws.shape[0], moved, err))
                else:           # its effect, modelled: the hard blocks' failing sides cleared (``_hard``)
                    cleared = _hard(lay, s[i + 1][rows])
                    if cleared is not None and bool(cleared.any()):
                        part = _Rows(rows, forced, ws.shape[0], cand, err, cleared)
                        part.err = part.clear(err)
                        tried.append(part)
        etas = [t.eta(self.options.norm, self.sample_seed + i) for t in tried]
        return tried[int(np.argmin(etas))]

    def _betas(self, s: list[np.ndarray], k: int) -> list[float]:
        return [self._beta(i, s[i + 1], k) if self.with_biases else 0.0 for i in range(len(self.weights))]

    def _refined_at_best(self, layers: list[_Rows], s: list[np.ndarray], k: int) -> float:
        """What the refinement could reach at best: the bound with every row and column it might move (those of the
        neurons holding each layer's ``REFINE_ROUNDS · REFINE_PER_LAYER`` largest errors) taken as error-free.  When
        the other rescaling is already below this, ``build`` keeps that one whatever the refinement does, and the
        refinement is skipped."""
        n_layers = len(layers)
        moved: list[set[int]] = [set() for _ in range(n_layers + 1)]   # neurons of hidden layer h it might move
        for li, lay in enumerate(layers):
            e = lay.err.abs()
            n_in = self.weights[li].shape[1]
            for q in torch.topk(e.flatten().cpu(), min(REFINE_ROUNDS * REFINE_PER_LAYER, e.numel())).indices.tolist():
                r, c = divmod(q, e.shape[1])
                if li + 1 < n_layers:
                    moved[li + 1].add(int(lay.rows[r]))
                if li > 0:
                    moved[li].add(c % n_in)
        etas = []
        for li, lay in enumerate(layers):
            e = lay.err.clone()
            # a random row stands for (m − f)/r rows, of which a move changes one: only forced rows are cleared
            rows = np.isin(lay.rows, list(moved[li + 1])) & (lay.forced | lay.whole)
            e[torch.as_tensor(rows, device=e.device)] = 0
            if li > 0 and moved[li]:
                e[:, torch.as_tensor(sorted(moved[li]), device=e.device)] = 0   # layers ≥ 2: one input sign
            etas.append(_Rows(lay.rows, lay.forced, lay.m, lay.cand, e).eta(self.options.norm, self.sample_seed + li))
        return _compose(etas, self.omegas, self._betas(s, k), self.nus, self.rho0)

    def _refine(self, layers: list[_Rows], s: list[np.ndarray]) -> list[np.ndarray]:
        """``refine.refine`` on the pruned rows: the neurons holding the largest errors of every layer moved by ±1
        where Σ_i gains_i · max|E_i| falls, each try re-pruning the neuron's row (added to the forced rows if it
        was not pruned; a random row is not moved) and its column (on the next layer's rows).  Updates ``layers``
        in place; returns the padded exponents."""
        s = [e.copy() for e in s]
        n_layers = len(self.weights)

        def objective(errs: list[torch.Tensor]) -> float:
            return sum(g * float(x.abs().max()) for g, x in zip(self.gains, errs, strict=True) if x.numel())

        cur = objective([lay.err for lay in layers])
        for _ in range(REFINE_ROUNDS):
            hot: list[tuple[int, int]] = []  # (hidden layer h = 1..L-1, neuron r)
            for li, lay in enumerate(layers):
                e = lay.err
                n_in = self.weights[li].shape[1]
                for q in torch.topk(e.abs().flatten().cpu(), min(REFINE_PER_LAYER, e.numel())).indices.tolist():
                    r, c = divmod(q, e.shape[1])
                    if li + 1 < n_layers:
                        hot.append((li + 1, int(lay.rows[r])))
                    if li > 0:
                        hot.append((li, c % n_in))
            improved = False
            for h, r in dict.fromkeys(hot):
                below, above = layers[h - 1], layers[h]
                at = np.flatnonzero(below.rows == r)
                if at.size and not (below.whole or below.forced[at[0]]):
                    continue   # a random row stands for others too, whose neurons would not move with it
                for step in (1, -1):
                    sh = s[h].copy()
                    sh[r] += step
                    one = np.array([r])
                    row = below.clear(self._pruned(h - 1, one, below.cand, sh[one], s[h - 1])[2])
                    col = self._pruned(h, above.rows, above.cand, s[h + 1][above.rows], sh, one)[2]
                    if at.size:
                        err_below = below.err.clone()
                        err_below[int(at[0])] = row[0]
                    else:
                        err_below = torch.cat([below.err, row])
                    err_above = above.err.clone()
                    err_above[:, r] = col[:, 0]
                    errs = [lay.err for lay in layers]
                    errs[h - 1], errs[h] = err_below, err_above
                    obj = objective(errs)
                    if obj < cur * (1 - 1e-9):
                        if not at.size:
                            below.rows = np.append(below.rows, r)
                            below.forced = np.append(below.forced, True)
                        below.err, above.err, cur, s[h] = err_below, err_above, obj, sh
                        improved = True
                        break
            if not improved:
                break
        return s

    def _beta(self, i: int, s_out: np.ndarray, k: int) -> float:
        """β of layer i (0-based), exact: the bias gadget on every row (``construct._prune_all``'s)."""
        b = self.biases[i]
        n = self.weights[i].shape[1]
        b_scaled = torch.from_numpy(np.ldexp(b, s_out.astype(np.int32))).to(self.device)
        bp = prune_biases(b_scaled, i + 1, k * n, self.c, self.options.seed, self.options.max_candidates)
        e = exact_ldexp(bp.sums(), torch.as_tensor(-s_out, device=self.device)) - torch.from_numpy(b).to(self.device)
        return float(e.cpu().norm())

    # --- the smallest k ----------------------------------------------------------------------------------------

    def smallest_k(self, goal: float, lo: int = 1, hi: int | None = None) -> int | None:
        """A k in [lo, hi] whose predicted bound is ≤ ``goal`` while k − 1's is not (or k = lo): doubling from
        ``lo``, then bisection (``search.search_width``'s search, on predictions); the smallest such k where the
        prediction falls with k.  None if even ``hi`` (default: ``largest_k``) is predicted above the goal.
        (Interpolating in log(bound) instead took more predictions on the digits targets, whose bound falls in
        steps.)"""
        hi = self.k_max if hi is None else min(hi, self.k_max)
        if lo > hi:
            return None
        k, fail = lo, lo - 1
        while self(k).bound > goal:
            if k >= hi:
                return None
            fail, k = k, min(2 * k, hi)
        while k - fail > 1:
            mid = (fail + k) // 2
            if self(mid).bound <= goal:
                k = mid
            else:
                fail = mid
        return k
