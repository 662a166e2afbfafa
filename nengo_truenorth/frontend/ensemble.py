"""Ensembles on the chip: chip neurons standing in for Nengo's neuron types.

Every supported Nengo neuron type runs on the chip as a TrueNorth neuron with linear
reset and a floor at 0 (negative saturation with ``β = 0``). That neuron is a
first-order sigma-delta modulator: it fires ``drive / α`` spikes per tick, exactly, up
to one per tick. The ensemble is first built as Nengo builds it (same eval points,
encoders, gains and biases, in the units of its own neuron type), then each neuron's
Nengo current ``J`` is mapped to a chip drive ``s·(J - J0)`` per tick:

- ``RectifiedLinear`` and ``SpikingRectifiedLinear`` map exactly: ``J0 = 0`` and
  ``s = α·dt`` (a rate of ``J`` Hz is ``J·dt`` spikes per tick, up to 1 / dt);
- ``LIF``, ``LIFRate`` and ``RegularSpiking`` keep their intercepts and maximum rates,
  but their tuning curves become straight lines (the chip has no membrane time
  constant to bend them): ``J0 = 1`` (the LIF threshold current) and ``s`` puts the
  neuron's maximum rate at ``x = 1``; decoders are solved for the chip's curves;
- ``TrueNorthNeuron`` keeps its own parameters (its currents are chip drives).

Each type's mapping comes from the registry in :mod:`.mappings`.
Rate types run as their spiking equivalents. One tick is one step of ``dt`` seconds.
"""

import warnings

import nengo
import numpy as np
from nengo.builder.ensemble import BuiltEnsemble, gen_eval_points, get_gain_bias
from nengo.builder.operator import Reset
from nengo.builder.signal import Signal
from nengo.dists import Distribution, get_samples
from nengo.exceptions import BuildError
from nengo.rc import rc
from nengo.utils import numpy as npext

from ..neurons import TrueNorthNeuron
from ..ir import NeuronGroup
from .mappings import (
    _base_type,
    chip_neuron_type,
    chip_neuron_types,
    neuron_mapping,
    supports_regular_spiking_of,
)
from .model import ChipEnsemble
from .registry import TrueNorthBuilder


def unsupported_reason(model, ens):
    """Why ``ens`` cannot run on the chip, or None if it can."""
    neuron_type = ens.neuron_type
    if isinstance(neuron_type, nengo.Direct):
        return "Direct mode ensembles compute on the host"
    if not (
        isinstance(neuron_type, TrueNorthNeuron)
        or type(neuron_type) in chip_neuron_types()
    ):
        return (
            f"neuron type {type(neuron_type).__name__} has no chip equivalent "
            f"(supported: {', '.join(t.__name__ for t in chip_neuron_types())})"
        )
    base = _base_type(neuron_type)
    if base is not neuron_type and not supports_regular_spiking_of(base):
        return f"RegularSpiking({type(base).__name__}) has no chip equivalent"
    if ens.noise is not None:
        return "the chip has no neuron noise process"
    learned = model.learned_inputs(ens)
    if learned:
        conn = learned[0]
        return (
            f"{conn} has learning_rule_type = {conn.learning_rule_type}, and the "
            "chip's weights and encoders are fixed once built"
        )
    return None


