"""Keras layers: the low-pass RNN and straight-through weight quantization.

Needs the ``dl`` extra (TensorFlow 2.12). Contents:

- :func:`quantize` and :func:`quantize_ste` -- the quantizers of
  :mod:`nengo_sigmadelta.quantization` as TensorFlow ops, found by the quantizer's
  class in :data:`TF_QUANTIZER_IMPL`; the straight-through version rounds in the
  forward pass and passes the gradient through unchanged, so the float "shadow"
  weights keep learning while the network only ever sees grid weights. Both can
  round stochastically (up with probability equal to the fraction), for training.
  ``nengo_truenorth.training`` uses these same ops for the chip's weight codes.
- :class:`QuantizedDense` -- a ``Dense`` layer with straight-through quantized kernel
  and bias.
- :class:`LowPassRNNCell` / :class:`LowPassRNNLayer` -- the lpRNN,
  ``h_t = r·h_{t-1} + (1-r)·clip(x_t W + h_{t-1} U + b, 0, a_max)``, with optional
  straight-through quantizers on ``W``, ``U``, ``b``. Its forward pass equals
  :func:`nengo_sigmadelta.lprnn_forward`. (:class:`nengo_sigmadelta.LowPassRNN` is
  the same layer as a Nengo network of ΣΔ neurons.)
- :func:`snap_to_grid` -- after training, overwrite the shadow weights with their
  grid values, so ``get_weights()`` is what the hardware gets.
"""

from ._optional import require

tf = require("tensorflow", "nengo_sigmadelta.keras_layers")

import numpy as np  # noqa: E402

from .quantization import (  # noqa: E402
    FractionalBits,
    IntegerLevels,
    Quantizer,
    UniformLevels,
    check_quantizer,
)


def round_stochastic(x):
    """Round up with probability equal to the fractional part (unbiased rounding).

    Parameters
    ----------
    x : tf.Tensor

    Returns
    -------
    tf.Tensor
        Whole numbers, ``floor(x)`` or ``floor(x) + 1``; the mean is ``x``.
    """
    low = tf.floor(x)
    up = tf.random.uniform(tf.shape(x), dtype=x.dtype) < (x - low)
    return low + tf.cast(up, x.dtype)


def _fractional_bits(w, quantizer, rnd=tf.round):
    step = tf.constant(quantizer.step, dtype=w.dtype)
    q = rnd(w / step) * step  # tf.round: ties to even, as np.round
    if quantizer.integer_bits is not None:
        top = 2.0**quantizer.integer_bits
        q = tf.clip_by_value(q, -top, top - quantizer.step)
    return q


def _uniform_levels(w, quantizer, rnd=tf.round):
    if quantizer.w_max is None:
        w_max = tf.reduce_max(tf.abs(w))
        w_max = tf.where(w_max > 0, w_max, tf.ones_like(w_max))
    else:
        w_max = tf.constant(quantizer.w_max, dtype=w.dtype)
    step = 2 * w_max / (quantizer.n_levels - 1)
    return -w_max + step * rnd((tf.clip_by_value(w, -w_max, w_max) + w_max) / step)


def _integer_levels(w, quantizer, rnd=tf.round):
    if quantizer.scale is not None:
        step = tf.constant(quantizer.scale, dtype=w.dtype)
    else:
        if quantizer.per_row and w.shape.rank > 0:
            m = tf.reduce_max(tf.abs(w), axis=-1, keepdims=True)
        else:
            m = tf.reduce_max(tf.abs(w))
        m = tf.where(m > 0, m, tf.ones_like(m))
        if quantizer.level_weight is None:
            step = m / quantizer.top
        else:
            # the chip's step: a whole threshold, constant for the gradient
            weight = tf.constant(float(quantizer.level_weight), dtype=w.dtype)
            threshold = tf.maximum(tf.round(weight * quantizer.top / m), 1.0)
            step = weight / tf.stop_gradient(threshold)
    return tf.clip_by_value(rnd(w / step), quantizer.low, quantizer.high) * step


#: TensorFlow implementation of each quantizer class (looked up by exact class):
#: ``impl(w, quantizer, rnd)``, where ``rnd`` rounds to whole numbers.
TF_QUANTIZER_IMPL = {
    FractionalBits: _fractional_bits,
    UniformLevels: _uniform_levels,
    IntegerLevels: _integer_levels,
}


