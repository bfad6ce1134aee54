"""What a model file computes: F as a chain of affine layers, read from the file's bytes.  [trusted; stdlib only]

The checker and the engine both read F here, from one ``bytes`` object that the caller has also hashed, so
the numbers checked are the numbers hashed.  Nothing here imports torch: a PyTorch file is a zip archive
holding a pickle and raw little-endian storages, and we interpret that pickle ourselves with a closed
vocabulary, refusing anything whose meaning we do not model exactly (certs/FORMAT.md, "What F is").

What F is, per file kind (``read_chain``):

* **torch-module** — a pickled ``torch.nn.Sequential``.  ``Sequential.forward`` applies the values of its
  ``_modules`` dict in insertion order, so we accept only (verify/kernel/modules.py): children keyed ``"0"``,
  ``"1"``, … in insertion order; each child a distinct object of class exactly ``Conv2d``, ``Linear``, ``ReLU``,
  ``Flatten``, ``Dropout`` or ``Identity`` which, with Dropout, Identity and Flatten left out, read
  ``A (ReLU A)*`` (A a Conv2d or Linear; every Conv2d before every Linear; at most one
  ``Flatten(start_dim=1, end_dim=-1)``, after every Conv2d and before every Linear, required when both occur);
  every module's pickled ``__dict__`` made only of the attributes a freshly constructed one of its class has,
  every hook and buffer table empty, parameters only in a Linear or Conv2d, whose ``weight``/``bias`` are the
  registered ``Parameter`` entries of ``_parameters`` with the size attributes matching the weight, and a
  Conv2d's forward the zero-padded ``conv2d`` with dilation 1 and one group (``modules.conv_geometry``).  Dropout
  (p in [0, 1], saved in either mode) and Identity are the identity, as ``model.eval()`` runs them; Flatten turns
  each input into the row-major vector the claim is about.  Then forward(x) = A_L σ(… σ(A_1 x) …) exactly, each
  A_i affine (docs/conv.md §1), a missing bias being 0 (torch's ``Module.__setstate__`` only fills in missing hook
  tables, which we require empty anyway).  An instance attribute such as ``forward`` or ``weight`` that would
  shadow the class's behaviour is an unknown key and is refused; so is every other layer class, by one line naming
  it and, where there is one, the way out (verify/kernel/torchzip.py).  ``Chain.modules`` lists the children's
  classes in forward order.
* **torch-state-dict** / **safetensors** — a flat map ``<prefix><i>.weight`` / ``<prefix><i>.bias`` with one
  common prefix and ASCII-digit indices; F is the Linear layers in increasing index order with a ReLU
  between consecutive ones (the Sequential convention: no other layer holds such keys); ``Chain.modules`` is
  ``["Linear", "ReLU", …, "Linear"]``.  A 4-D (convolution) weight is refused: the file cannot say its stride and
  padding.

The zip archive and its pickle are read by verify/kernel/torchzip.py (a closed vocabulary: every other opcode, global or
archive layout is refused before anything is built), tensors by verify/kernel/tensordata.py; every declared size is
checked against ``MAX_TENSOR_ELEMENTS`` and ``MAX_MODEL_VALUES`` before any value is decoded.  All values are exact
binary64 numbers (float16, bfloat16 and float32 convert exactly); NaN and Inf are refused.

>>> import json, struct
>>> head = json.dumps({"0.weight": {"dtype": "F32", "shape": [1, 2], "data_offsets": [0, 8]}}).encode()
>>> blob = struct.pack("<Q", len(head)) + head + struct.pack("<2f", 0.5, -2.0)
>>> chain = read_chain(blob)
>>> chain.kind, chain.modules, chain.layers[0].weight_key, chain.layers[0].weight
('safetensors', ['Linear'], '0.weight', [[0.5, -2.0]])
"""

from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import dataclass

