"""What a model file computes: F as a chain of Linear layers, read from the file's bytes.  [trusted; stdlib only]

The checker and the engine both read F here, from one ``bytes`` object that the caller has also hashed, so
the numbers checked are the numbers hashed.  Nothing here imports torch: a PyTorch file is a zip archive
holding a pickle and raw little-endian storages, and we interpret that pickle ourselves with a closed
vocabulary, refusing anything whose meaning we do not model exactly (docs/certificate.md §2, "What F is").

What F is, per file kind (``read_chain``):

* **torch-module** — a pickled ``torch.nn.Sequential``.  ``Sequential.forward`` applies the values of its
  ``_modules`` dict in insertion order, so we accept only: children keyed ``"0"``, ``"1"``, … in insertion
  order; each child a distinct object of class exactly ``Linear`` or ``ReLU``, alternating
  Linear, ReLU, …, Linear; every module's pickled ``__dict__`` made only of the attributes a freshly
  constructed one has (``_ATTRS``), every hook and buffer table empty; a Linear's ``weight``/``bias`` the
  registered ``Parameter`` entries of ``_parameters`` with ``in_features``/``out_features`` matching the
  weight.  Then forward(x) = W_L σ(… σ(W_1 x + b_1) …) + b_L exactly (torch's ``Module.__setstate__``
  only fills in missing hook tables, which we require empty anyway).  An instance attribute such as
  ``forward`` or ``weight`` that would shadow the class's behaviour is an unknown key and is refused.
* **torch-state-dict** / **safetensors** — a flat map ``<prefix><i>.weight`` / ``<prefix><i>.bias`` with one
  common prefix and ASCII-digit indices; F is the Linear layers in increasing index order with a ReLU
  between consecutive ones (the Sequential convention: no other layer holds such keys).

Every pickle opcode outside ``_OPCODES`` and every global outside ``_GLOBALS`` is refused before anything is
built; storages are read from uncompressed zip entries whose sizes match the pickle's declarations; every
declared size is checked against ``MAX_TENSOR_ELEMENTS`` before any value is decoded.  All values are exact
binary64 numbers (float16, bfloat16 and float32 convert exactly); NaN and Inf are refused.

>>> import json, struct
>>> head = json.dumps({"0.weight": {"dtype": "F32", "shape": [1, 2], "data_offsets": [0, 8]}}).encode()
>>> blob = struct.pack("<Q", len(head)) + head + struct.pack("<2f", 0.5, -2.0)
>>> chain = read_chain(blob)
>>> chain.kind, chain.layers[0].weight_key, chain.layers[0].weight
('safetensors', '0.weight', [[0.5, -2.0]])
"""

from __future__ import annotations

import io as _io
import json
import math
import pickle
import pickletools
import re
import struct
import zipfile
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["ModelFileError", "Linear", "Chain", "read_chain", "MAX_MODEL_BYTES", "MAX_TENSOR_ELEMENTS"]

MAX_MODEL_BYTES = 1 << 30          # a model file above 1 GiB is refused before it is read
MAX_TENSOR_ELEMENTS = 1 << 24      # per tensor or storage (16 Mi values); 784-1024-1024-10 has 1.9 Mi weights
_MAX_PICKLE_BYTES = 1 << 24        # the pickle itself (16 MiB; a Sequential's is a few KB per layer)
_MAX_HEADER_BYTES = 1 << 24        # safetensors JSON header
_KEY = re.compile(r"(?P<prefix>(?:[A-Za-z0-9_]+\.)*)(?P<index>[0-9]+)\.(?P<kind>weight|bias)", re.ASCII)
_DTYPES = {  # name: (bytes per value, decoder from little-endian bytes to a list of exact floats)
    "float64": (8, lambda b: list(struct.unpack(f"<{len(b) // 8}d", b))),
    "float32": (4, lambda b: list(struct.unpack(f"<{len(b) // 4}f", b))),
    "float16": (2, lambda b: list(struct.unpack(f"<{len(b) // 2}e", b))),
    "bfloat16": (2, lambda b: [struct.unpack("<f", struct.pack("<I", h << 16))[0]
                               for h in struct.unpack(f"<{len(b) // 2}H", b)]),
}
_LOCATION = re.compile(r"cpu|cuda(:[0-9]{1,3})?", re.ASCII)
_RECORDS = re.compile(r"data\.pkl|byteorder|version|\.format_version|\.storage_alignment|\.data/[A-Za-z0-9_]{1,64}"
                      r"|data/[0-9]{1,12}", re.ASCII)   # what torch.save writes under the archive's one folder
