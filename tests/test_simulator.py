"""nengo_truenorth.Simulator: Nengo's API, with ensembles compiled onto the chip."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError

import nengo_truenorth
from nengo_truenorth import Simulator
from nengo_truenorth.compiler import compile as compile_module


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def sine_network(n=200, seed=0, neuron_type=nengo.SpikingRectifiedLinear()):
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        a = nengo.Ensemble(n, 1, neuron_type=neuron_type)
        nengo.Connection(stim, a)
        p_stim = nengo.Probe(stim, synapse=0.02)
        p_a = nengo.Probe(a, synapse=0.02)
    return net, p_stim, p_a, a


def test_host_value_into_chip_ensemble_is_decoded_on_the_host():
    net, p_stim, p_a, a = sine_network()
    with Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    assert sim.emulator is not None and a not in sim.on_host()
    assert rmse(sim.data[p_a][50:], sim.data[p_stim][50:]) < 0.1


@pytest.mark.parametrize(
    "neuron_type",
    [nengo.SpikingRectifiedLinear(), nengo.RectifiedLinear(), nengo.LIF(),
     nengo.LIFRate(), nengo_truenorth.TrueNorthNeuron()],
)
def test_chip_to_chip_communication_channel(neuron_type):
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(lambda t: 0.8 * np.sin(2 * np.pi * t))
        a = nengo.Ensemble(200, 1, neuron_type=neuron_type)
        b = nengo.Ensemble(200, 1, neuron_type=neuron_type)
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        p_stim = nengo.Probe(stim, synapse=0.03)
        p_b = nengo.Probe(b, synapse=0.03)
    with Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    assert not sim.on_host()
    # the chip path adds a few ticks of delay
    assert rmse(sim.data[p_b][100:], sim.data[p_stim][100 - 5 : -5]) < 0.1


def test_function_and_transform_on_chip_connection():
    with nengo.Network(seed=2) as net:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        a = nengo.Ensemble(200, 1)
        b = nengo.Ensemble(200, 1)
        nengo.Connection(stim, a)
        nengo.Connection(a, b, function=lambda x: x**2, transform=-0.5)
        p_b = nengo.Probe(b, synapse=0.03)
    with Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    target = -0.5 * np.sin(2 * np.pi * (sim.trange() - 0.005)) ** 2
    assert rmse(sim.data[p_b][200:, 0], target[200:]) < 0.12


def test_simulator_api_matches_nengo():
    net, p_stim, p_a, _ = sine_network(n=50)
    with Simulator(net, progress_bar=False) as sim:
        sim.run_steps(10)
        sim.step()
        assert sim.n_steps == 11
        assert np.isclose(sim.time, 0.011)
        assert np.allclose(sim.trange(), 0.001 * np.arange(1, 12))
        first = sim.data[p_a].copy()
        sim.reset()
        assert sim.n_steps == 0
        sim.run_steps(11)
        assert np.array_equal(sim.data[p_a], first)
    assert sim.closed


def test_off_chip_ensembles_run_on_the_host():
    with nengo.Network(seed=3) as net:
        nengo_truenorth.add_params(net)
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(50, 1)
        net.config[a].on_chip = False
        b = nengo.Ensemble(50, 1, neuron_type=nengo.Sigmoid())
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        p = nengo.Probe(b, synapse=0.05)
    with Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
    assert set(sim.on_host()) == {a, b}
    assert sim.emulator is None
    assert abs(sim.data[p][-1, 0] - 0.5) < 0.2


def test_unsupported_synapse_between_chip_ensembles_is_a_build_error():
    with nengo.Network() as net:
        a = nengo.Ensemble(10, 1)
        b = nengo.Ensemble(10, 1)
        nengo.Connection(a, b, synapse=nengo.Alpha(0.01))
    with pytest.raises(BuildError, match="Alpha.*cannot run between chip ensembles"):
        Simulator(net, progress_bar=False)


def test_learning_rule_into_chip_moves_the_post_to_the_host():
    # the full contract (reasons, on_chip = True) is in test_simulator_options.py
    with nengo.Network() as net:
        a = nengo.Ensemble(10, 1)
        b = nengo.Ensemble(10, 1)
        conn = nengo.Connection(a, b, learning_rule_type=nengo.PES())
    with Simulator(net, progress_bar=False) as sim:
        assert str(conn) in sim.on_host()[b]
        assert a not in sim.on_host()


def test_neuron_probes_read_chip_spikes_and_voltages():
    with nengo.Network(seed=4) as net:
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(20, 1)
        nengo.Connection(stim, a)
        p_spikes = nengo.Probe(a.neurons)
        p_v = nengo.Probe(a.neurons, "voltage")
    with Simulator(net, progress_bar=False) as sim:
        sim.run(0.2)
    spikes = sim.data[p_spikes]
    assert set(np.unique(spikes)) <= {0.0, 1000.0}
    assert spikes.sum() > 0
    # in Nengo's units: the chip's integer potential over the neuron's threshold
    v = sim.data[p_v]
    threshold = sim.model.chip_ensembles[a].group.param("threshold")
    potential = v * threshold
    assert np.allclose(potential, np.round(potential)) and v.min() >= 0
    assert 0 < v.max() < 2  # below threshold between spikes, as LIF's voltage


def test_resources_and_energy_are_reported():
    net, _, _, _ = sine_network(n=100)
    with Simulator(net, progress_bar=False) as sim:
        sim.run(0.1)
        res = sim.resources()
        report = sim.energy()
    assert res["cores"] >= 1 and 0 < res["chip_fraction"] < 1
    assert report.total > 0 and report.mean_power_uw > 0


def test_entry_point_in_nengo_backends_group_loads_the_simulator():
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group="nengo.backends")]
    ours = [ep for ep in found if ep.name == "nengo_truenorth"]
    assert len(ours) == 1, [ep.name for ep in found]
    assert ours[0].load() is nengo_truenorth.Simulator


class CountingProgressBar(nengo.utils.progress.ProgressBar):
    """A tool's own progress bar (NengoGUI passes one): counts what it is told."""

    def __init__(self):
        super().__init__()
        self.updates = 0

    def update(self, progress):
        self.updates += 1

    def close(self):
        pass


