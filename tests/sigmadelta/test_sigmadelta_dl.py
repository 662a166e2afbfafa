"""TensorFlow parts: the NengoDL neuron builders and the Keras lpRNN / quantizers.

Skipped without the ``dl`` extra.
"""

import warnings

import nengo
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
nengo_dl = pytest.importorskip("nengo_dl")

from nengo_sigmadelta import (  # noqa: E402
    FractionalBits,
    SigmaDelta,
    SigmaDeltaRate,
    UniformLevels,
    convert_lprnn,
    lprnn_forward,
    present_sequence,
    sample_ann_steps,
)
from nengo_sigmadelta.dl import SigmaDeltaBuilder, SigmaDeltaRateBuilder  # noqa: E402
from nengo_sigmadelta.keras_layers import (  # noqa: E402
    LowPassRNNLayer,
    QuantizedDense,
    quantize,
    quantize_ste,
    snap_to_grid,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:No GPU support detected", "ignore:This version of NengoDL"
)


def encoding_network(neuron_type, dtype=None):
    with nengo.Network(seed=0) as net:
        if dtype is not None:
            nengo_dl.configure_settings(dtype=dtype)
        stim = nengo.Node(lambda t: 1.5 * np.sin(2 * np.pi * 3 * t))
        ens = nengo.Ensemble(30, 1, neuron_type=neuron_type)
        nengo.Connection(stim, ens)
        probes = {"spikes": nengo.Probe(ens.neurons)}
        for state in neuron_type.state:
            probes[state] = nengo.Probe(ens.neurons, state)
    return net, probes


def test_builders_are_registered_by_import():
    impl = nengo_dl.neuron_builders.SimNeuronsBuilder.TF_NEURON_IMPL
    assert impl[SigmaDelta] is SigmaDeltaBuilder
    assert impl[SigmaDeltaRate] is SigmaDeltaRateBuilder


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_nengo_dl_matches_nengo_spike_for_spike(reset):
    neuron = SigmaDelta(tau_fb=0.02, reset=reset)
    net, probes = encoding_network(neuron, dtype="float64")
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.5)
    with warnings.catch_warnings():
        # no fallback to the slow Python implementation
        warnings.filterwarnings("error", message=".*native TensorFlow")
        with nengo_dl.Simulator(net, progress_bar=False) as sim:
            sim.run(0.5)
    assert np.array_equal(sim.data[probes["spikes"]], ref.data[probes["spikes"]])
    assert np.allclose(sim.data[probes["voltage"]], ref.data[probes["voltage"]])
    assert np.allclose(sim.data[probes["feedback"]], ref.data[probes["feedback"]])


def test_nengo_dl_runs_merged_populations_with_different_parameters():
    types = [
        SigmaDelta(tau_fb=0.02),
        SigmaDelta(tau_fb=0.05, reset="zero"),
        SigmaDelta(tau_fb=0.01, threshold=0.3, amplitude=2.0),
        SigmaDelta(tau_fb=0.03, reset="zero", threshold=0.2, max_rate=400),
    ]
    with nengo.Network(seed=0) as net:
        nengo_dl.configure_settings(dtype="float64")
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * 3 * t))
        probes = []
        for i, neuron_type in enumerate(types):
            ens = nengo.Ensemble(
                10 + i, 1, neuron_type=neuron_type, max_rates=nengo.dists.Choice([300])
            )
            nengo.Connection(stim, ens)
            probes.append(nengo.Probe(ens.neurons))
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.3)
    with nengo_dl.Simulator(net, progress_bar=False) as sim:
        sim.run(0.3)
    for probe in probes:
        assert np.array_equal(sim.data[probe], ref.data[probe])


def test_nengo_dl_float32_spike_counts_match_within_one():
    net, probes = encoding_network(SigmaDelta(tau_fb=0.02))
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.5)
    with nengo_dl.Simulator(net, progress_bar=False) as sim:
        sim.run(0.5)
    counts = [s.data[probes["spikes"]].sum(axis=0) * 0.001 for s in (sim, ref)]
    assert np.all(np.abs(counts[0] - counts[1]) <= 1)


