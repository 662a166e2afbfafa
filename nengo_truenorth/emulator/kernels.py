"""Numba kernels of the fast emulator: whole blocks of ticks over flat integer arrays.

The state of all cores lives in flat arrays indexed by *global* neuron or axon
(``core position * 256 + local index``), grouped in two named tuples:

- :class:`Params`: what the model fixes (crossbar, weights, leaks, thresholds, routes);
- :class:`State`: what a run changes (potentials, the delay ring, activity counters).

The cores are cut into blocks (one per thread, or a few per thread, in parallel runs),
and a block runs one tick of its cores in order. One tick of one core does spec
section 3 in three passes:

1. **Synapses, event-driven.** The core's 256 axons of the current ring slot are four
   ``uint64`` words; only their set bits -- the active axons -- are visited. Each
   active axon's crossbar row (256 bits, 32 bytes) is added to a tally of active
   synapses per axon type and neuron, one byte per neuron: ``_SPREAD`` turns a row
   byte into eight tally bytes, so one 64-bit addition counts eight synapses. The
   tally is then weighted by the core's weight rows in one vectorized loop.
   Stochastic synapses draw and add their +-1 one by one.
2. **Neurons.** Leak, threshold and reset. Deterministic cores take a branch-free loop
   that LLVM vectorizes; cores with any stochastic neuron take the general loop, which
   follows the reference emulator line by line and draws from the project PRNG.
3. **Spikes.** Fired neurons (found eight at a time) are counted, with the saturated
   ones among them (see :data:`SATURATED`), and each spike posts
   the ring bit of its destination axon in slot ``(t + delay) % 16`` to the block's
   outbox. After all blocks have run, one thread ORs the outboxes into the ring.

All three passes visit only a core's *live words*: the words of eight neurons from
its first to its last live one (:func:`~.fast.live_neurons`). The other neurons are
inert -- no synapse, potential 0, nothing that moves it, no way to fire -- so running
them would change nothing; this spares the compiler's mostly empty cores (decode and
filter neurons use a few of 256) nearly all their work.

Delays are 1..15 ticks, so a 16-slot ring never receives spikes for the slot being
read, and several spikes due on one axon at one tick merge into one bit -- the one bit
per axon per tick of spec section 3.1. While blocks run in parallel, each writes only
its own cores' potentials, counters and current ring words, and its own scratch
arrays: no two threads write the same memory, and every counter is per core.

Memory, not arithmetic, bounds a full chip: a tick reads some 30 MB of state. The rows
of the next core's active axons and the routes of the current core's spikes are
prefetched; the neuron arrays are read in order, which the hardware prefetches.

The PRNG is :mod:`~nengo_truenorth.emulator.prng`'s counter-based splitmix64, in
explicit ``uint64`` arithmetic: numba turns a mix of ``int64`` and ``uint64`` into
``float64``, which would silently lose the low bits of every draw.

Every kernel is compiled without numba's reference counting (``_nrt=False``; they
allocate nothing). With it, each array taken from a named tuple or sliced costs an
atomic count, and those counts, on arrays that all threads share, cost more than a
core's whole tick. Per-core loops index slices of the core's own neurons with counters
that are plainly >= 0, so no negative-index wraparound check stops LLVM vectorizing.
"""

import types as pytypes
from collections import namedtuple

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

from ..hardware.limits import (
    AXONS_PER_CORE,
    LEAK_MAX,
    N_AXON_TYPES,
    NEURONS_PER_CORE,
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_LINEAR,
    RESET_NORMAL,
    WEIGHT_MAX,
)
from . import prng

#: Slots of the delay ring: one more than the longest delay (15 ticks).
N_SLOTS = 16
#: A core's neurons' spike bytes, read as ``uint64`` words of eight.
WORDS_PER_CORE = NEURONS_PER_CORE // 8
#: A core's axons in one ring slot: 256 bits, four ``uint64`` words.
RING_WORDS_PER_CORE = AXONS_PER_CORE // 64
#: Bytes of one axon's crossbar row (bit ``j % 8`` of byte ``j // 8`` is ``w[i][j]``).
ROW_BYTES = NEURONS_PER_CORE // 8
#: A tally byte counts at most this many axons before it is flushed into potentials.
TALLY_MAX = 255

