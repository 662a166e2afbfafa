"""Where a convolution's output neurons should sit: tile by tile.

A core's 256 neurons share its 256 axons. The outputs of a convolution at nearby
positions read overlapping patches of its input, and all its filters at one position
read the same patch, so a core holds best a square tile of output positions times the
filters of one group: the tile's receptive field is the core's axons. The allocator
packs a group tile by tile (:attr:`.NeuronGroup.tiles`); :func:`conv_tiles` numbers
a convolution's tiles.
"""

import numpy as np

from ..hardware.limits import AXONS_PER_CORE, NEURONS_PER_CORE


def tile_side(filters, kernel_size, strides, in_channels, axons_per_input):
    """The side ``t`` of the largest square tile of output positions, times all
    ``filters``, whose neurons and receptive field fit one core.

    ``t² · min(filters, 256) <= 256`` neurons and
    ``((t - 1) · stride + kernel)² · in_channels · axons_per_input <= 256`` axons
    (at least 1: a position whose own patch does not fit is the fan-in pass's or the
    allocator's to refuse).

    Examples
    --------
    A 3x3 trinary convolution (2 axons per input) of 8 channels into 8 filters:
    a 2x2 tile reads a 4x4x8 patch, 256 axons.

    >>> tile_side(8, 3, 1, 8, 2)
    2
    """
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(strides)
    per_position = min(filters, NEURONS_PER_CORE)
    t = 1
    while True:
        n = t + 1
        neurons = n * n * per_position
        axons = ((n - 1) * sh + kh) * ((n - 1) * sw + kw) * in_channels
        if neurons > NEURONS_PER_CORE or axons * axons_per_input > AXONS_PER_CORE:
            return t
        t = n


def _pair(v):
    v = tuple(np.atleast_1d(v).tolist())
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


def conv_tiles(
    output_shape, channels_last, kernel_size, strides, in_channels, axons_per_input
):
    """The tile of each of a convolution's outputs, for the allocator.

    Parameters
    ----------
    output_shape : (int, int, int)
        The convolution's output ``(height, width, filters)``.
    channels_last : bool
        Whether the output's flat index is ``(y, x, f)`` (True) or ``(f, y, x)``.
    kernel_size, strides : int or (int, int)
    in_channels : int
        Input channels each output reads.
    axons_per_input : int
        Axons a core spends per input unit (the post group's weight code).

    Returns
    -------
    (n,) ndarray of int64
        Per output neuron in its flat order, its tile: the square of
        :func:`tile_side` positions it lies in, numbered row by row. All filters at
        a position share its tile.
    """
    h, w, f = output_shape
    t = tile_side(f, kernel_size, strides, in_channels, axons_per_input)
    if channels_last:
        y, x, _ = np.unravel_index(np.arange(h * w * f), (h, w, f))
    else:
        _, y, x = np.unravel_index(np.arange(h * w * f), (f, h, w))
    tiles_x = -(-w // t)
    return ((y // t) * tiles_x + x // t).astype(np.int64)
