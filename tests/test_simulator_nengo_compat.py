"""The Simulator keeps Nengo's contracts that Nengo's own test suite relies on."""

import pickle

import nengo
import numpy as np
import pytest

import nengo_truenorth
from nengo_truenorth import Simulator
from nengo_truenorth.frontend.ensemble import current_to_drive


def test_built_ensemble_is_in_the_units_of_its_own_neuron_type():
    with nengo.Network(seed=1) as net:
        a = nengo.Ensemble(30, 2)
        b = nengo.Ensemble(30, 1, neuron_type=nengo.SpikingRectifiedLinear())
    with nengo.Simulator(net, progress_bar=False) as ref:
        pass
    with Simulator(net, progress_bar=False) as sim:
        pass
    assert not sim.on_host()
    for ens in (a, b):
        for attr in ("gain", "bias", "max_rates", "intercepts", "scaled_encoders"):
            assert np.allclose(getattr(sim.data[ens], attr), getattr(ref.data[ens], attr))


def test_rectified_linear_currents_map_exactly_to_chip_drives():
    gain, bias = np.array([2.0, 5.0]), np.array([-1.0, 3.0])
    scale, offset = current_to_drive(
        nengo.RectifiedLinear(), gain, bias, gain + bias, threshold=64, dt=0.002
    )
    assert np.allclose(scale, 64 * 0.002) and np.allclose(offset, 0)


def test_lif_line_goes_through_threshold_current_and_max_rate():
    lif = nengo.LIF()
    max_rates, intercepts = np.array([200.0, 350.0]), np.array([-0.5, 0.3])
    gain, bias = lif.gain_bias(max_rates, intercepts)
    scale, offset = current_to_drive(lif, gain, bias, max_rates, threshold=64, dt=0.001)
    drive = lambda x: scale * (gain * x + bias - offset)  # noqa: E731
    assert np.allclose(drive(intercepts), 0)
    assert np.allclose(drive(1.0), max_rates * 64 * 0.001)


def test_subclasses_of_chip_neuron_types_run_on_the_host():
    with nengo.Network() as net:
        a = nengo.Ensemble(10, 1, neuron_type=nengo.AdaptiveLIF())
        b = nengo.Ensemble(10, 1, neuron_type=nengo.LIF())
    with Simulator(net, progress_bar=False) as sim:
        pass
    assert set(sim.on_host()) == {a}
    assert "AdaptiveLIF has no chip equivalent" in sim.on_host()[a]
    assert b in sim.model.chip_ensembles


@pytest.mark.parametrize("dt", [0.0005, 0.002])
def test_rates_follow_dt(dt):
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(100, 1, max_rates=nengo.dists.Uniform(100, 200))
        b = nengo.Ensemble(100, 1, max_rates=nengo.dists.Uniform(100, 200))
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        p = nengo.Probe(b, synapse=0.03)
    with Simulator(net, dt=dt, progress_bar=False) as sim:
        sim.run(0.4)
    assert abs(sim.data[p][-int(0.1 / dt) :].mean() - 0.5) < 0.05


def test_max_rates_above_one_spike_per_tick_are_a_build_error():
    with nengo.Network() as net:
        nengo.Ensemble(10, 1)  # max rates up to 400 Hz
    with pytest.raises(nengo.exceptions.BuildError, match="above the chip's 100 Hz"):
        Simulator(net, dt=0.01, progress_bar=False)


def test_explicit_gain_and_bias_above_one_spike_per_tick_build_with_a_warning():
    # NengoDL's frozen parameters: explicit gains and biases, no max_rates to lower
    n = 20
    gain = np.linspace(500, 3000, n)
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(
            n, 1, neuron_type=nengo.SpikingRectifiedLinear(amplitude=0.001),
            gain=gain, bias=np.zeros(n), encoders=np.ones((n, 1)),
        )
        nengo.Connection(stim, a.neurons, transform=np.ones((n, 1)))
        probe = nengo.Probe(a.neurons)
    with pytest.warns(UserWarning, match=r"gain and bias give 16 of its 20 neurons"):
        sim = Simulator(net, progress_bar=False)
    with sim:
        sim.run_steps(200)
    # on the chip a neuron fires one spike per tick at most
    spikes_per_tick = (sim.data[probe] > 0).mean(axis=0)
    assert spikes_per_tick.max() <= 1.0
    assert spikes_per_tick[-1] > 0.9  # 1,500 Hz asked: one per tick


