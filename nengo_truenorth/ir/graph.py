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

import numpy as np

from ..hardware.core import NEURON_DEFAULTS
from . import sparse
from .codes import SIXTEEN_LEVELS, WeightCode


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
    role : {"neurons", "decode", "filters", "relays"}
        What the neurons are for: an ensemble's own neurons (the default), or the
        decode neurons, filter neurons or fan-in relays a pass added for ``obj``.
        The compile report and ``Simulator.saturation()`` count by it.
    tiles : (n,) ndarray of int, optional
        A tile number per neuron (default: none). Neurons of one tile share their
        inputs, so the allocator packs the group tile by tile (in tile order) and
        ends a core's share of it at a tile boundary where it can: a
        convolution's outputs, a square of positions times its filters
        (:func:`~nengo_truenorth.ir.layout.conv_tiles`).
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
    tiles: np.ndarray = None
    role: str = "neurons"

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
            return np.broadcast_to(
                np.asarray(self.params[name], dtype=np.int64), (self.n,)
            )
        return np.full(self.n, NEURON_DEFAULTS[name], dtype=np.int64)


@dataclass(eq=False)
class Edge:
    """Integer synapses from the units of ``pre`` to the neurons of ``post``.

    Attributes
    ----------
    pre : NeuronGroup or InputGroup
    post : NeuronGroup
    levels : (post.n, pre.n) ndarray of int, or scipy.sparse matrix
        ``levels[j, i]``, each one of ``post.code.levels`` (0: no synapse). A sparse
        matrix is kept as canonical CSR (:func:`.sparse.csr`): the compiler reads
        its entries without densifying it.
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

    def __post_init__(self):
        if sparse.issparse(self.levels):
            self.levels = sparse.canonical(self.levels)

    def __repr__(self):
        return f"<Edge {self.pre.label!r} -> {self.post.label!r}, delay {self.delay}>"


class FloatEdge:
    """An edge before discretization: float potential per spike.

    Attributes
    ----------
    pre : NeuronGroup or InputGroup
    post : NeuronGroup
    weights : (post.n, pre.n) ndarray of float, or scipy.sparse matrix
        Potential (in the post group's nominal units) that one spike adds. Dense
        for the small edges of the decode and filter paths and the host's values;
        sparse (canonical CSR, see :mod:`.sparse`) for convolutions, ``Sparse``,
        identity and elementwise transforms between chip neurons and the host's
        currents into neurons, whose dense matrices would be huge. The passes read
        both through :mod:`.sparse`, with the same results.
    delay : int
    obj : object
        The Nengo connection it comes from (names it in errors and maps).
    rounding : {"nearest", "stochastic"}
    resizable : bool
        Whether the sender may give ``pre``'s spikes any size (the host does, for
        each neuron it drives alone): the discretization pass then rounds the
        weights' magnitudes to the nearest level (at least 1), one level per post
        neuron, and sets :attr:`resized`, by which the sender multiplies its spikes
        so that the chip adds exactly the potential the float weights ask for.
    resized : (post.n,) ndarray or None
        Set by the discretization pass for a resizable edge: per post neuron, the
        realized potential of its level over that of its float weight.
    """

    def __init__(
        self,
        pre,
        post,
        weights,
        delay=1,
        obj=None,
        rounding="nearest",
        resizable=False,
    ):
        self.rounding = rounding
        self.resizable = resizable
        self.resized = None
        self.pre = pre
        self.post = post
        self.weights = sparse.as_matrix(weights, np.float64)
        self.delay = int(delay)
        self.obj = obj

    def __repr__(self):
        return (
            f"<{type(self).__name__} {self.pre.label!r} -> {self.post.label!r}, "
            f"delay {self.delay}>"
        )


class FilteredEdge(FloatEdge):
    """A float edge whose spikes reach the post low-pass filtered (``Lowpass(tau)``).

    The chip has no synaptic filter: the filter pass
    (:func:`nengo_truenorth.passes.filters.lower_filtered_edges`) puts filter
    neurons between ``pre`` and ``post``. Until then the edge stands in both
    ``graph.float_edges`` and ``graph.groups`` (see :meth:`ChipGraph.defer`).

    Attributes
    ----------
    tau : float
        Time constant of the ``Lowpass``, in seconds.
    """

    def __init__(self, pre, post, weights, delay, obj, rounding, tau):
        super().__init__(pre, post, weights, delay, obj, rounding)
        self.tau = float(tau)


@dataclass(eq=False)
class DecodedEdge:
    """A decoded value from ``pre`` neurons to ``post`` neurons, to be lowered onto
    decode neurons (:mod:`nengo_truenorth.passes.decode`).

    Attributes
    ----------
    pre, post : NeuronGroup
    decoders : (size_mid, pre.n) ndarray
    sizing_points : (n_eval, d_pre) ndarray
        Points of the pre's represented space that size the decode neurons.
    rates : callable
        ``rates(points)``: the pre neurons' rates on points of its space,
        ``(n_points, pre.n)`` (the front end's tuning curves).
    post_map : (post.n, size_mid) ndarray
        From the decoded value to post drive per tick.
    spike : float
        Value-ticks one pre spike stands for per unit decoder.
    bits, delay, rounding
        The connection's weight bits, delay and rounding.
    tau : float or None
        The ``Lowpass`` its value goes through on filter neurons (None: none).
    obj : object
        The Nengo connection.
    activities : (n_eval, pre.n) ndarray or None
        ``rates(sizing_points)``, while the decode pass needs them.
    """

    pre: object
    post: object
    decoders: np.ndarray
    sizing_points: np.ndarray
    rates: object
    post_map: np.ndarray
    spike: float
    bits: int
    delay: int
    rounding: str
    tau: float = None
    obj: object = None
    activities: np.ndarray = None

    def __repr__(self):
        return f"<DecodedEdge {self.pre.label!r} -> {self.post.label!r}>"


@dataclass
class ChipGraph:
    """Everything the compiler places: input groups, neuron groups and edges.

    The front end fills :attr:`groups`, :attr:`inputs` and :attr:`float_edges`; the
    passes lower what the chip cannot hold as it is (decoded values, ``Lowpass``
    synapses, fan-in beyond a core) and discretize the float edges into integer
    :attr:`edges`, which the compiler places.

    Attributes
    ----------
    inputs : list of InputGroup
    groups : list of NeuronGroup
        In order: the compiler allocates and places cores in this order. Before
        the lowering passes it also holds the deferred edges (:meth:`defer`).
    float_edges : list of FloatEdge
        Edges in float units, discretized per post group.
    edges : list of Edge
        Integer edges, the compiler's input.
    """

    inputs: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    float_edges: list = field(default_factory=list)
    edges: list = field(default_factory=list)

    def add_input(self, group):
        self.inputs.append(group)
        return group

    def add_group(self, group):
        self.groups.append(group)
        return group

    def add_float_edge(self, edge):
        self.float_edges.append(edge)
        return edge

    def defer(self, edge):
        """Add an edge that a pass will lower into groups and edges of its own.

        The edge stands in :attr:`groups` and :attr:`float_edges` where it was
        added, and :meth:`replace` puts what it is lowered into in those places:
        the compiler's order (and so the placement) follows the network's.
        """
        self.groups.append(edge)
        self.float_edges.append(edge)
        return edge

    def deferred(self, kind):
        """list: the deferred edges of class ``kind``, in the order added."""
        return [e for e in self.float_edges if isinstance(e, kind)]

    def replace(self, lowered):
        """Put lowered edges' groups and edges where the edges stood.

        Parameters
        ----------
        lowered : dict of edge to ChipGraph
            What each deferred edge became (its ``groups`` and ``float_edges``).
        """
        self.groups = _splice(self.groups, lowered, "groups")
        self.float_edges = _splice(self.float_edges, lowered, "float_edges")

    def add_edge(self, edge):
        """Add an integer edge; its levels (dense or sparse) must be
        ``(post.n, pre.n)``."""
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

    def check_lowered(self):
        """Raise ``ValueError`` if a deferred edge was never lowered."""
        for item in self.groups:
            if not isinstance(item, NeuronGroup):
                raise ValueError(f"{item}: deferred edge was not lowered")


def _splice(items, lowered, attr):
    out = []
    for item in items:
        patch = lowered.get(item) if not isinstance(item, NeuronGroup) else None
        if patch is None:
            out.append(item)
        else:
            out.extend(getattr(patch, attr))
    return out
