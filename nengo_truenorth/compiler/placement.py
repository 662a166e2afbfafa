"""Stage 4 of the compiler: cores laid on the mesh along a space-filling curve."""

import numpy as np

from ..hardware.limits import (
    CHIP_SIZE,
    CORES_PER_CHIP,
)


CURVES = ("hilbert", "serpentine", "row-major")


# --- placement -------------------------------------------------------------------


def hilbert_xy(d, order=CHIP_SIZE):
    """Coordinates of positions ``d`` along a Hilbert curve over an ``order`` square.

    The curve starts at (0, 0) and ends at (order - 1, 0), so the curve of the next
    chip along x continues from a neighbouring core.

    Parameters
    ----------
    d : array_like of int
        Positions along the curve, ``0 .. order**2 - 1``.
    order : int, optional
        Side of the square, a power of two.

    Returns
    -------
    x, y : ndarray of int64, shaped like ``d``
    """
    d = np.asarray(d, dtype=np.int64)
    x = np.zeros_like(d)
    y = np.zeros_like(d)
    t = d.copy()
    s = 1
    while s < order:
        rx = 1 & (t // 2)
        ry = 1 & (t ^ rx)
        flip = (ry == 0) & (rx == 1)
        x = np.where(flip, s - 1 - x, x)
        y = np.where(flip, s - 1 - y, y)
        x, y = np.where(ry == 0, y, x), np.where(ry == 0, x, y)
        x = x + s * rx
        y = y + s * ry
        t //= 4
        s *= 2
    return x, y


def curve_xy(n, curve):
    """(n, 2) coordinates of the first ``n`` places along ``curve``, chip by chip.

    Chip ``k`` holds places ``4096 k .. 4096 k + 4095`` at x offset ``64 k``.
    """
    p = np.arange(n, dtype=np.int64)
    chip, q = np.divmod(p, CORES_PER_CHIP)
    if curve == "hilbert":
        x, y = hilbert_xy(q)
    elif curve == "serpentine":
        y, x = np.divmod(q, CHIP_SIZE)
        x = np.where(y % 2 == 1, CHIP_SIZE - 1 - x, x)
    elif curve == "row-major":
        y, x = np.divmod(q, CHIP_SIZE)
    else:
        raise ValueError(f"unknown placement curve {curve!r}; known: {CURVES}")
    return np.column_stack([x + CHIP_SIZE * chip, y])


def spike_hops(xy, src_core, dst_core):
    """int: mesh hops of one spike from every routed neuron (x then y routing)."""
    if src_core.size == 0:
        return 0
    return int(np.abs(xy[src_core] - xy[dst_core]).sum())


def place_cores(order_key, src_core, dst_core):
    """Give every core a unique (x, y), keeping connected cores close.

    Parameters
    ----------
    order_key : (n_cores,) array_like
        Cores are laid along the curve in ascending ``order_key`` (ties: by index).
    src_core, dst_core : ndarray of int
        Core of each routed neuron and of its destination.

    Returns
    -------
    xy : (n_cores, 2) ndarray of int
    curve : str
        The curve with the fewest hops (:data:`CURVES`, earlier ones on ties).
    hops : dict of str to int
        Hops per tick (every routed neuron fires once) for each curve.
    """
    order_key = np.asarray(order_key)
    rank = np.empty(order_key.size, dtype=np.int64)
    rank[np.argsort(order_key, kind="stable")] = np.arange(order_key.size)
    best, hops = None, {}
    for curve in CURVES:
        xy = curve_xy(order_key.size, curve)[rank]
        hops[curve] = spike_hops(xy, src_core, dst_core)
        if best is None or hops[curve] < hops[best[0]]:
            best = (curve, xy)
    return best[1], best[0], hops
