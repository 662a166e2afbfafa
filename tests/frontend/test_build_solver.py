"""Decoder solving for chip ensembles: tuning curves by chunks, one BLAS thread,
each distinct solve once per build."""

import nengo
import numpy as np
import pytest
from nengo.cache import NoDecoderCache

import nengo_truenorth
from nengo_truenorth.frontend import Model
from nengo_truenorth.frontend.blas import blas_threads, single_blas_thread


def needs_openblas():
    if not blas_threads():
        pytest.skip("no OpenBLAS library is loaded in this process")


def test_single_blas_thread_sets_one_thread_and_restores_the_count():
    needs_openblas()
    before = blas_threads()
    with single_blas_thread():
        assert blas_threads() == [1] * len(before)
    assert blas_threads() == before


def test_single_blas_thread_restores_the_count_after_an_error():
    needs_openblas()
    before = blas_threads()
    with pytest.raises(ValueError, match="inside"):
        with single_blas_thread():
            raise ValueError("inside")
    assert blas_threads() == before


@pytest.mark.parametrize(
    "neuron_type",
    [nengo.SpikingRectifiedLinear(), nengo.LIF()],
    ids=["relu", "lif"],
)
def test_chip_rates_by_chunks_equal_the_whole_matrix_formula(neuron_type):
    with nengo.Network(seed=1) as net:
        # 1-D: each projection is one product, so chunks and the whole agree exactly
        ens = nengo.Ensemble(70, 1, neuron_type=neuron_type)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        chip = sim.model.chip_ensembles[ens]
    # more rows than one chunk, and a last chunk that is not full
    points = np.random.RandomState(0).uniform(-1.5, 1.5, (2 * chip.RATE_ROWS + 5, 1))
    x = np.dot(points, chip.unit_encoders.T)
    J = chip.neuron_type.current(x, chip.gain, chip.bias)
    whole = chip.amplitude * chip.neuron_type.spikes_per_tick(J) / 0.001
    np.testing.assert_array_equal(chip.rates_at(points, 0.001), whole)
    np.testing.assert_array_equal(chip.rates(x, 0.001), whole)
    assert whole.any() and not whole.all()


def test_chip_decoders_are_solved_with_one_blas_thread():
    needs_openblas()
    threads_seen = []

    class RecordingSolver(nengo.solvers.LstsqL2):
        def __call__(self, A, Y, rng=None):
            threads_seen.append(blas_threads())
            return super().__call__(A, Y, rng=rng)

    with nengo.Network(seed=2) as net:
        a = nengo.Ensemble(50, 1)
        b = nengo.Ensemble(50, 1)
        nengo.Connection(a, b, solver=RecordingSolver())
    before = blas_threads()
    model = Model(decoder_cache=NoDecoderCache())
    with nengo_truenorth.Simulator(net, progress_bar=False, model=model):
        pass
    assert threads_seen == [[1] * len(before)]
    assert blas_threads() == before


def recurrent_pair(solver=None):
    """An ensemble whose recurrent and feed-forward connections pose one problem."""
    kwargs = {} if solver is None else {"solver": solver}
    with nengo.Network(seed=3) as net:
        a = nengo.Ensemble(60, 1, neuron_type=nengo.SpikingRectifiedLinear())
        b = nengo.Ensemble(60, 1, neuron_type=nengo.SpikingRectifiedLinear())
        recurrent = nengo.Connection(a, a, transform=0.9, synapse=0.05, **kwargs)
        forward = nengo.Connection(a, b, transform=0.5, synapse=0.05, **kwargs)
        other = nengo.Connection(a, b, function=np.square, synapse=0.05, **kwargs)
    return net, recurrent, forward, other


def solves_counted(net, monkeypatch):
    """Build ``net`` (no decoder cache), counting the solver's calls."""
    from nengo_truenorth.frontend import solver as solver_module

    calls = []
    model = Model(decoder_cache=NoDecoderCache(), seed=1)

    def spy(solve):
        def counted():
            calls.append(1)
            return solve()

        return counted

    memo_solve = solver_module.SolveMemo.solve
    monkeypatch.setattr(
        solver_module.SolveMemo, "solve",
        lambda self, key, solve: memo_solve(self, key, spy(solve)),
    )
    with nengo_truenorth.Simulator(net, progress_bar=False, model=model) as sim:
        pass
    return sim, len(calls)


