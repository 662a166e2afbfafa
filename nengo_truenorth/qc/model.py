"""The question classifier of Diehl et al. 2016 in NumPy: float, quantized, on chip.

The network: a projection layer (48 ReLU units, no bias: one row of a table per
word), an Elman layer (16 ReLU units, no bias), and a 6-way softmax on the Elman
layer's state after the last word. Without biases the ReLU layers are positively
homogeneous, so each layer's activities can be counted in any unit
(:func:`in_levels`): :func:`quantize_network` picks the units that put the largest
activities at 15 (16 levels), and each Elman unit's weights get their own step,
``weight_scale / threshold`` on the chip.

Three ways to compute the same network, as the paper's table compares them:

- :meth:`ElmanNetwork.logits` -- float (optionally with the weights quantized);
- :meth:`QuantizedElman.window_logits` -- weights and activities in 16 levels, one
  step per word: ``h = clip(floor(step * U), 0, 15)``;
- :meth:`QuantizedElman.chip_logits` -- the chip's ticks (:func:`.core.run_core`),
  what the emulated core computes bit for bit.
"""

from dataclasses import dataclass

import numpy as np

from .core import ACTIVITY_MAX, MAX_WEIGHT_SCALE, ElmanCore, final_counts

#: Weight bits of the core's code (16 levels, -8..7); fewer bits use fewer levels.
WEIGHT_BITS = 4


def weight_range(bits=WEIGHT_BITS):
    """The levels ``low, top`` of ``bits``-bit weights (2..4): the largest weight
    lands on ``top = 2**(bits - 1) - 1`` (7 for 4 bits, as the chip's discretization
    puts it), and ``low = -2**(bits - 1)`` is reached only by rounding."""
    if not 2 <= bits <= WEIGHT_BITS:
        raise ValueError(
            f"weight_bits = {bits}: the core's code writes 2..{WEIGHT_BITS} bits"
        )
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


@dataclass
class ElmanNetwork:
    """The float network (all arrays float).

    Attributes
    ----------
    embedding : (n_words, n_inputs) ndarray
        The projection layer's input weights: row ``w`` is word ``w``'s drive
        (ReLU follows).
    w_in : (n_units, n_inputs) ndarray
    w_rec : (n_units, n_units) ndarray
    w_out : (n_classes, n_units) ndarray
    b_out : (n_classes,) ndarray
    """

    embedding: np.ndarray
    w_in: np.ndarray
    w_rec: np.ndarray
    w_out: np.ndarray
    b_out: np.ndarray

    @classmethod
    def random(cls, n_words, seed=0, n_inputs=48, n_units=16, n_classes=6):
        """Starting weights for training: a small uniform embedding, uniform
        input and readout weights scaled to their fan-in, and recurrent weights
        ``0.5 I`` (each unit keeps half its state)."""
        rng = np.random.RandomState(seed)
        return cls(
            rng.uniform(-0.05, 0.05, (n_words, n_inputs)),
            rng.uniform(-1, 1, (n_units, n_inputs)) * np.sqrt(3.0 / n_inputs),
            0.5 * np.eye(n_units),
            rng.uniform(-1, 1, (n_classes, n_units)) * np.sqrt(3.0 / n_units),
            np.zeros(n_classes),
        )

    def projection(self, indices):
        """(n, length, n_inputs): the projection units' activities (padding is a
        word like any other: its row is trained, and it fills the windows before
        a short question)."""
        return np.maximum(self.embedding[np.asarray(indices)], 0.0)

    def states(self, indices, w_in=None, w_rec=None):
        """(n, length, n_units): the Elman layer's state after each word."""
        w_in = self.w_in if w_in is None else w_in
        w_rec = self.w_rec if w_rec is None else w_rec
        p = self.projection(indices)
        h = np.zeros((p.shape[0], w_in.shape[0]))
        out = np.zeros((p.shape[0], p.shape[1], w_in.shape[0]))
        for t in range(p.shape[1]):
            h = np.maximum(p[:, t] @ w_in.T + h @ w_rec.T, 0.0)
            out[:, t] = h
        return out

    def logits(self, indices, quantized_weights=None):
        """(n, n_classes): the softmax's input after the last word.

        Parameters
        ----------
        indices : (n, length) array_like of int
            Word indices, questions aligned to end at the last column.
        quantized_weights : QuantizedElman, optional
            Use its Elman weights (dequantized) with float activities: the paper's
            "4-bit weights" setup, with ``quantize_network(net, (1.0, 1.0))`` (the
            weights quantized in the float network's units; activities are not).
        """
        if quantized_weights is None:
            h = self.states(indices)[:, -1]
        else:
            w_in, w_rec = quantized_weights.dequantized()
            h = self.states(indices, w_in, w_rec)[:, -1]
        return h @ self.w_out.T + self.b_out


