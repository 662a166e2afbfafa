"""``python -m nengo_truenorth.qc``: its arguments, its errors, and its whole path
(NengoDL training, the emulated core, the saved files) on real questions."""

import json
from pathlib import Path

import pytest

pytest.importorskip("nengo_dl")

from nengo_truenorth.qc.__main__ import main, parse_args
from nengo_truenorth.qc.model import accuracy
from nengo_truenorth.qc.trec import align_right

REAL_DATA = Path(__file__).parents[2].parent / "shared" / "data" / "trec"


def test_bad_weight_bits_are_refused_by_the_command():
    with pytest.raises(SystemExit):
        parse_args(["--data", ".", "--weight-bits", "5"])


def test_a_missing_data_folder_is_an_error_not_a_traceback(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "nowhere"), "--quick"]) == 2
    assert "error: TREC folder" in capsys.readouterr().err


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason="TREC data not beside the checkout")
def test_quick_run_trains_runs_saves_and_evaluates(tmp_path, capsys):
    saved, table = tmp_path / "qc", tmp_path / "qc.json"
    main(
        [
            "--data",
            str(REAL_DATA),
            "--quick",
            "--save",
            str(saved),
            "--json",
            str(table),
        ]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("on-chip accuracy: ") and " ± " in out[-1]
    result = json.loads(table.read_text())
    (row,) = result["rows"]
    assert row["float"] >= 0.4  # it learns, even in a quick run (chance: 0.2-0.3)
    assert row["cores"] == 1 and row["axons"] == 256
    assert out[-1] == f"on-chip accuracy: {row['chip']:.3f} ± 0.000"
    for name in ("model.json", "network.npz", "vocabulary.json", "question.json"):
        assert (saved / name).exists()

    main(["--evaluate", str(saved), "--data", str(REAL_DATA)])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    from nengo_truenorth.qc.chip import load_saved
    from nengo_truenorth.qc.data import LENGTH
    from nengo_truenorth.qc.trec import load_trec

    network, vocabulary = load_saved(saved)
    trec = load_trec(REAL_DATA)
    x = align_right(*vocabulary.encode(trec.test, LENGTH))
    expected = accuracy(network.chip_logits(x), trec.labels(trec.test))
    assert last == f"on-chip accuracy: {expected:.3f}"
