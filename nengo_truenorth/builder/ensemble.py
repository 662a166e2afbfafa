"""Ensembles on the chip: chip neurons standing in for Nengo's neuron types.

Every supported Nengo neuron type runs on the chip as a TrueNorth neuron with linear
reset and a floor at 0 (negative saturation with ``β = 0``). That neuron is a
first-order sigma-delta modulator: it fires ``drive / α`` spikes per tick, exactly, up
to one per tick. So

- ``RectifiedLinear`` and ``SpikingRectifiedLinear`` map exactly (rate ``J`` Hz becomes a
  drive of ``J·α·dt`` per tick, up to 1 / dt = 1000 Hz);
- ``LIF``, ``LIFRate`` and ``RegularSpiking`` keep their intercepts and maximum rates,
  but their tuning curves become straight lines (the chip has no membrane time
  constant to bend them); decoders are solved for the chip's curves;
- ``TrueNorthNeuron`` keeps its own parameters.

Rate types run as their spiking equivalents.
"""

import nengo
import numpy as np
from nengo.builder.ensemble import BuiltEnsemble, gen_eval_points
from nengo.builder.operator import Reset
from nengo.builder.signal import Signal
from nengo.dists import Distribution, get_samples
from nengo.exceptions import BuildError, ValidationError
from nengo.neurons import LIF, LIFRate, RectifiedLinear, RegularSpiking
from nengo.utils import numpy as npext

from ..hardware.limits import RESET_LINEAR
from ..neurons import MAX_RATE, TrueNorthNeuron
from .builder import ChipEnsemble, TrueNorthBuilder
from .graph import NeuronGroup

#: Nengo neuron types the chip runs (subclasses included).
CHIP_NEURON_TYPES = (TrueNorthNeuron, RectifiedLinear, LIFRate, RegularSpiking)


def chip_neuron_type(neuron_type, threshold):
    """The TrueNorth neuron that runs ``neuron_type`` on the chip.

    Parameters
    ----------
    neuron_type : nengo.neurons.NeuronType
    threshold : int
        Nominal threshold ``α`` of the chip neuron.

    Returns
    -------
    TrueNorthNeuron
    """
    if isinstance(neuron_type, TrueNorthNeuron):
        return neuron_type
    return TrueNorthNeuron(
        threshold=threshold,
        reset_mode=RESET_LINEAR,
        negative_saturation=True,
        amplitude=getattr(neuron_type, "amplitude", 1.0),
    )


def unsupported_reason(model, ens):
    """Why ``ens`` cannot run on the chip, or None if it can."""
    if isinstance(ens.neuron_type, nengo.Direct):
        return "Direct mode ensembles compute on the host"
    if not isinstance(ens.neuron_type, CHIP_NEURON_TYPES):
        return (
            f"neuron type {type(ens.neuron_type).__name__} has no chip equivalent "
            f"(supported: {', '.join(t.__name__ for t in CHIP_NEURON_TYPES)})"
        )
    if isinstance(ens.neuron_type, RegularSpiking) and not isinstance(
        ens.neuron_type.base_type, (RectifiedLinear, LIFRate)
    ):
        return f"RegularSpiking({type(ens.neuron_type.base_type).__name__}) has no chip equivalent"
    if ens.noise is not None:
        return "the chip has no neuron noise process"
    return None


def chip_gain_bias(ens, neuron_type, chip_type, rng, dt):
    """Gain and bias of the chip neurons, in potential per tick.

    Given ``max_rates`` and ``intercepts`` the chip neuron's own ``gain_bias`` is used.
    Explicit ``gain`` and ``bias`` are Nengo currents of ``neuron_type``: rectified
    linear currents are rates in Hz and scale to ``α·dt`` per Hz; other types are
    first turned into their maximum rates and intercepts.
    """
    if ens.gain is not None and ens.bias is not None:
        gain = np.asarray(get_samples(ens.gain, ens.n_neurons, rng=rng), dtype=float)
        bias = np.asarray(get_samples(ens.bias, ens.n_neurons, rng=rng), dtype=float)
        if neuron_type is chip_type:
            max_rates, intercepts = chip_type.max_rates_intercepts(gain, bias)
            return gain, bias, max_rates, intercepts
        if isinstance(neuron_type, (RectifiedLinear, RegularSpiking)):
            scale = chip_type.threshold * dt
            gain, bias = gain * scale, bias * scale
            max_rates, intercepts = chip_type.max_rates_intercepts(gain, bias)
            return gain, bias, max_rates, intercepts
        max_rates, intercepts = neuron_type.max_rates_intercepts(gain, bias)
    elif ens.gain is not None or ens.bias is not None:
        raise BuildError(f"{ens}: set both gain and bias, or neither")
    else:
        max_rates = np.asarray(get_samples(ens.max_rates, ens.n_neurons, rng=rng), float)
        intercepts = np.asarray(
            get_samples(ens.intercepts, ens.n_neurons, rng=rng), float
        )
    if np.any(max_rates > MAX_RATE):
        raise BuildError(
            f"{ens}: max_rates = {max_rates.max():g} Hz is above the chip's "
            f"{MAX_RATE:g} Hz (one spike per tick); lower the ensemble's max_rates"
        )
    try:
        gain, bias = chip_type.gain_bias(max_rates, intercepts)
    except ValidationError as e:
        raise BuildError(f"{ens}: {e}") from None
    if not np.all(np.isfinite(gain)) or np.any(gain <= 0):
        raise BuildError(
            f"{ens}: the intercepts lead to neurons with negative or non-finite gain; "
            "keep intercepts below 1"
        )
    return gain, bias, max_rates, intercepts


