"""The filter pass: ``Lowpass`` synapses on the chip, through filter neurons.

The chip has no synaptic filter. A :class:`~nengo_truenorth.ir.FilteredEdge` (a
neuron -> neuron connection with a ``Lowpass(tau)`` synapse, or the decode neurons of
a filtered decoded connection) sends each source neuron's spikes through a *filter
neuron* whose spike rate is the low-passed rate of its source; the post neurons
receive the filter neurons' spikes through the edge's weights
(:func:`lower_filtered_edges`).

A filter neuron holds the filtered rate ``y`` (spikes per tick) in its potential,
``V = α - 1 + y·2^k``, and fires with probability ``y``: its threshold is
``α = THRESHOLD_MAX`` plus a random mask of ``k`` bits (``V >= α + η``, ``η`` uniform on
``0..2^k - 1``). It does not reset (``reset_mode`` 2). A spike of its source adds
``c``; each of its own spikes subtracts ``c``, through a self-connection ``D`` ticks
long. So, with ``a = c / 2^k``, its expected rate ``ȳ`` follows::

    ȳ[t + 1] = ȳ[t] - a·ȳ[t + 1 - D] + a·r[t]          (r: the source's rate)

For ``D = 1`` that is ``Lowpass`` with decay ``1 - a`` per tick. The self-connection
takes ``D = 2`` ticks (:data:`FILTER_DELAY`): a filter neuron sends its spikes to
itself and to its posts, which takes one splitter stage. The loop then has two poles,
``ρ`` and ``1 - ρ``, when ``a = ρ(1 - ρ)``; :func:`design_filter` picks ``a`` so that the
slow pole is Nengo's ``ρ = exp(-dt/tau)`` and the fast one dies out within a tick or
two. The gain at rest is exactly 1 (the input and the self-connection share ``c``).

What is exact, what is not:

- ``c`` and ``k`` are integers (``c <= 255``, ``k <= 17``), so ``a`` is rounded to
  ``c / 2^k``: the time constant is off by at most 0.5 % for ``tau`` from 3 ticks to
  1000 ticks (:attr:`FilterDesign.tau_error`); closer to ``dt / ln 2``, where the two
  poles meet, and beyond 1000 ticks, where ``c`` gets small, the error grows.
- The filter neurons' spikes are random (Bernoulli with probability ``y`` per tick),
  where Nengo's filtered spike train is a smooth value: the filtered rate is unbiased,
  but the posts see its spikes, not its value. Over ``n`` ticks the count of one filter
  neuron varies by about ``sqrt(n·y·(1 - y))`` spikes (bounded by ``sqrt(y·tau/2)``
  for long windows).
- **Gain.** Where the source's rates are known (``state.peak_rates``, from an
  ensemble's ``peak_rates`` option), a source spike adds ``G·c`` instead of ``c``: the
  filter neuron then fires with probability ``G·y``, and the posts weigh each of its
  spikes by ``1/G`` (:func:`filter_gain`). The mean the posts receive is the same,
  and its variance per tick, ``y·(1 - G·y)/G`` spikes², is more than ``G`` times
  smaller. ``G = 1 / median peak``, one for all of a group's filter neurons, at most
  ``255 / c``: for that room the design takes the smallest ``c`` that still writes
  ``tau`` within :data:`GAIN_TAU_ERROR` (:func:`design_filter` with ``gain``). Above
  ``1/G`` a filter neuron fires every tick and keeps the excess in its potential (it
  lags, and catches up).

The filter neurons of one source ensemble and one ``tau`` are shared by every
connection that needs them.
"""

from dataclasses import dataclass

import numpy as np
from nengo.exceptions import BuildError

from ..hardware.limits import (
    RESET_NONE,
    THRESHOLD_MASK_BITS_MAX,
    THRESHOLD_MAX,
    WEIGHT_MAX,
)
from ..ir import (
    TRINARY,
    ChipGraph,
    FilteredEdge,
    FloatEdge,
    NeuronGroup,
    WeightCode,
    sparse,
)