@pytest.mark.parametrize(
    "transform",
    [
        nengo.Sparse((6, 6), indices=[[0, 1], [2, 3], [5, 0]], init=[1.0, -0.5, 2.0]),
        nengo.Convolution(2, input_shape=(3, 2, 1), kernel_size=(2, 2)),
    ],
)
def test_sparse_and_convolution_transforms_between_chip_neurons(transform):
    with nengo.Network(seed=2) as net:
        a = nengo.Ensemble(6, 1)
        b = nengo.Ensemble(transform.size_out, 1)
        conn = nengo.Connection(a.neurons, b.neurons, transform=transform)
        probe = nengo.Probe(conn, "weights")
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.step()
    with Simulator(net, progress_bar=False) as sim:
        sim.step()
    assert not sim.on_host()
    expected = ref.data[conn].weights
    expected = expected.toarray() if hasattr(expected, "toarray") else expected
    actual = sim.data[conn].weights
    actual = actual.toarray() if hasattr(actual, "toarray") else actual
    assert np.allclose(actual, expected)
    assert sim.data[probe].shape[0] == 1


def test_sparse_transform_on_decoded_chip_connection_is_a_build_error():
    with nengo.Network() as net:
        a = nengo.Ensemble(10, 2)
        b = nengo.Ensemble(10, 2)
        nengo.Connection(a, b, transform=nengo.Sparse((2, 2), indices=[[0, 1]]))
    with pytest.raises(nengo.exceptions.BuildError, match="decoded connection"):
        Simulator(net, progress_bar=False)


def test_weight_solver_between_chip_ensembles():
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(50, 1)
        b = nengo.Ensemble(40, 1)
        c = nengo.Ensemble(40, 1)
        nengo.Connection(stim, a)
        lstsq = nengo.Connection(a, b, solver=nengo.solvers.LstsqL2(weights=True))
        nnls = nengo.Connection(
            a, c, transform=1.0, solver=nengo.solvers.NnlsL2(weights=True)
        )
        pb, pc = nengo.Probe(b, synapse=0.03), nengo.Probe(c, synapse=0.03)
    with Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
    assert not sim.on_host()
    assert sim.data[lstsq].weights.shape == (40, 50)
    assert sim.data[nnls].weights.shape == (40, 50)
    assert abs(sim.data[pb][-50:].mean() - 0.5) < 0.1
    assert abs(sim.data[pc][-50:].mean() - 0.5) < 0.2


def test_pickled_simulator_goes_on_where_it_stopped():
    with nengo.Network(seed=4) as net:
        stim = nengo.Node(nengo.processes.WhiteSignal(1.0, high=5))
        a = nengo.Ensemble(50, 1)
        b = nengo.Ensemble(50, 1)
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        p = nengo.Probe(b.neurons)
    with Simulator(net, progress_bar=False) as sim:
        sim.run_steps(100)
        state = pickle.dumps({"sim": sim, "probe": p})
        sim.run_steps(100)
        spikes = sim.data[p]
    loaded = pickle.loads(state)
    with loaded["sim"] as sim2:
        sim2.run_steps(100)
        assert np.array_equal(sim2.data[loaded["probe"]], spikes)


def test_an_empty_nengo_model_lends_its_settings():
    with nengo.Network(seed=5) as net:
        a = nengo.Ensemble(20, 1)
    model = nengo.builder.Model(dt=0.002, label="mine")
    with Simulator(net, model=model, progress_bar=False) as sim:
        sim.step()
    assert sim.dt == 0.002 and sim.model.label == "mine"
    assert a in sim.model.chip_ensembles


def test_initial_voltage_becomes_a_fraction_of_the_threshold():
    with nengo.Network(seed=6) as net:
        neuron_type = nengo.SpikingRectifiedLinear(
            initial_state={"voltage": nengo.dists.Choice([0.5])}
        )
        a = nengo.Ensemble(10, 1, neuron_type=neuron_type, gain=np.zeros(10) + 1e-9,
                           bias=np.zeros(10))
        p = nengo.Probe(a.neurons, "voltage")
    with Simulator(net, progress_bar=False) as sim:
        sim.step()
    # read in Nengo's units (potential over threshold): the 0.5 it started at
    group = sim.model.chip_ensembles[a].group
    threshold = group.param("threshold")
    assert np.allclose(sim.data[p][0], np.round(0.5 * threshold) / threshold, atol=0.02)


def test_truenorth_neuron_potentials_scale_with_its_threshold():
    neuron_type = nengo_truenorth.TrueNorthNeuron(
        threshold=20, reset_mode=0, reset_potential=-10, negative_saturation=False,
        negative_threshold=5, initial_potential=4,
    )
    with nengo.Network(seed=7) as net:
        a = nengo.Ensemble(5, 1, neuron_type=neuron_type)
    with Simulator(net, progress_bar=False) as sim:
        pass
    group = sim.model.chip_ensembles[a].group
    ratio = group.param("threshold") / 20
    for name, value in [
        ("reset_potential", -10), ("negative_threshold", 5), ("initial_potential", 4)
    ]:
        assert np.allclose(group.param(name), np.round(value * ratio)), name
