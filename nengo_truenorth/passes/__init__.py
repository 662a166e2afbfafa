"""The passes: the IR, as the front end left it, lowered and discretized for the chip.

Each pass is a function of a :class:`~.state.ChipBuild` (the graph, the options and
what the passes hand each other) that changes its graph in place. First
:func:`~.budget.check_build_size` refuses a model whose estimated build exceeds the
options' limits (``max_cores``, ``max_build_memory``); then, in this order:

1. :func:`~.decode.lower_decoded_edges`: decoded values onto decode neurons.
2. :func:`~.filters.lower_filtered_edges`: ``Lowpass`` synapses onto filter neurons.
3. :func:`~.host_inputs.add_host_inputs`: input groups for the host's values.
4. :func:`~.discretize.default_weight_codes`: the default code where none was chosen.
5. :func:`~.fan_in.split_fan_in`: relays where a neuron needs more than a core's axons.
6. :func:`~.discretize.discretize_groups`: float edges to integer levels.
7. :func:`~.host_inputs.fit_host_units`: the host's spikes sized to the levels of
   the weights they reach.

Imports: the IR, the hardware limits and :mod:`nengo_truenorth.options` (and Nengo's
``BuildError``); nothing of Nengo's build.
"""

from .budget import (
    BuildCounts,
    BuildEstimate,
    ModelTooLarge,
    check_build_size,
    estimate_build,
)
from .decode import lower_decoded_edges
from .discretize import default_weight_codes, discretize_groups
from .fan_in import split_fan_in
from .fidelity import connection_fidelity, warn_unfaithful
from .filters import check_filter_loops, lower_filtered_edges
from .host_inputs import add_host_inputs, fit_host_units
from .state import ChipBuild

#: Passes that lower the deferred edges of the front end, in order.
LOWERING_PASSES = (lower_decoded_edges, lower_filtered_edges)
#: Passes that fit the lowered graph to the chip's resources, in order.
FITTING_PASSES = (
    add_host_inputs,
    default_weight_codes,
    split_fan_in,
    discretize_groups,
    fit_host_units,
)


def run_passes(state):
    """Run the :data:`LOWERING_PASSES`, then the :data:`FITTING_PASSES`, on ``state``.

    Parameters
    ----------
    state : ChipBuild
        As the front end left it.

    Returns
    -------
    ChipBuild
        ``state``, its graph ready for :func:`nengo_truenorth.compiler.compile_graph`.

    Raises
    ------
    ModelTooLarge
        Before any pass, where the build would need more than the options allow.
    """
    check_build_size(state)
    for run in LOWERING_PASSES:
        run(state)
    state.graph.check_lowered()
    for run in FITTING_PASSES:
        run(state)
    return state


__all__ = [
    "FITTING_PASSES",
    "LOWERING_PASSES",
    "BuildCounts",
    "BuildEstimate",
    "ChipBuild",
    "ModelTooLarge",
    "add_host_inputs",
    "check_build_size",
    "check_filter_loops",
    "connection_fidelity",
    "default_weight_codes",
    "discretize_groups",
    "estimate_build",
    "fit_host_units",
    "lower_decoded_edges",
    "lower_filtered_edges",
    "run_passes",
    "split_fan_in",
    "warn_unfaithful",
]