def sample_encoders(ens, rng):
    """Encoders as Nengo samples them, normalized unless the ensemble says not to."""
    if isinstance(ens.encoders, Distribution):
        encoders = get_samples(ens.encoders, ens.n_neurons, ens.dimensions, rng=rng)
    else:
        encoders = npext.array(ens.encoders, min_dims=2, dtype=np.float64)
    encoders = np.asarray(encoders, dtype=np.float64)
    if ens.normalize_encoders:
        encoders /= npext.norm(encoders, axis=1, keepdims=True)
    if np.any(np.isnan(encoders)):
        raise BuildError(f"{ens}: NaNs in the encoders (zero-length encoders?)")
    return encoders


@TrueNorthBuilder.register(nengo.Ensemble)
def build_ensemble(model, ens):
    """Build ``ens`` on the chip when it can run there, else as Nengo would.

    On the chip the ensemble gets no operators: its neurons become a
    :class:`~.graph.NeuronGroup`, and the signals the host may read or write
    (decoded input, neuron input, spikes, voltages) are filled in by the chip operator.
    """
    on_chip = model.option(ens, "on_chip", None)
    reason = unsupported_reason(model, ens)
    if on_chip is False or (on_chip is None and reason is not None):
        model.host_ensembles[ens] = reason or "on_chip = False"
        return nengo.builder.ensemble.build_ensemble(model, ens)
    if reason is not None:
        raise BuildError(f"{ens}: on_chip = True, but {reason}")

    rng = np.random.RandomState(model.seeds[ens])
    eval_points = gen_eval_points(ens, ens.eval_points, rng=rng)
    encoders = sample_encoders(ens, rng)
    threshold = model.option(ens, "threshold", model.nominal_threshold)
    chip_type = chip_neuron_type(ens.neuron_type, threshold)
    gain, bias, max_rates, intercepts = chip_gain_bias(
        ens, ens.neuron_type, chip_type, rng, model.dt
    )
    scaled_encoders = encoders * (gain / ens.radius)[:, None]

    n, d = ens.n_neurons, ens.dimensions
    model.sig[ens]["in"] = Signal(shape=d, name=f"{ens}.signal")
    model.add_op(Reset(model.sig[ens]["in"]))
    model.sig[ens.neurons]["in"] = Signal(shape=n, name=f"{ens}.neuron_in")
    model.add_op(Reset(model.sig[ens.neurons]["in"]))
    model.sig[ens.neurons]["out"] = Signal(shape=n, name=f"{ens}.neuron_out")
    model.sig[ens.neurons]["voltage"] = Signal(shape=n, name=f"{ens}.voltage")
    model.sig[ens]["out"] = model.sig[ens.neurons]["out"]
    model.sig[ens]["encoders"] = Signal(
        scaled_encoders, name=f"{ens}.scaled_encoders", readonly=True
    )

    params = {
        "threshold": chip_type.threshold,
        "leak": chip_type.leak,
        "reset_mode": chip_type.reset_mode,
        "reset_potential": chip_type.reset_potential,
        "negative_threshold": chip_type.negative_threshold,
        "negative_saturation": int(chip_type.negative_saturation),
        "leak_reversal": int(chip_type.leak_reversal),
        "threshold_mask_bits": chip_type.threshold_mask_bits,
        "initial_potential": chip_type.initial_potential,
    }
    group = model.graph.add_group(NeuronGroup(n, label=str(ens), params=params, obj=ens))
    model.group_bias[group] = bias
    model.chip_ensembles[ens] = ChipEnsemble(
        ens, group, chip_type, amplitude=chip_type.amplitude, bias=bias
    )
    model.params[ens] = BuiltEnsemble(
        eval_points=eval_points,
        encoders=encoders,
        intercepts=intercepts,
        max_rates=max_rates,
        scaled_encoders=scaled_encoders,
        gain=gain,
        bias=bias,
    )
