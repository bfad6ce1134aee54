"""Attacks found by an adversarial review of the trusted checker (verify/kernel/check.py, verify/kernel/modelfile.py):
zip-name and layout tricks on which Python's zipfile and torch's reader disagree, BUILD on tensors, storage
locations, duplicate layer indices, and small files that would exhaust time or memory.  Each test failed before the
fix it guards.

Soundness tests share one honest certificate for the 3-4-2 F = W2 σ(W1 x) of ``_honest_blob`` (float32 weights,
checker bound ≈ 0.0846).  Each attack file is read by the checker as exactly that F (so the honest certificate,
retargeted by hash, is accepted), while ``torch.load(..., weights_only=True)`` (Sequential/Linear/ReLU allow-listed)
builds another function F'.  Each test first *proves* the accepted claim false: at a witness x with ‖x‖₂ ≤ 1 the
exact G̃(x) (``check.exact_networks``, Fractions) and torch's module(x) (float64 forward of float32 weights: rounding
≤ 1e-15, the gaps are ≥ 0.4) differ by more than claim.bound.  Then it asserts the checker does not print VALID.

Resource tests run the CLI in a child process and measure its time and peak RSS (an honest check needs ~25 MB).
"""

from __future__ import annotations

import copy
import hashlib
import io as _io
import json
import struct
import subprocess
import sys
import zlib
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from conftest import honest_certificate
from independent import relu_net
from torch import nn
from zipcraft import entry, torch_zip

from verify.kernel import check, modelfile

_ROOT = Path(__file__).resolve().parents[1]
W1 = [0.5, -0.25, 0.75, 0.125, -0.5, 0.25, 0.375, 0.5, -0.75, 0.25, 0.5, -0.125]   # 4 x 3
W2 = [0.5, -0.5, 0.25, 0.75, -0.25, 0.5, 0.125, -0.375]                            # 2 x 4
BIG = [-4 * v for v in W1]                                                          # what torch reads instead


# --- a hand-written torch zip: protocol-2 pickle assembler and a stored-entry zip writer ------------------------

def _glob(mod: str, name: str) -> bytes:
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def _str(s: str) -> bytes:
    return b"X" + struct.pack("<I", len(s.encode())) + s.encode()


def _int(n: int) -> bytes:
    return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + struct.pack("<i", n)


def _put(i: int) -> bytes:
    return b"q" + bytes([i])


def _get(i: int) -> bytes:
    return b"h" + bytes([i])


_OD = _glob("collections", "OrderedDict") + b")R"          # an empty OrderedDict on the stack
_HOOKS = ("_backward_pre_hooks", "_backward_hooks", "_forward_hooks", "_forward_hooks_with_kwargs",
          "_forward_hooks_always_called", "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
          "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")


def _tensor(key: str, numel: int, size: tuple, stride: tuple, storage: str = "FloatStorage",
            location: str = "cpu") -> bytes:
    def tup(xs):
        return b"(" + b"".join(_int(x) for x in xs) + b"t"
    return (_glob("torch._utils", "_rebuild_tensor_v2") + b"(" + b"(" + _str("storage") + _glob("torch", storage)
            + _str(key) + _str(location) + _int(numel) + b"tQ" + _int(0) + tup(size) + tup(stride) + b"\x89" + _OD
            + b"tR")


def _param(tensor: bytes) -> bytes:
    return _glob("torch._utils", "_rebuild_parameter") + b"(" + tensor + b"\x88" + _OD + b"tR"


def _module(mod: str, cls: str, params: bytes = b"", children: bytes = b"", extra: bytes = b"") -> bytes:
    state = (b"(" + _str("training") + b"\x88" + _str("_parameters") + _OD + b"(" + params + b"u" + _str("_buffers")
             + _OD + _str("_non_persistent_buffers_set") + _glob("builtins", "set") + b")R"
             + _str("_is_full_backward_hook") + b"N")
    for h in _HOOKS:
        state += _str(h) + _OD
    state += _str("_modules") + _OD + b"(" + children + b"u" + extra + b"u"
    return _glob(mod, cls) + b")\x81}" + state + b"b"


def _linear(weight: bytes, n_in: int, n_out: int) -> bytes:
    return _module("torch.nn.modules.linear", "Linear", _str("weight") + weight + _str("bias") + b"N", b"",
                   _str("in_features") + _int(n_in) + _str("out_features") + _int(n_out))


