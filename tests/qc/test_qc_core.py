"""The Elman core on one TrueNorth core: host spike schedule, the state held by the
15-tick delay, the NumPy tick model against both emulators, refusals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nengo_truenorth.emulator import get_emulator
from nengo_truenorth.hardware.limits import AXONS_PER_CORE
from nengo_truenorth.qc.core import (
    ACTIVITY_MAX,
    DELAY,
    WINDOW,
    ElmanCore,
    core_model,
    input_spikes,
    output_counts,
    run_core,
    spike_schedule,
    window_counts,
)


def random_core(rng, n_inputs=48, n_units=16):
    return ElmanCore(
        rng.integers(-8, 8, (n_units, n_inputs)),
        rng.integers(-8, 8, (n_units, n_units)),
        rng.integers(100, 3000, n_units),
        rng.integers(1, 32, n_units),
    )


@given(st.lists(st.integers(0, ACTIVITY_MAX), min_size=1, max_size=20))
def test_schedule_sends_each_count_as_that_many_spikes_within_its_window(counts):
    counts = np.array(counts)[None, :, None]  # one input, one window per count
    spikes = spike_schedule(counts)
    assert spikes.shape == (1, counts.shape[1] * WINDOW, 1)
    assert np.array_equal(window_counts(spikes), counts)


def test_schedule_spreads_spikes_evenly():
    spikes = spike_schedule(np.array([[[5]]]))[0, :, 0]
    assert np.array_equal(np.flatnonzero(spikes), [2, 5, 8, 11, 14])


def test_schedule_refuses_counts_beyond_the_window():
    with pytest.raises(ValueError, match="0..15 spikes"):
        spike_schedule(np.array([[[16]]]))


def test_window_and_delay_hold_a_four_bit_state():
    # a unit whose own spike, back after the 15-tick delay, makes exactly one spike:
    # any count 0..15 written in the first window comes back in every later window
    n_in, n_units = 48, 16
    w_in = np.zeros((n_units, n_in), dtype=int)
    w_rec = np.zeros((n_units, n_units), dtype=int)
    w_in[np.arange(n_units), np.arange(n_units)] = 1
    w_rec[np.arange(n_units), np.arange(n_units)] = 1
    core = ElmanCore(w_in, w_rec, np.full(n_units, 31), np.full(n_units, 31))
    counts = np.zeros((1, 6, n_in), dtype=int)
    counts[0, 0, :n_units] = np.arange(n_units)  # unit u holds u
    held = window_counts(run_core(core, counts))[0]
    assert DELAY == WINDOW
    assert np.array_equal(held, np.tile(np.arange(n_units), (6, 1)))


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_numpy_ticks_equal_both_emulators_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    core = random_core(rng)
    n, words = 4, 6
    counts = rng.integers(0, ACTIVITY_MAX + 1, (n, words, core.n_inputs))
    counts *= rng.random(counts.shape) < 0.3
    expected = window_counts(run_core(core, counts))
    model = core_model(core, copies=n)
    model.validate()
    for name in ("fast", "reference"):
        outputs = get_emulator(name)(model).run(words * WINDOW, input_spikes(counts))
        got = output_counts(outputs, n, core.n_units, words * WINDOW)
        assert np.array_equal(got, expected), name
    assert expected.sum() > 0


def test_core_fills_the_axons_with_48_inputs_and_16_units():
    core = random_core(np.random.default_rng(0))
    model = core_model(core)
    (chip_core,) = model.cores
    assert 4 * (core.n_inputs + core.n_units) == AXONS_PER_CORE
    assert np.count_nonzero(chip_core.target_core >= 0) == 4 * core.n_units
    assert np.all(chip_core.target_delay[chip_core.target_core >= 0] == DELAY)
    assert np.array_equal(
        chip_core.weights[0], core.weight_scale[0] * np.array([1, 2, 4, -8])
    )


@pytest.mark.parametrize(
    "change, match",
    [
        ({"w_in": np.full((16, 48), 8)}, r"w_in holds 8..8: the core's 16 levels"),
        ({"threshold": np.zeros(16)}, r"thresholds 0..0: the chip's are 1..262143"),
        ({"weight_scale": np.full(16, 32)}, r"weight scales 32..32: .* 1..31"),
        (
            {"w_in": np.zeros((16, 49))},
            r"49 inputs and 16 recurrent units need 260 axons",
        ),
        ({"w_rec": np.zeros((16, 15))}, r"w_rec has shape \(16, 15\)"),
    ],
)
def test_bad_cores_are_refused_naming_value_and_limit(change, match):
    fields = {
        "w_in": np.zeros((16, 48)),
        "w_rec": np.zeros((16, 16)),
        "threshold": np.ones(16),
        "weight_scale": np.ones(16),
    }
    fields.update(change)
    with pytest.raises(ValueError, match=match):
        ElmanCore(**fields)


def test_core_saves_and_loads(tmp_path):
    core = random_core(np.random.default_rng(1))
    core.save(tmp_path / "core.npz")
    loaded = ElmanCore.load(tmp_path / "core.npz")
    for name in ("w_in", "w_rec", "threshold", "weight_scale"):
        assert np.array_equal(getattr(loaded, name), getattr(core, name))
