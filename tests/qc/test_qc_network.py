"""The Elman core as a plain Nengo network: nengo.Simulator gives run_core's spikes,
tick for tick."""

import nengo
import numpy as np
import pytest

from nengo_truenorth.qc.core import (
    ACTIVITY_MAX,
    WINDOW,
    ElmanCore,
    final_counts,
    run_core,
    window_counts,
)
from nengo_truenorth.qc.network import (
    build_network,
    delay_synapse,
    window_sum_synapse,
)


def random_core(rng, thresholds=(100, 3000), n_inputs=48, n_units=16):
    return ElmanCore(
        rng.integers(-8, 8, (n_units, n_inputs)),
        rng.integers(-8, 8, (n_units, n_units)),
        rng.integers(*thresholds, n_units),
        rng.integers(1, 32, n_units),
    )


def sparse_counts(rng, n_windows=6, n_inputs=48, density=0.3):
    counts = rng.integers(0, ACTIVITY_MAX + 1, (n_windows, n_inputs))
    return counts * (rng.random(counts.shape) < density)


def run_network(elman, probe_synapse=None, extra_steps=0):
    with elman.network:
        probes = [
            nengo.Probe(ens.neurons, synapse=probe_synapse) for ens in elman.ensembles
        ]
    with nengo.Simulator(elman.network, dt=0.001, progress_bar=False) as sim:
        sim.run_steps(elman.n_ticks + extra_steps)
    return elman.unit_order([sim.data[p] for p in probes])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nengo_simulator_gives_run_cores_spikes_tick_for_tick(seed):
    rng = np.random.default_rng(seed)
    core = random_core(rng)
    counts = sparse_counts(rng)
    expected = run_core(core, counts[None])[0]
    assert window_counts(expected)[1:].any(), "no recurrent activity to compare"

    spikes = run_network(build_network(core, counts))
    # a spike is amplitude / dt = dt / dt: exactly 1
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    assert np.array_equal(spikes > 0, expected)


def test_units_that_share_a_threshold_share_an_ensemble():
    rng = np.random.default_rng(3)
    core = random_core(rng, thresholds=(200, 203))  # 3 thresholds for 16 units
    counts = sparse_counts(rng, density=0.5)
    elman = build_network(core, counts)
    assert len(elman.ensembles) == len(np.unique(core.threshold))
    assert sorted(np.concatenate(elman.units).tolist()) == list(range(16))
    assert np.array_equal(run_network(elman) > 0, run_core(core, counts[None])[0])


def test_a_probe_of_the_units_reads_the_counts_per_window():
    rng = np.random.default_rng(4)
    core = random_core(rng)
    counts = sparse_counts(rng)
    expected = window_counts(run_core(core, counts[None])[0])
    elman = build_network(core, counts)
    # one step past the question: a probe's filtered data lag one step
    read = run_network(elman, probe_synapse=window_sum_synapse(), extra_steps=1)
    assert np.array_equal(read[WINDOW::WINDOW], expected)
    assert np.array_equal(read[-1], final_counts(core, counts[None])[0])


@pytest.mark.parametrize("ticks", [1, 2, 15])
def test_delay_synapse_delays_a_connection_by_exactly_its_ticks(ticks):
    x = np.zeros(40)
    x[3] = 1.0
    with nengo.Network() as net:
        source = nengo.Node(lambda t: x[int(np.rint(t / 0.001)) - 1])
        sink = nengo.Node(size_in=1)
        nengo.Connection(source, sink, synapse=delay_synapse(ticks))
        probe = nengo.Probe(sink)
    with nengo.Simulator(net, dt=0.001, progress_bar=False) as sim:
        sim.run_steps(30)
    assert np.flatnonzero(sim.data[probe][:, 0]).tolist() == [3 + ticks]
    assert sim.data[probe][3 + ticks, 0] == 1.0


def test_refuses_a_batch_of_questions():
    rng = np.random.default_rng(5)
    core = random_core(rng)
    with pytest.raises(ValueError, match="one question"):
        build_network(core, sparse_counts(rng)[None])
