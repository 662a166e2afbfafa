"""The interface shared by every emulator of the chip.

An emulator runs a validated :class:`~nengo_truenorth.hardware.ChipModel` tick by tick.
This base class owns what all emulators share -- ports, input schedules, output
spikes, probes and activity counters -- and leaves one method to each emulator:
:meth:`Emulator._advance`, which runs a block of ticks over *global* indices
(``core position * 256 + axon or neuron``, in the order of ``model.cores``).
:meth:`Emulator.global_axons`, :meth:`Emulator.global_neurons`,
:meth:`Emulator.input_axons` and :meth:`Emulator.output_neurons` give these indices
to callers that drive :meth:`Emulator.advance_tick` themselves.
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
        ids = np.array([core.id for core in model.cores], dtype=np.int64)
        self._id_order = np.argsort(ids, kind="stable")
        self._sorted_ids = ids[self._id_order]
        self._input_axons = {
            port: self.global_axons(entries) for port, entries in model.inputs.items()
        }
        self._output_neurons = {
            port: self.global_neurons(entries)
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

    def input_ports(self):
        """Names of the model's input ports.

        Returns
        -------
        list of str
            In the order of ``model.inputs``.
        """
        return list(self._input_axons)

    def output_ports(self):
        """Names of the model's output ports.

        Returns
        -------
        list of str
            In the order of ``model.outputs``.
        """
        return list(self._output_neurons)

    def input_axons(self, port):
        """The global axon that each index of input port ``port`` drives.

        Global axon ``c * 256 + i`` is axon ``i`` of the core at position ``c`` in
        ``model.cores`` (see :meth:`global_axons`).

        Parameters
        ----------
        port : str
            An input port of the model.

        Returns
        -------
        (n_indices,) ndarray of int64
            Entry ``k`` is the global axon of index ``k`` (a copy: changing it does
            not change the emulator).

        Raises
        ------
        KeyError
            If the model has no input port ``port``; the message lists those it has.
        """
        return self._port(self._input_axons, port, "input").copy()

    def output_neurons(self, port):
        """The global neuron that each index of output port ``port`` reports.

        Global neuron ``c * 256 + j`` is neuron ``j`` of the core at position ``c`` in
        ``model.cores`` (see :meth:`global_neurons`).

        Parameters
        ----------
        port : str
            An output port of the model.

        Returns
        -------
        (n_indices,) ndarray of int64
            Entry ``k`` is the global neuron of index ``k`` (a copy: changing it does
            not change the emulator).

        Raises
        ------
        KeyError
            If the model has no output port ``port``; the message lists those it has.
        """
        return self._port(self._output_neurons, port, "output").copy()

    def global_axons(self, locations):
        """Global axon indices of ``(core_id, axon)`` pairs.

        Axon ``i`` of the core at position ``c`` in ``model.cores`` is global axon
        ``c * AXONS_PER_CORE + i``: the indices :meth:`advance_tick` takes.

        Parameters
        ----------
        locations : (n, 2) array_like of int
            ``(core_id, axon)`` per row.

        Returns
        -------
        (n,) ndarray of int64

        Raises
        ------
        KeyError
            If a core id is not in the model.
        IndexError
            If an axon lies outside ``0..AXONS_PER_CORE - 1``.
        ValueError
            If ``locations`` is not an ``(n, 2)`` array of integers.
        """
        return self._global(locations, AXONS_PER_CORE, "axon")

    def global_neurons(self, locations):
        """Global neuron indices of ``(core_id, neuron)`` pairs.

        Neuron ``j`` of the core at position ``c`` in ``model.cores`` is global neuron
        ``c * NEURONS_PER_CORE + j``: the indices :meth:`advance_tick` watches.

        Parameters
        ----------
        locations : (n, 2) array_like of int
            ``(core_id, neuron)`` per row.

        Returns
        -------
        (n,) ndarray of int64

        Raises
        ------
        KeyError
            If a core id is not in the model.
        IndexError
            If a neuron lies outside ``0..NEURONS_PER_CORE - 1``.
        ValueError
            If ``locations`` is not an ``(n, 2)`` array of integers.
        """
        return self._global(locations, NEURONS_PER_CORE, "neuron")

    def _port(self, ports, port, kind):
        """Global indices of port ``port`` of ``ports`` (a ``kind`` port)."""
        try:
            return ports[port]
        except (KeyError, TypeError):  # TypeError: an unhashable name
            known = ", ".join(map(repr, ports)) or "none"
            raise KeyError(
                f"{self.name} emulator: no {kind} port {port!r} "
                f"(the model's {kind} ports: {known})"
            ) from None

    def _global(self, locations, per_core, what):
        """``position * per_core + index`` of ``(core_id, index)`` rows."""
        loc = np.asarray(locations)
        if loc.size == 0:
            return np.zeros(0, dtype=np.int64)
        if (
            loc.ndim != 2
            or loc.shape[1] != 2
            or loc.dtype.kind not in "iu"
            or (loc.dtype.kind == "u" and loc.max() > np.iinfo(np.int64).max)
        ):
            raise ValueError(
                f"{self.name} emulator: locations must be an (n, 2) array of int64 "
                f"(core_id, {what}) rows, not an array of shape {loc.shape}, "
                f"dtype {loc.dtype}"
            )
        loc = loc.astype(np.int64, copy=False)
        core_ids, index = loc[:, 0], loc[:, 1]
        at = np.searchsorted(self._sorted_ids, core_ids)
        at = np.minimum(at, max(self._sorted_ids.size - 1, 0))
        known = self._sorted_ids[at] == core_ids if self._sorted_ids.size else at < 0
        if not known.all():
            k = int(np.flatnonzero(~known)[0])
            raise KeyError(f"{self.name} emulator: no core with id {core_ids[k]}")
        bad = (index < 0) | (index >= per_core)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise IndexError(
                f"{self.name} emulator: core {core_ids[k]}, {what} {index[k]} is "
                f"outside 0..{per_core - 1}"
            )
        return self._id_order[at] * per_core + index

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
