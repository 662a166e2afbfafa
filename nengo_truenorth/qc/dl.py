"""The question classifier as a Nengo network, trained in NengoDL's loop.

Needs the ``dl`` extra (NengoDL, TensorFlow). One Nengo step is one word (one window
of the chip's core); :func:`build_network` makes the network of a training stage
from an :class:`~.model.ElmanNetwork`'s weights::

    words (Node: a word's index)
      -> embedding   (nengo_dl.Layer: Keras Embedding, 48)
      -> projection  (48 neurons: ReLU; QuantizedActivity, 16 levels, once constrained)
      -> dropout     (nengo_dl.Layer, training only)          -> inputs[:48]
    elman (16 neurons) -> one word's delay                    -> inputs[48:]
    inputs (Node, 64: the core's inputs, each on four axons)
      -> elman.neurons   transform Dense (float) or ChipDense: 4-bit levels whose step
                         is 31 / threshold, one threshold per unit, as on the core
    elman -> readout (nengo_dl.Layer: Dense 6, the host's softmax) -> probe

The Elman neurons are ``nengo.RectifiedLinear`` (float) or
:class:`~.units.WindowUnits` (the window's spike count; with ``carry``, the
chip's remainder carried from word to word). The stages of the table are
:data:`STAGES`: float, quantized in training (nearest or stochastic rounding), and
chip-aware (the remainder carried). :func:`fit` trains a stage with
``nengo_dl.Simulator.fit``; :func:`trained_network` reads the trained weights back
as NumPy networks (:class:`~.model.ElmanNetwork`, :class:`~.model.QuantizedElman`),
whose chip logits come from the core's own ticks.
"""

from nengo_sigmadelta._optional import require

tf = require("tensorflow", "nengo_truenorth.qc.dl")
nengo_dl = require("nengo_dl", "nengo_truenorth.qc.dl")

import nengo
import numpy as np
from nengo_dl.neuron_builders import SimNeuronsBuilder, TFNeuronBuilder

from nengo_sigmadelta.keras_layers import with_gradient_of
from nengo_sigmadelta.quantization import IntegerLevels

from ..training import ChipDense, QuantizedActivity
from .core import ACTIVITY_MAX, MAX_WEIGHT_SCALE, ElmanCore
from .model import (
    WEIGHT_BITS,
    ElmanNetwork,
    QuantizedElman,
    projection_levels,
    weight_range,
)
from .units import FLOOR_TOLERANCE, WindowUnits

#: The stages of training: the Elman neurons' carry and the weights' rounding.
#: ``None``: float (ReLU, float weights).
STAGES = {
    "float": None,
    "quantized": {"carry": False, "stochastic": False},
    "stochastic": {"carry": False, "stochastic": True},
    "chip": {"carry": True, "stochastic": False},
}

#: Questions per NengoDL minibatch.
MINIBATCH = 32


class WindowUnitsBuilder(TFNeuronBuilder):
    """:class:`.WindowUnits` in NengoDL: the same counts forward, the gradient of
    the input clipped to ``0..max_count + 1`` backward (straight through the floor;
    the carried remainder is a constant for the gradient)."""

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        neurons = [op.neurons for op in self.ops]
        sizes = [op.J.shape[0] for op in self.ops]
        self.max_count = signals.op_constant(neurons, sizes, "max_count", signals.dtype)
        self.carry = signals.op_constant(neurons, sizes, "carry", signals.dtype)

    def step(self, J, dt, voltage):
        v = J + self.carry * tf.stop_gradient(voltage)
        count = tf.clip_by_value(tf.floor(v + FLOOR_TOLERANCE), 0.0, self.max_count)
        out = with_gradient_of(count, tf.clip_by_value(v, 0.0, self.max_count + 1))
        remainder = self.carry * tf.maximum(v - count, 0.0)
        return out, tf.stop_gradient(remainder)


SimNeuronsBuilder.TF_NEURON_IMPL[WindowUnits] = WindowUnitsBuilder


