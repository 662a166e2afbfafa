"""The classifier as a Nengo network in NengoDL: each stage computes the NumPy
network it stands for, training moves every weight, and the trained weights read
back exactly."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
pytest.importorskip("nengo_dl")

from nengo_truenorth.qc import dl
from nengo_truenorth.qc.data import QCData
from nengo_truenorth.qc.model import (
    ElmanNetwork,
    QuantizedElman,
    accuracy,
    in_levels,
    weight_range,
)
from nengo_truenorth.qc.trec import align_right

N_WORDS = 40


def float_network(seed=0, n_words=N_WORDS):
    rng = np.random.default_rng(seed)
    return ElmanNetwork(
        rng.normal(0, 1, (n_words, 48)),
        rng.normal(0, 0.3, (16, 48)),
        rng.normal(0, 0.3, (16, 16)),
        rng.normal(0, 1, (6, 16)),
        rng.normal(0, 0.1, 6),
    )


def level_network(seed=0):
    """A float network counted in levels (projection 0.1, Elman 0.02 per level)."""
    return in_levels(float_network(seed), 0.1, 0.02)


def questions(seed=0, n=dl.MINIBATCH * 2, length=10, n_words=N_WORDS):
    rng = np.random.default_rng(seed)
    return align_right(
        rng.integers(2, n_words, (n, length)), rng.integers(1, length + 1, n)
    )


def numpy_network(net, stage, bits=4):
    """The NumPy network that ``stage`` of ``net`` computes: read back from an
    untrained NengoDL model, so the levels are the ones NengoDL rounds to."""
    model = dl.build_network(net, stage, weight_bits=bits)
    return dl.fit(model, tiny_data(), 0)


def tiny_data(seed=0, n=dl.MINIBATCH * 2):
    x = questions(seed, n)
    y = (x.sum(axis=1) % 6).astype(np.int64)
    empty = np.zeros((0, x.shape[1]), dtype=np.int64)
    return QCData(list(range(N_WORDS)), x, y, empty, np.zeros(0, np.int64), x, y)


def test_float_stage_is_the_numpy_float_network():
    net, x = float_network(1), questions(1)
    got = dl.predict_logits(dl.build_network(net, "float"), x)
    assert np.allclose(got, net.logits(x), atol=1e-3)


@pytest.mark.parametrize(
    "stage, carry, bits",
    [("quantized", False, 4), ("quantized", False, 2), ("chip", True, 4)],
)
def test_constrained_stages_are_the_numpy_window_network(stage, carry, bits):
    net, x = level_network(2), questions(2)
    got = dl.predict_logits(dl.build_network(net, stage, weight_bits=bits), x)
    quantized = numpy_network(net, stage, bits)
    states = quantized.window_states(x, carry=carry)
    assert np.allclose(got, quantized.window_logits(x, carry=carry), atol=1e-4)
    assert 0 < states.mean() and states.max() == 15  # neither silent nor all on
    low, top = weight_range(bits)
    levels = np.hstack([quantized.core.w_in, quantized.core.w_rec])
    assert levels.min() >= low and levels.max() == top


def test_carried_remainder_changes_the_states():
    net, x = level_network(3), questions(3)
    quantized = numpy_network(net, "chip")
    assert np.any(quantized.window_states(x, carry=True) != quantized.window_states(x))


def test_training_moves_every_weight_and_reads_back_what_nengo_dl_computes():
    net, data = level_network(4), tiny_data(4)
    before = numpy_network(net, "chip")
    model = dl.build_network(net, "chip", dropout=0.1)
    after = dl.fit(model, data, 2, lr=0.01)
    assert np.any(after.projection != before.projection)
    assert np.any(after.core.w_in != before.core.w_in)
    assert np.any(after.core.w_rec != before.core.w_rec)
    assert np.any(after.w_out != before.w_out)
    # a fresh network of the trained weights computes the read-back network
    x = data.x_test
    trained = _levels_as_float(after)
    got = dl.predict_logits(dl.build_network(trained, "chip"), x)
    assert np.allclose(got, after.window_logits(x, carry=True), atol=1e-4)


def _levels_as_float(quantized):
    w_in, w_rec = quantized.dequantized()
    return ElmanNetwork(
        quantized.projection.astype(float), w_in, w_rec, quantized.w_out, quantized.b_out
    )


def test_float_training_lowers_the_loss():
    data = tiny_data(5)
    net = float_network(5)
    before = accuracy(net.logits(data.x_train), data.y_train)
    trained = dl.fit(dl.build_network(net, "float", dropout=0.0), data, 30, lr=0.01)
    assert accuracy(trained.logits(data.x_train), data.y_train) >= before + 0.2


def test_unknown_stages_are_refused():
    with pytest.raises(ValueError, match="stage 'spiking'"):
        dl.build_network(float_network(), "spiking")


def test_window_units_builder_counts_as_numpy():
    units = dl.WindowUnits()
    rng = np.random.default_rng(6)
    J = rng.uniform(-3, 20, (5, 7)).astype(np.float32)
    out, v = np.zeros(7), np.zeros(7)
    expected = []
    for j in J:
        units.step(1.0, j, out, v)
        expected.append(out.copy())
    builder = dl.WindowUnitsBuilder.__new__(dl.WindowUnitsBuilder)
    builder.max_count, builder.carry = 15.0, 1.0
    voltage = tf.zeros((1, 7))
    for j, e in zip(J, expected):
        count, voltage = builder.step(tf.constant(j[None]), 1.0, voltage)
        assert np.array_equal(count.numpy()[0], e)


def test_quantized_network_round_trip(tmp_path):
    quantized = numpy_network(level_network(7), "chip")
    quantized.save(tmp_path / "n.npz")
    loaded = QuantizedElman.load(tmp_path / "n.npz")
    x = questions(7)
    assert np.array_equal(loaded.chip_counts(x), quantized.chip_counts(x))
