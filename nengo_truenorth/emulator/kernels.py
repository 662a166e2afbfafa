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
   active axon's crossbar row (256 bits, four ``uint64`` words) is added to the
   potentials as a *masked add*: ``V[j] += W[G][j]`` where bit ``j`` is set, as one
   branch-free vector loop over the core's weight row of the axon's type. That row
   is ``int8`` where every weight of the core fits (half the bytes of ``int16``).
   Stochastic synapses are masked out of the add and draw their +-1 one by one.
2. **Neurons.** Leak, threshold and reset. Deterministic cores take a branch-free loop
   that LLVM vectorizes -- over one parameter set for the whole core where all its
   neurons share it (:data:`NEURONS_SHARED`: nothing per neuron is read but the
   potential), or over per-neuron arrays; cores with any stochastic neuron take the
   general loop, which follows the reference emulator line by line and draws from
   the project PRNG. The loops write a byte per neuron (0, FIRED or
   FIRED | SATURATED), which is then packed into 256-bit spike masks.
3. **Spikes.** The spikes -- the set bits of the mask, found with a trailing-zero
   count -- are counted, with the saturated ones (see :data:`SATURATED`), and each
   posts the ring bit of its destination axon in slot ``(t + delay) % 16`` to the
   block's outbox *for the block that owns the destination*. At its next tick, each
   block ORs what every block posted for it into its own ring words, so the outboxes
   are merged by all threads at once, and no thread writes another's ring words.

All three passes visit only a core's *live words*: the words of eight neurons from
its first to its last live one (:func:`~.fast.live_neurons`). The other neurons are
inert -- no synapse, potential 0, nothing that moves it, no way to fire -- so running
them would change nothing; this spares the compiler's mostly empty cores (decode and
filter neurons use a few of 256) nearly all their work.

Delays are 1..15 ticks, so a 16-slot ring never receives spikes for the slot being
read, and several spikes due on one axon at one tick merge into one bit -- the one bit
per axon per tick of spec section 3.1. While blocks run in parallel, each writes only
its own cores' potentials, counters and ring words, and its own outboxes: no two
threads write the same memory, and every counter is per core.

Memory, not arithmetic, bounds a full chip, and the chip's per-tick state fits the
last-level cache only when it is compact: potentials (4 MiB), ``int8`` weights
(4 MiB) and shared parameter sets are, per-neuron parameters (17 bytes a neuron) and
``int16`` weights are not. The rows of the next core's active axons and the routes of
the current core's spikes are prefetched; the neuron arrays are read in order, which
the hardware prefetches.

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
#: ``uint64`` words of one axon's crossbar row, and of a core's spike mask.
ROW_WORDS = NEURONS_PER_CORE // 64

#: Bits of a neuron's byte in :attr:`State.fired`: it fired; it was saturated
#: (:attr:`.Activity.saturated`). A saturated neuron always fires -- a potential
#: clipped at the top, even less a leak of 255, is above the highest threshold,
#: THRESHOLD_MAX + 2^17 - 1 -- so the neuron loops mark it in the spike byte, which
#: stays in the L1 cache, and :func:`_deliver` counts it as it visits the spikes:
#: the per-neuron counters are touched only at saturated ticks.
FIRED, SATURATED = 1, 2

#: How a core's neurons run (:attr:`Params.neuron_kind`): deterministic, with one
#: parameter set for the core (:attr:`Params.shared_neuron`); deterministic, with
#: per-neuron parameters; with a stochastic leak or threshold somewhere on the core.
NEURONS_SHARED, NEURONS_OWN, NEURONS_STOCHASTIC = range(3)

#: How a core's deterministic synapses are weighted (:attr:`Params.weight_kind`):
#: one weight per axon type for all the neurons its axons reach
#: (:attr:`Params.shared_weights`: nothing per neuron is read); per neuron, from
#: :attr:`Params.weights8`, where all the core's weights fit ``int8``; per neuron,
#: from :attr:`Params.weights`. Cores with stochastic synapses take the last.
WEIGHTS_SHARED, WEIGHTS_INT8, WEIGHTS_INT16 = range(3)