def _relu(inplace: bool | None = False) -> bytes:
    return _module("torch.nn.modules.activation", "ReLU", extra=b"" if inplace is None else _str("inplace") + b"\x89")


def _sequential(*children: bytes) -> bytes:
    return b"\x80\x02" + _module("torch.nn.modules.container", "Sequential",
                                 children=b"".join(_str(str(i)) + c for i, c in enumerate(children))) + b"."


def _w1(key: str = "0", **kw) -> bytes:
    return _tensor(key, 12, (4, 3), (3, 1), **kw)


def _w2(key: str = "1", **kw) -> bytes:
    return _tensor(key, 8, (2, 4), (4, 1), **kw)


def _f32(values: list[float]) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def _archive(pkl: bytes, storages: dict[str, bytes], pkl_name: bytes = b"archive/data.pkl",
             extra: tuple = ()) -> bytes:
    return torch_zip([(pkl_name, pkl), (b"archive/byteorder", b"little"),
                 *((f"archive/data/{k}".encode(), v) for k, v in storages.items()), (b"archive/version", b"3\n"),
                 *extra])


def _honest_blob() -> bytes:
    return _archive(_sequential(_linear(_param(_w1()), 3, 4), _relu(), _linear(_param(_w2()), 4, 2)),
                    {"0": _f32(W1), "1": _f32(W2)})


# --- the honest certificate, torch's F', and the exact gap ------------------------------------------------------

@pytest.fixture(scope="module")
def honest(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("review")
    path = d / "honest.pt"
    path.write_bytes(_honest_blob())
    out = honest_certificate(path)
    assert check.run(_write(d / "honest.json", out["cert"]), path)[0] == 0
    return out


def _write(path: Path, cert: dict) -> Path:
    path.write_text(json.dumps(cert))
    return path


def _torch_module_raw(blob: bytes) -> object:
    with torch.serialization.safe_globals([nn.Sequential, nn.Linear, nn.ReLU]):
        return torch.load(_io.BytesIO(blob), weights_only=True)


def _torch_module(blob: bytes) -> nn.Module:
    """F' as a user gets it: torch.load(weights_only=True) with the three layer classes allow-listed."""
    obj = _torch_module_raw(blob)
    if isinstance(obj, dict):   # a state_dict: load it into the Sequential its keys describe (strict)
        seq = nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 2, bias=False))
        seq.load_state_dict(obj)
        return seq
    return obj


def _worst_gap(honest: dict, module: nn.Module) -> Fraction:
    """max over x ∈ {±e_i} ∪ {a fixed unit vector} of ‖G̃(x) − module(x)‖₂², exact G̃, float64 torch forward."""
    module = module.double()
    best = Fraction(0)
    points = [[s * (i == j) for j in range(3)] for i in range(3) for s in (1, -1)]
    points.append([Fraction(3, 5), Fraction(4, 5), 0])
    for x in points:
        g = relu_net(honest["pruned"], [Fraction(v) for v in x])
        with torch.no_grad():
            f = module(torch.tensor([float(v) for v in x], dtype=torch.float64)).tolist()
        best = max(best, sum((a - Fraction(b)) ** 2 for a, b in zip(g, f, strict=True)))
    return best


def _check(honest: dict, blob: bytes, tmp: Path) -> tuple[int, str]:
    """The honest certificate retargeted (sha256, and model.format for a state_dict) to ``blob``: (exit code, line)."""
    model = tmp / "attack.pt"
    model.write_bytes(blob)
    cert = copy.deepcopy(honest["cert"])
    cert["model"]["sha256"] = hashlib.sha256(blob).hexdigest()
    if isinstance(_torch_module_raw(blob), dict):
        cert["model"]["format"] = "torch-state-dict"
    code, line, _ = check.run(_write(tmp / "attack.json", cert), model)
    return code, line


def _assert_false_claim_refused(honest: dict, blob: bytes, tmp: Path) -> None:
    gap2 = _worst_gap(honest, _torch_module(blob))
    assert gap2 > honest["bound"] ** 2 * 4, "premise: the claim is false for torch's F' (by a factor > 2)"
    code, line = _check(honest, blob, tmp)
    assert code != 0, f"checker accepted a false claim (exact gap {float(gap2) ** 0.5:.3f} > bound): {line}"


# --- soundness: the zip layer (Python zipfile vs torch's miniz reader) -------------------------------------------

