"""Connections to, from and within the chip.

=================  ==================================================================
pre -> post        what the build does
=================  ==================================================================
host -> host       Nengo's own build.
chip -> host       Nengo's own build on the chip neurons' spikes (decoders solved for
                   the chip's tuning curves); the spikes reach the host through an
                   output port.
host -> chip       Nengo's own build up to the post's input signal; the chip operator
                   encodes that value into spikes on input channels (see
                   :mod:`.host_io`), whose edges carry the post's encoders.
chip -> chip       An integer path on the chip. Decoded connections go through
                   *decode neurons* (the decode pass: sign-plane banks shared by the
                   pre ensemble's connections, or per-connection blocks), whose
                   on/off pairs of sigma-delta neurons carry shares of the decoded
                   value; the post neurons sum them through their encoders.
                   Neuron-to-neuron connections map weights directly, and so does a
                   non-compositional weight solver (its full matrix). Fan-in beyond
                   one core's axons is split by the fan-in pass.
=================  ==================================================================

Weights and currents are in the units of the post's Nengo neuron type up to the post's
input; :class:`~.builder.ChipEnsemble` maps currents to chip drives per tick.
Transforms: ``Dense`` and ``NoTransform``; on neuron-to-neuron connections also
``Sparse``, ``Convolution`` and ``ConvolutionTranspose``, as sparse matrices
(:func:`sparse_transform`, :func:`convolution_csr`): a locally connected layer goes
through the passes and the compiler without its dense matrix (as in Nengo, those
transforms are refused on decoded connections). ``sim.data[conn].weights`` and
probes of a chip connection's ``"weights"`` give the float weights as Nengo defines
them; the chip realizes them rounded to integer levels.

Synapses on chip -> chip connections: the chip has no synaptic filter. ``None`` is
exact up to the path's delay. A decoded connection with ``Lowpass(tau)`` sends its
decode neurons' spikes through *filter neurons* (the filter pass), whose rates are the
low-passed decode rates, so the post receives the filtered decoded value, as in Nengo
-- recurrent connections (integrators, oscillators) included. A ``tau`` too short for a
filter neuron's two-tick loop (below ``dt / ln 2``) is approximated by the pure delay
of the path, and so is ``Lowpass`` on neuron -> ensemble and weight-solver
connections. A pure delay of ``k`` steps
(:func:`nengo_truenorth.synapses.delay_synapse`) is a path of ``k`` ticks, exact where
the path can be that short (a recurrence's loop then takes the steps it takes in
Nengo; ``Simulator.connection_fidelity()`` reports the realized ticks). Any other
synapse raises ``BuildError``.
"""

from functools import partial

import nengo
import numpy as np
from nengo.builder.connection import (
    BuiltConnection,
    build_connection as nengo_build_connection,
    get_eval_points,
)
from nengo.builder.signal import Signal
from nengo.builder.transforms import multiply
from nengo.exceptions import BuildError
from nengo.rc import rc
from nengo.transforms import (
    Convolution,
    ConvolutionTranspose,
    Dense,
    NoTransform,
    Sparse,
    SparseMatrix,
)

from ..ir import TRINARY, DecodedEdge, FilteredEdge, FloatEdge, sparse, weight_code
from ..ir.layout import conv_tiles
from ..passes.filters import min_tau
from ..synapses import MAX_DELAY_STEPS, delay_steps
from .registry import TrueNorthBuilder
from .solver import solves_full_weights

#: Synapses a chip -> chip connection may have.
CHIP_SYNAPSES = (nengo.synapses.Lowpass,)


