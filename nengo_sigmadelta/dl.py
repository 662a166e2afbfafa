"""NengoDL implementations of the ΣΔ neuron types (registered on import).

Importing this module adds :class:`SigmaDeltaBuilder` and :class:`SigmaDeltaRateBuilder`
to ``nengo_dl.neuron_builders.SimNeuronsBuilder.TF_NEURON_IMPL``, so a
``nengo_dl.Simulator`` runs :class:`~nengo_sigmadelta.SigmaDelta` natively in
TensorFlow instead of falling back to the slow Python path.

Training is spiking-aware: NengoDL's own spiking builders swap in the rate function
while training and hold the neuron state constant; :class:`SigmaDeltaBuilder`
instead runs the spiking neuron in the forward pass -- training and inference alike --
and takes the gradient of its rate, ``amplitude·clip(J, 0, max_rate)``
(a straight-through estimator). The ΣΔ neuron's spike count follows that rate within
one spike over any window, so the estimator is unbiased over time. To train on rates
instead, give the ensemble :class:`~nengo_sigmadelta.SigmaDeltaRate` neurons.

Needs the ``dl`` extra (``nengo-dl`` 3.6, TensorFlow 2.12).
"""

from ._optional import require

tf = require("tensorflow", "nengo_sigmadelta.dl")
nengo_dl = require("nengo_dl", "nengo_sigmadelta.dl")

import numpy as np  # noqa: E402
from nengo_dl.neuron_builders import (  # noqa: E402
    SimNeuronsBuilder,
    TFNeuronBuilder,
)

from .neurons import SigmaDelta, SigmaDeltaRate  # noqa: E402


class SigmaDeltaRateBuilder(TFNeuronBuilder):
    """Build a group of :class:`.SigmaDeltaRate` operators: ``clip(J, 0, max_rate)``."""

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.max_rate = self._constant(signals, "max_rate")

    def _constant(self, signals, attr):
        # one value per neuron (or a scalar when all ops agree), broadcast over batch
        return signals.op_constant(
            [op.neurons for op in self.ops],
            [op.J.shape[0] for op in self.ops],
            attr,
            signals.dtype,
        )

    def rate(self, J):
        """``amplitude · clip(J, 0, max_rate)``, differentiable inside the range."""
        out = tf.clip_by_value(J, tf.zeros_like(J), self.max_rate + tf.zeros_like(J))
        return out if self.amplitude is None else out * self.amplitude

    def step(self, J, dt):
        return self.rate(J)


class SigmaDeltaBuilder(SigmaDeltaRateBuilder):
    """Build a group of :class:`.SigmaDelta` operators (same equations as its ``step``).

    The forward pass is always the spiking neuron; the gradient with respect to
    ``J`` is that of :meth:`SigmaDeltaRateBuilder.rate` (straight-through), and no
    gradient flows through the neuron state.
    """

    spiking = True

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.tau_fb = self._constant(signals, "tau_fb")
        self.threshold = self._constant(signals, "threshold")
        zero_reset = [float(op.neurons.reset == "zero") for op in self.ops]
        sizes = [op.J.shape[0] for op in self.ops]
        self.zero_reset = tf.constant(
            np.repeat(zero_reset, sizes)[None, :], dtype=signals.dtype
        )
        self.any_zero_reset = any(zero_reset)
        self.all_zero_reset = all(zero_reset)

    def step(self, J, dt, voltage, current, feedback):
        decay = tf.exp(-dt / self.tau_fb)
        ceiling = tf.minimum(self.max_rate, 1.0 / dt)
        drive = tf.clip_by_value(J, tf.zeros_like(J), ceiling + tf.zeros_like(J))

        current = decay * current + (1 - decay) * drive
        feedback = decay * feedback

        if not self.all_zero_reset:  # reset="subtract": integrate the clipped drive
            v_sub = voltage + drive * dt
            spiked_sub = v_sub > self.threshold
            v_sub -= tf.cast(spiked_sub, J.dtype)
        if self.any_zero_reset:  # reset="zero": the published neuron
            v_zero = voltage + (current - feedback) * dt
            spiked_zero = v_zero > self.threshold
            v_zero = tf.where(spiked_zero, tf.zeros_like(v_zero), tf.nn.relu(v_zero))
        if self.all_zero_reset:
            voltage, spiked = v_zero, spiked_zero
        elif self.any_zero_reset:
            mask = self.zero_reset > 0
            voltage = tf.where(mask, v_zero, v_sub)
            spiked = tf.where(mask, spiked_zero, spiked_sub)
        else:
            voltage, spiked = v_sub, spiked_sub

        spikes = tf.cast(spiked, J.dtype)
        feedback += spikes * (-tf.math.expm1(-dt / self.tau_fb) / dt)
        return spikes * self.alpha, voltage, current, feedback

    def build_step(self, signals, **step_kwargs):
        J = signals.gather(self.J_data)
        state = {s: signals.gather(d) for s, d in self.state_data.items()}

        spikes, *new_state = self.step(J, signals.dt, **state)
        new_state = [tf.stop_gradient(s) for s in new_state]
        if not self.config.inference_only:
            # straight-through: the value is the spikes (exactly: r - r == 0), the
            # gradient is the rate's
            rate = self.rate(J)
            spikes = tf.stop_gradient(spikes) + (rate - tf.stop_gradient(rate))

        signals.scatter(self.output_data, spikes)
        for data, value in zip(self.state_data.values(), new_state):
            signals.scatter(data, value)


SimNeuronsBuilder.TF_NEURON_IMPL[SigmaDeltaRate] = SigmaDeltaRateBuilder
SimNeuronsBuilder.TF_NEURON_IMPL[SigmaDelta] = SigmaDeltaBuilder
