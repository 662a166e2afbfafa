"""Frame-rate inference: one image per tick, pipelined through the layers.

Each layer's neurons keep no state from one tick to the next
(:func:`~.spec.chip_neuron_params`), so a new image can enter every tick while the
earlier ones are still on their way through the layers. ``nengo.Simulator`` computes
an image in the step it enters (``synapse=None``); on the chip each layer takes its
connection's ticks (:meth:`nengo_truenorth.Simulator.connection_fidelity`), so the
votes for image ``k`` come out :func:`latency` ticks after it entered.
"""

import time
from dataclasses import dataclass

import numpy as np


def latency(sim, model):
    """Ticks from an image entering to its votes, for a network of
    :func:`~.network.build_network`.

    The sum over layers of their connections' ``ticks`` on the chip; 0 for a
    simulator that runs no chip (``nengo.Simulator``: every connection has
    ``synapse=None``).
    """
    fidelity = getattr(sim, "connection_fidelity", None)
    if fidelity is None:
        return 0
    rows = fidelity()
    ticks = 0
    for conns in model.convolutions:
        layer = {rows[c]["ticks"] for c in conns if c in rows and "ticks" in rows[c]}
        if len(layer) != 1:
            raise ValueError(
                f"the filter groups of {conns[0].post_obj} arrive after "
                f"{sorted(layer)} ticks: frames would mix (expected one delay)"
            )
        ticks += layer.pop()
    return ticks


@dataclass
class FrameRun:
    """The result of :func:`run_frames`.

    Attributes
    ----------
    votes : (n, n_classes) ndarray of int
        Spikes per class, per image.
    latency : int
        Ticks (steps) from an image entering to its votes.
    steps : int
        Steps run (``n + latency``).
    seconds : float
        Wall time of the run (the build excluded).
    """

    votes: np.ndarray
    latency: int
    steps: int
    seconds: float

    @property
    def frames_per_second(self):
        """float: images per second of wall time on this machine."""
        return len(self.votes) / self.seconds if self.seconds > 0 else float("nan")


def present(model, x, dt):
    """Set ``model.input`` to show image ``k`` of ``x`` in step ``k`` (then zeros)."""
    frames = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    blank = np.zeros(frames.shape[1])

    def image(t):
        k = int(round(t / dt)) - 1
        return frames[k] if k < len(frames) else blank

    model.input.output = image


def run_frames(sim, model, x):
    """Run the images ``x`` through a built simulator, one per step.

    Parameters
    ----------
    sim : nengo.Simulator or nengo_truenorth.Simulator
        Built from ``model`` after :func:`present` set its input to ``x``.
    model : nengo.Network
        From :func:`~.network.build_network`.
    x : (n, h, w, channels) ndarray of bool

    Returns
    -------
    FrameRun
    """
    lag = latency(sim, model)
    steps = len(x) + lag
    start = time.perf_counter()
    sim.run_steps(steps)
    seconds = time.perf_counter() - start
    votes = np.rint(sim.data[model.probe][-steps:][lag:]).astype(np.int64)
    return FrameRun(votes=votes, latency=lag, steps=steps, seconds=seconds)
