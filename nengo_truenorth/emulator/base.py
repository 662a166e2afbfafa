"""The interface shared by every emulator of the chip.

An emulator runs a validated :class:`~nengo_truenorth.hardware.ChipModel` tick by tick.
This base class owns what all emulators share -- ports, input schedules, output
spikes, probes and activity counters -- and leaves one method to each emulator:
:meth:`Emulator._advance`, which runs a block of ticks over *global* indices
(``core position * 256 + axon or neuron``, in the order of ``model.cores``).
"""

import numpy as np

from ..hardware.errors import SpikeFileError
from ..hardware.limits import AXONS_PER_CORE, CHIP_SIZE, NEURONS_PER_CORE
from .activity import Activity


class EmulatorProbe:
    """Records spikes or membrane potentials of some neurons of one core.

    Created by :meth:`Emulator.probe`; read :attr:`data` after running.

    Attributes
    ----------
    core_id : int
    neurons : (n,) ndarray of int
        Neuron indices within the core.
    kind : {"spikes", "voltage"}
    data : (n_ticks, n) ndarray
        ``bool`` spikes or ``int32`` potentials (after the tick), one row per tick run
        since the last reset.
    """

    KINDS = ("spikes", "voltage")

    def __init__(self, core_id, neurons, kind):
        if kind not in self.KINDS:
            raise ValueError(f"probe kind {kind!r} is not one of {self.KINDS}")
        self.core_id = core_id
        self.neurons = np.asarray(neurons, dtype=np.int64)
        self.kind = kind
        self._blocks = []

    def __repr__(self):
        return f"<EmulatorProbe {self.kind} of core {self.core_id}, {self.neurons.size} neurons>"

    @property
    def data(self):
        dtype = bool if self.kind == "spikes" else np.int32
        if not self._blocks:
            return np.zeros((0, self.neurons.size), dtype=dtype)
        return np.concatenate(self._blocks, axis=0).astype(dtype, copy=False)

    def _clear(self):
        self._blocks = []