#: Columns of :attr:`Params.shared_neuron`: the deterministic neuron's parameters.
SHARED_FIELDS = (
    "leak",
    "leak_reversal",
    "threshold",
    "negative_threshold",
    "reset_potential",
    "reset_mode",
    "negative_saturation",
)
(
    _LEAK,
    _LEAK_REVERSAL,
    _THRESHOLD,
    _NEGATIVE_THRESHOLD,
    _RESET_POTENTIAL,
    _RESET_MODE,
    _NEGATIVE_SATURATION,
) = range(len(SHARED_FIELDS))

#: A deterministic core tests its neurons for a clip at the top only while one of
#: them ended the last tick above this potential: a tick adds at most 256 axons x
#: WEIGHT_MAX (step 2) and LEAK_MAX (step 3), so from below it nothing can pass
#: POTENTIAL_MAX. Run at every tick, the test made a 1,024-core benchmark model
#: 7-12 % slower; the gate costs one max per neuron.
CLIP_GATE = np.int32(POTENTIAL_MAX - AXONS_PER_CORE * WEIGHT_MAX - LEAK_MAX)

#: Entries ahead of the one being set whose ring words :func:`_collect_posts` asks
#: the memory for: enough to keep a few misses in flight.
POST_PREFETCH_DISTANCE = 16

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

