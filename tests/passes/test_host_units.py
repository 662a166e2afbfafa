"""The host's spikes into neurons, sized to the weights the chip gives them
(the discretization pass's ``round_magnitudes`` and ``resized``,
``fit_host_units``)."""

import nengo
import numpy as np
import pytest

import nengo_truenorth
from nengo_truenorth.passes.discretize import round_magnitudes

STEPS = 1000


def test_magnitudes_keep_every_weight_and_give_both_signs_one_level():
    x = np.array([0.01, 0.99, 1.2, 1.6, 2.0, 6.6, 9.0])
    levels = round_magnitudes(x, 7)
    np.testing.assert_array_equal(levels, [1, 1, 1, 2, 2, 7, 7])
    np.testing.assert_array_equal(round_magnitudes(-x, 7), -levels)
    assert round_magnitudes(np.zeros(1), 7)[0] == 0


def host_and_silent_inputs(currents, silent_weight=0.5, input_range=True):
    """Constant currents from the host into neurons that also take a large weight
    from neurons that never fire: that weight sets each neuron's scale, so the
    host's small spikes fall between its levels (``input_range``: the host's
    spikes sized to 1.3 levels; else the default range)."""
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
        silent_conn = nengo.Connection(
            silent.neurons, ens.neurons, transform=weights,
            synapse=nengo_truenorth.delay_synapse(2),
        )  # fmt: skip
        probe = nengo.Probe(ens.neurons)
    nengo_truenorth.add_params(net)
    # the silent weight, a spike of 1 / dt times 0.5, adds half a threshold: on
    # level 7, a level is 0.5 / 7 of a threshold; the host's spikes (a quarter of
    # the range each, current times dt) are 1.3 levels
    level = 0.5 / 7 / 0.001
    if input_range:
        net.config[ens].neuron_input_range = 4 * 1.3 * level
    return net, ens, probe, silent_conn


def test_host_currents_reach_neurons_exactly_beside_a_larger_weight():
    currents = np.linspace(20.0, 70.0, 6)  # thresholds per second (dt = 1 ms)
    net, ens, probe, _ = host_and_silent_inputs(currents)
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


def test_the_default_range_follows_the_scale_of_the_neurons_other_inputs():
    # the default range (2 thresholds a tick: spikes of half a threshold) would set
    # the scale and put the other weights (0.2 and 0.1 of a threshold) between
    # levels; it follows their scale instead: spikes of 0.2 thresholds, level 7
    currents = np.linspace(20.0, 70.0, 6)
    net, ens, probe, silent_conn = host_and_silent_inputs(
        currents, silent_weight=0.2, input_range=False
    )
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run_steps(STEPS)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(STEPS)
        (host,) = sim.model.chip.host_inputs
        errors = sim.model.chip.weight_errors
    assert host.edge.follows_scale
    np.testing.assert_allclose(host.unit * 0.001, 0.2)  # thresholds a spike
    # on the host's scale (0.5 / 7 a level) they would lose 2 % of their energy
    error, energy = errors[silent_conn]
    assert error < 0.01 * energy
    counts_chip = (sim.data[probe] > 0).sum(axis=0)
    counts_ref = (ref.data[probe] > 0).sum(axis=0)
    assert np.all(np.abs(counts_chip - counts_ref) <= 1)


def test_a_default_range_too_small_for_the_input_is_named_after_the_run():
    # other weights of 0.01 thresholds: the host's spikes follow them down to 0.01
    # thresholds, four a tick at most, short of currents of 0.02 to 0.07 a tick
    net, ens, probe, _ = host_and_silent_inputs(
        np.linspace(20.0, 70.0, 6), silent_weight=0.01, input_range=False
    )
    with pytest.warns(UserWarning, match="host's input into .*measure_activity"):
        with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
            sim.run_steps(200)
    assert sim.saturation()[ens]["host"]["worst"] == 1.0
