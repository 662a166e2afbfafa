"""The decode pass: how a decoded value leaves its chip ensemble, on decode neurons.

A decoded chip -> chip connection (a :class:`~nengo_truenorth.ir.DecodedEdge`) sends its pre neurons' spikes to *decode neurons*
whose spike rates carry the decoded value (on/off pairs: the positive and negative
parts of a partial sum), and the post neurons sum them through their encoders. The
decode neurons need every pre neuron's spikes on one core, which takes one axon per
pre neuron and axon type. Two ways to build them:

**Sign-plane banks** (:func:`build_sign_plane_bank`), when the distinct decoder rows
of *all* the decoded connections out of an ensemble have at most
:data:`MAX_SIGN_PATTERNS` sign patterns (a 1-D ensemble with one function, or with
transforms of one function, as in most models). Each pre neuron then needs **one**
axon per bank core: its axon type is the sign of its decoder (0: positive, 1:
negative, trinary weights). Decoder ``d_i`` is rounded to a sign and a magnitude of
:func:`plane_bits` bits (``weight_bits + 1``), ``d_i ≈ δ sign_i Σ_k 2^k b_ik``, and
each bit ``k`` of each row gets its own on/off pair of decode neurons, *plane
neurons*, which sum
``2^k δ Σ_i sign_i b_ik r_i`` -- signed, so positive and negative shares cancel
inside the neuron, as in a classic decode pair. An off neuron takes the same levels
as its on neuron with a negative ``weight_scale`` (:attr:`.NeuronGroup.negate`), so
on and off share the pre neuron's one axon. A bank holds 256 pre neurons per core (a
block) and the plane neurons of every row with that sign pattern -- shared by every
connection out of the ensemble that decodes the same row (e.g. a recurrent and a
feed-forward connection computing the identity). All planes of a row spike for the
same unit (the value one spike stands for, sized like a classic pair's for the
largest plane), so the post's weights from them are equal and round to the same
level: the planes' ratios survive the post's 16 levels exactly.

**Classic blocks** (:func:`build_classic_decode`), otherwise: per connection and per
block of pre neurons that fits a core's axons with the connection's weight code (64
at 16 levels: four axons per pre neuron), an on/off pair per dimension.

What changes for a model: with 16-level weights, a 256-neuron ensemble's decoded
connections cost one bank core (256 axons) instead of four decode cores, and its
neurons need no splitter to reach it (one target each) instead of one splitter
neuron for each of the three or four axons of their 16-level weight. The bank's
decoders have 63 levels (sign and :func:`plane_bits` = 5 bits) per block of 256,
where classic blocks have 16 per block of 64; the post takes ``2 x 5`` inputs per row
and bank block, where it takes ``2 x 4`` per row from four classic blocks.

Both are built after the Nengo build (:func:`lower_decoded_edges`), when every
decoded connection out of each ensemble is known; their groups and edges go where the
decoded edge stood in the graph (:meth:`~nengo_truenorth.ir.ChipGraph.defer`), so the
compiler's order (and placement) follows the network's. A filtered decoded edge sends
its decode neurons' spikes on as filtered edges
(:class:`~nengo_truenorth.ir.FilteredEdge`), which the filter pass lowers next.
"""

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..hardware.limits import AXONS_PER_CORE, NEURONS_PER_CORE
from ..ir import (
    TRINARY,
    ChipGraph,
    DecodedEdge,
    FilteredEdge,
    FloatEdge,
    NeuronGroup,
    array_key,
    weight_code,
)
from .discretize import round_levels

#: At most this many sign patterns of decoder rows (so targets per pre neuron, one
#: bank each) use sign-plane banks. Two would still beat classic 16-level blocks on
#: cores (3.4 axons per pre neuron), but a 2-D oscillator of 300 neurons
#: (tests/test_simulator_synapses.py), which classic blocks and both ways leave
#: growing past its radius on the chip, then crossed zero 3 times where Nengo's
#: crosses 6 (classic blocks: 5).
MAX_SIGN_PATTERNS = 1