def quantize(w, quantizer, stochastic=False):
    """Round a tensor to the quantizer's grid (no gradient trickery).

    Parameters
    ----------
    w : tf.Tensor
        Weights of any shape.
    quantizer : Quantizer or None
        None returns ``w`` unchanged.
    stochastic : bool or tf.Tensor, optional
        Round each value up with probability equal to its fractional part on the
        grid (:func:`round_stochastic`) instead of to the nearest point; a boolean
        tensor (e.g. NengoDL's ``training`` flag) chooses in the graph.

    Returns
    -------
    tf.Tensor
        Same shape and dtype; equal to ``quantizer(w.numpy())`` when rounding to
        the nearest point.
    """
    if quantizer is None:
        return w
    try:
        impl = TF_QUANTIZER_IMPL[type(quantizer)]
    except KeyError:
        raise TypeError(
            f"{quantizer!r} has no TensorFlow implementation; register one in "
            "nengo_sigmadelta.keras_layers.TF_QUANTIZER_IMPL"
        ) from None
    w = tf.convert_to_tensor(w)
    if stochastic is False:
        return impl(w, quantizer)
    if stochastic is True:
        return impl(w, quantizer, round_stochastic)
    return tf.cond(
        tf.cast(stochastic, tf.bool),
        lambda: impl(w, quantizer, round_stochastic),
        lambda: impl(w, quantizer),
    )


def quantize_ste(w, quantizer, stochastic=False):
    """Straight-through quantization: forward ``quantize(w)``, gradient identity.

    The forward value is exactly the grid value (not ``w + (q - w)``, which float
    rounding could move off the grid).

    Parameters
    ----------
    w : tf.Tensor or tf.Variable
    quantizer : Quantizer or None
    stochastic : bool or tf.Tensor, optional
        As for :func:`quantize`.

    Returns
    -------
    tf.Tensor
    """
    if quantizer is None:
        return w

    @tf.custom_gradient
    def straight_through(x):
        def grad(dy):
            return dy

        return quantize(x, quantizer, stochastic), grad

    return straight_through(tf.convert_to_tensor(w))


def with_gradient_of(value, surrogate):
    """``value`` in the forward pass, the gradient of ``surrogate`` backward.

    The straight-through estimator for any step function: the forward value is
    exactly ``value`` (not ``surrogate + (value - surrogate)``, which float rounding
    could move off a whole count), and the gradient flows to ``surrogate`` only.

    Parameters
    ----------
    value : tf.Tensor
        What the forward pass computes (e.g. whole spike counts).
    surrogate : tf.Tensor
        Same shape: the differentiable stand-in (e.g. the input clipped to the
        counts' range).

    Returns
    -------
    tf.Tensor
    """

    @tf.custom_gradient
    def route(v, s):
        def grad(dy):
            return tf.zeros_like(v), dy

        return tf.identity(v), grad

    return route(tf.stop_gradient(value), surrogate)


def _quantizer_to_config(quantizer):
    if quantizer is None:
        return None
    params = {
        "FractionalBits": ("bits", "integer_bits"),
        "UniformLevels": ("n_levels", "w_max"),
        "IntegerLevels": ("low", "high", "scale", "per_row", "level_weight"),
    }
    name = type(quantizer).__name__
    config = {k: getattr(quantizer, k) for k in params[name]}
    return {"class_name": name, "config": config}


def _quantizer_from_config(config):
    if config is None or isinstance(config, Quantizer):
        return config
    classes = {cls.__name__: cls for cls in TF_QUANTIZER_IMPL}
    return classes[config["class_name"]](**config["config"])


