"""Hybrid training: quantized activations with temporally diffused error.

Voelker, Rasmussen & Eliasmith (2020), "A spike in performance" (see
``../shared/REFERENCES.md``), turn any rate activation ``f`` into a spiking one with
Nengo's ``RegularSpiking`` algorithm, and train the network while it spikes. Needs the
``dl`` extra (TensorFlow 2.12).

**The quantizer.** Each unit keeps a voltage ``v`` in ``[0, 1)``, the part of a
spike it still owes. One step, with a spike of amplitude ``a`` (the charge one spike
carries, in units of the activation times seconds) and time step ``dt``::

    v ← v + f(x)·dt / a;    n = floor(v);    y = a·n / dt;    v ← v − n

The output is ``n`` spikes of height ``a/dt``. What rounding throws away stays in
``v`` and is paid out in later steps (the error diffuses in time), so over any ``T``
steps ``Σ y·dt`` equals ``Σ f(x)·dt`` within one spike's charge ``a``: the spike
count is the ideal ``Σ f(x)·dt/a`` within one spike. With ``a = A`` and
``f = A·f_base`` this is exactly ``nengo.RegularSpiking(base, amplitude=A)``.

**Training.** The forward pass is the spikes; the gradient is that of the rate ``f``
(straight-through: ``y = stop(spikes) + f − stop(f)``), and none flows through
``v``. The mean of ``y`` is ``f`` for every ``a``, so the estimator has no bias over
time.

**The schedule: spike amplitude.** Small ``a`` means many spikes per step, each
tiny, and ``y ≈ f`` (the rate network); ``a`` at its target means few spikes, each
big (at most one per step where ``f·dt ≤ a``). :class:`AmplitudeSchedule` moves
``a`` geometrically from a small start to the target over the first epochs, then holds
it. Spike amplitude was chosen over a mixing factor ``(1−λ)·f + λ·spikes`` because
every epoch then trains a real spiking network (only its resolution changes), the
mean output never changes, and the error at each stage is the deployment error at
that resolution. Each halving of ``a`` adds one bit to the activity
(``log2`` of the spikes a step can carry), so a geometric schedule removes bits at an
even pace. ``a = 0`` is the exact rate network.

Contents:

- :func:`regular_spiking_step` -- the quantizer's forward step (no gradient).
- :class:`HybridSpiking` -- a Keras layer: the quantized activation over a sequence
  ``(batch, time, ...)``, or one step inside a cell (:meth:`HybridSpiking.step`). Its
  activation is a Keras activation or a Nengo rate neuron type (``TF_RATE_IMPL``).
- :class:`HybridLowPassRNNCell` / :class:`HybridLowPassRNNLayer` -- the lpRNN with the
  quantized activation; same weights as :class:`~.keras_layers.LowPassRNNLayer`.
- :class:`HybridRNNCell` -- a simple recurrent cell with the quantized activation,
  usable as ``keras_lmu.LMUCell(hidden_cell=...)``.
- :func:`amplitude_schedule`, :class:`AmplitudeSchedule`, :func:`hybrid_layers`,
  :func:`set_amplitude` -- the schedule.

NengoDL 3.6 already runs ``nengo.RegularSpiking(base)`` natively (its
``RegularSpikingBuilder``) for any base type it supports, including
:class:`~nengo_sigmadelta.SigmaDeltaRate`; it trains on the base rate, so hybrid
training happens here in Keras, and the trained network deploys as
``RegularSpiking``.
"""

from ._optional import require

tf = require("tensorflow", "nengo_sigmadelta.hybrid")

import nengo  # noqa: E402
import numpy as np  # noqa: E402
from nengo.exceptions import ValidationError  # noqa: E402

from .keras_layers import LowPassRNNCell, LowPassRNNLayer, quantize_ste  # noqa: E402
from .neurons import SigmaDeltaRate  # noqa: E402

#: Nengo's default time step, used for Nengo neuron types (their rates are in Hz).
NENGO_DT = 0.001


def _lif_rate(neuron_type, J):
    # nengo.LIFRate.step in TensorFlow; the safe denominator keeps NaN out of the
    # gradient of the branch that tf.where discards
    j = J - 1
    active = j > 0
    safe_j = tf.where(active, j, tf.ones_like(j))
    rate = neuron_type.amplitude / (
        neuron_type.tau_ref + neuron_type.tau_rc * tf.math.log1p(1.0 / safe_j)
    )
    return tf.where(active, rate, tf.zeros_like(J))


