"""The error contract, fuzzed: whatever the files and arguments, the loaders raise only
their own errors, and the command line either succeeds or says ``error:``, exits 2
and writes nothing -- never a traceback.

The command line runs in-process (``main(argv)``): an exception escaping it fails the
test with its traceback.
"""

import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nengo_truenorth.__main__ import main
from nengo_truenorth.files import (
    dumps_model,
    dumps_spikes,
    load_model,
    load_spikes,
    loads_model,
)
from nengo_truenorth.hardware import ChipModel, HardwareModelError, SpikeFileError

TICKS = 12

#: Fixtures shared by the examples of a test are reset by hand (``run_cli``).
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def tiny_model():
    """Two cores, one routed neuron that fires, an input and an output port."""
    model = ChipModel()
    core0 = model.add_core(id=0, x=0, y=0)
    core5 = model.add_core(id=5, x=1, y=0, seed=7)
    core5.connect(axon=3, neuron=[0, 7])
    core5.set_neuron(7, weights=[4, 2, 3, 4], leak=1, threshold=3)
    core5.set_destination(7, core0, axon=1, delay=2)
    core0.connect(axon=1, neuron=0)
    core0.set_neuron(0, weights=[1, 0, 0, 0], threshold=1)
    model.add_input("in", [(5, 3), (0, 1)])
    model.add_output("out", [(5, 7), (0, 0)])
    return model


MODEL_TEXT = dumps_model(tiny_model())
MODEL_DATA = json.loads(MODEL_TEXT)
SPIKES_DATA = {"spikes": {"in": [[0, 0], [1, 1], [3, 0], [TICKS - 1, 1]]}}
SPIKES_TEXT = dumps_spikes(SPIKES_DATA["spikes"])

#: Any JSON value, with the awkward ones well represented.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([-1, 0, 1, 255, 256, 2**31, 2**63, -(2**63) - 1, 2**64])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


