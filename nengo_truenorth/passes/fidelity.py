"""How faithfully the chip realizes each connection: weight error and loop latency.

The discretization pass records, per Nengo object, the squared error of its integer
weights and its squared float weights (:attr:`.ChipBuild.weight_errors`);
:func:`loop_latency` finds, once the chip is compiled, how many ticks a recurrence
takes around its loop. :func:`connection_fidelity` puts both together and
:func:`warn_unfaithful` says once per build which connections the chip realizes
worse than the options allow.
"""

import heapq
import warnings
from collections import namedtuple

#: Steps a recurrence takes around its loop in ``nengo.Simulator`` with a
#: ``Lowpass`` synapse (a pure delay of ``k`` steps takes ``k``: the front end says
#: which, see :func:`connection_fidelity`).
NENGO_LOOP_STEPS = 1
#: How many connections a warning names before it counts the rest.
WARN_NAMES = 3


def weight_error(state, obj):
    """Fraction of ``obj``'s weight energy that its integer weights get wrong.

    ``||W_chip - W||² / ||W||²`` over all of ``obj``'s edges, both in thresholds of
    their post neurons; 0 when it has no weights.
    """
    error, energy = state.weight_errors.get(obj, (0.0, 0.0))
    return error / energy if energy > 0 else 0.0


def _edges_by_obj(state):
    """The graph's edges by object: those between groups, and apart, by
    ``(obj, group)``, a group's edges onto itself (filter neurons'
    self-connections, and direct recurrences)."""
    between, onto_self = {}, {}
    for edge in state.graph.edges:
        if edge.pre is not edge.post:
            between.setdefault(edge.obj, []).append(edge)
        else:
            onto_self.setdefault((edge.obj, edge.pre), []).append(edge)
    return EdgeIndex(between, onto_self)


#: A graph's edges by object (:func:`_edges_by_obj`).
EdgeIndex = namedtuple("EdgeIndex", ["between", "onto_self"])


def loop_latency(state, compiled, obj, group, edges_by_obj=None):
    """Ticks from a spike of ``group`` back to ``group`` along ``obj``'s edges.

    Parameters
    ----------
    state : ChipBuild
    compiled : CompiledChip
        Its ``edge_delay`` holds each edge's realized delay (splitter stages
        included).
    obj : object
        The Nengo connection of the loop.
    group : NeuronGroup
        The neurons at both ends.

    edges_by_obj : EdgeIndex, optional
        The graph's edges by object (:func:`_edges_by_obj`), when several loops
        are asked for.

    Returns
    -------
    int or None
        The shortest such path, or None where there is none.
    """
    if edges_by_obj is None:
        edges_by_obj = _edges_by_obj(state)
    # a recurrence straight from the group onto itself (no filter neurons between)
    direct = [
        int(compiled.edge_delay[e])
        for e in edges_by_obj.onto_self.get((obj, group), [])
    ]
    if direct:
        return min(direct)
    out = {}
    for edge in edges_by_obj.between.get(obj, []):
        out.setdefault(edge.pre, []).append(edge)
    best = {}
    queue = [(0, 0, group)]
    count = 1
    while queue:
        ticks, _, node = heapq.heappop(queue)
        if node is group and ticks > 0:
            return ticks
        if best.get(node, float("inf")) <= ticks and ticks > 0:
            continue
        best[node] = ticks
        for edge in out.get(node, []):
            heapq.heappush(queue, (ticks + compiled.edge_delay[edge], count, edge.post))
            count += 1
    return None


def connection_ticks(compiled, edges):
    """Ticks a spike takes through one connection's edges, the longest path.

    Parameters
    ----------
    compiled : CompiledChip
        Its ``edge_delay`` holds each edge's realized delay.
    edges : list of Edge
        The connection's edges, none of them a loop (relays included: a
        connection through partial-sum relays takes both hops).

    Returns
    -------
    int
    """
    into = {}
    for edge in edges:
        into.setdefault(edge.post, []).append(edge)
    memo = {}

    def ticks_to(group, seen):
        if group not in into or group in seen:
            return 0
        if group not in memo:
            memo[group] = max(
                ticks_to(e.pre, seen | {group}) + int(compiled.edge_delay[e])
                for e in into[group]
            )
        return memo[group]

    return max((ticks_to(group, frozenset()) for group in into), default=0)