#: Ticks of a filter neuron's self-connection (its spikes go through one splitter
#: stage, to itself and to its posts).
FILTER_DELAY = 2
#: Largest relative error of the realized time constant before the build refuses.
MAX_TAU_ERROR = 0.01
#: Threshold of a filter neuron: the largest, so that the discretization leaves its
#: weights, threshold and potential as they are (its scale factor is exactly 1).
FILTER_THRESHOLD = THRESHOLD_MAX
#: Largest relative error of the time constant that a design with gain accepts to
#: make room for the gain (smaller weights write ``a`` more coarsely): the build's
#: limit, since the gain's lower noise is worth far more than a percent of ``tau``.
GAIN_TAU_ERROR = MAX_TAU_ERROR


@dataclass(frozen=True)
class FilterDesign:
    """The integers of a filter neuron for ``Lowpass(tau)`` at step ``dt``.

    Attributes
    ----------
    tau : float
        The time constant asked for, in seconds.
    dt : float
        Seconds per tick.
    weight : int
        ``c``: the weight of a source spike, and minus that of a filter spike.
    mask_bits : int
        ``k``: the threshold mask; ``2^k`` potential units are one spike per tick.
    delay : int
        ``D``: ticks of the self-connection.
    """

    tau: float
    dt: float
    weight: int
    mask_bits: int
    delay: int = FILTER_DELAY

    @property
    def gain(self):
        """float: ``a = c / 2^k``, the share of a spike that enters per tick."""
        return self.weight / 2.0**self.mask_bits

    @property
    def poles(self):
        """(D,) ndarray: roots of ``z^D - z^(D-1) + a``, the slow pole first."""
        coeffs = np.zeros(self.delay + 1)
        coeffs[0], coeffs[1], coeffs[-1] = 1.0, -1.0, self.gain
        roots = np.roots(coeffs)
        return roots[np.argsort(-np.abs(roots))]

    @property
    def realized_tau(self):
        """float: the time constant of the slow pole, in seconds."""
        slow = self.poles[0]
        return -self.dt / np.log(float(np.real(slow)))

    @property
    def tau_error(self):
        """float: ``realized_tau / tau - 1``."""
        return self.realized_tau / self.tau - 1.0

    @property
    def max_gain(self):
        """float: the largest gain a source spike's weight (at most 255) allows."""
        return WEIGHT_MAX / self.weight


def min_tau(dt, delay=FILTER_DELAY):
    """The shortest ``tau`` a loop of ``delay`` ticks realizes (``dt / ln 2`` for 2).

    The loop's poles are ``ρ`` and ``1 - ρ``; below this ``tau``, ``ρ < 1/2`` would
    be the fast one.
    """
    if delay == 1:
        return 0.0
    if delay != 2:
        raise ValueError(f"filter loops of {delay} ticks are not supported (1 or 2)")
    return dt / np.log(2.0)