def test_uppercase_byteorder_entry_is_honoured_by_torch(honest, tmp_path):
    """torch looks records up case-insensitively (miniz, flags 0): ``archive/BYTEORDER`` = "big" makes torch
    byte-swap every storage, while the checker looks for exactly ``archive/byteorder``, finds none, and reads
    little-endian.  torch's W1 = bswap(W1) are denormals (~1e-41), so F'(x) ≈ 1e-81 while G̃(e1) ≈ (0.47, -0.11):
    exact gap ≈ 0.48 > bound 0.0846 at x = e1.  Fix: refuse any entry whose name equals a looked-up name up to
    ASCII case (better: refuse archives whose names are not unique case-insensitively, or any unknown entry)."""
    blob = torch_zip([(b"archive/data.pkl", _honest_blob_pickle()), (b"archive/BYTEORDER", b"big"),
                 (b"archive/data/0", _f32(W1)), (b"archive/data/1", _f32(W2)), (b"archive/version", b"3\n")])
    _assert_false_claim_refused(honest, blob, tmp_path)


def _honest_blob_pickle(w1_key: str = "0") -> bytes:
    return _sequential(_linear(_param(_w1(w1_key)), 3, 4), _relu(), _linear(_param(_w2()), 4, 2))


def test_data_pkl_differing_only_in_case_is_read_by_torch(honest, tmp_path):
    """Entries ``archive/Data.pkl`` (first) and ``archive/data.pkl``: no two names are equal, so the duplicate check
    passes, and the checker reads ``archive/data.pkl`` (W1 from data/0).  torch's case-insensitive binary search
    lands on ``archive/Data.pkl``, whose pickle takes W1 from ``data/2`` = -4·W1.  Exact gap ≈ 2.8 > 0.0846.
    Fix: refuse names that collide after ASCII lower-casing."""
    blob = torch_zip([(b"archive/Data.pkl", _honest_blob_pickle("2")), (b"archive/data.pkl", _honest_blob_pickle()),
                 (b"archive/byteorder", b"little"), (b"archive/data/0", _f32(W1)), (b"archive/data/1", _f32(W2)),
                 (b"archive/data/2", _f32(BIG)), (b"archive/version", b"3\n")])
    _assert_false_claim_refused(honest, blob, tmp_path)


def test_storage_name_differing_only_in_case_is_read_by_torch(honest, tmp_path):
    """Same pickle for both readers; entries ``archive/DATA/0`` (-4·W1, first) and ``archive/data/0`` (W1): the
    checker reads the latter, torch the former.  Exact gap ≈ 2.8 > 0.0846."""
    blob = torch_zip([(b"archive/data.pkl", _honest_blob_pickle()), (b"archive/byteorder", b"little"),
                 (b"archive/DATA/0", _f32(BIG)), (b"archive/data/0", _f32(W1)), (b"archive/data/1", _f32(W2)),
                 (b"archive/version", b"3\n")])
    _assert_false_claim_refused(honest, blob, tmp_path)


def test_nul_in_entry_name_is_truncated_by_zipfile_only(honest, tmp_path):
    """Python's zipfile cuts names at NUL: ``archive/data.pkl\\x00`` is the checker's only data.pkl.  miniz keeps the
    NUL, so torch's lookup of data.pkl finds ``archive/DATA.PKL`` (case-insensitive; the checker ignores it as
    it does not end in "/data.pkl"), whose pickle reads W1 from data/2 = -4·W1.  Exact gap ≈ 2.8 > 0.0846.
    Fix: refuse any name whose ``orig_filename`` differs from ``filename`` (or any non-printable-ASCII name)."""
    blob = torch_zip([(b"archive/data.pkl\x00", _honest_blob_pickle()), (b"archive/DATA.PKL", _honest_blob_pickle("2")),
                 (b"archive/byteorder", b"little"), (b"archive/data/0", _f32(W1)), (b"archive/data/1", _f32(W2)),
                 (b"archive/data/2", _f32(BIG)), (b"archive/version", b"3\n")])
    _assert_false_claim_refused(honest, blob, tmp_path)