class QuantizedDense(tf.keras.layers.Dense):
    """``Dense`` whose kernel and bias go through straight-through quantizers.

    Parameters
    ----------
    units : int
        Output size.
    kernel_quantizer, bias_quantizer : Quantizer, optional
        Grids for the kernel and the bias (None: float).
    **kwargs
        As for ``tf.keras.layers.Dense``.
    """

    def __init__(self, units, kernel_quantizer=None, bias_quantizer=None, **kwargs):
        super().__init__(units, **kwargs)
        self.kernel_quantizer = check_quantizer(
            _quantizer_from_config(kernel_quantizer), "kernel_quantizer"
        )
        self.bias_quantizer = check_quantizer(
            _quantizer_from_config(bias_quantizer), "bias_quantizer"
        )

    def call(self, inputs):
        kernel = quantize_ste(self.kernel, self.kernel_quantizer)
        out = tf.tensordot(inputs, kernel, axes=[[-1], [0]])
        if self.use_bias:
            out = out + quantize_ste(self.bias, self.bias_quantizer)
        return self.activation(out) if self.activation is not None else out

    def quantized_weights(self):
        """The weights the forward pass uses, ``[kernel]`` or ``[kernel, bias]``."""
        out = [quantize(self.kernel, self.kernel_quantizer).numpy()]
        if self.use_bias:
            out.append(quantize(self.bias, self.bias_quantizer).numpy())
        return out

    def quantizer_pairs(self):
        """``(variable, quantizer)`` for each quantized weight (see snap_to_grid)."""
        pairs = [(self.kernel, self.kernel_quantizer)]
        if self.use_bias:
            pairs.append((self.bias, self.bias_quantizer))
        return pairs

    def get_config(self):
        config = super().get_config()
        config["kernel_quantizer"] = _quantizer_to_config(self.kernel_quantizer)
        config["bias_quantizer"] = _quantizer_to_config(self.bias_quantizer)
        return config


