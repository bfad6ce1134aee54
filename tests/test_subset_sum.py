"""Tests for verify.engine.subset_sum: exact optimum, tie rule, invalid candidates, chunking, devices."""

from __future__ import annotations

import doctest
import itertools
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from verify.engine import subset_sum
from verify.engine.subset_sum import EXACT_INT64_CANDIDATES as MAX_CANDIDATES
from verify.engine.subset_sum import (
    PRODUCT_BITS,
    best_subsets,
    brute_force_subsets,
    chosen_sums,
    instance_bytes,
)

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def grid_products(rng: np.random.Generator, shape: tuple[int, int]) -> torch.Tensor:
    """Products of two of G's weights (odd multiples of 2^-24), in units of 2^-48."""
    u = 2 * rng.integers(0, 1 << 24, size=shape, dtype=np.int64) + 1 - (1 << 24)
    v = 2 * rng.integers(0, 1 << 24, size=shape, dtype=np.int64) + 1 - (1 << 24)
    return torch.from_numpy(u * v)


def tricky_targets(rng: np.random.Generator, n: int, scale: float) -> torch.Tensor:
    """Targets mixing plain uniforms, exact half-units (ties), bits below 2^-48, 0 and huge values."""
    kind = rng.integers(0, 6, size=n)
    base = rng.integers(-64, 65, size=n).astype(np.float64)
    w = np.where(kind == 0, rng.uniform(-scale, scale, size=n), base * 2.0 ** -49)  # half units: ties
    w = np.where(kind == 2, base * 2.0 ** -48 + 2.0 ** -75, w)  # a bit far below the product grid
    w = np.where(kind == 3, -(base * 2.0 ** -48) - 2.0 ** -60, w)
    w = np.where(kind == 4, np.sign(base + 0.5) * 3e15, w)  # T = w·2^48 beyond the 2^56 clamp
    w = np.where(kind == 5, 0.0, w)
    return torch.from_numpy(w)