@TrueNorthBuilder.register(nengo.Connection)
def build_connection(model, conn):
    """Build ``conn`` by where its ends run (see the module's table)."""
    pre_chip, post_chip = model.on_chip(conn.pre_obj), model.on_chip(conn.post_obj)
    if post_chip and conn.learning_rule_type is not None:
        # build_ensemble places a learned connection's post on the host unless told
        # otherwise; here only when the post was built outside the network's tree
        raise BuildError(
            f"{conn}: learning_rule_type = {conn.learning_rule_type} cannot run on "
            f"the chip, where {conn.post_obj} runs; set on_chip = False for the post "
            "ensemble, or leave it unset, to run it on the host"
        )
    if post_chip:
        check_finite(conn, "transform", transform_values(conn.transform))
    if pre_chip and post_chip:
        return build_chip_connection(model, conn)
    if post_chip:
        chip_ens = model.chip_ensembles[ensemble_of(conn.post_obj)]
        kind = (
            "neurons" if isinstance(conn.post_obj, nengo.ensemble.Neurons) else "value"
        )
        if kind == "neurons":
            chip_ens.host_neuron_input = True
        else:
            chip_ens.host_input = True
        # the host sends the sum of its connections into the ensemble, encoded once:
        # with the most channels any of them asks for
        channels = model.option(conn, "input_channels", None)
        if channels is not None:
            chip_ens.input_channels[kind] = max(
                channels, chip_ens.input_channels.get(kind, 0)
            )
    return nengo_build_connection(model, conn)


def transform_values(transform):
    """The numbers a transform holds (its init), or None for a distribution or none.

    Parameters
    ----------
    transform : nengo.transforms.Transform

    Returns
    -------
    ndarray or None
    """
    init = getattr(transform, "init", None)
    if init is None or isinstance(init, nengo.dists.Distribution):
        return None
    if isinstance(init, SparseMatrix) or sparse.issparse(init):
        init = init.data  # the stored entries of Nengo's or scipy's sparse matrix
    return np.asarray(init)


def check_finite(conn, what, values):
    """Refuse a connection whose ``what`` (transform, decoders, weights) is not finite.

    Integer weights scale from the largest magnitude into a post's inputs: one
    infinite or NaN value would otherwise show up as an overflow of the post's
    weight scales, far from its cause.

    Raises
    ------
    BuildError
        Naming the connection, ``what`` and the first bad value.
    """
    if values is None:
        return
    # a sparse matrix's stored entries: its implicit zeros are finite
    values = np.asarray(values.data if sparse.issparse(values) else values)
    if not np.issubdtype(values.dtype, np.inexact):
        return  # integers are finite
    bad = ~np.isfinite(values)
    if bad.any():
        raise BuildError(
            f"{conn}: its {what} has non-finite values ({np.count_nonzero(bad)} of "
            f"{values.size}, the first {values[bad].flat[0].item()!r}); the chip's "
            "integer weights need finite ones"
        )


def ensemble_of(obj):
    """The ensemble of ``obj`` (an Ensemble or its Neurons)."""
    return obj.ensemble if isinstance(obj, nengo.ensemble.Neurons) else obj


def chip_loops(model):
    """dict of nengo.Connection to NeuronGroup: the built connections from chip
    neurons back to the same neurons, and those neurons."""
    return {
        conn: model.chip_ensembles[ensemble_of(conn.pre_obj)].group
        for conn in model.params
        if isinstance(conn, nengo.Connection)
        and ensemble_of(conn.pre_obj) is ensemble_of(conn.post_obj)
        and model.on_chip(conn.pre_obj)
    }


def loop_delays(loops):
    """dict of nengo.Connection to int: the loops of :func:`chip_loops` whose synapse
    is a pure delay, and its steps (the steps the loop takes in ``nengo.Simulator``;
    a ``Lowpass`` loop takes one)."""
    steps = {conn: delay_steps(conn.synapse) for conn in loops}
    return {conn: k for conn, k in steps.items() if k is not None}


def check_chip_synapse(conn):
    """Refuse synapses the chip cannot realize on a chip -> chip connection."""
    if conn.synapse is None or type(conn.synapse) in CHIP_SYNAPSES:
        return
    steps = delay_steps(conn.synapse)
    if steps is not None:
        if steps > MAX_DELAY_STEPS:
            raise BuildError(
                f"{conn}: a delay of {steps} steps is longer than one chip path can "
                f"take ({MAX_DELAY_STEPS} ticks); use at most {MAX_DELAY_STEPS}"
            )
        return
    raise BuildError(
        f"{conn}: synapse {conn.synapse} cannot run between chip ensembles "
        "(supported: None; Lowpass, realized with filter neurons; and pure delays, "
        "nengo_truenorth.delay_synapse(k)); put one end on the host with "
        "`on_chip = False`"
    )


