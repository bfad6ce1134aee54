"""Tests that kill the mutants of the format-4 model reader (verify/kernel/modules.py ``conv_geometry`` and
``_affine_params``, verify/kernel/modelfile.py ``_matrix``/``_affine``) and of wellformed.read_file's block loop
(benchmarks/MUTATION.md).  Every accepted file is compared with torch's own forward; every refusal is matched on
its message."""

from __future__ import annotations

import io as _io
from pathlib import Path

import pytest
import torch
import torch.nn.functional as tf
from torch import nn

from verify.kernel import modelfile
from verify.kernel.wellformed import Unusable, read_file

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _saved(module: nn.Module) -> bytes:
    buf = _io.BytesIO()
    torch.save(module, buf)
    return buf.getvalue()


def _refused(module: nn.Module, pattern: str) -> None:
    with pytest.raises(modelfile.ModelFileError, match=pattern):
        modelfile.read_chain(_saved(module))


# --- padding="same" ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kernel", [(2, 3), (3, 2), (2, 2)])
def test_same_padding_with_an_even_kernel_side_is_refused(kernel):
    """torch pads an even side asymmetrically under padding='same' (here: its output differs from every symmetric
    zero padding of that side), which the kernel's (p_h, p_w) model cannot state: refused, whichever side is even."""
    torch.manual_seed(0)
    m = nn.Conv2d(1, 1, kernel, padding="same", bias=False).double()
    x = torch.randn(1, 1, 5, 5, dtype=torch.float64)
    y = m(x)
    assert tuple(y.shape[2:]) == (5, 5)
    for ph in range(3):
        for pw in range(3):
            z = tf.conv2d(x, m.weight, padding=(ph, pw))
            assert z.shape != y.shape or not torch.allclose(z, y)
    _refused(nn.Sequential(m, nn.ReLU(), nn.Flatten(), nn.Linear(25, 1)),
             r"padding='same' is read only with stride 1 and odd kernel sizes")


@pytest.mark.parametrize("kernel", [(3, 5), (5, 1), (1, 3)])
def test_same_padding_of_an_odd_non_square_kernel_is_half_of_each_side(kernel):
    """padding='same' with odd kh ≠ kw is read as ((kh − 1)/2, (kw − 1)/2), the padding with which torch's conv2d
    gives the module's own output."""
    torch.manual_seed(1)
    m = nn.Conv2d(1, 2, kernel, padding="same").double()
    layer = modelfile.read_chain(_saved(nn.Sequential(m))).layers[0]
    assert layer.padding == ((kernel[0] - 1) // 2, (kernel[1] - 1) // 2)
    x = torch.randn(1, 1, 6, 7, dtype=torch.float64)
    assert torch.equal(tf.conv2d(x, m.weight, m.bias, padding=layer.padding), m(x))


# --- the other Conv2d attributes ----------------------------------------------------------------------------------

def test_a_kernel_size_of_zero_is_malformed():
    m = nn.Conv2d(1, 1, 3)
    m.kernel_size = (0, 3)
    _refused(nn.Sequential(m), r"layer 0 \(Conv2d\): malformed kernel_size or stride$")


@pytest.mark.parametrize("stride, padding, ok", [((1 << 30, 1), (0, 0), False), ((1, 1), (0, 1 << 30), False),
                                                  (((1 << 30) - 1, 1), (0, 0), True), ((1, 1), (1 << 29, 0), True)])
def test_strides_and_paddings_below_2_30_are_read(stride, padding, ok):
    """The documented cap: a stride or padding of 2^30 or more is refused, 2^30 − 1 (and 2^29) are read."""
    m = nn.Conv2d(1, 1, 1, stride=stride, padding=padding)
    if ok:
        layer = modelfile.read_chain(_saved(nn.Sequential(m))).layers[0]
        assert (layer.stride, layer.padding) == (stride, padding)
    else:
        _refused(nn.Sequential(m), r"stride or padding of 2\^30 or more")


def test_parameters_other_than_weight_and_bias_are_refused():
    """A Linear or Conv2d whose _parameters hold anything besides weight and bias is refused (modelfile.py: "whose
    weight/bias are the registered Parameter entries of _parameters"), before any tensor is decoded."""
    for m in (nn.Linear(2, 1), nn.Conv2d(1, 1, 1)):
        m.register_parameter("scale", nn.Parameter(torch.ones(1)))
        _refused(nn.Sequential(m), rf"layer 0 \({type(m).__name__}\): parameters must be exactly weight and bias")


def test_an_empty_linear_weight_is_refused():
    """nn.Linear(0, 2) (a 2 × 0 weight: torch's forward returns the bias alone) is not an F the checker reads."""
    _refused(nn.Sequential(nn.Linear(0, 2)), r"0\.weight is not a non-empty 2-D floating-point tensor")


def test_in_features_must_match_the_weight():
    m = nn.Linear(3, 2)
    m.in_features = 4
    _refused(nn.Sequential(m), r"layer 0 \(Linear\): in_features/out_features do not match its weight")


# --- wellformed.read_file on a file whose size fstat does not tell ----------------------------------------------------

def test_read_file_refuses_an_endless_device_after_limit_plus_one_bytes():
    """/dev/zero reports size 0 and never ends: read_file reads limit + 1 bytes and refuses.  With limit = 2^24 (one
    block) the first read returns exactly ``limit`` bytes, and only the next one tells the file is larger: it is
    refused, not returned as the first 2^24 bytes."""
    zero = Path("/dev/zero")
    if not zero.exists():
        pytest.skip("no /dev/zero")
    for limit in (1000, 1 << 24):
        with pytest.raises(Unusable, match=rf"^model file /dev/zero is larger than {limit} bytes$"):
            read_file(zero, limit, "model file")
