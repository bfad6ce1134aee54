"""verify/kernel/paths.py: both paths against an oracle written from the module docstring's table (exact rationals
from rng.weight), against each other, at the chunk and int64 boundaries of steps P1–P3, and end to end through the
checker.  Every test that compares paths runs each one (SLT_VERIFY_PATHS or a direct call), so a wrong numpy path
cannot hide behind the stdlib one or the reverse."""

from __future__ import annotations

import base64
import json
import random
import zlib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.kernel import check, io, paths, rng

EXAMPLES = Path(__file__).resolve().parents[1] / "certs" / "examples"
U32 = st.integers(0, 2**32 - 1)


def _data(raw: bytes) -> str:
    return base64.b64encode(zlib.compress(raw)).decode("ascii")


def _outcome(f):
    """f()'s value as a list of ints, or ("error", message) for a MaskError."""
    try:
        return paths.ints(f())
    except io.MaskError as e:
        return ("error", str(e))


# --- P2: the generator on arrays ------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(U32, U32, st.lists(st.tuples(U32, U32), min_size=1, max_size=40))
def test_array_generator_is_rng_weight_int(seed, layer, idx):
    rows = np.array([r for r, _ in idx], np.int64)
    cols = np.array([c for _, c in idx], np.int64)
    got = paths._weights(np, seed, layer, rows, cols)
    assert got.dtype == np.int64
    assert got.tolist() == [rng.weight_int(seed, layer, r, c) for r, c in idx]


@pytest.mark.parametrize(("rows", "cols"), [([0], [2**32]), ([-1], [0]), ([2**32], [5]), ([3], [-7])])
def test_array_generator_refuses_indices_outside_its_range(rows, cols):
    with pytest.raises(ValueError, match="2\\^32"):
        paths._weights(np, 0, 1, np.array(rows, np.int64), np.array(cols, np.int64))


def test_probes_pass_and_catch_a_wrong_hash(monkeypatch):
    assert paths._numpy_ok(np)
    real = paths._mix
    monkeypatch.setattr(paths, "_mix", lambda np_, x: real(np_, x) ^ np.uint32(1 << 31))
    assert not paths._numpy_ok(np)
    monkeypatch.setattr(paths, "_probed", [])   # a fresh process: the probes run again, and fail
    assert paths._numpy() is None   # the numpy path is then never taken
    assert isinstance(paths.decode(_data(b"\x05"), 1, 8, 2), list)


def test_environment_turns_the_numpy_path_off(monkeypatch):
    assert paths._numpy() is np
    monkeypatch.setenv(paths.PATH_ENV, "stdlib")
    assert paths._numpy() is None


# --- P1: mask bits ---------------------------------------------------------------------------------------------------

