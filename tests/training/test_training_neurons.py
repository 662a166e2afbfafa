"""TrueNorthNeuron in NengoDL: the chip's spiking bit for bit, its rate in training.

Skipped without the dl extra.
"""

import nengo
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
nengo_dl = pytest.importorskip("nengo_dl")

from nengo_truenorth import TrueNorthNeuron  # noqa: E402
from nengo_truenorth.hardware.limits import (  # noqa: E402
    RESET_LINEAR,
    RESET_NONE,
    RESET_NORMAL,  # noqa: E402
)
from nengo_truenorth.training import (  # noqa: E402
    TrueNorthNeuronBuilder,
    truenorth_rate,
)
from nengo_truenorth.training.neurons import chip_parameters  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:No GPU support detected", "ignore:This version of NengoDL"
)

#: Deterministic neurons covering every reset mode, negative saturation on and off,
#: leak reversal, a normal reset below -β and an initial potential.
NEURONS = [
    TrueNorthNeuron(threshold=20, leak=-3),
    TrueNorthNeuron(
        threshold=15,
        leak=2,
        reset_mode=RESET_NORMAL,
        reset_potential=-4,
        negative_threshold=10,
        negative_saturation=False,
    ),
    TrueNorthNeuron(
        threshold=7,
        leak=-1,
        reset_mode=RESET_NONE,
        leak_reversal=True,
        negative_threshold=5,
    ),
    TrueNorthNeuron(
        threshold=30,
        leak=1,
        reset_mode=RESET_LINEAR,
        negative_saturation=False,
        negative_threshold=12,
        initial_potential=5,
    ),
    TrueNorthNeuron(
        threshold=262143,
        leak=255,
        reset_mode=RESET_NORMAL,
        reset_potential=-30,
        negative_threshold=3,
    ),
    TrueNorthNeuron(threshold=262142, reset_potential=3, reset_mode=RESET_NORMAL),
]


def numpy_run(neuron, J):
    voltage = np.full(J.shape[1], float(neuron.initial_potential))
    output = np.zeros(J.shape[1])
    spikes, voltages = [], []
    for j in J:
        neuron.step(0.001, j, output, voltage)
        spikes.append(output.copy())
        voltages.append(voltage.copy())
    return np.array(spikes), np.array(voltages)


def nengo_dl_run(neurons, J, n, dtype="float32"):
    """Run each neuron type on ``n`` neurons fed ``J`` (gain 1, bias 0) in NengoDL."""
    with nengo.Network() as net:
        nengo_dl.configure_settings(dtype=dtype)
        node = nengo.Node(nengo.processes.PresentInput(J, presentation_time=0.001))
        probes = []
        for i, neuron in enumerate(neurons):
            ens = nengo.Ensemble(
                n, 1, neuron_type=neuron, gain=np.ones(n), bias=np.zeros(n)
            )
            nengo.Connection(node[i * n : (i + 1) * n], ens.neurons, synapse=None)
            probes.append(
                (nengo.Probe(ens.neurons), nengo.Probe(ens.neurons, "voltage"))
            )
    with nengo_dl.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(len(J))
    return [(sim.data[s], sim.data[v]) for s, v in probes]


def test_the_builder_is_registered_by_import():
    impl = nengo_dl.neuron_builders.SimNeuronsBuilder.TF_NEURON_IMPL
    assert impl[TrueNorthNeuron] is TrueNorthNeuronBuilder


def test_spikes_and_voltages_equal_numpy_bit_for_bit_for_integer_inputs(rng):
    # one merged NengoDL group holds all the parameter sets; inputs are integers,
    # mostly small, with bursts that saturate the 20-bit potential
    n, steps = 4, 300
    J = rng.randint(-40, 41, size=(steps, len(NEURONS) * n)).astype(float)
    J[rng.rand(*J.shape) < 0.02] = 400000
    J[rng.rand(*J.shape) < 0.02] = -400000
    results = nengo_dl_run(NEURONS, J, n)
    for i, (neuron, (dl_spikes, dl_voltage)) in enumerate(zip(NEURONS, results)):
        spikes, voltage = numpy_run(neuron, J[:, i * n : (i + 1) * n])
        assert np.array_equal(dl_voltage, voltage), neuron
        assert np.array_equal(dl_spikes > 0, spikes > 0), neuron
        assert np.allclose(dl_spikes, spikes, rtol=1e-6)
    assert sum(r[0].astype(bool).sum() for r in results) > 1000  # they did fire


