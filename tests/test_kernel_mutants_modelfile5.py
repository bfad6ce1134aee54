"""Tests that kill the mutants of verify/kernel/modelfile.py (benchmarks/MUTATION.md, its full run): the size limits
at their boundaries (certs/FORMAT.md "Limits"), the flat state_dict/safetensors reader and the safetensors parser.

Honest files are written by torch.save or the safetensors library, and a refused one is shown to be refused by
torch (``load_state_dict``) or the safetensors library where they refuse it too; files at a limit are built byte
by byte with struct and json.  Every refusal is matched on its message."""

from __future__ import annotations

import io as _io
import json
import mmap
import re
import struct

import pytest
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from torch import nn

from verify.kernel import modelfile

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

GIB = 1 << 30


def _refused(data: bytes, pattern: str) -> None:
    with pytest.raises(modelfile.ModelFileError, match=pattern):
        modelfile.read_chain(data)


def _safetensors(entries: list[tuple[str, str, list[int]]], header_bytes: int | None = None) -> bytes:
    """A safetensors file of zero-valued tensors (name, dtype, shape) tiling the data, its JSON header padded with
    spaces to ``header_bytes`` (the safetensors library pads the same way)."""
    size = {"F16": 2, "F32": 4, "F64": 8}
    header, offset = {}, 0
    for name, dtype, shape in entries:
        n = size[dtype]
        for s in shape:
            n *= s
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header).encode()
    if header_bytes is not None:
        assert len(text) <= header_bytes
        text += b" " * (header_bytes - len(text))
    return struct.pack("<Q", len(text)) + text + bytes(offset)


# --- the model file size: 1 GiB (certs/FORMAT.md "Limits") --------------------------------------------------------

@pytest.mark.parametrize(("size", "pattern"), [
    (GIB, r"^not a loadable model file"),                                    # at the limit: read (and not a model)
    (GIB + 1, r"^the model file is larger than 1073741824 bytes$"),           # one byte more: refused unread
])
def test_a_model_file_of_1_gib_is_read_and_one_byte_more_is_refused(tmp_path, size, pattern):
    """A sparse file of zeros mapped into memory: its length is real, its pages are never touched."""
    p = tmp_path / "zeros.bin"
    with open(p, "wb") as f:
        f.truncate(size)
    with open(p, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        assert len(data) == size
        _refused(data, pattern)


# --- the safetensors header: 16 MiB -------------------------------------------------------------------------------

def test_a_safetensors_header_of_16_mib_is_read_and_one_byte_more_is_refused():
    entries = [("0.weight", "F32", [2, 3])]
    at = _safetensors(entries, header_bytes=1 << 24)
    assert st_load(at)["0.weight"].shape == (2, 3)        # the safetensors library reads it
    chain = modelfile.read_chain(at)
    assert chain.layers[0].weight == [[0.0] * 3] * 2
    over = _safetensors(entries, header_bytes=(1 << 24) + 1)
    assert st_load(over)["0.weight"].shape == (2, 3)
    _refused(over, r"^not a valid safetensors file: the header length is out of range$")


# --- all tensors F uses: 2^24 values (certs/FORMAT.md "target weights and biases in all") --------------------------

def test_a_model_of_2_24_values_passes_the_budget_and_one_value_more_is_refused():
    """Two Linear weights with indices 0 and 1: within the budget the file is refused for the missing ReLU (the check
    after the budget, before any value is decoded); with one value more, for the budget."""
    half = 1 << 23
    at = _safetensors([("0.weight", "F16", [1, half]), ("1.weight", "F16", [1, half])])
    _refused(at, r"^Linear layers 0 and 1 are adjacent")
    over = _safetensors([("0.weight", "F16", [1, half]), ("1.weight", "F16", [1, half + 1])])
    _refused(over, r"^the model declares more than 16777216 values in all$")


# --- the flat reader ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["weight", "0.Weight", "0.weight.x", "a-b.0.weight", "0.running_mean"])
def test_a_key_that_is_not_prefix_index_weight_or_bias_is_refused_by_name(key):
    data = st_save({key: torch.zeros(2, 3)})
    _refused(data, rf"^not a model: entry {key!r} is not <prefix><index>\.weight or \.bias of an nn\.Sequential")


def test_a_non_string_key_in_a_state_dict_is_refused_by_name():
    buf = _io.BytesIO()
    torch.save({0: torch.zeros(2, 3)}, buf)
    _refused(buf.getvalue(), r"^not a model: entry '0' is not <prefix><index>\.weight or \.bias")


@pytest.mark.parametrize("bias", [torch.zeros(3), torch.zeros(2, 1), torch.zeros(1)])
def test_a_bias_that_is_not_a_vector_of_the_weights_rows_is_refused(bias):
    state = {"0.weight": torch.zeros(2, 3), "0.bias": bias}
    with pytest.raises(RuntimeError, match="size mismatch"):           # torch refuses it too
        nn.Sequential(nn.Linear(3, 2)).load_state_dict(state)
    _refused(st_save(state), r"^0\.bias is not a vector of length 2$")
    buf = _io.BytesIO()
    torch.save(state, buf)
    _refused(buf.getvalue(), r"^0\.bias is not a vector of length 2$")


@pytest.mark.parametrize(("dtype", "name"), [(torch.float16, "float16"), (torch.float64, "float64")])
def test_a_one_layer_chain_has_its_layers_dtype(dtype, name):
    chain = modelfile.read_chain(st_save({"0.weight": torch.zeros(2, 3, dtype=dtype)}))
    assert len(chain.layers) == 1 and chain.dtype == name and chain.layers[0].dtype == name


def _unexpected_for_torch(state: dict) -> None:
    """torch's own Sequential (the module such a state_dict would be loaded into) does not take these keys."""
    with pytest.raises(RuntimeError, match="Unexpected key"):
        nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2)).load_state_dict(state)


