"""Spoken digits (the example ``examples/fsdd.py``): features, the dataset's split,
the batched ΣΔ run, the command."""

import importlib.util
import json
import os
import re
import subprocess
import sys

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError
from scipy.io import wavfile

RATE = 8000
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")


def load_example(name):
    """Import ``examples/{name}.py`` as the module ``name``.

    ``python examples/fsdd.py`` puts ``examples/`` on ``sys.path``, and fsdd.py
    imports ``fsdd_features`` by that name: registering each module under its own
    name in ``sys.modules`` gives the same imports without changing ``sys.path``.
    """
    if name not in sys.modules:
        path = os.path.join(EXAMPLES, f"{name}.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before running it: dataclasses look it up
        spec.loader.exec_module(module)
    return sys.modules[name]


features = load_example("fsdd_features")
fsdd = load_example("fsdd")
Standardizer = features.Standardizer
frame_signal = features.frame_signal
fsdd_split = features.fsdd_split
list_fsdd = features.list_fsdd
log_mel = features.log_mel
mel_filterbank = features.mel_filterbank
pad_sequences = features.pad_sequences
read_wav = features.read_wav
trim_silence = features.trim_silence

FSDD_DIR = os.environ.get(
    "FSDD_DIR", os.path.join(REPO, os.pardir, "shared", "data", "fsdd")
)
LAST_LINE = re.compile(r"^ann accuracy: (\d\.\d+) snn accuracy: (\d\.\d+)$")


def tone(freq, seconds, amplitude=0.5, silence=0.0):
    """A sine with ``silence`` seconds of zeros before and after, as int16 PCM."""
    t = np.arange(int(seconds * RATE)) / RATE
    quiet = np.zeros(int(silence * RATE))
    x = np.concatenate([quiet, amplitude * np.sin(2 * np.pi * freq * t), quiet])
    return (x * 32767).astype(np.int16)


def write_fake_fsdd(folder, digits=(0, 1, 2), takes=range(8), speakers=("ann",)):
    """``recordings/{digit}_{speaker}_{take}.wav``: a tone per digit, plus noise."""
    recordings = folder / "recordings"
    recordings.mkdir(parents=True)
    for d in digits:
        for s in speakers:
            for take in takes:
                x = tone(300 + 200 * d, 0.2 + 0.01 * take, silence=0.05)
                wavfile.write(recordings / f"{d}_{s}_{take}.wav", RATE, x)
    (recordings / "README.txt").write_text("not a recording")
    return folder


def test_read_wav_scales_int16_to_unit_range(tmp_path):
    path = tmp_path / "x.wav"
    wavfile.write(path, RATE, np.array([-32768, 0, 16384, 32767], dtype=np.int16))
    x, rate = read_wav(path)
    assert rate == RATE
    assert np.array_equal(x, [-1.0, 0.0, 0.5, 32767 / 32768])


def test_frame_signal_covers_the_signal_with_zero_padding():
    frames = frame_signal(np.arange(1, 11), frame_length=4, hop_length=3)
    assert frames.shape == (3, 4)  # starts 0, 3, 6; the last runs past the end
    assert np.array_equal(frames[2], [7, 8, 9, 10])
    assert np.array_equal(frame_signal(np.ones(2), 4, 3), [[1, 1, 0, 0]])


def test_mel_filterbank_triangles_peak_at_one_and_tile_the_band():
    fb = mel_filterbank(20, 256, RATE)
    assert fb.shape == (20, 129)
    assert np.all(fb >= 0) and np.allclose(fb.max(axis=1), 1, atol=0.2)
    # neighbouring triangles overlap so that every bin inside the band is covered
    assert np.all(fb[:, 2:-2].sum(axis=0) > 0)
    centres = np.argmax(fb, axis=1)
    assert np.all(np.diff(centres) > 0)
    with pytest.raises(ValidationError, match="Nyquist"):
        mel_filterbank(20, 256, RATE, f_max=RATE)


def test_log_mel_shape_and_band_of_a_tone():
    feats = log_mel(tone(1000, 0.5) / 32768, RATE, n_mels=24, window=0.025, hop=0.01)
    # 200-sample frames every 80 samples over 4000 samples
    assert feats.shape == (1 + int(np.ceil((4000 - 200) / 80)), 24)
    loudest = np.argmax(feats.mean(axis=0))
    fb = mel_filterbank(24, 256, RATE)
    assert loudest == np.argmax(fb[:, int(round(1000 * 256 / RATE))])


def test_trim_silence_drops_quiet_ends_only():
    x = tone(500, 0.3, silence=0.2) / 32768
    feats = log_mel(x, RATE, hop=0.01)
    trimmed = trim_silence(feats, top_db=30)
    # the tone lasts 0.3 s = 30 hops; the trim keeps it and a frame or two of edge
    assert 30 <= len(trimmed) <= 34
    start = np.flatnonzero((feats == trimmed[0]).all(axis=1))[0]
    assert np.array_equal(feats[start : start + len(trimmed)], trimmed)
    # a click: one loud frame, widened to min_frames around it
    click = np.full((9, 4), -20.0)
    click[6] = 0.0
    assert len(trim_silence(click)) == 1
    assert np.array_equal(trim_silence(click, min_frames=3), click[5:8])


def test_pad_sequences_pads_at_the_end_and_cuts_long_ones():
    seqs = [np.ones((3, 2)), 2 * np.ones((6, 2))]
    x, lengths = pad_sequences(seqs, max_frames=5)
    assert x.shape == (2, 5, 2) and list(lengths) == [3, 5]
    assert np.all(x[0, 3:] == 0) and np.all(x[1] == 2)


def test_fsdd_split_puts_takes_0_to_4_in_test(tmp_path):
    write_fake_fsdd(tmp_path, digits=(3, 7), takes=range(7), speakers=("ann", "bo"))
    clips = list_fsdd(tmp_path)
    assert len(clips) == 2 * 7 * 2  # the README is not a clip
    assert list_fsdd(tmp_path / "recordings") == clips
    train, test = fsdd_split(clips)
    assert {c.take for c in test} == {0, 1, 2, 3, 4}
    assert {c.take for c in train} == {5, 6}
    assert {(c.digit, c.speaker) for c in test} == {
        (d, s) for d in (3, 7) for s in ("ann", "bo")
    }


def test_list_fsdd_names_the_folder_when_empty(tmp_path):
    with pytest.raises(ValidationError, match="holds no"):
        list_fsdd(tmp_path)


def test_load_fsdd_normalises_with_training_frames_only(tmp_path):
    write_fake_fsdd(tmp_path, digits=(0, 1, 2), takes=range(8))
    config = fsdd.FsddConfig(n_mels=16, max_frames=30)
    data = fsdd.load_fsdd(tmp_path, config)
    assert data.x_train.shape[0] == 9 and data.x_test.shape[0] == 15
    assert data.x_train.shape[2] == data.x_test.shape[2] == 16
    assert set(data.y_test) == {0, 1, 2}
    frames = np.concatenate([x[:n] for x, n in zip(data.x_train, data.len_train)])
    assert np.allclose(frames.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(frames.std(axis=0), 1, atol=1e-3)
    # the statistics are the training set's: refitting on train gives the same ones
    train, _ = fsdd_split(list_fsdd(tmp_path))
    refit = Standardizer.fit([fsdd.clip_features(c.path, config) for c in train])
    assert np.allclose(refit.mean, data.standardizer.mean)
    # padding is zero and the mask marks it
    mask = fsdd.frame_mask(data.len_test, data.x_test.shape[1])
    assert np.all(data.x_test[mask == 0] == 0)


def random_lprnn(rng, n_in=3, hidden=6, recurrent=True):
    W = rng.uniform(-1, 1, (n_in, hidden))
    U = rng.uniform(-0.3, 0.3, (hidden, hidden)) * recurrent
    b = rng.uniform(0, 1, hidden)
    readout = [rng.uniform(-1, 1, (hidden, fsdd.N_CLASSES)), rng.uniform(-1, 1, 10)]
    return [W, U, b], readout


def test_rate_snn_readout_equals_the_ann_without_recurrence(rng):
    from nengo_sigmadelta import lprnn_forward

    config = fsdd.FsddConfig(snn_steps=4, hidden=6)
    weights, (W_out, b_out) = random_lprnn(rng, recurrent=False)
    x = rng.normal(size=(3, 5, 3))
    lengths = np.array([5, 2, 4])
    net = fsdd.build_snn(weights, [W_out, b_out], config, copies=2, spiking=False)
    with nengo.Simulator(net, progress_bar=False) as sim:
        scores, _ = fsdd.run_clips(sim, net, x, lengths, config)
    for i, n in enumerate(lengths):
        h = lprnn_forward(x[i, :n], *weights, r=config.retention, a_max=config.a_max)
        assert np.allclose(scores[i], (h @ W_out + b_out).mean(axis=0), atol=1e-9)


def test_snn_rounds_of_copies_match_one_clip_at_a_time(rng):
    # sorting, copies and sim.reset() between rounds must not change any clip's
    # result (rate neurons: spiking copies differ in their random initial phases)
    config = fsdd.FsddConfig(snn_steps=5, hidden=6)
    weights, readout = random_lprnn(rng)
    x = rng.normal(size=(5, 6, 3))
    lengths = np.array([6, 3, 5, 1, 4])
    results = []
    for copies in (1, 3):
        net = fsdd.build_snn(weights, readout, config, copies=copies, spiking=False)
        with nengo.Simulator(net, progress_bar=False) as sim:
            results.append(fsdd.run_clips(sim, net, x, lengths, config))
    assert np.allclose(results[0][0], results[1][0], atol=1e-12)
    assert np.allclose(results[0][1], results[1][1], atol=1e-9)
    assert np.all(results[0][1] > 0)


def test_reset_between_rounds_replays_a_clip_spike_for_spike(rng):
    config = fsdd.FsddConfig(snn_steps=5, hidden=6)
    weights, readout = random_lprnn(rng)
    x = np.repeat(rng.normal(size=(1, 6, 3)), 2, axis=0)
    net = fsdd.build_snn(weights, readout, config, copies=1, seed=2)
    with nengo.Simulator(net, progress_bar=False, seed=2) as sim:
        scores, spikes = fsdd.run_clips(sim, net, x, np.array([6, 6]), config)
    assert np.array_equal(scores[0], scores[1]) and spikes[0] == spikes[1] > 0


def test_the_command_runs_as_a_script():
    # ``python examples/fsdd.py`` from the repository root: the script finds its
    # sibling fsdd_features.py and the libraries through their installed names
    result = subprocess.run(
        [sys.executable, os.path.join("examples", "fsdd.py"), "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python examples/fsdd.py")
    assert "--data" in result.stdout and "--seeds" in result.stdout


def quick_run(tmp_path, capsys, *options):
    pytest.importorskip("tensorflow")
    if not os.path.isdir(FSDD_DIR):
        pytest.skip(f"no FSDD recordings at {FSDD_DIR} (set FSDD_DIR)")
    out = tmp_path / "fsdd.json"
    argv = ["--data", FSDD_DIR, "--seeds", "1", "--quick", "--out", str(out)]
    fsdd.main(argv + list(options))
    lines = capsys.readouterr().out.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert all(0 <= float(v) <= 1 for v in match.groups())
    record = json.loads(out.read_text())
    assert record["last_line"] == lines[-1]
    assert record["summary"]["ann"][0] == pytest.approx(float(match[1]), abs=1e-4)
    assert record["summary"]["snn"][0] == pytest.approx(float(match[2]), abs=1e-4)
    assert record["config"]["digits"] == [0, 1]
    chip_rows = [line for line in lines if line.startswith("ΣΔ on TrueNorth")]
    assert len(chip_rows) == 1
    return chip_rows[0], record


def test_quick_run_prints_the_accuracies_last(tmp_path, capsys):
    chip_row, record = quick_run(tmp_path, capsys, "--no-chip")
    assert "not run" in chip_row
    assert record["summary"]["spikes_per_inference"][0] > 0
    # two digits, chance 0.5: the quick run reached 0.917 / 0.917 (ANN / SNN,
    # `python examples/fsdd.py --data ../shared/data/fsdd --seeds 1 --quick
    # --no-chip`); a floor well above chance catches a run that stops learning
    assert record["summary"]["ann"][0] >= 0.75
    assert record["summary"]["snn"][0] >= 0.75


@pytest.mark.slow
def test_quick_run_on_the_chip_reports_its_numbers(tmp_path, capsys):
    chip_row, record = quick_run(tmp_path, capsys)
    chip = record["seeds"][0]["chip"]
    # the chip column must have run: a failed build is a failure, not a pass
    assert chip["available"], chip.get("error")
    assert chip["clips"] == 5 and chip["energy_per_inference_j"] > 0
    assert "µJ" in chip_row
