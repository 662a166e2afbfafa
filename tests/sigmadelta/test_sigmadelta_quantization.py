"""Weight quantizers: outputs on the grid, off by at most half a step, idempotent."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from nengo.exceptions import ValidationError

from nengo_sigmadelta import FractionalBits, UniformLevels

weights = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=2, max_side=12),
    elements=st.floats(-20, 20, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(w=weights, bits=st.integers(0, 10))
def test_fractional_bits_land_on_the_binary_grid_exactly(w, bits):
    q = FractionalBits(bits)
    out = q(w)
    scaled = out * 2**bits
    assert np.array_equal(scaled, np.round(scaled))  # exact integers, no tolerance
    assert np.all(np.abs(out - w) <= 2.0 ** -(bits + 1))
    assert np.array_equal(q(out), out)
    assert q.on_grid(out)
    assert np.array_equal(q.to_integers(w), scaled.astype(np.int64))


def test_three_fractional_bits_is_the_one_eighth_grid():
    q = FractionalBits(3)
    assert q.step == 0.125
    assert np.array_equal(q([0.06, 0.07, -0.3, 1.0]), [0.0, 0.125, -0.25, 1.0])
    assert not q.on_grid([0.1])


def test_integer_bits_clip_to_the_twos_complement_range():
    q = FractionalBits(2, integer_bits=1)  # 4 bits: -2 .. 1.75 in steps of 1/4
    assert np.array_equal(q([-5.0, -2.0, 1.8, 9.0]), [-2.0, -2.0, 1.75, 1.75])
    assert not q.on_grid([2.0])


@settings(max_examples=60, deadline=None)
@given(w=weights, n_levels=st.integers(2, 33))
@example(w=np.array([5e-324]), n_levels=5)  # a subnormal range: the step underflows
# ... and its levels (here +-w_max/3: 0 is not one) round to other subnormals
@example(w=np.array([5e-324, 0.0]), n_levels=4)
def test_uniform_levels_use_at_most_n_levels_over_the_range(w, n_levels):
    q = UniformLevels(n_levels)
    out = q(w)
    w_max = np.max(np.abs(w)) or 1.0
    step = 2 * w_max / (n_levels - 1)
    assert len(np.unique(out)) <= n_levels
    assert np.all(np.abs(out) <= w_max * (1 + 1e-12))
    assert np.all(np.abs(out - w) <= step / 2 * (1 + 1e-9))
    assert q.on_grid(out)
    assert np.allclose(q(out), out)
    idx = q.level_indices(w)
    assert np.all((idx >= 0) & (idx < n_levels))
    assert np.allclose(-w_max + step * idx, out)


def test_uniform_levels_with_a_fixed_range_clip_and_include_zero_when_odd():
    q = UniformLevels(5, w_max=1.0)
    assert np.array_equal(q([-3.0, -0.2, 0.3, 0.8]), [-1.0, 0.0, 0.5, 1.0])
    assert not q.on_grid([0.3])


def test_uniform_levels_of_all_zeros_stay_near_zero():
    out = UniformLevels(3)(np.zeros(4))  # odd: 0 is a level
    assert np.array_equal(out, np.zeros(4))


def test_invalid_quantizers_are_refused():
    with pytest.raises(ValidationError):
        FractionalBits(-1)
    with pytest.raises(ValidationError):
        UniformLevels(1)
    with pytest.raises(ValidationError):
        UniformLevels(4, w_max=0)


@pytest.mark.parametrize("n_levels", [2, 5])
def test_uniform_levels_of_subnormal_weights_stay_within_their_range(n_levels):
    # the grid step of a 5e-324 range underflows to 0 (hypothesis found this)
    q = UniformLevels(n_levels)
    w = np.array([5e-324, -1e-323, 0.0])
    out = q(w)
    assert np.all(np.isfinite(out)) and np.all(np.abs(out) <= 1e-323)
    assert q.on_grid(out, grid_of=w)
    assert np.all((q.level_indices(w) >= 0) & (q.level_indices(w) < n_levels))
    np.testing.assert_array_equal(UniformLevels(5)(np.array([5e-324])), [5e-324])
