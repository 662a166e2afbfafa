"""The compiler from chip graphs to chip models: exact spikes, packing, splitters,
placement, and a named error for everything that cannot fit."""

import io

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError

from nengo_truenorth.compiler import SPLITTER, CoreFitError, compile_graph
from nengo_truenorth.compiler import compile as compile_module
from nengo_truenorth.compiler.placement import curve_xy, hilbert_xy, spike_hops
from nengo_truenorth.ir import (
    SIXTEEN_LEVELS,
    TRINARY,
    UNIT,
    ChipGraph,
    Edge,
    InputGroup,
    NeuronGroup,
    weight_code,
)
from nengo_truenorth.ir.simulate import simulate_graph
from nengo_truenorth.emulator import FastEmulator, ReferenceEmulator
from nengo_truenorth.files import dumps_model, load_model, loads_model, save_model
from nengo_truenorth.hardware.limits import (
    AXONS_PER_CORE,
    CHIP_SIZE,
    CORES_PER_CHIP,
    NEURONS_PER_CORE,
)

CODES = (SIXTEEN_LEVELS, TRINARY, UNIT, weight_code(3))


# --- helpers ---------------------------------------------------------------------


def random_levels(rng, code, n_post, n_pre, max_inputs):
    """Sparse levels: each post neuron gets up to ``max_inputs`` nonzero levels."""
    levels = np.zeros((n_post, n_pre), dtype=np.int64)
    nonzero = code.levels[code.levels != 0]
    for j in range(n_post):
        k = int(rng.integers(0, min(max_inputs, n_pre) + 1))
        cols = rng.choice(n_pre, k, replace=False)
        levels[j, cols] = rng.choice(nonzero, k)
    return levels


def random_params(rng, n):
    return {
        "threshold": rng.integers(1, 30, n),
        "leak": rng.integers(-2, 3, n),
        "leak_reversal": rng.integers(0, 2, n),
        "negative_threshold": rng.integers(0, 40, n),
        "reset_potential": rng.integers(-5, 6, n),
        "reset_mode": rng.integers(0, 3, n),
        "negative_saturation": rng.integers(0, 2, n),
        "initial_potential": rng.integers(-10, 20, n),
    }


def random_graph(rng, n_groups=5, max_n=300, n_inputs=2, max_inputs=12):
    """Several groups and input groups with sparse, recurrent, delayed edges.

    Each neuron takes at most ``max_inputs`` inputs per edge and at most 3 edges, so
    its fan-in always fits one core (3 * 12 * 4 <= 256 axons).
    """
    graph = ChipGraph()
    inputs = [
        graph.add_input(InputGroup(int(rng.integers(1, 24)), f"in{k}"))
        for k in range(n_inputs)
    ]
    groups = []
    for k in range(n_groups):
        n = int(rng.integers(1, max_n))
        code = CODES[k % len(CODES)]
        groups.append(
            graph.add_group(
                NeuronGroup(
                    n,
                    f"g{k}",
                    params=random_params(rng, n),
                    code=code,
                    weight_scale=rng.integers(1, 4, n),
                    to_host=rng.random(n) < 0.3,
                )
            )
        )
    units = inputs + groups
    for post in groups:
        for _ in range(int(rng.integers(1, 4))):
            pre = units[int(rng.integers(len(units)))]
            levels = random_levels(rng, post.code, post.n, pre.n, max_inputs)
            graph.add_edge(Edge(pre, post, levels, delay=int(rng.integers(1, 16))))
    return graph


def input_raster(rng, graph, ticks, rate=0.2):
    return {g: rng.random((ticks, g.n)) < rate for g in graph.inputs}