class Emulator:
    """Base class of the chip emulators.

    Parameters
    ----------
    model : ChipModel
        The hardware model to run; it is validated first, and nothing runs if it breaks
        a rule.

    Attributes
    ----------
    model : ChipModel
    tick : int
        The next tick to run (ticks count from 0).
    activity : Activity
        Counters of what happened since the last reset.
    """

    #: Short name used in reports and benchmarks.
    name = "base"

    def __init__(self, model):
        model.validate()
        self.model = model
        self.n_cores = len(model.cores)
        self._position = model.core_index()
        self._input_axons = {
            port: self._global(entries, AXONS_PER_CORE)
            for port, entries in model.inputs.items()
        }
        self._output_neurons = {
            port: self._global(entries, NEURONS_PER_CORE)
            for port, entries in model.outputs.items()
        }
        self._probes = []
        self._build()
        self.reset()

    # --- what each emulator implements -------------------------------------------

    def _build(self):
        """Prepare the emulator's own representation of ``self.model``."""

    def _reset_state(self):
        """Set potentials to their initial values and clear pending spikes."""
        raise NotImplementedError

    def _advance(self, ticks, ext_ptr, ext_axons, spike_watch, voltage_watch):
        """Run ``ticks`` ticks from ``self.tick``.

        Parameters
        ----------
        ticks : int
        ext_ptr : (ticks + 1,) ndarray of int64
            External input of tick ``self.tick + k`` is
            ``ext_axons[ext_ptr[k]:ext_ptr[k + 1]]``.
        ext_axons : ndarray of int64
            Global axon indices.
        spike_watch : (n_s,) ndarray of int64
            Global neurons whose spikes are recorded.
        voltage_watch : (n_v,) ndarray of int64
            Global neurons whose potentials are recorded after each tick.

        Returns
        -------
        spikes : (ticks, n_s) ndarray of bool
        voltages : (ticks, n_v) ndarray of int32
        """
        raise NotImplementedError

    # --- the shared interface ---------------------------------------------------

    def _global(self, entries, per_core):
        return np.array(
            [self._position[c] * per_core + i for c, i in entries], dtype=np.int64
        )

    def reset(self):
        """Return to tick 0: initial potentials, no pending spikes, empty probes."""
        self.tick = 0
        self.activity = Activity.empty(self.model)
        for probe in self._probes:
            probe._clear()
        self._reset_state()

    def probe(self, core_id, neurons=None, kind="spikes"):
        """Record ``"spikes"`` or ``"voltage"`` of some neurons of core ``core_id``.

        Parameters
        ----------
        core_id : int
        neurons : array_like of int, optional
            Neuron indices in the core (default: all 256).
        kind : {"spikes", "voltage"}

        Returns
        -------
        EmulatorProbe
        """
        if core_id not in self._position:
            raise KeyError(f"{self.name} emulator: no core with id {core_id}")
        if neurons is None:
            neurons = np.arange(NEURONS_PER_CORE)
        probe = EmulatorProbe(core_id, neurons, kind)
        if probe.neurons.size and (
            probe.neurons.min() < 0 or probe.neurons.max() >= NEURONS_PER_CORE
        ):
            raise IndexError(f"{probe}: neuron indices must lie in 0..255")
        self._probes.append(probe)
        return probe

    def advance_tick(self, axons, spike_watch, voltage_watch):
        """Run one tick on global indices: the lean path of the Nengo Simulator.

        Parameters
        ----------
        axons : ndarray of int64
            Global axons that inputs make active at this tick (duplicates merge).
        spike_watch, voltage_watch : ndarray of int64
            Global neurons whose spikes and potentials to return. An emulator may
            keep what it derives from them while the same array objects come back,
            so change the watch lists by passing new arrays, not in place.

        Returns
        -------
        spikes : (n_s,) ndarray of bool
        voltages : (n_v,) ndarray of int32
        """
        ptr = np.array([0, axons.size], dtype=np.int64)
        spikes, voltages = self._advance(1, ptr, axons, spike_watch, voltage_watch)
        self.tick += 1
        self.activity.ticks += 1
        self.activity.input_spikes += int(axons.size)
        return spikes[0], voltages[0]

    def step(self, inputs=None):
        """Run one tick.

        Parameters
        ----------
        inputs : dict of str to array_like of int, optional
            Per input port, the indices that spike at this tick.

        Returns
        -------
        dict of str to ndarray of int
            Per output port, the indices that spiked at this tick.
        """
        spikes = {
            port: [[self.tick, int(k)] for k in np.atleast_1d(idx)]
            for port, idx in (inputs or {}).items()
        }
        out = self.run(1, spikes)
        return {port: s[:, 1] for port, s in out.items()}

    def run(self, ticks, inputs=None, progress_bar=False):
        """Run ``ticks`` ticks from the current tick.

        Parameters
        ----------
        ticks : int
            Number of ticks to run.
        inputs : dict of str to array_like, optional
            Spike-file style input: per input port, ``[tick, index]`` pairs with
            absolute ticks; a spike at tick ``t`` makes its axon active at tick ``t``.
            Spikes at ticks outside this run are refused.
        progress_bar : bool, optional
            Show a progress bar (``tqdm``) for long runs.

        Returns
        -------
        dict of str to (n, 2) ndarray of int
            Per output port, ``[tick, index]`` of each output spike, sorted by tick
            then index.
        """
        ticks = int(ticks)
        if ticks < 0:
            raise ValueError(f"{self.name} emulator: ticks = {ticks} must be >= 0")
        ext_ptr, ext_axons = self._schedule(ticks, inputs)
        watch = self._spike_watch()
        vwatch = self._voltage_watch()
        spike_blocks, voltage_blocks = [], []
        for start, stop in self._blocks(ticks, progress_bar):
            ptr = ext_ptr[start : stop + 1]
            axons = ext_axons[ptr[0] : ptr[-1]]
            s, v = self._advance(stop - start, ptr - ptr[0], axons, watch, vwatch)
            self.tick += stop - start
            spike_blocks.append(s)
            voltage_blocks.append(v)
        self.activity.ticks += ticks
        self.activity.input_spikes += int(ext_axons.size)
        spikes = (
            np.concatenate(spike_blocks)
            if spike_blocks
            else np.zeros((0, watch.size), dtype=bool)
        )
        voltages = (
            np.concatenate(voltage_blocks)
            if voltage_blocks
            else np.zeros((0, vwatch.size), dtype=np.int32)
        )
        self._record_probes(spikes, voltages)
        return self._output_spikes(spikes, self.tick - ticks)

    # --- helpers of run ----------------------------------------------------------

    def _blocks(self, ticks, progress_bar):
        """Split a run into blocks so a progress bar can move."""
        block = ticks if not progress_bar else max(1, min(1000, ticks // 100 or 1))
        edges = list(range(0, ticks, block or 1)) + [ticks]
        pairs = list(zip(edges[:-1], edges[1:]))
        if progress_bar and ticks > 0:
            from tqdm import tqdm

            bar = tqdm(total=ticks, unit="tick", desc=f"{self.name} emulator")
            for a, b in pairs:
                yield a, b
                bar.update(b - a)
            bar.close()
        else:
            yield from pairs

    def _schedule(self, ticks, inputs):
        """Turn spike-file style inputs into a per-tick CSR of global axons."""
        per_tick = [[] for _ in range(ticks)]
        for port, spikes in (inputs or {}).items():
            if port not in self._input_axons:
                raise SpikeFileError(
                    f"input port {port!r}: no such port in the model "
                    f"(ports: {sorted(self._input_axons)})"
                )
            axons = self._input_axons[port]
            spikes = np.asarray(spikes, dtype=np.int64).reshape(-1, 2)
            for t, k in spikes:
                if not 0 <= k < axons.size:
                    raise SpikeFileError(
                        f"input port {port!r}: index = {k} is outside 0..{axons.size - 1}"
                    )
                if not self.tick <= t < self.tick + ticks:
                    raise SpikeFileError(
                        f"input port {port!r}: tick = {t} is outside this run "
                        f"({self.tick}..{self.tick + ticks - 1})"
                    )
                per_tick[t - self.tick].append(axons[k])
        ext_ptr = np.zeros(ticks + 1, dtype=np.int64)
        ext_ptr[1:] = np.cumsum([len(a) for a in per_tick])
        ext_axons = np.array([a for tick in per_tick for a in tick], dtype=np.int64)
        return ext_ptr, ext_axons

    def _spike_watch(self):
        parts = list(self._output_neurons.values())
        parts += [
            self._position[p.core_id] * NEURONS_PER_CORE + p.neurons
            for p in self._probes
            if p.kind == "spikes"
        ]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)

    def _voltage_watch(self):
        parts = [
            self._position[p.core_id] * NEURONS_PER_CORE + p.neurons
            for p in self._probes
            if p.kind == "voltage"
        ]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)

    def _record_probes(self, spikes, voltages):
        watch, vwatch = self._spike_watch(), self._voltage_watch()
        for probe in self._probes:
            g = self._position[probe.core_id] * NEURONS_PER_CORE + probe.neurons
            if probe.kind == "spikes":
                probe._blocks.append(spikes[:, np.searchsorted(watch, g)])
            else:
                probe._blocks.append(voltages[:, np.searchsorted(vwatch, g)])

    def _output_spikes(self, spikes, first_tick):
        watch = self._spike_watch()
        out = {}
        for port, neurons in self._output_neurons.items():
            fired = spikes[:, np.searchsorted(watch, neurons)]
            t, k = np.nonzero(fired)  # row-major: sorted by tick, then index
            out[port] = np.column_stack([t + first_tick, k]).astype(np.int64)
        return out

    # --- facts about the placement, used by both emulators ---------------------

    def _routing_tables(self):
        """Global destination axon, delay, hops and chip-edge crossings per neuron.

        Returns
        -------
        target : (n_neurons,) ndarray of int64
            Global destination axon, -1 for none.
        delay, hops, crossings : (n_neurons,) ndarray of int64
        """
        cores = self.model.cores
        if not cores:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), empty.copy(), empty.copy()
        # Vectorized over all neurons at once: a Python loop per neuron takes seconds
        # on a full chip.
        target_core = np.concatenate([np.asarray(c.target_core) for c in cores])
        target_axon = np.concatenate([np.asarray(c.target_axon) for c in cores])
        target_delay = np.concatenate([np.asarray(c.target_delay) for c in cores])
        routed = target_core != -1
        source = np.repeat(np.arange(len(cores)), NEURONS_PER_CORE)
        # core id -> position in model.cores, by binary search over the sorted ids
        ids = np.array([c.id for c in cores], dtype=np.int64)
        order = np.argsort(ids)
        found = np.searchsorted(ids[order], target_core[routed])
        dst = source.copy()
        dst[routed] = order[found]

        xy = self.model.coordinates()
        target = np.where(routed, dst * AXONS_PER_CORE + target_axon, -1)
        delay = np.where(routed, target_delay, 1)
        hops = np.where(routed, np.abs(xy[dst] - xy[source]).sum(axis=1), 0)
        chips = np.abs(xy[dst] // CHIP_SIZE - xy[source] // CHIP_SIZE)
        crossings = np.where(routed, chips.sum(axis=1), 0)
        target, delay, hops, crossings = (
            np.asarray(a, dtype=np.int64) for a in (target, delay, hops, crossings)
        )
        return target, delay, hops, crossings
