"""Which pickled ``nn.Sequential`` verify/kernel/modelfile.py reads as F, and how.  [trusted; stdlib only]

``sequential(top)`` checks the stand-ins that verify/kernel/torchzip.py built (``Module`` objects whose ``kind`` is
one of its six module classes) against what torch's forward does with them: the children, in the order
``Sequential.forward`` applies them, of class exactly Linear, ReLU, Flatten, Dropout or Identity, reading —
with Dropout and Identity (the identity at inference) left out — ``Flatten? Linear (ReLU Linear)*``; every
module's pickled ``__dict__`` made of exactly the attributes a freshly constructed one of its class has
(``_ATTRS``/``_REQUIRED``: an instance ``forward`` or ``weight`` would shadow the class's behaviour), every hook
and buffer table empty, only a Linear holding parameters.  Each refusal is one line naming the child.
"""

from __future__ import annotations

import math

from verify.kernel.tensordata import ModelFileError, Tensor
from verify.kernel.torchzip import Module, Param

__all__ = ["sequential"]

_HOOKS = ("_backward_pre_hooks", "_backward_hooks", "_forward_hooks", "_forward_hooks_with_kwargs",
          "_forward_hooks_always_called", "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
          "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")
_BASE = {"training", "_parameters", "_buffers", "_modules", "_non_persistent_buffers_set", "_is_full_backward_hook",
         *_HOOKS}
_CORE = {"training", "_parameters", "_buffers", "_modules", "_forward_hooks", "_backward_hooks"}
_OWN = {"Sequential": set(), "Identity": set(), "Linear": {"in_features", "out_features"}, "ReLU": {"inplace"},
        "Flatten": {"start_dim", "end_dim"}, "Dropout": {"p", "inplace"}}   # what torch 2.x's __init__ sets
_ATTRS = {kind: _BASE | own for kind, own in _OWN.items()}      # a fresh module's __dict__ (torch 2.13)
_REQUIRED = {kind: _CORE | own for kind, own in _OWN.items()}   # what every torch since 1.x pickles
_SKIPPED = ("Dropout", "Identity")                               # the identity in F (Dropout: at inference)


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
    if m.kind != "Linear" and state["_parameters"]:
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


def _linear_params(m: Module, where: str) -> list[Tensor]:
    """The Linear's weight (and bias) tensors, after checking its state; nothing is decoded yet."""
    params = _state(m, where)["_parameters"]
    if list(params) != ["weight", "bias"] or not isinstance(params["weight"], Param) or not (
            params["bias"] is None or isinstance(params["bias"], Param)):
        raise ModelFileError(f"{where} (Linear): parameters must be exactly weight and bias (or None)")
    return [p.tensor for p in params.values() if p is not None]


def _order(kinds: list[str]) -> None:
    """With Dropout and Identity left out, the children read Flatten? Linear (ReLU Linear)*."""
    last, at = None, None   # the previous kept child's class and index
    for i, kind in enumerate(kinds):
        where = f"layer {i} ({kind})"
        if kind in _SKIPPED:
            continue
        if kind == "Flatten" and last is not None:
            raise ModelFileError(f"{where}: a Flatten is read only as the first layer, before any Linear (move it "
                                 "to the front)")
        if kind == "ReLU" and last != "Linear":
            raise ModelFileError(f"{where}: follows another ReLU (exactly one ReLU between consecutive Linear "
                                 "layers)" if last == "ReLU" else f"{where}: comes before the first Linear")
        if kind == "Linear" and last == "Linear":
            raise ModelFileError(f"{where}: follows layer {at} (Linear) with no ReLU between them")
        if kind == "Sequential":
            raise ModelFileError(f"{where}: nested Sequentials are not read (put all layers in one nn.Sequential)")
        last, at = kind, i
    if "Linear" not in kinds:
        raise ModelFileError("the Sequential has no Linear layer (empty model)")
    if last == "ReLU":
        raise ModelFileError(f"layer {at} (ReLU): the model ends with a ReLU (F's last layer must be a Linear)")


def sequential(top: object) -> tuple[list[str], list[tuple[str, list[Tensor], Module]]]:
    """The classes of ``top``'s children in forward order, and each Linear child as (key, tensors, module)."""
    if not isinstance(top, Module) or top.kind != "Sequential":
        raise ModelFileError(f"the file holds a bare {getattr(top, 'kind', type(top).__name__)}, not an "
                             "nn.Sequential")
    state = _state(top, "the Sequential")
    children = state["_modules"]
    if state["_parameters"] or not isinstance(children, dict):
        raise ModelFileError("the Sequential holds parameters of its own")
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
        if c.kind == "Linear":
            linears.append((name, _linear_params(c, f"layer {name}"), c))
        else:
            _child(c, f"layer {name}")
    return kinds, linears