class LowPassRNNCell(tf.keras.layers.Layer):
    """One step of the low-pass RNN (for ``tf.keras.layers.RNN``).

    ``z = x_t @ W + h_{t-1} @ U + b``;
    ``h_t = r·h_{t-1} + (1 - r)·clip(z, 0, a_max)``.

    Parameters
    ----------
    units : int
        Hidden size.
    retention : float or (units,) array_like, optional
        ``r = exp(-T_ANN/τ)``, fixed (not trained). The default is the paper's 0.8.
    a_max : float, optional
        Upper clip of the activation; the paper uses 6.
    kernel_quantizer, recurrent_quantizer, bias_quantizer : Quantizer, optional
        Straight-through grids for ``W``, ``U``, ``b``.
    kernel_initializer, recurrent_initializer, bias_initializer : optional
        Keras initializers (Glorot uniform, orthogonal, zeros by default).
    **kwargs
        As for ``tf.keras.layers.Layer``.

    Attributes
    ----------
    kernel : (n_in, units) tf.Variable
    recurrent_kernel : (units, units) tf.Variable
    bias : (units,) tf.Variable
    """

    def __init__(
        self,
        units,
        retention=0.8,
        a_max=6.0,
        kernel_quantizer=None,
        recurrent_quantizer=None,
        bias_quantizer=None,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        retention_arr = np.asarray(retention, dtype=float)
        if np.any(retention_arr < 0) or np.any(retention_arr >= 1):
            raise ValueError(f"{self.name}: retention {retention} must lie in [0, 1)")
        self.retention = retention
        self.a_max = float(a_max)
        self.kernel_quantizer = check_quantizer(
            _quantizer_from_config(kernel_quantizer), "kernel_quantizer"
        )
        self.recurrent_quantizer = check_quantizer(
            _quantizer_from_config(recurrent_quantizer), "recurrent_quantizer"
        )
        self.bias_quantizer = check_quantizer(
            _quantizer_from_config(bias_quantizer), "bias_quantizer"
        )
        self.kernel_initializer = tf.keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = tf.keras.initializers.get(recurrent_initializer)
        self.bias_initializer = tf.keras.initializers.get(bias_initializer)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        n_in = int(input_shape[-1])
        self.kernel = self.add_weight(
            "kernel", shape=(n_in, self.units), initializer=self.kernel_initializer
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            shape=(self.units, self.units),
            initializer=self.recurrent_initializer,
        )
        self.bias = self.add_weight(
            "bias", shape=(self.units,), initializer=self.bias_initializer
        )
        self._r = tf.constant(
            np.broadcast_to(np.asarray(self.retention, dtype=float), (self.units,)),
            dtype=self.dtype,
        )
        super().build(input_shape)

    def call(self, inputs, states):
        h = states[0]
        kernel = quantize_ste(self.kernel, self.kernel_quantizer)
        recurrent = quantize_ste(self.recurrent_kernel, self.recurrent_quantizer)
        bias = quantize_ste(self.bias, self.bias_quantizer)
        z = tf.matmul(inputs, kernel) + tf.matmul(h, recurrent) + bias
        h = self._r * h + (1 - self._r) * tf.clip_by_value(z, 0.0, self.a_max)
        return h, [h]

    def quantized_weights(self):
        """``[kernel, recurrent_kernel, bias]`` as the forward pass uses them."""
        return [quantize(v, q).numpy() for v, q in self.quantizer_pairs()]

    def quantizer_pairs(self):
        """``(variable, quantizer)`` for each weight (see :func:`snap_to_grid`)."""
        return [
            (self.kernel, self.kernel_quantizer),
            (self.recurrent_kernel, self.recurrent_quantizer),
            (self.bias, self.bias_quantizer),
        ]

    def get_config(self):
        config = super().get_config()
        retention = np.asarray(self.retention)
        config.update(
            units=self.units,
            retention=retention.tolist() if retention.ndim else float(retention),
            a_max=self.a_max,
            kernel_quantizer=_quantizer_to_config(self.kernel_quantizer),
            recurrent_quantizer=_quantizer_to_config(self.recurrent_quantizer),
            bias_quantizer=_quantizer_to_config(self.bias_quantizer),
            kernel_initializer=tf.keras.initializers.serialize(self.kernel_initializer),
            recurrent_initializer=tf.keras.initializers.serialize(
                self.recurrent_initializer
            ),
            bias_initializer=tf.keras.initializers.serialize(self.bias_initializer),
        )
        return config


class LowPassRNNLayer(tf.keras.layers.RNN):
    """The low-pass RNN layer: ``tf.keras.layers.RNN`` over a :class:`LowPassRNNCell`.

    Its trained weights (``get_weights()``) become a Nengo network with
    :func:`nengo_sigmadelta.convert_lprnn`.

    Parameters
    ----------
    units : int
        Hidden size.
    return_sequences : bool, optional
        Return ``h`` for every step (default) or only the last.
    return_state : bool, optional
        Also return the final state.
    **kwargs
        Cell arguments (``retention``, ``a_max``, quantizers, initializers) go to
        :class:`LowPassRNNCell`; the rest to ``tf.keras.layers.RNN``.

    Examples
    --------
    >>> import numpy as np
    >>> layer = LowPassRNNLayer(8, retention=0.8, kernel_quantizer=FractionalBits(3))
    >>> layer(np.zeros((2, 5, 3), dtype="float32")).shape
    TensorShape([2, 5, 8])
    """

    #: The cell class the layer runs; subclasses with another cell set only this.
    _CELL_CLASS = LowPassRNNCell
    _CELL_ARGS = (
        "retention",
        "a_max",
        "kernel_quantizer",
        "recurrent_quantizer",
        "bias_quantizer",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
    )

    def __init__(self, units, return_sequences=True, return_state=False, **kwargs):
        cell_kwargs = {k: kwargs.pop(k) for k in self._CELL_ARGS if k in kwargs}
        kwargs.pop("cell", None)  # present when restored from a config
        cell = self._CELL_CLASS(units, dtype=kwargs.get("dtype"), **cell_kwargs)
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            **kwargs,
        )

    @property
    def units(self):
        return self.cell.units

    def quantized_weights(self):
        """``[kernel, recurrent_kernel, bias]`` as the forward pass uses them."""
        return self.cell.quantized_weights()

    def quantizer_pairs(self):
        """``(variable, quantizer)`` for each weight (see :func:`snap_to_grid`)."""
        return self.cell.quantizer_pairs()

    def get_config(self):
        config = super().get_config()
        cell_config = config.pop("cell")["config"]
        config["units"] = cell_config["units"]
        config.update({k: cell_config[k] for k in self._CELL_ARGS})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # the cell is rebuilt from the flat arguments (RNN's version expects "cell")
        return cls(**config)


def snap_to_grid(layer):
    """Overwrite a layer's shadow weights with their quantized values.

    Call after training; afterwards ``layer.get_weights()`` lies exactly on the
    grids and the forward pass is unchanged (quantizing a grid value returns it).

    Parameters
    ----------
    layer : QuantizedDense, LowPassRNNCell or LowPassRNNLayer
    """
    for variable, quantizer in layer.quantizer_pairs():
        if quantizer is not None:
            variable.assign(quantize(variable, quantizer))
