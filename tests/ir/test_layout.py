"""Tiles of a convolution's outputs: what a core can hold, and the order they give."""

import numpy as np
import pytest

from nengo_truenorth.hardware.limits import AXONS_PER_CORE, NEURONS_PER_CORE
from nengo_truenorth.ir import sparse
from nengo_truenorth.ir.layout import conv_tiles, tile_side


@pytest.mark.parametrize(
    "filters, kernel, stride, channels, per_input",
    [(8, 3, 1, 8, 2), (16, 3, 1, 1, 2), (32, 3, 2, 8, 2), (64, 5, 1, 4, 4), (300, 3, 1, 2, 2)],
)
def test_the_tile_is_the_largest_square_whose_neurons_and_patch_fit_a_core(
    filters, kernel, stride, channels, per_input
):
    def fits(t):
        neurons = t * t * min(filters, NEURONS_PER_CORE)
        patch = ((t - 1) * stride + kernel) ** 2 * channels * per_input
        return neurons <= NEURONS_PER_CORE and patch <= AXONS_PER_CORE

    t = tile_side(filters, kernel, stride, channels, per_input)
    assert t >= 1
    assert fits(t) or t == 1
    assert not fits(t + 1)


@pytest.mark.parametrize("channels_last", [True, False])
def test_a_tile_is_all_filters_of_a_square_of_positions(channels_last):
    h, w, f = 6, 5, 8
    tiles = conv_tiles((h, w, f), channels_last, 3, 1, 8, 2)  # 2 x 2 tiles
    if channels_last:
        y, x, c = np.unravel_index(np.arange(h * w * f), (h, w, f))
    else:
        c, y, x = np.unravel_index(np.arange(h * w * f), (f, h, w))
    for tile in np.unique(tiles):
        members = tiles == tile
        assert np.ptp(y[members]) <= 1 and np.ptp(x[members]) <= 1
        assert set(c[members]) == set(range(f))
    assert np.unique(tiles).size == 3 * 3  # ceil(6 / 2) * ceil(5 / 2)


@pytest.mark.parametrize("as_sparse", [False, True])
def test_one_magnitude_per_row_is_what_the_trinary_code_writes_exactly(as_sparse):
    def check(m):
        return sparse.one_magnitude_per_row(sparse.csr(m) if as_sparse else m)

    assert check(np.array([[2.0, -2.0, 0.0], [0.0, 0.5, -0.5]]))
    assert not check(np.array([[2.0, -1.0, 0.0]]))
    assert not check(np.zeros((2, 3)))