def test_identical_solves_are_solved_once_per_build(monkeypatch):
    net, recurrent, forward, other = recurrent_pair()
    sim, n_solves = solves_counted(net, monkeypatch)
    # recurrent and forward decode the identity on the same points: one solve
    assert n_solves == 2
    assert sim.model.solve_memo.hits == 1
    np.testing.assert_allclose(
        sim.data[recurrent].weights / 0.9, sim.data[forward].weights / 0.5,
        rtol=1e-12,
    )
    assert not np.allclose(sim.data[other].weights, sim.data[forward].weights / 0.5)


def test_solvers_that_draw_noise_solve_every_connection(monkeypatch):
    net, recurrent, forward, _ = recurrent_pair(nengo.solvers.LstsqNoise())
    sim, n_solves = solves_counted(net, monkeypatch)
    assert n_solves == 3
    assert sim.model.solve_memo.hits == 0
    assert not np.allclose(
        sim.data[recurrent].weights / 0.9, sim.data[forward].weights / 0.5
    )


def test_shared_solves_give_the_decoders_of_separate_solves():
    net, recurrent, forward, _ = recurrent_pair()
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        a = recurrent.pre_obj
        chip = sim.model.chip_ensembles[a]
        points = sim.data[a].eval_points
        activities = chip.rates_at(points, sim.dt)
    decoders, _ = nengo.solvers.LstsqL2()(activities, points)
    np.testing.assert_allclose(sim.data[forward].weights, 0.5 * decoders.T)


def test_decode_rates_are_freed_by_the_decode_pass():
    from nengo_truenorth.ir import DecodedEdge
    from nengo_truenorth.passes import lower_decoded_edges

    net, *_ = recurrent_pair()
    model = Model(seed=1)
    model.build(net)
    requests = model.chip.graph.deferred(DecodedEdge)
    assert requests and all(r.activities is None for r in requests)
    lower_decoded_edges(model.chip)
    assert all(r.activities is None for r in requests)
    assert not model.chip.graph.deferred(DecodedEdge)


@pytest.mark.parametrize("leak_reversal", [False, True])
def test_compiled_linear_reset_rates_equal_the_numpy_formula(leak_reversal, rng):
    from nengo_truenorth import TrueNorthNeuron

    neuron = TrueNorthNeuron(
        threshold=37, leak=-3, reset_mode=1, leak_reversal=leak_reversal
    )
    x = rng.uniform(-2, 2, (33, 20))
    gain, bias = rng.uniform(0, 40, 20), rng.uniform(-20, 20, 20)
    J = neuron.current(x, gain, bias)
    expected = 1.5 * neuron.spikes_per_tick(J) / 0.001
    np.testing.assert_array_equal(
        neuron.decoded_rates(x, gain, bias, 1.5, 0.001), expected
    )
    assert expected.any() and not expected.all() and (expected == 1500).any()


def test_decoder_cache_serves_a_second_build(tmp_path, monkeypatch):
    from nengo.cache import DecoderCache

    net, recurrent, forward, other = recurrent_pair()
    built = []
    for _ in range(2):
        model = Model(decoder_cache=DecoderCache(cache_dir=str(tmp_path)), seed=1)
        solved = []
        monkeypatch.setattr(
            nengo.solvers.LstsqL2, "__call__",
            lambda self, A, Y, rng=None, _c=nengo.solvers.LstsqL2.__call__:
                solved.append(1) or _c(self, A, Y, rng=rng),
        )
        with nengo_truenorth.Simulator(net, progress_bar=False, model=model) as sim:
            built.append((len(solved), sim.data[other].weights.copy()))
        monkeypatch.undo()
    assert built[0][0] == 2  # the memo shares the identity decoders
    assert built[1][0] == 0  # everything from the cache
    np.testing.assert_array_equal(built[0][1], built[1][1])


def test_tuning_curve_buffer_is_released_after_the_build():
    net, *_ = recurrent_pair()
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert sim.model.solve_memo.hits == 1  # it was used
        assert sim.model.solve_memo._scratch.size == 0
