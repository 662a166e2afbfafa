"""The reference emulator: spec section 3 line by line, in plain Python.

This is the executable specification. It is slow on purpose -- every neuron is one
Python loop iteration -- and every step carries the spec's step number, so a reader can
check it against ``truenorth-chip.md``. The fast emulator is tested against it.
"""

from collections import defaultdict

import numpy as np

from ..hardware.limits import (
    AXONS_PER_CORE,
    NEURONS_PER_CORE,
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_LINEAR,
    RESET_NORMAL,
)
from . import prng
from .base import Emulator


def sgn(x):
    """Sign of ``x`` as -1, 0 or 1."""
    return (x > 0) - (x < 0)


def saturate(v):
    """Spec section 3.6: clamp to the 20-bit signed range."""
    return min(max(v, POTENTIAL_MIN), POTENTIAL_MAX)


class NeuronParams:
    """The parameters of one neuron as plain Python ints (read-only)."""

    def __init__(self, core, j):
        self.s = [int(w) for w in core.weights[j]]
        self.b = [int(w) for w in core.stochastic_weights[j]]
        self.leak = int(core.leak[j])
        self.c = int(core.stochastic_leak[j])
        self.epsilon = int(core.leak_reversal[j])
        self.alpha = int(core.threshold[j])
        self.beta = int(core.negative_threshold[j])
        self.tm = int(core.threshold_mask_bits[j])
        self.R = int(core.reset_potential[j])
        self.gamma = int(core.reset_mode[j])
        self.kappa = int(core.negative_saturation[j])


class ReferenceEmulator(Emulator):
    """Readable, slow emulator that follows the chip specification step by step.

    Parameters
    ----------
    model : ChipModel
        The hardware model; validated before anything runs.

    Examples
    --------
    >>> from nengo_truenorth.hardware import ChipModel
    >>> model = ChipModel()
    >>> core = model.add_core()
    >>> core.set_neuron(0, leak=1, threshold=10)
    >>> model.add_output("out", [(core.id, 0)])
    >>> ReferenceEmulator(model).run(20)["out"].tolist()
    [[9, 0], [19, 0]]
    """

    name = "reference"

    def _build(self):
        self.params = [
            [NeuronParams(core, j) for j in range(NEURONS_PER_CORE)]
            for core in self.model.cores
        ]
        # inputs[c][j]: the axons connected to neuron j of core c, with their types
        self.inputs = [
            [
                [
                    (int(i), int(core.axon_types[i]))
                    for i in np.flatnonzero(core.crossbar[:, j])
                ]
                for j in range(NEURONS_PER_CORE)
            ]
            for core in self.model.cores
        ]
        self.core_keys = [prng.core_key(core.seed) for core in self.model.cores]
        target, delay, hops, crossings = self._routing_tables()
        self.target = target.tolist()
        self.delay = delay.tolist()
        self.hops = hops.tolist()
        self.crossings = crossings.tolist()

    def _reset_state(self):
        self.V = [[int(v) for v in core.initial_potential] for core in self.model.cores]
        # pending[t] = set of global axons with a spike due at tick t
        self.pending = defaultdict(set)

    def _advance(self, ticks, ext_ptr, ext_axons, spike_watch, voltage_watch):
        spikes = np.zeros((ticks, spike_watch.size), dtype=bool)
        voltages = np.zeros((ticks, voltage_watch.size), dtype=np.int32)
        for k in range(ticks):
            external = ext_axons[ext_ptr[k] : ext_ptr[k + 1]]
            fired = self._tick(self.tick + k, external)
            spikes[k] = [g in fired for g in spike_watch.tolist()]
            voltages[k] = [
                self.V[g // NEURONS_PER_CORE][g % NEURONS_PER_CORE]
                for g in voltage_watch.tolist()
            ]
        return spikes, voltages

    def _tick(self, t, external):
        """Run tick ``t``; return the set of global neurons that fired."""
        # 1. Axon activity: spikes due now, from neurons and from outside, merged.
        active = self.pending.pop(t, set()) | {int(a) for a in external}
        fired = set()
        for c in range(self.n_cores):
            A = [False] * AXONS_PER_CORE
            for a in active:
                if a // AXONS_PER_CORE == c:
                    A[a % AXONS_PER_CORE] = True
            tkey = prng.tick_key(self.core_keys[c], t)
            for j in range(NEURONS_PER_CORE):
                if self._update_neuron(c, j, A, t, tkey):
                    fired.add(c * NEURONS_PER_CORE + j)
        for g in fired:
            # 7. Delivery: active at tick t + d on the destination axon.
            c = g // NEURONS_PER_CORE
            self.activity.spikes[c] += 1
            if self.target[g] >= 0:
                self.pending[t + self.delay[g]].add(self.target[g])
                self.activity.spike_hops[c] += self.hops[g]
                self.activity.chip_crossings[c] += self.crossings[g]
        return fired

    def _update_neuron(self, c, j, A, t, tkey):
        """Steps 2-6 of spec section 3 for neuron ``j`` of core ``c``; True if it fires."""
        p = self.params[c][j]
        V = self.V[c][j]

        # 2. Synaptic integration.
        for i, G in self.inputs[c][j]:
            if not A[i]:
                continue
            self.activity.synaptic_events[c] += 1
            s = p.s[G]
            if p.b[G] == 0:
                V += s
            else:
                rho = prng.draw(tkey, j, prng.STREAM_SYNAPSE, i) & 0xFF
                if rho < abs(s):
                    V += sgn(s)
        # A clip at the top loses drive: one of the two ways a neuron saturates.
        clipped = V > POTENTIAL_MAX
        V = saturate(V)

        # 3. Leak, reversed by the sign of V when epsilon = 1.
        omega = 1 if p.epsilon == 0 else sgn(V)
        if p.c == 0:
            V += omega * p.leak
        else:
            rho = prng.draw(tkey, j, prng.STREAM_LEAK) & 0xFF
            if rho < abs(p.leak):
                V += omega * sgn(p.leak)
        clipped = clipped or V > POTENTIAL_MAX
        V = saturate(V)

        # 4. Threshold mask.
        eta = 0
        if p.tm > 0:
            eta = prng.draw(tkey, j, prng.STREAM_THRESHOLD) & ((1 << p.tm) - 1)

        # 5. Fire and reset.
        spiked = False
        if V >= p.alpha + eta:
            spiked = True
            if p.gamma == RESET_NORMAL:
                V = p.R
            elif p.gamma == RESET_LINEAR:
                V = V - (p.alpha + eta)
        elif V < -(p.beta * p.kappa + (p.beta + eta) * (1 - p.kappa)):
            if p.kappa == 1:
                V = -p.beta
            elif p.gamma == RESET_NORMAL:
                V = -p.R
            elif p.gamma == RESET_LINEAR:
                V = V + (p.beta + eta)

        # 6. Saturation.
        self.V[c][j] = saturate(V)

        # Saturated (Activity.saturated): it fired and is still at or above the
        # highest threshold its mask can draw -- it had more drive than one spike
        # per tick carries -- or its potential was clipped at the top. (Step 6
        # never clips at the top: no reset raises V above POTENTIAL_MAX.) The
        # highest threshold, not this tick's: a neuron that does not reset (a
        # filter neuron) is above this tick's threshold after every spike.
        if (spiked and self.V[c][j] >= p.alpha + (1 << p.tm) - 1) or clipped:
            self.activity.saturated[c * NEURONS_PER_CORE + j] += 1
        return spiked
