"""The kernel's convolution geometry (verify/kernel/conv.py) against torch as an independent oracle, the module
reader's Conv2d rules, and format 3 read as format 4 (docs/conv.md, certs/FORMAT.md)."""

from __future__ import annotations

import copy
import io as _io
import itertools
import json
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from torch import nn

from verify.kernel import check, conv, modelfile
from verify.kernel.check import check_certificate, run
from verify.kernel.wellformed import Unusable, well_formed

DATA = Path(__file__).parent / "data"


def _geometry(c_in, hw, kernel, stride, pad, c_out=2):
    shape = (c_out, c_in, *kernel)
    return conv.walk([c_in, *hw], ["Conv2d"], [(shape, stride, pad)])[0]


CASES = [(1, (5, 5), (3, 3), (1, 1), (1, 1)), (2, (6, 5), (3, 2), (2, 1), (1, 0)), (1, (4, 4), (2, 2), (2, 2), (0, 0)),
         (1, (3, 3), (3, 3), (1, 1), (2, 2)), (3, (7, 4), (5, 3), (3, 2), (2, 1)), (1, (2, 2), (1, 1), (1, 1), (0, 0))]


@pytest.mark.parametrize("c_in, hw, kernel, stride, pad", CASES)
def test_unroll_is_torchs_conv2d(c_in, hw, kernel, stride, pad):
    """unroll(K) x equals torch's conv2d of x (float64, random kernel, every basis vector), output sizes included."""
    g = _geometry(c_in, hw, kernel, stride, pad)
    gen = torch.Generator().manual_seed(0)
    weight = torch.randn(2, c_in, *kernel, generator=gen, dtype=torch.float64)
    dense = torch.tensor(conv.unroll(weight.reshape(2, -1).tolist(), g), dtype=torch.float64)
    eye = torch.eye(c_in * hw[0] * hw[1], dtype=torch.float64).reshape(-1, c_in, *hw)
    ref = torch.nn.functional.conv2d(eye, weight, stride=stride, padding=pad).reshape(eye.shape[0], -1).T
    out = torch.nn.functional.conv2d(eye[:1], weight, stride=stride, padding=pad)
    assert tuple(out.shape[2:]) == (g.ho, g.wo) and torch.equal(dense, ref)


@pytest.mark.parametrize("c_in, hw, kernel, stride, pad", CASES)
def test_multiplicity_is_the_largest_column_count_of_the_unrolled_operator(c_in, hw, kernel, stride, pad):
    """M of docs/conv.md §4 = max over input entries of how many output positions read it: counted on torch's
    unrolled operator with an all-ones kernel (one input channel and one output channel)."""
    g = _geometry(1, hw, kernel, stride, pad, c_out=1)
    eye = torch.eye(hw[0] * hw[1], dtype=torch.float64).reshape(-1, 1, *hw)
    ones = torch.ones(1, 1, *kernel, dtype=torch.float64)
    count = torch.nn.functional.conv2d(eye, ones, stride=stride, padding=pad).reshape(eye.shape[0], -1).sum(1)
    assert g.mult == int(count.max())


def test_multiplicity_bound_holds_on_random_kernels():
    """‖conv_K‖ ≤ √M·‖K‖₂ (the lemma of docs/conv.md §4) for the computed M on random kernels, computed on the
    unrolled operator; and the factor is needed: some kernel exceeds √(M − 1)·‖K‖₂."""
    gen = torch.Generator().manual_seed(1)
    tight = False
    for c_in, hw, kernel, stride, pad in CASES:
        g = _geometry(c_in, hw, kernel, stride, pad)
        for _ in range(5):
            w = torch.randn(2, c_in * g.positions, generator=gen, dtype=torch.float64)
            op = torch.linalg.matrix_norm(torch.tensor(conv.unroll(w.tolist(), g), dtype=torch.float64), ord=2)
            k2 = torch.linalg.matrix_norm(w, ord=2)
            assert op <= (g.mult ** 0.5) * k2 * (1 + 1e-12)
            tight |= op > ((g.mult - 1) ** 0.5) * k2
    assert tight   # the factor is not loose everywhere: √(M − 1) would be wrong for some kernel


@pytest.mark.parametrize("c_in, hw, kernel, stride, pad", CASES)
def test_inside_rectangles_are_the_kernel_positions_that_read_the_image(c_in, hw, kernel, stride, pad):
    """For every output position, the kernel positions landing inside the image (counted by brute force) form the
    rectangles ``inside`` lists, with the right multiplicities."""
    assert_inside_is_brute_force(_geometry(c_in, hw, kernel, stride, pad), hw, stride, pad)


