"""The TREC question classification files (Li & Roth 2002): read, tokenized, indexed.

Each line of a TREC file is ``COARSE:fine question tokens``, e.g. ``DESC:manner How did
serfdom develop in and then leave Russia ?``; the question is already split into tokens
by spaces (``Australia 's national flower ?``). The files are Latin-1 (the training file
holds one non-ASCII byte). The training file has 5,452 questions and the test file
(``TREC_10.label``) 500; the task of Diehl et al. 2016 is the 6 coarse classes.

The files are not shipped with the project: every function takes the folder or file as
an argument, and raises an error that names the path where it is missing.
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: The six coarse classes, in the order of their indices.
COARSE_LABELS = ("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM")
#: File names in a TREC folder.
TRAIN_FILE = "train_5500.label"
TEST_FILE = "TREC_10.label"
ENCODING = "latin-1"


@dataclass(frozen=True)
class Question:
    """One labelled question.

    Attributes
    ----------
    coarse : str
        One of :data:`COARSE_LABELS`.
    fine : str
        The fine label (e.g. ``"manner"``).
    tokens : tuple of str
        The question's tokens, lowercased (:func:`tokenize`).
    """

    coarse: str
    fine: str
    tokens: tuple

    @property
    def label(self):
        """int: the index of the coarse class in :data:`COARSE_LABELS`."""
        return COARSE_LABELS.index(self.coarse)


def tokenize(text):
    """The tokens of a question: split at whitespace, lowercased.

    TREC questions are tokenized already (punctuation and clitics such as ``'s`` are
    tokens of their own), so splitting at spaces recovers them.
    """
    return tuple(token.lower() for token in text.split())


def parse_line(line, where="line"):
    """A :class:`Question` from one line of a TREC file.

    Raises
    ------
    ValueError
        If the line is not ``COARSE:fine question``, names an unknown coarse class or
        holds no question; the message names ``where`` (e.g. ``file:line``).
    """
    label, _, text = line.strip().partition(" ")
    coarse, colon, fine = label.partition(":")
    if not colon or not fine:
        raise ValueError(f"{where}: expected 'COARSE:fine question', got {line!r}")
    if coarse not in COARSE_LABELS:
        raise ValueError(
            f"{where}: coarse label {coarse!r} is not one of {', '.join(COARSE_LABELS)}"
        )
    tokens = tokenize(text)
    if not tokens:
        raise ValueError(f"{where}: label {label!r} has no question")
    return Question(coarse, fine, tokens)


def read_trec_file(path):
    """Every question of one TREC file (blank lines skipped).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of Question

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        At the first malformed line, naming the file and the line number.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"TREC file {path} does not exist")
    questions = []
    with path.open(encoding=ENCODING) as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                questions.append(parse_line(line, where=f"{path}:{number}"))
    return questions


@dataclass(frozen=True)
class TrecData:
    """The training and test questions of a TREC folder."""

    train: list
    test: list

    @staticmethod
    def labels(questions):
        """(n,) ndarray of int: the coarse class index of each question."""
        return np.array([q.label for q in questions], dtype=np.int64)


def load_trec(data_dir):
    """The training and test questions in ``data_dir``.

    Parameters
    ----------
    data_dir : str or Path
        A folder holding :data:`TRAIN_FILE` and :data:`TEST_FILE` (e.g.
        ``../shared/data/trec``).

    Returns
    -------
    TrecData
    """
    data_dir = Path(data_dir)
    missing = [
        name for name in (TRAIN_FILE, TEST_FILE) if not (data_dir / name).is_file()
    ]
    if missing:
        raise FileNotFoundError(
            f"TREC folder {data_dir} lacks {' and '.join(missing)} (the TREC question "
            "classification files of Li & Roth 2002; pass the folder that holds them)"
        )
    return TrecData(
        read_trec_file(data_dir / TRAIN_FILE), read_trec_file(data_dir / TEST_FILE)
    )


class Vocabulary:
    """Token -> index, built from training questions.

    Index 0 is padding and index 1 stands for every token not in the vocabulary
    (:attr:`UNKNOWN`); the others are the tokens seen at least ``min_count`` times,
    the most frequent first (ties in order of first appearance).

    Parameters
    ----------
    questions : iterable of Question
    min_count : int, optional
    """

    PAD = 0
    UNKNOWN = 1

    def __init__(self, questions, min_count=1):
        if min_count < 1:
            raise ValueError(f"min_count = {min_count} must be at least 1")
        counts = Counter(token for q in questions for token in q.tokens)
        kept = [token for token, count in counts.most_common() if count >= min_count]
        self.tokens = ("<pad>", "<unknown>", *kept)
        self.index = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def from_tokens(cls, tokens):
        """The vocabulary of :attr:`tokens` as saved (padding and unknown first)."""
        tokens = tuple(tokens)
        if tokens[:2] != ("<pad>", "<unknown>"):
            raise ValueError(
                "a vocabulary's tokens start with '<pad>', '<unknown>', not "
                f"{tokens[:2]}"
            )
        vocabulary = cls.__new__(cls)
        vocabulary.tokens = tokens
        vocabulary.index = {token: i for i, token in enumerate(tokens)}
        return vocabulary

    def __len__(self):
        return len(self.tokens)

    def encode(self, questions, length=None):
        """Questions as padded index arrays.

        Parameters
        ----------
        questions : list of Question
        length : int, optional
            Tokens kept per question (longer questions are cut at the end); default
            the longest question's length.

        Returns
        -------
        indices : (n, length) ndarray of int64
            Token indices, padded with :attr:`PAD` after each question.
        lengths : (n,) ndarray of int64
            Tokens of each question that are in ``indices``.
        """
        if length is None:
            length = max((len(q.tokens) for q in questions), default=0)
        if length < 1:
            raise ValueError(f"length = {length} must be at least 1")
        indices = np.full((len(questions), length), self.PAD, dtype=np.int64)
        lengths = np.zeros(len(questions), dtype=np.int64)
        for row, question in enumerate(questions):
            tokens = question.tokens[:length]
            indices[row, : len(tokens)] = [
                self.index.get(token, self.UNKNOWN) for token in tokens
            ]
            lengths[row] = len(tokens)
        return indices, lengths


def align_right(indices, lengths):
    """Move each question's tokens to the end of its row (padding before them).

    A recurrent network that reads a row from left to right then ends every question
    at the last column, where its state is read.

    Parameters
    ----------
    indices : (n, length) ndarray of int
        As :meth:`Vocabulary.encode` returns them (padding after each question).
    lengths : (n,) ndarray of int

    Returns
    -------
    (n, length) ndarray of int64
    """
    indices = np.asarray(indices, dtype=np.int64)
    out = np.full_like(indices, Vocabulary.PAD)
    width = indices.shape[1]
    for row, n in enumerate(np.asarray(lengths)):
        if n:
            out[row, width - n :] = indices[row, :n]
    return out
