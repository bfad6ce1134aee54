"""The input domain D of a claim (docs/affine.md §4): ``--domain`` parsed, and what the engine needs of it.

    ball        the unit l2 ball (the default)            ball:R      the l2 ball of radius R > 0 about 0
    box:LO,HI   LO ≤ x_j ≤ HI for every coordinate j     box:F.npz   arrays ``lo`` and ``hi`` (one bound per coordinate)

The certificate states D with exact decimals (certs/FORMAT.md, DOMAIN): the text's own numbers for ``ball:R`` and
``box:LO,HI``; for an ``.npz`` file each float64 bound is written exactly when its decimal expansion is short
enough (any float down to about 1e-300 is), else rounded outward, so the stated box always contains the file's.
``reach`` bounds sup_{x ∈ D} ‖x‖₂ (ball: R; box: √Σ max(lo_j², hi_j²), rounded up); the checker re-derives it.
Untrusted (the checker reads the certificate, not this), no torch.

>>> d = parse("box:0,1").for_inputs(4)
>>> d.claim()["reach"], d.non_negative, d.describe()
('2', True, 'the box [0, 1]^4')
>>> parse("ball:0")
Traceback (most recent call last):
verify.errors.InputError: --domain ball:0: the radius must be a positive decimal
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np

from verify.errors import InputError
from verify.kernel import io

__all__ = ["Domain", "parse", "FORMS"]

FORMS = "ball, ball:R, box:LO,HI or box:FILE.npz (arrays lo and hi)"
_DIGITS = 17


@dataclass(frozen=True)
class Domain:
    """D: ``kind`` "ball" (``radius``) or "box" (``lo``, ``hi``: exact decimal strings, one per coordinate, or one
    for all coordinates until ``for_inputs`` fixes the dimension)."""

    kind: str
    radius: str = "1"
    lo: tuple[str, ...] = ()
    hi: tuple[str, ...] = ()
    spec: str = "ball"

    def for_inputs(self, d: int) -> Domain:
        """This domain for F's d inputs; InputError if a per-coordinate box has another dimension."""
        if self.kind == "ball" or len(self.lo) == d:
            return self
        if len(self.lo) == 1:
            return Domain("box", lo=self.lo * d, hi=self.hi * d, spec=self.spec)
        raise InputError(f"--domain {self.spec}: the box has {len(self.lo)} coordinates but F has {d} inputs")

    @property
    def non_negative(self) -> bool:
        """Every point has x ≥ 0: layer 1 then needs only positive input weights (docs/affine.md §4)."""
        return self.kind == "box" and all(io.parse_signed(s) >= 0 for s in self.lo)

    @property
    def reach(self) -> Fraction:
        """The stated reach as an exact rational (what the recurrence starts from)."""
        return io.parse_decimal(self.claim()["reach"])

    def claim(self) -> dict:
        """claim.domain of the certificate (certs/FORMAT.md)."""
        if self.kind == "ball":
            return {"kind": "ball", "radius": self.radius, "reach": self.radius}
        sq = sum(max(a * a, b * b) for a, b in zip(map(io.parse_signed, self.lo), map(io.parse_signed, self.hi),
                                                   strict=True))
        return {"kind": "box", "lo": list(self.lo), "hi": list(self.hi), "reach": io.sqrt_up(sq, 12)}

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) as float64 arrays (rounded to nearest: for sampling and attacks, never for the claim)."""
        return (np.array([float(io.parse_signed(s)) for s in self.lo]),
                np.array([float(io.parse_signed(s)) for s in self.hi]))

    def describe(self) -> str:
        """D in words: "the l2 ball of radius R", "the box [LO, HI]^d" or "a box of d per-coordinate bounds"."""
        if self.kind == "ball":
            return f"the l2 ball of radius {self.radius}"
        if len(set(self.lo)) == 1 and len(set(self.hi)) == 1:
            return f"the box [{self.lo[0]}, {self.hi[0]}]^{len(self.lo)}"
        return f"a box of {len(self.lo)} per-coordinate bounds"


def _number(text: str, spec: str, what: str) -> str:
    text = text.strip()
    try:
        io.parse_signed(text)
    except ValueError:
        raise InputError(f"--domain {spec}: {what} {text!r} is not a decimal number (e.g. 0, 1, -0.5, 2.5e-3)") \
            from None
    return text


def _exact_or_outward(x: float, up: bool) -> str:
    """A decimal string for float x: exact if short enough, else rounded outward (up for ``up``)."""
    f = Fraction(x)
    if f == 0:
        return "0"
    k = f.denominator.bit_length() - 1           # f = n / 2^k = n·5^k / 10^k
    digits = str(abs(f.numerator) * 5**k) if k else str(abs(f.numerator))
    text = f"{digits}e-{k}" if k else digits
    if len(text) + 1 <= io.DECIMAL_MAX_CHARS and k <= io.DECIMAL_MAX_EXPONENT:
        return ("-" if f < 0 else "") + text
    if (f > 0) == up:                             # away from zero: round the magnitude up
        return ("-" if f < 0 else "") + io.decimal_up(abs(f), _DIGITS)
    return "0"                                    # towards zero: 0 is outward of a tiny value


def _npz(path: str, spec: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        with np.load(Path(path), allow_pickle=False) as z:
            if set(z.files) != {"lo", "hi"}:
                raise InputError(f"--domain {spec}: the file must hold exactly the arrays lo and hi, it holds "
                                 f"{sorted(z.files)}")
            lo, hi = np.asarray(z["lo"]), np.asarray(z["hi"])
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise InputError(f"--domain {spec}: cannot read {path} as .npz ({str(e)[:100]})") from None
    if lo.dtype.kind not in "iuf" or hi.dtype.kind not in "iuf" or lo.shape != hi.shape or lo.size == 0:
        raise InputError(f"--domain {spec}: lo and hi must be numeric arrays of one shape (got {lo.dtype}{lo.shape} "
                         f"and {hi.dtype}{hi.shape})")
    lo, hi = lo.astype(np.float64).ravel(), hi.astype(np.float64).ravel()
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise InputError(f"--domain {spec}: lo and hi must be finite")
    if (lo > hi).any():
        j = int(np.argmax(lo > hi))
        raise InputError(f"--domain {spec}: lo > hi at coordinate {j} ({lo[j]} > {hi[j]})")
    return (tuple(_exact_or_outward(float(v), False) for v in lo),
            tuple(_exact_or_outward(float(v), True) for v in hi))


@lru_cache(maxsize=16)
def parse(spec: str) -> Domain:
    """The domain a ``--domain`` text names; InputError (one line) for anything else."""
    spec = spec.strip()
    kind, _, rest = spec.partition(":")
    if kind == "ball":
        if not rest:
            return Domain("ball", spec=spec)
        radius = _number(rest, spec, "the radius")
        if radius.startswith("-") or io.parse_signed(radius) <= 0:
            raise InputError(f"--domain {spec}: the radius must be a positive decimal")
        return Domain("ball", radius=radius, spec=spec)
    if kind == "box" and rest.endswith(".npz"):
        lo, hi = _npz(rest, spec)
        return Domain("box", lo=lo, hi=hi, spec=spec)
    if kind == "box" and rest.count(",") == 1:
        lo, hi = (_number(t, spec, what) for t, what in zip(rest.split(","), ("LO", "HI"), strict=True))
        if io.parse_signed(lo) > io.parse_signed(hi):
            raise InputError(f"--domain {spec}: LO must not exceed HI")
        return Domain("box", lo=(lo,), hi=(hi,), spec=spec)
    raise InputError(f"--domain {spec!r} is not one of {FORMS}")
