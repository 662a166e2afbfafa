"""A network trained in NengoDL with the chip's own dynamics runs on the chip as in
``nengo.Simulator``: train -> freeze -> chip, in CI time. Skipped without the dl
extra."""

import nengo
import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("nengo_dl")

import nengo_truenorth  # noqa: E402
from nengo_truenorth.training import digits  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:No GPU support detected",
    "ignore:This version of NengoDL",
    "ignore:Number of elements in input data",
)


def hidden_spikes(net, x, simulator):
    """Spikes of the hidden neurons per sample, each from a fresh state."""
    play = digits.sequence_input(net, x.shape[1])
    with net:
        probe = nengo.Probe(net.ens.neurons)
    try:
        counts = []
        with simulator(net, progress_bar=False) as sim:
            for sample in x:
                play(sim, sample)
                counts.append((sim.data[probe] > 0).sum(axis=0))
    finally:
        net.probes.remove(probe)
    return np.array(counts)


def test_a_network_trained_with_the_chip_dynamics_spikes_on_the_chip_as_in_nengo():
    (x, y), (x_test, _) = digits.digits_sequences(0)
    rng = np.random.RandomState(0)
    start = {  # Glorot-sized weights, as a NengoDL user's network starts
        "W_in": rng.uniform(-0.4, 0.4, (32, 8)),
        "W_rec": rng.uniform(-0.3, 0.3, (32, 32)),
        "W_out": rng.uniform(-0.4, 0.4, (10, 32)),
        "gain": np.ones(32),
        "bias": np.zeros(32),
    }
    net = digits.chip_dynamics_network(32, start)
    objects = len(net.all_nodes), len(net.all_connections)
    digits.train_chip_dynamics(
        net, [(x[:300], y[:300])], epochs=2, noise=digits.CHIP_NOISE
    )
    # the training noise's node is gone again
    assert (len(net.all_nodes), len(net.all_connections)) == objects
    conn = digits.recurrent_connection(net)
    # frozen: a plain Dense on 16 levels per post neuron, the delay kept
    weights = np.asarray(conn.transform.init)
    steps = weights / np.abs(weights).max(axis=1, keepdims=True) * 7
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-5)
    assert nengo_truenorth.synapses.delay_steps(conn.synapse) == 2

    nengo_truenorth.measure_activity(net, digits.sample_runner(net, x, n=10))
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        fidelity = sim.connection_fidelity()[conn]
        host_error, host_energy = sim.model.chip.weight_errors[net.ens]
    assert fidelity["loop_ticks"] == fidelity["nengo_loop_steps"] == 2
    assert fidelity["weight_error"] < 0.05
    # the host's currents reach the neurons exactly: its spikes take the levels'
    # sizes (fit_host_units)
    assert host_energy > 0 and host_error < 1e-12 * host_energy

    ref = hidden_spikes(net, x_test[:8], nengo.Simulator)
    chip = hidden_spikes(net, x_test[:8], nengo_truenorth.Simulator)
    assert ref.sum() > 100  # the network is active
    # the same neurons fire about as often: only the host's input spikes and the
    # integers' rounding differ
    assert abs(chip.sum() / ref.sum() - 1) < 0.1
    assert np.corrcoef(ref.ravel(), chip.ravel())[0, 1] > 0.9


def test_training_noise_drives_the_first_step_and_every_step():
    noise = digits.TrainingNoise(sigma=0.01, kick=0.2)
    z = noise.sample(np.random.RandomState(0), 50, 80, 30) * 0.001  # thresholds
    assert z.shape == (50, 80, 30) and z.dtype == np.float32
    assert abs(z[:, 1:].std() - 0.01) < 0.001
    assert 0.19 < np.abs(z[:, 0]).max() <= 0.2 + 5 * 0.01
    assert abs(z[:, 1:].mean()) < 0.001