@dataclass
class QuantizedElman:
    """The network with weights and activities in 16 levels.

    Attributes
    ----------
    projection : (n_words, n_inputs) ndarray of int
        Each word's projection activities, 0..15 (the host's table).
    core : ElmanCore
        The Elman layer's integers (one chip core).
    w_out : (n_classes, n_units) ndarray
        The softmax's weights on the Elman state in levels (host, float).
    b_out : (n_classes,) ndarray
    """

    projection: np.ndarray
    core: ElmanCore
    w_out: np.ndarray
    b_out: np.ndarray

    @property
    def step(self):
        """(n_units,) ndarray: each unit's activity levels per weight level and input
        level, ``weight_scale / threshold``."""
        return self.core.weight_scale / self.core.threshold

    def dequantized(self):
        """``w_in, w_rec`` as float weights (the levels times their unit's step)."""
        step = self.step[:, None]
        return self.core.w_in * step, self.core.w_rec * step

    def counts(self, indices):
        """(n, length, n_inputs) ndarray of int: the host's projection activities."""
        return self.projection[np.asarray(indices)]

    def window_states(self, indices, carry=False):
        """(n, length, n_units) ndarray of int: the Elman state in levels, one step
        per word, ``clip(floor(weight_scale * U / threshold), 0, 15)``.

        With ``carry``, each unit keeps what it did not fire, as the chip's
        potential does (:class:`.units.WindowUnits` in whole numbers): the
        potential ``v += weight_scale * U``, the count ``clip(v // threshold, 0,
        15)``, then ``v = max(v - count * threshold, 0)``.
        """
        p = self.counts(indices)
        core = self.core
        h = np.zeros((p.shape[0], core.n_units), dtype=np.int64)
        v = np.zeros_like(h)
        out = np.zeros((p.shape[0], p.shape[1], core.n_units), dtype=np.int64)
        for t in range(p.shape[1]):
            u = p[:, t] @ core.w_in.T + h @ core.w_rec.T
            v = v + core.weight_scale * u if carry else core.weight_scale * u
            h = np.clip(v // core.threshold, 0, ACTIVITY_MAX)
            v = np.maximum(v - h * core.threshold, 0)
            out[:, t] = h
        return out

    def window_logits(self, indices, carry=False):
        """(n, n_classes): the softmax's input, quantized network one step per word
        (:meth:`window_states`)."""
        return self.window_states(indices, carry)[:, -1] @ self.w_out.T + self.b_out

    def chip_counts(self, indices):
        """(n, n_units) ndarray of int: the units' spikes in the last window."""
        return final_counts(self.core, self.counts(indices))

    def chip_logits(self, indices):
        """(n, n_classes): the softmax's input from the chip's last window."""
        return self.chip_counts(indices) @ self.w_out.T + self.b_out

    def save(self, path):
        """Write the quantized network to ``path`` (``.npz``)."""
        np.savez(
            path,
            projection=self.projection,
            w_out=self.w_out,
            b_out=self.b_out,
            w_in=self.core.w_in,
            w_rec=self.core.w_rec,
            threshold=self.core.threshold,
            weight_scale=self.core.weight_scale,
        )

    @classmethod
    def load(cls, path):
        """The network saved by :meth:`save`."""
        with np.load(path) as d:
            core = ElmanCore(d["w_in"], d["w_rec"], d["threshold"], d["weight_scale"])
            return cls(d["projection"], core, d["w_out"], d["b_out"])


def unit_thresholds(w, bits=WEIGHT_BITS):
    """Each unit's threshold for weights ``w`` (n_units, n_inputs + n_units): the
    step ``MAX_WEIGHT_SCALE / threshold`` closest to ``max |w| / top``."""
    top = np.max(np.abs(w), axis=1)
    top = np.where(top > 0, top, 1.0)
    levels_top = weight_range(bits)[1]
    return np.maximum(np.round(MAX_WEIGHT_SCALE * levels_top / top), 1).astype(np.int64)


def weight_levels(w, threshold, bits=WEIGHT_BITS):
    """Weights ``w`` in levels of their unit's step ``MAX_WEIGHT_SCALE / threshold``,
    rounded to the nearest, within the ``bits``-bit levels."""
    levels = np.round(w * threshold[:, None] / MAX_WEIGHT_SCALE)
    return np.clip(levels, *weight_range(bits)).astype(np.int64)


def activity_scales(net, indices, percentile=99.9):
    """The float activity of one level of the projection and of the Elman layer:
    the ``percentile`` of each layer's nonzero activities on ``indices``, over 15.

    Returns
    -------
    projection_scale, state_scale : float
    """

    def scale(values):
        values = values[values > 0]
        if values.size == 0:
            return 1.0
        return float(np.percentile(values, percentile)) / ACTIVITY_MAX

    return scale(net.projection(indices)), scale(net.states(indices))


#: Percentiles of the nonzero activities tried as a layer's 15th level.
CALIBRATION_PERCENTILES = (90.0, 99.0, 99.9, 100.0)


def calibrate_scales(
    net, indices, labels, bits=WEIGHT_BITS, percentiles=CALIBRATION_PERCENTILES
):
    """The activity scales (:func:`activity_scales`' percentiles, each layer its
    own) under which the quantized network (``bits``-bit weights) classifies
    ``indices`` best.

    Returns
    -------
    projection_scale, state_scale : float
    """
    best = None
    for p_pc in percentiles:
        for h_pc in percentiles:
            p_scale = activity_scales(net, indices, p_pc)[0]
            h_scale = activity_scales(net, indices, h_pc)[1]
            q = quantize_network(net, (p_scale, h_scale), bits)
            acc = accuracy(q.window_logits(indices), labels)
            if best is None or acc > best[0]:
                best = (acc, p_scale, h_scale)
    return best[1], best[2]


def in_levels(net, projection_scale, state_scale):
    """The same network with activities counted in levels: the projection's unit
    ``projection_scale``, the Elman layer's ``state_scale`` (without biases, the
    ReLU layers compute the same up to these scales)."""
    return ElmanNetwork(
        net.embedding / projection_scale,
        net.w_in * (projection_scale / state_scale),
        net.w_rec,
        net.w_out * state_scale,
        net.b_out,
    )


def quantize_network(net, scales, bits=WEIGHT_BITS):
    """Post-training quantization: the float network in 16 levels.

    Parameters
    ----------
    net : ElmanNetwork
    scales : (float, float)
        The float activity of one level of the projection and of the Elman layer
        (:func:`activity_scales`).
    bits : int, optional
        Weight bits, 2..4.

    Returns
    -------
    QuantizedElman
    """
    net = in_levels(net, *scales)
    projection = projection_levels(net.embedding)
    w = np.hstack([net.w_in, net.w_rec])
    threshold = unit_thresholds(w, bits)
    levels = weight_levels(w, threshold, bits)
    core = ElmanCore.from_levels(levels, net.w_in.shape[1], threshold)
    return QuantizedElman(projection, core, net.w_out, net.b_out)


def projection_levels(embedding):
    """The host's table of projection activities in levels: ``relu(embedding)``
    rounded within 0..15."""
    table = np.clip(np.round(np.maximum(embedding, 0.0)), 0, ACTIVITY_MAX)
    return table.astype(np.int64)


def accuracy(logits, labels):
    """The fraction of questions whose largest logit is their label."""
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(labels)))
