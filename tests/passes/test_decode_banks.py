"""The decode pass (passes/decode.py): sign-plane banks shared by an ensemble's
decoded connections, and classic blocks where the rows' signs differ."""

import nengo
import numpy as np

import nengo_truenorth
from nengo_truenorth.hardware.limits import NEURONS_PER_CORE
from nengo_truenorth.ir import TRINARY
from nengo_truenorth.passes import decode
from nengo_truenorth.passes.decode import magnitude_bits, plan_sign_planes, plane_bits


def decode_groups(sim):
    """Decode neurons (not their filter neurons)."""
    return [
        g for g in sim.model.graph.groups
        if "decode" in g.label and "filters" not in g.label
    ]


def lowpass_pair(n=256, seed=0):
    """a (recurrent) -> b: two identity connections out of a, as in the benchmark."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        a = nengo.Ensemble(n, 1, neuron_type=nengo.SpikingRectifiedLinear())
        b = nengo.Ensemble(n, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(stim, a, transform=0.5, synapse=0.05)
        nengo.Connection(a, a, transform=0.5, synapse=0.05)
        nengo.Connection(a, b)
        probes = [nengo.Probe(a, synapse=0.01), nengo.Probe(b, synapse=0.01)]
    return net, a, b, probes


def test_connections_decoding_one_row_share_one_bank_core_and_no_splitter():
    net, a, b, _ = lowpass_pair()
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        groups = decode_groups(sim)
        (bank,) = groups  # one bank for a -> a and a -> b
        assert bank.code is TRINARY
        assert bank.n == 2 * plane_bits(sim.model.options.weight_bits)
        assert bank.obj is a
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


def test_off_plane_neurons_share_the_on_neurons_levels_with_negative_scale():
    net, a, b, _ = lowpass_pair(n=100)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        (bank,) = decode_groups(sim)
        half = bank.n // 2
        assert (bank.weight_scale[:half] > 0).all()
        assert (bank.weight_scale[half:] < 0).all()
        (edge,) = [e for e in sim.model.graph.edges if e.post is bank]
        np.testing.assert_array_equal(edge.levels[:half], edge.levels[half:])


def test_bank_decodes_as_accurately_as_classic_blocks():
    net, a, b, probes = lowpass_pair()
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(1.0)
    rmse = {}
    for mode, patterns in (("classic", 0), ("bank", decode.MAX_SIGN_PATTERNS)):
        saved, decode.MAX_SIGN_PATTERNS = decode.MAX_SIGN_PATTERNS, patterns
        try:
            with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
                sim.run(1.0)
                assert ("bank" in decode_groups(sim)[0].label) == (mode == "bank")
                cores = sim.compiled.stats()["cores"]
        finally:
            decode.MAX_SIGN_PATTERNS = saved
        rmse[mode] = max(
            np.sqrt(np.mean((sim.data[p] - ref.data[p]) ** 2)) for p in probes
        )
        rmse[mode + " cores"] = cores
    # measured: bank 0.064 on 5 cores, classic 0.061 on 10
    assert rmse["bank"] < 0.08, rmse
    assert rmse["bank"] < rmse["classic"] + 0.02, rmse
    assert rmse["bank cores"] <= rmse["classic cores"] / 2, rmse


def test_rows_of_different_sign_patterns_beyond_the_limit_use_classic_blocks():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(100, 3)
        b = nengo.Ensemble(50, 3)
        nengo.Connection(a, b)  # three rows with different sign patterns
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        groups = decode_groups(sim)
        assert groups and all("bank" not in g.label for g in groups)
        assert all(g.n == 2 * 3 for g in groups)  # an on/off pair per dimension


def test_one_sign_pattern_per_block_gets_one_bank_and_two_use_classic_blocks():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(300, 1)
        b = nengo.Ensemble(50, 1)
        c = nengo.Ensemble(50, 1)
        nengo.Connection(a, b)
        nengo.Connection(a, b, transform=-2)  # the same row: shares the bank
        d = nengo.Ensemble(300, 1)
        nengo.Connection(d, b)
        nengo.Connection(d, c, function=np.square)  # another sign pattern
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        groups = decode_groups(sim)
        banks = [g for g in groups if g.obj is a]
        assert len(banks) == 2  # two blocks of (up to) 256 pre neurons
        assert all("bank" in g.label for g in banks)
        classic = [g for g in groups if g.obj is not a]
        assert len(classic) == 2 * 5  # 5 blocks of 64, for each connection
        assert all("bank" not in g.label for g in classic)


def test_magnitude_bits_rebuild_the_row_to_half_a_step():
    row = np.random.RandomState(0).randn(50)
    sign, planes, step = magnitude_bits(row, 5, "nearest", None)
    rebuilt = sign * step * (2 ** np.arange(5) @ planes)
    assert np.abs(rebuilt - row).max() <= step / 2 + 1e-12
    assert step == np.abs(row).max() / 31


class _Request:
    def __init__(self, decoders, bits=4):
        self.decoders = np.asarray(decoders, dtype=float)
        self.bits = bits


def test_plan_dedupes_rows_and_counts_sign_patterns():
    row = np.array([1.0, -2.0, 3.0])
    same_signs = np.array([2.0, -1.0, 1.0])
    other = np.array([-1.0, -2.0, 3.0])
    rows, row_of, patterns = plan_sign_planes(
        [_Request([row]), _Request([row, same_signs])]
    )
    assert len(rows) == 2 and row_of == [[0], [0, 1]]
    assert list(patterns.values()) == [[0, 1]]
    assert plan_sign_planes([_Request([row, other])]) is None  # two patterns
    assert plan_sign_planes([_Request([row]), _Request([row], bits=2)]) is None


def test_plan_refuses_banks_that_would_not_fit_one_core():
    rng = np.random.RandomState(0)
    rows = np.abs(rng.randn(NEURONS_PER_CORE // (2 * plane_bits(4)) + 1, 10))
    assert plan_sign_planes([_Request(rows)]) is None
    assert plan_sign_planes([_Request(rows[:-1])]) is not None
