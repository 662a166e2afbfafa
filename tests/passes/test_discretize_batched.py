"""The discretization pass's vectorized rounding (round_groups) against its readable
reference, round_group one group at a time."""

import numpy as np
import pytest

from nengo_truenorth.ir import (
    SIXTEEN_LEVELS,
    TRINARY,
    FloatEdge,
    InputGroup,
    NeuronGroup,
    WeightCode,
    sparse,
    weight_code,
)
from nengo_truenorth.passes import ChipBuild, discretize
from nengo_truenorth.passes.discretize import round_group, round_groups

#: levels 0, 1, 4, 5 and their negatives' gaps: not every integer in lo..hi
GAPPY = WeightCode((1, 4), "gappy")


def mixed_graph(seed=0):
    """Groups of every kind the pass meets: four codes, dense and sparse edges,
    nearest and stochastic rounding, resizable edges (by magnitude), an integer
    group, a group without inputs."""
    rng = np.random.RandomState(seed)
    state = ChipBuild()
    inp = state.graph.add_input(InputGroup(30, "in"))
    edges_into = {}
    groups = []
    for k, code in enumerate([SIXTEEN_LEVELS, TRINARY, GAPPY, weight_code(2)]):
        n = 5 + k
        group = NeuronGroup(n, f"g{k}", params={"threshold": 64 + k}, code=code)
        state.graph.add_group(group)
        state.group_bias[group] = rng.uniform(-2, 2, n)
        edges = []
        for j, rounding in enumerate(["nearest", "stochastic", "stochastic"]):
            w = rng.uniform(-3, 3, (n, inp.n)) * (rng.rand(n, inp.n) < 0.4)
            if j == 2:
                w = sparse.csr(w)
            edges.append(FloatEdge(inp, group, w, 1, f"conn {k}.{j}", rounding))
        # the host's currents into neurons: one size per neuron, on and off
        size = rng.uniform(0.1, 2, (n, 1))
        host = np.hstack([np.eye(n), -np.eye(n)]) * size
        host_in = state.graph.add_input(InputGroup(2 * n, f"host {k}"))
        edges.append(FloatEdge(host_in, group, host, 0, f"host {k}", resizable=True))
        edges_into[group] = edges
        groups.append(group)
    # exact integers (a trained integer layer): kept as they are
    exact = NeuronGroup(4, "exact", params={"threshold": 12}, code=SIXTEEN_LEVELS)
    state.graph.add_group(exact)
    state.group_bias[exact] = np.array([1.0, -2.0, 0.0, 3.0])
    w = rng.randint(-7, 8, (4, inp.n)) * 2.0
    edges_into[exact] = [FloatEdge(inp, exact, w, 1, "integer conn")]
    groups.append(exact)
    # no inputs at all
    lonely = NeuronGroup(3, "lonely", params={"threshold": 64}, code=TRINARY)
    state.graph.add_group(lonely)
    groups.append(lonely)
    return state, groups, edges_into


def assert_same(fast, reference):
    levels, *numbers = fast
    ref_levels, *ref_numbers = reference
    for a, b in zip(numbers, ref_numbers):
        np.testing.assert_array_equal(a, b)
    assert len(levels) == len(ref_levels)
    for q, ref in zip(levels, ref_levels):
        assert sparse.issparse(q) == sparse.issparse(ref)
        np.testing.assert_array_equal(sparse.to_dense(q), sparse.to_dense(ref))
        assert np.asarray(sparse.values(q)).dtype == np.int64


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_round_groups_gives_round_group_s_integers_and_draws(seed):
    state, groups, edges_into = mixed_graph(seed)
    rng_fast, rng_ref = np.random.RandomState(seed), np.random.RandomState(seed)
    fast = round_groups(state, groups, edges_into, rng_fast)
    for group, got in zip(groups, fast):
        assert_same(got, round_group(state, group, edges_into.get(group, []), rng_ref))
    # the generator ends where the reference's does: later groups draw the same
    assert rng_fast.random_sample() == rng_ref.random_sample()


def test_the_integer_group_keeps_its_numbers():
    state, groups, edges_into = mixed_graph()
    levels, weight_scale, leak, alpha, scale = round_groups(
        state, groups, edges_into, np.random.RandomState(0)
    )[-2]
    np.testing.assert_array_equal(scale, 1.0)
    np.testing.assert_array_equal(alpha, 12)
    np.testing.assert_array_equal(leak, [1, -2, 0, 3])
    w = edges_into[groups[-2]][0].weights
    np.testing.assert_array_equal(levels[0] * weight_scale[:, None], w)


@pytest.mark.parametrize(
    "batch, large", [(1, 1 << 16), (1, 1)], ids=["one-group-batches", "all-reference"]
)
def test_discretize_groups_builds_the_same_edges_in_any_batches(
    batch, large, monkeypatch
):
    def build(batch, large):
        state, _, edges_into = mixed_graph(3)
        state.graph.float_edges = [e for es in edges_into.values() for e in es]
        state.seed = 5
        monkeypatch.setattr(discretize, "BATCH_WEIGHTS", batch)
        monkeypatch.setattr(discretize, "LARGE_GROUP", large)
        discretize.discretize_groups(state)
        return state

    whole, other = build(1 << 22, 1 << 22), build(batch, large)
    assert len(whole.graph.edges) == len(other.graph.edges)
    for a, b in zip(whole.graph.edges, other.graph.edges):
        np.testing.assert_array_equal(
            sparse.to_dense(a.levels), sparse.to_dense(b.levels)
        )
    for g, h in zip(whole.graph.groups, other.graph.groups):
        np.testing.assert_array_equal(g.weight_scale, h.weight_scale)
        np.testing.assert_array_equal(g.params["threshold"], h.params["threshold"])
    assert whole.weight_errors.keys() == other.weight_errors.keys()
    for obj, (error, target) in whole.weight_errors.items():
        np.testing.assert_allclose(
            other.weight_errors[obj], [error, target], atol=1e-30
        )
    # resizable edges: the same factors either way, and no error once resized;
    # not resized where the code cannot write both signs (GAPPY: 0, 1, 4, 5)
    for a, b in zip(whole.graph.float_edges, other.graph.float_edges):
        resized = a.resizable and a.post.code is not GAPPY
        assert (a.resized is not None) == resized
        if resized:
            np.testing.assert_array_equal(a.resized, b.resized)
            assert whole.weight_errors[a.obj][0] < 1e-20
