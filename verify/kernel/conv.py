"""Geometry of convolution layers: what each affine layer of F does to the shape of a tensor.  [trusted; stdlib only]

Spec (docs/conv.md).  A tensor between layers is C × H × W, read row-major; a Linear layer acts on a vector, i.e. a
C·H·W × 1 × 1 tensor after a Flatten.  For each affine layer ``walk`` returns its ``Geometry``: input channels
``c_in`` and size ``h × w``, kernel ``kh × kw``, stride, zero padding, output channels ``c_out`` and size
``ho × wo`` (§1), and the size ``group`` of the input columns that share one rescaling exponent (§6: A = kh·kw for a
convolution, whose column j·A + q belongs to channel j; H·W of the flattened tensor for a Linear after a Flatten).
A Linear is the 1 × 1 convolution of a 1 × 1 image.  From the geometry:

* ``multiplicity``: M_h, the largest number of (output row, kernel row) pairs that read one input row (§4), so that
  ‖conv_K x‖₂ ≤ √(M_h M_w)·‖K‖₂·‖x‖₂ for the kernel matrix K;
* ``inside``: the kernel positions that land inside the image, grouped over the output positions that share them
  (§5: a constant channel is zero in the padding) — always a rectangle of kernel rows × kernel columns;
* ``unroll``: the dense matrix of a convolution on a small image (§7, for the exact oracle).

>>> g = walk([1, 5, 5], ["Conv2d"], [((2, 1, 3, 3), (2, 2), (1, 1))])[0]
>>> (g.ho, g.wo, g.positions, g.mult)
(3, 3, 9, 4)
>>> sorted((ra[1] - ra[0] + 1) * (ce[1] - ce[0] + 1) for ra, ce, n in inside(g))   # corners, edges, centre
[4, 4, 4, 4, 6, 6, 6, 6, 9]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Geometry", "GeometryError", "walk", "out_size", "multiplicity", "inside", "work", "rectangles", "unroll"]


class GeometryError(ValueError):
    """The input shape does not fit the chain of layers (one line)."""


@dataclass(frozen=True)
class Geometry:
    c_in: int
    h: int
    w: int
    kh: int
    kw: int
    stride: tuple
    padding: tuple
    c_out: int
    ho: int
    wo: int
    group: int   # input columns per rescaling exponent (docs/conv.md §6)

    @property
    def positions(self) -> int:
        """A = kh·kw, the kernel positions (1 for a Linear)."""
        return self.kh * self.kw

    @property
    def pixels(self) -> int:
        """H'·W', the output positions (1 for a Linear)."""
        return self.ho * self.wo

    @property
    def mult(self) -> int:
        """M = M_h·M_w of docs/conv.md §4 (1 for a Linear)."""
        return (multiplicity(self.h, self.kh, self.stride[0], self.padding[0], self.ho)
                * multiplicity(self.w, self.kw, self.stride[1], self.padding[1], self.wo))


def out_size(n: int, k: int, s: int, p: int) -> int:
    """⌊(n + 2p − k)/s⌋ + 1, the output size of a convolution along one dimension (≤ 0: no output)."""
    return (n + 2 * p - k) // s + 1


def multiplicity(n: int, k: int, s: int, p: int, out: int) -> int:
    """max over input indices x ∈ [0, n) of #{(r, a): 0 ≤ r < out, 0 ≤ a < k, s·r + a − p = x} (docs/conv.md §4):
    for each x, the r with x + p − k < s·r ≤ x + p and 0 ≤ r < out, each with its one a (O(n) steps).

    >>> multiplicity(4, 3, 1, 1, 4), multiplicity(4, 3, 2, 1, 2), multiplicity(4, 3, 3, 0, 1)
    (3, 2, 1)
    """
    return max(max(0, min(out - 1, (x + p) // s) - max(0, -((k - 1 - x - p) // s)) + 1) for x in range(n))


def walk(input_shape: list[int], modules: list[str], layers: list[tuple]) -> list[Geometry]:
    """The geometry of every affine layer, walking ``input_shape`` ([C, H, W], or [d]) through ``modules`` (the
    model's module classes in forward order); ``layers`` lists (weight shape, stride, padding) per affine layer.
    GeometryError when a layer does not fit the tensor it receives (docs/conv.md §1)."""
    shape, group, out, it = tuple(input_shape), 1, [], iter(layers)
    for kind in modules:
        if kind == "Flatten":
            group = shape[1] * shape[2] if len(shape) == 3 else group
            shape = (math.prod(shape),)
        elif kind in ("Conv2d", "Linear"):
            wshape, stride, pad = next(it)
            where = f"layer {len(out) + 1} ({kind}, weight {list(wshape)})"
            if kind == "Linear":
                if len(shape) != 1 or shape[0] != wshape[1]:
                    raise GeometryError(f"{where} receives a tensor of shape {list(shape)} (a Linear needs a vector "
                                        f"of {wshape[1]})")
                out.append(Geometry(wshape[1], 1, 1, 1, 1, (1, 1), (0, 0), wshape[0], 1, 1, group))
                shape, group = (wshape[0],), 1
                continue
            if len(shape) != 3 or shape[0] != wshape[1]:
                raise GeometryError(f"{where} receives a tensor of shape {list(shape)} (it needs {wshape[1]} "
                                    "channels of an image)")
            ho, wo = (out_size(shape[1 + d], wshape[2 + d], stride[d], pad[d]) for d in (0, 1))
            if ho < 1 or wo < 1:
                raise GeometryError(f"{where}: the {shape[1]}×{shape[2]} image is smaller than the kernel")
            out.append(Geometry(shape[0], shape[1], shape[2], wshape[2], wshape[3], tuple(stride), tuple(pad),
                                wshape[0], ho, wo, wshape[2] * wshape[3]))
            shape = (wshape[0], ho, wo)
    if len(out) != len(layers):
        raise GeometryError("the modules do not list every layer")
    return out


def _ranges(n: int, k: int, s: int, p: int, out: int) -> dict[tuple[int, int], int]:
    """{(lo, hi): number of output indices r whose kernel indices inside [0, n) are exactly lo ≤ a ≤ hi} (an empty
    set has lo > hi): a ∈ [max(0, p − s·r), min(k − 1, n − 1 + p − s·r)]."""
    found: dict[tuple[int, int], int] = {}
    for r in range(out):
        key = (max(0, p - s * r), min(k - 1, n - 1 + p - s * r))
        key = key if key[0] <= key[1] else (1, 0)   # one key for every row that reads only padding
        found[key] = found.get(key, 0) + 1
    return found


def inside(g: Geometry) -> list[tuple[tuple[int, int], tuple[int, int], int]]:
    """The kernel positions that land inside the image, over all H'·W' output positions (docs/conv.md §5): a list of
    (kernel rows a_lo..a_hi, kernel columns e_lo..e_hi, number of output positions with exactly the positions
    (a, e) of that rectangle inside); [((0, 0), (0, 0), 1)] for a Linear."""
    rows = _ranges(g.h, g.kh, g.stride[0], g.padding[0], g.ho)
    cols = _ranges(g.w, g.kw, g.stride[1], g.padding[1], g.wo)
    return [(ra, ce, nr * nc) for ra, nr in rows.items() for ce, nc in cols.items()]


def work(g: Geometry) -> int:
    """Steps ``multiplicity`` and ``inside`` take for this layer, apart from the rectangles (``rectangles``)."""
    return g.h + g.w + g.ho + g.wo


def rectangles(g: Geometry) -> int:
    """How many rectangles ``inside`` lists (a handful for a kernel no larger than the image)."""
    return (len(_ranges(g.h, g.kh, g.stride[0], g.padding[0], g.ho))
            * len(_ranges(g.w, g.kw, g.stride[1], g.padding[1], g.wo)))


def unroll(kernel: list[list], g: Geometry) -> list[list]:
    """The dense (c_out·H'·W') × (c_in·H·W) matrix of the convolution with kernel matrix ``kernel`` (c_out rows of
    c_in·A entries) — rows and columns in row-major tensor order (docs/conv.md §7); entries keep their type."""
    zero = kernel[0][0] * 0
    n_in, A = g.c_in * g.h * g.w, g.positions
    out = []
    (sh, sw), (ph, pw) = g.stride, g.padding
    for o in range(g.c_out):
        for r in range(g.ho):
            for t in range(g.wo):
                row = [zero] * n_in
                # only the kernel positions inside the image (the rest read padding): work ∝ the nonzero entries
                for a in range(max(0, ph - sh * r), min(g.kh, g.h + ph - sh * r)):
                    y = sh * r + a - ph
                    for e in range(max(0, pw - sw * t), min(g.kw, g.w + pw - sw * t)):
                        x = sw * t + e - pw
                        for c in range(g.c_in):
                            row[(c * g.h + y) * g.w + x] += kernel[o][c * A + a * g.kw + e]
                out.append(row)
    return out
