"""After training: the constrained weights written back into the network.

NengoDL's ``sim.freeze_params`` writes what it trained, which for a :class:`.ChipDense`
connection are the full-precision shadow weights. :func:`freeze_constrained` writes
what the forward pass used instead -- the constrained weights (fan-in mask, then the
levels, rounded to nearest) -- as a plain ``nengo.Dense``, so that ``nengo.Simulator``,
``nengo_truenorth.Simulator`` and a saved network see exactly those values, without
this package. It also puts the chip's filters back in place of the
:class:`.LoopLatency` synapses used in training.
"""

import nengo

from .latency import restore_chip_synapses
from .weights import ChipDense


def constrained_weights(sim, conn):
    """The weights that NengoDL's forward pass applies on a :class:`.ChipDense`
    connection now (rounded to nearest, in float64).

    Parameters
    ----------
    sim : nengo_dl.Simulator
    conn : nengo.Connection
        With a :class:`.ChipDense` transform.

    Returns
    -------
    (size_out, size_in) ndarray
    """
    if not isinstance(conn.transform, ChipDense):
        raise TypeError(f"{conn}: transform {conn.transform} is not a ChipDense")
    (shadow,) = sim.data.get_params((conn, "weights"))
    return conn.transform.constrain(shadow)


def _connections_of(objs):
    conns = []
    for obj in objs:
        if isinstance(obj, nengo.Network):
            conns.extend(obj.all_connections)
        elif isinstance(obj, nengo.Connection):
            conns.append(obj)
    return conns


def freeze_constrained(sim, objs, restore_synapses=True):
    """``sim.freeze_params(objs)``, with the constrained weights of every
    :class:`.ChipDense` connection.

    Parameters
    ----------
    sim : nengo_dl.Simulator
        The simulator that trained the network.
    objs : (list of) nengo.Network, nengo.Ensemble or nengo.Connection
        As for ``nengo_dl.Simulator.freeze_params``.
    restore_synapses : bool, optional
        Put each :class:`.LoopLatency` synapse's own filter back (default), since the
        chip adds the latency itself.

    Returns
    -------
    dict of {nengo.Connection: ndarray}
        The constrained weights written into each ``ChipDense`` connection (now a
        ``nengo.Dense`` with that ``init``).
    """
    if not isinstance(objs, (list, tuple)):
        objs = [objs]
    conns = [c for c in _connections_of(objs) if isinstance(c.transform, ChipDense)]
    frozen = {conn: constrained_weights(sim, conn) for conn in conns}
    sim.freeze_params(objs)
    for conn, weights in frozen.items():
        conn.transform = nengo.Dense(weights.shape, init=weights)
    if restore_synapses:
        restore_chip_synapses(_connections_of(objs))
    return frozen
