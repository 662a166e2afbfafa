"""The host-input passes: input groups for the values the host sends into the chip,
and the host's spikes sized to the weights the chip gives them."""

import numpy as np

from ..ir import FloatEdge, InputGroup, channel_weights


def add_host_inputs(state):
    """An input group and its edge for each of ``state.host_inputs``.

    Each :class:`~nengo_truenorth.ir.HostInput` gets an
    :class:`~nengo_truenorth.ir.InputGroup` of ``2 * channels * size`` channels
    (:attr:`~nengo_truenorth.ir.HostInput.input_group`) and a float edge into its
    post group (:attr:`~nengo_truenorth.ir.HostInput.edge`), weighted by
    :func:`~nengo_truenorth.ir.channel_weights`. The host drives a channel at the
    tick it wants the spike integrated: delay 0. Where each dimension drives one
    neuron, the edge is resizable: the host sizes its spikes to the weights the
    chip realizes (:func:`fit_host_units`).
    """
    graph = state.graph
    for host_input in state.host_inputs:
        inp = graph.add_input(
            InputGroup(
                host_input.n_channels, label=host_input.label, obj=host_input.obj
            )
        )
        weights = channel_weights(
            host_input.encoders, host_input.unit, host_input.channels
        )
        edge = FloatEdge(
            inp,
            host_input.post,
            weights,
            0,
            host_input.obj,
            state.options.rounding,
            resizable=host_input.resizable,
        )
        graph.add_float_edge(edge)
        host_input.input_group = inp
        host_input.edge = edge


def fit_host_units(state):
    """Resize the host's spikes to the weights the chip realizes for them.

    The chip writes a weight as a level times its neuron's scale, and a neuron's
    scale fits its largest weight; a host channel's weight then rounds to a level
    (mostly 1 or 2 when the host's spikes are small, an error of up to half its
    size). But the host can send spikes of any size: for an input whose every
    dimension drives one neuron (currents into ``ens.neurons``), the discretization
    pass rounds each channel's weight to the nearest level, at least 1, and records
    by how much (:attr:`~nengo_truenorth.ir.FloatEdge.resized`), and this pass
    multiplies the dimension's :attr:`~nengo_truenorth.ir.HostInput.unit` by the
    same factor. Each spike then stands for what the chip adds: the input reaches
    the neurons exactly. A spike smaller than half a level grows to one; one of
    ``x`` levels (``x >= 1``) changes by at most a third, and where it shrinks,
    so does the channels' range: the Simulator warns when the host's input then
    saturates (:meth:`nengo_truenorth.Simulator.saturation`).

    An edge that the fan-in pass replaced by relays is left as it is (its
    ``resized`` stays None).
    """
    for host_input in state.host_inputs:
        edge = host_input.edge
        if edge is None or edge.resized is None:
            continue
        factor = edge.resized[host_input.post_of_dimension]
        host_input.unit = np.asarray(host_input.unit, dtype=np.float64) * factor
