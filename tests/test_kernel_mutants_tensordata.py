"""verify/kernel/tensordata.py against independent oracles: ``struct`` for the IEEE encodings of each dtype, torch's
``as_strided`` for what a strided view of a storage holds (1-D to 4-D: a Conv2d weight, channels_last included),
and the documented limits (≤ 2^24 values per tensor, views of at most 4 dimensions, every reached value inside the
storage).  Written to kill the mutants of benchmarks/mutate.py (benchmarks/MUTATION.md); each test states a
behaviour, never the current output.
"""

from __future__ import annotations

import math
import struct

import pytest
import torch

from verify.kernel.tensordata import DTYPES, MAX_TENSOR_ELEMENTS, ModelFileError, Storage, Tensor, contiguous

_PACK = {"float64": "d", "float32": "f", "float16": "e"}


def _storage(dtype: str, values: list[float]) -> Storage:
    """A storage holding ``values``, encoded by ``struct`` (bfloat16: the top half of the float32 encoding)."""
    if dtype == "bfloat16":
        return Storage(dtype, b"".join(struct.pack("<f", v)[2:] for v in values))
    return Storage(dtype, struct.pack(f"<{len(values)}{_PACK[dtype]}", *values))


# --- dtypes: widths and exact decoding ------------------------------------------------------------------------

# values exact in every dtype (bfloat16: 8 significant bits; float16: exponent ≥ −14), so each must decode exactly
_EXACT = [1.5, -2.0, 0.0, 0.375, -96.0, 2.0**-14, 1.0 + 2.0**-7]


@pytest.mark.parametrize(("dtype", "width"), [("float64", 8), ("float32", 4), ("float16", 2), ("bfloat16", 2)])
def test_each_dtype_has_its_ieee_width_and_decodes_exactly(dtype, width):
    s = _storage(dtype, _EXACT)
    assert len(s.raw) == width * len(_EXACT)               # premise: the struct encoding has the IEEE width
    assert s.numel == len(_EXACT)
    assert Tensor(s, 0, (len(_EXACT),), (1,)).values() == _EXACT
    # an offset counts values, not bytes: offset 2 starts at byte 2·width
    assert Tensor(s, 2, (3,), (1,)).values() == _EXACT[2:5]
    assert Tensor(s, 1, (3,), (2,)).values() == _EXACT[1:7:2]


def test_bfloat16_is_the_high_half_of_float32():
    """bfloat16 0x3FC0 is float32 0x3FC00000 = 1.5; 0xC040 is -3.0; 0x0001 the float32 2^-133 (exact)."""
    raw = struct.pack("<3H", 0x3FC0, 0xC040, 0x0001)
    assert Tensor(Storage("bfloat16", raw), 0, (3,), (1,)).values() == [1.5, -3.0, 2.0**-133]


def test_half_precision_is_not_read_as_bfloat16():
    """The same two bytes mean different numbers: 0x3C00 is 1.0 in float16, and in bfloat16 the float32 0x3C000000
    = 2^(120 − 127) = 0.0078125."""
    raw = struct.pack("<H", 0x3C00)
    assert Tensor(Storage("float16", raw), 0, (1,), (1,)).values() == [1.0]
    assert Tensor(Storage("bfloat16", raw), 0, (1,), (1,)).values() == [0.0078125]


def test_dtype_table_is_the_four_float_types():
    assert {k: v[0] for k, v in DTYPES.items()} == {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2}


# --- limits --------------------------------------------------------------------------------------------------

def test_the_tensor_limit_is_two_to_the_24_values():
    """README: ≤ 2^24 values per tensor.  A stride-0 view of one stored value declares any size without storing it,
    so both sides of the limit are cheap to build (nothing is decoded)."""
    assert MAX_TENSOR_ELEMENTS == 1 << 24
    one = _storage("float32", [0.5])
    assert Tensor(one, 0, (1 << 24,), (0,)).numel == 1 << 24
    assert Tensor(one, 0, (1 << 12, 1 << 12), (0, 0)).numel == 1 << 24
    assert Tensor(one, 0, (2, 2, 1 << 11, 1 << 11), (0, 0, 0, 0)).numel == 1 << 24
    with pytest.raises(ModelFileError, match=r"^a tensor declares 16777217 values \(limit 16777216\)$"):
        Tensor(one, 0, ((1 << 24) + 1,), (0,))
    with pytest.raises(ModelFileError, match=r"^a tensor declares 33554432 values \(limit 16777216\)$"):
        Tensor(one, 0, (2, 4, 1 << 11, 1 << 11), (0, 0, 0, 0))


