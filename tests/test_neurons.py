"""TrueNorthNeuron: the chip's neuron as a Nengo neuron type.

The tick must match the chip (the reference emulator) bit for bit for integer inputs;
the rate approximations must match what the tick does; and the type must work in a
plain ``nengo.Simulator``.
"""

import nengo
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nengo.exceptions import ValidationError

import nengo_truenorth
from nengo_truenorth.emulator import ReferenceEmulator
from nengo_truenorth.hardware import ChipModel
from nengo_truenorth.hardware.core import axon_type_weights
from nengo_truenorth.hardware.limits import (
    AXONS_PER_CORE,
    LEAK_MAX,
    LEAK_MIN,
    NEURONS_PER_CORE,
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_LINEAR,
    RESET_NONE,
    RESET_NORMAL,
    RESET_POTENTIAL_MAX,
    RESET_POTENTIAL_MIN,
    THRESHOLD_MASK_BITS_MAX,
    THRESHOLD_MAX,
    THRESHOLD_MIN,
    WEIGHT_MAX,
    WEIGHT_MIN,
)
from nengo_truenorth.neurons import (
    MAX_RATE,
    TICK_SECONDS,
    ChipIntParam,
    TrueNorthNeuron,
)

DT = TICK_SECONDS
RESET_MODES = [RESET_NORMAL, RESET_LINEAR, RESET_NONE]

#: The spec's deterministic known answers (section 3): neuron parameters, the input
#: current of each tick, and the expected spike ticks over 30 ticks.
KNOWN_ANSWERS = {
    "alpha10_leak1": (dict(threshold=10, leak=1), lambda t: 0, [9, 19, 29]),
    "alpha10_leak1_v0_1": (
        dict(threshold=10, leak=1, initial_potential=1),
        lambda t: 0,
        [8, 18, 28],
    ),
    "alpha11_leak2": (dict(threshold=11, leak=2), lambda t: 0, [5, 11, 17, 23, 29]),
    "alpha10_leakm1_axon3_from_tick1": (
        dict(threshold=10, leak=-1),
        lambda t: 3 if t >= 1 else 0,
        [5, 10, 15, 20, 25],
    ),
}


def known_answer_neuron(params):
    # The known answers use normal reset, R = 0, kappa = 0, beta = 0.
    return TrueNorthNeuron(
        reset_mode=RESET_NORMAL, negative_saturation=False, **params
    )


def run_steps(neuron, J, voltage, rng=None):
    """Step ``neuron`` through ``J`` (ticks x neurons); return spikes and potentials."""
    J = np.asarray(J, dtype=float)
    voltage = np.array(voltage, dtype=float)
    output = np.zeros(J.shape[1])
    spikes = np.zeros(J.shape, dtype=bool)
    voltages = np.zeros(J.shape)
    for t in range(J.shape[0]):
        neuron.step(DT, J[t], output, voltage, rng=rng)
        spikes[t] = output > 0
        voltages[t] = voltage
    return spikes, voltages


# --- the tick --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(KNOWN_ANSWERS))
def test_step_gives_spec_known_answers(name):
    params, current, expected = KNOWN_ANSWERS[name]
    neuron = known_answer_neuron(params)
    J = np.array([[current(t)] for t in range(30)])
    spikes, _ = run_steps(neuron, J, [neuron.initial_potential])
    assert np.flatnonzero(spikes[:, 0]).tolist() == expected


@pytest.mark.parametrize("name", sorted(KNOWN_ANSWERS))
def test_simulator_gives_spec_known_answers(name):
    params, current, expected = KNOWN_ANSWERS[name]
    with nengo.Network() as net:
        # Nengo's Node at step k sees t = (k + 1) * dt: tick k.
        u = nengo.Node(lambda t: current(int(round(t / DT)) - 1))
        ens = nengo.Ensemble(
            1,
            1,
            neuron_type=known_answer_neuron(params),
            gain=nengo.dists.Choice([1]),
            bias=nengo.dists.Choice([0]),
        )
        nengo.Connection(u, ens.neurons, synapse=None)
        probe = nengo.Probe(ens.neurons)
    with nengo.Simulator(net, dt=DT, progress_bar=False) as sim:
        sim.run_steps(30)
    assert np.flatnonzero(sim.data[probe][:, 0]).tolist() == expected
    assert np.all(sim.data[probe][sim.data[probe] > 0] == 1 / DT)


