"""After the Nengo build: host inputs, discretization, compilation, the chip operator.

The Nengo objects are built one at a time, but a neuron's four axon-type weights are
shared by everything that reaches it, so weights can only be rounded once all edges
into a group are known. :func:`finalize_chip` does that and everything after it.
"""

import numpy as np
from nengo.builder.signal import Signal

from ..hardware.limits import (
    LEAK_MAX,
    LEAK_MIN,
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_POTENTIAL_MAX,
    RESET_POTENTIAL_MIN,
    THRESHOLD_MAX,
    THRESHOLD_MIN,
)
from .decode import build_decode_banks
from .discretize import discretize_group
from .fan_in import split_fan_in
from .filters import check_filter_loops
from .graph import Edge, InputGroup, weight_code
from .host_io import ChipRuntime, SigmaDeltaEncoder, SimChip
from .solver import SolveMemo
from .builder import FloatEdge


def add_host_inputs(model):
    """Input groups for values and currents the host sends into chip ensembles.

    Returns
    -------
    list of (Signal, SigmaDeltaEncoder, InputGroup)
    """
    inputs = []
    for ens, chip_ens in model.chip_ensembles.items():
        group = chip_ens.group
        if chip_ens.host_input:
            channels = chip_ens.input_channels.get("value", model.input_channels)
            unit = model.input_range * ens.radius / channels
            encoder = SigmaDeltaEncoder(ens.dimensions, channels, unit)
            weights = encoder.channel_weights(chip_ens.scaled_encoders)
            inputs.append(_input_group(model, ens, group, encoder, weights, "value"))
            inputs[-1] = (model.sig[ens]["in"],) + inputs[-1]
        if chip_ens.host_neuron_input:
            # The host sends Nengo currents; neuron i's drive is current_scale[i]
            # times its current, and up to input_range thresholds per tick are sent.
            channels = chip_ens.input_channels.get("neurons", model.input_channels)
            scale = chip_ens.current_scale
            unit = model.input_range * chip_ens.neuron_type.threshold / channels / scale
            encoder = SigmaDeltaEncoder(ens.n_neurons, channels, unit)
            weights = encoder.channel_weights(np.diag(scale))
            inputs.append(_input_group(model, ens, group, encoder, weights, "neurons"))
            inputs[-1] = (model.sig[ens.neurons]["in"],) + inputs[-1]
    return inputs


def _input_group(model, ens, group, encoder, weights, kind):
    inp = model.graph.add_input(
        InputGroup(encoder.n_channels, label=f"{ens} host {kind}", obj=ens)
    )
    model.float_edges.append(FloatEdge(inp, group, weights, 0, ens, model.rounding))
    return encoder, inp


#: Neuron parameters measured in potential, with their ranges: each neuron's are
#: multiplied by the same factor as its threshold, so its dynamics keep their shape.
POTENTIAL_PARAMS = {
    "initial_potential": (POTENTIAL_MIN, POTENTIAL_MAX),
    "reset_potential": (RESET_POTENTIAL_MIN, RESET_POTENTIAL_MAX),
    "negative_threshold": (THRESHOLD_MIN, THRESHOLD_MAX),
}


def default_weight_codes(model):
    """The model's weight code (``Model.weight_bits``) for groups that no chip
    connection chose one for (ensembles with only host inputs, or none)."""
    for group in model.graph.groups:
        if group.code is None:
            group.code = weight_code(model.weight_bits)


def discretize_groups(model):
    """Round every group's incoming float edges to integer levels on the graph.

    Each neuron is multiplied by its own factor (see :mod:`.discretize`): its
    weights, its drive per tick (the ensemble's bias plus the neuron type's own
    leak), its threshold and every other potential (:data:`POTENTIAL_PARAMS`).
    """
    rng = np.random.RandomState(model.chip_seed)
    edges_into = {}
    for edge in model.float_edges:
        edges_into.setdefault(edge.post, []).append(edge)
    for group in model.graph.groups:
        edges = edges_into.get(group, [])
        bias = np.asarray(model.group_bias.get(group, np.zeros(group.n)), float)
        drive = bias + group.param("leak")
        threshold = group.param("threshold").astype(float)
        levels, weight_scale, leak, alpha, scale = discretize_group(
            [e.weights for e in edges], drive, threshold, group.code,
            [e.rounding for e in edges], rng,
        )
        group.params["leak"] = np.clip(leak, LEAK_MIN, LEAK_MAX)
        group.params["threshold"] = alpha
        for name, (low, high) in POTENTIAL_PARAMS.items():
            if name in group.params:
                value = np.asarray(group.params[name], dtype=float) * scale
                group.params[name] = np.clip(np.round(value), low, high).astype(np.int64)
        group.weight_scale = weight_scale
        for edge, q in zip(edges, levels):
            model.graph.add_edge(Edge(edge.pre, group, q, edge.delay, edge.obj))


def mark_host_reads(model):
    """Flag chip neurons whose spikes or potentials the host reads."""
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


def finalize_chip(model, emulator="fast", progress_bar=False):
    """Discretize and compile the chip, create its emulator and its operator."""
    from ..emulator import get_emulator
    from .compile import compile_graph

    if not model.chip_ensembles:
        return
    SolveMemo.of(model).release_scratch()
    default_weight_codes(model)
    build_decode_banks(model)
    inputs = add_host_inputs(model)
    split_fan_in(model)
    discretize_groups(model)
    spike_ens, voltage_ens = mark_host_reads(model)
    compiled = compile_graph(model.graph, seed=model.chip_seed, progress_bar=progress_bar)
    check_filter_loops(model, compiled)
    model.compiled = compiled
    emu = get_emulator(emulator)(compiled.model)
    model.emulator = emu

    def global_neurons(group):
        position = emu._position
        loc = compiled.neuron_location[group]
        return np.array([position[c] * 256 + j for c, j in loc], dtype=np.int64)

    spike_watch = np.unique(
        np.concatenate([global_neurons(model.chip_ensembles[e].group) for e in spike_ens])
    ) if spike_ens else np.zeros(0, np.int64)
    voltage_watch = np.unique(
        np.concatenate(
            [global_neurons(model.chip_ensembles[e].group) for e in voltage_ens]
        )
    ) if voltage_ens else np.zeros(0, np.int64)

    runtime_inputs, value_signals = [], []
    for signal, encoder, group in inputs:
        port, channel_indices = compiled.input_ports[group]
        axons = emu._input_axons[port]
        runtime_inputs.append((encoder, [axons[idx] for idx in channel_indices]))
        value_signals.append(signal)
    outputs, spike_signals = [], []
    for ens in spike_ens:
        chip_ens = model.chip_ensembles[ens]
        positions = np.searchsorted(spike_watch, global_neurons(chip_ens.group))
        outputs.append((positions, chip_ens.amplitude / model.dt))
        spike_signals.append(model.sig[ens.neurons]["out"])
    voltages, voltage_signals = [], []
    for ens in voltage_ens:
        chip_ens = model.chip_ensembles[ens]
        voltages.append(np.searchsorted(voltage_watch, global_neurons(chip_ens.group)))
        voltage_signals.append(model.sig[ens.neurons]["voltage"])
    runtime = ChipRuntime(
        emu, runtime_inputs, outputs, spike_watch, voltage_watch, voltages
    )
    model.chip_runtime = runtime
    model.add_op(
        SimChip(runtime, value_signals, spike_signals, voltage_signals, tag="chip")
    )
