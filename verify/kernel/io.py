"""Certificate encodings shared by the certifier and the checker.  [trusted; stdlib only]

* Bounds are decimal strings rounded *up* (``decimal_up``, ``sqrt_up``); they are read back exactly as
  rationals (``parse_decimal``), never through float.
* Masks are row-major bitsets (bit ``row·cols + col``, least significant bit first within each byte),
  zlib-compressed and base64-encoded (``encode_mask`` / ``decode_mask``).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import zlib
from collections.abc import Iterable, Iterator
from fractions import Fraction

__all__ = ["FORMAT", "FORMAT_3", "CLAIM_3", "MODULES_3", "OLD_FORMATS", "TOP_FIELDS", "CLAIM", "MODULES",
           "FLOAT32_ARITHMETIC", "TELESCOPE_METHOD",
           "parse_signed", "DECIMAL_MAX_CHARS", "DECIMAL_MAX_EXPONENT", "decimal_up",
           "parse_decimal", "sqrt_up", "encode_mask", "decode_mask", "inflate_mask", "set_bits", "MaskError",
           "no_duplicate_keys"]

FORMAT = "slt-verify-certificate/4"
FORMAT_3 = "slt-verify-certificate/3"   # still read: an MLP certificate of slt-verify 0.2 (wellformed.upgrade_3)
OLD_FORMATS = ("slt-verify-certificate/1", "slt-verify-certificate/2")   # refused with a line saying how to regenerate
TOP_FIELDS = ("format", "verdict", "claim", "model", "random_network", "rescaling", "mask", "layers", "info")
CLAIM_3 = {"norm": "l2", "semantics": "exact real arithmetic of the stored weights and biases; Flatten reshapes, "
                                      "Dropout and Identity are the identity (inference)"}
CLAIM = {"norm": "l2", "semantics": "exact real arithmetic of the stored weights and biases; Conv2d is torch's "
                                    "zero-padded conv2d; Flatten reshapes, Dropout and Identity are the identity "
                                    "(inference)"}
# telescope.method: G̃'s reach boxes by interval propagation, Lemmas 1, 4.2 and 5 of docs/tighter.md
TELESCOPE_METHOD = "interval-reach"
# claim.float32.arithmetic: the evaluations the float32 claim covers (docs/float32.md §1)
FLOAT32_ARITHMETIC = ("IEEE 754 binary32, round to nearest; inputs binary32 in the domain; each Linear or Conv2d "
                      "output its products and bias summed in any order, FMA allowed; no TF32, bf16 or Winograd/FFT "
                      "convolution; underflow gradual or flushed to zero, subnormal operands read as is or as zero "
                      "(FTZ, DAZ)")
MODULES_3 = ("Flatten", "Linear", "ReLU", "Dropout", "Identity")   # format 3's model.modules entries
MODULES = (*MODULES_3, "Conv2d")                                 # model.modules entries (certs/FORMAT.md)
DECIMAL_MAX_CHARS = 400      # a DEC string is at most this long ...
DECIMAL_MAX_EXPONENT = 400   # ... and its exponent lies in [-400, 400]: every value is cheap to read exactly
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?(?:[eE](?P<exp>[-+]?[0-9]+))?", re.ASCII)


class MaskError(ValueError):
    """A mask that cannot be decoded or does not fit its declared shape."""


def no_duplicate_keys(pairs: list) -> dict:
    """``object_pairs_hook`` for ``json.loads`` that refuses an object repeating a key (ValueError): certificates and
    safetensors headers alike, since readers disagree on which of two values counts.

    >>> import json; json.loads('{"a": 1, "a": 2}', object_pairs_hook=no_duplicate_keys)
    Traceback (most recent call last):
    ValueError: duplicate key in an object
    """
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key in an object")
    return dict(pairs)


def parse_decimal(text: object) -> Fraction:
    """Exact value of a non-negative decimal string such as ``"0.00125"`` or ``"1.5e-3"``.

    The whole string must match (ASCII digits, no sign, no spaces), be at most ``DECIMAL_MAX_CHARS`` long and
    carry an exponent in [−``DECIMAL_MAX_EXPONENT``, ``DECIMAL_MAX_EXPONENT``], checked before any arithmetic.

    >>> parse_decimal("1.5e-3")
    Fraction(3, 2000)
    >>> parse_decimal("1e-99999999")
    Traceback (most recent call last):
    ValueError: decimal exponent out of range [-400, 400]: '1e-99999999'
    """
    m = _DECIMAL.fullmatch(text) if isinstance(text, str) and len(text) <= DECIMAL_MAX_CHARS else None
    if not m:
        raise ValueError(f"not a non-negative decimal string: {str(text)[:40]!r}")
    exp = m["exp"]
    if exp is not None and abs(int(exp)) > DECIMAL_MAX_EXPONENT:   # int() of at most 400 digits: cheap
        raise ValueError(f"decimal exponent out of range [-{DECIMAL_MAX_EXPONENT}, {DECIMAL_MAX_EXPONENT}]: "
                         f"{text[:40]!r}")
    return Fraction(text)


def parse_signed(text: object) -> Fraction:
    """Exact value of a signed decimal string (SDEC): a DEC, or "-" followed by a DEC, at most
    ``DECIMAL_MAX_CHARS`` characters in all.

    >>> parse_signed("-0.5"), parse_signed("2")
    (Fraction(-1, 2), Fraction(2, 1))
    """
    if isinstance(text, str) and text.startswith("-") and len(text) <= DECIMAL_MAX_CHARS:
        return -parse_decimal(text[1:])
    return parse_decimal(text)


def decimal_up(x: Fraction, digits: int = 12) -> str:
    """The smallest decimal with ``digits`` significant digits that is ≥ x (x ≥ 0), as a string.

    >>> decimal_up(Fraction(1, 3), 4)
    '0.3334'
    """
    if x < 0:
        raise ValueError("decimal_up expects a non-negative value")
    if x == 0:
        return "0"
    e = math.floor(math.log10(x.numerator) - math.log10(x.denominator))
    # correct the float estimate of the exponent exactly: 10^e <= x < 10^(e+1)
    while Fraction(10) ** e > x:
        e -= 1
    while Fraction(10) ** (e + 1) <= x:
        e += 1
    scale = digits - 1 - e
    y = x * Fraction(10) ** scale
    q = -((-y.numerator) // y.denominator)  # ceil
    return _fmt(q, scale)


def _fmt(q: int, scale: int) -> str:
    if scale <= 0:
        return str(q * 10 ** (-scale))
    s = str(q).rjust(scale + 1, "0")
    head, tail = s[:-scale], s[-scale:].rstrip("0")
    return head + ("." + tail if tail else "")


def sqrt_up(x: Fraction, digits: int = 12) -> str:
    """A decimal string d with d ≥ √x and at most ``digits`` significant digits (+1 ulp at worst).

    >>> sqrt_up(Fraction(2), 5)
    '1.4143'
    """
    if x < 0:
        raise ValueError("sqrt_up expects a non-negative value")
    if x == 0:
        return "0"
    e = math.floor((math.log10(x.numerator) - math.log10(x.denominator)) / 2)
    scale = digits - 1 - e
    # r = ceil(sqrt(x · 10^(2·scale))) computed with integers
    if scale >= 0:
        num, den = x.numerator * 10 ** (2 * scale), x.denominator
    else:
        num, den = x.numerator, x.denominator * 10 ** (-2 * scale)
    n = -((-num) // den)
    r = math.isqrt(n)
    if r * r < n:
        r += 1
    return _fmt(r, scale)


def encode_mask(rows: int, cols: int, positions: Iterable[int]) -> str:
    """Bitset of the kept entries (flat indices row·cols + col), zlib + base64."""
    buf = bytearray((rows * cols + 7) // 8)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return base64.b64encode(zlib.compress(bytes(buf), 9)).decode("ascii")


def decode_mask(data: object, rows: int, cols: int, limit: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield (row, col) of every set bit, in row-major order; MaskError if malformed or if more than ``limit``
    bits are set (the caller's declared count: decoding stops there, so a crafted mask cannot exhaust memory).

    >>> list(decode_mask(encode_mask(2, 3, [1, 5]), 2, 3))
    [(0, 1), (1, 2)]
    """
    for p in set_bits(inflate_mask(data, rows, cols), rows * cols, limit):
        yield divmod(p, cols)