#: Bits of a neuron's byte in :attr:`State.fired`: it fired; it was saturated
#: (:attr:`.Activity.saturated`). A saturated neuron always fires -- a potential
#: clipped at the top, even less a leak of 255, is above the highest threshold,
#: THRESHOLD_MAX + 2^17 - 1 -- so the neuron loops mark it in the spike byte, which
#: stays in the L1 cache, and :func:`_deliver` counts it as it visits the spikes:
#: the per-neuron counters are touched only at saturated ticks.
FIRED, SATURATED = 1, 2

#: A deterministic core tests its neurons for a clip at the top only while one of
#: them ended the last tick above this potential: a tick adds at most 256 axons x
#: WEIGHT_MAX (step 2) and LEAK_MAX (step 3), so from below it nothing can pass
#: POTENTIAL_MAX. Run at every tick, the test made a 1,024-core benchmark model
#: 7-12 % slower; the gate costs one max per neuron.
CLIP_GATE = np.int32(POTENTIAL_MAX - AXONS_PER_CORE * WEIGHT_MAX - LEAK_MAX)

#: Columns of :attr:`Params.route`.
ROUTE_TARGET, ROUTE_DELAY, ROUTE_HOPS, ROUTE_CROSSINGS = range(4)

_GOLDEN_GAMMA = np.uint64(prng.GOLDEN_GAMMA)
_MIX1 = np.uint64(prng.MIX1)
_MIX2 = np.uint64(prng.MIX2)
_U0 = np.uint64(0)
_U1 = np.uint64(1)
_U12 = np.uint64(12)
_U27 = np.uint64(27)
_U30 = np.uint64(30)
_U31 = np.uint64(31)
_BYTE = np.uint64(0xFF)
_STREAM_SYNAPSE = np.uint64(prng.STREAM_SYNAPSE << 8)
_STREAM_LEAK = np.uint64(prng.STREAM_LEAK << 8)
_STREAM_THRESHOLD = np.uint64(prng.STREAM_THRESHOLD << 8)

_VMIN = np.int32(POTENTIAL_MIN)
_VMAX = np.int32(POTENTIAL_MAX)


def _spread_bits():
    """(256,) uint64: entry ``b`` holds bit ``l`` of ``b`` in the low bit of byte l."""
    b = np.arange(256, dtype=np.uint64)
    spread = np.zeros(256, dtype=np.uint64)
    for lane in range(8):
        spread |= ((b >> np.uint64(lane)) & np.uint64(1)) << np.uint64(8 * lane)
    return spread


#: Adding ``_SPREAD[row_byte]`` to a ``uint64`` of eight tally bytes counts the eight
#: synapses of that crossbar byte at once.
_SPREAD = _spread_bits()

#: What the model fixes, as flat arrays (see :meth:`FastEmulator._build`).
Params = namedtuple(
    "Params",
    [
        "crossbar",  # (n_axons, 32) uint8: axon a's row, bit j % 8 of byte j // 8
        "axon_type",  # (n_axons,) uint8
        # neurons: one array per concern, global neuron index
        # (n_cores, 4, 256): each core's weight row per axon type, the four rows of a
        # core side by side so that they are read as one stream
        "weights",  # int16
        "stochastic_weights",  # uint8
        "leak",  # (n_neurons,) int16
        "stochastic_leak",  # (n_neurons,) uint8
        "leak_reversal",  # (n_neurons,) uint8
        "threshold",  # (n_neurons,) int32, alpha
        "negative_threshold",  # (n_neurons,) int32, beta
        "threshold_mask_bits",  # (n_neurons,) uint8
        "reset_potential",  # (n_neurons,) int32
        "reset_mode",  # (n_neurons,) uint8
        "negative_saturation",  # (n_neurons,) uint8
        # (n_neurons, 4) int32: destination global axon (-1: none), delay, mesh hops
        # and chip-edge crossings -- one 16-byte record, so a spike reads one line.
        # Hops reach 2 * (2**31 - 1) between the mesh's far corners, more than an
        # int32 holds: that column holds the bits of a uint32 (read with _hops)
        "route",
        # per core
        "core_key",  # (n_cores,) uint64, prng.core_key(seed)
        "stochastic_core",  # (n_cores,) uint8: any b, c or TM on the core
        "stochastic_synapse_core",  # (n_cores,) uint8: any b on the core
        # (n_cores, 2) int64: the core's live words -- words of eight neurons (and
        # bytes of a crossbar row) first .. end - 1 hold every neuron whose state can
        # change or which can fire (see fast.live_neurons); the rest are skipped
        "live_words",
    ],
)

