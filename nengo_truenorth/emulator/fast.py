"""The fast emulator: every core at once, over flat integer arrays, in numba.

It computes exactly what :class:`~.reference.ReferenceEmulator` computes -- spikes,
potentials, output spike trains and activity counters, bit for bit, stochastic modes
included -- and is tested against it. The per-tick work is in :mod:`.kernels`; this
module turns a :class:`~nengo_truenorth.hardware.ChipModel` into the kernels' flat
arrays and runs whole blocks of ticks in one compiled call.
"""

import numba
import numpy as np

from ..hardware.limits import (
    AXONS_PER_CORE,
    N_AXON_TYPES,
    NEURONS_PER_CORE,
    POTENTIAL_MAX,
)
from . import kernels, prng
from .base import Emulator

#: Bytes of a cache line: rows and routes aligned to it never straddle two lines.
CACHE_LINE = 64


def _aligned_empty(shape, dtype):
    """An empty C-contiguous array whose data starts on a cache-line boundary."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    buffer = np.empty(nbytes + CACHE_LINE, dtype=np.uint8)
    start = -buffer.ctypes.data % CACHE_LINE
    return buffer[start : start + nbytes].view(dtype).reshape(shape)


def _aligned_copy(array, dtype):
    """``array`` as ``dtype``, copied into a cache-line aligned array."""
    out = _aligned_empty(np.shape(array), dtype)
    out[...] = array
    return out


#: Global axons the route's int32 target holds: models of up to 8,388,607 cores.
MAX_GLOBAL_AXONS = 2**31 - 1


def _route_records(target, delay, hops, crossings):
    """(n_neurons, 4) int32 route records of :attr:`.kernels.Params.route`.

    Every column fits an ``int32`` except the hops, which reach ``2 * (2**31 - 1)``
    between the far corners of the mesh the validator allows: they are stored as the
    bits of a ``uint32``, which the kernels read back exactly.
    """
    if target.size and target.max() > MAX_GLOBAL_AXONS:
        raise ValueError(
            f"fast emulator: a model of {target.size // NEURONS_PER_CORE} cores is "
            f"too large (at most {MAX_GLOBAL_AXONS // AXONS_PER_CORE} cores)"
        )
    hops_bits = hops.astype(np.uint32).view(np.int32)
    return _aligned_copy(
        np.column_stack([target, delay, hops_bits, crossings]), np.int32
    )


def live_neurons(core):
    """(256,) bool: the neurons of ``core`` whose state can change or which can fire.

    A neuron is *inert* -- its potential stays 0 and it never fires, at every tick,
    whatever reaches the core -- when all of these hold (spec section 3, steps 2-6,
    taken from ``V = 0``):

    - no crossbar bit reaches it (step 2 adds nothing);
    - it starts at ``V = 0``;
    - its leak is 0, or leak reversal is on (step 3: ``Ω = sgn(0) = 0`` at ``V = 0``;
      a stochastic leak of 0 never draws below ``|λ| = 0``);
    - ``α > 0`` (step 5 fires at ``0 >= α + η``, and ``η >= 0``);
    - ``β >= 0`` (step 5 resets from below at ``0 < -β``, or ``0 < -(β + η)``).

    Then the reset modes never apply and step 6 keeps 0. Every other neuron is live.
    The kernels skip inert neurons, which is exact: they would compute exactly this,
    and the draws of the others are keyed by neuron, so they do not move.
    """
    connected = np.asarray(core.crossbar, dtype=bool).any(axis=0)
    leaks = (np.asarray(core.leak) != 0) & (np.asarray(core.leak_reversal) == 0)
    return (
        connected
        | (np.asarray(core.initial_potential) != 0)
        | leaks
        | (np.asarray(core.threshold) <= 0)
        | (np.asarray(core.negative_threshold) < 0)
    )


def live_words(cores):
    """(n_cores, 2) int64: each core's first and one-past-last word of live neurons.

    Words are eight neurons (and one byte of each crossbar row); a core without a live
    neuron gets ``(0, 0)``. The kernels run only these words: one contiguous range
    keeps the neuron loops vectorized, and the cores the compiler fills partly (decode
    and filter neurons) have their few neurons at the start.
    """
    words = np.zeros((len(cores), 2), dtype=np.int64)
    for c, core in enumerate(cores):
        live = np.flatnonzero(live_neurons(core))
        if live.size:
            words[c] = live[0] // 8, live[-1] // 8 + 1
    return words


def _packed_crossbar(cores):
    """(n_cores * 256, 4) uint64 crossbar rows, cache-line aligned: bit ``j % 64`` of
    word ``j // 64`` of row ``a`` is ``w[i][j]`` of global axon ``a``.

    Packed one core at a time to keep the temporaries small.
    """
    crossbar = _aligned_empty(
        (len(cores) * AXONS_PER_CORE, kernels.ROW_WORDS), np.uint64
    )
    for c, core in enumerate(cores):
        crossbar[c * AXONS_PER_CORE : (c + 1) * AXONS_PER_CORE] = _bit_rows(
            np.asarray(core.crossbar, dtype=bool)
        )
    return crossbar


def _bit_rows(rows):
    """(..., 256) bool -> (..., 4) uint64: bit ``j % 64`` of word ``j // 64`` is
    ``rows[..., j]`` (the kernels' layout of crossbar rows and neuron masks)."""
    packed = np.packbits(rows, axis=-1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64)


def _reached_by_type(crossbar, axon_type):
    """(n_cores, 4, 256) bool: the neurons that an axon of each type reaches.

    Parameters
    ----------
    crossbar : (n_cores * 256, 4) ndarray of uint64
        The packed rows (:func:`_packed_crossbar`).
    axon_type : (n_cores * 256,) ndarray of uint8
    """
    rows = crossbar.reshape(-1, AXONS_PER_CORE, kernels.ROW_WORDS)
    types = axon_type.reshape(-1, AXONS_PER_CORE)
    reached = np.stack(
        [
            np.bitwise_or.reduce(np.where((types == G)[..., None], rows, 0), axis=1)
            for G in range(N_AXON_TYPES)
        ],
        axis=1,
    ).astype(np.uint64)
    bits = np.unpackbits(reached.view(np.uint8), axis=-1, bitorder="little")
    return bits.reshape(len(rows), N_AXON_TYPES, NEURONS_PER_CORE).astype(bool)


def _weight_kinds(weights, reached, stochastic):
    """Each core's :attr:`.kernels.Params.weight_kind` and shared weights.

    A core without stochastic synapses is :data:`.kernels.WEIGHTS_SHARED` when, for
    each axon type, every neuron that an axon of the type reaches has the same
    weight for it (weights no axon can add are never read); else
    :data:`.kernels.WEIGHTS_INT8` when all its weights fit ``int8``; else
    :data:`.kernels.WEIGHTS_INT16`, as are the cores with stochastic synapses.

    Parameters
    ----------
    weights : (n_cores, 4, 256) ndarray of int16
    reached : (n_cores, 4, 256) ndarray of bool
        The neurons an axon of each type reaches (:func:`_reached_by_type`).
    stochastic : (n_cores,) ndarray of bool
        Cores with stochastic synapses.

    Returns
    -------
    kind : (n_cores,) ndarray of uint8
    shared : (n_cores, 4) ndarray of int32
        The weight of each type on the shared cores (0 where no axon reaches).
    """
    w = weights.astype(np.int32)
    low = np.where(reached, w, np.iinfo(np.int32).max).min(axis=-1)
    high = np.where(reached, w, np.iinfo(np.int32).min).max(axis=-1)
    one_weight = (low >= high) | ~reached.any(axis=-1)
    shared_core = one_weight.all(axis=1) & ~stochastic
    fits_int8 = (
        (w >= np.iinfo(np.int8).min) & (w <= np.iinfo(np.int8).max)
    ).reshape(len(w), N_AXON_TYPES * NEURONS_PER_CORE).all(axis=1)
    kind = np.where(
        shared_core,
        kernels.WEIGHTS_SHARED,
        np.where(fits_int8 & ~stochastic, kernels.WEIGHTS_INT8, kernels.WEIGHTS_INT16),
    ).astype(np.uint8)
    shared = np.where(shared_core[:, None] & reached.any(axis=-1), low, 0)
    return kind, shared.astype(np.int32)


def _neuron_kinds(fields, words, stochastic):
    """Each core's :attr:`.kernels.Params.neuron_kind` and shared parameter set.

    A deterministic core runs as :data:`.kernels.NEURONS_SHARED` when every neuron of
    its live words (:func:`live_words`) has the same value of each of
    :data:`.kernels.SHARED_FIELDS` -- the neurons the kernels run, inert ones
    included, since they run them with the shared set. A core without live words is
    shared too (nothing runs).

    Parameters
    ----------
    fields : dict of str to (n_cores * 256,) ndarray of int32
        The fields of :data:`.kernels.SHARED_FIELDS`, per global neuron.
    words : (n_cores, 2) ndarray of int64
    stochastic : (n_cores,) ndarray of bool
        Cores with a stochastic leak or threshold.

    Returns
    -------
    kind : (n_cores,) ndarray of uint8
    shared : (n_cores, 7) ndarray of int32
        The set of each shared core (0 on the others).
    """
    n_cores = len(words)
    table = np.stack(
        [
            fields[name].reshape(n_cores, NEURONS_PER_CORE)
            for name in kernels.SHARED_FIELDS
        ],
        axis=-1,
    )
    kind = np.full(n_cores, kernels.NEURONS_OWN, dtype=np.uint8)
    shared = np.zeros((n_cores, len(kernels.SHARED_FIELDS)), dtype=np.int32)
    for c, (w0, w1) in enumerate(words):
        run = table[c, w0 * 8 : w1 * 8]
        if run.size == 0 or (run == run[0]).all():
            kind[c] = kernels.NEURONS_SHARED
            shared[c] = run[0] if run.size else 0
    kind[stochastic] = kernels.NEURONS_STOCHASTIC
    return kind, shared


class _Blocks:
    """The blocks of cores that the kernels run, one thread each at a time.

    Block ``q`` runs cores ``start[q] .. start[q + 1] - 1``. Each block posts its
    spikes to one outbox per destination block, which holds one entry per routed
    neuron of the block with a destination there (the most one tick can post); the
    outboxes of all pairs lie end to end, from ``outbox_start[q, r]``.

    Parameters
    ----------
    n_cores, n_blocks : int
    target : (n_cores * 256,) ndarray of int64
        Global destination axon of each neuron, -1 for none.
    """

    def __init__(self, n_cores, n_blocks, target):
        self.start = np.array(
            [q * n_cores // n_blocks for q in range(n_blocks + 1)], dtype=np.int64
        )
        self.core_block = (
            np.searchsorted(self.start, np.arange(n_cores), side="right") - 1
        ).astype(np.int32)
        routed = target >= 0
        source = self.core_block[np.flatnonzero(routed) // NEURONS_PER_CORE]
        destination = self.core_block[target[routed] // AXONS_PER_CORE]
        pairs = np.bincount(
            source.astype(np.int64) * n_blocks + destination, minlength=n_blocks**2
        )
        self.outbox_start = (np.cumsum(pairs) - pairs).reshape(n_blocks, n_blocks)
        self.outbox_entries = int(pairs.sum())


class FastEmulator(Emulator):
    """Vectorized, event-driven emulator, bit-exact with the reference emulator.

    All cores share flat arrays of compact integers (``int32`` potentials, ``int8``
    or ``int16`` weights, one weight row per axon type). Each axon's crossbar row is
    256 bits, and only the rows of *active* axons are read: each is added to the
    potentials as a masked vector add of the weight row of its type. Where a core's
    neurons share one weight per axon type, or one set of leak, threshold and reset
    parameters, the kernels read that one set instead of per-neuron arrays
    (:meth:`core_paths` says which cores do): a full chip's tick then reads little
    more than its potentials. Pending spikes sit in a ring of 16 one-bit-per-axon
    slots, which merges spikes due on one axon at one tick. A tick costs one
    vectorized pass over the neurons plus a few operations per active axon and per
    spike; :mod:`.kernels` has the details.

    Parameters
    ----------
    model : ChipModel
        The hardware model; validated before anything runs.
    parallel : bool, optional
        Share each tick's cores among numba's threads (``numba.get_num_threads()``).
        By default this is done where the work of a tick outweighs the barrier at its
        end: from :attr:`PARALLEL_MIN_CORES` cores with at least
        :attr:`PARALLEL_MIN_THREADS` threads, and from
        :attr:`PARALLEL_MIN_CORES_FEW_THREADS` cores with fewer. With two threads,
        the barrier costs more than the second thread gives on small models, and on
        any model once something else runs on the machine: on a 2-core machine under
        load (two niced training runs), a full chip ran at 128-184 ticks/s in
        parallel and 624-682 serially; on the quiet machine at 1,325-1,463 in
        parallel and 685-739 serially (``benchmarks/bench_emulators.py``).

    Examples
    --------
    >>> from nengo_truenorth.hardware import ChipModel
    >>> model = ChipModel()
    >>> core = model.add_core()
    >>> core.set_neuron(0, leak=1, threshold=10)
    >>> model.add_output("out", [(core.id, 0)])
    >>> FastEmulator(model).run(20)["out"].tolist()
    [[9, 0], [19, 0]]
    """

    name = "fast"

    #: Models with at least this many cores run their cores in parallel by default.
    PARALLEL_MIN_CORES = 256
    #: Parallel runs from PARALLEL_MIN_CORES need at least this many numba threads.
    PARALLEL_MIN_THREADS = 4
    #: With fewer threads, models with at least this many cores run in parallel.
    PARALLEL_MIN_CORES_FEW_THREADS = 2048
    #: Blocks of cores per thread in parallel runs.
    BLOCKS_PER_THREAD = 4

    def __init__(self, model, parallel=None):
        self.parallel = (
            self._parallel_by_default(len(model.cores))
            if parallel is None
            else parallel
        )
        # Blocks of cores, each with its own scratch arrays, handed to threads as they
        # come free: several per thread, so a thread the OS holds back costs less.
        self._n_blocks = (
            max(
                1,
                min(self.BLOCKS_PER_THREAD * numba.get_num_threads(), len(model.cores)),
            )
            if self.parallel
            else 1
        )
        self._watch_cache = (None, None)
        self._watch_source = None
        super().__init__(model)

    @classmethod
    def prepare(cls, n_cores=1):
        """Compile the kernels (or load them from numba's cache) that a model of
        ``n_cores`` cores runs on: serial or parallel, as :meth:`__init__` chooses.

        Runs a one-core model (a neuron driven by an input axon, watched for spikes
        and potential) for a tick through :meth:`advance_tick`. In a fresh
        environment this takes about 20-30 s; afterwards a fraction of a second.
        """
        from ..hardware import ChipModel

        model = ChipModel()
        core = model.add_core()
        core.set_neuron(0, leak=1, threshold=2)
        core.crossbar[0, 0] = True
        model.add_input("in", [(core.id, 0)])
        model.add_output("out", [(core.id, 0)])
        emulator = cls(model, parallel=cls._parallel_by_default(n_cores))
        watch = np.zeros(1, dtype=np.int64)
        emulator.advance_tick(emulator.input_axons("in"), watch, watch)
        emulator.run(1, {"in": np.array([[1, 0]])})

    @classmethod
    def _parallel_by_default(cls, n_cores):
        threads = numba.get_num_threads()
        if threads < 2:
            return False
        if threads >= cls.PARALLEL_MIN_THREADS:
            return n_cores >= cls.PARALLEL_MIN_CORES
        return n_cores >= cls.PARALLEL_MIN_CORES_FEW_THREADS

    def _build(self):
        cores = self.model.cores
        n_cores = self.n_cores
        n = n_cores * NEURONS_PER_CORE

        def stacked(field, dtype):
            # (n_cores * 256,) for per-neuron fields, in global neuron order
            return np.concatenate(
                [np.asarray(getattr(core, field)) for core in cores] or [np.zeros(0)]
            ).astype(dtype)

        def by_type(per_neuron):
            # (n, 4) per neuron and type -> (n_cores, 4, 256) per core, type, neuron
            by_core = per_neuron.reshape(n_cores, NEURONS_PER_CORE, N_AXON_TYPES)
            return np.ascontiguousarray(by_core.transpose(0, 2, 1))

        weights = by_type(stacked("weights", np.int16).reshape(n, N_AXON_TYPES))
        stochastic_weights = by_type(
            stacked("stochastic_weights", np.uint8).reshape(n, N_AXON_TYPES)
        )
        stochastic_leak = stacked("stochastic_leak", np.uint8)
        threshold_mask_bits = stacked("threshold_mask_bits", np.uint8)
        words = live_words(cores)

        # per core: does any neuron use stochastic synapses, or any stochastic mode?
        per_core = NEURONS_PER_CORE
        per_core_synapses = N_AXON_TYPES * NEURONS_PER_CORE
        stochastic_synapse_core = stochastic_weights.reshape(
            n_cores, per_core_synapses
        ).any(axis=1)
        stochastic_neuron_core = stochastic_leak.reshape(n_cores, per_core).any(
            axis=1
        ) | threshold_mask_bits.reshape(n_cores, per_core).any(axis=1)
        crossbar = _packed_crossbar(cores)
        axon_type = stacked("axon_types", np.uint8)
        weight_kind, shared_weights = _weight_kinds(
            weights, _reached_by_type(crossbar, axon_type), stochastic_synapse_core
        )
        neuron_fields = {
            name: stacked(name, np.int32) for name in kernels.SHARED_FIELDS
        }
        neuron_kind, shared_neuron = _neuron_kinds(
            neuron_fields, words, stochastic_neuron_core
        )

        target, delay, hops, crossings = self._routing_tables()
        blocks = _Blocks(n_cores, self._n_blocks, target)
        self._outbox_entries = blocks.outbox_entries

        self._params = kernels.Params(
            crossbar=crossbar,
            axon_type=axon_type,
            weights=weights,
            weights8=np.where(
                (weight_kind == kernels.WEIGHTS_INT8)[:, None, None], weights, 0
            ).astype(np.int8),
            weight_kind=weight_kind,
            shared_weights=shared_weights,
            stochastic_synapses=_bit_rows(stochastic_weights != 0),
            leak=neuron_fields["leak"].astype(np.int16),
            stochastic_leak=stochastic_leak,
            leak_reversal=neuron_fields["leak_reversal"].astype(np.uint8),
            threshold=neuron_fields["threshold"],
            negative_threshold=neuron_fields["negative_threshold"],
            threshold_mask_bits=threshold_mask_bits,
            reset_potential=neuron_fields["reset_potential"],
            reset_mode=neuron_fields["reset_mode"].astype(np.uint8),
            negative_saturation=neuron_fields["negative_saturation"].astype(np.uint8),
            neuron_kind=neuron_kind,
            shared_neuron=shared_neuron,
            route=_route_records(target, delay, hops, crossings),
            core_key=np.array(
                [prng.core_key(core.seed) for core in cores], dtype=np.uint64
            ),
            stochastic_core=(
                stochastic_synapse_core | stochastic_neuron_core
            ).astype(np.uint8),
            stochastic_synapse_core=stochastic_synapse_core.astype(np.uint8),
            live_words=words,
            block_start=blocks.start,
            core_block=blocks.core_block,
            outbox_start=blocks.outbox_start,
        )
        self._initial_potential = stacked("initial_potential", np.int32)

    def _reset_state(self):
        n_cores = self.n_cores
        n_blocks = self._n_blocks
        self._state = kernels.State(
            potential=self._initial_potential.copy(),
            ring=np.zeros(
                kernels.N_SLOTS * n_cores * kernels.RING_WORDS_PER_CORE, dtype=np.uint64
            ),
            # scratch arrays of each block of cores
            fired=np.zeros((n_blocks, NEURONS_PER_CORE), dtype=np.uint8),
            spike_bits=np.zeros((n_blocks, 2, 2 * kernels.ROW_WORDS), dtype=np.uint64),
            outbox=np.zeros((2, self._outbox_entries), dtype=np.int64),
            outbox_size=np.zeros((2, n_blocks, n_blocks), dtype=np.int64),
            # the kernels count straight into the Activity arrays
            synaptic_events=self.activity.synaptic_events,
            spikes=self.activity.spikes,
            spike_hops=self.activity.spike_hops,
            chip_crossings=self.activity.chip_crossings,
            saturated=self.activity.saturated,
            # every core tests for clips at its first tick (kernels.CLIP_GATE)
            peak=np.full(n_cores, POTENTIAL_MAX, dtype=np.int32),
        )

    #: Names of the kernels' paths, by :attr:`.kernels.Params.weight_kind` and
    #: :attr:`.kernels.Params.neuron_kind`.
    WEIGHT_PATHS = ("shared", "int8", "int16")
    NEURON_PATHS = ("shared", "own", "stochastic")

    def core_paths(self):
        """How the kernels run each core, which decides what a tick of it costs.

        Synapses: ``"shared"`` (one weight per axon type for the whole core: no
        weight is read), ``"int8"`` or ``"int16"`` (a weight per neuron, in the
        narrowest width that holds the core's weights; cores with stochastic
        synapses take ``"int16"``). Neurons: ``"shared"`` (one parameter set for the
        core: only potentials are read), ``"own"`` (per-neuron parameters) or
        ``"stochastic"`` (a stochastic leak or threshold: the general loop).

        Returns
        -------
        weights, neurons : list of str
            One name per core, in the order of ``model.cores``.
        """
        return (
            [self.WEIGHT_PATHS[k] for k in self._params.weight_kind],
            [self.NEURON_PATHS[k] for k in self._params.neuron_kind],
        )

    def _watch_columns(self, spike_watch):
        """Column of ``spike_watch`` for each global neuron (-1: not watched).

        Returns an empty array when nothing is watched, which spares the kernels the
        lookup. Cached, since the watch list rarely changes between runs; the same
        array passed again (the Simulator's, every tick) is taken as unchanged without
        comparing it, which :meth:`advance_tick` documents.
        """
        key, columns = self._watch_cache
        if spike_watch is self._watch_source:
            return columns
        self._watch_source = spike_watch
        if key is None or not np.array_equal(key, spike_watch):
            if spike_watch.size == 0:
                columns = np.zeros(0, dtype=np.int32)
            else:
                columns = np.full(self.n_cores * NEURONS_PER_CORE, -1, dtype=np.int32)
                columns[spike_watch] = np.arange(spike_watch.size, dtype=np.int32)
            self._watch_cache = (spike_watch.copy(), columns)
        return columns

    def _advance(self, ticks, ext_ptr, ext_axons, spike_watch, voltage_watch):
        spikes = np.zeros((ticks, spike_watch.size), dtype=bool)
        voltages = np.zeros((ticks, voltage_watch.size), dtype=np.int32)
        if ticks == 0:
            return spikes, voltages
        args = (
            ticks,
            self.tick,
            np.ascontiguousarray(ext_ptr, dtype=np.int64),
            np.ascontiguousarray(ext_axons, dtype=np.int64),
            self._watch_columns(spike_watch),
            np.ascontiguousarray(voltage_watch, dtype=np.int64),
            self._params,
            self._state,
            spikes,
            voltages,
        )
        if self.parallel:
            # chunks of one block: threads take blocks as they come free
            with numba.parallel_chunksize(1):
                kernels.run_ticks_parallel(*args)
        else:
            kernels.run_ticks(*args)
        return spikes, voltages
