"""Fan-in splitting: inputs that need more axons than one core has go through relays.

A core has 256 axons, and every input unit of a group (a host channel, a decode or
filter neuron, a pre neuron) takes one axon per entry of the group's weight code on
each core that holds its targets: 64 inputs with 16-level weights. A 16-D ensemble fed
by the host has ``16 x 2 x 4 = 128`` input channels, and one fed by a decoded
connection from an 800-neuron ensemble has ``13 blocks x 16 x 2 = 416`` decode
neurons; neither fits. :func:`split_fan_in` runs on the float edges, after the Nengo
build and before discretization, and rewrites the inputs of every group in which some
neuron's own inputs need more than one core's axons (counted as the compiler counts
them: one axon per axon type that a rounded level sets), in two stages:

1. **Merging proportional inputs** (:func:`merge_proportional_inputs`). Inputs whose
   weight columns into the group are proportional (``w_i = c_i v``) carry shares of one
   value along one direction ``v``: the on/off channels of one dimension of a host
   value, the on/off decode neurons of one dimension in every block of pre neurons,
   their filter neurons. A *relay pair* -- an on and an off sigma-delta neuron, like
   decode neurons -- sums them (``Σ c_i s_i``) and sends the sum on: the group gets two
   inputs, weighted ``±U v``, instead of many. A relay's spike stands for
   ``U = max(Σ c_i⁺, Σ |c_i⁻|)`` (what its inputs can add in one tick at most), so it
   never needs more than one spike per tick. Relays take the coefficients with the
   group's weight code, or with trinary weights (2 axons per input) when every
   ``|c_i|`` is the same; a class with more inputs than one relay takes is summed by a
   tree of relays.
2. **Partial sums per neuron** (:func:`split_per_neuron`), when a neuron still needs
   more than 256 axons (e.g. a 64-D ensemble: 64 on/off pairs at 4 axons each).
   Its inputs are cut into chunks of one core's worth; for each chunk and each neuron
   ``j`` a relay pair computes ``Σ_{i in chunk} w_ji s_i``, and neuron ``j`` sums its
   own relays. A relay's spike stands for :func:`partial_sum_unit` (one value per
   neuron for all its relays), so the group's weights from its relays are all
   ``±U_j`` and it switches to trinary weights: each relay takes one axon (of its
   sign's type) and needs no splitter, and the group takes two axons per neuron and
   chunk, so it packs fewer neurons per core (64 for two chunks). The relays of one
   chunk share the chunk's axons, 256 relays to a core.

What it costs: each relay stage adds one tick to the path and one sigma-delta
quantization (a relay's count of spikes is off by less than one spike at any time,
so the error is high-frequency and bounded), and the relays' input weights are
rounded to the relay's levels. Only groups that would not compile are rewritten, so
models that fit are built exactly as before -- including a group whose inputs
together need more than 256 axons while each neuron's own fit: the compiler spreads
it over more cores (fewer neurons on each) rather than adding a tick to its inputs.

Edges may be sparse (a convolution between chip neurons): the pass reads them through
:mod:`nengo_truenorth.ir.sparse` and keeps a sparse layer's relay edges sparse, with
the results it gives for the same edges dense. Its own edges are sparse where they
hold few of their matrix's entries (a relay pair reads one on/off pair of a block of
decode neurons; a chunk reads a core's worth of a wide edge's columns; a post takes
one relay pair per neuron and chunk), so what it stores grows with the weights it
writes: linearly in an ensemble's dimension at a given number of neurons
(``tests/passes/test_budget.py``; ``benchmarks/bench_build.py``).
"""

from collections import OrderedDict

import numpy as np
from nengo.exceptions import BuildError

from ..hardware.limits import AXONS_PER_CORE
from ..ir import TRINARY, FloatEdge, NeuronGroup, axons_per_level, sparse
from .discretize import exact_weight_scales, group_drive, round_group

#: Parameters of a relay neuron, as for decode neurons: a first-order sigma-delta
#: modulator with linear reset and a floor at 0 (the on and off neurons carry the
#: positive and negative parts of their input).
RELAY_PARAMS = {"reset_mode": 1, "negative_saturation": 1}
#: Relative precision to which two weight columns count as proportional.
PROPORTIONAL_DECIMALS = 9