def connection_delay(model, conn):
    """Ticks asked of a chip -> chip connection's path: its pure-delay synapse's
    steps, else the ``delay`` option (default 1); both, if they differ, raise
    ``BuildError``."""
    steps = delay_steps(conn.synapse)
    option = model.option(conn, "delay", None)
    if steps is not None and option is not None and option != steps:
        raise BuildError(
            f"{conn}: the `delay` option ({option} ticks) and the synapse's delay "
            f"({steps} steps) disagree; set one of them"
        )
    return steps or option or 1


def _conv_axis(n_in, n_out, size, stride, padding):
    """One spatial axis of a convolution: the ``(out, tap, in)`` index triples that
    meet, ``in = out * stride + tap - pad_before`` inside ``0..n_in - 1``.

    Padding as Nengo's operator (TensorFlow's rule): none for ``"valid"``; for
    ``"same"``, ``max((n_out - 1) * stride + size - n_in, 0)`` zeros, the smaller
    half before.
    """
    pad = max((n_out - 1) * stride + size - n_in, 0) if padding == "same" else 0
    out, tap = np.meshgrid(np.arange(n_out), np.arange(size), indexing="ij")
    inp = out * stride + tap - pad // 2
    ok = (inp >= 0) & (inp < n_in)
    return out[ok], tap[ok], inp[ok]