def run_on_chip(chip, ticks, inputs, emulator=FastEmulator):
    """Spikes and potentials of every group neuron (from probes), and the
    output-port spikes."""
    em = emulator(chip.model)
    probes = {}
    for group, loc in chip.neuron_location.items():
        probes[group] = [
            (
                sel,
                em.probe(int(c), loc[sel, 1]),
                em.probe(int(c), loc[sel, 1], "voltage"),
            )
            for c in np.unique(loc[:, 0])
            for sel in [np.flatnonzero(loc[:, 0] == c)]
        ]
    out = em.run(ticks, chip.input_spikes(inputs))
    spikes, voltages = {}, {}
    for group, parts in probes.items():
        spikes[group] = np.zeros((ticks, group.n), dtype=bool)
        voltages[group] = np.zeros((ticks, group.n), dtype=np.int64)
        for sel, spike_probe, voltage_probe in parts:
            spikes[group][:, sel] = spike_probe.data
            voltages[group][:, sel] = voltage_probe.data
    return spikes, voltages, out


def assert_chip_matches_graph(graph, chip, ticks, inputs, emulator=FastEmulator):
    want, want_v = simulate_graph(graph, ticks, inputs, chip.edge_delay, voltages=True)
    got, got_v, out = run_on_chip(chip, ticks, inputs, emulator)
    for group in graph.groups:
        assert np.array_equal(got[group], want[group]), group
        assert np.array_equal(got_v[group], want_v[group]), group
    for group, (port, index) in chip.output_ports.items():
        t, k = np.nonzero(want[group][:, index >= 0])
        assert np.array_equal(out[port], np.column_stack([t, k])), port
    return want


def simple_group(n, label="g", code=UNIT, **params):
    params.setdefault("threshold", 1)
    return NeuronGroup(n, label, params=params, code=code)


# --- exact spikes ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_spike_on_the_chip_exactly_as_simulated(seed):
    rng = np.random.default_rng(seed)
    graph = random_graph(rng)
    chip = compile_graph(graph, seed=seed)
    want = assert_chip_matches_graph(graph, chip, 200, input_raster(rng, graph, 200))
    # the comparison means something: neurons both spike and stay silent
    total = sum(s.sum() for s in want.values())
    assert 0 < total < sum(s.size for s in want.values())


def test_reference_emulator_agrees_on_a_small_compiled_graph():
    rng = np.random.default_rng(7)
    graph = random_graph(rng, n_groups=3, max_n=40, n_inputs=1)
    chip = compile_graph(graph)
    assert_chip_matches_graph(
        graph, chip, 40, input_raster(rng, graph, 40), emulator=ReferenceEmulator
    )


def test_two_edges_from_one_pre_with_one_delay_get_separate_axons():
    # 7 + 7 = 14 is no 16-level level: the edges must not share axons
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(3, "stim"))
    post = graph.add_group(simple_group(2, code=SIXTEEN_LEVELS, threshold=20))
    for _ in range(2):
        graph.add_edge(Edge(stim, post, np.full((2, 3), 7), delay=2))
    chip = compile_graph(graph)
    assert chip.stats()["axons_per_core"][0] == 2 * 3 * 3  # 7 = 1 + 2 + 4
    rng = np.random.default_rng(1)
    want = assert_chip_matches_graph(graph, chip, 50, input_raster(rng, graph, 50))
    assert want[post].any()


# --- packing ---------------------------------------------------------------------


def test_small_groups_share_one_core():
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(4, "stim"))
    a = graph.add_group(simple_group(100, "a", code=TRINARY))
    b = graph.add_group(simple_group(100, "b", code=TRINARY))
    rng = np.random.default_rng(0)
    graph.add_edge(Edge(stim, a, rng.integers(-1, 2, (100, 4))))
    graph.add_edge(Edge(stim, b, rng.integers(-1, 2, (100, 4))))
    chip = compile_graph(graph)
    assert chip.stats()["cores"] == 1
    assert chip.core_groups[0] == [a, b]
    assert chip.core_owner[0] is a
    assert chip.neuron_location[b][:, 1].tolist() == list(range(100, 200))


