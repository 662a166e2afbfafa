"""The decode pass: how a decoded value leaves its chip ensemble, on decode neurons.

A decoded chip -> chip connection (a :class:`~nengo_truenorth.ir.DecodedEdge`)
sends its pre neurons' spikes to *decode neurons* whose spike rates carry the
decoded value (on/off pairs: the positive and negative parts of a partial sum), and
the post neurons sum them through their encoders. The decode neurons need every pre
neuron's spikes on one core, which takes one axon per pre neuron and axon type. Two
ways to build them:

**Sign-plane banks** (:func:`build_sign_plane_bank`), for the distinct decoder rows
of all the decoded connections out of an ensemble, as long as they fit
:data:`MAX_BANKS` bank cores (one row takes ``2 x 5`` plane neurons, or twice that
when its signs differ from the bank's; :func:`plan_sign_planes`). Each pre neuron
needs **one** axon per bank core, of level ``s_i`` (the sign of its decoder in the
bank's first row: trinary weights). Decoder ``d_i`` is rounded to a sign and a
magnitude of :func:`plane_bits` bits (``weight_bits + 1``),
``d_i ≈ δ sign_i Σ_k 2^k b_ik``, and each bit ``k`` of each row gets its own on/off
pairs of decode neurons, *plane neurons*, which sum ``2^k δ Σ_i sign_i b_ik r_i``
-- signed, so positive and negative shares cancel inside the neuron, as in a
classic decode pair. An off neuron takes the same levels as its on neuron with a
negative ``weight_scale`` (:attr:`.NeuronGroup.negate`), so on and off share the
pre neuron's one axon; so do the pre neurons whose sign in a row disagrees with
``s_i``, through a pair of their own whose on neuron is the negated one (a second
*class*). This is how a 2-D ensemble's two rows, whose signs differ for half its
neurons, share one bank core. All planes of a row spike for the same unit (the
value one spike stands for, sized like a classic pair's for the largest plane), so
the weights from them are equal. Planes are shared by every connection out of the
ensemble that decodes the same row (e.g. a recurrent and a feed-forward connection
computing the identity).

**Sum neurons.** A filtered connection reads a row from two *sum neurons* per bank
block: one counts its on plane neurons' spikes, the other its off ones'. (An
unfiltered connection reads the plane neurons; where one of its rows needs two
classes, it takes classic blocks: :func:`plan_sign_planes`.) The filter neurons of a
``Lowpass`` go between the planes and the sums (:class:`FilteredEdge` to the sums),
so there are filter neurons per plane, which are stochastic and would need a
splitter for each extra target: a filter neuron's one target is its own axon, which
its sum neurons read beside it. The sums are deterministic: their fan-out to the
posts costs copies of them (:func:`~nengo_truenorth.compiler.fan_out.plan_copies`),
and a post takes 2 inputs per row and bank block. Where an ensemble has a filtered
connection, each row's top plane is cut into :data:`PLANE_PARTS` parts (the pre
neurons dealt in turn): the planes' unit, and the noise of their filter neurons,
shrink with them.

**Classic blocks** (:func:`build_classic_decode`), otherwise: per connection and per
block of pre neurons that fits a core's axons with the connection's weight code (64
at 16 levels: four axons per pre neuron), an on/off pair per dimension.

What changes for a model: with 16-level weights, a 256-neuron ensemble's decoded
connections cost one bank core (256 axons) instead of four decode cores, its neurons
need no splitter to reach it (one target each) instead of one splitter neuron for
each of the three or four axons of their 16-level weight, and with sum neurons the
filter neurons need none either. The bank's decoders have 63 levels (sign and
:func:`plane_bits` = 5 bits) per block of 256, where classic blocks have 16 per
block of 64. Measured on the benchmark chains (``benchmarks/bench_simulator.py``,
docs/simulator.md): a chain of 64 recurrent 2-D ensembles took 586 cores with
classic blocks, 77 % of its neurons splitters; it takes a quarter of that now, with
no splitter and a lower decoded RMSE against ``nengo.Simulator``.

Both are built after the Nengo build (:func:`lower_decoded_edges`), when every
decoded connection out of each ensemble is known; their groups and edges go where the
decoded edge stood in the graph (:meth:`~nengo_truenorth.ir.ChipGraph.defer`), so the
compiler's order (and placement) follows the network's. A filtered edge is lowered
by the filter pass next.
"""

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from ..hardware.limits import AXONS_PER_CORE, N_AXON_TYPES, NEURONS_PER_CORE
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
from .filters import FILTER_DELAY


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

