"""The compiler's intermediate representation: groups of units joined by integer edges.

The Nengo-facing build (:mod:`.ensemble`, :mod:`.connection`) turns Nengo objects into
this graph; :mod:`.compile` turns the graph into a
:class:`~nengo_truenorth.hardware.ChipModel`. The graph is already in the chip's
integer units, so the compiler's only jobs are resources: axons, crossbars, splitters,
cores and places on the mesh. Weights that a user trained as integers therefore reach
the cores exactly.

Units are either chip neurons (:class:`NeuronGroup`) or host input channels
(:class:`InputGroup`). An :class:`Edge` carries the integer *levels* ``q[j, i]`` from
unit ``i`` of its ``pre`` to neuron ``j`` of its ``post``; neuron ``j`` adds
``weight_scale[j] * q[j, i]`` to its potential when unit ``i`` spikes, ``delay`` ticks
later. A level is written as a sum of some of the post group's :attr:`WeightCode.values`
-- each value is one axon type, so each input unit uses one axon per value on each core
that holds its targets.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..hardware.core import NEURON_DEFAULTS
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
            if level not in table or bin(mask).count("1") < bin(table[level]).count("1"):
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


@dataclass(eq=False)
class InputGroup:
    """Channels through which the host sends spikes to the chip (input ports).

    Attributes
    ----------
    n : int
        Number of channels.
    label : str
    obj : object
        The Nengo object these inputs belong to (for errors and maps).
    """

    n: int
    label: str
    obj: object = None

    def __repr__(self):
        return f"<InputGroup {self.label!r}: {self.n} channels>"


@dataclass(eq=False)
class NeuronGroup:
    """Chip neurons that share a weight code, e.g. one Nengo ensemble.

    Attributes
    ----------
    n : int
    label : str
    params : dict of str to (n,) ndarray of int
        Per-neuron chip parameters (spec section 2 names, weights excluded); missing
        fields take :data:`~nengo_truenorth.hardware.core.NEURON_DEFAULTS`.
    code : WeightCode or None
        How levels on incoming edges are written (16 levels by default). The builder
        leaves an ensemble's None until its connections choose (see
        ``Connection.weight_bits``); it must be set before discretization.
    weight_scale : (n,) ndarray of int
        Per-neuron multiplier of the code's values (1..``code.max_scale``).
    obj : object
        The Nengo object the neurons belong to.
    to_host : (n,) ndarray of bool
        Neurons whose spikes the host needs (output ports).
    probe_voltage : (n,) ndarray of bool
        Neurons whose potentials the host records.
    negate : (n,) ndarray of bool, optional
        Neurons whose weights are the negation of what their levels write: their
        ``weight_scale`` is kept negative, whatever magnitude is assigned to it (the
        discretizer assigns magnitudes). An "off" neuron that must add ``-w`` where
        its "on" neuron adds ``w`` then takes the same levels, and so the same axons,
        as the on neuron (see the sign-plane decode banks of :mod:`.decode`).
    """

    n: int
    label: str
    params: dict = field(default_factory=dict)
    code: WeightCode = SIXTEEN_LEVELS
    weight_scale: np.ndarray = None
    obj: object = None
    to_host: np.ndarray = None
    probe_voltage: np.ndarray = None
    negate: np.ndarray = None

    def __post_init__(self):
        if self.weight_scale is None:
            self.weight_scale = np.ones(self.n, dtype=np.int64)
        if self.to_host is None:
            self.to_host = np.zeros(self.n, dtype=bool)
        if self.probe_voltage is None:
            self.probe_voltage = np.zeros(self.n, dtype=bool)
        self.weight_scale = self.weight_scale  # applies `negate`

    def __setattr__(self, name, value):
        negate = self.__dict__.get("negate")
        if name == "weight_scale" and value is not None and negate is not None:
            magnitude = np.abs(np.asarray(value, dtype=np.int64))
            value = np.where(np.asarray(negate, dtype=bool), -magnitude, magnitude)
        object.__setattr__(self, name, value)

    def __repr__(self):
        return f"<NeuronGroup {self.label!r}: {self.n} neurons>"

    def param(self, name):
        """(n,) ndarray of int: parameter ``name``, defaults filled in."""
        if name in self.params:
            return np.broadcast_to(np.asarray(self.params[name], dtype=np.int64), (self.n,))
        return np.full(self.n, NEURON_DEFAULTS[name], dtype=np.int64)


@dataclass(eq=False)
class Edge:
    """Integer synapses from the units of ``pre`` to the neurons of ``post``.

    Attributes
    ----------
    pre : NeuronGroup or InputGroup
    post : NeuronGroup
    levels : (post.n, pre.n) ndarray of int
        ``levels[j, i]``, each one of ``post.code.levels`` (0: no synapse).
    delay : int
        Ticks from a spike of ``pre`` to its integration by ``post`` (>= 1).
    obj : object
        The Nengo connection it comes from.
    """

    pre: object
    post: NeuronGroup
    levels: np.ndarray
    delay: int = 1
    obj: object = None

    def __repr__(self):
        return f"<Edge {self.pre.label!r} -> {self.post.label!r}, delay {self.delay}>"


@dataclass
class ChipGraph:
    """Everything the compiler places: input groups, neuron groups and edges."""

    inputs: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    edges: list = field(default_factory=list)

    def add_input(self, group):
        self.inputs.append(group)
        return group

    def add_group(self, group):
        self.groups.append(group)
        return group

    def add_edge(self, edge):
        expected = (edge.post.n, edge.pre.n)
        if np.shape(edge.levels) != expected:
            raise ValueError(
                f"{edge}: levels have shape {np.shape(edge.levels)}, not {expected}"
            )
        self.edges.append(edge)
        return edge

    def edges_into(self, group):
        """list of Edge: the edges whose post is ``group``."""
        return [e for e in self.edges if e.post is group]

    def edges_from(self, unit_group):
        """list of Edge: the edges whose pre is ``unit_group``."""
        return [e for e in self.edges if e.pre is unit_group]