def assert_inside_is_brute_force(g: conv.Geometry, hw, stride, pad) -> None:
    """``conv.inside(g)`` lists, with multiplicities, the sets of kernel positions that land inside the image at
    each output position, counted by brute force over every output position."""
    brute: dict[frozenset, int] = {}
    for r, t in itertools.product(range(g.ho), range(g.wo)):
        qs = frozenset(a * g.kw + e for a, e in itertools.product(range(g.kh), range(g.kw))
                       if 0 <= stride[0] * r + a - pad[0] < hw[0] and 0 <= stride[1] * t + e - pad[1] < hw[1])
        brute[qs] = brute.get(qs, 0) + 1
    listed: dict[frozenset, int] = {}
    for (a0, a1), (e0, e1), n in conv.inside(g):
        qs = frozenset(a * g.kw + e for a in range(a0, a1 + 1) for e in range(e0, e1 + 1))
        listed[qs] = listed.get(qs, 0) + n
    assert listed == brute


def test_walk_refuses_shapes_that_do_not_fit():
    layers = [((4, 1, 3, 3), (1, 1), (1, 1)), ((10, 64), (1, 1), (0, 0))]
    mods = ["Conv2d", "ReLU", "Flatten", "Linear"]
    assert [g.group for g in conv.walk([1, 4, 4], mods, layers)] == [9, 16]
    with pytest.raises(conv.GeometryError, match="needs 1 channels of an image"):
        conv.walk([2, 4, 4], mods, layers)
    with pytest.raises(conv.GeometryError, match=r"a Linear needs a vector of 64"):
        conv.walk([1, 5, 5], mods, layers)
    with pytest.raises(conv.GeometryError, match="smaller than the kernel"):
        conv.walk([1, 1, 1], ["Conv2d"], [((1, 1, 5, 5), (1, 1), (1, 1))])
    with pytest.raises(conv.GeometryError, match="a Linear needs a vector"):   # an image into a Linear, no Flatten
        conv.walk([1, 2, 2], ["Linear"], [((3, 4), (1, 1), (0, 0))])


def _saved(module: nn.Module) -> bytes:
    buf = _io.BytesIO()
    torch.save(module, buf)
    return buf.getvalue()


@pytest.mark.parametrize("make, pattern", [
    (lambda: nn.Conv2d(1, 2, 3, dilation=2), "dilated convolutions are not read"),
    (lambda: nn.Conv2d(2, 2, 3, groups=2), "grouped convolutions are not read"),
    (lambda: nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"), "only zero padding is read"),
    (lambda: nn.Conv2d(1, 2, 4, padding="same"), "padding='same' is read only with stride 1 and odd kernel sizes"),
    (lambda: nn.ConvTranspose2d(1, 2, 3), "ConvTranspose2d .* not supported"),
    (lambda: nn.MaxPool2d(2), "MaxPool2d .* not supported"),
    (lambda: nn.AvgPool2d(2), "AvgPool2d .* not supported"),
    (lambda: nn.Conv1d(1, 2, 3), "Conv1d .* not supported"),
])
def test_unsupported_convolutions_are_refused_in_one_line(make, pattern):
    data = _saved(nn.Sequential(make(), nn.ReLU(), nn.Flatten(), nn.Linear(4, 1)))
    with pytest.raises(modelfile.ModelFileError, match=pattern):
        modelfile.read_chain(data)


@pytest.mark.parametrize("module, pattern", [
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Linear(2, 1)), "needs a Flatten between them"),
    (lambda: nn.Sequential(nn.Flatten(), nn.Linear(4, 4), nn.ReLU(), nn.Conv2d(1, 2, 3)),
     "Conv2d after a Flatten or a Linear"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Conv2d(2, 2, 1)),
     "Conv2d after a Flatten"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.Conv2d(2, 2, 1)), "no ReLU between them"),
    (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Flatten(), nn.Linear(2, 1)),
     "a Flatten is read only once"),
])
def test_conv_chains_out_of_place_are_refused(module, pattern):
    with pytest.raises(modelfile.ModelFileError, match=pattern):
        modelfile.read_chain(_saved(module()))