def design_filter(tau, dt, delay=FILTER_DELAY, obj=None, gain=1.0):
    """Choose ``c`` and ``k`` so that the filter neuron's slow pole is ``exp(-dt/tau)``.

    The gain asked for is ``a = ρ^(D-1)·(1 - ρ)`` with ``ρ = exp(-dt/tau)``; it is
    written as ``c / 2^k`` with the most mask bits ``k`` that keep ``c <= 255``.
    With ``gain > 1`` (source spikes worth ``gain·c``, see the module notes) ``c`` must
    also leave room for the gain: the design takes the most mask bits whose ``c`` is
    at most ``255 / gain`` and still writes ``tau`` within :data:`GAIN_TAU_ERROR`, or,
    where none does, the smallest such ``c`` (the most gain it can give).

    Parameters
    ----------
    tau : float
        Time constant, in seconds.
    dt : float
        Seconds per tick.
    delay : int, optional
        Ticks of the self-connection (1 or 2).
    obj : object, optional
        The Nengo object to name in errors.
    gain : float, optional
        The largest gain asked of the filter neurons (1: none).

    Returns
    -------
    FilterDesign

    Raises
    ------
    BuildError
        If ``tau`` is below :func:`min_tau`, or if the rounded gain misses ``tau`` by
        more than :data:`MAX_TAU_ERROR`.

    Examples
    --------
    >>> design = design_filter(0.045, 0.001)
    >>> design.weight, design.mask_bits
    (176, 13)
    >>> print(f"{design.realized_tau * 1000:.2f} ms")
    45.02 ms
    """
    name = obj if obj is not None else f"Lowpass({tau:g})"
    shortest = min_tau(dt, delay)
    if not tau > shortest:
        raise BuildError(
            f"{name}: Lowpass tau = {tau:g} s is too short for a filter neuron, whose "
            f"self-connection takes {delay} ticks of {dt:g} s: the shortest is "
            f"{shortest:.4g} s (dt / ln 2); use a longer tau, synapse=None, or run one "
            "end on the host (on_chip = False)"
        )
    rho = np.exp(-dt / tau)
    target = rho ** (delay - 1) * (1.0 - rho)
    # the most mask bits that keep the weight in range: the finest grid for `a`
    k = int(
        np.clip(
            np.floor(np.log2((WEIGHT_MAX + 0.5) / target)), 0, THRESHOLD_MASK_BITS_MAX
        )
    )
    while k > 0 and round(target * 2**k) > WEIGHT_MAX:
        k -= 1
    c = int(round(target * 2**k))
    design = FilterDesign(float(tau), float(dt), max(c, 1), k, delay)
    if gain > 1 and c >= 1 and abs(design.tau_error) <= MAX_TAU_ERROR:
        design = _room_for_gain(design, target, gain)
        c = design.weight
    if c < 1 or abs(design.tau_error) > MAX_TAU_ERROR:
        raise BuildError(
            f"{name}: Lowpass tau = {tau:g} s needs a filter gain of {target:.3g} per "
            f"tick, which {THRESHOLD_MASK_BITS_MAX} threshold-mask bits and 9-bit "
            f"weights write as {design.gain:.3g} (time constant "
            f"{design.realized_tau:.4g} s, off by more than {MAX_TAU_ERROR:.0%}); "
            f"use a {'shorter' if c < 128 else 'longer'} tau, or run one end on the "
            "host (on_chip = False)"
        )
    return design


def _room_for_gain(design, target, gain):
    """The design with fewer mask bits (a smaller ``c``) that best leaves room for
    ``gain`` while writing ``tau`` within :data:`GAIN_TAU_ERROR` (``design`` itself
    if no smaller one does)."""
    best = design
    for k in range(design.mask_bits - 1, -1, -1):
        c = int(round(target * 2**k))
        if c < 1:
            break
        candidate = FilterDesign(design.tau, design.dt, c, k, design.delay)
        if abs(candidate.tau_error) > GAIN_TAU_ERROR:
            continue
        best = candidate
        if candidate.max_gain >= gain:
            break
    return best


def wanted_gain(peak):
    """``1 / median(peak)``: the gain that fires a median source's filter neuron once
    per tick at its peak (1 where the peaks are unknown or zero).

    Parameters
    ----------
    peak : (m,) ndarray or None
        The sources' peak low-passed rates, in spikes per tick.
    """
    if peak is None or np.size(peak) == 0:
        return 1.0
    middle = float(np.median(np.asarray(peak, dtype=float)))
    return 1.0 / middle if middle > 0 else 1.0


def filter_gain(design, peak):
    """The gain of a source group's filter neurons: each source spike adds ``G·c``.

    One gain for all the sources: ``G = floor(1 / median(peak))``, kept within
    ``1 .. floor(design.max_gain)``. Per-source gains would divide the posts'
    weights by different factors (50 to 1 on the digits network of
    ``docs/training.md``), which one weight scale per post neuron cannot hold: on that
    network they gave 0.63 to 0.68 where the one gain gives 0.71 to 0.77. At the
    median, the busiest sources' filter neurons fire at every tick while their rate
    is above ``1 / G`` and keep the excess in their potential (they lag, and catch
    up).

    Parameters
    ----------
    design : FilterDesign
    peak : (m,) ndarray or None
        The sources' peak low-passed rates, in spikes per tick (``None``: unknown).

    Returns
    -------
    int
        An integer (a filter group's weight code is ``(G, -1)``).
    """
    return int(np.clip(np.floor(wanted_gain(peak)), 1, max(int(design.max_gain), 1)))


