"""From a construction to a certificate (docs/composition.md).  Untrusted: the kernel's checker re-derives everything.

Per target layer i the certifier bounds, in F's own units (rescaling undone: E = D_i⁻¹ E' D_{i−1}, e = D_i⁻¹ C' − b),
    η_i ≥ ‖[E⁺ E⁻]‖ (i = 1 on a domain with inputs of both signs) or ‖E⁺‖,   ω_i ≥ ‖W_i‖,   β_i ≥ ‖e_i‖₂,   ν_i ≥ ‖b_i‖₂
in the Frobenius norm (float64 with an a-priori rounding bound, ``frobenius_sq_upper``) or, tighter, the spectral
norm (a claim slightly above σ_max that the checker proves with ``verify.kernel.spectral``), then composes
    δ_i = η_i ρ_{i−1} + β_i + ω_i δ_{i−1},   ρ_i = (ω_i + η_i) ρ_{i−1} + ν_i + β_i,   δ_0 = 0, ρ_0 = reach of D
in exact rationals (docs/affine.md §5), rounding every stored value up to a 12-significant-digit decimal.  The claim
is sup_D ‖G̃ − F‖₂ ≤ δ_L ≤ ε.  For a convolution (docs/conv.md §4–§5) η_i and ω_i carry the factor √M_i of its
multiplicity, β_i bounds the bias error tensor over every output position and ν_i ≥ ‖b_i‖₂·√(H'W').
"""

from __future__ import annotations

import math
import platform
import time
from dataclasses import dataclass, field
from fractions import Fraction

import torch

from verify import __version__
from verify.domain import Domain
from verify.domain import parse as parse_domain
from verify.engine.construct import Construction, g_parameters, g_widths
from verify.engine.empirical import empirical_sup
from verify.engine.model import Target
from verify.engine.runtime import cpu_forward
from verify.errors import InputError
from verify.kernel import io, rng
from verify.kernel.reach import sqrt_up
from verify.options import Eps
from verify.telescope_hints import telescope_block, telescope_bound

__all__ = ["LayerBounds", "frobenius_sq_upper", "layer_bounds", "compose", "Bounded", "bounded", "bound_of",
           "certificate", "certify", "Certified"]

DIGITS = 12
_U = Fraction(1, 2**53)


def _power_of_two_exponent(t: torch.Tensor) -> int:
    """e with max|x| ∈ [2^(e−1), 2^e) (``math.frexp``), so x·2^-e lies in (−1, 1); InputError if some x is not
    finite (an error or weight matrix that overflowed float64: the weights are too large for the engine)."""
    if not bool(torch.isfinite(t).all()):
        raise InputError("a layer's weights or gadget errors overflow float64 (|w| near 1e308): rescale the "
                         "model (ReLU networks are positively homogeneous) and certify the scaled one")
    return math.frexp(float(t.abs().max()))[1]


def _scaled(x: torch.Tensor, shift: int) -> torch.Tensor:
    """x·2^shift with one rounding at most: 2^shift is an exact float for −1074 ≤ shift ≤ 1023, and scaling up
    (shift > 0, by 2^1000 at a time) never rounds, because here the result stays below 1 in magnitude."""
    while shift > 1000:
        x, shift = x * 2.0**1000, shift - 1000
    return x * 2.0**shift


