"""The reference emulator against the spec's known answers and hand-computed cases."""

import numpy as np
import pytest

from nengo_truenorth.emulator import ReferenceEmulator
from nengo_truenorth.hardware import ChipModel
from nengo_truenorth.hardware.errors import SpikeFileError
from nengo_truenorth.hardware.limits import POTENTIAL_MAX, POTENTIAL_MIN


def run_one_neuron(ticks, inputs=None, axon_types=(0,), weights=(0, 0, 0, 0), **params):
    """Run neuron 0 of a one-core model; input port "in" drives axons 0..k-1."""
    model = ChipModel()
    core = model.add_core()
    core.axon_types[: len(axon_types)] = axon_types
    core.connect(np.arange(len(axon_types)), 0)
    core.set_neuron(0, weights=list(weights), **params)
    model.add_input("in", [(core.id, i) for i in range(len(axon_types))])
    model.add_output("out", [(core.id, 0)])
    emulator = ReferenceEmulator(model)
    voltage = emulator.probe(core.id, [0], kind="voltage")
    out = emulator.run(ticks, inputs)
    return out["out"][:, 0].tolist(), voltage.data[:, 0].tolist()


# --- spec section 3's known answers ------------------------------------------------


def test_known_answer_leak_one_threshold_ten_fires_every_ten_from_tick_nine():
    spikes, _ = run_one_neuron(40, leak=1, threshold=10)
    assert spikes == [9, 19, 29, 39]


def test_known_answer_initial_potential_one_fires_first_at_tick_eight():
    spikes, _ = run_one_neuron(30, leak=1, threshold=10, initial_potential=1)
    assert spikes == [8, 18, 28]


def test_known_answer_leak_two_threshold_eleven_fires_every_six_from_tick_five():
    spikes, _ = run_one_neuron(30, leak=2, threshold=11)
    assert spikes == [5, 11, 17, 23, 29]


def test_known_answer_negative_leak_with_input_every_tick_fires_every_five():
    inputs = {"in": [[t, 0] for t in range(1, 31)]}
    spikes, _ = run_one_neuron(31, inputs, weights=(3, 0, 0, 0), leak=-1, threshold=10)
    assert spikes == [5, 10, 15, 20, 25, 30]


# --- reset modes ---------------------------------------------------------------------


def test_normal_reset_sets_reset_potential():
    spikes, v = run_one_neuron(20, leak=1, threshold=10, reset_potential=5)
    assert spikes == [9, 14, 19]
    assert v[9] == 5 and v[10] == 6


def test_linear_reset_keeps_remainder():
    spikes, v = run_one_neuron(20, leak=3, threshold=10, reset_mode=1)
    assert spikes == [3, 6, 9, 13, 16, 19]
    assert v[:4] == [3, 6, 9, 2]


def test_non_reset_keeps_firing_above_threshold():
    spikes, v = run_one_neuron(15, leak=1, threshold=10, reset_mode=2)
    assert spikes == list(range(9, 15))
    assert v[-1] == 15


# --- leak reversal and the negative threshold --------------------------------------


def test_leak_reversal_decays_positive_potential_to_zero():
    _, v = run_one_neuron(8, leak=-1, leak_reversal=1, threshold=100, initial_potential=5)
    assert v == [4, 3, 2, 1, 0, 0, 0, 0]


def test_leak_reversal_decays_negative_potential_to_zero():
    _, v = run_one_neuron(
        7, leak=-1, leak_reversal=1, threshold=100, negative_threshold=100,
        initial_potential=-5,
    )
    assert v == [-4, -3, -2, -1, 0, 0, 0]


def test_leak_reversal_with_positive_leak_drives_away_from_zero():
    _, v = run_one_neuron(
        4, leak=2, leak_reversal=1, threshold=100, negative_threshold=100,
        initial_potential=-3,
    )
    assert v == [-5, -7, -9, -11]


def test_negative_saturation_holds_potential_at_minus_beta():
    _, v = run_one_neuron(6, leak=-1, threshold=10, negative_threshold=3, negative_saturation=1)
    assert v == [-1, -2, -3, -3, -3, -3]


def test_negative_normal_reset_sets_minus_reset_potential():
    _, v = run_one_neuron(
        6, leak=-1, threshold=10, negative_threshold=3, reset_potential=2
    )
    assert v == [-1, -2, -3, -2, -3, -2]


