"""Decoder solving for chip ensembles: tuning curves by chunks, one BLAS thread."""

import nengo
import numpy as np
import pytest
from nengo.cache import NoDecoderCache

import nengo_truenorth
from nengo_truenorth.builder import Model
from nengo_truenorth.builder.blas import blas_threads, single_blas_thread


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
        ens = nengo.Ensemble(70, 2, neuron_type=neuron_type)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        chip = sim.model.chip_ensembles[ens]
    # more rows than one chunk, and a last chunk that is not full
    x = np.random.RandomState(0).uniform(-1.5, 1.5, (2 * chip.RATE_ROWS + 5, 70))
    J = chip.neuron_type.current(x, chip.gain, chip.bias)
    whole = chip.amplitude * chip.neuron_type.spikes_per_tick(J) / 0.001
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