#: What a run changes.
State = namedtuple(
    "State",
    [
        "potential",  # (n_neurons,) int32
        # (N_SLOTS * n_axons // 64,) uint64: bit a % 64 of word
        # slot * n_axons // 64 + a // 64 is set when a spike is due on axon a at a
        # tick t with t % 16 == slot
        "ring",
        # scratch arrays of each block of cores (a block runs on one thread)
        # (n_blocks, 2, 256) uint8: the last two cores' spikes, FIRED or
        # FIRED | SATURATED per neuron (0: no spike)
        "fired",
        "tally",  # (n_blocks, 4 * 256) uint8: active synapses by axon type and neuron
        "tally_axons",  # (n_blocks, 4) int64: axons in the tally, per type
        "outbox",  # (n_blocks, neurons per block) int64: ring bits of the tick's spikes
        "outbox_size",  # (n_blocks,) int64
        # activity counters per core (the Activity's own arrays)
        "synaptic_events",  # (n_cores,) int64
        "spikes",  # (n_cores,) int64
        "spike_hops",  # (n_cores,) int64
        "chip_crossings",  # (n_cores,) int64
        # (n_neurons,) int64: ticks each neuron was saturated (Activity.saturated)
        "saturated",
        # (n_cores,) int32: the highest potential of a deterministic core's neurons
        # after the last tick (POTENTIAL_MAX after a reset), for CLIP_GATE
        "peak",
    ],
)


