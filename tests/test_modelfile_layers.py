"""Real networks (issue 13): Flatten, Dropout and Identity in an nn.Sequential, and one-line refusals of other layers.

verify/kernel/modelfile.py reads F from the file's bytes (never through torch); each accepted model is checked
against torch's own forward (eval mode, float64) on random inputs, through an exact (Fraction) evaluation of the
Linear layers the reader returns.
"""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
import torch
from torch import nn

from verify.kernel.modelfile import ModelFileError, read_chain

B = 5   # inputs per forward check


def _tutorial(seed: int = 0) -> nn.Sequential:
    """The PyTorch tutorial's shape, scaled down to 1×8×8 images."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 12), nn.ReLU(), nn.Dropout(0.2), nn.Linear(12, 7), nn.ReLU(),
                         nn.Linear(7, 3))


def _bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _exact(chain, x: torch.Tensor) -> list[list[float]]:
    """F(x) for each row of x, computed exactly from chain.layers (ReLU between them), rounded once at the end."""
    out = []
    for row in x.tolist():
        v = [Fraction(t) for t in row]
        for i, layer in enumerate(chain.layers):
            bias = layer.bias or [0.0] * len(layer.weight)
            v = [sum((Fraction(w) * t for w, t in zip(r, v, strict=True)), Fraction(b))
                 for r, b in zip(layer.weight, bias, strict=True)]
            if i + 1 < len(chain.layers):
                v = [max(t, Fraction(0)) for t in v]
        out.append([float(t) for t in v])
    return out


def _agrees(chain, module: nn.Module, shape: tuple) -> None:
    module = module.double().eval()
    x = torch.randn(B, *shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want = module(x)
    got = torch.tensor(_exact(chain, x.reshape(B, -1)), dtype=torch.float64)
    assert got.shape == want.shape
    assert torch.allclose(got, want, rtol=1e-12, atol=1e-12), (got - want).abs().max()


def _refused(obj, match: str) -> None:
    with pytest.raises(ModelFileError, match=match) as e:
        read_chain(_bytes(obj))
    assert len(str(e.value).splitlines()) == 1


# --- accepted ------------------------------------------------------------------------------------------------

def test_tutorial_module_is_read_as_torch_runs_it():
    m = _tutorial()
    chain = read_chain(_bytes(m))
    assert chain.kind == "torch-module"
    assert chain.modules == ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Linear"]
    assert [(x.weight_key, x.bias_key) for x in chain.layers] == [("1.weight", "1.bias"), ("4.weight", "4.bias"),
                                                                  ("6.weight", "6.bias")]
    assert [(len(x.weight), len(x.weight[0]), len(x.bias)) for x in chain.layers] == [(12, 64, 12), (7, 12, 7),
                                                                                      (3, 7, 3)]
    assert chain.dtype == "float32"
    _agrees(chain, m, (1, 8, 8))


def test_tutorial_state_dict_is_read_by_the_convention():
    m = _tutorial(1)
    chain = read_chain(_bytes(m.state_dict()))
    assert chain.kind == "torch-state-dict"
    assert chain.modules == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [x.weight_key for x in chain.layers] == ["1.weight", "4.weight", "6.weight"]
    _agrees(chain, m, (1, 8, 8))


def test_tutorial_safetensors_is_read_by_the_convention():
    st = pytest.importorskip("safetensors.torch")
    m = _tutorial(2)
    chain = read_chain(st.save(m.state_dict()))
    assert chain.kind == "safetensors"
    assert chain.modules == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [x.bias_key for x in chain.layers] == ["1.bias", "4.bias", "6.bias"]
    _agrees(chain, m, (1, 8, 8))


def test_missing_bias_stays_none():
    m = nn.Sequential(nn.Flatten(), nn.Linear(64, 4, bias=False), nn.ReLU(), nn.Linear(4, 2))
    chain = read_chain(_bytes(m))
    assert (chain.layers[0].bias, chain.layers[0].bias_key) == (None, None)
    assert chain.layers[1].bias_key == "3.bias"
    _agrees(chain, m, (1, 8, 8))


@pytest.mark.parametrize("where", range(6))
def test_identity_anywhere(where):
    torch.manual_seed(where)
    layers = [nn.Flatten(), nn.Linear(64, 6), nn.ReLU(), nn.Linear(6, 2)]
    layers.insert(min(where, len(layers)), nn.Identity())
    if where == 5:   # several, including first and last
        layers = [nn.Identity(), nn.Identity(), *layers[:-1], nn.Identity()]
    m = nn.Sequential(*layers)
    chain = read_chain(_bytes(m))
    assert chain.modules == [type(c).__name__ for c in m]
    assert chain.modules.count("Identity") == (3 if where == 5 else 1)
    assert len(chain.layers) == 2
    _agrees(chain, m, (1, 8, 8))


def test_identity_and_dropout_without_flatten():
    torch.manual_seed(3)
    m = nn.Sequential(nn.Dropout(0.5), nn.Linear(5, 4), nn.Identity(), nn.ReLU(), nn.Dropout(0.0), nn.Linear(4, 2),
                      nn.Dropout(1.0))
    chain = read_chain(_bytes(m))
    assert chain.modules == ["Dropout", "Linear", "Identity", "ReLU", "Dropout", "Linear", "Dropout"]
    _agrees(chain, m, (5,))


def test_dropout_saved_in_training_mode_is_read_as_inference():
    m = _tutorial(4)
    m[3].inplace = True
    evaluated = read_chain(_bytes(m.eval()))
    m.train()
    assert m[3].training and m[3].p == 0.2
    chain = read_chain(_bytes(m))
    assert chain.modules == evaluated.modules and chain.modules[3] == "Dropout"
    assert chain.layers == evaluated.layers
    _agrees(chain, m, (1, 8, 8))   # torch in eval mode: the identity


def test_float64_module():
    m = _tutorial(5).double()
    chain = read_chain(_bytes(m))
    assert chain.dtype == "float64"
    _agrees(chain, m, (1, 8, 8))


# --- refused: order ------------------------------------------------------------------------------------------

def test_flatten_after_a_linear_is_refused():
    _refused(nn.Sequential(nn.Linear(4, 3), nn.Flatten(), nn.ReLU(), nn.Linear(3, 2)),
             r"^layer 1 \(Flatten\): a Flatten is read only once, after every Conv2d and before the first Linear$")
    _refused(nn.Sequential(nn.Flatten(), nn.Identity(), nn.Flatten(), nn.Linear(4, 2)),
             r"^layer 2 \(Flatten\): a Flatten is read only once")


def test_two_relus_in_a_row_are_refused():
    _refused(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Dropout(), nn.ReLU(), nn.Linear(3, 2)),
             r"^layer 3 \(ReLU\): follows another ReLU \(exactly one ReLU between consecutive layers\)$")


def test_relu_at_the_end_is_refused():
    _refused(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2), nn.ReLU(), nn.Identity()),
             r"^layer 3 \(ReLU\): the model ends with a ReLU \(F's last layer must be a Linear or Conv2d\)$")


def test_other_orders_are_refused():
    _refused(nn.Sequential(nn.ReLU(), nn.Linear(4, 2)), r"^layer 0 \(ReLU\): comes before the first Linear or Conv2d$")
    _refused(nn.Sequential(nn.Linear(4, 3), nn.Dropout(), nn.Linear(3, 2)),
             r"^layer 2 \(Linear\): follows layer 0 \(Linear\) with no ReLU between them$")
    _refused(nn.Sequential(nn.Flatten(), nn.Dropout(), nn.Identity()), r"no Linear or Conv2d layer \(empty model\)")
    _refused(nn.Sequential(nn.Sequential(nn.Linear(4, 3)), nn.ReLU(), nn.Linear(3, 2)),
             r"^layer 0 \(Sequential\): nested Sequentials are not read")


# --- refused: other layer classes ----------------------------------------------------------------------------

@pytest.mark.parametrize(("layer", "match"), [
    (nn.BatchNorm1d(3), r"^layer class BatchNorm1d \(torch\.nn\.modules\.batchnorm\) is not supported: fold "
                        r"BatchNorm into the preceding Linear before saving \(W' = diag\(γ/√\(var\+ε\)\) W, "
                        r"b' = γ\(b − mean\)/√\(var\+ε\) \+ β\)$"),
    (nn.Tanh(), r"^layer class Tanh \(torch\.nn\.modules\.activation\) is not supported: only ReLU activations are "
                r"supported$"),
    (nn.GELU(), r"^layer class GELU \(torch\.nn\.modules\.activation\) is not supported: only ReLU activations"),
    (nn.Conv1d(1, 1, 1), r"^layer class Conv1d \(torch\.nn\.modules\.conv\) is not supported: only Conv2d "
                         r"convolutions are read \(no Conv1d, Conv3d or transposed convolutions\)$"),
    (nn.MaxPool2d(2), r"^layer class MaxPool2d \(torch\.nn\.modules\.pooling\) is not supported: pooling is not "
                      r"read yet \(AvgPool2d: fold it into the next layer's weights; MaxPool2d is not piecewise "
                      r"affine in a way the construction covers\)$"),
    (nn.LayerNorm(3), r"^layer class LayerNorm \(torch\.nn\.modules\.normalization\) is not supported: slt-verify "
                      r"reads Conv2d, Linear, ReLU, Flatten, Dropout and Identity$"),
    (nn.AlphaDropout(0.1), r"^layer class AlphaDropout \(torch\.nn\.modules\.dropout\) is not supported: slt-verify "
                           r"reads Conv2d, Linear, ReLU, Flatten, Dropout and Identity$"),
])
def test_unsupported_layer_classes_are_named_with_the_way_out(layer, match):
    _refused(nn.Sequential(nn.Linear(4, 3), layer, nn.ReLU(), nn.Linear(3, 2)), match)


def test_non_torch_globals_keep_the_general_refusal():
    m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    m[1].__dict__["scale"] = torch.Size([2])
    _refused(m, r"^refused: the pickle asks for torch\.Size")


# --- refused: forged attributes ------------------------------------------------------------------------------

def test_flatten_other_dims_are_refused():
    _refused(nn.Sequential(nn.Flatten(start_dim=2), nn.Linear(4, 2)),
             r"^layer 0 \(Flatten\): start_dim=2, end_dim=-1; only Flatten\(start_dim=1, end_dim=-1\) is read")
    _refused(nn.Sequential(nn.Flatten(1, 2), nn.Linear(4, 2)), r"^layer 0 \(Flatten\): start_dim=1, end_dim=2;")
    forged = nn.Flatten()
    forged.start_dim = True   # == 1 in Python, yet not what a fresh Flatten holds
    _refused(nn.Sequential(forged, nn.Linear(4, 2)), r"^layer 0 \(Flatten\): start_dim=True, end_dim=-1; only")
    forged = nn.Flatten()
    forged.end_dim = -1.0
    _refused(nn.Sequential(forged, nn.Linear(4, 2)), r"^layer 0 \(Flatten\): start_dim=1, end_dim=-1\.0; only")


@pytest.mark.parametrize("p", [1.5, -0.1, float("nan"), float("inf"), True, "0.5"])
def test_dropout_p_outside_0_1_is_refused(p):
    d = nn.Dropout()
    d.p = p
    _refused(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), d, nn.Linear(3, 2)),
             r"^layer 2 \(Dropout\): p=.* is not a probability in \[0, 1\]$")


def test_dropout_with_a_forged_attribute_is_refused():
    d = nn.Dropout(0.2)
    object.__setattr__(d, "forward", nn.ReLU())
    _refused(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), d, nn.Linear(3, 2)),
             r"^layer 2 \(Dropout\): attributes \['forward'\] are not those of a fresh Dropout$")
    d = nn.Dropout(0.2)
    d.inplace = 1
    _refused(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), d, nn.Linear(3, 2)),
             r"^layer 2 \(Dropout\): malformed inplace flag$")
    d = nn.Dropout(0.2)
    del d.__dict__["p"]
    _refused(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), d, nn.Linear(3, 2)),
             r"^layer 2 \(Dropout\): attributes \['p'\] are missing$")


def test_identity_and_flatten_hold_nothing_else():
    i = nn.Identity()
    i.__dict__["scale"] = 2.0
    _refused(nn.Sequential(i, nn.Linear(4, 2)), r"^layer 0 \(Identity\): attributes \['scale'\] are not those of")
    i = nn.Identity()
    i.register_buffer("shift", torch.ones(1))
    _refused(nn.Sequential(nn.Linear(4, 2), i), r"^layer 1 \(Identity\): _buffers is not empty")
    f = nn.Flatten()
    f.register_parameter("w", nn.Parameter(torch.ones(1)))
    _refused(nn.Sequential(f, nn.Linear(4, 2)), r"^layer 0 \(Flatten\): holds parameters, which a Flatten does not")
    r = nn.ReLU()
    r.register_parameter("w", nn.Parameter(torch.ones(1)))
    _refused(nn.Sequential(nn.Linear(4, 3), r, nn.Linear(3, 2)), r"^layer 1 \(ReLU\): holds parameters")


def test_a_shared_dropout_is_refused():
    d = nn.Dropout()
    m = nn.Sequential(nn.Linear(4, 3), d, nn.ReLU(), nn.Linear(3, 2))
    m.add_module("4", d)
    _refused(m, r"^a child module object appears twice")


def test_children_out_of_order_are_refused():
    m = nn.Sequential()
    for key, layer in [("1", nn.Flatten()), ("0", nn.Linear(4, 2))]:
        m.add_module(key, layer)
    _refused(m, r"^children \['1', '0'\] are not keyed 0, 1")
