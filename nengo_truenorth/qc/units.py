"""The Elman units as a Nengo neuron type: spikes counted over one word's window.

On the chip (:mod:`.core`) a unit integrates a word's input over a window of 15 ticks,
fires whenever its potential reaches its threshold (at most once a tick), subtracts
the threshold and never goes below 0; what it has not fired carries into the next
word's window. Counted per window and in units of the threshold, that is

    v <- v + J;   s = clip(floor(v), 0, 15);   v <- max(v - s, 0)

with ``J = weight_scale * U / threshold`` the window's input (``U`` the sum of weight
levels times input counts). :class:`WindowUnits` is this step in Nengo's terms (one
simulator step per word, ``J`` from the ensemble's input with unit gain and zero
bias), the surrogate that NengoDL trains with. It is not the chip bit for bit --
within a window the chip's floor at 0 and one spike per tick depend on when the
spikes arrive -- but on trained networks its counts stay within about one of the
chip's (docs/qc.md compares the two accuracies); the chip's own ticks
(:func:`.core.run_core`) give the accuracy that is reported.

With ``carry=False`` the remainder is dropped after each word (``v`` restarts at 0):
the one-step-per-word quantized network, ``clip(floor(J), 0, 15)``.
"""

import numpy as np
from nengo.dists import Choice
from nengo.neurons import NeuronType
from nengo.params import BoolParam, IntParam

from .core import ACTIVITY_MAX

#: Added before the floor, so that a whole count that float arithmetic put a hair
#: below itself still counts: inputs are multiples of ``1 / threshold``, and chip
#: thresholds are below ``1 / FLOOR_TOLERANCE``.
FLOOR_TOLERANCE = 1e-4


class WindowUnits(NeuronType):
    """Spikes per window of a linear-reset chip neuron, its remainder carried.

    Parameters
    ----------
    max_count : int, optional
        The most spikes in a window (15: one a tick).
    carry : bool, optional
        Carry the sub-threshold remainder into the next step (as the chip's
        potential does); False restarts every step at 0.
    initial_state : dict, optional
        As for ``NeuronType``.

    Notes
    -----
    The output is the count itself (not a rate in Hz): the network counts its
    activities in levels. Use it with unit gain and zero bias on connections into
    ``ensemble.neurons``.

    Examples
    --------
    >>> import numpy as np
    >>> units = WindowUnits()
    >>> out, v = np.zeros(3), np.zeros(3)
    >>> units.step(1.0, np.array([2.5, -1.0, 20.0]), out, v)
    >>> out, v
    (array([ 2.,  0., 15.]), array([0.5, 0. , 5. ]))
    """

    state = {"voltage": Choice([0.0])}
    spiking = False

    max_count = IntParam("max_count", low=1)
    carry = BoolParam("carry")

    def __init__(self, max_count=ACTIVITY_MAX, carry=True, initial_state=None):
        super().__init__(initial_state)
        self.max_count = max_count
        self.carry = carry
        self.negative = False

    def gain_bias(self, max_rates, intercepts):
        """Unit gain and zero bias: ``J`` is the input in thresholds."""
        n = np.asarray(max_rates).size
        return np.ones(n), np.zeros(n)

    def max_rates_intercepts(self, gain, bias):
        n = np.asarray(gain).size
        return np.full(n, float(self.max_count)), np.zeros(n)

    def rates(self, x, gain, bias):
        """The count of one window from rest, ``clip(floor(J), 0, max_count)``."""
        J = self.current(x, gain, bias)
        return np.clip(np.floor(J + FLOOR_TOLERANCE), 0, self.max_count)

    def step(self, dt, J, output, voltage):
        """One word's window: add ``J``, count whole thresholds, keep the rest."""
        v = voltage + J if self.carry else np.array(J, dtype=float)
        output[...] = np.clip(np.floor(v + FLOOR_TOLERANCE), 0, self.max_count)
        voltage[...] = np.maximum(v - output, 0.0) if self.carry else 0.0
