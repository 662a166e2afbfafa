"""What the host sends into the chip and reads from it, declared after Nengo's build."""

import numpy as np

from ..ir import HostInput, sparse
from .ensemble import per_neuron_option


def declare_host_inputs(model):
    """A :class:`~nengo_truenorth.ir.HostInput` for each value and current the host
    sends into a chip ensemble (``model.chip.host_inputs``).

    A decoded value is sent through the ensemble's encoders, up to
    ``options.input_range`` radii; currents into its neurons (``ens.neurons``) go
    each to its own neuron, up to ``options.input_range`` thresholds per tick.
    """
    options = model.options
    for ens, chip_ens in model.chip_ensembles.items():
        if chip_ens.host_input:
            channels = chip_ens.input_channels.get("value", options.input_channels)
            unit = np.full(ens.dimensions, options.input_range * ens.radius / channels)
            model.chip.host_inputs.append(
                HostInput(
                    chip_ens.group,
                    chip_ens.scaled_encoders,
                    channels,
                    unit,
                    label=f"{ens} host value",
                    obj=ens,
                    target=model.sig[ens]["in"],
                )
            )
        if chip_ens.host_neuron_input:
            # The host sends Nengo currents; neuron i's drive is current_scale[i]
            # times its current, and up to input_range thresholds per tick are sent.
            channels = chip_ens.input_channels.get("neurons", options.input_channels)
            scale = chip_ens.current_scale
            threshold = chip_ens.neuron_type.threshold
            # measured (measure_activity), or up to input_range thresholds per tick
            current_range = per_neuron_option(
                ens,
                "neuron_input_range",
                model.option(ens, "neuron_input_range", None),
                "current",
            )
            if current_range is None:
                current_range = options.input_range * threshold / scale
            unit = np.broadcast_to(current_range / channels, (ens.n_neurons,)).astype(
                np.float64
            )
            model.chip.host_inputs.append(
                HostInput(
                    chip_ens.group,
                    sparse.diag(scale, sparse=True),
                    channels,
                    unit,
                    label=f"{ens} host neurons",
                    obj=ens,
                    target=model.sig[ens.neurons]["in"],
                )
            )


def mark_host_reads(model):
    """Flag chip neurons whose spikes or potentials the host reads.

    Returns
    -------
    spikes, voltages : list of nengo.Ensemble
        The chip ensembles whose spikes (``to_host``) and potentials
        (``probe_voltage``) the host reads.
    """
    read = set()
    for op in model.operators:
        read.update(s.base for s in op.reads + op.incs)
    for probe in model.probes:
        sig = model.sig[probe].get("in")
        if sig is not None:
            read.add(sig.base)
    spikes, voltages = [], []
    for ens, chip_ens in model.chip_ensembles.items():
        if model.sig[ens.neurons]["out"].base in read:
            chip_ens.group.to_host[:] = True
            spikes.append(ens)
        if model.sig[ens.neurons]["voltage"].base in read:
            chip_ens.group.probe_voltage[:] = True
            voltages.append(ens)
    return spikes, voltages


def finish_build(model):
    """After Nengo's build: free the solves' scratch, declare the host's inputs and
    mark what the host reads.

    Returns
    -------
    spikes, voltages : list of nengo.Ensemble
        As :func:`mark_host_reads`.
    """
    model.solve_memo.release_scratch()
    declare_host_inputs(model)
    return mark_host_reads(model)
