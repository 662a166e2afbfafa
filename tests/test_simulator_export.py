"""Simulator.export: a recorded run that ``python -m nengo_truenorth run`` repeats."""

import subprocess
import sys

import nengo
import numpy as np
import pytest

import nengo_truenorth
from nengo_truenorth import Simulator
from nengo_truenorth.files import load_model, load_spikes

STEPS = 300


def network_with_splitters_and_stochastic_thresholds(seed=5):
    """Host input, chip -> chip connections, splitters and a stochastic threshold."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        noisy = nengo_truenorth.TrueNorthNeuron(threshold_mask_bits=2)
        a = nengo.Ensemble(100, 1, neuron_type=noisy)
        b = nengo.Ensemble(300, 1)
        c = nengo.Ensemble(300, 1)
        nengo.Connection(stim, a)
        nengo.Connection(a, b)  # a fans out to b and c: splitter neurons
        nengo.Connection(a, c)
        nengo.Connection(b, c, synapse=0.01)
        nengo.Probe(c, synapse=0.02)
        nengo.Probe(b.neurons)
    return net


def rerun_on_the_command_line(run, tmp_path, name="rerun.json"):
    out = tmp_path / name
    command = [sys.executable] + run.command(out)[1:]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


def assert_same_spike_files(expected, actual, model):
    assert actual.read_text() == expected.read_text()  # byte for byte
    want = load_spikes(expected, model=model, kind="outputs")
    got = load_spikes(actual, model=model, kind="outputs")
    assert want.keys() == got.keys()
    for port in want:
        assert np.array_equal(want[port], got[port]), port


@pytest.fixture(scope="module")
def recorded_sim():
    sim = Simulator(
        network_with_splitters_and_stochastic_thresholds(),
        record_chip_io=True,
        progress_bar=False,
    )
    yield sim
    sim.close()


def test_model_under_test_has_splitters_and_stochastic_cores(recorded_sim):
    assert recorded_sim.resources()["splitter_neurons"] > 0
    assert not recorded_sim.compiled.model.is_deterministic


def test_exported_run_repeats_on_the_command_line_with_identical_spikes(
    recorded_sim, tmp_path
):
    sim = recorded_sim
    sim.reset()
    sim.run_steps(STEPS)
    run = sim.export(tmp_path / "run")
    assert run.ticks == STEPS
    model = load_model(run.model)
    inputs = load_spikes(run.inputs, model=model, kind="inputs", ticks=STEPS)
    outputs = load_spikes(run.outputs, model=model, kind="outputs")
    assert sum(len(s) for s in inputs.values()) > 0
    assert sum(len(s) for s in outputs.values()) > 0
    rerun = rerun_on_the_command_line(run, tmp_path)
    assert_same_spike_files(tmp_path / "run" / "output.json", rerun, model)


def test_recorded_output_spikes_are_the_spikes_nengo_sees(recorded_sim):
    sim = recorded_sim
    sim.reset()
    sim.run_steps(50)
    _, outputs = sim.chip_spikes()
    b_probe = next(
        p for p in sim.model.probes if isinstance(p.target, nengo.ensemble.Neurons)
    )
    group = sim.model.chip_ensembles[b_probe.target.ensemble].group
    port, index = sim.compiled.output_ports[group]
    raster = np.zeros((50, index.max() + 1), dtype=bool)
    raster[tuple(outputs[port].T)] = True
    assert np.array_equal(raster[:, index], sim.data[b_probe] > 0)


def test_export_after_reset_holds_only_the_new_run(recorded_sim, tmp_path):
    sim = recorded_sim
    sim.reset()
    sim.run_steps(120)
    first = sim.export(tmp_path / "first")
    sim.reset()
    sim.run_steps(STEPS)
    second = sim.export(tmp_path / "second")
    assert (first.ticks, second.ticks) == (120, STEPS)
    rerun = rerun_on_the_command_line(second, tmp_path)
    expected = tmp_path / "second" / "output.json"
    assert_same_spike_files(expected, rerun, load_model(second.model))


def test_export_on_the_reference_emulator_repeats_on_it(tmp_path):
    with Simulator(
        network_with_splitters_and_stochastic_thresholds(seed=7),
        emulator="reference",
        record_chip_io=True,
        progress_bar=False,
    ) as sim:
        sim.run_steps(60)
        run = sim.export(tmp_path / "ref")
    assert run.emulator == "reference"
    rerun = rerun_on_the_command_line(run, tmp_path)
    expected = tmp_path / "ref" / "output.json"
    assert_same_spike_files(expected, rerun, load_model(run.model))


def test_export_without_recording_names_the_remedy(tmp_path):
    net = network_with_splitters_and_stochastic_thresholds()
    with Simulator(net, progress_bar=False) as sim:
        sim.run_steps(5)
        with pytest.raises(ValueError, match="record_chip_io=True"):
            sim.export(tmp_path)
    assert not (tmp_path / "model.json").exists()


def test_export_without_chip_ensembles_is_refused(tmp_path):
    with nengo.Network() as net:
        nengo.Probe(nengo.Node(1.0))
    with Simulator(net, record_chip_io=True, progress_bar=False) as sim:
        with pytest.raises(ValueError, match="no ensemble runs on the chip"):
            sim.export(tmp_path)


def test_two_builds_of_a_network_export_the_same_files(tmp_path):
    # two instances of the network: its unlabeled objects have other addresses
    runs = []
    for k in range(2):
        net = network_with_splitters_and_stochastic_thresholds()
        with Simulator(net, record_chip_io=True, progress_bar=False) as sim:
            sim.run_steps(50)
            runs.append(sim.export(tmp_path / f"run{k}"))
    model = load_model(runs[0].model)
    assert model.inputs and model.outputs
    assert not any("0x" in port for port in [*model.inputs, *model.outputs])
    for name in ("model.json", "input.json", "output.json"):
        first, second = (tmp_path / f"run{k}" / name for k in range(2))
        assert first.read_bytes() == second.read_bytes(), name
