"""The demo runs end to end on a short run and writes what it says it writes."""

import os

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nengo_truenorth import demo  # noqa: E402
from nengo_truenorth.emulator import EMULATORS, ReferenceEmulator  # noqa: E402


def test_demo_writes_plots_and_prints_summary(tmp_path, capsys):
    assert demo.main(["--out", str(tmp_path), "--ticks", "100"]) == 0
    text = capsys.readouterr().out
    for name in ("activity.png", "raster.png"):
        path = tmp_path / name
        assert path.stat().st_size > 10_000
        assert f"wrote {path}" in text
    expected = "fast" if "fast" in EMULATORS else "reference"
    assert f"emulator: {expected}" in text
    for key in (
        "3 cores on 2 chips, 100 ticks",
        "Energy estimate, operating point: Merolla 2014 (0.775 V)",
        "Activity over 100 ticks",
        "3 active of 3 on 2 chips",
        "synaptic events:",
        "spikes:",
        "spike hops:",
        "chip crossings:",
        "total:",
        "mean power:",
        "scaled by cores:",
    ):
        assert key in text, key


def test_demo_model_has_16_weight_levels_and_crosses_chips():
    rng = np.random.default_rng(0)
    model, weights = demo.build_model(rng)
    model.validate()
    assert len(model.chips) == 2
    layer = model.cores[0]
    # the crossbar digits on an input's four axons rebuild its 16-level weight
    digits = layer.crossbar.reshape(demo.N_INPUTS, 4, -1)
    rebuilt = np.einsum("kdj,d->kj", digits.astype(int), demo.BINARY_WEIGHTS)
    np.testing.assert_array_equal(rebuilt, weights)
    assert weights.min() >= -8 and weights.max() <= 7
    assert len(np.unique(weights)) == 16


def test_demo_runs_on_reference_with_activity_on_every_core():
    rng = np.random.default_rng(1)
    model, _ = demo.build_model(rng)
    inputs = demo.make_input(rng, 60)
    emulator = ReferenceEmulator(model)
    out = emulator.run(60, inputs)
    assert all(len(out[port]) > 0 for port in ("input layer", "recurrent"))
    activity = emulator.activity
    assert (activity.synaptic_events > 0).all()
    assert activity.chip_crossings.sum() > 0


def test_demo_files_round_trip(tmp_path, capsys):
    files = pytest.importorskip("nengo_truenorth.files")
    demo.main(["--out", str(tmp_path), "--ticks", "50", "--emulator", "reference"])
    model = files.load_model(tmp_path / "demo_model.json")
    inputs = files.load_spikes(tmp_path / "demo_input_spikes.json", model)
    expected = files.load_spikes(
        tmp_path / "demo_output_spikes.json", model, kind="outputs"
    )
    out = ReferenceEmulator(model).run(50, inputs)
    for port, spikes in expected.items():
        np.testing.assert_array_equal(out[port], spikes)
    assert os.path.exists(tmp_path / "raster.png")