_SAFETENSORS_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16"}
_STORAGES = {"DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
             "BFloat16Storage": "bfloat16"}
_OPCODES = {"PROTO", "STOP", "MARK", "GLOBAL", "BINPUT", "LONG_BINPUT", "BINGET", "LONG_BINGET", "EMPTY_TUPLE",
            "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_DICT", "EMPTY_LIST", "APPEND", "APPENDS", "SETITEM",
            "SETITEMS", "NEWOBJ", "REDUCE", "BUILD", "BINPERSID", "NONE", "NEWTRUE", "NEWFALSE", "BININT",
            "BININT1", "BININT2", "LONG1", "BINUNICODE", "BINFLOAT"}   # protocol 2, as torch's own loader reads it
_SHAREABLE = {"BINUNICODE", "GLOBAL", "REDUCE", "NEWOBJ", "BININT", "BININT1", "BININT2", "LONG1", "NONE", "NEWTRUE",
              "NEWFALSE", "BINFLOAT"}
_FOLDER = re.compile(r"[A-Za-z0-9_.-]{1,64}/", re.ASCII)
_HOOKS = ("_backward_pre_hooks", "_backward_hooks", "_forward_hooks", "_forward_hooks_with_kwargs",
          "_forward_hooks_always_called", "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
          "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")
_BASE = {"training", "_parameters", "_buffers", "_modules", "_non_persistent_buffers_set", "_is_full_backward_hook",
         *_HOOKS}
_ATTRS = {"Sequential": _BASE, "Linear": _BASE | {"in_features", "out_features"}, "ReLU": _BASE | {"inplace"}}
_CORE = {"training", "_parameters", "_buffers", "_modules", "_forward_hooks", "_backward_hooks"}
_REQUIRED = {"Sequential": _CORE, "Linear": _CORE | {"in_features", "out_features"}, "ReLU": _CORE | {"inplace"}}
MAX_MODEL_VALUES = 1 << 24         # all tensors F uses together, checked before any value is decoded


class ModelFileError(ValueError):
    """The file is not one whose function this module can state exactly; the message is one line."""


@dataclass(frozen=True)
class Linear:
    """One affine layer x ↦ W x + b: ``weight`` is (out, in) rows of exact floats, ``bias`` None or a list."""

    weight_key: str
    weight: list[list[float]]
    bias_key: str | None
    bias: list[float] | None
    dtype: str = "float64"   # of the stored weight (float16/bfloat16/float32/float64); values are exact either way


@dataclass(frozen=True)
class Chain:
    """F = L_n ∘ σ ∘ … ∘ σ ∘ L_1 for the file's ``layers`` L_i (see the module docstring for each ``kind``)."""

    kind: str
    layers: list[Linear]

    @property
    def dtype(self) -> str:
        return self.layers[0].dtype


# --- tensors -------------------------------------------------------------------------------------------------

class _Sealed:
    """Internal objects of the pickle vocabulary: a BUILD on them is refused (torch's loader would call
    ``Tensor.set_`` or ``Parameter.__setstate__`` with the state, which we do not model)."""

    def __setstate__(self, state: object) -> None:
        raise ModelFileError(f"the pickle modifies a {type(self).__name__.strip('_').lower()} after building it")


