"""Float weights, biases and thresholds to the chip's integers, one neuron at a time.

A neuron's rate depends only on the ratios of its weights, bias and threshold, so each
neuron ``j`` is scaled by its own factor ``c[j]`` before rounding: the factor is as large
as the chip's ranges allow, which makes the threshold and the leak as precise as they
can be. The weights are then written as ``weight_scale[j] * level`` with levels from the
group's :class:`~.graph.WeightCode` -- the per-neuron ``weight_scale`` is what lets
every neuron use the whole level range for its own largest weight.

A group whose neurons' weights, drives and thresholds are all integers that the chip
can hold as they are (trained integer weights, designed filter neurons) keeps them:
each neuron's factor is 1 and its ``weight_scale`` the greatest common divisor of its
weights (:func:`exact_weight_scales`), so the group computes exactly what it computes
in Nengo.
"""

import numpy as np

from ..hardware.limits import (
    LEAK_MAX,
    LEAK_MIN,
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_POTENTIAL_MAX,
    RESET_POTENTIAL_MIN,
    THRESHOLD_MAX,
    THRESHOLD_MIN,
)
from ..ir import Edge, sparse, weight_code

#: Relative distance to the nearest integer below which a float counts as that
#: integer (weights pass through ``transform * dt * amplitude / dt`` on the way).
INTEGER_TOLERANCE = 1e-9


def round_levels(x, lo, hi, rounding="nearest", rng=None):
    """Round ``x`` to integers in ``lo..hi``: to nearest, stochastically, or by
    magnitude (:func:`round_magnitudes`).

    Stochastic rounding rounds up with probability equal to the fractional part, so the
    rounded value is unbiased (Diehl et al. 2016 name it as a remedy for the loss from
    weight discretization).

    ``x`` may be an edge's sparse matrix (``lo <= 0 <= hi``): its entries are rounded
    with the uniforms the dense form would get (:func:`.sparse.stream_uniforms`), so
    the integers, and the generator's state after, are those of the dense form.
    """
    v = sparse.values(x)
    if rounding == "nearest":
        q = np.round(v)
    elif rounding == "stochastic":
        rng = np.random if rng is None else rng
        low = np.floor(v)
        q = low + (sparse.stream_uniforms(x, rng) < (v - low))
    elif rounding == "magnitude":
        q = round_magnitudes(v, max(min(hi, -lo), 1))
    else:
        raise ValueError(
            f"rounding = {rounding!r} is not 'nearest', 'stochastic' or 'magnitude'"
        )
    return sparse.with_values(x, np.clip(q, lo, hi).astype(np.int64))


def round_magnitudes(x, top):
    """Magnitudes rounded to the nearest level from 1 to ``top``: the rounding of a
    :attr:`~nengo_truenorth.ir.FloatEdge.resizable` edge.

    A nonzero weight never becomes 0, and ``x`` and ``-x`` get opposite levels, so
    every weight of the same size gets the same level and one factor per post
    neuron (:attr:`~nengo_truenorth.ir.FloatEdge.resized`) resizes them all. To the
    nearest level, not up: the sender's spikes change size by the least, and
    smaller spikes carry a value more finely (rounding up put the 64-neuron digits
    network at 0.583 on the chip, nearest at 0.690; docs/training.md).
    """
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.clip(np.round(np.abs(x)), 1, top)


def neuron_scale(max_weight, bias, threshold, code):
    """The largest factor each neuron may be multiplied by and still fit the chip.

    Parameters
    ----------
    max_weight, bias, threshold : (n,) ndarray of float
        Largest absolute incoming weight, bias (potential per tick) and threshold of
        each neuron, in any common unit.
    code : WeightCode

    Returns
    -------
    (n,) ndarray of float
    """
    with np.errstate(divide="ignore"):
        bounds = np.stack(
            [
                code.reference_level * code.max_scale / np.abs(max_weight),
                LEAK_MAX / np.abs(bias),
                THRESHOLD_MAX / np.abs(threshold),
            ]
        )
    return np.min(bounds, axis=0)


