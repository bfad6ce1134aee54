"""G̃'s kept paths per target layer: the big masks decoded (fact 4) and the products they keep summed exactly
(facts 5 and 8).  [trusted; stdlib, numpy optional]

Spec (docs/certificate.md §7).  Target layer i, with n = c_in inputs, m = c_out outputs and A kernel positions, is G's
layer pair 2i + 1 (H × n, H = k·n + c hidden channels) and 2i + 2 (m × H·A).  check.py decodes its masks into a
``Kept``: ``src`` {h: j} (the one input edge hidden channel h keeps), ``const`` (hidden channels that keep their
bias and no input edge), ``out_bias`` (outputs that keep their bias) and ``flat``, the kept positions r·H·A + col
of layer 2i + 2, increasing.  From a Kept whose fact 4 holds, ``sums`` returns the exact integers facts 5 and 8
need, in units of 2^-48 (a product of two generator values, each an integer in units of 2^-24, rng.py), with
v = G_{2i+2}[r, h·A + q], u_h = G_{2i+1}[h, src[h]] and β_h = G_{2i+1}'s bias of h:

    pos[r][j·A + q]  Σ v·u_h    over kept edges (r, h·A + q) with src[h] = j and u_h > 0
    neg[r][j·A + q]  Σ v·u_h    the same with u_h < 0
    mag[r][j·A + q]  Σ |v·u_h|  the same, both signs
    at_q[r][q]       Σ v·β_h    over kept edges (r, h·A + q) with h constant
    at_mag[r]        Σ |v|·β_h  over every such edge of row r (β_h > 0 by fact 4)
    own[r]           G_{2i+2}'s bias of r if r keeps it, else 0 (units of 2^-24)
    terms[r]         the kept edges of row r, plus 1 if r keeps its bias

Two paths compute the same Python integers (tests/test_paths.py compares them on random and extreme layers):

* the **stdlib path**: io.set_bits for the bits, one loop over the kept edges with rng.weight_int;
* the **numpy path**, taken when numpy imports, ``_numpy_ok``'s probes pass (once per process) and the environment
  does not set SLT_VERIFY_PATHS=stdlib:

  P1. Bits (``decode``): np.unpackbits with little bit order (io.encode_mask's) over ``_CHUNK_BYTES`` bytes at a
      time, keeping at most limit + 1 positions in all (memory: the declared count plus one chunk).  That gives the
      same positions as io.set_bits and the same error: positions increase and the bits at or beyond ``total`` all
      come last, so the first event io.set_bits meets is a bit ≥ total exactly when one is among the first
      limit + 1 kept here, else the (limit + 1)-th bit.
  P2. Weights (``_weights``): rng.py's hash on uint32 arrays.  numpy's uint32 multiply, xor and shift are
      arithmetic modulo 2^32, which is what mix32 computes with & 0xFFFFFFFF; every row and column is checked to lie
      in [0, 2^32) before the cast, and the probes compare against rng.weight_int.
  P3. Sums (``_sums_numpy``): np.add.at on int64, over tables of the live hidden channels (src and const) only.
      Every term has magnitude < 2^24·2^24 = 2^48 (generator values are odd integers in (−2^24, 2^24)); an entry of
      pos, neg or mag sums at most F_j = #{h : src[h] = j} terms (each term lands at its own kernel position q), an
      entry of at_q (and each kernel position's part of at_mag) at most |const|.  With F = max(max_j F_j, |const|)
      < 2^15 every partial sum lies below 2^15·2^48 = 2^63 in magnitude, so int64 is exact; a layer with F ≥ 2^15
      takes the stdlib path.  The kernel-position parts of at_mag are added as Python integers.
  P4. Every array is converted to Python integers (``tolist``) before it leaves this module: no numpy scalar
      reaches the exact arithmetic of check.py or floatbound.py.

``feeds`` is fact 4's two tests on the big layer, on either path (the numpy one chunked like the sums).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from verify.kernel import io, rng

__all__ = ["Kept", "Sums", "decode", "feeds", "ints", "sums", "PATH_ENV"]

PATH_ENV = "SLT_VERIFY_PATHS"   # "stdlib": never take the numpy path
_CHUNK_BYTES = 1 << 16           # mask bytes unpacked at a time (at most 2^19 positions: 4 MiB of int64)
_CHUNK_EDGES = 1 << 21           # kept edges summed at a time
_MAX_TERMS = 1 << 15             # P3: F below this keeps every int64 partial sum below 2^63
_LIMIT = 1 << 32                 # generator indices lie in [0, 2^32) (rng.py)
_probed: list = []               # [numpy or None]: _numpy_ok's verdict, once per process


@dataclass(frozen=True)
class Kept:
    """One target layer's decoded masks (see the module docstring); ``width`` = H·A, the columns of layer 2i + 2."""

    src: dict
    const: frozenset
    out_bias: frozenset
    flat: object            # increasing positions r·width + col: a list of ints or a numpy int64 array
    width: int
    positions: int          # A

    def edges(self) -> dict[int, list[int]]:
        """{r: [col, ...]} of layer 2i + 2's kept edges, each row's columns increasing."""
        out: dict[int, list[int]] = {}
        for p in ints(self.flat):
            r, col = divmod(p, self.width)
            out.setdefault(r, []).append(col)
        return out


