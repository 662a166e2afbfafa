"""Training a chip convnet (Esser et al. 2016) in TensorFlow.

Needs the ``dl`` extra (TensorFlow 2.12). The network trained here is the one
:func:`~nengo_truenorth.convnet.spec.integer_forward` computes, so the trained
network's accuracy in NumPy is its accuracy on the chip:

- :class:`TrinaryConv2D` -- a grouped convolution whose weights are trinary
  (-1, 0, 1) in the forward pass and full-precision "shadow" weights in ``[-1, 1]``
  in the optimizer: a small update moves the shadow weight, and the trinary weight
  changes only when the shadow crosses +-0.5. The weights go through the project's
  shared quantizer (:class:`nengo_sigmadelta.quantization.IntegerLevels` with the
  straight-through :func:`nengo_sigmadelta.keras_layers.quantize_ste`). Its integer
  bias (the neuron's leak) is rounded the same way and clipped to the chip's leak
  range.
- :func:`spike` -- the binary neuron: ``a >= 1`` forward, a fast-sigmoid
  surrogate gradient around the threshold backward.
- :class:`ClassVotes` -- the last layer's spikes counted per class (filter ``f``
  votes for class ``f % n_classes``), times a learned temperature, as logits.
- :func:`train` -- Adam on the cross-entropy of the votes, with shifted images;
  returns a :class:`~nengo_truenorth.convnet.spec.TrainedConvnet`.
- :func:`train_float` -- the same architecture with float weights and ReLU, as the
  baseline.
- :func:`trinary_votes` / :func:`trinary_accuracy` -- a trained network evaluated in
  TensorFlow (the same numbers as ``integer_forward``; the tests check it).
"""

from nengo_sigmadelta._optional import require

tf = require("tensorflow", "nengo_truenorth.convnet.train")

import time

import numpy as np

from nengo_sigmadelta.keras_layers import quantize_ste
from nengo_sigmadelta.quantization import IntegerLevels

from ..hardware.limits import LEAK_MAX, LEAK_MIN
from .spec import TrainedConvnet, encode_images, predict

#: The trinary weight levels, -1, 0, 1 (no scale: the chip's weights are the
#: integers themselves, and the threshold 1 is fixed).
TRINARY = IntegerLevels(-1, 1, scale=1.0)

#: The neuron bias: whole numbers within the chip's leak range.
LEAK_LEVELS = IntegerLevels(LEAK_MIN, LEAK_MAX, scale=1.0)

#: Pixels an image is shifted by at most (each axis) when training images are
#: augmented.
MAX_SHIFT = 2


# --- the binary neuron --------------------------------------------------------------


def spike(a, width):
    """Binary neurons: forward ``a >= 1`` as 0/1, backward a fast-sigmoid surrogate.

    The input ``a`` (``conv + bias``) is whole numbers in the forward pass, so the
    threshold lies halfway between 0 (silent) and 1 (spike). The surrogate
    derivative is that of a fast sigmoid centred there (Zenke and Ganguli's
    SuperSpike), ``1 / (width * (1 + |a - 0.5| / width)**2)``: highest at the
    threshold, the same area for every width (a neuron of larger fan-in, whose sums
    spread further, gets a wider one carrying the same total gradient), never zero, so a neuron far from threshold (a layer fallen
    silent) still gets a gradient that can bring it back. (A triangle of the same
    width, zero beyond it, trained as well where it trained, but at a larger
    learning rate let a whole network fall silent for good.)

    Parameters
    ----------
    a : tf.Tensor
        Summed input and bias.
    width : float
        Scale of the surrogate, in units of the input sum (:func:`surrogate_width`).

    Returns
    -------
    tf.Tensor
        0.0 or 1.0, the dtype of ``a``.
    """

    @tf.custom_gradient
    def _spike(a):
        def grad(dy):
            return dy / (width * (1.0 + tf.abs(a - 0.5) / width) ** 2)

        return tf.cast(a >= 1, a.dtype), grad

    return _spike(a)


class BinarySpike(tf.keras.layers.Layer):
    """:func:`spike` as a Keras layer (binary neurons of a given surrogate width).

    Parameters
    ----------
    width : float
        Scale of the surrogate gradient (:func:`surrogate_width`).
    """

    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.width = width

    def call(self, a):
        return spike(a, self.width)


