"""Tests that kill the mutants of verify/kernel/conv.py (benchmarks/MUTATION.md): every geometric number is checked
against torch's own conv2d as the oracle (output sizes; how many (output position, kernel position) pairs read an
input entry, counted on the unrolled all-ones operator), and ``walk``'s fields against their definitions in
docs/conv.md §1 and the module docstring (a Linear is the 1 × 1 convolution of a 1 × 1 image; ``group`` is A for a
convolution, H·W of the flattened image for a Linear after a Flatten, 1 otherwise)."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as tf
from test_kernel_conv import assert_inside_is_brute_force

from verify.kernel import conv


def _read_counts(hw, kernel, stride, pad) -> tuple[tuple[int, int], list[int]]:
    """torch's output size of a one-channel conv2d, and per input entry the number of (output position, kernel
    position) pairs that read it: the column sums of the unrolled operator of an all-ones kernel."""
    eye = torch.eye(hw[0] * hw[1], dtype=torch.float64).reshape(-1, 1, *hw)
    out = tf.conv2d(eye, torch.ones(1, 1, *kernel, dtype=torch.float64), stride=stride, padding=pad)
    return tuple(out.shape[2:]), [int(v) for v in out.reshape(eye.shape[0], -1).sum(1)]


def test_multiplicity_is_torchs_largest_read_count_on_every_small_1d_geometry():
    """conv.multiplicity(n, k, s, p, out) against torch on every n ≤ 6, k ≤ 4, s ≤ 3, p ≤ 3 that has an output:
    it includes a geometry whose every read falls in the padding (n = 1, k = 1, s = 2, p = 1: torch reads nothing,
    M = 0), single outputs (n = k = 2), strides above 1 with padding, and kernels wider than the image."""
    seen = 0
    for n, k, s, p in itertools.product(range(1, 7), range(1, 5), range(1, 4), range(4)):
        out = conv.out_size(n, k, s, p)
        if out < 1:
            continue
        (ho, wo), counts = _read_counts((n, 1), (k, 1), (s, 1), (p, 0))
        assert (ho, wo) == (out, 1), (n, k, s, p)
        assert conv.multiplicity(n, k, s, p, out) == max(counts), (n, k, s, p)
        seen += 1
    assert seen > 250
    assert conv.multiplicity(1, 1, 2, 1, 2) == 0          # torch: both outputs read only padding


@pytest.mark.parametrize("hw, kernel, stride, pad", [
    ((2, 3), (3, 2), (1, 1), (2, 0)),   # padding in H only: M_h uses p_h, M_w uses p_w (M = 6; swapped: 4 or 3)
    ((3, 2), (2, 3), (1, 1), (0, 2)),   # the transpose
    ((5, 3), (3, 3), (2, 1), (1, 1)),   # a non-square output, 3 × 3
])
def test_geometry_mult_and_pixels_are_torchs(hw, kernel, stride, pad):
    """Geometry.mult = M_h·M_w with each dimension's own padding, and pixels = H'·W', both from torch."""
    g = conv.walk([1, *hw], ["Conv2d"], [((1, 1, *kernel), stride, pad)])[0]
    (ho, wo), counts = _read_counts(hw, kernel, stride, pad)
    assert (g.ho, g.wo, g.pixels) == (ho, wo, ho * wo)
    assert g.mult == max(counts)


def test_a_non_square_output_has_h_times_w_pixels():
    g = conv.walk([1, 7, 3], ["Conv2d"], [((1, 1, 1, 1), (1, 1), (0, 0))])[0]
    (ho, wo), _ = _read_counts((7, 3), (1, 1), (1, 1), (0, 0))
    assert (ho, wo) == (7, 3) and g.pixels == 21


def test_a_linear_is_the_1x1_convolution_of_a_1x1_image_with_one_exponent_per_column():
    """walk's Geometry of a Linear (out, in) without a Flatten before it: c_in = in, a 1 × 1 image, 1 × 1 kernel,
    stride 1, no padding, c_out = out, one output position, group 1 (each input column its own exponent)."""
    gs = conv.walk([4], ["Linear", "ReLU", "Linear"], [((3, 4), (1, 1), (0, 0)), ((2, 3), (1, 1), (0, 0))])
    assert gs == [conv.Geometry(4, 1, 1, 1, 1, (1, 1), (0, 0), 3, 1, 1, 1),
                  conv.Geometry(3, 1, 1, 1, 1, (1, 1), (0, 0), 2, 1, 1, 1)]
    assert [(g.positions, g.pixels, g.mult) for g in gs] == [(1, 1, 1)] * 2
    flat = conv.walk([4], ["Flatten", "Linear"], [((3, 4), (1, 1), (0, 0))])   # Flatten of a vector: no grouping
    assert flat[0].group == 1


