"""Training the question classifier in TensorFlow: float, then constrained.

Needs the ``dl`` extra (TensorFlow 2.12). One model class, :class:`ElmanModel`, runs
the network of :mod:`.model` in four modes, so that each setup of the table is
the float network trained further under its constraint:

- ``"float"`` -- ReLU everywhere, float weights (the paper's first row);
- ``"quantized"`` -- the constraints in the forward pass (the remedy Diehl et al.
  name and did not try): projection activities rounded to 0..15, each Elman unit's
  weights rounded to 16 levels of its own step ``31 / threshold`` (thresholds
  follow the weights), Elman activities ``clip(floor(step * U), 0, 15)`` -- every
  value exactly what :meth:`.QuantizedElman.window_logits` computes; gradients pass
  straight through the rounding (shadow weights keep learning);
- ``"quantized"`` with ``stochastic=True`` -- the same with weights rounded up with
  probability equal to their fraction while training (probabilistic rounding,
  the paper's other remedy);
- ``"chip"`` -- the forward pass takes the Elman state of every word from the
  chip's own ticks (:func:`.core.run_core`, bit-exact with the emulated core),
  and the gradient from the one-step-per-word model: the loss is the chip's loss.

Each mode picks its best epoch on a validation split of the training questions;
the 500 test questions are only ever evaluated.
"""

from nengo_sigmadelta._optional import require

tf = require("tensorflow", "nengo_truenorth.qc.train")

import numpy as np

from nengo_sigmadelta.keras_layers import round_stochastic

from .core import (
    ACTIVITY_MAX,
    MAX_WEIGHT_SCALE,
    ElmanCore,
    run_core,
    window_counts,
)
from .model import (
    WEIGHT_BITS,
    ElmanNetwork,
    QuantizedElman,
    accuracy,
    calibrate_scales,
    in_levels,
    projection_levels,
    quantize_network,
    weight_range,
)

#: Sizes of Diehl et al.'s network.
N_INPUTS, N_UNITS = 48, 16
MODES = ("float", "quantized", "chip")


def _exact(value, surrogate):
    """``value`` in the forward pass, the gradient of ``surrogate`` backward."""

    @tf.custom_gradient
    def route(v, s):
        def grad(dy):
            return tf.zeros_like(v), dy

        return tf.identity(v), grad

    return route(tf.stop_gradient(value), surrogate)