def surrogate_width(fan_in):
    """Scale of :func:`spike`'s surrogate for neurons of ``fan_in`` inputs.

    A neuron's input sum is a sum of ``fan_in`` terms of -1, 0 or 1, so its spread
    grows as ``sqrt(fan_in)``; the surrogate's width is half of that (at least 1,
    the step between two sums). On the MNIST convnet (with a triangle surrogate) a
    quarter of it stalled the training (too few neurons near threshold get a
    gradient) and the whole of it learned more slowly (the gradient no longer tells
    near from far).

    Parameters
    ----------
    fan_in : int

    Returns
    -------
    float
    """
    return max(1.0, 0.5 * float(np.sqrt(fan_in)))


# --- layers ---------------------------------------------------------------------------


def grouped_conv(x, kernel, layer):
    """A grouped convolution, as :func:`~nengo_truenorth.convnet.spec.conv_integer`.

    TensorFlow's own: a kernel of ``c / groups`` input channels on ``c`` channels is
    a grouped convolution, group ``g`` of the filters (``filters / groups``
    contiguous ones) seeing group ``g`` of the input channels, the layout of
    ``spec``. (It is faster on the CPU than one convolution of a block-diagonal
    kernel.)

    Parameters
    ----------
    x : (n, h, w, c) tf.Tensor
    kernel : (k, k, c / groups, filters) tf.Tensor
    layer : ConvLayer

    Returns
    -------
    (n, h_out, w_out, filters) tf.Tensor
    """
    return tf.nn.conv2d(x, kernel, layer.strides, layer.padding.upper())