def _input_units(edges):
    """Every input unit of a group: ``(edge, column)`` pairs with a nonzero column."""
    return [
        (edge, int(i)) for edge in edges for i in sparse.nonzero_columns(edge.weights)
    ]


def neuron_axons(group, edges):
    """(n,) ndarray: a bound on the axons each neuron's own inputs take.

    Every nonzero input counts every axon type of the group's code, whether or not
    its rounded level sets them all.
    """
    count = np.zeros(group.n, dtype=np.int64)
    for edge in edges:
        count += sparse.row_nnz(edge.weights)
    return count * group.code.axons_per_input


def exact_neuron_axons(state, group, edges):
    """(n,) ndarray: axons each neuron's inputs take once rounded, as the compiler
    counts them (one per axon type that a nonzero level sets).

    Rounds the group's edges as the discretization pass will
    (:func:`.discretize.round_group`; stochastic rounding with a generator of its own,
    so the build's draws are unchanged).
    """
    levels, *_ = round_group(state, group, edges, np.random.RandomState(0))
    count = np.zeros(group.n, dtype=np.int64)
    for q in levels:
        count += sparse.row_sum(
            sparse.map_values(q, lambda v: axons_per_level(group.code, v))
        )
    return count


def overflows(state, group, edges):
    """Whether some neuron of ``group`` needs more than one core's axons.

    The cheap bound (every nonzero input takes every axon type) settles most groups;
    the others are rounded to count exactly.
    """
    if not edges or neuron_axons(group, edges).max() <= AXONS_PER_CORE:
        return False
    return exact_neuron_axons(state, group, edges).max() > AXONS_PER_CORE


