"""The Elman layer of Diehl et al. 2016 on one TrueNorth core, tick by tick.

One step of the recurrent network is a **window** of :data:`WINDOW` (15) ticks. In window
``n`` the host sends each of the 48 projection units' activity ``p[n, i]`` (an
integer 0..15: 16 levels) as that many spikes spread over the window
(:func:`spike_schedule`); each of the 16 recurrent units integrates its weighted
input, fires when its potential reaches its threshold and subtracts the threshold
(linear reset), and never goes below 0 (negative saturation), so that it fires
about ``max(U, 0) / threshold`` times (0..15: one spike per tick at most). Its spikes reach the core's own axons :data:`DELAY` ticks later, in the
next window: the state of the network lives in the spikes in flight on those delays,
as in the paper (a 15-tick delay holds 4 bits).

Weights are integers in 16 levels, -8..7, written with four axons per input whose
types weigh 1, 2, 4 and -8 (:data:`~nengo_truenorth.ir.codes.SIXTEEN_LEVELS`): 48 host
inputs and 16 recurrent units, 64 inputs of 4 axons, fill the core's 256 axons exactly
(the paper's fan-in of 64). Each unit sends its spikes to four axons, so it is four
neurons with the same parameters and crossbar column (copies fire together), one
per destination.

:func:`run_core` computes the core's spikes with NumPy, batched over questions; it
is the definition the chip (:func:`core_model`, run on the emulators) matches bit for
bit, and the function training runs in its forward pass.
"""

from dataclasses import dataclass

import numpy as np

from ..hardware.limits import (
    AXONS_PER_CORE,
    DELAY_MAX,
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_LINEAR,
    THRESHOLD_MAX,
)
from ..hardware.model import ChipModel, channel_spikes
from ..ir.codes import SIXTEEN_LEVELS

#: Ticks per step of the recurrent network: the chip's longest delay, so that a
#: unit's spike at tick ``k`` of a window arrives at tick ``k`` of the next.
WINDOW = DELAY_MAX
#: Ticks from a unit's spike to its arrival on the recurrent axons.
DELAY = WINDOW
#: Activity levels: a unit fires 0..15 times per window (at most once per tick), a
#: host input sends 0..15 spikes: 16 levels.
ACTIVITY_MAX = WINDOW
#: Weight levels of the core (-8..7).
WEIGHT_MIN, WEIGHT_MAX = (
    int(SIXTEEN_LEVELS.levels.min()),
    int(SIXTEEN_LEVELS.levels.max()),
)
#: The largest multiplier of the type weights 1, 2, 4, -8 within the chip's range.
MAX_WEIGHT_SCALE = SIXTEEN_LEVELS.max_scale
#: Input and output port names of the core's model.
INPUT_PORT, OUTPUT_PORT = "projection", "units"


@dataclass(frozen=True)
class ElmanCore:
    """The integers of the recurrent layer: what one core holds.

    Attributes
    ----------
    w_in : (n_units, n_inputs) ndarray of int
        Weights from the projection units, -8..7.
    w_rec : (n_units, n_units) ndarray of int
        Recurrent weights, -8..7.
    threshold : (n_units,) ndarray of int
        Each unit's threshold (potential per spike).
    weight_scale : (n_units,) ndarray of int
        Each unit's multiplier of its type weights (1..31: ``8 * 31 <= 255``), so a
        weight level ``w`` adds ``weight_scale * w`` to the potential; a unit
        computes ``floor(weight_scale * U / threshold)`` spikes of a window's input
        sum ``U``, any rational step ``weight_scale / threshold`` per level.
    """

    w_in: np.ndarray
    w_rec: np.ndarray
    threshold: np.ndarray
    weight_scale: np.ndarray

    def __post_init__(self):
        for name in ("w_in", "w_rec", "threshold", "weight_scale"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), np.int64))
        n_units, n_inputs = self.w_in.shape
        if self.w_rec.shape != (n_units, n_units):
            raise ValueError(
                f"w_rec has shape {self.w_rec.shape}, expected {(n_units, n_units)}"
            )
        for name in ("threshold", "weight_scale"):
            shape = getattr(self, name).shape
            if shape != (n_units,):
                raise ValueError(f"{name} has shape {shape}, expected ({n_units},)")
        for name in ("w_in", "w_rec"):
            w = getattr(self, name)
            if w.size and (w.min() < WEIGHT_MIN or w.max() > WEIGHT_MAX):
                raise ValueError(
                    f"{name} holds {int(w.min())}..{int(w.max())}: the core's 16 "
                    f"levels are {WEIGHT_MIN}..{WEIGHT_MAX}"
                )
        if self.threshold.min(initial=1) < 1 or self.threshold.max(initial=1) > (
            THRESHOLD_MAX
        ):
            raise ValueError(
                f"thresholds {int(self.threshold.min())}..{int(self.threshold.max())}"
                f": the chip's are 1..{THRESHOLD_MAX}"
            )
        if self.weight_scale.min(initial=1) < 1 or self.weight_scale.max(initial=1) > (
            MAX_WEIGHT_SCALE
        ):
            raise ValueError(
                f"weight scales {int(self.weight_scale.min())}.."
                f"{int(self.weight_scale.max())}: the chip's type weights allow "
                f"1..{MAX_WEIGHT_SCALE}"
            )
        axons = SIXTEEN_LEVELS.axons_per_input * (n_inputs + n_units)
        if axons > AXONS_PER_CORE:
            raise ValueError(
                f"{n_inputs} inputs and {n_units} recurrent units need {axons} axons "
                f"(4 per input): one core has {AXONS_PER_CORE}"
            )

    @classmethod
    def from_levels(cls, levels, n_inputs, threshold):
        """The core of weight levels ``levels`` (n_units, n_inputs + n_units; the
        projection's columns first) and thresholds, every unit's type weights at
        :data:`MAX_WEIGHT_SCALE` (its step ``MAX_WEIGHT_SCALE / threshold``)."""
        levels = np.asarray(levels)
        return cls(
            levels[:, :n_inputs],
            levels[:, n_inputs:],
            threshold,
            np.full(len(levels), MAX_WEIGHT_SCALE),
        )

    @property
    def n_units(self):
        """int: recurrent units."""
        return self.w_in.shape[0]

    @property
    def n_inputs(self):
        """int: projection units the host sends."""
        return self.w_in.shape[1]

    def save(self, path):
        """Write the integers to ``path`` (``.npz``)."""
        np.savez(
            path,
            w_in=self.w_in,
            w_rec=self.w_rec,
            threshold=self.threshold,
            weight_scale=self.weight_scale,
        )

    @classmethod
    def load(cls, path):
        """The core saved by :meth:`save`."""
        with np.load(path) as data:
            return cls(
                data["w_in"], data["w_rec"], data["threshold"], data["weight_scale"]
            )


