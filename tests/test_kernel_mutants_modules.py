"""Tests that kill the mutants of verify/kernel/modules.py's structural checks (benchmarks/MUTATION.md).

torch never writes most of these states, so each test reads a real ``torch.save``d module with the kernel's own
unpickler (verify/kernel/torchzip.py builds plain ``Module`` stand-ins whose ``state`` is the pickled ``__dict__``),
alters one entry of one state as a hand-made pickle could, and asserts that ``modules.sequential`` refuses it for
that reason (``match=``); the unaltered file is accepted, so every refusal is caused by the one change."""

from __future__ import annotations

import io as _io

import pytest
import torch
from torch import nn

from verify.kernel import modules
from verify.kernel.modelfile import ModelFileError
from verify.kernel.torchzip import Module, unpickle

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _top(module: nn.Module | None = None) -> Module:
    torch.manual_seed(0)
    net = module if module is not None else nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    buf = _io.BytesIO()
    torch.save(net, buf)
    return unpickle(buf.getvalue())


def _refused(top: object, pattern: str) -> None:
    with pytest.raises(ModelFileError, match=pattern):
        modules.sequential(top)


def test_the_unaltered_module_is_read():
    kinds, linears = modules.sequential(_top())
    assert kinds == ["Linear", "ReLU", "Linear"] and [name for name, _, _ in linears] == ["0", "2"]


@pytest.mark.parametrize("child", ["0", "1"])
def test_a_child_that_was_never_restored_is_refused(child):
    top = _top()
    top.state["_modules"][child].state = None
    _refused(top, "not a restored module")


def test_a_state_with_a_non_string_key_is_refused():
    top = _top()
    top.state["_modules"]["1"].state[7] = 0
    _refused(top, r"layer 1: not a restored module")


@pytest.mark.parametrize("table", ["_buffers", "_parameters"])
def test_a_buffer_or_parameter_table_that_is_not_a_dict_is_refused(table):
    top = _top()
    top.state["_modules"]["1"].state[table] = []       # empty, so the hook/buffer emptiness test passes
    _refused(top, r"layer 1 \(ReLU\): malformed parameter or buffer table")


def test_a_relu_with_sub_modules_is_refused():
    top = _top()
    relu = top.state["_modules"]["1"]
    relu.state["_modules"] = {"inner": top.state["_modules"]["0"]}
    _refused(top, r"layer 1 \(ReLU\): has sub-modules")


@pytest.mark.parametrize("value", [1, 0, None, "True"])
def test_a_training_flag_that_is_not_a_bool_is_refused(value):
    top = _top()
    top.state["_modules"]["1"].state["training"] = value
    _refused(top, r"layer 1 \(ReLU\): malformed flags")


def test_a_weight_that_is_a_bare_tensor_not_a_parameter_is_refused():
    top = _top()
    params = top.state["_modules"]["0"].state["_parameters"]
    params["weight"] = params["weight"].tensor
    _refused(top, r"layer 0 \(Linear\): parameters must be exactly weight and bias")


@pytest.mark.parametrize("module", [nn.Linear(3, 2), nn.ReLU()])
def test_a_bare_module_is_not_a_sequential(module):
    _refused(_top(module), f"the file holds a bare {type(module).__name__}, not an nn.Sequential")


def test_a_module_table_that_is_not_a_dict_is_refused():
    top = _top()
    top.state["_modules"] = list(top.state["_modules"].values())
    _refused(top, "the Sequential's module table is not a dict")


@pytest.mark.parametrize("value", [5, "ReLU", None])
def test_a_child_that_is_not_a_module_is_refused(value):
    top = _top()
    top.state["_modules"]["1"] = value
    _refused(top, f"layer 1: a {type(value).__name__}, not a module")


def test_a_sequential_with_parameters_of_its_own_is_refused():
    top = _top()
    top.state["_parameters"] = {"w": top.state["_modules"]["0"].state["_parameters"]["weight"]}
    _refused(top, r"the Sequential \(Sequential\): holds parameters, which a Sequential does not have")
