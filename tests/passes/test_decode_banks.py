"""The decode pass (passes/decode.py): sign-plane banks shared by an ensemble's
decoded connections (rows of other signs through a second class of plane neurons),
sum neurons behind filter neurons, and classic blocks beyond the banks' room."""

import nengo
import numpy as np

import nengo_truenorth
from nengo_truenorth.hardware.limits import NEURONS_PER_CORE
from nengo_truenorth.ir import TRINARY
from nengo_truenorth.passes import decode
from nengo_truenorth.passes.decode import (
    magnitude_bits,
    plan_sign_planes,
    plane_bits,
    plane_classes,
    plane_neurons,
)


def decode_groups(sim, kind=""):
    """Decode neurons (not their filter neurons) whose label has ``kind``."""
    return [
        g
        for g in sim.model.graph.groups
        if g.role == "decode" and kind in g.label
    ]


def lowpass_pair(n=256, seed=0, dimensions=1, synapse=None):
    """a (recurrent) -> b: two identity connections out of a, as in the benchmark
    (a -> b unfiltered unless ``synapse``)."""
    with nengo.Network(seed=seed) as net:
        phases = np.arange(dimensions) * np.pi / 2
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t + phases))
        a = nengo.Ensemble(n, dimensions, neuron_type=nengo.SpikingRectifiedLinear())
        b = nengo.Ensemble(n, dimensions, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(stim, a, transform=0.5, synapse=0.05)
        nengo.Connection(a, a, transform=0.5, synapse=0.05)
        nengo.Connection(a, b, synapse=synapse)
        probes = [nengo.Probe(a, synapse=0.01), nengo.Probe(b, synapse=0.01)]
    return net, a, b, probes


def rmse_against_nengo(net, probes, seconds=1.0):
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(seconds)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run(seconds)
        stats = sim.compiled.stats()
    rmse = max(np.sqrt(np.mean((sim.data[p] - ref.data[p]) ** 2)) for p in probes)
    return rmse, stats


def test_connections_decoding_one_row_share_one_bank_core_and_no_splitter():
    net, a, *_ = lowpass_pair()
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        (bank,) = decode_groups(sim, "bank")  # one bank for a -> a and a -> b
        assert bank.code is TRINARY
        assert bank.obj is a  # shared by two connections: the ensemble's
        compiled = sim.compiled
        core_of_bank = set(compiled.neuron_location[bank][:, 0].tolist())
        assert len(core_of_bank) == 1
        # every neuron of `a` sends its spikes straight to the bank's core
        chip = compiled.model
        for c, j in compiled.neuron_location[sim.model.chip_ensembles[a].group]:
            assert chip.cores[c].target_core[j] in {
                chip.cores[k].id for k in core_of_bank
            }
        # the bank's core: one axon per neuron of `a`
        (c,) = core_of_bank
        assert compiled.stats()["axons_per_core"][c] <= a.n_neurons
        assert compiled.stats()["splitter_neurons"] == 0


def test_off_plane_neurons_share_the_on_neurons_levels_with_negative_scale():
    net, *_ = lowpass_pair(n=100)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        (bank,) = decode_groups(sim, "bank")
        half = bank.n // 2
        assert (bank.weight_scale[:half] > 0).all()  # one class: no on is negated
        assert (bank.weight_scale[half:] < 0).all()
        (edge,) = [e for e in sim.model.graph.edges if e.post is bank]
        np.testing.assert_array_equal(edge.levels[:half], edge.levels[half:])


def test_rows_of_other_signs_share_the_bank_through_a_second_class():
    net, *_ = lowpass_pair(dimensions=2, synapse=0.05)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        (bank,) = decode_groups(sim, "bank")
        (edge,) = [e for e in sim.model.graph.edges if e.post is bank]
        levels = np.asarray(edge.levels)
        # one level per pre neuron, so one axon each, though the rows' signs differ
        for column in levels.T:
            assert len(set(column[column != 0].tolist())) <= 1
        # an on neuron is negated for the class whose signs disagree with the axons
        half = bank.n // 2
        on_negated = bank.weight_scale[:half] < 0
        assert on_negated.any() and not on_negated.all()
        np.testing.assert_array_equal(on_negated, bank.weight_scale[half:] > 0)
        assert sim.compiled.stats()["splitter_neurons"] == 0


def test_filter_neurons_feed_the_sums_beside_them_and_the_sums_are_copied():
    net, *_ = lowpass_pair(dimensions=2, synapse=0.05)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        filtered = decode_groups(sim, "sums 0 Lowpass")
        (sums,) = filtered
        filters = [g for g in sim.model.graph.groups if g.role == "filters"]
        (loop,) = [e for e in sim.model.graph.edges if e.pre is filters[0] is e.post]
        (into_sums,) = [e for e in sim.model.graph.edges if e.post is sums]
        assert into_sums.pre is filters[0]
        compiled = sim.compiled
        # the filter neurons' own axons feed the sums: same delay, level -1
        assert compiled.edge_delay[into_sums] == compiled.edge_delay[loop] == 2
        assert set(np.unique(into_sums.levels).tolist()) <= {-1, 0}
        assert (sums.weight_scale < 0).all()
        assert set(compiled.neuron_location[filters[0]][:, 0].tolist()) == set(
            compiled.neuron_location[sums][:, 0].tolist()
        )
        stats = compiled.stats()
        assert stats["splitter_neurons"] == 0 and stats["copy_neurons"] > 0


def test_positive_sums_count_on_planes_and_negative_sums_off_planes():
    net, *_ = lowpass_pair(n=100)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        (bank,) = decode_groups(sim, "bank")
        (sums,) = decode_groups(sim, "sums 0 Lowpass")
        filters = next(g for g in sim.model.graph.groups if g.role == "filters")
        (edge,) = [e for e in sim.model.graph.edges if e.post is sums]
        levels = np.asarray(edge.levels)  # (2, filter neurons): one row, pos / neg
        (into_filters,) = [
            e for e in sim.model.graph.edges if e.post is filters and e.pre is bank
        ]
        plane_of = np.asarray(into_filters.levels).argmax(axis=1)
        half = bank.n // 2
        assert (levels[0][plane_of >= half] == 0).all()
        assert (levels[1][plane_of < half] == 0).all()
        assert levels[0].any() and levels[1].any()


def test_bank_decodes_as_accurately_as_classic_blocks_on_fewer_cores():
    rmse, cores = {}, {}
    for dims in (1, 2):
        net, *_, probes = lowpass_pair(dimensions=dims, synapse=0.05)
        for mode, banks in (("classic", 0), ("bank", decode.MAX_BANKS)):
            saved, decode.MAX_BANKS = decode.MAX_BANKS, banks
            try:
                rmse[mode, dims], stats = rmse_against_nengo(net, probes)
            finally:
                decode.MAX_BANKS = saved
            cores[mode, dims] = stats["cores"]
    # measured: 1-D bank 0.068, classic 0.076; 2-D bank 0.082, classic 0.090
    for dims in (1, 2):
        assert rmse["bank", dims] < 0.09, rmse
        assert rmse["bank", dims] < rmse["classic", dims] + 0.01, rmse
        assert cores["bank", dims] <= cores["classic", dims] / 2, cores


def test_bank_neurons_belong_to_the_ensemble_and_filters_to_the_connection():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(100, 2)
        b = nengo.Ensemble(50, 2)
        conn = nengo.Connection(a, b, synapse=0.05)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        groups = decode_groups(sim)
        assert groups and all(g.obj is a for g in groups)
        filters = [g for g in sim.model.graph.groups if g.role == "filters"]
        assert filters and all(g.obj is conn for g in filters)


def test_rows_beyond_the_banks_room_use_classic_blocks():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(100, 3)
        b = nengo.Ensemble(50, 3)
        nengo.Connection(a, b)
    saved, decode.MAX_BANKS = decode.MAX_BANKS, 0
    try:
        with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
            groups = decode_groups(sim)
    finally:
        decode.MAX_BANKS = saved
    assert groups and all("bank" not in g.label for g in groups)
    assert all(g.n == 2 * 3 for g in groups)  # an on/off pair per dimension


def test_blocks_of_256_pre_neurons_get_a_bank_each():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(300, 1)
        b = nengo.Ensemble(50, 1)
        c = nengo.Ensemble(50, 1)
        nengo.Connection(a, b)
        nengo.Connection(a, b, transform=-2)  # the same row: shares the bank
        squared = nengo.Connection(a, c, function=np.square)  # other signs
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        banks = decode_groups(sim, "bank")
        assert len(banks) == 2  # two blocks of (up to) 256 pre neurons
        assert all(g.obj is a for g in banks)
        # x ** 2's row has signs of its own: unfiltered, it takes classic blocks
        classic = [g for g in decode_groups(sim) if "bank" not in g.label]
        assert len(classic) == 5 and not decode_groups(sim, "sums")
        assert {g.obj for g in classic} == {squared}


def test_magnitude_bits_rebuild_the_row_to_half_a_step():
    row = np.random.RandomState(0).randn(50)
    sign, planes, step = magnitude_bits(row, 5, "nearest", None)
    rebuilt = sign * step * (2 ** np.arange(5) @ planes)
    assert np.abs(rebuilt - row).max() <= step / 2 + 1e-12
    assert step == np.abs(row).max() / 31


class _Request:
    def __init__(self, decoders, bits=4, tau=None):
        self.decoders = np.asarray(decoders, dtype=float)
        self.bits = bits
        self.tau = tau


def test_plan_dedupes_rows_and_puts_other_signs_in_a_second_class():
    row = np.array([1.0, -2.0, 3.0])
    same_signs = np.array([2.0, -1.0, 1.0])
    other = np.array([-1.0, -2.0, 3.0])
    first, second = _Request([row]), _Request([row, same_signs])
    rows, row_of, banks = plan_sign_planes([first, second])
    assert len(rows) == 2 and row_of == {first: [0], second: [0, 1]}
    ((bank,),) = [banks]
    assert bank.rows == [0, 1] and bank.classes == 1
    np.testing.assert_array_equal(bank.axon_sign, [1, -1, 1])
    filtered = _Request([row, other], tau=0.05)
    rows, row_of, (bank,) = plan_sign_planes([filtered])
    assert bank.classes == 2 and row_of == {filtered: [0, 1]}
    assert plane_classes(other, bank.axon_sign) == 2
    assert plane_classes(-row, bank.axon_sign) == 1  # every sign disagrees
    assert plan_sign_planes([_Request([row]), _Request([row], bits=2)]) is None


def test_plan_leaves_unfiltered_rows_of_a_second_class_to_classic_blocks():
    row = np.array([1.0, -2.0, 3.0])
    other = np.array([-1.0, -2.0, 3.0])
    alone = _Request([row])
    mixed = _Request([row, other])  # unfiltered, with a row of other signs
    rows, row_of, (bank,) = plan_sign_planes([alone, mixed])
    assert list(row_of) == [alone] and bank.classes == 1
    assert plan_sign_planes([mixed]) is None


def test_plan_cuts_planes_into_parts_for_filtered_connections():
    row = np.array([1.0, -2.0, 3.0])
    (bank,) = plan_sign_planes([_Request([row], tau=0.05)])[2]
    assert bank.parts == decode.PLANE_PARTS
    # 4 parts: the top plane cut in 4, the next in 2, three planes whole
    assert plane_neurons(4, 4) == 2 * (4 + 2 + 1 + 1 + 1)
    assert plane_neurons(4, 1) == 2 * plane_bits(4)


def test_plan_fills_banks_and_falls_back_to_classic_blocks_beyond_them():
    rng = np.random.RandomState(0)
    per_bank = NEURONS_PER_CORE // (2 * plane_bits(4))  # one class each
    rows = np.abs(rng.randn(per_bank + 1, 10))
    _, _, banks = plan_sign_planes([_Request(rows)])
    assert [len(b.rows) for b in banks] == [per_bank, 1]
    assert len(plan_sign_planes([_Request(rows[:per_bank])])[2]) == 1
    many = np.abs(rng.randn(4 * per_bank + 1, 10))  # a fifth bank
    assert plan_sign_planes([_Request(many)]) is None