#: At most this many banks (so axons per pre neuron) for one ensemble's rows; rows
#: that need more go to classic blocks. 0 puts every connection on classic blocks
#: (for comparisons).
MAX_BANKS = N_AXON_TYPES

#: Where an ensemble has a filtered decoded connection, the top plane of each row is
#: cut into this many parts (the next plane into half as many, and so on), so that
#: every plane neuron's unit, and the noise of its filter neuron, is about this many
#: times smaller (see :func:`build_sign_plane_bank`).
PLANE_PARTS = 4

#: Room a sum neuron leaves above the largest total of its plane neurons over the
#: sizing points (1: a spike every tick there). A sum spike reaches the posts as one
#: kick, which pushes post neurons just below their intercept over their threshold
#: now and then (their potential floors at 0, as Nengo's ``SpikingRectifiedLinear``
#: does), so larger units drive an integrator up; too little room clips a value
#: that grows past the radius. Measured (tests/test_simulator_synapses.py): the
#: integrator's mean error after its input stops (seeds 0-2) is 0.07-0.11 at 1.25,
#: 0.05-0.06 at 1.15, 0.04-0.08 at 1, and 0.25-0.32 at 2; the 2-D oscillator, which
#: grows past its radius on the chip, crosses zero 4, 6, 3 times where Nengo's
#: crosses 6 at 1.25, 1.15, 1.
SUM_MARGIN = 1.15


@dataclass(eq=False)
class SignPlaneBank:
    """The plane neurons of some rows of one ensemble's decoders: one axon per pre
    neuron reaches them all.

    Attributes
    ----------
    rows : list of int
        The rows it decodes.
    axon_sign : (n_pre,) ndarray of float
        Each pre neuron's level (-1 or 1) on the bank's axons.
    parts : int
        Parts of each row's top plane (1: none cut).
    classes : int
        Classes of its rows' plane neurons: 2 where some row's signs disagree with
        the axons' in part (:func:`plane_classes`), else 1.
    groups : list of (slice, NeuronGroup, dict)
        Per block of pre neurons: its slice, its plane neurons and its sum neurons
        per ``tau`` (None: unfiltered).
    neurons : dict of (int, int) to list of (int, int, float)
        Per (row, first pre neuron of the block): each plane neuron pair's on
        neuron, off neuron and unit (the value one of its spikes stands for, for a
        tick), one per plane, class and part.
    sums : dict of (int, int, float) to list of (int, int, float)
        Per (row, first pre neuron of the block, ``tau``): its sum neurons, as
        (neuron, sign, unit).
    """

    rows: list
    axon_sign: np.ndarray
    parts: int = 1
    classes: int = 1
    groups: list = field(default_factory=list)
    neurons: dict = field(default_factory=dict)
    sums: dict = field(default_factory=dict)


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


def _signs(row):
    """(n,) ndarray of float: -1 where ``row`` is negative, else 1."""
    return np.where(np.asarray(row) < 0, -1.0, 1.0)


def plane_classes(row, axon_sign):
    """How many classes of plane neurons ``row`` needs on axons of ``axon_sign``: 1
    when the signs of its nonzero entries all agree with them, or all disagree;
    else 2."""
    agree = (_signs(row) == axon_sign)[np.asarray(row) != 0]
    return 2 if agree.any() and not agree.all() else 1


def plane_neurons(bits, parts):
    """Plane neurons of one row and class: an on/off pair per plane and part."""
    n_planes = plane_bits(bits)
    return 2 * sum(_parts(k, n_planes, parts) for k in range(n_planes))


def _parts(k, n_planes, parts):
    """Parts of plane ``k`` of ``n_planes`` when the top plane has ``parts``."""
    return max(1, parts >> (n_planes - 1 - k))


