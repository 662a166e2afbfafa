"""Quantized activities and the chip's loop latency in the training graph.

Skipped without the dl extra.
"""

import nengo
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
nengo_dl = pytest.importorskip("nengo_dl")

from nengo.exceptions import ValidationError  # noqa: E402

from nengo_truenorth.training import (  # noqa: E402
    CHIP_LOOP_EXTRA_STEPS,
    LoopLatency,
    QuantizedActivity,
    restore_chip_synapses,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:No GPU support detected", "ignore:This version of NengoDL"
)


def activity_network(neuron_type, n=6):
    with nengo.Network(seed=0) as net:
        inp = nengo.Node(np.zeros(n))
        ens = nengo.Ensemble(
            n, 1, neuron_type=neuron_type, gain=np.ones(n), bias=np.zeros(n)
        )
        conn = nengo.Connection(inp, ens.neurons, synapse=None)
        probe = nengo.Probe(ens.neurons)
    return net, inp, conn, probe


def test_quantized_activity_rounds_the_base_rate_to_n_levels():
    neuron = QuantizedActivity(nengo.RectifiedLinear(), n_levels=5, max_rate=100.0)
    J = np.array([-3.0, 12.4, 12.6, 49.0, 88.0, 250.0])
    out = np.zeros_like(J)
    neuron.step(0.001, J, out)
    assert np.array_equal(out, [0, 0, 25, 50, 100, 100])
    assert np.array_equal(neuron.rates(J, 1.0, 0.0)[:, 0], out)


def test_quantized_activity_in_nengo_dl_is_on_the_levels_with_the_base_gradient():
    neuron = QuantizedActivity(nengo.RectifiedLinear(), n_levels=5, max_rate=100.0)
    net, inp, conn, probe = activity_network(neuron)
    x = np.array([[[-3.0, 12.4, 12.6, 49.0, 88.0, 250.0]]])
    with nengo_dl.Simulator(net, progress_bar=False) as sim:
        out = sim.predict(x)[probe]
        # d(sum of outputs)/d(input): RectifiedLinear's slope, straight through
        grads = sim.keras_model  # the built model: take the gradient through it
        xt = tf.constant(x, dtype=tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = grads([xt, tf.constant([[1]])], training=True)
            total = tf.reduce_sum(y[0] if isinstance(y, list) else y)
        slope = tape.gradient(total, xt).numpy()
    assert np.array_equal(out[0, 0], [0, 0, 25, 50, 100, 100])
    assert np.array_equal(slope[0, 0], (x[0, 0] > 0).astype(np.float32))


def test_quantized_activity_trains_in_nengo_dl():
    neuron = QuantizedActivity(nengo.RectifiedLinear(), n_levels=11, max_rate=1.0)
    net, inp, conn, probe = activity_network(neuron, n=1)
    with nengo_dl.Simulator(net, minibatch_size=4, progress_bar=False) as sim:
        sim.compile(optimizer=tf.optimizers.SGD(0.5), loss={probe: "mse"})
        sim.fit(
            np.full((4, 1, 1), 1.0),
            {probe: np.full((4, 1, 1), 0.6)},
            epochs=30,
            verbose=0,
        )
        out = sim.predict(np.full((4, 1, 1), 1.0))[probe]
    np.testing.assert_allclose(out, 0.6, atol=1e-6)  # a level, reached through STE


def test_spiking_base_types_are_refused():
    with pytest.raises(ValidationError, match="rate type"):
        QuantizedActivity(nengo.LIF(), n_levels=4, max_rate=100)


def impulse_response(synapse, steps=12):
    x = np.zeros(steps)
    x[0] = 1.0
    return synapse.filt(x, dt=0.001, y0=0)


@pytest.mark.parametrize("extra", [0, 1, 2, 5])
def test_loop_latency_is_the_filter_shifted_by_whole_steps(extra):
    lowpass = nengo.Lowpass(0.005)
    delayed = impulse_response(LoopLatency(lowpass, extra_steps=extra))
    plain = impulse_response(lowpass)
    np.testing.assert_allclose(delayed[extra:], plain[: len(plain) - extra], atol=1e-12)
    assert np.all(delayed[:extra] == 0)


def test_a_pure_delay_and_the_chips_default():
    assert CHIP_LOOP_EXTRA_STEPS == 2
    np.testing.assert_allclose(impulse_response(LoopLatency(None))[:4], [0, 0, 1, 0])
    np.testing.assert_allclose(
        impulse_response(LoopLatency(None, extra_steps=0))[:2], [1, 0]
    )


def test_nengo_dl_runs_the_loop_latency_as_nengo_does():
    with nengo.Network(seed=0) as net:
        inp = nengo.Node(nengo.processes.PresentInput([[1.0]] + [[0.0]] * 11, 0.001))
        plain, delayed = nengo.Node(size_in=1), nengo.Node(size_in=1)
        nengo.Connection(inp, plain, synapse=nengo.Lowpass(0.004))
        nengo.Connection(inp, delayed, synapse=LoopLatency(nengo.Lowpass(0.004)))
        probes = nengo.Probe(plain), nengo.Probe(delayed)
    with nengo.Simulator(net, progress_bar=False) as nsim:
        nsim.run_steps(12)
    with nengo_dl.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(12)
    p, d = (nsim.data[probe][:, 0] for probe in probes)
    assert p.max() > 0
    np.testing.assert_allclose(d[2:], p[:-2], atol=1e-12)
    for probe in probes:
        np.testing.assert_allclose(sim.data[probe], nsim.data[probe], atol=1e-6)


def test_restoring_puts_the_filter_back_for_the_chip():
    lowpass = nengo.Lowpass(0.05)
    with nengo.Network() as net:
        ens = nengo.Ensemble(5, 1)
        rec = nengo.Connection(ens.neurons, ens.neurons, synapse=LoopLatency(lowpass))
        other = nengo.Connection(ens, ens, synapse=0.01)
    assert restore_chip_synapses(net) == [rec]
    assert rec.synapse is lowpass and other.synapse == nengo.Lowpass(0.01)
