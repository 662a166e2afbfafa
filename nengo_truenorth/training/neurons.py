"""The chip's neurons in TensorFlow, registered with NengoDL's neuron builders.

Two types: :class:`~nengo_truenorth.TrueNorthNeuron` (below) and
:class:`~nengo_truenorth.ChipSpikingRectifiedLinear`, ``SpikingRectifiedLinear`` as
the chip runs it, which :class:`ChipSpikingRectifiedLinearBuilder` runs spiking in
training too, with the rate's gradient.

:class:`TrueNorthNeuronBuilder` runs :class:`~nengo_truenorth.TrueNorthNeuron` inside a
``nengo_dl.Simulator`` (importing :mod:`nengo_truenorth.training` adds it to
``nengo_dl.neuron_builders.SimNeuronsBuilder.TF_NEURON_IMPL``). As NengoDL's own
spiking types do, it has two faces:

- **evaluation** (``training=False``: ``sim.run``, ``sim.predict``, ``sim.evaluate``):
  the chip's tick, spec section 3 steps 2-6, by :func:`truenorth_step`, with the same
  operations in the same order as :meth:`TrueNorthNeuron.step
  <nengo_truenorth.TrueNorthNeuron.step>`. For integer inputs the spikes and voltages
  are those of the NumPy neuron (and so of the chip) bit for bit, in float32 as in
  float64: every value is an integer below ``2**20``, which both hold exactly. In
  float64 non-integer inputs agree bit for bit too.
- **training** (``training=True``: ``sim.fit``): the steady-state rate
  ``amplitude · spikes_per_tick(J) / dt`` by :func:`truenorth_rate`, the formulas of
  :meth:`~nengo_truenorth.TrueNorthNeuron.spikes_per_tick` (exact for linear reset,
  a staircase for normal reset), and as gradient that of the linear rate
  ``clip(d / climb, 0, 1)`` (``d = J + λ``; ``climb`` the potential from reset to
  threshold): the true gradient for linear reset, a straight-through one for the
  staircase of normal reset and the step of no reset. As in NengoDL, the voltage
  is held while training.

The threshold mask (``threshold_mask_bits > 0``) draws ``η`` from TensorFlow's random
generator, uniformly on ``0..2**TM - 1`` as the NumPy neuron draws it from NumPy's:
the statistics agree, the draws do not, so stochastic neurons are not compared bit
for bit.
"""

from collections import namedtuple

import numpy as np
import tensorflow as tf
from nengo_dl.neuron_builders import SimNeuronsBuilder, TFNeuronBuilder
from nengo_sigmadelta.keras_layers import with_gradient_of

from ..hardware.limits import (
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_LINEAR,
    RESET_NONE,
    RESET_NORMAL,
)
from ..neurons import ChipSpikingRectifiedLinear, TrueNorthNeuron

#: The chip parameters of a group of neurons as ``(1, n)`` tensors (booleans for the
#: modes), built by :func:`chip_parameters`.
ChipParameters = namedtuple(
    "ChipParameters",
    [
        "threshold",  # α
        "mean_threshold",  # α + (2**TM - 1) / 2
        "mask_range",  # 2**TM
        "leak",  # λ
        "reset_potential",  # R
        "negative_threshold",  # β
        "normal_reset",
        "linear_reset",
        "no_reset",
        "negative_saturation",  # κ
        "leak_reversal",  # ε
        "stochastic",  # Python bool: any TM > 0
    ],
)


def chip_parameters(neuron_types, sizes, dtype=tf.float32):
    """Per-neuron chip parameters of several groups of :class:`.TrueNorthNeuron`.

    Parameters
    ----------
    neuron_types : list of TrueNorthNeuron
        One neuron type per group.
    sizes : list of int
        Neurons in each group.
    dtype : tf.DType, optional
        Dtype of the numeric parameters (integers up to ``2**18``, exact in float32).

    Returns
    -------
    ChipParameters
        Each field a ``(1, sum(sizes))`` tensor (broadcast over the batch), except
        ``stochastic``, a Python bool.
    """

    def per_neuron(values, tf_dtype):
        # exact values, one per neuron: NengoDL's op_constant merges values that are
        # merely close (np.allclose), which would merge thresholds 262142 and 262143
        v = np.repeat(np.asarray(values), sizes)[None, :]
        return tf.constant(v, dtype=tf_dtype)

    def number(attr):
        return per_neuron([float(getattr(n, attr)) for n in neuron_types], dtype)

    def flag(test):
        return per_neuron([bool(test(n)) for n in neuron_types], tf.bool)

    return ChipParameters(
        threshold=number("threshold"),
        mean_threshold=number("mean_threshold"),
        mask_range=per_neuron(
            [float(1 << n.threshold_mask_bits) for n in neuron_types], dtype
        ),
        leak=number("leak"),
        reset_potential=number("reset_potential"),
        negative_threshold=number("negative_threshold"),
        normal_reset=flag(lambda n: n.reset_mode == RESET_NORMAL),
        linear_reset=flag(lambda n: n.reset_mode == RESET_LINEAR),
        no_reset=flag(lambda n: n.reset_mode == RESET_NONE),
        negative_saturation=flag(lambda n: n.negative_saturation),
        leak_reversal=flag(lambda n: n.leak_reversal),
        stochastic=any(n.threshold_mask_bits > 0 for n in neuron_types),
    )


