"""Stage 3 of the compiler: fan-out trees of splitter neurons, and delays."""

from dataclasses import dataclass

import numpy as np

from ..hardware.limits import (
    AXONS_PER_CORE,
    DELAY_MAX,
    DELAY_MIN,
    NEURONS_PER_CORE,
)
from .errors import CoreFitError

from .chip import name_of, concatenate_or_empty


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
    t_neuron : (n_targets,) ndarray of int
        The neuron (on ``unit_core``) that sends each target its spikes: the unit
        itself, or one of its copies.
    copy_core, copy_neuron, copy_of : (n_copies,) ndarray of int
        Each copy of a unit (see :func:`plan_copies`): its core, its neuron and the
        neuron it copies.
    copy_unit : (n_copies,) ndarray of int
        The unit each copy copies.
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
    t_neuron: np.ndarray = None
    copy_core: np.ndarray = None
    copy_neuron: np.ndarray = None
    copy_of: np.ndarray = None
    copy_unit: np.ndarray = None


#: Neuron fields whose nonzero values draw from a core's PRNG.
RANDOM_FIELDS = ("stochastic_weights", "stochastic_leak", "threshold_mask_bits")


def _random_units(graph):
    """(n_units,) bool: neurons with a stochastic mode (a draw from their core's
    PRNG), in graph order."""
    parts = []
    for g in graph.groups:
        random = np.zeros(g.n, dtype=bool)
        for name in RANDOM_FIELDS:
            raw = np.asarray(g.params.get(name, 0)) != 0
            if raw.ndim and raw.shape[0] == g.n:  # per neuron (maybe per type)
                random |= raw.reshape(g.n, -1).any(axis=1)
            else:  # one value (or one per axon type) for the whole group
                random |= bool(raw.any())
        parts.append(random)
    return concatenate_or_empty(parts).astype(bool)


def plan_copies(alloc, unit_core, unit_neuron, n_targets, longest, random):
    """Copies of neurons, on their own cores, that take the place of splitters.

    A deterministic neuron and a copy of it -- same parameters, same crossbar column,
    so the same synaptic input every tick -- fire at the same ticks; each sends to
    its own target, so a neuron with ``T`` targets and ``T - 1`` copies needs no
    splitter tree, no splitter core and no extra tick (Esser et al. 2016 copy
    neurons the same way). Copies go where the unit's core has free neurons; a unit
    with a stochastic mode is not copied (its copy would draw other numbers), but
    its deterministic neighbours are: draws are keyed by (core, tick, neuron,
    stream) (:mod:`~nengo_truenorth.emulator.prng`), so a copy changes no other
    neuron's draws. Units whose longest delay needs a relay stage keep their trees.
    Units with the fewest targets are copied first, so the most trees go.

    Parameters
    ----------
    alloc : Allocation
        Updated in place: each copy takes a neuron and its crossbar column.
    unit_core, unit_neuron, n_targets, longest : (n_units,) ndarray of int
    random : (n_units,) ndarray of bool

    Returns
    -------
    copied : (n_units,) ndarray of bool
    first_copy : (n_units,) ndarray of int
        The first of each copied unit's ``T - 1`` consecutive copy neurons.
    copy_core, copy_neuron, copy_of, copy_unit : (n_copies,) ndarray of int
    """
    n_units = unit_core.size
    copied = np.zeros(n_units, dtype=bool)
    first_copy = np.zeros(n_units, dtype=np.int64)
    empty = np.zeros(0, np.int64)
    if n_units == 0 or alloc.n_cores == 0:
        return copied, first_copy, empty, empty, empty, empty
    free = NEURONS_PER_CORE - np.asarray(alloc.neurons, dtype=np.int64)
    cand = np.flatnonzero(
        (n_targets > 1)
        & (longest <= DELAY_MAX)
        & ~random
        & (n_targets - 1 <= free[unit_core])
    )
    if cand.size == 0:
        return copied, first_copy, empty, empty, empty, empty
    cand = cand[np.lexsort((n_targets[cand], unit_core[cand]))]
    need = n_targets[cand] - 1
    core = unit_core[cand]
    # copies each core needs so far, its candidates in order of fewest targets
    take = _needed_before(need, core) + need <= free[core]
    # a unit that does not fit leaves room it would have taken to no one: recount
    cand, need, core = cand[take], need[take], core[take]
    before = _needed_before(need, core)
    base = np.asarray(alloc.neurons, dtype=np.int64)[core]
    copied[cand] = True
    first_copy[cand] = base + before
    copy_core = np.repeat(core, need)
    copy_of = np.repeat(unit_neuron[cand], need)
    copy_unit = np.repeat(cand, need)
    copy_neuron = np.repeat(first_copy[cand], need) + (
        np.arange(need.sum()) - np.repeat(np.cumsum(need) - need, need)
    )
    for c in np.unique(copy_core).tolist():
        mine = copy_core == c
        xb = alloc.crossbars[c]
        xb[:, copy_neuron[mine]] = xb[:, copy_of[mine]]
        alloc.bits[c] += int(xb[:, copy_neuron[mine]].sum())
        alloc.neurons[c] += int(mine.sum())
    return copied, first_copy, copy_core, copy_neuron, copy_of, copy_unit