def test_rate_type_matches_its_rates():
    net, probes = encoding_network(SigmaDeltaRate(), dtype="float64")
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.1)
    with nengo_dl.Simulator(net, progress_bar=False) as sim:
        sim.run(0.1)
    assert np.allclose(sim.data[probes["spikes"]], ref.data[probes["spikes"]])


def straight_through_network(n_neurons=20):
    with nengo.Network(seed=0) as net:
        nengo_dl.configure_settings(trainable=False)
        inp = nengo.Node(np.zeros(1))
        ens = nengo.Ensemble(n_neurons, 1, neuron_type=SigmaDelta(tau_fb=0.01))
        conn_in = nengo.Connection(
            inp, ens.neurons, transform=np.ones((n_neurons, 1)), synapse=None
        )
        net.config[conn_in].trainable = True  # only weights before the neurons
        out = nengo.Node(size_in=1)
        nengo.Connection(
            ens.neurons,
            out,
            transform=np.full((1, n_neurons), 0.002),
            synapse=nengo.Lowpass(0.01),
        )
        probe = nengo.Probe(out)
    return net, inp, conn_in, probe


def test_training_gradient_reaches_weights_before_the_spiking_neurons():
    net, inp, conn_in, probe = straight_through_network()
    n_steps, batch = 50, 4
    x = np.linspace(-1, 1, batch)[:, None, None] * np.ones((1, n_steps, 1))
    y = x**2
    with nengo_dl.Simulator(net, minibatch_size=batch, progress_bar=False) as sim:
        model = sim.keras_model
        inputs = {
            "node": tf.constant(x, dtype=tf.float32),
            "n_steps": tf.fill((batch, 1), n_steps),
        }
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(inputs, training=True)[0] - y) ** 2)
        (grad,) = tape.gradient(loss, model.trainable_weights)
        assert np.all(np.isfinite(grad.numpy()))
        assert np.count_nonzero(grad.numpy()) > 0

        sim.compile(optimizer=tf.optimizers.SGD(0.5), loss={probe: tf.losses.mse})
        before = sim.evaluate({inp: x}, {probe: y}, verbose=0)["loss"]
        sim.fit({inp: x}, {probe: y}, epochs=5, verbose=0)
        after = sim.evaluate({inp: x}, {probe: y}, verbose=0)["loss"]
        assert np.all(np.isfinite(sim.data[conn_in].weights))
    assert after < before


def test_inference_only_runs_without_the_rate_path():
    net, inp, _, probe = straight_through_network()
    with net:
        nengo_dl.configure_settings(inference_only=True)
    with nengo_dl.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(20, data={inp: np.ones((1, 20, 1))})
    assert np.all(np.isfinite(sim.data[probe]))


# --- Keras: straight-through quantization and the lpRNN layer -------------------