def test_linear_reset_keeps_remainder():
    neuron = TrueNorthNeuron(threshold=10)
    spikes, voltages = run_steps(neuron, [[7], [7], [5]], [0])
    assert spikes[:, 0].tolist() == [False, True, False]
    assert voltages[:, 0].tolist() == [7, 4, 9]  # 14 - 10 keeps 4 for the next tick


def test_negative_saturation_floors_potential_at_minus_beta():
    neuron = TrueNorthNeuron(threshold=10, negative_threshold=5)
    _, voltages = run_steps(neuron, [[-3], [-3], [-100]], [0])
    assert voltages[:, 0].tolist() == [-3, -5, -5]


def test_potential_saturates_to_20_bits():
    neuron = TrueNorthNeuron(threshold=THRESHOLD_MAX, reset_mode=RESET_NONE)
    _, up = run_steps(neuron, [[2 * POTENTIAL_MAX]] * 2, [0])
    assert up[:, 0].tolist() == [POTENTIAL_MAX, POTENTIAL_MAX]
    neuron = TrueNorthNeuron(negative_saturation=False)
    _, down = run_steps(neuron, [[4 * POTENTIAL_MIN]], [0])
    assert down[0, 0] == POTENTIAL_MIN


def test_non_integer_current_integrates_float():
    neuron = TrueNorthNeuron(threshold=1)
    spikes, voltages = run_steps(neuron, np.full((8, 1), 0.25), [0])
    assert np.flatnonzero(spikes[:, 0]).tolist() == [3, 7]
    assert voltages[-1, 0] == 0


def test_amplitude_scales_spikes():
    neuron = TrueNorthNeuron(threshold=1, amplitude=0.5)
    output = np.zeros(1)
    neuron.step(DT, np.ones(1), output, np.zeros(1))
    assert output[0] == 0.5 / DT


@pytest.mark.parametrize("reset_mode", RESET_MODES)
@pytest.mark.parametrize("negative_saturation", [False, True])
def test_threshold_mask_adds_draw_from_rng(reset_mode, negative_saturation):
    tm, alpha, beta = 4, 8, 3
    neuron = TrueNorthNeuron(
        threshold=alpha,
        negative_threshold=beta,
        reset_mode=reset_mode,
        reset_potential=2,
        negative_saturation=negative_saturation,
        threshold_mask_bits=tm,
    )
    v = np.arange(-30, 31, dtype=float)
    voltage, output = v.copy(), np.zeros(v.size)
    neuron.step(DT, np.zeros(v.size), output, voltage, rng=np.random.RandomState(5))
    eta = np.random.RandomState(5).randint(0, 1 << tm, size=v.size)

    fired = v >= alpha + eta
    below = ~fired & (v < -(beta if negative_saturation else beta + eta))
    expected = v.copy()
    if reset_mode == RESET_LINEAR:
        expected[fired] = (v - alpha - eta)[fired]
    elif reset_mode == RESET_NORMAL:
        expected[fired] = 2
    if negative_saturation:
        expected[below] = -beta
    elif reset_mode == RESET_LINEAR:
        expected[below] = (v + beta + eta)[below]
    elif reset_mode == RESET_NORMAL:
        expected[below] = -2
    assert np.array_equal(output > 0, fired)
    assert np.array_equal(voltage, expected)
    assert 0 < fired.sum() < (v >= alpha).sum()  # the mask really raised thresholds


def test_no_threshold_mask_draws_nothing():
    rng = np.random.RandomState(3)
    before = rng.get_state()[1].copy(), rng.get_state()[2]
    TrueNorthNeuron().step(DT, np.ones(4), np.zeros(4), np.zeros(4), rng=rng)
    after = rng.get_state()
    assert np.array_equal(after[1], before[0]) and after[2] == before[1]


# --- bit-exact agreement with the chip -------------------------------------------


