"""Float weights, biases and thresholds to the chip's integers, one neuron at a time.

A neuron's rate depends only on the ratios of its weights, bias and threshold, so each
neuron ``j`` is scaled by its own factor ``c[j]`` before rounding: the factor is as large
as the chip's ranges allow, which makes the threshold and the leak as precise as they
can be. The weights are then written as ``weight_scale[j] * level`` with levels from the
group's :class:`~.graph.WeightCode` -- the per-neuron ``weight_scale`` is what lets
every neuron use the whole level range for its own largest weight.
"""

import numpy as np

from ..hardware.limits import LEAK_MAX, THRESHOLD_MAX


def round_levels(x, lo, hi, rounding="nearest", rng=None):
    """Round ``x`` to integers in ``lo..hi``, to nearest or stochastically.

    Stochastic rounding rounds up with probability equal to the fractional part, so the
    rounded value is unbiased (Diehl et al. 2016 name it as a remedy for the loss from
    weight discretization).
    """
    if rounding == "nearest":
        q = np.round(x)
    elif rounding == "stochastic":
        rng = np.random if rng is None else rng
        low = np.floor(x)
        q = low + (rng.random_sample(np.shape(x)) < (x - low))
    else:
        raise ValueError(f"rounding = {rounding!r} is not 'nearest' or 'stochastic'")
    return np.clip(q, lo, hi).astype(np.int64)


def neuron_scale(max_weight, bias, threshold, code):
    """The largest factor each neuron may be multiplied by and still fit the chip.

    Parameters
    ----------
    max_weight, bias, threshold : (n,) ndarray of float
        Largest absolute incoming weight, bias (potential per tick) and threshold of
        each neuron, in any common unit.
    code : WeightCode

    Returns
    -------
    (n,) ndarray of float
    """
    levels = code.levels
    q_ref = max(min(levels.max(), -levels.min()), 1)
    with np.errstate(divide="ignore"):
        bounds = np.stack(
            [
                q_ref * code.max_scale / np.abs(max_weight),
                LEAK_MAX / np.abs(bias),
                THRESHOLD_MAX / np.abs(threshold),
            ]
        )
    return np.min(bounds, axis=0)


def discretize_group(weights, bias, threshold, code, rounding="nearest", rng=None):
    """Integer levels, weight scales, leaks and thresholds for a group of neurons.

    Parameters
    ----------
    weights : list of (n, n_pre_k) ndarray of float
        Incoming weights of every edge into the group, as potential added per spike.
    bias : (n,) ndarray of float
        Potential added every tick (becomes the leak).
    threshold : (n,) ndarray of float
        Firing threshold, in the same unit.
    code : WeightCode
    rounding : {"nearest", "stochastic"} or list of them
        Rounding of all edges, or of each edge.
    rng : numpy.random.RandomState, optional

    Returns
    -------
    levels : list of (n, n_pre_k) ndarray of int
    weight_scale, leak, threshold : (n,) ndarray of int
    scale : (n,) ndarray of float
        The factor each neuron was multiplied by.
    """
    n = len(threshold)
    max_weight = np.zeros(n)
    for w in weights:
        if w.size:
            max_weight = np.maximum(max_weight, np.abs(w).max(axis=1))
    scale = neuron_scale(max_weight, bias, threshold, code)
    levels = code.levels
    q_ref = max(min(levels.max(), -levels.min()), 1)
    weight_scale = np.clip(np.round(scale * max_weight / q_ref), 1, code.max_scale)
    weight_scale = weight_scale.astype(np.int64)
    lo, hi = levels.min(), levels.max()
    if isinstance(rounding, str):
        rounding = [rounding] * len(weights)
    quantized = [
        _nearest_level(
            round_levels(scale[:, None] * w / weight_scale[:, None], lo, hi, r, rng),
            levels,
        )
        for w, r in zip(weights, rounding)
    ]
    leak = np.clip(np.round(scale * bias), -LEAK_MAX, LEAK_MAX).astype(np.int64)
    alpha = np.clip(np.round(scale * threshold), 1, THRESHOLD_MAX).astype(np.int64)
    return quantized, weight_scale, leak, alpha, scale


def _nearest_level(q, levels):
    """Snap integers onto the code's levels (a no-op for contiguous codes)."""
    idx = np.clip(np.searchsorted(levels, q), 0, len(levels) - 1)
    below = np.clip(idx - 1, 0, len(levels) - 1)
    pick = np.where(
        np.abs(levels[below] - q) <= np.abs(levels[idx] - q), levels[below], levels[idx]
    )
    return pick.astype(np.int64)
