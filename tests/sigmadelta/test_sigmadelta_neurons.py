"""SigmaDelta and SigmaDeltaRate: the ΣΔ encoding property, the clamp, and Nengo use.

"Within one spike" and "within one kick" are exact statements here: the subtract-reset
neuron is a first-order ΣΔ modulator whose remainder stays in (threshold - 1,
threshold], so spike counts over any window differ from the ideal ``Σ clip(J)·dt`` by
less than one spike, and the lowpass-filtered spike train (the neuron's ``feedback``
reconstruction) differs from the same lowpass of the clipped input by less than the
charge of one spike seen through that filter, ``feedback_kick(dt, tau_fb)``.
"""

import warnings

import nengo
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nengo.exceptions import ValidationError

from nengo_sigmadelta import SigmaDelta, SigmaDeltaRate, feedback_kick

DT = 0.001


def run_steps(neuron, J, voltage0=None, dt=DT):
    """Step ``neuron`` over ``J`` (n_steps, n_neurons); return spikes and states."""
    n = J.shape[1]
    state = {
        "voltage": np.zeros(n) if voltage0 is None else np.zeros(n) + voltage0,
        "current": np.zeros(n),
        "feedback": np.zeros(n),
    }
    out = np.zeros(n)
    spikes = np.zeros(J.shape, dtype=bool)
    history = {k: np.zeros(J.shape) for k in state}
    for t in range(J.shape[0]):
        neuron.step(dt, J[t], out, **state)
        spikes[t] = out > 0
        for k in state:
            history[k][t] = state[k]
    return spikes, history


def paper_variables_reference(J, dt, tau_fb, threshold, voltage0):
    """The subtract-reset neuron written in Boeshertz et al.'s variables (readable).

    ``v`` integrates the input current minus the reconstruction (the feedback
    current); the neuron fires when ``v`` plus the charge the two decaying currents
    will still deliver, ``τ'·(i - x̂)`` with ``τ' = d·dt/(1-d)``, is above threshold.
    The fast implementation computes the same sum by its increments.
    """
    d = np.exp(-dt / tau_fb)
    kick = (1 - d) / dt
    lookahead = d * dt / (1 - d)
    n = J.shape[1]
    i, x = np.zeros(n), np.zeros(n)
    v = np.array(voltage0, dtype=float)  # i = x = 0, so v starts at the remainder
    spikes = np.zeros(J.shape, dtype=bool)
    for t in range(J.shape[0]):
        drive = np.clip(J[t], 0, 1 / dt)
        i = d * i + (1 - d) * drive
        x = d * x
        spiked = v + (dt + lookahead) * (i - x) > threshold
        x = x + kick * spiked
        v = v + dt * (i - x)
        spikes[t] = spiked
    return spikes


def test_default_ensemble_runs_in_nengo_simulator(Simulator):
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        ens = nengo.Ensemble(100, 1, neuron_type=SigmaDelta())
        nengo.Connection(stim, ens)
        p_ens = nengo.Probe(ens, synapse=0.01)
        p_stim = nengo.Probe(stim, synapse=0.01)
    with Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    rmse = np.sqrt(np.mean((sim.data[p_ens] - sim.data[p_stim]) ** 2))
    assert rmse < 0.05


def test_rates_are_the_clipped_line():
    neuron = SigmaDeltaRate(max_rate=500)
    x = np.linspace(-1, 2, 7)
    assert np.allclose(neuron.rates(x, 400.0, 0.0)[:, 0], np.clip(400 * x, 0, 500))
    assert SigmaDelta(max_rate=500).rates(x, 400.0, 0.0).max() == 500


def test_gain_bias_inverts_max_rates_intercepts():
    neuron = SigmaDelta()
    max_rates, intercepts = np.array([200.0, 400.0]), np.array([-0.5, 0.8])
    gain, bias = neuron.gain_bias(max_rates, intercepts)
    assert np.allclose(neuron.max_rates_intercepts(gain, bias), (max_rates, intercepts))
    assert np.allclose(neuron.rates(intercepts, gain, bias).diagonal(), 0)
    assert np.allclose(neuron.rates(1.0, gain, bias)[0], max_rates)


def test_max_rates_above_the_ceiling_are_refused():
    with pytest.raises(ValidationError, match="one spike per step"):
        SigmaDelta(max_rate=300).gain_bias([400.0], [0.0])


def test_invalid_parameters_are_refused():
    with pytest.raises(ValidationError):
        SigmaDelta(tau_fb=0)
    with pytest.raises(ValidationError):
        SigmaDelta(reset="floor")


