"""Integer weights, biases and thresholds go onto the cores as they are."""

import nengo
import numpy as np
import pytest

import nengo_truenorth
from nengo_truenorth import TrueNorthNeuron
from nengo_truenorth.ir import weight_code
from nengo_truenorth.passes.discretize import discretize_group, exact_weight_scales

DT = 0.001


def integer_network(weights, b_threshold=10, b_leak=-1, weight_bits=4, seed=0):
    """Two TrueNorthNeuron ensembles; ``a``'s integer biases drive ``b`` through
    integer weights, with a pure delay of ``delay`` steps in the Nengo reference."""
    rng = np.random.RandomState(seed)
    n_post, n_pre = weights.shape
    with nengo.Network(seed=1) as net:
        nengo_truenorth.add_params(net)
        a = nengo.Ensemble(
            n_pre, 1, neuron_type=TrueNorthNeuron(threshold=20, reset_mode=0),
            gain=nengo.dists.Choice([1.0]),
            bias=rng.randint(1, 8, n_pre).astype(float),
        )
        b = nengo.Ensemble(
            n_post, 1,
            neuron_type=TrueNorthNeuron(threshold=b_threshold, leak=b_leak, reset_mode=0),
            gain=nengo.dists.Choice([1.0]), bias=nengo.dists.Choice([0.0]),
        )
        # a spike of height 1/dt times weight * dt adds `weight` to the potential
        conn = nengo.Connection(a.neurons, b.neurons, transform=weights * DT,
                                synapse=None)
        net.config[conn].weight_bits = weight_bits
        probes = nengo.Probe(a.neurons), nengo.Probe(b.neurons)
    return net, conn, probes


def delayed(net, conn, delay):
    """``net`` with ``conn``'s synapse a pure delay of ``delay`` steps (Nengo's
    reference for the chip's path)."""
    conn.synapse = nengo.LinearFilter([1], [1] + [0] * delay, analog=False)
    return net


@pytest.mark.parametrize("weight_bits", [4, 1])
def test_integer_network_spikes_exactly_as_in_nengo(weight_bits):
    rng = np.random.RandomState(2)
    high = 4 if weight_bits == 4 else 2
    weights = rng.randint(-high + 1, high, size=(30, 40)).astype(float)
    net, conn, (pa, pb) = integer_network(weights, weight_bits=weight_bits)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(400)
        group = sim.model.chip_ensembles[conn.post_obj.ensemble].group
        (edge,) = [e for e in sim.model.graph.edges if e.post is group]
        delay = sim.compiled.edge_delay[edge]
    assert group.code == weight_code(weight_bits)
    assert np.all(group.params["threshold"] == 10)
    assert np.all(group.params["leak"] == -1)
    with nengo.Simulator(delayed(net, conn, delay), progress_bar=False) as ref:
        ref.run_steps(400)
    assert ref.data[pb].any()
    np.testing.assert_array_equal(sim.data[pa] > 0, ref.data[pa] > 0)
    np.testing.assert_array_equal(sim.data[pb] > 0, ref.data[pb] > 0)


def test_weights_keep_their_greatest_common_divisor_as_scale():
    code = weight_code(4)
    weights = [np.array([[6.0, -4.0, 0.0], [3.0, 21.0, -24.0], [0.5, 1.0, 1.0]])]
    scale = exact_weight_scales(weights, np.zeros(3), np.full(3, 10.0), code)
    # 6, -4: gcd 2, levels 3, -2; 3, 21, -24: gcd 3, levels 1, 7, -8; 0.5: not integer
    assert list(scale) == [2, 3, 0]
    levels, weight_scale, leak, alpha, factor = discretize_group(
        [weights[0][:2]], np.zeros(2), np.full(2, 10.0), code
    )
    assert list(weight_scale) == [2, 3] and list(factor) == [1, 1]
    np.testing.assert_array_equal(levels[0], [[3, -2, 0], [1, 7, -8]])
    assert list(alpha) == [10, 10]


def test_a_group_with_one_neuron_off_the_integers_is_scaled_whole():
    code = weight_code(4)
    weights = [np.array([[6.0, -4.0, 0.0], [0.5, 1.0, 1.0]])]
    *_, alpha, factor = discretize_group(weights, np.zeros(2), np.full(2, 10.0), code)
    assert np.all(factor > 1) and np.all(alpha > 10)


@pytest.mark.parametrize(
    "weights, bias, threshold",
    [
        ([[9.0, 1.0]], [0.0], [10.0]),     # 9 is not a 4-bit level of scale 1
        ([[2.0, 1.0]], [0.5], [10.0]),     # fractional bias
        ([[2.0, 1.0]], [0.0], [0.0]),      # the chip's threshold is at least 1
        ([[2.0, 1.0]], [0.0], [2.0**18]),  # above the threshold's range
    ],
)
def test_numbers_the_chip_cannot_hold_as_they_are_are_scaled(weights, bias, threshold):
    scale = exact_weight_scales(
        [np.array(weights)], np.array(bias), np.array(threshold), weight_code(4)
    )
    assert list(scale) == [0]