def _is_integer(x):
    x = np.asarray(x, dtype=float)
    return np.abs(x - np.round(x)) <= INTEGER_TOLERANCE * np.maximum(1.0, np.abs(x))


def exact_weight_scales(weights, bias, threshold, code):
    """Per neuron, a weight scale that writes its numbers exactly, or 0.

    A neuron qualifies when its bias (potential per tick) and threshold are integers
    within the chip's ranges and every incoming weight is an integer that the
    greatest common divisor ``g`` of its weights writes as ``g * level`` with a level
    of ``code`` (and ``g`` within the code's scales).

    Parameters
    ----------
    weights : list of (n, n_pre_k) ndarray of float, or sparse matrices
    bias, threshold : (n,) ndarray of float
    code : WeightCode

    Returns
    -------
    (n,) ndarray of int64
        The scale of each qualifying neuron (1 without weights), 0 for the others.
    """
    bias, threshold = np.asarray(bias, float), np.asarray(threshold, float)
    ok = (
        _is_integer(bias)
        & (np.abs(bias) <= LEAK_MAX)
        & _is_integer(threshold)
        # the chip rounds thresholds below 1 up to 1
        & (threshold >= max(THRESHOLD_MIN, 1))
        & (threshold <= THRESHOLD_MAX)
    )
    none = np.zeros(len(threshold), dtype=np.int64)
    bound = code.max_scale * max(np.abs(code.levels).max(), 1)
    gcd = none.copy()
    for w in weights:
        # most groups fail here at once (float biases, float weights): it runs for
        # every group of every build
        if not ok.any():
            return none
        if sparse.size(w) == 0:
            continue
        ok &= sparse.rows_all(w, lambda v: _is_integer(v) & (np.abs(v) <= bound))
        whole = sparse.map_values(
            sparse.mask_rows(w, ok), lambda v: np.abs(np.round(v)).astype(np.int64)
        )
        gcd = np.gcd(gcd, sparse.row_reduce(whole, np.gcd, dtype=np.int64))
    scale = np.where(gcd == 0, 1, gcd)
    ok &= scale <= code.max_scale
    for w in weights:
        if sparse.size(w) == 0:
            continue
        q = sparse.map_values(
            sparse.mask_rows(w, ok), lambda v: np.round(v).astype(np.int64)
        )
        q = sparse.floordiv_rows(q, scale)
        ok &= sparse.rows_all(q, lambda v: np.isin(v, code.levels))
    return np.where(ok, scale, 0).astype(np.int64)


def discretize_group(weights, bias, threshold, code, rounding="nearest", rng=None):
    """Integer levels, weight scales, leaks and thresholds for a group of neurons.

    Parameters
    ----------
    weights : list of (n, n_pre_k) ndarray of float, or sparse matrices
        Incoming weights of every edge into the group, as potential added per spike
        (a sparse edge's levels are sparse too: see :mod:`nengo_truenorth.ir.sparse`).
    bias : (n,) ndarray of float
        Potential added every tick (becomes the leak).
    threshold : (n,) ndarray of float
        Firing threshold, in the same unit.
    code : WeightCode
    rounding : {"nearest", "stochastic", "magnitude"} or list of them
        Rounding of all edges, or of each edge (:func:`round_levels`).
    rng : numpy.random.RandomState, optional

    Returns
    -------
    levels : list of (n, n_pre_k) ndarray of int, or sparse matrices
    weight_scale, leak, threshold : (n,) ndarray of int
    scale : (n,) ndarray of float
        The factor each neuron was multiplied by.
    """
    n = len(threshold)
    max_weight = np.zeros(n)
    for w in weights:
        if sparse.size(w):
            max_weight = np.maximum(max_weight, sparse.row_max_abs(w))
    scale = neuron_scale(max_weight, bias, threshold, code)
    levels = code.levels
    q_ref = code.reference_level
    weight_scale = np.clip(np.round(scale * max_weight / q_ref), 1, code.max_scale)
    weight_scale = weight_scale.astype(np.int64)
    # a group keeps its numbers only if every neuron can: where a few neurons of a
    # float model happen to hold integers (3-bit weights times a spike's height),
    # keeping theirs put other levels on their inputs and took 6 % more cores on
    # the spoken-digit network (801 -> 850 for seed 0), with no better accuracy
    exact = exact_weight_scales(weights, bias, threshold, code)
    if exact.size and np.all(exact > 0):
        scale = np.ones_like(scale)
        weight_scale = exact
    lo, hi = levels.min(), levels.max()
    if isinstance(rounding, str):
        rounding = [rounding] * len(weights)
    quantized = [
        _nearest_level(
            round_levels(
                sparse.divide_rows(sparse.scale_rows(w, scale), weight_scale),
                lo,
                hi,
                r,
                rng,
            ),
            levels,
        )
        for w, r in zip(weights, rounding)
    ]
    leak = np.clip(np.round(scale * bias), -LEAK_MAX, LEAK_MAX).astype(np.int64)
    alpha = np.clip(np.round(scale * threshold), 1, THRESHOLD_MAX).astype(np.int64)
    return quantized, weight_scale, leak, alpha, scale