def spike_schedule(counts, window=WINDOW):
    """Host spikes for activities ``counts``: ``c`` spikes spread over a window.

    A count ``c`` (0..window) spikes at the ticks ``k`` of its window where
    ``floor((k + 1) c / window)`` steps up, so that spikes are evenly spaced.

    Parameters
    ----------
    counts : (..., n_windows, n) array_like of int
    window : int, optional

    Returns
    -------
    (..., n_windows * window, n) ndarray of bool
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.size and (counts.min() < 0 or counts.max() > window):
        raise ValueError(
            f"activities {int(counts.min())}..{int(counts.max())}: a window of "
            f"{window} ticks sends 0..{window} spikes"
        )
    k = np.arange(window)[:, None]
    # (..., n_windows, window, n)
    spikes = ((k + 1) * counts[..., None, :]) // window > (
        k * counts[..., None, :]
    ) // window
    shape = counts.shape[:-2] + (counts.shape[-2] * window, counts.shape[-1])
    return spikes.reshape(shape)


def window_counts(spikes, window=WINDOW):
    """Spikes per window: ``(..., n_windows * window, n)`` -> ``(..., n_windows, n)``."""
    spikes = np.asarray(spikes)
    t, n = spikes.shape[-2:]
    if t % window:
        raise ValueError(f"{t} ticks are not whole windows of {window}")
    shape = spikes.shape[:-2] + (t // window, window, n)
    return spikes.reshape(shape).sum(axis=-2)


def run_core(core, counts):
    """The core's spikes for projection activities ``counts``, tick by tick.

    Exactly what the chip computes (:func:`core_model` on an emulator), with NumPy,
    for a batch of questions at once, each starting from rest.

    Parameters
    ----------
    core : ElmanCore
    counts : (n_questions, n_windows, n_inputs) array_like of int
        Activities 0..15 of the projection units in each window (a question's
        words, one per window; windows of zeros before a short question change
        nothing, as nothing moves at rest).

    Returns
    -------
    (n_questions, n_windows * WINDOW, n_units) ndarray of bool
        Spikes of the units at each tick.
    """
    host = spike_schedule(counts)
    batch, ticks, _ = host.shape
    w_in = core.w_in.T * core.weight_scale
    w_rec = core.w_rec.T * core.weight_scale
    drive_in = host.astype(np.int64) @ w_in  # (batch, ticks, units)
    v = np.zeros((batch, core.n_units), dtype=np.int64)
    spikes = np.zeros((batch, ticks, core.n_units), dtype=bool)
    for t in range(ticks):
        drive = drive_in[:, t]
        if t >= DELAY:
            drive = drive + spikes[:, t - DELAY].astype(np.int64) @ w_rec
        v = np.clip(v + drive, POTENTIAL_MIN, POTENTIAL_MAX)
        fired = v >= core.threshold
        v -= fired * core.threshold
        np.maximum(v, 0, out=v)  # negative saturation at 0 (beta = 0, kappa = 1)
        spikes[:, t] = fired
    return spikes


def final_counts(core, counts):
    """The units' spikes in the last window: the state the host's softmax reads.

    Returns
    -------
    (n_questions, n_units) ndarray of int
    """
    return window_counts(run_core(core, counts))[:, -1]


def core_model(core, copies=1):
    """A chip model of ``copies`` cores, each holding ``core``.

    Axon ``4 i + k`` of a core carries input ``i`` (projection units first, then the
    recurrent units) with type ``k`` (weight 1, 2, 4, -8); neuron ``u + n_units * k``
    is unit ``u``'s copy that sends to type ``k``'s axon, with delay :data:`DELAY`.
    Copies let a batch of questions run side by side, one per core.

    Parameters
    ----------
    core : ElmanCore
    copies : int, optional

    Returns
    -------
    ChipModel
        Input port :data:`INPUT_PORT`: entry ``(q * n_inputs + i) * 4 + k`` is axon
        ``4 i + k`` of question ``q``'s core. Output port :data:`OUTPUT_PORT`: entry
        ``q * n_units + u`` is unit ``u`` of question ``q``.
    """
    n_types = SIXTEEN_LEVELS.axons_per_input
    model = ChipModel()
    inputs, outputs = [], []
    for q in range(copies):
        chip_core = model.add_core(x=q % 64, y=q // 64)
        _fill_core(chip_core, core)
        inputs += [
            (chip_core.id, n_types * i + k)
            for i in range(core.n_inputs)
            for k in range(n_types)
        ]
        outputs += [(chip_core.id, u) for u in range(core.n_units)]
    model.add_input(INPUT_PORT, inputs)
    model.add_output(OUTPUT_PORT, outputs)
    return model


def _fill_core(chip_core, core):
    """Write ``core``'s axon types, crossbar and neurons into ``chip_core``."""
    n_types = SIXTEEN_LEVELS.axons_per_input
    n_in, n_units = core.n_inputs, core.n_units
    weights = np.hstack([core.w_in, core.w_rec])  # (units, inputs + units)
    bits = SIXTEEN_LEVELS.bits(weights)  # (units, inputs + units, 4)
    n_axons = n_types * (n_in + n_units)
    chip_core.axon_types[:n_axons] = np.tile(np.arange(n_types), n_in + n_units)
    column = bits.reshape(n_units, n_axons).T  # (axons, units)
    for k in range(n_types):
        neurons = np.arange(n_units) + n_units * k
        chip_core.crossbar[:n_axons, neurons] = column
        chip_core.weights[neurons] = (
            core.weight_scale[:, None] * np.asarray(SIXTEEN_LEVELS.values)[None, :]
        )
        chip_core.threshold[neurons] = core.threshold
        chip_core.reset_mode[neurons] = RESET_LINEAR
        # a potential below 0 is set to 0: a window's net inhibition is not carried
        # into the next one (ReLU), only a positive remainder below the threshold
        chip_core.negative_saturation[neurons] = 1
        chip_core.negative_threshold[neurons] = 0
        # the recurrent inputs follow the projection inputs: unit u's axon of type k
        chip_core.target_core[neurons] = chip_core.id
        chip_core.target_axon[neurons] = n_types * (n_in + np.arange(n_units)) + k
        chip_core.target_delay[neurons] = DELAY


