"""verify/kernel/torchzip.py read directly: what ``unpickle`` returns for files ``torch.save`` writes (torch itself is
the oracle for the values), and one refusal, matched by its message, for every rule of the closed vocabulary, the
archive layout and the end records (the ZIP layout as torch writes it: tests/zipcraft.py, APPNOTE 4.3.14–4.3.16).
Written to kill the mutants of benchmarks/mutate.py (benchmarks/MUTATION.md); each test states a behaviour of the
kernel (docstrings of verify/kernel/torchzip.py and modelfile.py, certs/FORMAT.md "What F is") or of torch's
loader, never just the current output.
"""

from __future__ import annotations

import io as _io
import struct
import warnings
import zipfile

import pytest
import torch
from torch import nn
from zipcraft import entry, torch_zip

from verify.kernel import torchzip
from verify.kernel.tensordata import ModelFileError, Tensor

# --- a protocol-2 pickle assembler (the opcodes torch.save's pickler writes) ------------------------------------


def _glob(mod: str, name: str) -> bytes:
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def _str(s: str) -> bytes:
    return b"X" + struct.pack("<I", len(s.encode())) + s.encode()


def _int(n: int) -> bytes:
    return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + struct.pack("<i", n)


def _tup(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


_OD = _glob("collections", "OrderedDict") + b")R"       # an empty OrderedDict


def _od(key: str, value: bytes) -> bytes:
    """An OrderedDict with one item."""
    return _OD + b"(" + _str(key) + value + b"u"


def _pid(key: str = "0", storage: str = "FloatStorage", location: str = "cpu", numel: int = 3) -> bytes:
    return _tup(_str("storage"), _glob("torch", storage), _str(key), _str(location), _int(numel))


def _tensor(pid: bytes | None = None, size: tuple = (3,), stride: tuple = (1,), hooks: bytes = _OD,
            metadata: bytes = b"") -> bytes:
    pid = _pid() if pid is None else pid
    return (_glob("torch._utils", "_rebuild_tensor_v2") + b"(" + pid + b"Q" + _int(0) + _tup(*map(_int, size))
            + _tup(*map(_int, stride)) + b"\x89" + hooks + metadata + b"tR")


def _pkl(body: bytes) -> bytes:
    return b"\x80\x02" + body + b"."


_W = struct.pack("<3f", 0.5, -2.0, 0.25)                  # storage "0": three float32 values


def _archive(pkl: bytes, storages: dict | None = None, *, version: bytes | None = b"3\n",
             byteorder: bytes | None = b"little", extra: tuple = ()) -> bytes:
    storages = {"0": _W} if storages is None else storages
    records = [(b"archive/data.pkl", pkl)]
    if byteorder is not None:
        records.append((b"archive/byteorder", byteorder))
    records += [(f"archive/data/{k}".encode(), v) for k, v in storages.items()]
    if version is not None:
        records.append((b"archive/version", version))
    return torch_zip(records + list(extra))


def _refused(blob: bytes, match: str) -> None:
    with pytest.raises(ModelFileError, match=match):
        torchzip.unpickle(blob)


# --- files torch.save writes: read exactly (torch is the oracle) ------------------------------------------------

def _saved(obj: object) -> bytes:
    buf = _io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))


def test_a_saved_sequential_is_read_with_torchs_values():
    m = _mlp()
    obj = torchzip.unpickle(_saved(m))
    assert isinstance(obj, torchzip.Module) and obj.kind == "Sequential"
    children = obj.state["_modules"]
    assert list(children) == ["0", "1", "2"] and [c.kind for c in children.values()] == ["Linear", "ReLU", "Linear"]
    for i in ("0", "2"):
        params = children[i].state["_parameters"]
        for name in ("weight", "bias"):
            assert isinstance(params[name], torchzip.Param)
            assert params[name].tensor.values() == getattr(m[int(i)], name).detach().double().flatten().tolist()


