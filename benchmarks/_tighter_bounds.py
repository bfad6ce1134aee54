"""Candidate bounds on sup_D ‖G̃(x) − F(x)‖₂ tighter than the certificate's recursion (docs/tighter.md, issue 16).

Measured, not certified: everything here is float64 (numpy, cvxpy), so each number is an estimate of what a checker
would re-derive rigorously.  Everything is stated in F's units (docs/affine.md §3): pair i of G̃ computes
y = W_i z + b_i + E⁺_i σ(z) + E⁻_i σ(−z) + e_i, which for z ≥ 0 is (W_i + E_i) z + b_i + e_i.

``Net``      F, G̃'s error matrices and bias errors, the domain (a ball about 0 or a box).
``boxes``    F's pre-activation bounds by IBP and CROWN-style backward linear bounds (docs/tighter.md §2).
``analyse``  per-coordinate widenings Δ_i of F's boxes that hold for G̃ and for every hybrid (§3), the error terms
             over the reach box (§4), masked and LipSDP suffix Lipschitz bounds (§5–§6), and the candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

Arr = np.ndarray


@dataclass
class Net:
    """F = (W_i, b_i), G̃'s gadget errors ``E`` (layer 1 on a domain of both signs: [E⁺ E⁻], m × 2n) and bias errors
    ``e``, and the domain: ``radius`` for a ball about 0, else the box ``lo``, ``hi``."""

    W: list[Arr]
    b: list[Arr]
    E: list[Arr]
    e: list[Arr]
    radius: float | None = None
    lo: Arr | None = None
    hi: Arr | None = None

    @property
    def L(self) -> int:
        return len(self.W)

    @property
    def both_signs(self) -> bool:
        return self.E[0].shape[1] == 2 * self.W[0].shape[1]

    def forward_f(self, x: Arr) -> Arr:
        h = x
        for i in range(self.L):
            h = h @ self.W[i].T + self.b[i]
            if i + 1 < self.L:
                h = np.maximum(h, 0)
        return h

    def forward_g(self, x: Arr) -> Arr:
        h = x
        for i in range(self.L):
            feat = np.concatenate([np.maximum(h, 0), np.maximum(-h, 0)], 1) if i == 0 and self.both_signs else h
            h = h @ self.W[i].T + feat @ self.E[i].T + self.b[i] + self.e[i]
            if i + 1 < self.L:
                h = np.maximum(h, 0)
        return h


def opnorm(a: Arr) -> float:
    return float(np.linalg.norm(a, 2)) if a.size else 0.0


def _concretize(net: Net, a: Arr, c: Arr) -> tuple[Arr, Arr]:
    """min and max of a x + c over the domain (rows of a)."""
    if net.radius is not None:
        r = net.radius * np.linalg.norm(a, axis=1)
        return c - r, c + r
    pos, neg = np.maximum(a, 0), np.minimum(a, 0)
    return c + pos @ net.lo + neg @ net.hi, c + pos @ net.hi + neg @ net.lo


def boxes(net: Net, crown: bool = True) -> list[tuple[Arr, Arr]]:
    """[l_i, u_i] ∋ t_i(x) = W_i a_{i−1}(x) + b_i for every x in the domain and i = 1..L (docs/tighter.md §2): IBP,
    intersected with CROWN-style backward linear bounds that relax every unstable ReLU by its chord (above) and by
    0 or the identity (below)."""
    out: list[tuple[Arr, Arr]] = []
    lo_a = hi_a = None
    for i in range(net.L):
        W, b = net.W[i], net.b[i]
        if i == 0:
            lo, hi = _concretize(net, W, b)
        else:
            pos, neg = np.maximum(W, 0), np.minimum(W, 0)
            lo, hi = pos @ lo_a + neg @ hi_a + b, pos @ hi_a + neg @ lo_a + b
            if crown:
                lc, hc = _crown(net, out, i)
                lo, hi = np.maximum(lo, lc), np.minimum(hi, hc)
        out.append((lo, hi))
        lo_a, hi_a = np.maximum(lo, 0), np.maximum(hi, 0)
    return out


def _relax(l: Arr, u: Arr) -> tuple[Arr, Arr, Arr]:
    """σ(z) ≤ su·z + tu and σ(z) ≥ sl·z on [l, u] (slopes su, sl and intercept tu per neuron)."""
    unstable = (l < 0) & (u > 0)
    active = l >= 0
    su = np.where(active, 1.0, 0.0)
    tu = np.zeros_like(l)
    den = np.where(unstable, u - l, 1.0)
    su = np.where(unstable, u / den, su)
    tu = np.where(unstable, -u * l / den, tu)
    sl = np.where(active, 1.0, np.where(unstable & (u > -l), 1.0, 0.0))
    return su, tu, sl


def _crown(net: Net, pre: list[tuple[Arr, Arr]], i: int) -> tuple[Arr, Arr]:
    """Backward linear bounds on t_{i+1} (0-based layer i) from the bounds ``pre`` of the layers before it."""
    return backward(net, net.W[:i], net.b[:i], pre[:i], net.W[i], net.b[i])


def backward(net: Net, Ws: list[Arr], bs: list[Arr], pre: list[tuple[Arr, Arr]], A0: Arr, c0: Arr
             ) -> tuple[Arr, Arr]:
    """Lower and upper bounds over the domain of A0·σ(z_m) + c0 for the ReLU network z_1 = Ws[0] x + bs[0],
    z_{j+1} = Ws[j] σ(z_j) + bs[j], z_j ∈ pre[j−1] (CROWN-style: chords above, 0 or identity below)."""
    res = []
    for sign in (1.0, -1.0):   # upper bound of sign·(A0 σ(z) + c0); the lower bound is −(upper bound of the negation)
        A, c = sign * A0, sign * c0
        for j in range(len(Ws) - 1, -1, -1):
            su, tu, sl = _relax(*pre[j])
            Ap, An = np.maximum(A, 0), np.minimum(A, 0)
            c = c + Ap @ tu
            A = Ap * su + An * sl
            c = c + A @ bs[j]
            A = A @ Ws[j]
        res.append(_concretize(net, A, c)[1])
    return -res[1], res[0]


def g_network(net: Net, g_pre: list[tuple[Arr, Arr]]) -> tuple[list[Arr], list[Arr], list[tuple[Arr, Arr]]]:
    """G̃ in F's units as a plain ReLU network with its pre-activation boxes (§4): (W_i + E_i, b_i + e_i) per layer;
    on a domain of both signs layer 1 is preceded by x ↦ (x, −x) and a ReLU, since x = σ(x) − σ(−x)."""
    Ws = [W + E for W, E in zip(net.W[1:], net.E[1:], strict=True)]
    bs = [b + e for b, e in zip(net.b[1:], net.e[1:], strict=True)]
    if not net.both_signs:
        return [net.W[0] + net.E[0]] + Ws, [net.b[0] + net.e[0]] + bs, list(g_pre)
    n = net.W[0].shape[1]
    lo, hi = (net.lo, net.hi) if net.radius is None else (-np.full(n, net.radius), np.full(n, net.radius))
    first = np.hstack([net.W[0] + net.E[0][:, :n], -net.W[0] + net.E[0][:, n:]])
    return ([np.vstack([np.eye(n), -np.eye(n)]), first] + Ws, [np.zeros(2 * n), net.b[0] + net.e[0]] + bs,
            [(np.concatenate([lo, -hi]), np.concatenate([hi, -lo]))] + list(g_pre))


def row_sup(E: Arr, e: Arr, hl: Arr, hu: Arr) -> Arr:
    """sup over h ∈ [hl, hu] of |(E h + e)_r| per row r, exactly (a linear function's range on a box)."""
    pos, neg = np.maximum(E, 0), np.minimum(E, 0)
    top = pos @ hu + neg @ hl + e
    bot = pos @ hl + neg @ hu + e
    return np.maximum(np.abs(top), np.abs(bot))


def error_term(E: Arr, e: Arr, hl: Arr, hu: Arr, reach: float, rows: Arr | None = None) -> float:
    """sup over h ∈ [hl, hu] ∩ {‖h‖ ≤ reach} of ‖(E h + e)_rows‖ bounded four ways (docs/tighter.md §4): the
    spectral norm times the reach, the exact per-row suprema, and centre plus radius; the smallest."""
    if rows is not None:
        E, e = E[rows], e[rows]
    if E.shape[0] == 0:
        return 0.0
    cols = np.maximum(np.abs(hl), np.abs(hu)) > 0
    Ec = E[:, cols]
    s = opnorm(Ec)
    corner = float(np.linalg.norm(np.maximum(np.abs(hl), np.abs(hu))))
    spectral = s * min(reach, corner) + float(np.linalg.norm(e))
    rowwise = float(np.linalg.norm(row_sup(E, e, hl, hu)))
    c, w = (hl + hu) / 2, (hu - hl) / 2
    radius = min(s * float(np.linalg.norm(w)), opnorm(Ec * w[cols]) * math.sqrt(int(cols.sum())))
    centre = float(np.linalg.norm(E @ c + e)) + radius
    return min(spectral, rowwise, centre)


@dataclass
class Suffix:
    """The hybrids' suffix after layer i (docs/tighter.md §3, §5): masks of possibly active neurons (``live``) and of
    neurons active on the whole set (``on``) at layers i..L−1 (0-based i−1..L−2), and the masked product."""

    live: list[Arr]
    on: list[Arr]
    product: float


@dataclass
class Analysis:
    """Per layer (1-based i = index + 1): ``term_*`` the telescoping terms; the candidate totals in ``bounds``."""

    delta_pre: list[Arr] = field(default_factory=list)     # Δ_i per coordinate (G̃'s pre-activation vs F's)
    eps: list[float] = field(default_factory=list)         # ‖â_i − a_i‖ bounds
    reach: list[float] = field(default_factory=list)       # ‖â_i‖ bounds
    err: dict[str, list[float]] = field(default_factory=dict)    # ‖r_i‖ bounds per variant
    lip: dict[str, list[float]] = field(default_factory=dict)    # Lip(P_i) bounds per variant
    bounds: dict[str, float] = field(default_factory=dict)
    dominant: dict[str, str] = field(default_factory=dict)
    sdp_seconds: float = 0.0


def _today_rows(net: Net, reach0: float) -> tuple[list[float], list[float], list[float], list[float]]:
    """η_i, ω_i, β_i, ν_i (float spectral norms) and today's ρ_{i−1} (docs/affine.md §5)."""
    etas = [opnorm(E) for E in net.E]
    omegas = [opnorm(W) for W in net.W]
    betas = [float(np.linalg.norm(e)) for e in net.e]
    rhos = [reach0]
    for i in range(net.L - 1):
        rhos.append((omegas[i] + etas[i]) * rhos[-1] + float(np.linalg.norm(net.b[i])) + betas[i])
    return etas, omegas, betas, rhos


def _features_box(net: Net, lo: Arr, hi: Arr) -> tuple[Arr, Arr]:
    """Box of layer 1's gadget input: x itself, or (σ(x), σ(−x)) on a domain of both signs."""
    if not net.both_signs:
        return lo, hi
    return np.concatenate([np.maximum(lo, 0), np.maximum(-hi, 0)]), np.concatenate([np.maximum(hi, 0),
                                                                                    np.maximum(-lo, 0)])


def suffix(net: Net, pre: list[tuple[Arr, Arr]], i: int, delta: Arr, eps: float) -> Suffix:
    """Masks along the hybrids H_{i−1}, H_i (0-based layer i replaced): layer i's set is F's box widened by
    ``delta``, its distance to F's activation at most ``eps``; later layers widen by ‖row‖·eps (§3)."""
    live, on = [], []
    l, u = pre[i]
    product = 1.0
    for j in range(i, net.L):
        if j > i:
            Wm = net.W[j][:, live[-1]]
            delta = np.linalg.norm(Wm, axis=1) * eps
            l, u = pre[j]
        if j == net.L - 1:
            break
        lv, an = u + delta > 0, l - delta > 0
        live.append(lv)
        on.append(an)
        if j > i:
            eps = min(float(np.linalg.norm(delta[lv])), opnorm(net.W[j][np.ix_(lv, live[-2])]) * eps)
    for j in range(i + 1, net.L):
        rows = live[j - i] if j < net.L - 1 else slice(None)
        product *= opnorm(net.W[j][rows][:, live[j - i - 1]])
    return Suffix(live, on, product)


def analyse(net: Net, reach0: float, sdp: bool = True, crown: bool = True) -> Analysis:
    """Every candidate of docs/tighter.md §7 for one (F, G̃, domain)."""
    import time

    L = net.L
    pre = boxes(net, crown)
    etas, omegas, betas, rhos = _today_rows(net, reach0)
    an = Analysis()
    an.err = {k: [] for k in ("today", "box", "masked")}
    an.lip = {k: [] for k in ("norms", "masked", "sdp")}
    # G̃'s activations: per-coordinate widening Δ_i of F's pre-activation box (§3)
    lo_h, hi_h = (net.lo, net.hi) if net.radius is None else (None, None)
    eps_prev, reach_prev = 0.0, reach0
    live_prev = np.ones(net.W[0].shape[1], bool)
    g_pre: list[tuple[Arr, Arr]] = []
    for i in range(L):
        W, E, e = net.W[i], net.E[i], net.e[i]
        l, u = pre[i]
        if i == 0 and net.radius is not None:
            rsup = net.radius * np.linalg.norm(E, axis=1) + np.abs(e)
        else:
            fl, fh = _features_box(net, lo_h, hi_h) if i == 0 else (lo_h, hi_h)
            rsup = row_sup(E, e, fl, fh)
            if i > 0 and crown:   # E_i â_{i−1}(x) + e_i bounded through G̃'s own layers (§4)
                Wg, bg, pg = g_network(net, g_pre)
                lo_r, hi_r = backward(net, Wg[:len(pg)], bg[:len(pg)], pg, E, e)
                rsup = np.minimum(rsup, np.maximum(np.abs(lo_r), np.abs(hi_r)))
        delta = rsup + np.linalg.norm(W[:, live_prev], axis=1) * eps_prev
        live = (u + delta > 0) if i < L - 1 else np.ones(len(u), bool)
        # ‖r_i‖ over the reach box: today's, box reach (all rows), masked (live rows) — §4
        an.err["today"].append(etas[i] * rhos[i] + betas[i])
        for key, rows in (("box", None), ("masked", live)):
            if i == 0 and net.radius is not None:
                Er, er = (E, e) if rows is None else (E[rows], e[rows])
                val = opnorm(Er) * net.radius + float(np.linalg.norm(er))
                val = min(val, float(np.linalg.norm(rsup if rows is None else rsup[rows])))
            else:
                val = error_term(E, e, fl, fh, reach_prev, rows)
                val = min(val, float(np.linalg.norm(rsup if rows is None else rsup[rows])))
            an.err[key].append(min(val, an.err["today"][-1]))
        an.delta_pre.append(delta)
        eps = min(float(np.linalg.norm(delta[live])),
                  an.err["masked"][-1] + opnorm(W[np.ix_(live, live_prev)]) * eps_prev)
        an.eps.append(eps)
        if i < L - 1:
            lo_h, hi_h = np.maximum(l - delta, 0), np.maximum(u + delta, 0)
            g_pre.append((l - delta, u + delta))
            if i == 0 and net.both_signs:   # ‖ŷ_1‖ ≤ (‖W‖ + ‖[E⁺ E⁻]‖)‖x‖ + ‖b + e‖
                norm_reach = (opnorm(W[live]) + opnorm(E[live])) * reach_prev
            else:                            # ŷ = (W + E) â + b + e on â ≥ 0
                norm_reach = opnorm((W + E)[np.ix_(live, live_prev)]) * reach_prev
            norm_reach += float(np.linalg.norm((net.b[i] + e)[live]))
            reach_prev = min(float(np.linalg.norm(hi_h)), norm_reach, rhos[i + 1])
            an.reach.append(reach_prev)
        eps_prev, live_prev = eps, live
    # suffix Lipschitz constants (§5, §6)
    t0 = time.perf_counter()
    for i in range(L):
        an.lip["norms"].append(math.prod(omegas[i + 1:]))
        if i == L - 1:
            an.lip["masked"].append(1.0)
            an.lip["sdp"].append(1.0)
            continue
        sf = suffix(net, pre, i, an.delta_pre[i], an.eps[i])
        an.lip["masked"].append(min(sf.product, an.lip["norms"][-1]))
        val = lipsdp_suffix(net, i, sf) if sdp else math.inf
        an.lip["sdp"].append(min(val, an.lip["masked"][-1]))
    an.sdp_seconds = time.perf_counter() - t0
    # the candidates (§7)
    def tele(err: str, lip: str) -> tuple[float, str]:
        terms = [a * b for a, b in zip(an.err[err], an.lip[lip], strict=True)]
        total = sum(terms)
        j = int(np.argmax(terms))
        return total, f"L{j + 1} {terms[j] / total:.0%}" if total > 0 else "-"

    for name, err, lip in (("telescope", "today", "norms"), ("+box reach", "box", "norms"),
                           ("+masks", "masked", "masked"), ("+LipSDP", "masked", "sdp")):
        an.bounds[name], an.dominant[name] = tele(err, lip)
    # the masked recursion's last step: ‖G̃(x) − F(x)‖ = ‖ŷ_L − t_L‖ ≤ ‖Δ_L‖ (§3)
    an.bounds["recursion"] = an.eps[-1]
    an.dominant["recursion"] = "-"
    best = min(("+LipSDP", "recursion"), key=lambda k: an.bounds[k])
    an.bounds["best"], an.dominant["best"] = an.bounds[best], an.dominant[best]
    return an


def lipsdp_suffix(net: Net, i: int, sf: Suffix) -> float:
    """LipSDP-neuron (Fazlyab et al. 2019) for P(y) = F_{>i}(σ(y)) on the hybrids' set (docs/tighter.md §6): neurons
    never active are removed, neurons always active get slope [1, 1], the others [0, 1]; the first layer is the
    identity on layer i's live coordinates.  Returns √ρ after backing ρ off until a float Cholesky of −M succeeds."""
    Ws = [np.eye(int(sf.live[0].sum()))]
    for j in range(i + 1, net.L):
        cols = sf.live[j - i - 1]
        rows = sf.live[j - i] if j < net.L - 1 else slice(None)
        Ws.append(net.W[j][rows][:, cols])
    alphas = [on[lv].astype(float) for on, lv in zip(sf.on, sf.live, strict=True)]
    rho, T = solve_lipsdp(Ws, alphas)
    return math.sqrt(backed_off(Ws, alphas, rho, T))


def lipsdp_matrix(Ws: list[Arr], alphas: list[Arr], rho: float, T: Arr):
    """M(ρ, T) of docs/tighter.md §6 (numpy, or a cvxpy expression when ρ and T are cvxpy objects)."""
    import cvxpy as cp

    n0 = Ws[0].shape[1]
    hid = [W.shape[0] for W in Ws[:-1]]
    H, N = sum(hid), n0 + sum(hid)
    A = np.zeros((H, N))
    r = c = 0
    for W in Ws[:-1]:
        A[r:r + W.shape[0], c:c + W.shape[1]] = W
        r, c = r + W.shape[0], c + W.shape[1]
    B = np.hstack([np.zeros((H, n0)), np.eye(H)])
    alpha = np.concatenate(alphas)          # slope lower ends; upper ends are 1
    WL = Ws[-1]
    last = np.zeros((N, N))
    last[N - WL.shape[1]:, N - WL.shape[1]:] = WL.T @ WL
    first = np.zeros((N, N))
    first[:n0, :n0] = np.eye(n0)
    symbolic = not isinstance(T, np.ndarray)
    Td = cp.diag(T) if symbolic else np.diag(T)
    Ta = cp.diag(cp.multiply(alpha, T)) if symbolic else np.diag(alpha * T)
    Tb = cp.diag(cp.multiply(1 + alpha, T)) if symbolic else np.diag((1 + alpha) * T)
    Q = -2 * A.T @ Ta @ A + A.T @ Tb @ B + B.T @ Tb @ A - 2 * B.T @ Td @ B
    return Q - rho * first + last


def solve_lipsdp(Ws: list[Arr], alphas: list[Arr]) -> tuple[float, Arr]:
    import cvxpy as cp

    H = sum(W.shape[0] for W in Ws[:-1])
    T = cp.Variable(H, nonneg=True)
    rho = cp.Variable(nonneg=True)
    M = lipsdp_matrix(Ws, alphas, rho, T)
    prob = cp.Problem(cp.Minimize(rho), [(M + M.T) / 2 << 0])
    try:
        prob.solve(solver="CLARABEL")
    except cp.error.SolverError:
        prob.solve(solver="SCS", eps=1e-7)
    return float(rho.value), np.maximum(np.asarray(T.value, float), 0.0)


def backed_off(Ws: list[Arr], alphas: list[Arr], rho: float, T: Arr) -> float:
    """The smallest ρ' ≥ ρ on a (1 + 2^−20)-geometric grid for which −M(ρ', T) − τ I has a float Cholesky factor
    (τ = 1e−9·‖M‖: room for the checker's rounding allowance): the value a certificate would state."""
    M0 = lipsdp_matrix(Ws, alphas, 0.0, T)
    tau = 1e-9 * max(1.0, float(np.abs(M0).sum(1).max()))
    n0 = Ws[0].shape[1]
    r, step = rho * (1 + 2**-20) + tau, 2**-20
    for _ in range(60):
        S = -M0.copy()
        S[np.arange(n0), np.arange(n0)] += r
        try:
            np.linalg.cholesky(S - tau * np.eye(len(S)))
            return r
        except np.linalg.LinAlgError:
            step *= 2
            r = rho * (1 + step) + tau
    return math.inf
