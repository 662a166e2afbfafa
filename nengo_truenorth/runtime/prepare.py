"""Compiled code ready before a run: the emulator's and the host encoders' kernels.

numba compiles the fast emulator's kernels and the host's sigma-delta encoder on their
first use in an environment (about 20-30 s; later processes load them from numba's
cache in well under a second). :func:`prepare_runtime` does that before the first
step, so a run's speed never includes it, and says so when it takes a while, where a
run would otherwise sit at its first step without a word.
"""

import sys
import threading
import time

import numpy as np

from .host_io import SigmaDeltaEncoder

#: Seconds of preparation after which the user is told what is happening.
TELL_AFTER = 1.0


def prepare_runtime(emulator_class, n_cores, show=True, stream=None):
    """Compile (or load) the kernels a run of ``n_cores`` cores needs.

    Parameters
    ----------
    emulator_class : type
        An :class:`~nengo_truenorth.emulator.Emulator` class (its ``prepare``).
    n_cores : int
        Cores of the model to run (decides serial or parallel kernels).
    show : bool, optional
        Say on ``stream`` what is compiling, once it has taken :data:`TELL_AFTER`
        seconds, and how long it took.
    stream : file, optional
        Default ``sys.stderr``.

    Returns
    -------
    float
        Seconds the preparation took.
    """
    stream = sys.stderr if stream is None else stream
    told = threading.Event()

    def tell():
        told.set()
        print(
            "Compiling the chip emulator's kernels (numba, first run in this "
            "environment: about 30 s; later runs load them from its cache) ...",
            file=stream,
            flush=True,
        )

    timer = threading.Timer(TELL_AFTER, tell) if show else None
    start = time.perf_counter()
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        emulator_class.prepare(n_cores)
        SigmaDeltaEncoder(1, 1, 1.0).encode(np.ones(1))
    finally:
        if timer is not None:
            timer.cancel()
    seconds = time.perf_counter() - start
    if told.is_set():
        print(f"Kernels ready in {seconds:.0f} s.", file=stream, flush=True)
    return seconds