def random_neuron(rng, reset_mode, leak_reversal, negative_saturation):
    """A deterministic TrueNorthNeuron with parameters spread over the chip's ranges."""
    scale = int(2 ** rng.uniform(0, 18))  # thresholds from 1 to 2**18
    return TrueNorthNeuron(
        threshold=int(np.clip(scale, THRESHOLD_MIN + 1, THRESHOLD_MAX)),
        leak=int(rng.randint(LEAK_MIN, LEAK_MAX + 1)),
        reset_mode=reset_mode,
        reset_potential=int(
            np.clip(
                rng.randint(-scale, scale + 1), RESET_POTENTIAL_MIN, RESET_POTENTIAL_MAX
            )
        ),
        negative_threshold=int(np.clip(2 ** rng.uniform(0, 18), 0, THRESHOLD_MAX))
        if rng.rand() < 0.7
        else 0,
        negative_saturation=negative_saturation,
        leak_reversal=leak_reversal,
    )


def assert_matches_reference(neuron, seed, ticks=250):
    """Run one core of 256 neurons sharing ``neuron``'s parameters on the reference
    emulator, and ``neuron.step`` on the currents that its synapses deliver."""
    rng = np.random.RandomState(seed)
    model = ChipModel()
    core = model.add_core()
    core.axon_types[:] = rng.randint(0, 4, AXONS_PER_CORE)
    core.crossbar[:] = rng.rand(AXONS_PER_CORE, NEURONS_PER_CORE) < 0.1
    # Each neuron leans excitatory or inhibitory, so that both thresholds are reached.
    lean = rng.randint(-128, 129, (NEURONS_PER_CORE, 1))
    core.weights[:] = np.clip(
        lean + rng.randint(-128, 129, core.weights.shape), WEIGHT_MIN, WEIGHT_MAX
    )
    v0 = rng.randint(-neuron.threshold, neuron.threshold + 1, NEURONS_PER_CORE)
    v0[:8] = [POTENTIAL_MIN, POTENTIAL_MAX, POTENTIAL_MIN + 1, POTENTIAL_MAX - 1] * 2
    core.set_neuron(
        slice(None),
        leak=neuron.leak,
        leak_reversal=int(neuron.leak_reversal),
        threshold=neuron.threshold,
        negative_threshold=neuron.negative_threshold,
        reset_potential=neuron.reset_potential,
        reset_mode=neuron.reset_mode,
        negative_saturation=int(neuron.negative_saturation),
        initial_potential=v0,
    )
    model.add_input("in", [(core.id, i) for i in range(AXONS_PER_CORE)])
    active = rng.rand(ticks, AXONS_PER_CORE) < rng.uniform(0.05, 0.3)

    emulator = ReferenceEmulator(model)
    spike_probe = emulator.probe(core.id, kind="spikes")
    voltage_probe = emulator.probe(core.id, kind="voltage")
    emulator.run(ticks, {"in": np.column_stack(np.nonzero(active))})

    J = active.astype(np.int64) @ axon_type_weights(core)
    spikes, voltages = run_steps(neuron, J, v0)
    assert np.array_equal(spikes, spike_probe.data)
    assert np.array_equal(voltages, voltage_probe.data)
    return spikes, voltages