class ElmanModel(tf.Module):
    """The classifier's variables and its forward pass in each mode.

    Parameters
    ----------
    n_words : int
    seed : int
    net : ElmanNetwork, optional
        Start from these weights; default random. The quantized modes count
        activities in levels: give them ``in_levels(net, *scales)``.
    weight_bits : int, optional
        Bits of the Elman weights in the quantized modes (2..4).
    """

    def __init__(self, n_words, seed=0, net=None, weight_bits=WEIGHT_BITS):
        super().__init__()
        rng = np.random.RandomState(seed)
        if net is None:
            net = ElmanNetwork(
                rng.uniform(-0.05, 0.05, (n_words, N_INPUTS)),
                rng.uniform(-1, 1, (N_UNITS, N_INPUTS)) * np.sqrt(3.0 / N_INPUTS),
                0.5 * np.eye(N_UNITS),
                rng.uniform(-1, 1, (6, N_UNITS)) * np.sqrt(3.0 / N_UNITS),
                np.zeros(6),
            )

        def var(x, name):
            return tf.Variable(np.asarray(x, dtype=np.float32), name=name)

        self.embedding = var(net.embedding, "embedding")
        self.w = var(np.hstack([net.w_in, net.w_rec]), "w")
        self.w_out = var(net.w_out, "w_out")
        self.b_out = var(net.b_out, "b_out")
        self.weight_bits = weight_bits
        self.weight_low, self.weight_top = weight_range(weight_bits)

    # --- the constrained values -----------------------------------------------------

    def thresholds(self):
        """(n_units,): each unit's threshold, from its largest weight (constant for
        the gradient, like the chip's discretization)."""
        top = tf.reduce_max(tf.abs(self.w), axis=1)
        top = tf.where(top > 0, top, tf.ones_like(top))
        return tf.stop_gradient(
            tf.maximum(tf.round(MAX_WEIGHT_SCALE * self.weight_top / top), 1.0)
        )

    def levels(self, threshold, stochastic=False):
        """Weight levels (-8..7 for 4 bits) forward, with the gradient of the shadow
        weights in level units."""
        x = self.w * threshold[:, None] / MAX_WEIGHT_SCALE
        rounded = round_stochastic(x) if stochastic else tf.round(x)
        return _exact(tf.clip_by_value(rounded, self.weight_low, self.weight_top), x)

    def projection(self, x, quantized):
        """(batch, length, n_inputs): the projection activities (levels 0..15 when
        ``quantized``)."""
        p = tf.nn.relu(tf.gather(self.embedding, x))
        if not quantized:
            return p
        return _exact(
            tf.clip_by_value(tf.round(p), 0, ACTIVITY_MAX),
            tf.clip_by_value(p, 0, ACTIVITY_MAX + 0.5),
        )

    # --- the forward pass ------------------------------------------------------------

    def logits(self, x, mode="float", training=False, stochastic=False, dropout=0.0):
        """(batch, n_classes) logits of word indices ``x``.

        Parameters
        ----------
        x : (batch, length) int tensor
        mode : {"float", "quantized", "chip"}
        training : bool
            Dropout on the projection, and stochastic rounding when asked.
        stochastic : bool
            Round weights stochastically while training (quantized modes).
        dropout : float
        """
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: one of {MODES}")
        quantized = mode != "float"
        p = self.projection(x, quantized)
        if training and dropout > 0:
            keep = tf.cast(tf.random.uniform(tf.shape(p)) >= dropout, p.dtype)
            p = p * keep
        if not quantized:
            w_in, w_rec = self.w[:, :N_INPUTS], self.w[:, N_INPUTS:]
            h = tf.zeros((tf.shape(x)[0], N_UNITS))
            for t in range(x.shape[1]):
                h = tf.nn.relu(
                    tf.matmul(p[:, t], w_in, transpose_b=True)
                    + tf.matmul(h, w_rec, transpose_b=True)
                )
            return tf.matmul(h, self.w_out, transpose_b=True) + self.b_out
        threshold = self.thresholds()
        levels = self.levels(threshold, stochastic=training and stochastic)
        chip = None
        if mode == "chip":
            chip = tf.numpy_function(
                _chip_states, [p, levels, threshold], tf.float32, stateful=False
            )
        h = self._quantized_states(p, levels, threshold, chip)
        return tf.matmul(h, self.w_out, transpose_b=True) + self.b_out

    def _quantized_states(self, p, levels, threshold, chip):
        """The Elman state after the last word, in levels: each word's
        ``clip(floor(31 U / threshold), 0, 15)`` (exact), or with ``chip`` the
        chip's count for the word; the gradient is that of ``31 U / threshold``
        within 0..16 either way."""
        l_in, l_rec = levels[:, :N_INPUTS], levels[:, N_INPUTS:]
        h = tf.zeros((tf.shape(p)[0], N_UNITS))
        for t in range(p.shape[1]):
            u = tf.matmul(p[:, t], l_in, transpose_b=True) + tf.matmul(
                h, l_rec, transpose_b=True
            )  # whole numbers, exact in float32
            drive = MAX_WEIGHT_SCALE * u
            if chip is None:
                value = tf.clip_by_value(
                    tf.math.floordiv(drive, threshold), 0, ACTIVITY_MAX
                )
            else:
                value = chip[:, t]
            surrogate = tf.clip_by_value(drive / threshold, 0, ACTIVITY_MAX + 1)
            h = _exact(value, surrogate)
        return h

    # --- the trained network as integers ---------------------------------------------

    def float_network(self):
        """The float network of the variables."""
        w = self.w.numpy().astype(np.float64)
        return ElmanNetwork(
            self.embedding.numpy().astype(np.float64),
            w[:, :N_INPUTS],
            w[:, N_INPUTS:],
            self.w_out.numpy().astype(np.float64),
            self.b_out.numpy().astype(np.float64),
        )

    def quantized_network(self):
        """The :class:`.QuantizedElman` whose window and chip logits are this
        model's ``"quantized"`` and ``"chip"`` logits."""
        threshold = self.thresholds().numpy().astype(np.int64)
        levels = self.levels(tf.constant(threshold, tf.float32)).numpy()
        levels = levels.astype(np.int64)
        projection = projection_levels(self.embedding.numpy())
        core = ElmanCore.from_levels(levels, N_INPUTS, threshold)
        return QuantizedElman(
            projection,
            core,
            self.w_out.numpy().astype(np.float64),
            self.b_out.numpy().astype(np.float64),
        )


