"""Stage 1 of the compiler: axon keys and the crossbar bits each group needs."""

from dataclasses import dataclass

import numpy as np
from nengo.exceptions import BuildError

from ..ir import InputGroup, sparse

from ..ir.codes import bit_table
from .chip import name_of, concatenate_or_empty


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
    """The edge's levels as int64 (dense, or canonical CSR if sparse)."""
    levels = edge.levels
    if not sparse.issparse(levels):
        levels = np.asarray(levels)
    v = sparse.values(levels)
    if v.dtype.kind in "iub":
        return sparse.with_values(levels, v.astype(np.int64, copy=False))
    rounded = np.round(v)
    if not np.array_equal(rounded, v):
        raise BuildError(f"{name_of(edge.obj, edge)}: levels must be integers")
    return sparse.with_values(levels, rounded.astype(np.int64))


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
    lo, table = bit_table(code)
    type_bits = (1 << np.arange(per)).astype(np.uint8)
    neurons, locals_, columns = [], [], []
    local_base = 0
    for edge in edges:
        # the nonzero levels in row-major order (a sparse edge is never densified)
        j, i, q = sparse.entries(_integer_levels(edge))
        q = q - lo
        masks = table[np.clip(q, 0, table.size - 1)]
        bad = (q < 0) | (q >= table.size) | (masks < 0)
        if bad.any():
            raise BuildError(
                f"{name_of(edge.obj, edge)}: level {int(q[bad][0] + lo)} cannot be "
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
    neuron, local, columns = (
        concatenate_or_empty(x) for x in (neurons, locals_, columns)
    )
    if len(edges) > 1:
        order = np.argsort(neuron, kind="stable")
        neuron, local = neuron[order], local[order]
    return GroupEntries(neuron, local, columns)