def test_negative_linear_reset_adds_beta():
    _, v = run_one_neuron(5, leak=-2, threshold=10, negative_threshold=3, reset_mode=1)
    assert v == [-2, -1, -3, -2, -1]


def test_negative_non_reset_lets_potential_fall():
    _, v = run_one_neuron(4, leak=-2, threshold=10, negative_threshold=3, reset_mode=2)
    assert v == [-2, -4, -6, -8]


def test_zero_negative_threshold_resets_any_negative_potential():
    # beta = 0, kappa = 0, normal reset: V < 0 resets to -R = 0 (the fourth known answer)
    _, v = run_one_neuron(3, leak=-1, threshold=10)
    assert v == [0, 0, 0]


# --- saturation ----------------------------------------------------------------------


def test_potential_saturates_at_the_20_bit_maximum():
    _, v = run_one_neuron(
        3, leak=255, threshold=10, reset_mode=2, initial_potential=POTENTIAL_MAX - 300
    )
    assert v == [POTENTIAL_MAX - 45, POTENTIAL_MAX, POTENTIAL_MAX]


def test_potential_saturates_at_the_20_bit_minimum():
    _, v = run_one_neuron(
        2, leak=-255, threshold=10, negative_threshold=0, reset_mode=2,
        initial_potential=POTENTIAL_MIN + 300,
    )
    assert v == [POTENTIAL_MIN + 45, POTENTIAL_MIN]


def test_saturation_applies_after_synaptic_integration_before_leak():
    # V = max, +200 from a synapse saturates at max, then leak -100 gives max - 100
    inputs = {"in": [[0, 0]]}
    _, v = run_one_neuron(
        1, inputs, weights=(200, 0, 0, 0), leak=-100, threshold=262143, reset_mode=2,
        initial_potential=POTENTIAL_MAX,
    )
    assert v == [POTENTIAL_MAX - 100]


# --- axon types, merging and delays --------------------------------------------------


def test_each_axon_type_uses_its_own_weight():
    inputs = {"in": [[0, 0], [1, 1], [2, 2], [3, 3], [4, 0], [4, 1], [4, 2], [4, 3]]}
    _, v = run_one_neuron(
        5, inputs, axon_types=(0, 1, 2, 3), weights=(1, 2, 4, -8), threshold=1000,
        negative_threshold=1000,
    )
    assert v == [1, 3, 7, -1, -2]


def test_spikes_due_on_one_axon_at_one_tick_merge():
    inputs = {"in": [[0, 0], [0, 0], [0, 0]]}
    _, v = run_one_neuron(1, inputs, weights=(5, 0, 0, 0), threshold=100)
    assert v == [5]


def test_spike_arrives_after_its_delay_and_merges_with_external_input():
    model = ChipModel()
    core = model.add_core()
    core.set_neuron(0, leak=1, threshold=3)  # fires at tick 2
    core.set_destination(0, core, axon=7, delay=4)  # due at tick 6
    core.connect(7, 1)
    core.set_neuron(1, weights=[10, 0, 0, 0], threshold=1000)
    model.add_input("in", [(core.id, 7)])
    emulator = ReferenceEmulator(model)
    v = emulator.probe(core.id, [1], kind="voltage")
    emulator.run(8, {"in": [[6, 0]]})
    assert v.data[:, 0].tolist() == [0, 0, 0, 0, 0, 0, 10, 10]


def test_activity_counts_events_spikes_hops_and_chip_crossings():
    model = ChipModel()
    a = model.add_core(x=63, y=0)
    b = model.add_core(x=65, y=1)  # next chip: 3 hops, 1 chip edge
    a.set_neuron(0, leak=1, threshold=2)  # fires at ticks 1, 3, 5, ...
    a.set_destination(0, b, axon=0, delay=1)
    b.connect(0, [0, 1, 2])
    emulator = ReferenceEmulator(model)
    emulator.run(6)
    totals = emulator.activity.totals
    assert totals["spikes"] == 3
    assert totals["spike_hops"] == 9
    assert totals["chip_crossings"] == 3
    assert totals["synaptic_events"] == 3 * 2  # arrivals at ticks 2 and 4
    assert totals["active_cores"] == 2 and totals["ticks"] == 6


# --- stochastic modes: statistics of the project's PRNG -------------------------------


def stochastic_core_run(ticks, **params):
    model = ChipModel()
    core = model.add_core(seed=12345)
    core.set_neuron(slice(None), **params)
    emulator = ReferenceEmulator(model)
    v = emulator.probe(core.id, kind="voltage")
    emulator.run(ticks)
    return v.data