@settings(max_examples=120, deadline=None)
@given(st.binary(min_size=0, max_size=40), st.integers(0, 7), st.integers(0, 400), st.sampled_from([1, 2, 3, 1 << 22]))
def test_decode_is_io_set_bits_with_the_same_errors(raw, short, limit, chunk):
    """Same positions, or the same error (bits beyond the shape, more than ``limit`` bits), for any chunk size;
    total = 8·len − short puts up to 7 padding bits in the last byte."""
    total = max(0, 8 * len(raw) - short) if raw else 0
    raw = raw[:(total + 7) // 8]
    want = _outcome(lambda: list(io.set_bits(raw, total, limit)))
    old = paths._CHUNK_BYTES
    try:
        paths._CHUNK_BYTES = chunk
        assert _outcome(lambda: paths.decode(_data(raw), 1, total, limit)) == want
    finally:
        paths._CHUNK_BYTES = old


def test_decode_boundaries_of_the_limit_and_of_the_shape():
    raw = bytes([0b1011, 0, 0b1000_0001])   # bits 0, 1, 3, 16, 23
    assert paths.ints(paths.decode(_data(raw), 3, 8, 5)) == [0, 1, 3, 16, 23]
    too_many = ("error", "mask has more than the {} set bits declared")
    assert _outcome(lambda: paths.decode(_data(raw), 3, 8, 4)) == (too_many[0], too_many[1].format(4))
    # 21 entries: bit 23 is beyond the shape; with limit 4 the fifth bit (23) is met first as beyond the shape
    for limit in (4, 5, 9):
        assert _outcome(lambda lim=limit: paths.decode(_data(raw), 3, 7, lim)) == (
            "error", "mask has bits set beyond its shape")
    assert _outcome(lambda: paths.decode(_data(raw), 3, 7, 3)) == (too_many[0], too_many[1].format(3))
    assert paths.ints(paths.decode(_data(b""), 0, 5, 0)) == []
    with pytest.raises(io.MaskError, match="expected 3"):
        paths.decode(_data(raw + b"\0"), 3, 8, 9)


# --- P3: the sums ----------------------------------------------------------------------------------------------------

def _random_kept(rnd: random.Random, n: int, m: int, A: int, k: int, c: int) -> paths.Kept:
    """A Kept of random input edges and constant channels, every live channel read by at least one kept edge (fact 4
    but for the sign of the constants' biases: both paths compute |v|·β as written whatever its sign)."""
    H = k * n + c
    hs = list(range(H))
    rnd.shuffle(hs)
    src = {h: rnd.randrange(n) for h in hs[: rnd.randint(0, H)]}
    const = frozenset(h for h in hs if h not in src and rnd.random() < 0.5)
    flat = set()
    for h in (*src, *const):
        for _ in range(rnd.randint(1, 3)):
            flat.add(rnd.randrange(m) * H * A + h * A + rnd.randrange(A))
    return paths.Kept(src, const, frozenset(r for r in range(m) if rnd.random() < 0.4), sorted(flat), H * A, A)


def _oracle(seed: int, i: int, kept: paths.Kept, m: int, n: int) -> paths.Sums:
    """The module docstring's table, term by term, in exact rationals scaled to units of 2^-48."""
    A, unit = kept.positions, 2**48
    pos, neg, mag = ([[0] * (n * A) for _ in range(m)] for _ in range(3))
    at_q, at_mag, terms = [[0] * A for _ in range(m)], [0] * m, [int(r in kept.out_bias) for r in range(m)]
    for p in paths.ints(kept.flat):
        r, col = divmod(p, kept.width)
        h, q = divmod(col, A)
        v = rng.weight(seed, 2 * i + 2, r, col)
        terms[r] += 1
        if h in kept.const:
            b = Fraction(rng.bias_int(seed, 2 * i + 1, h), 2**24)
            at_q[r][q] += int(v * b * unit)
            at_mag[r] += int(abs(v) * b * unit)
            continue
        u = rng.weight(seed, 2 * i + 1, h, kept.src[h])
        x = v * u * unit
        assert x.denominator == 1
        (pos if u > 0 else neg)[r][kept.src[h] * A + q] += int(x)
        mag[r][kept.src[h] * A + q] += int(abs(x))
    own = [rng.bias_int(seed, 2 * i + 2, r) if r in kept.out_bias else 0 for r in range(m)]
    return paths.Sums(pos, neg, mag, at_q, at_mag, own, terms)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 3), st.integers(1, 4), st.integers(1, 4), st.sampled_from([1, 4, 9]),
       st.integers(1, 5), st.integers(0, 3), st.integers(0, 2**32 - 1), st.sampled_from([1, 3, 1 << 21]))
def test_both_paths_give_the_oracles_sums(seed, i, n, m, A, k, c, layout, chunk):
    kept = _random_kept(random.Random(layout), n, m, A, k, c)
    want = _oracle(seed, i, kept, m, n)
    old = paths._CHUNK_EDGES
    try:
        paths._CHUNK_EDGES = chunk
        fast = paths._sums_numpy(np, seed, i, kept, m, n)
    finally:
        paths._CHUNK_EDGES = old
    slow = paths._sums_stdlib(seed, i, kept, m, n)
    assert slow == want
    assert fast == want
    for s in (fast, slow):   # P4: Python ints only
        assert all(type(x) is int for table in (s.pos, s.neg, s.mag, s.at_q) for row in table for x in row)
        assert all(type(x) is int for x in (*s.at_mag, *s.own, *s.terms))


@pytest.mark.parametrize("env", ["numpy", "stdlib"])
def test_sums_takes_the_path_the_environment_and_the_term_bound_allow(env, monkeypatch):
    """P3's condition: F = max(max_j F_j, |const|) < _MAX_TERMS for the numpy path; at F = _MAX_TERMS the stdlib
    path (checked with a lowered bound on a layer where F_0 = 3 or |const| = 3)."""
    monkeypatch.setenv(paths.PATH_ENV, env)
    taken = []
    real_np, real_std = paths._sums_numpy, paths._sums_stdlib
    monkeypatch.setattr(paths, "_sums_numpy", lambda *a: taken.append("numpy") or real_np(*a))
    monkeypatch.setattr(paths, "_sums_stdlib", lambda *a: taken.append("stdlib") or real_std(*a))
    positive = [h for h in range(40) if rng.bias_int(0, 1, h) > 0][:3]
    gadget = paths.Kept({0: 0, 1: 0, 2: 0, 3: 1}, frozenset(), frozenset(), [0, 1, 2, 3], 40, 1)
    consts = paths.Kept({}, frozenset(positive), frozenset(), sorted(positive), 40, 1)
    for kept in (gadget, consts):
        for bound, expect in ((3, "stdlib"), (4, "numpy")):
            monkeypatch.setattr(paths, "_MAX_TERMS", bound)
            taken.clear()
            paths.sums(0, 0, kept, 1, 2)
            assert taken == ["stdlib" if env == "stdlib" else expect]


def test_the_term_bound_keeps_int64_exact():
    """P3's arithmetic: _MAX_TERMS − 1 terms of the largest magnitude a product of two generator values can have stay
    below 2^63; one more term of it need not (the bound is not loose by a factor of two)."""
    biggest = (2**24 - 1) ** 2
    assert (paths._MAX_TERMS - 1) * biggest < 2**63 <= 2 * paths._MAX_TERMS * biggest


