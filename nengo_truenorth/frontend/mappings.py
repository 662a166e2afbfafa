"""The registry of neuron mappings: which Nengo neuron types run on the chip, and how.

Every supported Nengo neuron type runs on the chip as a TrueNorth neuron with linear
reset (see :mod:`.ensemble`). Each type's mapping is a :class:`ChipNeuronMapping` in
:data:`CHIP_NEURON_MAPPINGS`, keyed by the exact class: a subclass (``AdaptiveLIF``, a
user's ``LIF`` with its own ``step``) may change the dynamics, so it runs on the host.

This is the front end's public extension point. Other packages add their types with
:func:`register_chip_neuron`, directly or through an entry point in the group
``nengo_truenorth.neuron_mappings`` (a function of no arguments that registers them),
which the registry calls on its first lookup: ``nengo_sigmadelta`` registers
``SigmaDelta`` and ``SigmaDeltaRate`` so, and this package imports none of them.
"""

import warnings
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Callable, Optional

from nengo.neurons import (
    LIF,
    LIFRate,
    RectifiedLinear,
    RegularSpiking,
    SpikingRectifiedLinear,
)

from ..hardware.limits import RESET_LINEAR
from ..neurons import ChipSpikingRectifiedLinear, TrueNorthNeuron

#: Entry-point group of functions that register neuron mappings.
ENTRY_POINT_GROUP = "nengo_truenorth.neuron_mappings"


@dataclass(frozen=True)
class ChipNeuronMapping:
    """How a Nengo neuron type runs on the chip's linear-reset neuron.

    Attributes
    ----------
    rate_is_current : bool
        True when the type fires ``J`` Hz for a current ``J >= 0`` (rectified linear
        types): then the drive is ``α·dt·J`` per tick for every neuron, exactly.
        False for LIF-like types, whose tuning line goes through their threshold
        current 1 and their maximum rate (see :func:`current_to_drive`).
    check : callable, optional
        ``check(model, ens)``, called before an ensemble of this type is built on
        the chip; it raises ``BuildError`` for parameters the chip cannot realize.
    voltage_fraction : callable, optional
        ``voltage_fraction(neuron_type, voltage)``: the type's ``"voltage"`` state
        as the fraction of the chip threshold the potential starts at. By default
        the voltage itself (Nengo's voltages are fractions of a threshold of 1).
    """

    rate_is_current: bool
    check: Optional[Callable] = None
    voltage_fraction: Optional[Callable] = None


#: Rectified linear types: rate ``J`` Hz, threshold current 0.
RECTIFIED_MAPPING = ChipNeuronMapping(rate_is_current=True)
#: LIF types: threshold current 1, tuning curves linearized on the chip.
LIF_MAPPING = ChipNeuronMapping(rate_is_current=False)

#: How each Nengo neuron type (this exact class) runs on the chip.
#: ``RegularSpiking`` runs as its base type; any ``TrueNorthNeuron`` runs as itself.
CHIP_NEURON_MAPPINGS = {
    RectifiedLinear: RECTIFIED_MAPPING,
    SpikingRectifiedLinear: RECTIFIED_MAPPING,
    ChipSpikingRectifiedLinear: RECTIFIED_MAPPING,
    LIFRate: LIF_MAPPING,
    LIF: LIF_MAPPING,
}


def register_chip_neuron(neuron_class, mapping):
    """Let ensembles of ``neuron_class`` (this exact class) run on the chip.

    Parameters
    ----------
    neuron_class : type
        A ``nengo.neurons.NeuronType`` subclass.
    mapping : ChipNeuronMapping
        How its currents and voltages become the chip neuron's.

    Examples
    --------
    >>> import nengo
    >>> class MyReLU(nengo.SpikingRectifiedLinear):
    ...     pass
    >>> register_chip_neuron(MyReLU, RECTIFIED_MAPPING)
    >>> MyReLU in chip_neuron_types()
    True
    >>> del CHIP_NEURON_MAPPINGS[MyReLU]
    """
    if not isinstance(mapping, ChipNeuronMapping):
        raise TypeError(f"{mapping!r} is not a ChipNeuronMapping")
    CHIP_NEURON_MAPPINGS[neuron_class] = mapping


def chip_neuron_types():
    """tuple of type: the Nengo neuron types the chip runs (see the module notes)."""
    load_entry_points()
    return tuple(CHIP_NEURON_MAPPINGS) + (RegularSpiking, TrueNorthNeuron)


def neuron_mapping(neuron_type):
    """The :class:`ChipNeuronMapping` of ``neuron_type`` (of its base type for
    ``RegularSpiking``), or None for ``TrueNorthNeuron`` and unsupported types."""
    load_entry_points()
    return CHIP_NEURON_MAPPINGS.get(type(_base_type(neuron_type)))


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


_entry_points_loaded = []


def load_entry_points():
    """Call every registration function of :data:`ENTRY_POINT_GROUP` (once).

    A package whose registration fails is reported with a warning, and its types run
    on the host.
    """
    if _entry_points_loaded:
        return
    _entry_points_loaded.append(True)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            entry.load()()
        except Exception as err:  # a broken plugin must not break every build
            warnings.warn(
                f"neuron mappings of {entry.value!r} ({ENTRY_POINT_GROUP}) could not "
                f"be registered: {type(err).__name__}: {err}"
            )


def _base_type(neuron_type):
    """The rate type behind ``neuron_type`` (its base for ``RegularSpiking``)."""
    if type(neuron_type) is RegularSpiking:
        return neuron_type.base_type
    return neuron_type


def supports_regular_spiking_of(base):
    """bool: whether ``RegularSpiking(base)`` runs on the chip."""
    load_entry_points()
    return type(base) in CHIP_NEURON_MAPPINGS