def test_groups_on_one_core_share_the_axons_of_a_common_input():
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(10, "stim"))
    a = graph.add_group(simple_group(50, "a", code=SIXTEEN_LEVELS))
    b = graph.add_group(simple_group(50, "b", code=SIXTEEN_LEVELS))
    graph.add_edge(Edge(stim, a, np.full((50, 10), -1)))  # -1 uses all four types
    graph.add_edge(Edge(stim, b, np.full((50, 10), -1)))
    chip = compile_graph(graph)
    assert chip.stats()["cores"] == 1
    assert chip.stats()["axons_per_core"].tolist() == [40]
    # each channel drives its 4 axons once, for both groups
    port, indices = chip.input_ports[stim]
    assert [idx.size for idx in indices] == [4] * 10


def test_a_group_joins_the_core_that_already_reads_its_inputs():
    # x fills most of one core; y, on inputs of its own, opens a second; z reads
    # y's inputs: it fits either core, and joins y's, where they share axons
    graph = ChipGraph()
    a = graph.add_input(InputGroup(8, "a"))
    b = graph.add_input(InputGroup(8, "b"))
    x = graph.add_group(simple_group(200, "x"))
    y = graph.add_group(simple_group(150, "y"))
    z = graph.add_group(simple_group(50, "z"))
    graph.add_edge(Edge(a, x, np.ones((200, 8), dtype=np.int64)))
    graph.add_edge(Edge(b, y, np.ones((150, 8), dtype=np.int64)))
    graph.add_edge(Edge(b, z, np.ones((50, 8), dtype=np.int64)))
    chip = compile_graph(graph)
    core_of = {g: set(chip.neuron_location[g][:, 0].tolist()) for g in (x, y, z)}
    assert core_of[x] != core_of[y] and core_of[z] == core_of[y]
    assert chip.stats()["axons_per_core"].tolist() == [8, 8]


def test_group_larger_than_a_core_spans_contiguous_cores():
    graph = ChipGraph()
    g = graph.add_group(simple_group(600, "big"))
    chip = compile_graph(graph)
    assert chip.stats()["cores"] == 3
    loc = chip.neuron_location[g]
    assert loc[:, 0].tolist() == [0] * 256 + [1] * 256 + [2] * 88
    assert loc[:, 1].tolist() == list(range(256)) * 2 + list(range(88))


def test_axon_limit_spreads_a_group_over_cores():
    # each neuron has its own 64 inputs with all four 16-level axons: 256 axons each
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(64 * 5, "stim"))
    g = graph.add_group(simple_group(5, code=SIXTEEN_LEVELS))
    levels = np.kron(np.eye(5, dtype=np.int64), np.full((1, 64), -1))
    graph.add_edge(Edge(stim, g, levels))
    chip = compile_graph(graph)
    assert chip.stats()["cores"] == 5
    assert chip.stats()["axons_per_core"].tolist() == [AXONS_PER_CORE] * 5


def test_fan_in_beyond_one_core_raises_core_fit_error_naming_the_ensemble():
    with nengo.Network():
        ens = nengo.Ensemble(3, 1, label="wide")
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(65, "stim"))
    g = graph.add_group(NeuronGroup(3, "wide", code=SIXTEEN_LEVELS, obj=ens))
    levels = np.zeros((3, 65), dtype=np.int64)
    levels[1] = -1  # neuron 1: 65 inputs x 4 axons = 260 > 256
    graph.add_edge(Edge(stim, g, levels))
    with pytest.raises(CoreFitError) as info:
        compile_graph(graph)
    err = info.value
    assert isinstance(err, BuildError)
    message = str(err)
    assert message.startswith(str(ens))
    for part in (
        "neuron 1",
        "65 inputs",
        "260 axons",
        "256",
        "at most 64 inputs",
        "lower the weight bits",
        "split the fan-in",
    ):
        assert part in message, part
    assert (err.resource, err.used, err.limit, err.obj) == ("axons", 260, 256, ens)


