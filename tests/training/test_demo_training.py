"""`make demo` (nengo_truenorth.demo_training) trains, retrains for the chip, runs
on it, prints what it says and writes its plots. Skipped without the dl extra."""

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("nengo_dl")

from nengo_truenorth import demo_training  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:No GPU support detected",
    "ignore:This version of NengoDL",
    "ignore:Number of elements in input data",
    "ignore::UserWarning",
)


def test_demo_trains_runs_on_the_chip_and_writes_plots(tmp_path, capsys):
    assert demo_training.main(["--quick", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    for name in ("accuracy.png", "class_scores.png"):
        path = tmp_path / name
        assert path.stat().st_size > 10_000
        assert f"wrote {path}" in text
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) == 8 and cells[0] in ("plain", demo_training.CHIP_TRAINED):
            rows[cells[0]] = cells[1:]
    assert set(rows) == {"plain", demo_training.CHIP_TRAINED}, text
    for rate, nengo_acc, chip_acc, measured_acc, cores, uj, mw in rows.values():
        for accuracy in (rate, nengo_acc, chip_acc, measured_acc):
            assert 0.0 <= float(accuracy) <= 1.0
        assert int(cores) > 1
        # the power at real time is the energy of one 80 ms inference over 80 ms
        assert float(mw) == pytest.approx(float(uj) / 80, abs=0.01)
    assert "an inference is 80 ms of chip time" in text


@pytest.mark.parametrize(
    "argv", [["--samples", "0"], ["--neurons", "0"], ["--epochs", "-1"]]
)
def test_demo_refuses_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo_training.main(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err
