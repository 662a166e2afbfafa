"""Two runs on the same digits compared digit by digit (McNemar's exact test)."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")  # nengo_truenorth.training needs the dl extra

from nengo_truenorth.training.digits import paired_comparison  # noqa: E402


def test_runs_that_differ_on_few_digits_either_way_are_not_told_apart():
    a = np.array([True, True, False, False, True])
    b = np.array([True, False, True, False, True])
    assert paired_comparison(a, b) == {"n": 5, "only_a": 1, "only_b": 1, "p_value": 1.0}


def test_a_one_sided_split_is_unlikely_by_chance():
    a = np.ones(30, dtype=bool)
    b = a.copy()
    b[:10] = False  # ten digits only run a gets right, none the other way
    result = paired_comparison(a, b)
    assert (result["only_a"], result["only_b"]) == (10, 0)
    assert result["p_value"] == pytest.approx(2 * 0.5**10)


def test_identical_runs_and_runs_of_other_samples():
    a = np.array([True, False, True])
    assert paired_comparison(a, a)["p_value"] == 1.0
    with pytest.raises(ValueError, match="not the same ones"):
        paired_comparison(a, a[:2])