def test_fan_in_error_names_the_group_label_without_a_nengo_object():
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(129, "stim"))
    g = graph.add_group(NeuronGroup(1, "my-group", code=TRINARY))
    graph.add_edge(Edge(stim, g, np.ones((1, 129), dtype=np.int64)))
    graph.add_edge(Edge(stim, g, -np.ones((1, 129), dtype=np.int64)))
    with pytest.raises(CoreFitError, match=r"^my-group: neuron 0.* at most 128 inputs"):
        compile_graph(graph)


# --- fan-out and delays ----------------------------------------------------------


def fan_out_graph(delay, n_pre=4):
    """``n_pre`` neurons that each reach two groups on two cores."""
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(n_pre, "stim"))
    pre = graph.add_group(simple_group(n_pre, "pre"))
    graph.add_edge(Edge(stim, pre, np.eye(n_pre, dtype=np.int64)))
    posts = []
    for k in range(2):
        post = graph.add_group(simple_group(200, f"post{k}", threshold=2))
        graph.add_edge(Edge(pre, post, np.ones((200, n_pre), dtype=np.int64), delay))
        posts.append(post)
    return graph, stim, pre, posts


def test_fan_out_goes_through_splitters_and_keeps_the_requested_delay():
    graph, stim, pre, posts = fan_out_graph(delay=5)
    chip = compile_graph(graph, copies=False)
    assert chip.stats()["splitter_neurons"] == 4 * 2
    assert chip.stats()["splitter_cores"] == 1
    assert [chip.edge_delay[e] for e in graph.edges[1:]] == [5, 5]
    splitter = next(c for c, o in chip.core_owner.items() if o == SPLITTER)
    core = chip.model.core_by_id(int(chip.neuron_location[pre][0, 0]))
    assert set(core.target_core[:4].tolist()) == {splitter}
    assert core.target_delay[:4].tolist() == [1] * 4
    split_core = chip.model.core_by_id(splitter)
    assert sorted(split_core.target_delay[:8].tolist()) == [4] * 8
    rng = np.random.default_rng(2)
    want = assert_chip_matches_graph(graph, chip, 60, input_raster(rng, graph, 60, 0.5))
    assert want[posts[0]].any()


def test_fan_out_with_delay_one_is_realized_one_tick_later():
    graph, _, _, _ = fan_out_graph(delay=1)
    chip = compile_graph(graph, copies=False)
    assert [chip.edge_delay[e] for e in graph.edges] == [0, 2, 2]
    rng = np.random.default_rng(3)
    assert_chip_matches_graph(graph, chip, 60, input_raster(rng, graph, 60, 0.5))


@pytest.mark.parametrize("delay", [1, 5])
def test_copies_of_neurons_replace_splitters_without_a_tick_more(delay):
    graph, _, pre, posts = fan_out_graph(delay=delay)
    chip = compile_graph(graph)
    stats = chip.stats()
    # each pre neuron reaches two cores: one copy each, beside it on its core
    assert stats["copy_neurons"] == 4
    assert stats["splitter_neurons"] == 0 and stats["splitter_cores"] == 0
    assert [chip.edge_delay[e] for e in graph.edges] == [0, delay, delay]
    c, j = chip.neuron_location[pre][0]
    core = chip.model.core_by_id(int(c))
    # the copy reads the same axons as its original (so fires with it)
    same = (core.crossbar == core.crossbar[:, [j]]).all(axis=0)
    assert np.count_nonzero(same) == 2
    rng = np.random.default_rng(3)
    want = assert_chip_matches_graph(
        graph, chip, 60, input_raster(rng, graph, 60, 0.5)
    )
    assert want[posts[0]].any()


def test_stats_count_splitters_copies_and_cores_per_object():
    graph, _, pre, posts = fan_out_graph(delay=1)
    split = compile_graph(graph, copies=False).stats()["by_object"]
    # pre's four neurons each reach two cores: a splitter per target, on a core of
    # its own; pre and post0 share a core, which the first of them owns
    assert split["pre"] == {"cores": 2, "neurons": {"neurons": 4, "splitters": 8}}
    assert split["post0"] == {"cores": 0, "neurons": {"neurons": 200}}
    copied = compile_graph(graph).stats()["by_object"]
    assert copied["pre"]["neurons"] == {"neurons": 4, "copies": 4}
    total = sum(sum(row["neurons"].values()) for row in copied.values())
    assert total == compile_graph(graph).stats()["neurons"]


