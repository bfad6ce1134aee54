"""Exact batched subset-sum choice for the subset-sum gadget (docs/gadgets.md §6.2; Pensia et al. 2020).  [untrusted]

For each of B independent instances (one target weight w each) the candidates are the products
p_t = v_t·u_t of one side of the weight's block.  We return the subset S minimising

    |Σ_{t∈S} p_t − w|                                                                           (1)

exactly, ties broken by the smallest bitmask Σ_{t∈S} 2^t.  Pensia et al. solved each of these with a
MIP solver; here it is meet-in-the-middle (Horowitz & Sahni 1974): split the s candidates into a low
half of a = ⌈s/2⌉ and a high half of b = ⌊s/2⌋, enumerate the 2^a and 2^b subset sums, sort the high
half, and for every low sum find the best partner with ``torch.searchsorted`` — all batched over B in
torch on the device of the inputs, chunked over B to stay under a memory budget.

Exact arithmetic.  G's weights are odd multiples of 2^-24 in (−1, 1) (``verify.kernel.rng``), so a product
is an integer in units of 2^-48 with |p| < 2^48, and every subset sum of s ≤ 40 terms is an exact
int64 (|S| < 2^54).  The target is a float64, an exact dyadic.  Let T = w·2^48 (exact: scaling by a
power of two), clamped to [−2^56, 2^56] (if |T| > 2^56 > 2^54 > |S| every S lies on one side of T, and the
order of |S − T| over S — ties included — is that of ∓S either way).  Split T = A + f with A = trunc(T), an
integer, and f = T − A ∈ (−1, 1), computed exactly: f is the fractional part of T's own binary
expansion, so it is representable and the float subtraction returns it unrounded.  If f < 0 negate
every product, A and f: masks keep their errors.  Now f ∈ [0, 1) and with the integer D = S − A

    |S − T| = |D − f| = k + φ,   (k, φ) = (−D, f) if D ≤ 0,   (D − 1, 1 − f) if D ≥ 1   (f > 0)

with φ ∈ (0, 1).  So the integer key 2k + c, with c = 1 exactly when φ is the larger of {f, 1 − f}
(decided by the exact comparison of 2f with 1; equal halves give c = 0 on both sides), is strictly
monotone in the error and equal exactly when the errors are equal; for f = 0 the key is 2|D|.  No
floating-point rounding enters any comparison, so the returned subset is the exact optimum of (1).

Search.  With q = A − L for a low-half sum L, the error of a high-half sum R is |R − (q + f)|.  The
best R is the largest R < q' or the smallest R ≥ q', where q' = q + 1 if f > 0 else q (both bracket
q + f because R is an integer); ``searchsorted(Rsorted, q')`` gives both.  The high sums are sorted by
(R, high-half mask) (``_sorted_sums``), so the first of each run of equal R has the smallest mask.  Each
partner lies on a known side, which fixes its key without a case split: the upper one has D ≥ 1 if f > 0
(key 2D − 2 + c) and D ≥ 0 if f = 0 (key 2D); the lower one D ≤ 0 if f > 0 (key −2D + c) and D ≤ −1 if
f = 0 (key −2D).  The sorted sums are bracketed by the sentinels ∓2^60: every |q'| ≤ 2^56 + 2^54 + 1, so
both partners always exist, and a sentinel's key (> 2^60) exceeds every real key (< 2^58) while staying
below 2^62, so it never wins and nothing overflows.  Per low mask the better of the two partners (key,
then mask) is kept, then the minimum over low masks of (key, mask), mask = low + high·2^a, which is the
lexicographic minimum over all 2^s subsets.

Invalid candidates (``valid`` False) are replaced by 0: a subset that contains one has the same sum
as the subset without it and a larger mask, so the tie rule never chooses it.

Cost per instance: time O(2^a·b), memory O(2^a) (``instance_bytes`` estimates it); measured figures per size,
and the thread and chunk-size choices they led to, are in benchmarks/subset_sum.md.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import torch

__all__ = ["EXACT_INT64_CANDIDATES", "PRODUCT_BITS", "best_subsets", "brute_force_subsets", "instance_bytes",
           "chosen_sums"]

PRODUCT_BITS = 48  # products are integers in units of 2^-48
# the most candidates one instance may have: |S| < 40·2^48 < 2^54 keeps every int64 below 2^62 (module docstring).
# Not the option --max-candidates (verify/options.py: CANDIDATES_RANGE), which must stay within it.
EXACT_INT64_CANDIDATES = 40
_CLAMP = float(1 << 56)   # above every |S| (< 40·2^48 < 2^54): see the module docstring
_SENTINEL = 1 << 60        # the sorted high sums are bracketed by ∓2^60 (module docstring, "Search")
NUMPY_SORT = True          # the CPU sorts packed sums with numpy (False: torch.sort, what CUDA runs)
_PACKED_BITS = 11          # high halves of at most 11 candidates sort as R·2^b + mask: |R| < 11·2^48, so < 2^63
_BIG = torch.iinfo(torch.int64).max
_CPU_CHUNK_BYTES = 16 << 20  # cache-sized chunks were 10-40% faster on CPU than 256 MiB ones


def instance_bytes(s: int) -> int:
    """Upper estimate of the peak working memory of one instance with s candidates (bytes).

    Live at the peak: about 16 int64 arrays of length 2^a (low sums, queries, indices, partner sums,
    keys, masks and their temporaries) and 8 of length 2^b (high sums, sort values and permutation,
    run starts); a = ⌈s/2⌉, b = ⌊s/2⌋.  ``tests/test_subset_sum.py`` checks the estimate on CUDA.
    """
    a, b = (s + 1) // 2, s // 2
    return 8 * (16 * (1 << a) + 8 * (1 << b)) + 64 * s


def _subset_sums(p: torch.Tensor) -> torch.Tensor:
    """All 2^c subset sums of p (B, c), index = bitmask (bit t ↔ column t); int64 (B, 2^c)."""
    sums = torch.zeros((p.shape[0], 1), dtype=torch.int64, device=p.device)
    for t in range(p.shape[1]):
        sums = torch.cat((sums, sums + p[:, t:t + 1]), dim=1)
    return sums


def _sorted_sums(sums: torch.Tensor, b: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The high half's subset sums (B, 2^b), index = bitmask, sorted: (values ascending, their bitmasks), equal values
    by ascending bitmask.  For b ≤ ``_PACKED_BITS`` each sum is packed with its bitmask as x·2^b + mask (distinct
    values, so any sort orders them alike; numpy's sort of values on the CPU, 2–17x faster than torch's stable sort,
    benchmarks/subset_sum.md); else a stable sort, whose permutation is the bitmask."""
    if b > _PACKED_BITS:
        return torch.sort(sums, dim=1, stable=True)
    packed = (sums << b) + torch.arange(1 << b, device=sums.device)
    if packed.device.type == "cpu" and NUMPY_SORT:
        packed = torch.from_numpy(np.sort(packed.numpy(), axis=1))
    else:
        packed = torch.sort(packed, dim=1).values
    return packed >> b, packed & ((1 << b) - 1)


