"""Weight codes: how integer levels are written with a neuron's axon-type weights.

A chip neuron has (at most) four axon-type weights; an input unit connects to it through
one axon per value of its group's code, and a level is the sum of the values whose
axons are connected (see :class:`WeightCode`).
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..hardware.limits import N_AXON_TYPES, WEIGHT_MAX


@dataclass(frozen=True)
class WeightCode:
    """How integer levels are written with a neuron's (at most four) axon-type weights.

    Each input unit gets one axon per entry of :attr:`values`, with axon type equal to
    the entry's index; neuron ``j``'s weight for that type is
    ``weight_scale[j] * values[type]``. A level ``q`` is realized by connecting the
    subset of those axons whose values sum to ``q``.

    Parameters
    ----------
    values : tuple of int
        The type weights before per-neuron scaling, e.g. ``(1, 2, 4, -8)`` for 16 levels
        (4-bit two's complement), ``(1, -1)`` for trinary weights.
    name : str
    """

    values: tuple
    name: str = ""

    def __post_init__(self):
        if not 1 <= len(self.values) <= N_AXON_TYPES:
            raise ValueError(
                f"{self}: a weight code has 1..{N_AXON_TYPES} values "
                f"(one per axon type), not {len(self.values)}"
            )

    @property
    def axons_per_input(self):
        """int: axons each input unit uses on each core it reaches."""
        return len(self.values)

    @cached_property
    def levels(self):
        """(n_levels,) ndarray of int: every level a subset of values can sum to
        (read-only: computed once per code)."""
        levels = np.unique(list(self._subsets()))
        levels.setflags(write=False)
        return levels

    @cached_property
    def reference_level(self):
        """int: the largest level the code writes with either sign (at least 1):
        where the discretization pass puts a neuron's largest weight."""
        return int(max(min(self.levels.max(), -self.levels.min()), 1))

    @cached_property
    def max_scale(self):
        """int: the largest per-neuron scale that keeps every type weight in range."""
        return WEIGHT_MAX // max(abs(v) for v in self.values)

    def _subsets(self):
        n = len(self.values)
        for mask in range(2**n):
            yield sum(v for k, v in enumerate(self.values) if mask >> k & 1)

    def bits(self, q):
        """Crossbar bits that write the levels ``q``.

        Parameters
        ----------
        q : ndarray of int
            Levels, each one of :attr:`levels`.

        Returns
        -------
        ndarray of bool, shape ``q.shape + (axons_per_input,)``
            ``bits[..., k]`` connects the axon of type ``k``.
        """
        q = np.asarray(q)
        table = {}
        n = len(self.values)
        for mask in range(2**n):
            level = sum(v for k, v in enumerate(self.values) if mask >> k & 1)
            # prefer the subset with the fewest axons (fewest synaptic events)
            if level not in table or bin(mask).count("1") < bin(table[level]).count(
                "1"
            ):
                table[level] = mask
        masks = np.zeros(q.shape, dtype=np.int64)
        for level, mask in table.items():
            masks[q == level] = mask
        bad = ~np.isin(q, list(table))
        if bad.any():
            raise ValueError(
                f"{self}: level {int(q[bad][0])} cannot be written "
                f"(levels: {sorted(table)})"
            )
        return (masks[..., None] >> np.arange(n)) & 1 == 1


#: 16 levels, -8..7: four binary-weighted axons per input (Diehl et al. 2016).
SIXTEEN_LEVELS = WeightCode((1, 2, 4, -8), "16 levels")
#: Trinary weights -1, 0, 1: two axons per input (Esser et al. 2016).
TRINARY = WeightCode((1, -1), "trinary")
#: Binary excitatory weights 0, 1: one axon per input (splitters, relays).
UNIT = WeightCode((1,), "unit")


def weight_code(bits):
    """The two's-complement code for ``bits``-bit levels (1..4 bits)."""
    if bits == 1:
        return TRINARY
    if not 2 <= bits <= N_AXON_TYPES:
        raise ValueError(f"weight bits = {bits} is outside 1..{N_AXON_TYPES}")
    values = tuple(2**k for k in range(bits - 1)) + (-(2 ** (bits - 1)),)
    return WeightCode(values, f"{2**bits} levels")


_BIT_TABLES = {}


def bit_table(code):
    """Lookup table level -> axon-type mask, made from ``code.bits`` (so the same
    subsets are chosen), with -1 for levels the code cannot write."""
    _cache = _BIT_TABLES
    if code not in _cache:
        levels = code.levels
        bits = code.bits(levels)
        masks = (bits * (1 << np.arange(code.axons_per_input))).sum(axis=-1)
        lo = int(levels.min())
        table = np.full(int(levels.max()) - lo + 1, -1, dtype=np.int64)
        table[levels - lo] = masks
        _cache[code] = (lo, table)
    return _cache[code]


def axons_per_level(code, levels):
    """How many axons (crossbar bits) each integer level takes with ``code``.

    Parameters
    ----------
    code : WeightCode
    levels : ndarray of int
        Levels the code can write (0 takes none).

    Returns
    -------
    ndarray of int64, shaped like ``levels``
    """
    lo, table = bit_table(code)
    masks = table[np.asarray(levels, dtype=np.int64) - lo]
    counts = np.zeros(masks.shape, dtype=np.int64)
    for k in range(code.axons_per_input):
        counts += (masks >> k) & 1
    return counts
