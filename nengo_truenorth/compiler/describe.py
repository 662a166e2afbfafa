"""Stage 6 of the compiler: input and output ports, maps and resource figures."""

import numpy as np

from ..hardware.limits import (
    CHIP_SIZE,
    CORES_PER_CHIP,
)
from ..ir import InputGroup

from .chip import CompiledChip, SPLITTER, concatenate_or_empty, port_name


def describe(graph, keys, alloc, fan, routes, model, n_cores):
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
        port = port_name("in", k, group.label)
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
        pairs = np.unique(concatenate_or_empty(found))
        ports, channel = port_of_pair[pairs], unit[pairs]
        # per channel, its ports in order: one sort, not a scan per channel
        order = np.lexsort((ports, channel))
        ports, channel = ports[order], channel[order]
        bounds = np.searchsorted(channel, np.arange(edge.pre.n + 1))
        input_edge_ports[edge] = [
            ports[bounds[i] : bounds[i + 1]] for i in range(edge.pre.n)
        ]

    output_ports, neuron_location = {}, {}
    n_out = 0
    for group in graph.groups:
        c, j = alloc.location[group]
        neuron_location[group] = np.column_stack([c, j]).astype(np.int64)
        if group.to_host.any():
            port = port_name("out", n_out, group.label)
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
        copy_neurons=int(fan.copy_core.size),
        neurons_by_role=_neurons_by_role(graph, n_split_neurons, fan.copy_core.size),
        by_object=_by_object(graph, alloc, fan, routes),
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


def _neurons_by_role(graph, splitters, copies):
    """Neurons per role (:attr:`~.NeuronGroup.role`), splitters and copies last."""
    counts = {}
    for group in graph.groups:
        counts[group.role] = counts.get(group.role, 0) + group.n
    counts["splitters"] = int(splitters)
    counts["copies"] = int(copies)
    return counts


def _by_object(graph, alloc, fan, routes):
    """Per Nengo object (a group's ``obj``, else its label): the cores it owns and
    its neurons by role, with the splitter neurons that carry its neurons' spikes
    and the copies of its neurons.

    A group core belongs to its first group's object, a splitter core to the object
    of the first neuron whose tree it holds (as ``CompiledChip.core_owner`` has
    them).

    Returns
    -------
    dict of object to dict
        ``{"cores": int, "neurons": {role: int}}``, objects in graph order.
    """
    index = {id(g): k for k, g in enumerate(graph.groups)}
    keys = [g.obj if g.obj is not None else g.label for g in graph.groups]
    rows = {}
    for group, key in zip(graph.groups, keys):
        neurons = rows.setdefault(key, {"cores": 0, "neurons": {}})["neurons"]
        neurons[group.role] = neurons.get(group.role, 0) + group.n
    for role, units in (
        ("splitters", routes.splitter_unit),
        ("copies", fan.copy_unit),
    ):
        if units is None or units.size == 0:
            continue
        counts = np.bincount(fan.unit_group[units], minlength=len(keys))
        for k in np.flatnonzero(counts).tolist():
            neurons = rows[keys[k]]["neurons"]
            neurons[role] = neurons.get(role, 0) + int(counts[k])
    for groups in alloc.groups:
        if groups:
            rows[keys[index[id(groups[0])]]]["cores"] += 1
    if routes.splitter_unit is not None and routes.splitter_unit.size:
        _, first = np.unique(routes.splitter_core, return_index=True)
        owners = fan.unit_group[routes.splitter_unit[first]]
        for k in owners.tolist():
            rows[keys[k]]["cores"] += 1
    return rows
