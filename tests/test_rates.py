"""measure_activity: peak rates and host input currents measured in nengo.Simulator,
set as options the chip's build uses (filter-neuron gain, the host's spike size)."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError

import nengo_truenorth
from nengo_truenorth import measure_activity


def network(n=8, seed=0):
    """Constant currents from a node into spiking neurons with a Lowpass recurrence."""
    with nengo.Network(seed=seed) as net:
        net.inp = nengo.Node(np.ones(2))
        net.ens = nengo.Ensemble(
            n, 1, neuron_type=nengo.SpikingRectifiedLinear(amplitude=0.01),
            gain=np.full(n, 100.0), bias=np.zeros(n),
        )  # fmt: skip
        weights = np.linspace(0.2, 1.0, n)[:, None] * np.array([[1.0, -0.5]])
        nengo.Connection(net.inp, net.ens.neurons, transform=weights, synapse=None)
        nengo.Connection(
            net.ens.neurons, net.ens.neurons, transform=0.01 * np.eye(n),
            synapse=nengo.Lowpass(0.05),
        )  # fmt: skip
    return net, weights


def run_twice(sim):
    for _ in range(2):
        sim.reset()
        sim.run_steps(500)


def test_measured_rates_and_input_currents_are_what_the_network_does():
    net, weights = network()
    activity = measure_activity(net, run_twice)[net.ens]
    # each neuron's host current is gain * (w0 - 0.5 w0) = 100 * 0.5 w0
    current = 100 * weights.sum(axis=1)
    np.testing.assert_allclose(activity.neuron_input_range, current)
    # its rate is about that (plus a little recurrence); the 99th percentile of the
    # rate low-passed by the Lowpass(0.05) out of it lies above the mean by at most
    # the jump of one spike (1 / 0.05 s = 20 Hz)
    assert np.all(activity.peak_rates >= current)
    assert np.all(activity.peak_rates <= current * 1.1 + 20)
    # and set as the ensemble's options
    np.testing.assert_array_equal(net.config[net.ens].peak_rates, activity.peak_rates)
    np.testing.assert_array_equal(
        net.config[net.ens].neuron_input_range, activity.neuron_input_range
    )


def test_measured_options_change_the_chip_build_and_keep_it_close_to_nengo():
    net, _ = network()
    with net:
        probe = nengo.Probe(net.ens.neurons, synapse=0.05)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run_steps(500)
    with nengo_truenorth.Simulator(net, progress_bar=False) as before:
        before.run_steps(500)
        (host,) = before.model.chip.host_inputs
        unit_before = host.unit.copy()
    measure_activity(net, run_twice)
    with nengo_truenorth.Simulator(net, progress_bar=False) as after:
        after.run_steps(500)
        (host,) = after.model.chip.host_inputs
        labels = [str(g.label) for g in after.model.graph.groups]
    # the host's spikes are sized to the measured currents: a quarter of them each
    # (input_channels = 4), far finer than input_range's 2 thresholds a tick, and
    # then to the level the chip gives their weight (fit_host_units; here their
    # weights are the neurons' largest, so about level 7)
    quarter = 100 * network()[1].sum(axis=1) / 4
    np.testing.assert_allclose(host.unit, quarter, rtol=0.01)
    assert np.all(host.unit < unit_before)
    assert any("gain" in label for label in labels)
    rates_ref = ref.data[probe][-100:].mean(axis=0)
    rates_chip = after.data[probe][-100:].mean(axis=0)
    np.testing.assert_allclose(rates_chip, rates_ref, rtol=0.1)


def test_a_run_that_runs_nothing_or_a_bad_percentile_is_refused():
    net, _ = network()
    with pytest.raises(ValueError, match="ran no steps"):
        measure_activity(net, lambda sim: None)
    with pytest.raises(ValueError, match="percentile"):
        measure_activity(net, run_twice, percentile=0)
    assert not net.probes  # the measurement's probes are gone again


@pytest.mark.parametrize(
    "bad, message",
    [(-1.0, "positive and finite"), ([1.0, 2.0], "one per neuron \\(8\\)")],
)
def test_a_bad_neuron_input_range_is_a_build_error_naming_the_ensemble(bad, message):
    net, _ = network()
    nengo_truenorth.add_params(net)
    net.config[net.ens].neuron_input_range = bad
    with pytest.raises(BuildError, match=message) as info:
        with nengo_truenorth.Simulator(net, progress_bar=False):
            pass
    assert str(net.ens) in str(info.value)
