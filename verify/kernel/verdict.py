"""What the checker accepted (``Domain``, ``Checked``) and its one line for it (``verdict_line``).  [trusted; stdlib]

Split from verify/kernel/check.py (which re-exports all four): the line must never say more than the facts proved —
VALID only when the bound the verdict names reaches eps, the domain in the certificate's own decimals, and the
float32 bound (docs/float32.md §7) only when fact 8 proved it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from verify.kernel import io

__all__ = ["Domain", "Checked", "domain_text", "verdict_line"]


@dataclass(frozen=True)
class Domain:
    """D as fact 1 read it: ``kind`` "ball" (``radius``) or "box" (``lo``, ``hi``); ``reach`` ≥ sup_D ‖x‖₂;
    ``text`` the certificate's own decimal strings (radius, or lo and hi), for the VALID line."""

    kind: str
    reach: Fraction
    radius: Fraction | None = None
    lo: tuple = ()
    hi: tuple = ()
    text: tuple = ()

    @property
    def non_negative(self) -> bool:
        """Every x in D has x ≥ 0 (then layer 1's inputs are ReLU-like: only E⁺ acts, docs/affine.md §4)."""
        return self.kind == "box" and all(v >= 0 for v in self.lo)


@dataclass(frozen=True)
class Checked:
    """An accepted certificate: the verified bound and ε, the domain, counts for the report line, and what was
    decoded (F's weights and biases, and per target layer the kept edges) for ``exact_networks``."""

    bound: Fraction
    eps: Fraction
    domain: Domain
    layers: int
    kept: int
    seed: int
    weights: list
    biases: list
    pruned: list
    geometry: list = ()   # conv.Geometry per target layer (docs/conv.md §1)
    float32: Fraction | None = None   # bound_float32 when the claim has a float32 block (fact 8), and its
    float32_covers: str = ""          # claim.float32.covers; the verdict compares bound_float32 with eps when
    float32_verdict: bool = False     # claim.float32.verdict_bound says so

    @property
    def claimed(self) -> Fraction:
        """The bound the verdict compares with eps: bound_float32 when the verdict names it, else bound."""
        return self.float32 if self.float32_verdict and self.float32 is not None else self.bound


def domain_text(d: Domain) -> str:
    """The domain in words, for the VALID line, in the certificate's own decimals (never rounded: a rounded radius
    or bound could name a larger domain than the one checked): "the l2 ball of radius R", "the box [LO, HI]^d", or,
    when the bounds differ per coordinate or are long, a pointer to claim.domain."""
    short = 24
    if d.kind == "ball":
        radius = d.text[0]
        return f"the l2 ball of radius {radius}" if len(radius) <= short else "the l2 ball of claim.domain.radius"
    lo, hi = d.text
    if len(set(lo)) == 1 and len(set(hi)) == 1 and len(lo[0]) <= short and len(hi[0]) <= short:
        return f"the box [{lo[0]}, {hi[0]}]^{len(lo)}"
    return f"the box of claim.domain ({len(lo)} per-coordinate bounds)"


def verdict_line(ok: Checked) -> tuple[int, str]:
    """(exit code, line) for an accepted certificate: VALID only when the bound the verdict names reaches eps; the
    float32 bound, when certified (fact 8), is stated beside the exact one."""
    bound, eps = io.decimal_up(ok.bound, 6), io.decimal_up(ok.eps, 6)
    b32 = "" if ok.float32 is None else io.decimal_up(ok.float32, 6)
    if ok.claimed > ok.eps:
        which = f"float32 bound {b32}" if ok.float32_verdict else f"bound {bound}"
        return 1, (f"INVALID: verdict not-certified: {which} > eps {eps} (the numbers are correct, but nothing is "
                   "certified)")
    tail = f"({ok.layers} target layers, {ok.kept} kept weights and biases of G)"
    exact = f"sup over {domain_text(ok.domain)} of ||G~(x) - F(x)||_2 <= {bound}"
    if ok.float32 is None:
        return 0, f"VALID: {exact} <= eps {eps} {tail}"
    run = "G~ and F" if ok.float32_covers == "pruned-and-target" else "G~"
    f32 = f"with {run} run in float32 on float32 inputs (docs/float32.md)"
    if ok.float32_verdict:
        return 0, f"VALID: {exact}, and <= {b32} <= eps {eps} {f32} {tail}"
    return 0, f"VALID: {exact} <= eps {eps}, and <= {b32} {f32} {tail}"