def plan_sign_planes(requests):
    """The rows of an ensemble's decoded connections in banks, or None when they
    all need classic blocks.

    Rows are taken by sign pattern, the most common first; a bank's first row sets
    its axon signs, and each row joins the last bank while its plane neurons
    (:func:`plane_neurons` times :func:`plane_classes`) fit one core. Classic
    blocks when the requests' weight bits differ, or when the rows need more banks
    than :data:`MAX_BANKS` or than a classic block's axons per pre neuron. An
    unfiltered connection reads plane neurons straight into its post; where one of
    its rows needs two classes it takes classic blocks instead, and the banks are
    planned again without it: twice the plane neurons would double the post's
    inputs, and sum neurons, as filtered connections read, give the post larger
    kicks than classic blocks (measured on Nengo's ``test_slicing``: 0.06-0.13
    from the expected value where classic blocks stay within 0.03-0.07).

    Returns
    -------
    rows : list of (ndarray, DecodedEdge)
    row_of : dict of DecodedEdge to list of int
        Per request the banks decode, the row of each dimension (the others take
        classic blocks).
    banks : list of SignPlaneBank
        Each bank's rows and axon signs (nothing built yet).
    """
    bits = {r.bits for r in requests}
    if len(bits) != 1:
        return None
    (bits,) = bits
    chosen = list(requests)
    while chosen:
        plan = _plan_banks(chosen, bits)
        if plan is None:
            return None
        rows, row_of, banks = plan
        bank_of = {r: bank for bank in banks for r in bank.rows}
        unfit = {
            req
            for req in chosen
            if req.tau is None
            and any(
                plane_classes(rows[r][0], bank_of[r].axon_sign) == 2
                for r in row_of[req]
            )
        }
        if not unfit:
            return plan
        chosen = [req for req in chosen if req not in unfit]
    return None


def _plan_banks(requests, bits):
    """:func:`plan_sign_planes` for ``requests``, all of them in banks."""
    parts = PLANE_PARTS if any(r.tau is not None for r in requests) else 1
    per_class = plane_neurons(bits, parts)
    if per_class > NEURONS_PER_CORE:
        return None
    rows, row_of = _rows(requests)
    by_pattern = OrderedDict()
    for k, (row, _) in enumerate(rows):
        by_pattern.setdefault(_signs(row).tobytes(), []).append(k)
    order = sorted(by_pattern.values(), key=len, reverse=True)
    banks, used = [], 0
    for k in (k for ids in order for k in ids):
        row = rows[k][0]
        classes = plane_classes(row, banks[-1].axon_sign) if banks else 1
        if not banks or used + per_class * classes > NEURONS_PER_CORE:
            banks.append(SignPlaneBank([], _signs(row), parts))
            used, classes = 0, 1
        banks[-1].rows.append(k)
        banks[-1].classes = max(banks[-1].classes, classes)
        used += per_class * classes
    if len(banks) > min(MAX_BANKS, weight_code(bits).axons_per_input):
        return None
    return rows, dict(zip(requests, row_of)), banks


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


def _unit(options, partial):
    """The value one decode spike per tick stands for, for partial sums
    ``partial``: room for ``decode_margin`` times the largest."""
    return options.decode_margin * max(float(np.abs(partial).max()), 1e-9)


def _plane_pairs(bits, sign, axon_sign, parts):
    """Each (plane, class, part) of a row's block with a set bit: its plane ``k``,
    its bits and whether its on neuron is negated (its class disagrees with the
    axons' signs)."""
    n_planes = bits.shape[0]
    agree = sign == axon_sign
    pairs = []
    for k in range(n_planes):
        m = _parts(k, n_planes, parts)
        for members, negate in ((agree, False), (~agree, True)):
            idx = np.flatnonzero(bits[k] * members)
            for part in range(m):
                mine = np.zeros_like(bits[k])
                mine[idx[part::m]] = 1
                if mine.any():
                    pairs.append((k, mine, negate))
    return pairs


