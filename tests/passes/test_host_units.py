"""The host's spikes into neurons, sized to the weights the chip gives them
(the discretization pass's ``round_magnitudes`` and ``resized``,
``fit_host_units``)."""

import nengo
import numpy as np

import nengo_truenorth
from nengo_truenorth.ir import channel_weights, sparse
from nengo_truenorth.passes.discretize import round_magnitudes

STEPS = 1000


def test_magnitudes_keep_every_weight_and_give_both_signs_one_level():
    x = np.array([0.01, 0.99, 1.2, 1.6, 2.0, 6.6, 9.0])
    levels = round_magnitudes(x, 7)
    np.testing.assert_array_equal(levels, [1, 1, 1, 2, 2, 7, 7])
    np.testing.assert_array_equal(round_magnitudes(-x, 7), -levels)
    assert round_magnitudes(np.zeros(1), 7)[0] == 0


def host_and_silent_inputs(currents, silent_weight=0.5):
    """Constant currents from the host into neurons that also take a large weight
    from neurons that never fire: that weight sets each neuron's scale, so the
    host's small spikes fall between its levels."""
    n = len(currents)
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(currents)
        ens = nengo.Ensemble(
            n, 1, neuron_type=nengo.SpikingRectifiedLinear(),
            gain=np.ones(n), bias=np.zeros(n),
        )  # fmt: skip
        silent = nengo.Ensemble(
            n, 1, neuron_type=nengo.SpikingRectifiedLinear(),
            gain=np.ones(n), bias=np.full(n, -100.0),
        )  # fmt: skip
        nengo.Connection(stim, ens.neurons, synapse=None)
        # two sizes per neuron, so the 16-level code (one size would be trinary)
        weights = silent_weight * (np.eye(n) + 0.5 * np.roll(np.eye(n), 1, axis=1))
        nengo.Connection(
            silent.neurons, ens.neurons, transform=weights,
            synapse=nengo_truenorth.delay_synapse(2),
        )  # fmt: skip
        probe = nengo.Probe(ens.neurons)
    nengo_truenorth.add_params(net)
    # the silent weight, a spike of 1 / dt times 0.5, adds half a threshold: on
    # level 7, a level is 0.5 / 7 of a threshold; the host's spikes (a quarter of
    # the range each, current times dt) are 1.3 levels
    level = 0.5 / 7 / 0.001
    net.config[ens].neuron_input_range = 4 * 1.3 * level
    return net, ens, probe


def test_host_currents_reach_neurons_exactly_beside_a_larger_weight():
    currents = np.linspace(20.0, 70.0, 6)  # thresholds per second (dt = 1 ms)
    net, ens, probe = host_and_silent_inputs(currents)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run_steps(STEPS)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(STEPS)
        (host,) = sim.model.chip.host_inputs
        resized = host.edge.resized
    # the host's weights fell between levels (1.3 -> 1): without resizing the
    # neurons would fire a quarter less often
    np.testing.assert_allclose(resized, 1 / 1.3, rtol=0.05)
    counts_chip = (sim.data[probe] > 0).sum(axis=0)
    counts_ref = (ref.data[probe] > 0).sum(axis=0)
    np.testing.assert_allclose(counts_ref, currents * STEPS / 1000, atol=1)
    assert np.all(np.abs(counts_chip - counts_ref) <= 1)
    assert sim.model.chip.weight_errors[ens][0] < 1e-20  # no error left


def test_decoded_values_keep_the_host_s_spike_size():
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(0.5)
        ens = nengo.Ensemble(20, 1)
        nengo.Connection(stim, ens)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        (host,) = sim.model.chip.host_inputs
    # a value reaches every neuron through its encoders: no one size fits them all
    assert not host.resizable and host.edge.resized is None
    np.testing.assert_array_equal(host.unit, [2.0 / 4])  # input_range / channels


def test_currents_into_many_neurons_make_a_sparse_host_edge_of_the_same_numbers():
    n = 2000
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(np.linspace(0, 1, 8))
        ens = nengo.Ensemble(n, 1, neuron_type=nengo.SpikingRectifiedLinear())
        transform = np.random.RandomState(0).uniform(-1, 1, (n, 8))
        nengo.Connection(stim, ens.neurons, transform=transform)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        (host,) = sim.model.chip.host_inputs
    # one entry per channel (4 per sign and neuron), not a dense n x 8n matrix
    weights = host.edge.weights
    assert sparse.issparse(weights) and weights.nnz == 2 * 4 * n
    # and the numbers of the dense form, bit for bit
    scale, unit = np.linspace(0.5, 2.0, 5), np.linspace(1.0, 3.0, 5)
    np.testing.assert_array_equal(
        sparse.to_dense(channel_weights(sparse.diag(scale, sparse=True), unit, 4)),
        channel_weights(np.diag(scale), unit, 4),
    )
