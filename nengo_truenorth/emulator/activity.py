"""Activity counters of an emulator run: the inputs of the energy model."""

from dataclasses import dataclass, field

import numpy as np

from ..hardware.limits import NEURONS_PER_CORE

#: The largest value of a per-core counter (``int64``); emulators refuse runs that
#: could pass it (:attr:`.Emulator.max_exact_ticks`).
COUNTER_MAX = np.iinfo(np.int64).max


@dataclass
class Activity:
    """What happened on the chip since the emulator was last reset.

    Per-core counters are indexed like ``model.cores``.

    Attributes
    ----------
    ticks : int
        Ticks run.
    core_ids : (n_cores,) ndarray of int
    coordinates : (n_cores, 2) ndarray of int
        Mesh ``(x, y)`` of each core.
    synaptic_events : (n_cores,) ndarray of int64
        Active-axon/crossbar-synapse pairs integrated by each core's neurons
        (``A[i] * w[i][j] = 1``), stochastic synapses included whatever they drew.
    spikes : (n_cores,) ndarray of int64
        Spikes fired by each core's neurons.
    spike_hops : (n_cores,) ndarray of int64
        Mesh hops ``|dx| + |dy|`` travelled by spikes leaving each core.
    chip_crossings : (n_cores,) ndarray of int64
        Chip edges crossed by spikes leaving each core (``|dX| + |dY|`` in chips).
    input_spikes : int
        Spikes that entered through input ports (they arrive from the chip's edge
        and are not counted as hops).
    saturated : (n_cores * 256,) ndarray of int64 or None
        Per global neuron (``core position * 256 + neuron``), the ticks at which it
        was *saturated*: it fired and its potential after the reset was still at or
        above its highest threshold, ``α + 2^TM - 1`` (it had more drive than one
        spike per tick carries), or its potential was clipped at ``POTENTIAL_MAX``
        (spec step 6, after synaptic integration or the leak). None in counters
        not made by an emulator (:func:`~nengo_truenorth.energy.reference_activity`).
    """

    ticks: int
    core_ids: np.ndarray
    coordinates: np.ndarray
    synaptic_events: np.ndarray
    spikes: np.ndarray
    spike_hops: np.ndarray
    chip_crossings: np.ndarray
    input_spikes: int = 0
    extra: dict = field(default_factory=dict)
    saturated: np.ndarray = None

    @classmethod
    def empty(cls, model):
        """Zeroed counters for the cores of ``model``."""
        n = len(model.cores)
        return cls(
            ticks=0,
            core_ids=np.array([c.id for c in model.cores], dtype=np.int64),
            coordinates=model.coordinates(),
            synaptic_events=np.zeros(n, dtype=np.int64),
            spikes=np.zeros(n, dtype=np.int64),
            spike_hops=np.zeros(n, dtype=np.int64),
            chip_crossings=np.zeros(n, dtype=np.int64),
            saturated=np.zeros(n * NEURONS_PER_CORE, dtype=np.int64),
        )

    @property
    def n_cores(self):
        """int: cores in the model."""
        return self.core_ids.size

    @property
    def active(self):
        """(n_cores,) ndarray of bool: cores that integrated or fired anything."""
        return (self.synaptic_events > 0) | (self.spikes > 0)

    @property
    def active_cores(self):
        """int: cores that integrated a synaptic event or fired a spike."""
        return int(self.active.sum())

    @property
    def totals(self):
        """dict of str to int: whole-model totals of every counter.

        Summed as Python integers, so a total is exact even where it passes the
        ``int64`` range of the per-core counters.
        """
        return {
            "ticks": int(self.ticks),
            "synaptic_events": _exact_sum(self.synaptic_events),
            "spikes": _exact_sum(self.spikes),
            "spike_hops": _exact_sum(self.spike_hops),
            "chip_crossings": _exact_sum(self.chip_crossings),
            "input_spikes": int(self.input_spikes),
            "active_cores": self.active_cores,
            "cores": self.n_cores,
        }


def _exact_sum(counts):
    """The sum of an integer array as a Python ``int``, which cannot overflow."""
    return sum(np.asarray(counts).tolist())
