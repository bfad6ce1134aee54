"""verify/kernel/io.py against independent oracles: Python's ``decimal`` module for the outward-rounded decimals, and
raw bit arithmetic for the masks.  Boundaries of every documented limit are tested on both sides."""

from __future__ import annotations

import base64
import decimal
import doctest
import math
import zlib
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.kernel import io

_FRACTIONS = st.builds(Fraction, st.integers(0, 10**40), st.integers(1, 10**40)) | st.builds(
    lambda m, e: Fraction(m) * Fraction(10) ** e, st.integers(1, 10**6), st.integers(-300, 300))


def test_doctests_run():
    res = doctest.testmod(io)
    assert res.failed == 0 and res.attempted >= 5


@pytest.mark.parametrize("text,ok", [
    ("1" * 400, True), ("1" * 401, False),
    ("1e400", True), ("1e401", False), ("1e-400", True), ("1e-401", False), ("1e+0400", True),
    ("0.5", True), ("0.5\n", False), (" 0.5", False), ("+0.5", False), ("-0.5", False), ("٠.5", False),
    (".5", False), ("5.", False), ("1e", False), ("0x10", False), ("nan", False), ("1_000", False),
])
def test_parse_decimal_grammar_and_limits(text, ok):
    if ok:
        assert io.parse_decimal(text) == Fraction(text)
    else:
        with pytest.raises(ValueError, match="decimal"):
            io.parse_decimal(text)


def _ceil_decimal(x: Fraction, digits: int) -> Fraction:
    """Oracle: x rounded up to ``digits`` significant digits by the decimal module (exact division, ROUND_CEILING)."""
    ctx = decimal.Context(prec=digits, rounding=decimal.ROUND_CEILING, Emin=-10**6, Emax=10**6)
    return Fraction(ctx.divide(decimal.Decimal(x.numerator), decimal.Decimal(x.denominator)))


@settings(max_examples=400, deadline=None)
@given(x=_FRACTIONS, digits=st.integers(1, 15))
def test_decimal_up_is_the_smallest_decimal_above(x, digits):
    text = io.decimal_up(x, digits)
    assert io.parse_decimal(text) == (_ceil_decimal(x, digits) if x else 0)


@settings(max_examples=400, deadline=None)
@given(x=_FRACTIONS, digits=st.integers(2, 15))
def test_sqrt_up_is_above_the_root_by_at_most_two_units(x, digits):
    r = io.parse_decimal(io.sqrt_up(x, digits))
    assert r * r >= x
    if x:
        unit = Fraction(10) ** (math.floor(math.log10(math.sqrt(float(x))) if float(x) > 0 else 0) - digits + 1)
        below = r - 2 * unit   # "+1 ulp at worst" above the rounded-up root, with slack for the exponent estimate
        assert below < 0 or below * below < x


@pytest.mark.parametrize("e", range(-8, 9))
def test_decimal_up_just_below_a_power_of_ten(e):
    """10^e − 10^(e−30): the float estimate of the exponent is one too large here and must be corrected."""
    x = Fraction(10) ** e - Fraction(10) ** (e - 30)
    for digits in (1, 6, 12):
        assert io.parse_decimal(io.decimal_up(x, digits)) == _ceil_decimal(x, digits)


def test_negative_inputs_are_refused():
    for fn in (io.decimal_up, io.sqrt_up):
        for x in (Fraction(-1, 2), Fraction(-3)):
            with pytest.raises(ValueError, match="non-negative"):
                fn(x)


def _mask(raw: bytes) -> str:
    return base64.b64encode(zlib.compress(raw)).decode()


@settings(max_examples=300, deadline=None)
@given(rows=st.integers(1, 12), cols=st.integers(1, 12), data=st.data())
def test_masks_round_trip_against_raw_bits(rows, cols, data):
    total = rows * cols
    kept = sorted(data.draw(st.sets(st.integers(0, total - 1))))
    text = io.encode_mask(rows, cols, kept)
    raw = zlib.decompress(base64.b64decode(text))
    assert len(raw) == (total + 7) // 8
    assert [p for p in range(total) if raw[p >> 3] >> (p & 7) & 1] == kept   # LSB first, row-major
    assert list(io.decode_mask(text, rows, cols)) == [divmod(p, cols) for p in kept]


@pytest.mark.parametrize("total_bits", [9, 10, 15, 16, 17])
def test_mask_byte_count_is_exact(total_bits):
    n = (total_bits + 7) // 8
    assert list(io.decode_mask(_mask(b"\x00" * n), 1, total_bits)) == []
    for wrong in (n - 1, n + 1):
        with pytest.raises(io.MaskError, match="expected"):
            list(io.decode_mask(_mask(b"\x00" * wrong), 1, total_bits))


def test_padding_bits_are_refused():
    """Shape 1 × 9: bit 8 is the last real bit, bits 9–15 are padding."""
    assert list(io.decode_mask(_mask(bytes([0, 1])), 1, 9)) == [(0, 8)]
    for bit in range(9, 16):
        raw = bytearray(2)
        raw[1] = 1 << (bit - 8)
        with pytest.raises(io.MaskError, match="beyond its shape"):
            list(io.decode_mask(_mask(bytes(raw)), 1, 9))


def test_declared_count_limits_decoding():
    text = io.encode_mask(2, 4, range(8))
    assert len(list(io.decode_mask(text, 2, 4, limit=8))) == 8
    with pytest.raises(io.MaskError, match="more than the 7 set bits declared"):
        list(io.decode_mask(text, 2, 4, limit=7))


@pytest.mark.parametrize("tail", [b"junk", zlib.compress(b"\x00")])
def test_trailing_data_after_the_stream_is_refused(tail):
    data = base64.b64encode(zlib.compress(b"\x00\x00") + tail).decode()
    with pytest.raises(io.MaskError, match="expected"):
        list(io.decode_mask(data, 2, 8))


def test_truncated_stream_is_refused():
    data = base64.b64encode(zlib.compress(b"\x00" * 64)[:-3]).decode()
    with pytest.raises(io.MaskError, match="expected"):
        list(io.decode_mask(data, 8, 64))
