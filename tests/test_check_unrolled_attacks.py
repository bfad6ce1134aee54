"""Adversarial review of the "unrolled" row norm (docs/conv.md §4 "Unrolled rows", certs/FORMAT.md fact 5): for a
convolution, eta and omega are checked against the spectral norm of the dense matrix of the convolution on the
layer's image (verify/kernel/conv.py ``unroll``, verify/kernel/spectral.py ``spectral_bound_holds``).

Every number the attacks compare against is computed here without the checker: E⁺ and E⁻ from the raw mask bits and
the published generator (``verify.kernel.rng``, certs/FORMAT.md fact 5), the dense operator by torch's conv2d of every
basis image (stride and padding read from the torch module, not from the certificate), its norm by numpy's SVD, and
G̃'s layer pair by torch's conv2d with the regenerated weights.  Certificates are the engine's honest ones
(``slt-verify certify --norm spectral``), edited, or written by hand with nothing kept (then E⁺ = −W, E⁻ = W).

Tests marked ``xfail(strict=True)`` are findings: they fail until the checker is fixed.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io as _io
import json
import math
import subprocess
import sys
import textwrap
import zlib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from independent import mask_bits
from torch import nn

from verify.cli import main
from verify.kernel import check, io, rng
from verify.kernel.wellformed import Unusable

ROOT = Path(__file__).resolve().parent.parent


# --- nets and honest certificates -------------------------------------------------------------------------------

def _rescaled() -> nn.Sequential:
    """The two-convolution net with channel scales 2^±3..2^±4 apart, so that --rescale neuron picks exponents
    [[-5, 8], [3, 1]]: columns of E carry 2^(s_in − s_out) ≠ 1, and the Linear's columns the exponent of their
    channel j // (H·W)."""
    torch.manual_seed(7)
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, bias=False), nn.ReLU(), nn.Conv2d(2, 2, 2, stride=2, bias=False),
                        nn.ReLU(), nn.Flatten(), nn.Linear(8, 2, bias=False))
    with torch.no_grad():
        net[0].weight[0].mul_(16)
        net[0].weight[1].mul_(1 / 8)
        net[2].weight[:, 0].mul_(1 / 16)
        net[2].weight[:, 1].mul_(8)
        net[2].weight[1].mul_(8)
        net[5].weight.mul_(1 / 4)
    return net


def _nets() -> dict[str, tuple[nn.Sequential, list[int], str]]:
    """name -> (bias-free net, input shape, domain): geometries where the unrolled operator has zero columns (pixels
    a stride never reads), zero rows (outputs that read only padding), a kernel larger than the image, asymmetric
    stride and padding, a non-negative box (E⁺ only), a second convolution (E⁺ only) before a Linear, and the same
    with per-channel rescaling."""
    rescaled = _rescaled()
    torch.manual_seed(7)
    return {
        "stride-over-kernel": (nn.Sequential(nn.Conv2d(1, 2, 2, stride=3, bias=False)), [1, 5, 5], "box:-1,1"),
        "kernel-over-image": (nn.Sequential(nn.Conv2d(1, 2, (3, 4), padding=1, bias=False)), [1, 2, 3], "box:-1,1"),
        "padding-only-rows": (nn.Sequential(nn.Conv2d(1, 2, 2, padding=2, bias=False)), [1, 2, 2], "ball"),
        "asymmetric-nonneg": (nn.Sequential(nn.Conv2d(2, 3, (2, 3), stride=(2, 1), padding=(0, 2), bias=False)),
                              [2, 3, 4], "box:0,1"),
        "two-convs-linear": (nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, bias=False), nn.ReLU(),
                                           nn.Conv2d(2, 2, 2, stride=2, bias=False), nn.ReLU(), nn.Flatten(),
                                           nn.Linear(8, 2, bias=False)), [1, 4, 4], "box:-1,1"),
        "rescaled": (rescaled, [1, 4, 4], "box:-1,1"),
    }


NETS = _nets()


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    """name -> (certificate, model path, net): the engine's honest certificate (spectral norm, so its convolution rows
    are "unrolled"), accepted by the checker."""
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            net, shape, domain = NETS[name]
            tmp = tmp_path_factory.mktemp(name)
            path, out = tmp / "net.pt", tmp / "net.cert.json"
            torch.save(net, path)
            assert main(["certify", str(path), "--eps", "1000", "--domain", domain, "--input-shape",
                         ",".join(map(str, shape)), "--width-factor", "3", "--bias-block", "0", "--seed", "11",
                         "--norm", "spectral", "--rescale", "neuron" if name == "rescaled" else "auto",
                         "--no-empirical", "-o", str(out)]) == 0
            cert = json.loads(out.read_text())
            if name == "rescaled":
                assert cert["rescaling"]["neuron_exponents"] == [[-5, 8], [3, 1]]
            check.check_certificate(cert, path)
            cache[name] = (cert, path, net.double())
        return cache[name]

    return get


