"""The host-input pass: input groups for the values the host sends into the chip."""

from ..ir import FloatEdge, InputGroup, channel_weights


def add_host_inputs(state):
    """An input group and its edge for each of ``state.host_inputs``.

    Each :class:`~nengo_truenorth.ir.HostInput` gets an
    :class:`~nengo_truenorth.ir.InputGroup` of ``2 * channels * size`` channels
    (:attr:`~nengo_truenorth.ir.HostInput.input_group`) and a float edge into its
    post group, weighted by :func:`~nengo_truenorth.ir.channel_weights`. The host
    drives a channel at the tick it wants the spike integrated: delay 0.
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
        graph.add_float_edge(
            FloatEdge(
                inp, host_input.post, weights, 0, host_input.obj, state.options.rounding
            )
        )
        host_input.input_group = inp
