"""A direct simulation of a :class:`~.graph.ChipGraph`, with no cores at all.

It computes what the compiled chip must compute -- group by group, with integer
matrices (dense, or sparse where the edge is) -- so the compiler can be tested
against it: a compiled graph run on an emulator gives the same spikes as
:func:`simulate_graph` with the delays the compiler realized
(:attr:`~.compile.CompiledChip.edge_delay`).

Neuron ``j`` of a group adds ``weight_scale[j] * levels[j, i]`` for each pre unit ``i``
that spiked ``delay`` ticks before (input channels: with delay 0, at the same tick),
then leaks, fires, resets and saturates as spec section 3 says (steps 2--6, as in
:mod:`nengo_truenorth.emulator.reference`). Only deterministic groups are simulated.

The chip merges spikes due on one axon at one tick. The compiler gives each pre unit
its own axons per delay (and per edge), and a unit fires at most once a tick, so that
merge never happens in a compiled graph, and this simulation has nothing to merge.
"""

import numpy as np

from ..hardware.limits import (
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_LINEAR,
    RESET_NORMAL,
)
from . import sparse
from .graph import InputGroup

#: Fields that make a group stochastic (not simulated here).
STOCHASTIC_FIELDS = ("stochastic_weights", "stochastic_leak", "threshold_mask_bits")


def _params(group):
    for name in STOCHASTIC_FIELDS:
        if np.any(np.asarray(group.params.get(name, 0)) != 0):
            raise NotImplementedError(
                f"{group}: {name} is stochastic; simulate_graph runs deterministic "
                "groups only"
            )
    return {
        name: group.param(name)
        for name in (
            "leak",
            "leak_reversal",
            "threshold",
            "negative_threshold",
            "reset_potential",
            "reset_mode",
            "negative_saturation",
            "initial_potential",
        )
    }


def simulate_graph(graph, ticks, input_spikes=None, edge_delay=None, voltages=False):
    """Run ``graph`` for ``ticks`` ticks, exactly as the chip should.

    Parameters
    ----------
    graph : ChipGraph
    ticks : int
    input_spikes : dict of InputGroup to (ticks, n) array_like of bool, optional
        Channels that spike at each tick (missing groups never spike).
    edge_delay : dict of Edge to int, optional
        Delay of each edge in ticks (default: ``edge.delay``); 0 is allowed for edges
        from input groups only.
    voltages : bool, optional
        Also return each group's potentials after every tick.

    Returns
    -------
    spikes : dict of NeuronGroup to (ticks, n) ndarray of bool
    potentials : dict of NeuronGroup to (ticks, n) ndarray of int64
        Only when ``voltages`` is true.
    """
    ticks = int(ticks)
    input_spikes = input_spikes or {}
    edge_delay = edge_delay or {}
    spikes = {g: np.zeros((ticks, g.n), dtype=bool) for g in graph.groups}
    for group in graph.inputs:
        raster = np.asarray(
            input_spikes.get(group, np.zeros((ticks, group.n))), dtype=bool
        )
        if raster.shape != (ticks, group.n):
            raise ValueError(
                f"{group}: input spikes have shape {raster.shape}, "
                f"not {(ticks, group.n)}"
            )
        spikes[group] = raster
    potentials = {g: np.zeros((ticks, g.n), dtype=np.int64) for g in graph.groups}

    # per post group: (pre, delay, weight matrix weight_scale[j] * levels[j, i])
    incoming = {g: [] for g in graph.groups}
    for edge in graph.edges:
        delay = int(edge_delay.get(edge, edge.delay))
        if delay < 0 or (delay == 0 and not isinstance(edge.pre, InputGroup)):
            raise ValueError(f"{edge}: delay {delay} is not allowed")
        scale = np.asarray(edge.post.weight_scale, dtype=np.int64)
        levels = edge.levels
        if not sparse.issparse(levels):
            levels = np.asarray(levels, dtype=np.int64)
        # (a sparse edge stays sparse: ``weights @ spikes`` works on both)
        weights = sparse.scale_rows(
            sparse.map_values(levels, lambda v: v.astype(np.int64)), scale
        )
        incoming[edge.post].append((edge.pre, delay, weights))

    params = {g: _params(g) for g in graph.groups}
    state = {g: params[g]["initial_potential"].astype(np.int64) for g in graph.groups}
    for t in range(ticks):
        for group in graph.groups:
            p = params[group]
            V = state[group]
            # 2. synaptic integration
            for pre, delay, weights in incoming[group]:
                if t - delay >= 0:
                    V = V + weights @ spikes[pre][t - delay].astype(np.int64)
            V = np.clip(V, POTENTIAL_MIN, POTENTIAL_MAX)
            # 3. leak, reversed by the sign of V when leak_reversal = 1
            omega = np.where(p["leak_reversal"] == 0, 1, np.sign(V))
            V = np.clip(V + omega * p["leak"], POTENTIAL_MIN, POTENTIAL_MAX)
            # 5. fire and reset (4: no threshold mask in deterministic groups)
            alpha, beta, R = (
                p["threshold"],
                p["negative_threshold"],
                p["reset_potential"],
            )
            gamma, kappa = p["reset_mode"], p["negative_saturation"]
            fire = V >= alpha
            below = ~fire & (V < -beta)  # eta = 0: both kappa cases give -beta
            V = np.where(
                fire,
                np.select(
                    [gamma == RESET_NORMAL, gamma == RESET_LINEAR], [R, V - alpha], V
                ),
                V,
            )
            V = np.where(
                below,
                np.where(
                    kappa == 1,
                    -beta,
                    np.select(
                        [gamma == RESET_NORMAL, gamma == RESET_LINEAR],
                        [-R, V + beta],
                        V,
                    ),
                ),
                V,
            )
            # 6. saturation
            V = np.clip(V, POTENTIAL_MIN, POTENTIAL_MAX)
            state[group] = V
            spikes[group][t] = fire
            potentials[group][t] = V
    out = {g: spikes[g] for g in graph.groups}
    if voltages:
        return out, potentials
    return out
