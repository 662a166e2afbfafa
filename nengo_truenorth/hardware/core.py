"""A TrueNorth neurosynaptic core: axons, crossbar, neurons and their destinations.

The core is a plain container of integer arrays, laid out as the spec and the model
file lay them out; :mod:`nengo_truenorth.hardware.validation` checks them.
"""

import numpy as np

from .limits import AXONS_PER_CORE, N_AXON_TYPES, NEURON_FIELDS, NEURONS_PER_CORE

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
        self.id = int(id)
        self.x = int(x)
        self.y = int(y)
        self.seed = int(seed)
        self.axon_types = np.zeros(AXONS_PER_CORE, dtype=np.int64)
        self.crossbar = np.zeros((AXONS_PER_CORE, NEURONS_PER_CORE), dtype=bool)
        for name, (width, _, _) in NEURON_FIELDS.items():
            shape = (NEURONS_PER_CORE,) if width == 1 else (NEURONS_PER_CORE, width)
            setattr(self, name, np.full(shape, NEURON_DEFAULTS[name], dtype=np.int64))
        self.target_core = np.full(NEURONS_PER_CORE, -1, dtype=np.int64)
        self.target_axon = np.zeros(NEURONS_PER_CORE, dtype=np.int64)
        self.target_delay = np.ones(NEURONS_PER_CORE, dtype=np.int64)

    def __repr__(self):
        return f"<Core {self.id} at ({self.x}, {self.y})>"

    @property
    def chip(self):
        """tuple of int: the ``(x, y)`` of the chip this core lies on."""
        from .limits import CHIP_SIZE

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


__all__ = ["Core", "NEURON_DEFAULTS", "axon_type_weights", "N_AXON_TYPES"]
