"""The classifier's Elman core on the emulated chip: runs, energy, files.

:func:`run_questions` runs a batch of questions through :func:`.core.core_model`
(one copy of the core per question, side by side on the mesh, so the batch takes
the ticks of one question) on an emulator and returns the units' counts per word
and the energy estimate. :func:`save_model` writes what a trained network needs to
run without TensorFlow: the chip (``model.json``, the model file of
``python -m nengo_truenorth run``, one core), the trained integers and host
weights (``network.npz``), the vocabulary (``vocabulary.json``), and one test
question's input spikes (``question.json``) with the counts the core must give.
"""

import json
import os
import time
from dataclasses import dataclass

import numpy as np

from ..emulator import get_emulator
from ..energy import estimate_energy
from ..files import dumps_model, load_model, save_spikes, write_atomic
from ..files import save_model as save_model_file
from ..hardware.limits import TICK_SECONDS
from .core import WINDOW, core_model, input_spikes, output_counts
from .model import QuantizedElman
from .trec import Vocabulary

MODEL_FILE = "model.json"
NETWORK_FILE = "network.npz"
VOCABULARY_FILE = "vocabulary.json"
QUESTION_FILE = "question.json"
EXPECTED_FILE = "expected.json"


@dataclass
class ChipRun:
    """The result of :func:`run_questions`.

    Attributes
    ----------
    counts : (n_questions, n_words, n_units) ndarray of int
        Each unit's spikes in each word's window.
    ticks : int
        Ticks of the run (every question's core runs them side by side).
    seconds : float
        Wall time of the emulator's run.
    energy_per_question : float
        Joules per question at real time, mean over the batch: its core's static
        energy over the run and the active energy (synaptic events, spikes from
        the host, hops), from :func:`~nengo_truenorth.energy.estimate_energy`.
    """

    counts: np.ndarray
    ticks: int
    seconds: float
    energy_per_question: float

    @property
    def power(self):
        """float: the mean power of one question's core at real time (W)."""
        return self.energy_per_question / (self.ticks * TICK_SECONDS)


def run_questions(network, indices, emulator="fast"):
    """Run questions through the network's core on an emulator.

    Parameters
    ----------
    network : QuantizedElman
    indices : (n, length) array_like of int
        Word indices, questions aligned to end at the last column.
    emulator : {"fast", "reference"}, optional

    Returns
    -------
    ChipRun
    """
    counts = network.counts(indices)
    n, length, _ = counts.shape
    model = core_model(network.core, copies=n)
    chip = get_emulator(emulator)(model)
    ticks = length * WINDOW
    inputs = input_spikes(counts)
    start = time.perf_counter()
    outputs = chip.run(ticks, inputs)
    seconds = time.perf_counter() - start
    report = estimate_energy(chip.activity, model=model, static_cores="model")
    return ChipRun(
        output_counts(outputs, n, network.core.n_units, ticks),
        ticks,
        seconds,
        report.total / n,
    )


def chip_logits(network, run):
    """(n, n_classes): the host's softmax input from the last word's counts."""
    return run.counts[:, -1] @ network.w_out.T + network.b_out


def save_model(directory, network, vocabulary, question):
    """Write a trained network to ``directory`` (created if missing).

    Parameters
    ----------
    directory : str or path-like
    network : QuantizedElman
    vocabulary : Vocabulary
    question : (length,) array_like of int
        One question's word indices (aligned right); its input spikes go to
        ``question.json`` and the counts the core gives to ``expected.json``.
    """
    os.makedirs(directory, exist_ok=True)
    model = core_model(network.core)
    save_model_file(model, os.path.join(directory, MODEL_FILE))
    network.save(os.path.join(directory, NETWORK_FILE))
    write_atomic(
        os.path.join(directory, VOCABULARY_FILE),
        json.dumps({"tokens": list(vocabulary.tokens)}) + "\n",
    )
    counts = network.counts(np.asarray(question)[None])
    save_spikes(
        input_spikes(counts), os.path.join(directory, QUESTION_FILE), model, "inputs"
    )
    run = run_questions(network, np.asarray(question)[None])
    write_atomic(
        os.path.join(directory, EXPECTED_FILE),
        json.dumps({"ticks": run.ticks, "counts_per_word": run.counts[0].tolist()})
        + "\n",
    )


def load_saved(directory):
    """The network and vocabulary saved by :func:`save_model`, checked against the
    saved chip: its model file must hold the network's core.

    Returns
    -------
    network : QuantizedElman
    vocabulary : Vocabulary

    Raises
    ------
    ValueError
        If ``model.json`` is not the core of ``network.npz``.
    """
    network = QuantizedElman.load(os.path.join(directory, NETWORK_FILE))
    with open(os.path.join(directory, VOCABULARY_FILE), encoding="utf-8") as f:
        tokens = json.load(f)["tokens"]
    saved = load_model(os.path.join(directory, MODEL_FILE))
    if dumps_model(saved) != dumps_model(core_model(network.core)):
        raise ValueError(
            f"{os.path.join(directory, MODEL_FILE)} does not hold the core of "
            f"{os.path.join(directory, NETWORK_FILE)}"
        )
    return network, Vocabulary.from_tokens(tokens)