@pytest.mark.parametrize("key", ["01.weight", "00.weight", "net.02.weight"])
def test_a_layer_index_with_a_leading_zero_is_refused(key):
    """nn.Sequential names its children str(i): a key "01.weight" names no module (torch refuses it as unexpected)."""
    state = {key: torch.zeros(2, 3)}
    _unexpected_for_torch(state)
    index = key.split(".")[-2]
    _refused(st_save(state), rf"^entry {key!r}: layer index {index} is not canonical or appears twice$")


def test_the_same_layer_under_two_prefixes_is_refused_as_appearing_twice():
    _refused(st_save({"a.0.weight": torch.zeros(2, 3), "b.0.weight": torch.zeros(2, 3)}),
             r"^entry 'b\.0\.weight': layer index 0 is not canonical or appears twice$")


@pytest.mark.parametrize("keys", [("a.0.weight", "b.2.weight"), ("0.weight", "b.2.weight")])
def test_layers_under_two_prefixes_are_refused(keys):
    """One nn.Sequential's state_dict has one prefix; layers under two (here each alone a valid chain) are refused."""
    state = {keys[0]: torch.zeros(2, 3), keys[1]: torch.zeros(2, 2)}
    _unexpected_for_torch(state)
    prefixes = sorted(k[: -len("0.weight")] for k in keys)
    _refused(st_save(state), rf"^entries mix several module prefixes: {re.escape(str(prefixes))}$")


def test_an_empty_state_dict_is_refused():
    buf = _io.BytesIO()
    torch.save(nn.Sequential().state_dict(), buf)
    _refused(buf.getvalue(), r"^the model has no Linear layers \(empty model\)$")


@pytest.mark.parametrize(("net", "pair"), [
    (lambda: nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2)), (0, 1)),
    (lambda: nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2), nn.Linear(2, 1)), (2, 3)),
])
def test_the_state_dict_of_adjacent_linear_layers_is_refused(net, pair):
    """torch writes these state_dicts of a Sequential with no ReLU between two Linear layers; the flat reader's F
    would put one there, so it refuses them (as it refuses the module file itself)."""
    torch.manual_seed(0)
    m = net()
    buf = _io.BytesIO()
    torch.save(m.state_dict(), buf)
    _refused(buf.getvalue(), rf"^Linear layers {pair[0]} and {pair[1]} are adjacent: the nn\.Sequential that wrote")
    _refused(st_save(m.state_dict()), rf"^Linear layers {pair[0]} and {pair[1]} are adjacent")
    buf = _io.BytesIO()
    torch.save(m, buf)
    _refused(buf.getvalue(), rf"^layer {pair[1]} \(Linear\): follows layer {pair[0]} \(Linear\) with no ReLU")


def test_a_bias_without_its_weight_is_refused():
    state = {"0.bias": torch.zeros(2)}
    _refused(st_save(state), r"^0\.bias has no matching weight$")
    buf = _io.BytesIO()
    torch.save(state, buf)
    _refused(buf.getvalue(), r"^0\.bias has no matching weight$")


# --- the safetensors parser ---------------------------------------------------------------------------------------

GOOD = {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}


def _raw(header: object, body: bytes = bytes(24), length: int | None = None) -> bytes:
    """A safetensors file from its header (JSON-encoded here), its declared header length and its data."""
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + body


def test_the_raw_builder_writes_what_the_safetensors_library_reads():
    assert st_load(_raw({"0.weight": GOOD}))["0.weight"].shape == (2, 3)
    assert modelfile.read_chain(_raw({"0.weight": GOOD})).layers[0].weight == [[0.0] * 3] * 2


