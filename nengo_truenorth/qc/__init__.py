"""Question classification on one chip core: Diehl et al. 2016's task, reproduced.

Diehl, Zarrella, Cassidy, Pedroni and Neftci (ICRC 2016) trained an Elman RNN on TREC
question classification (6 coarse classes), constrained it (weights and activities in
16 levels, fan-in <= 64) and ran its recurrent layer on one TrueNorth core: 85 % float,
74 % on the chip, about 17 uW.

- :mod:`.trec`: the TREC files (Li & Roth 2002) read from a folder given as an
  argument (the project may not ship them: ``../shared/data/trec`` beside the
  checkout), their tokens, and a vocabulary; :mod:`.data` splits and indexes them.
- :mod:`.core`: the Elman layer as one core's integers (:class:`ElmanCore`), a word
  per 15-tick window, the state held by the 15-tick delay; :func:`run_core`, the
  core's ticks in NumPy, and :func:`core_model`, the core as a chip model.
- :mod:`.model`: the whole classifier in NumPy -- float, quantized after training,
  and with the chip's ticks.
- :mod:`.chip`: the core on the emulators, its energy, and its files.
- :mod:`.network`: the core as plain Nengo objects, which ``nengo.Simulator`` runs
  bit for bit like :func:`run_core`.
- :mod:`.units`: the Elman units as a Nengo neuron type, :class:`.WindowUnits` (a
  window's spike count, the remainder carried to the next word).
- :mod:`.dl` (NengoDL, the ``dl`` extra): the classifier as a Nengo network, trained
  with ``nengo_dl.Simulator.fit`` -- float, then under the chip's constraints
  (``ChipDense`` weight levels, ``QuantizedActivity``, ``WindowUnits``).

``python -m nengo_truenorth.qc --data DIR --seeds N`` runs the whole table. Nothing
here imports TensorFlow but :mod:`.dl`.
"""

from .core import ElmanCore, core_model, final_counts, run_core
from .data import QCData, prepare
from .model import ElmanNetwork, QuantizedElman, quantize_network
from .network import build_network
from .trec import (
    COARSE_LABELS,
    TEST_FILE,
    TRAIN_FILE,
    Question,
    TrecData,
    Vocabulary,
    align_right,
    load_trec,
    read_trec_file,
    tokenize,
)
from .units import WindowUnits

__all__ = [
    "COARSE_LABELS",
    "TEST_FILE",
    "TRAIN_FILE",
    "ElmanCore",
    "ElmanNetwork",
    "QCData",
    "QuantizedElman",
    "Question",
    "TrecData",
    "Vocabulary",
    "WindowUnits",
    "align_right",
    "build_network",
    "core_model",
    "final_counts",
    "load_trec",
    "prepare",
    "quantize_network",
    "read_trec_file",
    "run_core",
    "tokenize",
]
