"""A TrueNorth neurosynaptic core: axons, crossbar, neurons and their destinations.

The core is a plain container of integer arrays, laid out as the spec and the model
file lay them out; :mod:`nengo_truenorth.hardware.validation` checks them.
"""

import numpy as np

from .limits import (
    AXONS_PER_CORE,
    CHIP_SIZE,
    N_AXON_TYPES,
    NEURON_FIELDS,
    NEURONS_PER_CORE,
)

#: Default value of each per-neuron field: a silent neuron with threshold 1.
NEURON_DEFAULTS = {
    "weights": 0,
    "stochastic_weights": 0,
    "leak": 0,
    "stochastic_leak": 0,
    "leak_reversal": 0,
    "threshold": 1,
    "negative_threshold": 0,
    "threshold_mask_bits": 0,
    "reset_potential": 0,
    "reset_mode": 0,
    "negative_saturation": 0,
    "initial_potential": 0,
}


class Core:
    """One neurosynaptic core of 256 axons and 256 neurons.

    Parameters
    ----------
    id : int
        Unique id of the core in its model.
    x, y : int
        Global mesh coordinates; the core lies on chip ``(x // 64, y // 64)``.
    seed : int
        Seed of the core's pseudo-random number generator (stochastic modes).

    Attributes
    ----------
    axon_types : (256,) ndarray of int
        Type ``G[i]`` in 0..3 of each axon.
    crossbar : (256, 256) ndarray of bool
        ``crossbar[i, j]`` connects axon ``i`` to neuron ``j``.
    weights, stochastic_weights : (256, 4) ndarray of int
        Per-neuron weight ``s[j][G]`` and stochastic flag ``b[j][G]`` per axon type.
    leak, stochastic_leak, leak_reversal, threshold, negative_threshold, \
threshold_mask_bits, reset_potential, reset_mode, negative_saturation, \
initial_potential : (256,) ndarray of int
        The other per-neuron parameters of spec section 2.
    target_core, target_axon, target_delay : (256,) ndarray of int
        Each neuron's destination; ``target_core == -1`` means none.

    Examples
    --------
    A neuron that counts spikes on axon 0 and fires every third one:

    >>> core = Core(0)
    >>> core.connect(axon=0, neuron=5)
    >>> core.set_neuron(5, weights=[1, 0, 0, 0], threshold=3)
    """

    def __init__(self, id, x=0, y=0, seed=0):
        self._place(id, x, y, seed)
        self.axon_types = np.zeros(AXONS_PER_CORE, dtype=np.int64)
        self.crossbar = np.zeros((AXONS_PER_CORE, NEURONS_PER_CORE), dtype=bool)
        for name, (width, _, _) in NEURON_FIELDS.items():
            shape = (NEURONS_PER_CORE,) if width == 1 else (NEURONS_PER_CORE, width)
            setattr(self, name, np.full(shape, NEURON_DEFAULTS[name], dtype=np.int64))
        self.target_core = np.full(NEURONS_PER_CORE, -1, dtype=np.int64)
        self.target_axon = np.zeros(NEURONS_PER_CORE, dtype=np.int64)
        self.target_delay = np.ones(NEURONS_PER_CORE, dtype=np.int64)

    @classmethod
    def from_arrays(
        cls,
        *,
        id,
        x,
        y,
        seed,
        axon_types,
        crossbar,
        neurons,
        target_core,
        target_axon,
        target_delay,
    ):
        """A core holding the given arrays: the one way to build a core from arrays.

        The arrays are kept as given (``numpy.asarray``, no copy and no change of
        dtype), so a core may hold views of rows of larger arrays, as the cores of
        :meth:`.ChipModel.from_arrays` do. Shapes, dtypes and ranges are not checked
        here; :meth:`.ChipModel.validate` checks them.

        Parameters
        ----------
        id : int
            Unique id of the core in its model.
        x, y : int
            Global mesh coordinates.
        seed : int
            Seed of the core's pseudo-random number generator, 0..2**64 - 1.
        axon_types : (256,) array_like of int
            Type ``G[i]`` in 0..3 of each axon (int64, like :class:`Core`'s own).
        crossbar : (256, 256) array_like of bool
            ``crossbar[i, j]`` connects axon ``i`` to neuron ``j``.
        neurons : dict of str to array_like of int
            Every per-neuron field of spec section 2 (the keys of
            :data:`~.limits.NEURON_FIELDS`, no more and no fewer): ``(256, 4)`` for
            ``weights`` and ``stochastic_weights``, ``(256,)`` for the others (int64).
        target_core, target_axon, target_delay : (256,) array_like of int
            Each neuron's destination (int64); ``target_core == -1`` means none.

        Returns
        -------
        Core

        Raises
        ------
        KeyError
            If ``neurons`` lacks a field of spec section 2 or has an unknown one.

        Examples
        --------
        Axon ``i`` feeds neuron ``i``, every neuron with the default parameters:

        >>> core = Core.from_arrays(
        ...     id=7,
        ...     x=1,
        ...     y=2,
        ...     seed=3,
        ...     axon_types=np.zeros(256, dtype=np.int64),
        ...     crossbar=np.eye(256, dtype=bool),
        ...     neurons=Core(0).neuron_arrays(),
        ...     target_core=np.full(256, -1, dtype=np.int64),
        ...     target_axon=np.zeros(256, dtype=np.int64),
        ...     target_delay=np.ones(256, dtype=np.int64),
        ... )
        >>> core, int(core.synapse_counts()[0])
        (<Core 7 at (1, 2)>, 1)
        """
        check_neuron_fields(neurons, f"core {id}")
        core = cls.__new__(cls)
        core._place(id, x, y, seed)
        core.axon_types = np.asarray(axon_types)
        core.crossbar = np.asarray(crossbar)
        for name in NEURON_FIELDS:
            setattr(core, name, np.asarray(neurons[name]))
        core.target_core = np.asarray(target_core)
        core.target_axon = np.asarray(target_axon)
        core.target_delay = np.asarray(target_delay)
        return core

    def _place(self, id, x, y, seed):
        """Set the core's id, mesh coordinates and seed (as Python ints)."""
        self.id = int(id)
        self.x = int(x)
        self.y = int(y)
        self.seed = int(seed)

    def __repr__(self):
        return f"<Core {self.id} at ({self.x}, {self.y})>"

    @property
    def chip(self):
        """tuple of int: the ``(x, y)`` of the chip this core lies on."""
        return (self.x // CHIP_SIZE, self.y // CHIP_SIZE)

    @property
    def is_deterministic(self):
        """bool: no stochastic weight, leak or threshold is used on this core."""
        return not (
            self.stochastic_weights.any()
            or self.stochastic_leak.any()
            or self.threshold_mask_bits.any()
        )

    def neuron_arrays(self):
        """dict of str to ndarray: every per-neuron field of spec section 2."""
        return {name: getattr(self, name) for name in NEURON_FIELDS}

    def set_neuron(self, neuron, **params):
        """Set parameters of one neuron (or a slice or index array of neurons).

        Parameters
        ----------
        neuron : int, slice or array_like of int
            Neuron index or indices.
        **params
            Field names of spec section 2 (``weights``, ``leak``, ``threshold``...).
        """
        for name, value in params.items():
            if name not in NEURON_FIELDS:
                raise KeyError(
                    f"{self}: unknown neuron field {name!r}; "
                    f"known fields: {', '.join(NEURON_FIELDS)}"
                )
            getattr(self, name)[neuron] = value

    def connect(self, axon, neuron, connected=True):
        """Set crossbar bits ``w[axon][neuron]`` (indices may be arrays or slices)."""
        self.crossbar[axon, neuron] = connected

    def set_destination(self, neuron, core, axon, delay=1):
        """Send the spikes of ``neuron`` to ``axon`` of ``core`` after ``delay`` ticks.

        ``core`` may be a :class:`Core` or a core id; ``-1`` or ``None`` clears it.
        """
        core_id = -1 if core is None else getattr(core, "id", core)
        self.target_core[neuron] = core_id
        self.target_axon[neuron] = axon
        self.target_delay[neuron] = delay

    def synapse_counts(self):
        """(256,) ndarray of int: connected axons per neuron (the neuron's fan-in)."""
        return self.crossbar.sum(axis=0)


def check_neuron_fields(neurons, where):
    """Check ``neurons`` has every per-neuron field of spec section 2, and no other.

    Parameters
    ----------
    neurons : dict of str to object
    where : str
        What the fields are for, for the message (e.g. ``"core 3"``).

    Raises
    ------
    KeyError
        Naming the missing or unknown fields and listing the known ones.
    """
    missing = [name for name in NEURON_FIELDS if name not in neurons]
    unknown = [name for name in neurons if name not in NEURON_FIELDS]
    if missing or unknown:
        what = [f"missing neuron fields {missing}"] if missing else []
        what += [f"unknown neuron fields {unknown}"] if unknown else []
        raise KeyError(
            f"{where}: {'; '.join(what)}; known fields: {', '.join(NEURON_FIELDS)}"
        )


def axon_type_weights(core):
    """Return the weight each crossbar synapse would carry, ``s[j][G[i]]``.

    Parameters
    ----------
    core : Core

    Returns
    -------
    (256, 256) ndarray of int
        Entry ``[i, j]`` is ``w[i][j] * s[j][G[i]]``.
    """
    per_axon = core.weights[:, core.axon_types].T  # [i, j] = s[j][G[i]]
    return np.where(core.crossbar, per_axon, 0)


__all__ = [
    "NEURON_DEFAULTS",
    "N_AXON_TYPES",
    "Core",
    "axon_type_weights",
    "check_neuron_fields",
]
