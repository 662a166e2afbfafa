"""The passes on small hand-made graphs: no Nengo build, just the IR and a ChipBuild."""

import numpy as np
import pytest
from nengo.exceptions import BuildError

from nengo_truenorth.compiler import compile_graph
from nengo_truenorth.ir import (
    TRINARY,
    DecodedEdge,
    FilteredEdge,
    FloatEdge,
    HostInput,
    InputGroup,
    NeuronGroup,
    channel_weights,
)
from nengo_truenorth.options import BuildOptions
from nengo_truenorth.passes import (
    ChipBuild,
    add_host_inputs,
    lower_decoded_edges,
    lower_filtered_edges,
    run_passes,
)


def group(n, label, **params):
    return NeuronGroup(n, label, params=dict(threshold=64, **params), code=None)


def relu_rates(gain, bias):
    """Rates (spikes per tick times 1 / dt) of rectified neurons at 1-D points."""

    def rates(points):
        return np.clip(points @ gain[None, :] + bias, 0, None)

    return rates


def test_filter_pass_shares_filter_neurons_between_edges_of_one_source():
    state = ChipBuild(dt=0.001)
    graph = state.graph
    src = graph.add_group(group(3, "src"))
    post1 = graph.add_group(group(2, "post1"))
    post2 = graph.add_group(group(2, "post2"))
    w1 = np.array([[1.0, 0, 2.0], [0.5, 0, 0]])  # source neuron 1 unused
    w2 = np.array([[0, 3.0, 1.0], [0, 0, 1.0]])
    graph.defer(FilteredEdge(src, post1, w1, 1, "conn1", "nearest", 0.05))
    graph.defer(FilteredEdge(src, post2, w2, 1, "conn2", "nearest", 0.05))
    lower_filtered_edges(state)
    filters = [g for g in graph.groups if "filters" in g.label]
    # sources 0 and 2 for the first edge, then source 1 for the second
    assert [f.n for f in filters] == [2, 1]
    assert graph.groups == [src, post1, post2, filters[0], filters[1]]
    assert all(f.code is TRINARY for f in filters)
    loops = [e for e in graph.float_edges if e.pre is e.post]
    assert [e.delay for e in loops] == [2, 2]  # each filter's two-tick loop
    into_post1 = [e for e in graph.float_edges if e.post is post1]
    (edge,) = into_post1
    np.testing.assert_array_equal(edge.weights, w1[:, [0, 2]])
    assert len([e for e in graph.float_edges if e.post is post2]) == 2


def test_filter_pass_refuses_a_tau_below_its_two_tick_loop():
    state = ChipBuild(dt=0.001)
    src = state.graph.add_group(group(1, "src"))
    state.graph.defer(FilteredEdge(src, src, [[1.0]], 1, "fast", "nearest", 0.001))
    with pytest.raises(BuildError, match="fast: Lowpass tau = 0.001 s is too short"):
        lower_filtered_edges(state)


def test_decode_pass_builds_one_sign_plane_bank_for_rows_of_one_sign_pattern():
    state = ChipBuild(dt=0.001)
    graph = state.graph
    n = 20
    rng = np.random.RandomState(0)
    gain = rng.uniform(200, 400, n) * np.where(np.arange(n) % 2, 1, -1)
    bias = rng.uniform(0, 100, n)
    pre = graph.add_group(group(n, "pre"))
    post = graph.add_group(group(4, "post"))
    decoders = rng.uniform(-1e-3, 1e-3, (1, n))
    points = np.linspace(-1, 1, 50)[:, None]
    post_map = rng.uniform(-1, 1, (4, 1))
    edge = graph.defer(
        DecodedEdge(
            pre,
            post,
            decoders,
            points,
            relu_rates(gain, bias),
            post_map,
            spike=1.0,
            bits=4,
            delay=1,
            rounding="nearest",
            obj="conn",
        )
    )
    lower_decoded_edges(state)
    graph.check_lowered()
    (bank,) = [g for g in graph.groups if "decode bank" in g.label]
    assert graph.groups == [pre, post, bank]
    assert bank.code is TRINARY and bank.n % 2 == 0
    assert edge.activities is None  # freed once the pre's edges are lowered
    into_bank = [e for e in graph.float_edges if e.post is bank]
    into_post = [e for e in graph.float_edges if e.post is post]
    assert len(into_bank) == 1 and len(into_post) == 1
    # the bank's off neurons mirror its on neurons (one axon per pre neuron)
    on, off = np.split(into_bank[0].weights, 2)
    np.testing.assert_array_equal(on, off)


def test_host_input_pass_adds_the_channels_the_runtime_encodes():
    state = ChipBuild()
    post = state.graph.add_group(group(3, "post"))
    encoders = np.arange(6.0).reshape(3, 2)
    unit = np.array([0.5, 0.25])
    host = HostInput(post, encoders, 2, unit, label="stim", obj="ens")
    state.host_inputs.append(host)
    add_host_inputs(state)
    (inp,) = state.graph.inputs
    assert host.input_group is inp and isinstance(inp, InputGroup)
    assert inp.n == host.n_channels == 2 * 2 * 2
    (edge,) = state.graph.float_edges
    assert edge.delay == 0
    np.testing.assert_array_equal(edge.weights, channel_weights(encoders, unit, 2))


def test_run_passes_then_compile_a_small_graph():
    state = ChipBuild(dt=0.001, options=BuildOptions(weight_bits=3))
    graph = state.graph
    a = graph.add_group(group(4, "a"))
    b = graph.add_group(group(4, "b"))
    graph.add_float_edge(FloatEdge(a, b, np.eye(4) * 20.0))
    state.host_inputs.append(
        HostInput(a, np.ones((4, 1)) * 8.0, 1, np.ones(1), label="in")
    )
    run_passes(state)
    assert {len(g.code.values) for g in graph.groups} == {3}  # the default code
    assert len(graph.edges) == 2 and not graph.float_edges[0] is graph.edges[0]
    chip = compile_graph(graph)
    assert chip.stats()["cores"] >= 1
    assert chip.input_ports[graph.inputs[0]][0].startswith("in0")