def test_views_of_up_to_four_dimensions_are_read_and_five_are_refused():
    s = _storage("float32", [float(i) for i in range(32)])
    assert Tensor(s, 0, (2, 2, 2, 2), (8, 4, 2, 1)).values() == [float(i) for i in range(16)]   # a Conv2d weight
    assert Tensor(s, 0, (2, 2, 2), (4, 2, 1)).values() == [float(i) for i in range(8)]
    with pytest.raises(ModelFileError, match="^a tensor has malformed sizes, strides or offset$"):
        Tensor(s, 0, (2, 2, 2, 2, 2), (16, 8, 4, 2, 1))
    with pytest.raises(ModelFileError, match="malformed sizes"):
        Tensor(s, 0, (1, 1, 1, 1, 1), (1, 1, 1, 1, 1))


@pytest.mark.parametrize(("offset", "size", "stride"), [
    (0, [2, 3], (3, 1)),          # sizes as a list (torch pickles tuples)
    (0, (2, 3), [3, 1]),          # strides as a list
    (0, (2, 3), (3,)),            # one stride for two dimensions
    (0, (6,), (1, 1)),
    (0.0, (6,), (1,)),            # a float offset
    (True, (5,), (1,)),           # a bool is not an int here
    (0, (2.0, 3), (3, 1)),        # a float size
    (0, (6,), (1.0,)),
    (-1, (2,), (1,)),             # negative offset, size or stride
    (0, (-1,), (1,)),
    (0, (2,), (-1,)),
])
def test_malformed_views_are_refused(offset, size, stride):
    s = _storage("float64", [1.0] * 6)
    with pytest.raises(ModelFileError, match="^a tensor has malformed sizes, strides or offset$"):
        Tensor(s, offset, size, stride)


def test_zero_sizes_and_zero_strides_are_well_formed():
    """Size 0 (an empty tensor) and stride 0 (torch's ``expand``) are valid views."""
    s = _storage("float64", [7.0, 8.0])
    assert Tensor(s, 0, (0,), (1,)).values() == []
    assert Tensor(s, 1, (3,), (0,)).values() == [8.0, 8.0, 8.0]
    assert Tensor(s, 0, (2, 3), (1, 0)).values() == [7.0, 7.0, 7.0, 8.0, 8.0, 8.0]


def test_an_empty_view_needs_no_storage():
    """As torch's checkInBoundsForStorage: a view of 0 values may sit at any offset of any storage."""
    s = _storage("float32", [1.0])
    t = Tensor(s, 100, (0, 3), (3, 1))
    assert t.numel == 0 and t.values() == []
    assert Tensor(s, 5, (4, 0), (9, 9)).values() == []


@pytest.mark.parametrize(("offset", "size", "stride", "last"), [
    (0, (2, 3), (3, 1), 5),       # row-major 2×3 over 6 values: last element at 0 + 1·3 + 2·1 = 5
    (1, (5,), (1,), 5),
    (0, (3, 2), (1, 3), 5),       # its transpose
    (2, (2, 2), (3, 1), 6),
    (0, (2, 2, 2, 2), (1, 2, 4, 8), 15),
    (5, (1, 1), (7, 9), 5),       # sizes 1: the strides are never stepped
])
def test_a_view_must_end_inside_its_storage(offset, size, stride, last):
    """The last value a view reaches is offset + Σ (n − 1)·s; it must be < numel of the storage (exactly at the
    boundary: accepted with last + 1 values, refused with last)."""
    fits = _storage("float64", [float(i) for i in range(last + 1)])
    assert Tensor(fits, offset, size, stride).values() == (
        torch.arange(last + 1, dtype=torch.float64).as_strided(size, stride, offset).flatten().tolist())
    short = _storage("float64", [float(i) for i in range(last)])
    with pytest.raises(ModelFileError, match="^a tensor reaches beyond its storage$"):
        Tensor(short, offset, size, stride)


