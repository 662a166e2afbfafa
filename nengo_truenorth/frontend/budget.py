"""The counts of a Nengo network that the build's estimate reads, before its build.

:func:`network_counts` reads a network's chip ensembles, the connections between
them and the values the host sends them, so that the Simulator refuses a model too
large to build (:func:`nengo_truenorth.passes.check_build_size`) before Nengo's
build solves a single decoder.
"""

import nengo
import numpy as np

from ..config import OptionLookup
from ..ir import sparse, weight_code
from ..passes import BuildCounts
from .ensemble import unsupported_reason


def network_counts(model, network):
    """:class:`~nengo_truenorth.passes.BuildCounts` of ``network``, read before its
    build: the ensembles that may run on the chip (``on_chip`` not False, a neuron
    type the chip runs), the decoded and neuron connections between them and the
    values the host sends them (the estimate of
    :func:`~nengo_truenorth.passes.check_build_size`).
    """
    options = model.options
    lookup = OptionLookup(network)
    chip = {
        ens
        for ens in network.all_ensembles
        if lookup.get(ens, "on_chip", None) is not False
        and unsupported_reason(model, ens) is None
    }
    counts = BuildCounts()
    bits_into = {}  # a group's code is its first chip connection's
    for conn in network.all_connections:
        post = conn.post_obj
        post = post.ensemble if isinstance(post, nengo.ensemble.Neurons) else post
        if post not in chip:
            continue
        bits = lookup.get(conn, "weight_bits", options.weight_bits)
        bits_into.setdefault(post, bits)
        pre = conn.pre_obj
        if pre in chip:
            filtered = _filtered(options, conn, pre is post)
            counts.decoded.append(
                (conn, pre, pre.n_neurons, post, conn.size_mid, bits, filtered)
            )
        elif isinstance(pre, nengo.ensemble.Neurons) and pre.ensemble in chip:
            # a Lowpass on the way takes a filter neuron per pre neuron
            filters = conn.size_in if isinstance(conn.synapse, nengo.Lowpass) else 0
            counts.inputs.append((conn, post, _units_per_row(conn), filters))
        elif not isinstance(conn.post_obj, nengo.ensemble.Neurons):
            counts.inputs.append((conn, post, 2 * conn.size_out, 0))
        else:  # host currents: a channel pair of each neuron's own
            counts.inputs.append((conn, post, 2, 0))
    for ens in network.all_ensembles:
        if ens in chip:
            code = weight_code(bits_into.get(ens, options.weight_bits))
            counts.groups.append((ens, ens, ens.n_neurons, code.axons_per_input))
    return counts


def _filtered(options, conn, recurrent):
    """Whether a decoded connection's ``Lowpass`` goes onto filter neurons
    (``BuildOptions.filter_decoded``)."""
    if not isinstance(conn.synapse, nengo.Lowpass):
        return False
    policy = options.filter_decoded
    if policy == "auto":
        return recurrent or conn.synapse.tau >= options.filter_min_tau
    return recurrent if policy == "recurrent" else bool(policy)


def _units_per_row(conn):
    """Inputs each post neuron takes from a neuron -> neuron connection."""
    transform = conn.transform
    if isinstance(transform, nengo.Convolution):
        return int(np.prod(transform.kernel_size)) * transform.input_shape.n_channels
    if isinstance(transform, nengo.Sparse):
        init = transform.init
        if sparse.issparse(init):
            return int(sparse.row_nnz(init).max(initial=0))
        rows = np.asarray(init.indices).reshape(-1, 2)[:, 0]  # a SparseMatrix
        return int(np.bincount(rows).max(initial=0)) if rows.size else 0
    if isinstance(transform, nengo.transforms.NoTransform) or (
        isinstance(transform, nengo.Dense)
        and not isinstance(transform.init, nengo.dists.Distribution)
        and np.ndim(transform.init) < 2
    ):
        return 1  # identity or elementwise: each neuron its own pre neuron
    return conn.size_in
