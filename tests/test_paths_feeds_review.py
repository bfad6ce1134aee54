"""Adversarial review of the changes after 70f78ce to verify/kernel/: ``paths.feeds`` (fact 4's two tests on G's
even layer, chunked with searchsorted over the sorted live channels on the numpy path) and check.py's use of it, and
the per-layer ``paths.sums`` of ``_layer_rows`` kept (without pos/neg) for fact 8 only under a float32 block.

Every attack compares the numpy path, the stdlib path (SLT_VERIFY_PATHS=stdlib) and an independent oracle written
here, at chunk sizes 1, 2, 3 and the default, or runs the checker on both paths and asserts the same outcome (the same
Checked, or the same exception, fact number and message).
"""

from __future__ import annotations

import copy
import dataclasses
import random

import numpy as np
import pytest
from independent import mask_bits
from test_paths_review_attacks import _build, _encode, _example, _outcome

from verify.kernel import check, floatbound, paths

CHUNKS = [1, 2, 3, 1 << 21]


# --- helpers ---------------------------------------------------------------------------------------------------------

def _oracle(flat: list[int], width: int, A: int, live: set[int]):
    """Fact 4's two tests written independently: channels by integer arithmetic on (r, col), two passes."""
    cells = [(p // width, p - (p // width) * width) for p in flat]
    dead = [rc for rc in cells if rc[1] // A not in live]
    if dead:
        return dead[0], set()
    return None, {h for h in live if all(col // A != h for _, col in cells)}


def _feeds_both(flat: list[int], width: int, A: int, live: set[int], chunk: int, monkeypatch):
    """feeds on the numpy path (array flat) and on the stdlib path (list flat), at the given chunk size."""
    monkeypatch.setattr(paths, "_CHUNK_EDGES", chunk)
    out = []
    for env, f in (("numpy", np.array(flat, np.int64)), ("stdlib", list(flat))):
        monkeypatch.setenv(paths.PATH_ENV, env)
        out.append(paths.feeds(paths.Kept({}, frozenset(), frozenset(), f, width, A), set(live)))
    monkeypatch.setenv(paths.PATH_ENV, "numpy")   # numpy available but a list flat: the stdlib branch
    out.append(paths.feeds(paths.Kept({}, frozenset(), frozenset(), list(flat), width, A), set(live)))
    monkeypatch.delenv(paths.PATH_ENV)
    return out


def _all_paths(cert: dict, model: bytes, monkeypatch, chunks=(1, 2, 1 << 21)):
    """The checker's outcome on the stdlib path and on the numpy path at each chunk size; all must agree."""
    seen = []
    for chunk in chunks:
        monkeypatch.setattr(paths, "_CHUNK_EDGES", chunk)
        for env in ("numpy", "stdlib"):
            monkeypatch.setenv(paths.PATH_ENV, env)
            seen.append(_outcome(cert, model))
    monkeypatch.delenv(paths.PATH_ENV)
    assert all(s == seen[0] for s in seen), seen
    return seen[0]


# --- feeds against the oracle -----------------------------------------------------------------------------------------

def _random_case(rnd: random.Random):
    m, H, A = rnd.randint(1, 4), rnd.randint(1, 9), rnd.choice([1, 1, 2, 3, 9])
    width = H * A
    total = m * width
    flat = sorted(rnd.sample(range(total), rnd.randint(0, min(total, 14))))
    kind = rnd.randrange(6)
    if kind == 0:
        live: set[int] = set()
    elif kind == 1:
        live = {rnd.randrange(H)}
    elif kind == 2:
        live = {H - 1}   # the top channel only
    elif kind == 3:   # exactly the channels read: no dead edge, no unfed channel
        live = {(p % width) // A for p in flat}
    elif kind == 4:   # the channels read plus some unread ones
        live = {(p % width) // A for p in flat} | set(rnd.sample(range(H), rnd.randint(0, H)))
    else:
        live = set(rnd.sample(range(H), rnd.randint(0, H)))
    return flat, width, A, live


@pytest.mark.parametrize("chunk", CHUNKS)
def test_feeds_agrees_with_the_oracle_on_random_layers(chunk, monkeypatch):
    rnd = random.Random(1000 + chunk)
    for _ in range(400):
        flat, width, A, live = _random_case(rnd)
        want = _oracle(flat, width, A, live)
        got = _feeds_both(flat, width, A, live, chunk, monkeypatch)
        assert got == [want] * 3, (flat, width, A, live, chunk)
        if want[0] is not None:
            assert type(want[0][0]) is int and all(type(x) is int for x in got[0][0])
        assert all(type(h) is int for h in got[0][1])


@pytest.mark.parametrize("chunk", CHUNKS)
def test_feeds_dead_edge_at_each_chunk_boundary(chunk, monkeypatch):
    """One dead edge placed at every index of the kept list in turn (first, last, either side of each boundary),
    in rows > 0, with A > 1 and live channels on both sides of the dead one."""
    H, A, m = 7, 3, 4
    width = H * A
    dead_h = 3
    live = set(range(H)) - {dead_h}
    base = [r * width + h * A + q for r in range(m) for h in sorted(live) for q in (0, A - 1) if (r + h + q) % 3]
    for at in range(len(base) + 1):
        flat = sorted(base[:at] + base[at:])
        # replace the edge at index `at` by the dead channel's, keeping the list increasing
        if at < len(base):
            r = base[at] // width
            flat = sorted(set(base) | {r * width + dead_h * A + 1})
        want = _oracle(flat, width, A, live)
        assert _feeds_both(flat, width, A, live, chunk, monkeypatch) == [want] * 3


@pytest.mark.parametrize("chunk", CHUNKS)
def test_feeds_unfed_sets_across_chunks(chunk, monkeypatch):
    """Channels read only in the first, only in the last or in no chunk; live channels at the top of the range and
    below every read channel; the whole live set unread (no edges at all)."""
    H, A = 12, 2
    width = H * A
    flat = [0 * width + 2 * A, 1 * width + 2 * A + 1, 2 * width + 5 * A, 3 * width + 11 * A + 1]
    for live in ({2, 5, 11}, {0, 2, 5, 11}, {2, 5, 10, 11}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 5, 11, 7}):
        want = _oracle(flat, width, A, live)
        assert want[0] is None
        assert _feeds_both(flat, width, A, live, chunk, monkeypatch) == [want] * 3
    for live in (set(), {0}, {11}, {0, 11}):
        assert _feeds_both([], width, A, live, chunk, monkeypatch) == [(None, set(live))] * 3
    for live in (set(), {0}, {11}, {3, 4}):   # edges but a dead channel read first
        want = _oracle(flat, width, A, live)
        assert want[0] is not None
        assert _feeds_both(flat, width, A, live, chunk, monkeypatch) == [want] * 3


def test_feeds_top_of_the_range_and_above(monkeypatch):
    """A channel index past every live one (searchsorted returns lv.size, clamped to the last slot) and one equal to
    the last live one; a single live channel equal to the only channel read, at every A."""
    for A in (1, 2, 5):
        H = 6
        width = H * A
        for chunk in CHUNKS:
            assert _feeds_both([width - 1], width, A, {H - 2}, chunk, monkeypatch) == [((0, width - 1), set())] * 3
            assert _feeds_both([width - 1], width, A, {H - 1}, chunk, monkeypatch) == [(None, set())] * 3
            assert _feeds_both([3 * width + 0], width, A, {0}, chunk, monkeypatch) == [(None, set())] * 3
            assert _feeds_both([3 * width], width, A, {1}, chunk, monkeypatch) == [((3, 0), set())] * 3


def test_feeds_large_layer_agrees_and_chunks(monkeypatch):
    """A layer of 200 000 kept edges with default and small chunks; a dead edge at the very end."""
    rnd = np.random.default_rng(5)
    H, A, m = 5000, 2, 60
    width = H * A
    flat = np.unique(rnd.integers(0, m * width, 200_000)).astype(np.int64)
    read = set(((flat % width) // A).tolist())
    unread = set(range(H)) - read
    monkeypatch.setenv(paths.PATH_ENV, "numpy")
    for chunk in (1 << 21, 4096, 4097):
        monkeypatch.setattr(paths, "_CHUNK_EDGES", chunk)
        kept = paths.Kept({}, frozenset(), frozenset(), flat, width, A)
        assert paths.feeds(kept, read | unread) == (None, unread)
        last_h = int(flat[-1] % width) // A
        assert paths.feeds(kept, read - {last_h}) == (
            divmod(int(flat[np.flatnonzero((flat % width) // A == last_h)[0]]), width), set())
    monkeypatch.setenv(paths.PATH_ENV, "stdlib")
    assert paths.feeds(paths.Kept({}, frozenset(), frozenset(), flat.tolist(), width, A), read | unread) == (
        None, unread)


# --- the checker: fact 4 on both paths ------------------------------------------------------------------------------

def _linear(odd, even, odd_bias=None, k=1, c=2, seed=7):
    """One Linear layer 2 → 2 with k·n + c hidden channels (H = 4 at k = 1, c = 2)."""
    return _build([[[0.5, -0.25], [0.125, 1.0]]], k, c, seed, [odd], [even],
                  odd_bias=None if odd_bias is None else [odd_bias])


def _good_const(seed=7, layer=1, H=4):
    from verify.kernel import rng
    return [h for h in range(H) if rng.bias_int(seed, layer, h) > 0]


def test_checker_dead_edge_in_a_later_row(monkeypatch):
    """Gadget channels 0 and 1 live, channel 3 dead: the dead edge sits in row 1 after live ones."""
    H = 4
    cert, model = _linear([0 * 2 + 0, 1 * 2 + 1], [0 * H + 0, 0 * H + 1, 1 * H + 0, 1 * H + 3])
    out = _all_paths(cert, model, monkeypatch, chunks=(1, 2, 3, 1 << 21))
    assert out[:2] == ("Invalid", 4)
    assert "kept edge (1, 3) from a hidden neuron" in out[2]


def test_checker_no_live_channel(monkeypatch):
    cert, model = _linear([], [1 * 4 + 2])
    out = _all_paths(cert, model, monkeypatch)
    assert out[:2] == ("Invalid", 4) and "kept edge (1, 2)" in out[2]


def test_checker_unfed_channels(monkeypatch):
    """Channels 0, 1 gadgets and 3 a gadget as well; only channel 0 read: the smallest unfed channel is 1."""
    cert, model = _linear([0, 3, 6], [0, 4])
    out = _all_paths(cert, model, monkeypatch, chunks=(1, 2, 3, 1 << 21))
    assert out[:2] == ("Invalid", 4)
    assert "hidden neuron 1 keeps an input edge or bias but no output edge" in out[2]


def test_checker_unfed_constant_at_the_top(monkeypatch):
    """A positive-bias constant channel at the top of the range that no edge reads."""
    const = [h for h in _good_const() if h >= 2]
    if not const:
        pytest.skip("no positive-bias constant among channels 2, 3 for seed 7")
    top = const[-1]
    cert, model = _linear([0, 3], [0, 4 + 1], odd_bias=[top])
    out = _all_paths(cert, model, monkeypatch, chunks=(1, 2, 1 << 21))
    assert out[:2] == ("Invalid", 4)
    assert f"hidden neuron {top} keeps an input edge or bias but no output edge" in out[2]


def test_checker_dead_edge_beats_unfed(monkeypatch):
    """Both faults at once: the dead edge is reported (as before the change), on both paths and every chunk."""
    cert, model = _linear([0, 3, 4], [1 * 4 + 3])   # channels 0, 1, 2 live and unread; channel 3 dead and read
    out = _all_paths(cert, model, monkeypatch, chunks=(1, 2, 3, 1 << 21))
    assert out[:2] == ("Invalid", 4) and "kept edge (1, 3)" in out[2]


def _cnn_layer_live(cert: dict, t: int) -> tuple[set[int], int, int, list[int]]:
    """tiny-cnn target layer t: its live channels (from the odd masks, read independently), H, A, even-layer bits."""
    odd, even = cert["mask"][2 * t], cert["mask"][2 * t + 1]
    H, n = odd["shape"]
    src = {p // n for p in mask_bits(odd["data"], H, n)}
    const = set(mask_bits(odd["bias_data"], H, 1))
    m, width = even["shape"]
    return src | const, H, width // H, mask_bits(even["data"], m, width)


@pytest.mark.parametrize("t", [0, 1, 2])
def test_checker_cnn_dead_edge_with_kernel_positions(t, monkeypatch):
    """tiny-cnn (A = 9 at the first two layers): an extra kept edge at the last kernel position of a dead channel in
    the last row; both paths name it, at chunk sizes 1, 2 and the default."""
    cert, model = _example("tiny-cnn")
    live, H, A, bits = _cnn_layer_live(cert, t)
    dead = sorted(set(range(H)) - live)
    assert dead
    even = cert["mask"][2 * t + 1]
    m, width = even["shape"]
    h = dead[-1]
    pos = (m - 1) * width + h * A + (A - 1)
    even["data"], even["kept"] = _encode(m * width, sorted(set(bits) | {pos})), len(set(bits) | {pos})
    out = _all_paths(cert, model, monkeypatch)
    assert out[:2] == ("Invalid", 4), out
    assert f"kept edge ({m - 1}, {h * A + A - 1}) from a hidden neuron" in out[2]


@pytest.mark.parametrize("t", [0, 1, 2])
def test_checker_cnn_unfed_channel(t, monkeypatch):
    """tiny-cnn: every kept edge of the largest live channel dropped (all rows, all kernel positions)."""
    cert, model = _example("tiny-cnn")
    live, H, A, bits = _cnn_layer_live(cert, t)
    even = cert["mask"][2 * t + 1]
    m, width = even["shape"]
    h = max(live)
    left = [p for p in bits if (p % width) // A != h]
    even["data"], even["kept"] = _encode(m * width, left), len(left)
    out = _all_paths(cert, model, monkeypatch)
    assert out[:2] == ("Invalid", 4), out
    assert f"hidden neuron {h} keeps an input edge or bias but no output edge" in out[2]


# --- fact 8's sums ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["tiny", "tiny-bias", "tiny-cnn"])
def test_fact_8_sees_each_layers_own_sums(name, monkeypatch):
    """With a float32 block (telescope present for tiny and tiny-bias), floatbound sees, per layer and in order,
    exactly paths.sums' integers less pos and neg, on both paths and at chunk sizes 1 and the default."""
    cert, model = _example(name)
    seen = []
    real_sums, real_check = paths.sums, floatbound.check_float32
    for chunk in (1, 1 << 21):
        for env in ("numpy", "stdlib"):
            monkeypatch.setattr(paths, "_CHUNK_EDGES", chunk)
            monkeypatch.setenv(paths.PATH_ENV, env)
            made, given = [], []
            monkeypatch.setattr(paths, "sums", lambda *a, made=made: made.append(real_sums(*a)) or made[-1])
            monkeypatch.setattr(floatbound, "check_float32", lambda block, net, given=given: given.append(net.sums)
                                or real_check(block, net))
            ok = check.check_certificate(copy.deepcopy(cert), model)
            assert len(given) == 1 and len(given[0]) == len(made) == ok.layers
            for s, full in zip(given[0], made, strict=True):
                assert s.pos is None and s.neg is None
                assert s == dataclasses.replace(full, pos=None, neg=None)
            seen.append((ok.bound, ok.float32, given[0]))
    monkeypatch.delenv(paths.PATH_ENV)
    assert all(x == seen[0] for x in seen)


@pytest.mark.parametrize("name", ["tiny", "tiny-bias", "tiny-cnn"])
def test_no_float32_block_keeps_no_sums(name, monkeypatch):
    """Without a float32 block (telescope kept where there is one) the checker keeps no sums and fact 8 does not
    run; the outcome is the same on both paths."""
    cert, model = _example(name)
    cert["claim"].pop("float32")
    calls = []
    monkeypatch.setattr(floatbound, "check_float32", lambda *a: calls.append(a))
    out = _all_paths(cert, model, monkeypatch, chunks=(1 << 21,))
    assert not calls
    assert (out[0] == "ok" and out[2] is None) or out[:2] == ("Invalid", 7), out
