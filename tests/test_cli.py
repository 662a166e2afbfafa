"""The command line: exit codes, output files, and refusals that write nothing."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from nengo_truenorth.__main__ import default_emulator, main, make_parser
from nengo_truenorth.emulator import EMULATORS, ReferenceEmulator
from nengo_truenorth.emulator import base as emulator_base
from nengo_truenorth.examples import example_path, ring_oscillator
from nengo_truenorth.files import (
    MAX_CORES,
    MAX_FILE_BYTES,
    dumps_spikes,
    load_spikes,
    save_model,
    save_spikes,
)
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


def test_output_in_a_missing_folder_is_refused_before_the_run(
    files, capsys, monkeypatch
):
    model_path, input_path, output_path = files

    def run(*args, **kwargs):
        raise AssertionError("the run started")

    for emulator in EMULATORS.values():
        monkeypatch.setattr(emulator, "run", run)
    missing = output_path.parent / "no" / "out.json"
    code = main(run_args(model_path, input_path, missing))
    assert_refused(
        code,
        capsys,
        missing,
        str(missing),
        "cannot write spike file",
        f"folder {missing.parent} does not exist",
    )


def test_output_that_is_a_folder_is_refused(files, capsys):
    model_path, input_path, output_path = files
    code = main(run_args(model_path, input_path, output_path.parent))
    assert_refused(code, capsys, output_path, "cannot write spike file: it is a folder")


@pytest.mark.parametrize("output", ["", "out.json/"])
def test_output_that_names_no_file_is_refused(files, output, capsys, monkeypatch):
    model_path, input_path, output_path = files
    monkeypatch.chdir(output_path.parent)
    before = sorted(os.listdir(output_path.parent.parent))
    code = main(run_args(model_path, input_path, output))
    assert_refused(code, capsys, output_path, "not the path of a file")
    assert sorted(os.listdir(output_path.parent.parent)) == before


@pytest.mark.parametrize("which", ["model", "input"])
@pytest.mark.parametrize("spelling", ["same", "relative", "link"])
def test_output_that_is_an_input_file_is_refused(
    files, which, spelling, capsys, monkeypatch
):
    model_path, input_path, _ = files
    target = model_path if which == "model" else input_path
    before = target.read_bytes()
    monkeypatch.chdir(target.parent)
    output = {
        "same": str(target),
        "relative": f"./{target.name}",
        "link": "link.json",
    }[spelling]
    if spelling == "link":
        os.symlink(target, output)
    code = main(run_args(model_path, input_path, output))
    what = "model file" if which == "model" else "input spike file"
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {output}: the output is the {what} {target}"), err
    assert target.read_bytes() == before


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
        ["run", "model.json", "--ticks", str(2**62 + 1), "--output", "out.json"],
        ["validate"],
        ["validate", "model.json", "--max-file-mb", "0"],
        ["validate", "model.json", "--max-file-mb", "nan"],
        ["validate", "model.json", "--max-file-mb", "lots"],
        ["validate", "model.json", "--max-cores", "-1"],
        ["validate", "model.json", "--max-cores", "1.5"],
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


# --- limits and unreadable JSON ----------------------------------------------------


@pytest.mark.parametrize("which", ["model", "input"])
@pytest.mark.parametrize(
    "text, pieces",
    [
        ('{"format": ' + "1" * 5000 + "}", ["an integer of more than 4,300 digits"]),
        ("[" * 200_000 + "]" * 200_000, ["nested too deep"]),
    ],
    ids=["long-integer", "deep-nesting"],
)
def test_json_python_cannot_hold_is_refused(files, which, text, pieces, capsys):
    model_path, input_path, output_path = files
    path = model_path if which == "model" else input_path
    path.write_text(text)
    code = main(run_args(*files))
    kind = "model file" if which == "model" else "spike file"
    assert_refused(code, capsys, output_path, f"{path}: {kind}: JSON", *pieces)


@pytest.mark.parametrize("which", ["model", "input"])
def test_file_over_the_size_limit_is_refused(files, which, capsys):
    model_path, input_path, output_path = files
    path = model_path if which == "model" else input_path
    # the file under test is the largest: trailing blanks are valid JSON
    size = model_path.stat().st_size + input_path.stat().st_size
    path.write_text(path.read_text().ljust(size))
    limit_mb = (size - 1) / 1e6
    code = main(run_args(*files, "--max-file-mb", str(limit_mb)))
    assert_refused(
        code,
        capsys,
        output_path,
        f"{path}: ",
        f"file size = {size:,} bytes is not allowed",
        f"at most {size - 1:,} bytes",
        "--max-file-mb raises the limit",
    )
    assert main(run_args(*files, "--max-file-mb", str(size / 1e6))) == 0


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_endless_file_is_refused_at_the_limit(capsys):
    code = main(["validate", "/dev/zero", "--max-file-mb", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "error: /dev/zero: model file: file size = more than 1,000,000"
    )


def test_file_size_limit_defaults_to_max_file_bytes():
    args = make_parser().parse_args(["validate", "m.json"])
    assert args.max_file_bytes == MAX_FILE_BYTES == 256 * 10**6
    assert args.max_cores == MAX_CORES == 4096


def test_model_over_the_core_limit_is_refused(files, capsys):
    model_path, input_path, output_path = files
    model = ChipModel()
    for _ in range(3):
        model.add_core()
    save_model(model, model_path)
    code = main(["validate", str(model_path), "--max-cores", "2"])
    assert_refused(
        code,
        capsys,
        output_path,
        f"{model_path}: model file: number of cores = 3 is not allowed",
        "at most 2",
        "--max-cores raises the limit",
    )
    assert main(["validate", str(model_path), "--max-cores", "3"]) == 0


def test_a_run_in_many_blocks_writes_what_one_block_writes(tmp_path, monkeypatch):
    """Long runs go in blocks of ticks (to bound memory); the file is the same."""
    ticks = 3000
    direct = EMULATORS[default_emulator()](ring_oscillator()).run(
        ticks, {"kick": [[0, 0]]}
    )
    monkeypatch.setattr(emulator_base, "BLOCK_BYTES", 2**8)  # blocks of 21 ticks
    save_spikes({"kick": [[0, 0]]}, tmp_path / "kick.json")
    args = [
        "run",
        example_path("ring.json"),
        "--ticks",
        str(ticks),
        "--input",
        str(tmp_path / "kick.json"),
        "--output",
        str(tmp_path / "out.json"),
    ]
    assert main(args) == 0
    assert len(direct["wave"]) > 100
    assert (tmp_path / "out.json").read_text() == dumps_spikes(direct)


def test_run_whose_counters_could_overflow_is_refused(tmp_path, capsys):
    """Cores at opposite corners of the largest mesh: 2**32 hops per spike."""
    model = ChipModel()
    near = model.add_core(x=0, y=0)
    far = model.add_core(x=2**31 - 1, y=2**31 - 1)
    near.set_neuron(0, leak=1, threshold=1)
    near.set_destination(0, core=far.id, axon=0)
    save_model(model, tmp_path / "far.json")
    output = tmp_path / "out.json"
    args = ["run", str(tmp_path / "far.json"), "--output", str(output), "--ticks"]
    code = main([*args, str(2**24)])
    assert_refused(
        code, capsys, output, f"--ticks {2**24}: the activity counters", "at most"
    )
    assert main([*args, "3", "--summary"]) == 0
    assert f"spike hops {3 * 2 * (2**31 - 1)}," in capsys.readouterr().out


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
