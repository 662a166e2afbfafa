"""The fan-in pass (passes/fan_in.py): inputs beyond a core's axons go through relays.

The tolerances of the end-to-end tests are measured: with these seeds the chip's
decoded values are within the figure given beside each assertion, and
``nengo.Simulator`` on the same network is about as far from the target.
"""

import nengo
import numpy as np
import pytest

import nengo_truenorth
from nengo_truenorth.hardware.limits import AXONS_PER_CORE
from nengo_truenorth.ir import (
    SIXTEEN_LEVELS,
    TRINARY,
    FloatEdge,
    InputGroup,
    NeuronGroup,
    sparse,
)
from nengo_truenorth.passes import ChipBuild
from nengo_truenorth.passes.fan_in import (
    _FanInRewriter,
    merge_proportional_inputs,
    pair_units,
    partial_sum_unit,
    split_fan_in,
)


def relays(sim, kind):
    """The relay groups of a built simulator whose label names ``kind``."""
    return [g for g in sim.model.graph.groups if f" {kind} relay" in g.label]


def constant_vector(d, seed=1, norm=0.7):
    x = np.random.RandomState(seed).uniform(-1, 1, d)
    return x * norm / np.linalg.norm(x)


def channel(d, n_per_dim, x, seed=0):
    """Node -> a -> b, both ``d``-D ensembles of ``n_per_dim * d`` neurons."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(x)
        a = nengo.Ensemble(n_per_dim * d, d)
        b = nengo.Ensemble(n_per_dim * d, d)
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        probes = [nengo.Probe(a, synapse=0.03), nengo.Probe(b, synapse=0.03)]
    return net, a, b, probes


def settled_rms(sim, probe, x, after=0.3):
    """RMS over dimensions of the probe's mean after ``after`` s, against ``x``."""
    value = sim.data[probe][sim.trange() > after].mean(axis=0)
    return float(np.sqrt(np.mean((value - x) ** 2)))


# --- end to end ---------------------------------------------------------------------


def test_groups_that_fit_are_built_without_relays():
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(0.5)
        a = nengo.Ensemble(200, 2)
        b = nengo.Ensemble(200, 2)
        nengo.Connection(stim, a[0])
        nengo.Connection(a, b)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert not [g for g in sim.model.graph.groups if "relay" in g.label]


def test_16d_host_input_and_channel_merge_each_dimension_into_one_relay_pair():
    # 16 x 2 x 4 host channels (512 axons at 16 levels) into a, 13 blocks x 32 decode
    # neurons into b: each dimension's inputs are summed by one relay pair
    x = constant_vector(16)
    net, a, b, (pa, pb) = channel(16, 50, x)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run(0.5)
    sums = relays(sim, "sum")
    assert len(sums) == 32  # 16 dimensions, into a and into b
    assert all(g.n == 2 for g in sums)
    # the host channels of one dimension all carry +-u: trinary relays
    assert sum(g.code is TRINARY for g in sums) == 16
    assert not relays(sim, "partial-sum")
    # measured: a 0.006, b 0.022 (nengo.Simulator: 0.013, 0.020); benchmarks/results/fan_in.json
    assert settled_rms(sim, pa, x) < 0.02
    assert settled_rms(sim, pb, x) < 0.04


def test_64d_channel_adds_per_neuron_partial_sums():
    # after merging, 64 on/off pairs at 4 axons each still need 512 axons per neuron
    x = constant_vector(64)
    net, a, b, (pa, pb) = channel(64, 20, x)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run(0.5)
    partial = relays(sim, "partial-sum")
    assert len(partial) == 4  # two chunks of 32 pairs, into a and into b
    assert all(g.n == 2 * 1280 for g in partial)
    groups = {sim.model.chip_ensembles[e].group for e in (a, b)}
    assert all(g.code is TRINARY for g in groups)  # +-U_j from its own relays
    # measured: a 0.007, b 0.024 (nengo.Simulator: 0.012, 0.019); benchmarks/results/fan_in.json
    assert settled_rms(sim, pa, x) < 0.02
    assert settled_rms(sim, pb, x) < 0.045
    assert sim.compiled.stats()["cores"] < 300  # measured: 170


