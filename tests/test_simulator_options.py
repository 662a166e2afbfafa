"""Per-object options (``nengo_truenorth.add_params``) change what reaches the chip."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError

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
