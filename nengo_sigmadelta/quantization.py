"""Weight quantizers (NumPy): fixed-point fractional bits, uniform and integer levels.

Three grids, as in the seed papers and the TrueNorth chip:

- :class:`FractionalBits` -- ``k`` fractional bits: the grid ``2**-k · ℤ``. Boeshertz
  et al.'s "3-bit weights" are ``k = 3``, a 1/8 grid, so every weight times ``2**k``
  is an exact integer (a hardware weight). Binary fractions are exact in floating
  point, so "on the grid" is an exact test.
- :class:`UniformLevels` -- ``n`` uniformly spaced levels over ``[-w_max, w_max]``
  (Diehl et al.'s 16 levels). With ``w_max = None`` the range is the tensor's own
  ``max |w|``.
- :class:`IntegerLevels` -- the integers ``low..high`` times a scale, fixed or taken
  from the weights (per row: one scale per post neuron). The TrueNorth chip's weight
  codes are such levels (-8..7 for 4 bits, -1..1 for trinary weights), and so are
  activities quantized to ``n`` levels (``0..n-1`` times a step).

Quantizers are small frozen objects: calling one rounds an array to its grid (to the
nearest level, ties to even, values beyond the range clipped). The straight-through
TensorFlow versions are in :mod:`nengo_sigmadelta.keras_layers`.
"""

import numpy as np
from nengo.exceptions import ValidationError
from nengo.params import BoolParam, FrozenObject, IntParam, NumberParam


class Quantizer(FrozenObject):
    """Base class: a rounding of weights onto a grid.

    Subclasses implement :meth:`grid` (the grid's ``offset`` and ``step`` for given
    weights); rounding, clipping and checks follow from it.
    """

    def grid(self, w):
        """Offset, step and range of the grid for weights ``w``.

        Parameters
        ----------
        w : ndarray
            The weights (only :class:`UniformLevels` with ``w_max=None`` looks at them).

        Returns
        -------
        low, step, high : float
            Grid points are ``low + step·n``; values are clipped to ``[low, high]``.
        """
        raise NotImplementedError

    def __call__(self, w):
        """Round ``w`` to the nearest grid point (ties to even), clipped to the range.

        Parameters
        ----------
        w : array_like
            Weights of any shape.

        Returns
        -------
        q : ndarray
            Same shape as ``w``, every value on the grid.
        """
        w = np.asarray(w, dtype=float)
        low, step, high = self.grid(w)
        return low + step * np.round((np.clip(w, low, high) - low) / step)

    def on_grid(self, w, grid_of=None):
        """Whether every value of ``w`` is a grid point.

        Parameters
        ----------
        w : array_like
            Values to check.
        grid_of : array_like, optional
            Weights that define the grid, for a data-dependent range (default ``w``).

        Returns
        -------
        bool
        """
        w = np.asarray(w, dtype=float)
        if w.size == 0:
            return True
        low, step, high = self.grid(w if grid_of is None else np.asarray(grid_of))
        n = (w - low) / step
        return bool(
            np.all(np.abs(n - np.round(n)) <= 1e-6 * max(1.0, float(np.max(np.abs(n)))))
            and np.all(w >= low - 1e-9 * step)
            and np.all(w <= high + 1e-9 * step)
        )


class FractionalBits(Quantizer):
    """Fixed-point weights with ``bits`` fractional bits: the grid ``2**-bits · ℤ``.

    Parameters
    ----------
    bits : int
        Fractional bits ``k``; the step is ``2**-k`` (``k = 3``: steps of 1/8).
    integer_bits : int, optional
        If given, weights are clipped to the signed range
        ``[-2**integer_bits, 2**integer_bits - 2**-k]`` (two's complement with
        ``integer_bits + bits + 1`` bits in all). By default the range is unbounded.

    Examples
    --------
    >>> q = FractionalBits(3)
    >>> q([0.3, -0.07, 1.01])
    array([ 0.25 , -0.125,  1.   ])
    >>> q.to_integers([0.3, -0.07, 1.01])
    array([ 2, -1,  8])
    """

    bits = IntParam("bits", low=0)
    integer_bits = IntParam("integer_bits", low=0, optional=True)

    def __init__(self, bits, integer_bits=None):
        super().__init__()
        self.bits = bits
        self.integer_bits = integer_bits

    @property
    def step(self):
        """Grid step ``2**-bits``."""
        return 2.0**-self.bits

    def grid(self, w):
        if self.integer_bits is None:
            # an unbounded range: only the step matters, clipping is a no-op
            return 0.0, self.step, np.inf
        top = 2.0**self.integer_bits
        return -top, self.step, top - self.step

    def __call__(self, w):
        w = np.asarray(w, dtype=float)
        q = np.round(w / self.step) * self.step
        if self.integer_bits is not None:
            low, _, high = self.grid(w)
            q = np.clip(q, low, high)
        return q

    def on_grid(self, w, grid_of=None):
        w = np.asarray(w, dtype=float) / self.step
        ok = np.all(w == np.round(w))  # exact: binary fractions are exact floats
        if self.integer_bits is not None:
            low, _, high = self.grid(w)
            ok = ok and np.all(w * self.step >= low) and np.all(w * self.step <= high)
        return bool(ok)

    def to_integers(self, w):
        """The hardware weights: ``round(w · 2**bits)`` as integers.

        Parameters
        ----------
        w : array_like
            Weights (rounded first if not on the grid).

        Returns
        -------
        ints : ndarray of int64
        """
        return np.round(self(w) / self.step).astype(np.int64)


