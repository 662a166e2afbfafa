"""Activities quantized to ``n`` levels, with a straight-through gradient.

A chip neuron sends at most one spike per tick, so what a post neuron can count of it
over a window of ``T`` ticks takes ``T + 1`` values: ``k / (T·dt)`` for ``k = 0..T``.
:class:`QuantizedActivity` trains a rate network with that resolution: it wraps a
(stateless, non-spiking) rate neuron type and rounds its output to
``n_levels`` levels ``0, step, ..., max_rate`` (``step = max_rate / (n_levels - 1)``;
rates beyond ``max_rate`` saturate). For the window above: ``n_levels = T + 1`` and
``max_rate = 1 / dt``.

The grid is :class:`nengo_sigmadelta.quantization.IntegerLevels` ``(0, n_levels - 1,
scale=step)``, and NengoDL's forward pass rounds with its TensorFlow op
(``nengo_sigmadelta.keras_layers.quantize_ste``): the value is on the grid, the
gradient is the base type's (the identity through the rounding).

In ``nengo.Simulator`` the type steps the base type and rounds in NumPy; the chip has
no mapping for it (swap in the chip's neuron type to run there).
"""

import tensorflow as tf
from nengo.builder.neurons import SimNeurons
from nengo.exceptions import ValidationError
from nengo.neurons import NeuronType, NeuronTypeParam
from nengo.params import IntParam, NumberParam
from nengo_dl.neuron_builders import SimNeuronsBuilder, TFNeuronBuilder

from nengo_sigmadelta.keras_layers import quantize_ste
from nengo_sigmadelta.quantization import IntegerLevels


class QuantizedActivity(NeuronType):
    """A rate neuron type whose output takes ``n_levels`` levels from 0 to ``max_rate``.

    Parameters
    ----------
    base_type : NeuronType
        A rate type without state (``nengo.RectifiedLinear``, ``nengo.LIFRate``, ...).
    n_levels : int
        Levels of the output, at least 2, 0 included.
    max_rate : float
        The top level, in the base type's output units (Hz for Nengo's types).
    initial_state : dict, optional
        As for ``NeuronType`` (the type has no state).

    Examples
    --------
    >>> import nengo
    >>> neuron = QuantizedActivity(nengo.RectifiedLinear(), n_levels=5, max_rate=100)
    >>> neuron.rates([0.1, 30.0, 60.0, 400.0], gain=1.0, bias=0.0)
    array([[  0.],
           [ 25.],
           [ 50.],
           [100.]])
    """

    state = {}
    spiking = False

    base_type = NeuronTypeParam("base_type")
    n_levels = IntParam("n_levels", low=2)
    max_rate = NumberParam("max_rate", low=0, low_open=True)

    def __init__(self, base_type, n_levels, max_rate, initial_state=None):
        super().__init__(initial_state)
        if base_type.spiking or base_type.state:
            raise ValidationError(
                f"{base_type} has spikes or state; QuantizedActivity rounds the output "
                "of a stateless rate type (e.g. nengo.RectifiedLinear)",
                attr="base_type",
                obj=self,
            )
        self.base_type = base_type
        self.n_levels = n_levels
        self.max_rate = max_rate
        self.negative = False

    @property
    def quantizer(self):
        """IntegerLevels: ``0..n_levels-1`` times ``max_rate / (n_levels - 1)``."""
        step = self.max_rate / (self.n_levels - 1)
        return IntegerLevels(0, self.n_levels - 1, scale=step)

    def gain_bias(self, max_rates, intercepts):
        return self.base_type.gain_bias(max_rates, intercepts)

    def max_rates_intercepts(self, gain, bias):
        return self.base_type.max_rates_intercepts(gain, bias)

    def rates(self, x, gain, bias):
        return self.quantizer(self.base_type.rates(x, gain, bias))

    def step(self, dt, J, output):
        """The base type's step, rounded to the levels."""
        self.base_type.step(dt, J, output)
        output[...] = self.quantizer(output)


class QuantizedActivityBuilder(TFNeuronBuilder):
    """Build a group of :class:`QuantizedActivity` operators for NengoDL.

    Each operator's base type runs through its own NengoDL builder (its rate step),
    then the output is rounded with a straight-through gradient. NengoDL merges every
    ``QuantizedActivity`` operator into one group, whatever its base type and levels,
    so each operator is rounded on its own grid.
    """

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        self.base_builders = []
        for op in self.ops:
            base = op.neurons.base_type
            try:
                builder_class = SimNeuronsBuilder.TF_NEURON_IMPL[type(base)]
            except KeyError:
                raise TypeError(
                    f"{base} has no NengoDL TensorFlow builder "
                    "(nengo_dl.neuron_builders.SimNeuronsBuilder.TF_NEURON_IMPL)"
                ) from None
            builder = builder_class([SimNeurons(base, op.J, op.output)])
            builder.build_pre(signals, config)
            self.base_builders.append(builder)
        self.sizes = [op.J.shape[0] for op in self.ops]
        self.quantizers = [op.neurons.quantizer for op in self.ops]

    def step(self, J, dt):
        parts = tf.split(J, self.sizes, axis=-1) if len(self.ops) > 1 else [J]
        out = [
            quantize_ste(builder.step(j, dt), quantizer)
            for j, builder, quantizer in zip(parts, self.base_builders, self.quantizers)
        ]
        return out[0] if len(out) == 1 else tf.concat(out, axis=-1)


SimNeuronsBuilder.TF_NEURON_IMPL[QuantizedActivity] = QuantizedActivityBuilder