from verify.kernel import io, modules
from verify.kernel.tensordata import DTYPES, MAX_TENSOR_ELEMENTS, ModelFileError, Storage, Tensor, contiguous
from verify.kernel.torchzip import Module, Param, unpickle

__all__ = ["ModelFileError", "Layer", "Linear", "Chain", "read_chain", "MAX_MODEL_BYTES", "MAX_TENSOR_ELEMENTS"]

MAX_MODEL_BYTES = 1 << 30          # a model file above 1 GiB is refused before it is read
_MAX_HEADER_BYTES = 1 << 24        # safetensors JSON header
_KEY = re.compile(r"(?P<prefix>(?:[A-Za-z0-9_]+\.)*)(?P<index>[0-9]+)\.(?P<kind>weight|bias)", re.ASCII)
_SAFETENSORS_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16"}
MAX_MODEL_VALUES = 1 << 24         # all tensors F uses together, checked before any value is decoded


@dataclass(frozen=True)
class Layer:
    """One affine layer: a Linear x ↦ W x + b, or a Conv2d (docs/conv.md §1).  ``weight`` is the (out, in·kh·kw)
    kernel matrix as rows of exact floats (torch's ``weight.reshape(out, -1)``; a Linear's (out, in) matrix),
    ``bias`` None or a list; ``shape`` the stored weight's shape ((out, in) or (out, in, kh, kw)), and for a Conv2d
    its ``stride`` and zero ``padding`` per dimension ((1, 1) and (0, 0) for a Linear)."""

    weight_key: str
    weight: list[list[float]]
    bias_key: str | None
    bias: list[float] | None
    dtype: str = "float64"   # of the stored weight (float16/bfloat16/float32/float64); values are exact either way
    shape: tuple = ()
    stride: tuple = (1, 1)
    padding: tuple = (0, 0)

    def __post_init__(self) -> None:
        if not self.shape:
            object.__setattr__(self, "shape", (len(self.weight), len(self.weight[0])))

    @property
    def kind(self) -> str:
        return "Conv2d" if len(self.shape) == 4 else "Linear"


Linear = Layer   # the name of format 3's reader


@dataclass(frozen=True)
class Chain:
    """F = L_n ∘ σ ∘ … ∘ σ ∘ L_1 for the file's ``layers`` L_i (see the module docstring for each ``kind``; a
    Flatten between them only reshapes).

    ``modules`` names F's modules in the order forward applies them, e.g. ``["Flatten", "Linear", "ReLU",
    "Dropout", "Linear"]`` (for a state_dict or safetensors file: ``["Linear", "ReLU", …, "Linear"]``)."""

    kind: str
    layers: list[Layer]
    modules: list[str]

    @property
    def dtype(self) -> str:
        return self.layers[0].dtype


# --- tensors -------------------------------------------------------------------------------------------------

def _matrix(t: object, key: str, dims: int = 2) -> list[list[float]]:
    """A 2-D tensor's rows, or a 4-D (Conv2d) tensor's rows reshaped to (out, in·kh·kw)."""
    if isinstance(t, Tensor) and len(t.size) == 4 and dims == 2:
        raise ModelFileError(f"{key} is a 4-D convolution weight: a state_dict does not hold the strides and "
                             "paddings of its convolutions; save the whole module instead (torch.save(model, path))")
    if not isinstance(t, Tensor) or len(t.size) != dims or 0 in t.size:
        raise ModelFileError(f"{key} is not a non-empty {dims}-D floating-point tensor")
    v, m = t.values(), t.size[0]
    n = len(v) // m
    return [v[r * n:(r + 1) * n] for r in range(m)]


def _vector(t: object, key: str, m: int) -> list[float]:
    if not isinstance(t, Tensor) or t.size != (m,):
        raise ModelFileError(f"{key} is not a vector of length {m}")
    return t.values()


# --- module structure (checked in verify/kernel/modules.py) ------------------------------------------------------