def _nearest_level(q, levels):
    """Snap integers (an array or an edge's sparse matrix) onto the code's levels
    (a no-op for contiguous codes; 0 stays 0)."""
    if levels.size == levels[-1] - levels[0] + 1:  # every integer from lo to hi
        return sparse.map_values(q, lambda v: np.asarray(v, dtype=np.int64))
    return sparse.map_values(q, lambda v: _snap(v, levels))


def _snap(q, levels):
    idx = np.clip(np.searchsorted(levels, q), 0, len(levels) - 1)
    below = np.clip(idx - 1, 0, len(levels) - 1)
    pick = np.where(
        np.abs(levels[below] - q) <= np.abs(levels[idx] - q), levels[below], levels[idx]
    )
    return pick.astype(np.int64)


# --- the pass -------------------------------------------------------------------

#: Neuron parameters measured in potential, with their ranges: each neuron's are
#: multiplied by the same factor as its threshold, so its dynamics keep their shape.
POTENTIAL_PARAMS = {
    "initial_potential": (POTENTIAL_MIN, POTENTIAL_MAX),
    "reset_potential": (RESET_POTENTIAL_MIN, RESET_POTENTIAL_MAX),
    "negative_threshold": (THRESHOLD_MIN, THRESHOLD_MAX),
}


def default_weight_codes(state):
    """The build's weight code (``options.weight_bits``) for groups that no chip
    connection chose one for (ensembles with only host inputs, or none)."""
    for group in state.graph.groups:
        if group.code is None:
            group.code = weight_code(state.options.weight_bits)


def group_drive(state, group):
    """A group's drive per tick and threshold, as floats: the drive is its bias
    (:attr:`.ChipBuild.group_bias`) plus its neuron type's own leak."""
    bias = np.asarray(state.group_bias.get(group, np.zeros(group.n)), float)
    return bias + group.param("leak"), group.param("threshold").astype(float)


def round_group(state, group, edges, rng):
    """:func:`discretize_group` of ``group`` with its float ``edges``: the one rule
    by which a group's weights, drive (:func:`group_drive`) and threshold become
    integers.

    Returns
    -------
    The five results of :func:`discretize_group`.
    """
    drive, threshold = group_drive(state, group)
    return discretize_group(
        [e.weights for e in edges],
        drive,
        threshold,
        group.code,
        [edge_rounding(e, group.code) for e in edges],
        rng,
    )


def resizes(edge, code):
    """Whether ``edge``'s weights round by magnitude (:func:`round_magnitudes`) and
    get resized: its spikes are :attr:`~nengo_truenorth.ir.FloatEdge.resizable`
    and ``code`` writes its top level with either sign (so on and off channels get
    one level)."""
    top = code.reference_level
    return bool(edge.resizable and np.isin([top, -top], code.levels).all())


def edge_rounding(edge, code):
    """How ``edge``'s weights round into a group of ``code``: by magnitude where
    it :func:`resizes`, else as its ``rounding`` says."""
    return "magnitude" if resizes(edge, code) else edge.rounding


