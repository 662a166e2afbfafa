"""Simulator.export: a recorded run that ``python -m nengo_truenorth run`` repeats."""

import subprocess
import sys

import nengo
import numpy as np
import pytest
from nengo.exceptions import SimulationError

import nengo_truenorth
import nengo_truenorth.files
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


# --- interrupts: the recording keeps step with the chip, or export says why -------


class Interrupt(Exception):
    """Stands for a KeyboardInterrupt or any error that stops a step."""


def interrupt_inside_a_tick(monkeypatch, sim, at_tick):
    """Make ``sim``'s emulator raise ``KeyboardInterrupt`` inside chip tick
    ``at_tick``, once its state has moved on: the runtime never sees the tick's
    spikes."""
    emulator = sim.emulator
    advance_tick = emulator.advance_tick

    def interrupted(*args):
        ticked = emulator.tick
        result = advance_tick(*args)
        if ticked == at_tick:
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(emulator, "advance_tick", interrupted)


def interrupt_before_recording(monkeypatch, sim, at_tick, half=False):
    """Make the recording raise ``KeyboardInterrupt`` when chip tick ``at_tick``
    has run and is about to be recorded (``half``: with its axons recorded and its
    spikes not)."""
    recording = sim.model.chip_runtime.recording
    append = recording.append
    fired = []

    def interrupted(axons, spikes):
        if not fired and len(recording) == at_tick:
            fired.append(True)
            if half:
                recording.axons.append(axons)
            raise KeyboardInterrupt
        append(axons, spikes)

    monkeypatch.setattr(recording, "append", interrupted)


def run_through_interrupts(sim, steps):
    """Run ``steps`` steps, going on after each interrupt (as a user would)."""
    interrupted = 0
    while sim.n_steps < steps:
        try:
            sim.run_steps(steps - sim.n_steps)
        except (KeyboardInterrupt, Interrupt):
            interrupted += 1
    return interrupted


def test_an_interrupt_just_after_a_chip_tick_still_exports_a_run_that_replays(
    recorded_sim, tmp_path, monkeypatch
):
    sim = recorded_sim
    sim.reset()
    interrupt_before_recording(monkeypatch, sim, at_tick=40)
    assert run_through_interrupts(sim, 100) == 1
    # the interrupted tick happened and is recorded; Nengo then runs its step again,
    # so the chip has run one tick more than Nengo counts steps
    assert len(sim.model.chip_runtime.recording) == sim.emulator.tick == 101
    run = sim.export(tmp_path / "run")
    assert run.ticks == 101
    rerun = rerun_on_the_command_line(run, tmp_path)
    expected = tmp_path / "run" / "output.json"
    assert_same_spike_files(expected, rerun, load_model(run.model))


def test_an_interrupt_inside_recording_a_tick_records_it_once(
    recorded_sim, monkeypatch
):
    sim = recorded_sim
    sim.reset()
    interrupt_before_recording(monkeypatch, sim, at_tick=30, half=True)
    assert run_through_interrupts(sim, 60) == 1
    recording = sim.model.chip_runtime.recording
    assert len(recording.axons) == len(recording.spikes) == sim.emulator.tick == 61
    sim.chip_spikes()  # agrees with the chip: no error


def test_an_interrupt_inside_a_chip_tick_makes_export_refuse_until_reset(
    recorded_sim, tmp_path, monkeypatch
):
    sim = recorded_sim
    sim.reset()
    interrupt_inside_a_tick(monkeypatch, sim, at_tick=25)
    assert run_through_interrupts(sim, 50) == 1
    with pytest.raises(SimulationError, match="interrupted inside chip tick 25"):
        sim.export(tmp_path / "run")
    with pytest.raises(SimulationError, match=r"sim\.reset\(\)"):
        sim.chip_spikes()
    assert not (tmp_path / "run").exists()
    monkeypatch.undo()
    sim.reset()
    sim.run_steps(50)
    run = sim.export(tmp_path / "run")
    rerun = rerun_on_the_command_line(run, tmp_path)
    expected = tmp_path / "run" / "output.json"
    assert_same_spike_files(expected, rerun, load_model(run.model))


def test_ticks_run_outside_the_simulator_make_export_refuse(recorded_sim, tmp_path):
    sim = recorded_sim
    sim.reset()
    sim.run_steps(10)
    sim.emulator.run(3)  # the chip runs on without the host: nothing recorded
    with pytest.raises(SimulationError, match="holds 10 ticks.*chip has run 13"):
        sim.export(tmp_path / "run")
    sim.reset()


def test_a_node_error_mid_step_still_exports_a_run_that_replays(tmp_path):
    net = network_with_splitters_and_stochastic_thresholds(seed=3)
    calls = []

    def fail_once(t, x):
        calls.append(t)
        if len(calls) == 45:
            raise Interrupt(f"at t = {t}")
        return x

    with net:
        # reads the chip's output: runs after the chip's tick in the same step
        watcher = nengo.Node(fail_once, size_in=1)
        nengo.Connection(net.ensembles[-1], watcher, synapse=None)
    with Simulator(net, record_chip_io=True, progress_bar=False) as sim:
        assert run_through_interrupts(sim, 80) == 1
        run = sim.export(tmp_path / "run")
    rerun = rerun_on_the_command_line(run, tmp_path)
    expected = tmp_path / "run" / "output.json"
    assert_same_spike_files(expected, rerun, load_model(run.model))


# --- the export's folder: one set of files, written whole -------------------------


def test_export_into_a_file_is_refused_naming_it(recorded_sim, tmp_path):
    recorded_sim.reset()
    recorded_sim.run_steps(5)
    path = tmp_path / "taken"
    path.write_text("not a folder")
    with pytest.raises(ValueError, match=f"{path}.*is a file"):
        recorded_sim.export(path)
    assert path.read_text() == "not a folder"
    with pytest.raises(ValueError, match=f"{path}.*is a file"):
        recorded_sim.export(path / "run")


def test_export_into_a_folder_of_other_files_is_refused(recorded_sim, tmp_path):
    recorded_sim.reset()
    recorded_sim.run_steps(5)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="other files.*'notes.txt'"):
        recorded_sim.export(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_export_replaces_an_earlier_export_whole(recorded_sim, tmp_path):
    sim = recorded_sim
    sim.reset()
    sim.run_steps(20)
    sim.export(tmp_path / "run")
    sim.run_steps(30)
    run = sim.export(tmp_path / "run")
    assert run.ticks == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # nothing aside
    rerun = rerun_on_the_command_line(run, tmp_path)
    expected = tmp_path / "run" / "output.json"
    assert_same_spike_files(expected, rerun, load_model(run.model))


def test_a_failed_export_leaves_the_earlier_one_and_nothing_else(
    recorded_sim, tmp_path, monkeypatch
):
    sim = recorded_sim
    sim.reset()
    sim.run_steps(20)
    sim.export(tmp_path / "run")
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    sim.run_steps(10)
    save_spikes = nengo_truenorth.files.save_spikes

    def fail_on_the_output(spikes, path, **kwargs):
        if str(path).endswith("output.json"):
            raise OSError("disk full")
        save_spikes(spikes, path, **kwargs)

    monkeypatch.setattr(nengo_truenorth.files, "save_spikes", fail_on_the_output)
    with pytest.raises(OSError, match="disk full"):
        sim.export(tmp_path / "run")
    after = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    assert after == before  # the old input.json is not beside a new one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
