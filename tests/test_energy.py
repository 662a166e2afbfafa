"""The energy model reproduces the published figures it is derived from."""

import dataclasses

import numpy as np
import pytest

from nengo_truenorth import energy
from nengo_truenorth.energy import (
    AKOPYAN_2015,
    MEROLLA_2014,
    OperatingPoint,
    estimate_energy,
    full_chip_power,
    reference_activity,
)
from nengo_truenorth.hardware import ChipModel


def small_activity(ticks=100):
    """Two cores on two chips with some of every kind of event."""
    activity = reference_activity(
        rate_hz=10, active_synapses=32, n_cores=2, ticks=ticks
    )
    activity.coordinates[:] = [[63, 5], [64, 5]]
    activity.spike_hops[:] = [300, 7]
    activity.chip_crossings[:] = [40, 2]
    activity.input_spikes = 123
    return activity


def test_merolla_reference_condition_gives_72_mw():
    # 1,048,576 neurons at 20 Hz, 128 active synapses each, a full chip, no hops
    activity = reference_activity(rate_hz=20, active_synapses=128, n_cores=4096)
    assert activity.totals["synaptic_events"] == 2**20 * 20 * 128
    report = estimate_energy(activity, MEROLLA_2014)
    assert report.mean_power == pytest.approx(72e-3, rel=0.03)
    # the published "26 pJ per synaptic event" is the total over synaptic events
    per_event = report.total / activity.totals["synaptic_events"]
    assert per_event == pytest.approx(26e-12, rel=0.05)
    assert full_chip_power(20, 128) == pytest.approx(72e-3, rel=0.03)


def test_akopyan_point_gives_65_mw_at_its_own_rate():
    sops = 46e9 * 65e-3  # 46 GSOPS/W at 65 mW
    rate = sops / 2**20 / 128
    assert full_chip_power(rate, 128, AKOPYAN_2015) == pytest.approx(65e-3, rel=0.03)
    assert full_chip_power(rate, 128, "akopyan2015") == pytest.approx(65e-3, rel=0.03)


def test_idle_chip_draws_42_mw_static_floor():
    assert full_chip_power(0, 0) == pytest.approx(42e-3)
    assert MEROLLA_2014.static_power_per_core == pytest.approx(10.25e-6, rel=1e-3)


def test_components_add_up():
    activity = small_activity()
    report = estimate_energy(activity, MEROLLA_2014)
    op = MEROLLA_2014
    t = activity.totals
    events = t["synaptic_events"]
    assert report.synaptic == pytest.approx(events * op.energy_per_synaptic_event)
    assert report.spike_hops == pytest.approx(307 * 2.3e-12)
    assert report.chip_edge == pytest.approx(123 * 30 * 2e-12)
    assert report.chip_to_chip == pytest.approx(42 * 30 * 26e-12)
    assert report.static == pytest.approx(2 * op.static_power_per_core * 100 * 1e-3)
    assert report.total == pytest.approx(sum(report.components.values()))
    assert report.total == pytest.approx(report.active + report.static)
    assert report.mean_power == pytest.approx(report.total / 0.1)
    assert report.mean_power_uw == pytest.approx(report.mean_power * 1e6)
    assert report.n_chips == 2
    assert all(v > 0 for v in report.components.values())


def test_zero_activity_is_static_only():
    activity = small_activity()
    for name in ("synaptic_events", "spikes", "spike_hops", "chip_crossings"):
        getattr(activity, name)[:] = 0
    activity.input_spikes = 0
    # no active core: nothing is charged under the default rule...
    assert estimate_energy(activity).total == 0
    # ...but the model's cores still leak
    report = estimate_energy(activity, static_cores="model")
    assert report.active == 0
    assert report.total == report.static > 0
    assert report.mean_power == pytest.approx(2 * MEROLLA_2014.static_power_per_core)
    chips = estimate_energy(activity, static_cores="chips")
    assert chips.mean_power == pytest.approx(2 * 42e-3)


def test_zero_ticks_has_no_mean_power():
    report = estimate_energy(reference_activity(ticks=0, n_cores=1))
    assert report.total == 0
    assert np.isnan(report.mean_power)
    assert "n/a" in report.summary()


