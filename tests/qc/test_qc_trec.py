"""The TREC loader: the real files' format, its errors, the vocabulary; the real data
where ../shared/data/trec is beside the checkout (skipped cleanly elsewhere)."""

from pathlib import Path

import numpy as np
import pytest

from nengo_truenorth.qc import (
    COARSE_LABELS,
    TEST_FILE,
    TRAIN_FILE,
    Vocabulary,
    load_trec,
    read_trec_file,
    tokenize,
)

REAL_DATA = Path(__file__).parents[2].parent / "shared" / "data" / "trec"

# lines in the files' own format, one with the training file's kind of Latin-1 byte
LINES = [
    "DESC:manner How did serfdom develop in and then leave Russia ?",
    "ENTY:plant What is Australia 's national flower ?",
    "",
    "HUM:ind Who was Galileo ?",
    "LOC:city What city had a world fair in 1900 ?",
    "NUM:date When was the Caf\xe9 de Flore opened ?",
    "ABBR:exp What is the full form of .com ?",
]


def write_lines(path, lines):
    path.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    return path


def test_a_trec_file_gives_coarse_labels_fine_labels_and_tokens(tmp_path):
    questions = read_trec_file(write_lines(tmp_path / "q.label", LINES))
    assert [q.coarse for q in questions] == [
        "DESC",
        "ENTY",
        "HUM",
        "LOC",
        "NUM",
        "ABBR",
    ]
    assert [q.label for q in questions] == [1, 2, 3, 4, 5, 0]
    assert questions[0].fine == "manner"
    assert questions[1].tokens == (
        "what", "is", "australia", "'s", "national", "flower", "?",
    )  # fmt: skip
    assert "café" in questions[4].tokens  # the Latin-1 byte read as latin-1


def test_tokenize_splits_at_whitespace_and_lowercases():
    assert tokenize("  How far is it from Denver to Aspen ?\n") == (
        "how", "far", "is", "it", "from", "denver", "to", "aspen", "?",
    )  # fmt: skip


@pytest.mark.parametrize(
    "line, message",
    [
        ("WHAT:ever Is this a question ?", "coarse label 'WHAT'"),
        ("DESC How did it go ?", "expected 'COARSE:fine question'"),
        ("DESC:manner", "has no question"),
    ],
)
def test_a_malformed_line_is_refused_naming_the_file_and_line(tmp_path, line, message):
    path = write_lines(tmp_path / "bad.label", [LINES[0], line])
    with pytest.raises(ValueError, match=message) as info:
        read_trec_file(path)
    assert f"{path}:2" in str(info.value)


def test_a_missing_folder_names_what_is_missing(tmp_path):
    write_lines(tmp_path / TRAIN_FILE, LINES)
    with pytest.raises(FileNotFoundError, match=f"lacks {TEST_FILE}"):
        load_trec(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_trec_file(tmp_path / "nothing.label")


def test_the_vocabulary_indexes_by_frequency_with_padding_and_unknown(tmp_path):
    questions = read_trec_file(write_lines(tmp_path / "q.label", LINES))
    vocab = Vocabulary(questions)
    assert vocab.tokens[:4] == ("<pad>", "<unknown>", "?", "what")
    unknown = read_trec_file(
        write_lines(tmp_path / "u.label", ["HUM:ind Who is Zog ?"])
    )
    indices, lengths = vocab.encode(questions[:2] + unknown, length=8)
    assert indices.shape == (3, 8) and lengths.tolist() == [8, 7, 4]
    assert indices[1, 7] == Vocabulary.PAD  # padded after the question
    assert indices[2].tolist()[:4] == [
        vocab.index["who"], vocab.index["is"], Vocabulary.UNKNOWN, vocab.index["?"],
    ]  # fmt: skip
    # rare tokens fold into <unknown>
    assert len(Vocabulary(questions, min_count=2)) < len(vocab)
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary(questions, min_count=0)


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"no TREC data at {REAL_DATA}")
def test_the_real_files_load_with_their_published_counts():
    data = load_trec(REAL_DATA)
    assert len(data.train) == 5452 and len(data.test) == 500
    counts = np.bincount(data.labels(data.test), minlength=len(COARSE_LABELS))
    # the test file's coarse counts (../shared/data/README.md)
    assert dict(zip(COARSE_LABELS, counts.tolist())) == {
        "ABBR": 9, "DESC": 138, "ENTY": 94, "HUM": 65, "LOC": 81, "NUM": 113,
    }  # fmt: skip
    vocab = Vocabulary(data.train)
    indices, lengths = vocab.encode(data.test)
    assert indices.shape[0] == 500 and lengths.min() >= 2