def current_to_drive(neuron_type, gain, bias, max_rates, threshold, dt):
    """Scale ``s`` and offset ``J0`` that map Nengo currents to chip drives.

    The chip neuron's drive per tick is ``s·(J - J0)``: zero at the Nengo type's
    threshold current ``J0``, and, at ``x = 1`` (``J = gain + bias``), the drive that
    fires at the neuron's maximum rate, ``max_rate·α·dt``. For rectified linear types
    that is ``s = α·dt`` for every neuron (exact). A neuron silent over the whole
    represented range (``J <= J0`` at ``x = 1``) gets the slope of its own type one
    unit of current above threshold.

    Parameters
    ----------
    neuron_type : nengo.neurons.NeuronType
    gain, bias, max_rates : (n,) ndarray
        As Nengo builds them for ``neuron_type``.
    threshold : float
        The chip neuron's (mean) threshold ``α``.
    dt : float

    Returns
    -------
    scale, offset : (n,) ndarray
    """
    n = len(gain)
    if isinstance(neuron_type, TrueNorthNeuron):
        return np.ones(n), np.zeros(n)
    base = _base_type(neuron_type)
    if neuron_mapping(neuron_type).rate_is_current:
        return np.full(n, threshold * dt), np.zeros(n)
    offset = np.ones(n)
    span = gain + bias - offset
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = max_rates * threshold * dt / span
    bad = ~(np.isfinite(scale) & (scale > 0))
    if bad.any():
        rate_above, _ = base.max_rates_intercepts(np.ones(1), offset[:1])
        scale[bad] = float(rate_above[0]) * threshold * dt
    return scale, offset


def initial_potential(model, ens, chip_type):
    """Each chip neuron's potential at tick 0, before its scaling to integers.

    The neuron type's state is drawn as Nengo draws it (same seed); Nengo's voltages
    are fractions of a threshold of 1, so they become that fraction of ``α``. A
    ``TrueNorthNeuron``'s voltages are chip potentials already. Rate types have no
    voltage and start at 0.
    """
    rng = np.random.RandomState(model.seeds[ens] + 1)
    state = ens.neuron_type.make_state(ens.n_neurons, rng=rng, dtype=np.float64)
    if "voltage" not in state:
        return np.zeros(ens.n_neurons)
    voltage = np.asarray(state["voltage"], dtype=np.float64)
    if isinstance(ens.neuron_type, TrueNorthNeuron):
        return voltage
    mapping = neuron_mapping(ens.neuron_type)
    if mapping is not None and mapping.voltage_fraction is not None:
        voltage = mapping.voltage_fraction(ens.neuron_type, voltage)
    return voltage * chip_type.threshold


def sample_encoders(ens, rng):
    """Encoders as Nengo samples them, normalized unless the ensemble says not to."""
    if isinstance(ens.encoders, Distribution):
        encoders = get_samples(ens.encoders, ens.n_neurons, ens.dimensions, rng=rng)
        encoders = np.asarray(encoders, dtype=rc.float_dtype)
    else:
        encoders = npext.array(ens.encoders, min_dims=2, dtype=rc.float_dtype)
    if ens.normalize_encoders:
        encoders /= npext.norm(encoders, axis=1, keepdims=True)
    if np.any(np.isnan(encoders)):
        raise BuildError(f"{ens}: NaNs in the encoders (zero-length encoders?)")
    return encoders


def per_neuron_option(ens, name, value, what):
    """A positive per-neuron option of ``ens`` (one value for all, or one per neuron)
    as an ``(n,)`` array, or ``None`` where it is unset.

    Parameters
    ----------
    ens : nengo.Ensemble
    name : str
        The option's name (for errors).
    value : object
        What the config holds.
    what : str
        What one value is, for errors (e.g. ``"rate (Hz)"``).

    Raises
    ------
    BuildError
        If ``value`` is not one positive finite number or one per neuron; the message
        names the ensemble, the option and the value.
    """
    if value is None:
        return None
    n = ens.n_neurons
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim > 1 or (array.ndim == 1 and array.size != n):
        raise BuildError(
            f"{ens}: {name} must be one {what} or one per neuron ({n}), not {value!r}"
        )
    flat = array.ravel()
    bad = ~(np.isfinite(flat) & (flat > 0))
    if bad.any():
        raise BuildError(
            f"{ens}: {name} must be positive and finite, not {flat[bad][0]:g}"
        )
    return np.broadcast_to(array, (n,)).copy()


