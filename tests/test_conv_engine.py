"""The engine on convolutional targets (docs/conv.md, issue #14): G̃'s evaluation and export, the certified rows
against what torch computes (sampled, attacked and border inputs, unrolled error matrices built from basis vectors),
the bias error tensor at the border, the input shape, the CLI and determinism.  Oracles are torch modules (F as
saved, G̃ as exported) and torch convolutions on basis vectors, never the engine's own error code."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from verify.certify import bounded, certify
from verify.engine.construct import build
from verify.engine.conv import bias_position
from verify.engine.empirical import empirical_sup
from verify.engine.model import load_target
from verify.errors import InputError
from verify.kernel import check
from verify.options import Eps, Options, parse_input_shape


def _cnn(layers: list[nn.Module], seed: int) -> nn.Sequential:
    """``layers`` with deterministic weights and biases (uniform, scaled like torch's default init, biases up to 0.3),
    in eval mode."""
    gen = torch.Generator().manual_seed(seed)
    net = nn.Sequential(*layers)
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Conv2d | nn.Linear):
                fan_in = m.weight[0].numel()
                m.weight.copy_((torch.rand(m.weight.shape, generator=gen) * 2 - 1) / math.sqrt(fan_in))
                if m.bias is not None:
                    m.bias.copy_((torch.rand(m.bias.shape, generator=gen) * 2 - 1) * 0.3)
    return net.eval()


# name: (layers, input shape) — padding 1 and 2, stride 1 and 2, with and without biases, 1×5×5 and 2×6×6 inputs
CASES = {
    "p1s2_bias_1x5x5": (lambda: [nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Conv2d(2, 3, 3, stride=2, padding=1),
                                 nn.ReLU(), nn.Flatten(), nn.Linear(27, 2)], (1, 5, 5)),
    "p2_bias_2x6x6": (lambda: [nn.Conv2d(2, 3, 3, padding=2), nn.ReLU(), nn.Conv2d(3, 2, 2, stride=2), nn.ReLU(),
                               nn.Flatten(), nn.Linear(32, 3)], (2, 6, 6)),
    "p1p2_nobias_1x5x5": (lambda: [nn.Conv2d(1, 2, 3, padding=1, bias=False), nn.ReLU(),
                                   nn.Conv2d(2, 2, 3, stride=2, padding=2, bias=False)], (1, 5, 5)),
    "s2p1_p2_bias_2x6x6": (lambda: [nn.Conv2d(2, 2, 3, stride=2, padding=1), nn.ReLU(),
                                    nn.Conv2d(2, 2, 3, padding=2)], (2, 6, 6)),
}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("cnn")
    out = {}
    for i, (name, (make, shape)) in enumerate(CASES.items()):
        net = _cnn(make(), seed=10 + i)
        path = d / f"{name}.pt"
        torch.save(net, path)
        out[name] = (net, path, shape)
    return out


def _built(models, name: str, domain: str, k: int = 6, method: str = "subset-sum"):
    net, path, shape = models[name]
    target = load_target(path, shape)
    c = build(target.weights, Options(seed=2, device="cpu", domain=domain, method=method), k=k,
              biases=target.biases, layout=target.layout)
    return net, target, c


def _image(x: torch.Tensor, shape) -> torch.Tensor:
    return x.reshape(x.shape[0], *shape)


def _border_points(shape, n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    """Points of the box whose mass sits on the image's border pixels (the rest at lo or 0)."""
    C, H, W = shape
    border = torch.zeros(C, H, W, dtype=torch.bool)
    border[:, 0], border[:, -1], border[:, :, 0], border[:, :, -1] = True, True, True, True
    x = lo + (hi - lo) * (torch.rand(n, C, H, W, generator=gen, dtype=torch.float64) < 0.5).to(torch.float64)
    base = max(lo, 0.0) if lo <= 0 <= hi else lo
    return torch.where(border, x, torch.full_like(x, base)).reshape(n, -1)


# --- G̃: evaluation and export ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CASES))
def test_forward_equals_the_exported_module_in_float64(models, name):
    """Construction.forward (ConvPair: gathered channels, constant channels, conv2d) and the exported nn.Sequential
    of Conv2d(1×1)/ReLU/Conv2d(kh×kw)/…/Flatten/Linear agree in float64, border pixels included, and the export
    drops only dead channels."""
    _, target, c = _built(models, name, "box:-1,1")
    module = c.pruned_module().double()
    kinds = [type(m).__name__ for m in module]
    assert kinds.count("Conv2d") == 2 * target.layout.kinds.count("Conv2d")
    assert kinds.count("Flatten") == ("Flatten" in target.modules)
    gen = torch.Generator().manual_seed(0)
    x = torch.cat([torch.rand(64, target.in_features, generator=gen, dtype=torch.float64) * 2 - 1,
                   _border_points(target.input_shape, 16, -1.0, 1.0, gen)])
    with torch.no_grad():
        got = module(_image(x, target.input_shape)).reshape(len(x), -1)
    assert torch.allclose(c.forward(x), got, rtol=0, atol=1e-12)


def test_target_forward_is_the_saved_module(models):
    for net, path, shape in models.values():
        target = load_target(path, shape)
        x = torch.rand(8, target.in_features, dtype=torch.float64)
        with torch.no_grad():
            want = net.double()(_image(x, shape)).reshape(8, -1)
        assert torch.equal(target.forward(x), want)
        net.float()


# --- soundness: the rows dominate what torch computes -------------------------------------------------------------

@pytest.mark.parametrize("name,domain", [("p1s2_bias_1x5x5", "box:0,1"), ("p2_bias_2x6x6", "box:0,1"),
                                         ("p1p2_nobias_1x5x5", "ball"), ("s2p1_p2_bias_2x6x6", "box:-1,1")])
def test_certified_bound_dominates_sampled_border_and_attacked_errors(models, name, domain):
    _, target, c = _built(models, name, domain, k=4)
    b = bounded(c)
    bound = float(b.bound)
    gen = torch.Generator().manual_seed(1)
    d = target.in_features
    if domain == "ball":
        x = torch.randn(512, d, generator=gen, dtype=torch.float64)
        x = x / x.norm(dim=1, keepdim=True)
        pts = [x, x * torch.rand(512, 1, generator=gen, dtype=torch.float64)]
    else:
        lo, hi = (0.0, 1.0) if domain == "box:0,1" else (-1.0, 1.0)
        pts = [lo + (hi - lo) * torch.rand(512, d, generator=gen, dtype=torch.float64),
               lo + (hi - lo) * (torch.rand(512, d, generator=gen, dtype=torch.float64) < 0.5).to(torch.float64),
               _border_points(target.input_shape, 256, lo, hi, gen)]
    x = torch.cat(pts)
    observed = float((c.forward(x) - target.forward(x)).norm(dim=1).max())
    attacked = empirical_sup(target.forward, c.forward, d, domain=_domain(domain, d), samples=512, steps=30).max_error
    assert 0 < max(observed, attacked) <= bound


def _domain(spec: str, d: int):
    from verify.domain import parse

    return parse(spec).for_inputs(d)


def _affine_modules(module: nn.Sequential) -> list[nn.Module]:
    return [m for m in module if isinstance(m, nn.Conv2d | nn.Linear)]


def _layer_input_shape(target, i: int) -> tuple[int, ...]:
    g = target.layout.geometry[i]
    return (g.c_in, g.h, g.w) if target.layout.is_conv(i) else (g.c_in,)


def _scale(z: torch.Tensor, s: np.ndarray, shape: tuple[int, ...], sign: int) -> torch.Tensor:
    """z (B, *shape) times 2^(sign·s[channel]) (docs/conv.md §6: a Linear's feature j after a Flatten belongs to channel
    j // (H·W))."""
    s = torch.as_tensor(np.asarray(s), dtype=torch.float64) * sign
    if len(shape) == 3:
        return torch.ldexp(z, s[None, :, None, None].expand_as(z))
    group = shape[0] // len(s)
    return torch.ldexp(z, s.repeat_interleave(group)[None, :].expand_as(z))


def _layer_errors(net, module, target, c, i: int, z: torch.Tensor) -> torch.Tensor:
    """For inputs z (B, n·H·W) of target layer i (0-based), in F's units: D_i⁻¹·pair_i(D_{i−1} z) − (W_i z + b_i),
    from the saved F and the exported G̃ alone (torch modules, float64), flattened."""
    from verify.engine.gadgets import padded

    s = padded(c.exponents, c.widths)
    shape = _layer_input_shape(target, i)
    f_layer = _affine_modules(net.double())[i]
    one, two = _affine_modules(module)[2 * i: 2 * i + 2]
    zi = z.reshape(len(z), *shape)
    with torch.no_grad():
        pair = two(torch.relu(one(_scale(zi, s[i], shape, +1))))
        out_shape = pair.shape[1:]
        got = _scale(pair, s[i + 1], tuple(out_shape) if len(out_shape) == 3 else (out_shape[0],), -1)
        want = f_layer(zi)
    net.float()
    return (got - want).reshape(len(z), -1)


@pytest.mark.parametrize("name,domain", [("p1s2_bias_1x5x5", "ball"), ("p2_bias_2x6x6", "box:0,1"),
                                         ("s2p1_p2_bias_2x6x6", "box:-1,1")])
def test_unrolled_error_from_basis_vectors_equals_the_engines_and_eta_bounds_it(models, name, domain):
    """Per layer: the error map z ↦ D⁻¹ pair(D z) − (W z + b) of the exported G̃ against the saved F is affine on each
    orthant; evaluated on ±basis vectors it gives the unrolled [D⁺ D⁻] (D⁺ only where the inputs are ≥ 0), which
    equals the engine's error matrix [E⁺ E⁻] unrolled as a convolution (torch conv2d on basis vectors), and its
    spectral norm is at most η_i ≤ √M·‖E‖ (docs/conv.md §3–§4); its value at 0 is the bias error tensor e, whose
    norm is β_i up to the rounding up (docs/conv.md §5)."""
    net, target, c = _built(models, name, domain, k=4)
    module = c.pruned_module().double()
    rows = bounded(c).rows
    for i, (e, g) in enumerate(zip(c.error_matrices(), target.layout.geometry, strict=True)):
        n_in = g.c_in * g.h * g.w
        eye = torch.eye(n_in, dtype=torch.float64)
        zero = _layer_errors(net, module, target, c, i, torch.zeros(1, n_in, dtype=torch.float64))[0]
        plus = _layer_errors(net, module, target, c, i, eye) - zero
        both = c.layers[i].both
        oracle = torch.cat([plus, _layer_errors(net, module, target, c, i, -eye) - zero]).T if both else plus.T
        # the engine's E, unrolled by convolving it with the basis vectors (its kernel matrix as a conv2d kernel)
        halves = e.chunk(2, dim=1) if both else (e,)
        unrolled = []
        for half in halves:
            if target.layout.is_conv(i):
                kernel = half.reshape(g.c_out, g.c_in, g.kh, g.kw)
                cols = torch.nn.functional.conv2d(eye.reshape(n_in, g.c_in, g.h, g.w), kernel, None, g.stride,
                                                  g.padding).reshape(n_in, -1).T
            else:
                cols = half
            unrolled.append(cols)
        engine = torch.cat(unrolled, dim=1)
        assert torch.allclose(oracle, engine, rtol=0, atol=1e-12)
        sigma = float(torch.linalg.matrix_norm(oracle, ord=2))
        eta = float(rows[i].eta)
        assert sigma <= eta * (1 + 1e-12)
        assert eta <= math.sqrt(g.mult) * float(torch.linalg.matrix_norm(e, ord=2)) * (1 + 2e-5) + 1e-300
        beta = float(rows[i].beta)
        assert float(zero.norm()) <= beta and beta <= float(zero.norm()) * (1 + 1e-9) + 1e-300


def test_per_channel_exponents_map_back_exactly_and_the_checker_agrees(models):
    """Per-channel rescaling exponents (docs/conv.md §6), given and chosen by ``rescale="neuron"``: the error of
    every pair in F's units, from the exported G̃ and the saved F, is bounded by its η and β, for a Conv2d
    (columns j·A + q of channel j) and for the Linear after the Flatten (columns of channel j // (H·W)); the
    checker re-derives the rows."""
    net, path, shape = models["p1s2_bias_1x5x5"]
    target = load_target(path, shape)
    given = [np.array([1, -1]), np.array([0, 2, -1])]
    for opts, exps in ((Options(seed=2, device="cpu", domain="box:0,1"), given),
                       (Options(seed=2, device="cpu", domain="box:0,1", rescale="neuron"), None)):
        c = build(target.weights, opts, k=5, biases=target.biases, layout=target.layout, exponents=exps)
        if exps is not None:
            assert [list(e) for e in c.exponents] == [list(e) for e in given]
        module = c.pruned_module().double()
        rows = bounded(c).rows
        gen = torch.Generator().manual_seed(4)
        for i, g in enumerate(target.layout.geometry):
            z = torch.rand(128, g.c_in * g.h * g.w, generator=gen, dtype=torch.float64)
            z = z if i else z * 2 - 1 if c.layers[0].both else z
            errs = _layer_errors(net, module, target, c, i, z).norm(dim=1)
            assert bool((errs <= float(rows[i].eta) * z.norm(dim=1) + float(rows[i].beta)).all())
        cert = certify(target, Eps.parse("1000"), c, empirical=False).cert
        assert check.check_certificate(cert, path).bound == Fraction_of(cert["claim"]["bound"])


def test_bias_error_is_counted_at_every_output_position_when_no_kernel_position_is_interior(models):
    """Padding 2 > (k − 1)/2 for a 3 × 3 kernel: no kernel position lands inside the image at every output position,
    so the constants built through q* are missing at the border.  The bias error of G̃ at input 0 (the saved F's and
    the exported G̃'s outputs) differs between border and interior positions, and β_i still bounds it (to within its
    rounding up): the error is a tensor, not the dense vector (docs/conv.md §5)."""
    net, target, c = _built(models, "s2p1_p2_bias_2x6x6", "box:0,1", k=6)
    g = target.layout.geometry[1]
    assert 2 * g.padding[0] > g.kh - 1
    q = bias_position(g)
    module = c.pruned_module().double()
    rows = bounded(c).rows
    gen = torch.Generator().manual_seed(3)
    z = torch.relu(torch.randn(256, g.c_in * g.h * g.w, generator=gen, dtype=torch.float64))
    err0 = _layer_errors(net, module, target, c, 1, torch.zeros(1, z.shape[1], dtype=torch.float64))[0]
    per_position = err0.reshape(g.c_out, g.ho, g.wo)
    centre = per_position[:, g.ho // 2: g.ho // 2 + 1, g.wo // 2: g.wo // 2 + 1]
    assert float((per_position - centre).abs().max()) > 1e-3
    assert float(err0.norm()) <= float(rows[1].beta) <= float(err0.norm()) * (1 + 1e-9)
    # and with inputs: ‖error(z)‖ ≤ η‖z‖ + β at every sampled z
    errs = _layer_errors(net, module, target, c, 1, z)
    assert bool((errs.norm(dim=1) <= float(rows[1].eta) * z.norm(dim=1) + float(rows[1].beta)).all())
    assert 0 <= q < g.positions


def test_bias_error_is_the_same_at_every_position_when_the_bias_position_is_interior(models):
    """Padding 1 ≤ (k − 1)/2: the constants enter through a kernel position inside the image at every output position,
    so the bias error of each output channel is the same everywhere (the dense bias error, docs/conv.md §5)."""
    net, target, c = _built(models, "p1s2_bias_1x5x5", "box:0,1", k=6)
    module = c.pruned_module().double()
    for i in (0, 1):
        g = target.layout.geometry[i]
        err0 = _layer_errors(net, module, target, c, i, torch.zeros(1, g.c_in * g.h * g.w, dtype=torch.float64))[0]
        per_position = err0.reshape(g.c_out, g.pixels)
        assert torch.equal(per_position, per_position[:, :1].expand_as(per_position))
        assert float(per_position.abs().max()) > 0


def test_one_by_one_kernels_have_multiplicity_one_and_a_tight_eta(tmp_path):
    """A 1 × 1 convolution with stride 1 has M = 1 and its unrolled error matrix is E ⊗ I, whose spectral norm is
    ‖E‖: η is that norm up to the spectral claim's margin (docs/conv.md §4)."""
    net = _cnn([nn.Conv2d(2, 3, 1), nn.ReLU(), nn.Conv2d(3, 2, 1)], 7)
    torch.save(net, tmp_path / "one.pt")
    models = {"one": (net, tmp_path / "one.pt", (2, 3, 3))}
    _, target, c = _built(models, "one", "box:0,1", k=3)
    assert [g.mult for g in target.layout.geometry] == [1, 1]
    module = c.pruned_module().double()
    rows = bounded(c).rows
    for i, g in enumerate(target.layout.geometry):
        n_in = g.c_in * g.h * g.w
        eye = torch.eye(n_in, dtype=torch.float64)
        zero = _layer_errors(net, module, target, c, i, torch.zeros(1, n_in, dtype=torch.float64))[0]
        sigma = float(torch.linalg.matrix_norm((_layer_errors(net, module, target, c, i, eye) - zero).T, ord=2))
        assert sigma <= float(rows[i].eta) <= sigma * (1 + 2e-5)


# --- the certificate ------------------------------------------------------------------------------------------------

def test_certificate_is_deterministic_and_describes_the_cnn(models):
    net, path, shape = models["p1s2_bias_1x5x5"]
    target = load_target(path, shape)
    texts = []
    for _ in range(2):
        c = build(target.weights, Options(seed=5, device="cpu", domain="box:0,1"), k=5, biases=target.biases,
                  layout=target.layout)
        texts.append(json.dumps(certify(target, Eps.parse("100"), c).cert, indent=1))
    assert texts[0] == texts[1]
    cert = json.loads(texts[0])
    assert cert["format"] == "slt-verify-certificate/4"
    model = cert["model"]
    assert model["input_shape"] == [1, 5, 5]
    assert [x["shape"] for x in model["layers"]] == [[2, 1, 3, 3], [3, 2, 3, 3], [2, 27]]
    assert [x["stride"] for x in model["layers"]] == [[1, 1], [2, 2], [1, 1]]
    assert [x["padding"] for x in model["layers"]] == [[1, 1], [1, 1], [0, 0]]
    k, c_block = 5, cert["random_network"]["bias_block"]
    assert cert["random_network"]["widths"] == [1, k + c_block, 2, 2 * k + c_block, 3, 27 * k + c_block, 2]
    assert cert["random_network"]["parameters"] == sum(
        (k * n + c_block) * (n + 1) + m * ((k * n + c_block) * a + 1) for n, m, a in ((1, 2, 9), (2, 3, 9), (27, 2, 1)))
    assert [m["shape"] for m in cert["mask"]] == [[k + c_block, 1], [2, (k + c_block) * 9], [2 * k + c_block, 2],
                                                  [3, (2 * k + c_block) * 9], [27 * k + c_block, 27],
                                                  [2, 27 * k + c_block]]
    assert [len(s) for s in cert["rescaling"]["neuron_exponents"]] == [2, 3]
    assert len(cert["claim"]["domain"]["lo"]) == 25
    assert check.check_certificate(cert, path).bound == Fraction_of(cert["claim"]["bound"])


def Fraction_of(text: str):
    from verify.kernel import io

    return io.parse_decimal(text)


def test_the_checker_accepts_pair_frobenius_and_ball_certificates(models):
    _, path, shape = models["p2_bias_2x6x6"]
    target = load_target(path, shape)
    for opts in (Options(seed=1, device="cpu", domain="ball", method="pair", norm="frobenius"),
                 Options(seed=1, device="cpu", domain="box:-1,1")):
        c = build(target.weights, opts, k=4, biases=target.biases, layout=target.layout)
        cert = certify(target, Eps.parse("1000"), c, empirical=False).cert
        ok = check.check_certificate(cert, path)
        assert ok.bound == Fraction_of(cert["claim"]["bound"])


# --- the input shape --------------------------------------------------------------------------------------------

def test_input_shape_is_inferred_when_unique_and_required_otherwise(tmp_path):
    unique = _cnn([nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(50, 3)], 0)
    torch.save(unique, tmp_path / "u.pt")
    t = load_target(tmp_path / "u.pt")
    assert t.input_shape == (1, 5, 5) and t.in_features == 25 and t.notes
    ambiguous = _cnn([nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(32, 3)], 0)
    torch.save(ambiguous, tmp_path / "a.pt")
    with pytest.raises(InputError, match=r"ambiguous: 7x7, 8x8 all give the first Linear's 32 inputs; pass "
                                         r"--input-shape C,H,W"):
        load_target(tmp_path / "a.pt")
    assert load_target(tmp_path / "a.pt", (1, 8, 8)).layout.geometry[0].ho == 4
    no_linear = _cnn([nn.Conv2d(1, 2, 3)], 0)
    torch.save(no_linear, tmp_path / "n.pt")
    with pytest.raises(InputError, match="no Linear layer to infer.*pass --input-shape C,H,W"):
        load_target(tmp_path / "n.pt")
    with pytest.raises(InputError, match="does not fit F.*pass --input-shape"):
        load_target(tmp_path / "u.pt", (1, 6, 6))
    odd = _cnn([nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(49 * 2 + 1, 3)], 0)
    torch.save(odd, tmp_path / "o.pt")
    with pytest.raises(InputError, match="no square image size gives the first Linear's 99 inputs"):
        load_target(tmp_path / "o.pt")
    with pytest.raises(InputError, match="does not fit F"):
        load_target(tmp_path / "n.pt", (2, 5, 5))
    with pytest.raises(InputError, match="smaller than the kernel"):
        load_target(tmp_path / "n.pt", (1, 2, 2))


@pytest.mark.parametrize("text", ["1,8", "a,b,c", "0,8,8", "1,8,8,8", "-1,8,8", "", "1.5"])
def test_bad_input_shapes_are_refused_in_one_line(text):
    with pytest.raises(InputError, match="--input-shape must be C,H,W"):
        parse_input_shape(text)


def test_cli_refuses_a_bad_input_shape_with_exit_2(models, capsys):
    from verify.cli import main

    _, path, _ = models["p1s2_bias_1x5x5"]
    assert main(["certify", str(path), "--eps", "1", "--input-shape", "1,5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--input-shape must be C,H,W" in err[0]


# --- the command line and the width search ------------------------------------------------------------------------

def test_cli_certifies_a_cnn_saves_a_loadable_pruned_module_and_the_checker_accepts(models, tmp_path, capsys):
    from verify.cli import main

    net, path, shape = models["p1s2_bias_1x5x5"]
    cert, pruned = tmp_path / "c.cert.json", tmp_path / "g.pt"
    code = main(["certify", str(path), "--eps", "100", "--domain", "box:0,1", "--input-shape", "1,5,5",
                 "--width-factor", "5", "--seed", "4", "-o", str(cert), "--save-pruned", str(pruned)])
    out = capsys.readouterr().out
    assert code == 0 and "Conv2d 2@3x3" in out and "CERTIFIED" in out
    assert check.main(str(cert), str(path)) == 0
    with torch.serialization.safe_globals([nn.Sequential, nn.Conv2d, nn.Linear, nn.ReLU, nn.Flatten]):
        g = torch.load(pruned, weights_only=True)
    target = load_target(path, shape)
    x = torch.rand(32, 25, dtype=torch.float64)
    with torch.no_grad():
        gx = g.double()(_image(x, shape)).reshape(32, -1)
    bound = float(Fraction_of(json.loads(cert.read_text())["claim"]["bound"]))
    assert float((gx - target.forward(x)).norm(dim=1).max()) <= bound


def test_width_search_on_a_cnn_builds_and_reaches_eps(models):
    from verify.search import find_width

    _, path, shape = models["p2_bias_2x6x6"]
    target = load_target(path, shape)
    found = find_width(target, Options(seed=0, device="cpu", domain="box:0,1"), Fraction_of("2"))
    assert found.k is not None and found.bound <= 2 and found.predicted_k is None
    assert "searched by building" in found.summary
    if found.k > 1:
        assert found.tried[found.k - 1] > 2


def test_api_certifies_a_cnn_module_and_rebuilds_it_from_the_certificate(models, tmp_path):
    import verify
    from verify.api import Certificate

    net, _, shape = models["p1s2_bias_1x5x5"]
    cert = verify.certify_model(net, 100, domain="box:0,1", options=Options(seed=3, device="cpu", width=4,
                                                                           input_shape=shape))
    assert cert.certified and cert.json["model"]["input_shape"] == list(shape)
    cert.save(tmp_path / "m.cert.json")
    loaded = Certificate.load(tmp_path / "m.cert.json", tmp_path / "m.pt")
    x = torch.rand(16, 25, dtype=torch.float64)
    with torch.no_grad():
        a = loaded.pruned.double()(_image(x, shape)).reshape(16, -1)
    assert torch.allclose(a, cert.construction.forward(x), rtol=0, atol=1e-12)
    assert 0 < verify.attack(tmp_path / "m.pt", loaded) <= float(cert.bound)
    assert loaded.check().bound == cert.bound


def test_the_sampled_predictor_refuses_a_cnn(models):
    from verify.predict import Predictor

    _, path, shape = models["p2_bias_2x6x6"]
    with pytest.raises(ValueError, match="searched by building"):
        Predictor(load_target(path, shape), Options(device="cpu"))


def test_demo_cnn_certifies_checks_and_compares_accuracy(tmp_path, capsys):
    """``slt-verify demo --cnn`` end to end on the shipped digits CNN (a fixed width factor and a loose ε here, so
    that the test does not depend on the search; the default run searches k for ε = 0.05)."""
    from verify.cli import main

    code = main(["demo", "--cnn", "--out", str(tmp_path), "--width-factor", "24", "--eps", "1000"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1x8x8 -> Conv2d 4@3x3 -> Conv2d 8@3x3/2 -> Linear 10" in out and "the box [0, 1]^64" in out
    assert "VALID:" in out and "held-out accuracy (450 digits): target F" in out
    assert (tmp_path / "digits_cnn.cert.json").is_file() and (tmp_path / "digits_cnn.pruned.pt").is_file()