def _solve_chunk(p: torch.Tensor, t_units: torch.Tensor) -> torch.Tensor:
    """Best mask (int64, (B,)) for products p (B, s) int64 and clamped targets T = w·2^48 (B,) float64."""
    s = p.shape[1]
    a, b = (s + 1) // 2, s // 2
    whole = torch.trunc(t_units)
    f = t_units - whole  # exact (module docstring)
    neg = f < 0
    p = torch.where(neg[:, None], -p, p)
    anchor = torch.where(neg, -whole, whole).to(torch.int64)[:, None]  # A
    f = f.abs()[:, None]
    nz = (f != 0).to(torch.int64)
    off_hi = nz * ((2 * f < 1).to(torch.int64) - 2)   # partner R ≥ q + nz: key 2D + off_hi
    off_lo = nz * (2 * f > 1).to(torch.int64)         # partner R < q + nz: key −2D + off_lo

    r_sorted, m_sorted = _sorted_sums(_subset_sums(p[:, a:]), b)
    bsz, nb = r_sorted.shape
    edge = torch.full((bsz, 1), _SENTINEL, dtype=torch.int64, device=p.device)
    r_sorted = torch.cat((-edge, r_sorted, edge), dim=1)
    none = torch.zeros_like(edge)
    m_sorted = torch.cat((none, m_sorted, none), dim=1)
    pos = torch.arange(nb + 2, device=p.device).expand_as(r_sorted)
    starts = torch.ones_like(r_sorted, dtype=torch.bool)
    starts[:, 1:] = r_sorted[:, 1:] != r_sorted[:, :-1]
    run_start = torch.cummax(torch.where(starts, pos, 0), dim=1).values
    del pos, starts

    q = anchor - _subset_sums(p[:, :a])  # D = R - q
    i_hi = torch.searchsorted(r_sorted, q + nz)   # in [1, nb + 1]: the sentinels bracket every query
    i_lo = run_start.gather(1, i_hi - 1)
    key_hi = 2 * (r_sorted.gather(1, i_hi) - q) + off_hi
    key_lo = off_lo - 2 * (r_sorted.gather(1, i_lo) - q)
    del q
    m_hi = m_sorted.gather(1, i_hi)
    m_lo = m_sorted.gather(1, i_lo)
    del i_hi, i_lo
    take_lo = (key_lo < key_hi) | ((key_lo == key_hi) & (m_lo < m_hi))
    key = torch.where(take_lo, key_lo, key_hi)
    del key_hi, key_lo
    mask = torch.where(take_lo, m_lo, m_hi) << a
    del m_hi, m_lo, take_lo
    mask += torch.arange(mask.shape[1], device=p.device)
    best_key = key.amin(dim=1, keepdim=True)
    return torch.where(key == best_key, mask, _BIG).amin(dim=1)