def _places(data, path=()):
    """Every path of keys and indices into a parsed JSON value (long lists sampled)."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _places(value, (*path, key))
    elif isinstance(data, list):
        indices = range(len(data)) if len(data) <= 4 else (0, 1, len(data) - 1)
        for k in indices:
            yield from _places(data[k], (*path, k))


MODEL_PLACES = list(_places(MODEL_DATA))
SPIKE_PLACES = list(_places(SPIKES_DATA))


def _replace(data, path, value):
    """A deep copy of ``data`` with the value at ``path`` replaced (or deleted)."""
    data = json.loads(json.dumps(data))
    if not path:
        return {} if value is _DELETE else value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


_DELETE = object()


def json_mutations(data, places):
    """Text of ``data`` with one value replaced by any JSON value, or deleted."""
    return st.builds(
        lambda path, value: json.dumps(_replace(data, path, value)),
        st.sampled_from(places),
        json_values | st.just(_DELETE),
    )


def byte_mutations(text):
    """``text`` as UTF-8 with a slice replaced by arbitrary bytes."""
    raw = text.encode()

    @st.composite
    def mutate(draw):
        start = draw(st.integers(0, len(raw)))
        stop = draw(st.integers(start, min(len(raw), start + 16)))
        return raw[:start] + draw(st.binary(max_size=16)) + raw[stop:]

    return mutate()


# --- the loaders raise only their own errors ---------------------------------------


@FUZZ
@given(data=st.binary(max_size=200) | byte_mutations(MODEL_TEXT))
def test_model_loader_raises_only_model_errors_on_any_bytes(data):
    try:
        load_model(io.BytesIO(data))
    except HardwareModelError:
        pass


@FUZZ
@given(text=json_mutations(MODEL_DATA, MODEL_PLACES))
@example(text='{"format": ' + "1" * 5000 + "}")
@example(text="[" * 100_000 + "]" * 100_000)
def test_model_loader_raises_only_model_errors_on_mutated_models(text):
    try:
        loads_model(text)
    except HardwareModelError:
        pass


@FUZZ
@given(
    data=st.binary(max_size=200)
    | byte_mutations(SPIKES_TEXT)
    | json_mutations(SPIKES_DATA, SPIKE_PLACES).map(str.encode)
)
@example(data=b'{"spikes": {"in": [[' + b"9" * 5000 + b", 0]]}}")
def test_spike_loader_raises_only_spike_errors(data):
    for model in (None, tiny_model()):
        try:
            load_spikes(io.BytesIO(data), model=model, ticks=TICKS)
        except SpikeFileError:
            pass


# --- the command line: success, or error: + exit 2 with nothing written -----------


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A folder with the valid model and spike files; the output goes beside them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.json").write_text(MODEL_TEXT)
    (tmp_path / "in.json").write_text(SPIKES_TEXT)
    return tmp_path


def run_cli(capsys, workspace, argv):
    """Run ``main(argv)``; assert the contract; return the exit status.

    Only ``out.json`` may appear, and only on success; it is removed afterwards so
    that the next example starts clean.
    """
    before = {p.name: p.read_bytes() for p in workspace.iterdir()}
    code = main(argv)
    _, err = capsys.readouterr()
    after = {p.name: p.read_bytes() for p in workspace.iterdir()}
    written = {name for name in after if before.get(name) != after[name]}
    if code == 0:
        assert written <= {"out.json"}, written
        assert not err, err
        if "out.json" in written:
            load_spikes(workspace / "out.json", kind="outputs")  # a valid spike file
    else:
        assert code == 2, (code, err)
        assert "Traceback" not in err
        assert err.startswith("error: ") or "usage:" in err, err
        assert not written, written
    (workspace / "out.json").unlink(missing_ok=True)
    return code


def run_argv(model="model.json", spikes="in.json"):
    args = ["run", model, "--ticks", str(TICKS), "--output", "out.json"]
    return args + ["--input", spikes]


@FUZZ
@given(
    model=st.binary(max_size=100)
    | byte_mutations(MODEL_TEXT)
    | json_mutations(MODEL_DATA, MODEL_PLACES).map(str.encode)
)
@example(model=MODEL_TEXT.encode())  # the valid model runs
def test_cli_on_any_model_file(model, workspace, capsys):
    (workspace / "bad-model.json").write_bytes(model)
    run_cli(capsys, workspace, run_argv(model="bad-model.json"))
    run_cli(capsys, workspace, ["validate", "bad-model.json"])
    (workspace / "bad-model.json").unlink()


@FUZZ
@given(
    spikes=st.binary(max_size=100)
    | byte_mutations(SPIKES_TEXT)
    | json_mutations(SPIKES_DATA, SPIKE_PLACES).map(str.encode)
)
@example(spikes=SPIKES_TEXT.encode())
def test_cli_on_any_spike_file(spikes, workspace, capsys):
    (workspace / "bad-in.json").write_bytes(spikes)
    run_cli(capsys, workspace, run_argv(spikes="bad-in.json"))
    (workspace / "bad-in.json").unlink()


WORDS = [
    "run",
    "validate",
    "model.json",
    "in.json",
    "out.json",
    "missing.json",
    ".",
    "nofolder/out.json",
    "--ticks",
    "--input",
    "--output",
    "--emulator",
    "fast",
    "reference",
    "--summary",
    "--max-file-mb",
    "--max-cores",
    "0",
    "1",
    "3",
    "-1",
    "0.0001",
    "nan",
    "1e400",
    "x",
    "4611686018427387905",
    "",
]


@FUZZ
@given(
    argv=st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=10)
    | st.permutations(run_argv()).map(list)
)
@example(argv=run_argv())
@example(argv=["run", "model.json", "--ticks", "3", "--output", "model.json"])
@example(argv=["run", "model.json", "--ticks", "3", "--output", "nofolder/o.json"])
def test_cli_on_any_arguments(argv, workspace, capsys):
    run_cli(capsys, workspace, argv)
