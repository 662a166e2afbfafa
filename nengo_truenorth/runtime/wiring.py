"""The chip behind Nengo's operators: an emulator, the host's encoders, one operator."""

import numpy as np

from .host_io import ChipRuntime, SigmaDeltaEncoder, SimChip


def _watch(emulator, compiled, groups):
    """The sorted global neurons of ``groups`` (for the emulator's watch list)."""
    if not groups:
        return np.zeros(0, np.int64)
    return np.unique(
        np.concatenate(
            [emulator.global_neurons(compiled.neuron_location[g]) for g in groups]
        )
    )


def chip_operator(compiled, emulator, host_inputs, spike_outputs, voltage_outputs):
    """The runtime that steps ``emulator`` once per Nengo step, and its operator.

    Parameters
    ----------
    compiled : CompiledChip
        The compiled chip the emulator runs.
    emulator : Emulator
    host_inputs : list of HostInput
        Values the host encodes into spikes each tick: each ``target`` signal goes
        through a :class:`~.host_io.SigmaDeltaEncoder` onto its ``input_group``.
    spike_outputs : list of (NeuronGroup, float, Signal)
        Groups whose spikes the host reads, the height of a spike, and the signal
        that gets them.
    voltage_outputs : list of (NeuronGroup, (n,) ndarray or None, Signal)
        Groups whose potentials the host reads, the factor each potential is read
        with (None: as the chip's integer), and the signal that gets them.

    Returns
    -------
    runtime : ChipRuntime
    op : SimChip
    """
    inputs, value_signals = [], []
    for host_input in host_inputs:
        encoder = SigmaDeltaEncoder(
            host_input.size, host_input.channels, host_input.unit
        )
        port, channel_indices = compiled.input_ports[host_input.input_group]
        axons = emulator.input_axons(port)
        inputs.append((encoder, [axons[idx] for idx in channel_indices]))
        value_signals.append(host_input.target)

    spike_watch = _watch(emulator, compiled, [g for g, _, _ in spike_outputs])
    voltage_watch = _watch(emulator, compiled, [g for g, _, _ in voltage_outputs])
    outputs = [
        (
            np.searchsorted(
                spike_watch, emulator.global_neurons(compiled.neuron_location[group])
            ),
            height,
        )
        for group, height, _ in spike_outputs
    ]
    voltages = [
        (
            np.searchsorted(
                voltage_watch, emulator.global_neurons(compiled.neuron_location[group])
            ),
            scale,
        )
        for group, scale, _ in voltage_outputs
    ]
    runtime = ChipRuntime(
        emulator, inputs, outputs, spike_watch, voltage_watch, voltages
    )
    op = SimChip(
        runtime,
        value_signals,
        [signal for _, _, signal in spike_outputs],
        [signal for _, _, signal in voltage_outputs],
        tag="chip",
    )
    return runtime, op