def threshold_mask(J, params):
    """Draw the threshold mask ``η``, uniform on ``0..2**TM - 1`` per neuron and tick.

    Parameters
    ----------
    J : (batch, n) tf.Tensor
        Only its shape and dtype are used.
    params : ChipParameters

    Returns
    -------
    tf.Tensor or float
        ``0.0`` when no neuron has ``TM > 0`` (no draw, as on the chip).
    """
    if not params.stochastic:
        return 0.0
    u = tf.random.uniform(tf.shape(J), dtype=J.dtype)
    return tf.minimum(tf.floor(u * params.mask_range), params.mask_range - 1)


def truenorth_step(J, voltage, params, eta=0.0):
    """One chip tick (spec section 3, steps 2-6), as :meth:`.TrueNorthNeuron.step`.

    Parameters
    ----------
    J : (batch, n) tf.Tensor
        Potential the tick's synaptic events add.
    voltage : (batch, n) tf.Tensor
        Membrane potentials before the tick.
    params : ChipParameters
    eta : tf.Tensor or float, optional
        The threshold mask (:func:`threshold_mask`); 0 for deterministic neurons.

    Returns
    -------
    spiked : (batch, n) tf.Tensor of bool
    voltage : (batch, n) tf.Tensor
        Potentials after the tick.
    """
    p = params
    zeros = tf.zeros_like(J)
    # 2. Synaptic integration, then saturation (6).
    v = tf.clip_by_value(voltage + J, POTENTIAL_MIN, POTENTIAL_MAX)
    # 3. Leak; Ω uses V after step 2.
    omega = tf.where(p.leak_reversal, tf.sign(v), tf.ones_like(v))
    v = tf.clip_by_value(v + omega * p.leak, POTENTIAL_MIN, POTENTIAL_MAX)
    # 5. Fire and reset; the negative test only applies where no spike happened.
    threshold = p.threshold + eta
    spiked = v >= threshold
    fired_v = tf.where(
        p.normal_reset,
        p.reset_potential + zeros,
        tf.where(p.linear_reset, v - threshold, v),
    )
    negative_threshold = p.negative_threshold + eta
    below = tf.where(
        p.negative_saturation,
        v < -p.negative_threshold,
        v < -negative_threshold,
    )
    below = tf.logical_and(tf.logical_not(spiked), below)
    below_v = tf.where(
        p.negative_saturation,
        -p.negative_threshold + zeros,
        tf.where(
            p.normal_reset,
            -p.reset_potential + zeros,
            tf.where(p.linear_reset, v + negative_threshold, v),
        ),
    )
    v = tf.where(spiked, fired_v, tf.where(below, below_v, v))
    # 6. Saturation.
    return spiked, tf.clip_by_value(v, POTENTIAL_MIN, POTENTIAL_MAX)


def _drive(J, p):
    # TrueNorthNeuron.drive: J + λ, capped at 0 under leak reversal where J <= 0
    d = J + p.leak
    return tf.where(
        tf.logical_and(p.leak_reversal, tf.logical_not(J > 0)), tf.minimum(d, 0.0), d
    )


def _exact_rate(d, p):
    # TrueNorthNeuron.spikes_per_tick, every reset mode at once
    ones = tf.ones_like(d)
    pos = d > 0
    safe_d = tf.where(pos, d, ones)
    linear = tf.clip_by_value(d / p.mean_threshold, 0.0, 1.0)
    none = tf.cast(pos, d.dtype)

    alpha, R, beta = p.mean_threshold, p.reset_potential, p.negative_threshold
    n = tf.math.ceil((alpha - R) / safe_d)
    first_fires = R + safe_d >= alpha
    clamped = R + safe_d < -beta
    n_saturated = tf.where(
        first_fires,
        ones,
        tf.where(clamped, 1 + tf.math.ceil((alpha + beta) / safe_d), n),
    )
    n = tf.where(tf.logical_and(p.negative_saturation, R < -beta), n_saturated, n)
    n = tf.maximum(n, 1.0)
    normal = tf.where(pos, 1.0 / n, tf.zeros_like(d))
    return tf.where(p.linear_reset, linear, tf.where(p.normal_reset, normal, none))


