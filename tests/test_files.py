"""Model files and spike files: exact round trips, and every rule refused by name."""

import copy
import io
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nengo_truenorth import files
from nengo_truenorth.files import (
    crossbar_from_rows,
    crossbar_to_rows,
    dumps_model,
    dumps_spikes,
    load_model,
    load_spikes,
    loads_model,
    loads_spikes,
    model_from_dict,
    model_to_dict,
    save_model,
    save_spikes,
    spikes_from_dict,
    spikes_to_dict,
)
from nengo_truenorth.hardware import ChipModel, HardwareModelError, SpikeFileError
from nengo_truenorth.hardware.limits import (
    AXONS_PER_CORE,
    DELAY_MAX,
    DELAY_MIN,
    N_AXON_TYPES,
    NEURON_FIELDS,
    NEURONS_PER_CORE,
    SEED_MAX,
)

ZERO_ROW = "0" * 64


def random_model(rng, n_cores):
    """A model with every field drawn over its whole range (extremes included)."""
    model = ChipModel()
    ids = rng.choice(10**6, size=n_cores, replace=False)
    places = rng.choice(128 * 128, size=n_cores, replace=False)  # up to 2 x 2 chips
    for core_id, p in zip(ids, places):
        seed = int(rng.integers(0, 2**64, dtype=np.uint64))
        core = model.add_core(
            id=int(core_id), x=int(p % 128), y=int(p // 128), seed=seed
        )
        core.axon_types[:] = rng.integers(0, N_AXON_TYPES, size=AXONS_PER_CORE)
        core.crossbar[:] = rng.random((AXONS_PER_CORE, NEURONS_PER_CORE)) < 0.3
        for name, (width, lo, hi) in NEURON_FIELDS.items():
            array = getattr(core, name)
            array[...] = rng.integers(lo, hi + 1, size=array.shape)
            array.flat[0], array.flat[-1] = lo, hi
        core.target_core[:] = rng.choice(np.append(ids, -1), size=NEURONS_PER_CORE)
        core.target_axon[:] = rng.integers(0, AXONS_PER_CORE, size=NEURONS_PER_CORE)
        core.target_delay[:] = rng.integers(DELAY_MIN, DELAY_MAX + 1, NEURONS_PER_CORE)
    model.cores[0].seed = SEED_MAX
    core_ids = rng.choice(ids, size=5)
    model.add_input("in", zip(core_ids, rng.integers(0, AXONS_PER_CORE, size=5)))
    model.add_input("empty", [])
    model.add_output('out \u00e9"', zip(core_ids, rng.integers(0, 256, size=5)))
    return model


def assert_models_equal(a, b):
    assert [(c.id, c.x, c.y, c.seed) for c in a.cores] == [
        (c.id, c.x, c.y, c.seed) for c in b.cores
    ]
    for ca, cb in zip(a.cores, b.cores):
        for name in ["axon_types", "crossbar", *NEURON_FIELDS, "target_core"]:
            va, vb = np.asarray(getattr(ca, name)), np.asarray(getattr(cb, name))
            assert np.array_equal(va, vb), (ca, name)
            assert va.shape == vb.shape
        routed = ca.target_core != -1
        for name in ("target_axon", "target_delay"):
            assert np.array_equal(getattr(ca, name)[routed], getattr(cb, name)[routed])
    assert a.inputs == b.inputs
    assert a.outputs == b.outputs


def small_model():
    """Two cores (ids 0 and 5), one routed neuron, an input and an output port."""
    model = ChipModel()
    core0 = model.add_core(id=0, x=0, y=0)
    core5 = model.add_core(id=5, x=1, y=0, seed=7)
    core5.connect(axon=3, neuron=[0, 7])
    core5.set_neuron(7, weights=[1, 2, 3, 4], leak=-1, threshold=10)
    core5.set_destination(7, core0, axon=1, delay=2)
    model.add_input("in", [(5, 3), (0, 1)])
    model.add_output("out", [(5, 7), (0, 0)])
    return model


# --- round trips -------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_model_round_trips_exactly(seed, tmp_path):
    model = random_model(np.random.default_rng(seed), n_cores=3)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    save_model(model, first)
    loaded = load_model(first)
    assert_models_equal(model, loaded)
    save_model(loaded, second)
    assert first.read_bytes() == second.read_bytes()
    assert_models_equal(loaded, load_model(second))


def test_project_random_models_round_trip():
    random_models = pytest.importorskip("nengo_truenorth.emulator.random_models")
    model = random_models.random_model(np.random.default_rng(3), 3)
    text = dumps_model(model)
    assert_models_equal(model, loads_model(text))
    assert dumps_model(loads_model(text)) == text


def test_empty_model_round_trips():
    text = dumps_model(ChipModel())
    assert json.loads(text) == {
        "format": "truenorth-model",
        "version": 1,
        "cores": [],
        "inputs": {},
        "outputs": {},
    }
    assert dumps_model(loads_model(text)) == text


def test_model_dict_round_trip_and_layout():
    model = small_model()
    data = model_to_dict(model)
    assert list(data) == ["format", "version", "cores", "inputs", "outputs"]
    assert list(data["cores"][0]) == [
        "id",
        "x",
        "y",
        "seed",
        "axon_types",
        "crossbar",
        "neurons",
    ]
    assert data["inputs"] == {"in": [[5, 3], [0, 1]]}
    assert_models_equal(model, model_from_dict(copy.deepcopy(data)))
    text = dumps_model(model)
    assert json.loads(text) == data
    # diff-friendly: one line per crossbar row, one line per neuron field
    assert text.count(f'"{ZERO_ROW}"') == 2 * AXONS_PER_CORE - 1
    assert '      "id": 5, "x": 1, "y": 0, "seed": 7,\n' in text
    assert '        "leak": [' in text and text.endswith("}\n")


def test_load_accepts_file_objects():
    text = dumps_model(small_model())
    assert_models_equal(load_model(io.StringIO(text)), small_model())
    assert_models_equal(load_model(io.BytesIO(text.encode())), small_model())


def test_spikes_round_trip_exactly(tmp_path):
    rng = np.random.default_rng(0)
    spikes = {
        "b": np.unique(rng.integers(0, 50, size=(40, 2)), axis=0),
        "a": np.zeros((0, 2), dtype=np.int64),
    }
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    save_spikes(spikes, first)
    loaded = load_spikes(first)
    assert list(loaded) == ["a", "b"]
    for port in spikes:
        assert loaded[port].dtype == np.int64 and loaded[port].shape[1] == 2
        assert np.array_equal(loaded[port], spikes[port])
    save_spikes(loaded, second)
    assert first.read_bytes() == second.read_bytes()


def test_spikes_are_always_written_sorted():
    unsorted = {"p": [[5, 1], [2, 9], [5, 0], [2, 9]]}
    assert spikes_to_dict(unsorted) == {"spikes": {"p": [[2, 9], [5, 0], [5, 1]]}}
    assert dumps_spikes(unsorted) == (
        '{\n  "spikes": {\n    "p": [[2, 9], [5, 0], [5, 1]]\n  }\n}\n'
    )
    assert dumps_spikes({}) == '{\n  "spikes": {}\n}\n'


@settings(deadline=None)
@given(
    trains=st.dictionaries(
        st.text(max_size=4),
        st.lists(st.tuples(st.integers(0, 2**62), st.integers(0, 300)), max_size=40),
        max_size=3,
    ),
    per_piece=st.integers(1, 5),
)
def test_spike_text_written_in_pieces_is_the_canonical_text(trains, per_piece):
    """The pieces a long recording is written in join to the one-line-per-port text."""
    spikes = {
        port: np.array(rows, dtype=np.int64).reshape(-1, 2)
        for port, rows in trains.items()
    }
    canonical = (
        '{\n  "spikes": '
        + files._ports_text(spikes_to_dict(spikes)["spikes"], 2)
        + "\n}\n"
    )
    original = files._SPIKES_PER_PIECE
    files._SPIKES_PER_PIECE = per_piece
    try:
        assert dumps_spikes(spikes) == canonical
    finally:
        files._SPIKES_PER_PIECE = original
    assert json.loads(canonical) == spikes_to_dict(spikes)


def test_sorted_spikes_are_not_copied_to_be_written():
    spikes = np.array([[0, 1], [0, 2], [3, 0]], dtype=np.int64)
    assert files._sorted_unique_rows(spikes) is spikes
    unsorted = spikes[::-1]
    assert files._sorted_unique_rows(unsorted).tolist() == spikes.tolist()


# --- limits and JSON Python cannot hold --------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "model.json"
    save_model(small_model(), path)
    size = path.stat().st_size
    with pytest.raises(HardwareModelError) as info:
        load_model(path, max_bytes=size - 1)
    assert info.value.field == "file size"
    assert str(info.value) == (
        f"model file: file size = {size:,} bytes is not allowed "
        f"(allowed: at most {size - 1:,} bytes)"
    )
    assert_models_equal(load_model(path, max_bytes=size), small_model())
    assert_models_equal(load_model(path, max_bytes=None), small_model())


def test_an_open_file_is_read_only_up_to_the_limit():
    endless = io.BytesIO(b" " * 10_000)
    with pytest.raises(SpikeFileError, match="more than 100 bytes"):
        load_spikes(endless, max_bytes=100)
    assert endless.tell() == 101


def test_default_limits_fit_a_full_chip():
    assert files.MAX_CORES == 4096
    assert files.MAX_FILE_BYTES == 256 * 10**6


def test_a_model_over_the_core_limit_is_refused_before_its_cores_are_built(
    monkeypatch,
):
    data = model_to_dict(small_model())
    built = []
    monkeypatch.setattr(files, "_core_from_dict", lambda *a: built.append(a))
    with pytest.raises(HardwareModelError) as info:
        model_from_dict(data, max_cores=1)
    assert not built
    assert info.value.field == "number of cores"
    assert "number of cores = 2 is not allowed (allowed: at most 1)" in str(info.value)
    monkeypatch.undo()
    assert_models_equal(
        loads_model(dumps_model(small_model()), max_cores=2), small_model()
    )
    assert_models_equal(model_from_dict(data, max_cores=None), small_model())


@pytest.mark.parametrize(
    "load, error", [(loads_model, HardwareModelError), (loads_spikes, SpikeFileError)]
)
def test_json_python_cannot_hold_is_refused(load, error):
    with pytest.raises(error, match="JSON = an integer of more than 4,300 digits"):
        load('{"spikes": [' + "7" * 4301 + "]}")
    with pytest.raises(error, match="JSON = arrays or objects nested too deep"):
        load("[" * 100_000 + "]" * 100_000)


def test_huge_integers_are_summarized_in_messages():
    data = model_to_dict(small_model())
    data["cores"][0]["neurons"]["leak"][3] = 10**1000
    with pytest.raises(HardwareModelError) as info:
        model_from_dict(data)
    assert "core 0, neuron 3: leak = <integer of 3322 bits>" in str(info.value)
    assert len(str(info.value)) < 200
    with pytest.raises(SpikeFileError, match="tick = <integer of 3322 bits>"):
        spikes_from_dict({"spikes": {"p": [[10**1000, 0]]}})


# --- crossbar orientation ------------------------------------------------------------


def test_crossbar_hex_orientation():
    w = np.zeros((AXONS_PER_CORE, NEURONS_PER_CORE), dtype=bool)
    w[0, 0] = True  # bit 0: the last hex digit
    w[1, 255] = True  # bit 255: the first hex digit
    w[2, [4, 9]] = True
    rows = crossbar_to_rows(w)
    assert rows[0] == "0" * 63 + "1"
    assert rows[1] == "8" + "0" * 63
    assert rows[2] == format(2**4 + 2**9, "064x") == "0" * 61 + "210"
    assert rows[3] == ZERO_ROW
    assert np.array_equal(crossbar_from_rows(rows), w)


def test_crossbar_hex_orientation_in_a_model_file():
    data = model_to_dict(small_model())
    rows = data["cores"][0]["crossbar"]
    rows[3] = "0" * 62 + "A1"  # bits 0, 5 and 7; upper-case digits are hex digits too
    rows[4] = "4" + "0" * 63  # bit 254
    model = model_from_dict(data)
    assert np.flatnonzero(model.cores[0].crossbar[3]).tolist() == [0, 5, 7]
    assert np.flatnonzero(model.cores[0].crossbar[4]).tolist() == [254]
    assert model.cores[0].crossbar.sum() == 4
    # core 5 connects axon 3 to neurons 0 and 7: 2**0 + 2**7
    assert model_to_dict(model)["cores"][1]["crossbar"][3] == format(129, "064x")
    assert model_to_dict(model)["cores"][0]["crossbar"][3] == "0" * 62 + "a1"


# --- model-file rules ----------------------------------------------------------------


def core5(d):
    return d["cores"][1]


def neurons5(d):
    return d["cores"][1]["neurons"]


def setter(get, key, value):
    def mutate(d):
        get(d)[key] = value

    return mutate


def deleter(get, key):
    def mutate(d):
        del get(d)[key]

    return mutate


def set_neuron(name, value, neuron=7, k=None):
    def mutate(d):
        array = neurons5(d)[name]
        if k is None:
            array[neuron] = value
        else:
            array[neuron][k] = value

    return mutate


def set_row(axon, value):
    def mutate(d):
        core5(d)["crossbar"][axon] = value

    return mutate


def set_entry(ports, port, k, value):
    def mutate(d):
        d[ports][port][k] = value

    return mutate


top = lambda d: d  # noqa: E731

MODEL_RULES = {
    # format and version
    "format": (
        setter(top, "format", "truenorth"),
        ["model file", "format", "'truenorth'", "'truenorth-model'"],
    ),
    "version": (setter(top, "version", 2), ["model file", "version = 2", "allowed: 1"]),
    "version-bool": (setter(top, "version", True), ["version = True", "allowed: 1"]),
    "version-string": (setter(top, "version", "1"), ["version = '1'", "allowed: 1"]),
    # missing and extra keys
    "missing-top-key": (
        deleter(top, "outputs"),
        ["model file", "outputs = <missing>", "required key"],
    ),
    "extra-top-key": (
        setter(top, "comment", "hi"),
        ["model file", "comment = 'hi'", "no such key"],
    ),
    "missing-core-key": (
        deleter(core5, "seed"),
        ["core 5:", "seed = <missing>", "required key"],
    ),
    "extra-core-key": (
        setter(core5, "name", "a"),
        ["core 5:", "name = 'a'", "no such key"],
    ),
    "missing-neuron-key": (
        deleter(neurons5, "leak"),
        ["core 5, neurons", "leak", "<missing>", "required key"],
    ),
    "extra-neuron-key": (
        setter(neurons5, "bias", 0),
        ["core 5, neurons", "bias = 0", "no such key"],
    ),
    "missing-id": (
        deleter(core5, "id"),
        ["cores[1]", "id = <missing>", "required key"],
    ),
    # structure
    "cores-not-list": (
        setter(top, "cores", {}),
        ["model file", "cores = {}", "a list of cores"],
    ),
    "core-not-object": (
        lambda d: d["cores"].__setitem__(1, 5),
        ["cores[1]", "core = 5", "an object with keys id, x, y"],
    ),
    "neurons-not-object": (
        setter(core5, "neurons", []),
        ["core 5: neurons = []", "an object with keys weights"],
    ),
    "inputs-not-object": (
        setter(top, "inputs", []),
        ["model file", "inputs = []", "an object of input ports"],
    ),
    # lengths
    "leak-length": (
        lambda d: neurons5(d)["leak"].pop(),
        ["core 5", "leak = <list of 255 entries>", "256 entries"],
    ),
    "axon-types-length": (
        lambda d: core5(d)["axon_types"].append(0),
        ["core 5", "axon_types = <list of 257 entries>", "256 entries"],
    ),
    "crossbar-length": (
        lambda d: core5(d)["crossbar"].pop(),
        ["core 5", "crossbar = <list of 255 entries>", "256 entries"],
    ),
    "weights-row-length": (
        set_neuron("weights", [1, 0, 0]),
        ["core 5, neuron 7", "weights = [1, 0, 0]", "4 integers in -255..255"],
    ),
    "leak-not-list": (
        setter(neurons5, "leak", 0),
        ["core 5", "leak = 0", "a list of 256"],
    ),
    # non-integers
    "float": (
        set_neuron("leak", 1.0),
        ["core 5, neuron 7", "leak = 1.0", "integers in -255..255"],
    ),
    "bool": (
        set_neuron("threshold", True),
        ["core 5, neuron 7", "threshold = True", "integers in 0..262143"],
    ),
    "string": (
        set_neuron("reset_mode", "0"),
        ["core 5, neuron 7", "reset_mode = '0'", "integers in 0..2"],
    ),
    "null": (
        set_neuron("target_delay", None),
        ["core 5, neuron 7", "target_delay = None", "integers in 1..15"],
    ),
    "target-core-float": (
        set_neuron("target_core", 0.0),
        ["core 5, neuron 7", "target_core = 0.0", "integers: -1 (no destination)"],
    ),
    "weight-float": (
        set_neuron("weights", 0.5, k=2),
        ["core 5, neuron 7", "weights[2] = 0.5", "integers in -255..255"],
    ),
    "axon-type-string": (
        lambda d: core5(d)["axon_types"].__setitem__(3, "1"),
        ["core 5, axon 3", "axon_types = '1'", "integers in 0..3"],
    ),
    "id-string": (
        setter(core5, "id", "5"),
        ["cores[1]", "id = '5'", "integers in 0..9223372036854775807"],
    ),
    "x-float": (
        setter(core5, "x", 1.0),
        ["core 5", "x = 1.0", "integers in 0..2147483647"],
    ),
    "seed-bool": (
        setter(core5, "seed", False),
        ["core 5", "seed = False", "0..18446744073709551615"],
    ),
    # ranges (checked by hardware.validation)
    "leak-range": (
        set_neuron("leak", 256),
        ["core 5, neuron 7", "leak = 256", "-255..255"],
    ),
    "weight-range": (
        set_neuron("weights", -256, k=1),
        ["core 5, neuron 7", "weights[1] = -256", "-255..255"],
    ),
    "threshold-huge": (
        set_neuron("threshold", 2**70),
        ["core 5, neuron 7", f"threshold = {2**70}", "0..262143"],
    ),
    "reset-mode-range": (
        set_neuron("reset_mode", 3),
        ["core 5, neuron 7", "reset_mode = 3", "0..2"],
    ),
    "mask-bits-range": (
        set_neuron("threshold_mask_bits", 18),
        ["core 5, neuron 7", "threshold_mask_bits = 18", "0..17"],
    ),
    "potential-range": (
        set_neuron("initial_potential", 2**19),
        ["core 5, neuron 7", "initial_potential = 524288", "-524288..524287"],
    ),
    "axon-type-range": (
        lambda d: core5(d)["axon_types"].__setitem__(3, 4),
        ["core 5, axon 3", "axon_types = 4", "0..3"],
    ),
    "seed-range": (
        setter(core5, "seed", -1),
        ["core 5", "seed = -1", "0..18446744073709551615"],
    ),
    "x-range": (setter(core5, "x", -1), ["core 5", "x = -1", "0..2147483647"]),
    "y-huge": (setter(core5, "y", 2**70), ["core 5", f"y = {2**70}", "0..2147483647"]),
    "delay-range": (
        set_neuron("target_delay", 16),
        ["core 5, neuron 7", "target_delay = 16", "1..15"],
    ),
    "target-axon-range": (
        set_neuron("target_axon", 256),
        ["core 5, neuron 7", "target_axon = 256", "0..255"],
    ),
    "target-core-missing": (
        set_neuron("target_core", 99),
        [
            "core 5, neuron 7",
            "target_core = 99",
            "-1 (no destination) or the id of a core",
        ],
    ),
    # crossbar hex
    "hex-character": (
        set_row(3, "g" + ZERO_ROW[1:]),
        ["core 5, axon 3", "crossbar", "'g000", "64 hex digits"],
    ),
    "hex-short": (
        set_row(3, ZERO_ROW[1:]),
        ["core 5, axon 3", "crossbar", "64 hex digits"],
    ),
    "hex-long": (set_row(3, ZERO_ROW + "0"), ["core 5, axon 3", "64 hex digits"]),
    "hex-prefix": (
        set_row(3, "0x" + ZERO_ROW[2:]),
        ["core 5, axon 3", "'0x00", "64 hex digits"],
    ),
    "hex-space": (set_row(3, " " + ZERO_ROW[1:]), ["core 5, axon 3", "64 hex digits"]),
    "hex-not-string": (
        set_row(3, 0),
        ["core 5, axon 3", "crossbar = 0", "64 hex digits"],
    ),
    # unique ids and places
    "duplicate-id": (setter(core5, "id", 0), ["core 0", "id = 0", "unique core ids"]),
    "duplicate-place": (
        setter(core5, "x", 0),
        ["core 5", "(x, y) = (0, 0)", "core 0 is there"],
    ),
    # ports
    "input-core": (
        set_entry("inputs", "in", 0, [42, 3]),
        ["input port 'in', index 0", "core_id = 42", "the id of a core"],
    ),
    "input-axon": (
        set_entry("inputs", "in", 1, [0, 256]),
        ["input port 'in', index 1", "axon = 256", "0..255"],
    ),
    "output-neuron": (
        set_entry("outputs", "out", 1, [0, -1]),
        ["output port 'out', index 1", "neuron = -1", "0..255"],
    ),
    "port-entry-length": (
        set_entry("inputs", "in", 0, [5]),
        ["input port 'in', index 0", "entry = [5]", "a pair of integers"],
    ),
    "port-entry-float": (
        set_entry("outputs", "out", 0, [5, 7.0]),
        ["output port 'out', index 0", "entry = [5, 7.0]", "a pair of integers"],
    ),
    "port-not-list": (
        lambda d: d["inputs"].__setitem__("in", 3),
        ["input port 'in'", "entries = 3", "a list of [core_id, axon]"],
    ),
}


@pytest.mark.parametrize("rule", sorted(MODEL_RULES))
def test_model_file_rule_is_refused_by_name(rule, tmp_path):
    mutate, expected = MODEL_RULES[rule]
    data = model_to_dict(small_model())
    mutate(data)
    with pytest.raises(HardwareModelError) as info:
        model_from_dict(data)
    for piece in expected:
        assert piece in str(info.value), (rule, str(info.value))
    # the same through a file on disk
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data))
    with pytest.raises(HardwareModelError, match="is not allowed"):
        load_model(path)