def test_spa_style_state_builds_and_holds_its_value():
    # a nengo.spa State(16) is an EnsembleArray with one 16-D ensemble of 800
    # neurons; this one also remembers (feedback through a Lowpass)
    x = constant_vector(16, seed=2)
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: x if t < 0.2 else np.zeros(16))
        state = nengo.networks.EnsembleArray(800, n_ensembles=1, ens_dimensions=16)
        nengo.Connection(stim, state.input, synapse=None, transform=0.5)
        nengo.Connection(state.output, state.input, synapse=0.1)
        probe = nengo.Probe(state.output, synapse=0.03)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run(0.4)
    assert relays(sim, "sum")
    held = sim.data[probe][sim.trange() > 0.35].mean(axis=0)
    # an integrator: 0.2 s of 0.5 x through a 0.1 s feedback loop holds about x
    cosine = held @ x / np.linalg.norm(held) / np.linalg.norm(x)
    assert cosine > 0.9, cosine  # measured: 0.98 (nengo.Simulator: 0.96)


def test_nengo_spa_state_with_cortical_action_builds():
    spa = pytest.importorskip("nengo.spa")
    with pytest.warns(Warning):  # nengo.spa is deprecated in Nengo 4
        with spa.SPA() as model:
            model.state = spa.State(16)
            model.cortex = spa.Cortical(spa.Actions("state = A"))
    with nengo_truenorth.Simulator(model, progress_bar=False) as sim:
        sim.run_steps(5)
    assert relays(sim, "sum")


def nef_weights(a, b):
    """``(b.n_neurons, a.n_neurons)`` neuron -> neuron weights that make ``b``
    represent ``a``'s value (Nengo multiplies them by ``b``'s gains)."""
    with nengo.Network(add_to_container=False) as net:
        net.add(a)
        net.add(b)
        conn = nengo.Connection(a, b)
    with nengo.Simulator(net, progress_bar=False) as sim:
        return sim.data[b].encoders / b.radius @ sim.data[conn].weights


def test_neuron_to_neuron_fan_in_beyond_a_core_uses_partial_sums():
    # 400 pre neurons x 4 axons: no core holds one post neuron's inputs; the
    # columns of a rank-2 matrix are not proportional, so nothing merges and each
    # post neuron sums its own relays
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: [np.sin(2 * np.pi * t), np.cos(2 * np.pi * t)])
        a = nengo.Ensemble(400, 2, seed=1)
        b = nengo.Ensemble(200, 2, seed=2)
        nengo.Connection(stim, a)
        nengo.Connection(a.neurons, b.neurons, transform=nef_weights(a, b))
        probe = nengo.Probe(b, synapse=0.03)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    assert not relays(sim, "sum")
    assert len(relays(sim, "partial-sum")) == 7  # 400 inputs, 64 to a chunk
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(1.0)
    rmse = np.sqrt(np.mean((sim.data[probe] - ref.data[probe]) ** 2))
    # measured: 0.058 against nengo.Simulator, for a signal of amplitude 1 (the
    # same network with a decoded a -> b connection, which fits: 0.022)
    assert rmse < 0.08, rmse


# --- the graph rewriting --------------------------------------------------------------


def small_graph(n_post=3, code=SIXTEEN_LEVELS):
    """A build state with one group, and no Nengo build."""
    state = ChipBuild()
    post = state.graph.add_group(
        NeuronGroup(n_post, "post", params={"threshold": 64}, code=code)
    )
    return state, post


