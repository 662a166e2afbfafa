"""TREC questions as arrays for the classifier: a validation split and word indices."""

from dataclasses import dataclass

import numpy as np

from .trec import Vocabulary, align_right, load_trec

#: Words kept per question (longer ones are cut at the end; 99.5 % of the training
#: questions have at most 24).
LENGTH = 24
#: Questions held out of the training file (none by default: every stage keeps its
#: last epoch, at the end of a cosine-decayed learning rate).
N_VALIDATION = 0


@dataclass
class QCData:
    """Questions as word indices, aligned to end at the last column.

    Attributes
    ----------
    vocabulary : Vocabulary
    x_train, y_train, x_val, y_val, x_test, y_test : ndarray
        ``(n, length)`` word indices and ``(n,)`` class indices.
    """

    vocabulary: Vocabulary
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def prepare(data_dir, seed=0, length=LENGTH, min_count=2, n_validation=N_VALIDATION):
    """Load TREC from ``data_dir`` and split a validation set off the training file.

    Parameters
    ----------
    data_dir : str or Path
        The folder of the TREC files (:func:`~.trec.load_trec`).
    seed : int, optional
        Chooses the validation questions.
    length : int, optional
        Words kept per question.
    min_count : int, optional
        Words seen fewer times in the (remaining) training questions share the
        unknown word's index.
    n_validation : int, optional
        Questions held out of the training file as ``x_val``, ``y_val``.

    Returns
    -------
    QCData
    """
    trec = load_trec(data_dir)
    if not 0 <= n_validation < len(trec.train):
        raise ValueError(
            f"n_validation = {n_validation}: the training file has "
            f"{len(trec.train)} questions"
        )
    order = np.random.RandomState(seed).permutation(len(trec.train))
    val = [trec.train[i] for i in order[:n_validation]]
    train = [trec.train[i] for i in order[n_validation:]]
    vocabulary = Vocabulary(train, min_count=min_count)

    def encode(questions):
        x = align_right(*vocabulary.encode(questions, length))
        return x, trec.labels(questions)

    (x_train, y_train), (x_val, y_val), (x_test, y_test) = map(
        encode, (train, val, trec.test)
    )
    return QCData(vocabulary, x_train, y_train, x_val, y_val, x_test, y_test)