class _Storage(_Sealed):
    def __init__(self, dtype: str, raw: bytes) -> None:
        self.dtype, self.raw = dtype, raw
        self.numel = len(raw) // _DTYPES[dtype][0]


class _Tensor(_Sealed):
    """A strided view of a storage, as ``torch._utils._rebuild_tensor_v2`` describes it."""

    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple) -> None:
        if not (type(offset) is int and isinstance(size, tuple) and isinstance(stride, tuple)
                and len(size) == len(stride) <= 2 and all(type(v) is int and v >= 0 for v in (offset, *size, *stride))):
            raise ModelFileError("a tensor has malformed sizes, strides or offset")
        self.numel = numel = math.prod(size)
        if numel > MAX_TENSOR_ELEMENTS:
            raise ModelFileError(f"a tensor declares {numel} values (limit {MAX_TENSOR_ELEMENTS})")
        if numel and offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) >= storage.numel:
            raise ModelFileError("a tensor reaches beyond its storage")
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def values(self) -> list[float]:
        """The tensor's values in row-major order, exactly; ModelFileError on NaN or Inf."""
        width, decode = _DTYPES[self.storage.dtype]
        numel, (rows, cols), (s0, s1) = self.numel, (1, *self.size)[-2:], (0, *self.stride)[-2:]
        if numel and all(s == t for s, t in zip(self.stride, _contiguous(self.size), strict=True)):
            out = decode(self.storage.raw[width * self.offset: width * (self.offset + numel)])
        elif numel:  # decode only the span the view reaches (checked in __init__ to lie inside the storage)
            last = self.offset + (rows - 1) * s0 + (cols - 1) * s1
            flat = decode(self.storage.raw[width * self.offset: width * (last + 1)])
            out = []
            for r in range(rows):   # row r is flat[r·s0 + c·s1], c < cols: a slice, or one value repeated
                out += flat[r * s0: r * s0 + (cols - 1) * s1 + 1: s1] if s1 else [flat[r * s0]] * cols
        else:
            out = []
        if not all(math.isfinite(v) for v in out):
            raise ModelFileError("the model holds NaN or Inf values")
        return out


def _contiguous(size: tuple) -> list[int]:
    out, step = [], 1
    for n in reversed(size):
        out.append(step)
        step *= n
    return out[::-1]


def _matrix(t: object, key: str) -> list[list[float]]:
    if not isinstance(t, _Tensor) or len(t.size) != 2 or 0 in t.size:
        raise ModelFileError(f"{key} is not a non-empty 2-D floating-point tensor")
    v, (m, n) = t.values(), t.size
    return [v[r * n:(r + 1) * n] for r in range(m)]


def _vector(t: object, key: str, m: int) -> list[float]:
    if not isinstance(t, _Tensor) or t.size != (m,):
        raise ModelFileError(f"{key} is not a vector of length {m}")
    return t.values()


# --- the pickle vocabulary -----------------------------------------------------------------------------------

class _Module:
    """Stands for a pickled torch module of class ``kind``; built only by NEWOBJ with no arguments."""

    kind = ""

    def __new__(cls, *args):
        if args:
            raise ModelFileError(f"{cls.kind} is constructed with arguments in the pickle")
        obj = super().__new__(cls)
        obj.state = None
        return obj

    def __init__(self, *args) -> None:  # only REDUCE (a call) reaches __init__; NEWOBJ does not
        raise ModelFileError(f"{self.kind} is called in the pickle instead of being restored")

    def __setstate__(self, state: object) -> None:
        if self.state is not None or not isinstance(state, dict):
            raise ModelFileError(f"{self.kind} has a malformed pickled state")
        self.state = state


def _module_class(kind: str) -> type:
    return type(kind, (_Module,), {"kind": kind})


