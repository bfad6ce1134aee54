"""Loader parity, from a second adversarial review of the trusted checker (verify/kernel/check.py,
verify/kernel/modelfile.py): the checker must read a file as torch's and safetensors' own loaders do, or refuse it
(zip64 end records, format versions, pickle protocol, rebuild arguments, safetensors tiling), and hostile JSON must
not multiply memory. Each test failed before the fix it guards.

Soundness tests share one honest certificate for the 3-4-2 F = W2 σ(W1 x) that ``torch.save`` writes for
``_module()`` (float32 weights, checker bound ≈ 0.0846).  Each attack file is read by the checker as exactly that F
(so the honest certificate, retargeted by hash, is accepted), while ``torch.load(..., weights_only=True)``
(Sequential/Linear/ReLU allow-listed) builds F' = W2 σ(−4·W1 x).  Each test first *proves* the accepted claim
false: at a witness x with ‖x‖₂ ≤ 1, the exact G̃(x) (``check.exact_networks``, Fractions) and torch's module(x)
(float64 forward of float32 weights, rounding ≤ 1e-15; the gaps are ≥ 0.4) differ by more than claim.bound.  Then
it asserts that the checker does not print VALID.

"Unloadable" tests: the checker prints VALID for a file that the documented loader refuses outright, so the file
computes no F at all (the class of the earlier mixed-dtype and missing-attribute findings).
"""

from __future__ import annotations

import copy
import hashlib
import io as _io
import json
import pickletools
import struct
import subprocess
import sys
import zipfile
import zlib
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from conftest import honest_certificate
from independent import relu_net
from safetensors.torch import load as safetensors_load
from torch import nn

from verify.kernel import check

_ROOT = Path(__file__).resolve().parents[1]
W1 = [0.5, -0.25, 0.75, 0.125, -0.5, 0.25, 0.375, 0.5, -0.75, 0.25, 0.5, -0.125]   # 4 x 3
W2 = [0.5, -0.5, 0.25, 0.75, -0.25, 0.5, 0.125, -0.375]                            # 2 x 4
BIG = struct.pack("<12f", *(-4 * v for v in W1))                                     # what torch reads instead
_ALLOWED = [nn.Sequential, nn.Linear, nn.ReLU]


def _module() -> nn.Sequential:
    m = nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 2, bias=False))
    with torch.no_grad():
        m[0].weight.copy_(torch.tensor(W1).reshape(4, 3))
        m[2].weight.copy_(torch.tensor(W2).reshape(2, 4))
    return m


