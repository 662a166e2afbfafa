"""The command line: exit codes, output files, and refusals that write nothing."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from nengo_truenorth.__main__ import main
from nengo_truenorth.emulator import EMULATORS, ReferenceEmulator
from nengo_truenorth.examples import example_path, ring_oscillator
from nengo_truenorth.files import dumps_spikes, load_spikes, save_model, save_spikes
from nengo_truenorth.hardware import ChipModel

TICKS = 30


def known_answers_model():
    """The four known answers of spec section 3, one neuron each, on one core.

    Output ``k`` of port ``"out"`` is neuron ``k``:

    0. alpha=10, lambda=+1: spikes at 9, 19, 29.
    1. alpha=10, lambda=+1, V0=1: first at 8.
    2. alpha=11, lambda=+2: every 6 ticks, first at 5.
    3. alpha=10, lambda=-1, a type-0 axon with s=+3 spiking at every tick from tick 1:
       every 5 ticks, first at 5.
    """
    model = ChipModel()
    core = model.add_core()
    core.set_neuron(0, leak=1, threshold=10)
    core.set_neuron(1, leak=1, threshold=10, initial_potential=1)
    core.set_neuron(2, leak=2, threshold=11)
    core.set_neuron(3, leak=-1, threshold=10, weights=[3, 0, 0, 0])
    core.connect(axon=0, neuron=3)
    model.add_input("in", [(core.id, 0)])
    model.add_output("out", [(core.id, j) for j in range(4)])
    model.add_output("silent", [(core.id, 100)])
    return model


KNOWN_ANSWERS = sorted(
    [[t, 0] for t in range(9, TICKS, 10)]
    + [[t, 1] for t in range(8, TICKS, 10)]
    + [[t, 2] for t in range(5, TICKS, 6)]
    + [[t, 3] for t in range(5, TICKS, 5)]
)


@pytest.fixture
def files(tmp_path):
    """Paths of a valid model file, an input spike file and an output spike file."""
    model_path = tmp_path / "model.json"
    save_model(known_answers_model(), model_path)
    input_path = tmp_path / "in.json"
    save_spikes({"in": [[t, 0] for t in range(1, TICKS)]}, input_path)
    return model_path, input_path, tmp_path / "out.json"


def run_args(model_path, input_path, output_path, *extra):
    args = ["run", str(model_path), "--ticks", str(TICKS), "--output", str(output_path)]
    if input_path is not None:
        args += ["--input", str(input_path)]
    return args + list(extra)


def cli(*args):
    """Run ``python -m nengo_truenorth`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "nengo_truenorth", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("emulator", sorted(EMULATORS))
def test_known_answers_through_the_cli(files, emulator, capsys):
    model_path, input_path, output_path = files
    assert main(run_args(*files, "--emulator", emulator)) == 0
    assert capsys.readouterr().err == ""
    spikes = load_spikes(output_path, model=known_answers_model(), kind="outputs")
    assert spikes["out"].tolist() == KNOWN_ANSWERS
    assert spikes["silent"].shape == (0, 2)  # every output port is written


def test_output_file_equals_running_the_emulator_directly(tmp_path):
    model = ring_oscillator()
    inputs = {"kick": [[0, 0], [7, 0]]}
    save_spikes(inputs, tmp_path / "kick.json")
    args = [
        "run",
        example_path("ring.json"),
        "--ticks",
        "40",
        "--input",
        tmp_path / "kick.json",
        "--output",
        tmp_path / "out.json",
        "--emulator",
        "reference",
    ]
    assert main([str(a) for a in args]) == 0
    direct = ReferenceEmulator(model).run(40, inputs)
    assert (tmp_path / "out.json").read_text() == dumps_spikes(direct)
    loaded = load_spikes(tmp_path / "out.json")
    assert list(loaded) == ["wave"] and np.array_equal(loaded["wave"], direct["wave"])


def test_run_without_input_and_zero_ticks(files):
    model_path, _, output_path = files
    assert main(run_args(model_path, None, output_path, "--emulator", "reference")) == 0
    assert load_spikes(output_path)["out"][:3].tolist() == [[5, 2], [8, 1], [9, 0]]
    assert (
        main(["run", str(model_path), "--ticks", "0", "--output", str(output_path)])
        == 0
    )
    assert json.loads(output_path.read_text()) == {"spikes": {"out": [], "silent": []}}


def test_summary_prints_activity_totals(files, capsys):
    assert main(run_args(*files, "--emulator", "reference", "--summary")) == 0
    out = capsys.readouterr().out
    assert out.startswith("summary: ticks 30,")
    assert "input spikes 29" in out and "cores 1" in out
    assert f"spikes {len(KNOWN_ANSWERS)}," in out


def test_run_writes_output_over_an_existing_file(files):
    model_path, input_path, output_path = files
    output_path.write_text("old")
    assert main(run_args(*files, "--emulator", "reference")) == 0
    assert load_spikes(output_path)["out"].tolist() == KNOWN_ANSWERS


# --- refusals ------------------------------------------------------------------------


def break_model(model_path):
    data = json.loads(model_path.read_text())
    data["cores"][0]["neurons"]["leak"][3] = 300
    model_path.write_text(json.dumps(data))


def assert_refused(code, capsys, output_path, *pieces, before=None):
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    for piece in pieces:
        assert piece in err, err
    if before is None:
        assert not output_path.exists()
    else:
        assert output_path.read_text() == before


@pytest.mark.parametrize("existing", [False, True])
def test_invalid_model_is_refused_and_writes_nothing(files, existing, capsys):
    model_path, input_path, output_path = files
    break_model(model_path)
    before = None
    if existing:
        before = "keep me"
        output_path.write_text(before)
    code = main(run_args(*files))
    assert_refused(
        code,
        capsys,
        output_path,
        str(model_path),
        "core 0, neuron 3",
        "leak = 300",
        "-255..255",
        before=before,
    )


@pytest.mark.parametrize(
    "spikes, pieces",
    [
        ({"in": [[1, 1]]}, ["port 'in', spike 0", "index = 1", "0..0"]),
        ({"in": [[2, 0], [1, 0]]}, ["port 'in', spike 1", "[1, 0]", "sorted by tick"]),
        ({"in": [[-1, 0]]}, ["port 'in', spike 0", "tick = -1"]),
        ({"in": [[TICKS, 0]]}, ["port 'in', spike 0", f"tick = {TICKS}", "0..29"]),
        ({"nope": [[1, 0]]}, ["port 'nope'", "port = 'nope'", "'in'"]),
        ({"out": []}, ["port 'out'", "port = 'out'", "model's inputs"]),
        ({"in": [[1.0, 0]]}, ["port 'in', spike 0", "tick = 1.0", "integers"]),
    ],
)
def test_invalid_input_spike_file_is_refused_and_writes_nothing(
    files, spikes, pieces, capsys
):
    model_path, input_path, output_path = files
    input_path.write_text(json.dumps({"spikes": spikes}))
    code = main(run_args(*files))
    assert_refused(code, capsys, output_path, str(input_path), *pieces)


@pytest.mark.parametrize("which", ["model", "input"])
def test_missing_file_is_refused(files, which, capsys):
    model_path, input_path, output_path = files
    os.remove(model_path if which == "model" else input_path)
    code = main(run_args(*files))
    kind = "model file" if which == "model" else "spike file"
    assert_refused(code, capsys, output_path, "No such file", f"cannot read {kind}")


def test_unwritable_output_is_refused(files, capsys):
    model_path, input_path, output_path = files
    code = main(
        run_args(model_path, input_path, output_path.parent / "no" / "out.json")
    )
    assert_refused(code, capsys, output_path, "cannot write spike file")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["frobnicate"],
        ["run", "model.json", "--output", "out.json"],  # no --ticks
        ["run", "model.json", "--ticks", "10"],  # no --output
        ["run", "model.json", "--ticks", "-1", "--output", "out.json"],
        ["run", "model.json", "--ticks", "ten", "--output", "out.json"],
        ["run", "model.json", "--ticks", "1", "--output", "o.json", "--emulator", "x"],
        ["validate"],
    ],
)
def test_usage_errors_exit_2(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert "usage:" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "run" in capsys.readouterr().out


# --- validate -------------------------------------------------------------------------


def test_validate(files, capsys):
    model_path, _, _ = files
    assert main(["validate", str(model_path)]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"{model_path}: valid, 1 core on 1 chip, 1 input port, 2 output ports, "
        "deterministic\n"
    )


def test_validate_reports_stochastic_models_and_chips(tmp_path, capsys):
    model = ChipModel()
    model.add_core(x=0, y=0).set_neuron(0, threshold_mask_bits=3)
    model.add_core(x=64, y=0)
    save_model(model, tmp_path / "m.json")
    assert main(["validate", str(tmp_path / "m.json")]) == 0
    assert "2 cores on 2 chips, 0 input ports, 0 output ports, stochastic" in (
        capsys.readouterr().out
    )


def test_validate_refuses_invalid_model(files, capsys):
    model_path, _, output_path = files
    break_model(model_path)
    code = main(["validate", str(model_path)])
    assert_refused(code, capsys, output_path, "core 0, neuron 3", "leak = 300")


# --- as a program ---------------------------------------------------------------------


def test_python_m_exit_codes(files):
    model_path, input_path, output_path = files
    ok = cli(*run_args(*files, "--emulator", "reference"))
    assert ok.returncode == 0, ok.stderr
    assert load_spikes(output_path)["out"].tolist() == KNOWN_ANSWERS
    output_path.unlink()

    break_model(model_path)
    refused = cli(*run_args(*files))
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: ")
    assert "core 0, neuron 3: leak = 300 is not allowed (allowed: -255..255)" in (
        refused.stderr
    )
    assert not output_path.exists()


def test_console_script_validates_the_shipped_example():
    script = shutil.which(
        "nengo-truenorth", path=os.path.dirname(os.path.abspath(sys.executable))
    )
    if script is None:
        pytest.skip("the nengo-truenorth console script is not installed")
    done = subprocess.run(
        [script, "validate", example_path("ring.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "4 cores on 1 chip, 1 input port, 1 output port, deterministic" in done.stdout
    )
