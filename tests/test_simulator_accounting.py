"""What a chip run reports equals what the chip did, counted independently.

``Simulator.energy()`` is priced from the emulator's activity counters and
``Simulator.resources()`` from the compiled model; here the same run is replayed from
the saved files in the reference emulator, every spike is recorded, and the spikes,
the synaptic events (each delivered spike times the neurons its crossbar row
reaches) and the cores are counted from the model arrays by hand.
"""

import nengo
import numpy as np
import pytest

import nengo_truenorth
from nengo_truenorth.emulator import ReferenceEmulator
from nengo_truenorth.energy import estimate_energy
from nengo_truenorth.files import load_model
from nengo_truenorth.hardware.limits import AXONS_PER_CORE, NEURONS_PER_CORE

TICKS = 150


@pytest.fixture(scope="module")
def chip_run(tmp_path_factory):
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(lambda t: np.sin(12 * t))
        a = nengo.Ensemble(40, 1, neuron_type=nengo.SpikingRectifiedLinear())
        b = nengo.Ensemble(30, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(stim, a)
        nengo.Connection(a, b, synapse=None)
        nengo.Connection(b, b, transform=0.5, synapse=0.02)
        nengo.Probe(b, synapse=0.01)
    path = tmp_path_factory.mktemp("chip") / "model.json"
    with nengo_truenorth.Simulator(net, record_chip_io=True, progress_bar=False) as sim:
        sim.run_steps(TICKS)
        sim.save_chip(path)
        inputs, outputs = sim.chip_spikes()
        report = sim.energy()
        resources = sim.resources()
        compiled = sim.compiled.model
    return path, inputs, outputs, report, resources, compiled


def replay(path, inputs):
    """Run the saved model on the recorded inputs, recording every neuron."""
    model = load_model(path)
    emulator = ReferenceEmulator(model)
    probes = [emulator.probe(core.id) for core in model.cores]
    emulator.run(TICKS, {port: spikes.tolist() for port, spikes in inputs.items()})
    spikes = np.stack([p.data for p in probes], axis=1)  # (ticks, cores, 256)
    return model, emulator, spikes


def count_synaptic_events(model, emulator, spikes, inputs):
    """Every axon that is active at a tick of the run, times its crossbar row's
    connected neurons (an axon active twice in one tick counts once)."""
    position = {core.id: k for k, core in enumerate(model.cores)}
    active = np.zeros((TICKS, len(model.cores) * AXONS_PER_CORE), dtype=bool)
    for port, port_spikes in inputs.items():
        axons = emulator.input_axons(port)
        for tick, index in port_spikes:
            active[tick, axons[index]] = True
    ticks, cores, neurons = np.nonzero(spikes)
    for tick, k, j in zip(ticks, cores, neurons):
        core = model.cores[k]
        target = core.target_core[j]
        arrival = tick + core.target_delay[j]
        if target >= 0 and arrival < TICKS:
            active[arrival, position[target] * AXONS_PER_CORE + core.target_axon[j]] = 1
    row_sizes = np.concatenate([core.crossbar.sum(axis=1) for core in model.cores])
    return int((active * row_sizes[None, :]).sum())


def test_save_chip_writes_the_compiled_chip(chip_run):
    path, _, _, _, _, compiled = chip_run
    loaded = load_model(path)
    assert [c.id for c in loaded.cores] == [c.id for c in compiled.cores]
    for mine, theirs in zip(loaded.cores, compiled.cores):
        assert (mine.x, mine.y, mine.seed) == (theirs.x, theirs.y, theirs.seed)
        np.testing.assert_array_equal(mine.crossbar, theirs.crossbar)
        np.testing.assert_array_equal(mine.axon_types, theirs.axon_types)
        np.testing.assert_array_equal(mine.target_core, theirs.target_core)
        np.testing.assert_array_equal(mine.target_axon, theirs.target_axon)


def test_the_saved_chip_replays_the_runs_output_spikes(chip_run):
    path, inputs, outputs, *_ = chip_run
    model, emulator, _ = replay(path, inputs)
    emulator2 = ReferenceEmulator(model)
    replayed = emulator2.run(
        TICKS, {port: spikes.tolist() for port, spikes in inputs.items()}
    )
    assert set(replayed) == set(outputs)
    for port in outputs:
        np.testing.assert_array_equal(replayed[port], outputs[port])


def test_energy_is_priced_from_the_activity_the_run_had(chip_run):
    path, inputs, _, report, _, _ = chip_run
    model, emulator, spikes = replay(path, inputs)
    assert report.totals["ticks"] == TICKS
    assert report.totals["spikes"] == int(spikes.sum())
    assert report.totals["input_spikes"] == sum(len(s) for s in inputs.values())
    events = count_synaptic_events(model, emulator, spikes, inputs)
    assert report.totals["synaptic_events"] == events
    # and the energy is those counts at the operating point's prices
    op = report.operating_point
    assert report.synaptic == pytest.approx(events * op.energy_per_synaptic_event)
    again = estimate_energy(emulator.activity, model=model)
    assert again.total == pytest.approx(report.total)


def test_resources_count_the_compiled_cores_bits_and_hops(chip_run):
    path, *_, resources, compiled = chip_run
    loaded = load_model(path)
    assert resources["cores"] == len(loaded.cores) == len(compiled.cores)
    assert resources["chip_fraction"] == pytest.approx(len(loaded.cores) / 4096)
    by_id = sorted(loaded.cores, key=lambda core: core.id)
    np.testing.assert_array_equal(
        resources["crossbar_bits_per_core"], [c.crossbar.sum() for c in by_id]
    )
    # mesh hops if every routed neuron fires once: the Manhattan distance to its
    # target core, summed
    place = {core.id: (core.x, core.y) for core in loaded.cores}
    hops = 0
    for core in loaded.cores:
        for target in core.target_core[core.target_core >= 0]:
            (x0, y0), (x1, y1) = place[core.id], place[int(target)]
            hops += abs(x1 - x0) + abs(y1 - y0)
    assert resources["hops_per_tick"] == hops
    assert resources["neurons"] == (
        resources["group_neurons"]
        + resources["splitter_neurons"]
        + resources["copy_neurons"]
    )
    assert resources["neurons"] <= resources["cores"] * NEURONS_PER_CORE
