"""Hybrid training: the RegularSpiking quantizer, its gradient, the schedule, models.

The TensorFlow tests are skipped without the ``dl`` extra; the import guard is tested
in both environments.
"""

import importlib
import sys

import nengo
import numpy as np
import pytest

from nengo_sigmadelta import SigmaDeltaRate, lprnn_forward

try:
    import tensorflow as tf
except ImportError:
    tf = None

needs_tf = pytest.mark.skipif(tf is None, reason="needs the dl extra (TensorFlow)")

if tf is not None:
    from nengo_sigmadelta.hybrid import (
        AmplitudeSchedule,
        HybridLowPassRNNLayer,
        HybridRNNCell,
        HybridSpiking,
        amplitude_schedule,
        hybrid_layers,
        regular_spiking_step,
        set_amplitude,
    )
    from nengo_sigmadelta.keras_layers import LowPassRNNLayer

pytestmark = pytest.mark.filterwarnings(
    "ignore:No GPU support detected", "ignore:This version of NengoDL"
)


@pytest.mark.parametrize("via", ["module", "package attribute"])
def test_hybrid_without_tensorflow_names_the_extra(via, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import fails as if absent
    monkeypatch.delitem(sys.modules, "nengo_sigmadelta.hybrid", raising=False)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[dl\]"'):
        if via == "module":
            importlib.import_module("nengo_sigmadelta.hybrid")
        else:
            import nengo_sigmadelta

            nengo_sigmadelta.HybridSpiking  # noqa: B018 (the lazy export imports)


def test_package_has_no_other_lazy_names():
    import nengo_sigmadelta

    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        nengo_sigmadelta.NoSuchThing  # noqa: B018


def ideal_and_actual_counts(layer, x):
    """Running spike counts of ``layer(x)`` and the ideal ``cumsum(f)·dt/a``."""
    a, dt = float(layer.amplitude.numpy()), layer.dt
    y = layer(x).numpy()
    rate = layer.rate(x).numpy()
    return np.cumsum(rate, axis=1) * dt / a, np.cumsum(y, axis=1) * dt / a


@needs_tf
@pytest.mark.parametrize("amplitude", [0.25, 1.0, 3.0])
@pytest.mark.parametrize("initial_voltage", [0.0, 0.5, "uniform"])
def test_spike_count_over_any_prefix_is_ideal_within_one_spike(
    amplitude, initial_voltage, rng
):
    layer = HybridSpiking(
        "relu", amplitude=amplitude, initial_voltage=initial_voltage, dtype="float64"
    )
    # slowly varying drives, some negative (no spikes), some several spikes per step
    t = np.arange(200)[None, :, None]
    x = rng.uniform(-1, 4, size=(4, 1, 6)) * (1 + 0.5 * np.sin(t / 17.0))
    ideal, actual = ideal_and_actual_counts(layer, x)
    assert np.all(np.abs(actual - ideal) < 1)
    assert np.allclose(actual, np.round(actual))  # whole spikes
    assert actual[:, -1].max() > 100  # the test does count many spikes


@needs_tf
def test_half_initial_voltage_rounds_the_ideal_count():
    layer = HybridSpiking("relu", amplitude=1.0, initial_voltage=0.5, dtype="float64")
    x = np.linspace(0, 2, 9)[None, None, :] * np.ones((1, 30, 1))
    ideal, actual = ideal_and_actual_counts(layer, x)
    assert np.all(np.abs(actual - ideal) <= 0.5)


@needs_tf
def test_at_most_one_spike_per_step_when_amplitude_covers_the_rate(rng):
    clip = lambda x: tf.clip_by_value(x, 0.0, 6.0)  # noqa: E731
    layer = HybridSpiking(clip, amplitude=6.0, initial_voltage="uniform")
    y = layer(rng.uniform(-3, 9, size=(8, 50, 5)).astype("float32")).numpy()
    assert set(np.unique(y)) == {0.0, 6.0}


@needs_tf
def test_zero_amplitude_is_the_rate(rng):
    layer = HybridSpiking("tanh", amplitude=0.0)
    x = rng.normal(size=(2, 7, 3)).astype("float32")
    assert np.allclose(layer(x), np.tanh(x), atol=1e-6)


@needs_tf
def test_regular_spiking_step_is_nengos_algorithm():
    rate, voltage = np.array([0.3, 2.5, -0.4]), np.array([0.8, 0.0, 0.2])
    y, v = regular_spiking_step(tf.constant(rate), tf.constant(voltage), 1.0, 1.0)
    out = np.zeros(3)
    nengo_voltage = voltage.copy()
    nengo.RegularSpiking(nengo.RectifiedLinear()).step(1.0, rate, out, nengo_voltage)
    assert np.array_equal(y.numpy(), out)
    assert np.allclose(v.numpy(), nengo_voltage)


@needs_tf
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # LIF intercepts
@pytest.mark.parametrize(
    "base", [nengo.LIFRate(), nengo.RectifiedLinear(), SigmaDeltaRate(max_rate=300)]
)
def test_nengo_rate_types_spike_like_nengo_regular_spiking(base):
    # the layer at amplitude A with dt = 1 ms is nengo.RegularSpiking(base, A)
    neuron_type = nengo.RegularSpiking(
        base, amplitude=0.5, initial_state={"voltage": nengo.dists.Choice([0.5])}
    )
    drive = np.linspace(0, 3, 12) * (1 if isinstance(base, nengo.LIFRate) else 100)
    with nengo.Network() as net:
        ens = nengo.Ensemble(
            len(drive), 1, neuron_type=neuron_type, gain=np.ones(12), bias=drive
        )
        probe = nengo.Probe(ens.neurons)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(300)

    layer = HybridSpiking(neuron_type, dtype="float64")
    assert float(layer.amplitude.numpy()) == 0.5 and layer.dt == 0.001
    y = layer(np.tile(drive, (1, 300, 1))).numpy()[0]
    assert np.count_nonzero(sim.data[probe]) > 100
    assert np.array_equal(y, sim.data[probe])


@needs_tf
def test_spiking_neuron_types_are_refused():
    with pytest.raises(nengo.exceptions.ValidationError, match="give its rate type"):
        HybridSpiking(nengo.LIF())


@needs_tf
def test_neuron_types_without_a_tf_rate_are_refused():
    with pytest.raises(TypeError, match="TF_RATE_IMPL"):
        HybridSpiking(nengo.AdaptiveLIFRate())


@needs_tf
@pytest.mark.parametrize("activation", ["relu", nengo.LIFRate()])
def test_gradient_is_the_rates_derivative(activation, rng):
    layer = HybridSpiking(activation, amplitude=1.0)
    x = tf.constant(rng.uniform(-1, 4, size=(3, 20, 4)).astype("float32"))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        spikes = layer(x)
        rate = layer.rate(x)
    g_spikes = tape.gradient(spikes, x).numpy()
    g_rate = tape.gradient(rate, x).numpy()
    assert np.count_nonzero(g_spikes) > x.shape.num_elements() // 2
    assert np.allclose(g_spikes, g_rate)
    assert not np.allclose(spikes, rate)  # the forward pass did spike


@needs_tf
def test_cell_gradient_flows_to_the_weights(rng):
    layer = HybridLowPassRNNLayer(6, retention=0.8, a_max=6.0, return_sequences=False)
    x = rng.uniform(0, 1, size=(4, 10, 3)).astype("float32")
    layer(x)
    layer.cell.bias.assign(np.full(6, 2.0, dtype="float32"))  # units active
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == 3
    assert all(np.count_nonzero(g.numpy()) > 0 for g in grads)


@needs_tf
def test_amplitude_schedule_is_geometric_then_held():
    values = [amplitude_schedule(e, 6 / 32, 6.0, 6) for e in range(8)]
    assert np.allclose(np.diff(np.log2(values[:6])), 1.0)  # one bit per epoch
    assert values[5:] == [6.0, 6.0, 6.0]
    assert amplitude_schedule(0, 0.0, 6.0, 4) == 0.0  # exact rate first
    assert 0 < amplitude_schedule(1, 0.0, 6.0, 4) < 6.0
    with pytest.raises(nengo.exceptions.ValidationError, match="start <= end"):
        amplitude_schedule(0, 7.0, 6.0, 4)


def digit_like_data(rng, n=64, steps=6, n_in=4):
    x = rng.uniform(0, 1, size=(n, steps, n_in)).astype("float32")
    y = (x[:, :, 0].mean(axis=1) > 0.5).astype("int32")
    return x, y


def lprnn_classifier(**layer_kwargs):
    tf.keras.utils.set_random_seed(0)
    inp = tf.keras.Input((None, 4))
    h = HybridLowPassRNNLayer(8, return_sequences=False, **layer_kwargs)(inp)
    model = tf.keras.Model(inp, tf.keras.layers.Dense(2)(h))
    model.compile(
        tf.keras.optimizers.Adam(1e-2),
        tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


@needs_tf
def test_schedule_moves_the_model_from_rate_like_to_spiking(rng):
    x, y = digit_like_data(rng)
    model = lprnn_classifier(retention=0.8, a_max=6.0, bias_initializer="ones")
    (spiking,) = hybrid_layers(model)
    seen = []

    class Watch(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            # how far the activation is from its rate, and how many spike sizes it has
            z = tf.random.uniform((16, 40, 8), 0, 6, seed=1)
            out = spiking(z).numpy()
            seen.append((np.abs(out - z.numpy()).mean(), len(np.unique(out))))

    schedule = AmplitudeSchedule(start=6 / 16, end=6.0, ramp_epochs=5)
    history = model.fit(
        x, y, epochs=6, batch_size=32, verbose=0, callbacks=[schedule, Watch()]
    )
    assert np.allclose(history.history["amplitude"], [0.375, 0.75, 1.5, 3, 6, 6])
    assert float(spiking.amplitude.numpy()) == 6.0
    errors, n_values = zip(*seen)
    assert errors[0] < 0.25 and errors[-1] > 1.0  # rate-like, then spiking
    assert np.all(np.diff(errors[:5]) > 0)
    assert n_values[0] > 10 and n_values[-1] == 2  # many levels, then 0 or one spike


@needs_tf
def test_hybrid_lprnn_at_zero_amplitude_is_the_lprnn(rng):
    x = rng.uniform(-1, 1, size=(3, 12, 4)).astype("float32")
    rate = LowPassRNNLayer(8, retention=0.8, a_max=6.0)
    hybrid = HybridLowPassRNNLayer(8, retention=0.8, a_max=6.0, amplitude=0.0)
    rate(x), hybrid(x)
    hybrid.set_weights(rate.get_weights() + [np.float32(0.0)])
    W, U, b = rate.get_weights()
    expected = lprnn_forward(x, W, U, b, 0.8, 6.0)
    assert np.allclose(hybrid(x), expected, atol=1e-5)
    set_amplitude(hybrid, 6.0)
    assert not np.allclose(hybrid(x), expected, atol=1e-2)


@needs_tf
def test_hybrid_lprnn_trains_while_spiking(rng):
    x, y = digit_like_data(rng)
    model = lprnn_classifier(retention=0.8, a_max=6.0, bias_initializer="ones")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    changed = [not np.array_equal(a, b) for a, b in zip(before, model.get_weights())]
    assert sum(changed) == 5  # W, U, b and the readout's two; not the amplitude


@needs_tf
def test_lmu_with_a_spiking_hidden_cell_trains(rng):
    keras_lmu = pytest.importorskip("keras_lmu")
    x, y = digit_like_data(rng)
    tf.keras.utils.set_random_seed(0)
    cell = HybridRNNCell(8, "relu", amplitude=0.5, bias_initializer="ones")
    inp = tf.keras.Input((6, 4))
    h = keras_lmu.LMU(
        memory_d=1, order=4, theta=6, hidden_cell=cell, hidden_to_memory=True
    )(inp)
    model = tf.keras.Model(inp, tf.keras.layers.Dense(2)(h))
    model.compile(
        tf.keras.optimizers.Adam(1e-2),
        tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    assert hybrid_layers(model) == [cell.spiking]
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    out = cell.spiking.step(tf.fill((1, 8), 0.3), tf.fill((1, 8), 0.5))[0].numpy()
    assert set(np.unique(out)) <= {0.0, 0.5}  # the hidden state is spikes


@needs_tf
def test_nengo_dl_runs_regular_spiking_natively_like_the_layer():
    # NengoDL 3.6 has a RegularSpiking builder: no new builder is needed to deploy
    nengo_dl = pytest.importorskip("nengo_dl")
    import nengo_sigmadelta.dl  # noqa: F401 (registers SigmaDeltaRate)

    neuron_type = nengo.RegularSpiking(
        SigmaDeltaRate(max_rate=300),
        initial_state={"voltage": nengo.dists.Choice([0.5])},
    )
    drive = np.array([0.0, 50.0, 120.0, 280.0, 400.0])
    with nengo.Network() as net:
        ens = nengo.Ensemble(5, 1, neuron_type=neuron_type, gain=np.ones(5), bias=drive)
        probe = nengo.Probe(ens.neurons)
    with pytest.warns() as record:
        with nengo_dl.Simulator(net, progress_bar=False) as sim:
            sim.run_steps(100)
    assert not any("falling back" in str(w.message) for w in record)

    layer = HybridSpiking(neuron_type)
    expected = layer(np.tile(drive, (1, 100, 1)).astype("float32")).numpy()[0]
    assert np.array_equal(sim.data[probe] > 0, expected > 0)
    assert np.allclose(sim.data[probe].sum(0) * 0.001, [0, 5, 12, 28, 30], atol=1e-4)


@needs_tf
def test_hybrid_lprnn_config_round_trip_keeps_the_amplitude(rng):
    layer = HybridLowPassRNNLayer(4, amplitude=3.0, retention=0.7, a_max=6.0)
    x = rng.uniform(0, 1, size=(2, 5, 3)).astype("float32")
    y = layer(x)
    restored = HybridLowPassRNNLayer.from_config(layer.get_config())
    restored(x)
    restored.set_weights(layer.get_weights())
    assert float(restored.spiking.amplitude.numpy()) == 3.0
    assert np.array_equal(restored(x), y)


@needs_tf
def test_hybrid_lprnn_learns_while_spiking_loss_falls_accuracy_rises(rng):
    # what docs/sigmadelta/hybrid.md promises: training while spiking works, not
    # only that the loss is finite (the class is whether input 0 is high on average)
    x, y = digit_like_data(rng, n=256)
    model = lprnn_classifier(retention=0.8, a_max=6.0, bias_initializer="ones")

    def accuracy():
        return np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y)

    before = accuracy()
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.7 * losses[0]
    after = accuracy()
    assert after >= max(before + 0.2, 0.75), (before, after, losses)