#: :func:`discretize_groups` rounds small groups a batch at a time, each batch
#: holding at least this many weights (entries of dense edges, stored ones of sparse
#: edges) unless the graph ends first: a batch's flat arrays take about 100 bytes a
#: weight at their peak.
BATCH_WEIGHTS = 1 << 18
#: A group with at least this many weights is rounded on its own by
#: :func:`round_group` (batching saves nothing there, and its edges' own arrays
#: take less memory than a batch's flat ones).
LARGE_GROUP = 1 << 16


def discretize_groups(state):
    """The discretization pass: every group's float edges to integer levels.

    Each neuron is multiplied by its own factor (see :func:`discretize_group`): its
    weights, its drive per tick (the ensemble's bias plus the neuron type's own
    leak), its threshold and every other potential (:data:`POTENTIAL_PARAMS`). The
    integer edges go to ``state.graph.edges``.

    Small groups are rounded a batch at a time by :func:`round_groups` (the same
    integers as :func:`round_group` group by group, in vectorized steps over all the
    weights of a batch: a wide ensemble's thousands of two-neuron relays cost what
    their weights hold, not a Python loop per edge each); large ones by
    :func:`round_group`, in the graph's order (stochastic rounding draws the same
    numbers either way).
    """
    rng = np.random.RandomState(state.seed)
    edges_into = {}
    for edge in state.graph.float_edges:
        edges_into.setdefault(edge.post, []).append(edge)
    batch, weights = [], 0
    for group in state.graph.groups:
        edges = edges_into.get(group, [])
        size = sum(_stored(e.weights) for e in edges)
        if size >= LARGE_GROUP:
            if batch:
                _discretize_batch(state, batch, edges_into, rng)
                batch, weights = [], 0
            threshold_before = group.param("threshold").astype(float)
            rounded = round_group(state, group, edges, rng)
            target, realized = _apply(state, group, edges, rounded, threshold_before)
            for edge, q in zip(edges, rounded[0]):
                # a resized edge's spikes carry what its levels realize
                asked = target if edge.resized is None else target * edge.resized
                _add_weight_error(state, edge, q, realized, asked)
            continue
        batch.append(group)
        weights += size
        if weights >= BATCH_WEIGHTS:
            _discretize_batch(state, batch, edges_into, rng)
            batch, weights = [], 0
    if batch:
        _discretize_batch(state, batch, edges_into, rng)


def _stored(m):
    """The entries a matrix stores: all of a dense one's, the nonzero of a sparse."""
    return m.nnz if sparse.issparse(m) else sparse.size(m)


def _apply(state, group, edges, rounded, threshold_before):
    """Set a group's integer parameters and add its integer edges.

    Returns
    -------
    target_per_weight, realized_per_level : (n,) ndarray
        The potential, in thresholds, of a unit of float weight and of a level.
    """
    levels, weight_scale, leak, alpha, scale = rounded
    group.params["leak"] = np.clip(leak, LEAK_MIN, LEAK_MAX)
    group.params["threshold"] = alpha
    for name, (low, high) in POTENTIAL_PARAMS.items():
        if name in group.params:
            value = np.asarray(group.params[name], dtype=float) * scale
            group.params[name] = np.clip(np.round(value), low, high).astype(np.int64)
    group.weight_scale = weight_scale
    # the potential each float weight asks for, in thresholds: negated for
    # `negate` neurons (their float weights are the levels they share)
    sign = np.where(group.negate, -1.0, 1.0) if group.negate is not None else 1.0
    target = sign / np.maximum(threshold_before, 1.0) * np.ones(group.n)
    realized = group.weight_scale / alpha
    for edge, q in zip(edges, levels):
        state.graph.add_edge(Edge(edge.pre, group, q, edge.delay, edge.obj))
        if resizes(edge, group.code):
            edge.resized = resize_factors(edge.weights, q, target, realized)
    return target, realized