def _forward_conv_entries(
    in_spatial,
    n_in,
    out_spatial,
    n_out,
    kernel,
    strides,
    padding,
    channels_last,
    groups,
):
    """``(rows, cols, values)`` of a forward convolution's matrix.

    ``kernel`` has shape ``kernel_size + (n_in // groups, n_out)``; row and column
    indices follow the layouts of the output and input signals (``channels_last``
    or channels first), as Nengo flattens them.
    """
    kernel_size = kernel.shape[:-2]
    # spatial combinations of (output position, kernel tap, input position), each
    # as a flat index into its own C-ordered spatial grid
    out_sp = tap = in_sp = np.zeros(1, dtype=np.int64)
    for n_i, n_o, k, s in zip(in_spatial, out_spatial, kernel_size, strides):
        o, a, x = _conv_axis(n_i, n_o, k, s, padding)
        out_sp = (out_sp[:, None] * n_o + o[None, :]).ravel()
        tap = (tap[:, None] * k + a[None, :]).ravel()
        in_sp = (in_sp[:, None] * n_i + x[None, :]).ravel()
    # channel combinations: filter f (of group f // per_group_out) reads the
    # group's input channels
    per_in, per_out = n_in // groups, n_out // groups
    f = np.repeat(np.arange(n_out), per_in)
    c_local = np.tile(np.arange(per_in), n_out)
    c = (f // per_out) * per_in + c_local
    n_out_sp, n_in_sp = int(np.prod(out_spatial)), int(np.prod(in_spatial))
    if channels_last:
        rows = out_sp[:, None] * n_out + f[None, :]
        cols = in_sp[:, None] * n_in + c[None, :]
    else:
        rows = f[None, :] * n_out_sp + out_sp[:, None]
        cols = c[None, :] * n_in_sp + in_sp[:, None]
    w = np.asarray(kernel, dtype=np.float64).reshape(-1, per_in, n_out)
    values = w[tap[:, None], c_local[None, :], f[None, :]]
    return rows.ravel(), cols.ravel(), values.ravel()


def convolution_csr(transform, kernel):
    """The sparse ``(size_out, size_in)`` matrix of a convolution transform.

    Built by index arithmetic over the input shape, kernel size, strides, padding,
    groups and channel layout, so memory and time go with its nonzero entries
    (``size_out`` times the kernel's taps and input channels per group), never
    with ``size_out * size_in``. It equals Nengo's own operator applied to each
    unit input (tests/test_sparse_edges.py checks it on many shapes).
    ``ConvolutionTranspose`` is the transpose of the forward convolution from its
    output shape to its input shape (kernel channels swapped).

    Parameters
    ----------
    transform : Convolution or ConvolutionTranspose
    kernel : ndarray
        ``transform.sample(rng)``, of shape ``transform.kernel_shape``.

    Returns
    -------
    scipy.sparse.csr_matrix
    """
    if transform.dimensions > 2:
        # as Nengo's operator
        raise BuildError(
            f"{transform}: convolutions of more than 2 spatial dimensions are not "
            "supported"
        )
    kernel = np.asarray(kernel)
    inp, out = transform.input_shape, transform.output_shape
    if isinstance(transform, ConvolutionTranspose):
        rows, cols, values = _forward_conv_entries(
            out.spatial_shape,
            out.n_channels,
            inp.spatial_shape,
            inp.n_channels,
            np.swapaxes(kernel, -1, -2),
            transform.strides,
            transform.padding,
            transform.channels_last,
            1,
        )
        rows, cols = cols, rows
    else:
        rows, cols, values = _forward_conv_entries(
            inp.spatial_shape,
            inp.n_channels,
            out.spatial_shape,
            out.n_channels,
            kernel,
            transform.strides,
            transform.padding,
            transform.channels_last,
            transform.groups,
        )
    return sparse.from_entries(
        rows, cols, values, (transform.size_out, transform.size_in), unique=True
    )


def sparse_transform(sample):
    """A ``Sparse`` transform's sample as a CSR matrix of floats, never dense.

    Nengo's ``SparseMatrix`` (indices and data) gives the matrix its ``toarray``
    gives: a repeated index takes its last value. A ``scipy.sparse`` sample keeps
    its own meaning (repeated entries add up).
    """
    if isinstance(sample, SparseMatrix):
        return sparse.from_entries(
            sample.indices[:, 0], sample.indices[:, 1], sample.data, sample.shape
        )
    return sparse.csr(sample, np.float64)


def sample_transform(conn, rng, decoded):
    """The connection's transform, as Nengo samples it and as a matrix.

    ``Sparse`` and convolution transforms become sparse matrices
    (:func:`sparse_transform`, :func:`convolution_csr`); as in Nengo, they are
    refused on decoded connections. Identity and elementwise transforms become a
    sparse diagonal where not ``decoded`` (between neurons), a dense one else.

    Returns
    -------
    sample : ndarray, SparseMatrix or None
        ``transform.sample(rng)`` (what Nengo reports as the connection's weights);
        None for ``NoTransform``.
    matrix : (size_out, size_mid) ndarray or scipy.sparse.csr_matrix
    """
    transform = conn.transform
    # a neuron -> neuron identity or elementwise transform is a diagonal: sparse,
    # or a wide ensemble's would grow with the square of its neurons
    if isinstance(transform, NoTransform):
        return None, sparse.diag(np.ones(conn.size_mid), sparse=not decoded)
    if isinstance(transform, Dense):
        sample = transform.sample(rng=rng)
        if sample.ndim == 2:
            return sample, sample
        diagonal = np.broadcast_to(sample, (conn.size_mid,))
        return sample, sparse.diag(diagonal, sparse=not decoded)
    if isinstance(transform, (Sparse, Convolution, ConvolutionTranspose)):
        if decoded:
            raise BuildError(
                f"{conn}: applying a {type(transform).__name__} transform to a "
                "decoded connection is not supported"
            )
        sample = transform.sample(rng=rng)
        if isinstance(transform, Sparse):
            return sample, sparse_transform(sample)
        return sample, convolution_csr(transform, sample)
    raise BuildError(
        f"{conn}: transform {type(transform).__name__} cannot run on the "
        "chip (supported: Dense, NoTransform, Sparse and Convolution)"
    )


def post_weights(model, conn, transform):
    """Map from the connection's output space to post neuron drives (per tick).

    Returns an (n_post, size_mid) matrix: chip encoders and gains for an ensemble,
    current scales for neurons, with the post slice applied. A sparse transform
    into neurons stays sparse (its rows are scaled); into an ensemble, the product
    with the encoders is dense anyway.
    """
    post = conn.post_obj
    chip_ens = model.chip_ensembles[ensemble_of(post)]
    full = sparse.place_rows(transform, conn.post_slice, post.size_in)
    if isinstance(post, nengo.ensemble.Neurons):
        # a Nengo connection to neurons multiplies by the gains; the chip drive is
        # current_scale times that current
        gain = model.params[post.ensemble].gain
        return sparse.scale_rows(full, chip_ens.current_scale * gain)
    return chip_ens.scaled_encoders @ sparse.to_dense(full)


def _weights_signal(model, conn, weights):
    """Give the connection a read-only ``weights`` signal, so it can be probed."""
    if weights is None:
        model.sig[conn]["weights"] = None
        return None
    if isinstance(weights, np.ndarray):
        weights = weights.astype(rc.float_dtype)
    model.sig[conn]["weights"] = Signal(weights, name=f"{conn}.weights", readonly=True)
    return weights


def build_chip_connection(model, conn):
    """Add the integer path of a chip -> chip connection to the graph.

    ``sim.data[conn].weights`` (and a probe of ``"weights"``) is the connection's
    float weight matrix as Nengo defines it (transform times decoders, or the full
    matrix of a weight solver); the chip realizes it through integer levels.
    """
    check_chip_synapse(conn)
    rng = np.random.RandomState(model.seeds[conn])
    pre_ens = ensemble_of(conn.pre_obj)
    decoded = not isinstance(conn.pre_obj, nengo.ensemble.Neurons)
    pre_chip = model.chip_ensembles[pre_ens]
    post_chip = model.chip_ensembles[ensemble_of(conn.post_obj)]
    bits = model.option(conn, "weight_bits", model.options.weight_bits)
    delay = connection_delay(model, conn)
    rounding = model.option(conn, "rounding", model.options.rounding)
    graph = model.chip.graph
    # potential per tick that one spike of the pre neurons stands for, per unit weight
    spike = pre_chip.amplitude / model.dt

    if not decoded:
        sample, transform = sample_transform(conn, rng, decoded=False)
        check_finite(conn, "transform", transform)
        post_map = post_weights(model, conn, transform)  # (n_post, size_mid)
        # (n_post, n_pre), sparse for a sparse transform into neurons
        weights = sparse.place_columns(
            post_map * spike, conn.pre_slice, pre_ens.n_neurons
        )
        if uses_filter_neurons(conn):
            _set_code(post_chip.group, bits)
            graph.defer(
                FilteredEdge(
                    pre_chip.group,
                    post_chip.group,
                    weights,
                    delay,
                    conn,
                    rounding,
                    conn.synapse.tau,
                )
            )
        else:
            _set_code(post_chip.group, bits, weights)
            if isinstance(
                conn.transform, (Convolution, ConvolutionTranspose)
            ) and isinstance(conn.post_obj, nengo.ensemble.Neurons):
                _order_by_tiles(post_chip, conn, conn.transform)
            graph.add_float_edge(
                FloatEdge(
                    pre_chip.group, post_chip.group, weights, delay, conn, rounding
                )
            )
        model.params[conn] = BuiltConnection(
            eval_points=None,
            solver_info=None,
            weights=_weights_signal(model, conn, sample),
            transform=conn.transform,
        )
        return

    _set_code(post_chip.group, bits)
    if solves_full_weights(conn):
        eval_points, weights, solver_info = model.build(conn.solver, conn, rng)
        check_finite(conn, "weights", weights)
        # the solver's matrix already holds transform and post encoders (chip units)
        graph.add_float_edge(
            FloatEdge(
                pre_chip.group, post_chip.group, weights * spike, delay, conn, rounding
            )
        )
        model.params[conn] = BuiltConnection(
            eval_points=eval_points,
            solver_info=solver_info,
            weights=_weights_signal(
                model, conn, weights / post_chip.current_scale[:, None]
            ),
            transform=conn.transform,
        )
        return

    sample, transform = sample_transform(conn, rng, decoded=True)
    check_finite(conn, "transform", transform)
    post_map = post_weights(model, conn, transform)  # (n_post, size_mid)
    eval_points, decoders, solver_info = model.build(conn.solver, conn, rng)
    check_finite(conn, "decoders", decoders)
    sizing_points = eval_points
    if sizing_points is None:  # NoSolver: size the decode neurons on the ensemble's
        sizing_points = get_eval_points(model, conn, rng)
    graph.defer(
        DecodedEdge(
            pre_chip.group,
            post_chip.group,
            decoders,
            sizing_points,
            partial(pre_chip.rates_at, dt=model.dt),
            post_map,
            spike,
            bits,
            delay,
            rounding,
            tau=conn.synapse.tau if filters_decoded_value(model, conn) else None,
            obj=conn,
        )
    )
    weights = multiply(np.asarray(1.0) if sample is None else sample, decoders)
    if conn.solver.weights and isinstance(conn.post_obj, nengo.Ensemble):
        # compositional weight solver: Nengo reports encoders x transform x decoders
        post_enc = model.params[conn.post_obj].scaled_encoders
        weights = multiply(post_enc[:, conn.post_slice], weights)
    model.params[conn] = BuiltConnection(
        eval_points=eval_points,
        solver_info=solver_info,
        weights=_weights_signal(model, conn, weights),
        transform=conn.transform,
    )


def _set_code(group, bits, weights=None):
    """A group's code has the most weight bits any edge into it asks for.

    Weights with one magnitude per post neuron (trinary weights, or an identity)
    ask for the trinary code whatever ``bits`` allows: its two axons per input
    write them as exactly as more bits would (the magnitude is the neuron's weight
    scale), and a ``-1`` is one axon where the 16-level code spends four.
    """
    if weights is not None and sparse.one_magnitude_per_row(weights):
        code = TRINARY
    else:
        code = weight_code(bits)
    if group.code is None or code.axons_per_input > group.code.axons_per_input:
        group.code = code


def _order_by_tiles(post_chip, conn, transform):
    """Ask the allocator to pack a convolution's output neurons tile by tile.

    Each convolution into the ensemble's neurons numbers its outputs' tiles
    (:func:`~nengo_truenorth.ir.layout.conv_tiles`) after the tiles of the
    convolutions before it (a grouped convolution made of one connection per group
    keeps its groups apart); the ensemble's other neurons come last.
    """
    out_shape = transform.output_shape
    if len(out_shape.spatial_shape) != 2:
        return
    group = post_chip.group
    if group.tiles is None:
        # neurons no convolution reaches come last
        group.tiles = np.full(group.n, np.iinfo(np.int64).max, dtype=np.int64)
    tiles = group.tiles
    if isinstance(transform, ConvolutionTranspose):
        # an output of a transposed convolution reads about kernel / stride inputs
        # per side: tiles sized as for stride 1 stay within the axons
        kernel, strides = transform.kernel_size, 1
    else:
        kernel, strides = transform.kernel_size, transform.strides
    h, w = out_shape.spatial_shape
    conv = conv_tiles(
        (h, w, out_shape.n_channels),
        out_shape.channels_last,
        kernel,
        strides,
        transform.input_shape.n_channels,
        group.code.axons_per_input,
    )
    taken = tiles[tiles < np.iinfo(np.int64).max]
    first = int(taken.max()) + 1 if taken.size else 0
    tiles[np.arange(group.n)[conn.post_slice]] = first + conv


def filters_decoded_value(model, conn):
    """Whether a decoded chip -> chip connection's ``Lowpass`` runs on filter neurons.

    True for a ``Lowpass`` whose ``tau`` a filter neuron's two-tick loop can realize
    (above ``dt / ln 2``), when :attr:`.Model.filter_decoded` allows it: by default
    (``"auto"``) for an ensemble's connections to itself, whose loop needs the filter
    to work at all, and for feed-forward ones with ``tau >=``
    :attr:`.BuildOptions.filter_min_tau`. Otherwise the synapse is approximated by the path's
    delay.
    """
    if type(conn.synapse) is not nengo.synapses.Lowpass:
        return False
    if not conn.synapse.tau > min_tau(model.dt):
        return False
    policy = model.options.filter_decoded
    if policy in ("auto", "recurrent"):
        if ensemble_of(conn.pre_obj) is ensemble_of(conn.post_obj):
            return True
        return policy == "auto" and conn.synapse.tau >= model.options.filter_min_tau
    return bool(policy)


def uses_filter_neurons(conn):
    """Whether the chip realizes ``conn``'s synapse with filter neurons.

    True for a ``Lowpass`` connection into chip neurons (``post`` a ``Neurons``
    object): each post neuron sees each source neuron's own filtered spikes.
    Decoded connections into an ensemble decide for themselves
    (:func:`filters_decoded_value`): their decode neurons' spikes go through filter
    neurons too, or the synapse is approximated by the path's delay.
    """
    return type(conn.synapse) is nengo.synapses.Lowpass and isinstance(
        conn.post_obj, nengo.ensemble.Neurons
    )