def test_gui_style_stepping_with_host_nodes_and_probe_clearing(capsys, monkeypatch):
    # What NengoGUI 0.6 does (see docs/gui.md): it adds Nodes fed by ensembles and
    # neurons, a voltage probe, passes its own ProgressBar, calls step() once per
    # frame and empties the probe's raw data as it sends it.
    monkeypatch.setattr(compile_module, "PROGRESS_MIN_NEURONS", 0)
    seen = {"value": [], "spikes": []}
    with nengo.Network(seed=6) as net:
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(50, 1)
        nengo.Connection(stim, a)
        value = nengo.Node(lambda t, x: seen["value"].append(x[0]), size_in=1)
        raster = nengo.Node(lambda t, x: seen["spikes"].append(x.sum()), size_in=50)
        nengo.Connection(a, value, synapse=0.01)
        nengo.Connection(a.neurons, raster, synapse=None)
        voltage = nengo.Probe(a.neurons[:5], "voltage")
    bar = CountingProgressBar()
    with Simulator(net, progress_bar=bar) as sim:
        for _ in range(100):
            sim.step()
            if sim.n_steps % 10 == 0:
                assert len(sim.data.raw[voltage]) == 10
                del sim.data.raw[voltage][:]
    assert "Compiling chip graph" not in capsys.readouterr().err  # no tqdm
    assert bar.updates > 0 and a not in sim.on_host()
    # Nengo calls a Node's function once more when it builds the Node
    assert len(seen["value"]) == 101 and abs(np.mean(seen["value"][-30:]) - 0.5) < 0.15
    assert sum(seen["spikes"]) > 0


def test_build_progress_counts_the_networks_objects(monkeypatch):
    from nengo.utils.progress import ProgressTracker

    from nengo_truenorth import simulator as simulator_module

    stages = []

    class Tracker(ProgressTracker):
        def next_stage(self, *args, **kwargs):
            stages.append(super().next_stage(*args, **kwargs))
            return stages[-1]

    monkeypatch.setattr(simulator_module, "ProgressTracker", Tracker)
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(0.5)
        ens = nengo.Ensemble(40, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(stim, ens)
    with nengo_truenorth.Simulator(net, progress_bar=False):
        pass
    # Nengo's build of the network steps once per object, as under nengo.Simulator
    (building,) = [p for p in stages if p.name_during == "Building"]
    assert building.max_steps == len(net.all_objects) + 1
    assert building.n_steps == building.max_steps and building.finished


def test_a_tools_progress_bar_is_closed_once_after_every_update():
    from nengo.utils.progress import ProgressBar

    class Recording(ProgressBar):
        def __init__(self):
            super().__init__()
            self.events = []

        def update(self, progress):
            self.events.append("update")

        def close(self):
            self.events.append("close")

    with nengo.Network(seed=0) as net:
        nengo.Ensemble(20, 1, neuron_type=nengo.SpikingRectifiedLinear())
    bar = Recording()
    with nengo_truenorth.Simulator(net, progress_bar=bar):
        pass
    assert bar.events.count("close") == 1 and bar.events[-1] == "close"
    assert bar.events.count("update") >= 2  # the network build, then Nengo's stages


def test_weight_bits_of_connections_choose_the_post_groups_code():
    from nengo_truenorth.ir import weight_code

    relu = nengo.SpikingRectifiedLinear()
    with nengo.Network(seed=0) as net:
        nengo_truenorth.add_params(net)
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(30, 1, neuron_type=relu)
        trinary, mixed, default, host_only = (
            nengo.Ensemble(20, 1, neuron_type=relu) for _ in range(4)
        )
        nengo.Connection(stim, a)
        nengo.Connection(stim, host_only)
        net.config[nengo.Connection(a.neurons, trinary.neurons,
                                    transform=np.ones((20, 30)))].weight_bits = 1
        net.config[nengo.Connection(a, mixed)].weight_bits = 1
        net.config[nengo.Connection(a, mixed, function=np.square)].weight_bits = 3
        nengo.Connection(a, default)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        code = {e: sim.model.chip_ensembles[e].group.code
                for e in (trinary, mixed, default, host_only)}
    assert code[trinary] == weight_code(1)
    assert code[mixed] == weight_code(3)  # the most bits any connection asks for
    assert code[default] == code[host_only] == weight_code(sim.model.options.weight_bits)


def test_the_compile_report_counts_neurons_by_role():
    with nengo.Network(seed=2) as net:
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(50, 1)
        nengo.Connection(stim, a)
        nengo.Connection(a, a, synapse=0.05)  # decode and filter neurons
        nengo.Probe(a, synapse=0.01)
    with Simulator(net, progress_bar=False) as sim:
        stats = sim.compiled.stats()
        groups = sim.model.chip.graph.groups
    roles = stats["neurons_by_role"]
    assert roles["neurons"] == 50
    assert roles["decode"] > 0 and roles["filters"] > 0
    assert sum(roles.values()) == stats["neurons"]
    assert {g.role for g in groups} == {"neurons", "decode", "filters"}
    assert "by role:      neurons 50" in sim.compiled.report()
