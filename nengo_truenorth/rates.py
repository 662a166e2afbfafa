"""What a network's neurons do on your data, measured for the chip's build.

The chip's build sizes some of what it adds to a network by the activity it will
carry; without a measurement it assumes the worst. :func:`measure_activity` runs the
network in ``nengo.Simulator`` on the data it will see (as NengoDL users evaluate) and
sets two options of each ensemble (:func:`nengo_truenorth.add_params`):

- ``peak_rates``: the low-passed rate each neuron rarely exceeds. A neuron -> neuron
  connection with a ``Lowpass`` synapse runs through filter neurons that fire with
  the low-passed rate as their probability; with the source's peak known they fire
  ``1 / peak`` times more often, each spike worth that much less, which cuts their
  noise by more than that factor (``nengo_truenorth/passes/filters.py``).
- ``neuron_input_range``: the largest current the host sends into the ensemble's
  neurons (connections from nodes into ``ens.neurons``). The host's spikes are then
  sized to it, rather than to ``input_range`` thresholds per tick: finer spikes, and
  weights that do not crowd out the neuron's other inputs on its 16 levels.

>>> nengo_truenorth.measure_activity(net, run)  # doctest: +SKIP
>>> with nengo_truenorth.Simulator(net) as sim:  # built with them  # doctest: +SKIP
...     ...

``docs/training.md`` measures what they change.
"""

from dataclasses import dataclass

import nengo
import numpy as np

from .config import add_params

#: Low-pass time constant (s) of the rate measurement for ensembles without a
#: ``Lowpass`` connection out of their neurons.
DEFAULT_SYNAPSE = 0.02


@dataclass
class Activity:
    """What :func:`measure_activity` measured of one ensemble.

    Attributes
    ----------
    peak_rates : (n,) ndarray
        Each neuron's low-passed rate at the percentile, in Hz (never 0: a neuron
        that never fired gets the ensemble's smallest nonzero peak, or 1 Hz).
    neuron_input_range : (n,) ndarray or None
        Each neuron's host input current (the sum of the connections from nodes into
        its ``ens.neurons``, times its gain) at the percentile of its magnitude, in
        Nengo's units;
        ``None`` without such connections.
    """

    peak_rates: np.ndarray
    neuron_input_range: np.ndarray = None


def _ensemble_of_neurons(obj):
    """The ensemble whose ``neurons`` ``obj`` is, or None (each ``ens.neurons`` access
    makes a new ``Neurons``, so compare ensembles)."""
    return obj.ensemble if isinstance(obj, nengo.ensemble.Neurons) else None


def _neuron_connections(net):
    """Per ensemble, the shortest ``Lowpass`` tau out of its neurons and the
    connections from nodes into its neurons (what the host sends as currents), from
    one pass over the network's connections."""
    shortest, host = {}, {}
    for conn in net.all_connections:
        source = _ensemble_of_neurons(conn.pre_obj)
        if source is not None and isinstance(conn.synapse, nengo.Lowpass):
            shortest[source] = min(shortest.get(source, np.inf), conn.synapse.tau)
        target = _ensemble_of_neurons(conn.post_obj)
        if target is not None and isinstance(conn.pre_obj, nengo.Node):
            host.setdefault(target, []).append(conn)
    return shortest, host


def measure_activity(
    net, run, percentile=99.0, ensembles=None, simulator=nengo.Simulator, apply=True
):
    """Measure each ensemble's peak rates and host input currents; set the options.

    Parameters
    ----------
    net : nengo.Network
        The network as it will run on the chip (spiking neuron types).
    run : callable
        ``run(sim)`` runs the simulator on representative data (e.g. a loop of
        ``sim.reset()``, setting an input, ``sim.run_steps(n)``). Each
        ``sim.reset()`` keeps what was recorded before it.
    percentile : float, optional
        The percentile over the measured steps, per neuron.
    ensembles : list of nengo.Ensemble, optional
        The ensembles to measure (default: every ensemble of ``net``).
    simulator : type, optional
        The simulator to measure in (``nengo.Simulator``).
    apply : bool, optional
        Set each ensemble's ``peak_rates`` and ``neuron_input_range`` in
        ``net.config`` (with :func:`~nengo_truenorth.add_params` where needed).

    Returns
    -------
    dict of nengo.Ensemble to Activity

    Notes
    -----
    Rates are low-passed with the shortest ``Lowpass`` of the connections out of
    each ensemble's neurons (:data:`DEFAULT_SYNAPSE` without one): what the filter
    neurons of those connections hold.
    """
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile = {percentile} is not in (0, 100]")
    ensembles = list(net.all_ensembles if ensembles is None else ensembles)
    probes = _add_probes(net, ensembles)
    traces = {key: [] for key in probes}
    try:
        with simulator(net, progress_bar=False) as sim:
            _run_keeping_traces(sim, run, probes, traces)
            # a connection into ens.neurons is weighted by the neurons' gains
            # after its probed output
            gains = {ens: np.asarray(sim.data[ens].gain) for ens in ensembles}
    finally:
        for probe in probes.values():
            net.probes.remove(probe)
    activity = {
        ens: _activity(ens, traces, percentile, gains[ens]) for ens in ensembles
    }
    if apply:
        add_params(net)
        for ens, measured in activity.items():
            net.config[ens].peak_rates = measured.peak_rates
            if measured.neuron_input_range is not None:
                net.config[ens].neuron_input_range = measured.neuron_input_range
    return activity


def _add_probes(net, ensembles):
    """Probes of each ensemble's low-passed rates and of its host connections."""
    shortest, host = _neuron_connections(net)
    probes = {}
    with net:
        for ens in ensembles:
            synapse = nengo.Lowpass(shortest.get(ens, DEFAULT_SYNAPSE))
            probes[ens, "rates"] = nengo.Probe(ens.neurons, synapse=synapse)
            for k, conn in enumerate(host.get(ens, [])):
                probes[ens, k] = nengo.Probe(conn, "output", synapse=None)
    return probes


def _run_keeping_traces(sim, run, probes, traces):
    """``run(sim)``, collecting the probes' data before every reset."""
    original_reset = sim.reset

    def reset_keeping_traces(*args, **kwargs):
        _collect(sim, probes, traces)
        return original_reset(*args, **kwargs)

    sim.reset = reset_keeping_traces
    try:
        run(sim)
    finally:
        sim.reset = original_reset
    _collect(sim, probes, traces)


def _collect(sim, probes, traces):
    """Append what the probes recorded since the last reset."""
    for key, probe in probes.items():
        data = sim.data[probe]
        if len(data):
            traces[key].append(np.array(data))


def _activity(ens, traces, percentile, gain):
    rates = traces[ens, "rates"]
    if not rates:
        raise ValueError("run(sim) ran no steps: nothing was measured")
    # a spike is amplitude / dt high: the probe holds amplitude times the rate
    amplitude = getattr(ens.neuron_type, "amplitude", 1.0)
    peak = _never_zero(np.percentile(np.concatenate(rates), percentile, axis=0))
    hosts = [key for key in traces if key[0] is ens and key[1] != "rates"]
    current = None
    if hosts:
        total = gain * sum(np.concatenate(traces[key]) for key in hosts)
        current = _never_zero(np.percentile(np.abs(total), percentile, axis=0))
    return Activity(peak / amplitude, current)


def _never_zero(values):
    """``values`` with zeros replaced by the smallest positive one (or 1)."""
    positive = values[values > 0]
    floor = positive.min() if positive.size else 1.0
    return np.where(values > 0, values, floor)