#: TensorFlow rate function of each Nengo rate neuron type (looked up by exact class).
TF_RATE_IMPL = {
    nengo.RectifiedLinear: lambda n, J: n.amplitude * tf.nn.relu(J),
    nengo.LIFRate: _lif_rate,
    nengo.Sigmoid: lambda n, J: tf.sigmoid(J) / n.tau_ref,
    nengo.Tanh: lambda n, J: tf.tanh(J) / n.tau_ref,
    SigmaDeltaRate: lambda n, J: n.amplitude * tf.clip_by_value(J, 0.0, n.max_rate),
}


def _nengo_rate_function(neuron_type, obj):
    """``(f, default amplitude)`` for a Nengo rate type or ``RegularSpiking(base)``."""
    scale = 1.0
    if isinstance(neuron_type, nengo.RegularSpiking):
        # RegularSpiking(base, A) spikes A/dt at the base rate: its mean output is
        # A·f_base, which is the rate HybridSpiking keeps, with spike amplitude A
        scale = neuron_type.amplitude
        neuron_type = neuron_type.base_type
    if neuron_type.spiking:
        raise ValidationError(
            f"{neuron_type} is a spiking neuron type; give its rate type (e.g. "
            "nengo.LIFRate for nengo.LIF): HybridSpiking makes it spike",
            attr="activation",
            obj=obj,
        )
    try:
        impl = TF_RATE_IMPL[type(neuron_type)]
    except KeyError:
        raise TypeError(
            f"{neuron_type} has no TensorFlow rate function; register one in "
            "nengo_sigmadelta.hybrid.TF_RATE_IMPL"
        ) from None
    return (lambda J: scale * impl(neuron_type, J)), scale


def regular_spiking_step(rate, voltage, amplitude, dt):
    """One step of ``RegularSpiking`` with spike amplitude ``amplitude`` (forward only).

    Parameters
    ----------
    rate : tf.Tensor
        The rate ``f(x)`` (output units per second).
    voltage : tf.Tensor
        The owed part of a spike, in ``[0, 1)``; same shape as ``rate``.
    amplitude : float or tf.Tensor
        The charge of one spike, ``a``; ``0`` passes the rate through unchanged.
    dt : float
        Time step.

    Returns
    -------
    output, voltage : tf.Tensor
        ``a·n/dt`` with ``n = floor(v + rate·dt/a)`` spikes, and the new voltage
        ``v + rate·dt/a − n``.
        For ``a = 0``, ``rate`` and the voltage unchanged.

    Examples
    --------
    >>> y, v = regular_spiking_step(tf.constant([0.3, 2.5]), tf.constant([0.8, 0.0]),
    ...                             amplitude=1.0, dt=1.0)
    >>> y.numpy(), v.numpy().round(2)
    (array([1., 2.], dtype=float32), array([0.1, 0.5], dtype=float32))
    """
    amplitude = tf.cast(amplitude, rate.dtype)
    rate_mode = amplitude <= 0
    safe_amplitude = tf.where(rate_mode, tf.ones_like(amplitude), amplitude)
    v = voltage + rate * (dt / safe_amplitude)
    n_spikes = tf.floor(v)
    spikes = n_spikes * (safe_amplitude / dt)
    return (
        tf.where(rate_mode, rate, spikes),
        tf.where(rate_mode, voltage, v - n_spikes),
    )


def straight_through(forward, rate):
    """The value of ``forward`` with the gradient of ``rate``.

    ``stop(forward) + (rate − stop(rate))``: the value is exactly ``forward``
    (``r − r == 0`` in floating point), unlike ``rate + stop(forward − rate)``.

    Parameters
    ----------
    forward, rate : tf.Tensor

    Returns
    -------
    tf.Tensor
    """
    return tf.stop_gradient(forward) + (rate - tf.stop_gradient(rate))