def _chip_states(p, levels, threshold):
    """(batch, length, n_units) float32: the chip core's spikes per word window."""
    core = ElmanCore.from_levels(levels, N_INPUTS, threshold)
    counts = np.asarray(p).astype(np.int64)
    return window_counts(run_core(core, counts)).astype(np.float32)


def evaluate(model, x, y, mode):
    """Accuracy of ``model`` in ``mode`` on word indices ``x``, labels ``y``, from
    the NumPy network the mode stands for (the chip mode runs the core's ticks)."""
    if mode == "float":
        return accuracy(model.float_network().logits(x), y)
    net = model.quantized_network()
    if mode == "quantized":
        return accuracy(net.window_logits(x), y)
    return accuracy(net.chip_logits(x), y)


def fit(
    model,
    data,
    mode,
    epochs,
    seed=0,
    lr=0.001,
    batch_size=32,
    dropout=0.3,
    stochastic=False,
    progress=None,
    decay=True,
):
    """Train ``model`` in ``mode``; keep the weights of the best validation epoch.

    Parameters
    ----------
    model : ElmanModel
    data : QCData
    mode : {"float", "quantized", "chip"}
    epochs : int
    seed : int
    lr : float
        Adam's (initial) learning rate (gradients clipped to norm 1).
    batch_size : int
    dropout : float
        Dropout on the projection activities while training.
    stochastic : bool
        Stochastic weight rounding while training (quantized modes).
    progress : callable, optional
        Called after each epoch with ``(epoch, validation_accuracy)``.
    decay : bool, optional
        Decay the learning rate to 0 along a cosine (else keep it constant).

    Returns
    -------
    list of float
        The validation accuracy after each epoch.
    """
    tf.random.set_seed(seed)
    rng = np.random.RandomState(seed)
    if decay:
        steps = epochs * (len(data.x_train) // batch_size)
        lr = tf.keras.optimizers.schedules.CosineDecay(lr, max(steps, 1))
    optimizer = tf.keras.optimizers.Adam(lr, clipnorm=1.0)
    variables = [model.embedding, model.w, model.w_out, model.b_out]
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model.logits(
                x, mode, training=True, stochastic=stochastic, dropout=dropout
            )
            loss = loss_fn(y, logits)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    best, best_values, history = -1.0, None, []
    n = len(data.x_train)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n - batch_size + 1, batch_size):
            batch = order[start : start + batch_size]
            train_step(
                tf.constant(data.x_train[batch]), tf.constant(data.y_train[batch])
            )
        if len(data.x_val) == 0:  # no validation: the last epoch is the result
            acc = float("nan")
        else:
            acc = evaluate(model, data.x_val, data.y_val, mode)
            if acc > best:
                best, best_values = acc, [v.numpy() for v in variables]
        history.append(acc)
        if progress is not None:
            progress(epoch, acc)
    if best_values is not None:
        for v, value in zip(variables, best_values, strict=True):
            v.assign(value)
    return history


def to_levels(model, data, weight_bits=WEIGHT_BITS):
    """A model that counts activities in levels (the scales of
    :func:`post_training`), to train ``model``'s float network further in a
    quantized mode."""
    net = model.float_network()
    scales = calibrate_scales(net, data.x_train, data.y_train, weight_bits)
    return ElmanModel(
        len(data.vocabulary), net=in_levels(net, *scales), weight_bits=weight_bits
    )


def post_training(model, data, weight_bits=WEIGHT_BITS):
    """The float network of ``model`` quantized after training (the paper's way),
    its activity scales calibrated on the training questions."""
    net = model.float_network()
    scales = calibrate_scales(net, data.x_train, data.y_train, weight_bits)
    return quantize_network(net, scales, weight_bits)