def instances(seed: int, bsz: int, s: int, scale: float,
              valid_frac: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(products, targets, valid mask) of ``bsz`` random instances with ``s`` candidates each."""
    rng = np.random.default_rng(seed)
    p = grid_products(rng, (bsz, s))
    w = tricky_targets(rng, bsz, scale=scale)
    return p, w, torch.from_numpy(rng.random((bsz, s)) < valid_frac)


def exact_errors(p: torch.Tensor, w: torch.Tensor, chosen: torch.Tensor) -> list[Fraction]:
    sums = chosen_sums(p, chosen).tolist()
    return [abs(Fraction(sums[i], 1 << PRODUCT_BITS) - Fraction(float(w[i]))) for i in range(len(sums))]


def as_masks(chosen: torch.Tensor) -> list[int]:
    return [sum(1 << t for t, c in enumerate(row) if c) for row in chosen.tolist()]


@settings(max_examples=120, deadline=None)
@given(seed=SEEDS, s=st.integers(min_value=1, max_value=12), valid_frac=st.sampled_from([1.0, 0.8, 0.4]))
def test_matches_brute_force_on_grid_products(seed: int, s: int, valid_frac: float) -> None:
    rng = np.random.default_rng(seed)
    bsz = 12
    p = grid_products(rng, (bsz, s))
    w = torch.from_numpy(rng.uniform(-1.0, 1.0, size=bsz))
    valid = None if valid_frac == 1.0 else torch.from_numpy(rng.random((bsz, s)) < valid_frac)
    fast = best_subsets(p, w, valid)
    slow = brute_force_subsets(p, w, valid)
    assert exact_errors(p, w, fast) == exact_errors(p, w, slow)
    assert torch.equal(fast, slow)


@settings(max_examples=150, deadline=None)
@given(seed=SEEDS, s=st.integers(min_value=1, max_value=11))
def test_matches_brute_force_with_many_ties(seed: int, s: int) -> None:
    """Small integer products (many equal subset sums) and targets on or between half units."""
    rng = np.random.default_rng(seed)
    bsz = 24
    p = torch.from_numpy(rng.integers(-4, 5, size=(bsz, s), dtype=np.int64))
    w = tricky_targets(rng, bsz, scale=8 * 2.0 ** -48)
    valid = torch.from_numpy(rng.random((bsz, s)) < 0.75)
    fast = best_subsets(p, w, valid)
    slow = brute_force_subsets(p, w, valid)
    assert as_masks(fast) == as_masks(slow)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS, s=st.integers(min_value=13, max_value=16))
def test_optimum_against_numpy_enumeration(seed: int, s: int) -> None:
    """Independent exact check beyond the Python brute force: every subset sum in numpy int64, targets on
    the half-unit grid (so 2·|S − T| is an exact integer), lexicographic (error, mask) minimum."""
    rng = np.random.default_rng(seed)
    bsz = 4
    p = grid_products(rng, (bsz, s))
    halves = rng.integers(-(1 << 49), 1 << 49, size=bsz)
    w = torch.from_numpy(halves.astype(np.float64) * 2.0 ** -49)
    masks = np.arange(1 << s, dtype=np.int64)
    bits = (masks[:, None] >> np.arange(s)) & 1
    for i in range(bsz):
        sums = bits @ p[i].numpy()
        err2 = np.abs(2 * sums - int(halves[i]))  # 2·|S − T|, exact
        best = int(masks[err2 == err2.min()].min())
        assert as_masks(best_subsets(p[i:i + 1], w[i:i + 1])) == [best]


@settings(max_examples=80, deadline=None)
@given(seed=SEEDS, s=st.integers(min_value=1, max_value=20))
def test_invalid_candidates_never_chosen(seed: int, s: int) -> None:
    rng = np.random.default_rng(seed)
    bsz = 16
    p = grid_products(rng, (bsz, s))
    w = tricky_targets(rng, bsz, scale=2.0)
    valid = torch.from_numpy(rng.random((bsz, s)) < rng.uniform(0.0, 1.0))
    valid[0] = False  # an instance with no valid candidate at all: the empty subset
    chosen = best_subsets(p, w, valid)
    assert not bool((chosen & ~valid).any())
    assert not bool(chosen[0].any())
    # Restricting to the valid columns is the same problem: same optimum error.
    for i in range(1, bsz):
        cols = valid[i].nonzero().flatten()
        sub = best_subsets(p[i:i + 1, cols], w[i:i + 1])
        sub_err = exact_errors(p[i:i + 1, cols], w[i:i + 1], sub)
        assert exact_errors(p[i:i + 1], w[i:i + 1], chosen[i:i + 1]) == sub_err


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS, s=st.integers(min_value=1, max_value=18))
def test_chunking_gives_identical_results(seed: int, s: int) -> None:
    p, w, valid = instances(seed, bsz=37, s=s, scale=1.0, valid_frac=0.9)
    whole = best_subsets(p, w, valid)
    one_at_a_time = best_subsets(p, w, valid, memory_bytes=instance_bytes(s))
    three_at_a_time = best_subsets(p, w, valid, memory_bytes=3 * instance_bytes(s) + 1)
    assert torch.equal(whole, one_at_a_time)
    assert torch.equal(whole, three_at_a_time)


def test_larger_s_beats_every_single_flip() -> None:
    """At s = 24 (no brute force): the optimum cannot be improved by flipping any one candidate."""
    rng = np.random.default_rng(7)
    p = grid_products(rng, (6, 24))
    w = torch.from_numpy(rng.uniform(-1.0, 1.0, size=6))
    chosen = best_subsets(p, w)
    base = exact_errors(p, w, chosen)
    for t in range(24):
        flipped = chosen.clone()
        flipped[:, t] = ~flipped[:, t]
        assert all(b <= f for b, f in zip(base, exact_errors(p, w, flipped), strict=True))
    assert max(base) < Fraction(1, 1 << 12)  # 2^24 subset sums of U[-1,1]^2 products: far below 2^-12


def test_edge_shapes_and_clamp() -> None:
    empty = best_subsets(torch.zeros((3, 0), dtype=torch.int64), torch.zeros(3, dtype=torch.float64))
    assert empty.shape == (3, 0)
    assert best_subsets(torch.zeros((0, 5), dtype=torch.int64), torch.zeros(0, dtype=torch.float64)).shape == (0, 5)
    p = torch.tensor([[5, -3, 7, 1]], dtype=torch.int64)
    # Far targets: take every candidate of the right sign (largest / smallest sum), smallest mask on ties.
    assert as_masks(best_subsets(p, torch.tensor([1e300], dtype=torch.float64))) == [0b1101]
    assert as_masks(best_subsets(p, torch.tensor([-float("inf")], dtype=torch.float64))) == [0b0010]
    # an empty batch, or instances without candidates, need no working memory at all
    none = best_subsets(torch.zeros((0, 30), dtype=torch.int64), torch.zeros(0, dtype=torch.float64), memory_bytes=1)
    assert none.shape == (0, 30)
    assert best_subsets(torch.zeros((3, 0), dtype=torch.int64), torch.ones(3, dtype=torch.float64),
                        memory_bytes=1).shape == (3, 0)


def _independent_optimum(products: list[int], w: float) -> int:
    """Smallest bitmask among the subsets closest to w: every subset enumerated with itertools, errors compared
    as exact rationals (independent of the module's own brute force and of its integer key)."""
    target = Fraction(w) * (1 << PRODUCT_BITS)
    best: tuple[Fraction, int] | None = None
    for r in range(len(products) + 1):
        for combo in itertools.combinations(range(len(products)), r):
            cand = (abs(sum(products[t] for t in combo) - target), sum(1 << t for t in combo))
            best = cand if best is None or cand < best else best
    assert best is not None
    return best[1]


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS, s=st.integers(min_value=6, max_value=11), sign=st.sampled_from([1.0, -1.0]))
def test_targets_of_magnitude_4_5_to_8(seed: int, s: int, sign: float) -> None:
    """Targets far beyond one product but within the sums (|w| in [4.5, 8], products near ±1): the clamp of
    T = w·2^48 must not touch them (a clamp below 2^51 returns non-optimal subsets here)."""
    rng = np.random.default_rng(seed)
    big = (1 << 24) - 1 - 2 * rng.integers(0, 1 << 20, size=(4, s))           # odd, |u|, |v| ≥ 1 − 2^-3
    signs = rng.choice([-1, 1], size=(4, s))
    p = torch.from_numpy(signs * big * ((1 << 24) - 1 - 2 * rng.integers(0, 1 << 20, size=(4, s))))
    w = torch.from_numpy(sign * rng.uniform(4.5, 8.0, size=4))
    got = as_masks(best_subsets(p, w))
    assert got == [_independent_optimum(p[i].tolist(), float(w[i])) for i in range(4)]


@pytest.mark.parametrize("w, sign", [(32.3, 1), (33.7, 1), (35.2, 1), (36.6, 1), (-34.4, -1), (33.1, -1)])
def test_equal_products_near_the_largest_sums(w: float, sign: int) -> None:
    """36 equal products P = (1 − 2^-24)²: the subset sums are j·P, so the optimum is the j nearest to w/P in
    [0, 36] and, by the tie rule, the lowest j bits.  |T| here reaches 2^53.2, close to the largest |S|: the
    clamp (any value ≥ max |S| is exact) must stay above it."""
    s = 36
    unit = ((1 << 24) - 1) ** 2
    p = torch.full((1, s), sign * unit, dtype=torch.int64)
    ratio = Fraction(w) * (1 << PRODUCT_BITS) / (sign * unit)
    j = min(max(round(ratio), 0), s)
    assert abs(ratio - j) != Fraction(1, 2)
    assert as_masks(best_subsets(p, torch.tensor([w], dtype=torch.float64))) == [(1 << j) - 1]


def test_forty_candidates_are_accepted_and_forty_one_refused() -> None:
    """The documented limit (s ≤ 40, where 40·2^48 < 2^54 keeps every int64 intermediate exact)."""
    p = torch.full((1, 40), 3, dtype=torch.int64)
    chosen = best_subsets(p, torch.tensor([7.5 * 2.0**-48], dtype=torch.float64))   # 2 or 3 of the 3s: tie → 2
    assert as_masks(chosen) == [0b11]
    with pytest.raises(ValueError, match="at most 40 candidates per instance, got 41"):
        best_subsets(torch.full((1, 41), 3, dtype=torch.int64), torch.zeros(1, dtype=torch.float64))


def test_instance_bytes_matches_the_documented_table() -> None:
    """The memory row of benchmarks/subset_sum.md (``instance_bytes``, for s = 8 … 24) is what the function
    returns."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "benchmarks" / "subset_sum.md").read_text(encoding="utf-8")
    sizes = [int(v) for v in re.search(r"^\s+s((?:\s+\d+)+)\s*$", doc, flags=re.M).group(1).split()]
    row = re.search(r"^\s+memory\s+(.*?)\s+\(``instance_bytes``", doc, flags=re.M).group(1)
    figures = re.findall(r"([\d.]+) (KB|MB)", row)
    assert len(figures) == len(sizes) == 5
    for s, (value, unit) in zip(sizes, figures, strict=True):
        got = instance_bytes(s) / (1000 if unit == "KB" else 1e6)
        assert float(f"{got:.{len(value.replace('.', '').lstrip('0'))}g}") == float(value), (s, got, value)


def test_rejects_bad_input() -> None:
    p = torch.ones((2, 3), dtype=torch.int64)
    w = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(ValueError, match="products_int must be an int64 tensor"):
        best_subsets(p.to(torch.int32), w)
    with pytest.raises(ValueError, match="products_int must be an int64 tensor"):
        best_subsets(p[0], w)
    with pytest.raises(ValueError, match="targets must be a float64 tensor of shape"):
        best_subsets(p, w.to(torch.float32))
    with pytest.raises(ValueError, match="targets must be a float64 tensor of shape"):
        best_subsets(p, w[:1])
    with pytest.raises(ValueError, match="targets contain NaN"):
        best_subsets(p, torch.tensor([0.0, float("nan")], dtype=torch.float64))
    with pytest.raises(ValueError, match=r"\|p\| < 2\^48"):
        best_subsets(p * (1 << PRODUCT_BITS), w)
    with pytest.raises(ValueError, match=r"\|p\| < 2\^48"):
        best_subsets(-p * (1 << PRODUCT_BITS), w)
    assert best_subsets(p * ((1 << PRODUCT_BITS) - 1), w).shape == (2, 3)   # the largest allowed |p|
    with pytest.raises(ValueError, match=f"at most {MAX_CANDIDATES} candidates per instance, got {MAX_CANDIDATES + 1}"):
        best_subsets(torch.ones((1, MAX_CANDIDATES + 1), dtype=torch.int64), w[:1])
    with pytest.raises(ValueError, match=r"memory_bytes=\d+ is below one instance's need"):
        best_subsets(p, w, memory_bytes=instance_bytes(3) - 1)
    with pytest.raises(ValueError, match="valid must be a bool tensor of the same shape"):
        best_subsets(p, w, torch.ones((2, 2), dtype=torch.bool))
    with pytest.raises(ValueError, match="valid must be a bool tensor of the same shape"):
        best_subsets(p, w, torch.ones((2, 3), dtype=torch.int64))


def test_doctests() -> None:
    res = doctest.testmod(subset_sum)
    assert res.attempted > 0 and res.failed == 0


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@settings(max_examples=10, deadline=None)
@given(seed=SEEDS, s=st.integers(min_value=1, max_value=26))
def test_cuda_matches_cpu(seed: int, s: int) -> None:
    p, w, valid = instances(seed, bsz=300, s=s, scale=1.5, valid_frac=0.85)
    cpu = best_subsets(p, w, valid)
    gpu = best_subsets(p.cuda(), w.cuda(), valid.cuda())
    assert gpu.is_cuda
    assert torch.equal(cpu, gpu.cpu())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_peak_memory_within_estimate() -> None:
    rng = np.random.default_rng(3)
    for s in (12, 20, 24):
        bsz = 64
        p = grid_products(rng, (bsz, s)).cuda()
        w = torch.from_numpy(rng.uniform(-1, 1, size=bsz)).cuda()
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        best_subsets(p, w, memory_bytes=bsz * instance_bytes(s))
        torch.cuda.synchronize()
        assert torch.cuda.max_memory_allocated() - before <= bsz * instance_bytes(s)


@settings(max_examples=80, deadline=None)
@given(seed=SEEDS, s=st.integers(min_value=2, max_value=25), extreme=st.booleans(), numpy_sort=st.booleans())
@example(seed=0, s=22, extreme=True, numpy_sort=True)    # b = 11: the largest packed |R|
@example(seed=0, s=24, extreme=True, numpy_sort=True)    # b = 12: would overflow if packed
@example(seed=1, s=25, extreme=True, numpy_sort=False)
def test_packed_sort_gives_the_stable_sorts_subsets(seed: int, s: int, extreme: bool, numpy_sort: bool) -> None:
    """``_sorted_sums`` packs R·2^b + mask for b ≤ 11 and sorts with numpy on the CPU (``NUMPY_SORT``) or with
    torch.sort (what CUDA runs); the stable sort with its permutation (the path for b > 11) is the reference.  Small
    products give many equal sums (the tie rule), extreme ones the largest |R| the packing must hold (11 products of
    (2^24 − 1)², one sign; at s = 24, 25 the 12 of the high half would overflow if packed)."""
    rng = np.random.default_rng(seed)
    bsz = 24
    if extreme:
        p = torch.full((bsz, s), ((1 << 24) - 1) ** 2, dtype=torch.int64) * int(rng.choice([-1, 1]))
        p[:, : s // 3] -= 2 * torch.from_numpy(rng.integers(0, 3, size=(bsz, s // 3)))
    else:
        p = torch.from_numpy(rng.integers(-4, 5, size=(bsz, s), dtype=np.int64))
    w = tricky_targets(rng, bsz, scale=float(s) if extreme else 8 * 2.0 ** -48)
    valid = torch.from_numpy(rng.random((bsz, s)) < 0.8)
    stable, numpy_default = subset_sum._PACKED_BITS, subset_sum.NUMPY_SORT
    try:
        subset_sum.NUMPY_SORT = numpy_sort
        packed = best_subsets(p, w, valid)
        subset_sum._PACKED_BITS = -1
        reference = best_subsets(p, w, valid)
    finally:
        subset_sum._PACKED_BITS, subset_sum.NUMPY_SORT = stable, numpy_default
    assert as_masks(packed) == as_masks(reference)
    assert exact_errors(p, w, packed) == exact_errors(p, w, reference)