#: What the model fixes, as flat arrays (see :meth:`FastEmulator._build`).
Params = namedtuple(
    "Params",
    [
        # (n_axons, 4) uint64: axon a's crossbar row, bit j % 64 of word j // 64
        "crossbar",
        "axon_type",  # (n_axons,) uint8
        # synapses: (n_cores, 4, 256) per core, axon type and neuron, the four rows of
        # a core side by side so that they are read as one stream
        "weights",  # int16: every core's weights
        "weights8",  # int8: the same, on WEIGHTS_INT8 cores (0 elsewhere)
        # (n_cores,) uint8: WEIGHTS_SHARED, WEIGHTS_INT8 or WEIGHTS_INT16
        "weight_kind",
        # (n_cores, 4) int32: the weight of each axon type on a WEIGHTS_SHARED core
        "shared_weights",
        # (n_cores, 4, 4) uint64: bit j of row G is set where neuron j's synapses of
        # type G are stochastic
        "stochastic_synapses",
        # neurons: one array per concern, global neuron index
        "leak",  # (n_neurons,) int16
        "stochastic_leak",  # (n_neurons,) uint8
        "leak_reversal",  # (n_neurons,) uint8
        "threshold",  # (n_neurons,) int32, alpha
        "negative_threshold",  # (n_neurons,) int32, beta
        "threshold_mask_bits",  # (n_neurons,) uint8
        "reset_potential",  # (n_neurons,) int32
        "reset_mode",  # (n_neurons,) uint8
        "negative_saturation",  # (n_neurons,) uint8
        # (n_cores,) uint8: NEURONS_SHARED, NEURONS_OWN or NEURONS_STOCHASTIC
        "neuron_kind",
        # (n_cores, 7) int32: the parameter set (SHARED_FIELDS) of a NEURONS_SHARED
        # core's live words
        "shared_neuron",
        # (n_neurons, 4) int32: destination global axon (-1: none), delay, mesh hops
        # and chip-edge crossings -- one 16-byte record, so a spike reads one line.
        # Hops reach 2 * (2**31 - 1) between the mesh's far corners, more than an
        # int32 holds: that column holds the bits of a uint32 (read with _hops)
        "route",
        # per core
        "core_key",  # (n_cores,) uint64, prng.core_key(seed)
        "stochastic_core",  # (n_cores,) uint8: any b, c or TM on the core
        "stochastic_synapse_core",  # (n_cores,) uint8: any b on the core
        # (n_cores, 2) int64: the core's live words -- words of eight neurons first
        # .. end - 1 hold every neuron whose state can change or which can fire (see
        # fast.live_neurons); the rest are skipped
        "live_words",
        # blocks of cores: block q runs cores block_start[q] .. block_start[q + 1] - 1
        "block_start",  # (n_blocks + 1,) int64
        "core_block",  # (n_cores,) int32: the block of each core
        # (n_blocks, n_blocks) int64: where block q's outbox for block r starts in
        # State.outbox; it holds one entry per routed neuron of q with a
        # destination in r, the most one tick can post
        "outbox_start",
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
        "fired",  # (n_blocks, 256) uint8: the core's spike bytes, FIRED | SATURATED
        # (n_blocks, 2, 8) uint64: the last two cores' spike masks (words 0..3) and
        # saturated masks (words 4..7)
        "spike_bits",
        # (2, n_routed) int64: ring bits posted at ticks of each parity, block by
        # block and destination block by destination block (Params.outbox_start)
        "outbox",
        "outbox_size",  # (2, n_blocks, n_blocks) int64: entries of each outbox
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


@intrinsic
def _popcount(typingctx, word):
    """Set bits of the ``uint64`` ``word`` (one instruction), as an ``int64``."""
    sig = types.int64(types.uint64)

    def codegen(context, builder, signature, args):
        fn = builder.module.declare_intrinsic("llvm.ctpop", [args[0].type])
        return builder.call(fn, [args[0]])

    return sig, codegen


@intrinsic
def _byte_mask(typingctx, array, start, bit):
    """``uint64`` whose bit ``l`` is set where ``array[start + l] & bit != 0``.

    Reads 64 bytes of the ``uint8`` array ``array`` at once: one vector test and a
    mask move where the CPU has them (AVX-512), a few shuffles elsewhere.
    """
    sig = types.uint64(array, types.intp, types.uint8)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        i8, i32 = ir.IntType(8), ir.IntType(32)
        vector = ir.VectorType(i8, 64)
        pointer = builder.bitcast(builder.gep(data, [args[1]]), vector.as_pointer())
        loaded = builder.load(pointer, align=1)
        undef = ir.Constant(vector, ir.Undefined)
        first = builder.insert_element(undef, args[2], i32(0))
        zeros = ir.Constant(ir.VectorType(i32, 64), [0] * 64)
        splat = builder.shuffle_vector(first, undef, zeros)
        hit = builder.icmp_unsigned(
            "!=", builder.and_(loaded, splat), ir.Constant(vector, [0] * 64)
        )
        return builder.bitcast(hit, ir.IntType(64))

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
def _row_words(w0, nw):
    """The ``uint64`` row words ``(q0, q1)`` that cover the live words ``w0 .. w0 +
    nw - 1`` (words of eight neurons; eight of them make a row word)."""
    return w0 // 8, (w0 + nw + 7) // 8


@numba.njit(cache=True, inline="always")
def _masked_add(V, W, row, skip, q0, nq, split):
    """``V[j] += W[j]`` for each neuron ``j`` whose bit is set in ``row``.

    ``V`` and ``W`` are the slices of neurons ``64 q0 ..`` of the core, ``row`` the
    axon's whole row of four words, of which words ``q0 .. q0 + nq - 1`` are read.
    ``split`` (a constant at each call) drops the bits set in ``skip``.
    The bit becomes an all-ones or all-zeros mask of the weight, so the loop has no
    branch and LLVM vectorizes it; V is int32, and no tick can overflow it (256
    axons of weight 255 add less than 2^16 to a 20-bit potential).
    """
    for q in range(nq):
        bits = row[q0 + q]
        if split:
            bits &= ~skip[q0 + q]
        for lane in range(64):
            mask = -np.int32((bits >> np.uint64(lane)) & _U1)
            V[q * 64 + lane] += np.int32(W[q * 64 + lane]) & mask


@numba.njit(cache=True, inline="always")
def _masked_add_shared(V, weight, row, q0, nq):
    """:func:`_masked_add` of one ``weight`` for all neurons: only ``V`` is read."""
    for q in range(nq):
        bits = row[q0 + q]
        for lane in range(64):
            mask = -np.int32((bits >> np.uint64(lane)) & _U1)
            V[q * 64 + lane] += weight & mask


@numba.njit(cache=True, inline="always")
def _draw_synapses(c, i, tkey, p, s, G, row, q0, q1):
    """Stochastic synapses of active axon ``i`` (local) of core ``c``, type ``G``.

    Each stochastic synapse set in ``row`` (words ``q0 .. q1 - 1``) adds ``sgn(s)``
    with probability ``|s| / 256``: the draw ``rho``, uniform on 0..255, is keyed by
    (core, tick, neuron, stream, axon), as the reference draws it.
    """
    V = s.potential[c * NEURONS_PER_CORE : (c + 1) * NEURONS_PER_CORE]
    W = p.weights[c, G]
    stochastic = p.stochastic_synapses[c, G]
    for q in range(q0, q1):
        word = row[q] & stochastic[q]
        while word != 0:
            j = q * 64 + np.int64(trailing_zeros(word))
            word &= word - _U1
            weight = np.int32(W[j])
            key = (np.uint64(j) << _U12) | _STREAM_SYNAPSE | np.uint64(i)
            rho = splitmix64(tkey ^ key) & _BYTE
            if rho < np.uint64(abs(weight)):
                V[j] += _sgn(weight)


@numba.njit(cache=True, inline="always")
def _integrate_synapses(c, tkey, p, s, word_base, w0, nw):
    """Spec step 2 for core ``c``, visiting only its active axons.

    Reads and clears the core's four words of the current ring slot (from word
    ``word_base`` of ``s.ring``), and adds each active axon's row to the potentials
    (:func:`_masked_add`), by the core's :attr:`Params.weight_kind`. On a core with
    stochastic synapses, the add skips them and :func:`_draw_synapses` draws them
    (``tkey`` is the core's PRNG key of this tick). Returns the number of synaptic
    events, stochastic synapses included whatever they drew: the set bits of the
    rows. Only the row words that cover the live words ``w0 .. w0 + nw - 1`` are
    read: no crossbar bit reaches a neuron outside them.
    """
    q0, q1 = _row_words(w0, nw)
    lo = c * NEURONS_PER_CORE + q0 * 64
    hi = c * NEURONS_PER_CORE + q1 * 64
    V = s.potential[lo:hi]
    split = p.stochastic_synapse_core[c] != 0
    kind = p.weight_kind[c]
    events = 0
    for w in range(RING_WORDS_PER_CORE):
        word = s.ring[word_base + c * RING_WORDS_PER_CORE + w]
        if word == 0:
            continue
        # Cleared as it is read, so the slot is empty when the ring comes round.
        s.ring[word_base + c * RING_WORDS_PER_CORE + w] = 0
        while word != 0:
            i = w * 64 + np.int64(trailing_zeros(word))
            word &= word - _U1
            a = c * AXONS_PER_CORE + i
            G = p.axon_type[a]
            row = p.crossbar[a]
            for q in range(q0, q1):
                events += _popcount(row[q])
            nq = q1 - q0
            if split:
                W = p.weights[c, G, q0 * 64 : q1 * 64]
                _masked_add(V, W, row, p.stochastic_synapses[c, G], q0, nq, True)
                _draw_synapses(c, i, tkey, p, s, G, row, q0, q1)
            elif kind == WEIGHTS_SHARED:
                _masked_add_shared(V, p.shared_weights[c, G], row, q0, nq)
            elif kind == WEIGHTS_INT8:
                W8 = p.weights8[c, G, q0 * 64 : q1 * 64]
                _masked_add(V, W8, row, row, q0, nq, False)
            else:
                W = p.weights[c, G, q0 * 64 : q1 * 64]
                _masked_add(V, W, row, row, q0, nq, False)
    return events


@numba.njit(cache=True, inline="always")
def _neuron_step(
    integrated, leak, leak_reversal, alpha, beta, R, gamma, kappa, may_clip
):
    """Spec steps 3, 5 and 6 of one deterministic neuron; its new potential and byte.

    ``integrated`` is its potential after step 2. With eta = 0 both negative-threshold
    cases reduce to ``V < -beta``, and every branch becomes a select, so the loops
    that call this vectorize. ``may_clip`` (a constant at each call) adds the test for
    a clip at the top, which :data:`CLIP_GATE` rules out on most ticks. The byte is
    0, FIRED or FIRED | SATURATED.
    """
    v = _clamp(integrated)
    omega = np.int32(1) if leak_reversal == 0 else np.int32(_sgn(v))
    leaked = np.int32(v + omega * np.int32(leak))
    v = _clamp(leaked)
    fire = v >= alpha
    below = v < -beta
    # where V goes if the neuron fires, or if it falls below -beta
    if gamma == RESET_NORMAL:
        v_fire, v_below = R, -R
    elif gamma == RESET_LINEAR:
        v_fire, v_below = v - alpha, v + beta
    else:
        v_fire, v_below = v, v
    if kappa != 0:
        v_below = -beta
    v = _clamp(np.int32(v_fire if fire else (v_below if below else v)))
    # saturated: still at or above threshold after firing (TM = 0 here, so α is the
    # highest threshold), or clipped at the top after step 2 or 3
    saturated = fire & (v >= alpha)
    if may_clip:
        saturated |= max(integrated, leaked) > _VMAX
    return v, np.uint8((FIRED | SATURATED) if saturated else (FIRED if fire else 0))


@numba.njit(cache=True, inline="always")
def _neurons_shared(c, p, s, fired, w0, nw, may_clip):
    """Spec steps 3, 5 and 6 for a deterministic core of one parameter set.

    Runs the neurons of the core's live words ``w0 .. w0 + nw - 1`` (the others keep
    V = 0 and never fire), whose parameters are all :attr:`Params.shared_neuron`:
    the loop reads and writes only potentials, and writes their spike bytes to
    ``fired`` (256,). Records the core's highest potential for :data:`CLIP_GATE`.
    """
    j0 = w0 * 8
    n = nw * 8
    lo = c * NEURONS_PER_CORE + j0
    V = s.potential[lo : lo + n]
    out = fired[j0 : j0 + n]
    shared = p.shared_neuron[c]
    leak = shared[_LEAK]
    leak_reversal = shared[_LEAK_REVERSAL]
    alpha = shared[_THRESHOLD]
    beta = shared[_NEGATIVE_THRESHOLD]
    R = shared[_RESET_POTENTIAL]
    gamma = shared[_RESET_MODE]
    kappa = shared[_NEGATIVE_SATURATION]
    peak = _VMIN
    for j in range(n):
        v, out[j] = _neuron_step(
            V[j], leak, leak_reversal, alpha, beta, R, gamma, kappa, may_clip
        )
        V[j] = v
        peak = max(peak, v)
    s.peak[c] = peak


@numba.njit(cache=True, inline="always")
def _neurons_own(c, p, s, fired, w0, nw, may_clip):
    """:func:`_neurons_shared` for a deterministic core whose neurons' parameters
    differ: each is read from its per-neuron array (run from 0 over slices, so that
    every index is plainly >= 0 and LLVM vectorizes the loop)."""
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
        v, out[j] = _neuron_step(
            V[j],
            leak[j],
            leak_reversal[j],
            threshold[j],
            negative_threshold[j],
            reset_potential[j],
            reset_mode[j],
            negative_saturation[j],
            may_clip,
        )
        V[j] = v
        peak = max(peak, v)
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
def _live_bits(q, w0, nw):
    """The bits of row word ``q`` (neurons ``64 q ..``) that are in the live words
    ``w0 .. w0 + nw - 1``."""
    lo = max(w0 * 8 - q * 64, 0)
    hi = min((w0 + nw) * 8 - q * 64, 64)
    if hi <= lo:
        return _U0
    return (~_U0 >> np.uint64(64 - (hi - lo))) << np.uint64(lo)


@numba.njit(cache=True, inline="always")
def _pack_spikes(fired, bits, w0, nw):
    """Pack the spike bytes ``fired`` (256,) of the live words ``w0 .. w0 + nw - 1``
    into ``bits`` (8,): the spike mask in words 0..3, the saturated mask in 4..7.

    Sixty-four bytes at a time (:func:`_byte_mask`); bytes outside the live words
    hold another core's spikes and are masked off. The masks are what
    :func:`_deliver` and the route prefetch scan -- four words a core, not 256
    bytes.
    """
    for q in range(ROW_WORDS):
        live = _live_bits(q, w0, nw)
        bits[q] = _byte_mask(fired, q * 64, np.uint8(FIRED)) & live
        bits[ROW_WORDS + q] = _byte_mask(fired, q * 64, np.uint8(SATURATED)) & live


@numba.njit(cache=True, inline="always")
def _hops(route, g):
    """Mesh hops of neuron ``g``'s spikes: its route's uint32 bits, as an int64."""
    return np.int64(np.uint32(route[g, ROUTE_HOPS]))


@numba.njit(cache=True, inline="always")
def _deliver(c, t, p, s, bits, outbox, starts, sizes, watch_col, spike_out, row):
    """Spec step 7 for core ``c``, whose spike and saturated masks are ``bits`` (8,).

    Counts the spikes, hops, chip crossings and saturated neurons (per neuron, in
    ``s.saturated``), posts the ring bit of each spike's destination -- axon ``a``
    in slot ``(t + delay) % 16`` -- to the outbox of the block ``r`` that owns ``a``
    (from ``outbox[starts[r]]``, with ``sizes[r]`` entries so far; ``outbox`` is
    this tick's half of :attr:`State.outbox`), and records watched neurons.
    """
    words_per_slot = s.ring.size // N_SLOTS
    route = p.route
    watched = watch_col.size > 0
    first = c * NEURONS_PER_CORE
    n_spikes = 0
    n_hops = 0
    n_crossings = 0
    for w in range(ROW_WORDS):
        word = bits[w]
        n_spikes += _popcount(word)
        while word != 0:
            g = first + w * 64 + np.int64(trailing_zeros(word))
            word &= word - _U1
            a = route[g, ROUTE_TARGET]
            if a >= 0:
                slot = (t + route[g, ROUTE_DELAY]) % N_SLOTS
                r = p.core_block[a // AXONS_PER_CORE]
                outbox[starts[r] + sizes[r]] = slot * words_per_slot * 64 + a
                sizes[r] += 1
                n_hops += _hops(route, g)
                n_crossings += route[g, ROUTE_CROSSINGS]
            if watched:
                col = watch_col[g]
                if col >= 0:
                    spike_out[row, col] = True
    for w in range(ROW_WORDS):
        word = bits[ROW_WORDS + w]
        while word != 0:
            s.saturated[first + w * 64 + np.int64(trailing_zeros(word))] += 1
            word &= word - _U1
    s.spikes[c] += n_spikes
    s.spike_hops[c] += n_hops
    s.chip_crossings[c] += n_crossings


@numba.njit(cache=True, inline="always")
def _prefetch_rows(c, p, s, word_base):
    """Prefetch the crossbar rows and types of core ``c``'s active axons, and the
    potentials of its live words, which its first synapse reads."""
    w0 = p.live_words[c, 0]
    for line in range(w0 // 2, (p.live_words[c, 1] + 1) // 2):
        # 16 potentials (two words of eight) a cache line
        _prefetch(s.potential, c * NEURONS_PER_CORE + line * 16)
    for w in range(RING_WORDS_PER_CORE):
        word = s.ring[word_base + c * RING_WORDS_PER_CORE + w]
        while word != 0:
            a = c * AXONS_PER_CORE + w * 64 + np.int64(trailing_zeros(word))
            word &= word - _U1
            # rows are 32 bytes, aligned: one cache line
            _prefetch(p.crossbar, a * ROW_WORDS)
            _prefetch(p.axon_type, a)


@numba.njit(cache=True, inline="always")
def _prefetch_routes(c, p, bits):
    """Prefetch the routes of core ``c``'s spikes (spike mask ``bits[0:4]``)."""
    for w in range(ROW_WORDS):
        word = bits[w]
        while word != 0:
            g = c * NEURONS_PER_CORE + w * 64 + np.int64(trailing_zeros(word))
            word &= word - _U1
            _prefetch(p.route, g * 4)


@numba.njit(cache=True, inline="always")
def _run_neurons(c, tkey, p, s, fired, w0, nw):
    """Spec steps 3-6 of core ``c``'s live words, by the core's :attr:`neuron_kind`."""
    kind = p.neuron_kind[c]
    if kind == NEURONS_STOCHASTIC:
        _neurons_general(c, tkey, p, s, fired, w0, nw)
    elif kind == NEURONS_SHARED:
        if s.peak[c] > CLIP_GATE:
            _neurons_shared(c, p, s, fired, w0, nw, True)
        else:
            _neurons_shared(c, p, s, fired, w0, nw, False)
    else:
        if s.peak[c] > CLIP_GATE:
            _neurons_own(c, p, s, fired, w0, nw, True)
        else:
            _neurons_own(c, p, s, fired, w0, nw, False)


@numba.njit(cache=True, inline="always")
def _run_core(c, t, p, s, word_base, fired, bits, w0, nw):
    """Spec steps 2-6 of core ``c`` on its live words ``w0 .. w0 + nw - 1``.

    Its spikes go to the masks ``bits`` (8,), and their routes are prefetched for
    :func:`_deliver`. Called with the constants ``(0, 32)`` for a full core, so that
    the inlined copy for full cores has the fixed trip counts of a whole core.
    """
    stochastic = p.stochastic_core[c] != 0
    tkey = splitmix64(p.core_key[c] ^ np.uint64(t)) if stochastic else _U0
    s.synaptic_events[c] += _integrate_synapses(c, tkey, p, s, word_base, w0, nw)
    _run_neurons(c, tkey, p, s, fired, w0, nw)
    _pack_spikes(fired, bits, w0, nw)
    _prefetch_routes(c, p, bits)


@numba.njit(cache=True, inline="always")
def _collect_posts(q, t, p, s):
    """Set the ring bits that every block posted for block ``q`` at tick ``t - 1``.

    Run by block ``q`` at the start of tick ``t``, when every block has finished
    tick ``t - 1``: the bits are of ``q``'s own cores, so no two threads write one
    ring word, and the outboxes are merged by all threads at once. Delays are >= 1,
    so nothing posted at ``t - 1`` is due before ``t``. The outboxes of ``t - 1``'s
    parity are then empty for tick ``t + 1``; those of ``t``'s parity fill meanwhile.
    """
    half = (t - 1) & 1
    outbox = s.outbox[half]
    for source in range(s.outbox_size.shape[1]):
        start = p.outbox_start[source, q]
        end = start + s.outbox_size[half, source, q]
        for e in range(start, end):
            # the ring words are scattered over 16 slots: ask for them early
            if e + POST_PREFETCH_DISTANCE < end:
                _prefetch(s.ring, outbox[e + POST_PREFETCH_DISTANCE] >> 6)
            bit = outbox[e]
            s.ring[bit >> 6] |= _U1 << np.uint64(bit & 63)
        s.outbox_size[half, source, q] = 0


@numba.njit(cache=True, _nrt=False)
def _tick_cores(q, t, p, s, watch_col, spike_out, row):
    """Run tick ``t`` on block ``q``'s cores, with its scratch arrays.

    Software-pipelined to hide memory latency: while core ``c`` integrates, the rows
    of core ``c + 1``'s active axons are fetched, and core ``c - 1`` delivers its
    spikes (whose routes were fetched while core ``c`` ran; ``spike_bits`` holds the
    masks of both). Deliveries go to the outboxes, and from there to later ticks'
    ring slots, so their order is free.

    The parallel loop calls this function rather than inlining it, because numba
    0.68 loses writes made through named-tuple fields inside a ``prange`` body.
    """
    _collect_posts(q, t, p, s)
    first = p.block_start[q]
    last = p.block_start[q + 1]
    word_base = (t % N_SLOTS) * (s.ring.size // N_SLOTS)
    fired = s.fired[q]
    bits = s.spike_bits[q]
    outbox = s.outbox[t & 1]
    starts = p.outbox_start[q]
    sizes = s.outbox_size[t & 1, q]
    for c in range(first, last + 1):
        if c + 1 < last:
            _prefetch_rows(c + 1, p, s, word_base)
        if c < last:
            # spec steps 2-6 of core c (step 1 is done: its ring bits are set)
            w0 = p.live_words[c, 0]
            nw = p.live_words[c, 1] - w0
            if nw == WORDS_PER_CORE:
                # constants: the loops of a full core keep their fixed trip counts
                _run_core(c, t, p, s, word_base, fired, bits[c & 1], 0, WORDS_PER_CORE)
            else:
                _run_core(c, t, p, s, word_base, fired, bits[c & 1], w0, nw)
        if c > first:
            _deliver(
                c - 1,
                t,
                p,
                s,
                bits[(c - 1) & 1],
                outbox,
                starts,
                sizes,
                watch_col,
                spike_out,
                row,
            )


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
        Updated in place. The spikes of the last tick stay in the outboxes, to be
        collected at the start of the next run.
    spike_out : (ticks, n_s) bool
    voltage_out : (ticks, n_v) int32
        Filled in.
    """
    n_blocks = p.block_start.size - 1
    for k in range(ticks):
        t = t0 + k
        _external_input(t, k, ext_ptr, ext_axons, s.ring)
        for q in numba.prange(n_blocks):
            _tick_cores(q, t, p, s, watch_col, spike_out, k)
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
#: one tick write only their own cores' potentials, counters and ring words, and their
#: own outboxes; the spikes they post meet in the ring at the next tick.
run_ticks_parallel = _compile(_run_ticks, "run_ticks_parallel", parallel=True)