@pytest.mark.parametrize("missing", [1, 25, 24 + 100])
def test_a_header_length_beyond_the_end_of_the_file_is_refused(missing):
    """The declared header length reaches ``missing`` bytes beyond the end of the file (1: the header's last byte
    is cut off; 25 and 124: the header is whole but its length is declared 25 or 124 bytes longer than it is,
    reaching past the 24 bytes of data)."""
    text = json.dumps({"0.weight": GOOD}).encode()
    if missing == 1:
        data = struct.pack("<Q", len(text)) + text[:-1]
    else:
        data = struct.pack("<Q", len(text) + missing) + text + bytes(24)
    with pytest.raises(Exception, match="Error while deserializing"):   # the safetensors library refuses it too
        st_load(data)
    _refused(data, r"^not a valid safetensors file: the header length is out of range$")


def test_a_header_that_fills_the_file_is_read():
    """8 + n = the file's length (no data: a zero-size tensor) passes the header-length check; the zero-size weight
    is then refused for what it is."""
    data = _raw({"0.weight": {"dtype": "F32", "shape": [0, 3], "data_offsets": [0, 0]}}, body=b"")
    assert st_load(data)["0.weight"].shape == (0, 3)
    _refused(data, r"^0\.weight is not a non-empty 2-D floating-point tensor$")


@pytest.mark.parametrize("spec", [
    5,                                                             # not an object
    {**GOOD, "extra": 1},                                          # a key more
    {"dtype": "F32", "shape": [2, 3]},                             # a key less
    {**GOOD, "dtype": "I32"},                                      # not a float dtype
    {**GOOD, "shape": "23"},                                       # shape not a list
    {**GOOD, "data_offsets": "ab"},                                # offsets not a list (of length 2)
    {**GOOD, "data_offsets": {"0": 0, "1": 24}},                   # offsets an object of length 2
    {**GOOD, "data_offsets": [0, 24, 24]},                         # three offsets
    {**GOOD, "shape": [-1, 3]},                                    # a negative dimension
    {**GOOD, "shape": [-1, -6]},                                   # negative dimensions with a positive product
    {**GOOD, "shape": [True, 6]},                                  # a boolean dimension
    {**GOOD, "shape": [2.0, 3]},                                   # a float dimension
    {**GOOD, "data_offsets": [0.0, 24]},                           # a float offset
    {**GOOD, "data_offsets": [-1, 23]},                            # a negative offset
])
def test_a_malformed_entry_is_refused(spec):
    data = _raw({"0.weight": spec})
    if spec != {**GOOD, "extra": 1} and spec != {**GOOD, "dtype": "I32"}:   # the library reads those two
        with pytest.raises(Exception, match="Error while deserializing"):
            st_load(data)
    _refused(data, r"^not a valid safetensors file: entry '0\.weight' is malformed or not a float tensor$")


def test_metadata_must_be_a_map_of_strings():
    assert modelfile.read_chain(_raw({"__metadata__": {"format": "pt"}, "0.weight": GOOD})).layers[0].shape == (2, 3)
    for meta in ({"n": 1}, ["pt"], "pt"):
        _refused(_raw({"__metadata__": meta, "0.weight": GOOD}),
                 r"^not a valid safetensors file: __metadata__ is not a map of strings$")


@pytest.mark.parametrize(("offsets", "body"), [
    ([0, 20], 20),       # 20 bytes for 6 float32 values (24), the data ending there
    ([0, 28], 28),       # 28 bytes for 24
    ([0, 24], 20),       # the right size, but beyond the end of the data
    ([4, 28], 24),       # the right size, ending beyond the data
])
def test_an_entry_whose_offsets_do_not_match_its_shape_or_the_data_is_refused(offsets, body):
    data = _raw({"0.weight": {**GOOD, "data_offsets": offsets}}, body=bytes(body))
    with pytest.raises(Exception, match="Error while deserializing"):
        st_load(data)
    _refused(data, r"^not a valid safetensors file: entry '0\.weight' has sizes that do not match its data$")


def test_a_tensor_of_2_24_values_is_within_the_limit_and_one_more_is_refused():
    """At 2^24 values the tensor passes both size limits (and is refused as a 1-D weight before any value is
    decoded); with one value more it is refused for its size."""
    n = 1 << 24
    _refused(_safetensors([("0.weight", "F16", [n])]), r"^0\.weight is not a non-empty 2-D floating-point tensor$")
    _refused(_safetensors([("0.weight", "F16", [n + 1])]),
             r"^not a valid safetensors file: entry '0\.weight' has sizes that do not match its data$")


def test_a_ten_byte_file_with_a_brace_is_parsed_as_safetensors():
    """The shortest file read as safetensors: 8 length bytes and a 2-byte header starting with '{' (here not valid
    JSON, so refused by the parser rather than as an unknown kind of file)."""
    data = struct.pack("<Q", 2) + b"{x"
    assert len(data) == 10
    with pytest.raises(Exception, match="Error while deserializing"):
        st_load(data)
    _refused(data, r"^not a valid safetensors file: the header is not valid JSON$")
    _refused(data[:9], r"^not a loadable model file")