def test_custom_operating_point():
    point = OperatingPoint(
        name="Test chip",
        supply_voltage=0.9,
        source="made up for a test",
        energy_per_synaptic_event=1e-12,
        static_power_per_core=0.0,
        energy_per_spike_hop=0.0,
        energy_per_bit_to_chip_edge=0.0,
        energy_per_bit_chip_to_chip=0.0,
        chip_power=1.0,
        bits_per_spike_packet=32,
    )
    activity = small_activity()
    report = estimate_energy(activity, point)
    assert report.operating_point is point
    assert report.total == pytest.approx(activity.totals["synaptic_events"] * 1e-12)
    assert "Test chip (0.9 V)" in report.summary()

    hungry = dataclasses.replace(MEROLLA_2014, energy_per_bit_chip_to_chip=1e-9)
    report = estimate_energy(activity, hungry)
    assert report.chip_to_chip == pytest.approx(42 * 30 * 1e-9)


def test_bad_operating_points_are_refused():
    with pytest.raises(ValueError, match="energy_per_spike_hop"):
        dataclasses.replace(MEROLLA_2014, energy_per_spike_hop=-1.0)
    with pytest.raises(ValueError, match="tick_duration"):
        dataclasses.replace(MEROLLA_2014, tick_duration=0)
    with pytest.raises(ValueError, match="merolla2014"):
        estimate_energy(small_activity(), "nonsense")
    with pytest.raises(ValueError, match="static_cores"):
        estimate_energy(small_activity(), static_cores="some")


def test_summary_names_operating_point_and_totals():
    report = estimate_energy(small_activity(), AKOPYAN_2015)
    text = report.summary()
    assert text.startswith("Energy estimate, operating point: Akopyan 2015 (0.75 V)")
    for key in (
        "Activity over 100 ticks",
        "synaptic events:",
        "spikes:",
        "spike hops:",
        "chip crossings:",
        "2 active of 2 on 2 chips",
        "mean rate 10.00 Hz per used neuron",
        "static:",
        "total:",
        "mean power:",
        "scaled by cores:",
        "operating point Akopyan 2015",
    ):
        assert key in text, key
    assert str(report) == text


def test_scaled_by_cores_is_chip_power_times_cores_over_4096():
    for n_cores in (1, 3, 4096):
        report = estimate_energy(reference_activity(n_cores=n_cores), MEROLLA_2014)
        assert report.scaled_by_cores_power == pytest.approx(72e-3 * n_cores / 4096)
    one = estimate_energy(reference_activity(n_cores=1))
    assert one.scaled_by_cores_power_uw == pytest.approx(17.58, abs=0.01)
    assert estimate_energy(
        reference_activity(n_cores=2), AKOPYAN_2015
    ).scaled_by_cores_power == pytest.approx(65e-3 * 2 / 4096)


def test_derived_figures_show_their_arithmetic():
    assert energy.BITS_PER_SPIKE_PACKET == 4 + 8 + 9 + 9 == 30
    assert energy.MEROLLA_2014_ENERGY_PER_SYNAPTIC_EVENT == pytest.approx(
        (72e-3 - 42e-3) / (2**20 * 20 * 128)
    )
    assert energy.AKOPYAN_2015_ENERGY_PER_SYNAPTIC_EVENT == pytest.approx(
        (65e-3 - 42e-3) / (46e9 * 65e-3)
    )
    peak = energy.PEAK_SYNAPTIC_EVENTS_PER_CORE_PER_TICK
    assert peak == pytest.approx(14160, rel=1e-3)


def test_used_neurons_of_a_model():
    model = ChipModel()
    a = model.add_core()
    b = model.add_core()
    a.connect(0, [1, 2])  # neurons 1, 2 have fan-in
    a.set_neuron(3, leak=1)  # neuron 3 runs on its leak
    a.set_destination(4, b, axon=0)
    model.add_output("out", [(b.id, 7)])
    assert energy.count_used_neurons(model) == 5
    activity = reference_activity(rate_hz=5, n_cores=2)
    report = estimate_energy(activity, model=model)
    assert report.used_neurons == 5
    assert report.mean_rate == pytest.approx(2 * 256 * 5 / 5)
