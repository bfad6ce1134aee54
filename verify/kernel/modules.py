"""Which pickled ``nn.Sequential`` verify/kernel/modelfile.py reads as F, and how.  [trusted; stdlib only]

``sequential(top)`` checks the stand-ins that verify/kernel/torchzip.py built (``Module`` objects whose ``kind`` is
one of its seven module classes) against what torch's forward does with them: the children, in the order
``Sequential.forward`` applies them, of class exactly Conv2d, Linear, ReLU, Flatten, Dropout or Identity, reading —
with Dropout and Identity (the identity at inference) and Flatten left out — ``A (ReLU A)*`` with every A a Conv2d
or Linear, every Conv2d before every Linear, and at most one Flatten, after every Conv2d and before every Linear
(required when both occur: a Linear on an image would act on its last dimension only; docs/conv.md §1); every
module's pickled ``__dict__`` made of exactly the attributes a freshly constructed one of its class has
(``_ATTRS``/``_REQUIRED``: an instance ``forward`` or ``weight`` would shadow the class's behaviour), every hook
and buffer table empty, only a Linear or Conv2d holding parameters, and a Conv2d's forward the plain zero-padded
``conv2d`` (``conv_geometry``: dilation 1, one group, padding mode "zeros").  Each refusal is one line naming the
child.
"""

from __future__ import annotations

import math

from verify.kernel.tensordata import ModelFileError, Tensor
from verify.kernel.torchzip import Module, Param

__all__ = ["sequential", "conv_geometry", "AFFINE"]

_HOOKS = ("_backward_pre_hooks", "_backward_hooks", "_forward_hooks", "_forward_hooks_with_kwargs",
          "_forward_hooks_always_called", "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
          "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")
_BASE = {"training", "_parameters", "_buffers", "_modules", "_non_persistent_buffers_set", "_is_full_backward_hook",
         *_HOOKS}
_CORE = {"training", "_parameters", "_buffers", "_modules", "_forward_hooks", "_backward_hooks"}
_OWN = {"Sequential": set(), "Identity": set(), "Linear": {"in_features", "out_features"}, "ReLU": {"inplace"},
        "Flatten": {"start_dim", "end_dim"}, "Dropout": {"p", "inplace"},
        "Conv2d": {"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "transposed",
                   "output_padding", "groups", "padding_mode", "_reversed_padding_repeated_twice"}}
# ^ what torch 2.x's __init__ sets
_ATTRS = {kind: _BASE | own for kind, own in _OWN.items()}      # a fresh module's __dict__ (torch 2.13)
_REQUIRED = {kind: _CORE | own for kind, own in _OWN.items()}   # what every torch since 1.x pickles
_SKIPPED = ("Dropout", "Identity")                               # the identity in F (Dropout: at inference)
AFFINE = ("Linear", "Conv2d")                                    # the layers that hold weights


def _state(m: object, where: str) -> dict:
    """The pickled __dict__ of a module after checking it holds exactly what a fresh module of its class has."""
    state = m.state if isinstance(m, Module) else None
    if not isinstance(state, dict) or not all(type(k) is str for k in state):
        raise ModelFileError(f"{where}: not a restored module")
    extra, missing = set(state) - _ATTRS[m.kind], _REQUIRED[m.kind] - set(state)
    if extra or missing:
        raise ModelFileError(f"{where} ({m.kind}): attributes {sorted(extra)} are not those of a fresh {m.kind}"
                             if extra else f"{where} ({m.kind}): attributes {sorted(missing)} are missing")
    for name in (*_HOOKS, "_buffers", "_non_persistent_buffers_set"):
        if state.get(name, ()):
            raise ModelFileError(f"{where} ({m.kind}): {name} is not empty (hooks and buffers change forward)")
    if not isinstance(state["_buffers"], dict) or not isinstance(state["_parameters"], dict):
        raise ModelFileError(f"{where} ({m.kind}): malformed parameter or buffer table")
    if m.kind != "Sequential" and state["_modules"]:
        raise ModelFileError(f"{where} ({m.kind}): has sub-modules")
    if m.kind not in AFFINE and state["_parameters"]:
        raise ModelFileError(f"{where} ({m.kind}): holds parameters, which a {m.kind} does not have")
    if type(state["training"]) is not bool or state.get("_is_full_backward_hook") not in (None, True, False):
        raise ModelFileError(f"{where} ({m.kind}): malformed flags")
    return state