# --- what a view holds: torch's as_strided is the oracle ------------------------------------------------------

_VIEWS = [
    (0, (6,), (1,)), (3, (4,), (2,)), (2, (5,), (0,)), (0, (1,), (1,)), (0, (), ()),
    (0, (2, 3), (3, 1)), (1, (2, 3), (3, 1)), (0, (3, 2), (1, 3)), (4, (3, 4), (1, 3)), (0, (2, 3), (0, 1)),
    (1, (2, 3), (1, 0)), (0, (4, 2), (2, 5)), (3, (2, 2), (6, 2)),
    (0, (2, 3, 4), (12, 4, 1)), (2, (2, 3, 4), (1, 2, 6)), (0, (3, 1, 2), (2, 9, 1)),
    (0, (2, 3, 2, 2), (12, 4, 2, 1)),     # Conv2d(3, 2, 2) weight, contiguous
    (0, (2, 3, 2, 2), (12, 1, 6, 3)),     # the same weight in channels_last memory format
    (5, (2, 3, 2, 2), (12, 1, 6, 3)),
    (1, (3, 2, 2, 3), (1, 3, 18, 6)),
    (0, (2, 2, 2, 3), (0, 3, 0, 1)),      # expanded (stride-0) dimensions
    (7, (1, 2, 3, 1), (5, 11, 2, 4)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32", "bfloat16"])
@pytest.mark.parametrize(("offset", "size", "stride"), _VIEWS)
def test_views_hold_what_torch_as_strided_holds(offset, size, stride, dtype):
    n = 1 + offset + sum((k - 1) * s for k, s in zip(size, stride, strict=True))
    base = [float(i + 1) * (-1) ** i for i in range(n + 2)]          # distinct, exact in every dtype
    t = Tensor(_storage(dtype, base), offset, size, stride)
    want = torch.tensor(base, dtype=torch.float64).as_strided(size, stride, offset).flatten().tolist()
    assert t.numel == math.prod(size) == len(want)
    assert t.values() == want


def test_channels_last_conv2d_weight_read_from_torch_memory():
    """A Conv2d weight that torch keeps in channels_last order (strides (C·kh·kw, 1, kw·C, C)): values() is the
    logical row-major order, weight.flatten(), not the memory order."""
    w = torch.arange(1.0, 1.0 + 2 * 3 * 2 * 2).reshape(2, 3, 2, 2).contiguous(memory_format=torch.channels_last)
    assert w.stride() == (12, 1, 6, 3)
    memory = w.permute(0, 2, 3, 1).flatten().tolist()     # the bytes torch stores, in order
    t = Tensor(_storage("float32", memory), 0, tuple(w.shape), w.stride())
    assert t.values() == w.flatten().tolist()
    assert t.values()[:4] == [1.0, 2.0, 3.0, 4.0] and memory[:4] == [1.0, 5.0, 9.0, 2.0]


# --- non-finite values ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(("size", "stride"), [((3,), (1,)), ((3,), (2,))])   # contiguous and strided
def test_nan_and_inf_are_refused(bad, size, stride):
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    values[2] = bad
    with pytest.raises(ModelFileError, match="^the model holds NaN or Inf values$"):
        Tensor(_storage("float32", values), 0, size, stride).values()


def test_values_outside_the_view_are_not_read():
    """Only the values F uses must be finite: a NaN elsewhere in the storage is not part of the view."""
    s = _storage("float64", [1.0, math.nan, 2.0, math.nan])
    assert Tensor(s, 0, (2,), (2,)).values() == [1.0, 2.0]
    assert Tensor(s, 2, (1,), (1,)).values() == [2.0]


# --- contiguous strides ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(), (5,), (2, 3), (4, 1), (2, 3, 4), (2, 3, 4, 5), (1, 1, 1, 7)])
def test_contiguous_strides_are_torchs(size):
    """(Sizes with a 0 are left out: torch steps over them as if 1, but a view of 0 values is never decoded.)"""
    assert contiguous(size) == list(torch.empty(size).stride())


def test_contiguous_strides_by_hand():
    assert contiguous((2, 3, 4, 5)) == [60, 20, 5, 1]
    assert contiguous((7,)) == [1]
    assert contiguous(()) == []