def build_sign_plane_bank(state, out, pre, rows, bank, rng, sum_taus):
    """Plane neurons for ``bank``'s rows, per block of 256 pre neurons, and their
    sum neurons.

    **Planes.** Pre neuron ``i`` reaches the block's plane neurons through one axon,
    of level ``s_i = bank.axon_sign[i]``. Bit ``k`` of a row gets an on/off pair of
    plane neurons for the pre neurons whose signs agree with ``s``, and one for
    those whose signs disagree (classes); a disagreeing class's on neuron is
    negated (and its off neuron not), so both classes take the same levels from
    the same axons. With ``bank.parts > 1`` a plane's pre neurons are dealt in
    turn to its parts, a pair each: each part's largest partial sum, so its unit
    and its filter neuron's noise, is a fraction of the plane's.

    **Sums**, per ``tau`` of ``sum_taus``: a positive sum
    neuron per row counts its on plane neurons' spikes and a negative one its off
    plane neurons' (``unit / sum unit`` thresholds each), so the post takes two
    inputs per row and block however many plane neurons there are. A filtered
    connection's planes reach its sums through filter neurons
    (:class:`~nengo_truenorth.ir.FilteredEdge`, lowered by the filter pass) with
    the filter's own delay: the sum neurons take their levels from the axon that
    carries a filter neuron's spikes back to itself (type 1, ``-1``), so a filter
    neuron allocated beside its sums has one target and no splitter. The sum
    neurons are deterministic, so their fan-out to the posts costs copies, not
    splitters (:func:`~nengo_truenorth.compiler.fan_out.plan_copies`).

    Parameters
    ----------
    state : ChipBuild
    out : ChipGraph
        Where the bank's groups and edges go.
    pre : NeuronGroup
    rows : list of (ndarray, DecodedEdge)
        Every distinct row of the ensemble's decoders, with a request that decodes it
        (for its activities, spike, bits, rounding and connection).
    bank : SignPlaneBank
        Its rows, axon signs and parts; filled in place.
    rng : numpy.random.RandomState
        For stochastic rounding of the magnitudes.
    sum_taus : dict of float to set of int
        The rows that get sum neurons, per ``tau``.

    Returns
    -------
    SignPlaneBank
    """
    options = state.options
    threshold = options.nominal_threshold
    for start in range(0, pre.n, NEURONS_PER_CORE):
        sl = slice(start, min(start + NEURONS_PER_CORE, pre.n))
        axon_sign = bank.axon_sign[sl]
        on_rows, units, negated, partials = [], [], [], {}
        for r in bank.rows:
            row, request = rows[r]
            sign, bits, step = magnitude_bits(
                row[sl], plane_bits(request.bits), request.rounding, rng
            )
            pairs = _plane_pairs(bits, sign, axon_sign, bank.parts)
            partials[r] = [
                request.activities[:, sl] @ (sign * mine) * (2**k * step)
                for k, mine, _ in pairs
            ]
            # one unit for all planes of a row: the post's weights from them are then
            # equal, so rounding them to the post's levels keeps the planes' ratios
            # exact (planes of their own units put the low planes on one or two
            # levels, which biased x**2 by up to 0.035 on a 1-D ensemble of 100)
            unit = max((_unit(options, p) for p in partials[r]), default=0.0)
            for k, mine, negate in pairs:
                # a pre spike adds 2^k δ spike value-ticks; a plane spike is `unit`;
                # the levels are the axons' signs, a negated neuron turns them
                spike = 2**k * step * request.spike * threshold / unit
                on_rows.append((r, axon_sign * mine * spike))
                units.append(unit)
                negated.append(negate)
        n_pairs = len(on_rows)
        if n_pairs == 0:
            continue
        negated = np.array(negated, dtype=bool)
        group = out.add_group(
            NeuronGroup(
                2 * n_pairs,
                label=f"{pre.label} decode bank {start}",
                role="decode",
                params=decode_params(options),
                code=TRINARY,
                obj=pre.obj,
                negate=np.concatenate([negated, ~negated]),
            )
        )
        weights = np.zeros((2 * n_pairs, pre.n))
        for j, (r, w) in enumerate(on_rows):
            # the off neuron takes the on neuron's levels, negated by its scale
            weights[j, sl] = weights[n_pairs + j, sl] = w
            bank.neurons.setdefault((r, start), []).append((j, n_pairs + j, units[j]))
        obj = rows[bank.rows[0]][1].obj
        out.add_float_edge(FloatEdge(pre, group, weights, 1, obj, "nearest"))
        sums = {}
        for tau, sum_rows in sum_taus.items():
            built = [r for r in bank.rows if (r, start) in bank.neurons]
            mine = [r for r in built if r in sum_rows]
            if mine:
                sums[tau] = _build_sums(
                    state, out, pre, rows, bank, group, start, mine, partials, tau
                )
        bank.groups.append((sl, group, sums))
    return bank