def test_long_values_are_summarized_in_messages():
    data = model_to_dict(small_model())
    neurons5(data)["leak"] = neurons5(data)["leak"] * 2
    with pytest.raises(HardwareModelError) as info:
        model_from_dict(data)
    assert len(str(info.value)) < 200


def test_model_file_json_errors_are_refused():
    with pytest.raises(HardwareModelError, match=r"line 2, column \d+: JSON"):
        loads_model('{\n "format": }')
    with pytest.raises(HardwareModelError, match="key = 'format'.*each key once"):
        loads_model('{"format": "truenorth-model", "format": "truenorth-model"}')
    with pytest.raises(HardwareModelError, match="UTF-8"):
        loads_model(b"\xff\xfe")
    with pytest.raises(HardwareModelError, match="model file: .*an object with keys"):
        loads_model("[]")
    with pytest.raises(HardwareModelError, match="leak = nan"):
        text = dumps_model(small_model()).replace('"leak": [0,', '"leak": [NaN,', 1)
        loads_model(text)


def test_invalid_model_is_not_saved(tmp_path):
    model = small_model()
    model.cores[1].leak[3] = 300
    path = tmp_path / "model.json"
    with pytest.raises(HardwareModelError, match="core 5, neuron 3: leak = 300"):
        save_model(model, path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_text("old")
    os.chmod(path, 0o640)

    def broken_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        save_model(small_model(), path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temp file left
    monkeypatch.undo()
    save_model(small_model(), path)
    assert_models_equal(load_model(path), small_model())
    assert os.stat(path).st_mode & 0o777 == 0o640  # keeps the file's permissions


# --- spike-file rules ----------------------------------------------------------------

SPIKE_RULES = {
    "not-object": ([], ["spike file: top level = []", "an object with keys spikes"]),
    "missing-spikes": ({}, ["spike file", "spikes = <missing>", "required key"]),
    "extra-key": (
        {"spikes": {}, "ticks": 5},
        ["spike file", "ticks = 5", "no such key"],
    ),
    "spikes-not-object": ({"spikes": []}, ["spike file", "spikes = []", "an object"]),
    "port-not-list": ({"spikes": {"in": 3}}, ["port 'in'", "spikes = 3", "a list of"]),
    "entry-length": (
        {"spikes": {"in": [[1]]}},
        ["port 'in', spike 0", "entry = [1]", "a pair [tick, index]"],
    ),
    "entry-not-list": (
        {"spikes": {"in": [[0, 0], 1]}},
        ["port 'in', spike 1", "entry = 1", "a pair [tick, index]"],
    ),
    "tick-float": (
        {"spikes": {"in": [[0, 0], [1.5, 0]]}},
        ["port 'in', spike 1", "tick = 1.5", "integers >= 0"],
    ),
    "index-bool": (
        {"spikes": {"in": [[0, True]]}},
        ["port 'in', spike 0", "index = True", "integers >= 0"],
    ),
    "index-string": (
        {"spikes": {"in": [[0, "1"]]}},
        ["port 'in', spike 0", "index = '1'", "integers >= 0"],
    ),
    "tick-negative": (
        {"spikes": {"in": [[-1, 0]]}},
        ["port 'in', spike 0", "tick = -1", "integers >= 0"],
    ),
    "index-negative": (
        {"spikes": {"in": [[0, -3]]}},
        ["port 'in', spike 0", "index = -3", "0..1"],
    ),
    "tick-huge": (
        {"spikes": {"in": [[2**64, 0]]}},
        ["port 'in', spike 0", f"tick = {2**64}", "0..9223372036854775807"],
    ),
    "unsorted-ticks": (
        {"spikes": {"in": [[3, 0], [1, 0]]}},
        [
            "port 'in', spike 1",
            "[tick, index] = [1, 0]",
            "sorted by tick, then index",
            "follows [3, 0]",
        ],
    ),
    "unsorted-indices": (
        {"spikes": {"in": [[1, 1], [1, 0]]}},
        ["port 'in', spike 1", "[1, 0]", "sorted by tick, then index"],
    ),
    "duplicate-spike": (
        {"spikes": {"in": [[1, 0], [1, 0]]}},
        ["port 'in', spike 1", "[1, 0]", "each spike once"],
    ),
}

#: Rules that need the model (port names and sizes) or the run length.
SPIKE_RULES_WITH_MODEL = {
    "index-outside-port": (
        {"spikes": {"in": [[0, 1], [4, 2]]}},
        ["port 'in', spike 1", "index = 2", "0..1", "port 'in' has 2 entries"],
    ),
    "unknown-port": (
        {"spikes": {"in": [], "nope": [[0, 0]]}},
        ["port 'nope'", "port = 'nope'", "a port of the model's inputs", "'in'"],
    ),
    "output-port-as-input": ({"spikes": {"out": []}}, ["port 'out'", "port = 'out'"]),
    "tick-outside-run": (
        {"spikes": {"in": [[3, 0], [10, 1]]}},
        ["port 'in', spike 1", "tick = 10", "0..9 (a run of 10 ticks)"],
    ),
}


@pytest.mark.parametrize("rule", sorted(SPIKE_RULES))
def test_spike_file_rule_is_refused_by_name(rule, tmp_path):
    data, expected = SPIKE_RULES[rule]
    model = small_model() if rule == "index-negative" else None
    with pytest.raises(SpikeFileError) as info:
        spikes_from_dict(copy.deepcopy(data), model=model)
    for piece in expected:
        assert piece in str(info.value), (rule, str(info.value))
    path = tmp_path / "spikes.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SpikeFileError, match="is not allowed"):
        load_spikes(path, model=model)


@pytest.mark.parametrize("rule", sorted(SPIKE_RULES_WITH_MODEL))
def test_spike_file_rule_against_model_is_refused_by_name(rule):
    data, expected = SPIKE_RULES_WITH_MODEL[rule]
    text = json.dumps(data)
    with pytest.raises(SpikeFileError) as info:
        loads_spikes(text, model=small_model(), kind="inputs", ticks=10)
    for piece in expected:
        assert piece in str(info.value), (rule, str(info.value))
    loads_spikes(text)  # without the model, nothing to refuse
    assert info.value.place.startswith("spike file, port")


def test_spike_file_against_output_ports():
    spikes = loads_spikes('{"spikes": {"out": [[0, 1]]}}', small_model(), "outputs")
    assert spikes["out"].tolist() == [[0, 1]]
    with pytest.raises(SpikeFileError, match="model's outputs"):
        loads_spikes('{"spikes": {"in": []}}', small_model(), "outputs")


def test_spike_file_json_errors_are_refused():
    with pytest.raises(SpikeFileError, match="line 1, column .*JSON"):
        loads_spikes('{"spikes": ')
    with pytest.raises(SpikeFileError, match="key = 'a'.*each key once"):
        loads_spikes('{"spikes": {"a": [], "a": []}}')


@pytest.mark.parametrize(
    "spikes, expected",
    [
        ({"p": [[-1, 0]]}, ["spikes, port 'p', spike 0", "tick = -1", ">= 0"]),
        ({"p": [[0.5, 0]]}, ["spikes, port 'p'", "dtype float64", "(n, 2)"]),
        ({"p": [[1, 2, 3]]}, ["spikes, port 'p'", "shape (1, 3)"]),
        ({3: []}, ["port 3", "port = 3", "strings"]),
    ],
)
def test_invalid_spikes_are_not_saved(spikes, expected, tmp_path):
    path = tmp_path / "spikes.json"
    with pytest.raises(SpikeFileError) as info:
        save_spikes(spikes, path)
    for piece in expected:
        assert piece in str(info.value)
    assert not path.exists()


def test_saved_spikes_are_checked_against_the_model(tmp_path):
    with pytest.raises(SpikeFileError, match="index = 2 is not allowed"):
        save_spikes({"out": [[0, 2]]}, tmp_path / "s.json", small_model(), "outputs")
    with pytest.raises(SpikeFileError, match="port = 'x'"):
        save_spikes({"x": []}, tmp_path / "s.json", small_model(), "outputs")
    assert not (tmp_path / "s.json").exists()