class ProjectionDropout(tf.keras.layers.Layer):
    """Drop each projection activity with probability ``rate`` while training,
    without rescaling the others (activities are counts in levels)."""

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs, training=None):
        if not training or self.rate <= 0:
            return inputs
        keep = tf.random.uniform(tf.shape(inputs)) >= self.rate
        return inputs * tf.cast(keep, inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


def chip_levels(weight_bits=WEIGHT_BITS):
    """The Elman weights' quantizer: ``weight_bits`` levels per unit, whose step is
    ``31 / threshold`` for a whole threshold (the core's type weights are 31 times
    1, 2, 4, -8)."""
    low, top = weight_range(weight_bits)
    return IntegerLevels(low, top, per_row=True, level_weight=MAX_WEIGHT_SCALE)


def one_word_delay():
    """The synapse of the Elman state into the next word: a pure delay of one step
    (the chip's 15-tick delay is one window)."""
    return nengo.LinearFilter([1], [1, 0], analog=False)


def build_network(net, stage="float", weight_bits=WEIGHT_BITS, dropout=0.3, seed=0):
    """The classifier of ``net``'s weights as a Nengo network for ``stage``.

    Parameters
    ----------
    net : ElmanNetwork
        The starting weights; for the constrained stages counted in levels
        (:func:`.model.in_levels`).
    stage : str
        A key of :data:`STAGES`.
    weight_bits : int, optional
        Bits of the Elman weights in the constrained stages (2..4).
    dropout : float, optional
        Dropout on the projection while training.
    seed : int, optional

    Returns
    -------
    nengo.Network
        With attributes ``words`` (the input Node), ``probe`` (the logits),
        ``core_connection`` (inputs -> Elman units), ``embedding`` and ``readout``
        (the Keras layers).
    """
    if stage not in STAGES:
        raise ValueError(f"stage {stage!r}: one of {sorted(STAGES)}")
    constrained = STAGES[stage]
    n_words, n_inputs = net.embedding.shape
    n_units = net.w_in.shape[0]
    with nengo.Network(seed=seed, label=f"question classifier ({stage})") as model:
        nengo_dl.configure_settings(trainable=None, stateful=False)
        model.config[nengo.Connection].synapse = None
        model.config[nengo.Connection].trainable = False
        model.config[nengo.Ensemble].trainable = False

        model.words = nengo.Node(np.zeros(1), label="words")
        model.embedding = tf.keras.layers.Embedding(
            n_words,
            n_inputs,
            embeddings_initializer=tf.keras.initializers.Constant(net.embedding),
        )
        embedded = nengo_dl.Layer(model.embedding)(model.words, shape_in=(1,))
        projection = _units(n_inputs, "projection", _projection_type(constrained))
        nengo.Connection(embedded, projection.neurons)
        dropped = nengo_dl.Layer(ProjectionDropout(dropout))(
            projection.neurons, shape_in=(n_inputs,)
        )
        inputs = nengo.Node(size_in=n_inputs + n_units, label="core inputs")
        nengo.Connection(dropped, inputs[:n_inputs])

        elman = _units(n_units, "elman", _elman_type(constrained))
        nengo.Connection(elman.neurons, inputs[n_inputs:], synapse=one_word_delay())
        model.core_connection = nengo.Connection(
            inputs,
            elman.neurons,
            transform=_core_transform(net, constrained, weight_bits),
        )
        model.config[model.core_connection].trainable = True

        model.readout = tf.keras.layers.Dense(
            net.w_out.shape[0],
            kernel_initializer=tf.keras.initializers.Constant(net.w_out.T),
            bias_initializer=tf.keras.initializers.Constant(net.b_out),
        )
        logits = nengo_dl.Layer(model.readout)(elman.neurons, shape_in=(n_units,))
        model.probe = nengo.Probe(logits)
    model.stage, model.weight_bits = stage, weight_bits
    return model


def _units(n, label, neuron_type):
    return nengo.Ensemble(
        n,
        1,
        neuron_type=neuron_type,
        gain=np.ones(n),
        bias=np.zeros(n),
        label=label,
    )


def _projection_type(constrained):
    if constrained is None:
        return nengo.RectifiedLinear()
    return QuantizedActivity(nengo.RectifiedLinear(), ACTIVITY_MAX + 1, ACTIVITY_MAX)


def _elman_type(constrained):
    if constrained is None:
        return nengo.RectifiedLinear()
    return WindowUnits(carry=constrained["carry"])


def _core_transform(net, constrained, weight_bits):
    w = np.hstack([net.w_in, net.w_rec])
    if constrained is None:
        return nengo.Dense(w.shape, init=w)
    return ChipDense(
        w.shape,
        init=w,
        bits=None,
        quantizer=chip_levels(weight_bits),
        stochastic=constrained["stochastic"],
    )


def word_inputs(indices):
    """NengoDL's input array of word indices: ``(n, length, 1)`` float32."""
    return np.asarray(indices, dtype=np.float32)[..., None]


def last_word_loss(y_true, y_pred):
    """Cross-entropy of the logits after the last word (targets: the class index
    at every step)."""
    return tf.keras.losses.sparse_categorical_crossentropy(
        y_true[:, -1], y_pred[:, -1], from_logits=True
    )


class _EpochCallback(tf.keras.callbacks.Callback):
    def __init__(self, progress):
        super().__init__()
        self.progress = progress

    def on_epoch_end(self, epoch, logs=None):
        self.progress(epoch, float("nan"))


def fit(model, data, epochs, seed=0, lr=0.001, progress=None):
    """Train ``model`` (:func:`build_network`) on the training questions with
    ``nengo_dl.Simulator.fit``; return the trained weights.

    Adam with gradients clipped to norm 1 and the learning rate decayed to 0 along
    a cosine; minibatches of :data:`MINIBATCH` questions (the questions are
    shuffled once with ``seed`` and the last partial minibatch left out, as NengoDL
    needs whole minibatches).

    Parameters
    ----------
    model : nengo.Network
    data : QCData
    epochs : int
    seed : int, optional
    lr : float, optional
        The initial learning rate.
    progress : callable, optional
        Called after each epoch with ``(epoch, nan)``.

    Returns
    -------
    ElmanNetwork or QuantizedElman
        :func:`trained_network` of the trained model.
    """
    order = np.random.RandomState(seed).permutation(len(data.x_train))
    order = order[: len(order) // MINIBATCH * MINIBATCH]
    x = word_inputs(data.x_train[order])
    y = np.repeat(data.y_train[order, None, None], x.shape[1], axis=1)
    steps = max(epochs * (len(order) // MINIBATCH), 1)
    schedule = tf.keras.optimizers.schedules.CosineDecay(lr, steps)
    tf.random.set_seed(seed)
    callbacks = [] if progress is None else [_EpochCallback(progress)]
    with nengo_dl.Simulator(
        model, minibatch_size=MINIBATCH, seed=seed, progress_bar=False
    ) as sim:
        sim.compile(
            optimizer=tf.keras.optimizers.Adam(schedule, clipnorm=1.0),
            loss={model.probe: last_word_loss},
        )
        if epochs > 0:
            sim.fit(
                {model.words: x},
                {model.probe: y.astype(np.float32)},
                epochs=epochs,
                shuffle=True,
                verbose=0,
                callbacks=callbacks,
            )
        return trained_network(sim, model)


def trained_network(sim, model):
    """The weights of ``model`` in ``sim`` as NumPy networks.

    Returns
    -------
    ElmanNetwork or QuantizedElman
        Float stage: the float network; constrained stages: the network in levels
        (projection table, the core's integers, the readout).
    """
    embedding = model.embedding.get_weights()[0].astype(np.float64)
    kernel, bias = model.readout.get_weights()
    w_out, b_out = kernel.T.astype(np.float64), bias.astype(np.float64)
    (w,) = sim.data.get_params((model.core_connection, "weights"))
    w = np.asarray(w, dtype=np.float64)
    n_inputs = embedding.shape[1]
    if STAGES[model.stage] is None:
        return ElmanNetwork(embedding, w[:, :n_inputs], w[:, n_inputs:], w_out, b_out)
    quantizer = chip_levels(model.weight_bits)
    levels = quantizer.to_integers(w)
    top = np.max(np.abs(w), axis=1)
    threshold = quantizer.thresholds(np.where(top > 0, top, 1.0)).astype(np.int64)
    core = ElmanCore.from_levels(levels, n_inputs, threshold)
    return QuantizedElman(projection_levels(embedding), core, w_out, b_out)


def predict_logits(model, indices):
    """NengoDL's logits after the last word of each question for ``model`` (an
    inference run: no dropout, nearest rounding).

    Returns
    -------
    (n, n_classes) ndarray
        Questions beyond the last whole minibatch are not run.
    """
    indices = np.asarray(indices)
    n = len(indices) // MINIBATCH * MINIBATCH
    with nengo_dl.Simulator(model, minibatch_size=MINIBATCH, progress_bar=False) as sim:
        out = sim.predict({model.words: word_inputs(indices[:n])}, verbose=0)
    return out[model.probe][:, -1]

