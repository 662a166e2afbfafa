"""Question classification on the chip: Diehl et al. 2016's task (TREC), reproduced.

Diehl, Zarrella, Cassidy, Pedroni and Neftci (ICRC 2016) trained an Elman RNN on TREC
question classification (6 coarse classes), constrained it (weights and activities in
16 levels, fan-in <= 64) and ran its recurrent layer on one TrueNorth core: 85 % float,
74 % on the chip, about 17 uW. This package holds that pipeline; so far the data:

- :mod:`.trec`: the TREC files (Li & Roth 2002) read from a folder given as an
  argument (the project may not ship them: ``../shared/data/trec`` beside the
  checkout), their tokens, and a vocabulary that turns questions into index arrays.
"""

from .trec import (
    COARSE_LABELS,
    TEST_FILE,
    TRAIN_FILE,
    Question,
    TrecData,
    Vocabulary,
    load_trec,
    read_trec_file,
    tokenize,
)