def connection_fidelity(state, compiled, loops, nengo_steps=None):
    """Weight error of every connection, and loop latency of the recurrent ones.

    Parameters
    ----------
    state : ChipBuild
    compiled : CompiledChip
    loops : dict of object to NeuronGroup
        Recurrent connections and the neurons at both of their ends.
    nengo_steps : dict of object to int, optional
        Steps each loop takes in ``nengo.Simulator`` (default
        :data:`NENGO_LOOP_STEPS`).

    Returns
    -------
    dict of object to dict
        Per Nengo object with weights on the chip: ``weight_error`` (see
        :func:`weight_error`); for loops, ``loop_ticks`` (chip) and
        ``nengo_loop_steps``; for the others, ``ticks`` (:func:`connection_ticks`:
        from a spike of the pre neurons to its arrival at the post neurons, where
        ``nengo.Simulator`` takes 0 steps with ``synapse=None``).
    """
    rows = {
        obj: {"weight_error": weight_error(state, obj)} for obj in state.weight_errors
    }
    edges_by_obj = _edges_by_obj(state)
    for obj, row in rows.items():
        if obj not in loops and obj in edges_by_obj.between:
            row["ticks"] = connection_ticks(compiled, edges_by_obj.between[obj])
    for obj, group in loops.items():
        row = rows.setdefault(obj, {"weight_error": 0.0})
        row["loop_ticks"] = loop_latency(state, compiled, obj, group, edges_by_obj)
        row["nengo_loop_steps"] = (nengo_steps or {}).get(obj, NENGO_LOOP_STEPS)
    return rows


def _names(objs):
    names = [str(obj) for obj in objs[:WARN_NAMES]]
    if len(objs) > WARN_NAMES:
        names.append(f"and {len(objs) - WARN_NAMES} more")
    return "; ".join(names)


def warn_unfaithful(rows, max_weight_error, loops=True):
    """Warn once for the connections whose weights lose more than
    ``max_weight_error`` of their energy, and (with ``loops``) once for the loops
    that take longer on the chip than in Nengo."""
    lossy = sorted(
        (obj for obj, row in rows.items() if row["weight_error"] > max_weight_error),
        key=lambda obj: -rows[obj]["weight_error"],
    )
    if lossy:
        worst = rows[lossy[0]]["weight_error"]
        warnings.warn(
            f"{len(lossy)} connection(s) lose more than {max_weight_error:.0%} of "
            f"their weight energy to the chip's integer levels (worst "
            f"{worst:.0%}): {_names(lossy)}. A neuron's inputs share one weight "
            "scale, so small weights beside large ones round to 0; see "
            "Simulator.connection_fidelity(), and train with "
            "nengo_truenorth.training.ChipDense"
        )
    slow = [
        obj
        for obj, row in rows.items()
        if loops
        if row.get("loop_ticks") is not None
        and row["loop_ticks"] > row["nengo_loop_steps"]
    ]
    if slow:
        ticks = _span(rows[obj]["loop_ticks"] for obj in slow)
        steps = _span(rows[obj]["nengo_loop_steps"] for obj in slow)
        warnings.warn(
            f"{len(slow)} recurrent connection(s) take {ticks} "
            f"ticks around their loop on the chip, where nengo.Simulator takes "
            f"{steps} step(s): {_names(slow)}. The chip's path (decode or "
            "filter neurons, splitters) adds ticks; see "
            "Simulator.connection_fidelity(), and train with "
            "nengo_truenorth.training.LoopLatency, or with the chip's own loop "
            "(nengo_truenorth.delay_synapse)"
        )


def _span(values):
    values = sorted(set(values))
    return f"{values[0]}" if len(values) == 1 else f"{values[0]}-{values[-1]}"
