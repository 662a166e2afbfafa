"""The classifier in NumPy: float, quantized after training, the chip's ticks; the
saved network and its replay by ``python -m nengo_truenorth run``."""

import json

import numpy as np
import pytest

from nengo_truenorth.__main__ import main as cli_main
from nengo_truenorth.files import load_spikes
from nengo_truenorth.qc import chip as qc_chip
from nengo_truenorth.qc.core import ACTIVITY_MAX, ElmanCore, final_counts
from nengo_truenorth.qc.model import (
    ElmanNetwork,
    QuantizedElman,
    accuracy,
    in_levels,
    quantize_network,
    weight_range,
)
from nengo_truenorth.qc.trec import Vocabulary, align_right


def random_network(rng, n_words=30):
    return ElmanNetwork(
        rng.normal(0, 1, (n_words, 48)),
        rng.normal(0, 0.2, (16, 48)),
        rng.normal(0, 0.2, (16, 16)),
        rng.normal(0, 1, (6, 16)),
        rng.normal(0, 0.1, 6),
    )


def questions(rng, n=40, length=8, n_words=30):
    lengths = rng.integers(1, length + 1, n)
    idx = rng.integers(2, n_words, (n, length))
    return align_right(idx, lengths)


def test_counting_activities_in_levels_changes_no_prediction():
    rng = np.random.default_rng(0)
    net, x = random_network(rng), questions(rng)
    scaled = in_levels(net, 0.3, 2.5)
    assert np.allclose(scaled.logits(x), net.logits(x))


@pytest.mark.parametrize("bits", [2, 3, 4])
def test_quantized_weights_use_the_bits_levels_and_each_unit_its_step(bits):
    rng = np.random.default_rng(2)
    net = random_network(rng)
    q = quantize_network(net, (1.0, 1.0), bits)
    low, top = weight_range(bits)
    levels = np.hstack([q.core.w_in, q.core.w_rec])
    assert levels.min() >= low and levels.max() <= top
    assert np.all(np.abs(levels).max(axis=1) == top)  # the largest lands on top
    w_in, w_rec = q.dequantized()
    w = np.hstack([net.w_in, net.w_rec])
    step = q.step[:, None]
    assert np.all(np.abs(np.hstack([w_in, w_rec]) - w) <= 0.5 * step + 1e-3 * step)


def test_weight_bits_outside_the_code_are_refused():
    with pytest.raises(
        ValueError, match="weight_bits = 5: the core's code writes 2..4"
    ):
        weight_range(5)


def test_window_states_are_floored_and_clipped_levels():
    rng = np.random.default_rng(3)
    net = random_network(rng)
    q = quantize_network(net, (0.1, 0.1))
    x = questions(rng)
    states = q.window_states(x)
    assert states.min() >= 0 and states.max() <= ACTIVITY_MAX
    # the last step by hand
    p = q.counts(x)
    u = p[:, -1] @ q.core.w_in.T + states[:, -2] @ q.core.w_rec.T
    expected = np.clip(q.core.weight_scale * u // q.core.threshold, 0, ACTIVITY_MAX)
    assert np.array_equal(states[:, -1], expected)


def test_emulated_core_gives_the_numpy_chip_logits():
    rng = np.random.default_rng(4)
    q = quantize_network(random_network(rng), (0.1, 0.3))
    x = questions(rng, n=25)
    run = qc_chip.run_questions(q, x)
    assert np.array_equal(run.counts[:, -1], final_counts(q.core, q.counts(x)))
    assert np.array_equal(qc_chip.chip_logits(q, run), q.chip_logits(x))
    assert run.ticks == x.shape[1] * 15
    assert run.energy_per_question > 0
    assert run.power == pytest.approx(run.energy_per_question / (run.ticks * 1e-3))


def test_accuracy_counts_the_largest_logit():
    assert accuracy(np.array([[0, 1], [2, 1], [0, 3]]), [1, 0, 0]) == pytest.approx(
        2 / 3
    )


def saved_network(tmp_path, rng):
    q = quantize_network(random_network(rng), (0.1, 0.3))
    vocabulary = Vocabulary.from_tokens(
        ["<pad>", "<unknown>"] + [f"w{i}" for i in range(28)]
    )
    x = questions(rng, n=3)
    qc_chip.save_model(tmp_path, q, vocabulary, x[0])
    return q, vocabulary, x


def test_saved_network_loads_back_with_its_vocabulary(tmp_path):
    rng = np.random.default_rng(5)
    q, vocabulary, x = saved_network(tmp_path, rng)
    loaded, voc = qc_chip.load_saved(tmp_path)
    assert voc.tokens == vocabulary.tokens
    assert np.array_equal(loaded.chip_logits(x), q.chip_logits(x))


def test_saved_chip_replays_its_question_on_the_command_line(tmp_path):
    rng = np.random.default_rng(6)
    q, _, x = saved_network(tmp_path, rng)
    expected = json.loads((tmp_path / "expected.json").read_text())
    out = tmp_path / "out.json"
    rc = cli_main(
        [
            "run",
            str(tmp_path / "model.json"),
            "--input",
            str(tmp_path / "question.json"),
            "--ticks",
            str(expected["ticks"]),
            "--output",
            str(out),
        ]
    )
    assert rc in (0, None)
    spikes = load_spikes(out, kind="outputs")
    counts = qc_chip.output_counts(spikes, 1, 16, expected["ticks"])[0]
    assert counts.tolist() == expected["counts_per_word"]
    assert np.array_equal(counts[-1], q.chip_counts(x[:1])[0])
    assert counts.sum() > 0


def test_a_model_file_that_is_not_the_networks_core_is_refused(tmp_path):
    rng = np.random.default_rng(7)
    q, _, _ = saved_network(tmp_path, rng)
    other = QuantizedElman(
        q.projection,
        ElmanCore(
            -q.core.w_in.clip(-7, 8),
            q.core.w_rec,
            q.core.threshold,
            q.core.weight_scale,
        ),
        q.w_out,
        q.b_out,
    )
    other.save(tmp_path / "network.npz")
    with pytest.raises(ValueError, match="does not hold the core of"):
        qc_chip.load_saved(tmp_path)