class UniformLevels(Quantizer):
    """``n_levels`` uniformly spaced weights over ``[-w_max, w_max]``.

    Parameters
    ----------
    n_levels : int
        Number of levels, at least 2. An odd number includes 0.
    w_max : float, optional
        Half-range. By default, ``max |w|`` of the weights being quantized (per call).

    Examples
    --------
    >>> UniformLevels(5, w_max=1.0)([-0.9, -0.2, 0.3, 0.8])
    array([-1. ,  0. ,  0.5,  1. ])
    """

    n_levels = IntParam("n_levels", low=2)
    w_max = NumberParam("w_max", low=0, low_open=True, optional=True)

    def __init__(self, n_levels, w_max=None):
        super().__init__()
        self.n_levels = n_levels
        self.w_max = w_max

    def grid(self, w):
        w_max = self.w_max
        if w_max is None:
            w_max = float(np.max(np.abs(w))) if np.size(w) else 1.0
            if w_max == 0:
                w_max = 1.0  # all zeros: any range holds them
        return -w_max, 2 * w_max / (self.n_levels - 1), w_max

    #: Weights are scaled up by this power of two (exact in floating point) while
    #: quantized when their own range is so small that the grid's step would not be
    #: a normal float (subnormal weights: the step underflows to 0).
    SUBNORMAL_SCALE = 2.0**600

    def _scale_for(self, w):
        if self.w_max is not None or np.size(w) == 0:
            return 1.0
        w_max = float(np.max(np.abs(w)))
        if w_max == 0 or 2 * w_max / (self.n_levels - 1) >= np.finfo(float).tiny:
            return 1.0
        return self.SUBNORMAL_SCALE

    def __call__(self, w):
        w = np.asarray(w, dtype=float)
        scale = self._scale_for(w)
        return super().__call__(w * scale) / scale

    def on_grid(self, w, grid_of=None):
        w = np.asarray(w, dtype=float)
        scale = self._scale_for(w if grid_of is None else np.asarray(grid_of))
        grid_of = None if grid_of is None else np.asarray(grid_of) * scale
        if scale == 1.0:
            return super().on_grid(w, grid_of=grid_of)
        # a subnormal range: its levels are not floats, and the quantized weights are
        # the levels rounded to the nearest subnormal, so they are on the grid when
        # within half the smallest subnormal of a level
        scaled = w * scale
        low, step, high = self.grid(scaled if grid_of is None else grid_of)
        n = np.clip(np.round((scaled - low) / step), 0, self.n_levels - 1)
        tolerance = scale * np.finfo(float).smallest_subnormal / 2
        return bool(np.all(np.abs(scaled - (low + n * step)) <= tolerance * (1 + 1e-9)))

    def level_indices(self, w):
        """Index ``0..n_levels-1`` of each weight's level (a hardware code).

        Parameters
        ----------
        w : array_like

        Returns
        -------
        indices : ndarray of int64
        """
        w = np.asarray(w, dtype=float) * self._scale_for(w)
        low, step, high = self.grid(w)
        return np.round((np.clip(w, low, high) - low) / step).astype(np.int64)


