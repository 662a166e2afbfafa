"""Synapses the chip runs exactly: pure delays of whole steps.

The chip has no synaptic filter, but it delays every spike by whole ticks (1 to 15 on
an axon; spec section 1). A Nengo ``LinearFilter`` whose output is its input ``k``
steps earlier, ``LinearFilter([1], [1, 0, ..., 0], analog=False)``, is therefore
what the chip does on a path of ``k`` ticks. :func:`delay_synapse` makes one;
:func:`delay_steps` recognizes one. On a chip -> chip connection the front end gives
such a synapse a path of exactly ``k`` ticks (the compiler's splitter stages
included), where a ``Lowpass`` would need filter neurons, their random spikes and a
longer loop. A neuron -> neuron recurrence through ``delay_synapse(2)`` then runs on
the chip as in ``nengo.Simulator``, tick for step; networks trained with NengoDL keep
it as it is (NengoDL builds ``LinearFilter`` natively).
"""

import numpy as np
from nengo.exceptions import ValidationError
from nengo.synapses import LinearFilter

#: Ticks of the shortest neuron -> neuron path with multi-level weights: one hop to
#: a splitter neuron (a spike reaches one axon, and a 16-level weight takes up to
#: four axons on the post core), one hop to the post neurons.
CHIP_PATH_TICKS = 2
#: Most ticks one chip path may take (an axon's delay is at most 15 ticks).
MAX_DELAY_STEPS = 15


def delay_synapse(steps=CHIP_PATH_TICKS):
    """A synapse whose output is its input ``steps`` steps earlier.

    Parameters
    ----------
    steps : int, optional
        Whole steps of delay, 1 to :data:`MAX_DELAY_STEPS` (default
        :data:`CHIP_PATH_TICKS`, the chip's shortest neuron -> neuron path).

    Returns
    -------
    nengo.LinearFilter
        ``LinearFilter([1], [1] + [0] * steps, analog=False)``.

    Examples
    --------
    >>> import nengo
    >>> from nengo_truenorth.synapses import delay_steps
    >>> delay_steps(delay_synapse(2))
    2
    >>> delay_steps(nengo.Lowpass(0.005)) is None
    True
    """
    if int(steps) != steps or not 1 <= steps <= MAX_DELAY_STEPS:
        raise ValidationError(
            f"steps = {steps!r}: a delay on the chip is a whole number of ticks, "
            f"1 to {MAX_DELAY_STEPS}",
            attr="steps",
        )
    return LinearFilter([1.0], [1.0] + [0.0] * int(steps), analog=False)


def delay_steps(synapse):
    """The steps of delay of a pure-delay synapse (see :func:`delay_synapse`).

    Parameters
    ----------
    synapse : nengo.synapses.Synapse or None

    Returns
    -------
    int or None
        ``k`` for ``LinearFilter([1], [1, 0, ..., 0], analog=False)`` with ``k``
        zeros (any ``k >= 1``), None for every other synapse.
    """
    if type(synapse) is not LinearFilter or synapse.analog:
        return None
    num = np.atleast_1d(np.asarray(synapse.num, dtype=float))
    den = np.atleast_1d(np.asarray(synapse.den, dtype=float))
    if num.shape != (1,) or den.size < 2 or num[0] != den[0] or np.any(den[1:] != 0):
        return None
    return den.size - 1
