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
2. **Cores** (:func:`allocate_cores`). Each group is cut, in order (tile by tile for
   a convolution's outputs, :attr:`~.NeuronGroup.tiles`), into contiguous chunks that
   fit one core (<= 256 neurons, <= 256 axons); each chunk goes to the
   first recently opened core with room for its neurons and its *new* axons, else to
   a new core. A neuron whose own fan-in needs more than 256 axons raises
   :class:`~.errors.CoreFitError`.
3. **Fan-out** (:func:`plan_fan_out`, :func:`build_splitters`). A neuron has one
   destination, so a neuron whose spikes must reach more than one (core, axon) gets
   copies of itself beside it, one per extra target, where it is deterministic and
   its core has free neurons (:func:`~.fan_out.plan_copies`); otherwise it sends
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
>>> from nengo_truenorth.ir import ChipGraph, Edge, InputGroup, NeuronGroup
>>> graph = ChipGraph()
>>> stim = graph.add_input(InputGroup(2, "stim"))
>>> ens = graph.add_group(NeuronGroup(3, "ens", params={"threshold": 2}))
>>> _ = graph.add_edge(Edge(stim, ens, np.array([[1, 0], [0, 1], [1, 1]])))
>>> chip = compile_graph(graph)
>>> chip.stats()["cores"], chip.edge_delay[graph.edges[0]]
(1, 0)
"""

import time

import numpy as np
from nengo.exceptions import BuildError

from ..hardware.errors import HardwareModelError
from ..hardware.limits import (
    DELAY_MIN,
    NEURONS_PER_CORE,
)
from ..ir import NeuronGroup

from .chip import name_of
from .axons import AxonKeys
from .allocate import allocate_cores
from .fan_out import plan_fan_out, build_splitters
from .placement import place_cores
from .assemble import assemble, group_params
from .describe import describe

PROGRESS_MIN_NEURONS = 16 * NEURONS_PER_CORE


# --- the whole compiler ----------------------------------------------------------


def _check_graph(graph):
    """Refuse malformed graphs. Levels may be dense or sparse (``np.shape`` reads a
    sparse matrix's shape without densifying it)."""
    groups = set(graph.groups)
    inputs = set(graph.inputs)
    for edge in graph.edges:
        name = name_of(edge.obj, edge)
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


def _progress(show, total):
    if not show or total < PROGRESS_MIN_NEURONS:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="neuron", desc="Compiling chip graph")


def compile_graph(graph, seed=0, progress_bar=False, copies=True):
    """Compile a chip graph into a validated hardware model.

    Parameters
    ----------
    graph : ChipGraph
    seed : int, optional
        Core ``c`` gets seed ``(seed * 4096 + c) mod 2**64``, so stochastic groups
        are reproducible.
    progress_bar : bool, optional
        Show a ``tqdm`` bar for graphs of :data:`PROGRESS_MIN_NEURONS` neurons or more.
    copies : bool, optional
        Copy deterministic neurons beside themselves, where their cores have free
        neurons, in place of splitter trees (default True; see
        :func:`.fan_out.plan_copies`).

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
    params = {g: group_params(g) for g in graph.groups}
    keys = AxonKeys(graph)
    progress = _progress(progress_bar, sum(g.n for g in graph.groups))
    try:
        alloc = allocate_cores(graph, keys, progress)
    finally:
        if progress is not None:
            progress.close()
    fan = plan_fan_out(graph, keys, alloc, copies=copies)
    routes = build_splitters(fan, alloc.n_cores)
    n_group_cores = alloc.n_cores
    n_cores = n_group_cores + routes.n_splitter_cores

    # splitter cores go right after the core that feeds them first
    order_key = np.concatenate(
        [2 * np.arange(n_group_cores), 2 * routes.splitter_source + 1]
    )
    xy, curve, hops = place_cores(order_key, routes.src_core, routes.dst_core)

    model = assemble(
        graph,
        params,
        alloc,
        routes,
        xy,
        n_cores,
        seed,
        copies=(fan.copy_core, fan.copy_neuron, fan.copy_of),
    )
    chip = describe(graph, keys, alloc, fan, routes, model, n_cores)
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
