"""Per-neuron rescaling measured on G itself (docs/rescaling.md §4): what each weight's gadget can reach, and an exact
greedy refinement of the exponents, both with the gadget primitives of gadgets.py.  Untrusted engine code; the
certificate's rows are re-derived by the checker whatever exponents it names (certs/FORMAT.md check 5, z3 lemma
``rescaled_frame``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from verify.engine import parallel, rng_torch
from verify.engine.gadgets import Candidates, LayerPruning, Pruned, kept_edges, padded, row_chunks, signs_of
from verify.engine.runtime import grid_sum
from verify.options import Options

__all__ = ["reach", "refine", "sub_errors", "PRUNE_BY_BOUND"]

PRUNE_BY_BOUND = True   # skip a move's row when its column alone already rules it out (False: the reference)


def reach(w: torch.Tensor, cand: Candidates, i: int, options: Options) -> np.ndarray:
    """Per weight of target layer i, R: the largest |sum| of products v·u of the weight's sign among its block's
    candidates (the ``cap`` best aligned: the subset-sum list of ``options.max_candidates``, or the single best for
    ``pair``) — the input to rescale.reach_exponents (docs/rescaling.md §4).  Both input signs must reach w in the
    first layer, so there the worse side counts."""
    seed, layer = options.seed, 2 * i
    cap = 1 if options.method == "pair" else options.max_candidates
    m, n = w.shape
    s = cand.h.shape[0]
    out = torch.empty(m, n, dtype=torch.float64, device=w.device)
    for r0, r1 in row_chunks(m, s * n):
        r = torch.arange(r0, r1, device=w.device)
        v = rng_torch.weights(seed, layer, r[:, None, None], cand.h[None])              # (mc, s, n)
        aligned = v * cand.u[None] * torch.where(w[r0:r1] < 0, -1.0, 1.0)[:, None, :]
        rr = torch.full((r1 - r0, n), torch.inf, dtype=torch.float64, device=w.device)
        for sign in signs_of(i, options):
            a = torch.where((cand.valid & (cand.u * sign > 0))[None] & (aligned > 0), aligned, 0.0)
            if cap < s:
                a = torch.topk(a, cap, dim=1).values
            rr = torch.minimum(rr, grid_sum(a, dim=1))   # exact in any order (docs/devices.md §2)
        out[r0:r1] = rr
    return out.cpu().numpy()


def sub_errors(w: np.ndarray, rows: np.ndarray, cols: np.ndarray, s_out: np.ndarray, s_in: np.ndarray,
               cand: Candidates, i: int, options: Options) -> torch.Tensor:
    """|gadget errors| in F's units of the sub-block rows × cols of target layer i (1-based) rescaled by the
    exponents s_out (of those rows) and s_in (of those columns): shape (a, b), or (a, 2b) with both input signs
    for i = 1 (docs/rescaling.md §2).  Every weight's subset depends only on its own value and candidates, so these
    are exactly the errors a full pruning with these exponents would give there.  Runs on ``cand``'s device."""
    dev = cand.h.device
    shift = s_out[:, None] - s_in[None, :]
    ws = torch.from_numpy(np.ldexp(w[np.ix_(rows, cols)], shift.astype(np.int32))).to(dev)
    col_t = torch.as_tensor(cols, device=dev)
    sub = Candidates(cand.h[:, col_t], cand.u[:, col_t], cand.valid[:, col_t], cand.owner, cand.u_of)
    row_t = torch.as_tensor(rows, device=dev)
    rr, hs = kept_edges(ws, sub, i, options, row_t)
    # the kept edges as a LayerPruning of the sub-block: rows local, hidden neurons global, inputs local
    local = torch.full((cand.h.shape[1],), -1, dtype=torch.int64, device=dev)
    local[col_t] = torch.arange(len(cols), device=dev)
    v = rng_torch.weights(options.seed, 2 * i, row_t[rr], hs)
    lp = LayerPruning(i, len(cols), len(rows), cand.h.shape[0], local[cand.owner], cand.u_of, rr, hs, v,
                      len(signs_of(i, options)) == 2)
    return lp.eta_matrix_f_units(ws, s_out, s_in).abs()