def test_neurons_with_random_draws_are_not_copied():
    graph, _, pre, _ = fan_out_graph(delay=1)
    pre.params["threshold_mask_bits"] = 2  # a copy would draw other numbers
    chip = compile_graph(graph)
    assert chip.stats()["copy_neurons"] == 0
    assert chip.stats()["splitter_neurons"] == 8


def test_copies_beside_random_neurons_leave_their_draws_as_they_were():
    graph, stim, pre, posts = fan_out_graph(delay=1)
    noisy = graph.add_group(simple_group(4, "noisy", threshold=2))
    noisy.params["threshold_mask_bits"] = 2
    graph.add_edge(Edge(stim, noisy, np.eye(4, dtype=np.int64)))
    graph.add_edge(Edge(noisy, posts[0], np.ones((200, 4), dtype=np.int64), 1))
    chip = compile_graph(graph, seed=3)
    # pre's four neurons share a core with the random ones, and are copied there
    cores = chip.neuron_location
    assert set(cores[pre][:, 0]) == set(cores[noisy][:, 0])
    assert chip.stats()["copy_neurons"] == 4
    split = compile_graph(graph, seed=3, copies=False)
    rng = np.random.default_rng(4)
    inputs = input_raster(rng, graph, 80, 0.5)
    got, got_v, _ = run_on_chip(chip, 80, inputs, ReferenceEmulator)
    want, want_v, _ = run_on_chip(split, 80, inputs, ReferenceEmulator)
    assert got[noisy].any() and not got[noisy].all()
    np.testing.assert_array_equal(got[noisy], want[noisy])
    np.testing.assert_array_equal(got_v[noisy], want_v[noisy])


def test_copies_need_free_neurons_on_the_core():
    graph, _, pre, _ = fan_out_graph(delay=1, n_pre=256)
    chip = compile_graph(graph)
    assert chip.stats()["copy_neurons"] == 0
    assert chip.stats()["splitter_neurons"] == 2 * 256


@pytest.mark.parametrize("delay", [5, 40])
def test_fan_out_beyond_256_targets_uses_a_two_stage_tree(delay):
    # 150 edges from one neuron into each of two neurons: one axon per edge, and
    # the two codes keep the groups from sharing axons, so 300 targets
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(1, "stim"))
    pre = graph.add_group(simple_group(1, "pre"))
    graph.add_edge(Edge(stim, pre, np.ones((1, 1), dtype=np.int64)))
    posts = [
        graph.add_group(simple_group(1, f"post{k}", code=code, threshold=150))
        for k, code in enumerate((UNIT, TRINARY))
    ]
    for k in range(300):
        graph.add_edge(Edge(pre, posts[k % 2], np.ones((1, 1), dtype=np.int64), delay))
    chip = compile_graph(graph)
    assert chip.stats()["splitter_stages"] == 2
    assert chip.stats()["splitter_neurons"] == 300 + 2
    assert {chip.edge_delay[e] for e in graph.edges[1:]} == {delay}
    raster = {stim: np.zeros((60, 1), dtype=bool)}
    raster[stim][[1, 3, 4, 10]] = True
    want = assert_chip_matches_graph(graph, chip, 60, raster)
    # the input reaches pre at once; pre's spike reaches post `delay` ticks later
    expected = [t + delay for t in (1, 3, 4, 10)]
    assert np.flatnonzero(want[posts[0]][:, 0]).tolist() == expected


