"""Synapses of chip -> chip connections: Lowpass through filter neurons, recurrence."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError

import nengo_truenorth
from nengo_truenorth.frontend import Model

TAU = 0.1


def run_both(net, seconds, model=None):
    """Run ``net`` on ``nengo.Simulator`` and on the chip; return both simulators."""
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(seconds)
    with nengo_truenorth.Simulator(net, progress_bar=False, model=model) as sim:
        sim.run(seconds)
    return ref, sim


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def filter_groups(sim):
    return [g for g in sim.model.graph.groups if "filters" in g.label]


def integrator(seed=0):
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(lambda t: 1.0 if 0.1 < t < 0.4 else 0.0)
        ens = nengo.Ensemble(200, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(stim, ens, transform=TAU, synapse=TAU)
        nengo.Connection(ens, ens, synapse=TAU)
        probe = nengo.Probe(ens, synapse=0.01)
    return net, probe


def test_integrator_holds_value_after_input_stops():
    net, probe = integrator()
    ref, sim = run_both(net, 1.2)
    x, y = ref.data[probe][:, 0], sim.data[probe][:, 0]
    assert rmse(x, y) < 0.1
    held = sim.trange() > 0.6
    # the input stopped at 0.4 s; Nengo's integrator holds about 0.3
    assert np.abs(y[held] - x[held]).mean() < 0.1
    assert y[held].mean() > 0.2
    # the loop runs through filter neurons
    assert filter_groups(sim)


def test_recurrent_lowpass_matches_step_response():
    # x = Lowpass(0.1) of a step, made the NEF way from a Lowpass(0.05) recurrence
    tau_syn, tau = 0.05, 0.1
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(lambda t: 0.8 if t > 0.1 else 0.0)
        ens = nengo.Ensemble(200, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(stim, ens, transform=tau_syn / tau, synapse=tau_syn)
        nengo.Connection(ens, ens, transform=1 - tau_syn / tau, synapse=tau_syn)
        probe = nengo.Probe(ens, synapse=0.01)
    ref, sim = run_both(net, 0.8)
    x, y = ref.data[probe][:, 0], sim.data[probe][:, 0]
    assert rmse(x, y) < 0.1
    t = sim.trange()
    # a tenth of a second after the step it is about 1 - exp(-1) of the way there
    rising = (t > 0.18) & (t < 0.22)
    assert abs(y[rising].mean() - x[rising].mean()) < 0.1
    assert abs(y[t > 0.6].mean() - 0.8) < 0.1


def test_oscillator_keeps_oscillating():
    omega = 2 * np.pi * 2.0
    with nengo.Network(seed=2) as net:
        kick = nengo.Node(lambda t: [1.0, 0.0] if t < 0.05 else [0.0, 0.0])
        ens = nengo.Ensemble(300, 2, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(kick, ens, synapse=None)
        nengo.Connection(
            ens, ens, transform=[[1, omega * TAU], [-omega * TAU, 1]], synapse=TAU
        )
        probe = nengo.Probe(ens, synapse=0.02)
    ref, sim = run_both(net, 1.5)
    t = sim.trange()
    late = t > 0.5
    y = sim.data[probe][late]
    radius = np.linalg.norm(y, axis=1)
    assert radius.mean() > 0.4, "the oscillation died out"
    # about 2 Hz: one sign change of x0 every quarter second
    crossings = np.count_nonzero(np.diff(np.sign(y[:, 0])) != 0)
    ref_crossings = np.count_nonzero(
        np.diff(np.sign(ref.data[probe][late, 0])) != 0
    )
    assert abs(crossings - ref_crossings) <= 2
    assert crossings >= 3


def test_feedforward_lowpass_is_filtered_on_chip():
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(lambda t: 0.7 if t > 0.1 else -0.3)
        a = nengo.Ensemble(200, 1, neuron_type=nengo.SpikingRectifiedLinear())
        b = nengo.Ensemble(200, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(stim, a, synapse=None)
        nengo.Connection(a, b, synapse=0.05)
        probe = nengo.Probe(b, synapse=0.01)
    ref, sim = run_both(net, 0.5)
    x, y = ref.data[probe][:, 0], sim.data[probe][:, 0]
    assert rmse(x, y) < 0.1
    t = sim.trange()
    # 30 ms after the step, b is still on its way (a pure delay would be there)
    assert y[(t > 0.125) & (t < 0.135)].mean() < 0.5
    assert filter_groups(sim)

    # the same network with the synapse as the path's delay: no filter neurons
    model = Model()
    model.options.filter_decoded = "recurrent"
    with nengo_truenorth.Simulator(net, progress_bar=False, model=model) as plain:
        plain.run(0.15)
    assert not filter_groups(plain)


def short_synapse_net(tau):
    with nengo.Network(seed=4) as net:
        a = nengo.Ensemble(50, 1, neuron_type=nengo.SpikingRectifiedLinear())
        b = nengo.Ensemble(50, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(a, b, synapse=tau)
    return net


def test_lowpass_too_short_for_filter_neurons_is_a_delay():
    model = Model()
    model.options.filter_decoded = True
    net = short_synapse_net(0.001)  # below dt / ln 2
    with nengo_truenorth.Simulator(net, progress_bar=False, model=model) as sim:
        sim.step()
    assert not filter_groups(sim)


def test_auto_filters_feedforward_only_from_filter_min_tau():
    net = short_synapse_net(0.005)  # Nengo's default synapse
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.step()
    assert not filter_groups(sim)
    net = short_synapse_net(Model().options.filter_min_tau)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.step()
    assert filter_groups(sim)


def test_chip_to_host_synapse_applies_once():
    # the host filters chip outputs with Nengo's own synapse, exactly once
    with nengo.Network(seed=5) as net:
        stim = nengo.Node(lambda t: 0.6 if t > 0.1 else 0.0)
        a = nengo.Ensemble(200, 1, neuron_type=nengo.SpikingRectifiedLinear())
        out = nengo.Node(size_in=1)
        nengo.Connection(stim, a, synapse=None)
        nengo.Connection(a, out, synapse=0.05)
        probe = nengo.Probe(out, synapse=0.05)
    ref, sim = run_both(net, 0.5)
    assert rmse(ref.data[probe], sim.data[probe]) < 0.05


@pytest.mark.parametrize(
    "synapse", [nengo.Alpha(0.01), nengo.LinearFilter([1], [0.01, 1])]
)
def test_unsupported_chip_synapse_is_a_build_error(synapse):
    with nengo.Network(seed=6) as net:
        a = nengo.Ensemble(20, 1, neuron_type=nengo.SpikingRectifiedLinear())
        b = nengo.Ensemble(20, 1, neuron_type=nengo.SpikingRectifiedLinear())
        conn = nengo.Connection(a, b, synapse=synapse)
    with pytest.raises(BuildError, match="cannot run between chip ensembles") as info:
        nengo_truenorth.Simulator(net, progress_bar=False)
    assert str(info.value).startswith(str(conn))
    assert "on_chip = False" in str(info.value)


def fan_out_of_filtered_connections(n_posts, post_neurons=2, neurons=False):
    """One ensemble into ``n_posts`` others, each with one shared filter tau
    (neuron -> neuron with ``neurons``)."""
    with nengo.Network(seed=7) as net:
        a = nengo.Ensemble(20, 1, neuron_type=nengo.SpikingRectifiedLinear())
        posts = [
            nengo.Ensemble(post_neurons, 1, neuron_type=nengo.SpikingRectifiedLinear())
            for _ in range(n_posts)
        ]
        if neurons:
            weights = np.full((post_neurons, a.n_neurons), 0.01)
            conns = [
                nengo.Connection(a.neurons, p.neurons, transform=weights, synapse=0.05)
                for p in posts
            ]
        else:
            conns = [nengo.Connection(a, p, synapse=0.05) for p in posts]
    return net, conns


def test_filter_loops_keep_their_two_ticks_up_to_one_splitter_stage():
    net, _ = fan_out_of_filtered_connections(100)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        loops = [e for e in sim.model.graph.edges if e.pre is e.post]
        assert loops
        assert all(sim.compiled.edge_delay[e] == 2 for e in loops)


def test_filter_neurons_with_too_many_targets_are_a_build_error():
    # posts of 129 neurons take a core each: each filter neuron has a target (an
    # axon) on 260 cores, and itself (neuron -> neuron connections: the filter
    # neurons of decoded ones feed the sum neurons beside them, one target each)
    net, conns = fan_out_of_filtered_connections(260, post_neurons=129, neurons=True)
    with pytest.raises(BuildError, match="loop would take 3 ticks") as info:
        nengo_truenorth.Simulator(net, progress_bar=False)
    message = str(info.value)
    assert message.startswith(str(conns[0]))
    assert "feed 260 connections" in message and "Lowpass(0.05)" in message