def _affine(net: nn.Sequential) -> list[nn.Module]:
    return [m for m in net if isinstance(m, nn.Conv2d | nn.Linear)]


def _shapes(net: nn.Sequential, shape: list[int]) -> list[tuple[int, ...]]:
    """The input shape of every affine layer, by torch's own forward."""
    out, x = [], torch.zeros(1, *shape, dtype=torch.float64)
    for mod in net:
        if isinstance(mod, nn.Conv2d | nn.Linear):
            out.append(tuple(x.shape[1:]))
        x = mod(x)
    return out


def _exponents(cert: dict, net: nn.Sequential, i: int) -> tuple[list[int], list[int]]:
    """(s_out, s_in) of target layer i per channel, s_0 = s_L = 0 (certs/FORMAT.md, Rescaling)."""
    aff = _affine(net)
    s = [[0] * (aff[0].in_channels if isinstance(aff[0], nn.Conv2d) else aff[0].in_features),
         *cert["rescaling"]["neuron_exponents"],
         [0] * (aff[-1].out_channels if isinstance(aff[-1], nn.Conv2d) else aff[-1].out_features)]
    return s[i + 1], s[i]


def _oracle_kernel(cert: dict, net: nn.Sequential, i: int, both: bool) -> list[list[Fraction]]:
    """[E⁺ E⁻] (or E⁺) of target layer i, exactly, from the raw mask bits and the generator, by fact 5's definition:
    P[r, jA+q] (N) sums v·u over kept paths r ← (h, q) ← j with u > 0 (u < 0), t = s_in[channel] − s_out[r],
    E⁺ = 2^t P − W, E⁻ = W − 2^t N."""
    seed = cert["random_network"]["seed"]
    layer = _affine(net)[i]
    W = layer.weight.detach().double().reshape(layer.weight.shape[0], -1).tolist()
    A = layer.kernel_size[0] * layer.kernel_size[1] if isinstance(layer, nn.Conv2d) else 1
    s_out, s_in = _exponents(cert, net, i)
    group = A if isinstance(layer, nn.Conv2d) else len(W[0]) // len(s_in)   # a Linear after Flatten: H·W per channel
    odd, even = cert["mask"][2 * i], cert["mask"][2 * i + 1]
    src = {b // odd["shape"][1]: b % odd["shape"][1] for b in mask_bits(odd["data"], *odd["shape"])}
    m, cols = len(W), len(W[0])
    P = [[Fraction(0)] * cols for _ in range(m)]
    N = [[Fraction(0)] * cols for _ in range(m)]
    for b in mask_bits(even["data"], *even["shape"]):
        r, col = divmod(b, even["shape"][1])
        h, q = divmod(col, A)
        if h not in src:
            continue   # a constant channel (none here: bias block 0)
        u, v = rng.weight(seed, 2 * i + 1, h, src[h]), rng.weight(seed, 2 * i + 2, r, col)
        (P if u > 0 else N)[r][src[h] * A + q] += u * v
    out = []
    for r in range(m):
        two = [Fraction(2) ** (s_in[c // group] - s_out[r]) for c in range(cols)]
        row = [two[c] * P[r][c] - Fraction(W[r][c]) for c in range(cols)]
        if both:
            row += [Fraction(W[r][c]) - two[c] * N[r][c] for c in range(cols)]
        out.append(row)
    return out


def _dense(kernel: list[list], layer: nn.Module, in_shape: tuple[int, ...]) -> np.ndarray:
    """The dense matrix of the convolution with kernel matrix ``kernel`` (c_out × ch·A) on ``in_shape``'s image:
    torch's conv2d of every basis image, with the module's own stride and padding; a Linear's matrix as it is."""
    k = torch.tensor([[float(x) for x in row] for row in kernel], dtype=torch.float64)
    if isinstance(layer, nn.Linear):
        return k.numpy()
    kh, kw = layer.kernel_size
    ch = k.shape[1] // (kh * kw)
    _, h, w = in_shape
    basis = torch.eye(ch * h * w, dtype=torch.float64).reshape(-1, ch, h, w)
    out = torch.nn.functional.conv2d(basis, k.reshape(k.shape[0], ch, kh, kw), None, layer.stride, layer.padding)
    return out.reshape(basis.shape[0], -1).T.numpy()


def _sigma(a: np.ndarray) -> float:
    return float(np.linalg.svd(a, compute_uv=False)[0]) if a.size else 0.0


def _up(x: Fraction, digits: int = 30) -> str:
    """A decimal string ≥ x ≥ 0 with ``digits`` significant digits."""
    x = Fraction(x)
    if x == 0:
        return "0"
    e = 0
    while Fraction(10) ** e > x:
        e -= 1
    while Fraction(10) ** (e + 1) <= x:
        e += 1
    y = x * Fraction(10) ** (digits - 1 - e)
    return f"{-((-y.numerator) // y.denominator)}e{e - digits + 1}"


def _with_row(cert: dict, i: int, **values: str) -> dict:
    """A copy of ``cert`` with row i's fields replaced and every delta, rho and the bound recomposed (exactly, rounded
    up), so that only fact 5 can refuse it (certificates without a telescope block: the bound is δ_L)."""
    assert "telescope" not in cert
    cert = copy.deepcopy(cert)
    cert["layers"][i].update(values)
    delta, rho = Fraction(0), io.parse_decimal(cert["claim"]["domain"]["reach"])
    for row in cert["layers"]:
        eta, omega, beta, nu = (io.parse_decimal(row[k]) for k in ("eta", "omega", "beta", "bias_norm"))
        row["delta"] = _up(eta * rho + beta + omega * delta)
        row["rho"] = _up((omega + eta) * rho + nu + beta)
        delta, rho = io.parse_decimal(row["delta"]), io.parse_decimal(row["rho"])
    cert["claim"]["bound"] = cert["layers"][-1]["delta"]
    cert["verdict"] = "certified" if delta <= io.parse_decimal(cert["claim"]["eps"]) else "not-certified"
    return cert


def _both(cert: dict, i: int) -> bool:
    d = cert["claim"]["domain"]
    return i == 0 and not (d["kind"] == "box" and all(io.parse_signed(v) >= 0 for v in d["lo"]))


# --- (1) the unrolled operator is the pair's error map ---------------------------------------------------------

def _pair(cert: dict, net: nn.Sequential, i: int, z: torch.Tensor) -> torch.Tensor:
    """G̃'s layer pair i on z (a batch of layer-i inputs of F, in F's units), mapped back to F's units:
    D_i⁻¹ · pair(D_{i−1} z), by torch's conv2d (or matmul) with the weights regenerated from the raw mask bits."""
    seed = cert["random_network"]["seed"]
    layer = _affine(net)[i]
    odd, even = cert["mask"][2 * i], cert["mask"][2 * i + 1]
    hid, n = odd["shape"]
    U = torch.zeros(hid, n, dtype=torch.float64)
    for b in mask_bits(odd["data"], hid, n):
        U[b // n, b % n] = float(rng.weight(seed, 2 * i + 1, b // n, b % n))
    m, cols = even["shape"]
    V = torch.zeros(m, cols, dtype=torch.float64)
    for b in mask_bits(even["data"], m, cols):
        V[b // cols, b % cols] = float(rng.weight(seed, 2 * i + 2, b // cols, b % cols))
    s_out, s_in = (torch.tensor(s, dtype=torch.float64) for s in _exponents(cert, net, i))
    if isinstance(layer, nn.Linear):
        return torch.relu((z * 2.0 ** s_in) @ U.T) @ V.T / 2.0 ** s_out
    hidden = torch.relu(torch.nn.functional.conv2d(z * 2.0 ** s_in[None, :, None, None], U[:, :, None, None]))
    kh, kw = layer.kernel_size
    out = torch.nn.functional.conv2d(hidden, V.reshape(m, hid, kh, kw), None, layer.stride, layer.padding)
    return out / 2.0 ** s_out[None, :, None, None]


@pytest.mark.parametrize("name, i", [("stride-over-kernel", 0), ("kernel-over-image", 0), ("padding-only-rows", 0),
                                     ("asymmetric-nonneg", 0), ("two-convs-linear", 0), ("two-convs-linear", 1),
                                     ("rescaled", 0), ("rescaled", 1)])
def test_the_matrix_the_checker_bounds_is_the_pairs_error_operator(honest, monkeypatch, name, i):
    """(1) The unrolled matrix fact 5 hands to the Cholesky test for eta (captured as it is called) maps
    [σ(z); σ(−z)] — channels c < c_in are σ(z), c_in + c are σ(−z), per pixel ‖·‖ = ‖z‖ — to exactly the error of
    G̃'s layer pair, D_i⁻¹ pair(D_{i−1} z) − conv_W(z), at random z (of both signs on layer 1 of a domain with
    both signs; z ≥ 0 otherwise, where the matrix has the E⁺ columns only).  Its omega matrix is conv_W itself."""
    cert, path, net = honest(name)
    assert all(row["norm"] == "unrolled" for row, m in zip(cert["layers"], _affine(net), strict=True)
               if isinstance(m, nn.Conv2d))
    seen = []
    real = check.spectral_bound_holds
    monkeypatch.setattr(check, "spectral_bound_holds", lambda rows, K, c: seen.append((rows, K)) or real(rows, K, c))
    check.check_certificate(cert, path)
    (e_rows, K), (w_rows, _) = seen[2 * i], seen[2 * i + 1]
    layer, both = _affine(net)[i], _both(cert, i)
    in_shape = _shapes(net, NETS[name][1])[i]
    z = torch.randn(6, *in_shape, dtype=torch.float64, generator=torch.Generator().manual_seed(i))
    z = z if both else z.abs()
    stacked = torch.cat([torch.relu(z), torch.relu(-z)], dim=1) if both else z
    E = torch.tensor([[float(Fraction(x, 2**K)) for x in row] for row in e_rows], dtype=torch.float64)
    Wd = torch.tensor([[float(Fraction(x, 2**K)) for x in row] for row in w_rows], dtype=torch.float64)
    assert E.shape[1] == stacked[0].numel() and E.shape[0] == layer(z[:1]).numel()
    err = (_pair(cert, net, i, z) - layer(z)).reshape(6, -1)
    assert torch.allclose(stacked.reshape(6, -1) @ E.T, err, rtol=0, atol=1e-12)
    assert torch.allclose(z.reshape(6, -1) @ Wd.T, layer(z).reshape(6, -1), rtol=0, atol=1e-12)


# --- (3) soundness at the operator's norm -----------------------------------------------------------------------

CASES = [("stride-over-kernel", 0), ("kernel-over-image", 0), ("padding-only-rows", 0), ("asymmetric-nonneg", 0),
         ("two-convs-linear", 0), ("two-convs-linear", 1), ("rescaled", 0), ("rescaled", 1)]


@pytest.mark.parametrize("name, i", CASES)
@pytest.mark.parametrize("field", ["eta", "omega"])
def test_an_unrolled_row_is_decided_at_the_operators_own_norm(honest, name, i, field):
    """(3) eta (omega) of an unrolled row against σ = ‖conv_{[E⁺ E⁻]}‖₂ (or ‖conv_{E⁺}‖₂, ‖conv_W‖₂) computed
    independently (oracle kernel, torch's conv2d of every basis image, numpy's SVD): σ(1 − 10⁻⁶) is refused by fact 5,
    σ(1 + 10⁻⁶) accepted (rows recomposed), on geometries with zero columns (stride 3 > kernel 2), zero rows (padding 2
    on a 2 × 2 image), a kernel larger than the image, asymmetric stride/padding, and E⁺-only layers."""
    cert, path, net = honest(name)
    assert cert["layers"][i]["norm"] == "unrolled"
    layer, shape = _affine(net)[i], NETS[name][1]
    if field == "eta":
        kernel = _oracle_kernel(cert, net, i, _both(cert, i))
    else:
        kernel = layer.weight.detach().reshape(layer.weight.shape[0], -1).tolist()
    dense = _dense(kernel, layer, _shapes(net, shape)[i])
    sigma = _sigma(dense)
    assert sigma > 0
    if field == "eta":   # the honest eta is the smaller of the unrolled claim and √M‖·‖_F: never below σ
        assert io.parse_decimal(cert["layers"][i]["eta"]) >= Fraction(sigma) * (1 - Fraction(1, 10**9))
    check.check_certificate(_with_row(cert, i, **{field: f"{sigma * (1 + 1e-6):.17g}"}), path)
    low = _with_row(cert, i, **{field: f"{sigma * (1 - 1e-6):.17g}"})
    what = "gadget error" if field == "eta" else "weight matrix"
    with pytest.raises(check.Invalid, match=rf"layers\[{i}\]\.{field} is below the {what}'s unrolled norm") as e:
        check.check_certificate(low, path)
    assert e.value.fact == 5


def test_the_unrolled_norm_is_below_the_multiplicity_bound_on_these_geometries(honest):
    """The cases above are not vacuous: on the two-convolution net the unrolled operator norm of W is strictly
    below √M·‖W‖₂ (so an unrolled claim is one a spectral row would refuse)."""
    cert, path, net = honest("two-convs-linear")
    layer = _affine(net)[0]
    w = layer.weight.detach().reshape(layer.weight.shape[0], -1)
    g = check._model(cert, path.read_bytes())[1][0]
    sigma = _sigma(_dense(w.tolist(), layer, (1, 4, 4)))
    assert sigma < 0.99 * g.mult ** 0.5 * float(torch.linalg.matrix_norm(w, ord=2))
    spectral = _with_row(cert, 0, eta="1e3", omega=f"{sigma * (1 + 1e-6):.17g}", norm="spectral")
    with pytest.raises(check.Invalid, match=r"layers\[0\]\.omega is below the weight matrix's spectral norm"):
        check.check_certificate(spectral, path)


# --- the "both" flag: E⁻ columns on a non-negative box ------------------------------------------------------------

@pytest.mark.parametrize("lo, accepted", [("0", True), ("-0", True), ("-1e-30", False), ("-1", False)])
def test_e_minus_is_dropped_exactly_when_the_box_is_non_negative(honest, lo, accepted):
    """An eta between ‖conv_{E⁺}‖ and ‖conv_{[E⁺ E⁻]}‖ (layer 1 of a certificate built for [−1, 1]^d) is accepted
    exactly when every lo ≥ 0 (then σ(−x) = 0 on D and only E⁺ acts: the claim holds), and refused by fact 5 as soon
    as one coordinate may be negative (−1e-30 included): the checker's flag follows the domain, not the engine."""
    cert, path, net = honest("stride-over-kernel")
    layer, shape = _affine(net)[0], NETS["stride-over-kernel"][1]
    s_pos = _sigma(_dense(_oracle_kernel(cert, net, 0, False), layer, tuple(shape)))
    s_both = _sigma(_dense(_oracle_kernel(cert, net, 0, True), layer, tuple(shape)))
    assert s_pos < s_both * (1 - 1e-4)
    edited = copy.deepcopy(cert)
    d = edited["claim"]["domain"]
    d["lo"] = [lo] * len(d["lo"])   # the reach of [−1, 1]^d also bounds the smaller boxes
    edited = _with_row(edited, 0, eta=f"{(s_pos + s_both) / 2:.17g}")
    if accepted:
        assert check.check_certificate(edited, path).domain.non_negative
        return
    with pytest.raises(check.Invalid, match=r"layers\[0\]\.eta is below the gadget error's unrolled norm") as e:
        check.check_certificate(edited, path)
    assert e.value.fact == 5


def test_the_engine_drops_e_minus_on_a_non_negative_box_as_the_checker_does(honest):
    """Engine and checker agree on the flag: on box:0,1 the honest eta is at least ‖conv_{E⁺}‖ and below
    ‖conv_{[E⁺ E⁻]}‖ (the engine claimed the E⁺ operator only, and the checker accepted it)."""
    cert, path, net = honest("asymmetric-nonneg")
    layer, shape = _affine(net)[0], NETS["asymmetric-nonneg"][1]
    s_pos = _sigma(_dense(_oracle_kernel(cert, net, 0, False), layer, tuple(shape)))
    s_both = _sigma(_dense(_oracle_kernel(cert, net, 0, True), layer, tuple(shape)))
    assert s_pos <= float(io.parse_decimal(cert["layers"][0]["eta"])) < s_both


# --- engine and checker: a Frobenius fallback labelled "unrolled" --------------------------------------------------

def _rank_one(tmp_path: Path) -> tuple[dict, Path, float]:
    """The engine's honest certificate (box [0, 1]^9, k = 2) of Conv2d(1, 1, 1, stride=2) on 1 × 3 × 3 with the one
    float64 weight w just below the 12-digit decimal 0.123456789012: the unrolled operator is w times a 4 × 9
    selection matrix, σ = |w| = √M·‖K‖_F (M = 1, K = [w] of rank one), so ``layer_bounds`` takes the smaller of its
    two claims, the Frobenius one, 0.123456789012 = w + 1.8·10⁻¹⁷, and labels the row "unrolled"."""
    w = float(np.nextafter(0.123456789012, 0.0))
    net = nn.Sequential(nn.Conv2d(1, 1, 1, stride=2, bias=False)).double()
    with torch.no_grad():
        net[0].weight.fill_(w)
    path, out = tmp_path / "w.pt", tmp_path / "w.cert.json"
    torch.save(net, path)
    assert main(["certify", str(path), "--eps", "10", "--domain", "box:0,1", "--input-shape", "1,3,3",
                 "--width-factor", "2", "--bias-block", "0", "--no-empirical", "-o", str(out)]) == 0
    return json.loads(out.read_text()), path, w


def test_the_rank_one_rows_claims_are_true_and_a_spectral_row_accepts_them(tmp_path):
    """The claims of the certificate below are true: omega ≥ σ(conv_W) = |w| (exactly; numpy's SVD of torch's
    unrolled matrix agrees), and the same row labelled "spectral" is accepted (its exact √M·Frobenius test)."""
    cert, path, w = _rank_one(tmp_path)
    row = cert["layers"][0]
    assert row["norm"] == "unrolled" and row["omega"] == "0.123456789012"
    assert Fraction(row["omega"]) > Fraction(w)
    dense = _dense([[w]], _affine(torch.load(path, weights_only=False))[0], (1, 3, 3))
    assert _sigma(dense) == pytest.approx(w, rel=1e-15)
    check.check_certificate(_with_row(cert, 0, norm="spectral"), path)


def test_an_honest_rank_one_unrolled_row_is_accepted(tmp_path):
    """Found by review, fixed: ``slt-verify certify`` (default norm)
    writes this certificate and ``slt-verify check`` answers
    INVALID [fact 5] layers[0].omega (exit 1), though every claim in it is true (test above).  Found by a wider
    variant of tests/test_exact_conv.py (2 distinct failures in ~770 examples: c_out = 1 convolutions whose output
    positions read disjoint pixels).  Not a soundness problem.  Fix: in ``_norm_at_most``, let an unrolled row also
    pass the exact test M·Σx² ≤ bound²·4^K that spectral rows get (sound by docs/conv.md §4; with it, simulated by a
    monkeypatch, this test passes), or make the engine label the fallback."""
    cert, path, _ = _rank_one(tmp_path)
    check.check_certificate(cert, path)


# --- (1) a Linear row marked "unrolled" ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape, bad", [("two-convs-linear", False), ("two-convs-linear", True), ("rescaled", False),
                                        ("rescaled", True), ("mlp", False), ("mlp", True)])
def test_a_linear_row_marked_unrolled_is_its_spectral_norm(honest, tmp_path, shape, bad):
    """A Linear layer is the 1 × 1 convolution of a 1 × 1 image (positions 1, h = w = 1): an "unrolled" Linear row
    is decided at the spectral norm of E⁺ (after a Flatten, ReLU inputs; rescaled: column j carries the exponent of
    channel j // (H·W)) or of [E⁺ E⁻] (an MLP's first layer on a ball), computed by numpy's SVD: accepted at
    σ(1 + 10⁻⁶), refused by fact 5 at σ(1 − 10⁻⁶)."""
    if shape != "mlp":
        cert, path, net = honest(shape)
        i = 2
    else:
        net = nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 2, bias=False))
        path, out = tmp_path / "mlp.pt", tmp_path / "mlp.cert.json"
        torch.save(net, path)
        assert main(["certify", str(path), "--eps", "1000", "--domain", "ball", "--width-factor", "3",
                     "--bias-block", "0", "--seed", "4", "--norm", "spectral", "--no-empirical",
                     "--composition", "recurrence", "-o", str(out)]) == 0
        cert, net, i = json.loads(out.read_text()), net.double(), 0
    sigma = _sigma(np.array([[float(x) for x in row] for row in _oracle_kernel(cert, net, i, _both(cert, i))]))
    edited = _with_row(cert, i, eta=f"{sigma * (1 - 1e-6 if bad else 1 + 1e-6):.17g}", norm="unrolled")
    if not bad:
        check.check_certificate(edited, path)
        return
    with pytest.raises(check.Invalid, match=rf"layers\[{i}\]\.eta is below the gadget error's unrolled norm") as e:
        check.check_certificate(edited, path)
    assert e.value.fact == 5


# --- (2) limits ----------------------------------------------------------------------------------------------------

def _mask(rows: int, cols: int) -> str:
    return base64.b64encode(zlib.compress(bytes((rows * cols + 7) // 8))).decode()


def _save(net: nn.Module) -> bytes:
    buf = _io.BytesIO()
    torch.save(net, buf)
    return buf.getvalue()


def _nothing_kept(k: int, pad: int, shape: list[int], norm: str, eta: str, omega: str,
                  stride: int = 1) -> tuple[dict, bytes]:
    """One Conv2d(1, 1, k, stride, padding=pad) of weight 1/k everywhere (‖W‖_F = 1), no bias, on ``shape``, and a
    certificate keeping nothing of G (k = 1, c = 0: E⁺ = −W) on the non-negative box [0, 1]^d, written by hand."""
    net = nn.Sequential(nn.Conv2d(1, 1, k, stride=stride, padding=pad, bias=False)).double()
    with torch.no_grad():
        net[0].weight.fill_(1.0 / k)
    data, A, d = _save(net), k * k, shape[0] * shape[1] * shape[2]
    cert = {"format": io.FORMAT, "verdict": "certified",
            "claim": {"eps": "1e6", "bound": "0", "norm": "l2",
                      "domain": {"kind": "box", "lo": ["0"] * d, "hi": ["1"] * d, "reach": str(math.isqrt(d - 1) + 1)},
                      "semantics": io.CLAIM["semantics"]},
            "model": {"sha256": hashlib.sha256(data).hexdigest(), "format": "torch-module", "modules": ["Conv2d"],
                      "input_shape": shape,
                      "layers": [{"key": "0.weight", "bias_key": None, "shape": [1, 1, k, k],
                                  "stride": [stride, stride], "padding": [pad, pad]}]},
            "random_network": {"distribution": rng.DISTRIBUTION, "generator": rng.GENERATOR, "seed": 0,
                               "width_factor": 1, "bias_block": 0, "widths": [1, 1, 1], "parameters": 2 + A + 1},
            "rescaling": {"neuron_exponents": []},
            "mask": [{"layer": 1, "shape": [1, 1], "kept": 0, "data": _mask(1, 1), "bias_kept": 0,
                      "bias_data": _mask(1, 1)},
                     {"layer": 2, "shape": [1, A], "kept": 0, "data": _mask(1, A), "bias_kept": 0,
                      "bias_data": _mask(1, 1)}],
            "layers": [{"eta": eta, "omega": omega, "beta": "0", "bias_norm": "0", "delta": "0", "rho": "0",
                        "norm": norm}],
            "info": {}}
    return _with_row(cert, 0), data


def test_the_nothing_kept_certificate_is_honest_and_exact():
    """The generator of the limit attacks below writes honest certificates: on a small image with the pixel read at
    every kernel position, conv_W's dense matrix is one column holding every kernel entry, of norm ‖W‖_F = 1, so
    eta = omega = 1 is accepted (and 0.999999 refused), where a spectral row needs √M = k."""
    cert, data = _nothing_kept(4, 3, [1, 1, 1], "unrolled", "1", "1")
    assert check.check_certificate(cert, data).bound == 1
    with pytest.raises(check.Invalid, match=r"layers\[0\]\.eta is below the gadget error's unrolled norm"):
        check.check_certificate(_with_row(cert, 0, eta="0.999999"), data)
    with pytest.raises(check.Invalid, match=r"layers\[0\]\.eta is below the gadget error's spectral norm"):
        check.check_certificate(_with_row(cert, 0, norm="spectral", eta="3.999999", omega="4"), data)


def test_a_zero_operator_has_unrolled_eta_and_omega_zero():
    """A 1 × 1 convolution with stride 2 and padding 1 on a 1 × 1 image reads only padding: its unrolled operators
    are zero, so eta = omega = 0 is accepted, and rightly: G̃ (nothing kept) and F (no bias) are both 0."""
    cert, data = _nothing_kept(1, 1, [1, 1, 1], "unrolled", "0", "0", stride=2)
    ok = check.check_certificate(cert, data)
    assert ok.bound == 0 and check._model(cert, data)[1][0].pixels == 4


def test_unrolled_rows_over_the_spectral_work_limit_are_unusable():
    """(2) A 3 × 3 'same' convolution on a 1 × 48 × 48 image with E⁺ and E⁻ (ball): the unrolled matrix is
    2304 × 4608, min²·max = 2^34.3 > MAX_SPECTRAL_WORK: refused before anything is unrolled."""
    cert, data = _nothing_kept(3, 1, [1, 48, 48], "unrolled", "1", "1")
    cert["claim"]["domain"] = {"kind": "ball", "radius": "1", "reach": "1"}
    with pytest.raises(Unusable, match=r"spectral rows too large to check"):
        check.check_certificate(_with_row(cert, 0), data)


def test_unrolled_matrices_over_the_exact_bits_limit_are_unusable():
    """(2) One 1 × 1 convolution with padding 1950 on a 1 × 1 × 1 image: 3901² = 15.2 M output positions (under
    MAX_TENSOR_VALUES), a 15.2 M × 1 unrolled matrix of ≥ 1148-bit entries > 2^34 bits: refused at once."""
    cert, data = _nothing_kept(1, 1950, [1, 1, 1], "unrolled", "1", "1")
    with pytest.raises(Unusable, match=r"the unrolled 15217801 x 1 matrix would exceed"):
        check.check_certificate(cert, data)


def _run_checker(cert: dict, data: bytes, tmp_path: Path, timeout: float):
    """``check.run`` in a niced child process: (exit code, line), or None if it did not finish within ``timeout``."""
    (tmp_path / "c.json").write_text(json.dumps(cert))
    (tmp_path / "m.pt").write_bytes(data)
    code = textwrap.dedent(f"""
        import os
        os.nice(10)
        from verify.kernel import check
        code, line, _ = check.run({str(tmp_path / "c.json")!r}, {str(tmp_path / "m.pt")!r})
        print(code)
        print(line)
    """)
    try:
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    first, _, line = out.stdout.partition("\n")
    return int(first), line.strip()


def test_the_unroll_attacks_certificate_is_honest_and_cheap_without_unrolling():
    """The certificate of the finding below is honest: with norm "frobenius" (eta = omega = √M = 64) the checker
    accepts it at once (eta = omega = √M·‖W‖_F, M = 64²), and with norm "unrolled" (eta = omega = 1 = ‖W‖_F ≥ the
    operator's norm: one column holding kernel entries) on a smaller padding (22 × 22 outputs) too."""
    frob, data = _nothing_kept(64, 131, [1, 1, 1], "frobenius", "64", "64")
    assert check.check_certificate(frob, data).bound == 64
    small, data = _nothing_kept(64, 42, [1, 1, 1], "unrolled", "1", "1")
    assert check.check_certificate(small, data).bound == 1


def test_the_cost_of_unrolling_is_bounded(tmp_path):
    """Found by review, fixed: the unrolled matrix here is only
    40 000 × 1 (work 4·10⁴, 4.6·10⁷ bits: far inside both limits), but
    ``unroll`` visits every kernel position of every output row (4096 × 40 000 ≈ 1.6·10⁸ steps at ~145 ns), for
    eta and again for omega, before the Cholesky test's own Frobenius shortcut answers; with norm "frobenius" the
    same certificate is checked in well under a second (test above).  Proposed fix: count c_out·H'·W'·kh·kw (the
    loop) in the work limit, or unroll by visiting only the kernel positions inside the image (``inside``'s
    rectangles), O(nonzero entries): with such an unroll (simulated) this certificate is VALID in < 1 s."""
    cert, data = _nothing_kept(64, 131, [1, 1, 1], "unrolled", "1", "1")
    assert len(data) < 40_000 and len(json.dumps(cert)) < 2_000
    assert _run_checker(cert, data, tmp_path, timeout=20) is not None, "no verdict within 20 s"


def test_the_engines_unrolled_matrix_costs_its_own_size():
    """Found by review, fixed (engine, completeness only: the checker is not involved):
    ``verify.certify.unrolled`` builds
    ``torch.eye(ch·H·W)`` and convolves every basis image, O(n²) memory for an m × n matrix that
    ``_unrolled_size`` ≤ MAX_UNROLLED = 2^22 admits whenever m is small (a strided convolution of a large image).
    Here 2 × 131 072 entries; the engine should build it in O(m·n) (for example by scattering the kernel entries, as
    the checker's ``conv.unroll`` does, or by the adjoint: conv_transpose2d of the m output basis images)."""
    code = textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
        import torch
        from verify.certify import unrolled
        from verify.kernel import conv
        g = conv.walk([1, 256, 256], ["Conv2d"], [((2, 1, 4, 4), (256, 256), (0, 0))])[0]
        print(tuple(unrolled(torch.ones(2, 2 * 16, dtype=torch.float64), g).shape))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "(2, 131072)" in out.stdout, out.stderr[-300:]
