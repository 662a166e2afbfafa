"""The build's estimate and its refusal of models too large to build
(passes/budget.py), and the fan-in pass's work growing linearly in the dimension."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError, ValidationError

import nengo_truenorth
from nengo_truenorth.frontend import Model
from nengo_truenorth.frontend.budget import network_counts
from nengo_truenorth.frontend.host import finish_build
from nengo_truenorth.ir import DecodedEdge, NeuronGroup, sparse
from nengo_truenorth.options import BuildOptions
from nengo_truenorth.passes import (
    LOWERING_PASSES,
    ChipBuild,
    ModelTooLarge,
    estimate_build,
    run_passes,
)
from nengo_truenorth.passes.budget import estimate_counts, fan_in_cores
from nengo_truenorth.passes.discretize import default_weight_codes, discretize_groups
from nengo_truenorth.passes.fan_in import split_fan_in
from nengo_truenorth.passes.host_inputs import add_host_inputs


def wide_pair(dimensions, n_neurons):
    """Two ensembles of ``dimensions`` and a decoded connection between them."""
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(n_neurons, dimensions, label="a")
        b = nengo.Ensemble(n_neurons, dimensions, label="b")
        nengo.Connection(a, b)
    return net, a, b


def front_end(net, **options):
    """The chip build state as the front end leaves it (no pass has run)."""
    model = Model(dt=0.001, seed=1, options=options)
    model.build(net)
    finish_build(model)
    return model.chip


def hand_made_decoded_graph(dimensions, n_neurons, **options):
    """pre -> post through a decoded edge, made by hand (no Nengo build)."""
    state = ChipBuild(options=BuildOptions(**options))
    pre = state.graph.add_group(NeuronGroup(n_neurons, "pre", obj="ens pre"))
    post = state.graph.add_group(NeuronGroup(n_neurons, "post", obj="ens post"))
    edge = DecodedEdge(
        pre,
        post,
        decoders=np.ones((dimensions, n_neurons)),
        sizing_points=np.zeros((1, dimensions)),
        rates=None,
        post_map=np.ones((n_neurons, dimensions)),
        spike=1.0,
        bits=4,
        delay=1,
        rounding="nearest",
        obj="connection pre -> post",
    )
    state.graph.defer(edge)
    return state


def test_a_model_over_max_cores_is_refused_before_any_pass():
    state = hand_made_decoded_graph(5000, 5000)
    groups, edges = list(state.graph.groups), list(state.graph.float_edges)
    with pytest.raises(ModelTooLarge) as info:
        run_passes(state)
    # refused up front: the decoded edge was never lowered
    assert state.graph.groups == groups and state.graph.float_edges == edges
    error = info.value
    assert isinstance(error, BuildError)
    assert error.resource == "cores"
    assert error.limit == BuildOptions().max_cores == 16384
    # a 5,000-D pair of 5,000 neurons: 790,000 decode neurons and 1.6 million
    # relays, and dense decode edges of 8 billion entries
    assert error.estimate > 4 * 4096
    assert estimate_build(state).memory > 100 * 2**30
    assert error.obj == "ens post"  # its 5,000-D inputs' relays need most


def test_the_refusal_names_the_object_the_estimate_and_the_limit():
    net, a, b = wide_pair(64, 256)
    state = front_end(net, max_cores=10)
    estimate = estimate_build(state)
    with pytest.raises(BuildError) as info:
        run_passes(state)
    message = str(info.value)
    worst = estimate.largest()
    assert worst in (a, b) or isinstance(worst, nengo.Connection)
    assert message.startswith(f"{worst}: too large to build")
    assert f"{estimate.cores:,} cores" in message
    assert "BuildOptions.max_cores = 10" in message
    assert "max_cores" in message and "on_chip = False" in message  # the remedies


def test_the_simulator_refuses_and_a_raised_limit_builds():
    net, _, _ = wide_pair(64, 256)
    with pytest.raises(ModelTooLarge, match="max_cores = 10"):
        nengo_truenorth.Simulator(
            net, model=Model(options={"max_cores": 10}), progress_bar=False
        )
    with nengo_truenorth.Simulator(
        net, model=Model(options={"max_cores": 1000}), progress_bar=False
    ) as sim:
        assert sim.resources()["cores"] <= 1000


def test_a_model_over_max_build_memory_is_refused():
    net, _, _ = wide_pair(64, 256)
    state = front_end(net, max_build_memory=1e-6)
    with pytest.raises(ModelTooLarge, match="max_build_memory = 1e-06 GiB") as info:
        run_passes(state)
    assert info.value.resource == "memory"


def test_limits_are_validated():
    with pytest.raises(ValidationError, match="max_cores"):
        BuildOptions(max_cores=0)
    with pytest.raises(ValidationError, match="max_build_memory"):
        BuildOptions(max_build_memory=-1.0)


def chain_1d(n_ensembles=8, n_neurons=100):
    """1-D ensembles, each recurrent and feeding the next (sign-plane banks)."""
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(0.5)
        pre = stim
        for _ in range(n_ensembles):
            ens = nengo.Ensemble(n_neurons, 1)
            nengo.Connection(pre, ens, synapse=0.05)
            nengo.Connection(ens, ens, synapse=0.05)
            pre = ens
    return net


@pytest.mark.parametrize(
    "make", [lambda: wide_pair(64, 256)[0], chain_1d], ids=["classic", "banks"]
)
def test_estimate_is_near_the_compiled_cores(make):
    net = make()
    estimate = estimate_build(front_end(net))
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        cores = sim.resources()["cores"]
    assert cores / 2 <= estimate.cores <= 2 * cores


def test_fan_in_cores_splits_as_the_pass_does():
    # 32 units at 4 axons fit one core's axons: the neurons share them
    assert fan_in_cores(200, 32, 4) == (200 / 256, 0, 0)
    # 128 units at 4 axons: two chunks of 2 n relays (a core each), then each
    # neuron takes its own 4 relays: 64 neurons a core
    cores, relays, entries = fan_in_cores(100, 128, 4)
    assert relays == 2 * 100 * 2
    assert entries == 2 * 100 * 128
    assert cores == 2 + 100 / 64


def fan_in_work(dimensions, n_neurons):
    """Entries stored by the edges that the fan-in pass makes, their nonzero
    entries, and entries stored by the integer edges after discretization."""
    state = front_end(wide_pair(dimensions, n_neurons)[0])
    for run in LOWERING_PASSES + (add_host_inputs, default_weight_codes):
        run(state)
    before = {id(e) for e in state.graph.float_edges}
    split_fan_in(state)
    made = [e.weights for e in state.graph.float_edges if id(e) not in before]
    discretize_groups(state)

    def stored(ms):
        return sum(m.nnz if sparse.issparse(m) else sparse.size(m) for m in ms)

    nonzero = sum(int(sparse.row_nnz(m).sum()) for m in made)
    return stored(made), nonzero, stored([e.levels for e in state.graph.edges])


def test_fan_in_work_grows_linearly_in_the_dimension():
    # at a fixed number of neurons, the weights grow linearly in the dimension;
    # the relays' edges were dense (2, decode neurons) per dimension and block,
    # which grew as its square (64 -> 128-D: 3.0x the entries, integer edges 2.8x)
    small, small_nonzero, small_levels = fan_in_work(64, 256)
    large, large_nonzero, large_levels = fan_in_work(128, 256)
    assert small == small_nonzero and large == large_nonzero  # nothing stored empty
    assert large <= 2.2 * small
    assert large_levels <= 2.2 * small_levels


def test_the_simulator_refuses_a_wide_pair_before_nengo_s_build(monkeypatch):
    net, _, b = wide_pair(5000, 5000)

    def never(*args, **kwargs):
        raise AssertionError("Nengo's build ran")

    monkeypatch.setattr(Model, "build", never)
    with pytest.raises(ModelTooLarge) as info:
        nengo_truenorth.Simulator(net, progress_bar=False)
    assert str(info.value).startswith(f"{b}: too large to build")
    assert info.value.obj is b and info.value.estimate > info.value.limit


def test_the_network_counts_give_the_graph_s_estimate():
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(np.zeros(64))
        a = nengo.Ensemble(256, 64)
        b = nengo.Ensemble(256, 64)
        c = nengo.Ensemble(100, 1)
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        nengo.Connection(b.neurons, c.neurons, transform=np.ones((100, 256)))
    model = Model(dt=0.001, seed=1)
    before = estimate_counts(network_counts(model, net))
    after = estimate_build(front_end(net))
    assert before.cores == after.cores and before.neurons == after.neurons
    assert before.by_object.keys() >= {a, b, c}


def test_host_ensembles_do_not_count():
    net, a, b = wide_pair(5000, 5000)
    nengo_truenorth.add_params(net)
    net.config[a].on_chip = net.config[b].on_chip = False
    estimate = estimate_counts(network_counts(Model(), net))
    assert estimate.cores == 0


@pytest.mark.parametrize("form", ["indices", "scipy"])
def test_the_network_counts_read_a_sparse_transform_s_rows(form):
    import scipy.sparse

    indices = np.array([[0, 0], [0, 3], [0, 5], [1, 2]])
    data = np.ones(4)
    init = (
        scipy.sparse.csr_matrix((data, indices.T), shape=(2, 10))
        if form == "scipy"
        else indices
    )
    with nengo.Network() as net:
        a = nengo.Ensemble(10, 1)
        b = nengo.Ensemble(2, 1)
        transform = (
            nengo.Sparse((2, 10), init=init)
            if form == "scipy"
            else nengo.Sparse((2, 10), indices=init, init=data)
        )
        conn = nengo.Connection(a.neurons, b.neurons, transform=transform)
    counts = network_counts(Model(), net)
    (units,) = [u for obj, _, u, _ in counts.inputs if obj is conn]
    assert units == 3  # the fullest row's inputs


def test_currents_into_neurons_count_one_channel_pair_per_neuron():
    # each neuron takes its own current from the host, not all of them: 16,000
    # neurons fit about as many cores as their own count asks for
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(np.zeros(8))
        ens = nengo.Ensemble(16000, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(stim, ens.neurons, transform=np.ones((16000, 8)))
    before = estimate_counts(network_counts(Model(dt=0.001, seed=1), net))
    after = estimate_build(front_end(net))
    assert before.cores == after.cores and before.neurons == after.neurons
    assert after.cores < 2 * 16000 / 256 * 10  # not the 139,099 of every current


@pytest.mark.parametrize("transform", [0.5, np.linspace(0.1, 1, 16000)])
def test_elementwise_transforms_between_neurons_count_one_input_per_neuron(transform):
    with nengo.Network(seed=0) as net:
        neuron_type = nengo.SpikingRectifiedLinear()
        a = nengo.Ensemble(16000, 1, neuron_type=neuron_type)
        b = nengo.Ensemble(16000, 1, neuron_type=neuron_type)
        nengo.Connection(a.neurons, b.neurons, transform=transform)
    before = estimate_counts(network_counts(Model(dt=0.001, seed=1), net))
    after = estimate_build(front_end(net))
    assert before.cores == after.cores and before.neurons == after.neurons
    assert after.cores < 10 * 16000 / 256  # not 69,660 (16,000 inputs per neuron)