@settings(max_examples=40, deadline=None)
@given(
    rates=st.lists(st.floats(-300, 1500), min_size=1, max_size=8),
    threshold=st.floats(-2, 2),
    phase=st.floats(0, 1, exclude_max=True),
    n_steps=st.integers(1, 1500),
)
def test_spike_count_is_ideal_count_within_one_spike(rates, threshold, phase, n_steps):
    """Constant J: over every window the count is Σ clip(J, 0, 1/dt)·dt within one."""
    J = np.tile(rates, (n_steps, 1))
    neuron = SigmaDelta(threshold=threshold)
    spikes, _ = run_steps(neuron, J, voltage0=threshold - phase)
    counts = np.vstack([np.zeros(len(rates)), np.cumsum(spikes, axis=0)])
    ideal_per_step = np.clip(rates, 0, 1 / DT) * DT
    for t0 in range(0, n_steps, max(1, n_steps // 7)):
        for t1 in (t0 + 1, (t0 + n_steps) // 2 + 1, n_steps):
            if t1 <= t0 or t1 > n_steps:
                continue
            ideal = ideal_per_step * (t1 - t0)
            assert np.all(np.abs(counts[t1] - counts[t0] - ideal) < 1 + 1e-9)


def test_filtered_spikes_track_time_varying_input_within_one_kick(Simulator):
    """|Lowpass(spikes) - Lowpass(clip(J))| < kick, the filtered charge of one spike.

    The input sweeps over, below and above the neuron's range; the bound holds at
    every step because the ΣΔ remainder never leaves an interval one spike wide.
    """
    tau_fb = 0.02
    kick = feedback_kick(DT, tau_fb)
    freqs = np.array([1.0, 3.0, 7.0])

    def drive(t):
        return 500 + 700 * np.sin(2 * np.pi * freqs * t)  # from -200 to 1200 Hz

    with nengo.Network(seed=2) as net:
        stim = nengo.Node(drive)
        ens = nengo.Ensemble(
            3,
            1,
            neuron_type=SigmaDelta(tau_fb=tau_fb),
            gain=np.ones(3),
            bias=np.zeros(3),
        )
        nengo.Connection(stim, ens.neurons, synapse=None)  # J is the drive itself
        clipped = nengo.Node(lambda t, x: np.clip(x, 0, 1 / DT), size_in=3)
        nengo.Connection(stim, clipped, synapse=None)
        p_spikes = nengo.Probe(ens.neurons, synapse=nengo.Lowpass(tau_fb))
        p_input = nengo.Probe(clipped, synapse=nengo.Lowpass(tau_fb))
        p_feedback = nengo.Probe(ens.neurons, "feedback")
        p_current = nengo.Probe(ens.neurons, "current")
    with Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)

    # the neuron's feedback current is its spike train through Lowpass(tau_fb), and
    # its input current the clipped input through it (filtered probes lag one step)
    assert np.allclose(sim.data[p_feedback][:-1], sim.data[p_spikes][1:])
    assert np.allclose(sim.data[p_current][:-1], sim.data[p_input][1:])
    error = sim.data[p_spikes] - sim.data[p_input]
    assert np.max(np.abs(error)) < kick


def test_subtract_reset_matches_the_paper_variables_reference():
    rng = np.random.RandomState(3)
    n_steps, n = 1000, 100
    J = np.cumsum(rng.randn(n_steps, n) * 30, axis=0) + rng.uniform(0, 800, n)
    voltage0 = rng.uniform(-1, 0, n)
    fast, _ = run_steps(SigmaDelta(tau_fb=0.02), J, voltage0=voltage0)
    readable = paper_variables_reference(J, DT, 0.02, 0.0, voltage0)
    assert np.array_equal(fast, readable)


def test_subtract_reset_spikes_like_a_capped_integrate_and_fire():
    """Its spikes are those of SpikingRectifiedLinear on clip(J, 0, max_rate)."""
    rng = np.random.RandomState(4)
    J = rng.uniform(-200, 1200, size=(500, 20))
    phase = rng.uniform(0, 1, 20)
    spikes, _ = run_steps(SigmaDelta(), J, voltage0=phase - 1)
    voltage, out = phase.copy(), np.zeros(20)
    for t in range(J.shape[0]):
        nengo.SpikingRectifiedLinear().step(DT, np.clip(J[t], 0, 1000), out, voltage)
        assert np.array_equal(out > 0, spikes[t])


def test_zero_reset_keeps_the_reconstruction_above_the_input():
    """The published neuron: x̂ in (i - kick, i + kick), and it fires too often."""
    tau_fb = 0.05
    kick = feedback_kick(DT, tau_fb)
    J = np.tile([50.0, 123.4, 300.0, 777.0], (3000, 1))
    spikes, hist = run_steps(SigmaDelta(tau_fb=tau_fb, reset="zero"), J)
    settled = slice(1000, None)
    gap = hist["feedback"][settled] - hist["current"][settled]
    assert np.all(gap > -kick) and np.all(gap < kick)
    rate = spikes[settled].mean(axis=0) / DT
    assert np.all(rate > J[0]) and np.all(rate < J[0] + kick)


def test_one_spike_per_step_is_the_ceiling():
    J = np.full((100, 2), 5000.0)
    spikes, _ = run_steps(SigmaDelta(), J)
    assert spikes.all()
    spikes, _ = run_steps(SigmaDelta(max_rate=250), J)
    assert np.all(spikes.sum(axis=0) == 25)


def test_negative_input_builds_no_debt():
    J = np.vstack([np.full((200, 1), -500.0), np.full((20, 1), 300.0)])
    spikes, _ = run_steps(SigmaDelta(), J, voltage0=[-0.5])
    assert not spikes[:200].any()
    assert spikes[200:204].any()  # 0.5 + 0.3·3 > 1: fires within 4 steps


def test_threshold_shifts_the_phase_not_the_rate():
    J = np.full((1000, 1), 333.0)
    counts = [
        run_steps(SigmaDelta(threshold=th), J, voltage0=[th - 0.5])[0].sum()
        for th in (-1.0, 0.0, 0.5, 3.0)
    ]
    assert counts == [counts[0]] * 4


def test_builder_warns_when_max_rate_is_above_one_spike_per_step():
    with nengo.Network() as net:
        nengo.Ensemble(5, 1, neuron_type=SigmaDelta(max_rate=1000))
    with pytest.warns(UserWarning, match="above one spike per step"):
        nengo.Simulator(net, dt=0.002, progress_bar=False).close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nengo.Simulator(net, dt=0.001, progress_bar=False).close()