def test_conv_module_is_read_exactly_with_its_geometry():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 2, 3, padding="same"), nn.ReLU(), nn.Conv2d(2, 3, (3, 1), stride=(2, 1),
                      padding=(1, 0), bias=False), nn.ReLU(), nn.Flatten(), nn.Dropout(), nn.Linear(3 * 3 * 5, 4))
    chain = modelfile.read_chain(_saved(m))
    assert chain.modules == ["Conv2d", "ReLU", "Conv2d", "ReLU", "Flatten", "Dropout", "Linear"]
    (a, b, c) = chain.layers
    assert (a.kind, a.shape, a.stride, a.padding) == ("Conv2d", (2, 1, 3, 3), (1, 1), (1, 1))
    assert (b.kind, b.shape, b.stride, b.padding, b.bias) == ("Conv2d", (3, 2, 3, 1), (2, 1), (1, 0), None)
    assert (c.kind, c.shape) == ("Linear", (4, 45))
    assert b.weight == m[2].weight.detach().double().reshape(3, -1).tolist()
    geometry = conv.walk([1, 5, 5], chain.modules, [(x.shape, x.stride, x.padding) for x in chain.layers])
    assert [(g.c_out, g.ho, g.wo) for g in geometry] == [(2, 5, 5), (3, 3, 5), (4, 1, 1)]


def test_state_dict_with_convolutions_is_refused_with_the_way_out():
    buf = _io.BytesIO()
    torch.save(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1)).state_dict(), buf)
    with pytest.raises(modelfile.ModelFileError, match=r"4-D convolution weight: .*save the whole module"):
        modelfile.read_chain(buf.getvalue())


# --- format 3 ------------------------------------------------------------------------------------------------

def _format3():
    return json.loads((DATA / "format3-tiny.cert.json").read_text()), (DATA / "format3-tiny.safetensors").read_bytes()


def test_format3_certificate_is_still_valid():
    """A format-3 certificate written by slt-verify 0.2 (tests/data) is read as format 4 and accepted."""
    code, line, ok = run(DATA / "format3-tiny.cert.json", DATA / "format3-tiny.safetensors")
    assert code == 0 and line.startswith("VALID: sup over the l2 ball of radius 1 ")
    assert ok.geometry[0].c_in == 2 and ok.geometry[0].mult == 1


@pytest.mark.parametrize("edit, pattern", [
    (lambda c: c["model"].__setitem__("input_shape", [2]), r"model must be an object with keys"),
    (lambda c: c["model"]["layers"][0].__setitem__("stride", [1, 1]), r"model.layers\[0\] must be an object"),
    (lambda c: c["model"]["modules"].__setitem__(0, "Conv2d"), r"model.modules\[0\] must be one of"),
    (lambda c: c["model"]["layers"][0].__setitem__("shape", [3, 2, 1, 1]), r"model.layers\[0\].shape must list 2"),
    (lambda c: c["claim"].__setitem__("semantics", __import__("verify.kernel.io").kernel.io.CLAIM["semantics"]),
     "claim.semantics must be one of"),
])
def test_format3_cannot_carry_format4_fields(edit, pattern):
    cert, data = _format3()
    edit(cert)
    with pytest.raises(Unusable, match=pattern):
        check_certificate(cert, data)


def test_format3_upgrade_keeps_every_number():
    cert, _ = _format3()
    up = well_formed(copy.deepcopy(cert))
    assert up["format"] == "slt-verify-certificate/4" and up["model"]["input_shape"] == [2]
    assert [s["stride"] + s["padding"] for s in up["model"]["layers"]] == [[1, 1, 0, 0]] * 2
    for key in ("layers", "mask", "random_network", "rescaling", "verdict"):
        assert up[key] == cert[key]
    assert {k: v for k, v in up["claim"].items() if k != "semantics"} == {
        k: v for k, v in cert["claim"].items() if k != "semantics"}


def test_a_kernel_size_tuple_shared_by_two_convolutions_is_read():
    """Python keeps one object per constant: two Conv2d built with the literal (3, 3) in one function share it, and
    the pickle stores it once and fetches it again from the memo (a flat tuple of atoms may be shared)."""
    size = (3, 3)
    m = nn.Sequential(nn.Conv2d(1, 2, size, padding=1), nn.ReLU(), nn.Conv2d(2, 2, size, padding=1), nn.ReLU(),
                      nn.Flatten(), nn.Linear(2 * 4 * 4, 1))
    assert m[0].kernel_size is m[2].kernel_size
    data = _saved(m)
    import pickletools
    import zipfile

    with zipfile.ZipFile(_io.BytesIO(data)) as z:
        pkl = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
    assert any(op.name in ("BINGET", "LONG_BINGET") for op, _, _ in pickletools.genops(pkl))
    chain = modelfile.read_chain(data)
    assert [x.shape for x in chain.layers] == [(2, 1, 3, 3), (2, 2, 3, 3), (1, 32)]


