"""IntegerLevels, the grid of the chip's weight codes and of quantized activities.

The NumPy quantizer needs no TensorFlow; its TensorFlow op (shared with
nengo_sigmadelta's Keras layers) is tested at the end, when TensorFlow is there.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from nengo.exceptions import ValidationError

from nengo_sigmadelta.quantization import IntegerLevels
from nengo_truenorth.ir import weight_code

matrices = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, max_side=9),
    elements=st.floats(-10, 10, allow_nan=False, allow_subnormal=False),
)


@settings(max_examples=60, deadline=None)
@given(w=matrices, bits=st.integers(1, 4), per_row=st.booleans())
def test_chip_levels_put_each_weight_on_its_rows_grid(w, bits, per_row):
    levels = weight_code(bits).levels
    q = IntegerLevels(int(levels.min()), int(levels.max()), per_row=per_row)
    out = q(w)
    step = q.steps(w)
    k = out / step
    assert np.allclose(k, np.round(k), rtol=0, atol=1e-9)
    assert np.all(np.isin(np.round(k), levels))
    assert np.array_equal(q.to_integers(w), np.round(k).astype(int))
    # the largest |w| of each row (or of all) lands on the top level, exactly
    m = np.max(np.abs(w), axis=-1 if per_row else None)
    assert np.all(np.abs(out).max(axis=-1 if per_row else None) <= m * (1 + 1e-12))
    assert np.all(np.abs(out - w) <= np.broadcast_to(step, w.shape) / 2 * (1 + 1e-9))
    assert q.on_grid(out, grid_of=w)


def test_four_bits_use_levels_minus_seven_to_seven_as_the_chip_does():
    q = IntegerLevels(-8, 7)
    assert q.top == 7
    assert np.array_equal(q.to_integers([-1.0, -0.5, 0.0, 0.5, 1.0]), [-7, -4, 0, 4, 7])


def test_per_row_steps_follow_each_rows_largest_weight():
    q = IntegerLevels(-8, 7, per_row=True)
    w = np.array([[0.7, 0.21], [0.07, -0.032], [0.0, 0.0]])
    np.testing.assert_allclose(q.steps(w)[:, 0], [0.1, 0.01, 1 / 7])
    np.testing.assert_allclose(q(w), [[0.7, 0.2], [0.07, -0.03], [0.0, 0.0]])


def test_level_weight_steps_are_a_chip_weight_over_a_whole_threshold():
    q = IntegerLevels(-8, 7, per_row=True, level_weight=31)
    w = np.array([[0.7, 0.21, -0.4], [3.0, 0.0, 1.0], [0.0, 0.0, 0.0], [900.0, 1, 0]])
    thresholds = np.round(31 * 7 / np.array([0.7, 3.0, 1.0, 900.0]))
    thresholds = np.maximum(thresholds, 1)  # 217 / 900 rounds to 0: at least 1
    np.testing.assert_array_equal(q.steps(w)[:, 0], 31 / thresholds)
    levels = q.to_integers(w)
    np.testing.assert_array_equal(levels, np.clip(np.round(w / (31 / thresholds)[:, None]), -8, 7))
    # thresholds() of a row's largest weight after rounding gives its threshold back
    top = np.abs(q(w)).max(axis=1)
    rows = [0, 1, 3]  # (row 2 is all zero)
    np.testing.assert_array_equal(q.thresholds(top[rows]), thresholds[rows])


def test_a_fixed_scale_clips_to_the_levels_trinary():
    q = IntegerLevels(-1, 1, scale=0.5)
    assert np.array_equal(q([-3.0, -0.26, 0.24, 0.3, 9.0]), [-0.5, -0.5, 0.0, 0.5, 0.5])
    assert q.on_grid([0.5, 0.0, -0.5]) and not q.on_grid([1.0]) and not q.on_grid([0.2])


def test_activity_levels_are_non_negative():
    q = IntegerLevels(0, 4, scale=25.0)
    assert np.array_equal(q([-5.0, 12.0, 13.0, 60.0, 500.0]), [0, 0, 25, 50, 100])


def test_invalid_integer_levels_are_refused():
    with pytest.raises(ValidationError):
        IntegerLevels(1, 3)  # 0 must be a level
    with pytest.raises(ValidationError):
        IntegerLevels(0, 0)
    with pytest.raises(ValidationError):
        IntegerLevels(-1, 1, scale=0)


# --- the TensorFlow op, shared with nengo_sigmadelta.keras_layers -----------------


@pytest.fixture
def tf():
    return pytest.importorskip("tensorflow")


@pytest.mark.parametrize(
    "quantizer",
    [
        IntegerLevels(-8, 7),
        IntegerLevels(-4, 3, per_row=True),
        IntegerLevels(-1, 1, 0.3),
        IntegerLevels(-8, 7, per_row=True, level_weight=31),
    ],
)
def test_tensorflow_levels_equal_numpy_and_pass_the_gradient_straight(tf, quantizer):
    from nengo_sigmadelta.keras_layers import quantize, quantize_ste

    rng = np.random.RandomState(0)
    w = tf.constant(rng.randn(6, 5))  # float64: the same bits as NumPy
    assert np.array_equal(quantize(w, quantizer).numpy(), quantizer(w.numpy()))
    upstream = tf.constant(rng.randn(6, 5))
    with tf.GradientTape() as tape:
        tape.watch(w)
        out = tf.reduce_sum(quantize_ste(w, quantizer) * upstream)
    assert np.array_equal(tape.gradient(out, w).numpy(), upstream.numpy())


def test_stochastic_rounding_stays_on_the_grid_and_is_unbiased(tf):
    from nengo_sigmadelta.keras_layers import quantize

    tf.random.set_seed(0)
    q = IntegerLevels(-8, 7, scale=0.1)
    w = tf.fill((20000,), tf.constant(0.23, tf.float64))
    out = quantize(w, q, stochastic=True).numpy()
    assert set(np.round(out / 0.1).astype(int)) == {2, 3}
    assert abs(out.mean() - 0.23) < 0.005  # nearest rounding would give 0.2
    assert np.all(quantize(w, q, stochastic=tf.constant(False)).numpy() == q(0.23))