@pytest.mark.parametrize("negative_saturation", [False, True])
@pytest.mark.parametrize("leak_reversal", [False, True])
@pytest.mark.parametrize("reset_mode", RESET_MODES)
def test_step_matches_reference_emulator_bit_for_bit(
    reset_mode, leak_reversal, negative_saturation
):
    seed = 100 * reset_mode + 10 * leak_reversal + negative_saturation
    rng = np.random.RandomState(seed)
    neuron = random_neuron(rng, reset_mode, leak_reversal, negative_saturation)
    spikes, voltages = assert_matches_reference(neuron, seed=seed)
    # The run must have exercised firing and the negative side.
    assert np.any(spikes)
    assert np.any(voltages <= 0)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    threshold=st.integers(THRESHOLD_MIN + 1, THRESHOLD_MAX),
    leak=st.integers(LEAK_MIN, LEAK_MAX),
    reset_mode=st.sampled_from(RESET_MODES),
    reset_potential=st.integers(RESET_POTENTIAL_MIN, RESET_POTENTIAL_MAX),
    negative_threshold=st.integers(THRESHOLD_MIN, THRESHOLD_MAX),
    negative_saturation=st.booleans(),
    leak_reversal=st.booleans(),
    small=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_any_parameters_match_reference_emulator(
    threshold,
    leak,
    reset_mode,
    reset_potential,
    negative_threshold,
    negative_saturation,
    leak_reversal,
    small,
    seed,
):
    if small:  # thresholds and resets on the scale of one tick's input
        threshold = threshold % 2000 + 1
        reset_potential %= 2 * threshold
        reset_potential -= threshold
        negative_threshold %= 2000
    neuron = TrueNorthNeuron(
        threshold=threshold,
        leak=leak,
        reset_mode=reset_mode,
        reset_potential=reset_potential,
        negative_threshold=negative_threshold,
        negative_saturation=negative_saturation,
        leak_reversal=leak_reversal,
    )
    assert_matches_reference(neuron, seed, ticks=200)


# --- rates ---------------------------------------------------------------------


def exact_rate_neuron(rng, reset_mode):
    """Random deterministic parameters inside the domain where rates() is exact."""
    leak_reversal = rng.rand() < 0.3
    negative_saturation = leak_reversal or rng.rand() < 0.5
    negative_threshold = 0 if leak_reversal else int(rng.randint(0, 50))
    reset_potential = int(rng.randint(-60, 30))
    if leak_reversal or not negative_saturation:
        reset_potential = abs(reset_potential)
    leak = int(rng.randint(-10, 11))
    # A reversed negative leak can lift V up to |leak| from below (see rates()).
    lowest = max(reset_potential, 0, abs(leak) if leak_reversal else 0) + 1
    return TrueNorthNeuron(
        threshold=int(rng.randint(lowest, lowest + 100)),
        leak=leak,
        reset_mode=reset_mode,
        reset_potential=reset_potential,
        negative_threshold=negative_threshold,
        negative_saturation=negative_saturation,
        leak_reversal=leak_reversal,
    )


@pytest.mark.parametrize("reset_mode", RESET_MODES)
def test_rates_match_simulated_spike_counts(reset_mode):
    rng = np.random.RandomState(7 + reset_mode)
    settle, ticks = 300, 1000
    for _ in range(12):
        neuron = exact_rate_neuron(rng, reset_mode)
        # Integer currents from silent to one spike per tick, plus a few fractions.
        J = np.concatenate([np.arange(-20, 121), rng.uniform(-5, 40, 20)])
        J = J[np.abs(J + neuron.leak) * settle > 3 * neuron.threshold + 100]
        spikes, _ = run_steps(neuron, np.tile(J, (settle + ticks, 1)), np.zeros(J.size))
        count = spikes[settle:].sum(axis=0)
        expected = neuron.rates(J, np.ones(J.size), np.zeros(J.size))
        expected = np.diag(expected) * ticks * DT
        assert np.all(np.abs(count - expected) <= 1), neuron


def test_rates_of_linear_reset_are_a_clipped_line():
    neuron = TrueNorthNeuron(threshold=64, leak=-4)
    J = np.array([-10, 0, 4, 36, 68, 200])
    rates = neuron.rates(J, np.ones(J.size), np.zeros(J.size))
    assert np.allclose(np.diag(rates), [0, 0, 0, 500, 1000, 1000])


def test_threshold_mask_rate_is_close_when_mask_is_small():
    neuron = TrueNorthNeuron(threshold=64, threshold_mask_bits=3)
    J = np.arange(8, 65, 8, dtype=float)
    spikes, _ = run_steps(
        neuron, np.tile(J, (4000, 1)), np.zeros(J.size), rng=np.random.RandomState(0)
    )
    rates = spikes.mean(axis=0) / DT
    expected = np.diag(neuron.rates(J, np.ones(J.size), np.zeros(J.size)))
    assert np.allclose(rates, expected, rtol=0.03)
    assert np.all(rates >= 0.99 * expected)  # the mean threshold underestimates