def test_a_saved_state_dict_is_read_with_torchs_values():
    sd = _mlp().state_dict()
    obj = torchzip.unpickle(_saved(sd))
    assert list(obj) == list(sd)
    for k, v in sd.items():
        assert isinstance(obj[k], Tensor) and obj[k].size == tuple(v.shape)
        assert obj[k].values() == v.double().flatten().tolist()


@pytest.mark.parametrize("memory_format", [torch.contiguous_format, torch.channels_last])
def test_a_saved_conv2d_weight_is_read_in_logical_order(memory_format):
    """Conv2d is in the vocabulary; its 4-D weight reads as weight.flatten() whatever the memory format."""
    torch.manual_seed(1)
    m = nn.Sequential(nn.Conv2d(2, 3, 2), nn.ReLU(), nn.Flatten(), nn.Linear(12, 1)).to(memory_format=memory_format)
    obj = torchzip.unpickle(_saved(m))
    conv = obj.state["_modules"]["0"]
    assert conv.kind == "Conv2d"
    w = conv.state["_parameters"]["weight"].tensor
    assert w.size == (3, 2, 2, 2) and w.stride == m[0].weight.stride()
    assert w.values() == m[0].weight.detach().double().flatten().tolist()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
def test_every_float_dtype_is_read_exactly(dtype):
    t = torch.tensor([0.5, -1.75, 3.0, 2.0**-9], dtype=dtype)
    obj = torchzip.unpickle(_saved({"w": t}))
    assert obj["w"].values() == t.double().tolist()


def test_two_views_of_one_storage_share_it():
    """torch.save writes a storage once however many tensors view it; both views read from that one storage."""
    base = torch.tensor([1.0, 2.0, 3.0, 4.0])
    obj = torchzip.unpickle(_saved({"a": base, "b": base[1:]}))
    assert obj["a"].storage is obj["b"].storage
    assert obj["a"].values() == [1.0, 2.0, 3.0, 4.0] and obj["b"].values() == [2.0, 3.0, 4.0]


def test_a_hand_made_archive_is_read():
    """The assembler and zip writer of this module, without any fault: the positive case of every test below."""
    t = torchzip.unpickle(_archive(_pkl(_tensor())))
    assert isinstance(t, Tensor) and t.values() == [0.5, -2.0, 0.25]


# --- the closed vocabulary ----------------------------------------------------------------------------------

def test_globals_outside_the_vocabulary_are_refused():
    _refused(_archive(_pkl(_glob("os", "system"))), r"^refused: the pickle asks for os\.system, ")
    _refused(_archive(_pkl(_glob("torch", "IntStorage"))), r"^refused: the pickle asks for torch\.IntStorage, ")


@pytest.mark.parametrize(("mod", "cls"), [("conv", "Conv1d"), ("pooling", "MaxPool2d"), ("normalization", "LayerNorm"),
                                          ("batchnorm", "BatchNorm1d"), ("activation", "Tanh")])
def test_layer_classes_outside_the_vocabulary_are_named(mod, cls):
    """README: other layers are refused with one line naming them."""
    _refused(_archive(_pkl(_glob(f"torch.nn.modules.{mod}", cls))),
             rf"^layer class {cls} \(torch\.nn\.modules\.{mod}\) is not supported: [^\n]+$")


@pytest.mark.parametrize("name", ["Conv\r1d", "Conv\x7f", "A\u2028B", "Convé"])
def test_a_layer_class_name_is_echoed_on_one_printable_line(name):
    """The refusal is one line (ModelFileError: 'the message is one line'), whatever characters the pickle names
    (a protocol-2 GLOBAL is ASCII: a name that is not is refused as a corrupt pickle, also on one line)."""
    with pytest.raises(ModelFileError) as err:
        torchzip.unpickle(_archive(_pkl(_glob("torch.nn.modules.conv", name))))
    msg = str(err.value)
    assert msg.isprintable() and len(msg.splitlines()) == 1
    assert msg.startswith(f"layer class {name!r} (torch.nn.modules.conv) is not supported" if name.isascii()
                          else "truncated or corrupt PyTorch file (")