def test_float64_inputs_agree_bit_for_bit_too(rng):
    n, steps = 3, 200
    J = rng.uniform(-30, 40, size=(steps, 3 * n))
    neurons = NEURONS[:3]
    results = nengo_dl_run(neurons, J, n, dtype="float64")
    for i, (neuron, (dl_spikes, dl_voltage)) in enumerate(zip(neurons, results)):
        spikes, voltage = numpy_run(neuron, J[:, i * n : (i + 1) * n])
        assert np.array_equal(dl_voltage, voltage)
        assert np.array_equal(dl_spikes, spikes)


def test_training_rate_is_the_steady_state_rate_with_a_linear_gradient(rng):
    J = rng.uniform(-40, 120, size=(50, len(NEURONS))).astype(np.float64)
    J[:, 4] *= 5000  # the large-threshold neurons need large drives
    J[:, 5] *= 5000
    params = chip_parameters(NEURONS, [1] * len(NEURONS), tf.float64)
    Jt = tf.constant(J)
    with tf.GradientTape() as tape:
        tape.watch(Jt)
        rate = truenorth_rate(Jt, params)
    grad = tape.gradient(rate, Jt).numpy()
    for k, neuron in enumerate(NEURONS):
        np.testing.assert_allclose(
            rate.numpy()[:, k], neuron.spikes_per_tick(J[:, k]), rtol=1e-12, atol=0
        )
        # the slope of clip(d / climb, 0, 1): 1 / climb where 0 < d < climb
        d = neuron.drive(J[:, k])
        climb = neuron._climb() if neuron._climb() > 0 else neuron.mean_threshold
        inside = (d > 0) & (d < climb)
        assert inside.any()
        np.testing.assert_allclose(grad[inside, k], 1 / climb)
        assert np.all(grad[(d < 0) | (d > climb), k] == 0)


def test_fit_trains_on_rates_and_evaluation_spikes():
    # one linear-reset neuron learns its input weight and bias: for an input of 1 its
    # rate must reach 0.5 spikes per tick (amplitude = dt: a spike is worth 1)
    neuron = TrueNorthNeuron(threshold=64, amplitude=0.001)
    with nengo.Network(seed=0) as net:
        inp = nengo.Node([0.0])
        ens = nengo.Ensemble(1, 1, neuron_type=neuron, gain=[1.0], bias=[0.0])
        conn = nengo.Connection(inp, ens.neurons, transform=[[10.0]], synapse=None)
        probe = nengo.Probe(ens.neurons)
    with nengo_dl.Simulator(net, minibatch_size=4, progress_bar=False) as sim:
        sim.compile(optimizer=tf.optimizers.SGD(1000.0), loss={probe: "mse"})
        sim.fit(
            np.ones((4, 1, 1)), {probe: np.full((4, 1, 1), 0.5)}, epochs=30, verbose=0
        )
        drive = sim.data[conn].weights.item() + sim.data[ens].bias.item()
        spikes = sim.predict(np.ones((4, 100, 1)))[probe]
    assert abs(drive - 32.0) < 0.01  # 32 / 64 = 0.5 spikes per tick
    assert set(np.unique(spikes)) <= {0.0, 1.0}  # evaluation is the spiking chip
    assert abs(spikes[0].sum() - 50) <= 1


def test_stochastic_thresholds_fire_at_about_the_rate():
    # the threshold mask draws from TensorFlow's generator, not NumPy's: statistics
    neuron = TrueNorthNeuron(threshold=8, threshold_mask_bits=3, leak=4)
    with nengo.Network(seed=0) as net:
        ens = nengo.Ensemble(
            50, 1, neuron_type=neuron, gain=np.ones(50), bias=np.zeros(50)
        )
        probe = nengo.Probe(ens.neurons)
    with nengo_dl.Simulator(net, progress_bar=False, seed=0) as sim:
        sim.run_steps(400)
    with nengo.Simulator(net, progress_bar=False, seed=0) as nsim:
        nsim.run_steps(400)
    dl_rate = (sim.data[probe] > 0).mean()
    np_rate = (nsim.data[probe] > 0).mean()
    assert abs(dl_rate - np_rate) < 0.02