def frobenius_sq_upper(t: torch.Tensor, rounded_once: bool = True) -> Fraction:
    """Rigorous upper bound on Σ x² where ``t`` holds the float64 values x (or, with ``rounded_once``, their
    round-to-nearest images x̃ = x(1+θ), |θ| ≤ u = 2^-53).

    The values are first scaled by the exact power of two 2^-e that brings max|x| into [½, 1), so no square
    overflows (weights above about 1e154 used to give inf) and tiny ones keep their precision: y = x·2^-e is
    exact unless it is subnormal, and then |fl(y) − y| ≤ 2^-1075, so Σ y² ≤ Σ fl(y)² + N·2^-1073 (|fl(y)| ≤ 1).
    Higham, *Accuracy and Stability of Numerical Algorithms*, Thm 3.1/Lemma 3.1: any evaluation order of an
    N-term float sum satisfies |fl(Σ) − Σ| ≤ γ_{N} Σ|·|, γ_n = nu/(1−nu); each square adds one more rounding
    and at most 2^-1074 of absolute error when it underflows.  Hence, with ŷ = fl(x̃·2^-e),
        Σ x̃² ≤ 2^2e·[(fl(Σ ŷ²) + N·2^-1074) / (1 − γ_{N+1}) + N·2^-1073],   Σ x² ≤ Σ x̃² / (1 − u)²,
    the N·2^-1073 term only where e > 0 (scaling up is exact).  Non-finite values raise InputError.
    """
    n = t.numel()
    if n == 0:
        return Fraction(0)
    x = t.detach().cpu().to(torch.float64)   # the sum on the CPU: its order is the device's (docs/devices.md §2)
    e = _power_of_two_exponent(x)
    if not bool(x.any()):
        return Fraction(0)   # all zero (then so are the values x̃ was rounded from)
    y = _scaled(x, -e)
    s = Fraction(float((y ** 2).sum().item()))
    gamma = (n + 1) * _U / (1 - (n + 1) * _U)
    bound = (s + n * Fraction(1, 2**1074)) / (1 - gamma)
    if e > 0:
        bound += n * Fraction(1, 2**1073)
    bound *= Fraction(2) ** (2 * e)
    if rounded_once:
        bound /= (1 - _U) ** 2
    return bound


@dataclass(frozen=True)
class LayerBounds:
    """Per-layer certificate row (docs/composition.md §4), every number a decimal string rounded up."""

    eta: str
    omega: str
    beta: str
    bias_norm: str
    delta: str
    rho: str
    norm: str = "frobenius"

    def as_json(self) -> dict[str, str]:
        return {"eta": self.eta, "omega": self.omega, "beta": self.beta, "bias_norm": self.bias_norm,
                "delta": self.delta, "rho": self.rho, "norm": self.norm}


def _smaller(a: str, b: str) -> str:
    return a if io.parse_decimal(a) <= io.parse_decimal(b) else b


def _times_root(claim: Fraction, M: int) -> str:
    """A decimal ≥ √M·claim, rounded up (docs/conv.md §4: the convolution's operator norm bound)."""
    return io.decimal_up(claim if M == 1 else claim * sqrt_up(M, 32), DIGITS)


MAX_UNROLLED = 1 << 22   # entries of an unrolled convolution matrix the certifier (and checker) will build