def test_delay_longer_than_one_hop_goes_through_a_relay():
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(1, "stim"))
    pre = graph.add_group(simple_group(1, "pre"))
    post = graph.add_group(simple_group(1, "post"))
    graph.add_edge(Edge(stim, pre, np.ones((1, 1), dtype=np.int64)))
    graph.add_edge(Edge(pre, post, np.ones((1, 1), dtype=np.int64), delay=27))
    chip = compile_graph(graph)
    assert chip.edge_delay[graph.edges[1]] == 27
    assert chip.stats()["splitter_neurons"] == 1
    raster = {stim: np.zeros((40, 1), dtype=bool)}
    raster[stim][2] = True
    want = assert_chip_matches_graph(graph, chip, 40, raster)
    assert np.flatnonzero(want[post][:, 0]).tolist() == [2 + 27]


def test_delays_too_far_apart_for_one_splitter_tree_raise_core_fit_error():
    graph = ChipGraph()
    pre = graph.add_group(simple_group(1, "pre"))
    post = graph.add_group(simple_group(1, "post"))
    graph.add_edge(Edge(pre, post, np.ones((1, 1), dtype=np.int64), delay=2))
    graph.add_edge(Edge(pre, post, np.ones((1, 1), dtype=np.int64), delay=40))
    with pytest.raises(
        CoreFitError, match=r"^pre: neuron 0.*delays 2\.\.40.*limit is 14.*15 ticks"
    ):
        compile_graph(graph)


def test_input_channels_fan_out_through_port_indices_without_splitters():
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(2, "stim"))
    g = graph.add_group(simple_group(600, code=TRINARY))
    graph.add_edge(Edge(stim, g, np.tile([[1, -1]], (600, 1)), delay=4))
    chip = compile_graph(graph)
    assert chip.stats()["splitter_neurons"] == 0
    assert chip.edge_delay[graph.edges[0]] == 0
    port, indices = chip.input_ports[stim]
    # channel 0 reaches axon type 0 on three cores, channel 1 type 1
    assert [idx.size for idx in indices] == [3, 3]
    entries = chip.model.inputs[port]
    for i, idx in enumerate(indices):
        for k in idx:
            core_id, axon = entries[k]
            assert chip.model.core_by_id(core_id).axon_types[axon] == i
    edge_ports = chip.input_edge_ports[graph.edges[0]]
    assert [p.tolist() for p in edge_ports] == [p.tolist() for p in indices]


# --- placement -------------------------------------------------------------------


def test_hilbert_curve_visits_every_core_of_a_chip_once_by_neighbour_steps():
    x, y = hilbert_xy(np.arange(CORES_PER_CHIP))
    assert len(set(zip(x.tolist(), y.tolist(), strict=True))) == CORES_PER_CHIP
    assert (np.abs(np.diff(x)) + np.abs(np.diff(y)) == 1).all()
    assert (x[0], y[0], x[-1], y[-1]) == (0, 0, CHIP_SIZE - 1, 0)


def chain_graph(n_groups, seed=0):
    """Groups of 256 neurons, each fed by 64 neurons of the one before."""
    rng = np.random.default_rng(seed)
    graph = ChipGraph()
    pre = graph.add_input(InputGroup(64, "stim"))
    for k in range(n_groups):
        g = graph.add_group(simple_group(256, f"layer{k}", code=SIXTEEN_LEVELS))
        levels = np.zeros((256, pre.n), dtype=np.int64)
        levels[:, rng.choice(pre.n, 64, replace=False)] = rng.integers(-8, 8, (256, 64))
        graph.add_edge(Edge(pre, g, levels, delay=2))
        pre = g
    return graph


def test_placement_has_fewer_hops_than_row_major():
    chip = compile_graph(chain_graph(100))
    stats = chip.stats()
    assert stats["hops_per_tick"] <= stats["hops_per_tick_row_major"]
    assert stats["hops_per_tick"] == min(stats["hops_by_curve"].values())
    # on a long chain, the space-filling curve does strictly better
    assert stats["hops_per_tick"] < stats["hops_per_tick_row_major"]
    # measured placement equals the reported figure
    xy = chip.model.coordinates()
    index = chip.model.core_index()
    src, dst = [], []
    for core in chip.model.cores:
        routed = np.flatnonzero(core.target_core >= 0)
        src += [index[core.id]] * routed.size
        dst += [index[int(c)] for c in core.target_core[routed]]
    assert spike_hops(xy, np.array(src), np.array(dst)) == stats["hops_per_tick"]