def test_group_is_the_kernel_area_or_the_flattened_images_area():
    """A convolution's columns j·A + q share channel j's exponent (group A = kh·kw, here 3 × 2 = 6); the Linear after
    the Flatten of a C × H' × W' image groups H'·W' columns per channel (here 3 × 5 = 15); the next Linear 1."""
    layers = [((2, 1, 3, 2), (1, 1), (1, 1)), ((4, 30), (1, 1), (0, 0)), ((2, 4), (1, 1), (0, 0))]
    gs = conv.walk([1, 3, 4], ["Conv2d", "ReLU", "Flatten", "Linear", "ReLU", "Linear"], layers)
    (ho, wo), _ = _read_counts((3, 4), (3, 2), (1, 1), (1, 1))
    assert (ho, wo) == (3, 5) and (gs[0].ho, gs[0].wo) == (3, 5)
    assert [g.group for g in gs] == [6, 15, 1]
    assert [g.positions for g in gs] == [6, 1, 1]
    image = conv.walk([2, 3, 5], ["Flatten", "Linear"], [((4, 30), (1, 1), (0, 0))])   # an image flattened first
    assert image[0].group == 15


@pytest.mark.parametrize("hw, kernel", [((3, 4), (3, 4)), ((3, 4), (3, 1)), ((3, 4), (1, 4))])
def test_a_kernel_as_tall_or_wide_as_the_image_gives_one_output_row_or_column(hw, kernel):
    (ho, wo), _ = _read_counts(hw, kernel, (1, 1), (0, 0))
    g = conv.walk([1, *hw], ["Conv2d"], [((1, 1, *kernel), (1, 1), (0, 0))])[0]
    assert (g.ho, g.wo) == (ho, wo) and 1 in (ho, wo)


@pytest.mark.parametrize("hw, kernel", [((2, 5), (3, 3)), ((5, 2), (3, 3)), ((2, 5), (4, 3))])
def test_an_image_smaller_than_the_kernel_in_one_dimension_is_refused(hw, kernel):
    """torch refuses these too (no output position along one dimension); the other dimension fits."""
    with pytest.raises(RuntimeError):
        tf.conv2d(torch.zeros(1, 1, *hw), torch.zeros(1, 1, *kernel))
    with pytest.raises(conv.GeometryError, match=r"layer 1 \(Conv2d, weight \[1, 1, \d, 3\]\): the \d×\d image is "
                                                 "smaller than the kernel"):
        conv.walk([1, *hw], ["Conv2d"], [((1, 1, *kernel), (1, 1), (0, 0))])


def test_layers_the_modules_do_not_list_are_refused():
    with pytest.raises(conv.GeometryError, match="^the modules do not list every layer$"):
        conv.walk([4], ["Linear"], [((3, 4), (1, 1), (0, 0)), ((2, 3), (1, 1), (0, 0))])


def test_unroll_of_a_single_output_channel_is_torchs():
    """One output channel (kernel of one row), 2 input channels, stride and padding: every entry from torch."""
    g = conv.walk([2, 4, 3], ["Conv2d"], [((1, 2, 3, 2), (2, 1), (1, 1))])[0]
    weight = torch.arange(1, 13, dtype=torch.float64).reshape(1, 2, 3, 2)
    eye = torch.eye(24, dtype=torch.float64).reshape(-1, 2, 4, 3)
    ref = tf.conv2d(eye, weight, stride=(2, 1), padding=(1, 1)).reshape(24, -1).T
    dense = conv.unroll([[int(v) for v in weight.reshape(-1)]], g)
    assert torch.equal(torch.tensor(dense, dtype=torch.float64), ref)


# geometries with output rows or columns that read only padding (several of them, at both ends), asymmetric strides
# and paddings
BORDER_CASES = [((1, 1), (1, 1), (1, 1), (3, 3)), ((2, 3), (1, 2), (2, 1), (3, 2)), ((3, 2), (2, 1), (1, 2), (2, 4)),
                ((4, 6), (3, 2), (2, 3), (4, 1)), ((5, 7), (2, 3), (1, 2), (0, 1))]


def _patterns(n, k, s, p, out) -> set[frozenset]:
    """The distinct sets of kernel indices that land inside an n-long image, over the output indices (brute force)."""
    return {frozenset(a for a in range(k) if 0 <= s * r + a - p < n) for r in range(out)}


@pytest.mark.parametrize("hw, kernel, stride, pad", BORDER_CASES)
def test_inside_and_rectangles_on_outputs_that_read_only_padding(hw, kernel, stride, pad):
    """inside lists, for every output position, exactly the kernel positions inside the image (the empty set once,
    whatever the output rows reading only padding are), and rectangles() is how many entries it lists: the number
    of distinct row patterns times distinct column patterns, counted by brute force."""
    g = conv.walk([1, *hw], ["Conv2d"], [((1, 1, *kernel), stride, pad)])[0]
    (ho, wo), _ = _read_counts(hw, kernel, stride, pad)
    assert (g.ho, g.wo) == (ho, wo)
    assert_inside_is_brute_force(g, hw, stride, pad)
    rows = _patterns(hw[0], kernel[0], stride[0], pad[0], ho)
    cols = _patterns(hw[1], kernel[1], stride[1], pad[1], wo)
    assert conv.rectangles(g) == len(conv.inside(g)) == len(rows) * len(cols)


def test_work_is_h_plus_w_plus_h_out_plus_w_out():
    """work(g) = H + W + H' + W' (check.MAX_GEOMETRY_STEPS bounds its sum over the layers)."""
    g = conv.walk([1, 5, 7], ["Conv2d"], [((1, 1, 2, 3), (1, 2), (0, 0))])[0]
    (ho, wo), _ = _read_counts((5, 7), (2, 3), (1, 2), (0, 0))
    assert (ho, wo) == (4, 3) and conv.work(g) == 5 + 7 + 4 + 3
