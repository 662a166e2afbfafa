"""Compile a :class:`~.graph.ChipGraph` into a :class:`~.hardware.ChipModel`.

The graph is already in the chip's integer units, so compiling is about resources:

1. **Axons** (:class:`AxonKeys`). An input unit reaches a core through one axon per
   axon type that some neuron on that core uses (type ``k`` carries the post group's
   ``code.values[k]``). Axons are keyed by *(pre group, requested delay, weight code,
   slot)*; two edges from one pre with one delay into one post group get different
   slots, so each axon always carries exactly one pre unit's spikes with one delay.
   Neurons of different groups on one core share an axon only when the key matches.
   Hence two pre units never share an axon, and "spikes merge on an axon" never
   happens in a compiled model.
2. **Cores** (:func:`allocate_cores`). Each group is cut, in order, into contiguous
   chunks that fit one core (<= 256 neurons, <= 256 axons); each chunk goes to the
   first recently opened core with room for its neurons and its *new* axons, else to
   a new core. A neuron whose own fan-in needs more than 256 axons raises
   :class:`~.errors.CoreFitError`.
3. **Fan-out** (:func:`plan_fan_out`, :func:`build_splitters`). A neuron has one
   destination, so a neuron whose spikes must reach more than one (core, axon) sends
   them through a tree of splitter neurons (each fires once per input spike and
   forwards it to one target; a node of the tree is one axon and up to 256 neurons of
   a splitter core). Each stage costs one tick: an edge from a pre group whose deepest
   tree has ``S`` stages is realized with delay ``max(delay, 1 + S)`` (recorded in
   :attr:`CompiledChip.edge_delay`, for the builder to compensate). Delays longer than
   one hop's 15 ticks get extra relay stages.
4. **Input and output ports.** Host channels reach their axons through input ports:
   port index ``k`` drives one (core, axon), so a channel's fan-out costs nothing on the
   chip -- the host drives several indices. The host drives them at the tick it wants
   the spike integrated, so input edges are realized with delay 0.
5. **Placement** (:func:`place_cores`). Cores are ordered as the graph orders them, each
   splitter core just after the core of its first source, and laid along a space-filling
   curve on the 64 x 64 mesh (chip ``k`` at x offset ``64 k`` when one chip is not
   enough). The curve with the fewest spike hops (Hilbert, serpentine, row-major) wins.

Examples
--------
>>> import numpy as np
>>> from nengo_truenorth.builder.graph import ChipGraph, Edge, InputGroup, NeuronGroup
>>> graph = ChipGraph()
>>> stim = graph.add_input(InputGroup(2, "stim"))
>>> ens = graph.add_group(NeuronGroup(3, "ens", params={"threshold": 2}))
>>> _ = graph.add_edge(Edge(stim, ens, np.array([[1, 0], [0, 1], [1, 1]])))
>>> chip = compile_graph(graph)
>>> chip.stats()["cores"], chip.edge_delay[graph.edges[0]]
(1, 0)
"""

import re
import time
from dataclasses import dataclass, field

import numpy as np
from nengo.exceptions import BuildError

from ..hardware.core import NEURON_DEFAULTS, Core
from ..hardware.errors import HardwareModelError
from ..hardware.limits import (
    AXONS_PER_CORE,
    CHIP_SIZE,
    CORES_PER_CHIP,
    DELAY_MAX,
    DELAY_MIN,
    N_AXON_TYPES,
    NEURON_FIELDS,
    NEURONS_PER_CORE,
    SEED_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
)
from ..hardware.model import ChipModel
from .errors import CoreFitError
from .graph import InputGroup, NeuronGroup

#: Owner of a splitter core in :attr:`CompiledChip.core_owner`.
SPLITTER = "splitter"
#: How many of the most recently opened, not yet full cores a chunk may join.
#: First-fit over every open core would be quadratic in the number of cores.
FIRST_FIT_WINDOW = 16
#: A progress bar is shown (when asked for) from this many neurons on.
PROGRESS_MIN_NEURONS = 16 * NEURONS_PER_CORE
#: :meth:`CompiledChip.report` lists this many owners with the most cores.
REPORT_OWNERS = 12
#: Placement curves tried by :func:`place_cores`, best first on ties.
CURVES = ("hilbert", "serpentine", "row-major")

#: Parameters of a splitter neuron: it fires at the tick its axon is active, once per
#: spike, and rests at 0 (negative saturation keeps it from drifting below).
SPLITTER_PARAMS = {
    "threshold": 1,
    "reset_potential": 0,
    "reset_mode": 0,
    "negative_saturation": 1,
    "negative_threshold": 0,
    "leak": 0,
}


def _name(obj, fallback):
    """How an error names a graph element: its Nengo object, else its label."""
    return obj if obj is not None else fallback


def _concatenate(parts):
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _port_name(prefix, k, label):
    """``prefix`` and ``k``, then ``label`` in file-safe characters.

    Object addresses (`` at 0x7f...`` in the labels of unlabeled Nengo objects) are
    left out, so a network compiles to the same port names in every process; ``k``
    keeps the names unique.
    """
    label = re.sub(r" at 0x[0-9a-fA-F]+", "", str(label or ""))
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")
    return f"{prefix}{k}" + (f"_{safe}" if safe else "")


