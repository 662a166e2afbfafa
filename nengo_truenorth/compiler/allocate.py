"""Stage 2 of the compiler: neuron groups cut into chunks, chunks put on cores."""

from dataclasses import dataclass, field

import numpy as np

from ..hardware.limits import (
    AXONS_PER_CORE,
    NEURONS_PER_CORE,
)
from .errors import CoreFitError

from .chip import name_of, concatenate_or_empty
from .axons import GroupEntries, group_entries


#: First-fit over every open core would be quadratic in the number of cores.
FIRST_FIT_WINDOW = 16
#: A progress bar is shown (when asked for) from this many neurons on.


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
        column = concatenate_or_empty(self.columns)
        axon = concatenate_or_empty([np.arange(k) for k in counts])
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
        name_of(group.obj, group.label),
        "axons",
        int(used),
        AXONS_PER_CORE,
        f"neuron {neuron}'s fan-in of {n_inputs} inputs with {code.name!r} weights "
        f"({per} axon{'s' if per > 1 else ''} per input)",
        f"a core takes at most {AXONS_PER_CORE // per} inputs with {code.name!r} "
        "weights; lower the weight bits, or split the fan-in (a Nengo model built "
        "by nengo_truenorth.Simulator has it split through relay neurons, "
        "the fan-in pass, passes/fan_in.py)",
    )


def _packing_order(group):
    """The order in which ``group``'s neurons are packed, and where its tiles
    start in that order (see :attr:`~.NeuronGroup.tiles`); ``(None, None)`` for
    index order without tiles."""
    tiles = group.tiles
    if tiles is None:
        return None, None
    tiles = np.asarray(tiles, dtype=np.int64)
    if tiles.shape != (group.n,):
        raise ValueError(
            f"{group.label}: {tiles.shape} tiles for {group.n} neurons"
        )
    order = np.argsort(tiles, kind="stable")
    ranked = tiles[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    return order, starts


def _in_packing_order(ent, order):
    """``ent`` with each neuron replaced by its rank in ``order``, sorted by rank."""
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    neuron = rank[ent.neuron]
    by_rank = np.argsort(neuron, kind="stable")
    return GroupEntries(neuron[by_rank], ent.local[by_rank], ent.columns)


def _choose_core(alloc, open_cores, columns, m):
    """The recently opened core for a chunk of ``m`` neurons and ``columns``: of
    those where its neurons and new axons fit, the one that already has the most of
    its columns (the first of them), else None.

    A chunk that shares an axon with a core's neurons takes its spikes through the
    crossbar there, rather than through an axon of its own elsewhere: a second
    target of each pre neuron (a copy or a splitter). Filter neurons so join the
    sum neurons they feed, whose axons their own loop uses (see
    :func:`~nengo_truenorth.passes.decode.build_sign_plane_bank`).
    """
    best, best_shared = None, -1
    for c in open_cores[-FIRST_FIT_WINDOW:]:
        if alloc.neurons[c] + m > NEURONS_PER_CORE:
            continue
        n_new = np.count_nonzero(alloc.lacks(c, columns))
        if alloc.columns[c].size + n_new > AXONS_PER_CORE:
            continue
        shared = columns.size - n_new
        if shared > best_shared:
            best, best_shared = c, shared
            if shared == columns.size:
                break
    return best


def allocate_cores(graph, keys, progress=None):
    """Pack the neurons of ``graph.groups`` into cores, first fit, in graph order.

    Each group's neurons are taken in index order, or tile by tile (see
    :attr:`~.NeuronGroup.tiles`), and cut into contiguous chunks; a chunk ends where
    one more neuron would take its core past 256 neurons or 256 axons (counting each
    column -- pre unit, key and axon type -- with a set bit once), or at the last tile
    boundary before that. A chunk joins one of the :data:`FIRST_FIT_WINDOW` most
    recently opened, not full cores where its neurons and its new axons fit -- the
    one with the most of its columns, the first of equals -- so small groups share
    cores, and groups that read the same axons share them (:func:`_choose_core`);
    otherwise it opens a core.

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
        # neurons are packed in the group's order: rank r is neuron order[r]
        order, tile_starts = _packing_order(group)
        if order is not None:
            ent = _in_packing_order(ent, order)
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
                first_neuron = a if order is None else int(order[a])
                raise _fan_in_error(group, first_neuron, cols, keys, used[0])
            if tile_starts is not None and a + m < n:
                # end at the last tile boundary that fits, not inside a tile: the
                # next core then starts on a whole tile of shared inputs
                k = np.searchsorted(tile_starts, a + m, side="right") - 1
                if tile_starts[k] > a:
                    m = int(tile_starts[k] - a)
            b = a + m
            chunk_local = used_local[first_row < m]
            columns = ent.columns[chunk_local]
            core = _choose_core(alloc, open_cores, columns, m)
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
            placed = slice(a, b) if order is None else order[a:b]
            loc_core[placed] = core
            loc_neuron[placed] = slot0 + np.arange(m)
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