class IntegerLevels(Quantizer):
    """The integers ``low..high`` times a scale: ``scale · clip(round(w / scale), low,
    high)``.

    With a fixed ``scale`` the grid is fixed (trinary weights ``{-1, 0, 1}·scale`` as
    in Esser et al. 2016, activities ``0..n-1`` times a step). With ``scale=None`` it
    comes from the weights, as the TrueNorth chip's discretization chooses each
    neuron's weight scale: the largest ``|w|`` lands on level :attr:`top`
    (``min(high, -low)``, at least 1), so the grid is symmetric and a level outside
    ``-top..top`` (-8 of the 4-bit code -8..7) is never used.

    Parameters
    ----------
    low, high : int
        The integer levels, ``low <= 0 <= high`` and ``low < high``.
    scale : float, optional
        The grid step. By default ``max |w| / top``, per call (per row with
        ``per_row``); an all-zero tensor or row gets step ``1 / top``.
    per_row : bool, optional
        With ``scale=None``, one step per row: the last axis is reduced, so a Nengo
        transform of shape ``(size_out, size_in)`` gets one step per post neuron, as
        the chip's per-neuron weight scale. Default False: one step for the tensor.
    level_weight : int, optional
        With ``scale=None``, steps that a chip neuron can take: a level-1 input adds
        the integer ``level_weight`` to a potential that fires at a whole threshold,
        so the step is ``level_weight / threshold``, with the threshold (at least 1)
        closest to ``level_weight · top / max |w|``. Default: ``max |w| / top``.

    Examples
    --------
    >>> IntegerLevels(-8, 7)([0.7, -0.25, 0.33])  # 4-bit chip levels, step 0.1
    array([ 0.7, -0.2,  0.3])
    >>> IntegerLevels(-1, 1, scale=0.5)([0.3, -0.1, -2.0])  # trinary
    array([ 0.5, -0. , -0.5])
    >>> IntegerLevels(-8, 7, per_row=True)([[0.7, 0.22], [0.07, -0.032]])
    array([[ 0.7 ,  0.2 ],
           [ 0.07, -0.03]])
    >>> float(IntegerLevels(-8, 7, level_weight=2).steps([0.7, -0.25, 0.33]))  # 2 / 20
    0.1
    """

    low = IntParam("low", high=0)
    high = IntParam("high", low=0)
    scale = NumberParam("scale", low=0, low_open=True, optional=True)
    per_row = BoolParam("per_row")
    level_weight = IntParam("level_weight", low=1, optional=True)

    def __init__(self, low, high, scale=None, per_row=False, level_weight=None):
        super().__init__()
        if not low < high:
            raise ValidationError(
                f"low = {low} is not below high = {high}", attr="low", obj=self
            )
        self.low = low
        self.high = high
        self.scale = scale
        self.per_row = per_row
        self.level_weight = level_weight

    @property
    def top(self):
        """int: the level the largest ``|w|`` lands on when the scale comes from the
        weights, ``max(min(high, -low), 1)`` (the chip's convention)."""
        return max(min(self.high, -self.low), 1)

    def steps(self, w):
        """The grid step for weights ``w``: a float, or ``(..., 1)`` per row.

        Parameters
        ----------
        w : ndarray

        Returns
        -------
        float or ndarray
        """
        if self.scale is not None:
            return float(self.scale)
        w = np.asarray(w, dtype=float)
        if w.size == 0:
            return 1.0 / self.top
        if self.per_row and w.ndim > 0:
            m = np.max(np.abs(w), axis=-1, keepdims=True)
        else:
            m = np.max(np.abs(w))
        m = np.where(m > 0, m, 1.0)
        if self.level_weight is None:
            return m / self.top
        return self.level_weight / self.thresholds(m)

    def thresholds(self, max_abs):
        """The whole thresholds of :attr:`level_weight` for rows whose largest
        ``|w|`` is ``max_abs`` (positive): ``round(level_weight · top / max_abs)``,
        at least 1.

        Parameters
        ----------
        max_abs : float or ndarray

        Returns
        -------
        float or ndarray
            Whole numbers (as floats).
        """
        return np.maximum(np.round(self.level_weight * self.top / max_abs), 1.0)

    def grid(self, w):
        step = self.steps(w)
        return self.low * step, step, self.high * step

    def __call__(self, w):
        w = np.asarray(w, dtype=float)
        step = self.steps(w)
        return np.clip(np.round(w / step), self.low, self.high) * step

    def on_grid(self, w, grid_of=None):
        w = np.asarray(w, dtype=float)
        if w.size == 0:
            return True
        step = self.steps(w if grid_of is None else np.asarray(grid_of, dtype=float))
        n = w / step
        whole = np.abs(n - np.round(n)) <= 1e-6 * np.maximum(1.0, np.abs(n))
        inside = (np.round(n) >= self.low) & (np.round(n) <= self.high)
        return bool(np.all(whole & inside))

    def to_integers(self, w):
        """The integer level of each weight (the chip's crossbar level).

        Parameters
        ----------
        w : array_like

        Returns
        -------
        ndarray of int64
            Same shape as ``w``, in ``low..high``.
        """
        w = np.asarray(w, dtype=float)
        levels = np.clip(np.round(w / self.steps(w)), self.low, self.high)
        return levels.astype(np.int64)


def check_quantizer(quantizer, attr="quantizer", obj=None):
    """Return ``quantizer`` if it is a :class:`Quantizer` or None, else raise."""
    if quantizer is not None and not isinstance(quantizer, Quantizer):
        raise ValidationError(
            f"{quantizer!r} is not a Quantizer (FractionalBits, UniformLevels, "
            "IntegerLevels)",
            attr=attr,
            obj=obj,
        )
    return quantizer