def source_design(state, edge):
    """The filter design for ``edge``'s sources, with room for their gain."""
    gain = wanted_gain(state.peak_rates.get(edge.pre))
    return design_filter(edge.tau, state.dt, obj=edge.obj, gain=gain)


def gain_code(gain):
    """The weight code of filter neurons with gain ``gain``: a source spike on the
    first axon type (``gain``), the filter's own on the second (``-1``)."""
    return TRINARY if gain == 1 else WeightCode((int(gain), -1), f"filter gain {gain}")


def filter_params(design, n):
    """Chip parameters of ``n`` filter neurons (see the module notes)."""
    return {
        "threshold": np.full(n, FILTER_THRESHOLD),
        "threshold_mask_bits": np.full(n, design.mask_bits),
        "reset_mode": np.full(n, RESET_NONE),
        "leak": np.zeros(n, dtype=np.int64),
        # y = 0: one unit below the threshold, which fires with probability V'/2^k
        "initial_potential": np.full(n, FILTER_THRESHOLD - 1),
    }


def check_filter_loops(state, compiled):
    """Refuse filter neurons whose self-connection the compiler had to lengthen.

    A filter neuron's spikes reach itself and its posts through one splitter stage,
    which the loop's :data:`FILTER_DELAY` ticks allow for. Past 256 targets (one axon
    per post core and edge) the tree needs a second stage, so the loop would take
    longer than its design, and the filter's poles would not be Nengo's.

    Parameters
    ----------
    state : ChipBuild
    compiled : CompiledChip

    Raises
    ------
    BuildError
        Naming the connection whose ``Lowpass`` the filter neurons realize.
    """
    graph = state.graph
    loops = {e.pre: e for e in graph.edges if e.pre is e.post}
    for (source, design), units in state.filters.items():
        for group in {id(g): g for g, _ in units.values()}.values():
            loop = loops.get(group)
            if loop is None:
                continue
            realized = compiled.edge_delay[loop]
            if realized == design.delay:
                continue
            n_edges = sum(1 for e in graph.edges if e.pre is group) - 1
            raise BuildError(
                f"{group.obj}: the filter neurons that realize its Lowpass("
                f"{design.tau:g}) out of {source.label} feed {n_edges} connections, "
                f"too many targets for one splitter stage: their {design.delay}-tick "
                f"loop would take {realized} ticks (limit: {design.delay}); give "
                "fewer connections out of that ensemble this synapse (e.g. send "
                "the value through an intermediate ensemble, or use synapse=None "
                "on some)"
            )


def _add_filter_group(out, obj, source_group, sources, design, gain):
    n = len(sources)
    label = f"{source_group.label} Lowpass({design.tau:g}) filters"
    return out.add_group(
        NeuronGroup(
            n,
            label=label if gain == 1 else f"{label}, gain {gain}",
            params=filter_params(design, n),
            code=gain_code(gain),
            obj=obj,
            role="filters",
        )
    )


def _add_filter_edges_dense(out, obj, source_group, group, sources, design, gain):
    n = len(sources)
    into = np.zeros((n, source_group.n))
    into[np.arange(n), sources] = gain * design.weight
    out.add_float_edge(FloatEdge(source_group, group, into, 1, obj))
    loop = -design.weight * np.eye(n)
    out.add_float_edge(FloatEdge(group, group, loop, design.delay, obj))


def _add_filter_edges_sparse(out, obj, source_group, group, sources, design, gain):
    n = len(sources)
    into = sparse.from_entries(
        np.arange(n),
        sources,
        np.full(n, float(gain * design.weight)),
        (n, source_group.n),
    )
    out.add_float_edge(FloatEdge(source_group, group, into, 1, obj))
    loop = sparse.diag(np.full(n, -float(design.weight)), sparse=True)
    out.add_float_edge(FloatEdge(group, group, loop, design.delay, obj))