def _show(v: object) -> str:
    return repr(v)[:40] if type(v) in (bool, int, float, str) or v is None else type(v).__name__


def _child(m: Module, where: str) -> None:
    """A non-Linear child's own attributes: those its forward reads, as a fresh one holds them."""
    state = _state(m, where)
    if "inplace" in state and type(state["inplace"]) is not bool:
        raise ModelFileError(f"{where} ({m.kind}): malformed inplace flag")
    if m.kind == "Flatten" and not (type(state["start_dim"]) is int and state["start_dim"] == 1
                                    and type(state["end_dim"]) is int and state["end_dim"] == -1):
        raise ModelFileError(f"{where} (Flatten): start_dim={_show(state['start_dim'])}, end_dim="
                             f"{_show(state['end_dim'])}; only Flatten(start_dim=1, end_dim=-1) is read (one vector "
                             "per input)")
    if m.kind == "Dropout" and not (type(state["p"]) in (int, float) and math.isfinite(state["p"])
                                    and 0 <= state["p"] <= 1):
        raise ModelFileError(f"{where} (Dropout): p={_show(state['p'])} is not a probability in [0, 1]")


def _affine_params(m: Module, where: str) -> list[Tensor]:
    """The Linear's or Conv2d's weight (and bias) tensors, after checking its state; nothing is decoded yet."""
    params = _state(m, where)["_parameters"]
    if list(params) != ["weight", "bias"] or not isinstance(params["weight"], Param) or not (
            params["bias"] is None or isinstance(params["bias"], Param)):
        raise ModelFileError(f"{where} ({m.kind}): parameters must be exactly weight and bias (or None)")
    if m.kind == "Conv2d":
        conv_geometry(m.state, where)
    return [p.tensor for p in params.values() if p is not None]


def _pair(v: object, low: int) -> tuple[int, int] | None:
    """An int or a 2-tuple/list of ints ≥ ``low`` as a pair (what ``F.conv2d`` accepts for stride and padding)."""
    if type(v) is int:
        v = (v, v)
    if isinstance(v, tuple | list) and len(v) == 2 and all(type(x) is int and x >= low for x in v):
        return int(v[0]), int(v[1])
    return None


