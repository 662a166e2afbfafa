"""The project's pseudo-random number generator for the chip's stochastic modes.

IBM's PRNG is not public (spec section 3), so the project uses its own: a
*counter-based* generator. Every draw is a pure function of the core's ``seed``, the
tick ``t``, the neuron ``j``, the stream (what the draw is for) and, for synapses, the
axon ``i``::

    core_key = splitmix64(seed)
    tick_key = splitmix64(core_key ^ t)
    draw     = splitmix64(tick_key ^ (j << 12 | stream << 8 | i))

``splitmix64`` is Steele, Lea and Flood's 64-bit finalizer (all arithmetic mod 2**64).
The draws of one tick are therefore independent of the order in which an emulator
visits neurons and axons -- the "documented draw order" is simply this key -- which is
what lets the reference and the fast emulators agree bit for bit.

Streams and how each draw is used:

========================  ======  ===========================================
use                       stream  value
========================  ======  ===========================================
stochastic synapse (j, i)  0       ``rho = draw & 255``, adds sgn(s) if rho < |s|
stochastic leak (j)        1       ``rho = draw & 255``, adds sgn(lambda) if rho < |lambda|
threshold mask (j)         2       ``eta = draw & (2**TM - 1)``; no draw when TM = 0
========================  ======  ===========================================

For streams 1 and 2 the axon field ``i`` is 0.
"""

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB

STREAM_SYNAPSE = 0
STREAM_LEAK = 1
STREAM_THRESHOLD = 2


def splitmix64(z):
    """Return the splitmix64 output for the 64-bit integer ``z``."""
    z = (z + GOLDEN_GAMMA) & MASK64
    z = ((z ^ (z >> 30)) * MIX1) & MASK64
    z = ((z ^ (z >> 27)) * MIX2) & MASK64
    return z ^ (z >> 31)


def core_key(seed):
    """Key of a core, from its seed (an unsigned 64-bit integer)."""
    return splitmix64(seed & MASK64)


def tick_key(core_key_, tick):
    """Key of one tick of one core."""
    return splitmix64(core_key_ ^ (tick & MASK64))


def draw(tick_key_, neuron, stream, axon=0):
    """One 64-bit draw for ``neuron`` and ``stream`` (and ``axon`` for synapses)."""
    return splitmix64(tick_key_ ^ ((neuron << 12) | (stream << 8) | axon))