def _climb(p):
    # TrueNorthNeuron._climb, with α where normal reset cannot give graded rates
    R = tf.where(
        p.negative_saturation,
        tf.maximum(p.reset_potential, -p.negative_threshold),
        p.reset_potential,
    )
    climb = tf.where(p.normal_reset, p.mean_threshold - R, p.mean_threshold)
    return tf.where(climb > 0, climb, p.mean_threshold)


def truenorth_rate(J, params):
    """Steady-state spikes per tick, with the gradient of the linear rate.

    The value is :meth:`.TrueNorthNeuron.spikes_per_tick` (to float precision); the
    gradient with respect to ``J`` is that of ``clip(d / climb, 0, 1)``, which is the
    value itself for linear reset.

    Parameters
    ----------
    J : (batch, n) tf.Tensor
        Input current, potential per tick.
    params : ChipParameters

    Returns
    -------
    (batch, n) tf.Tensor
        Spikes per tick, 0 to 1.
    """
    d = _drive(J, params)
    exact = _exact_rate(d, params)
    smooth = tf.clip_by_value(d / _climb(params), 0.0, 1.0)
    # straight-through: the value is exact (s - s == 0), the gradient is smooth's
    return tf.stop_gradient(exact) + (smooth - tf.stop_gradient(smooth))


class TrueNorthNeuronBuilder(TFNeuronBuilder):
    """Build a group of :class:`.TrueNorthNeuron` operators for NengoDL.

    Groups may mix parameters and reset modes (NengoDL merges every operator of the
    type): each neuron carries its own, as ``(1, n)`` tensors.
    """

    spiking = True

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.params = chip_parameters(
            [op.neurons for op in self.ops],
            [op.J.shape[0] for op in self.ops],
            signals.dtype,
        )

    def step(self, J, dt, voltage):
        eta = threshold_mask(J, self.params)
        spiked, voltage = truenorth_step(J, voltage, self.params, eta)
        return tf.cast(spiked, J.dtype) * self.alpha, voltage

    def training_step(self, J, dt, **state):
        return truenorth_rate(J, self.params) * self.alpha


SimNeuronsBuilder.TF_NEURON_IMPL[TrueNorthNeuron] = TrueNorthNeuronBuilder


def chip_relu_step(J, voltage, dt):
    """One step of :class:`~nengo_truenorth.ChipSpikingRectifiedLinear`.

    The operations of its NumPy ``step``, in the same order: the signed input added,
    the voltage floored at 0, at most one spike, linear reset.

    Parameters
    ----------
    J, voltage : (batch, n) tf.Tensor
    dt : float or tf.Tensor

    Returns
    -------
    spiked : (batch, n) tf.Tensor
        1 where the neuron fired, else 0 (``J``'s dtype).
    voltage : (batch, n) tf.Tensor
    """
    voltage = tf.maximum(voltage + J * dt, 0.0)
    spiked = tf.cast(voltage >= 1.0, J.dtype)
    return spiked, voltage - spiked


class ChipSpikingRectifiedLinearBuilder(TFNeuronBuilder):
    """Build a group of :class:`~nengo_truenorth.ChipSpikingRectifiedLinear` for
    NengoDL: the chip's spiking in training too, with the rate's gradient.

    NengoDL trains its spiking types on their rates (``training_step``) and holds
    their voltages. A network whose loss comes from how the chip's neuron spikes
    (its signed input, its floor at 0) must see those spikes in ``fit``, so this
    builder spikes in every phase (``spiking = False`` sends NengoDL through
    :meth:`step` in training too) and carries its own gradient: the forward pass is
    the spikes (:func:`chip_relu_step`), the backward pass that of the rate
    ``amplitude · max(J, 0)`` (the straight-through estimator,
    :func:`nengo_sigmadelta.keras_layers.with_gradient_of`), and the voltage is a
    state without gradient. In float64 the spikes and voltages are those of the
    NumPy neuron bit for bit.
    """

    spiking = False

    def step(self, J, dt, voltage):
        spiked, voltage = chip_relu_step(J, voltage, dt)
        rate = tf.nn.relu(J) * dt  # spikes per step of the rate neuron
        return with_gradient_of(spiked, rate) * self.alpha, tf.stop_gradient(voltage)


SimNeuronsBuilder.TF_NEURON_IMPL[ChipSpikingRectifiedLinear] = (
    ChipSpikingRectifiedLinearBuilder
)
