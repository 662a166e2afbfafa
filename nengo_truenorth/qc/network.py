"""The Elman core written as a plain Nengo network, tick for tick the same.

:func:`build_network` writes an :class:`~.core.ElmanCore` as Nengo objects that any
Nengo simulator runs with one step per chip tick (``dt`` = 1 ms):

- a host :class:`nengo.Node` sends the projection units' spikes of
  :func:`~.core.spike_schedule`, one question, tick by tick;
- the 16 units are :class:`~nengo_truenorth.neurons.TrueNorthNeuron` neurons with
  linear reset and a floor at 0, the core's own; units that share a threshold share
  an ensemble (the neuron type's threshold is one number);
- the host's connections carry ``weight_scale * w_in`` with no synapse, so a spike
  adds to the potential in its own tick;
- the recurrent connections carry ``weight_scale * w_rec`` through a pure delay of
  :data:`~.core.DELAY` ticks.

The recurrent synapse is ``z**-DELAY`` (:func:`delay_synapse`: Nengo's one step of a
connection's synapse and its filters' one step of advance cancel).

With these, ``nengo.Simulator(net, dt=0.001)`` gives the spikes of
:func:`~.core.run_core` bit for bit: every drive is a sum of integers, exact in
floating point, and each spike is ``amplitude / dt`` with ``amplitude = dt``,
which is exactly 1.
"""

from dataclasses import dataclass

import nengo
import numpy as np

from ..neurons import TrueNorthNeuron
from .core import DELAY, WINDOW, spike_schedule

#: The simulator step the network is written for: one chip tick.
TICK_DT = 0.001


def delay_synapse(ticks):
    """A connection synapse that delays its input by exactly ``ticks`` steps.

    ``z**-ticks`` as a :class:`nengo.LinearFilter`. Nengo's filters advance their
    state before they output (``z**-1`` alone passes its input through in the same
    step), and a connection's synapse is updated after its post reads it (one step);
    the two together make ``ticks`` steps.

    Parameters
    ----------
    ticks : int
        At least 1.

    Returns
    -------
    nengo.LinearFilter
    """
    if ticks < 1:
        raise ValueError(f"a delay of {ticks} ticks: a recurrent path needs >= 1")
    return nengo.LinearFilter([1], [1] + [0] * ticks, analog=False)


def window_sum_synapse(window=WINDOW):
    """A probe synapse whose output is the sum of the last ``window`` inputs.

    A probe's filtered data lag its signal by one step (a synapse of 1 reads the
    previous step), so with this synapse on a probe of the units (spikes of 1), row
    ``(w + 1) * window`` of the data (step ``(w + 1) * window + 1``) is window
    ``w``'s spike count: run one step past the question's last tick to read its last
    window.

    Parameters
    ----------
    window : int, optional

    Returns
    -------
    nengo.LinearFilter
    """
    return nengo.LinearFilter([1] * window, [1] + [0] * (window - 1), analog=False)


class HostSpikes:
    """The host node's output: row ``k`` of ``spikes`` at tick ``k``, then zeros.

    Parameters
    ----------
    spikes : (n_ticks, n) array_like of bool
    dt : float
        The simulator's step; step ``k + 1`` (time ``(k + 1) * dt``) is tick ``k``.
    """

    def __init__(self, spikes, dt):
        self.spikes = np.asarray(spikes, dtype=float)
        self.dt = dt
        self._zeros = np.zeros(self.spikes.shape[1])

    def __call__(self, t):
        tick = int(np.rint(t / self.dt)) - 1
        if 0 <= tick < len(self.spikes):
            return self.spikes[tick]
        return self._zeros