def _needed_before(need, core):
    """Per item, the sum of ``need`` over the items before it on its core
    (``core`` sorted)."""
    total = np.cumsum(need)
    core_start = np.searchsorted(core, core, side="left")
    return total - need - np.where(core_start > 0, total[core_start - 1], 0)


def plan_fan_out(graph, keys, alloc, copies=True):
    """Find every unit's targets, its splitter stages and the realized delays.

    A unit with ``T > 1`` targets needs ``ceil(log_256 T)`` splitter stages (none
    when it is copied, :func:`plan_copies`), and a
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
    copies : bool, optional
        Copy deterministic neurons beside themselves where their cores have room,
        in place of splitter trees (:func:`plan_copies`; default True).

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
    if copies:
        copied, first_copy, copy_core, copy_neuron, copy_of, copy_unit = plan_copies(
            alloc, unit_core, unit_neuron, n_targets, longest, _random_units(graph)
        )
    else:
        copied = np.zeros(n_units, dtype=bool)
        first_copy = copy_core = copy_neuron = copy_of = copy_unit = np.zeros(
            0, np.int64
        )
    stages[copied] = 0
    # the targets of a copied unit: the first from the unit, the others one per copy
    by_unit = np.argsort(t_unit, kind="stable")
    rank = np.empty_like(by_unit)
    rank[by_unit] = np.arange(by_unit.size) - np.searchsorted(
        t_unit[by_unit], t_unit[by_unit]
    )
    t_neuron = unit_neuron[t_unit].copy()
    moved = copied[t_unit] & (rank > 0)
    t_neuron[moved] = first_copy[t_unit[moved]] + rank[moved] - 1
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
            name_of(g.obj, g.label),
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
        t_neuron=t_neuron,
        copy_core=copy_core,
        copy_neuron=copy_neuron,
        copy_of=copy_of,
        copy_unit=copy_unit,
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
    splitter_unit : (n_splitters,) ndarray of int
        The unit whose spikes each splitter neuron carries.
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
    splitter_unit: np.ndarray = None


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
    src_neuron = [fan.t_neuron[direct]]
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
        concatenate_or_empty(node_unit),
        concatenate_or_empty(node_height),
        concatenate_or_empty(node_size),
    )
    child_node, parent_node, parent_slot = (
        concatenate_or_empty(child_node),
        concatenate_or_empty(parent_node),
        concatenate_or_empty(parent_slot),
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
        src_core=concatenate_or_empty(src_core),
        src_neuron=concatenate_or_empty(src_neuron),
        dst_core=concatenate_or_empty(dst_core),
        dst_axon=concatenate_or_empty(dst_axon),
        dst_delay=concatenate_or_empty(dst_delay),
        n_splitter_cores=n_split,
        splitter_core=node_core[sp_node],
        splitter_axon=node_axon[sp_node],
        splitter_neuron=node_first[sp_node] + sp_slot,
        splitter_source=np.array(sources, dtype=np.int64),
        splitter_unit=node_unit[sp_node],
    )
