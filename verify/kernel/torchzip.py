"""PyTorch's zip archives read with a closed pickle vocabulary, as torch.load(weights_only=True) reads them.  [trusted]

Stdlib only.  ``unpickle(data)`` returns the pickled object built from stand-ins: ``Module`` for the seven module
classes (restored only by NEWOBJ without arguments, then one BUILD of its ``__dict__``), ``Param`` and
``tensordata.Tensor`` for parameters and tensors, ``OrderedDict`` and empty ``set``s.  Every other global, every
opcode outside protocol 2's subset that torch's own loader implements, any reuse of a container from the memo, and
any archive not laid out exactly as torch.save writes it (so that Python's zipfile and torch's miniz see the same
entries) is refused with ``ModelFileError``.  docs/certificate.md §2 says which function the result denotes.
"""

from __future__ import annotations

import io as _io
import pickle
import pickletools
import re
import struct
import zipfile
from collections import OrderedDict

from verify.kernel.tensordata import DTYPES, MAX_TENSOR_ELEMENTS, ModelFileError, Sealed, Storage, Tensor

__all__ = ["Module", "Param", "unpickle"]

_MAX_PICKLE_BYTES = 1 << 24        # the pickle itself (16 MiB; a Sequential's is a few KB per layer)
_LOCATION = re.compile(r"cpu|cuda(:[0-9]{1,3})?", re.ASCII)
_RECORDS = re.compile(r"data\.pkl|byteorder|version|\.format_version|\.storage_alignment|\.data/[A-Za-z0-9_]{1,64}"
                      r"|data/[0-9]{1,12}", re.ASCII)   # what torch.save writes under the archive's one folder
_STORAGES = {"DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
             "BFloat16Storage": "bfloat16"}
_OPCODES = {"PROTO", "STOP", "MARK", "GLOBAL", "BINPUT", "LONG_BINPUT", "BINGET", "LONG_BINGET", "EMPTY_TUPLE",
            "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_DICT", "EMPTY_LIST", "APPEND", "APPENDS", "SETITEM",
            "SETITEMS", "NEWOBJ", "REDUCE", "BUILD", "BINPERSID", "NONE", "NEWTRUE", "NEWFALSE", "BININT",
            "BININT1", "BININT2", "LONG1", "BINUNICODE", "BINFLOAT"}   # protocol 2, as torch's own loader reads it
