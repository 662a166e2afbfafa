"""Per-object options (``nengo_truenorth.add_params``) change what reaches the chip."""

import re

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError, ValidationError

import nengo_truenorth

RELU = nengo.SpikingRectifiedLinear()


def edges_of(sim, conn):
    """The chip edges built for ``conn`` (into its post ensemble's group)."""
    post = sim.model.chip_ensembles[conn.post_obj.ensemble].group
    return [e for e in sim.model.graph.edges if e.obj is conn and e.post is post]


def test_delay_option_sets_the_connections_delay():
    with nengo.Network(seed=0) as net:
        nengo_truenorth.add_params(net)
        a = nengo.Ensemble(10, 1, neuron_type=RELU)
        b = nengo.Ensemble(10, 1, neuron_type=RELU)
        slow = nengo.Connection(a.neurons, b.neurons, transform=np.eye(10))
        fast = nengo.Connection(a.neurons, b.neurons, transform=-np.eye(10))
        net.config[slow].delay = 7
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        (slow_edge,), (fast_edge,) = edges_of(sim, slow), edges_of(sim, fast)
        assert sim.compiled.edge_delay[slow_edge] == 7
        assert sim.compiled.edge_delay[fast_edge] < 7


def test_stochastic_rounding_option_draws_both_neighbouring_levels():
    # one strong input fixes each neuron's scale; the weak ones fall between levels
    weights = np.full((5, 60), 0.37)
    weights[:, 0] = 1.0
    levels = {}
    for rounding in ("nearest", "stochastic"):
        with nengo.Network(seed=0) as net:
            nengo_truenorth.add_params(net)
            a = nengo.Ensemble(60, 1, neuron_type=RELU)
            b = nengo.Ensemble(5, 1, neuron_type=RELU)
            conn = nengo.Connection(a.neurons, b.neurons, transform=weights * 1e-3)
            net.config[conn].rounding = rounding
        with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
            (edge,) = edges_of(sim, conn)
            levels[rounding] = np.unique(edge.levels[:, 1:])
    assert len(levels["nearest"]) == 1
    assert len(levels["stochastic"]) == 2
    assert np.ptp(levels["stochastic"]) == 1  # the two neighbours of the float level


def test_input_channels_option_sets_the_host_encoders_channels():
    with nengo.Network(seed=0) as net:
        nengo_truenorth.add_params(net)
        stim = nengo.Node([0.5, -0.2])
        a = nengo.Ensemble(40, 2, neuron_type=RELU)
        b = nengo.Ensemble(40, 2, neuron_type=RELU)
        nengo.Connection(stim, a)
        net.config[nengo.Connection(stim, b)].input_channels = 9
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        channels = {
            group.obj: group.n for group in sim.model.graph.inputs
        }
    # on and off channels per dimension
    assert channels[a] == 2 * 2 * sim.model.options.input_channels
    assert channels[b] == 2 * 2 * 9


def test_threshold_option_sets_the_chip_neurons_threshold():
    with nengo.Network(seed=0) as net:
        nengo_truenorth.add_params(net)
        a = nengo.Ensemble(10, 1, neuron_type=RELU)
        b = nengo.Ensemble(10, 1, neuron_type=RELU)
        net.config[b].threshold = 500
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert sim.model.chip_ensembles[b].neuron_type.threshold == 500
        assert (
            sim.model.chip_ensembles[a].neuron_type.threshold
            == sim.model.options.nominal_threshold
        )


def test_on_chip_true_for_a_type_without_a_chip_neuron_is_a_build_error():
    with nengo.Network() as net:
        nengo_truenorth.add_params(net)
        a = nengo.Ensemble(10, 1, neuron_type=nengo.Sigmoid())
        net.config[a].on_chip = True
    with pytest.raises(BuildError, match="on_chip = True") as info:
        nengo_truenorth.Simulator(net, progress_bar=False)
    assert str(info.value).startswith(str(a)) and "Sigmoid" in str(info.value)
    del net.config[a].on_chip  # unset (None): the ensemble runs on the host
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert a in sim.on_host()


# --- options set in subnetworks: Nengo's lookup, the innermost network first --------


def test_on_chip_set_in_a_subnetworks_config_moves_its_ensemble_to_the_host():
    with nengo.Network(seed=0) as net:
        outside = nengo.Ensemble(10, 1)
        with nengo.Network() as sub:
            nengo_truenorth.add_params(sub)
            inside = nengo.Ensemble(10, 1)
            sub.config[inside].on_chip = False
        nengo.Connection(outside, inside)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert sim.on_host() == {inside: "on_chip = False"}


def test_weight_bits_set_in_a_subnetworks_config_reach_the_chip():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(30, 1, neuron_type=RELU)
        b = nengo.Ensemble(30, 1, neuron_type=RELU)
        with nengo.Network() as sub:
            nengo_truenorth.add_params(sub)
            conn = nengo.Connection(a, b)
            sub.config[conn].weight_bits = 2
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert len(sim.model.chip_ensembles[b].group.code.values) == 2