@intrinsic
def _prefetch(typingctx, array, index):
    """Hint the CPU to fetch element ``index`` of the C-contiguous ``array``.

    The crossbar rows of the active axons and the routes of the fired neurons lie
    anywhere in arrays far larger than the caches; asking for them one core ahead
    overlaps those misses with the current core's work.
    """
    sig = types.void(array, types.intp)

    def codegen(context, builder, signature, args):
        arraytype = signature.args[0]
        data = context.make_array(arraytype)(context, builder, args[0]).data
        itemsize = context.get_abi_sizeof(context.get_data_type(arraytype.dtype))
        offset = builder.mul(args[1], context.get_constant(types.intp, itemsize))
        i8, i32 = ir.IntType(8), ir.IntType(32)
        address = builder.gep(builder.bitcast(data, i8.as_pointer()), [offset])
        fnty = ir.FunctionType(ir.VoidType(), [address.type, i32, i32, i32])
        # named by llvmlite, as numba names its own intrinsics, so the mangling fits
        # whichever LLVM is underneath
        fn = builder.module.declare_intrinsic("llvm.prefetch", [address.type], fnty)
        # read, keep in all cache levels, data cache
        builder.call(fn, [address, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(cache=True, inline="always")
def splitmix64(z):
    """Steele, Lea and Flood's splitmix64 finalizer of the ``uint64`` ``z``."""
    z = z + _GOLDEN_GAMMA
    z = (z ^ (z >> _U30)) * _MIX1
    z = (z ^ (z >> _U27)) * _MIX2
    return z ^ (z >> _U31)


@numba.njit(cache=True, inline="always")
def _clamp(v):
    """Spec section 3.6: saturate to the 20-bit signed range."""
    return min(max(v, _VMIN), _VMAX)


@numba.njit(cache=True, inline="always")
def _sgn(v):
    return (v > 0) - (v < 0)


@numba.njit(cache=True, inline="always")
def _apply_tally(c, p, s, tally, tally_axons, first_type, last_type, w0, nw):
    """Add ``tally[G, j] * s[j][G]`` to each potential for types in the range; clear.

    Tallying first and weighting here reads the core's weights in order, a row of 256
    per type, instead of one scattered weight per synaptic event; types that tallied
    no axon are skipped, and so are neurons outside the core's live words ``w0 ..
    w0 + nw - 1`` (no crossbar bit reaches them, so their tally is 0). The loop runs
    from 0 over slices, so that LLVM knows every index is >= 0 and vectorizes it.
    Returns the number of synaptic events the tally held.
    """
    j0 = w0 * 8
    n = nw * 8
    V = s.potential[c * NEURONS_PER_CORE + j0 : c * NEURONS_PER_CORE + j0 + n]
    events = 0
    for G in range(first_type, last_type):
        if tally_axons[G] == 0:
            continue
        tally_axons[G] = 0
        W = p.weights[c, G, j0 : j0 + n]
        t = tally[G * NEURONS_PER_CORE + j0 : G * NEURONS_PER_CORE + j0 + n]
        for j in range(n):
            V[j] += np.int32(t[j]) * np.int32(W[j])
            events += np.int64(t[j])
            t[j] = 0
    return events


@numba.njit(cache=True, inline="always")
def _tally_row(tally64, G, row, q0, n):
    """Count bytes ``q0 .. q0 + n - 1`` of a crossbar ``row`` in type ``G``'s tally.

    Indexed without slices: this runs once per active axon, and a slice costs more
    than the few bytes of a partly used core's row.
    """
    base = G * ROW_BYTES + q0
    for q in range(n):
        tally64[base + q] += _SPREAD[row[q0 + q]]


@numba.njit(cache=True, inline="always")
def _integrate_synapses(c, tkey, p, s, word_base, tally, tally_axons, w0, nw):
    """Spec step 2 for core ``c``, visiting only its active axons.

    Reads and clears the core's four words of the current ring slot (from word
    ``word_base`` of ``s.ring``). Deterministic synapses are counted in ``tally``
    (one byte per axon type and neuron) and weighted by :func:`_apply_tally`; a byte
    is flushed before it could count a 256th axon. Stochastic synapses draw and add
    their +-1 at once (``tkey`` is the core's PRNG key of this tick). Returns the
    number of synaptic events, stochastic synapses included whatever they drew.
    Only the bytes ``w0 .. w0 + nw - 1`` of a row, the core's live words, are read:
    the others are 0.
    """
    lo = c * NEURONS_PER_CORE
    hi = lo + NEURONS_PER_CORE
    V = s.potential[lo:hi]
    tally64 = tally.view(np.uint64)
    stochastic = p.stochastic_synapse_core[c] != 0
    events = 0
    any_active = False
    for w in range(RING_WORDS_PER_CORE):
        word = s.ring[word_base + c * RING_WORDS_PER_CORE + w]
        if word == 0:
            continue
        # Cleared as it is read, so the slot is empty when the ring comes round.
        s.ring[word_base + c * RING_WORDS_PER_CORE + w] = 0
        any_active = True
        while word != 0:
            i = w * 64 + np.int64(trailing_zeros(word))
            word &= word - _U1
            a = c * AXONS_PER_CORE + i
            G = p.axon_type[a]
            if tally_axons[G] == TALLY_MAX:
                events += _apply_tally(c, p, s, tally, tally_axons, G, G + 1, w0, nw)
            tally_axons[G] += 1
            row = p.crossbar[a]
            if not stochastic:
                _tally_row(tally64, G, row, w0, nw)
                continue
            W = p.weights[c, G]
            B = p.stochastic_weights[c, G]
            for q in range(w0, w0 + nw):
                byte = row[q]
                for lane in range(8):
                    if (byte >> lane) & 1 == 0:
                        continue
                    j = q * 8 + lane
                    if B[j] == 0:
                        tally[G * NEURONS_PER_CORE + j] += 1
                        continue
                    events += 1
                    # rho uniform on 0..255: +-1 with probability |s| / 256.
                    weight = np.int32(W[j])
                    key = (np.uint64(j) << _U12) | _STREAM_SYNAPSE | np.uint64(i)
                    rho = splitmix64(tkey ^ key) & _BYTE
                    if rho < np.uint64(abs(weight)):
                        V[j] += _sgn(weight)
    if any_active:
        events += _apply_tally(c, p, s, tally, tally_axons, 0, N_AXON_TYPES, w0, nw)
    return events


@numba.njit(cache=True, inline="always")
def _neurons_deterministic(c, p, s, fired, w0, nw, may_clip):
    """Spec steps 3, 5 and 6 for a core without stochastic neurons.

    Runs the neurons of the core's live words ``w0 .. w0 + nw - 1`` (the others keep
    V = 0 and never fire); their spikes go to ``fired`` (256,) as 0, FIRED or
    FIRED | SATURATED. With eta = 0 both negative-threshold cases reduce to
    ``V < -beta``, and every branch becomes a select, so LLVM vectorizes the loop
    (run from 0 over slices, so that every index is plainly >= 0). ``may_clip`` (a
    constant at each call, so each copy keeps only its branch) adds the test for a
    clip at the top, which :data:`CLIP_GATE` rules out on most ticks; the loop
    records the core's highest potential for it.
    """
    j0 = w0 * 8
    n = nw * 8
    lo = c * NEURONS_PER_CORE + j0
    hi = lo + n
    V = s.potential[lo:hi]
    leak = p.leak[lo:hi]
    leak_reversal = p.leak_reversal[lo:hi]
    threshold = p.threshold[lo:hi]
    negative_threshold = p.negative_threshold[lo:hi]
    reset_potential = p.reset_potential[lo:hi]
    reset_mode = p.reset_mode[lo:hi]
    negative_saturation = p.negative_saturation[lo:hi]
    out = fired[j0 : j0 + n]
    peak = _VMIN
    for j in range(n):
        integrated = V[j]
        v = _clamp(integrated)
        omega = np.int32(1) if leak_reversal[j] == 0 else np.int32(_sgn(v))
        leaked = np.int32(v + omega * np.int32(leak[j]))
        v = _clamp(leaked)
        alpha = threshold[j]
        beta = negative_threshold[j]
        R = reset_potential[j]
        gamma = reset_mode[j]
        fire = v >= alpha
        below = v < -beta
        # where V goes if the neuron fires, or if it falls below -beta
        if gamma == RESET_NORMAL:
            v_fire, v_below = R, -R
        elif gamma == RESET_LINEAR:
            v_fire, v_below = v - alpha, v + beta
        else:
            v_fire, v_below = v, v
        if negative_saturation[j] != 0:
            v_below = -beta
        v = _clamp(np.int32(v_fire if fire else (v_below if below else v)))
        V[j] = v
        peak = max(peak, v)
        # saturated: still at or above threshold after firing (TM = 0 here, so α
        # is the highest threshold), or clipped at the top after step 2 or 3
        saturated = fire & (v >= alpha)
        if may_clip:
            saturated |= max(integrated, leaked) > _VMAX
        out[j] = (FIRED | SATURATED) if saturated else (FIRED if fire else 0)
    s.peak[c] = peak


@numba.njit(cache=True, inline="always")
def _neurons_general(c, tkey, p, s, fired, w0, nw):
    """Spec steps 3-6 for a core with stochastic neurons, as the reference does them.

    Only the neurons of the core's live words ``w0 .. w0 + nw - 1`` are run. Draws
    are counter-based, keyed by (core, tick, neuron, stream), so the neurons skipped
    -- which draw nothing that could change them -- leave every other draw as it was.
    """
    lo = c * NEURONS_PER_CORE
    hi = lo + NEURONS_PER_CORE
    V = s.potential[lo:hi]
    leak = p.leak[lo:hi]
    stochastic_leak = p.stochastic_leak[lo:hi]
    leak_reversal = p.leak_reversal[lo:hi]
    threshold = p.threshold[lo:hi]
    negative_threshold = p.negative_threshold[lo:hi]
    threshold_mask_bits = p.threshold_mask_bits[lo:hi]
    reset_potential = p.reset_potential[lo:hi]
    reset_mode = p.reset_mode[lo:hi]
    negative_saturation = p.negative_saturation[lo:hi]
    for j in range(w0 * 8, (w0 + nw) * 8):
        clipped = V[j] > _VMAX
        v = np.int64(_clamp(V[j]))
        neuron_key = np.uint64(j) << _U12

        # 3. Leak, reversed by the sign of V when epsilon = 1.
        lk = np.int64(leak[j])
        omega = np.int64(1) if leak_reversal[j] == 0 else np.int64(_sgn(v))
        if stochastic_leak[j] == 0:
            v += omega * lk
        else:
            rho = splitmix64(tkey ^ (neuron_key | _STREAM_LEAK)) & _BYTE
            if rho < np.uint64(abs(lk)):
                v += omega * _sgn(lk)
        clipped = clipped or v > POTENTIAL_MAX
        v = min(max(v, POTENTIAL_MIN), POTENTIAL_MAX)

        # 4. Threshold mask (no draw when TM = 0).
        eta = np.int64(0)
        tm = threshold_mask_bits[j]
        if tm > 0:
            mask = (_U1 << np.uint64(tm)) - _U1
            eta = np.int64(splitmix64(tkey ^ (neuron_key | _STREAM_THRESHOLD)) & mask)

        # 5. Fire and reset.
        alpha = np.int64(threshold[j])
        beta = np.int64(negative_threshold[j])
        R = np.int64(reset_potential[j])
        gamma = reset_mode[j]
        kappa = np.int64(negative_saturation[j])
        fire = v >= alpha + eta
        if fire:
            if gamma == RESET_NORMAL:
                v = R
            elif gamma == RESET_LINEAR:
                v = v - (alpha + eta)
        elif v < -(beta * kappa + (beta + eta) * (1 - kappa)):
            if kappa == 1:
                v = -beta
            elif gamma == RESET_NORMAL:
                v = -R
            elif gamma == RESET_LINEAR:
                v = v + (beta + eta)

        # 6. Saturation.
        v = min(max(v, POTENTIAL_MIN), POTENTIAL_MAX)
        V[j] = v
        # saturated: still at or above the highest threshold after firing, or
        # clipped at the top (which always fires, see SATURATED)
        if (fire and v >= alpha + (np.int64(1) << np.int64(tm)) - 1) or clipped:
            fired[j] = FIRED | SATURATED
        else:
            fired[j] = FIRED if fire else 0


@numba.njit(cache=True, inline="always")
def _hops(route, g):
    """Mesh hops of neuron ``g``'s spikes: its route's uint32 bits, as an int64."""
    return np.int64(np.uint32(route[g, ROUTE_HOPS]))


@numba.njit(cache=True, inline="always")
def _deliver(c, t, p, s, fired, outbox, outbox_size, watch_col, spike_out, row, w0, nw):
    """Spec step 7 for core ``c``, whose spikes are in ``fired`` (256,).

    Counts the spikes, hops, chip crossings and saturated neurons (per neuron, in
    ``s.saturated``), posts the ring bit of each spike's destination -- axon ``a``
    in slot ``(t + delay) % 16`` -- to ``outbox``, and records watched neurons.
    Returns the new size of the outbox. Only the core's live words
    ``w0 .. w0 + nw - 1`` of ``fired`` are read: the rest holds another core's spikes.
    """
    words_per_slot = s.ring.size // N_SLOTS
    fired64 = fired.view(np.uint64)
    route = p.route
    watched = watch_col.size > 0
    n_spikes = 0
    n_hops = 0
    n_crossings = 0
    for w in range(w0, w0 + nw):
        word = fired64[w]
        if word == 0:
            continue
        for b in range(8):
            byte = (word >> np.uint64(8 * b)) & _BYTE
            if byte == 0:
                continue
            g = c * NEURONS_PER_CORE + w * 8 + b
            n_spikes += 1
            if byte & np.uint64(SATURATED):
                s.saturated[g] += 1
            a = route[g, ROUTE_TARGET]
            if a >= 0:
                slot = (t + route[g, ROUTE_DELAY]) % N_SLOTS
                outbox[outbox_size] = slot * words_per_slot * 64 + a
                outbox_size += 1
                n_hops += _hops(route, g)
                n_crossings += route[g, ROUTE_CROSSINGS]
            if watched:
                col = watch_col[g]
                if col >= 0:
                    spike_out[row, col] = True
    s.spikes[c] += n_spikes
    s.spike_hops[c] += n_hops
    s.chip_crossings[c] += n_crossings
    return outbox_size


@numba.njit(cache=True, inline="always")
def _prefetch_rows(c, p, s, word_base):
    """Prefetch the crossbar rows of core ``c``'s active axons."""
    for w in range(RING_WORDS_PER_CORE):
        word = s.ring[word_base + c * RING_WORDS_PER_CORE + w]
        while word != 0:
            a = c * AXONS_PER_CORE + w * 64 + np.int64(trailing_zeros(word))
            word &= word - _U1
            # both ends: a 32-byte row may straddle two cache lines
            _prefetch(p.crossbar, a * ROW_BYTES)
            _prefetch(p.crossbar, a * ROW_BYTES + ROW_BYTES - 1)


@numba.njit(cache=True, inline="always")
def _prefetch_routes(c, p, fired, w0, nw):
    """Prefetch the routes of core ``c``'s fired neurons (``fired`` (256,)), in its
    live words ``w0 .. w0 + nw - 1``."""
    fired64 = fired.view(np.uint64)
    for w in range(w0, w0 + nw):
        word = fired64[w]
        if word == 0:
            continue
        for b in range(8):
            if (word >> np.uint64(8 * b)) & _BYTE != 0:
                _prefetch(p.route, (c * NEURONS_PER_CORE + w * 8 + b) * 4)


@numba.njit(cache=True, inline="always")
def _run_core(c, t, p, s, word_base, tally, tally_axons, fired, w0, nw):
    """Spec steps 2-6 of core ``c`` on its live words ``w0 .. w0 + nw - 1``.

    Its spikes go to ``fired[c & 1]``, and their routes are prefetched for
    :func:`_deliver`. Called with the constants ``(0, 32)`` for a full core, so that
    the inlined copy for full cores has the fixed trip counts of a whole core.
    """
    stochastic = p.stochastic_core[c] != 0
    tkey = splitmix64(p.core_key[c] ^ np.uint64(t)) if stochastic else _U0
    s.synaptic_events[c] += _integrate_synapses(
        c, tkey, p, s, word_base, tally, tally_axons, w0, nw
    )
    if stochastic:
        _neurons_general(c, tkey, p, s, fired[c & 1], w0, nw)
    else:
        if s.peak[c] > CLIP_GATE:
            _neurons_deterministic(c, p, s, fired[c & 1], w0, nw, True)
        else:
            _neurons_deterministic(c, p, s, fired[c & 1], w0, nw, False)
    _prefetch_routes(c, p, fired[c & 1], w0, nw)


@numba.njit(cache=True, _nrt=False)
def _tick_cores(q, first, last, t, p, s, watch_col, spike_out, row):
    """Run tick ``t`` on cores ``first .. last - 1``: block ``q``, with its scratch.

    Software-pipelined to hide memory latency: while core ``c`` integrates, the rows
    of core ``c + 1``'s active axons are fetched, and core ``c - 1`` delivers its
    spikes (whose routes were fetched while core ``c`` ran; ``fired`` holds the
    spikes of both). Deliveries go to the block's outbox, and from there to later
    ticks' ring slots, so their order is free.

    The parallel loop calls this function rather than inlining it, because numba
    0.68 loses writes made through named-tuple fields inside a ``prange`` body.
    """
    word_base = (t % N_SLOTS) * (s.ring.size // N_SLOTS)
    fired = s.fired[q]
    tally = s.tally[q]
    tally_axons = s.tally_axons[q]
    outbox = s.outbox[q]
    outbox_size = 0
    for c in range(first, last + 1):
        if c + 1 < last:
            _prefetch_rows(c + 1, p, s, word_base)
        if c < last:
            # spec steps 2-6 of core c (step 1 is done: its ring bits are set)
            w0 = p.live_words[c, 0]
            nw = p.live_words[c, 1] - w0
            if nw == WORDS_PER_CORE:
                # constants: the loops of a full core keep their fixed trip counts
                _run_core(
                    c, t, p, s, word_base, tally, tally_axons, fired, 0, WORDS_PER_CORE
                )
            else:
                _run_core(c, t, p, s, word_base, tally, tally_axons, fired, w0, nw)
        if c > first:
            w0 = p.live_words[c - 1, 0]
            nw = p.live_words[c - 1, 1] - w0
            if nw == WORDS_PER_CORE:
                outbox_size = _deliver(
                    c - 1,
                    t,
                    p,
                    s,
                    fired[(c - 1) & 1],
                    outbox,
                    outbox_size,
                    watch_col,
                    spike_out,
                    row,
                    0,
                    WORDS_PER_CORE,
                )
            else:
                outbox_size = _deliver(
                    c - 1,
                    t,
                    p,
                    s,
                    fired[(c - 1) & 1],
                    outbox,
                    outbox_size,
                    watch_col,
                    spike_out,
                    row,
                    w0,
                    nw,
                )
    s.outbox_size[q] = outbox_size


@numba.njit(cache=True, inline="always")
def _post_outboxes(s):
    """Set the ring bits that every block's spikes of this tick posted.

    Done after all blocks have run, by one thread, so that no two threads ever write
    one ring word; the OR merges spikes due on one axon at one tick.
    """
    for q in range(s.outbox_size.size):
        outbox = s.outbox[q]
        for e in range(s.outbox_size[q]):
            bit = outbox[e]
            s.ring[bit >> 6] |= _U1 << np.uint64(bit & 63)
        s.outbox_size[q] = 0


@numba.njit(cache=True, inline="always")
def _external_input(t, k, ext_ptr, ext_axons, ring):
    """Spec step 1: external inputs of tick ``t`` join the spikes already due."""
    words_per_slot = ring.size // N_SLOTS
    slot = t % N_SLOTS
    for e in range(ext_ptr[k], ext_ptr[k + 1]):
        a = ext_axons[e]
        ring[slot * words_per_slot + (a >> 6)] |= _U1 << np.uint64(a & 63)


@numba.njit(cache=True, inline="always")
def _record_voltages(k, voltage_watch, potential, voltage_out):
    for m in range(voltage_watch.size):
        voltage_out[k, m] = potential[voltage_watch[m]]


def _run_ticks(
    ticks,
    t0,
    ext_ptr,
    ext_axons,
    watch_col,
    voltage_watch,
    p,
    s,
    spike_out,
    voltage_out,
):
    """Run ticks ``t0 .. t0 + ticks - 1`` on all cores.

    Parameters
    ----------
    ticks, t0 : int
    ext_ptr : (ticks + 1,) int64
    ext_axons : int64
        External inputs, as in :meth:`Emulator._advance`.
    watch_col : (n_neurons,) int32 or (0,) int32
        Column of ``spike_out`` recording each neuron, or -1; empty when no neuron is
        watched.
    voltage_watch : (n_v,) int64
        Global neurons whose potentials are recorded after each tick.
    p : Params
    s : State
        Updated in place.
    spike_out : (ticks, n_s) bool
    voltage_out : (ticks, n_v) int32
        Filled in.
    """
    n_cores = s.spikes.size
    n_blocks = s.tally.shape[0]
    for k in range(ticks):
        t = t0 + k
        _external_input(t, k, ext_ptr, ext_axons, s.ring)
        for q in numba.prange(n_blocks):
            first = q * n_cores // n_blocks
            last = (q + 1) * n_cores // n_blocks
            _tick_cores(q, first, last, t, p, s, watch_col, spike_out, k)
        _post_outboxes(s)
        _record_voltages(k, voltage_watch, s.potential, voltage_out)


def _compile(func, name, parallel):
    """Compile ``func`` under its own ``name``, so each variant has its own cache."""
    named = pytypes.FunctionType(
        func.__code__, func.__globals__, name, func.__defaults__, func.__closure__
    )
    named.__qualname__ = name
    named.__module__ = func.__module__
    named.__doc__ = func.__doc__
    return numba.njit(cache=True, parallel=parallel, _nrt=False)(named)


#: Run a block of ticks, one core after another (see :func:`_run_ticks`).
run_ticks = _compile(_run_ticks, "run_ticks", parallel=False)

#: Run a block of ticks with blocks of cores shared among numba's threads. Blocks of
#: one tick write only their own cores' potentials, counters and current ring words,
#: and their own scratch arrays; the spikes they post meet in the ring afterwards.
run_ticks_parallel = _compile(_run_ticks, "run_ticks_parallel", parallel=True)