@dataclass(frozen=True)
class Sums:
    """``sums``'s integers (module docstring), Python ints: pos, neg, mag are m × n·A, at_q is m × A."""

    pos: list
    neg: list
    mag: list
    at_q: list
    at_mag: list
    own: list
    terms: list


def ints(seq) -> list[int]:
    """A list of Python ints from a list or a numpy integer array (P4)."""
    return seq.tolist() if hasattr(seq, "tolist") else list(seq)


def _numpy():
    """numpy when the numpy path may be taken (module docstring), else None.  The probes run once per process."""
    if os.environ.get(PATH_ENV) == "stdlib":
        return None
    if not _probed:
        try:
            import numpy
        except ImportError:
            numpy = None
        _probed.append(numpy if numpy is not None and _numpy_ok(numpy) else None)
    return _probed[0]


def _numpy_ok(np) -> bool:
    """Probes of P1–P3: bit order, the generator against rng.weight_int at extreme and ordinary indices, int64
    accumulation at 2^63 − 1.  False disables the numpy path."""
    idx = [0, 1, 2, 12345, 2**31 - 1, 2**31, 2**32 - 2, 2**32 - 1]
    probes = [(s, layer, r, c) for s in (0, 7, 2**32 - 1) for layer in (1, 2, 2**32 - 1) for r, c in zip(
        idx, reversed(idx), strict=True)]
    got = [_weights(np, s, layer, np.array([r], np.int64), np.array([c], np.int64)).tolist()[0]
           for s, layer, r, c in probes]
    acc = np.zeros(2, np.int64)
    np.add.at(acc, np.array([0, 0, 1, 1]), np.array([2**62, 2**62 - 1, -(2**62), -(2**62)], np.int64))
    return (got == [rng.weight_int(*p) for p in probes]
            and np.unpackbits(np.array([1], np.uint8), bitorder="little").tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
            and acc.tolist() == [2**63 - 1, -(2**63)])


def _mix(np, x):
    """rng.mix32 on a uint32 array (P2)."""
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x7FEB352D)
    x = x ^ (x >> np.uint32(15))
    x = x * np.uint32(0x846CA68B)
    return x ^ (x >> np.uint32(16))


def _weights(np, seed: int, layer: int, rows, cols):
    """rng.weight_int(seed, layer, rows[t], cols[t]) for every t, as an int64 array (P2)."""
    for a in (rows, cols):
        if a.size and (int(a.min()) < 0 or int(a.max()) >= _LIMIT):
            raise ValueError("generator indices must lie in [0, 2^32)")
    key = _mix(np, np.uint32(rng.layer_key(seed, layer)) ^ rows.astype(np.uint32))
    m = _mix(np, _mix(np, key ^ cols.astype(np.uint32)) ^ np.uint32(rng.FINAL_SALT)) >> np.uint32(8)
    return 2 * m.astype(np.int64) + (1 - (1 << rng.SCALE_BITS))


def decode(data: object, rows: int, cols: int, limit: int):
    """The kept positions row·cols + col of a mask, increasing (a list, or a numpy int64 array on the numpy path:
    P1); io.MaskError as io.decode_mask raises it, at most ``limit`` bits."""
    total = rows * cols
    raw = io.inflate_mask(data, rows, cols)
    np = _numpy()
    if np is None:
        return list(io.set_bits(raw, total, limit))
    parts, count, a = [], 0, np.frombuffer(raw, dtype=np.uint8)
    for start in range(0, len(raw), _CHUNK_BYTES):
        p = np.flatnonzero(np.unpackbits(a[start:start + _CHUNK_BYTES], bitorder="little"))[:limit + 1 - count]
        if p.size and int(p[-1]) + 8 * start >= total:
            raise io.MaskError("mask has bits set beyond its shape")
        count += p.size
        if count > limit:
            raise io.MaskError(f"mask has more than the {limit} set bits declared")
        parts.append(p.astype(np.int64) + 8 * start)
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def feeds(kept: Kept, live: set[int]) -> tuple[tuple[int, int] | None, set[int]]:
    """Fact 4's two tests on layer 2i + 2: (the first kept edge (r, col), in row-major order, whose hidden channel
    col // A is not in ``live``, or None; the channels of ``live`` that no kept edge reads)."""
    np = _numpy()
    if np is None or not hasattr(kept.flat, "dtype"):
        seen = set()
        for p in ints(kept.flat):
            h = (p % kept.width) // kept.positions
            if h not in live:
                return divmod(p, kept.width), set()
            seen.add(h)
        return None, live - seen
    lv = np.array(sorted(live), np.int64)
    seen = np.zeros(lv.size, bool)
    for start in range(0, kept.flat.size, _CHUNK_EDGES):
        part = kept.flat[start:start + _CHUNK_EDGES]
        h = (part % kept.width) // kept.positions
        at = np.minimum(np.searchsorted(lv, h), max(lv.size - 1, 0))   # h's slot among the live channels
        bad = np.flatnonzero(lv[at] != h) if lv.size else np.arange(h.size)
        if bad.size:
            return divmod(int(part[bad[0]]), kept.width), set()
        seen[at] = True
    return None, set(lv[~seen].tolist())


