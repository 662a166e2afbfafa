"""Merged host filters: one step for many of Nengo's synapse ops, the same bits."""

import nengo
import numpy as np
import pytest

import nengo_truenorth
from nengo_truenorth.runtime import host_filters
from nengo_truenorth.runtime.host_filters import MergedFilters, merge_host_filters


def node_network(seed=0):
    """Host-only filters: nodes through several synapses into probes."""
    with nengo.Network(seed=seed) as net:
        a = nengo.Node(lambda t: [np.sin(7 * t), np.cos(3 * t)])
        b = nengo.Node(lambda t: np.sin(11 * t) ** 3)
        c = nengo.Node(size_in=2)
        nengo.Connection(a, c, synapse=0.01)
        probes = [
            nengo.Probe(a, synapse=0.01),
            nengo.Probe(b, synapse=0.01),
            nengo.Probe(c, synapse=0.01),
            nengo.Probe(a, synapse=0.02),
            nengo.Probe(b, synapse=0.02),
            nengo.Probe(a, synapse=nengo.Alpha(0.01)),  # not elementwise: kept
            nengo.Probe(b, synapse=nengo.Alpha(0.01)),
            nengo.Probe(b, synapse=nengo.LinearFilter([2.0], [1.0])),  # no state
            nengo.Probe(a, synapse=nengo.LinearFilter([2.0], [1.0])),
        ]
    return net, probes


def test_merged_filters_give_nengos_bits_and_reset():
    net, probes = node_network()
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run_steps(300)
    model = nengo.builder.Model(dt=0.001)
    model.build(net)
    replaced = merge_host_filters(model)
    merged = [op for op in model.operators if isinstance(op, MergedFilters)]
    # Lowpass(0.01) x 4 (3 probes + 1 connection), Lowpass(0.02) x 2, gain x 2
    assert replaced == 8 and sorted(op.n_inputs for op in merged) == [2, 2, 4]
    with nengo.Simulator(None, model=model, progress_bar=False, optimize=False) as sim:
        sim.run_steps(300)
        for p in probes:
            assert np.array_equal(sim.data[p], ref.data[p]), p
        first = {p: sim.data[p].copy() for p in probes}
        sim.reset()
        sim.run_steps(300)
        for p in probes:
            assert np.array_equal(sim.data[p], first[p]), p


def chip_network(stim_output=None):
    with nengo.Network(seed=1) as net:
        if stim_output is None:
            stim = nengo.Node(lambda t: [np.sin(6 * t), np.cos(6 * t)])
        else:
            stim = nengo.Node(stim_output, size_out=2)
        ensembles = [nengo.Ensemble(64, 2) for _ in range(3)]
        probes = []
        for ens in ensembles:
            nengo.Connection(stim, ens, synapse=0.01, transform=0.5)
            probes.append(nengo.Probe(ens, synapse=0.01))
    return net, probes


def test_the_chips_host_filters_merge_without_changing_a_bit(monkeypatch):
    net, probes = chip_network()
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        merged = [op for op in sim.model.operators if isinstance(op, MergedFilters)]
        assert sum(op.n_inputs for op in merged) >= 6  # 3 inputs + 3 probes
        sim.run_steps(200)
        data = {p: sim.data[p].copy() for p in probes}
    monkeypatch.setattr(nengo_truenorth.simulator, "merge_host_filters", lambda m: 0)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert not any(isinstance(op, MergedFilters) for op in sim.model.operators)
        sim.run_steps(200)
        for p in probes:
            assert np.array_equal(sim.data[p], data[p])


@pytest.mark.parametrize(
    "synapse, elementwise",
    [
        (nengo.Lowpass(0.005), True),
        (nengo.LinearFilter([3.0], [1.0]), True),
        (nengo.Alpha(0.005), False),
        (nengo.LinearFilter([1.0], [1.0, 0.0], analog=False), True),  # z**-1
    ],
)
def test_only_elementwise_steps_merge(synapse, elementwise):
    with nengo.Network() as net:
        a = nengo.Node([1.0, 2.0])
        nengo.Probe(a, synapse=synapse)
        nengo.Probe(a, synapse=synapse)
    model = nengo.builder.Model(dt=0.001)
    model.build(net)
    assert merge_host_filters(model) == (2 if elementwise else 0)
    assert host_filters.ELEMENTWISE_STEPS


def test_a_pickled_simulator_carries_the_merged_filter_states():
    import pickle

    # (a process, not a lambda: the network is pickled with the simulator)
    net, probes = chip_network(nengo.processes.WhiteSignal(1.0, high=5, seed=2))
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert any(isinstance(op, MergedFilters) for op in sim.model.operators)
        sim.run_steps(100)
        state = pickle.dumps({"sim": sim, "probes": probes})
        sim.run_steps(100)
        data = {p: sim.data[p][100:].copy() for p in probes}
    loaded = pickle.loads(state)
    with loaded["sim"] as sim2:
        sim2.run_steps(100)
        for p, q in zip(probes, loaded["probes"]):
            assert np.array_equal(sim2.data[q][100:], data[p])