def test_splitter_cores_sit_next_to_their_source_cores():
    chip = compile_graph(chain_graph(8))
    xy = {c.id: (c.x, c.y) for c in chip.model.cores}
    for core in chip.model.cores:
        if chip.core_owner[core.id] != SPLITTER:
            continue
        sources = [
            c.id
            for c in chip.model.cores
            if c.id != core.id and (c.target_core == core.id).any()
        ]
        dist = [abs(xy[s][0] - core.x) + abs(xy[s][1] - core.y) for s in sources]
        assert min(dist) == 1


def test_more_than_4096_cores_tile_chips_along_x():
    graph = ChipGraph()
    graph.add_group(NeuronGroup((CORES_PER_CHIP + 4) * NEURONS_PER_CORE, "huge"))
    chip = compile_graph(graph)
    model = chip.model
    assert len(model.cores) == CORES_PER_CHIP + 4
    assert model.chips == [(0, 0), (1, 0)]
    xy = model.coordinates()
    assert len({tuple(p) for p in xy.tolist()}) == len(model.cores)
    assert xy[:, 1].max() < CHIP_SIZE and xy[:, 0].max() >= CHIP_SIZE
    assert chip.stats()["chips"] == 2
    assert chip.stats()["chip_fraction"] == pytest.approx((CORES_PER_CHIP + 4) / 4096)


def test_curves_tile_chips_along_x():
    for curve in ("hilbert", "serpentine", "row-major"):
        xy = curve_xy(2 * CORES_PER_CHIP, curve)
        assert len({tuple(p) for p in xy.tolist()}) == 2 * CORES_PER_CHIP
        assert xy[CORES_PER_CHIP:, 0].min() == CHIP_SIZE


# --- the model -------------------------------------------------------------------


def test_compiled_model_validates_and_round_trips_through_a_model_file(tmp_path):
    rng = np.random.default_rng(11)
    graph = random_graph(rng, n_groups=4, max_n=300)
    chip = compile_graph(graph, seed=3)
    chip.model.validate()
    path = tmp_path / "chip.json"
    save_model(chip.model, path)
    loaded = load_model(path)
    assert dumps_model(loaded) == dumps_model(chip.model)
    inputs = chip.input_spikes(input_raster(rng, graph, 100))
    a = FastEmulator(chip.model).run(100, inputs)
    b = FastEmulator(loads_model(io.StringIO(path.read_text()).read())).run(100, inputs)
    assert a.keys() == b.keys() and all(np.array_equal(a[p], b[p]) for p in a)


def test_core_seeds_derive_from_the_seed():
    graph = ChipGraph()
    graph.add_group(simple_group(600))
    for seed, expected in (
        (0, [0, 1, 2]),
        (5, [5 * 4096 + k for k in range(3)]),
        (-1, [2**64 - 4096 + k for k in range(3)]),
    ):
        chip = compile_graph(graph, seed=seed)
        assert [c.seed for c in chip.model.cores] == expected


def test_stochastic_groups_are_reproducible_from_the_seed():
    graph = ChipGraph()
    n = 50
    graph.add_group(
        NeuronGroup(
            n,
            "noisy",
            params={"leak": 40, "stochastic_leak": 1, "threshold": 3},
            to_host=np.ones(n, dtype=bool),
        )
    )
    runs = [
        FastEmulator(compile_graph(graph, seed=s).model).run(100)["out0_noisy"]
        for s in (1, 1, 2)
    ]
    assert np.array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_levels_the_code_cannot_write_raise_build_error():
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(1, "stim"))
    g = graph.add_group(simple_group(1, "tri", code=TRINARY))
    graph.add_edge(Edge(stim, g, np.full((1, 1), 2), obj="conn"))
    with pytest.raises(BuildError, match=r"^conn: level 2 cannot be written"):
        compile_graph(graph)