def sums(seed: int, i: int, kept: Kept, m: int, n: int) -> Sums:
    """The module docstring's integers for target layer i (0-based) with m outputs and n inputs, whose fact 4 holds."""
    np = _numpy()
    counts: dict[int, int] = {}
    for j in kept.src.values():
        counts[j] = counts.get(j, 0) + 1
    if np is None or max(len(kept.const), *counts.values(), 0) >= _MAX_TERMS:
        return _sums_stdlib(seed, i, kept, m, n)
    return _sums_numpy(np, seed, i, kept, m, n)


def _own_terms(seed: int, i: int, kept: Kept, per_row: list[int]) -> tuple[list[int], list[int]]:
    own = [rng.bias_int(seed, 2 * i + 2, r) if r in kept.out_bias else 0 for r in range(len(per_row))]
    return own, [t + (r in kept.out_bias) for r, t in enumerate(per_row)]


def _sums_stdlib(seed: int, i: int, kept: Kept, m: int, n: int) -> Sums:
    """The stdlib path: every kept edge regenerated by rng.weight_int and added as a Python integer."""
    A = kept.positions
    u = {h: rng.weight_int(seed, 2 * i + 1, h, j) for h, j in kept.src.items()}
    beta = {h: rng.bias_int(seed, 2 * i + 1, h) for h in kept.const}
    pos, neg, mag = ([[0] * (n * A) for _ in range(m)] for _ in range(3))
    at_q, at_mag, per_row = [[0] * A for _ in range(m)], [0] * m, [0] * m
    key_row, key = -1, 0
    for p in ints(kept.flat):
        r, col = divmod(p, kept.width)
        if r != key_row:
            key_row, key = r, rng.row_key(seed, 2 * i + 2, r)
        v = rng.weight_int(seed, 2 * i + 2, r, col, key=key)
        h, q = divmod(col, A)
        per_row[r] += 1
        if h in beta:
            at_q[r][q] += v * beta[h]
            at_mag[r] += abs(v) * beta[h]
        else:
            c, x = kept.src[h] * A + q, v * u[h]
            (pos if u[h] > 0 else neg)[r][c] += x
            mag[r][c] += abs(x)
    return Sums(pos, neg, mag, at_q, at_mag, *_own_terms(seed, i, kept, per_row))


def _sums_numpy(np, seed: int, i: int, kept: Kept, m: int, n: int) -> Sums:
    """The numpy path (P2–P4), ``_CHUNK_EDGES`` kept edges at a time; tables over the live hidden channels only."""
    A = kept.positions
    live = np.array(sorted(set(kept.src) | kept.const), np.int64)
    js = np.array([kept.src.get(h, 0) for h in live.tolist()], np.int64)
    is_const = np.array([h in kept.const for h in live.tolist()], bool)
    u = np.where(is_const, 0, _weights(np, seed, 2 * i + 1, live, js))
    beta = np.where(is_const, _weights(np, seed, 2 * i + 1, live, np.full(live.size, rng.BIAS_COL, np.int64)), 0)
    pos, neg, mag = (np.zeros(m * n * A, np.int64) for _ in range(3))
    at_q, at_abs, per_row = np.zeros(m * A, np.int64), np.zeros(m * A, np.int64), np.zeros(m, np.int64)
    flat = np.asarray(kept.flat, dtype=np.int64)
    for start in range(0, flat.size, _CHUNK_EDGES):
        r, col = np.divmod(flat[start:start + _CHUNK_EDGES], kept.width)
        v = _weights(np, seed, 2 * i + 2, r, col)
        h, q = np.divmod(col, A)
        at = np.minimum(np.searchsorted(live, h), max(live.size - 1, 0))   # h's slot among the live channels
        if live.size == 0 or not np.array_equal(live[at], h):
            raise ValueError("a kept edge reads a hidden channel that is neither a gadget nor a constant (fact 4)")
        per_row += np.bincount(r, minlength=m)
        c = is_const[at]
        np.add.at(at_q, r[c] * A + q[c], v[c] * beta[at[c]])
        np.add.at(at_abs, r[c] * A + q[c], np.abs(v[c]) * beta[at[c]])
        g = ~c
        x, to = v[g] * u[at[g]], r[g] * (n * A) + js[at[g]] * A + q[g]
        up = u[at[g]] > 0
        np.add.at(pos, to[up], x[up])
        np.add.at(neg, to[~up], x[~up])
        np.add.at(mag, to, np.abs(x))
    rows = [a.reshape(m, -1).tolist() for a in (pos, neg, mag, at_q)]
    at_mag = [sum(row) for row in at_abs.reshape(m, A).tolist()]
    return Sums(*rows, at_mag, *_own_terms(seed, i, kept, per_row.tolist()))