def _saved() -> bytes:
    buf = _io.BytesIO()
    torch.save(_module(), buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def honest(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("review2")
    path = d / "honest.pt"
    path.write_bytes(_saved())
    return honest_certificate(path)


def _torch_load(blob: bytes) -> object:
    with torch.serialization.safe_globals(_ALLOWED):
        return torch.load(_io.BytesIO(blob), weights_only=True)


def _worst_gap2(honest: dict, module: nn.Module) -> Fraction:
    """max over x ∈ {±e_i} of ‖G̃(x) − module(x)‖₂² (exact G̃, torch's float64 forward of the loaded module)."""
    module = module.double()
    best = Fraction(0)
    for i in range(3):
        for s in (1, -1):
            x = [Fraction(s if j == i else 0) for j in range(3)]
            with torch.no_grad():
                f = module(torch.tensor([float(v) for v in x], dtype=torch.float64)).tolist()
            g = relu_net(honest["pruned"], x)
            best = max(best, sum((a - Fraction(b)) ** 2 for a, b in zip(g, f, strict=True)))
    return best


def _run(honest: dict, blob: bytes, tmp: Path, fmt: str | None = None) -> tuple[int, str]:
    """The honest certificate retargeted to ``blob`` (hash, and ``fmt`` as model.format): (exit code, line)."""
    (tmp / "m.bin").write_bytes(blob)
    cert = copy.deepcopy(honest["cert"])
    cert["model"]["sha256"] = hashlib.sha256(blob).hexdigest()
    if fmt:
        cert["model"]["format"] = fmt
    (tmp / "c.json").write_text(json.dumps(cert))
    code, line, _ = check.run(tmp / "c.json", tmp / "m.bin")
    return code, line


# --- zip64 end records: Python's zipfile and torch's miniz find different central directories --------------------

def _central_records(blob: bytes) -> tuple[int, list[bytearray]]:
    """(offset, records) of the central directory of a torch.save archive (zip64 end record before the locator)."""
    size, offset = struct.unpack("<QQ", blob[-98 + 40:-98 + 56])
    cd, recs, p = blob[offset:offset + size], [], 0
    while p < len(cd):
        n, e, c = struct.unpack("<HHH", cd[p + 28:p + 34])
        recs.append(bytearray(cd[p:p + 46 + n + e + c]))
        p += 46 + n + e + c
    return offset, recs


def _zip64_end(entries: int, size: int, offset: int) -> bytes:
    return struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 30, 45, 0, 0, entries, entries, size, offset)


def _torch_side(blob: bytes, name: bytes, data: bytes) -> tuple[bytearray, int]:
    """The honest archive's entries, then a new local header for ``name`` holding ``data``, a second central
    directory (the honest one, but ``name`` pointing at the new entry) and a zip64 end record for it: (bytes so far,
    offset of that zip64 end record).  Python's zipfile never looks at any of the new bytes."""
    cd_offset, recs = _central_records(blob)
    body = bytearray(blob[:cd_offset])
    second = b""
    for r in recs:
        r = bytearray(r)
        if bytes(r[46:46 + struct.unpack("<H", r[28:30])[0]]) == name:
            struct.pack_into("<III", r, 16, zlib.crc32(data), len(data), len(data))   # crc, sizes
            struct.pack_into("<HHH", r, 28, len(name), 0, 0)                          # no extra, no comment
            struct.pack_into("<I", r, 42, len(body))                                  # local header offset
            r = r[:46 + len(name)]
            body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data), len(data),
                                len(name), 0) + name + data
        second += bytes(r)
    second_at = len(body)
    body += second
    end_at = len(body)
    body += _zip64_end(len(recs), len(second), second_at)
    return body, end_at


def test_zip64_locator_pointing_at_a_second_end_record(honest, tmp_path):
    """Python's zipfile (``_EndRecData64``) reads the zip64 end record at the fixed position 56 bytes before the
    locator and ignores the locator's offset field; miniz (torch's reader) reads the zip64 end record *at* that
    offset.  The file: the honest entries, a new local header ``archive/data/0`` holding −4·W1, a second central
    directory naming it and a zip64 end record E2 for that directory; then the honest central directory, its zip64
    end record E1, a locator pointing at E2, and the classic end record.  The layout checks pass (first local
    header at 0, end record at the end, every name a torch record).  The checker reads W1, torch reads −4·W1:
    F'(x) = W2 σ(−4·W1 x), and at x = ±e_i the exact ‖G̃(x) − F'(x)‖₂ ≥ 0.4 > bound 0.0846.
    Fix: accept the zip64 records only as torch.save writes them: locator (disk 0, 1 disk) at end − 42 whose offset
    is end − 98, a zip64 end record there of size 44 whose directory size/offset are the ones zipfile used, and the
    classic end record equal to it or saturated (0xFFFF/0xFFFFFFFF); or parse the end records independently."""
    blob = _saved()
    body, end2 = _torch_side(blob, b"archive/data/0", BIG)
    _, recs = _central_records(blob)
    first = b"".join(bytes(r) for r in recs)
    at = len(body)
    body += first + _zip64_end(len(recs), len(first), at)
    body += struct.pack("<IIQI", 0x07064B50, 0, end2, 1)
    body += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(recs), len(recs), len(first), at, 0)
    blob = bytes(body)
    assert _torch_load(blob)[0].weight.flatten().tolist() == [-4 * v for v in W1]    # premise: torch reads −4·W1
    gap2 = _worst_gap2(honest, _torch_load(blob))
    assert gap2 > 4 * honest["bound"] ** 2, "premise: the claim is false for torch's F' (by a factor > 2)"
    code, line = _run(honest, blob, tmp_path)
    assert code != 0, f"checker accepted a false claim (exact gap {float(gap2) ** 0.5:.3f} > bound): {line}"