class TrinaryConv2D(tf.keras.layers.Layer):
    """A grouped convolution with trinary weights and integer biases.

    The trainable kernel holds full-precision shadow weights, kept in ``[-1, 1]``
    (clipped after every update: further out a weight would take ever longer to come
    back); the forward pass sees them rounded to -1, 0, 1 by :data:`TRINARY`, and the
    gradient passes straight through the rounding. The bias is a shadow too,
    ``bias_scale`` times the variable, rounded to whole numbers and clipped to the
    chip's leak range :data:`LEAK_LEVELS`.

    Parameters
    ----------
    layer : ConvLayer
        The convolution's shape.
    bias_scale : float, optional
        The bias is ``bias_scale`` times its variable: Adam's steps are about the
        same size for every variable, and a bias (a count of inputs) needs larger
        steps than a weight in ``[-1, 1]``. Not too large: with 16, whole layers of
        the MNIST convnet fell silent early in training (no spikes, no gradient).
    seed : int, optional
        Seed of the shadow weights' initial values.
    """

    def __init__(self, layer, bias_scale=4.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.bias_scale = bias_scale
        self.seed = seed

    def build(self, input_shape):
        c = int(input_shape[-1])
        k = self.layer.kernel_size
        self.kernel = self.add_weight(
            "kernel",
            shape=(k, k, c // self.layer.groups, self.layer.filters),
            # half the weights start non-zero, half of those each sign
            initializer=tf.keras.initializers.RandomUniform(-1.0, 1.0, seed=self.seed),
            constraint=lambda w: tf.clip_by_value(w, -1.0, 1.0),
        )
        self.bias = self.add_weight(
            "bias", shape=(self.layer.filters,), initializer="zeros"
        )
        super().build(input_shape)

    def integer_kernel(self):
        """The trinary kernel the forward pass uses (straight-through gradient)."""
        return quantize_ste(self.kernel, TRINARY)

    def integer_bias(self):
        """The whole-number bias the forward pass uses (straight-through gradient)."""
        return quantize_ste(self.bias * self.bias_scale, LEAK_LEVELS)

    def call(self, x):
        return grouped_conv(x, self.integer_kernel(), self.layer) + self.integer_bias()


class ClassVotes(tf.keras.layers.Layer):
    """Logits from the last layer's spikes: spikes per class times a temperature.

    Filter ``f`` votes for class ``f % n_classes``, summed over positions, as
    :func:`~nengo_truenorth.convnet.spec.class_votes`; the votes times a learned
    temperature (``exp`` of a variable, so it stays positive) are the logits of the
    cross-entropy. The temperature only scales the loss: the prediction is the class
    with the most votes either way.

    Parameters
    ----------
    n_classes : int
    temperature : float
        Initial temperature.
    """

    def __init__(self, n_classes, temperature, **kwargs):
        super().__init__(**kwargs)
        self.n_classes = n_classes
        self.temperature = temperature

    def build(self, input_shape):
        self.log_temperature = self.add_weight(
            "log_temperature",
            shape=(),
            initializer=tf.keras.initializers.Constant(np.log(self.temperature)),
        )
        super().build(input_shape)

    def votes(self, x):
        """``(n, n_classes)`` votes of ``(n, h, w, filters)`` spikes."""
        per_filter = tf.reduce_sum(x, axis=(1, 2))
        n_filters = per_filter.shape[-1]
        per_filter = tf.reshape(
            per_filter, (-1, n_filters // self.n_classes, self.n_classes)
        )
        return tf.reduce_sum(per_filter, axis=1)

    def call(self, x):
        return self.votes(x) * tf.exp(self.log_temperature)


def _initial_temperature(spec):
    """A temperature at which the votes' logits start out moderately spread.

    The votes of a class are a sum over ``positions * filters / n_classes`` binary
    neurons; their differences between classes grow about as the square root of that.
    """
    h, w, filters = spec.shapes()[-1]
    return 1.0 / np.sqrt(h * w * filters / spec.n_classes)


#: Initializer seeds reserved per training seed (more than any net's layers).
_LAYER_SEEDS = 1000


def build_model(spec, seed=0, float_weights=False):
    """The Keras model of ``spec``: binary channels in, class logits out.

    Parameters
    ----------
    spec : ConvnetSpec
    seed : int, optional
        Seed of the initial weights.
    float_weights : bool, optional
        The float baseline instead: float weights and biases, ReLU neurons (same
        layers, groups and readout).

    Returns
    -------
    model : tf.keras.Model
        Input ``(n, h, w, channels)`` float32 0/1, output ``(n, n_classes)`` logits.
    layers : list of TrinaryConv2D or tf.keras.layers.Layer
        The convolution layers, in order.
    """
    shapes = spec.shapes()
    # one initializer seed per (seed, layer), none shared between training seeds
    seeds = [_LAYER_SEEDS * seed + i for i in range(len(spec.layers))]
    x = inputs = tf.keras.Input(shape=spec.input_shape, dtype=tf.float32)
    layers = []
    for i, layer in enumerate(spec.layers):
        if float_weights:
            conv = FloatConv2D(layer, seed=seeds[i], name=f"conv{i}")
            x = tf.keras.layers.ReLU(name=f"relu{i}")(conv(x))
        else:
            conv = TrinaryConv2D(layer, seed=seeds[i], name=f"conv{i}")
            width = surrogate_width(layer.fan_in(shapes[i]))
            x = BinarySpike(width, name=f"spike{i}")(conv(x))
        layers.append(conv)
    logits = ClassVotes(spec.n_classes, _initial_temperature(spec), name="votes")(x)
    return tf.keras.Model(inputs, logits), layers


class FloatConv2D(tf.keras.layers.Layer):
    """The float baseline's grouped convolution: float weights and bias.

    Parameters
    ----------
    layer : ConvLayer
    seed : int, optional
        Seed of the He-normal initial weights.
    """

    def __init__(self, layer, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.seed = seed

    def build(self, input_shape):
        c = int(input_shape[-1])
        k = self.layer.kernel_size
        self.kernel = self.add_weight(
            "kernel",
            shape=(k, k, c // self.layer.groups, self.layer.filters),
            initializer=tf.keras.initializers.HeNormal(seed=self.seed),
        )
        self.bias = self.add_weight(
            "bias", shape=(self.layer.filters,), initializer="zeros"
        )
        super().build(input_shape)

    def call(self, x):
        return grouped_conv(x, self.kernel, self.layer) + self.bias


# --- training -------------------------------------------------------------------------


def shift_images(images, rng, max_shift=MAX_SHIFT):
    """Each image shifted by a random whole number of pixels, zeros shifted in.

    Parameters
    ----------
    images : (n, h, w) ndarray
    rng : np.random.Generator
    max_shift : int, optional
        Largest shift along each axis (both directions).

    Returns
    -------
    (n, h, w) ndarray
        The same dtype.
    """
    n, h, w = images.shape
    m = max_shift
    padded = np.pad(images, ((0, 0), (m, m), (m, m)))
    dy, dx = rng.integers(0, 2 * m + 1, size=(2, n))
    rows = dy[:, None] + np.arange(h)[None]  # (n, h)
    cols = dx[:, None] + np.arange(w)[None]  # (n, w)
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]


def make_train_step(model, optimizer):
    """One optimizer step on a batch: the cross-entropy of the model's logits.

    The optimizer applies the variables' constraints after each update (Keras
    does), which is what keeps :class:`TrinaryConv2D`'s shadow weights in
    ``[-1, 1]``.

    Parameters
    ----------
    model : tf.keras.Model
        Images to logits (:func:`build_model`).
    optimizer : tf.keras.optimizers.Optimizer

    Returns
    -------
    callable
        ``step(x, y) -> (loss, correct)``: a ``tf.function`` of a batch of encoded
        images ``x`` (float32) and int64 labels ``y``, returning the mean loss and
        the number of correctly classified images.
    """
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits)
        variables = model.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        correct = tf.reduce_sum(
            tf.cast(tf.argmax(logits, axis=-1, output_type=tf.int64) == y, tf.int64)
        )
        return loss, correct

    return step


def _fit(
    model,
    spec,
    x_train,
    y_train,
    seed,
    epochs,
    batch_size,
    learning_rate,
    augment,
    progress,
    history,
    desc,
):
    """Adam with a cosine-decayed rate on shuffled (and shifted) images."""
    rng = np.random.default_rng(seed)
    x_train = np.asarray(x_train)
    y_train = np.asarray(y_train, dtype=np.int64)
    n = len(x_train)
    steps = epochs * -(-n // batch_size)
    rate = tf.keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    step = make_train_step(model, tf.keras.optimizers.Adam(rate))

    if history is None:
        history = {}
    for key in ("loss", "accuracy", "seconds"):
        history.setdefault(key, [])
    epochs_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        epochs_iter = tqdm(epochs_iter, desc=desc, unit="epoch")
    for _ in epochs_iter:
        start = time.perf_counter()
        images = shift_images(x_train, rng) if augment else x_train
        x = encode_images(images, spec.thresholds).astype(np.float32)
        order = rng.permutation(n)
        total_loss, total_correct = 0.0, 0
        for b in range(0, n, batch_size):
            batch = order[b : b + batch_size]
            loss, correct = step(tf.constant(x[batch]), tf.constant(y_train[batch]))
            total_loss += float(loss) * len(batch)
            total_correct += int(correct)
        history["loss"].append(total_loss / n)
        history["accuracy"].append(total_correct / n)
        history["seconds"].append(time.perf_counter() - start)
        if progress:
            epochs_iter.set_postfix(
                loss=f"{history['loss'][-1]:.3f}", acc=f"{history['accuracy'][-1]:.3f}"
            )
    return history


def train(
    spec,
    x_train,
    y_train,
    seed=0,
    epochs=90,
    batch_size=32,
    learning_rate=0.03,
    augment=True,
    progress=True,
    history=None,
):
    """Train a chip convnet: trinary weights, integer biases, binary neurons.

    Parameters
    ----------
    spec : ConvnetSpec
    x_train : (n, h, w) ndarray of uint8
        Images, pixels 0..255 (encoded into ``spec.thresholds`` channels here).
    y_train : (n,) ndarray of int
        Labels ``0..spec.n_classes - 1``.
    seed : int, optional
        Seeds the initial weights, the shuffling and the shifts: the same seed gives
        the same network.
    epochs : int, optional
    batch_size : int, optional
    learning_rate : float, optional
        Adam's initial rate, decayed to 0 along a cosine over the training; in units
        of the shadow weights (a trinary weight flips when its shadow moves across
        +-0.5).
    augment : bool, optional
        Shift each training image by up to :data:`MAX_SHIFT` pixels each epoch.
    progress : bool, optional
        Show a progress bar over the epochs (loss and training accuracy).
    history : dict, optional
        If given, filled with lists per epoch: ``loss``, ``accuracy`` (on the
        shifted training images, as the network was during the epoch) and
        ``seconds``.

    Returns
    -------
    TrainedConvnet
        The integer kernels and biases, whose ``integer_forward`` is the trained
        model's forward pass exactly.

    Examples
    --------
    >>> from nengo_truenorth.convnet import data, models
    >>> x_train, y_train, x_test, y_test = data.split(*data.load_mnist())
    >>> net = train(models.DEFAULT_SPEC, x_train, y_train, seed=0)  # doctest: +SKIP
    >>> trinary_accuracy(net, x_test, y_test)  # doctest: +SKIP
    """
    tf.random.set_seed(seed)
    model, layers = build_model(spec, seed=seed)
    _fit(
        model,
        spec,
        x_train,
        y_train,
        seed,
        epochs,
        batch_size,
        learning_rate,
        augment,
        progress,
        history,
        desc=f"trinary convnet, seed {seed}",
    )
    return extract(spec, layers)


def extract(spec, layers):
    """The integer network of trained :class:`TrinaryConv2D` layers.

    Parameters
    ----------
    spec : ConvnetSpec
    layers : list of TrinaryConv2D

    Returns
    -------
    TrainedConvnet
    """
    kernels = [np.rint(la.integer_kernel().numpy()).astype(np.int8) for la in layers]
    biases = [np.rint(la.integer_bias().numpy()).astype(np.int64) for la in layers]
    return TrainedConvnet(spec, kernels, biases)


def train_float(
    spec,
    x_train,
    y_train,
    seed=0,
    epochs=30,
    batch_size=32,
    learning_rate=0.003,
    augment=True,
    progress=True,
    history=None,
):
    """Train the float baseline: ``spec``'s layers with float weights and ReLU.

    The same inputs (the binary channels), convolutions, groups and readout (the last
    layer's activity summed per class) as the chip network, with float weights and
    biases and ReLU neurons: what the architecture reaches without the chip's
    trinary weights and binary neurons.

    Parameters
    ----------
    spec : ConvnetSpec
    x_train, y_train, seed, epochs, batch_size, learning_rate, augment, progress, \
history
        As for :func:`train`.

    Returns
    -------
    callable
        ``scores(images)``: ``(n, h, w)`` uint8 images to ``(n, n_classes)`` float
        class scores (the predicted class is the largest).
    """
    tf.random.set_seed(seed)
    model, _ = build_model(spec, seed=seed, float_weights=True)
    _fit(
        model,
        spec,
        x_train,
        y_train,
        seed,
        epochs,
        batch_size,
        learning_rate,
        augment,
        progress,
        history,
        desc=f"float convnet, seed {seed}",
    )

    def scores(images):
        x = encode_images(images, spec.thresholds).astype(np.float32)
        return model.predict(x, batch_size=256, verbose=0)

    return scores


# --- evaluation -----------------------------------------------------------------------


def trinary_votes(net, x, batch_size=500, all_layers=False):
    """A trained network's class votes computed in TensorFlow.

    The same computation as :func:`~nengo_truenorth.convnet.spec.integer_forward`,
    in float32 (exact: every sum is a whole number far below 2**24).

    Parameters
    ----------
    net : TrainedConvnet
    x : (n, h, w, channels) ndarray of bool
        Encoded images (:func:`~nengo_truenorth.convnet.spec.encode_images`).
    batch_size : int, optional
    all_layers : bool, optional
        Return every layer's spikes instead of the votes.

    Returns
    -------
    (n, n_classes) ndarray of int64
        (With ``all_layers``, a list of ``(n, h, w, filters)`` bool arrays.)
    """
    x = np.asarray(x, dtype=np.float32)
    kernels = [tf.constant(k, dtype=tf.float32) for k in net.kernels]
    biases = [tf.constant(b, dtype=tf.float32) for b in net.biases]
    outputs = []
    for b in range(0, len(x), batch_size):
        a = tf.constant(x[b : b + batch_size])
        spikes = []
        for layer, kernel, bias in zip(net.spec.layers, kernels, biases):
            a = tf.cast(grouped_conv(a, kernel, layer) + bias >= 1, tf.float32)
            spikes.append(a.numpy().astype(bool))
        outputs.append(spikes)
    layers = [np.concatenate(s) for s in zip(*outputs)]
    if all_layers:
        return layers
    votes = ClassVotes(net.spec.n_classes, 1.0).votes(tf.constant(layers[-1], tf.int64))
    return votes.numpy()


def trinary_accuracy(net, images, labels):
    """Accuracy of a trained network on images, computed in TensorFlow.

    Parameters
    ----------
    net : TrainedConvnet
    images : (n, h, w) ndarray of uint8
    labels : (n,) ndarray of int

    Returns
    -------
    float
        The fraction of images whose most-voted class is the label (ties to the
        lower class, as :func:`~nengo_truenorth.convnet.spec.predict`).
    """
    votes = trinary_votes(net, encode_images(images, net.spec.thresholds))
    return float(np.mean(predict(votes) == np.asarray(labels)))


__all__ = [
    "BinarySpike",
    "ClassVotes",
    "TrinaryConv2D",
    "build_model",
    "extract",
    "make_train_step",
    "shift_images",
    "spike",
    "train",
    "train_float",
    "trinary_accuracy",
    "trinary_votes",
]
