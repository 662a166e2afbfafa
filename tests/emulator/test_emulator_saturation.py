"""Saturated ticks: both emulators count them per neuron, and count them alike.

A neuron is saturated at a tick when it fired and its potential after the reset is
still at or above its highest threshold ``α + 2^TM - 1`` (it had more drive than one
spike per tick carries), or when its potential was clipped at ``POTENTIAL_MAX``
(:attr:`~nengo_truenorth.emulator.activity.Activity.saturated`).
"""

import numpy as np
import pytest

from nengo_truenorth.emulator import FastEmulator, ReferenceEmulator
from nengo_truenorth.hardware import ChipModel
from nengo_truenorth.hardware.limits import (
    POTENTIAL_MAX,
    RESET_LINEAR,
    RESET_NONE,
    RESET_NORMAL,
    THRESHOLD_MAX,
)

#: The fast emulator's two neuron loops: deterministic cores take a vectorized one,
#: cores with any stochastic neuron the general one (with the reference's steps).
KERNELS = ["deterministic", "general"]


def one_neuron(kernel, n_axons=1, weight=0, **params):
    """A one-core model: neuron 0 with ``params``, driven by axons 0..n_axons-1
    (type 0, weight ``weight``) through input port "in"."""
    model = ChipModel()
    core = model.add_core()
    core.connect(np.arange(n_axons), 0)
    core.set_neuron(0, weights=[weight, 0, 0, 0], **params)
    if kernel == "general":
        # a threshold mask anywhere on the core sends it through the general loop
        core.set_neuron(255, threshold_mask_bits=1)
    model.add_input("in", [(core.id, i) for i in range(n_axons)])
    return model


def every_tick(ticks, n_axons=1):
    """Input spikes on axons 0..n_axons-1 at every tick."""
    return {"in": [[t, i] for t in range(ticks) for i in range(n_axons)]}


def saturated_ticks(model, ticks, inputs=None):
    """Neuron 0's saturated ticks in the reference, fast and parallel fast emulator,
    after checking that all three count every neuron alike."""
    counts = []
    for emulator in (
        ReferenceEmulator(model),
        FastEmulator(model, parallel=False),
        FastEmulator(model, parallel=True),
    ):
        emulator.run(ticks, inputs)
        counts.append(emulator.activity.saturated.copy())
    for other in counts[1:]:
        np.testing.assert_array_equal(other, counts[0])
    return int(counts[0][0])


@pytest.mark.parametrize("kernel", KERNELS)
def test_neuron_driven_above_one_spike_per_tick_is_saturated_every_tick(kernel):
    # +25 per tick into a threshold of 10: fires every tick, 15 left over each time
    model = one_neuron(kernel, weight=25, threshold=10, reset_mode=RESET_LINEAR)
    assert saturated_ticks(model, 50, every_tick(50)) == 50


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("leak", [3, 10])
def test_neuron_driven_at_most_one_spike_per_tick_is_never_saturated(kernel, leak):
    # leak 10 into a threshold of 10 fires every tick with nothing left over: one
    # spike per tick carries all of its drive
    model = one_neuron(kernel, leak=leak, threshold=10, reset_mode=RESET_LINEAR)
    assert saturated_ticks(model, 50) == 0


@pytest.mark.parametrize("kernel", KERNELS)
def test_clip_at_potential_max_counts(kernel):
    # Normal reset to 0, so no tick ends above threshold; the first tick's input
    # lifts V past the 20-bit maximum (step 2 clips it), then it fires and resets.
    model = one_neuron(
        kernel,
        weight=255,
        threshold=THRESHOLD_MAX,
        reset_mode=RESET_NORMAL,
        initial_potential=POTENTIAL_MAX - 100,
    )
    assert saturated_ticks(model, 20, every_tick(20)) == 1


@pytest.mark.parametrize("kernel", KERNELS)
def test_clip_by_the_leak_counts(kernel):
    # step 3: V = max - 100 plus a leak of 255 clips, then fires and resets to 0
    model = one_neuron(
        kernel,
        leak=255,
        threshold=THRESHOLD_MAX,
        reset_mode=RESET_NORMAL,
        initial_potential=POTENTIAL_MAX - 100,
    )
    assert saturated_ticks(model, 20) == 1


def test_linear_reset_backlog_counts_until_it_drains():
    # 256 axons of +255 into a threshold of 5000: the potential climbs to the 20-bit
    # maximum (clipped there), then input stops and the backlog drains one
    # threshold per tick -- saturated until the potential falls below threshold
    alpha = 5000
    model = one_neuron(
        "deterministic",
        n_axons=256,
        weight=255,
        threshold=alpha,
        reset_mode=RESET_LINEAR,
    )
    inputs = every_tick(10, n_axons=256)
    v, ticks = 0, 0
    for t in range(150):
        v = min(v + (256 * 255 if t < 10 else 0), POTENTIAL_MAX)
        if v >= alpha:
            v -= alpha
            ticks += v >= alpha
    assert ticks > 100
    assert saturated_ticks(model, 150, inputs) == ticks


@pytest.mark.parametrize("kernel", KERNELS)
def test_stochastic_threshold_saturates_only_above_its_highest_threshold(kernel):
    # A filter neuron's kind: no reset, a 4-bit threshold mask. At V = α + 7 it fires
    # with probability 1/2 (never saturated); at V = α + 15 it fires at every tick
    # whatever the mask draws.
    alpha = 1000
    below = one_neuron(
        kernel,
        threshold=alpha,
        threshold_mask_bits=4,
        reset_mode=RESET_NONE,
        initial_potential=alpha + 7,
    )
    above = one_neuron(
        kernel,
        threshold=alpha,
        threshold_mask_bits=4,
        reset_mode=RESET_NONE,
        initial_potential=alpha + 15,
    )
    assert saturated_ticks(below, 50) == 0
    assert saturated_ticks(above, 50) == 50


@pytest.mark.parametrize("emulator_class", [ReferenceEmulator, FastEmulator])
def test_saturated_counts_clear_on_reset(emulator_class):
    model = one_neuron("deterministic", leak=25, threshold=10, reset_mode=RESET_LINEAR)
    emulator = emulator_class(model)
    emulator.run(30)
    assert emulator.activity.saturated[0] == 30
    assert emulator.activity.saturated.shape == (256,)
    emulator.reset()
    assert emulator.activity.saturated.sum() == 0
    emulator.run(5)
    assert emulator.activity.saturated[0] == 5


def test_the_fast_emulator_tests_for_clips_again_after_a_reset():
    # a deterministic core tests for clips only while a potential is near the top
    # (kernels.CLIP_GATE); after a reset its initial potentials are
    model = one_neuron(
        "deterministic",
        leak=255,
        threshold=THRESHOLD_MAX,
        reset_mode=RESET_NORMAL,
        initial_potential=POTENTIAL_MAX - 100,
    )
    emulator = FastEmulator(model)
    emulator.run(5)
    emulator.reset()
    emulator.run(5)
    assert emulator.activity.saturated[0] == 1