def check_max_rates(ens, max_rates, dt):
    """Refuse (or, for explicit gains and biases, warn of) rates above one per tick.

    A chip neuron fires at most one spike per tick. An ensemble whose ``max_rates``
    ask for more is refused, naming the remedy. An ensemble with explicit ``gain``
    and ``bias`` (as NengoDL's frozen parameters are) has no ``max_rates`` to lower,
    and its rate at ``x = 1`` need not be its operating point (neuron -> neuron
    networks never represent ``x``): it builds, with a warning that neurons driven
    past one spike per tick saturate there.
    """
    ceiling = 1.0 / dt
    if not np.any(max_rates > ceiling):
        return
    above = int(np.count_nonzero(max_rates > ceiling))
    if ens.gain is not None and ens.bias is not None:
        warnings.warn(
            f"{ens}: its gain and bias give {above} of its {ens.n_neurons} neurons "
            f"rates above the chip's {ceiling:g} Hz at x = 1 (up to "
            f"{max_rates.max():g} Hz); a chip neuron fires at most one spike per "
            f"tick of dt = {dt:g} s, so neurons driven that hard saturate there "
            "(scale gain and bias down, with a larger amplitude, to keep their "
            "rates)"
        )
        return
    raise BuildError(
        f"{ens}: max_rates = {max_rates.max():g} Hz is above the chip's "
        f"{ceiling:g} Hz (one spike per tick of dt = {dt:g} s); "
        "lower the ensemble's max_rates"
    )


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
        raise BuildError(
            f"{ens}: on_chip = True, but {reason}; set on_chip = False, or leave it "
            "unset, to run the ensemble on the host"
        )
    mapping = neuron_mapping(ens.neuron_type)
    if mapping is not None and mapping.check is not None:
        mapping.check(model, ens)

    rng = np.random.RandomState(model.seeds[ens])
    eval_points = gen_eval_points(ens, ens.eval_points, rng=rng, dtype=rc.float_dtype)
    encoders = sample_encoders(ens, rng)
    gain, bias, max_rates, intercepts = get_gain_bias(ens, rng, dtype=rc.float_dtype)
    if isinstance(ens.neuron_type, TrueNorthNeuron):
        threshold = ens.neuron_type.threshold
    else:
        threshold = model.option(ens, "threshold", model.options.nominal_threshold)
        check_max_rates(ens, max_rates, model.dt)
    chip_type = chip_neuron_type(ens.neuron_type, threshold)
    # the chip side in float64, whatever Nengo's precision for the host side
    gain64, bias64 = gain.astype(np.float64), bias.astype(np.float64)
    scale, offset = current_to_drive(
        ens.neuron_type,
        gain64,
        bias64,
        max_rates.astype(np.float64),
        chip_type.mean_threshold,
        model.dt,
    )
    chip_gain = scale * gain64
    chip_bias = scale * (bias64 - offset)
    scaled_encoders = encoders * (gain / ens.radius)[:, None]
    chip_encoders = encoders.astype(np.float64) * (chip_gain / ens.radius)[:, None]

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
        "initial_potential": initial_potential(model, ens, chip_type),
    }
    # the weight code is chosen by the connections into it (`weight_bits`), and
    # defaults to the model's at finalize (`default_weight_codes`)
    group = model.chip.graph.add_group(
        NeuronGroup(n, label=str(ens), params=params, obj=ens, code=None)
    )
    model.chip.group_bias[group] = chip_bias
    peak_hz = per_neuron_option(
        ens, "peak_rates", model.option(ens, "peak_rates", None), "rate (Hz)"
    )
    if peak_hz is not None:
        model.chip.peak_rates[group] = peak_hz * model.dt  # spikes per tick
    model.chip_ensembles[ens] = ChipEnsemble(
        ens,
        group,
        chip_type,
        amplitude=chip_type.amplitude,
        gain=chip_gain,
        bias=chip_bias,
        scaled_encoders=chip_encoders,
        unit_encoders=encoders.astype(np.float64) / ens.radius,
        current_scale=scale,
        current_offset=offset,
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