def input_spikes(counts):
    """Spike-file style input of :func:`core_model` for a batch of questions.

    Parameters
    ----------
    counts : (n_questions, n_windows, n_inputs) array_like of int

    Returns
    -------
    dict of str to (m, 2) ndarray of int64
        ``[tick, index]`` pairs of :data:`INPUT_PORT`, sorted.
    """
    host = spike_schedule(counts)  # (questions, ticks, inputs)
    n_questions, ticks, n_inputs = host.shape
    # channel q * n_inputs + i is input i of question q; it drives that input's
    # four axons, port entries 4 (q * n_inputs + i) + k
    raster = host.transpose(1, 0, 2).reshape(ticks, n_questions * n_inputs)
    axons = np.arange(raster.shape[1] * SIXTEEN_LEVELS.axons_per_input)
    per_channel = list(axons.reshape(raster.shape[1], -1))
    return {INPUT_PORT: channel_spikes(raster, per_channel)}


def output_counts(outputs, n_questions, n_units, ticks):
    """Per-window spike counts of the units from a run's output-port spikes.

    Returns
    -------
    (n_questions, ticks // WINDOW, n_units) ndarray of int
    """
    pairs = np.asarray(outputs[OUTPUT_PORT], dtype=np.int64).reshape(-1, 2)
    spikes = np.zeros((n_questions, ticks, n_units), dtype=np.int64)
    q, u = np.divmod(pairs[:, 1], n_units)
    np.add.at(spikes, (q, pairs[:, 0], u), 1)
    return window_counts(spikes)
