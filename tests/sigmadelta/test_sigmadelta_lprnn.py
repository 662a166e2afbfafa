"""The lpRNN: NumPy reference, time constants, conversion rules, and the Nengo network.

The Nengo network runs the lpRNN in continuous time (``τ·dh/dt = clip(z) - h``) with
each ANN input held for ``n`` SNN steps. Without recurrence that is exactly the ANN;
with recurrence the ANN holds ``h_{t-1}`` for a whole step and the network does not,
a gap of order ``(1 - r)²·|U|``. The spiking network adds less than one
reconstruction quantum (``mapping.trace_kick``, about ``a_max/τ_SNN``) per unit.
"""

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

from nengo_sigmadelta import (
    FractionalBits,
    LowPassRNN,
    SigmaDelta,
    convert_lprnn,
    lprnn_forward,
    lprnn_mapping,
    present_sequence,
    retention_to_tau,
    sample_ann_steps,
    snn_time_constant,
    tau_to_retention,
)

R, A_MAX = 0.8, 6.0


def random_lprnn(seed=0, n_in=4, n_hidden=16, n_steps=40):
    rng = np.random.RandomState(seed)
    W = rng.uniform(-1.5, 1.5, (n_in, n_hidden))
    U = rng.randn(n_hidden, n_hidden) * 0.3 / np.sqrt(n_hidden)
    b = rng.uniform(-0.5, 1, n_hidden)
    x = rng.uniform(0, 2, (n_steps, n_in))
    return W, U, b, x


def run_network(W, U, b, x, n, spiking, retention=R, quantizer=None):
    with nengo.Network(seed=1) as net:
        rnn = convert_lprnn(
            [W, U, b],
            retention,
            a_max=A_MAX,
            snn_steps_per_ann_step=n,
            spiking=spiking,
            quantizer=quantizer,
        )
        stim = nengo.Node(present_sequence(x, n))
        nengo.Connection(stim, rnn.input, synapse=None)
        probe = nengo.Probe(rnn.output)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(len(x) * n + 1)  # + 1: filtered signals lag one step
    return sample_ann_steps(sim.data[probe], n), rnn


def test_lprnn_forward_follows_the_recursion():
    W, U, b, x = random_lprnn(n_steps=6)
    h, expected = np.zeros(U.shape[0]), []
    for t in range(len(x)):
        h = R * h + (1 - R) * np.clip(x[t] @ W + h @ U + b, 0, A_MAX)
        expected.append(h)
    assert np.allclose(lprnn_forward(x, W, U, b, R, A_MAX), expected)


def test_lprnn_forward_runs_batches_and_per_unit_retention():
    W, U, b, x = random_lprnn(n_steps=5)
    r = np.linspace(0.1, 0.9, U.shape[0])
    batch = np.stack([x, 2 * x])
    out = lprnn_forward(batch, W, U, b, r, A_MAX)
    assert out.shape == (2, 5, U.shape[0])
    assert np.allclose(out[1], lprnn_forward(2 * x, W, U, b, r, A_MAX))


def test_lprnn_forward_clips_at_zero_and_a_max():
    h = lprnn_forward(
        np.array([[1.0], [1.0]]),
        [[100.0, -100.0]],
        np.zeros((2, 2)),
        [0.0, 0.0],
        r=0.0,
        a_max=A_MAX,
    )
    assert np.array_equal(h, [[A_MAX, 0.0], [A_MAX, 0.0]])


def test_lprnn_forward_refuses_bad_shapes_and_retention():
    W, U, b, x = random_lprnn()
    with pytest.raises(ValidationError):
        lprnn_forward(x[:, :2], W, U, b, R, A_MAX)
    with pytest.raises(ValidationError):
        lprnn_forward(x, W, U, b, 1.0, A_MAX)


def test_time_constants_map_as_tau_snn_equals_tau_over_t_snn():
    tau = retention_to_tau(R, t_ann=0.01)
    assert np.isclose(tau, -0.01 / np.log(R))
    assert np.isclose(tau_to_retention(tau, t_ann=0.01), R)
    # 9.5 SNN steps per ANN step: tau / T_SNN = tau / (T_ANN / 9.5)
    assert np.isclose(snn_time_constant(R, 9.5), tau / (0.01 / 9.5))