def inflate_mask(data: object, rows: int, cols: int) -> bytes:
    """The bitset bytes of a rows × cols mask (exactly ⌈rows·cols / 8⌉ of them); MaskError if ``data`` is not base64
    of one complete zlib stream of that length (never inflates more than that: a crafted certificate could hold a
    zlib bomb)."""
    total = rows * cols
    if not isinstance(data, str):
        raise MaskError("mask data must be a base64 string")
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.b64decode(data.encode("ascii"), validate=True), (total + 7) // 8 + 1)
    except (binascii.Error, zlib.error, ValueError, UnicodeEncodeError) as e:
        raise MaskError(f"mask data is not zlib+base64 ({e})") from None
    if len(raw) != (total + 7) // 8 or inflater.unconsumed_tail or inflater.unused_data or not inflater.eof:
        raise MaskError(f"mask has {len(raw)} bytes, expected {(total + 7) // 8} for shape ({rows}, {cols})")
    return raw


def set_bits(raw: bytes, total: int, limit: int | None = None) -> Iterator[int]:
    """Yield the position p of every set bit of ``raw`` (bit p is bit p % 8 of byte p // 8), increasing; MaskError
    at the first bit at or beyond ``total``, or at the (limit + 1)-th bit, whichever comes first.

    >>> list(set_bits(bytes([0b101, 0, 0b10]), 24))
    [0, 2, 17]
    """
    count = 0
    for hit in _NONZERO.finditer(raw):   # skips zero bytes at C speed
        i, byte = hit.start(), raw[hit.start()]
        while byte:
            low = byte & -byte
            p = (i << 3) + low.bit_length() - 1
            if p >= total:
                raise MaskError("mask has bits set beyond its shape")
            count += 1
            if limit is not None and count > limit:
                raise MaskError(f"mask has more than the {limit} set bits declared")
            yield p
            byte ^= low


_NONZERO = re.compile(rb"[^\x00]")
