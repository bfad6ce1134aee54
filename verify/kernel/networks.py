"""F and G̃ of an accepted certificate as exact dense networks, for the exact oracle.  [trusted; stdlib only]

Spec: ``exact_networks(ok)`` takes what ``check.check_certificate`` decoded (``Checked``: F's weights and biases, the
kept edges per target layer, the seed, the geometry) and returns both networks as lists of affine layers (W, b) of
Fractions, every convolution unrolled on its image (docs/conv.md §7), G̃'s weights and biases regenerated from the
seed (verify/kernel/rng.py).  verify/exact/ then decides sup ‖G̃ − F‖ exactly; nothing here decides acceptance.
"""

from __future__ import annotations

from fractions import Fraction

from verify.kernel import conv, rng

__all__ = ["exact_networks"]


def exact_networks(ok) -> tuple[list, list]:
    """(F, G̃) of an accepted certificate (``check.Checked``) as lists of dense affine layers (W, b) of Fractions
    ((out, in) convention, every convolution unrolled on its image: docs/conv.md §7) for the exact oracle
    (verify/exact/), built from what ``check_certificate`` decoded."""
    target = [(conv.unroll([[Fraction(x) for x in row] for row in w], g), [Fraction(x) for x in b for _ in
                                                                            range(g.pixels)])
              for w, b, g in zip(ok.weights, ok.biases, ok.geometry, strict=True)]
    pruned = []
    for i, (g, kept) in enumerate(zip(ok.geometry, ok.pruned, strict=True)):
        n, m, A = g.c_in, g.c_out, g.positions
        src, const, edges, out_bias = kept.src, kept.const, kept.edges(), kept.out_bias
        hs = sorted(set(src) | const)   # only live hidden channels (or one all-zero one): the function is unchanged
        U = [[rng.weight(ok.seed, 2 * i + 1, h, src[h]) if h in src and j == src[h] else Fraction(0)
              for j in range(n)] for h in hs] or [[Fraction(0)] * n]
        bu = [Fraction(rng.bias_int(ok.seed, 2 * i + 1, h), 1 << 24) if h in const else Fraction(0)
              for h in hs] or [Fraction(0)]
        at = {h: t for t, h in enumerate(hs)}
        V = [[Fraction(0)] * (max(1, len(hs)) * A) for _ in range(m)]
        for r, cols in edges.items():
            for col in cols:
                V[r][at[col // A] * A + col % A] = rng.weight(ok.seed, 2 * i + 2, r, col)
        bv = [Fraction(rng.bias_int(ok.seed, 2 * i + 2, r), 1 << 24) if r in out_bias else Fraction(0)
              for r in range(m)]
        one = conv.Geometry(n, g.h, g.w, 1, 1, (1, 1), (0, 0), len(U), g.h, g.w, 1)   # the 1 × 1 convolution
        two = conv.Geometry(len(U), g.h, g.w, g.kh, g.kw, g.stride, g.padding, m, g.ho, g.wo, A)
        pruned += [(conv.unroll(U, one), [x for x in bu for _ in range(g.h * g.w)]),
                   (conv.unroll(V, two), [x for x in bv for _ in range(g.pixels)])]
    return target, pruned