def _check(products_int: torch.Tensor, targets: torch.Tensor, valid: torch.Tensor | None):
    if products_int.dtype != torch.int64 or products_int.dim() != 2:
        raise ValueError("products_int must be an int64 tensor of shape (B, s)")
    bsz, s = products_int.shape
    if s > EXACT_INT64_CANDIDATES:
        raise ValueError(f"at most {EXACT_INT64_CANDIDATES} candidates per instance, got {s}")
    if bsz and s and int(products_int.abs().max()) >= (1 << PRODUCT_BITS):
        raise ValueError("products must be integers in units of 2^-48 with |p| < 2^48")
    targets = torch.as_tensor(targets)
    if targets.dtype != torch.float64 or targets.shape != (bsz,):
        raise ValueError("targets must be a float64 tensor of shape (B,)")
    if bool(torch.isnan(targets).any()):
        raise ValueError("targets contain NaN")
    targets = targets.to(products_int.device)
    if valid is not None:
        if valid.dtype != torch.bool or valid.shape != products_int.shape:
            raise ValueError("valid must be a bool tensor of the same shape as products_int")
        valid = valid.to(products_int.device)
    return targets, valid


def best_subsets(products_int: torch.Tensor, targets: torch.Tensor, valid: torch.Tensor | None = None,
                 *, memory_bytes: int = 256 << 20) -> torch.Tensor:
    """Exact minimiser of |Σ_{t∈S} p_t − w| per instance, by meet-in-the-middle (module docstring).

    products_int: int64 (B, s), products in units of 2^-48 (|p| < 2^48, s ≤ 40);
    targets: float64 (B,), the weights w (exact dyadics);  valid: bool (B, s) or None (all valid).
    Returns bool (B, s) on the input's device: the chosen subset, ties -> smallest bitmask.
    Works in chunks of instances so that the estimated peak (``instance_bytes``) stays below
    ``memory_bytes``; raises ValueError if one instance alone does not fit.

    >>> p = torch.tensor([[3, 5, -2]], dtype=torch.int64)
    >>> best_subsets(p, torch.tensor([6 * 2.0**-48], dtype=torch.float64)).tolist()
    [[True, True, True]]
    """
    targets, valid = _check(products_int, targets, valid)
    bsz, s = products_int.shape
    out = torch.zeros((bsz, s), dtype=torch.bool, device=products_int.device)
    if bsz == 0 or s == 0:
        return out
    per = instance_bytes(s)
    if per > memory_bytes:
        raise ValueError(f"memory_bytes={memory_bytes} is below one instance's need ({per} bytes, s={s})")
    budget = memory_bytes if products_int.is_cuda else min(memory_bytes, _CPU_CHUNK_BYTES)
    chunk = max(1, budget // per)
    p_all = products_int if valid is None else torch.where(valid, products_int, 0)
    t_all = (targets * float(1 << PRODUCT_BITS)).clamp(-_CLAMP, _CLAMP)
    bits = torch.arange(s, device=products_int.device)
    for lo in range(0, bsz, chunk):
        best = _solve_chunk(p_all[lo:lo + chunk], t_all[lo:lo + chunk])
        out[lo:lo + chunk] = ((best[:, None] >> bits) & 1).bool()
    return out


def brute_force_subsets(products_int: torch.Tensor, targets: torch.Tensor,
                        valid: torch.Tensor | None = None) -> torch.Tensor:
    """Reference for ``best_subsets``: enumerate every subset of the valid candidates with Python
    integers and exact rationals (w = num/den, den a power of two: error·den = |S·den − num·2^48|).
    Same tie rule (smallest bitmask).  Exponential: meant for s ≤ 14.
    """
    targets, valid = _check(products_int, targets, valid)
    bsz, s = products_int.shape
    prods = products_int.cpu().tolist()
    oks = [[True] * s] * bsz if valid is None else valid.cpu().tolist()
    out = torch.zeros((bsz, s), dtype=torch.bool)
    for i in range(bsz):
        w = Fraction(float(targets[i]))
        num, den = w.numerator << PRODUCT_BITS, w.denominator
        subsets = [(0, 0)]  # (sum, mask) of every subset of the valid candidates seen so far
        for t in range(s):
            if oks[i][t]:
                subsets += [(total + prods[i][t], mask | (1 << t)) for total, mask in subsets]
        _, best = min((abs(total * den - num), mask) for total, mask in subsets)
        for t in range(s):
            out[i, t] = bool((best >> t) & 1)
    return out.to(products_int.device)


def chosen_sums(products_int: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
    """Σ_{t∈S} p_t per instance, int64 in units of 2^-48 (exact)."""
    return torch.where(chosen, products_int, 0).sum(dim=1)