def test_a_module_is_restored_only_by_newobj_without_arguments_and_one_build():
    lin = _glob("torch.nn.modules.linear", "Linear")
    assert torchzip.unpickle(_archive(_pkl(lin + b")\x81}b"))).state == {}                     # NEWOBJ, BUILD {}
    _refused(_archive(_pkl(lin + _tup(_int(1)) + b"\x81")), "^Linear is constructed with arguments in the pickle$")
    _refused(_archive(_pkl(lin + b")R")), "^Linear is called in the pickle instead of being restored$")
    _refused(_archive(_pkl(lin + b")\x81}b}b")), "^Linear has a malformed pickled state$")    # BUILD twice
    _refused(_archive(_pkl(lin + b")\x81]b")), "^Linear has a malformed pickled state$")      # BUILD with a list
    _refused(_archive(_pkl(lin + b")\x81" + _tup(b"}", b"}") + b"b")), "^Linear has a malformed pickled state$")


def test_a_parameter_is_a_plain_tensor_without_hooks():
    par = _glob("torch._utils", "_rebuild_parameter")
    p = torchzip.unpickle(_archive(_pkl(par + _tup(_tensor(), b"\x88", _OD) + b"R")))
    assert isinstance(p, torchzip.Param) and p.tensor.values() == [0.5, -2.0, 0.25]
    _refused(_archive(_pkl(par + _tup(_tensor(), b"\x88", _od("h", b"N")) + b"R")),
             "^a Parameter is malformed or carries hooks$")
    _refused(_archive(_pkl(par + _tup(_int(1), b"\x88", _OD) + b"R")), "^a Parameter is malformed or carries hooks$")


def test_a_tensor_is_plain_dense_storage():
    plain = "^a tensor is not plain dense storage"
    rebuild = _glob("torch._utils", "_rebuild_tensor_v2")
    _refused(_archive(_pkl(rebuild + _tup(_int(5), _int(0), _tup(_int(1)), _tup(_int(1)), b"\x89", _OD) + b"R")),
             plain)                                                                     # not a storage
    _refused(_archive(_pkl(_tensor(hooks=_od("h", b"N")))), plain)                      # backward hooks
    _refused(_archive(_pkl(_tensor(metadata=b"}" + _str("k") + b"Ns"))), plain)         # tensor metadata
    assert torchzip.unpickle(_archive(_pkl(_tensor(metadata=b"}")))).values() == [0.5, -2.0, 0.25]   # empty: fine


@pytest.mark.parametrize("mod", ["builtins", "__builtin__"])
def test_sets_must_be_empty(mod):
    """A module's _non_persistent_buffers_set is set(): a member would be a buffer torch keeps out of the file."""
    assert torchzip.unpickle(_archive(_pkl(_glob(mod, "set") + b")R"))) == set()
    _refused(_archive(_pkl(_glob(mod, "set") + b"(]" + _str("b") + b"atR")), "^a module has non-persistent buffers$")


# --- persistent ids: ('storage', <dtype>, key, location, numel) --------------------------------------------------

_UNKNOWN = r"^the pickle refers to a storage in an unknown way$"


@pytest.mark.parametrize("pid", [
    _tup(_str("storaje"), _glob("torch", "FloatStorage"), _str("0"), _str("cpu"), _int(3)),     # another tag
    _tup(_str("storage"), _glob("torch", "FloatStorage"), _str("0"), _str("cpu")),              # four fields
    _tup(_str("storage"), _glob("torch", "FloatStorage"), _str("0"), _str("cpu"), _int(3), _int(3)),   # six
    _tup(_str("storage"), _str("FloatStorage"), _str("0"), _str("cpu"), _int(3)),               # dtype a string
    _tup(_str("storage"), _glob("torch", "FloatStorage"), _int(0), _str("cpu"), _int(3)),       # key an int
    _tup(_str("storage"), _glob("torch", "FloatStorage"), _str("0"), _str("cpu"), _str("3")),   # numel a string
    _tup(_str("storage"), _glob("torch", "FloatStorage"), _str("0"), _str("cpu"), b"\x88"),     # numel True
    b"](" + _str("storage") + _glob("torch", "FloatStorage") + _str("0") + _str("cpu") + _int(3) + b"e",  # a list
])
def test_malformed_persistent_ids_are_refused(pid):
    _refused(_archive(_pkl(_tensor(pid))), _UNKNOWN)


