"""Filter neurons with gain: where a source's peak rate is known they fire 1/peak
times more often, each spike worth that much less; the same mean, less noise."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError

import nengo_truenorth
from nengo_truenorth.passes.filters import (
    MAX_TAU_ERROR,
    design_filter,
    filter_gain,
)

DT = 0.001
# the sources' rates are their biases (zero gains): Nengo's intercepts divide by 0
pytestmark = pytest.mark.filterwarnings(
    "ignore:divide by zero:RuntimeWarning", "ignore:invalid value:RuntimeWarning"
)


@pytest.mark.parametrize("tau", [0.005, 0.02, 0.05, 0.1, 0.5])
def test_a_design_with_gain_keeps_tau_within_the_limit(tau):
    plain = design_filter(tau, DT)
    with_gain = design_filter(tau, DT, gain=12)
    assert abs(with_gain.tau_error) <= MAX_TAU_ERROR
    assert with_gain.max_gain >= plain.max_gain
    assert design_filter(tau, DT, gain=1) == plain  # no gain: the design as before


def test_a_design_makes_room_for_the_gain_where_tau_allows():
    design = design_filter(0.05, DT, gain=12)
    assert design.max_gain >= 12
    assert design.weight * 12 <= 255


def test_one_gain_per_group_from_the_median_peak_within_the_designs_room():
    design = design_filter(0.05, DT, gain=12)
    gain = filter_gain(design, np.array([0.5, 0.1, 0.3, 0.05, 0.2]))
    assert isinstance(gain, int)
    assert gain == 5  # 1 / median(peak) = 1 / 0.2
    limit = int(design.max_gain)
    assert filter_gain(design, np.array([0.001, 0.002])) == limit
    assert filter_gain(design, np.array([2.0, 3.0])) == 1
    assert filter_gain(design, None) == 1  # rates unknown: no gain


def constant_rate_network(rates_hz, weight, tau=0.05, seed=0):
    """Sources firing at constant rates -> one post neuron through a Lowpass."""
    n = len(rates_hz)
    with nengo.Network(seed=seed) as net:
        nengo_truenorth.add_params(net)
        src = nengo.Ensemble(
            n, 1, neuron_type=nengo.SpikingRectifiedLinear(),
            gain=np.zeros(n), bias=np.asarray(rates_hz, dtype=float),
        )  # fmt: skip
        post = nengo.Ensemble(
            1, 1, neuron_type=nengo.SpikingRectifiedLinear(),
            gain=np.ones(1), bias=np.zeros(1),
        )  # fmt: skip
        nengo.Connection(
            src.neurons, post.neurons, transform=np.full((1, n), weight),
            synapse=nengo.Lowpass(tau),
        )  # fmt: skip
        probe = nengo.Probe(post.neurons)
    return net, src, probe


def window_counts(net, probe, ticks=4500, window=10):
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(ticks)
        spikes = sim.data[probe][:, 0] > 0
        groups = sim.model.graph.groups
    counts = spikes[500:].reshape(-1, window).sum(axis=1)  # after the filters settle
    return counts, groups


def test_filter_gain_keeps_the_mean_and_cuts_the_noise():
    # Hz: 0.05..0.06 spikes per tick, so that the one gain (the design's most, 12)
    # keeps every filter neuron below one spike per tick
    rates = np.linspace(50, 60, 4)
    # each filter spike is worth 2 of the post's spikes: its noise shows
    net, src, probe = constant_rate_network(rates, weight=2.0)
    plain, plain_groups = window_counts(net, probe)
    net.config[src].peak_rates = rates
    gained, groups = window_counts(net, probe)
    assert any("gain" in str(g.label) for g in groups)
    assert not any("gain" in str(g.label) for g in plain_groups)
    # what the post should fire: the weighted sum of the rates, per 10 ms window
    expected = 2.0 * rates.sum() * 0.01
    assert plain.mean() == pytest.approx(expected, rel=0.1)
    assert gained.mean() == pytest.approx(expected, rel=0.1)
    # Bernoulli noise shrinks with the gain
    assert gained.std() < 0.3 * plain.std()


def test_peak_rates_must_be_positive_and_one_per_neuron():
    net, src, _ = constant_rate_network([50.0, 60.0], weight=0.01)
    for bad, message in [
        ([50.0, -1.0], "positive and finite"),
        ([50.0, 60.0, 70.0], "one per neuron \\(2\\)"),
        ("fast", "one rate \\(Hz\\)"),
        (np.inf, "positive and finite"),
    ]:
        net.config[src].peak_rates = bad
        with pytest.raises(BuildError, match=message) as info:
            with nengo_truenorth.Simulator(net, progress_bar=False):
                pass
        assert str(src) in str(info.value)