def test_zip64_locator_without_a_record_where_zipfile_looks(honest, tmp_path):
    """Variant: no zip64 end record 56 bytes before the locator (the locator's 20 bytes are the comment of the
    last honest central record), so Python's zipfile falls back to the classic end record and the honest central
    directory; miniz follows the locator's offset to a zip64 end record for a second directory whose
    ``archive/data/0`` holds −4·W1.  Same exact gap ≥ 0.4 > 0.0846 as above; same fix (a locator must come with
    the zip64 end record torch.save writes right before it, at the offset it names)."""
    blob = _saved()
    body, end2 = _torch_side(blob, b"archive/data/0", BIG)
    _, recs = _central_records(blob)
    last = bytearray(recs[-1])
    struct.pack_into("<H", last, 32, 20)                                # comment length: the locator below
    last += struct.pack("<IIQI", 0x07064B50, 0, end2, 1)
    first = b"".join(bytes(r) for r in recs[:-1]) + bytes(last)
    at = len(body)
    body += first + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(recs), len(recs), len(first), at, 0)
    blob = bytes(body)
    assert _torch_load(blob)[0].weight.flatten().tolist() == [-4 * v for v in W1]
    gap2 = _worst_gap2(honest, _torch_load(blob))
    assert gap2 > 4 * honest["bound"] ** 2
    code, line = _run(honest, blob, tmp_path)
    assert code != 0, f"checker accepted a false claim (exact gap {float(gap2) ** 0.5:.3f} > bound): {line}"


# --- files the documented loader cannot open: VALID for a file that computes no F -----------------------------------

def _records(blob: bytes) -> list[tuple[str, bytes]]:
    z = zipfile.ZipFile(_io.BytesIO(blob))
    return [(i.filename, z.read(i)) for i in z.infolist()]


def _rezip(records: list[tuple[str, bytes]]) -> bytes:
    """Stored entries in the given order, written by Python's zipfile (first header at 0, no comment)."""
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in records:
            z.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


def _with_pickle(blob: bytes, edit) -> bytes:
    return _rezip([(n, edit(d) if n.endswith("/data.pkl") else d) for n, d in _records(blob)])


def _short_strings(pkl: bytes) -> bytes:
    """The same pickle with every BINUNICODE ('X') written as SHORT_BINUNICODE (protocol 4's '\\x8c')."""
    ops, out = list(pickletools.genops(pkl)), b""
    for k, (op, arg, pos) in enumerate(ops):
        end = ops[k + 1][2] if k + 1 < len(ops) else len(pkl)
        out += (b"\x8c" + bytes([len(arg.encode())]) + arg.encode()) if op.name == "BINUNICODE" else pkl[pos:end]
    return out


def _four_argument_rebuild(pkl: bytes) -> bytes:
    """The first _rebuild_tensor_v2 call without its requires_grad and backward_hooks arguments."""
    tail = b"\x89h\x0e)Rq\x36t"   # NEWFALSE, BINGET 14 (OrderedDict), (), REDUCE, BINPUT 54, TUPLE
    assert pkl.count(tail) == 1
    return pkl.replace(tail, b"t")


def _one_disk_count(blob: bytes, disks: int) -> bytes:
    out = bytearray(blob)
    assert out[-42:-38] == b"PK\x06\x07"
    struct.pack_into("<I", out, -42 + 16, disks)   # the locator's "total number of disks"
    return bytes(out)