class _Callable(_Sealed):
    """An allowed global that the pickle may call: a fresh object per read, so that no BUILD can alter what a later
    read calls (BUILD on it is refused by ``_Sealed``)."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)


class _Param(_Sealed):
    def __init__(self, tensor: object, requires_grad: object, hooks: object) -> None:
        if not isinstance(tensor, _Tensor) or hooks:
            raise ModelFileError("a Parameter is malformed or carries hooks")
        self.tensor = tensor


def _rebuild_tensor(storage, offset, size, stride, requires_grad, hooks, metadata=None):
    if not isinstance(storage, _Storage) or hooks or metadata:
        raise ModelFileError("a tensor is not plain dense storage (hooks, metadata or another kind)")
    return _Tensor(storage, offset, size, stride)


class _Dtype(_Sealed):
    def __init__(self, name: str) -> None:
        self.name = name


class _Unpickler(pickle.Unpickler):
    def __init__(self, archive: zipfile.ZipFile, prefix: str, data: bytes) -> None:
        super().__init__(_io.BytesIO(data))
        self.archive, self.prefix, self.loaded = archive, prefix, {}
        self.globals = {("collections", "OrderedDict"): OrderedDict, ("builtins", "set"): _Callable(_empty_set),
                        ("__builtin__", "set"): _Callable(_empty_set),
                        ("torch._utils", "_rebuild_tensor_v2"): _Callable(_rebuild_tensor),
                        ("torch._utils", "_rebuild_parameter"): _Callable(_Param),
                        ("torch.nn.modules.container", "Sequential"): _module_class("Sequential"),
                        ("torch.nn.modules.linear", "Linear"): _module_class("Linear"),
                        ("torch.nn.modules.activation", "ReLU"): _module_class("ReLU")}
        self.globals.update({("torch", n): _Dtype(d) for n, d in _STORAGES.items()})

    def find_class(self, module: str, name: str):
        if (module, name) not in self.globals:
            if module.startswith("torch.nn.modules."):
                raise ModelFileError(f"layer {name} is not supported: only Linear and ReLU layers (in an "
                                     "nn.Sequential) are")
            raise ModelFileError(f"refused: the pickle asks for {module}.{name}, which a model file of Linear "
                                 "layers has no reason to need (only dense float tensors are read)")
        return self.globals[(module, name)]

    def persistent_load(self, pid: object) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], _Dtype)
                and isinstance(pid[2], str) and type(pid[4]) is int):
            raise ModelFileError("the pickle refers to a storage in an unknown way")
        dtype, key, numel = pid[1].name, pid[2], pid[4]
        if not _LOCATION.fullmatch(pid[3]):   # "meta" would load no values at all
            raise ModelFileError(f"storage {key} has location {pid[3][:20]!r}; only cpu and cuda[:N] are read")
        if key not in self.loaded:
            if numel > MAX_TENSOR_ELEMENTS:
                raise ModelFileError(f"storage {key} declares {numel} values (limit {MAX_TENSOR_ELEMENTS})")
            raw = _entry(self.archive, f"{self.prefix}data/{key}", numel * _DTYPES[dtype][0])
            self.loaded[key] = _Storage(dtype, raw)
        if self.loaded[key].dtype != dtype:
            raise ModelFileError(f"storage {key} is declared with two dtypes")
        return self.loaded[key]


def _empty_set(items=()) -> set:
    if items:
        raise ModelFileError("a module has non-persistent buffers")
    return set()


def _entry(archive: zipfile.ZipFile, name: str, size: int) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ModelFileError(f"the archive has no entry {name}") from None
    if info.compress_type != zipfile.ZIP_STORED or info.file_size != size:
        raise ModelFileError(f"archive entry {name} is compressed or does not hold the {size} bytes declared")
    return archive.read(info)


def _unpickle(data: bytes) -> object:
    try:
        archive = zipfile.ZipFile(_io.BytesIO(data))
        every = archive.namelist()
        names = [n for n in every if n.endswith("/data.pkl") and n.count("/") == 1]
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise ModelFileError(f"truncated or corrupt PyTorch file ({str(e)[:100]})") from None
    if len(names) != 1:
        raise ModelFileError("not a PyTorch file: expected exactly one <name>/data.pkl in the archive")
    prefix = names[0][: -len("data.pkl")]
    _archive_layout(archive, data, prefix)
    try:   # a damaged archive or pickle raises all kinds of errors; every one means "cannot read"
        order = _io_text(archive, prefix + "byteorder")
        if order not in (None, "little"):
            raise ModelFileError(f"byte order {order!r} is not supported (re-save on a little-endian machine)")
        info = archive.getinfo(names[0])
        if info.file_size > _MAX_PICKLE_BYTES:
            raise ModelFileError("the pickle is too large to be a model of Linear layers")
        pkl = _entry(archive, names[0], info.file_size)
        _scan(pkl)
        return _Unpickler(archive, prefix, pkl).load()
    except ModelFileError:
        raise
    except Exception as e:
        raise ModelFileError(f"truncated or corrupt PyTorch file ({type(e).__name__}: {str(e)[:100]})") from None


def _io_text(archive: zipfile.ZipFile, name: str) -> str | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return _entry(archive, name, info.file_size).decode("ascii", "replace") if info.file_size < 64 else "?"


def _archive_layout(archive: zipfile.ZipFile, data: bytes, prefix: str) -> None:
    """The archive is laid out as torch.save writes it, so that Python's zipfile and torch's reader (miniz, which
    matches names ignoring case and does not cut them at NUL) see the same entries: printable ASCII names, unique
    even ignoring case, each a known record under the one folder; the first local header at byte 0 and the end
    record, without comment, at the very end (no bytes prepended, no second archive)."""
    infos = archive.infolist()
    if any(i.filename != i.orig_filename or not (i.filename.isascii() and i.filename.isprintable()) for i in infos):
        raise ModelFileError("an archive entry name is not printable ASCII")
    if len({i.filename.lower() for i in infos}) != len(infos):
        raise ModelFileError("two archive entries have names that differ only in case (or not at all)")
    for i in infos:
        if not (i.filename.startswith(prefix) and _RECORDS.fullmatch(i.filename[len(prefix):])):
            raise ModelFileError(f"unexpected archive entry {i.filename[:60]!r} (not a record torch.save writes)")
    if not _FOLDER.fullmatch(prefix) or min(i.header_offset for i in infos) != 0 or not _torch_tail(data, len(infos)):
        raise ModelFileError("the archive is not laid out as torch.save writes it (prepended data, a comment or "
                             "inconsistent end records)")
    version = _io_text(archive, prefix + "version")
    if version is None or not version.strip().isdigit() or not 1 <= int(version.strip()) <= 10:
        raise ModelFileError(f"archive format version {version!r} is not one torch reads (1 to 10)")


def _torch_tail(data: bytes, entries: int) -> bool:
    """The archive ends exactly as torch.save writes it: central directory, zip64 end record (44-byte body),
    zip64 locator pointing at it, classic end record without comment — all naming one directory of ``entries``
    records, so that every reader (Python's zipfile follows fixed positions, miniz the stored offsets) uses it."""
    if len(data) < 98:
        return False
    sig, disk, cd_disk, n1, n2, size, offset, comment = struct.unpack("<4sHHHHIIH", data[-22:])
    lsig, ldisk, where, disks = struct.unpack("<4sIQI", data[-42:-22])
    zsig, zlen, _, _, zdisk, zcd_disk, z1, z2, zsize, zoffset = struct.unpack("<4sQHHIIQQQQ", data[-98:-42])
    return (sig == b"PK\x05\x06" and lsig == b"PK\x06\x07" and zsig == b"PK\x06\x06" and zlen == 44
            and disk == cd_disk == comment == ldisk == zdisk == zcd_disk == 0 and disks == 1
            and where == len(data) - 98 and z1 == z2 == entries and zoffset + zsize == len(data) - 98
            and n1 in (entries, 0xFFFF) and n2 in (entries, 0xFFFF) and size in (zsize, 0xFFFFFFFF)
            and offset in (zoffset, 0xFFFFFFFF))


def _scan(pkl: bytes) -> None:
    """Opcodes are within ``_OPCODES``; memo indices stay below the opcode count; and only atoms (strings,
    numbers, globals) and built objects (REDUCE, NEWOBJ) are fetched from the memo twice, never a tuple, list
    or dict, so no shared structure can make hashing or traversal exponential."""
    ops = list(pickletools.genops(pkl))
    kinds: dict[int, str | None] = {}
    prev: str | None = None
    for op, arg, _ in ops:
        name = op.name
        if name not in _OPCODES:
            raise ModelFileError(f"the pickle uses opcode {name}, which model files do not need")
        if name in ("BINPUT", "LONG_BINPUT"):
            if not 0 <= arg <= len(ops):
                raise ModelFileError("the pickle uses a memo index out of range")
            kinds[arg] = prev
        elif name in ("BINGET", "LONG_BINGET"):
            if kinds.get(arg) not in _SHAREABLE:
                raise ModelFileError("the pickle reuses a container object (only atoms and built objects may be)")
            prev = kinds[arg]
            continue
        prev = name


# --- module structure ----------------------------------------------------------------------------------------

def _module_state(m: object, where: str) -> dict:
    """The pickled __dict__ of a module after checking it holds exactly what a fresh module of its class has."""
    state = m.state if isinstance(m, _Module) else None
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
    if type(state["training"]) is not bool or state.get("_is_full_backward_hook") not in (None, True, False):
        raise ModelFileError(f"{where} ({m.kind}): malformed flags")
    return state


def _linear_params(m: _Module, name: str) -> list[_Tensor]:
    """The Linear's weight (and bias) tensors, after checking its state; nothing is decoded yet."""
    params = _module_state(m, f"layer {name}")["_parameters"]
    if list(params) != ["weight", "bias"] or not isinstance(params["weight"], _Param) or not (
            params["bias"] is None or isinstance(params["bias"], _Param)):
        raise ModelFileError(f"layer {name} (Linear): parameters must be exactly weight and bias (or None)")
    return [p.tensor for p in params.values() if p is not None]


def _check_budget(tensors: list[_Tensor]) -> None:
    """All tensors F uses hold at most MAX_MODEL_VALUES values: checked before any is decoded."""
    if sum(t.numel for t in tensors) > MAX_MODEL_VALUES:
        raise ModelFileError(f"the model declares more than {MAX_MODEL_VALUES} values in all")


def _linear(m: _Module, name: str) -> Linear:
    state = m.state
    params = state["_parameters"]
    weight = _matrix(params["weight"].tensor, f"{name}.weight")
    if (state.get("in_features"), state.get("out_features")) != (len(weight[0]), len(weight)):
        raise ModelFileError(f"layer {name} (Linear): in_features/out_features do not match its weight")
    bias = None if params["bias"] is None else _vector(params["bias"].tensor, f"{name}.bias", len(weight))
    return Linear(f"{name}.weight", weight, None if bias is None else f"{name}.bias", bias,
                  params["weight"].tensor.storage.dtype)


def _sequential_chain(top: _Module) -> list[Linear]:
    if top.kind != "Sequential":
        raise ModelFileError(f"the file holds a bare {top.kind}, not an nn.Sequential")
    state = _module_state(top, "the Sequential")
    children = state["_modules"]
    if state["_parameters"] or not isinstance(children, dict):
        raise ModelFileError("the Sequential holds parameters of its own")
    names = list(children)
    if names != [str(i) for i in range(len(names))]:
        raise ModelFileError(f"children {names} are not keyed 0, 1, ... in the order forward runs them")
    mods = list(children.values())
    if len({id(c) for c in mods}) != len(mods):
        raise ModelFileError("a child module object appears twice (forward would run it twice)")
    kinds = [c.kind if isinstance(c, _Module) else type(c).__name__ for c in mods]
    want = ["Linear" if i % 2 == 0 else "ReLU" for i in range(len(mods))]
    if not mods:
        raise ModelFileError("the Sequential has no layers (empty model)")
    if kinds != want or kinds[-1] != "Linear":
        raise ModelFileError(f"layers {kinds} are not Linear, ReLU, Linear, ..., Linear"
                             + (" (the model ends with a ReLU)" if kinds and kinds[-1] == "ReLU" else ""))
    for name, c in children.items():
        if c.kind == "ReLU":
            _module_state(c, f"layer {name}")
            if type(c.state.get("inplace", False)) is not bool:
                raise ModelFileError(f"layer {name} (ReLU): malformed inplace flag")
    tensors = [t for name, c in children.items() if c.kind == "Linear" for t in _linear_params(c, name)]
    _check_budget(tensors)
    if len({t.storage.dtype for t in tensors}) > 1:   # torch's forward would raise a dtype mismatch
        raise ModelFileError("the module mixes floating-point dtypes (its forward cannot run)")
    return [_linear(c, name) for name, c in children.items() if c.kind == "Linear"]


def _flat_chain(entries: dict) -> list[Linear]:
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
    _check_budget([t for parts in found.values() for _, t in parts.values() if isinstance(t, _Tensor)])
    out = []
    for index in sorted(found):
        parts = found[index]
        if "weight" not in parts:
            raise ModelFileError(f"{parts['bias'][0]} has no matching weight")
        wkey, w = parts["weight"]
        weight = _matrix(w, wkey)
        bkey, b = parts.get("bias", (None, None))
        out.append(Linear(wkey, weight, bkey, None if bkey is None else _vector(b, bkey, len(weight)),
                          w.storage.dtype))
    return out


# --- safetensors ---------------------------------------------------------------------------------------------

def _no_duplicates(pairs: list) -> dict:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ModelFileError("the safetensors header repeats a key")
    return dict(pairs)


def _safetensors(data: bytes) -> dict:
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER_BYTES or 8 + n > len(data):
        raise ModelFileError("not a valid safetensors file: the header length is out of range")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=_no_duplicates)
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
        if numel > MAX_TENSOR_ELEMENTS or hi - lo != numel * _DTYPES[dtype][0] or hi > len(body):
            raise ModelFileError(f"not a valid safetensors file: entry {key!r} has sizes that do not match its data")
        spans.append((lo, hi))
        out[key] = _Tensor(_Storage(dtype, body[lo:hi]), 0, tuple(spec["shape"]), tuple(_contiguous(spec["shape"])))
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


def _read_chain(data: bytes) -> Chain:
    if len(data) > MAX_MODEL_BYTES:
        raise ModelFileError(f"the model file is larger than {MAX_MODEL_BYTES} bytes")
    if data[:4] == b"PK\x03\x04":
        obj = _unpickle(data)
        if isinstance(obj, _Module):
            return Chain("torch-module", _sequential_chain(obj))
        if isinstance(obj, dict) and all(isinstance(v, _Tensor | _Param) for v in obj.values()):
            flat = {k: v.tensor if isinstance(v, _Param) else v for k, v in obj.items()}
            return Chain("torch-state-dict", _flat_chain(flat))
        raise ModelFileError(f"not a model: the pickle holds a {type(obj).__name__}, not an nn.Sequential or a "
                             "state_dict of tensors")
    if len(data) >= 10 and data[8:9] == b"{":
        return Chain("safetensors", _flat_chain(_safetensors(data)))
    raise ModelFileError("not a loadable model file (neither a PyTorch zip archive nor safetensors)")