def test_stochastic_leak_steps_with_probability_leak_over_256():
    v = stochastic_core_run(
        40, leak=64, stochastic_leak=1, threshold=262143, reset_mode=2
    )
    p = v[-1].mean() / 40  # 256 neurons x 40 ticks = 10,240 draws
    assert abs(p - 0.25) < 0.02


def test_stochastic_synapse_adds_sign_with_probability_weight_over_256():
    model = ChipModel()
    core = model.add_core(seed=7)
    core.connect(0, slice(None))
    core.set_neuron(slice(None), weights=[-192, 0, 0, 0], stochastic_weights=[1, 0, 0, 0],
                    threshold=1000, negative_threshold=1000, reset_mode=2)
    model.add_input("in", [(core.id, 0)])
    emulator = ReferenceEmulator(model)
    v = emulator.probe(core.id, kind="voltage")
    emulator.run(40, {"in": [[t, 0] for t in range(40)]})
    p = -v.data[-1].mean() / 40
    assert abs(p - 0.75) < 0.02
    assert emulator.activity.totals["synaptic_events"] == 256 * 40


def test_threshold_mask_draws_eta_uniformly():
    # V stays 8 (reset to 8, no leak) and eta is uniform on 0..15: fires when
    # eta <= 8, with probability 9/16
    model = ChipModel()
    core = model.add_core(seed=3)
    core.set_neuron(
        slice(None), threshold=0, threshold_mask_bits=4, initial_potential=8,
        reset_potential=8,
    )
    model.add_output("out", [(core.id, j) for j in range(256)])
    out = ReferenceEmulator(model).run(40)["out"]
    assert abs(len(out) / (256 * 40) - 9 / 16) < 0.02


def test_same_seed_gives_same_run_and_other_seed_another():
    def run(seed):
        model = ChipModel()
        core = model.add_core(seed=seed)
        core.set_neuron(slice(None), leak=100, stochastic_leak=1, threshold=5)
        model.add_output("out", [(core.id, j) for j in range(256)])
        return ReferenceEmulator(model).run(20)["out"]

    assert np.array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


# --- the interface --------------------------------------------------------------------


def test_reset_returns_to_tick_zero_and_replays_identically():
    model = ChipModel()
    core = model.add_core()
    core.set_neuron(0, leak=3, threshold=7, initial_potential=2)
    model.add_output("out", [(core.id, 0)])
    emulator = ReferenceEmulator(model)
    first = emulator.run(30)["out"]
    emulator.reset()
    assert emulator.tick == 0
    assert np.array_equal(emulator.run(30)["out"], first)


def test_two_runs_continue_where_the_first_stopped():
    model = ChipModel()
    core = model.add_core()
    core.set_neuron(0, leak=1, threshold=10)
    model.add_output("out", [(core.id, 0)])
    emulator = ReferenceEmulator(model)
    a = emulator.run(15)["out"]
    b = emulator.run(15)["out"]
    assert a[:, 0].tolist() == [9] and b[:, 0].tolist() == [19, 29]


def test_step_takes_and_returns_port_indices():
    model = ChipModel()
    core = model.add_core()
    core.connect(0, 0)
    core.set_neuron(0, weights=[1, 0, 0, 0], threshold=1)
    model.add_input("in", [(core.id, 0)])
    model.add_output("out", [(core.id, 0)])
    emulator = ReferenceEmulator(model)
    assert emulator.step({"in": [0]})["out"].tolist() == [0]
    assert emulator.step()["out"].tolist() == []


def test_input_on_unknown_port_is_refused():
    model = ChipModel()
    model.add_core()
    with pytest.raises(SpikeFileError, match="'nope'"):
        ReferenceEmulator(model).run(2, {"nope": [[0, 0]]})


def test_input_outside_the_run_is_refused():
    model = ChipModel()
    core = model.add_core()
    model.add_input("in", [(core.id, 0)])
    with pytest.raises(SpikeFileError, match="tick = 5 is outside this run"):
        ReferenceEmulator(model).run(5, {"in": [[5, 0]]})


def test_invalid_model_does_not_run():
    model = ChipModel()
    core = model.add_core()
    core.threshold[0] = -1
    with pytest.raises(ValueError, match="core 0, neuron 0: threshold = -1"):
        ReferenceEmulator(model)