_UNLOADABLE_TORCH = {
    # torch's PyTorchStreamReader requires a version record (".data/version" or "version") in its supported range
    "no version record": lambda b: _rezip([(n, d) for n, d in _records(b) if n != "archive/version"]),
    "version 99": lambda b: _rezip([(n, b"99\n" if n == "archive/version" else d) for n, d in _records(b)]),
    # miniz refuses a zip64 locator that does not say "1 disk" (Python's zipfile only refuses > 1)
    "zip64 locator with 0 disks": lambda b: _one_disk_count(b, 0),
    # torch's weights-only unpickler implements protocol 2 only: no SHORT_BINUNICODE, FRAME, MEMOIZE, STACK_GLOBAL
    "protocol-4 string opcodes": lambda b: _with_pickle(b, _short_strings),
    # torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks, metadata=None)
    "_rebuild_tensor_v2 with 4 arguments": lambda b: _with_pickle(b, _four_argument_rebuild),
}


@pytest.mark.parametrize("case", sorted(_UNLOADABLE_TORCH))
def test_torch_file_that_torch_cannot_load_is_refused(honest, tmp_path, case):
    """Each file is the honest torch.save archive with one change that makes ``torch.load(..., weights_only=True)``
    raise (missing or unsupported ``version`` record, a zip64 locator declaring 0 disks, protocol-4 opcodes that
    torch's weights-only unpickler does not implement, ``_rebuild_tensor_v2`` without its two required arguments):
    the file computes no F, yet the checker prints VALID (modelfile accepts more than torch does).  Fix: accept
    only what torch's reader accepts — require a version record with a supported integer, the locator's disk
    count 1, drop FRAME/MEMOIZE/STACK_GLOBAL/SHORT_BINUNICODE/BINUNICODE8 from ``_OPCODES`` (torch reads none of
    them), and give ``_rebuild_tensor`` torch's signature (requires_grad and backward_hooks without defaults)."""
    blob = _UNLOADABLE_TORCH[case](_saved())
    with pytest.raises(Exception):   # noqa: B017 - premise: torch refuses the file (RuntimeError or UnpicklingError)
        _torch_load(blob)
    code, line = _run(honest, blob, tmp_path)
    assert code == 2, line


def _safetensors(header: dict, body: bytes) -> bytes:
    head = json.dumps(header).encode()
    return struct.pack("<Q", len(head)) + head + body


