"""ChipSpikingRectifiedLinear in NengoDL: the chip's spikes in training and
evaluation, with the rate's gradient. Skipped without the dl extra."""

import nengo
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
nengo_dl = pytest.importorskip("nengo_dl")

from nengo_truenorth import ChipSpikingRectifiedLinear  # noqa: E402
from nengo_truenorth.training import (  # noqa: E402
    ChipSpikingRectifiedLinearBuilder,
    chip_relu_step,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:No GPU support detected", "ignore:This version of NengoDL"
)


def test_the_builder_is_registered_by_import():
    impl = nengo_dl.neuron_builders.SimNeuronsBuilder.TF_NEURON_IMPL
    assert impl[ChipSpikingRectifiedLinear] is ChipSpikingRectifiedLinearBuilder


def network(J, amplitude=0.5):
    n = J.shape[1]
    with nengo.Network(seed=0) as net:
        node = nengo.Node(nengo.processes.PresentInput(J, presentation_time=0.001))
        ens = nengo.Ensemble(
            n,
            1,
            neuron_type=ChipSpikingRectifiedLinear(amplitude=amplitude),
            gain=np.ones(n),
            bias=np.zeros(n),
        )
        nengo.Connection(node, ens.neurons, synapse=None)
        probes = nengo.Probe(ens.neurons), nengo.Probe(ens.neurons, "voltage")
    return net, probes


def test_spikes_and_voltages_equal_numpy_bit_for_bit_in_float64(rng):
    J = rng.uniform(-800, 1600, size=(300, 12))
    net, (spikes, voltage) = network(J)
    with net:
        nengo_dl.configure_settings(dtype="float64")
    with nengo_dl.Simulator(net, progress_bar=False) as dl:
        dl.run_steps(len(J))
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run_steps(len(J))
    assert np.array_equal(dl.data[voltage], ref.data[voltage])
    assert np.array_equal(dl.data[spikes], ref.data[spikes])
    assert 0.1 < (ref.data[spikes] > 0).mean() < 0.9


def test_the_step_spikes_forward_and_passes_the_rates_gradient_back():
    J = tf.constant([[-300.0, 200.0, 700.0, 1500.0]], dtype=tf.float64)
    voltage = tf.constant([[0.9, 0.9, 0.2, 0.0]], dtype=tf.float64)
    spiked, after = chip_relu_step(J, voltage, 0.001)
    assert spiked.numpy().tolist() == [[0.0, 1.0, 0.0, 1.0]]
    np.testing.assert_allclose(after.numpy(), [[0.6, 0.1, 0.9, 0.5]])


def test_training_sees_the_spikes_not_the_rates():
    # a spiking forward pass in `fit`: with a zero learning rate the training loss
    # is the evaluation loss of the same spikes, where NengoDL's own spiking types
    # would train on their rates (another loss)
    rng = np.random.RandomState(1)
    x = rng.uniform(-1, 1, size=(8, 20, 3))
    y = rng.uniform(0, 50, size=(8, 20, 4))
    with nengo.Network(seed=0) as net:
        inp = nengo.Node(np.zeros(3))
        ens = nengo.Ensemble(
            4,
            1,
            neuron_type=ChipSpikingRectifiedLinear(amplitude=0.01),
            gain=np.ones(4),
            bias=np.full(4, 200.0),
        )
        nengo.Connection(inp, ens.neurons, transform=rng.normal(0, 300, (4, 3)))
        probe = nengo.Probe(ens.neurons)
    with nengo_dl.Simulator(net, minibatch_size=8, progress_bar=False) as sim:
        sim.compile(optimizer=tf.optimizers.SGD(0.0), loss={probe: "mse"})
        trained = sim.fit({inp: x}, {probe: y}, epochs=1, verbose=0)
        evaluated = sim.evaluate({inp: x}, {probe: y}, verbose=0)
        out = sim.predict({inp: x}, verbose=0)[probe]
    # spikes of amplitude / dt (in float32)
    assert np.all(np.isclose(out, 0.0) | np.isclose(out, 10.0))
    assert 0.1 < np.isclose(out, 10.0).mean() < 0.9
    np.testing.assert_allclose(trained.history["loss"][0], evaluated["loss"], rtol=1e-6)


def test_fit_learns_through_the_spikes():
    # one neuron learns the drive that makes it fire on half of the steps
    with nengo.Network(seed=0) as net:
        inp = nengo.Node([0.0])
        ens = nengo.Ensemble(
            1,
            1,
            neuron_type=ChipSpikingRectifiedLinear(amplitude=0.001),
            gain=[1.0],
            bias=[0.0],
        )
        conn = nengo.Connection(inp, ens.neurons, transform=[[100.0]], synapse=None)
        probe = nengo.Probe(ens.neurons)
    x, y = np.ones((4, 40, 1)), np.full((4, 40, 1), 0.5)
    with nengo_dl.Simulator(net, minibatch_size=4, progress_bar=False) as sim:
        sim.compile(optimizer=tf.optimizers.SGD(1e5), loss={probe: "mse"})
        sim.fit(x, {probe: y}, epochs=40, verbose=0)
        drive = sim.data[conn].weights.item() + sim.data[ens].bias.item()
        spikes = sim.predict(np.ones((4, 100, 1)), verbose=0)[probe]
    assert abs(drive - 500.0) < 50.0  # 500 Hz: one spike every other step
    assert abs(spikes[0].sum() - 50) <= 5