@pytest.mark.parametrize("quantizer", [FractionalBits(3), UniformLevels(16)])
def test_quantize_matches_numpy_and_the_gradient_passes_straight_through(quantizer):
    w = tf.constant(np.random.RandomState(0).randn(5, 4), dtype=tf.float32)
    assert np.allclose(quantize(w, quantizer).numpy(), quantizer(w.numpy()), atol=1e-6)
    upstream = tf.constant(np.random.RandomState(1).randn(5, 4), dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(w)
        out = tf.reduce_sum(quantize_ste(w, quantizer) * upstream)
    assert np.array_equal(tape.gradient(out, w).numpy(), upstream.numpy())


def test_keras_lowpass_rnn_equals_the_numpy_reference():
    rng = np.random.RandomState(0)
    x = rng.uniform(0, 2, (3, 20, 4)).astype("float32")
    q = FractionalBits(3)
    layer = LowPassRNNLayer(
        8,
        retention=0.8,
        a_max=6.0,
        kernel_quantizer=q,
        recurrent_quantizer=q,
        bias_quantizer=q,
        bias_initializer=tf.keras.initializers.RandomUniform(-0.5, 1.0, seed=0),
    )
    h = layer(x).numpy()
    W, U, b = layer.quantized_weights()
    assert all(q.on_grid(w) for w in (W, U, b))
    assert np.allclose(h, lprnn_forward(x, W, U, b, 0.8, 6.0), atol=1e-5)


def test_keras_lowpass_rnn_config_round_trips():
    layer = LowPassRNNLayer(
        6, retention=0.7, a_max=4.0, kernel_quantizer=UniformLevels(16)
    )
    clone = LowPassRNNLayer.from_config(layer.get_config())
    assert clone.units == 6 and clone.cell.a_max == 4.0
    assert clone.cell.kernel_quantizer == UniformLevels(16)


def test_keras_model_with_lowpass_rnn_layer_saves_and_loads_by_class_name():
    # a saved model names its layers by class: custom_objects map the names back
    q = FractionalBits(3)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((5, 3)),
            LowPassRNNLayer(4, retention=0.7, kernel_quantizer=q, name="lprnn"),
            QuantizedDense(2, kernel_quantizer=q),
        ]
    )
    saved = model.to_json()
    assert '"class_name": "LowPassRNNLayer"' in saved
    clone = tf.keras.models.model_from_json(
        saved,
        custom_objects={
            "LowPassRNNLayer": LowPassRNNLayer,
            "QuantizedDense": QuantizedDense,
        },
    )
    clone.set_weights(model.get_weights())
    assert clone.get_layer("lprnn").cell.kernel_quantizer == q
    x = np.random.RandomState(0).uniform(size=(2, 5, 3)).astype("float32")
    assert np.allclose(clone(x).numpy(), model(x).numpy())


def test_straight_through_training_keeps_every_weight_on_the_grid():
    rng = np.random.RandomState(0)
    x = rng.uniform(0, 1, (32, 10, 3)).astype("float32")
    y = rng.uniform(0, 1, (32, 10, 2)).astype("float32")
    q = FractionalBits(3)
    rnn = LowPassRNNLayer(
        8, kernel_quantizer=q, recurrent_quantizer=q, bias_quantizer=q
    )
    dense = QuantizedDense(2, kernel_quantizer=UniformLevels(16))
    model = tf.keras.Sequential([tf.keras.Input((10, 3)), rnn, dense])
    model.compile(tf.optimizers.Adam(0.05), "mse")
    before = rnn.quantized_weights()
    loss0 = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0) < loss0
    after = rnn.quantized_weights()
    assert any(np.any(a != b) for a, b in zip(before, after))  # training moved them
    assert all(q.on_grid(w) for w in after)
    assert UniformLevels(16).on_grid(dense.quantized_weights()[0])

    out = model(x).numpy()
    snap_to_grid(rnn)
    snap_to_grid(dense)
    assert all(q.on_grid(w) for w in rnn.get_weights())
    assert np.allclose(model(x).numpy(), out)  # snapping does not change the output


def test_trained_keras_weights_convert_to_a_tracking_nengo_network():
    rng = np.random.RandomState(1)
    x = rng.uniform(0, 2, (1, 25, 3)).astype("float32")
    q = FractionalBits(3)
    layer = LowPassRNNLayer(
        6,
        kernel_quantizer=q,
        recurrent_quantizer=q,
        bias_quantizer=q,
        recurrent_initializer=tf.keras.initializers.Orthogonal(gain=0.3, seed=0),
    )
    h_ann = layer(x).numpy()[0]
    snap_to_grid(layer)
    n = 20
    with nengo.Network(seed=0) as net:
        rnn = convert_lprnn(layer.get_weights(), 0.8, snn_steps_per_ann_step=n)
        stim = nengo.Node(present_sequence(x[0], n))
        nengo.Connection(stim, rnn.input, synapse=None)
        probe = nengo.Probe(rnn.output)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(x.shape[1] * n + 1)
    h_snn = sample_ann_steps(sim.data[probe], n)
    assert np.mean(np.abs(h_snn - h_ann)) < 0.05 * np.mean(np.abs(h_ann)) + 0.01
