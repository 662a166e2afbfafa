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
from .activity import COUNTER_MAX, Activity

#: Bytes of the per-tick records (schedule pointers, watched spikes and potentials)
#: that :meth:`Emulator.run` holds at once: longer runs go in blocks of ticks, so
#: their memory follows the spikes they record, not the ticks.
BLOCK_BYTES = 2**24


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
    max_exact_ticks : int
        Ticks after which a per-core counter of :attr:`activity` might no longer fit
        an ``int64``: runs past it are refused. More than ``2**46`` on one chip;
        about ``2**23`` for cores ``2**31`` apart, whose spikes travel ``2**32``
        hops.
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
        self.max_exact_ticks = self._max_exact_ticks()
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

    def _max_exact_ticks(self):
        """Ticks that no per-core counter can overflow in, from the mesh's extent.

        In one tick a core integrates at most 256 x 256 synaptic events and fires at
        most 256 spikes, each travelling at most the extent of the mesh the model
        spans (``|dx| + |dy|`` of its bounding box) and crossing fewer chip edges.
        """
        xy = self.model.coordinates()
        extent = int((xy.max(axis=0) - xy.min(axis=0)).sum()) if xy.size else 0
        per_tick = NEURONS_PER_CORE * max(AXONS_PER_CORE, extent)
        return COUNTER_MAX // per_tick

    def _check_counters_stay_exact(self, ticks):
        """Refuse to run ``ticks`` more ticks if a counter could overflow."""
        if self.activity.ticks + ticks > self.max_exact_ticks:
            raise OverflowError(
                f"{self.name} emulator: {self.activity.ticks} + {ticks} ticks since "
                f"the last reset: the activity counters (synaptic_events, spikes, "
                f"spike_hops, chip_crossings) stay exact for at most "
                f"{self.max_exact_ticks} ticks of this model; call reset() first"
            )

    @classmethod
    def prepare(cls, n_cores=1):
        """Make this emulator's compiled code ready for a model of ``n_cores`` cores.

        Emulators whose kernels compile on first use (numba) compile them here, or
        load them from the cache, by running a one-core model for a tick along the
        path the Simulator uses; the others have nothing to do. A caller can so
        keep the compilation out of a run's timing and say that it happens.
        """

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
        self._check_counters_stay_exact(1)
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

        Long runs go in blocks of ticks, so that what a run holds grows with the
        spikes it records (the output ports' and the probes'), not with ``ticks``.

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

        Raises
        ------
        SpikeFileError
            If an input names a port the model lacks, an index outside its port or
            a tick outside the run (nothing runs then).
        OverflowError
            If the activity counters could overflow in this run
            (:attr:`max_exact_ticks`; nothing runs then).
        """
        ticks = int(ticks)
        if ticks < 0:
            raise ValueError(f"{self.name} emulator: ticks = {ticks} must be >= 0")
        schedule = _InputSchedule(*self._schedule(ticks, inputs))
        self._check_counters_stay_exact(ticks)
        watch = self._spike_watch()
        vwatch = self._voltage_watch()
        outputs = _OutputRecorder(self._output_neurons, watch)
        per_tick = 8 + watch.size + 4 * vwatch.size  # schedule pointer, bools, int32s
        block = max(1, BLOCK_BYTES // per_tick)
        for start, stop in self._blocks(ticks, progress_bar, block):
            ptr, axons = schedule.block(start, stop)
            s, v = self._advance(stop - start, ptr, axons, watch, vwatch)
            self.tick += stop - start
            self.activity.ticks += stop - start
            self.activity.input_spikes += int(axons.size)
            self._record_probes(s, v)
            outputs.record(s, self.tick - (stop - start))
        return outputs.spikes()

    # --- helpers of run ----------------------------------------------------------

    def _blocks(self, ticks, progress_bar, block):
        """Split a run into blocks of at most ``block`` ticks.

        Blocks are smaller with a progress bar, so that it moves.
        """
        if progress_bar:
            block = min(block, max(1, min(1000, ticks // 100 or 1)))
        pairs = ((a, min(a + block, ticks)) for a in range(0, ticks, block))
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
        """The input spikes of a run as run ticks (from 0) and global axons.

        Returns
        -------
        ticks, axons : (n,) ndarray of int64
            Sorted by tick.
        """
        ticks_parts, axon_parts = [], []
        for port, spikes in (inputs or {}).items():
            if port not in self._input_axons:
                raise SpikeFileError(
                    f"input port {port!r}: no such port in the model "
                    f"(ports: {sorted(self._input_axons)})"
                )
            axons = self._input_axons[port]
            spikes = np.asarray(spikes, dtype=np.int64).reshape(-1, 2)
            t, k = spikes[:, 0], spikes[:, 1]
            bad_index = (k < 0) | (k >= axons.size)
            bad_tick = (t < self.tick) | (t >= self.tick + ticks)
            bad = bad_index | bad_tick
            if bad.any():  # the first bad spike, as a loop over them would find it
                n = int(np.flatnonzero(bad)[0])
                if bad_index[n]:
                    raise SpikeFileError(
                        f"input port {port!r}: index = {k[n]} is outside "
                        f"0..{axons.size - 1}"
                    )
                raise SpikeFileError(
                    f"input port {port!r}: tick = {t[n]} is outside this run "
                    f"({self.tick}..{self.tick + ticks - 1})"
                )
            ticks_parts.append(t - self.tick)
            axon_parts.append(axons[k])
        run_ticks = np.concatenate(ticks_parts) if ticks_parts else np.zeros(0, int)
        axons = np.concatenate(axon_parts) if axon_parts else np.zeros(0, int)
        order = np.argsort(run_ticks, kind="stable")
        return run_ticks[order].astype(np.int64), axons[order].astype(np.int64)

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


class _InputSchedule:
    """A run's input spikes, handed out a block of ticks at a time.

    Parameters
    ----------
    ticks, axons : (n,) ndarray of int64
        Run tick (from 0) and global axon of each input spike, sorted by tick.
    """

    def __init__(self, ticks, axons):
        self.ticks = ticks
        self.axons = axons

    def block(self, start, stop):
        """The input of run ticks ``start .. stop - 1``, as :meth:`Emulator._advance`
        takes it.

        Returns
        -------
        ptr : (stop - start + 1,) ndarray of int64
            The input of tick ``start + k`` is ``axons[ptr[k]:ptr[k + 1]]``.
        axons : ndarray of int64
        """
        edges = np.arange(start, stop + 1, dtype=np.int64)
        ptr = np.searchsorted(self.ticks, edges, side="left").astype(np.int64)
        axons = self.axons[ptr[0] : ptr[-1]]
        return ptr - ptr[0], axons


class _OutputRecorder:
    """The output ports' spikes of a run, kept as ``[tick, index]`` events.

    Parameters
    ----------
    output_neurons : dict of str to (n,) ndarray of int64
        Global neuron of each index of each output port.
    watch : (n_s,) ndarray of int64
        The sorted global neurons whose spikes each block reports.
    """

    def __init__(self, output_neurons, watch):
        self._columns = {
            port: np.searchsorted(watch, neurons)
            for port, neurons in output_neurons.items()
        }
        self._events = {port: [] for port in output_neurons}

    def record(self, spikes, first_tick):
        """Keep the output spikes of one block, ``(ticks, n_s)`` bools from
        ``first_tick``."""
        for port, columns in self._columns.items():
            t, k = np.nonzero(spikes[:, columns])  # row-major: by tick, then index
            if t.size:
                events = np.column_stack([t + first_tick, k]).astype(np.int64)
                self._events[port].append(events)

    def spikes(self):
        """dict of str to (n, 2) ndarray of int64: every port's spikes, in order."""
        return {
            port: (
                np.concatenate(blocks) if blocks else np.zeros((0, 2), dtype=np.int64)
            )
            for port, blocks in self._events.items()
        }