_W1 = struct.pack("<12f", *W1)
_W2 = struct.pack("<8f", *W2)
_UNLOADABLE_SAFETENSORS = {
    "a gap before the first tensor": _safetensors(
        {"0.weight": {"dtype": "F32", "shape": [4, 3], "data_offsets": [8, 56]},
         "2.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [56, 88]}}, b"\0" * 8 + _W1 + _W2),
    "a gap between tensors": _safetensors(
        {"0.weight": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]},
         "2.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [52, 84]}}, _W1 + b"\0" * 4 + _W2),
    "__metadata__ not a map of strings": _safetensors(
        {"__metadata__": {"format": 1}, "0.weight": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]},
         "2.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [48, 80]}}, _W1 + _W2),
}


@pytest.mark.parametrize("case", sorted(_UNLOADABLE_SAFETENSORS))
def test_safetensors_file_that_safetensors_cannot_load_is_refused(honest, tmp_path, case):
    """``safetensors.torch.load_file`` (the documented reader of the flat format) refuses offsets that leave a gap
    ("invalid offset": each tensor must start where the previous one ended, the first at 0) and a ``__metadata__``
    that is not a string-to-string map; ``modelfile._safetensors`` only checks for overlaps and the last end, and
    skips ``__metadata__`` unread.  So the checker prints VALID for a file with no F.  Fix: require the sorted
    spans to tile the body from 0 exactly, and ``__metadata__`` to be an object of strings."""
    blob = _UNLOADABLE_SAFETENSORS[case]
    with pytest.raises(Exception):   # noqa: B017 - premise: safetensors refuses the file (SafetensorError)
        safetensors_load(blob)
    code, line = _run(honest, blob, tmp_path, fmt="safetensors")
    assert code == 2, line


# --- a pickle that edits the checker's own functions ------------------------------------------------------------------

def test_build_on_an_allowed_function_cannot_change_later_reads():
    """C pickle's BUILD on an object without ``__setstate__`` applies a (state, slotstate) pair with ``setattr``:
    GLOBAL ``torch._utils _rebuild_tensor_v2`` pushes modelfile's module-level function ``_rebuild_tensor``, and
    BUILD with slot state {"__defaults__": (False, None, 1)} rewrites its default arguments *for the rest of the
    process* (likewise ``builtins.set`` → ``_empty_set``).  The crafted file itself is refused, but afterwards every
    honest torch.save file (whose tensors omit ``metadata``) is refused too, until the process restarts: what F a
    file has depends on which files were read before (the engine and a long-running checker share the process;
    torch's weights-only unpickler refuses BUILD on functions).  Fix: refuse BUILD unless the object below the state
    is a module built by NEWOBJ (e.g. track it in ``_scan``), or make every allowed global a per-unpickler wrapper
    whose ``__setstate__`` raises."""
    from verify.kernel import modelfile, torchzip

    def s(text: str) -> bytes:
        return b"X" + struct.pack("<I", len(text)) + text.encode()

    evil = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\nN}" + s("__defaults__") + b"\x89NK\x01\x87s\x86b"
            + b".")
    blob = _with_pickle(_saved(), lambda _: evil)
    saved_defaults = torchzip._rebuild_tensor.__defaults__, torchzip._empty_set.__defaults__
    try:
        with pytest.raises(modelfile.ModelFileError):
            modelfile.read_chain(blob)
        assert modelfile.read_chain(_saved()).kind == "torch-module", "an honest file is refused after the attack"
    finally:
        torchzip._rebuild_tensor.__defaults__, torchzip._empty_set.__defaults__ = saved_defaults


# --- resources ----------------------------------------------------------------------------------------------------

_RSS = """import json, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)
print(json.dumps([p.returncode, p.stdout, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024]))
"""


def test_unread_info_full_of_empty_objects_does_not_multiply_memory(honest, tmp_path):
    """``info`` is never read, but ``io.load_json`` builds every value in it first: ``[{},{},...]`` costs ~72 bytes
    of Python objects per 3 bytes of JSON.  A 6 MiB certificate peaks at ~190 MB (measured: 16 MiB → 438 MB and
    13 s), so one within the 256 MiB limit takes ~7 GB and minutes before well-formedness is even checked; the
    README's hostile-input figures (≤ 0.6 s, 22 MB) and "checked before anything is decoded" do not hold for it.
    Fix: bound the number of JSON values before parsing (e.g. count the bytes ``{``, ``[`` and ``,`` of the raw
    text against a limit derived from MAX_TARGET_WEIGHTS), or refuse an ``info`` above a small size."""
    cert = copy.deepcopy(honest["cert"])
    model = tmp_path / "m.pt"
    model.write_bytes(_saved())
    cert["model"]["sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()
    size = 6 << 20
    text = json.dumps(cert).replace('"info": {', '"info": {"pad": [' + "{}," * (size // 3) + '{}], ', 1)
    (tmp_path / "c.json").write_text(text)
    argv = [sys.executable, "-c", _RSS, sys.executable, "-m", "verify", "check", str(tmp_path / "c.json"),
            "--model", str(model)]
    code, out, rss = json.loads(subprocess.run(argv, capture_output=True, text=True, cwd=_ROOT).stdout)
    assert code in (0, 2) and rss < 6 * (size >> 20) + 100, (code, out, rss)