def decode_params(options):
    """Chip parameters of decode neurons: first-order sigma-delta modulators with
    linear reset and a floor at 0."""
    return {
        "threshold": options.nominal_threshold,
        "reset_mode": 1,
        "negative_saturation": 1,
    }


def _to_post(out, request, source, weights):
    """Edges from decode neurons ``source`` into the post (through filter neurons
    for a filtered connection)."""
    if request.tau is not None:
        out.defer(
            FilteredEdge(
                source,
                request.post,
                weights,
                request.delay,
                request.obj,
                request.rounding,
                request.tau,
            )
        )
    else:
        out.add_float_edge(
            FloatEdge(
                source,
                request.post,
                weights,
                request.delay,
                request.obj,
                request.rounding,
            )
        )


def build_classic_decode(state, out, request):
    """Per block of pre neurons that fits one core's axons, an on/off decode pair per
    dimension: pre neurons -> decode neurons -> post neurons.

    With a filtered connection, the decode neurons' spikes reach the post through
    filter neurons (:func:`.filters.build_filtered_edges`), one per decode neuron:
    the on and off rates are low-passed separately, and their difference is the
    low-passed value.
    """
    conn, decoders, activities = request.obj, request.decoders, request.activities
    options = state.options
    code = weight_code(request.bits)
    block = max(1, AXONS_PER_CORE // code.axons_per_input)
    size_mid, n_pre = decoders.shape
    threshold = options.nominal_threshold
    for start in range(0, n_pre, block):
        sl = slice(start, min(start + block, n_pre))
        partial = activities[:, sl] @ decoders[:, sl].T  # (n_eval, size_mid)
        # value that one decode spike per tick stands for
        unit = options.decode_margin * max(float(np.abs(partial).max()), 1e-9)
        n_dec = 2 * size_mid
        dec = out.add_group(
            NeuronGroup(
                n_dec,
                label=f"{conn} decode {start}",
                role="decode",
                params=decode_params(options),
                code=code,
                obj=conn,
            )
        )
        sign = np.repeat([[1.0], [-1.0]], size_mid, axis=1).reshape(n_dec, 1)
        block_decoders = np.vstack([decoders[:, sl], decoders[:, sl]])  # (n_dec, n_blk)
        pre_to_dec = np.zeros((n_dec, n_pre))
        pre_to_dec[:, sl] = sign * block_decoders * request.spike * threshold / unit
        out.add_float_edge(
            FloatEdge(request.pre, dec, pre_to_dec, 1, conn, request.rounding)
        )
        # a decode spike stands for `unit` of value during one tick
        _to_post(
            out, request, dec, np.hstack([request.post_map, -request.post_map]) * unit
        )


# --- sign-plane banks -------------------------------------------------------------


@dataclass(eq=False)
class SignPlaneBank:
    """The plane neurons of one sign pattern of one ensemble's decoder rows.

    Attributes
    ----------
    groups : list of (slice, NeuronGroup)
        Per block of pre neurons, its slice and its plane neurons.
    neurons : dict of (int, int) to list of (int, int, float)
        Per (row, first pre neuron of the block): each plane's on neuron, off
        neuron, and its unit (the value one of its spikes stands for, for a tick).
    """

    groups: list
    neurons: dict


def _rows(requests):
    """Distinct decoder rows of ``requests`` and, per request, the row of each of its
    dimensions."""
    rows, index, row_of = [], {}, []
    for request in requests:
        ids = []
        for d in request.decoders:
            key = np.ascontiguousarray(d).tobytes()
            if key not in index:
                index[key] = len(rows)
                rows.append((d, request))
            ids.append(index[key])
        row_of.append(ids)
    return rows, row_of


def _sign_pattern(row):
    return (np.asarray(row) < 0).tobytes()


def plan_sign_planes(requests):
    """The rows of an ensemble's decoded connections, by sign pattern, or None
    when they need classic blocks.

    Returns
    -------
    rows : list of (ndarray, DecodedEdge)
    row_of : list of list of int
        Per request, the row of each dimension.
    patterns : OrderedDict of bytes to list of int
        Rows of each sign pattern.
    """
    bits = {r.bits for r in requests}
    if len(bits) != 1:
        return None
    (bits,) = bits
    rows, row_of = _rows(requests)
    patterns = OrderedDict()
    for k, (row, _) in enumerate(rows):
        patterns.setdefault(_sign_pattern(row), []).append(k)
    planes_per_row = 2 * plane_bits(bits)
    if len(patterns) > MAX_SIGN_PATTERNS or any(
        len(ids) * planes_per_row > NEURONS_PER_CORE for ids in patterns.values()
    ):
        return None
    return rows, row_of, patterns


def plane_bits(weight_bits):
    """Magnitude bits (planes) of a bank's decoders for a connection's weight bits.

    One more than ``weight_bits`` (63 levels at the default 4 bits): planes cost
    neurons, not axons. Measured on issue 3's chain benchmark (RMSE against
    ``nengo.Simulator``, mean and max over the ensembles; ``python
    benchmarks/bench_decode.py --sizes 4 16 --big 0 --plane-bits K``): 4 planes
    0.079 / 0.097 (N = 4) and 0.073 / 0.097 (N = 16); 5 planes 0.070 / 0.090 and
    0.071 / 0.082; classic 16-level blocks 0.064 / 0.091 and 0.070 / 0.099.
    """
    return weight_bits + 1


def magnitude_bits(row, bits, rounding, rng):
    """Sign and magnitude bits of a decoder row, relative to its largest entry.

    Returns
    -------
    sign : (n,) ndarray of float
        -1 or 1.
    planes : (bits, n) ndarray of float
        ``planes[k, i]`` is bit ``k`` of ``|d_i|`` in units of ``δ``.
    step : float
        ``δ``: ``|d_i| ≈ δ Σ_k 2^k planes[k, i]``.
    """
    row = np.asarray(row, dtype=float)
    top = 2**bits - 1
    largest = float(np.abs(row).max())
    step = largest / top if largest > 0 else 1.0
    magnitude = round_levels(np.abs(row) / step, 0, top, rounding, rng)
    planes = (magnitude[None, :] >> np.arange(bits)[:, None]) & 1
    return np.where(row < 0, -1.0, 1.0), planes.astype(float), step


def build_sign_plane_bank(state, out, pre, rows, row_ids, requests_rng):
    """Plane neurons for ``row_ids`` (one sign pattern), per block of 256 pre neurons.

    Parameters
    ----------
    state : ChipBuild
    out : ChipGraph
        Where the bank's groups and edges go.
    pre : NeuronGroup
    rows : list of (ndarray, DecodedEdge)
        Every distinct row of the ensemble's decoders, with a request that decodes it
        (for its activities, spike, bits and rounding).
    row_ids : list of int
        The rows of this bank.
    requests_rng : numpy.random.RandomState
        For stochastic rounding of the magnitudes.

    Returns
    -------
    SignPlaneBank
    """
    options = state.options
    threshold = options.nominal_threshold
    bank = SignPlaneBank([], {})
    for start in range(0, pre.n, NEURONS_PER_CORE):
        sl = slice(start, min(start + NEURONS_PER_CORE, pre.n))
        on_rows, units = [], []
        for r in row_ids:
            row, request = rows[r]
            n_planes = plane_bits(request.bits)
            sign, planes, step = magnitude_bits(
                row[sl], n_planes, request.rounding, requests_rng
            )
            row_planes, row_units = [], []
            for k in range(n_planes):
                if not planes[k].any():
                    continue
                w = sign * planes[k]  # (n_blk,) in -1, 0, 1
                partial = request.activities[:, sl] @ w * (2**k * step)
                unit = options.decode_margin * max(float(np.abs(partial).max()), 1e-9)
                row_planes.append((k, w))
                row_units.append(unit)
            # one unit for all planes of a row: the post's weights from them are then
            # equal, so rounding them to the post's levels keeps the planes' ratios
            # exact (planes of their own units put the low planes on one or two
            # levels, which biased x**2 by up to 0.035 on a 1-D ensemble of 100)
            row_units = [max(row_units, default=0.0)] * len(row_units)
            for (k, w), unit in zip(row_planes, row_units):
                # a pre spike adds 2^k δ spike value-ticks; a plane spike is `unit`
                on_rows.append((r, w * 2**k * step * request.spike * threshold / unit))
                units.append(unit)
        n_planes = len(on_rows)
        if n_planes == 0:
            continue
        params = decode_params(options)
        group = out.add_group(
            NeuronGroup(
                2 * n_planes,
                label=f"{pre.label} decode bank {start}",
                role="decode",
                params=params,
                code=TRINARY,
                obj=pre.obj,
                negate=np.arange(2 * n_planes) >= n_planes,
            )
        )
        weights = np.zeros((2 * n_planes, pre.n))
        for j, (r, w) in enumerate(on_rows):
            # the off neuron takes the on neuron's levels, negated by its scale
            weights[j, sl] = weights[n_planes + j, sl] = w
            bank.neurons.setdefault((r, start), []).append((j, n_planes + j, units[j]))
        out.add_float_edge(
            FloatEdge(pre, group, weights, 1, rows[row_ids[0]][1].obj, "nearest")
        )
        bank.groups.append((sl, group))
    return bank


def _bank_to_post(out, request, rows_of_dims, banks_of_row):
    """The post edges of ``request`` from the plane neurons of its rows."""
    for bank in {id(banks_of_row[r]): banks_of_row[r] for r in rows_of_dims}.values():
        for sl, group in bank.groups:
            weights = np.zeros((request.post.n, group.n))
            for d, r in enumerate(rows_of_dims):
                if banks_of_row[r] is not bank:
                    continue
                for on, off, unit in bank.neurons.get((r, sl.start), []):
                    weights[:, on] += request.post_map[:, d] * unit
                    weights[:, off] -= request.post_map[:, d] * unit
            if np.any(weights):
                _to_post(out, request, group, weights)


# --- all decoded connections ----------------------------------------------------


def lower_decoded_edges(state):
    """The decode pass: the decode neurons of every decoded edge of the graph.

    Each ensemble's connections get sign-plane banks when their rows allow it
    (:func:`plan_sign_planes`), classic blocks otherwise. The groups and edges of
    each decoded edge go where it stood in the graph.
    """
    requests = state.graph.deferred(DecodedEdge)
    if not requests:
        return
    by_pre = OrderedDict()
    for request in requests:
        by_pre.setdefault(request.pre, []).append(request)
    plans = {pre: plan_sign_planes(reqs) for pre, reqs in by_pre.items()}
    banks = {}  # pre -> list of bank per row
    rng = np.random.RandomState(state.seed)

    lowered = {}
    remaining = {pre: len(reqs) for pre, reqs in by_pre.items()}
    for request in requests:
        out = lowered[request] = ChipGraph()
        pre = request.pre
        if request.activities is None:
            attach_rates(by_pre[pre])
        plan = plans[pre]
        if plan is None:
            build_classic_decode(state, out, request)
        else:
            rows, row_of, patterns = plan
            if pre not in banks:
                banks_of_row = {}
                for row_ids in patterns.values():
                    bank = build_sign_plane_bank(state, out, pre, rows, row_ids, rng)
                    banks_of_row.update({r: bank for r in row_ids})
                banks[pre] = banks_of_row
            k = by_pre[pre].index(request)
            _bank_to_post(out, request, row_of[k], banks[pre])
        remaining[pre] -= 1
        if remaining[pre] == 0:
            for done in by_pre[pre]:
                done.activities = None  # (n_eval, n_pre) each: free them as we go
    state.graph.replace(lowered)


def attach_rates(requests):
    """Set each request's ``activities``: its pre's rates on its sizing points.

    Computed here, in the pass, rather than kept from the solve: a model's decoded
    connections would otherwise hold an ``(n_eval, n_pre)`` matrix each until now
    (5.5 GB for the 4,096-core benchmark chain). Requests with the same points share
    one matrix.
    """
    by_points = {}
    for request in requests:
        key = array_key(request.sizing_points)
        if key not in by_points:
            by_points[key] = request.rates(request.sizing_points)
        request.activities = by_points[key]