def test_two_central_directories(honest, tmp_path):
    """Python's zipfile reads the central directory that ends at the EOCD record and shifts every offset by
    "concat" = location − size − declared offset; miniz reads the central directory at the *declared* offset.
    The file holds torch's entries (W1 = -4·W1) with a directory at the declared offset, then the checker's entries
    with a second directory before the EOCD.  Exact gap ≈ 2.8 > 0.0846.  Fix: refuse concat ≠ 0 (require
    EOCD offset + size == EOCD location, and the first local header at 0)."""
    def region(base: int, w1: list[float], shift: int = 0) -> tuple[bytes, bytes]:
        out, cd = b"", b""
        for name, data in ((b"archive/data.pkl", _honest_blob_pickle()), (b"archive/byteorder", b"little"),
                           (b"archive/data/0", _f32(w1)), (b"archive/data/1", _f32(W2)),
                           (b"archive/version", b"3\n")):
            local, central = entry(name, data, base + len(out), base + len(out) - shift)
            out, cd = out + local, cd + central
        return out, cd
    torch_locals, torch_cd = region(0, BIG)
    probe, _ = region(0, W1)
    torch_locals += b"\0" * (len(probe) + 4096 - len(torch_locals))   # declared offsets below must stay ≥ 0
    declared = len(torch_locals)                                       # the EOCD's central-directory offset
    start = -(-(declared + len(torch_cd)) // 64) * 64
    chk_locals, _ = region(start, W1)
    concat = start + len(chk_locals) - declared
    chk_locals, chk_cd = region(start, W1, shift=concat)
    assert len(chk_cd) == len(torch_cd)
    blob = (torch_locals + torch_cd + b"\0" * (start - declared - len(torch_cd)) + chk_locals + chk_cd
            + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 5, 5, len(chk_cd), declared, 0))
    _assert_false_claim_refused(honest, blob, tmp_path)


# --- soundness: the pickle layer (C pickle BUILD vs torch's weights-only BUILD) ----------------------------------

def test_build_on_a_tensor_with_a_tensor_keyed_dict(honest, tmp_path):
    """state_dict pickle; then BUILD on the 0.weight tensor with state {t3: None} (t3 = -4·W1 from data/2).  torch's
    weights-only BUILD does ``tensor.set_(*state)`` = set_(t3): 0.weight now *is* t3.  C pickle's default BUILD stores
    the key in the _Tensor's __dict__ and the checker reads W1.  Exact gap ≈ 2.8 > 0.0846.  Fix: BUILD on anything
    but a module must be refused (give _Tensor/_Param/_Storage a __setstate__ that raises; no __dict__)."""
    pkl = (b"\x80\x02" + _OD + _put(1) + b"(" + _str("0.weight") + _w1() + _put(2) + _str("2.weight") + _w2() + b"u"
           + _get(2) + b"}" + _w1("2") + b"Nsb" + _get(1) + b".")
    blob = _archive(pkl, {"0": _f32(W1), "1": _f32(W2), "2": _f32(BIG)})
    _assert_false_claim_refused(honest, blob, tmp_path)


def test_build_on_a_parameter_with_a_five_key_dict(honest, tmp_path):
    """Whole module; the first Linear's Parameter gets BUILD with {0: t3, 1: None, 2: OrderedDict(), 3: False,
    4: None}.  torch calls Tensor.__setstate__: len(state) == 5 is the "legacy Variable" path, ``self.data =
    state[0]`` = t3 (-4·W1).  The checker's _Param stores the int keys in its __dict__ and keeps W1.
    Exact gap ≈ 2.8 > 0.0846."""
    p = (_param(_w1()) + b"}(" + _int(0) + _w1("2") + _int(1) + b"N" + _int(2) + _OD + _int(3) + b"\x89" + _int(4)
         + b"Nub")
    blob = _archive(_sequential(_linear(p, 3, 4), _relu(), _linear(_param(_w2()), 4, 2)),
                    {"0": _f32(W1), "1": _f32(W2), "2": _f32(BIG)})
    _assert_false_claim_refused(honest, blob, tmp_path)


def test_meta_storage_location_is_refused(honest, tmp_path):
    """The persistent id's location (pid[3]) is never read: "meta" makes torch restore W1 as a meta tensor (no
    values).  module(x) then returns uninitialised memory (observed: ~1e-23 .. 1e-44, different on every call),
    not W2 σ(W1 x); at x = e1 G̃(x) ≈ (0.47, -0.11), so the claim is false.  Fix: require location == "cpu" (or
    an explicit allow-list of device strings)."""
    blob = _archive(_sequential(_linear(_param(_w1(location="meta")), 3, 4), _relu(), _linear(_param(_w2()), 4, 2)),
                    {"0": _f32(W1), "1": _f32(W2)})
    assert _torch_module(blob)[0].weight.device.type == "meta"   # premise: torch's F' has no weights at all
    code, line = _check(honest, blob, tmp_path)
    assert code != 0, line