def resize_factors(weights, levels, target_per_weight, realized_per_level):
    """Per post neuron, what a resizable edge's weights are multiplied by on the
    chip: the realized potential of its level over the potential its float weight
    asks for (1 where it has none).

    Every weight into one neuron has the same size and level
    (:func:`round_magnitudes`), so the largest of each stands for all. A factor
    within :data:`INTEGER_TOLERANCE` of 1 is 1: a weight the chip writes exactly
    leaves its spikes as they were.
    """
    asked = sparse.row_max_abs(weights) * np.abs(target_per_weight)
    got = sparse.row_max_abs(levels) * np.abs(realized_per_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(asked > 0, got / asked, 1.0)
    return np.where(np.abs(factor - 1) <= INTEGER_TOLERANCE, 1.0, factor)


def _discretize_batch(state, groups, edges_into, rng):
    thresholds_before = [g.param("threshold").astype(float) for g in groups]
    table = _WeightTable(state, groups, edges_into, rng)
    realized, target = [], []
    for group, threshold_before, rounded in zip(
        groups, thresholds_before, table.round()
    ):
        t, r = _apply(
            state, group, edges_into.get(group, []), rounded, threshold_before
        )
        target.append(t)
        realized.append(r)
    table.add_weight_errors(
        state.weight_errors, _concat(realized, float), _concat(target, float)
    )


def _add_weight_error(state, edge, levels, realized_per_level, target_per_weight):
    """Add an edge's squared error and squared weights, in thresholds, to its
    Nengo object's entry of ``state.weight_errors``."""
    if sparse.issparse(levels) or sparse.issparse(edge.weights):
        realized = sparse.scale_rows(sparse.csr(levels, np.float64), realized_per_level)
        target = sparse.scale_rows(
            sparse.csr(edge.weights, np.float64), target_per_weight
        )
        error = sparse.values(sparse.csr(realized - target))
        target = sparse.values(target)
    else:
        target = edge.weights * target_per_weight[:, None]
        error = levels * realized_per_level[:, None] - target
    entry = state.weight_errors.setdefault(edge.obj, [0.0, 0.0])
    entry[0] += float(np.vdot(error, error))
    entry[1] += float(np.vdot(target, target))


def round_groups(state, groups, edges_into, rng):
    """:func:`round_group` of each of ``groups``, vectorized over all their weights.

    The results, and ``rng``'s state after, are those of calling
    :func:`round_group` on each group in order (stochastic edges draw their
    uniforms in that order, each in its dense form's shape); tested against it.

    Parameters
    ----------
    state : ChipBuild
    groups : list of NeuronGroup
    edges_into : dict of NeuronGroup to list of FloatEdge
    rng : numpy.random.RandomState

    Returns
    -------
    list of tuple
        Per group, the five results of :func:`discretize_group`.
    """
    table = _WeightTable(state, groups, edges_into, rng)
    return table.round()


class _WeightTable:
    """The weights of a batch of groups as flat arrays: one row per neuron of the
    batch, one entry per nonzero weight (in each edge's row-major order)."""

    def __init__(self, state, groups, edges_into, rng):
        self.groups = groups
        sizes = np.array([g.n for g in groups], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)])
        self.group_of_row = np.repeat(np.arange(len(groups)), sizes)
        drives = [group_drive(state, g) for g in groups]
        self.bias = _concat([d[0] for d in drives], float)
        self.threshold = _concat([d[1] for d in drives], float)
        # the distinct codes (a batch holds few), and each row's
        index = {}
        code_of_group = [index.setdefault(id(g.code), len(index)) for g in groups]
        self.codes = list({id(g.code): g.code for g in groups}.values())
        self.code_of_row = np.repeat(np.array(code_of_group, dtype=np.int64), sizes)

        def per_row(f, dtype=np.int64):
            return np.array([f(c) for c in self.codes], dtype=dtype)[self.code_of_row]

        self.q_ref = per_row(lambda c: c.reference_level)
        self.max_scale = per_row(lambda c: c.max_scale)
        self.lo = per_row(lambda c: c.levels.min())
        self.hi = per_row(lambda c: c.levels.max())
        self.top = per_row(lambda c: max(np.abs(c.levels).max(), 1))
        # per edge: its group, its entries and (stochastic edges) their uniforms
        self.edges, rows, values, uniforms, stochastic = [], [], [], [], []
        resized_entries = []
        for k, group in enumerate(groups):
            for edge in edges_into.get(group, []):
                r, c, v = sparse.entries(edge.weights)
                self.edges.append((k, edge, r, c))
                rows.append(r + self.offsets[k])
                values.append(v)
                resized_here = resizes(edge, group.code)
                if edge.rounding == "stochastic" and not resized_here:
                    uniforms.append(_uniforms_at(edge.weights, r, c, rng))
                    stochastic.append(np.ones(r.size, dtype=bool))
                elif edge.rounding == "nearest" or resized_here:
                    uniforms.append(np.zeros(r.size))
                    stochastic.append(np.zeros(r.size, dtype=bool))
                else:
                    raise ValueError(
                        f"rounding = {edge.rounding!r} is not 'nearest' or "
                        "'stochastic'"
                    )
                resized_entries.append(np.full(r.size, resized_here))
        self.row = _concat(rows, np.int64)
        self.value = _concat(values, float)
        self.uniform = _concat(uniforms, float)
        self.stochastic = _concat(stochastic, bool)
        self.resizes = _concat(resized_entries, bool)  # entries of edges that resize
        self.edge_sizes = np.array([r.size for r in rows], dtype=np.int64)

    def round(self):
        """:func:`discretize_group`'s steps on every row and entry at once.

        Returns
        -------
        list of tuple
            Per group, the five results of :func:`discretize_group`.
        """
        n = self.offsets[-1]
        max_weight = np.zeros(n)
        np.maximum.at(max_weight, self.row, np.abs(self.value))
        with np.errstate(divide="ignore"):
            bounds = np.stack(
                [
                    (self.q_ref * self.max_scale) / np.abs(max_weight),
                    LEAK_MAX / np.abs(self.bias),
                    THRESHOLD_MAX / np.abs(self.threshold),
                ]
            )
        scale = np.min(bounds, axis=0)
        weight_scale = np.clip(
            np.round(scale * max_weight / self.q_ref), 1, self.max_scale
        ).astype(np.int64)
        exact, exact_groups = self.exact_scales()
        rows_exact = exact_groups[self.group_of_row]
        scale = np.where(rows_exact, 1.0, scale)
        weight_scale = np.where(rows_exact, exact, weight_scale)
        levels = self.levels(scale, weight_scale)
        self.q = levels
        leak = np.clip(np.round(scale * self.bias), -LEAK_MAX, LEAK_MAX).astype(
            np.int64
        )
        alpha = np.clip(np.round(scale * self.threshold), 1, THRESHOLD_MAX).astype(
            np.int64
        )
        out = []
        for k in range(len(self.groups)):
            rows = slice(self.offsets[k], self.offsets[k + 1])
            out.append(
                ([], weight_scale[rows], leak[rows], alpha[rows], scale[rows])
            )
        ends = np.cumsum(self.edge_sizes)
        for (k, edge, r, c), end, size in zip(self.edges, ends, self.edge_sizes):
            out[k][0].append(_with_levels(edge.weights, r, c, levels[end - size : end]))
        return out

    def add_weight_errors(self, weight_errors, realized_per_level, target_per_weight):
        """Add each edge's squared error and squared weights, in thresholds, to its
        Nengo object's entry of ``weight_errors`` (after :meth:`round`).

        Parameters
        ----------
        realized_per_level, target_per_weight : (n,) ndarray
            Per neuron of the batch, the potential (in thresholds) of one level on
            the chip, and of one unit of float weight.
        """
        if not self.edges:
            return
        row = self.row
        # a resized edge's spikes carry what its levels realize
        resized = np.ones(row.size)
        ends = np.cumsum(self.edge_sizes)
        for (_, edge, r, _), end, size in zip(self.edges, ends, self.edge_sizes):
            if edge.resized is not None:
                resized[end - size : end] = edge.resized[r]
        target = self.value * target_per_weight[row] * resized
        error = self.q * realized_per_level[row] - target
        edge_of = np.repeat(np.arange(len(self.edges)), self.edge_sizes)
        n = len(self.edges)
        error_sq = np.bincount(edge_of, weights=error * error, minlength=n)
        target_sq = np.bincount(edge_of, weights=target * target, minlength=n)
        for (_, edge, _, _), e, t in zip(self.edges, error_sq, target_sq):
            entry = weight_errors.setdefault(edge.obj, [0.0, 0.0])
            entry[0] += float(e)
            entry[1] += float(t)

    def exact_scales(self):
        """:func:`exact_weight_scales` of every group at once.

        Returns
        -------
        scale : (n,) ndarray of int64
            Per neuron, the weight scale that writes its numbers exactly (0 where
            none does).
        exact : (n_groups,) ndarray of bool
            Whether every neuron of a group (with at least one) has one.
        """
        bias, threshold, v, row = self.bias, self.threshold, self.value, self.row
        ok = (
            _is_integer(bias)
            & (np.abs(bias) <= LEAK_MAX)
            & _is_integer(threshold)
            & (threshold >= max(THRESHOLD_MIN, 1))
            & (threshold <= THRESHOLD_MAX)
        )
        if not ok.any():  # most batches: float biases
            return np.zeros(ok.size, dtype=np.int64), np.zeros(len(self.groups), bool)
        bound = (self.max_scale * self.top)[row]
        bad = ~(_is_integer(v) & (np.abs(v) <= bound))
        ok[row[bad]] = False
        gcd = np.zeros(ok.size, dtype=np.int64)
        whole = np.where(ok[row], np.abs(np.round(v)), 0).astype(np.int64)
        np.gcd.at(gcd, row, whole)
        scale = np.where(gcd == 0, 1, gcd)
        ok &= scale <= self.max_scale
        q = np.where(ok[row], np.round(v), 0).astype(np.int64) // scale[row]
        code_of_entry = self.code_of_row[row]
        for k, code in enumerate(self.codes):
            off = (code_of_entry == k) & ~np.isin(q, code.levels)
            ok[row[off]] = False
        sizes = np.diff(self.offsets)
        failing = np.bincount(self.group_of_row[~ok], minlength=len(self.groups))
        exact = (sizes > 0) & (failing == 0)
        return np.where(ok, scale, 0).astype(np.int64), exact

    def levels(self, scale, weight_scale):
        """Every entry's integer level (:func:`round_levels`, :func:`_nearest_level`)."""
        row = self.row
        x = scale[row] * self.value / weight_scale[row]
        low = np.floor(x)
        q = np.where(self.stochastic, low + (self.uniform < (x - low)), np.round(x))
        if self.resizes.any():
            q = np.where(self.resizes, round_magnitudes(x, self.q_ref[row]), q)
        q = np.clip(q, self.lo[row], self.hi[row]).astype(np.int64)
        for k, code in enumerate(self.codes):
            levels = code.levels
            if levels.size == levels[-1] - levels[0] + 1:
                continue  # every integer from lo to hi
            at = self.code_of_row[row] == k
            q[at] = _snap(q[at], levels)
        return q


def _concat(arrays, dtype):
    if not arrays:
        return np.zeros(0, dtype)
    return np.concatenate(arrays).astype(dtype, copy=False)


def _uniforms_at(m, rows, cols, rng):
    """The uniforms :func:`round_levels` draws for a stochastic edge, at its
    entries ``(rows, cols)`` (:func:`.sparse.stream_uniforms` of a sparse edge)."""
    if sparse.issparse(m):
        return sparse.stream_uniforms(m, rng)
    return rng.random_sample(np.shape(m))[rows, cols]


def _with_levels(weights, rows, cols, q):
    """An edge's levels, in its weights' form: ``q`` at ``(rows, cols)``."""
    if sparse.issparse(weights):
        return sparse.with_values(weights, q)
    out = np.zeros(np.shape(weights), dtype=np.int64)
    out[rows, cols] = q
    return out