def _check_budget(tensors: list[Tensor]) -> None:
    """All tensors F uses hold at most MAX_MODEL_VALUES values: checked before any is decoded."""
    if sum(t.numel for t in tensors) > MAX_MODEL_VALUES:
        raise ModelFileError(f"the model declares more than {MAX_MODEL_VALUES} values in all")


def _affine(m: Module, name: str) -> Layer:
    """A Linear's or Conv2d's layer, its sizes checked against the weight (the geometry by modules.conv_geometry)."""
    state = m.state
    params = state["_parameters"]
    conv = m.kind == "Conv2d"
    weight = _matrix(params["weight"].tensor, f"{name}.weight", 4 if conv else 2)
    shape = params["weight"].tensor.size
    if conv:
        kernel, stride, padding = modules.conv_geometry(state, f"layer {name}")
        if (state.get("in_channels"), state.get("out_channels"), kernel) != (shape[1], shape[0], shape[2:]):
            raise ModelFileError(f"layer {name} (Conv2d): in_channels/out_channels/kernel_size do not match its "
                                 "weight")
    else:
        stride, padding = (1, 1), (0, 0)
        if (state.get("in_features"), state.get("out_features")) != (shape[1], shape[0]):
            raise ModelFileError(f"layer {name} (Linear): in_features/out_features do not match its weight")
    bias = None if params["bias"] is None else _vector(params["bias"].tensor, f"{name}.bias", len(weight))
    return Layer(f"{name}.weight", weight, None if bias is None else f"{name}.bias", bias,
                 params["weight"].tensor.storage.dtype, tuple(shape), stride, padding)


def _sequential_chain(top: object) -> tuple[list[str], list[Layer]]:
    kinds, linears = modules.sequential(top)
    tensors = [t for _, ts, _ in linears for t in ts]
    _check_budget(tensors)
    if len({t.storage.dtype for t in tensors}) > 1:   # torch's forward would raise a dtype mismatch
        raise ModelFileError("the module mixes floating-point dtypes (its forward cannot run)")
    return kinds, [_affine(c, name) for name, _, c in linears]


def _flat_chain(entries: dict) -> list[Layer]:
    """Linear layers of a flat map ``<prefix><i>.weight|bias`` in increasing index order."""
    found: dict[int, dict] = {}
    prefixes = set()
    for key, t in entries.items():
        m = _KEY.fullmatch(key) if isinstance(key, str) else None
        if not m:
            raise ModelFileError(f"not a model: entry {str(key)[:60]!r} is not <prefix><index>.weight or .bias of "
                                 "an nn.Sequential of Linear layers")
        prefixes.add(m["prefix"])
        index, slot = int(m["index"]), found.setdefault(int(m["index"]), {})
        if m["index"] != str(index) or m["kind"] in slot:
            raise ModelFileError(f"entry {key[:60]!r}: layer index {m['index']} is not canonical or appears twice")
        slot[m["kind"]] = (key, t)
    if len(prefixes) > 1:
        raise ModelFileError(f"entries mix several module prefixes: {sorted(prefixes)}")
    if not found:
        raise ModelFileError("the model has no Linear layers (empty model)")
    _check_budget([t for parts in found.values() for _, t in parts.values() if isinstance(t, Tensor)])
    order = sorted(found)
    for a, b in zip(order, order[1:], strict=False):
        if b == a + 1:   # an nn.Sequential gives the ReLU between two Linear layers an index of its own
            raise ModelFileError(f"Linear layers {a} and {b} are adjacent: the nn.Sequential that wrote this "
                                 "state_dict has no ReLU between them; save the whole module instead "
                                 "(torch.save(model, path))")
    out = []
    for index in order:
        parts = found[index]
        if "weight" not in parts:
            raise ModelFileError(f"{parts['bias'][0]} has no matching weight")
        wkey, w = parts["weight"]
        weight = _matrix(w, wkey)
        bkey, b = parts.get("bias", (None, None))
        out.append(Layer(wkey, weight, bkey, None if bkey is None else _vector(b, bkey, len(weight)),
                         w.storage.dtype))
    return out


