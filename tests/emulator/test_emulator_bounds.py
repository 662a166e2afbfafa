"""Exact counters at every coordinate; runs whose memory does not grow with ticks."""

import tracemalloc

import numpy as np
import pytest

from nengo_truenorth.emulator import EMULATORS, FastEmulator, ReferenceEmulator
from nengo_truenorth.emulator import base as emulator_base
from nengo_truenorth.emulator.random_models import random_input, random_model
from nengo_truenorth.energy import estimate_energy
from nengo_truenorth.examples import ring_oscillator
from nengo_truenorth.hardware import ChipModel
from nengo_truenorth.hardware.limits import CHIP_SIZE, COORDINATE_MAX

FAR = COORDINATE_MAX  # the largest coordinate the validator accepts


def far_apart_model():
    """Two cores at opposite corners of the largest mesh, each firing into the other.

    Neuron ``j`` of each core fires every tick (leak 1, threshold 1) and sends its
    spike to axon ``j`` of the other core, ``2 * FAR`` hops away: more than an
    ``int32`` holds.
    """
    model = ChipModel()
    near = model.add_core(x=0, y=0)
    far = model.add_core(x=FAR, y=FAR)
    for source, target in ((near, far), (far, near)):
        for j in range(3):
            source.set_neuron(j, leak=1, threshold=1)
            source.set_destination(j, core=target.id, axon=j, delay=1)
    model.add_output("near", [(near.id, j) for j in range(3)])
    return model


@pytest.mark.parametrize("name", sorted(EMULATORS))
def test_hop_counts_are_exact_at_the_largest_coordinates(name):
    ticks = 5
    emulator = EMULATORS[name](far_apart_model())
    emulator.run(ticks)
    spikes_per_core = 3 * ticks
    hops = 2 * FAR
    chips = 2 * (FAR // CHIP_SIZE)
    assert emulator.activity.spike_hops.tolist() == [spikes_per_core * hops] * 2
    assert emulator.activity.chip_crossings.tolist() == [spikes_per_core * chips] * 2
    totals = emulator.activity.totals
    assert totals["spike_hops"] == 2 * spikes_per_core * hops
    report = estimate_energy(emulator.activity)
    assert report.spike_hops > 0 and report.chip_to_chip > 0


def test_totals_are_exact_beyond_int64():
    emulator = FastEmulator(far_apart_model())
    big = np.iinfo(np.int64).max
    emulator.activity.spike_hops[:] = big
    assert emulator.activity.totals["spike_hops"] == 2 * big


@pytest.mark.parametrize("name", sorted(EMULATORS))
def test_a_run_whose_counters_could_overflow_is_refused(name):
    emulator = EMULATORS[name](far_apart_model())
    limit = emulator.max_exact_ticks
    assert 2**22 < limit < 2**24  # about 2**63 / (256 spikes * 2**32 hops)
    emulator.tick = emulator.activity.ticks = limit - 1
    with pytest.raises(OverflowError, match="spike_hops.*exact"):
        emulator.run(2)
    assert emulator.tick == limit - 1


def test_ordinary_models_can_run_for_ever():
    assert ReferenceEmulator(ring_oscillator()).max_exact_ticks > 2**46


# --- memory bounded by the watched spikes ------------------------------------------


@pytest.mark.parametrize("name", sorted(EMULATORS))
def test_runs_in_small_blocks_equal_one_run(name, monkeypatch):
    rng = np.random.default_rng(3)
    model = random_model(rng, 2, stochastic_fraction=0.3)
    inputs = random_input(rng, model, 60, rate=0.1)
    whole = EMULATORS[name](model)
    expected = whole.run(60, inputs)
    probe = whole.probe(model.cores[0].id, kind="voltage")
    whole.reset()
    whole.run(60, inputs)
    expected_voltage = probe.data

    # blocks of one or a few ticks
    monkeypatch.setattr(emulator_base, "BLOCK_BYTES", 1)
    blocked = EMULATORS[name](model)
    probe = blocked.probe(model.cores[0].id, kind="voltage")
    got = blocked.run(60, inputs)
    assert got.keys() == expected.keys()
    for port in expected:
        np.testing.assert_array_equal(got[port], expected[port])
    np.testing.assert_array_equal(probe.data, expected_voltage)
    assert blocked.activity.totals == whole.activity.totals
    assert blocked.tick == 60


def test_long_run_memory_does_not_grow_with_ticks(monkeypatch):
    """A ring of four cores: memory follows the output spikes, not the ticks."""
    monkeypatch.setattr(emulator_base, "BLOCK_BYTES", 2**16)
    emulator = FastEmulator(ring_oscillator())
    emulator.run(10, {"kick": [[0, 0]]})  # compile outside the measurement
    emulator.reset()
    ticks = 1_000_000
    tracemalloc.start()
    try:
        out = emulator.run(ticks, {"kick": [[0, 0]]})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    n_spikes = len(out["wave"])
    assert n_spikes > 0 and emulator.tick == ticks
    # 16 bytes per recorded spike, twice while the blocks are joined, plus a block;
    # a schedule and a record of ticks x outputs took 70 MB
    assert peak < 3 * 16 * n_spikes + 2**20, (peak, n_spikes)