def test_proportional_inputs_merge_into_one_relay_pair_with_exact_sum():
    state, post = small_graph()
    inp = state.graph.add_input(InputGroup(5, "in"))
    v = np.array([1.0, -0.5, 2.0])
    weights = np.zeros((3, 5))
    c = np.array([1.0, -2.0, 0.5])
    weights[:, :3] = np.outer(v, c)
    weights[:, 3] = [1.0, 1.0, 1.0]  # not proportional: stays
    state.graph.float_edges.append(FloatEdge(inp, post, weights, 0))
    rewriter = _FanInRewriter(state)
    assert merge_proportional_inputs(rewriter, post) == 1
    rewriter.finish()
    (relay,) = [g for g in state.graph.groups if "relay" in g.label]
    assert state.graph.groups.index(relay) < state.graph.groups.index(post)
    into_relay = [e for e in state.graph.float_edges if e.post is relay]
    into_post = [e for e in state.graph.float_edges if e.post is post]
    (edge_in,) = into_relay
    unit = max(c[c > 0].sum(), -c[c < 0].sum())  # 2.0
    np.testing.assert_allclose(edge_in.weights[0, :3], c * 64 / unit)
    np.testing.assert_allclose(edge_in.weights[1, :3], -c * 64 / unit)
    assert edge_in.delay == 0  # the input's own delay; the relay adds one
    kept = [e for e in into_post if e.pre is inp]
    np.testing.assert_array_equal(kept[0].weights[:, :3], 0)
    np.testing.assert_array_equal(kept[0].weights[:, 3], 1.0)
    (out,) = [e for e in into_post if e.pre is relay]
    np.testing.assert_allclose(out.weights, np.column_stack([unit * v, -unit * v]))
    assert out.delay == 1
    # any input spikes s: what the post receives through an ideal relay pair
    s = np.array([1, 0, 1, 0, 0])
    relay_rates = np.maximum(edge_in.weights @ s / 64, 0)
    np.testing.assert_allclose(out.weights @ relay_rates, weights[:, :3] @ s[:3])


def test_a_class_beyond_one_relay_is_summed_by_a_tree():
    state, post = small_graph(1)
    inp = state.graph.add_input(InputGroup(300, "in"))
    weights = np.where(np.arange(300) % 2 == 0, 1.0, -1.0)[None, :]
    state.graph.float_edges.append(FloatEdge(inp, post, weights, 0))
    rewriter = _FanInRewriter(state)
    merge_proportional_inputs(rewriter, post)
    rewriter.finish()
    sums = [g for g in state.graph.groups if "relay" in g.label]
    # equal |c|: trinary relays of 128 inputs; 3 of them, then one for their sums,
    # whose spikes the three stand for equally (trinary again)
    assert len(sums) == 4
    assert all(g.code is TRINARY for g in sums)
    top_in = [e for e in state.graph.float_edges if e.post in sums and e.pre in sums]
    assert len({abs(w) for e in top_in for w in e.weights[0] if w}) == 1
    (top_edge,) = [e for e in state.graph.float_edges if e.post is post]
    top = top_edge.pre
    feeding_top = [e.pre for e in state.graph.float_edges if e.post is top]
    assert len(feeding_top) == 3 and all(g in sums for g in feeding_top)


def test_split_fan_in_leaves_fitting_groups_untouched():
    state, post = small_graph()
    inp = state.graph.add_input(InputGroup(64, "in"))
    weights = np.random.RandomState(0).uniform(-1, 1, (3, 64))
    edge = FloatEdge(inp, post, weights, 0)
    state.graph.float_edges.append(edge)
    assert split_fan_in(state) == []
    assert state.graph.float_edges == [edge] and state.graph.groups == [post]


def test_split_fan_in_gives_every_neuron_a_fan_in_that_fits():
    state, post = small_graph(4)
    inp = state.graph.add_input(InputGroup(300, "in"))
    weights = np.random.RandomState(0).uniform(-1, 1, (4, 300))
    state.graph.float_edges.append(FloatEdge(inp, post, weights, 0))
    assert split_fan_in(state) == [post]
    assert post.code is TRINARY
    per_neuron = np.zeros(4, dtype=int)
    for e in state.graph.float_edges:
        if e.post is post:
            per_neuron += sparse.row_nnz(e.weights)
    assert (per_neuron * TRINARY.axons_per_input <= AXONS_PER_CORE).all()
    assert per_neuron.tolist() == [10] * 4  # 5 chunks of 64 inputs, on and off


def test_pair_units_finds_on_off_pairs():
    inp = InputGroup(4, "in")
    post = NeuronGroup(2, "post")
    w = np.array([[1.0, 2.0, -1.0, 3.0], [0.5, 1.0, -0.5, 3.0]])
    edge = FloatEdge(inp, post, w, 0)
    items = pair_units([(edge, i) for i in range(4)])
    assert [[i for _, i in item] for item in items] == [[0, 2], [1], [3]]


def test_partial_sum_unit_is_the_norm_of_pairs_plus_the_bound_of_singles():
    pairs = np.array([[3.0, 4.0]])
    singles = np.array([[1.0, 2.0, -4.0]])
    # ||(3, 4)|| = 5; singles: max(1 + 2, 4) = 4
    np.testing.assert_allclose(partial_sum_unit(pairs, singles), [9.0])