# --- safetensors ---------------------------------------------------------------------------------------------

def _safetensors(data: bytes) -> dict:
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER_BYTES or 8 + n > len(data):
        raise ModelFileError("not a valid safetensors file: the header length is out of range")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=io.no_duplicate_keys)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ModelFileError("not a valid safetensors file: the header is not valid JSON") from None
    if not isinstance(header, dict):
        raise ModelFileError("not a valid safetensors file: the header is not a JSON object")
    body, spans, out = data[8 + n:], [], {}
    for key, spec in header.items():
        if key == "__metadata__":
            if not (isinstance(spec, dict) and all(isinstance(v, str) for v in spec.values())):
                raise ModelFileError("not a valid safetensors file: __metadata__ is not a map of strings")
            continue
        if not (isinstance(spec, dict) and set(spec) == {"dtype", "shape", "data_offsets"}
                and spec["dtype"] in _SAFETENSORS_DTYPES and isinstance(spec["shape"], list)
                and isinstance(spec["data_offsets"], list) and len(spec["data_offsets"]) == 2
                and all(type(v) is int and v >= 0 for v in spec["shape"] + spec["data_offsets"])):
            raise ModelFileError(f"not a valid safetensors file: entry {key!r} is malformed or not a float tensor")
        dtype, (lo, hi) = _SAFETENSORS_DTYPES[spec["dtype"]], spec["data_offsets"]
        numel = math.prod(spec["shape"])
        if numel > MAX_TENSOR_ELEMENTS or hi - lo != numel * DTYPES[dtype][0] or hi > len(body):
            raise ModelFileError(f"not a valid safetensors file: entry {key!r} has sizes that do not match its data")
        spans.append((lo, hi))
        out[key] = Tensor(Storage(dtype, body[lo:hi]), 0, tuple(spec["shape"]), tuple(contiguous(spec["shape"])))
    spans.sort()
    if [lo for lo, _ in spans] != [0] + [hi for _, hi in spans[:-1]] or (spans and spans[-1][1] != len(body)):
        raise ModelFileError("not a valid safetensors file: entries do not tile the data (gap or overlap)")
    return out


# --- entry point ---------------------------------------------------------------------------------------------

def read_chain(data: bytes) -> Chain:
    """F's Linear layers from a model file's bytes (kind detected from the content, not the file name).

    Raises ModelFileError, and nothing else, for every file it does not accept."""
    try:
        return _read_chain(data)
    except ModelFileError:
        raise
    except Exception as e:   # a structure no check above foresaw: refused, never guessed at
        raise ModelFileError(f"the model file has an unexpected structure ({type(e).__name__})") from None


def _convention(kind: str, layers: list[Layer]) -> Chain:
    return Chain(kind, layers, ["Linear"] + ["ReLU", "Linear"] * (len(layers) - 1))


def _read_chain(data: bytes) -> Chain:
    if len(data) > MAX_MODEL_BYTES:
        raise ModelFileError(f"the model file is larger than {MAX_MODEL_BYTES} bytes")
    if data[:4] == b"PK\x03\x04":
        obj = unpickle(data)
        if isinstance(obj, Module):
            kinds, layers = _sequential_chain(obj)
            return Chain("torch-module", layers, kinds)
        if isinstance(obj, dict) and all(isinstance(v, Tensor | Param) for v in obj.values()):
            flat = {k: v.tensor if isinstance(v, Param) else v for k, v in obj.items()}
            return _convention("torch-state-dict", _flat_chain(flat))
        raise ModelFileError(f"not a model: the pickle holds a {type(obj).__name__}, not an nn.Sequential or a "
                             "state_dict of tensors")
    if len(data) >= 10 and data[8:9] == b"{":
        return _convention("safetensors", _flat_chain(_safetensors(data)))
    raise ModelFileError("not a loadable model file (neither a PyTorch zip archive nor safetensors)")