def test_state_dict_index_written_twice(honest, tmp_path):
    """Keys "0.weight" (W1), "00.weight" (-4·W1), "2.weight": both first keys parse to index 0 and the checker keeps
    the last one silently (F = W2 σ(-4·W1 x)).  Loading the state_dict into nn.Sequential, as the "flat map" F
    convention says, uses "0.weight" = W1 (strict=True refuses the file; strict=False ignores "00.weight").  A
    certificate for F' = W2 σ(-4 W1 x) then passes for a file whose Sequential reading is F.  Fix: refuse two keys
    with the same integer index (and non-canonical indices such as "00")."""
    pkl = (b"\x80\x02" + _OD + b"(" + _str("0.weight") + _w1() + _str("00.weight") + _w1("2") + _str("2.weight")
           + _w2() + b"u.")
    blob = _archive(pkl, {"0": _f32(W1), "1": _f32(W2), "2": _f32(BIG)})
    seq = nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 2, bias=False))
    seq.load_state_dict(_torch_module_raw(blob), strict=False)
    assert seq[0].weight.flatten().tolist() == W1                     # the Sequential reading uses "0.weight"
    try:
        chain = modelfile.read_chain(blob)
    except modelfile.ModelFileError:
        return                                                          # refused: fixed
    assert chain.layers[0].weight == [W1[3 * r:3 * r + 3] for r in range(4)], (
        f"the checker's F takes layer 0 from {chain.layers[0].weight_key!r}, not from '0.weight'")


def test_relu_without_inplace_attribute_is_refused(honest, tmp_path):
    """A ReLU whose pickled __dict__ lacks ``inplace`` is accepted (only _REQUIRED keys must exist), but torch's
    ReLU.forward reads self.inplace: module(x) raises AttributeError for every x, so the file computes no F.
    Fix: require every attribute of a fresh module (in_features/out_features/inplace and all hook tables)."""
    blob = _archive(_sequential(_linear(_param(_w1()), 3, 4), _relu(inplace=None), _linear(_param(_w2()), 4, 2)),
                    {"0": _f32(W1), "1": _f32(W2)})
    with pytest.raises(AttributeError):
        _torch_module(blob)(torch.ones(3))
    code, line = _check(honest, blob, tmp_path)
    assert code == 2, line


def test_layers_of_different_dtypes_are_refused(honest, tmp_path):
    """W1 stored as float64, W2 as float32: torch's module(x) raises "expected m1 and m2 to have the same dtype" for
    x of either dtype, so the file computes no F; the checker accepts (Chain.dtype looks at layer 0 only)."""
    blob = _archive(_sequential(_linear(_param(_w1(storage="DoubleStorage")), 3, 4), _relu(),
                                _linear(_param(_w2()), 4, 2)), {"0": struct.pack("<12d", *W1), "1": _f32(W2)})
    for dtype in (torch.float32, torch.float64):
        with pytest.raises(RuntimeError):
            _torch_module(blob)(torch.ones(3, dtype=dtype))
    code, line = _check(honest, blob, tmp_path)
    assert code == 2, line


# --- resources: small files, unbounded time or memory ------------------------------------------------------------

_WRAP = """import json, resource, subprocess, sys
try:
    p = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=float(sys.argv[1]))
    out = [p.returncode, p.stdout, p.stderr[-500:]]
except subprocess.TimeoutExpired:
    out = [None, "", "timeout"]
print(json.dumps(out + [resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))
"""


def _cli(honest: dict, blob: bytes, tmp: Path, timeout: float = 6.0) -> tuple[int | None, str, int]:
    """(exit code or None on timeout, stdout, peak RSS in MiB) of ``python -m verify check`` in a child process."""
    model = tmp / "r.pt"
    model.write_bytes(blob)
    cert = copy.deepcopy(honest["cert"])
    cert["model"]["sha256"] = hashlib.sha256(blob).hexdigest()
    argv = [sys.executable, "-c", _WRAP, str(timeout), sys.executable, "-m", "verify", "check",
            str(_write(tmp / "r.json", cert)), "--model", str(model)]
    code, out, err, rss_kb = json.loads(subprocess.run(argv, capture_output=True, text=True, cwd=_ROOT).stdout)
    return code, out + err, rss_kb // 1024