def _build_sums(state, out, pre, rows, bank, planes, start, sum_rows, partials, tau):
    """The sum neurons of rows ``sum_rows`` of one block for ``tau``, fed by the
    block's plane neurons ``planes`` through filter neurons."""
    options = state.options
    threshold = options.nominal_threshold
    n_rows = len(sum_rows)
    # every sum neuron is negated: it takes level -1, the level of the filter
    # neurons' own axons (see build_sign_plane_bank)
    group = NeuronGroup(
        2 * n_rows,
        label=f"{pre.label} decode sums {start} Lowpass({tau:g})",
        role="decode",
        params=decode_params(options),
        code=TRINARY,
        obj=pre.obj,
        negate=np.ones(2 * n_rows, dtype=bool),
    )
    weights = np.zeros((2 * n_rows, planes.n))
    for m, r in enumerate(sum_rows):
        pairs = bank.neurons[(r, start)]
        plane_unit = pairs[0][2]
        on, off = [p[0] for p in pairs], [p[1] for p in pairs]
        # plane spikes per tick of each pair's on (> 0) and off (< 0) neuron
        rates = np.array(partials[r]) / plane_unit  # (n_pairs, n_eval)
        units = []
        for m_sum, sources, total in (
            (m, on, np.maximum(rates, 0).sum(axis=0)),
            (n_rows + m, off, np.maximum(-rates, 0).sum(axis=0)),
        ):
            # plane spikes per sum spike: a spike a tick at the largest total
            # (SUM_MARGIN), never more than one sum spike per plane spike
            per_spike = max(SUM_MARGIN * float(total.max()), 1.0)
            weights[m_sum, sources] = -threshold / per_spike
            units.append(per_spike * plane_unit)
        bank.sums[(r, start, tau)] = [(m, 1.0, units[0]), (n_rows + m, -1.0, units[1])]
    # the filter neurons come first: the sums then join their core, where they
    # read the filter neurons' own axons (compiler/allocate.py)
    obj = rows[sum_rows[0]][1].obj
    out.defer(FilteredEdge(planes, group, weights, FILTER_DELAY, obj, "nearest", tau))
    out.add_group(group)
    return group


def _bank_to_post(out, request, rows_of_dims, banks_of_row):
    """The post edges of ``request`` from its rows' sum neurons (filtered) or plane
    neurons (unfiltered)."""
    for bank in {id(banks_of_row[r]): banks_of_row[r] for r in rows_of_dims}.values():
        for sl, group, sums in bank.groups:
            source = sums.get(request.tau, group)
            weights = np.zeros((request.post.n, source.n))
            for d, r in enumerate(rows_of_dims):
                if banks_of_row[r] is not bank:
                    continue
                column = request.post_map[:, d]
                if source is group:
                    for on, off, unit in bank.neurons.get((r, sl.start), []):
                        weights[:, on] += column * unit
                        weights[:, off] -= column * unit
                else:
                    key = (r, sl.start, request.tau)
                    for neuron, sign, unit in bank.sums.get(key, []):
                        weights[:, neuron] += sign * column * unit
            if not np.any(weights):
                continue
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
    banks = {}  # pre -> bank of each row
    rng = np.random.RandomState(state.seed)

    lowered = {}
    remaining = {pre: len(reqs) for pre, reqs in by_pre.items()}
    for request in requests:
        out = lowered[request] = ChipGraph()
        pre = request.pre
        if request.activities is None:
            attach_rates(by_pre[pre])
        plan = plans[pre]
        if plan is None or request not in plan[1]:
            build_classic_decode(state, out, request)
        else:
            rows, row_of, pre_banks = plan
            if pre not in banks:
                sum_taus = {}
                for req, ids in row_of.items():
                    if req.tau is not None:
                        sum_taus.setdefault(req.tau, set()).update(ids)
                banks_of_row = {}
                for bank in pre_banks:
                    build_sign_plane_bank(state, out, pre, rows, bank, rng, sum_taus)
                    banks_of_row.update({r: bank for r in bank.rows})
                banks[pre] = banks_of_row
            _bank_to_post(out, request, row_of[request], banks[pre])
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
