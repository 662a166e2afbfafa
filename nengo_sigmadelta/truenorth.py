"""ΣΔ neurons on the TrueNorth chip: the mapping, registered with nengo_truenorth.

TrueNorth's neuron with linear reset and a floor at 0 is a first-order ΣΔ modulator:
it adds its drive to its potential every tick, fires when the potential reaches the
threshold ``α`` and subtracts ``α``. :class:`~nengo_sigmadelta.SigmaDelta` with
``reset="subtract"`` is the same modulator in Nengo's units (``v += J'·dt``, spike if
``v > threshold``, ``v -= 1``), so it maps one to one, like
``SpikingRectifiedLinear``: a current of ``J`` Hz is a drive of ``J·dt·α`` per tick, and
the membrane ``v`` in ``(threshold - 1, threshold]`` is the potential
``(v - threshold + 1)·α`` in ``(0, α]``. The parameters:

- ``threshold`` only sets the phase; it moves the initial potential (exact);
- ``max_rate`` must be at least ``1/dt``: the chip neuron's ceiling is one spike per
  tick, and it cannot clip its drive lower (``BuildError`` otherwise);
- ``tau_fb`` does not change the spikes with ``reset="subtract"``; the chip does not
  keep the ``current`` and ``feedback`` states (decode the spikes with
  ``nengo.Lowpass(tau_fb)`` to read the reconstruction);
- ``reset="zero"`` (the published neuron) integrates its input current minus a
  low-passed feedback current: two filtered states the chip neuron lacks
  (``BuildError``; use ``reset="subtract"`` or ``on_chip = False``);
- ``amplitude`` scales the spikes the host reads, as for Nengo's types.

:class:`~nengo_sigmadelta.SigmaDeltaRate` runs as its spiking equivalent.

Two things differ from ``nengo.Simulator``, each by less than one spike: a tick of
negative drive drains the potential towards the floor, where ``SigmaDelta`` keeps it
(it ignores negative input), and a drive above one spike per tick is kept as a debt
the chip neuron pays with spikes later, where ``SigmaDelta`` drops it (its clip at
``1/dt``). The first moves the phase only, by less than one spike; the second makes
the neuron stay saturated for as many ticks as the excess charge lasts.

The mapping registers through a setuptools entry point: ``setup.cfg`` names
:func:`register` in the group ``nengo_truenorth.neuron_mappings``, and the TrueNorth
backend calls every entry point of that group when it first looks up a neuron
mapping. So neither package imports the other on import: ``import nengo_sigmadelta``
loads nothing of ``nengo_truenorth``, and the backend loads this module only when it
builds a network. :func:`register` can be called any number of times.
"""

from nengo.exceptions import BuildError
from nengo_truenorth.frontend.mappings import (
    ChipNeuronMapping,
    register_chip_neuron,
)

from .neurons import SigmaDelta, SigmaDeltaRate


def check_sigmadelta(model, ens):
    """Refuse ``SigmaDelta`` parameters that the chip neuron cannot realize.

    Parameters
    ----------
    model : nengo_truenorth.frontend.Model
    ens : nengo.Ensemble
        An ensemble of :class:`.SigmaDelta` or :class:`.SigmaDeltaRate` neurons about
        to be built on the chip.

    Raises
    ------
    BuildError
        For ``reset="zero"``, or a ``max_rate`` below one spike per tick.
    """
    neuron_type = ens.neuron_type
    if getattr(neuron_type, "reset", "subtract") != "subtract":
        raise BuildError(
            f"{ens}: SigmaDelta reset = {neuron_type.reset!r} integrates the input "
            "current minus a low-passed feedback current, states the chip's neuron "
            "does not have (it can only add its drive and subtract its threshold); "
            "use reset='subtract' (exact on the chip), or run the ensemble on the "
            "host (on_chip = False)"
        )
    ceiling = 1.0 / model.dt
    if neuron_type.max_rate < ceiling * (1 - 1e-9):
        raise BuildError(
            f"{ens}: {type(neuron_type).__name__} max_rate = "
            f"{neuron_type.max_rate:g} Hz is below the chip neuron's ceiling of one "
            f"spike per tick ({ceiling:g} Hz at dt = {model.dt:g} s), and the chip "
            f"cannot clip its drive lower; use max_rate >= {ceiling:g}, or run the "
            "ensemble on the host (on_chip = False)"
        )


def sigmadelta_voltage_fraction(neuron_type, voltage):
    """The chip potential, as a fraction of ``α``, of a ``SigmaDelta`` membrane.

    The membrane ``v`` lives in ``(threshold - 1, threshold]`` and fires above
    ``threshold``; the chip potential lives in ``[0, α)`` and fires at ``α``. So
    ``v`` is ``v - threshold + 1`` thresholds above the floor.
    """
    return voltage - neuron_type.threshold + 1.0


#: ``SigmaDelta`` (``reset="subtract"``) and its rate: rectified lines, ``J`` Hz.
SIGMADELTA_MAPPING = ChipNeuronMapping(
    rate_is_current=True,
    check=check_sigmadelta,
    voltage_fraction=sigmadelta_voltage_fraction,
)


def register():
    """Register :class:`.SigmaDelta` and :class:`.SigmaDeltaRate` with the
    TrueNorth backend.

    The backend calls it through the ``nengo_truenorth.neuron_mappings`` entry point
    (see the module notes). Idempotent: each call sets the same mapping for the same
    two classes, so a second call changes nothing.
    """
    for neuron_class in (SigmaDelta, SigmaDeltaRate):
        register_chip_neuron(neuron_class, SIGMADELTA_MAPPING)