@pytest.mark.parametrize("location", ["cpu", "cuda", "cuda:0", "cuda:123"])
def test_cpu_and_cuda_storages_are_read(location):
    assert torchzip.unpickle(_archive(_pkl(_tensor(_pid(location=location))))).values() == [0.5, -2.0, 0.25]


@pytest.mark.parametrize("location", ["meta", "CPU", "cuda:1234", "mps", ""])
def test_other_storage_locations_are_refused(location):
    """A "meta" storage holds no values at all: torch would build a tensor without data."""
    _refused(_archive(_pkl(_tensor(_pid(location=location)))), f"^storage 0 has location '{location}'; only cpu and ")


def test_the_storage_limit_is_two_to_the_24_values():
    """Checked from the declared numel, before the entry is looked at: 2^24 values pass the limit (and then need an
    entry of 2^26 bytes), 2^24 + 1 do not."""
    _refused(_archive(_pkl(_tensor(_pid(numel=(1 << 24) + 1)))),
             r"^storage 0 declares 16777217 values \(limit 16777216\)$")
    _refused(_archive(_pkl(_tensor(_pid(numel=1 << 24)))),
             "^archive entry archive/data/0 is compressed or does not hold the 67108864 bytes declared$")


@pytest.mark.parametrize(("storage", "width"), [("DoubleStorage", 8), ("FloatStorage", 4), ("HalfStorage", 2),
                                                ("BFloat16Storage", 2)])
def test_a_storage_entry_holds_numel_times_width_bytes(storage, width):
    _refused(_archive(_pkl(_tensor(_pid(storage=storage, numel=5))), {"0": b"\0" * (5 * width - 1)}),
             f"^archive entry archive/data/0 is compressed or does not hold the {5 * width} bytes declared$")
    t = torchzip.unpickle(_archive(_pkl(_tensor(_pid(storage=storage, numel=5))), {"0": b"\0" * (5 * width)}))
    assert t.values() == [0.0, 0.0, 0.0]


def test_a_missing_storage_entry_is_refused():
    _refused(_archive(_pkl(_tensor(_pid(key="7")))), "^the archive has no entry archive/data/7$")


def test_a_storage_declared_with_two_dtypes_is_refused():
    both = _tup(_tensor(_pid(numel=3)), _tensor(_pid(storage="DoubleStorage", numel=3)))
    _refused(_archive(_pkl(both)), "^storage 0 is declared with two dtypes$")
    same = torchzip.unpickle(_archive(_pkl(_tup(_tensor(), _tensor()))))
    assert same[0].storage is same[1].storage


# --- the archive: layout and entries ----------------------------------------------------------------------------

def test_exactly_one_data_pkl_one_folder_deep():
    one = r"^not a PyTorch file: expected exactly one <name>/data\.pkl in the archive$"
    pkl = _pkl(_tensor())
    _refused(torch_zip([(b"archive/version", b"3\n")]), one)
    _refused(torch_zip([(b"a/data.pkl", pkl), (b"b/data.pkl", pkl), (b"a/version", b"3\n")]), one)
    _refused(torch_zip([(b"archive/sub/data.pkl", pkl), (b"archive/version", b"3\n")]), one)
    _refused(torch_zip([(b"data.pkl", pkl), (b"version", b"3\n")]), one)


def test_a_file_that_is_no_zip_archive_is_refused():
    _refused(b"PK\x03\x04" + b"\0" * 200, r"^truncated or corrupt PyTorch file \(")