def test_parameters_out_of_range_raise_build_error_naming_the_group():
    graph = ChipGraph()
    graph.add_group(NeuronGroup(3, "g", params={"leak": [0, 0, 300]}))
    with pytest.raises(BuildError, match=r"^g: neuron 2's leak = 300 is outside"):
        compile_graph(graph)
    graph = ChipGraph()
    graph.add_group(NeuronGroup(2, "h", code=SIXTEEN_LEVELS, weight_scale=[1, 40]))
    with pytest.raises(BuildError, match=r"^h: neuron 1's weight_scale 40.*at most 31"):
        compile_graph(graph)


def test_report_states_cores_splitters_and_hops():
    graph, _, _, _ = fan_out_graph(delay=3)
    chip = compile_graph(graph, copies=False)
    text = chip.report()
    for part in (
        "cores:",
        "% of a chip",
        "splitters:",
        "copies:       0 neurons",
        "axons/core",
        "bits/core",
        "hops per tick",
        "row-major",
        "pre: 1",
        "post1: 1",
        "splitter: 1",
    ):
        assert part in text, part


def test_progress_bar_shows_for_large_graphs(capsys, monkeypatch):
    monkeypatch.setattr(compile_module, "PROGRESS_MIN_NEURONS", 1)
    graph = ChipGraph()
    graph.add_group(simple_group(300))
    compile_graph(graph, progress_bar=True)
    assert "Compiling chip graph" in capsys.readouterr().err


def test_empty_graph_compiles_to_an_empty_model():
    chip = compile_graph(ChipGraph())
    assert chip.model.cores == [] and chip.stats()["cores"] == 0
    assert "cores:" in chip.report()


# --- the graph simulation itself -------------------------------------------------


def test_graph_simulation_gives_the_spec_known_answer():
    graph = ChipGraph()
    g = graph.add_group(NeuronGroup(1, "g", params={"leak": 1, "threshold": 10}))
    spikes = simulate_graph(graph, 30, {}, {})
    assert np.flatnonzero(spikes[g][:, 0]).tolist() == [9, 19, 29]


def test_graph_simulation_integrates_inputs_at_their_delay():
    graph = ChipGraph()
    stim = graph.add_input(InputGroup(1, "stim"))
    g = graph.add_group(NeuronGroup(1, "g", params={"threshold": 3}, weight_scale=[3]))
    edge = graph.add_edge(Edge(stim, g, np.ones((1, 1), dtype=np.int64), delay=2))
    raster = np.zeros((10, 1), dtype=bool)
    raster[4] = True
    spikes, v = simulate_graph(graph, 10, {stim: raster}, {edge: 0}, voltages=True)
    assert np.flatnonzero(spikes[g][:, 0]).tolist() == [4]
    spikes = simulate_graph(graph, 10, {stim: raster})  # requested delay 2
    assert np.flatnonzero(spikes[g][:, 0]).tolist() == [6]


def test_graph_simulation_refuses_stochastic_groups():
    graph = ChipGraph()
    graph.add_group(NeuronGroup(2, "g", params={"stochastic_leak": [0, 1]}))
    with pytest.raises(NotImplementedError, match="stochastic_leak"):
        simulate_graph(graph, 5)


# --- build time ------------------------------------------------------------------


@pytest.mark.slow
def test_a_full_chip_compiles_well_within_30_seconds():
    # 2048 groups of 256 neurons with full 16-level fan-in of 64, plus their
    # splitters: 4095 cores (benchmarks/bench_compile.py prints the timings)
    graph = chain_graph(2048)
    chip = compile_graph(graph)
    assert chip.stats()["cores"] == 4095
    assert chip.stats()["compile_seconds"] < 30