@dataclass(eq=False)
class CompiledChip:
    """A compiled chip graph: the hardware model and how the graph maps onto it.

    Attributes
    ----------
    model : ChipModel
        The validated hardware model.
    input_ports : dict of InputGroup to (str, list of ndarray)
        Per input group, its port name and, per channel, the port indices the host
        drives to send that channel's spike (at the tick the spike is to be
        integrated).
    input_edge_ports : dict of Edge to list of ndarray
        Per edge from an input group, per channel, the port indices that serve that
        edge (a subset of the channel's indices), for a host that times edges apart.
    output_ports : dict of NeuronGroup to (str, ndarray)
        Per group with ``to_host`` neurons, its port name and, per group neuron, its
        port index (-1 where the neuron is not sent to the host).
    neuron_location : dict of NeuronGroup to (n, 2) ndarray
        ``(core_id, neuron)`` of each neuron of the group.
    edge_delay : dict of Edge to int
        The delay each edge is realized with, in ticks: the requested delay, or more
        where splitters need it; 0 for edges from input groups.
    core_owner : dict of int to NeuronGroup or str
        What each core serves: the first group placed on it, or :data:`SPLITTER`.
    core_groups : dict of int to list of NeuronGroup
        Every group with neurons on each core (empty for splitter cores).

    The resource figures are in :meth:`stats` and, in words, in :meth:`report`.
    """

    model: ChipModel
    input_ports: dict
    input_edge_ports: dict
    output_ports: dict
    neuron_location: dict
    edge_delay: dict
    core_owner: dict
    core_groups: dict
    _stats: dict = field(default_factory=dict, repr=False)

    def stats(self):
        """Resource use of the compiled chip.

        Returns
        -------
        dict
            ``cores``, ``chips``, ``chip_fraction`` (cores / 4096), ``group_cores``,
            ``splitter_cores``, ``group_neurons``, ``splitter_neurons``, ``neurons``
            (both), ``splitter_stages`` (of the deepest tree); per core, in id order,
            ``axons_per_core``, ``neurons_per_core`` and ``crossbar_bits_per_core``
            ((n_cores,) ndarrays); ``placement`` (the chosen curve),
            ``hops_per_tick`` (mesh hops if every routed neuron fires once),
            ``hops_per_tick_row_major`` (the same for a row-major placement),
            ``hops_by_curve`` and ``compile_seconds``.
        """
        return dict(self._stats)

    def input_spikes(self, spikes, first_tick=0):
        """Turn per-channel spikes into spike-file style input for an emulator.

        Parameters
        ----------
        spikes : dict of InputGroup to (ticks, n) array_like of bool
            Row ``t`` holds the channels that spike at tick ``first_tick + t``.
        first_tick : int, optional

        Returns
        -------
        dict of str to (m, 2) ndarray of int
            Per input port, ``[tick, index]`` pairs sorted by tick, then index.
        """
        out = {}
        for group, raster in spikes.items():
            port, indices = self.input_ports[group]
            raster = np.asarray(raster, dtype=bool).reshape(-1, group.n)
            t, ch = np.nonzero(raster)
            counts = np.array([idx.size for idx in indices], dtype=np.int64)
            flat = np.concatenate(indices) if indices else np.zeros(0, np.int64)
            starts = np.cumsum(counts) - counts
            reps = counts[ch]
            ticks = np.repeat(t + first_tick, reps)
            pos = np.repeat(starts[ch], reps) + (
                np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
            )
            pairs = np.column_stack([ticks, flat[pos]]).astype(np.int64)
            order = np.lexsort((pairs[:, 1], pairs[:, 0]))
            out[port] = pairs[order].reshape(-1, 2)
        return out

    def report(self):
        """str: cores, neurons, axons, crossbar bits, splitters and spike hops."""
        s = self._stats
        lines = [
            "TrueNorth compile report",
            f"  cores:        {s['cores']:,} ({100 * s['chip_fraction']:.3g}% of a "
            f"chip; {s['chips']} chip{'s' if s['chips'] != 1 else ''})",
            f"  neurons:      {s['neurons']:,} used of "
            f"{s['cores'] * NEURONS_PER_CORE:,} ({s['group_neurons']:,} in groups, "
            f"{s['splitter_neurons']:,} splitters)",
            f"  splitters:    {s['splitter_neurons']:,} neurons on "
            f"{s['splitter_cores']:,} cores",
        ]
        if s["cores"]:
            for key, what, limit in (
                ("axons_per_core", "axons/core", AXONS_PER_CORE),
                ("neurons_per_core", "neurons/core", NEURONS_PER_CORE),
                (
                    "crossbar_bits_per_core",
                    "bits/core",
                    AXONS_PER_CORE * NEURONS_PER_CORE,
                ),
            ):
                v = s[key]
                lines.append(
                    f"  {what + ':':13} mean {v.mean():.1f}, min {v.min()}, "
                    f"max {v.max()} (of {limit:,})"
                )
        lines.append(
            f"  placement:    {s['placement']}: {s['hops_per_tick']:,} hops per tick "
            f"if every neuron fires once (row-major: "
            f"{s['hops_per_tick_row_major']:,})"
        )
        lines.append(f"  compile time: {s['compile_seconds']:.3f} s")
        counts = {}
        for owner in self.core_owner.values():
            name = (
                owner if isinstance(owner, str) else str(_name(owner.obj, owner.label))
            )
            counts[name] = counts.get(name, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        lines.append("  cores by owner:")
        lines += [f"    {name}: {n}" for name, n in ranked[:REPORT_OWNERS]]
        if len(ranked) > REPORT_OWNERS:
            rest = ranked[REPORT_OWNERS:]
            lines.append(
                f"    ... {len(rest)} more owners: {sum(n for _, n in rest)} cores"
            )
        return "\n".join(lines)


# --- axons -----------------------------------------------------------------------


class AxonKeys:
    """Numbering of the *columns* -- (axon key, pre unit, axon type) -- of a graph.

    An axon key is ``(pre group, requested delay, weight code, slot)``; its columns are
    numbered ``base[key] + unit * axons_per_input + type``, so that a column is one
    int64 and a core's axons are a set of columns.

    Parameters
    ----------
    graph : ChipGraph

    Attributes
    ----------
    edge_key : dict of Edge to int
    pre, delay, code : list
        Per key: the pre group, the requested delay and the post group's code.
    per_input : (n_keys,) ndarray of int
        Axons per input unit (the code's length).
    base : (n_keys + 1,) ndarray of int64
        First column of each key; ``base[-1]`` is the number of columns.
    is_input : (n_keys,) ndarray of bool
        Whether the key's pre is an :class:`InputGroup`.
    pre_index : (n_keys,) ndarray of int
        Index of the pre in ``graph.inputs`` or ``graph.groups``.
    """

    def __init__(self, graph):
        group_index = {g: k for k, g in enumerate(graph.groups)}
        input_index = {g: k for k, g in enumerate(graph.inputs)}
        keys, slots = {}, {}
        self.edge_key = {}
        self.pre, self.delay, self.code = [], [], []
        pre_index, is_input = [], []
        for edge in graph.edges:
            slot_key = (id(edge.post), id(edge.pre), int(edge.delay))
            slot = slots.get(slot_key, 0)
            slots[slot_key] = slot + 1
            key = (id(edge.pre), int(edge.delay), edge.post.code, slot)
            if key not in keys:
                keys[key] = len(keys)
                self.pre.append(edge.pre)
                self.delay.append(int(edge.delay))
                self.code.append(edge.post.code)
                inp = isinstance(edge.pre, InputGroup)
                is_input.append(inp)
                pre_index.append(
                    input_index[edge.pre] if inp else group_index[edge.pre]
                )
            self.edge_key[edge] = keys[key]
        self.per_input = np.array(
            [c.axons_per_input for c in self.code], dtype=np.int64
        )
        sizes = np.array([p.n for p in self.pre], dtype=np.int64) * self.per_input
        self.base = np.zeros(len(self.pre) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.base[1:])
        self.is_input = np.array(is_input, dtype=bool)
        self.pre_index = np.array(pre_index, dtype=np.int64)
        self.delay_array = np.array(self.delay, dtype=np.int64)

    @property
    def n_columns(self):
        return int(self.base[-1])

    def decode(self, columns):
        """Key, pre unit and axon type of each column.

        Returns
        -------
        key, unit, axon_type : ndarray of int64, shaped like ``columns``
        """
        columns = np.asarray(columns, dtype=np.int64)
        key = np.searchsorted(self.base, columns, side="right") - 1
        rel = columns - self.base[key]
        per = self.per_input[key]
        return key, rel // per, rel % per


def _integer_levels(edge):
    levels = np.asarray(edge.levels)
    if levels.dtype.kind in "iub":
        return levels.astype(np.int64, copy=False)
    rounded = np.round(levels)
    if not np.array_equal(rounded, levels):
        raise BuildError(f"{_name(edge.obj, edge)}: levels must be integers")
    return rounded.astype(np.int64)


_BIT_TABLES = {}


def _bit_table(code):
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
    lo, table = _bit_table(code)
    masks = table[np.asarray(levels, dtype=np.int64) - lo]
    counts = np.zeros(masks.shape, dtype=np.int64)
    for k in range(code.axons_per_input):
        counts += (masks >> k) & 1
    return counts


@dataclass(eq=False)
class GroupEntries:
    """The crossbar bits a group needs, sorted by neuron (see :func:`group_entries`).

    Columns are numbered locally, per group, so per-chunk work can use small dense
    scratch arrays: local column ``l`` is global column ``columns[l]``.

    Attributes
    ----------
    neuron : (m,) ndarray of int64
        Group neuron of each entry, ascending.
    local : (m,) ndarray of int64
        Local column of each entry.
    columns : (n_local,) ndarray of int64
        Global column of each local column.
    """

    neuron: np.ndarray
    local: np.ndarray
    columns: np.ndarray


def group_entries(group, edges, keys):
    """Crossbar bits a group needs: one entry per (neuron, column) with a set bit.

    Parameters
    ----------
    group : NeuronGroup
    edges : list of Edge
        The edges into ``group``.
    keys : AxonKeys

    Returns
    -------
    GroupEntries
    """
    code = group.code
    per = code.axons_per_input
    lo, table = _bit_table(code)
    type_bits = (1 << np.arange(per)).astype(np.uint8)
    neurons, locals_, columns = [], [], []
    local_base = 0
    for edge in edges:
        levels = _integer_levels(edge)
        # flat indices of a boolean array are much faster than 2-D np.nonzero
        flat = np.flatnonzero(levels != 0)
        j, i = flat // edge.pre.n, flat % edge.pre.n
        q = levels.ravel()[flat] - lo
        masks = table[np.clip(q, 0, table.size - 1)]
        bad = (q < 0) | (q >= table.size) | (masks < 0)
        if bad.any():
            raise BuildError(
                f"{_name(edge.obj, edge)}: level {int(q[bad][0] + lo)} cannot be "
                f"written with the {code.name!r} code of {group.label!r} "
                f"(levels {code.levels.min()}..{code.levels.max()})"
            )
        # row-major order keeps the entries sorted by neuron
        flat = np.flatnonzero((masks.astype(np.uint8)[:, None] & type_bits) != 0)
        if per & (per - 1) == 0:  # shifts are much faster than division
            shift = per.bit_length() - 1
            e, k = flat >> shift, flat & (per - 1)
        else:
            e, k = flat // per, flat % per
        neurons.append(j[e])
        locals_.append(local_base + i[e] * per + k)
        kid = keys.edge_key[edge]
        columns.append(keys.base[kid] + np.arange(edge.pre.n * per, dtype=np.int64))
        local_base += edge.pre.n * per
    if len(edges) == 1:
        return GroupEntries(neurons[0], locals_[0], columns[0])
    neuron, local, columns = (_concatenate(x) for x in (neurons, locals_, columns))
    if len(edges) > 1:
        order = np.argsort(neuron, kind="stable")
        neuron, local = neuron[order], local[order]
    return GroupEntries(neuron, local, columns)


# --- cores -----------------------------------------------------------------------


@dataclass(eq=False)
class Allocation:
    """Neurons of the graph's groups packed into cores (the result of
    :func:`allocate_cores`).

    Attributes
    ----------
    location : dict of NeuronGroup to ((n,) ndarray, (n,) ndarray)
        Core index and neuron of each group neuron.
    columns : list of (n_axons,) ndarray of int64
        Per core, the column of each axon (axon ``a`` carries ``columns[c][a]``).
    crossbars, axon_types : list of ndarray
        Per core, its (256, 256) crossbar and (256,) axon types.
    neurons : list of int
        Neurons used per core.
    groups : list of list of NeuronGroup
        Groups with neurons on each core, in the order they were placed.
    chunks : list of (NeuronGroup, int, ndarray)
        Each placed chunk: its group, core and columns.
    bits : list of int
        Crossbar bits set per core.
    """

    location: dict = field(default_factory=dict)
    columns: list = field(default_factory=list)
    crossbars: list = field(default_factory=list)
    axon_types: list = field(default_factory=list)
    neurons: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    chunks: list = field(default_factory=list)
    bits: list = field(default_factory=list)
    # per core: its columns sorted, and their axons (to look columns up)
    _sorted: list = field(default_factory=list)

    @property
    def n_cores(self):
        return len(self.neurons)

    def axons_in_use(self):
        """Every axon of every core: ``(core, column, axon)`` arrays, core by core."""
        counts = [c.size for c in self.columns]
        core = np.repeat(np.arange(self.n_cores), counts)
        column = _concatenate(self.columns)
        axon = _concatenate([np.arange(k) for k in counts])
        return core, column, axon

    def new_core(self):
        self.columns.append(np.zeros(0, np.int64))
        self.crossbars.append(np.zeros((AXONS_PER_CORE, NEURONS_PER_CORE), dtype=bool))
        self.axon_types.append(np.zeros(AXONS_PER_CORE, dtype=np.int64))
        self.neurons.append(0)
        self.groups.append([])
        self.bits.append(0)
        self._sorted.append((np.zeros(0, np.int64), np.zeros(0, np.int64)))
        return self.n_cores - 1

    def lacks(self, core, columns):
        """Mask of ``columns`` (unique) that ``core`` has no axon for yet."""
        have = self._sorted[core][0]
        if have.size == 0:
            return np.ones(columns.size, dtype=bool)
        # `have` is sorted: a binary search is several times faster than np.isin,
        # and this runs for every chunk against every candidate core
        at = np.searchsorted(have, columns)
        at[at == have.size] = 0
        return have[at] != columns

    def add_columns(self, core, columns, keys):
        """Give ``core`` an axon for each of ``columns`` it lacks; return every
        column's axon."""
        new = columns[self.lacks(core, columns)]
        first = self.columns[core].size
        axons = first + np.arange(new.size, dtype=np.int64)
        self.columns[core] = np.concatenate([self.columns[core], new])
        _, _, types = keys.decode(new)
        self.axon_types[core][axons] = types
        have, have_axons = self._sorted[core]
        merged = np.concatenate([have, new])
        merged_axons = np.concatenate([have_axons, axons])
        order = np.argsort(merged)
        have, have_axons = merged[order], merged_axons[order]
        self._sorted[core] = (have, have_axons)
        return have_axons[np.searchsorted(have, columns)]


def _fan_in_error(group, neuron, columns, keys, used):
    key, unit, _ = keys.decode(columns)
    n_inputs = np.unique(np.column_stack([key, unit]), axis=0).shape[0]
    code = group.code
    per = code.axons_per_input
    return CoreFitError(
        _name(group.obj, group.label),
        "axons",
        int(used),
        AXONS_PER_CORE,
        f"neuron {neuron}'s fan-in of {n_inputs} inputs with {code.name!r} weights "
        f"({per} axon{'s' if per > 1 else ''} per input)",
        f"a core takes at most {AXONS_PER_CORE // per} inputs with {code.name!r} "
        "weights; lower the weight bits, or split the fan-in (a Nengo model built "
        "by nengo_truenorth.Simulator has it split through relay neurons, "
        "builder/fan_in.py)",
    )


def allocate_cores(graph, keys, progress=None):
    """Pack the neurons of ``graph.groups`` into cores, first fit, in graph order.

    Each group is cut into contiguous chunks; a chunk ends where one more neuron would
    take its core past 256 neurons or 256 axons (counting each column -- pre unit,
    key and axon type -- with a set bit once). A chunk joins the first of the
    :data:`FIRST_FIT_WINDOW` most recently opened, not full cores where its neurons
    and its new axons fit, so small groups share cores; otherwise it opens a core.

    Parameters
    ----------
    graph : ChipGraph
    keys : AxonKeys
    progress : tqdm, optional
        Updated by the number of neurons allocated.

    Returns
    -------
    Allocation

    Raises
    ------
    CoreFitError
        If one neuron's fan-in needs more than 256 axons.
    """
    alloc = Allocation()
    open_cores = []
    edges_into = {}
    for edge in graph.edges:
        edges_into.setdefault(edge.post, []).append(edge)
    for group in graph.groups:
        n = group.n
        loc_core = np.zeros(n, dtype=np.int64)
        loc_neuron = np.zeros(n, dtype=np.int64)
        alloc.location[group] = (loc_core, loc_neuron)
        ent = group_entries(group, edges_into.get(group, []), keys)
        ptr = np.searchsorted(ent.neuron, np.arange(n + 1))
        # scratch, reset after each chunk: first neuron using each local column,
        # and the axon of each local column on the current core
        first = np.full(ent.columns.size, n, dtype=np.int64)
        axon_of = np.zeros(ent.columns.size, dtype=np.int64)
        a = 0
        while a < n:
            w = min(a + NEURONS_PER_CORE, n)
            rows = ent.neuron[ptr[a] : ptr[w]]
            local = ent.local[ptr[a] : ptr[w]]
            np.minimum.at(first, local, rows)
            is_first = first[local] == rows
            first[local] = n
            used_local, first_row = local[is_first], rows[is_first] - a
            # a column costs its axon from the first neuron that uses it
            used = np.cumsum(np.bincount(first_row, minlength=w - a))
            m = int(np.searchsorted(used, AXONS_PER_CORE, side="right"))
            if m == 0:
                cols = ent.columns[used_local[first_row == 0]]
                raise _fan_in_error(group, a, cols, keys, used[0])
            b = a + m
            chunk_local = used_local[first_row < m]
            columns = ent.columns[chunk_local]
            core = None
            for c in open_cores[-FIRST_FIT_WINDOW:]:
                if alloc.neurons[c] + m > NEURONS_PER_CORE:
                    continue
                n_new = np.count_nonzero(alloc.lacks(c, columns))
                if alloc.columns[c].size + n_new <= AXONS_PER_CORE:
                    core = c
                    break
            if core is None:
                core = alloc.new_core()
                open_cores.append(core)
            axon_of[chunk_local] = alloc.add_columns(core, columns, keys)
            slot0 = alloc.neurons[core]
            sl = slice(ptr[a], ptr[b])
            # flat indices: twice as fast as a 2-D fancy assignment
            flat = axon_of[ent.local[sl]] * NEURONS_PER_CORE + ent.neuron[sl]
            alloc.crossbars[core].reshape(-1)[flat + (slot0 - a)] = True
            alloc.bits[core] += int(ptr[b] - ptr[a])
            loc_core[a:b] = core
            loc_neuron[a:b] = slot0 + np.arange(m)
            alloc.neurons[core] += m
            if not alloc.groups[core] or alloc.groups[core][-1] is not group:
                alloc.groups[core].append(group)
            alloc.chunks.append((group, core, columns))
            if (
                alloc.neurons[core] >= NEURONS_PER_CORE
                or alloc.columns[core].size >= AXONS_PER_CORE
            ):
                open_cores.remove(core)
            if progress is not None:
                progress.update(m)
            a = b
    return alloc


# --- fan-out ---------------------------------------------------------------------


def _fan_out_stages(n_targets):
    """Splitter stages a unit with ``n_targets`` targets needs (0 for <= 1)."""
    stages = np.zeros_like(n_targets)
    capacity = 1
    while (n_targets > capacity).any():
        stages += n_targets > capacity
        capacity *= NEURONS_PER_CORE
    return stages


@dataclass(eq=False)
class FanOut:
    """Every spike route the groups need (the result of :func:`plan_fan_out`).

    Attributes
    ----------
    unit_group : (n_units,) ndarray of int
        Group index of each unit (all groups' neurons, in graph order).
    unit_core, unit_neuron : (n_units,) ndarray of int
        Where each unit sits.
    t_unit, t_core, t_axon, t_delay : (n_targets,) ndarray of int
        Every (core, axon) that some unit's spikes must reach, and the delay they must
        arrive with.
    stages : (n_units,) ndarray of int
        Splitter stages of each unit's tree (0: direct or no destination).
    prefix : (n_units,) ndarray of int
        Ticks spent before the last hop of each unit's tree.
    key_delay : (n_keys,) ndarray of int
        The realized delay of each axon key.
    """

    unit_group: np.ndarray
    unit_core: np.ndarray
    unit_neuron: np.ndarray
    t_unit: np.ndarray
    t_core: np.ndarray
    t_axon: np.ndarray
    t_delay: np.ndarray
    stages: np.ndarray
    prefix: np.ndarray
    key_delay: np.ndarray


def plan_fan_out(graph, keys, alloc):
    """Find every unit's targets, its splitter stages and the realized delays.

    A unit with ``T > 1`` targets needs ``ceil(log_256 T)`` splitter stages, and a
    unit whose longest requested delay ``d`` exceeds one hop's 15 ticks needs
    ``(d - 1) // 15`` relay stages; its tree has the larger number ``s``. Edges from a
    group whose deepest tree has ``S`` stages are realized with delay
    ``max(delay, 1 + S)``, so every edge from one group has one realized delay. A unit
    spends ``P`` ticks (``s <= P <= 15 s``) on the hops before the last one, which then
    takes ``D - P`` (1..15) ticks for a target due after ``D``.

    Parameters
    ----------
    graph : ChipGraph
    keys : AxonKeys
    alloc : Allocation

    Returns
    -------
    FanOut

    Raises
    ------
    CoreFitError
        If one unit's targets need delays more than 14 ticks apart and longer than one
        hop (no shared prefix serves them all).
    """
    groups = graph.groups
    sizes = np.array([g.n for g in groups], dtype=np.int64)
    unit_base = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum(sizes, out=unit_base[1:])
    n_units = int(unit_base[-1])
    unit_group = np.repeat(np.arange(len(groups)), sizes)
    if groups:
        unit_core = np.concatenate([alloc.location[g][0] for g in groups])
        unit_neuron = np.concatenate([alloc.location[g][1] for g in groups])
    else:
        unit_core = unit_neuron = np.zeros(0, np.int64)

    p_core, p_col, p_axon = alloc.axons_in_use()
    key, unit, _ = keys.decode(p_col)
    to_chip = ~keys.is_input[key]
    t_unit = unit_base[keys.pre_index[key[to_chip]]] + unit[to_chip]
    t_key = key[to_chip]
    t_core, t_axon = p_core[to_chip], p_axon[to_chip]

    n_targets = np.bincount(t_unit, minlength=n_units)
    longest = np.zeros(n_units, dtype=np.int64)
    np.maximum.at(longest, t_unit, keys.delay_array[t_key])
    stages = np.maximum(_fan_out_stages(n_targets), (longest - 1) // DELAY_MAX)
    stages[n_targets == 0] = 0
    group_stages = np.zeros(len(groups), dtype=np.int64)
    np.maximum.at(group_stages, unit_group, stages)

    key_delay = np.zeros(len(keys.pre), dtype=np.int64)
    chip_keys = ~keys.is_input
    key_delay[chip_keys] = np.maximum(
        keys.delay_array[chip_keys], 1 + group_stages[keys.pre_index[chip_keys]]
    )
    t_delay = key_delay[t_key]

    # the prefix P must leave every target's last hop within 1..15 ticks
    big = np.iinfo(np.int64).max
    d_min = np.full(n_units, big, dtype=np.int64)
    d_max = np.zeros(n_units, dtype=np.int64)
    np.minimum.at(d_min, t_unit, t_delay)
    np.maximum.at(d_max, t_unit, t_delay)
    low = np.maximum(stages, d_max - DELAY_MAX)
    high = np.minimum(DELAY_MAX * stages, d_min - DELAY_MIN)
    bad = np.flatnonzero((n_targets > 0) & (low > high))
    if bad.size:
        u = int(bad[0])
        g = groups[unit_group[u]]
        asked = keys.delay_array[t_key[t_unit == u]]
        raise CoreFitError(
            _name(g.obj, g.label),
            "ticks of delay spread",
            int(d_max[u] - d_min[u]),
            DELAY_MAX - DELAY_MIN,
            f"neuron {u - unit_base[unit_group[u]]}'s outgoing connections (delays "
            f"{asked.min()}..{asked.max()} ticks, realized as {int(d_min[u])}.."
            f"{int(d_max[u])} through {int(stages[u])} splitter stages)",
            f"one neuron's splitter tree ends in hops of at most {DELAY_MAX} ticks; "
            f"use delays less than {DELAY_MAX} ticks apart on connections from one "
            "object, or connect through separate ensembles",
        )
    prefix = np.where(n_targets > 0, low, 0)
    return FanOut(
        unit_group=unit_group,
        unit_core=unit_core,
        unit_neuron=unit_neuron,
        t_unit=t_unit,
        t_core=t_core,
        t_axon=t_axon,
        t_delay=t_delay,
        stages=stages,
        prefix=prefix,
        key_delay=key_delay,
    )


@dataclass(eq=False)
class Routes:
    """Neuron destinations and splitter cores (the result of :func:`build_splitters`).

    Attributes
    ----------
    src_core, src_neuron, dst_core, dst_axon, dst_delay : (n_routes,) ndarray of int
        One row per routed neuron (group or splitter); cores are allocation indices,
        splitter cores numbered after the group cores.
    n_splitter_cores : int
    splitter_core, splitter_axon, splitter_neuron : (n_splitters,) ndarray of int
        Each splitter neuron, its core and the axon that drives it.
    splitter_source : (n_splitter_cores,) ndarray of int
        Group core whose neuron feeds each splitter core first (for placement).
    """

    src_core: np.ndarray
    src_neuron: np.ndarray
    dst_core: np.ndarray
    dst_axon: np.ndarray
    dst_delay: np.ndarray
    n_splitter_cores: int
    splitter_core: np.ndarray
    splitter_axon: np.ndarray
    splitter_neuron: np.ndarray
    splitter_source: np.ndarray


def _hop_delay(prefix, stages, hop):
    """Delay of prefix hop ``hop`` (0: unit -> root) when ``prefix`` ticks are spread
    over ``stages`` hops as evenly as possible."""
    q, r = np.divmod(prefix, np.maximum(stages, 1))
    return q + (hop < r)


def build_splitters(fan, n_group_cores):
    """Route every unit: directly, or through a tree of splitter nodes.

    A node of a tree is one axon of a splitter core and up to 256 splitter neurons, one
    per child (a target, or a node one stage down). Nodes are built from the leaves up,
    256 children a node, until one root is left, and packed next-fit into splitter
    cores in the order of their source cores, so a splitter core serves neighbours.

    Parameters
    ----------
    fan : FanOut
    n_group_cores : int

    Returns
    -------
    Routes
    """
    stages, prefix = fan.stages, fan.prefix
    # direct routes: one target, no stage
    direct = stages[fan.t_unit] == 0
    src_core = [fan.unit_core[fan.t_unit[direct]]]
    src_neuron = [fan.unit_neuron[fan.t_unit[direct]]]
    dst_core = [fan.t_core[direct]]
    dst_axon = [fan.t_axon[direct]]
    dst_delay = [fan.t_delay[direct]]

    # leaves: the targets of split units, grouped by unit
    t_idx = np.flatnonzero(~direct)
    t_idx = t_idx[np.argsort(fan.t_unit[t_idx], kind="stable")]
    items_unit = fan.t_unit[t_idx]
    node_unit, node_height, node_size = [], [], []
    child_node, parent_node, parent_slot = [], [], []
    target_parent = target_slot = np.zeros(0, np.int64)
    n_nodes, height = 0, 0
    prev_ids = np.zeros(0, np.int64)
    while items_unit.size:
        rank = np.arange(items_unit.size) - np.searchsorted(items_unit, items_unit)
        units, counts = np.unique(items_unit, return_counts=True)
        per_unit = -(-counts // NEURONS_PER_CORE)
        first = n_nodes + np.cumsum(per_unit) - per_unit
        nu = np.repeat(units, per_unit)
        local = np.arange(nu.size) - np.repeat(first - n_nodes, per_unit)
        parent = first[np.searchsorted(units, items_unit)] + rank // NEURONS_PER_CORE
        slot = rank % NEURONS_PER_CORE
        if height == 0:
            target_parent, target_slot = parent, slot
        else:
            child_node.append(prev_ids)
            parent_node.append(parent)
            parent_slot.append(slot)
        ids = n_nodes + np.arange(nu.size)
        node_unit.append(nu)
        node_height.append(np.full(nu.size, height))
        node_size.append(
            np.minimum(
                NEURONS_PER_CORE, np.repeat(counts, per_unit) - local * NEURONS_PER_CORE
            )
        )
        n_nodes += nu.size
        height += 1
        # the next stage up exists for units with more stages than this height
        keep = stages[nu] > height
        items_unit, prev_ids = nu[keep], ids[keep]

    node_unit, node_height, node_size = (
        _concatenate(node_unit),
        _concatenate(node_height),
        _concatenate(node_size),
    )
    child_node, parent_node, parent_slot = (
        _concatenate(child_node),
        _concatenate(parent_node),
        _concatenate(parent_slot),
    )

    # pack nodes next-fit into splitter cores, in the order of their source cores
    order = np.lexsort(
        (np.arange(n_nodes), -node_height, node_unit, fan.unit_core[node_unit])
    )
    node_core = np.zeros(n_nodes, dtype=np.int64)
    node_axon = np.zeros(n_nodes, dtype=np.int64)
    node_first = np.zeros(n_nodes, dtype=np.int64)
    core, fill, n_axons = -1, NEURONS_PER_CORE, 0
    sources = []
    for k, size in zip(order.tolist(), node_size[order].tolist(), strict=True):
        if fill + size > NEURONS_PER_CORE or n_axons >= AXONS_PER_CORE:
            core, fill, n_axons = core + 1, 0, 0
            sources.append(int(fan.unit_core[node_unit[k]]))
        node_core[k], node_axon[k], node_first[k] = core, n_axons, fill
        fill += size
        n_axons += 1
    n_split = core + 1
    node_core += n_group_cores

    # every splitter neuron: (node, slot)
    sp_node = np.repeat(np.arange(n_nodes), node_size)
    sp_slot = np.arange(sp_node.size) - np.repeat(
        np.cumsum(node_size) - node_size, node_size
    )

    # last hop: leaf splitter neuron -> target
    tu = fan.t_unit[t_idx]
    src_core.append(node_core[target_parent])
    src_neuron.append(node_first[target_parent] + target_slot)
    dst_core.append(fan.t_core[t_idx])
    dst_axon.append(fan.t_axon[t_idx])
    dst_delay.append(fan.t_delay[t_idx] - prefix[tu])
    # inner hops: splitter neuron -> child node's axon
    cu = node_unit[child_node]
    src_core.append(node_core[parent_node])
    src_neuron.append(node_first[parent_node] + parent_slot)
    dst_core.append(node_core[child_node])
    dst_axon.append(node_axon[child_node])
    dst_delay.append(
        _hop_delay(prefix[cu], stages[cu], stages[cu] - 1 - node_height[child_node])
    )
    # first hop: unit -> root node
    root = np.flatnonzero(node_height == stages[node_unit] - 1)
    ru = node_unit[root]
    src_core.append(fan.unit_core[ru])
    src_neuron.append(fan.unit_neuron[ru])
    dst_core.append(node_core[root])
    dst_axon.append(node_axon[root])
    dst_delay.append(_hop_delay(prefix[ru], stages[ru], 0))

    return Routes(
        src_core=_concatenate(src_core),
        src_neuron=_concatenate(src_neuron),
        dst_core=_concatenate(dst_core),
        dst_axon=_concatenate(dst_axon),
        dst_delay=_concatenate(dst_delay),
        n_splitter_cores=n_split,
        splitter_core=node_core[sp_node],
        splitter_axon=node_axon[sp_node],
        splitter_neuron=node_first[sp_node] + sp_slot,
        splitter_source=np.array(sources, dtype=np.int64),
    )


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


# --- the whole compiler ----------------------------------------------------------


def _check_graph(graph):
    groups = set(graph.groups)
    inputs = set(graph.inputs)
    for edge in graph.edges:
        name = _name(edge.obj, edge)
        if edge.post not in groups:
            raise BuildError(f"{name}: its post {edge.post} is not in the graph")
        if edge.pre not in groups and edge.pre not in inputs:
            raise BuildError(f"{name}: its pre {edge.pre} is not in the graph")
        if np.shape(edge.levels) != (edge.post.n, edge.pre.n):
            raise BuildError(
                f"{name}: levels have shape {np.shape(edge.levels)}, "
                f"not {(edge.post.n, edge.pre.n)}"
            )
        if not float(edge.delay).is_integer():
            raise BuildError(
                f"{name}: delay {edge.delay} is not a whole number of ticks"
            )
        if isinstance(edge.pre, NeuronGroup) and edge.delay < DELAY_MIN:
            raise BuildError(
                f"{name}: delay {edge.delay} is below {DELAY_MIN} tick; a spike "
                "reaches the next neuron one tick after it is sent at the earliest"
            )


def _group_params(group):
    """Per-neuron fields of a group as (n,) or (n, 4) arrays, range-checked."""
    name = _name(group.obj, group.label)
    if "weights" in group.params:
        raise BuildError(
            f"{name}: 'weights' comes from the weight code and weight_scale, "
            "not from params"
        )
    unknown = sorted(set(group.params) - set(NEURON_FIELDS))
    if unknown:
        raise BuildError(
            f"{name}: unknown neuron parameters {unknown}; "
            f"known: {', '.join(NEURON_FIELDS)}"
        )
    code = group.code
    scale = np.broadcast_to(np.asarray(group.weight_scale, dtype=np.int64), (group.n,))
    weights = np.zeros((group.n, N_AXON_TYPES), dtype=np.int64)
    weights[:, : len(code.values)] = scale[:, None] * np.array(code.values)
    out = {"weights": weights}
    for field_name, (width, lo, hi) in NEURON_FIELDS.items():
        if field_name == "weights":
            values = weights
        elif width == 1:
            values = group.param(field_name)
        else:
            raw = np.asarray(
                group.params.get(field_name, NEURON_DEFAULTS[field_name]),
                dtype=np.int64,
            )
            if raw.ndim == 1 and raw.shape[0] == group.n:
                raw = raw[:, None]
            values = np.broadcast_to(raw, (group.n, width))
        bad = np.flatnonzero(
            ((values < lo) | (values > hi)).reshape(group.n, width).any(1)
        )
        if bad.size:
            j = int(bad[0])
            v = values[j]
            if field_name == "weights":
                raise BuildError(
                    f"{name}: neuron {j}'s weight_scale {int(scale[j])} times the "
                    f"{code.name!r} code's values {code.values} gives weights "
                    f"{v.tolist()} outside {WEIGHT_MIN}..{WEIGHT_MAX}; the scale can "
                    f"be at most {code.max_scale}"
                )
            raise BuildError(
                f"{name}: neuron {j}'s {field_name} = {np.asarray(v).tolist()} is "
                f"outside {lo}..{hi}"
            )
        out[field_name] = values
    return out


def _progress(show, total):
    if not show or total < PROGRESS_MIN_NEURONS:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="neuron", desc="Compiling chip graph")


def compile_graph(graph, seed=0, progress_bar=False):
    """Compile a chip graph into a validated hardware model.

    Parameters
    ----------
    graph : ChipGraph
    seed : int, optional
        Core ``c`` gets seed ``(seed * 4096 + c) mod 2**64``, so stochastic groups
        are reproducible.
    progress_bar : bool, optional
        Show a ``tqdm`` bar for graphs of :data:`PROGRESS_MIN_NEURONS` neurons or more.

    Returns
    -------
    CompiledChip

    Raises
    ------
    CoreFitError
        If a neuron's fan-in needs more than 256 axons, or a neuron's outgoing
        delays cannot share one splitter tree.
    nengo.exceptions.BuildError
        If the graph is malformed (levels outside the code, bad delays or parameters).
    """
    start = time.perf_counter()
    seed = 0 if seed is None else int(seed)
    _check_graph(graph)
    params = {g: _group_params(g) for g in graph.groups}
    keys = AxonKeys(graph)
    progress = _progress(progress_bar, sum(g.n for g in graph.groups))
    try:
        alloc = allocate_cores(graph, keys, progress)
    finally:
        if progress is not None:
            progress.close()
    fan = plan_fan_out(graph, keys, alloc)
    routes = build_splitters(fan, alloc.n_cores)
    n_group_cores = alloc.n_cores
    n_cores = n_group_cores + routes.n_splitter_cores

    # splitter cores go right after the core that feeds them first
    order_key = np.concatenate(
        [2 * np.arange(n_group_cores), 2 * routes.splitter_source + 1]
    )
    xy, curve, hops = place_cores(order_key, routes.src_core, routes.dst_core)

    model = _assemble(graph, params, alloc, routes, xy, n_cores, seed)
    chip = _describe(graph, keys, alloc, fan, routes, model, n_cores)
    chip._stats.update(
        placement=curve,
        hops_per_tick=hops[curve],
        hops_per_tick_row_major=hops["row-major"],
        hops_by_curve=hops,
    )
    try:
        model.validate()
    except HardwareModelError as err:  # a compiler bug, but say where it is
        raise BuildError(f"compiled model breaks a chip rule: {err}") from err
    chip._stats["compile_seconds"] = time.perf_counter() - start
    return chip


def _assemble(graph, params, alloc, routes, xy, n_cores, seed):
    """Build the ChipModel: cores share big per-field arrays (one row per core)."""
    big = {}
    for name, (width, _, _) in NEURON_FIELDS.items():
        shape = (n_cores, NEURONS_PER_CORE) + ((width,) if width > 1 else ())
        big[name] = np.full(shape, NEURON_DEFAULTS[name], dtype=np.int64)
    target_core = np.full((n_cores, NEURONS_PER_CORE), -1, dtype=np.int64)
    target_axon = np.zeros((n_cores, NEURONS_PER_CORE), dtype=np.int64)
    target_delay = np.ones((n_cores, NEURONS_PER_CORE), dtype=np.int64)

    for group in graph.groups:
        c, j = alloc.location[group]
        for name, values in params[group].items():
            big[name][c, j] = values

    n_split = routes.n_splitter_cores
    split_xb = np.zeros((n_split, AXONS_PER_CORE, NEURONS_PER_CORE), dtype=bool)
    sc = routes.splitter_core - alloc.n_cores
    split_xb[sc, routes.splitter_axon, routes.splitter_neuron] = True
    sc_global = routes.splitter_core
    big["weights"][sc_global, routes.splitter_neuron, 0] = 1
    for name, value in SPLITTER_PARAMS.items():
        big[name][sc_global, routes.splitter_neuron] = value

    target_core[routes.src_core, routes.src_neuron] = routes.dst_core
    target_axon[routes.src_core, routes.src_neuron] = routes.dst_axon
    target_delay[routes.src_core, routes.src_neuron] = routes.dst_delay

    model = ChipModel()
    split_types = np.zeros(AXONS_PER_CORE, dtype=np.int64)
    for c in range(n_cores):
        core = Core(
            c,
            x=int(xy[c, 0]),
            y=int(xy[c, 1]),
            seed=(int(seed) * CORES_PER_CHIP + c) % (SEED_MAX + 1),
        )
        if c < alloc.n_cores:
            core.crossbar = alloc.crossbars[c]
            core.axon_types = alloc.axon_types[c]
        else:
            core.crossbar = split_xb[c - alloc.n_cores]
            core.axon_types = split_types.copy()
        for name in NEURON_FIELDS:
            setattr(core, name, big[name][c])
        core.target_core = target_core[c]
        core.target_axon = target_axon[c]
        core.target_delay = target_delay[c]
        model.cores.append(core)
    return model


def _describe(graph, keys, alloc, fan, routes, model, n_cores):
    """Ports, maps and statistics of a compiled graph."""
    n_group_cores = alloc.n_cores

    # input ports: every (core, axon) of an input key, by channel then core and axon
    input_ports, input_edge_ports = {}, {}
    p_core, p_col, p_axon = alloc.axons_in_use()
    key, unit, _ = keys.decode(p_col)
    port_of_pair = np.full(p_col.size, -1, dtype=np.int64)
    # the pairs of every input, sorted by input, then channel, core and axon
    input_pairs = np.flatnonzero(keys.is_input[key])
    input_of = keys.pre_index[key[input_pairs]]
    order = np.lexsort(
        (p_axon[input_pairs], p_core[input_pairs], unit[input_pairs], input_of)
    )
    input_pairs = input_pairs[order]
    input_bounds = np.searchsorted(input_of[order], np.arange(len(graph.inputs) + 1))
    for k, group in enumerate(graph.inputs):
        sel = input_pairs[input_bounds[k] : input_bounds[k + 1]]
        port = _port_name("in", k, group.label)
        model.add_input(port, np.column_stack([p_core[sel], p_axon[sel]]))
        port_of_pair[sel] = np.arange(sel.size)
        bounds = np.searchsorted(unit[sel], np.arange(group.n + 1))
        idx = np.arange(sel.size, dtype=np.int64)
        input_ports[group] = (
            port,
            [idx[bounds[i] : bounds[i + 1]] for i in range(group.n)],
        )
    # per input edge: the pairs of its key on the chunks of its post group
    pair_lookup = p_core * max(keys.n_columns, 1) + p_col
    lookup_order = np.argsort(pair_lookup)
    chunks_of = {}
    for group, core, columns in alloc.chunks:
        chunks_of.setdefault(group, []).append((core, columns))
    for edge in graph.edges:
        if not isinstance(edge.pre, InputGroup):
            continue
        kid = keys.edge_key[edge]
        lo, hi = keys.base[kid], keys.base[kid + 1]
        found = []
        for core, columns in chunks_of.get(edge.post, []):
            cols = columns[(columns >= lo) & (columns < hi)]
            q = core * max(keys.n_columns, 1) + cols
            found.append(
                lookup_order[np.searchsorted(pair_lookup, q, sorter=lookup_order)]
            )
        pairs = np.unique(_concatenate(found))
        ports, channel = port_of_pair[pairs], unit[pairs]
        input_edge_ports[edge] = [
            np.sort(ports[channel == i]) for i in range(edge.pre.n)
        ]

    output_ports, neuron_location = {}, {}
    n_out = 0
    for group in graph.groups:
        c, j = alloc.location[group]
        neuron_location[group] = np.column_stack([c, j]).astype(np.int64)
        if group.to_host.any():
            port = _port_name("out", n_out, group.label)
            n_out += 1
            sel = np.flatnonzero(group.to_host)
            model.add_output(port, np.column_stack([c[sel], j[sel]]))
            index = np.full(group.n, -1, dtype=np.int64)
            index[sel] = np.arange(sel.size)
            output_ports[group] = (port, index)

    edge_delay = {e: int(fan.key_delay[keys.edge_key[e]]) for e in graph.edges}
    core_owner, core_groups = {}, {}
    for c in range(n_cores):
        groups = alloc.groups[c] if c < n_group_cores else []
        core_groups[c] = list(groups)
        core_owner[c] = groups[0] if groups else SPLITTER

    n_split_neurons = int(routes.splitter_neuron.size)
    split_neurons = np.bincount(
        routes.splitter_core - n_group_cores, minlength=routes.n_splitter_cores
    )
    split_axons = np.zeros(routes.n_splitter_cores, dtype=np.int64)
    if n_split_neurons:
        np.maximum.at(
            split_axons, routes.splitter_core - n_group_cores, routes.splitter_axon + 1
        )
    group_axons = np.array([c.size for c in alloc.columns], dtype=np.int64)
    axons = np.concatenate([group_axons, split_axons])
    neurons = np.concatenate([np.array(alloc.neurons, dtype=np.int64), split_neurons])
    bits = np.concatenate([np.array(alloc.bits, dtype=np.int64), split_neurons])
    stats = dict(
        cores=n_cores,
        chips=len(
            {(int(c.x) // CHIP_SIZE, int(c.y) // CHIP_SIZE) for c in model.cores}
        ),
        chip_fraction=n_cores / CORES_PER_CHIP,
        group_cores=n_group_cores,
        splitter_cores=routes.n_splitter_cores,
        group_neurons=int(sum(g.n for g in graph.groups)),
        splitter_neurons=n_split_neurons,
        neurons=int(neurons.sum()),
        axons_per_core=axons,
        neurons_per_core=neurons,
        crossbar_bits_per_core=bits,
        splitter_stages=int(fan.stages.max(initial=0)),
    )
    return CompiledChip(
        model=model,
        input_ports=input_ports,
        input_edge_ports=input_edge_ports,
        output_ports=output_ports,
        neuron_location=neuron_location,
        edge_delay=edge_delay,
        core_owner=core_owner,
        core_groups=core_groups,
        _stats=stats,
    )