def test_long_binput_with_a_huge_memo_index(honest, tmp_path):
    """A 5-byte LONG_BINPUT (index 2^26) makes CPython's C unpickler grow its memo *array* to 2^27 slots and zero
    them: ~1 GiB resident for a ~1 KB model file (index 2^30: 16 GiB, over a minute).  torch's own unpickler
    keeps a dict.  Fix: refuse memo indices above a small bound (e.g. the number of opcodes) in the genops pass."""
    pkl = b"\x80\x02}r" + struct.pack("<I", 1 << 26) + b"."
    code, out, rss = _cli(honest, _archive(pkl, {}), tmp_path)
    assert code == 2 and rss < 256, (code, out, rss)


def test_hash_of_a_shared_tuple_dag(honest, tmp_path):
    """Tuples T_i = (T_{i-1}, T_{i-1}) built with BINGET (6 bytes a level), 100 levels, then used as a dict key:
    hashing walks 2^100 nodes (tuple hashes are not cached), so the checker never answers.  Fix: refuse
    non-str/int dict keys, or bound the object graph (e.g. refuse a memo entry fetched more than a few times)."""
    ops = b"\x80\x02)" + _put(0)
    for i in range(1, 100):
        ops += _get(i - 1) + _get(i - 1) + b"\x86" + _put(i)
    code, out, rss = _cli(honest, _archive(ops + b"}" + _get(99) + b"Ns.", {}), tmp_path)
    assert code == 2, (code, out, rss)


def test_deflated_byteorder_entry_is_a_bomb(honest, tmp_path):
    """data/* and data.pkl must be stored, but ``byteorder`` is read with archive.read whatever its method; its
    declared size (6) is what is checked.  zipfile inflates the whole stream in one call (max_length 2^31 - 1):
    a 0.5 MB deflate stream of zeros costs ~512 MiB (2 MB file: 2.1 GB, 20 s).  Fix: require ZIP_STORED (and a
    small compress_size) for every entry read, byteorder included."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = co.compress(b"\0" * (1 << 20)) + co.flush(zlib.Z_FULL_FLUSH)    # byte-aligned, self-contained
    comp = block * 512 + b"\x03\x00"                                         # + an empty final block: 512 MiB
    pkl = _honest_blob_pickle()
    out, cd = b"", b""
    for name, data, method, stored in ((b"archive/data.pkl", pkl, 0, pkl), (b"archive/byteorder", b"little", 8, comp),
                                       (b"archive/data/0", _f32(W1), 0, _f32(W1)),
                                       (b"archive/data/1", _f32(W2), 0, _f32(W2))):
        head = struct.pack("<HHHHIII", 0, method, 0, 0x21, zlib.crc32(data), len(stored), len(data))
        cd += b"PK\x01\x02" + struct.pack("<HH", 20, 20) + head + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0,
                                                                              len(out)) + name
        out += b"PK\x03\x04" + struct.pack("<H", 20) + head + struct.pack("<HH", len(name), 0) + name + stored
    blob = out + cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 4, 4, len(cd), len(out), 0)
    code, out_text, rss = _cli(honest, blob, tmp_path)
    assert code in (0, 2) and rss < 256, (code, out_text, rss)


def test_strided_views_amplify_a_tiny_file(honest, tmp_path):
    """64 Linear(1024, 1024) layers whose weights are stride-(0, 0) views of one 1-value storage: a ~70 KB file
    declaring 67 M weights (4× MAX_TARGET_WEIGHTS).  read_chain decodes every view element by element (~4 s per
    Mi values; one 4096×4096 view alone takes 70 s) before check._model compares the total with the limit.
    Fix: sum the declared sizes of all layers and refuse over MAX_TARGET_WEIGHTS before decoding any; decode
    strided views with slicing."""
    layers = []
    for i in range(64):
        layers.append(_linear(_param(_tensor("0", 1, (1024, 1024), (0, 0))), 1024, 1024))
        if i < 63:
            layers.append(_relu())
    code, out, rss = _cli(honest, _archive(_sequential(*layers), {"0": _f32([0.5])}), tmp_path)
    assert code == 2, (code, out, rss)