def _unrolled_size(k: torch.Tensor, g) -> int:
    """Entries of the dense matrix of the convolution with kernel matrix ``k`` on its image."""
    return g.c_out * g.pixels * (k.shape[1] // g.positions) * g.h * g.w


def unrolled(k: torch.Tensor, g) -> torch.Tensor:
    """The dense (c_out·H'·W') × (c·H·W) matrix of the convolution with kernel matrix ``k`` (c_out × c·A, c input
    channels: 2·c_in for [E⁺ E⁻]) on the layer's image, exactly: the convolution of every basis image (each output
    entry is one product with 1 plus zeros), as ``verify.kernel.conv.unroll`` builds it in the checker."""
    ch = k.shape[1] // g.positions
    weight = k.to(torch.float64).reshape(g.c_out, ch, g.kh, g.kw)
    rows, cols = g.c_out * g.pixels, ch * g.h * g.w
    if cols <= rows:   # the images of the input basis are the columns
        basis = torch.eye(cols, dtype=torch.float64, device=k.device).reshape(-1, ch, g.h, g.w)
        out = torch.nn.functional.conv2d(basis, weight, None, g.stride, g.padding)
        return out.reshape(cols, -1).T
    # fewer rows: the adjoint (conv_transpose2d, unpadded) of every output basis image is a row, again one product
    # per entry; its index y + p is input row y, and input rows it does not reach (never read) stay 0
    basis = torch.eye(rows, dtype=torch.float64, device=k.device).reshape(-1, g.c_out, g.ho, g.wo)
    back = torch.nn.functional.conv_transpose2d(basis, weight, None, g.stride, 0)
    (ph, pw), hh, ww = g.padding, min(g.h, back.shape[2] - g.padding[0]), min(g.w, back.shape[3] - g.padding[1])
    out = torch.zeros(rows, ch, g.h, g.w, dtype=torch.float64, device=k.device)
    if hh > 0 and ww > 0:
        out[:, :, :hh, :ww] = back[:, :, ph:ph + hh, pw:pw + ww]
    return out.reshape(rows, cols)


def layer_bounds(c: Construction, norm: str | None = None, mats: tuple | None = None) -> list[tuple[str, ...]]:
    """(η_i, ω_i, β_i, ν_i, norm) for every target layer (β_i, ν_i: the bias error's and the bias's l2 norms,
    Frobenius bounds of vectors), as upward-rounded decimals (docs/rescaling.md §2), both in F's own
    units: η_i bounds ‖D_i⁻¹ E'_i D_{i−1}‖ (the gadget error of the rescaled layer mapped back) and ω_i bounds
    ‖W_i‖.  Composing in F's units keeps per-neuron rescaling from inflating the ω_i; for per-layer rescaling
    the two frames give the same δ_L.

    Frobenius bounds come from ``frobenius_sq_upper``.  With ``norm="spectral"`` (default: the construction's
    ``options.norm``) each is replaced by the smaller claim of ``spectral_hint.spectral_claim`` (σ_max + 10^-5
    relative), which ``verify.kernel.spectral`` proves in the checker; the float64 E differs from the exact one by
    ≤ u|E| entrywise, far inside that margin.

    For a convolution with multiplicity M and H'·W' output positions (docs/conv.md §4–§5) η_i and ω_i bound √M times
    the norm of the error matrix and of the kernel matrix, ``bias_errors`` is the error tensor over every output
    position, and ν_i ≥ ‖b_i‖₂·√(H'W').  A Linear layer has M = H'W' = 1: the rows are those of an MLP.
    ``mats``: (``c.error_matrices()``, ``c.bias_errors()``) when the caller already has them."""
    from verify.engine.spectral_hint import spectral_claim

    norm = norm or c.options.norm
    errors, bias_errors = mats if mats is not None else (c.error_matrices(), c.bias_errors())
    out = []
    for i, (e, ws, eb, b, g) in enumerate(zip(errors, c.originals, bias_errors, c.biases, c.layout.geometry,
                                              strict=True)):
        e, eb, w = e.cpu(), eb.cpu(), torch.from_numpy(ws)   # norms and unrolling on the CPU (docs/devices.md §2)
        M = g.mult
        eta = io.sqrt_up(M * frobenius_sq_upper(e), DIGITS)
        omega = io.sqrt_up(M * frobenius_sq_upper(w, rounded_once=False), DIGITS)
        if norm == "spectral" and c.layout.is_conv(i) and _unrolled_size(e, g) <= MAX_UNROLLED:
            # the operator's own norm (docs/conv.md §4): at most √M times the kernel matrix's, often far less
            eta = _smaller(io.decimal_up(spectral_claim(unrolled(e, g)), DIGITS), eta)
            omega = _smaller(io.decimal_up(spectral_claim(unrolled(w, g)), DIGITS), omega)
            out.append((eta, omega, io.sqrt_up(frobenius_sq_upper(eb), DIGITS), io.sqrt_up(
                g.pixels * frobenius_sq_upper(torch.from_numpy(b), rounded_once=False), DIGITS), "unrolled"))
            continue
        if norm == "spectral":
            eta = _smaller(_times_root(spectral_claim(e), M), eta)
            omega = _smaller(_times_root(spectral_claim(w), M), omega)
        beta = io.sqrt_up(frobenius_sq_upper(eb), DIGITS)
        nu = io.sqrt_up(g.pixels * frobenius_sq_upper(torch.from_numpy(b), rounded_once=False), DIGITS)
        out.append((eta, omega, beta, nu, norm))
    return out


def compose(rows_in: list[tuple[str, ...]], reach: Fraction = Fraction(1)) -> list[LayerBounds]:
    """δ_i = η_i ρ_{i−1} + β_i + ω_i δ_{i−1}, ρ_i = (ω_i + η_i) ρ_{i−1} + ν_i + β_i, ρ_0 = ``reach``
    (docs/affine.md §5), each stored value rounded up and the rounded value carried forward, so the checker can
    verify each step from the stored numbers."""
    delta, rho = Fraction(0), reach
    rows = []
    for eta_s, omega_s, beta_s, nu_s, norm in rows_in:
        eta, omega, beta, nu = (io.parse_decimal(x) for x in (eta_s, omega_s, beta_s, nu_s))
        d_s = io.decimal_up(eta * rho + beta + omega * delta, DIGITS)
        r_s = io.decimal_up((omega + eta) * rho + nu + beta, DIGITS)
        delta, rho = io.parse_decimal(d_s), io.parse_decimal(r_s)
        rows.append(LayerBounds(eta_s, omega_s, beta_s, nu_s, d_s, r_s, norm))
    return rows


def domain_of(c: Construction) -> Domain:
    """The domain the construction was built for (``options.domain``), for F's inputs."""
    return parse_domain(c.options.domain).for_inputs(c.layout.in_features)


@dataclass(frozen=True)
class Bounded:
    """A construction with its certified rows (docs/composition.md §4): what the width search measured for the k it
    returns, and what the certificate states; ``seconds`` is how long bounding took."""

    construction: Construction
    rows: list[LayerBounds]
    seconds: float = 0.0
    telescope: dict | None = None   # the telescope block (fact 9), for a network of Linear layers

    @property
    def bound(self) -> Fraction:
        """The certified bound: δ_L, or the telescope block's bound where that is smaller (docs/tighter.md §5)."""
        delta = io.parse_decimal(self.rows[-1].delta)
        tele = telescope_bound(self.telescope)
        return delta if tele is None else min(delta, tele)

    @property
    def bound_text(self) -> str:
        """``bound`` as the certificate states it (claim.bound)."""
        delta = self.rows[-1].delta
        return delta if self.bound == io.parse_decimal(delta) else self.telescope["bound"]


def bounded(c: Construction, norm: str | None = None) -> Bounded:
    """The certified rows of a construction, in ``norm`` (default: its ``options.norm``), and for a network of
    Linear layers the telescope block (verify/telescope_hints.py) unless ``options.composition`` is "recurrence"."""
    t0 = time.perf_counter()
    mats = (c.error_matrices(), c.bias_errors())
    domain = domain_of(c)
    rows = compose(layer_bounds(c, norm, mats), domain.reach)
    block = None
    if c.options.composition == "telescope" and not c.layout.conv:
        block = telescope_block(*mats[:1], c.originals, mats[1], c.biases, domain, rows)
    return Bounded(c, rows, time.perf_counter() - t0, block)


def bound_of(c: Construction, norm: str | None = None) -> Fraction:
    """Certified δ_L for a construction (what ``--width-factor auto`` minimises over k)."""
    return bounded(c, norm).bound


def _masks(c: Construction) -> list[dict]:
    """Per G layer the kept weights and biases as bitsets (certs/FORMAT.md, MASK): gadget neurons' input edges and
    the bias block's kept biases in odd layers, edges to gadget and constant neurons in even layers.  For a Conv2d
    layer (docs/conv.md §2) the odd layer's mask is per channel, (k·n + c) × n, and the even layer's is
    m × (k·n + c)·A, column h·A + q for channel h at kernel position q."""
    out = []
    gw = g_widths(c.layout, c.k, c.bias_block)
    for i, lp in enumerate(c.layers):
        g = c.layout.geometry[i]
        hidden = gw[2 * i + 1]
        src = c.channel_src(i)
        alive = (src >= 0).nonzero().squeeze(1)
        odd_pos = (alive * g.c_in + src[alive]).tolist()
        even_pos = (lp.rows * (hidden * g.positions) + lp.cols).tolist()
        odd_bias: list[int] = []
        if c.bias_parts:
            bp = c.bias_parts[i]
            even_pos += (bp.rows * (hidden * g.positions) + bp.cols).tolist()
            odd_bias = bp.const.tolist()
        for layer, pos, bias, (rows, cols) in ((2 * i + 1, odd_pos, odd_bias, (hidden, g.c_in)),
                                               (2 * i + 2, even_pos, [], (g.c_out, hidden * g.positions))):
            out.append({"layer": layer, "shape": [rows, cols], "kept": len(pos),
                        "data": io.encode_mask(rows, cols, pos), "bias_kept": len(bias),
                        "bias_data": io.encode_mask(rows, 1, bias)})
    return out


def _floor_text(x: float) -> str:
    """x to 7 significant digits, rounded *down*: the attack's value is a lower bound on the true sup, so its text
    must never exceed what was found (rounding to nearest once printed 0.2180301 above a bound of 0.218030054)."""
    text = f"{x:.6e}"
    mantissa, exponent = text.split("e")
    while float(text) > x:
        mantissa = f"{float(mantissa) - 1e-6:.6f}"
        text = f"{mantissa}e{exponent}"
    return text


@dataclass
class Certified:
    """What ``certify`` returns: the certificate dict, the bounded construction behind it, ε and the timings."""

    cert: dict
    bounded: Bounded
    eps: Eps
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def construction(self) -> Construction:
        return self.bounded.construction

    @property
    def bound(self) -> Fraction:
        return self.bounded.bound

    @property
    def certified(self) -> bool:
        """The certificate's verdict: bound ≤ ε, or bound_float32 ≤ ε when its float32 block names that bound."""
        return self.cert["verdict"] == "certified"

    @property
    def bound_float32(self) -> Fraction | None:
        """claim.float32.bound_float32 (docs/float32.md), or None without a float32 block."""
        block = self.cert["claim"].get("float32")
        return None if block is None else io.parse_decimal(block["bound_float32"])


def _layer_spec(key: str, bias_key: str | None, w, g, kind: str) -> dict:
    """model.layers[i] (certs/FORMAT.md): keys, the stored weight's shape ((m, n), or (m, n, kh, kw) for a Conv2d),
    stride and padding ([1, 1] and [0, 0] for a Linear)."""
    shape = [g.c_out, g.c_in, g.kh, g.kw] if kind == "Conv2d" else list(w.shape)
    return {"key": key, "bias_key": bias_key, "shape": shape, "stride": list(g.stride), "padding": list(g.padding)}


def certificate(target: Target, c: Construction, eps: Eps, b: Bounded, info: dict) -> dict:
    """Assemble the certificate JSON object (format in certs/FORMAT.md, schema in certs/schema.json)."""
    bound_s, rows = b.bound_text, b.rows
    out = {
        "format": io.FORMAT,
        "verdict": "certified" if io.parse_decimal(bound_s) <= eps.value else "not-certified",
        "claim": {"eps": eps.text, "bound": bound_s, "norm": io.CLAIM["norm"], "domain": domain_of(c).claim(),
                  "semantics": io.CLAIM["semantics"]},
        "model": {"sha256": target.sha256, "format": target.file_format, "modules": list(target.modules),
                  "input_shape": list(target.input_shape),
                  "layers": [_layer_spec(key, bkey, w, g, kind)
                             for key, bkey, w, g, kind in zip(target.keys, target.bias_keys, target.weights,
                                                               target.layout.geometry, target.layout.kinds,
                                                               strict=True)]},
        "random_network": {"distribution": rng.DISTRIBUTION, "generator": rng.GENERATOR, "seed": c.seed,
                           "width_factor": c.k, "bias_block": c.bias_block,
                           "widths": g_widths(c.layout, c.k, c.bias_block),
                           "parameters": g_parameters(c.layout, c.k, c.bias_block)},
        "rescaling": {"neuron_exponents": [[int(v) for v in s] for s in c.exponents]},
        "mask": _masks(c),
        "layers": [r.as_json() for r in rows],
        "info": info,
    }
    if b.telescope is not None:
        out["telescope"] = b.telescope
    return out


def certify(target: Target, eps: Eps, built: Construction | Bounded, *, empirical: bool = True,
            record_timings: bool = False, semantics: str = "exact") -> Certified:
    """The certificate of a construction (docs/composition.md): bound it, unless ``built`` is already bounded (as
    ``search.search_width`` returns it), and write the certificate; with ``empirical`` also the attack's lower bound
    (engine/empirical.py) under ``info``.  ``semantics`` (``options.SEMANTICS``; the command line and the Python API
    default to ``exact+float32``) adds the float32 block (docs/float32.md, verify/float32_hints.py) unless it is
    ``exact``; ``float32`` and ``float32-both`` also make the verdict compare bound_float32 with ε.  Nothing is
    searched or rebuilt here."""
    b = built if isinstance(built, Bounded) else bounded(built)
    c = b.construction
    t0 = time.perf_counter()
    info: dict = {"tool": f"slt-verify {__version__}", "method": c.method, "device": str(c.device),
                  "layout": "odd G layer 2i-1: hidden neuron h = t*n + j serves input j (t < k); where inputs are >= 0 "
                            "it may serve one of j+1..j+7 (mod n) instead, where its weight is positive; neurons "
                            "k*n .. k*n+c-1 form the bias block (constants)",
                  "kept_weights": c.kept, "target_parameters": target.parameters}
    if c.layout.conv:
        info["layout"] += ("; for a Conv2d layer channel h = t*n + j serves input channel j (or its move) at every "
                           "kernel position q: G layer 2i's column h*A + q; a constant channel reaches the outputs "
                           "at one kernel position only")
    if c.method == "subset-sum":
        info["subset_candidates"] = c.options.max_candidates
    info["rescaling"] = c.rescaling
    if empirical:
        emp = empirical_sup(target.forward, cpu_forward(c), target.in_features, domain=domain_of(c), device="cpu",
                            seed=c.seed)
        info["empirical"] = {"max_error": _floor_text(emp.max_error), "points": emp.points,
                             "method": emp.method, "tightness": f"{float(b.bound) / emp.max_error:.4g}"
                             if emp.max_error > 0 else None}
    timings = {"construct_s": c.seconds, "bound_s": b.seconds,
               "total_s": c.seconds + b.seconds + time.perf_counter() - t0}
    if record_timings:
        info["timings"] = {k_: round(v, 3) for k_, v in timings.items()}
        info["host"] = platform.node()
        info["torch"] = torch.__version__
    cert = certificate(target, c, eps, b, info)
    if semantics != "exact":
        from verify.float32_hints import Float32Unavailable, float32_block

        try:
            block = float32_block(cert, target.weights, target.biases, list(c.layout.geometry), semantics)
        except Float32Unavailable as e:
            if semantics != "exact+float32":
                raise
            cert["info"]["float32"] = f"omitted: {e}"   # reported by default only where it can hold
            return Certified(cert, b, eps, timings)
        cert["claim"]["float32"] = block
        named = io.parse_decimal(block["bound_float32"] if block["verdict_bound"] == "bound_float32" else
                                 cert["claim"]["bound"])
        cert["verdict"] = "certified" if named <= eps.value else "not-certified"
    return Certified(cert, b, eps, timings)