def filter_units(state, out, obj, source_group, sources, design, use_sparse=False):
    """Filter neurons for ``sources`` of ``source_group``, made where missing.

    Parameters
    ----------
    state : ChipBuild
        Its :attr:`~.ChipBuild.filters` holds the filter neurons made so far.
    out : ChipGraph
        Where new filter groups and their edges go.
    obj : object
        The Nengo connection that needs them (names the group and its errors).
    source_group : NeuronGroup
    sources : (m,) ndarray of int
        Source neurons, without repeats.
    design : FilterDesign
    use_sparse : bool, optional
        Give new filter groups sparse edges (for a sparse layer's many sources:
        their dense edges would be ``(m, source_group.n)`` and ``(m, m)``).

    Returns
    -------
    list of (NeuronGroup, (m_g,) ndarray, (m_g,) ndarray)
        Per filter group: the group, its units, and the source neuron of each unit.
    """
    known = state.filters.setdefault((source_group, design), {})
    missing = np.array([s for s in sources if s not in known], dtype=np.int64)
    if missing.size:
        peak = state.peak_rates.get(source_group)
        gain = filter_gain(design, peak)
        group = _add_filter_group(out, obj, source_group, missing, design, gain)
        if peak is not None:
            # a filter neuron fires gain times its source's low-passed rate, at most
            # once per tick: what partial sums of its spikes are sized to (fan_in)
            state.peak_rates[group] = np.minimum(gain * np.asarray(peak)[missing], 1.0)
        if use_sparse:
            _add_filter_edges_sparse(
                out, obj, source_group, group, missing, design, gain
            )
        else:
            _add_filter_edges_dense(
                out, obj, source_group, group, missing, design, gain
            )
        for unit, source in enumerate(missing):
            known[int(source)] = (group, unit)
    by_group = {}
    for source in sources:
        group, unit = known[int(source)]
        units, srcs = by_group.setdefault(group, ([], []))
        units.append(unit)
        srcs.append(int(source))
    return [
        (group, np.array(units), np.array(srcs))
        for group, (units, srcs) in by_group.items()
    ]


def lower_filtered_edge(state, edge):
    """What one :class:`~nengo_truenorth.ir.FilteredEdge` becomes.

    Parameters
    ----------
    state : ChipBuild
    edge : FilteredEdge
        Its weights are potential per source spike, as a direct edge would carry
        them; each filter spike carries its source's column. Its delay is realized
        as at least two ticks.

    Returns
    -------
    ChipGraph
        New filter groups, their edges, and the filter -> post edges (one per filter
        group).
    """
    design = source_design(state, edge)
    out = ChipGraph()
    sources = sparse.nonzero_columns(edge.weights)
    gain = filter_gain(design, state.peak_rates.get(edge.pre))
    found = filter_units(
        state,
        out,
        edge.obj,
        edge.pre,
        sources,
        design,
        use_sparse=sparse.issparse(edge.weights),
    )
    for group, units, srcs in found:
        # the filter units' columns: their sources', over the gain (a filter spike
        # is 1/gain of a source spike); a sparse edge stays sparse
        columns = sparse.take_columns(edge.weights, srcs)
        if gain != 1:
            columns = sparse.map_values(columns, lambda v: v * (1.0 / gain))
        w = sparse.place_columns(columns, units, group.n)
        out.add_float_edge(
            FloatEdge(group, edge.post, w, edge.delay, edge.obj, edge.rounding)
        )
    return out


def lower_filtered_edges(state):
    """The filter pass: every filtered edge of the graph onto filter neurons.

    The filter neurons of one source group and one design are shared by every edge
    that needs them; new groups and edges go where the filtered edge stood.
    """
    graph = state.graph
    edges = graph.deferred(FilteredEdge)
    graph.replace({edge: lower_filtered_edge(state, edge) for edge in edges})
