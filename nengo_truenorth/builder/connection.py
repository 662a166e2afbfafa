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
                   *decode neurons*: for each block of pre neurons that fits one core's
                   axons, an on/off pair of sigma-delta neurons per dimension carries
                   the block's share of the decoded value, and the post neurons sum
                   the pairs through their encoders. This keeps every neuron's fan-in
                   within one core. Neuron-to-neuron connections map weights directly.
=================  ==================================================================

Synapses on chip -> chip connections: the chip has no synaptic filter, so ``None`` is
exact (up to the path's delay) and ``Lowpass`` is approximated by the pure delay of the
path; any other synapse raises ``BuildError``.
"""

import nengo
import numpy as np
from nengo.builder.connection import (
    BuiltConnection,
    build_connection as nengo_build_connection,
    build_decoders as nengo_build_decoders,
    get_eval_points,
    get_targets,
)
from nengo.exceptions import BuildError
from nengo.solvers import Solver
from nengo.transforms import Dense, NoTransform

from .builder import FloatEdge, TrueNorthBuilder
from .graph import InputGroup, NeuronGroup, weight_code

#: Synapses a chip -> chip connection may have.
CHIP_SYNAPSES = (nengo.synapses.Lowpass,)


@TrueNorthBuilder.register(Solver)
def build_solver(model, solver, conn, rng):
    """Solve decoders; for chip ensembles, with the chip neurons' tuning curves."""
    pre = conn.pre_obj
    if not model.on_chip(pre):
        return nengo_build_decoders(model, conn, rng)
    built = model.params[pre]
    chip_type = model.chip_ensembles[pre].neuron_type
    eval_points = get_eval_points(model, conn, rng)
    targets = get_targets(conn, eval_points)
    if conn.solver.weights:
        raise BuildError(
            f"{conn}: weight solvers are not supported from a chip ensemble; "
            "use a decoder solver (weights=False)"
        )
    x = np.dot(eval_points, built.encoders.T / pre.radius)
    activities = chip_type.rates(x, built.gain, built.bias)
    if np.count_nonzero(activities) == 0:
        raise BuildError(
            f"{conn}: the activities of {pre} are all zero on the evaluation points"
        )
    decoders, solver_info = conn.solver(activities, targets, rng=rng)
    return eval_points, decoders.T, solver_info


@TrueNorthBuilder.register(nengo.Connection)
def build_connection(model, conn):
    """Build ``conn`` by where its ends run (see the module's table)."""
    pre_chip, post_chip = model.on_chip(conn.pre_obj), model.on_chip(conn.post_obj)
    if post_chip and conn.learning_rule_type is not None:
        raise BuildError(f"{conn}: learning rules cannot run on the chip")
    if pre_chip and post_chip:
        return build_chip_connection(model, conn)
    if post_chip:
        chip_ens = model.chip_ensembles[_ensemble_of(conn.post_obj)]
        if isinstance(conn.post_obj, nengo.ensemble.Neurons):
            chip_ens.host_neuron_input = True
        else:
            chip_ens.host_input = True
    return nengo_build_connection(model, conn)


def _ensemble_of(obj):
    return obj.ensemble if isinstance(obj, nengo.ensemble.Neurons) else obj


def check_chip_synapse(conn):
    """Refuse synapses the chip cannot realize on a chip -> chip connection."""
    if conn.synapse is None or type(conn.synapse) in CHIP_SYNAPSES:
        return
    raise BuildError(
        f"{conn}: synapse {conn.synapse} cannot run between chip ensembles "
        "(supported: None and Lowpass, realized as the path's delay); "
        "put one end on the host with `on_chip = False`"
    )


def dense_transform(conn, rng):
    """The connection's transform as a (size_out, size_mid) matrix."""
    if isinstance(conn.transform, NoTransform):
        return np.eye(conn.size_mid)
    if not isinstance(conn.transform, Dense):
        raise BuildError(
            f"{conn}: transform {type(conn.transform).__name__} cannot run on the "
            "chip (supported: Dense and NoTransform)"
        )
    transform = conn.transform.sample(rng=rng)
    return np.atleast_2d(transform) if transform.ndim == 2 else np.diag(
        np.broadcast_to(transform, (conn.size_mid,))
    ) if transform.ndim == 1 else transform * np.eye(conn.size_mid)


def post_weights(model, conn, transform):
    """Map from the connection's output space to post neuron currents (per tick).

    Returns an (n_post, size_mid) matrix: encoders and gains for an ensemble, gains for
    neurons, with the post slice applied.
    """
    post = conn.post_obj
    ens = _ensemble_of(post)
    built = model.params[ens]
    full = np.zeros((post.size_in, conn.size_mid))
    full[conn.post_slice] = transform
    if isinstance(post, nengo.ensemble.Neurons):
        return built.gain[:, None] * full
    return built.scaled_encoders @ full


def build_chip_connection(model, conn):
    """Add the integer path of a chip -> chip connection to the graph."""
    check_chip_synapse(conn)
    rng = np.random.RandomState(model.seeds[conn])
    transform = dense_transform(conn, rng)
    pre_ens = _ensemble_of(conn.pre_obj)
    pre_chip = model.chip_ensembles[pre_ens]
    post_chip = model.chip_ensembles[_ensemble_of(conn.post_obj)]
    bits = model.option(conn, "weight_bits", model.weight_bits)
    delay = model.option(conn, "delay", 1)
    rounding = model.option(conn, "rounding", model.rounding)
    # potential per tick that one spike of the pre neurons stands for, per unit weight
    spike = pre_chip.amplitude / model.dt
    post_map = post_weights(model, conn, transform)  # (n_post, size_mid)
    _set_code(post_chip.group, bits)

    if isinstance(conn.pre_obj, nengo.ensemble.Neurons):
        pre_idx = np.arange(pre_ens.n_neurons)[conn.pre_slice]
        weights = np.zeros((post_chip.group.n, pre_ens.n_neurons))
        weights[:, pre_idx] = post_map * spike
        model.float_edges.append(
            FloatEdge(pre_chip.group, post_chip.group, weights, delay, conn, rounding)
        )
        model.params[conn] = BuiltConnection(
            eval_points=None, solver_info=None, weights=transform, transform=conn.transform
        )
        return

    eval_points, decoders, solver_info = model.build(conn.solver, conn, rng)
    built = model.params[pre_ens]
    activities = pre_chip.neuron_type.rates(
        eval_points @ built.encoders.T / pre_ens.radius, built.gain, built.bias
    )
    build_decode_path(
        model, conn, pre_chip, post_chip, decoders, activities, post_map, spike,
        bits, delay, rounding,
    )
    model.params[conn] = BuiltConnection(
        eval_points=eval_points,
        solver_info=solver_info,
        weights=decoders,
        transform=conn.transform,
    )


def _set_code(group, bits):
    """A group's code has the most weight bits any edge into it asks for."""
    code = weight_code(bits)
    if code.axons_per_input > group.code.axons_per_input or group.code is None:
        group.code = code


def build_decode_path(
    model, conn, pre_chip, post_chip, decoders, activities, post_map, spike, bits,
    delay, rounding,
):
    """pre neurons -> decode neurons (per block of pre neurons) -> post neurons."""
    code = weight_code(bits)
    block = max(1, 256 // code.axons_per_input)
    n_pre = decoders.shape[1]
    size_mid = decoders.shape[0]
    for start in range(0, n_pre, block):
        sl = slice(start, min(start + block, n_pre))
        partial = activities[:, sl] @ decoders[:, sl].T  # (n_eval, size_mid)
        # value that one decode spike per tick stands for
        unit = model.decode_margin * max(float(np.abs(partial).max()), 1e-9)
        n_dec = 2 * size_mid
        dec = model.graph.add_group(
            NeuronGroup(
                n_dec,
                label=f"{conn} decode {start}",
                params={
                    "threshold": model.nominal_threshold,
                    "reset_mode": 1,
                    "negative_saturation": 1,
                },
                code=code,
                obj=conn,
            )
        )
        sign = np.repeat([[1.0], [-1.0]], size_mid, axis=1).reshape(n_dec, 1)
        block_decoders = np.vstack([decoders[:, sl], decoders[:, sl]])  # (n_dec, n_blk)
        pre_to_dec = np.zeros((n_dec, n_pre))
        threshold = model.nominal_threshold
        pre_to_dec[:, sl] = sign * block_decoders * spike * threshold / unit
        model.float_edges.append(
            FloatEdge(pre_chip.group, dec, pre_to_dec, 1, conn, rounding)
        )
        # a decode spike stands for `unit` of value during one tick
        dec_to_post = np.hstack([post_map, -post_map]) * unit
        model.float_edges.append(
            FloatEdge(dec, post_chip.group, dec_to_post, delay, conn, rounding)
        )