@pytest.mark.parametrize("env", ["numpy", "stdlib"])
def test_fact_4_helpers_agree_on_both_paths(env, monkeypatch):
    monkeypatch.setenv(paths.PATH_ENV, env)
    flat = np.array([3, 9, 14, 22], np.int64) if env == "numpy" else [3, 9, 14, 22]
    kept = paths.Kept({}, frozenset(), frozenset(), flat, 10, 2)   # (r, col): (0, 3) (0, 9) (1, 4) (2, 2)
    assert paths.feeds(kept, {1, 2, 4}) == (None, set())
    assert paths.feeds(kept, {0, 1, 2, 3, 4}) == (None, {0, 3})   # live channels no edge reads
    assert paths.feeds(kept, {1, 2}) == ((0, 9), set())           # the first edge from a dead channel
    assert paths.feeds(kept, {4}) == ((0, 3), set())
    assert paths.feeds(kept, set()) == ((0, 3), set())
    assert paths.feeds(kept, {1}) == ((0, 9), set())   # one live channel, below the dead one
    assert kept.edges() == {0: [3, 9], 1: [4], 2: [2]}
    old = paths._CHUNK_EDGES
    try:   # the numpy path in chunks of one edge: a dead edge in the third chunk, unfed channels seen across chunks
        paths._CHUNK_EDGES = 1
        assert paths.feeds(kept, {1, 4}) == ((1, 4), set())   # edge 3 of 4: h = 2
        assert paths.feeds(kept, {0, 1, 2, 4}) == (None, {0})
    finally:
        paths._CHUNK_EDGES = old


# --- end to end ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["tiny", "tiny-bias", "tiny-cnn"])
def test_the_checker_reads_the_same_on_both_paths(name, monkeypatch):
    """Every example certificate: the same Checked (kept edges, bound, float32 bound) on both paths, and each path's
    sums equal to the oracle on every layer."""
    cert = json.loads((EXAMPLES / f"{name}.cert.json").read_text())
    model = EXAMPLES / (f"{name}.pt" if name == "tiny-cnn" else f"{name}.safetensors")
    seen = []
    for env in ("numpy", "stdlib"):
        monkeypatch.setenv(paths.PATH_ENV, env)
        ok = check.check_certificate(cert, model)
        seen.append((ok.bound, ok.float32, ok.kept, [(p.src, p.const, p.out_bias, p.edges()) for p in ok.pruned]))
        for i, (p, g) in enumerate(zip(ok.pruned, ok.geometry, strict=True)):
            assert paths.sums(ok.seed, i, p, g.c_out, g.c_in) == _oracle(ok.seed, i, p, g.c_out, g.c_in)
    assert seen[0] == seen[1]


@pytest.mark.parametrize("env", ["numpy", "stdlib"])
@pytest.mark.parametrize("name", ["broken-mask-edge-dropped", "broken-eta-halved", "broken-seed-changed"])
def test_broken_examples_are_refused_on_both_paths(name, env, monkeypatch):
    monkeypatch.setenv(paths.PATH_ENV, env)
    with pytest.raises(check.Invalid):
        check.check_files(EXAMPLES / f"{name}.cert.json", EXAMPLES / "tiny.safetensors")


@pytest.mark.parametrize("live", [{}, {0: 0}, {2: 0}])
def test_the_numpy_sums_refuse_an_edge_from_a_dead_channel(live):
    """sums' precondition is fact 4; called without it, the numpy path raises ValueError (the stdlib path a
    KeyError) instead of summing an edge into another channel's slot: live channel 0 or 2, an edge reads channel 1."""
    kept = paths.Kept(live, frozenset(), frozenset(), [1], 3, 1)
    with pytest.raises(ValueError, match="neither a gadget nor a constant"):
        paths._sums_numpy(np, 0, 0, kept, 1, 1)
    with pytest.raises(KeyError):
        paths._sums_stdlib(0, 0, kept, 1, 1)


def test_at_mag_sums_each_kernel_position_in_its_own_int64_slot():
    """P3 for the constants: each (r, q) slot of the numpy path adds at most |const| < 2^15 terms, and only the A
    slots of a row are added as Python integers.  Here |const| = 2^15 − 1 positive-bias constants feed output 0 at
    all A = 16 positions: every slot stays below 2^63 but the row's at_mag does not, so a numpy path that added a
    row's constants into one int64 slot would wrap."""
    seed, A = 4, 16
    const = [h for h in range(1 << 17) if rng.bias_int(seed, 1, h) > 0][:(1 << 15) - 1]
    H = const[-1] + 1
    kept = paths.Kept({}, frozenset(const), frozenset(), [h * A + q for h in const for q in range(A)], H * A, A)
    exact = paths._sums_stdlib(seed, 0, kept, 1, 1)
    assert exact.at_mag[0] >= 2**63 > max(abs(x) for x in exact.at_q[0])
    assert paths._sums_numpy(np, seed, 0, kept, 1, 1) == exact
