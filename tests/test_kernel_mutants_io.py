"""verify/kernel/io.py: the cases tests/test_io.py leaves open, found by benchmarks/mutate.py (benchmarks/MUTATION.md).

Oracles: the decimal module (ROUND_CEILING at the stated precision) for ``decimal_up``, integer square roots of
exact squares for ``sqrt_up``, the documented 12 significant digits (docs/certificate.md §"numbers"), the
documented 400-character limit of a signed decimal, and ``tracemalloc`` for the promise that a crafted mask cannot
make the decoder inflate more than its declared shape needs.
"""

from __future__ import annotations

import base64
import decimal
import tracemalloc
import zlib
from fractions import Fraction

import pytest

from verify.kernel import io


def _ceil_decimal(x: Fraction, digits: int) -> Fraction:
    ctx = decimal.Context(prec=digits, rounding=decimal.ROUND_CEILING, Emin=-10**6, Emax=10**6)
    return Fraction(ctx.divide(decimal.Decimal(x.numerator), decimal.Decimal(x.denominator)))


# --- signed decimals: 400 characters in all, the sign included ------------------------------------------------

def test_a_signed_decimal_may_use_all_400_characters():
    assert io.parse_signed("-" + "7" * 399) == -int("7" * 399)
    assert io.parse_signed("7" * 400) == int("7" * 400)
    for text in ("-" + "7" * 400, "7" * 401):
        with pytest.raises(ValueError, match="not a non-negative decimal string"):
            io.parse_signed(text)


# --- 12 significant digits by default (docs/certificate.md: "rounds each one up to 12 significant digits") -----

def test_decimal_up_rounds_to_twelve_significant_digits_by_default():
    assert io.decimal_up(Fraction(1, 3)) == "0.333333333334"      # 1/3 = 0.333333333333|33…, rounded up
    assert io.decimal_up(Fraction(2, 3)) == "0.666666666667"
    assert io.decimal_up(Fraction(10**12 + 1)) == "1000000000010"  # 13 digits: the 13th is rounded up into the 12th
    assert io.decimal_up(Fraction(123456789012)) == "123456789012"  # exactly 12 digits: unchanged


def test_sqrt_up_rounds_to_twelve_significant_digits_by_default():
    assert io.sqrt_up(Fraction(2)) == "1.41421356238"              # √2 = 1.41421356237|3095…
    assert io.sqrt_up(Fraction(1, 3)) == "0.57735026919"           # √(1/3) = 0.577350269189|6…: …190, zero dropped


# --- the exponent estimate: a float log10 that is one too low or one too high must be corrected exactly -------

def _near_powers_of_ten() -> list[Fraction]:
    """10^k, 10^k·(1 ± 1/(a·10^20)) and 10^k·(1 − m·10^-15) for k from −400 to 400: among them are values whose
    float estimate floor(log10 p − log10 q) is one too low (10^k and just above it) and one too high (just below
    10^k; with m·10^-15 so far below that 15 significant digits tell 10^k from x, yet within the float error of
    log10 at |k| ≈ 400, so the estimate is still one too high)."""
    out = []
    for k in range(-400, 401, 7):
        p = Fraction(10) ** k
        for a in (1, 3, 7, 13, 23, 99):
            out += [p, p * Fraction(a * 10**20 + 1, a * 10**20), p * Fraction(a * 10**20 - 1, a * 10**20)]
        out += [p * (1 - Fraction(m, 10**15)) for m in (3, 7)]
    return out


def test_decimal_up_near_powers_of_ten_matches_the_decimal_module():
    for x in _near_powers_of_ten():
        for digits in (1, 12, 15):
            assert Fraction(io.decimal_up(x, digits)) == _ceil_decimal(x, digits), (x, digits)


def test_decimal_up_corrects_a_float_exponent_that_is_one_too_high():
    """x = 10^-400·(1 − 3·10^-15): log10 x = −400 − 1.3·10^-15 rounds to −400.0 in binary64, one above x's true
    exponent −401.  x = 9.99999999999997·10^-401 has 15 significant digits, so decimal_up(x, 15) is x itself;
    rounded at the wrong exponent (−400: 14 digits after the leading one) it would become 10^-400."""
    x = Fraction(1, 10**400) * (1 - Fraction(3, 10**15))
    assert io.decimal_up(x, 15) == "0." + "0" * 400 + "999999999999997"
    assert Fraction(io.decimal_up(x, 15)) == x


# --- sqrt_up is exact on exact squares --------------------------------------------------------------------------

@pytest.mark.parametrize(("x", "root"), [
    (Fraction(4), "2"), (Fraction(144), "12"), (Fraction(9, 16), "0.75"), (Fraction(1, 10**6), "0.001"),
    (Fraction(10**40), "1" + "0" * 20), (Fraction(1, 10**40), "0." + "0" * 19 + "1"),
    (Fraction(123456789012**2), "123456789012"),
])
def test_sqrt_up_of_an_exact_square_is_its_root(x, root):
    """A root with at most 12 significant digits is itself the smallest such decimal ≥ √x: no unit is added."""
    assert io.parse_decimal(root) ** 2 == x           # premise
    assert io.sqrt_up(x) == root


# --- masks ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [None, 42, b"eJxjAAAAAQAB", ["eJxjAAAAAQAB"]])
def test_mask_data_that_is_not_a_string_is_a_mask_error(data):
    """Malformed input is a MaskError (the checker's 'UNUSABLE' line), whatever its type."""
    with pytest.raises(io.MaskError, match="^mask data must be a base64 string$"):
        list(io.decode_mask(data, 1, 1))


# --- masks: a zlib bomb is refused after inflating at most what the declared shape needs -----------------------

_BOMB = base64.b64encode(zlib.compress(b"\0" * (32 << 20), 9)).decode()   # 32 MiB of zeros in ~32 KB


@pytest.mark.parametrize(("rows", "cols"), [(0, 5), (1, 1), (1024, 1024)])
def test_a_zlib_bomb_is_refused_without_being_inflated(rows, cols):
    """decode_mask: 'never inflate more than the declared shape needs (a crafted certificate could hold a zlib
    bomb)'.  The declared shape needs (rows·cols + 7) // 8 bytes (none for an empty shape); the 32 MiB stream must
    be refused having allocated little more than that."""
    need = (rows * cols + 7) // 8
    tracemalloc.start()
    try:
        with pytest.raises(io.MaskError, match=f"expected {need} for shape"):
            list(io.decode_mask(_BOMB, rows, cols))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * need + (1 << 20), peak