@pytest.mark.parametrize(("order", "ok"), [(b"little", True), (None, True), (b"big", False), (b"Little", False)])
def test_only_little_endian_archives_are_read(order, ok):
    """torch byte-swaps every storage of a 'big' archive (and refuses an unknown order); an archive without the
    record is read in native (little-endian) order."""
    blob = _archive(_pkl(_tensor()), byteorder=order)
    if ok:
        assert torchzip.unpickle(blob).values() == [0.5, -2.0, 0.25]
    else:
        _refused(blob, f"^byte order {order.decode()!r} is not supported")


def test_the_pickle_limit_is_16_mib():
    """A pickle of exactly 2^24 bytes (a string of 2^24 − 8 characters) is read; one byte more is refused unread."""
    n = (1 << 24) - 8
    pkl = b"\x80\x02X" + struct.pack("<I", n) + b"a" * n + b"."
    assert len(pkl) == 1 << 24
    assert len(torchzip.unpickle(_archive(pkl, {}))) == n
    pkl = b"\x80\x02X" + struct.pack("<I", n + 1) + b"a" * (n + 1) + b"."
    _refused(_archive(pkl, {}), "^the pickle is too large to be a model of Linear layers$")


@pytest.mark.parametrize("name", [b"archive/version\x00", b"archive/data/\x82", b"archive/data/\x01"])
def test_entry_names_are_printable_ascii(name):
    """zipfile cuts a name at NUL and decodes others as cp437, torch's reader (miniz) does neither."""
    _refused(_archive(_pkl(_tensor()), extra=((name, b"x"),)), "^an archive entry name is not printable ASCII$")


@pytest.mark.parametrize("name", [b"archive/data/0", b"archive/DATA/0", b"archive/Version"])
def test_entry_names_are_unique_ignoring_case(name):
    """miniz looks records up ignoring case, so two names equal but for case would be two readings of one file."""
    _refused(_archive(_pkl(_tensor()), extra=((name, _W),)),
             r"^two archive entries have names that differ only in case \(or not at all\)$")


@pytest.mark.parametrize("name", [b"archive/extra", b"archive/data/x.y", b"other/version"])
def test_every_entry_is_a_record_torch_save_writes(name):
    _refused(_archive(_pkl(_tensor()), extra=((name, b"3\n"),)),
             rf"^unexpected archive entry {name.decode()!r} \(not a record torch\.save writes\)$")


def test_records_torch_save_writes_are_allowed():
    extra = ((b"archive/.format_version", b"1"), (b"archive/.storage_alignment", b"64"),
             (b"archive/.data/serialization_id", b"1234"))
    assert torchzip.unpickle(_archive(_pkl(_tensor()), extra=extra)).values() == [0.5, -2.0, 0.25]


_LAYOUT = r"^the archive is not laid out as torch\.save writes it"


def test_the_folder_name_is_one_torch_save_can_write():
    pkl = _pkl(_tensor())
    _refused(torch_zip([(b"my model/data.pkl", pkl), (b"my model/data/0", _W), (b"my model/version", b"3\n")]),
             _LAYOUT)


# --- the end records ----------------------------------------------------------------------------------------

def _tail_fields(blob: bytes) -> dict:
    eocd = dict(zip(("sig", "disk", "cd_disk", "n1", "n2", "size", "offset", "comment"),
                    struct.unpack("<4sHHHHIIH", blob[-22:]), strict=True))
    loc = dict(zip(("lsig", "ldisk", "where", "disks"), struct.unpack("<4sIQI", blob[-42:-22]), strict=True))
    z64 = dict(zip(("zsig", "zlen", "zmade", "zneed", "zdisk", "zcd_disk", "z1", "z2", "zsize", "zoffset"),
                   struct.unpack("<4sQHHIIQQQQ", blob[-98:-42]), strict=True))
    return {**eocd, **loc, **z64}


def _tail(f: dict) -> bytes:
    return (struct.pack("<4sQHHIIQQQQ", *(f[k] for k in ("zsig", "zlen", "zmade", "zneed", "zdisk", "zcd_disk", "z1",
                                                          "z2", "zsize", "zoffset")))
            + struct.pack("<4sIQI", *(f[k] for k in ("lsig", "ldisk", "where", "disks")))
            + struct.pack("<4sHHHHIIH", *(f[k] for k in ("sig", "disk", "cd_disk", "n1", "n2", "size", "offset",
                                                          "comment"))))