def conv_geometry(state: dict, where: str) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(kernel_size, stride, padding) of a pickled Conv2d whose forward is ``F.conv2d(x, weight, bias, stride,
    padding, dilation=1, groups=1)`` with zero padding (docs/conv.md §1): ``padding_mode`` "zeros" (then torch reads
    no other padding attribute), dilation 1, one group, not transposed; padding a pair of ints ≥ 0, "valid" (0) or
    "same" with stride 1 and odd kernel sizes ((k − 1)/2).  The weight's shape is checked against ``kernel_size``
    and the channel counts in verify/kernel/modelfile.py."""
    bad = f"{where} (Conv2d)"
    kernel, stride = _pair(state["kernel_size"], 1), _pair(state["stride"], 1)
    if kernel is None or stride is None:
        raise ModelFileError(f"{bad}: malformed kernel_size or stride")
    if state["padding_mode"] != "zeros":
        raise ModelFileError(f"{bad}: padding_mode={_show(state['padding_mode'])}; only zero padding is read")
    if _pair(state["dilation"], 1) != (1, 1):
        raise ModelFileError(f"{bad}: dilation={_show(state['dilation'])}; dilated convolutions are not read")
    if type(state["groups"]) is not int or state["groups"] != 1:
        raise ModelFileError(f"{bad}: groups={_show(state['groups'])}; grouped convolutions are not read")
    if state["transposed"] is not False or _pair(state["output_padding"], 0) != (0, 0):
        raise ModelFileError(f"{bad}: a transposed convolution is not read")
    pad = state["padding"]
    if pad == "valid" and type(pad) is str:
        return kernel, stride, (0, 0)
    if pad == "same" and type(pad) is str:
        if stride != (1, 1) or kernel[0] % 2 == 0 or kernel[1] % 2 == 0:
            raise ModelFileError(f"{bad}: padding='same' is read only with stride 1 and odd kernel sizes")
        return kernel, stride, ((kernel[0] - 1) // 2, (kernel[1] - 1) // 2)
    padding = _pair(pad, 0)
    if padding is None:
        raise ModelFileError(f"{bad}: malformed padding {_show(pad)}")
    if max(*stride, *padding) >= 1 << 30:
        raise ModelFileError(f"{bad}: stride or padding of 2^30 or more (torch's conv2d cannot run it)")
    return kernel, stride, padding


def _order(kinds: list[str]) -> None:
    """With Dropout, Identity and Flatten left out, the children read A (ReLU A)* (A a Conv2d or Linear); every
    Conv2d precedes every Linear, and at most one Flatten sits after every Conv2d and before every Linear (one is
    needed where both occur)."""
    last, at = None, None   # the previous affine or ReLU child's class and index
    flat, seen = None, set()
    for i, kind in enumerate(kinds):
        where = f"layer {i} ({kind})"
        if kind in _SKIPPED:
            continue
        if kind == "Sequential":
            raise ModelFileError(f"{where}: nested Sequentials are not read (put all layers in one nn.Sequential)")
        if kind == "Flatten":
            if flat is not None or "Linear" in seen:
                raise ModelFileError(f"{where}: a Flatten is read only once, after every Conv2d and before the first "
                                     "Linear")
            flat = i
            continue
        if kind == "ReLU" and last not in AFFINE:
            raise ModelFileError(f"{where}: follows another ReLU (exactly one ReLU between consecutive layers)"
                                 if last == "ReLU" else f"{where}: comes before the first Linear or Conv2d")
        if kind in AFFINE and last in AFFINE:
            raise ModelFileError(f"{where}: follows layer {at} ({last}) with no ReLU between them")
        if kind == "Conv2d" and (flat is not None or "Linear" in seen):
            raise ModelFileError(f"{where}: a Conv2d after a Flatten or a Linear is not read")
        if kind == "Linear" and "Conv2d" in seen and flat is None:
            raise ModelFileError(f"{where}: a Linear after a Conv2d needs a Flatten between them (it would act on "
                                 "the image's last dimension only)")
        last, at = kind, i
        seen.add(kind)
    if not seen & set(AFFINE):
        raise ModelFileError("the Sequential has no Linear or Conv2d layer (empty model)")
    if last == "ReLU":
        raise ModelFileError(f"layer {at} (ReLU): the model ends with a ReLU (F's last layer must be a Linear or "
                             "Conv2d)")


def sequential(top: object) -> tuple[list[str], list[tuple[str, list[Tensor], Module]]]:
    """The classes of ``top``'s children in forward order, and each Linear or Conv2d child as (key, tensors,
    module)."""
    if not isinstance(top, Module) or top.kind != "Sequential":
        raise ModelFileError(f"the file holds a bare {getattr(top, 'kind', type(top).__name__)}, not an "
                             "nn.Sequential")
    state = _state(top, "the Sequential")
    children = state["_modules"]
    if not isinstance(children, dict):   # (its own parameters were refused by _state: a Sequential has none)
        raise ModelFileError("the Sequential's module table is not a dict")
    names = list(children)
    if names != [str(i) for i in range(len(names))]:
        raise ModelFileError(f"children {str(names)[:80]} are not keyed 0, 1, ... in the order forward runs them")
    mods = list(children.values())
    if len({id(c) for c in mods}) != len(mods):
        raise ModelFileError("a child module object appears twice (forward would run it twice)")
    for name, c in children.items():
        if not isinstance(c, Module):
            raise ModelFileError(f"layer {name}: a {type(c).__name__}, not a module")
    kinds = [c.kind for c in mods]
    _order(kinds)
    linears = []
    for name, c in children.items():
        if c.kind in AFFINE:
            linears.append((name, _affine_params(c, f"layer {name}"), c))
        else:
            _child(c, f"layer {name}")
    return kinds, linears