def test_a_shared_nested_tuple_is_still_refused():
    """Sharing stays limited to flat tuples of atoms: a tuple holding a tuple, fetched twice, is refused (nested
    sharing is how a small pickle grows exponentially)."""
    import pickle

    from verify.kernel.torchzip import _scan

    inner = (1, 2)
    outer = (inner, 3)
    with pytest.raises(modelfile.ModelFileError, match="reuses a container object"):
        _scan(pickle.dumps([outer, outer], protocol=2))
    holder = (1, [2])   # a tuple whose item is a list
    with pytest.raises(modelfile.ModelFileError, match="reuses a container object"):
        _scan(pickle.dumps([holder, holder], protocol=2))
    _scan(pickle.dumps([inner, inner], protocol=2))   # a flat tuple twice: accepted


# --- unrolled rows ----------------------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "certs" / "examples"


@pytest.mark.parametrize("scale", [1 - 1e-7, 1 + 1e-7])
def test_an_unrolled_omega_is_decided_at_the_operators_norm(scale):
    """omega of the CNN example's first (unrolled) row against the operator norm σ of F's first convolution on the
    4 × 4 image, computed independently (torch's conv2d of every basis image, then numpy's SVD), below √M·‖K‖₂: just
    below σ fact 5 refuses; just above, the certificate stays valid (its stored rows used a larger omega, and the
    recurrences are monotone)."""
    import numpy as np

    cert = json.loads((EXAMPLES / "tiny-cnn.cert.json").read_text())
    model = EXAMPLES / "tiny-cnn.pt"
    with torch.serialization.safe_globals([nn.Sequential, nn.Conv2d, nn.ReLU, nn.Flatten, nn.Linear]):
        first = torch.load(model, weights_only=True)[0].double()
    basis = torch.eye(16, dtype=torch.float64).reshape(16, 1, 4, 4)
    dense = torch.nn.functional.conv2d(basis, first.weight, None, first.stride, first.padding).reshape(16, -1).T
    sigma = float(np.linalg.svd(dense.detach().numpy(), compute_uv=False)[0])
    assert cert["layers"][0]["norm"] == "unrolled" and sigma < 3 * float(np.linalg.norm(
        first.weight.detach().reshape(2, -1).numpy(), 2))   # the operator norm beats √M·‖K‖₂ (M = 9)
    cert["layers"][0]["omega"] = f"{sigma * scale:.15g}"
    if scale > 1:
        assert check.check_certificate(cert, model).bound == Fraction(cert["claim"]["bound"])
        return
    with pytest.raises(check.Invalid, match=r"layers\[0\]\.omega is below the weight matrix's unrolled norm") as e:
        check.check_certificate(cert, model)
    assert e.value.fact == 5


def test_the_engines_unrolled_matrix_is_the_kernels():
    """verify.certify.unrolled (torch: conv2d of the input basis, or conv_transpose2d of the output basis when
    there are fewer rows) equals the checker's conv.unroll entry for entry, on random geometries with strides larger
    than the kernel, kernels larger than the image and padding beyond the kernel."""
    import random

    from verify.certify import unrolled

    rnd, seen = random.Random(0), 0
    for _ in range(300):
        hw, kernel = (rnd.randint(1, 7), rnd.randint(1, 7)), (rnd.randint(1, 5), rnd.randint(1, 5))
        stride, pad, c_in, c_out = (rnd.randint(1, 4), rnd.randint(1, 4)), (rnd.randint(0, 3), rnd.randint(0, 3)), \
            rnd.randint(1, 3), rnd.randint(1, 3)
        try:
            g = _geometry(c_in, hw, kernel, stride, pad, c_out)
        except conv.GeometryError:
            continue
        k = torch.randn(c_out, c_in * g.positions, dtype=torch.float64)
        assert torch.equal(unrolled(k, g), torch.tensor(conv.unroll(k.tolist(), g), dtype=torch.float64))
        seen += 1
    assert seen > 200