def _with_tail(**changes) -> bytes:
    blob = _archive(_pkl(_tensor()))
    f = _tail_fields(blob) | changes
    return blob[:-98] + _tail(f)


def test_the_hand_made_tail_is_torchs():
    """Premise of the tests below: torch.save's own tail has the fields the zipcraft writer writes."""
    ours, theirs = _tail_fields(_archive(_pkl(_tensor()))), _tail_fields(_saved(torch.zeros(3)))
    for k in ("sig", "lsig", "zsig", "zlen", "disk", "cd_disk", "comment", "ldisk", "disks", "zdisk", "zcd_disk"):
        assert ours[k] == theirs[k], k


def test_zip64_sentinels_in_the_classic_end_record_are_read():
    """APPNOTE 4.4.1.4: a field too small for its value holds 0xFFFF or 0xFFFFFFFF and the zip64 record the value."""
    blob = _with_tail(n1=0xFFFF, n2=0xFFFF, size=0xFFFFFFFF, offset=0xFFFFFFFF)
    assert torchzip.unpickle(blob).values() == [0.5, -2.0, 0.25]


_SHIFTED = ("where", "z1", "z2", "n1", "n2", "size", "offset")   # changed by ±1 below; the others set outright


@pytest.mark.parametrize("change", [
    {"zlen": 45}, {"zlen": 43}, {"disk": 1}, {"cd_disk": 1}, {"zdisk": 1}, {"zcd_disk": 1}, {"disks": 0},
    {"where": +1}, {"where": -1}, {"z1": +1}, {"z2": +1}, {"z1": -1, "z2": -1}, {"n1": +1}, {"n2": +1},
    {"size": +1}, {"offset": +1}, {"n1": 0xFFFE}, {"size": 0xFFFFFFFE}, {"offset": 0xFFFFFFFE},
])
def test_end_records_that_disagree_are_refused(change):
    """Python's zipfile reads fixed positions (it ignores the locator's offset and the classic counts once a zip64
    record is there), miniz the stored offsets: every field must say what torch.save writes, or the two readers
    could see different directories.  Each archive here still opens in zipfile (premise)."""
    f = _tail_fields(_archive(_pkl(_tensor())))
    blob = _with_tail(**{k: f[k] + v if k in _SHIFTED and abs(v) == 1 else v for k, v in change.items()})
    assert zipfile.ZipFile(_io.BytesIO(blob)).namelist()          # premise: zipfile reads it
    _refused(blob, _LAYOUT)


def test_a_comment_imitating_the_end_records_is_refused():
    """torch.save writes no archive comment.  Here the real end records carry a 98-byte comment that copies them
    (with an end-record signature that is not one, so zipfile still finds the real record): the last 98 bytes look
    like torch's tail in every field but the signature."""
    blob = _archive(_pkl(_tensor()))
    total = len(blob) + 98
    f = _tail_fields(blob)
    fake = f | {"sig": b"PK\x05\x07", "where": total - 98, "zsize": total - 98 - f["zoffset"],
                "size": total - 98 - f["zoffset"]}
    blob = blob[:-2] + struct.pack("<H", 98) + _tail(fake)
    assert len(blob) == total and zipfile.ZipFile(_io.BytesIO(blob)).namelist()   # premise: zipfile reads it
    _refused(blob, _LAYOUT)


def test_an_archive_of_a_central_directory_alone_is_refused():
    """97 bytes: a central directory naming one data.pkl (at offset 0, where no local header is) and the classic
    end record; too short to hold torch's zip64 record and locator."""
    name = b"a" * 20 + b"/data.pkl"
    _, central = entry(name, b"", 0)
    blob = central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), 0, 0)
    assert len(blob) == 97 and zipfile.ZipFile(_io.BytesIO(blob)).namelist() == [name.decode()]
    _refused(blob, _LAYOUT)


