"""Training the classifier in TensorFlow: each mode's forward pass is the NumPy
network it stands for, bit for bit; the command's whole path on real questions."""

import json
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from nengo_truenorth.qc import train as T
from nengo_truenorth.qc.__main__ import main, parse_args
from nengo_truenorth.qc.model import ElmanNetwork, accuracy, in_levels
from nengo_truenorth.qc.trec import align_right

REAL_DATA = Path(__file__).parents[2].parent / "shared" / "data" / "trec"


def level_model(seed=0, n_words=40, bits=4):
    rng = np.random.default_rng(seed)
    net = ElmanNetwork(
        rng.normal(0, 1, (n_words, 48)),
        rng.normal(0, 0.3, (16, 48)),
        rng.normal(0, 0.3, (16, 16)),
        rng.normal(0, 1, (6, 16)),
        rng.normal(0, 0.1, 6),
    )
    return T.ElmanModel(n_words, net=in_levels(net, 0.1, 0.02), weight_bits=bits)


def questions(seed=0, n=64, length=10, n_words=40):
    rng = np.random.default_rng(seed)
    return align_right(
        rng.integers(2, n_words, (n, length)), rng.integers(1, length + 1, n)
    )


@pytest.mark.parametrize("bits", [2, 4])
def test_quantized_mode_is_the_numpy_window_network(bits):
    model, x = level_model(bits=bits), questions()
    got = model.logits(tf.constant(x), "quantized").numpy()
    net = model.quantized_network()
    assert np.allclose(got, net.window_logits(x), atol=1e-4)
    states = net.window_states(x)
    assert states.max() > 0  # the comparison is not one of silent networks


def test_chip_mode_is_the_numpy_chip_network():
    model, x = level_model(1), questions(1)
    got = model.logits(tf.constant(x), "chip").numpy()
    assert np.allclose(got, model.quantized_network().chip_logits(x), atol=1e-4)


def test_float_mode_is_the_numpy_float_network():
    model, x = level_model(2), questions(2)
    got = model.logits(tf.constant(x), "float").numpy()
    assert np.allclose(got, model.float_network().logits(x), atol=1e-3)


def test_gradients_reach_every_weight_in_the_constrained_modes():
    model, x = level_model(3), questions(3)
    y = tf.constant(np.arange(len(x)) % 6)
    variables = [model.embedding, model.w, model.w_out, model.b_out]
    for mode in ("quantized", "chip"):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(
                tf.keras.losses.sparse_categorical_crossentropy(
                    y, model.logits(tf.constant(x), mode), from_logits=True
                )
            )
        grads = tape.gradient(loss, variables)
        assert all(
            g is not None and np.any(tf.convert_to_tensor(g).numpy() != 0)
            for g in grads
        ), mode


def test_stochastic_rounding_rounds_weights_either_way_while_training():
    model = level_model(4)
    threshold = model.thresholds()
    nearest = model.levels(threshold).numpy()
    draws = np.stack(
        [model.levels(threshold, stochastic=True).numpy() for _ in range(8)]
    )
    assert np.all(np.abs(draws - nearest) <= 1)
    assert np.any(draws != nearest)
    assert np.all(draws == np.round(draws))


def test_unknown_modes_are_refused():
    with pytest.raises(ValueError, match="mode 'spiking'"):
        level_model().logits(tf.constant(questions()), "spiking")


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