@dataclass(frozen=True)
class _Tries:
    """What every try of one ``refine`` shares: F's weights, the assignments, the options and the memo of the rows
    and columns already re-pruned."""

    weights: list[np.ndarray]
    chosen: list[Candidates]
    options: Options
    memo: dict = field(default_factory=dict)

    def moved(self, s: list[np.ndarray], h: int, r: int, step: int, part: str) -> torch.Tensor:
        """The errors of neuron r's row in target layer h (``part`` "row") or of its column in layer h + 1 ("col")
        with its exponent moved by ``step`` (``sub_errors``).  The row depends only on r's new exponent and
        s[h − 1], the column only on it and s[h + 1] (the weights, assignments and options are fixed within one
        ``refine``), so the memo keeps each by exactly those keys: a later round that tries the same move again,
        its neighbours unchanged, gets the same tensor without pruning it again."""
        moved = s[h][[r]] + step   # neuron r's new exponent, as the 1-element array sub_errors takes
        rows_h = np.array([r])
        key = (part, h, r, int(moved[0]), (s[h - 1] if part == "row" else s[h + 1]).tobytes())
        if key not in self.memo:
            w, opts = self.weights, self.options
            if part == "row":
                self.memo[key] = sub_errors(w[h - 1], rows_h, np.arange(w[h - 1].shape[1]), moved, s[h - 1],
                                            self.chosen[h - 1], h, opts)
            else:
                self.memo[key] = sub_errors(w[h], np.arange(w[h].shape[0]), rows_h, s[h + 1], moved,
                                            self.chosen[h], h + 1, opts)
        return self.memo[key]


def _all(fn: Callable[..., torch.Tensor], jobs: list[tuple]) -> list[torch.Tensor]:
    """``fn(*job)`` for every job: at once on --jobs threads (docs/parallel.md §3), else one after the other."""
    ahead = parallel.alongside(fn, jobs)
    return ahead if ahead is not None else [fn(*job) for job in jobs]


def refine(weights: list[np.ndarray], pruned: Pruned, gains: list[float], options: Options, *, rounds: int = 6,
           per_layer: int = 6) -> list[np.ndarray]:
    """Greedy exact improvement of per-neuron exponents (issue 7).  The composed bound is about Σ_i gains_i ·
    ‖E_i‖₂ and ‖E_i‖₂ is close to its largest entry (measured 1.003–1.06 on digits' first layer), so only the
    neurons holding a layer's largest errors matter: for each of them (the ``per_layer`` largest entries of every
    layer, in F's units) moving its exponent by ±1 is evaluated exactly — its row of layer i and its column of
    layer i+1 re-pruned (``sub_errors``) — and kept if Σ_i gains_i · max|E_i| falls.  Cheap (one row and one
    column per try), unlike re-pruning whole layers (docs/rescaling.md §4).  ``pruned`` is the pruning with the
    exponents to refine (``construct.build``'s per-neuron try); runs on its device."""
    n_layers = len(weights)
    chosen = pruned.chosen
    dev = pruned.layers[0].u.device
    s = padded([e.copy() for e in pruned.exponents], [weights[0].shape[1]] + [w.shape[0] for w in weights])
    err = [lp.eta_matrix_f_units(torch.from_numpy(ws).to(dev), s[i + 1], s[i]).abs()
           for i, (lp, ws) in enumerate(zip(pruned.layers, pruned.scaled, strict=True))]

    def objective(e: list[torch.Tensor]) -> float:
        return sum(g * float(x.max()) for g, x in zip(gains, e, strict=True) if x.numel())

    cur = objective(err)
    tries = _Tries(weights, chosen, options)
    for _ in range(rounds):
        hot: list[tuple[int, int]] = []  # (hidden layer h = 1..L-1, neuron r)
        for li, e in enumerate(err):
            n_in = weights[li].shape[1]
            for q in torch.topk(e.flatten().cpu(), min(per_layer, e.numel())).indices.tolist():   # ties: CPU's
                r, c = divmod(q, e.shape[1])
                if li + 1 < n_layers:
                    hot.append((li + 1, r))          # the row's neuron: output of target layer li+1
                if li > 0:
                    hot.append((li, c % n_in))       # the column's neuron: input of target layer li+1
        improved = False
        for h, r in dict.fromkeys(hot):
            cols = _all(tries.moved, [(s, h, r, step, "col") for step in (1, -1)])
            trials = []
            for step, col in zip((1, -1), cols, strict=True):
                trial = list(err)
                trial[h] = err[h].clone()
                trial[h][:, r] = col[:, 0]
                trial[h - 1] = err[h - 1].clone()
                trial[h - 1][r] = 0.0
                # the errors are ≥ 0 and the objective is monotone in each (also in floating point), so with row r
                # at 0 this is a lower bound of the move's objective: a move it rejects is rejected without its row
                if not PRUNE_BY_BOUND or objective(trial) < cur * (1 - 1e-9):
                    trials.append((step, trial))
            rows = _all(tries.moved, [(s, h, r, step, "row") for step, _ in trials])
            for (step, trial), row in zip(trials, rows, strict=True):
                trial[h - 1][r] = row[0]
                obj = objective(trial)
                if obj < cur * (1 - 1e-9):
                    sh = s[h].copy()
                    sh[r] += step
                    err, cur, s[h] = trial, obj, sh
                    improved = True
                    break
        if not improved:
            break
    return s[1:-1]