def test_data_before_the_first_local_header_is_refused():
    """64 bytes prepended, every offset moved so the archive is consistent: torch.save starts at byte 0."""
    blob = _archive(_pkl(_tensor()))
    f = _tail_fields(blob)
    cd = blob[f["zoffset"]:f["zoffset"] + f["zsize"]]
    moved, i = bytearray(cd), 0
    while i < len(moved):
        (off,) = struct.unpack_from("<I", moved, i + 42)
        struct.pack_into("<I", moved, i + 42, off + 64)
        n, e, c = struct.unpack_from("<HHH", moved, i + 28)
        i += 46 + n + e + c
    g = f | {"zoffset": f["zoffset"] + 64, "offset": f["offset"] + 64, "where": f["where"] + 64}
    shifted = b"\0" * 64 + blob[:f["zoffset"]] + bytes(moved) + _tail(g)
    infos = zipfile.ZipFile(_io.BytesIO(shifted)).infolist()
    assert min(i.header_offset for i in infos) == 64                  # premise: zipfile reads it, first header at 64
    _refused(shifted, _LAYOUT)


# --- the version record (torch's reader: caffe2 PyTorchStreamReader, versions 1 to 10) ---------------------------

def _torch_loads(blob: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.load(_io.BytesIO(blob), weights_only=True)
        return True
    except Exception:
        return False


@pytest.mark.parametrize(("version", "ok"), [(b"1", True), (b"3\n", True), (b"10", True), (b"0", False),
                                             (b"11", False), (b"x", False), (b"", False), (None, False)])
def test_archive_versions_are_the_ones_torch_reads(version, ok):
    blob = _archive(_pkl(_tensor()), version=version)
    assert _torch_loads(blob) is ok                                   # premise: torch's own verdict
    if ok:
        assert torchzip.unpickle(blob).values() == [0.5, -2.0, 0.25]
    else:
        _refused(blob, r"^archive format version .* is not one torch reads \(1 to 10\)$")


def test_the_version_torch_reads_first_is_checked():
    """torch reads archive/.data/version in preference to archive/version (PyTorchStreamReader::init)."""
    blob = _archive(_pkl(_tensor()), extra=((b"archive/.data/version", b"99\n"),))
    assert not _torch_loads(blob)                                     # premise: torch refuses the file
    _refused(blob, "version")


def test_a_storage_alignment_torch_cannot_parse_is_refused():
    """torch.load parses archive/.storage_alignment with int() and refuses the file when it is not a number."""
    blob = _archive(_pkl(_tensor()), extra=((b"archive/.storage_alignment", b"abc"),))
    assert not _torch_loads(blob)                                     # premise: torch refuses the file
    _refused(blob, "alignment")


# --- the opcode scan --------------------------------------------------------------------------------------------

def test_opcodes_outside_protocol_2_are_refused():
    _refused(_archive(_pkl(b"\x8c\x01a")), "^the pickle uses opcode SHORT_BINUNICODE, which model files do not need$")
    _refused(_archive(b"\x80\x04\x95" + struct.pack("<Q", 3) + b"N."), "^the pickle uses opcode FRAME, ")


def test_memo_indices_are_bounded_by_the_opcode_count():
    """A memo index far beyond the pickle's length would make CPython's unpickler allocate a huge memo array."""
    assert torchzip.unpickle(_archive(_pkl(b"Nq\x00"))) is None                              # index 0
    assert torchzip.unpickle(_archive(_pkl(b"Nq\x02"))) is None                              # 4 opcodes, index 2
    _refused(_archive(_pkl(b"Nr" + struct.pack("<I", 1 << 26))), "^the pickle uses a memo index out of range$")
    _refused(_archive(_pkl(b"Nq\x05")), "^the pickle uses a memo index out of range$")       # 4 opcodes, index 5


def test_a_memo_index_equal_to_the_opcode_count_is_refused():
    _refused(_archive(_pkl(b"Nq\x04")), "^the pickle uses a memo index out of range$")       # 4 opcodes, index 4


_REUSE = r"^the pickle reuses a container object \(only atoms, flat tuples of atoms and built objects may be\)$"


def _twice(obj: bytes) -> bytes:
    """A pickle that stores ``obj`` in the memo and returns the pair (obj, obj), the second fetched by BINGET."""
    return _pkl(obj + b"q\x00h\x00\x86")


def test_only_atoms_flat_tuples_and_built_objects_are_fetched_from_the_memo_twice():
    """Sharing a list, a dict or a nested tuple lets a small pickle describe an exponentially large structure;
    atoms, tuples of at most three atoms and built objects cannot (_scan's docstring)."""
    assert torchzip.unpickle(_archive(_twice(_str("a")))) == ("a", "a")
    assert torchzip.unpickle(_archive(_twice(_OD))) == ({}, {})                                  # built by REDUCE
    assert torchzip.unpickle(_archive(_twice(b")"))) == ((), ())
    one, two, three = _int(3) + b"\x85", _int(3) + _int(3) + b"\x86", _str("a") + b"N" + _int(7) + b"\x87"
    assert torchzip.unpickle(_archive(_twice(one))) == ((3,), (3,))
    assert torchzip.unpickle(_archive(_twice(two))) == ((3, 3), (3, 3))
    assert torchzip.unpickle(_archive(_twice(three))) == (("a", None, 7), ("a", None, 7))
    assert torchzip.unpickle(_archive(_twice(_str("a") + b"q\x01h\x01\x86"))) == (("a", "a"), ("a", "a"))
    for container in (b"]", b"}", _tup(_int(1)),                       # list, dict, a tuple built from a MARK
                      _int(1) + _int(2) + b"\x86" + _int(3) + b"\x86",   # a pair holding a pair
                      _int(1) + b"]" + b"\x86",                          # a pair holding a list
                      b"]" + _int(1) + _int(2) + b"\x87",                 # a triple holding a list (its first item)
                      _OD + _int(1) + b"\x86"):                          # a pair holding a built object
        _refused(_archive(_twice(container)), _REUSE)


def test_two_conv2d_layers_sharing_their_kernel_size_are_read():
    """The case the flat-tuple rule is for: one (3, 3) constant is both layers' kernel_size (Python keeps one
    object per constant of a code object), so torch.save pickles it once and fetches it from the memo."""
    def build() -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(1, 2, (3, 3)), nn.ReLU(), nn.Conv2d(2, 2, (3, 3)))
    m = build()
    assert m[0].kernel_size is m[2].kernel_size                                  # premise: one shared tuple
    obj = torchzip.unpickle(_saved(m))
    convs = [obj.state["_modules"][k] for k in ("0", "2")]
    assert [c.state["kernel_size"] for c in convs] == [(3, 3), (3, 3)]
    assert convs[1].state["_parameters"]["weight"].tensor.values() == m[2].weight.detach().double().flatten().tolist()


def test_a_compressed_entry_is_refused():
    """torch.save stores every record; a deflated storage is refused even though it inflates to the right size."""
    blob = _archive(_pkl(_tensor()))
    z = zipfile.ZipFile(_io.BytesIO(blob))
    out = _io.BytesIO()
    with zipfile.ZipFile(out, "w") as w:   # the same records, data/0 deflated (layout aside: _entry is tested alone)
        for i in z.infolist():
            w.writestr(i.filename, z.read(i), zipfile.ZIP_DEFLATED if i.filename == "archive/data/0" else 0)
    with zipfile.ZipFile(out) as w:
        raw = torchzip._entry(w, "archive/version", 2)
        assert raw == b"3\n"
        for name, size in (("archive/data/0", 12), ("archive/version", 3)):   # deflated; stored but 2 bytes
            msg = f"^archive entry {name} is compressed or does not hold the {size} bytes declared$"
            with pytest.raises(ModelFileError, match=msg):
                torchzip._entry(w, name, size)