def test_the_innermost_network_setting_an_option_wins():
    with nengo.Network(seed=0) as net:
        nengo_truenorth.add_params(net)
        net.config[nengo.Ensemble].on_chip = False  # a default for every ensemble
        with nengo.Network() as outer:
            nengo_truenorth.add_params(outer)
            outer.config[nengo.Ensemble].on_chip = True  # ... but in here
            with nengo.Network() as inner:  # no options here: the enclosing ones
                chip = nengo.Ensemble(10, 1)
            with nengo.Network() as other:
                nengo_truenorth.add_params(other)
                other.config[nengo.Ensemble].on_chip = False
                host = nengo.Ensemble(10, 1)
                pinned = nengo.Ensemble(10, 1)
            # a setting for the object itself wins over any network's default
            outer.config[pinned].on_chip = True
        top = nengo.Ensemble(10, 1)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert set(sim.on_host()) == {host, top}
        assert {chip, pinned} <= set(sim.model.chip_ensembles)
    assert inner.config.params.get(chip) is None  # looking up adds nothing


# --- learning rules: the post goes to the host, unless pinned to the chip ---------


def learned_network(on_chip=None):
    with nengo.Network(seed=0) as net:
        nengo_truenorth.add_params(net)
        stim = nengo.Node(0.5)
        pre = nengo.Ensemble(40, 1)
        post = nengo.Ensemble(40, 1)
        error = nengo.Ensemble(40, 1)
        nengo.Connection(stim, pre)
        learned = nengo.Connection(pre, post, learning_rule_type=nengo.PES())
        nengo.Connection(post, error)
        nengo.Connection(stim, error, transform=-1)
        nengo.Connection(error, learned.learning_rule)
        probe = nengo.Probe(post, synapse=0.03)
        if on_chip is not None:
            net.config[post].on_chip = on_chip
    return net, pre, post, error, learned, probe


def test_a_learned_connection_moves_its_automatically_placed_post_to_the_host():
    net, _, post, _, learned, probe = learned_network()
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
        reason = sim.on_host()[post]
    assert set(sim.on_host()) == {post}  # pre and error stay on the chip
    assert str(learned) in reason and "PES" in reason
    assert abs(sim.data[probe][-200:].mean() - 0.5) < 0.1  # it learned


def test_a_learned_connection_into_neurons_moves_their_ensemble_too():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(20, 1, neuron_type=RELU)
        b = nengo.Ensemble(20, 1, neuron_type=RELU)
        nengo.Connection(
            a.neurons, b.neurons, transform=np.eye(20), learning_rule_type=nengo.BCM()
        )
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert set(sim.on_host()) == {b}


def test_a_learned_connection_into_a_post_pinned_to_the_chip_names_it_and_remedy():
    net, _, post, _, learned, _ = learned_network(on_chip=True)
    with pytest.raises(BuildError, match="on_chip = True") as info:
        nengo_truenorth.Simulator(net, progress_bar=False)
    message = str(info.value)
    assert message.startswith(str(post)) and str(learned) in message
    assert "set on_chip = False, or leave it unset" in message


# --- refused up front: non-finite transforms and dt ---------------------------------


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_a_non_finite_transform_is_refused_naming_the_connection(bad):
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(20, 2)
        b = nengo.Ensemble(20, 2)
        conn = nengo.Connection(a, b, transform=[[1, 0], [bad, 1]])
    with pytest.raises(BuildError, match=rf"its transform has .*first {bad!r}") as info:
        nengo_truenorth.Simulator(net, progress_bar=False)
    assert str(info.value).startswith(str(conn))
    assert "weight_scale" not in str(info.value)


def test_non_finite_neuron_weights_and_host_transforms_into_the_chip_are_refused():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(5, 1, neuron_type=RELU)
        b = nengo.Ensemble(5, 1, neuron_type=RELU)
        weights = np.eye(5)
        weights[2, 3] = np.inf
        nengo.Connection(a.neurons, b.neurons, transform=weights)
    with pytest.raises(BuildError, match="non-finite values .1 of 25, the first inf"):
        nengo_truenorth.Simulator(net, progress_bar=False)
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(1.0)
        b = nengo.Ensemble(5, 1)
        conn = nengo.Connection(stim, b, transform=np.nan)
    with pytest.raises(BuildError, match=re.escape(f"{conn}: its transform has")):
        nengo_truenorth.Simulator(net, progress_bar=False)


def test_non_finite_decoders_are_refused_naming_the_connection():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(5, 1)
        b = nengo.Ensemble(5, 1)
        values = np.ones((5, 1))
        values[0] = np.nan
        conn = nengo.Connection(a, b, solver=nengo.solvers.NoSolver(values))
    with pytest.raises(BuildError, match=re.escape(f"{conn}: its decoders has")):
        nengo_truenorth.Simulator(net, progress_bar=False)


@pytest.mark.parametrize("dt", [-0.001, 0.0, np.inf, np.nan])
def test_a_dt_that_is_not_positive_and_finite_is_refused_naming_it(dt):
    with nengo.Network() as net:
        nengo.Ensemble(10, 1)
    with pytest.raises(ValidationError, match=rf"Simulator\.dt: {dt!r} is not a"):
        nengo_truenorth.Simulator(net, dt=dt, progress_bar=False)


def test_a_built_nengo_model_runs_on_the_host_whatever_its_dt():
    # network=None: Nengo's own path, where Nengo's tests build with dt = 0
    model = nengo.builder.Model(dt=0)
    with nengo_truenorth.Simulator(None, model=model, progress_bar=False) as sim:
        sim.step()