def test_mapping_scales_gain_weights_and_time_constants():
    W, U, b, _ = random_lprnn()
    m = lprnn_mapping(W, U, b, R, A_MAX, n=10, dt=0.001)
    assert np.isclose(m.gain, 1 / (A_MAX * 0.001))
    assert np.allclose(m.bias, b / (A_MAX * 0.001))
    assert np.allclose(m.input_transform, W.T)
    # after the neurons' gain the recurrent weight on spike outputs is U itself
    assert np.allclose(m.gain * m.recurrent_transform, U.T)
    assert np.allclose(m.tau_snn, -10 / np.log(R))
    assert np.allclose(m.tau, m.tau_snn * 0.001)
    assert np.allclose(m.trace_kick, A_MAX * (1 - R ** (1 / 10)))
    assert m.max_rate == 1000


def test_mapping_refuses_mismatched_shapes():
    W, U, b, _ = random_lprnn()
    with pytest.raises(ValidationError):
        lprnn_mapping(W.T, U, b, R, A_MAX, n=10)
    with pytest.raises(ValidationError):
        lprnn_mapping(W, U, b[:3], R, A_MAX, n=10)


def test_hardware_integers_are_exact_on_the_fractional_grid():
    W, U, b, _ = random_lprnn()
    q = FractionalBits(3)
    m = lprnn_mapping(q(W), q(U), q(b), R, A_MAX, n=10)
    ints = m.hardware_integers(q(W), q(U), q(b), bits=3)
    assert np.array_equal(ints["kernel"], np.round(q(W) * 8))
    assert ints["threshold"] == 48
    with pytest.raises(ValidationError, match="not on the 2\\*\\*-3 grid"):
        m.hardware_integers(W, q(U), q(b), bits=3)


def test_network_uses_sigmadelta_with_the_lprnn_time_constant():
    W, U, b, _ = random_lprnn()
    rnn = LowPassRNN(
        W, U, b, R, A_MAX, snn_steps_per_ann_step=10, add_to_container=False
    )
    neuron = rnn.hidden.neuron_type
    assert isinstance(neuron, SigmaDelta)
    assert np.isclose(neuron.tau_fb, rnn.mapping.tau[0])
    assert neuron.max_rate == 1000


def test_feedforward_rate_network_equals_the_ann():
    """Without recurrence, a held input makes the lowpass exact: h_t = r·h + (1-r)·a.

    Per-unit retentions give each unit its own time constant.
    """
    W, _, b, x = random_lprnn(n_hidden=6, n_steps=30)
    U = np.zeros((6, 6))
    r = np.array([0.5, 0.5, 0.8, 0.8, 0.9, 0.9])
    h = lprnn_forward(x, W, U, b, r, A_MAX)
    h_snn, rnn = run_network(W, U, b, x, 7, spiking=False, retention=r)
    assert len(np.unique(rnn.mapping.tau)) == 3
    assert np.allclose(h_snn, h, atol=1e-9)


def test_recurrent_rate_network_tracks_the_ann():
    """With recurrence the ANN holds h_{t-1} for a whole step and the network does
    not: the gap is O((1 - r)²·|U|), whatever the number of SNN steps."""
    W, U, b, x = random_lprnn()
    h = lprnn_forward(x, W, U, b, R, A_MAX)
    for n in (5, 20):
        h_snn, _ = run_network(W, U, b, x, n, spiking=False)
        assert np.max(np.abs(h_snn - h)) < 0.05


def test_spiking_network_tracks_the_rate_network_within_one_quantum():
    W, U, b, x = random_lprnn()
    h_ann = lprnn_forward(x, W, U, b, R, A_MAX)
    errors = []
    for n in (5, 20):
        h_rate, _ = run_network(W, U, b, x, n, spiking=False)
        h_spike, rnn = run_network(W, U, b, x, n, spiking=True)
        # the quantum: one spike's jump of the reconstruction, a_max·(1 - r**(1/n))
        assert np.max(np.abs(h_spike - h_rate)) < rnn.mapping.trace_kick[0]
        errors.append(np.mean(np.abs(h_spike - h_ann)))
    assert errors[1] < errors[0] / 2
    assert errors[1] < 0.02 * np.mean(np.abs(h_ann))


def test_convert_applies_the_quantizer_to_all_weights():
    W, U, b, x = random_lprnn()
    q = FractionalBits(3)
    h_q = lprnn_forward(x, q(W), q(U), q(b), R, A_MAX)
    h_snn, rnn = run_network(W, U, b, x, 20, spiking=False, quantizer=q)
    assert np.allclose(rnn.mapping.input_transform, q(W).T)
    assert np.max(np.abs(h_snn - h_q)) < 0.05