class HybridSpiking(tf.keras.layers.Layer):
    """Quantized activation with temporally diffused error (``RegularSpiking``).

    Called on a sequence ``(batch, time, ...)`` it applies ``f`` and the spiking
    quantizer step by step along axis 1 (each sequence starts with
    ``initial_voltage``). Inside a recurrent cell, call :meth:`step` (or
    :meth:`quantize` on a rate you computed) and carry the voltage as a state.

    Parameters
    ----------
    activation : str, callable, or nengo.neurons.NeuronType, optional
        The rate ``f``: a Keras activation (``"relu"``, a function, ...), ``None``
        (identity: the input is the rate), or a Nengo rate neuron type with an entry in
        :data:`TF_RATE_IMPL` (``nengo.LIFRate()``, ``nengo.RectifiedLinear()``,
        :class:`~nengo_sigmadelta.SigmaDeltaRate`, ...), or
        ``nengo.RegularSpiking(base, amplitude=A)`` (``f = A·f_base``).
    amplitude : float, optional
        Initial spike amplitude ``a`` (a non-trainable variable, set by
        :class:`AmplitudeSchedule`); ``0`` is the rate network. Default: 1 for Keras
        activations; ``A`` for ``RegularSpiking(base, A)``, 1 for other Nengo types.
    dt : float, optional
        Time step: 1 for Keras activations (one spike per step carries ``a``);
        Nengo's 0.001 s for Nengo types (their rates are in Hz).
    initial_voltage : float or "uniform", optional
        Voltage at the start of a sequence. The default 0.5 makes the running count
        ``round`` the ideal one (within half a spike) and is deterministic; "uniform"
        draws from ``[0, 1)`` per unit and sequence, like Nengo.
    **kwargs
        As for ``tf.keras.layers.Layer``.

    Attributes
    ----------
    amplitude : tf.Variable
        The spike amplitude ``a`` (scalar, non-trainable).

    Examples
    --------
    >>> layer = HybridSpiking("relu", amplitude=1.0)
    >>> x = tf.fill((1, 4, 1), 0.3)  # a rate of 0.3 per step: 1.2 spikes in 4 steps
    >>> layer(x).numpy().ravel()
    array([0., 1., 0., 0.], dtype=float32)
    """

    def __init__(
        self,
        activation="relu",
        amplitude=None,
        dt=None,
        initial_voltage=0.5,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.activation = activation
        if isinstance(activation, nengo.neurons.NeuronType):
            self._rate, default_amplitude = _nengo_rate_function(activation, self)
            default_dt = NENGO_DT
        else:
            self._rate = tf.keras.activations.get(activation)
            default_amplitude, default_dt = 1.0, 1.0
        amplitude = default_amplitude if amplitude is None else float(amplitude)
        if amplitude < 0:
            raise ValidationError(
                f"spike amplitude {amplitude} is negative; use 0 for the rate network "
                "or a positive charge per spike",
                attr="amplitude",
                obj=self,
            )
        self.dt = default_dt if dt is None else float(dt)
        if not self.dt > 0:
            raise ValidationError(
                f"time step dt={dt} must be positive", attr="dt", obj=self
            )
        if not (initial_voltage == "uniform" or 0 <= float(initial_voltage) < 1):
            raise ValidationError(
                f"initial_voltage {initial_voltage!r} must be 'uniform' or lie in "
                "[0, 1) (the owed part of a spike)",
                attr="initial_voltage",
                obj=self,
            )
        self.initial_voltage = initial_voltage
        self.amplitude = self.add_weight(
            "amplitude",
            shape=(),
            initializer=tf.keras.initializers.Constant(amplitude),
            trainable=False,
        )

    def rate(self, x):
        """The rate ``f(x)``, differentiable.

        Parameters
        ----------
        x : tf.Tensor

        Returns
        -------
        tf.Tensor
        """
        return self._rate(x)

    def quantize(self, rate, voltage):
        """Spike at ``rate`` for one step; the gradient is the identity in ``rate``.

        Parameters
        ----------
        rate : tf.Tensor
            ``f(x)`` for this step.
        voltage : tf.Tensor
            The voltage carried from the last step.

        Returns
        -------
        output, voltage : tf.Tensor
            The spikes (straight-through to ``rate``) and the new voltage (no
            gradient).
        """
        spikes, voltage = regular_spiking_step(
            tf.stop_gradient(rate), tf.stop_gradient(voltage), self.amplitude, self.dt
        )
        return straight_through(spikes, rate), voltage

    def step(self, x, voltage):
        """One time step: ``quantize(rate(x), voltage)``.

        Parameters
        ----------
        x : tf.Tensor
        voltage : tf.Tensor

        Returns
        -------
        output, voltage : tf.Tensor
        """
        return self.quantize(self.rate(x), voltage)

    def get_initial_voltage(self, shape, dtype=None):
        """The voltage at the start of a sequence.

        Parameters
        ----------
        shape : tuple or tf.TensorShape or tf.Tensor
        dtype : tf.DType, optional

        Returns
        -------
        tf.Tensor
        """
        dtype = dtype or self.compute_dtype
        if self.initial_voltage == "uniform":
            return tf.random.uniform(shape, dtype=dtype)
        return tf.fill(shape, tf.constant(float(self.initial_voltage), dtype=dtype))

    def call(self, inputs):
        rates = self.rate(inputs)
        # time-major, so tf.scan walks the sequence
        perm = [1, 0] + list(range(2, len(inputs.shape)))
        rates_tm = tf.transpose(rates, perm)
        v0 = self.get_initial_voltage(tf.shape(rates_tm)[1:], rates.dtype)

        def one_step(carry, rate):
            return regular_spiking_step(rate, carry[1], self.amplitude, self.dt)

        spikes_tm, _ = tf.scan(
            one_step,
            tf.stop_gradient(rates_tm),
            initializer=(tf.zeros_like(v0), v0),
        )
        return straight_through(tf.transpose(spikes_tm, perm), rates)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        if isinstance(self.activation, nengo.neurons.NeuronType):
            raise NotImplementedError(
                f"{self.name}: a Nengo neuron type activation ({self.activation}) "
                "cannot be serialized to a Keras config"
            )
        config = super().get_config()
        config.update(
            activation=tf.keras.activations.serialize(self._rate),
            amplitude=float(self.amplitude.numpy()),
            dt=self.dt,
            initial_voltage=self.initial_voltage,
        )
        return config


class HybridLowPassRNNCell(LowPassRNNCell):
    """The lpRNN step with a spiking activation.

    ``a_t = S(clip(x_t W + h_{t−1} U + b, 0, a_max))``;
    ``h_t = r·h_{t−1} + (1 − r)·a_t``, where ``S`` is :class:`HybridSpiking`'s
    quantizer (dt = 1: one ANN step). At spike amplitude ``a_max`` each unit fires at
    most once per step, a spike worth ``a_max``; at ``0`` this is
    :class:`~.keras_layers.LowPassRNNCell`. The states are ``[h, voltage]``.

    Parameters
    ----------
    units : int
        Hidden size.
    amplitude : float, optional
        Initial spike amplitude (default ``a_max``: binary spikes).
    initial_voltage : float or "uniform", optional
        As for :class:`HybridSpiking`.
    **kwargs
        As for :class:`~.keras_layers.LowPassRNNCell` (``retention``, ``a_max``,
        quantizers, initializers).

    Attributes
    ----------
    spiking : HybridSpiking
        The quantizer; ``spiking.amplitude`` is what a schedule sets.
    """

    def __init__(self, units, amplitude=None, initial_voltage=0.5, **kwargs):
        super().__init__(units, **kwargs)
        self.spiking = HybridSpiking(
            activation=None,
            amplitude=self.a_max if amplitude is None else amplitude,
            dt=1.0,
            initial_voltage=initial_voltage,
            name="spiking",
        )
        self.state_size = [self.units, self.units]

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        dtype = dtype or self.compute_dtype
        return [
            tf.zeros((batch_size, self.units), dtype=dtype),
            self.spiking.get_initial_voltage((batch_size, self.units), dtype),
        ]

    def call(self, inputs, states):
        h, voltage = states
        z = self.pre_activation(inputs, h)
        spikes, voltage = self.spiking.quantize(
            tf.clip_by_value(z, 0.0, self.a_max), voltage
        )
        h = self._r * h + (1 - self._r) * spikes
        return h, [h, voltage]

    def pre_activation(self, inputs, h):
        """``x W + h U + b`` with the (straight-through quantized) weights.

        Parameters
        ----------
        inputs : (batch, n_in) tf.Tensor
        h : (batch, units) tf.Tensor

        Returns
        -------
        (batch, units) tf.Tensor
        """
        kernel, recurrent, bias = (
            quantize_ste(v, q) for v, q in self.quantizer_pairs()
        )
        return tf.matmul(inputs, kernel) + tf.matmul(h, recurrent) + bias

    def get_config(self):
        config = super().get_config()
        config.update(
            amplitude=float(self.spiking.amplitude.numpy()),
            initial_voltage=self.spiking.initial_voltage,
        )
        return config


class HybridLowPassRNNLayer(LowPassRNNLayer):
    """The lpRNN layer with a spiking activation (over :class:`HybridLowPassRNNCell`).

    Its weights are those of :class:`~.keras_layers.LowPassRNNLayer` (kernel, recurrent
    kernel, bias), so a rate-trained layer's ``get_weights()[:3]`` load into it.

    Parameters
    ----------
    units : int
        Hidden size.
    return_sequences : bool, optional
        Return ``h`` for every step (default) or only the last.
    return_state : bool, optional
        Also return the final states ``h`` and voltage.
    **kwargs
        Cell arguments (``amplitude``, ``initial_voltage``, ``retention``,
        ``a_max``, quantizers, initializers) go to :class:`HybridLowPassRNNCell`; the
        rest to ``tf.keras.layers.RNN``.

    Examples
    --------
    >>> layer = HybridLowPassRNNLayer(8, retention=0.8, a_max=6.0)
    >>> layer(np.zeros((2, 5, 3), dtype="float32")).shape
    TensorShape([2, 5, 8])
    """

    _CELL_CLASS = HybridLowPassRNNCell
    _CELL_ARGS = LowPassRNNLayer._CELL_ARGS + ("amplitude", "initial_voltage")

    @property
    def spiking(self):
        """The cell's :class:`HybridSpiking` quantizer."""
        return self.cell.spiking


class HybridRNNCell(tf.keras.layers.Layer):
    """A simple recurrent cell with a spiking activation, for LMUs and the like.

    ``h_t = S(f(x_t W + h_{t−1} U + b))`` with :class:`HybridSpiking`'s quantizer
    ``S``; states ``[h, voltage]``. Give it to ``keras_lmu.LMUCell`` /
    ``keras_lmu.LMU`` as ``hidden_cell`` to make the LMU's hidden state spike.

    Parameters
    ----------
    units : int
        Hidden size.
    activation : str, callable or nengo.neurons.NeuronType, optional
        The rate ``f`` (see :class:`HybridSpiking`).
    amplitude, dt, initial_voltage : optional
        As for :class:`HybridSpiking`.
    use_recurrent : bool, optional
        Include ``h_{t−1} U`` (an LMU's hidden cell often does without).
    kernel_initializer, recurrent_initializer, bias_initializer : optional
        Keras initializers.
    **kwargs
        As for ``tf.keras.layers.Layer``.

    Examples
    --------
    >>> import keras_lmu
    >>> lmu = keras_lmu.LMU(memory_d=1, order=4, theta=8,
    ...                     hidden_cell=HybridRNNCell(16, "relu"))
    >>> lmu(np.zeros((2, 8, 3), dtype="float32")).shape
    TensorShape([2, 16])
    """

    def __init__(
        self,
        units,
        activation="relu",
        amplitude=None,
        dt=None,
        initial_voltage=0.5,
        use_recurrent=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        self.use_recurrent = bool(use_recurrent)
        self.spiking = HybridSpiking(
            activation,
            amplitude=amplitude,
            dt=dt,
            initial_voltage=initial_voltage,
            name="spiking",
        )
        self.kernel_initializer = tf.keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = tf.keras.initializers.get(recurrent_initializer)
        self.bias_initializer = tf.keras.initializers.get(bias_initializer)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        n_in = int(input_shape[-1])
        self.kernel = self.add_weight(
            "kernel", shape=(n_in, self.units), initializer=self.kernel_initializer
        )
        self.recurrent_kernel = (
            self.add_weight(
                "recurrent_kernel",
                shape=(self.units, self.units),
                initializer=self.recurrent_initializer,
            )
            if self.use_recurrent
            else None
        )
        self.bias = self.add_weight(
            "bias", shape=(self.units,), initializer=self.bias_initializer
        )
        super().build(input_shape)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        dtype = dtype or self.compute_dtype
        return [
            tf.zeros((batch_size, self.units), dtype=dtype),
            self.spiking.get_initial_voltage((batch_size, self.units), dtype),
        ]

    def call(self, inputs, states, training=None):
        h, voltage = states
        z = tf.matmul(inputs, self.kernel) + self.bias
        if self.use_recurrent:
            z += tf.matmul(h, self.recurrent_kernel)
        h, voltage = self.spiking.step(z, voltage)
        return h, [h, voltage]


def amplitude_schedule(epoch, start, end, ramp_epochs):
    """Spike amplitude for an epoch: geometric from ``start`` to ``end``, then held.

    Parameters
    ----------
    epoch : int
        Zero-based epoch.
    start : float
        Amplitude of epoch 0 (small: many spikes per step, nearly the rate). ``0``
        makes epoch 0 the exact rate network and the ramp start at ``end/64``.
    end : float
        Target amplitude, from epoch ``ramp_epochs − 1`` on.
    ramp_epochs : int
        Length of the ramp.

    Returns
    -------
    float

    Examples
    --------
    >>> [amplitude_schedule(e, 0.5, 4.0, 4) for e in range(5)]
    [0.5, 1.0, 2.0, 4.0, 4.0]
    """
    if not (end > 0 and 0 <= start <= end):
        raise ValidationError(
            f"amplitude schedule from {start} to {end}: need 0 <= start <= end and "
            "end > 0 (the amplitude grows from rate-like to spiking)",
            attr="start",
        )
    if epoch >= ramp_epochs - 1:
        return float(end)
    if start == 0:
        if epoch == 0:
            return 0.0
        start, epoch, ramp_epochs = end / 64, epoch - 1, ramp_epochs - 1
        if epoch >= ramp_epochs - 1:
            return float(end)
    frac = epoch / (ramp_epochs - 1)
    return float(start * 2.0 ** (frac * np.log2(end / start)))


def hybrid_layers(model):
    """Every :class:`HybridSpiking` in a model, cells included.

    Parameters
    ----------
    model : tf.keras.layers.Layer or tf.Module

    Returns
    -------
    list of HybridSpiking
    """
    found = [model] if isinstance(model, HybridSpiking) else []
    found += [m for m in model.submodules if isinstance(m, HybridSpiking)]
    return list({id(m): m for m in found}.values())


def set_amplitude(model, amplitude):
    """Set the spike amplitude of every :class:`HybridSpiking` in ``model``.

    Parameters
    ----------
    model : tf.keras.layers.Layer or tf.Module
    amplitude : float
        ``0`` for the rate network.

    Returns
    -------
    int
        How many layers were set.
    """
    layers = hybrid_layers(model)
    for layer in layers:
        layer.amplitude.assign(amplitude)
    return len(layers)


class AmplitudeSchedule(tf.keras.callbacks.Callback):
    """Set the spike amplitude at the start of each epoch (see
    :func:`amplitude_schedule`) and log it as ``"amplitude"``.

    Parameters
    ----------
    start, end : float
        Amplitude of the first epoch and the target.
    ramp_epochs : int
        Epochs from ``start`` to ``end``; later epochs train at ``end``.
    layers : list of HybridSpiking, optional
        Default: every one in the model being fitted.

    Examples
    --------
    >>> schedule = AmplitudeSchedule(start=6 / 32, end=6.0, ramp_epochs=10)
    >>> # model.fit(x, y, epochs=15, callbacks=[schedule])
    """

    def __init__(self, start, end, ramp_epochs, layers=None):
        super().__init__()
        amplitude_schedule(0, start, end, ramp_epochs)  # validates
        self.start, self.end, self.ramp_epochs = start, end, int(ramp_epochs)
        self.layers = layers
        self.amplitude = None

    def on_epoch_begin(self, epoch, logs=None):
        self.amplitude = amplitude_schedule(
            epoch, self.start, self.end, self.ramp_epochs
        )
        layers = self.layers if self.layers is not None else hybrid_layers(self.model)
        for layer in layers:
            layer.amplitude.assign(self.amplitude)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["amplitude"] = self.amplitude