def refuse_integer_split(state, group, edges):
    """Stop the build where a group of integer neurons does not fit a core.

    A group whose weights, drive and threshold are all integers the chip writes
    exactly (a trained integer network: :func:`.discretize.exact_weight_scales`) runs
    on the chip with the same integer potentials as in Nengo. Partial-sum relays
    would make its sums approximate and a tick late, so such a group's fan-in is
    the model's to lower, not the build's to approximate.

    Raises
    ------
    BuildError
        Naming the group, its widest neuron, the limit and the filter groups (or
        fewer inputs) that would fit.
    """
    drive, threshold = group_drive(state, group)
    exact = exact_weight_scales([e.weights for e in edges], drive, threshold, group.code)
    if not (exact.size and np.all(exact > 0)):
        return
    axons = exact_neuron_axons(state, group, edges)
    worst = int(np.argmax(axons))
    n_inputs = int(sum(sparse.row_nnz(e.weights)[worst] for e in edges))
    groups_needed = -(-int(axons[worst]) // AXONS_PER_CORE)
    convolutions = [
        e.obj for e in edges if hasattr(getattr(e.obj, "transform", None), "kernel_size")
    ]
    remedy = (
        f"split {convolutions[0]}'s convolution into at least {groups_needed} filter "
        "groups (one connection per group, each reading its share of the input "
        "channels), or use fewer input channels or a smaller kernel"
        if convolutions
        else f"spread its inputs over at least {groups_needed} neurons (fewer "
        "nonzero weights per neuron)"
    )
    raise BuildError(
        f"{group.obj if group.obj is not None else group.label}: neuron {worst} "
        f"takes {int(axons[worst])} axons for its {n_inputs} nonzero integer inputs "
        f"with {group.code.name!r} weights, more than a core's {AXONS_PER_CORE}. "
        "Its numbers are exact integers, which partial-sum relay neurons would "
        f"approximate, so the build stops: {remedy}"
    )


def _rounded_key(rows, values):
    """A hashable key of a column given by its nonzero entries, rounded to
    :data:`PROPORTIONAL_DECIMALS`: two columns get one key exactly when their
    rounded dense forms are equal (entries that round to 0 are left out)."""
    v = np.round(values, PROPORTIONAL_DECIMALS) + 0.0  # no -0.0
    keep = v != 0
    return np.asarray(rows, dtype=np.int64)[keep].tobytes(), v[keep].tobytes()


def _direction(rows, values):
    """``(key, c)``: a hashable direction of a nonzero column and its coefficient.

    The column (its nonzero entries: ``values`` at ``rows``, ascending) is ``c`` times
    a direction whose first nonzero entry is 1; the direction is rounded so that
    columns proportional up to float error share a key.
    """
    first = int(rows[0])
    coefficient = float(values[0])
    return (first, _rounded_key(rows, values / coefficient)), coefficient


#: A relay edge is built sparse when it reads at most this fraction of its pre's
#: neurons (the dense and the sparse form give the same integers and the same chip).
SPARSE_BELOW = 0.25


def _mostly_empty(n_columns, n_pre):
    """Whether ``n_columns`` of ``n_pre`` columns are few enough to store sparse."""
    return n_columns <= SPARSE_BELOW * n_pre


def relay_unit(coefficients):
    """``max(Σ c_i⁺, Σ |c_i⁻|)``: the most the inputs of a relay add in one tick."""
    c = np.asarray(coefficients, dtype=float)
    return max(c[c > 0].sum(), -c[c < 0].sum())


class _FanInRewriter:
    """Rewrites the float edges of a graph; one per :func:`split_fan_in` call."""

    def __init__(self, state):
        self.state = state
        self.options = state.options
        self.edges_into = OrderedDict()
        for edge in state.graph.float_edges:
            self.edges_into.setdefault(edge.post, []).append(edge)
        self.relays_before = {}  # group -> relay groups to place just before it
        self.n_relays = 0
        self.reader = sparse.ColumnReader()  # columns of the edges, sparse or not

    # --- graph surgery ---------------------------------------------------------

    def add_edge(self, edge):
        self.edges_into.setdefault(edge.post, []).append(edge)

    def relay_group(self, post, n, code, what):
        group = NeuronGroup(
            n,
            label=f"{post.label} {what} relay {self.n_relays}",
            params=dict(RELAY_PARAMS, threshold=self.options.nominal_threshold),
            code=code,
            obj=post.obj,
            role="relays",
        )
        self.n_relays += 1
        self.relays_before.setdefault(post, []).append(group)
        return group

    def remove_units(self, post, units):
        """Zero the columns of ``units`` in edges into ``post``; drop empty edges."""
        by_edge = OrderedDict()
        for edge, i in units:
            by_edge.setdefault(edge, []).append(i)
        for edge, columns in by_edge.items():
            self.reader.forget(edge.weights)
            # a copy: the weights may be a view of the build's
            edge.weights = sparse.zero_columns(edge.weights, columns)
        # only the edges just changed can have become empty (checking every edge
        # into the post, its many relay edges included, made this quadratic)
        self.edges_into[post] = [
            e
            for e in self.edges_into[post]
            if e not in by_edge or sparse.has_nonzero(e.weights)
        ]

    def finish(self):
        """Write the edges back to the graph; place relays just before their group."""
        graph = self.state.graph
        graph.float_edges = [e for edges in self.edges_into.values() for e in edges]
        groups = []
        for group in graph.groups:
            groups.extend(self._relays_of(group))
            groups.append(group)
        graph.groups = groups

    def _relays_of(self, group):
        out = []
        for relay in self.relays_before.get(group, []):
            out.extend(self._relays_of(relay))
            out.append(relay)
        return out

    # --- relays ------------------------------------------------------------------

    def relay_pair(self, post, units, coefficients, what, unit=None):
        """A relay pair summing ``Σ c_i s_i`` of ``units``, with spikes worth ``unit``
        (by default ``max(Σ c_i⁺, Σ |c_i⁻|)``).

        Returns
        -------
        relay : NeuronGroup
            Two neurons: on (fires for the positive part) and off.
        unit : float
            What one relay spike stands for (``U``).
        """
        c = np.asarray(coefficients, dtype=float)
        same = np.allclose(np.abs(c), np.abs(c[0]), rtol=1e-9, atol=0)
        code = TRINARY if same else post.code
        if unit is None:
            unit = relay_unit(c)
        relay = self.relay_group(post, 2, code, what)
        threshold = self.options.nominal_threshold
        by_edge = OrderedDict()
        for (edge, i), ci in zip(units, c):
            by_edge.setdefault(edge, []).append((i, ci))
        for edge, cols in by_edge.items():
            index = np.array([i for i, _ in cols], dtype=np.int64)
            coef = np.array([ci for _, ci in cols])
            on, off = coef * threshold / unit, -coef * threshold / unit
            # sparse where the relay reads few of the pre's neurons (one on/off pair
            # of a block of decode neurons): a dense (2, pre.n) edge per class made
            # the pass quadratic in the dimension
            if sparse.issparse(edge.weights) or _mostly_empty(index.size, edge.pre.n):
                w = sparse.two_rows(index, on, off, edge.pre.n)
            else:
                w = np.zeros((2, edge.pre.n))
                w[0, index], w[1, index] = on, off
            self.add_edge(
                FloatEdge(edge.pre, relay, w, edge.delay, edge.obj, edge.rounding)
            )
        return relay, unit

    def merge_class(self, post, units, coefficients, direction, obj):
        """Sum one class of proportional units into one relay pair (a tree if needed).

        Returns the relay -> post edge.
        """
        units, coefficients = list(units), list(coefficients)
        while True:
            c = np.asarray(coefficients)
            same = np.allclose(np.abs(c), np.abs(c[0]), rtol=1e-9, atol=0)
            per = (TRINARY if same else post.code).axons_per_input
            capacity = AXONS_PER_CORE // per
            if len(units) <= capacity:
                relay, unit = self.relay_pair(post, units, coefficients, "sum")
                # (a sparse column stays sparse)
                weights = sparse.hstack([direction * unit, direction * -unit])
                edge = FloatEdge(relay, post, weights, 1, obj, self.options.rounding)
                self.add_edge(edge)
                return edge
            # one stage of the tree: relays of `capacity` units, whose outputs are
            # proportional again (coefficients +-U)
            # all relays of a stage share the largest unit, so the next stage sums
            # equal coefficients, exactly, with trinary weights
            chunks = [
                slice(start, start + capacity)
                for start in range(0, len(units), capacity)
            ]
            unit = max(relay_unit(c[chunk]) for chunk in chunks)
            next_units, next_coefficients = [], []
            for chunk in chunks:
                relay, _ = self.relay_pair(
                    post, units[chunk], coefficients[chunk], "sum", unit
                )
                holder = FloatEdge(relay, post, np.zeros((post.n, 2)), 1, obj)
                next_units += [(holder, 0), (holder, 1)]
                next_coefficients += [unit, -unit]
            units, coefficients = next_units, next_coefficients


def _unit_directions(rewriter, post):
    """``(edge, column, key, coefficient)`` of every input unit of ``post``: two
    units get one key exactly when :func:`_direction` gives them one.

    Where every edge into ``post`` is dense, a key is the bytes of the unit's whole
    rounded direction (zeros before the first nonzero entry, 1 at it: the same
    partition as :func:`_direction`'s keys), computed for all the columns of an
    edge at once; otherwise :func:`_direction` of each unit's entries.
    """
    edges = rewriter.edges_into.get(post, [])
    if any(sparse.issparse(e.weights) for e in edges):
        for edge, i in _input_units(edges):
            key, c = _direction(*rewriter.reader.entries(edge.weights, i))
            yield edge, i, key, c
        return
    for edge in edges:
        w = np.asarray(edge.weights)
        nonzero = sparse.nonzero_columns(w)
        # a few million entries at a time: the copies below stay small
        step = max(1, (1 << 22) // max(w.shape[0], 1))
        for start in range(0, nonzero.size, step):
            columns = nonzero[start : start + step]
            block = w[:, columns]
            first = np.argmax(block != 0, axis=0)
            coefficients = block[first, np.arange(columns.size)]
            rounded = np.round(block / coefficients, PROPORTIONAL_DECIMALS) + 0.0
            keys = np.ascontiguousarray(rounded.T)
            for k, i in enumerate(columns.tolist()):
                yield edge, i, keys[k].tobytes(), float(coefficients[k])


def merge_proportional_inputs(rewriter, post):
    """Stage 1: one relay pair per class of proportional inputs of ``post``.

    Only classes of three or more units are merged (an on/off pair is already two).

    Returns
    -------
    int
        The number of classes merged.
    """
    classes = OrderedDict()
    for edge, i, key, coefficient in _unit_directions(rewriter, post):
        entry = classes.setdefault(key, ([], []))
        entry[0].append((edge, i))
        entry[1].append(coefficient)
    merged, removed = 0, []
    for units, coefficients in classes.values():
        if len(units) < 3:
            continue
        # the class's direction: its first unit's column over its coefficient
        (edge, i), first = units[0], coefficients[0]
        direction = sparse.column(edge.weights, i) / first
        obj = units[0][0].obj
        rewriter.merge_class(post, units, coefficients, direction, obj)
        removed += units
        merged += 1
    # one removal for all classes: each removal copies the edges it touches
    if removed:
        rewriter.remove_units(post, removed)
    return merged


def pair_units(units, columns=None):
    """Group input units into on/off pairs (exactly negated columns) and singles.

    Parameters
    ----------
    units : list of (edge, column)
    columns : ColumnReader, optional
        Reads the edges' columns (one made here by default).

    Returns
    -------
    list of list of (edge, column)
        Each item one or two units, in the order of their first unit.
    """
    columns = sparse.ColumnReader() if columns is None else columns
    items, open_pairs = [], {}
    for unit in units:
        edge, i = unit
        rows, values = columns.entries(edge.weights, i)
        key = _rounded_key(rows, values)
        partner = _rounded_key(rows, -values)
        waiting = open_pairs.get(partner)
        if waiting:
            items[waiting.pop()].append(unit)
        else:
            open_pairs.setdefault(key, []).append(len(items))
            items.append([unit])
    return items


def partial_sum_unit(pairs, singles, single_rates=None):
    """What one spike of each neuron's partial-sum relays stands for.

    An on/off pair (a dimension of a host value, of a decoded value, or of a relay
    pair's sum) carries one component of a vector whose rates (spikes per tick) have
    a norm of about 1 at most, so the pairs' share of a partial sum is at most the
    norm of their weights, ``||w_j||``. Inputs that are not pairs (neurons of a
    neuron -> neuron connection) may all fire at once: their share is bounded by the
    sum of their positive (or negative) weights; where their peak rates ``r_i`` (spikes
    per tick) are known, by what they add at those rates plus two standard deviations
    of their spikes' count, ``max(Σ w⁺ r, Σ |w⁻| r) + 2 sqrt(Σ w² r (1 - r))`` (which
    is the same bound for ``r = 1``). The sum of the two is the unit. (The
    hard bound for pairs, the sum of their weights, is ``sqrt(k)`` times larger for
    ``k`` pairs: each relay spike would then be a large kick that the post neuron's
    floor at 0 partly clips.) A relay whose input runs above its unit for a while
    only lags: its linear reset keeps the excess.

    Parameters
    ----------
    pairs : (n, k) ndarray
        Each neuron's weight from the on unit of each of ``k`` pairs.
    singles : (n, m) ndarray
        Each neuron's weights from the ``m`` other inputs.
    single_rates : (m,) ndarray, optional
        Peak rates of the other inputs, in spikes per tick (default: 1, all firing
        at once).

    Returns
    -------
    (n,) ndarray
    """
    r = np.ones(singles.shape[1]) if single_rates is None else np.asarray(single_rates)
    r = np.clip(r, 0.0, 1.0)
    positive = (np.where(singles > 0, singles, 0) * r).sum(axis=1)
    negative = -(np.where(singles < 0, singles, 0) * r).sum(axis=1)
    spread = 2.0 * np.sqrt((singles**2 * (r * (1.0 - r))).sum(axis=1))
    return np.sqrt(np.sum(pairs**2, axis=1)) + np.maximum(positive, negative) + spread


def _chunks(items, capacity):
    """Consecutive items (pairs stay whole) of at most ``capacity`` units each."""
    chunk, size = [], 0
    for item in items:
        if size + len(item) > capacity and chunk:
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += len(item)
    if chunk:
        yield chunk


def _peak_rate(state, edge, i):
    """The peak rate (spikes per tick) of input ``i`` of ``edge``, or 1 if unknown."""
    peak = state.peak_rates.get(edge.pre)
    return 1.0 if peak is None else float(peak[i])


def split_per_neuron(rewriter, post):
    """Stage 2: per-neuron partial sums of chunks of ``post``'s inputs.

    For each chunk of inputs that fills one core's axons, a relay group of ``2 n``
    neurons (on and off for each neuron of ``post``) sums the chunk's weighted inputs
    of each neuron; ``post`` then takes its own relays' spikes.
    """
    options = rewriter.options
    units = _input_units(rewriter.edges_into.get(post, []))
    capacity = AXONS_PER_CORE // post.code.axons_per_input
    threshold = options.nominal_threshold
    n = post.n
    reader = rewriter.reader

    def columns(items):
        # a chunk's columns, dense: (n, at most a core's inputs)
        cols = [reader.dense(edge.weights, i) for item in items for edge, i in item[:1]]
        return np.column_stack(cols) if cols else np.zeros((n, 0))

    chunk_items = list(_chunks(pair_units(units, reader), capacity))
    chunks = [[unit for item in items for unit in item] for items in chunk_items]
    # one unit per neuron for all its relays, so the post's weights from them are
    # all +-U_j: trinary, one axon per relay (its sign's type), and no fan-out tree
    unit = np.zeros(n)
    for items in chunk_items:
        singles = [item for item in items if len(item) == 1]
        unit = np.maximum(
            unit,
            partial_sum_unit(
                columns([item for item in items if len(item) == 2]),
                columns(singles),
                [_peak_rate(rewriter.state, *item[0]) for item in singles],
            ),
        )
    active = unit > 0
    scale = np.where(active, threshold / np.where(active, unit, 1.0), 0.0)
    new_edges = []
    for chunk in chunks:
        relay = rewriter.relay_group(post, 2 * n, post.code, "partial-sum")
        by_edge = OrderedDict()
        for edge, i in chunk:
            by_edge.setdefault(edge, []).append(i)
        for edge, cols in by_edge.items():
            kept = sparse.keep_columns(
                edge.weights, cols, sparse=_mostly_empty(len(cols), edge.pre.n)
            )
            on = sparse.scale_rows(kept, scale)
            w = sparse.vstack([on, -on])
            rewriter.add_edge(
                FloatEdge(edge.pre, relay, w, edge.delay, edge.obj, edge.rounding)
            )
        # (n, 2 n) with 2 n entries: sparse, or the relays' edges to the post would
        # grow as n^2 per chunk
        diagonal = sparse.diag(unit, sparse=True)
        out = sparse.hstack([diagonal, -diagonal])
        new_edges.append(
            FloatEdge(relay, post, out, 1, chunk[0][0].obj, options.rounding)
        )
    rewriter.remove_units(post, units)
    for edge in new_edges:
        rewriter.add_edge(edge)
    post.code = TRINARY


def split_fan_in(state):
    """The fan-in pass: rewrite the float edges so that every group's fan-in fits a
    core.

    Groups whose inputs fit one core's axons are left alone. Relay groups are added
    to ``state.graph.groups`` (each just before the group it serves) and their edges
    to ``state.graph.float_edges``.

    Parameters
    ----------
    state : ChipBuild
        Every float edge known (after the lowering passes), before discretization.

    Returns
    -------
    list of NeuronGroup
        The groups whose inputs were rewritten.
    """
    rewriter = _FanInRewriter(state)
    rewritten = []
    for group in list(state.graph.groups):
        if not overflows(state, group, rewriter.edges_into.get(group, [])):
            continue
        refuse_integer_split(state, group, rewriter.edges_into[group])
        rewritten.append(group)
        merge_proportional_inputs(rewriter, group)
        # partial sums until every neuron's own inputs fit one core
        while overflows(state, group, rewriter.edges_into[group]):
            split_per_neuron(rewriter, group)
    rewriter.finish()
    return rewritten
