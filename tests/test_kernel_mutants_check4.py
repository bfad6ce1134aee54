"""Tests that kill the mutants of the checker's format-4 code (verify/kernel/check.py facts 2–5, and
verify/kernel/networks.py; benchmarks/MUTATION.md): every size limit at its exact boundary (one side refused with
exit 2, the other carried on to a cheap, deliberate failure whose fact number is asserted), the rounding of √M, and
exact_networks' G̃ against torch's own convolutions.

Certificates are written here by hand (``_cert``): sizes come from torch's documented output-size formula
⌊(n + 2p − k)/s⌋ + 1 and certs/FORMAT.md's widths and parameter count, never from the checker; masks are empty (so
facts 1–4 hold) unless an engine certificate is used."""

from __future__ import annotations

import base64
import hashlib
import io as _io
import json
import math
import zlib
from fractions import Fraction

import pytest
import torch
import torch.nn.functional as tf
from independent import mask_bits
from torch import nn

from verify.kernel import check, io, reach, rng
from verify.kernel.wellformed import Unusable

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _save(module: nn.Module) -> bytes:
    buf = _io.BytesIO()
    torch.save(module, buf)
    return buf.getvalue()


def _sizes(module: nn.Sequential, input_shape) -> list[dict]:
    """Per affine layer: input channels and image, kernel, stride, padding, output channels and image (torch's
    formula), and A = kh·kw."""
    shape, out = tuple(input_shape), []
    for m in module:
        if isinstance(m, nn.Flatten):
            shape = (math.prod(shape),)
        elif isinstance(m, nn.Conv2d):
            (c, h, w), (o, _, kh, kw) = shape, m.weight.shape
            ho, wo = ((shape[1 + d] + 2 * m.padding[d] - m.weight.shape[2 + d]) // m.stride[d] + 1 for d in (0, 1))
            out.append({"n": c, "h": h, "w": w, "m": o, "ho": ho, "wo": wo, "A": kh * kw,
                        "stride": list(m.stride), "padding": list(m.padding), "shape": list(m.weight.shape)})
            shape = (o, ho, wo)
        elif isinstance(m, nn.Linear):
            out.append({"n": shape[0], "h": 1, "w": 1, "m": m.out_features, "ho": 1, "wo": 1, "A": 1,
                        "stride": [1, 1], "padding": [0, 0], "shape": list(m.weight.shape)})
            shape = (m.out_features,)
    return out


def _empty_mask(rows: int, cols: int) -> str:
    return base64.b64encode(zlib.compress(bytes((rows * cols + 7) // 8))).decode()


def _cert(module: nn.Sequential, input_shape, *, k: int = 1, c: int = 0, exps=None, norms=None,
          real_masks: bool = True) -> tuple[dict, bytes]:
    """A format-4 certificate of ``module`` on ``input_shape`` with empty masks, the exponents ``exps`` (default 0),
    and rows whose eta is 0 (so fact 5 refuses layer 0 first whenever F's first kernel is non-zero); ``norms`` per
    row.  ``real_masks=False`` writes placeholder mask data (for certificates that must stop before fact 4)."""
    data = _save(module)
    sizes = _sizes(module, input_shape)
    widths = [sizes[0]["n"]]
    params, masks, layers = 0, [], []
    names = [(name, m) for name, m in module.named_children() if isinstance(m, nn.Conv2d | nn.Linear)]
    for i, (s, (name, m)) in enumerate(zip(sizes, names, strict=True)):
        hid = k * s["n"] + c
        widths += [hid, s["m"]]
        params += hid * (s["n"] + 1) + s["m"] * (hid * s["A"] + 1)
        for layer, shape in ((2 * i + 1, [hid, s["n"]]), (2 * i + 2, [s["m"], hid * s["A"]])):
            masks.append({"layer": layer, "shape": shape, "kept": 0,
                          "data": _empty_mask(*shape) if real_masks else "eJwDAAAAAAE=", "bias_kept": 0,
                          "bias_data": _empty_mask(shape[0], 1) if real_masks else "eJwDAAAAAAE="})
        layers.append({"key": f"{name}.weight", "bias_key": None if m.bias is None else f"{name}.bias",
                       "shape": s["shape"], "stride": s["stride"], "padding": s["padding"]})
    cert = {"format": io.FORMAT, "verdict": "certified",
            "claim": {"eps": "1e100", "bound": "1e90", "domain": {"kind": "ball", "radius": "1", "reach": "1"},
                      **io.CLAIM},
            "model": {"sha256": hashlib.sha256(data).hexdigest(), "format": "torch-module",
                      "modules": [type(m).__name__ for m in module], "input_shape": list(input_shape),
                      "layers": layers},
            "random_network": {"distribution": rng.DISTRIBUTION, "generator": rng.GENERATOR, "seed": 0,
                               "width_factor": k, "bias_block": c, "widths": widths, "parameters": params},
            "rescaling": {"neuron_exponents": exps if exps is not None else [[0] * s["m"] for s in sizes[:-1]]},
            "mask": masks,
            "layers": [{"eta": "0", "omega": "1e30", "beta": "1e30", "bias_norm": "1e30", "delta": "1e90",
                        "rho": "1e90", "norm": (norms or ["frobenius"] * len(sizes))[i]} for i in range(len(sizes))],
            "info": {}}
    return cert, data


def _conv(*args, **kw) -> nn.Conv2d:
    """A Conv2d without bias whose weights are all 1 (integers: every K of fact 5 is then set by the exponents)."""
    m = nn.Conv2d(*args, bias=False, **kw)
    with torch.no_grad():
        m.weight.fill_(1.0)
    return m


def _fact(cert: dict, data: bytes, fact: int, pattern: str) -> None:
    with pytest.raises(check.Invalid, match=pattern) as e:
        check.check_certificate(cert, data)
    assert e.value.fact == fact


def _unusable(cert: dict, data: bytes, pattern: str) -> None:
    with pytest.raises(Unusable, match=pattern):
        check.check_certificate(cert, data)


def _wrong_widths(cert: dict) -> dict:
    cert["random_network"]["widths"] = cert["random_network"]["widths"] + [1]
    return cert


# --- √M ----------------------------------------------------------------------------------------------------------

def test_sqrt_up_is_sqrt_m_rounded_up_to_32_fractional_bits():
    """reach.sqrt_up(M, 32), what fact 5 divides a spectral row's claim by, is ≥ √M, exactly √M for a perfect square,
    else the least multiple of 2^-32 above √M (the engine's √M factor is the same function); checked in exact integer
    arithmetic."""
    for M in [*range(1, 70), 2**31 - 1, 10**12 + 39, 3 * 2**60]:
        x = reach.sqrt_up(M, 32)
        r = math.isqrt(M)
        if r * r == M:
            assert x == r
            continue
        assert (x * 2**32).denominator == 1
        assert x * x > M and (x - Fraction(1, 2**32)) ** 2 < M


# --- fact 2: the tensor and geometry limits at their boundaries ------------------------------------------------------

def test_an_input_and_an_output_of_exactly_2_24_values_are_within_the_limit():
    """A 1 × 1 convolution on a 1 × 4096 × 4096 image: input and output hold exactly MAX_TENSOR_VALUES = 2^24 values,
    which is allowed ("more than" is refused), so fact 3 is reached (the widths here are deliberately wrong)."""
    net = nn.Sequential(_conv(1, 1, 1))
    cert, data = _cert(net, [1, 4096, 4096], real_masks=False)
    assert math.prod(cert["model"]["input_shape"]) == check.MAX_TENSOR_VALUES == 4096 * 4096
    _fact(_wrong_widths(cert), data, 3, r"random_network\.widths must be \[1, 1, 1\]")


def test_an_input_dimension_of_exactly_2_24_is_within_the_limit_and_checked_against_f():
    """input_shape [1, 1, 2^24] (2^24 values, its largest entry 2^24: both at the limit, not over it) reaches the
    geometry walk, which finds the 2-high kernel taller than the 1-high image (torch refuses it too): fact 2."""
    with pytest.raises(RuntimeError):
        tf.conv2d(torch.zeros(1, 1, 1, 3), torch.zeros(1, 1, 2, 1))
    net = nn.Sequential(_conv(1, 1, (2, 1)))
    cert, data = _cert(net, [1, 1, 3], real_masks=False)
    cert["model"]["input_shape"] = [1, 1, 2**24]
    _fact(cert, data, 2, r"model\.input_shape \[1, 1, 16777216\] does not fit F: .*smaller than the kernel")


def test_geometry_work_of_exactly_2_24_steps_is_within_the_limit():
    """Σ (H + W + H' + W') = MAX_GEOMETRY_STEPS = 2^24 exactly: a 1 × 1 convolution with stride 2^24 on a
    1 × (2^24 − 3) × 1 image (H' = W' = 1: nothing here loops over the image) is allowed; one row more is refused."""
    H = 2**24 - 3
    net = nn.Sequential(_conv(1, 1, 1, stride=(2**24, 1)))
    cert, data = _cert(net, [1, H, 1], real_masks=False)
    s = _sizes(net, [1, H, 1])[0]
    assert (s["ho"], s["wo"]) == (1, 1) and H + 1 + 1 + 1 == check.MAX_GEOMETRY_STEPS
    _fact(_wrong_widths(cert), data, 3, r"random_network\.widths")
    cert["model"]["input_shape"] = [1, H + 1, 1]
    _unusable(cert, data, r"F's image sizes or border patterns are too many to check \(limit 16777216 steps\)")


@pytest.fixture(scope="module")
def border_net() -> tuple[nn.Sequential, bytes]:
    """One 1025 × 1025 kernel (float16: 2 MB) with padding 1024."""
    net = nn.Sequential(nn.Conv2d(1, 1, 1025, padding=1024, bias=False)).half()
    with torch.no_grad():
        net[0].weight.zero_()
    return net, _save(net)


def _border_ranges(n: int, k: int, p: int) -> int:
    """How many distinct sets of kernel rows land inside an n-long image over the output rows (stride 1), counted
    by brute force (every output row that reads only padding shares the empty set)."""
    out = n + 2 * p - k + 1
    return len({frozenset(a for a in range(k) if 0 <= r + a - p < n) for r in range(out)})


def test_border_patterns_at_exactly_a_quarter_of_the_geometry_limit_are_allowed(border_net):
    """On a 1024 × 1024 image the kernel of 1025 × 1025 with padding 1024 meets 2048 distinct row ranges and 2048
    column ranges: c_out · rectangles = 2^22 = MAX_GEOMETRY_STEPS / 4, allowed (fact 3 is reached); a 1024 × 1025
    image has 2048 × 2049 > 2^22 and is refused."""
    net, _ = border_net
    assert _border_ranges(1024, 1025, 1024) == 2048 and _border_ranges(1025, 1025, 1024) == 2049
    cert, data = _cert(net, [1, 1024, 1024], real_masks=False)
    _fact(_wrong_widths(cert), data, 3, r"random_network\.widths")
    cert["model"]["input_shape"] = [1, 1024, 1025]
    assert 2048 * 2049 > check.MAX_GEOMETRY_STEPS // 4 > 2048 * 2049 * 3 // 4
    _unusable(cert, data, r"F's image sizes or border patterns are too many to check")


# --- fact 3: G's columns --------------------------------------------------------------------------------------------

def test_a_g_layer_with_2_31_columns_within_the_parameter_limit_is_checked():
    """k = 2^29 on a 2 × 2 kernel: G layer 2 has (k·1 + 0)·4 = 2^31 columns (below 2^32) and G has
    2^29·2 + (2^31 + 1) ≤ 2^32 parameters, so the size limits pass and the exponents are checked (fact 3)."""
    net = nn.Sequential(_conv(1, 1, 2))
    cert, data = _cert(net, [1, 2, 2], k=2**29, real_masks=False)
    assert cert["random_network"]["parameters"] == 2**30 + 2**31 + 1 <= check.MAX_G_PARAMETERS
    cert["rescaling"]["neuron_exponents"] = [[0]]
    _fact(cert, data, 3, r"rescaling\.neuron_exponents must list one integer per hidden channel")


# --- fact 5: the unrolled rows' size limit ------------------------------------------------------------------------

def _three_convs() -> nn.Sequential:
    """1 × 1 conv, ReLU, 3 × 3 conv with padding 1 (layer 1: its unrolled matrix is 2048 × 2048 on 32 × 64),
    ReLU, 1 × 1 conv; all weights 1, no biases (so K_1 = 0 once the exponents make 48 + s_out − s_in ≤ 0)."""
    return nn.Sequential(_conv(1, 1, 1), nn.ReLU(), _conv(1, 1, 3, padding=1), nn.ReLU(), _conv(1, 1, 1))


def test_an_unrolled_row_of_exactly_2_34_bits_is_within_the_limit():
    """Layer 1's unrolled matrix is (1·32·64) × (1·32·64) = 2^22 entries (it sees ReLU outputs: E⁺ only); with
    s_1 = [0], s_2 = [−2996] its entries are bounded by K + 1100 + 2996 = 2^12 bits (K = 0), so 2^34 bits in all:
    exactly MAX_EXACT_BITS, allowed; fact 5 then refuses layer 0's eta = 0 (its error −W ≠ 0)."""
    cert, data = _cert(_three_convs(), [1, 32, 64], exps=[[0], [-2996]], norms=["frobenius", "unrolled", "frobenius"])
    assert 2**22 * (1100 + 2996) == check.MAX_EXACT_BITS
    _fact(cert, data, 5, r"layers\[0\]\.eta is below")


def test_an_unrolled_row_over_2_34_bits_is_refused_and_the_spread_counts_minus_min_s_out():
    """s_1 = [−2048], s_2 = [−4096]: layer 1's entries need K + 1100 + max(0, max s_1 − min s_2, −min s_2) =
    0 + 1100 + 4096 bits (the last term: a constant's shift K − 48 − s_out), so 2^22 · 5196 > 2^34: refused before
    any matrix is built."""
    cert, data = _cert(_three_convs(), [1, 32, 64], exps=[[-2048], [-4096]],
                       norms=["frobenius", "unrolled", "frobenius"])
    assert 2**22 * (1100 + 2048) <= check.MAX_EXACT_BITS < 2**22 * (1100 + 4096)
    _unusable(cert, data, r"^layers\[1\]: the unrolled 2048 x 2048 matrix would exceed 17179869184 bits$")


def _strided_pair() -> nn.Sequential:
    """Layer 0: a 1 × 1 conv with stride 4 on 64 × 128 (16 × 32 outputs): its unrolled [E⁺ E⁻] (a ball: both
    signs) is 512 × 2·8192 = 2^23 entries; layer 1: a 1 × 1 conv to 32 channels, 32·512 × 512 = 2^23 entries."""
    return nn.Sequential(_conv(1, 1, 1, stride=4), nn.ReLU(), _conv(1, 32, 1))


@pytest.mark.parametrize("t, first", [(948, False), (949, True)])
def test_the_first_unrolled_row_counts_both_signs_of_input(t, first):
    """On the ball layer 0 sees inputs of both signs, so its unrolled matrix has 2·8192 columns: with s_1 = [−t] its
    entries take K + 1100 + t bits (K = 0), 2^23 · 2048 = 2^34 for t = 948 (allowed: the check goes on to layer 1,
    which is over) and 2^23 · 2049 for t = 949 (refused at layer 0).  Layer 1 is over either way:
    32·2^18 · (48 + t + 1100) > 2^34."""
    cert, data = _cert(_strided_pair(), [1, 64, 128], exps=[[-t]], norms=["unrolled", "unrolled"])
    s0 = _sizes(_strided_pair(), [1, 64, 128])[0]
    assert (s0["ho"], s0["wo"]) == (16, 32)
    assert 32 * 2**18 * (48 + t + 1100) > check.MAX_EXACT_BITS
    which = 0 if first else 1
    shape = "512 x 16384" if first else "16384 x 512"
    _unusable(cert, data, rf"^layers\[{which}\]: the unrolled {shape} matrix would exceed")


# --- an engine certificate with unrolled rows, and exact_networks against torch --------------------------------------

@pytest.fixture(scope="module")
def engine_cnn(tmp_path_factory):
    """An engine-built certificate (spectral: unrolled rows) for a CNN whose second convolution has one output
    channel and a non-square kernel, with padding, a non-square image, constant channels and biases."""
    from verify.cli import main

    torch.manual_seed(7)
    net = nn.Sequential(nn.Conv2d(1, 2, 2, padding=1), nn.ReLU(), nn.Conv2d(2, 1, (2, 3), padding=1), nn.ReLU(),
                        nn.Flatten(), nn.Linear(16, 2)).double().eval()
    tmp = tmp_path_factory.mktemp("cnn")
    path, out = tmp / "cnn.pt", tmp / "cnn.cert.json"
    torch.save(net, path)
    assert main(["certify", str(path), "--eps", "1e6", "--domain", "box:-1,1", "--input-shape", "1,2,3",
                 "--width-factor", "2", "--bias-block", "3", "--seed", "4", "--norm", "spectral", "--no-empirical",
                 "-o", str(out)]) == 0
    return net, json.loads(out.read_text()), path.read_bytes()


def test_an_unrolled_row_of_a_one_channel_convolution_is_accepted(engine_cnn):
    """The second convolution (one output channel, 2 × 3 kernel, padding 1 on the 3 × 4 image: M = 2·3 = 6 by
    torch's count) has an unrolled omega below √M·‖K‖_F, so only the unrolled operator's norm can prove it: the
    certificate is accepted."""
    net, cert, data = engine_cnn
    assert [row["norm"] for row in cert["layers"]][:2] == ["unrolled", "unrolled"]
    k = net[2].weight.detach()
    assert k.shape[0] == 1
    eye = torch.eye(12, dtype=torch.float64).reshape(12, 1, 3, 4)
    reads = tf.conv2d(eye, torch.ones(1, 1, 2, 3, dtype=torch.float64), padding=1).reshape(12, -1).sum(1)
    M = int(reads.max())
    assert M == 6
    assert Fraction(cert["layers"][1]["omega"]) ** 2 < M * sum(Fraction(x) ** 2 for x in k.reshape(-1).tolist())
    ok = check.check_certificate(cert, data)
    assert ok.layers == 3


def _g_tilde_torch(cert: dict, net: nn.Sequential) -> list:
    """G̃ as torch modules, rebuilt from the raw mask bits and the published generator: per target layer a 1 × 1
    convolution (or Linear) of all k·n + c hidden channels, ReLU, and the target's convolution (or Linear) with the
    kept kernel entries; a ReLU between target layers, a Flatten before the Linear."""
    seed = cert["random_network"]["seed"]
    mods, masks, i = [], cert["mask"], 0
    for m in net:
        if isinstance(m, nn.Flatten):
            mods.append(nn.Flatten())
        if not isinstance(m, nn.Conv2d | nn.Linear):
            continue
        odd, even = masks[2 * i], masks[2 * i + 1]
        hid, n = odd["shape"]
        rows, cols = even["shape"]
        U, bu = torch.zeros(hid, n, dtype=torch.float64), torch.zeros(hid, dtype=torch.float64)
        for b in mask_bits(odd["data"], hid, n):
            U[b // n, b % n] = float(rng.weight(seed, 2 * i + 1, b // n, b % n))
        for h in mask_bits(odd["bias_data"], hid, 1):
            bu[h] = rng.bias_int(seed, 2 * i + 1, h) / 2**24
        V, bv = torch.zeros(rows, cols, dtype=torch.float64), torch.zeros(rows, dtype=torch.float64)
        for b in mask_bits(even["data"], rows, cols):
            V[b // cols, b % cols] = float(rng.weight(seed, 2 * i + 2, b // cols, b % cols))
        for r in mask_bits(even["bias_data"], rows, 1):
            bv[r] = rng.bias_int(seed, 2 * i + 2, r) / 2**24
        if isinstance(m, nn.Conv2d):
            first = nn.Conv2d(n, hid, 1).double()
            second = nn.Conv2d(hid, rows, m.kernel_size, stride=m.stride, padding=m.padding).double()
        else:
            first, second = nn.Linear(n, hid).double(), nn.Linear(hid, rows).double()
        with torch.no_grad():
            first.weight.copy_(U.reshape(first.weight.shape))
            first.bias.copy_(bu)
            second.weight.copy_(V.reshape(second.weight.shape))
            second.bias.copy_(bv)
        mods += [first, nn.ReLU(), second, nn.ReLU()]
        i += 1
    return nn.Sequential(*mods[:-1]).eval()


def _dense(layers: list, x: list[Fraction]) -> list[Fraction]:
    for i, (W, b) in enumerate(layers):
        x = [sum((w * v for w, v in zip(row, x, strict=True)), Fraction(0)) + bb for row, bb in zip(W, b, strict=True)]
        if i + 1 < len(layers):
            x = [max(v, Fraction(0)) for v in x]
    return x


def test_exact_networks_of_a_cnn_compute_torchs_g_tilde_and_f(engine_cnn):
    """exact_networks' G̃ (the 1 × 1 convolution of the live hidden channels, unrolled on the H × W image, then the
    kept kernel entries unrolled on it) evaluated exactly equals torch's float64 forward of G̃ rebuilt from the raw
    mask bits (every hidden channel, torch's conv2d with the target's stride and padding) at random points of D, and
    its F equals the module's forward; both have 2 dense layers per target layer."""
    net, cert, data = engine_cnn
    ok = check.check_certificate(cert, data)
    target, pruned = check.exact_networks(ok)
    g_tilde = _g_tilde_torch(cert, net)
    assert len(pruned) == 6 and len(target) == 3
    assert [len(W[0]) for W, _ in pruned[::2]] == [6, 2 * 3 * 4, 16]     # c_in·H·W of each pair's input
    gen = torch.Generator().manual_seed(1)
    xs = torch.rand(6, 1, 2, 3, generator=gen, dtype=torch.float64) * 2 - 1
    with torch.no_grad():
        ref_g, ref_f = g_tilde(xs), net(xs)
    assert ref_g.abs().max() > 1e-3
    for x, yg, yf in zip(xs.reshape(6, -1).tolist(), ref_g.tolist(), ref_f.tolist(), strict=True):
        xf = [Fraction(v) for v in x]
        assert [float(v) for v in _dense(pruned, xf)] == pytest.approx(yg, rel=1e-9, abs=1e-12)
        assert [float(v) for v in _dense(target, xf)] == pytest.approx(yf, rel=1e-9, abs=1e-12)