_ATOMS = {"BINUNICODE", "BININT", "BININT1", "BININT2", "LONG1", "NONE", "NEWTRUE", "NEWFALSE", "BINFLOAT"}
_TUPLES = {"TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3}
_SHAREABLE = {*_ATOMS, "GLOBAL", "REDUCE", "NEWOBJ", "EMPTY_TUPLE", "FLAT_TUPLE"}
_FOLDER = re.compile(r"[A-Za-z0-9_.-]{1,64}/", re.ASCII)
_MODULES = (("container", "Sequential"), ("linear", "Linear"), ("activation", "ReLU"), ("flatten", "Flatten"),
            ("dropout", "Dropout"), ("linear", "Identity"),
            ("conv", "Conv2d"))   # the only module classes a pickle may name
_WAY_OUT = {"batchnorm": "fold BatchNorm into the preceding Linear before saving (W' = diag(γ/√(var+ε)) W, "
                         "b' = γ(b − mean)/√(var+ε) + β)",
            "conv": "only Conv2d convolutions are read (no Conv1d, Conv3d or transposed convolutions)",
            "pooling": "pooling is not read yet (AvgPool2d: fold it into the next layer's weights; MaxPool2d is not "
            "piecewise affine in a way the construction covers)", "activation": "only ReLU activations are supported"}


class Module:
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
    return type(kind, (Module,), {"kind": kind})


class _Callable(Sealed):
    """An allowed global that the pickle may call: a fresh object per read, so that no BUILD can alter what a later
    read calls (BUILD on it is refused by ``Sealed``)."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)


class Param(Sealed):
    def __init__(self, tensor: object, requires_grad: object, hooks: object) -> None:
        if not isinstance(tensor, Tensor) or hooks:
            raise ModelFileError("a Parameter is malformed or carries hooks")
        self.tensor = tensor


def _rebuild_tensor(storage, offset, size, stride, requires_grad, hooks, metadata=None):
    if not isinstance(storage, Storage) or hooks or metadata:
        raise ModelFileError("a tensor is not plain dense storage (hooks, metadata or another kind)")
    return Tensor(storage, offset, size, stride)


class _Dtype(Sealed):
    def __init__(self, name: str) -> None:
        self.name = name


class _Unpickler(pickle.Unpickler):
    def __init__(self, archive: zipfile.ZipFile, prefix: str, data: bytes) -> None:
        super().__init__(_io.BytesIO(data))
        self.archive, self.prefix, self.loaded = archive, prefix, {}
        self.globals = {("collections", "OrderedDict"): OrderedDict, ("builtins", "set"): _Callable(_empty_set),
                        ("__builtin__", "set"): _Callable(_empty_set),
                        ("torch._utils", "_rebuild_tensor_v2"): _Callable(_rebuild_tensor),
                        ("torch._utils", "_rebuild_parameter"): _Callable(Param),
                        **{(f"torch.nn.modules.{where}", kind): _module_class(kind) for where, kind in _MODULES}}
        self.globals.update({("torch", n): _Dtype(d) for n, d in _STORAGES.items()})

    def find_class(self, module: str, name: str):
        if (module, name) not in self.globals:
            if module.startswith("torch.nn.modules."):
                raise ModelFileError(_unsupported(module, name))
            raise ModelFileError(f"refused: the pickle asks for {module}.{name}, which a model file of Linear "
                                 "layers has no reason to need (only dense float tensors are read)")
        return self.globals[(module, name)]

    def persistent_load(self, pid: object) -> Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], _Dtype)
                and isinstance(pid[2], str) and type(pid[4]) is int):
            raise ModelFileError("the pickle refers to a storage in an unknown way")
        dtype, key, numel = pid[1].name, pid[2], pid[4]
        if not _LOCATION.fullmatch(pid[3]):   # "meta" would load no values at all
            raise ModelFileError(f"storage {key} has location {pid[3][:20]!r}; only cpu and cuda[:N] are read")
        if key not in self.loaded:
            if numel > MAX_TENSOR_ELEMENTS:
                raise ModelFileError(f"storage {key} declares {numel} values (limit {MAX_TENSOR_ELEMENTS})")
            raw = _entry(self.archive, f"{self.prefix}data/{key}", numel * DTYPES[dtype][0])
            self.loaded[key] = Storage(dtype, raw)
        if self.loaded[key].dtype != dtype:
            raise ModelFileError(f"storage {key} is declared with two dtypes")
        return self.loaded[key]


def _unsupported(module: str, name: str) -> str:
    """One line naming a torch.nn layer class outside the vocabulary and, where there is one, the way out."""
    module, name = (s if s.isascii() and s.isprintable() else repr(s) for s in (module[:80], name[:60]))
    way_out = _WAY_OUT.get(module[len("torch.nn.modules."):], "slt-verify reads Conv2d, Linear, ReLU, Flatten, Dropout "
                           "and Identity")
    return f"layer class {name} ({module}) is not supported: {way_out}"


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


def unpickle(data: bytes) -> object:
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
    data_version = _io_text(archive, prefix + ".data/version")   # torch reads this one first when it is there
    version = data_version if data_version is not None else _io_text(archive, prefix + "version")
    if version is None or not version.strip().isdigit() or not 1 <= int(version.strip()) <= 10:
        raise ModelFileError(f"archive format version {version!r} is not one torch reads (1 to 10)")
    alignment = _io_text(archive, prefix + ".storage_alignment")   # torch.load parses it as an integer
    if alignment is not None and not alignment.strip().isdigit():
        raise ModelFileError(f"archive storage alignment {alignment!r} is not an integer")


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
    numbers, globals), flat tuples of at most three atoms and built objects (REDUCE, NEWOBJ) are fetched from the
    memo twice, never a list, a dict or a tuple holding anything else, so no shared structure can make hashing or
    traversal exponential.  (A flat tuple is shared when one constant such as ``(3, 3)`` is the ``kernel_size`` of
    two Conv2d layers built in one function: Python keeps one object per constant.)  A TUPLE1/2/3 is flat when the
    last 1/2/3 pushes before it (memo stores skipped) were atoms: each pushes one item and pops none, so those are
    exactly the tuple's items."""
    ops = list(pickletools.genops(pkl))
    kinds: dict[int, str | None] = {}
    prev: str | None = None
    pushed: list[str | None] = []   # the kinds of the latest pushes, memo stores skipped
    for op, arg, _ in ops:
        name = op.name
        if name not in _OPCODES:
            raise ModelFileError(f"the pickle uses opcode {name}, which model files do not need")
        if name in ("BINPUT", "LONG_BINPUT"):
            if not 0 <= arg < len(ops):
                raise ModelFileError("the pickle uses a memo index out of range")
            kinds[arg] = prev
            continue
        if name in ("BINGET", "LONG_BINGET"):
            if kinds.get(arg) not in _SHAREABLE:
                raise ModelFileError("the pickle reuses a container object (only atoms, flat tuples of atoms and "
                                     "built objects may be)")
            name = kinds[arg]
        elif name in _TUPLES and all(k in _ATOMS for k in pushed[-_TUPLES[name]:]) and len(pushed) >= _TUPLES[name]:
            name = "FLAT_TUPLE"
        prev = name
        pushed = [*pushed[-2:], name]