@pytest.mark.parametrize("leak", [0, -7, 12])
def test_gain_bias_round_trips_for_linear_reset(leak):
    rng = np.random.RandomState(1)
    neuron = TrueNorthNeuron(threshold=64, leak=leak, threshold_mask_bits=0)
    max_rates = rng.uniform(50, MAX_RATE, 100)
    intercepts = rng.uniform(-0.95, 0.95, 100)
    gain, bias = neuron.gain_bias(max_rates, intercepts)
    rates = neuron.rates(np.array([intercepts.min() - 0.01, 1.0]), gain, bias)
    assert np.all(rates[0] == 0) and np.allclose(rates[1], max_rates)
    r2, i2 = neuron.max_rates_intercepts(gain, bias)
    assert np.allclose(r2, max_rates) and np.allclose(i2, intercepts)


def test_gain_bias_of_normal_reset_quantizes_max_rate():
    neuron = TrueNorthNeuron(threshold=40, reset_mode=RESET_NORMAL, reset_potential=8)
    max_rates = np.array([200.0, 300.0, 333.0, 400.0, 1000.0])
    intercepts = np.array([-0.5, 0.0, 0.3, 0.9, -1.0])
    gain, bias = neuron.gain_bias(max_rates, intercepts)
    r2, i2 = neuron.max_rates_intercepts(gain, bias)
    assert np.allclose(i2, intercepts)
    assert np.allclose(r2, 1 / (DT * np.ceil(1 / (max_rates * DT))))
    assert np.all(r2 <= max_rates)


def test_gain_bias_refuses_rates_above_one_spike_per_tick():
    with pytest.raises(ValidationError, match=r"max_rates = 1200 Hz .*0\.\.1000 Hz"):
        TrueNorthNeuron().gain_bias([300, 1200], [0, 0])


def test_gain_bias_refuses_neurons_without_graded_rates():
    with pytest.raises(ValidationError, match="reset_mode = 2"):
        TrueNorthNeuron(reset_mode=RESET_NONE).gain_bias([300], [0])
    with pytest.raises(ValidationError, match="reset_potential = 70"):
        neuron = TrueNorthNeuron(reset_mode=RESET_NORMAL, reset_potential=70)
        neuron.gain_bias([300], [0])


# --- in a Nengo network ------------------------------------------------------------


def test_ensemble_represents_sine():
    with nengo.Network(seed=3) as net:
        u = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        ens = nengo.Ensemble(200, 1, neuron_type=TrueNorthNeuron())
        nengo.Connection(u, ens)
        decoded = nengo.Probe(ens, synapse=0.02)
        # The input reaches the ensemble through Nengo's default 5 ms synapse.
        both = nengo.Lowpass(0.005).combine(nengo.Lowpass(0.02))
        target = nengo.Probe(u, synapse=both)
    with nengo.Simulator(net, dt=DT, progress_bar=False) as sim:
        sim.run(1.0)
    rmse = np.sqrt(np.mean((sim.data[decoded] - sim.data[target]) ** 2))
    assert rmse < 0.05


def test_initial_potential_and_initial_state_set_voltage():
    n = 5
    state = TrueNorthNeuron(initial_potential=-7).make_state(n)
    assert np.all(state["voltage"] == -7) and "rng" in state
    neuron = TrueNorthNeuron(initial_potential=-7, initial_state={"voltage": [3] * n})
    assert np.all(neuron.make_state(n)["voltage"] == 3)
    assert TrueNorthNeuron().probeable == ("output", "voltage")


# --- parameters --------------------------------------------------------------------