@dataclass
class CoreNetwork:
    """What :func:`build_network` made.

    Attributes
    ----------
    network : nengo.Network
    host : nengo.Node
        The projection units' spikes, ``(n_inputs,)``, 1 at a spike.
    ensembles : list of nengo.Ensemble
        One ensemble per distinct threshold.
    units : list of (n,) ndarray of int
        The core's units that each ensemble's neurons are, in order.
    host_connections, recurrent_connections : list of nengo.Connection
        Host to each ensemble; each ensemble to each (nonzero weights only).
    n_ticks : int
        Ticks of the question (``n_windows * WINDOW``): run the simulator this long.
    """

    network: nengo.Network
    host: nengo.Node
    ensembles: list
    units: list
    host_connections: list
    recurrent_connections: list
    n_ticks: int

    @property
    def n_units(self):
        """int: recurrent units of the core."""
        return sum(len(u) for u in self.units)

    def unit_order(self, per_ensemble):
        """Gather per-ensemble arrays into the core's unit order.

        Parameters
        ----------
        per_ensemble : list of (..., n) ndarray
            One array per ensemble (e.g. its probe's data), last axis its neurons.

        Returns
        -------
        (..., n_units) ndarray
        """
        first = np.asarray(per_ensemble[0])
        out = np.zeros(first.shape[:-1] + (self.n_units,), dtype=first.dtype)
        for units, data in zip(self.units, per_ensemble):
            out[..., units] = data
        return out


def build_network(core, counts, dt=TICK_DT, delay=DELAY, label="elman core"):
    """The core as a Nengo network that runs one question, one step per tick.

    Parameters
    ----------
    core : ElmanCore
    counts : (n_windows, n_inputs) array_like of int
        One question's projection activities, 0..15 per window.
    dt : float, optional
        The step the network will be simulated with; it sets the neurons'
        ``amplitude`` (``dt``), so that a spike is exactly 1.
    delay : int, optional
        Ticks from a unit's spike to its arrival (the core's :data:`~.core.DELAY`).
    label : str, optional

    Returns
    -------
    CoreNetwork

    Examples
    --------
    >>> import nengo
    >>> import numpy as np
    >>> from nengo_truenorth.qc.core import ElmanCore, run_core
    >>> rng = np.random.default_rng(0)
    >>> core = ElmanCore(rng.integers(-8, 8, (16, 48)), rng.integers(-8, 8, (16, 16)),
    ...                  rng.integers(100, 300, 16), rng.integers(1, 32, 16))
    >>> counts = rng.integers(0, 16, (3, 48))
    >>> elman = build_network(core, counts)
    >>> with elman.network:
    ...     probes = [nengo.Probe(ens.neurons) for ens in elman.ensembles]
    >>> with nengo.Simulator(elman.network, progress_bar=False) as sim:
    ...     sim.run_steps(elman.n_ticks)
    >>> spikes = elman.unit_order([sim.data[p] for p in probes]) > 0
    >>> bool(np.array_equal(spikes, run_core(core, counts[None])[0]))
    True
    """
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[1] != core.n_inputs:
        raise ValueError(
            f"counts has shape {counts.shape}: one question is "
            f"(n_windows, {core.n_inputs})"
        )
    host_spikes = spike_schedule(counts)
    w_in = core.weight_scale[:, None] * core.w_in
    w_rec = core.weight_scale[:, None] * core.w_rec
    thresholds = np.unique(core.threshold)
    units = [np.flatnonzero(core.threshold == t) for t in thresholds]

    with nengo.Network(label=label) as net:
        host = nengo.Node(HostSpikes(host_spikes, dt), label="projection")
        ensembles = []
        for threshold, group in zip(thresholds, units):
            ensembles.append(
                nengo.Ensemble(
                    len(group),
                    1,
                    neuron_type=TrueNorthNeuron(threshold=int(threshold), amplitude=dt),
                    # connections into .neurons are multiplied by the gain
                    gain=np.ones(len(group)),
                    bias=np.zeros(len(group)),
                    label=f"units {group.tolist()}",
                )
            )
        host_connections = [
            nengo.Connection(host, ens.neurons, transform=w_in[group], synapse=None)
            for ens, group in zip(ensembles, units)
        ]
        recurrent_connections = []
        for pre, pre_units in zip(ensembles, units):
            for post, post_units in zip(ensembles, units):
                weights = w_rec[np.ix_(post_units, pre_units)]
                if weights.any():
                    recurrent_connections.append(
                        nengo.Connection(
                            pre.neurons,
                            post.neurons,
                            transform=weights,
                            synapse=delay_synapse(delay),
                        )
                    )
    return CoreNetwork(
        net,
        host,
        ensembles,
        units,
        host_connections,
        recurrent_connections,
        len(host_spikes),
    )
