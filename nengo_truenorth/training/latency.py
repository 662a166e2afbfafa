"""The chip's loop latency as a synapse in the training graph.

On the chip a ``Lowpass`` connection between neurons goes through *filter neurons*
(``nengo_truenorth/passes/filters.py``): the source's spikes reach the filter neurons
one tick later, and their spikes reach the posts one tick after that. A recurrence
``ens.neurons -> ens.neurons`` with ``Lowpass(tau)`` therefore takes 3 ticks around the
loop where Nengo takes 1 step: :data:`CHIP_LOOP_EXTRA_STEPS` = 2 more. A network
trained in NengoDL without them learns a faster loop than the chip runs.

:class:`LoopLatency` is the synapse with the chip's timing: the same filter followed
by a pure delay of ``extra_steps`` steps (``z**-extra_steps``). Train with
``synapse=LoopLatency(nengo.Lowpass(tau))`` on the recurrent connections; before
running on the chip, put the ``Lowpass`` back (the chip adds the ticks itself):
:func:`~nengo_truenorth.training.freeze_constrained` does so, or
:func:`restore_chip_synapses`.

It is a ``nengo.LinearFilter`` (state space: the filter's states, then a delay line),
so ``nengo.Simulator`` and NengoDL (``LinearFilterBuilder``) run it natively; the
chip's front end does not take it.
"""

import numpy as np
from nengo.exceptions import ValidationError
from nengo.params import IntParam
from nengo.synapses import LinearFilter, SynapseParam

#: Steps the chip's filtered recurrence takes beyond Nengo's one: source -> filter
#: neurons -> posts (see ``nengo_truenorth/passes/filters.py``).
CHIP_LOOP_EXTRA_STEPS = 2


class LoopLatency(LinearFilter):
    """A linear filter followed by a pure delay of ``extra_steps`` steps.

    Parameters
    ----------
    synapse : nengo.LinearFilter or None, optional
        The filter (``nengo.Lowpass(tau)``, ...); None for a pure delay.
    extra_steps : int, optional
        Steps of delay added to the filter's own response; the default is the chip's
        :data:`CHIP_LOOP_EXTRA_STEPS`.
    **kwargs
        As for ``nengo.LinearFilter`` (``default_size_in``, ...).

    Examples
    --------
    >>> import numpy as np, nengo
    >>> impulse = np.zeros(6); impulse[0] = 1000.0
    >>> LoopLatency(None, extra_steps=3).filt(impulse, y0=0)
    array([   0.,    0.,    0., 1000.,    0.,    0.])
    """

    synapse = SynapseParam("synapse", optional=True)
    extra_steps = IntParam("extra_steps", low=0)

    def __init__(self, synapse=None, extra_steps=CHIP_LOOP_EXTRA_STEPS, **kwargs):
        if synapse is not None and not isinstance(synapse, LinearFilter):
            raise ValidationError(
                f"{synapse} is not a LinearFilter (Lowpass, Alpha, ...)",
                attr="synapse",
            )
        if synapse is None:
            super().__init__([1], [1], analog=False, **kwargs)
        else:
            super().__init__(
                synapse.num,
                synapse.den,
                analog=synapse.analog,
                method=synapse.method,
                **kwargs,
            )
        self.synapse = synapse
        self.extra_steps = extra_steps

    def _get_ss(self, dt):
        if self.synapse is None:  # a pass-through: y = u
            A, B, C, D = np.zeros((0, 0)), np.zeros((0, 1)), np.zeros((1, 0)), np.eye(1)
        else:
            A, B, C, D = self.synapse._get_ss(dt)
        n = A.shape[0]
        B, C, D = np.reshape(B, (n, 1)), np.reshape(C, (1, n)), np.reshape(D, (1, 1))
        k = self.extra_steps
        if k == 0:
            return A, B, C, D
        # Nengo steps a system with D == 0 as x <- A x + B u, y = C x (no delay of
        # its own), and one with D != 0 as y = C x + D u, x <- A x + B u. The delayed
        # system has D == 0, so it needs one more delay state where the filter has D.
        if np.any(D != 0):
            k += 1
        A2 = np.zeros((n + k, n + k))
        A2[:n, :n] = A
        A2[n, :n] = C[0]
        for i in range(1, k):
            A2[n + i, n + i - 1] = 1.0
        B2 = np.zeros((n + k, 1))
        B2[:n] = B
        B2[n, 0] = D[0, 0]
        C2 = np.zeros((1, n + k))
        C2[0, -1] = 1.0
        return A2, B2, C2, np.zeros((1, 1))


def restore_chip_synapses(connections):
    """Replace every :class:`LoopLatency` synapse by its own filter.

    Parameters
    ----------
    connections : nengo.Network or iterable of nengo.Connection
        A network (all its connections) or the connections to look at.

    Returns
    -------
    list of nengo.Connection
        The connections changed.
    """
    if hasattr(connections, "all_connections"):
        connections = connections.all_connections
    changed = []
    for conn in connections:
        if isinstance(conn.synapse, LoopLatency):
            conn.synapse = conn.synapse.synapse
            changed.append(conn)
    return changed
