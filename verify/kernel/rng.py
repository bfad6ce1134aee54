"""The random network G as a pure function of (seed, layer, row, col).  [trusted; stdlib only]

docs/generator.md §1, §3: every weight of G is i.i.d. U[-1, 1] (Malach et al. 2020, Thm 2.1 uses this
distribution) and can be regenerated on its own, without materialising G.  The engine's torch twin
(``verify.engine.rng_torch``) is tested bit-equal to this reference.

Generator ``slt-hash32-v1`` (all arithmetic on unsigned 32-bit integers):

    mix(x):  x ^= x >> 16;  x *= 0x7FEB352D;  x ^= x >> 15;  x *= 0x846CA68B;  x ^= x >> 16
    h = mix(seed ^ 0x9E3779B9);  h = mix(h ^ layer);  h = mix(h ^ row);  h = mix(h ^ col)
    h = mix(h ^ 0x85EBCA6B);     m = h >> 8                       (24 random bits)
    weight = (2m + 1 - 2^24) / 2^24

so every weight is an odd multiple of 2^-24 in (-1, 1): exactly representable in float32, never 0,
symmetric about 0, and uniform on the 2^24-point grid that discretises U[-1, 1].  ``layer`` is G's
layer number 1..2L, ``row``/``col`` index the PyTorch weight matrix (out, in).  Seeds, layers, rows and
columns must lie in [0, 2^32).  The bias of neuron ``row`` of G layer ``layer`` is the generator at column
``BIAS_COL`` = 2^32 − 1, which is never a weight column (every width of G is below 2^32; docs/affine.md §2).
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["GENERATOR", "DISTRIBUTION", "SCALE_BITS", "BIAS_COL", "FINAL_SALT", "bias_int", "mix32", "layer_key",
           "row_key", "weight_int", "weight"]

GENERATOR = "slt-hash32-v1"
DISTRIBUTION = "uniform[-1,1] on odd multiples of 2^-24"
SCALE_BITS = 24  # weight = weight_int / 2**SCALE_BITS
_M32 = 0xFFFFFFFF
_SEED_SALT = 0x9E3779B9
FINAL_SALT = 0x85EBCA6B   # public: verify/kernel/paths.py finishes the hash on arrays
_LIMIT = 1 << 32
BIAS_COL = _LIMIT - 1   # biases live at this column of the generator


def mix32(x: int) -> int:
    """One round of the 32-bit integer hash ``mix`` above (a bijection of [0, 2^32)).

    >>> mix32(0), mix32(1)
    (0, 1753845952)
    """
    x ^= x >> 16
    x = (x * 0x7FEB352D) & _M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & _M32
    x ^= x >> 16
    return x


def _check_index(name: str, v: int) -> None:
    if not (isinstance(v, int) and 0 <= v < _LIMIT):
        raise ValueError(f"{name} must be an integer in [0, 2^32), got {v!r}")


def layer_key(seed: int, layer: int) -> int:
    """The hash state after (seed, layer); ``row_key`` continues it with the row.

    >>> layer_key(0, 1) == mix32(mix32(0x9E3779B9) ^ 1)
    True
    """
    for name, v in (("seed", seed), ("layer", layer)):
        _check_index(name, v)
    return mix32(mix32(seed ^ _SEED_SALT) ^ layer)


def row_key(seed: int, layer: int, row: int) -> int:
    """The hash state after (seed, layer, row); ``weight_int`` finishes it with the column."""
    key = layer_key(seed, layer)
    _check_index("row", row)
    return mix32(key ^ row)


def weight_int(seed: int, layer: int, row: int, col: int, *, key: int | None = None) -> int:
    """G's weight at (layer, row, col) times 2^24: an odd integer in (-2^24, 2^24).

    ``key`` may pass a precomputed ``row_key(seed, layer, row)`` to skip three rounds.

    >>> w = weight_int(0, 1, 2, 3); w % 2 == 1 and -2**24 < w < 2**24
    True
    """
    if key is None:
        key = row_key(seed, layer, row)
    _check_index("col", col)
    m = mix32(mix32(key ^ col) ^ FINAL_SALT) >> 8
    return 2 * m + 1 - (1 << SCALE_BITS)


def bias_int(seed: int, layer: int, row: int) -> int:
    """G's bias of neuron ``row`` in ``layer`` times 2^24 (same distribution as the weights).

    >>> bias_int(0, 1, 2) == weight_int(0, 1, 2, 2**32 - 1)
    True
    """
    return weight_int(seed, layer, row, BIAS_COL)


def weight(seed: int, layer: int, row: int, col: int) -> Fraction:
    """G's weight at (layer, row, col) as an exact rational (docs/generator.md §4)."""
    return Fraction(weight_int(seed, layer, row, col), 1 << SCALE_BITS)