OUT_OF_RANGE = [
    ("threshold", THRESHOLD_MIN),  # the chip allows 0, but it carries no rate
    ("threshold", THRESHOLD_MAX + 1),
    ("leak", LEAK_MIN - 1),
    ("leak", LEAK_MAX + 1),
    ("reset_mode", RESET_NORMAL - 1),
    ("reset_mode", RESET_NONE + 1),
    ("reset_potential", RESET_POTENTIAL_MIN - 1),
    ("reset_potential", RESET_POTENTIAL_MAX + 1),
    ("negative_threshold", THRESHOLD_MIN - 1),
    ("negative_threshold", THRESHOLD_MAX + 1),
    ("threshold_mask_bits", -1),
    ("threshold_mask_bits", THRESHOLD_MASK_BITS_MAX + 1),
    ("initial_potential", POTENTIAL_MIN - 1),
    ("initial_potential", POTENTIAL_MAX + 1),
    ("threshold", 1.5),
    ("leak", True),
    ("negative_saturation", 1),
    ("leak_reversal", "no"),
]


@pytest.mark.parametrize("name, value", OUT_OF_RANGE)
def test_invalid_parameter_is_refused_naming_param_and_value(name, value):
    with pytest.raises(ValidationError) as info:
        TrueNorthNeuron(**{name: value})
    message = str(info.value)
    assert message.startswith(f"TrueNorthNeuron.{name}: ")
    assert f"{name} = {value!r} is not allowed" in message
    param = getattr(TrueNorthNeuron, name)
    if isinstance(param, ChipIntParam):
        assert f"{param.low}..{param.high}" in message


def test_extreme_parameters_are_accepted():
    TrueNorthNeuron(
        threshold=THRESHOLD_MAX,
        leak=LEAK_MIN,
        reset_potential=RESET_POTENTIAL_MIN,
        negative_threshold=THRESHOLD_MAX,
        threshold_mask_bits=THRESHOLD_MASK_BITS_MAX,
        initial_potential=POTENTIAL_MAX,
        reset_mode=np.int64(RESET_NONE),
    )


def test_amplitude_must_be_positive():
    with pytest.raises(ValidationError, match="amplitude"):
        TrueNorthNeuron(amplitude=0)


def test_neuron_type_is_exported():
    assert nengo_truenorth.TrueNorthNeuron is TrueNorthNeuron


# --- ChipSpikingRectifiedLinear: SpikingRectifiedLinear as the chip runs it --------


def chip_relu_run(J, voltage=0.0, dt=0.001):
    neuron = nengo_truenorth.ChipSpikingRectifiedLinear()
    J = np.asarray(J, dtype=float).reshape(len(J), -1)
    v = np.full(J.shape[1], voltage)
    out = np.zeros(J.shape[1])
    spikes, voltages = [], []
    for j in J:
        neuron.step(dt, j, out, v)
        spikes.append(out.copy())
        voltages.append(v.copy())
    return np.array(spikes)[:, 0] * dt, np.array(voltages)[:, 0]


def test_chip_relu_adds_the_signed_input():
    # Nengo's SpikingRectifiedLinear would keep 0.6 through the negative step
    _, v = chip_relu_run([600.0, -400.0, 300.0])
    np.testing.assert_allclose(v, [0.6, 0.2, 0.5])


def test_chip_relu_voltage_stops_at_zero():
    _, v = chip_relu_run([300.0, -900.0, 200.0])
    np.testing.assert_allclose(v, [0.3, 0.0, 0.2])


def test_chip_relu_fires_at_most_once_per_step_with_linear_reset():
    spikes, v = chip_relu_run([2500.0, 0.0, 0.0, 0.0])
    assert spikes.tolist() == [1, 1, 0, 0]
    np.testing.assert_allclose(v, [1.5, 0.5, 0.5, 0.5])


def test_chip_relu_fires_at_the_rectified_rate_for_constant_input():
    J = np.array([-50.0, 0.0, 37.0, 250.0, 999.0])
    neuron = nengo_truenorth.ChipSpikingRectifiedLinear(amplitude=0.5)
    with nengo.Network() as net:
        ens = nengo.Ensemble(
            len(J), 1, neuron_type=neuron, gain=np.ones(len(J)), bias=J
        )
        probe = nengo.Probe(ens.neurons)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run(2.0)
    rate = sim.data[probe].mean(axis=0)
    np.testing.assert_allclose(rate, neuron.rates(0.0, np.ones(len(J)), J)[0], atol=1.0)
    np.testing.assert_allclose(rate, 0.5 * np.maximum(J, 0), atol=1.0)
