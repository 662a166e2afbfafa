"""Spoken digits: an lpRNN, its 3-bit version, and the same network as ΣΔ spikes.

Run ``python examples/fsdd.py --data DIR --seeds N`` (from the repository root, with
the ``dl`` extra installed) on the Free Spoken Digit Dataset (``DIR`` holds
``recordings/{digit}_{speaker}_{take}.wav``). For each seed it

1. trains a float lpRNN (:class:`~nengo_sigmadelta.keras_layers.LowPassRNNLayer`) with
   a linear readout on log-mel frames (``fsdd_features.py`` beside this file), one
   frame per ANN step; the class is the readout averaged over the clip's frames;
2. fine-tunes it with all weights on a ``2**-bits`` grid (straight-through; the
   paper's "3-bit" is ``bits = 3``);
3. converts the 3-bit network to :class:`~nengo_sigmadelta.SigmaDelta` neurons
   (:func:`~nengo_sigmadelta.convert_lprnn`) and runs the test clips in
   ``nengo.Simulator``, ``--snn-steps`` SNN steps per ANN step, reading the class
   from the same readout inside the network;
4. runs that network on ``nengo_truenorth.Simulator`` (the emulated chip), or reports
   why it cannot.

It prints one table (mean ± std over seeds) and, as its last line,
``ann accuracy: X snn accuracy: Y`` with the 3-bit ANN and the Nengo ΣΔ SNN as
fractions. The dataset's split is used: takes 0-4 test, 5-49 train; the features are
normalised with training statistics only.

The Nengo SNN runs many clips at once: ``--copies`` copies of the network in one
simulator, one clip each, and ``sim.reset()`` between rounds so that every clip starts
from the network's initial state.

It uses nengo_sigmadelta and nengo_truenorth through their public names only, as any
user's script would.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field, replace

import nengo
import numpy as np

import nengo_sigmadelta

# the audio features live beside this file (python puts its folder on sys.path)
from fsdd_features import (  # isort: skip
    Standardizer,
    fsdd_split,
    list_fsdd,
    log_mel,
    pad_sequences,
    read_wav,
    trim_silence,
)

N_CLASSES = 10


@dataclass(frozen=True)
class FsddConfig:
    """Every setting of a run (features, model, training, SNN).

    Attributes
    ----------
    n_mels : int
        Mel bands per frame (ANN inputs).
    window, hop : float
        Frame length and frame step in seconds; the hop is one ANN step.
    top_db : float
        Frames more than this far below a clip's loudest are trimmed from its ends.
    max_frames : int
        Longer clips are cut to this many ANN steps.
    hidden : int
        lpRNN units.
    retention : float
        ``r`` of the lpRNN.
    a_max : float
        Clip of the activation.
    bits : int
        Fractional bits of the quantized weights.
    epochs, quant_epochs : int
        Float training epochs, then 3-bit fine-tuning epochs.
    learning_rate, quant_learning_rate : float
        Adam's step size for the two phases.
    batch_size : int
    snn_steps : int
        SNN steps per ANN step.
    dt : float
        SNN step in seconds.
    copies : int
        Copies of the network simulated side by side in one ``nengo.Simulator``.
    chip_clips : int
        Test clips run on the TrueNorth emulator, spread over the digits (0: all).
    chip_copies : int
        Copies of the network side by side on the chip.
    digits : tuple of int
        Digits used (all ten by default).
    clips_per_digit : int
        Use at most this many train and this many test clips per digit (0: all).
    """

    n_mels: int = 32
    window: float = 0.025
    hop: float = 0.02
    top_db: float = 30.0
    max_frames: int = 40
    hidden: int = 64
    retention: float = 0.8
    a_max: float = 6.0
    bits: int = 3
    epochs: int = 30
    quant_epochs: int = 15
    learning_rate: float = 3e-3
    quant_learning_rate: float = 1e-3
    batch_size: int = 32
    snn_steps: int = 10
    dt: float = 0.001
    copies: int = 50
    chip_clips: int = 0
    chip_copies: int = 20
    digits: tuple = tuple(range(N_CLASSES))
    clips_per_digit: int = 0


@dataclass
class FsddData:
    """Padded, normalised feature sequences of the train and test sets.

    Attributes
    ----------
    x_train, x_test : (n, n_frames, n_mels) ndarray
        Zero-padded after each clip's end.
    len_train, len_test : (n,) int ndarray
        Frames of each clip.
    y_train, y_test : (n,) int ndarray
        Digits.
    standardizer : Standardizer
        Fitted on the training frames.
    """

    x_train: np.ndarray
    len_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    len_test: np.ndarray
    y_test: np.ndarray
    standardizer: Standardizer = field(repr=False)


def clip_features(path, config):
    """Log-mel frames of one recording, silence trimmed, not yet normalised.

    Parameters
    ----------
    path : str
    config : FsddConfig

    Returns
    -------
    (n_frames, n_mels) ndarray
    """
    signal, rate = read_wav(path)
    features = log_mel(
        signal, rate, n_mels=config.n_mels, window=config.window, hop=config.hop
    )
    return trim_silence(features, top_db=config.top_db)


def _select(clips, config):
    clips = [c for c in clips if c.digit in config.digits]
    if config.clips_per_digit:
        kept, seen = [], {}
        for c in clips:
            seen[c.digit] = seen.get(c.digit, 0) + 1
            if seen[c.digit] <= config.clips_per_digit:
                kept.append(c)
        clips = kept
    return clips


def load_fsdd(data_dir, config):
    """Features of the dataset's train and test clips, normalised by the train set.

    Parameters
    ----------
    data_dir : str
        The dataset's folder (see :func:`fsdd_features.list_fsdd`).
    config : FsddConfig

    Returns
    -------
    FsddData
    """
    train, test = fsdd_split(list_fsdd(data_dir))
    train, test = _select(train, config), _select(test, config)
    feats_train = [clip_features(c.path, config) for c in train]
    feats_test = [clip_features(c.path, config) for c in test]
    standardizer = Standardizer.fit(feats_train)
    x_train, len_train = pad_sequences(
        [standardizer(f) for f in feats_train], config.max_frames
    )
    x_test, len_test = pad_sequences(
        [standardizer(f) for f in feats_test], config.max_frames
    )
    return FsddData(
        x_train=x_train.astype(np.float32),
        len_train=len_train,
        y_train=np.array([c.digit for c in train]),
        x_test=x_test.astype(np.float32),
        len_test=len_test,
        y_test=np.array([c.digit for c in test]),
        standardizer=standardizer,
    )


def frame_mask(lengths, n_frames):
    """``(n, n_frames)`` float mask: 1 on each clip's frames, 0 on its padding."""
    return (np.arange(n_frames)[None, :] < np.asarray(lengths)[:, None]).astype(
        np.float32
    )


# --- the ANN ---------------------------------------------------------------------


def build_ann(n_in, config, quantizer=None, seed=None):
    """The Keras model: lpRNN, a per-frame linear readout, its mean over the clip.

    Parameters
    ----------
    n_in : int
        Features per frame.
    config : FsddConfig
    quantizer : Quantizer, optional
        Straight-through grid for every weight (lpRNN and readout).
    seed : int, optional
        Seed of the initial weights.

    Returns
    -------
    tf.keras.Model
        Inputs ``[x (batch, frames, n_in), mask (batch, frames)]``; output the
        class logits ``(batch, 10)``. Layers ``"lprnn"`` and ``"readout"``.
    """
    import tensorflow as tf

    from nengo_sigmadelta.keras_layers import LowPassRNNLayer, QuantizedDense

    init = tf.keras.initializers
    seeds = [None] * 3 if seed is None else [seed, seed + 1, seed + 2]
    x = tf.keras.Input((None, n_in), name="x")
    mask = tf.keras.Input((None,), name="mask")
    h = LowPassRNNLayer(
        config.hidden,
        retention=config.retention,
        a_max=config.a_max,
        kernel_quantizer=quantizer,
        recurrent_quantizer=quantizer,
        bias_quantizer=quantizer,
        kernel_initializer=init.GlorotUniform(seeds[0]),
        recurrent_initializer=init.Orthogonal(seed=seeds[1]),
        name="lprnn",
    )(x)
    frame_logits = QuantizedDense(
        N_CLASSES,
        kernel_quantizer=quantizer,
        bias_quantizer=quantizer,
        kernel_initializer=init.GlorotUniform(seeds[2]),
        name="readout",
    )(h)
    # the class is the readout averaged over the clip's own frames (padding ignored)
    weights = mask / tf.reduce_sum(mask, axis=1, keepdims=True)
    logits = tf.reduce_sum(frame_logits * weights[:, :, None], axis=1)
    return tf.keras.Model([x, mask], logits)


def _fit(model, data, config, epochs, learning_rate, seed):
    import tensorflow as tf

    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    mask = frame_mask(data.len_train, data.x_train.shape[1])
    # decay the step size over the run: the last epochs settle on the grid
    decay = tf.keras.callbacks.LearningRateScheduler(
        lambda epoch: learning_rate * 0.5 * (1 + np.cos(np.pi * epoch / epochs))
    )
    tf.keras.utils.set_random_seed(seed)
    model.fit(
        [data.x_train, mask],
        data.y_train,
        batch_size=config.batch_size,
        epochs=epochs,
        shuffle=True,
        callbacks=[decay],
        verbose=0,
    )


def ann_accuracy(model, x, lengths, y):
    """Fraction of clips the Keras model classifies correctly."""
    logits = model.predict([x, frame_mask(lengths, x.shape[1])], verbose=0)
    return float(np.mean(np.argmax(logits, axis=1) == y))


def train_anns(data, config, seed):
    """Train the float ANN, then fine-tune a copy on the weight grid.

    Parameters
    ----------
    data : FsddData
    config : FsddConfig
    seed : int

    Returns
    -------
    float_model, quant_model : tf.keras.Model
        The quantized model's weights are snapped to the grid
        (:func:`~nengo_sigmadelta.keras_layers.snap_to_grid`).
    """
    import tensorflow as tf

    from nengo_sigmadelta.keras_layers import snap_to_grid

    tf.keras.utils.set_random_seed(seed)
    n_in = data.x_train.shape[2]
    float_model = build_ann(n_in, config, seed=seed)
    _fit(float_model, data, config, config.epochs, config.learning_rate, seed)

    quant_model = build_ann(
        n_in, config, quantizer=nengo_sigmadelta.FractionalBits(config.bits), seed=seed
    )
    quant_model.set_weights(float_model.get_weights())
    _fit(
        quant_model,
        data,
        config,
        config.quant_epochs,
        config.quant_learning_rate,
        seed + 1,
    )
    snap_to_grid(quant_model.get_layer("lprnn"))
    snap_to_grid(quant_model.get_layer("readout"))
    return float_model, quant_model


def quantized_weights(model):
    """``(lprnn [W, U, b], readout [W_out, b_out])`` of a trained model, as NumPy."""
    return (
        [np.asarray(w, dtype=float) for w in model.get_layer("lprnn").get_weights()],
        [np.asarray(w, dtype=float) for w in model.get_layer("readout").get_weights()],
    )


# --- the ΣΔ network in Nengo -------------------------------------------------------


class ClipPlayer:
    """Node output: each copy's current clip, one row held per ANN step.

    ``load`` puts a new batch of clips in place; the Nengo simulator is reset before
    each batch, so time restarts at 0.

    Parameters
    ----------
    copies : int
        Clips played side by side.
    n_in : int
        Features per frame.
    snn_steps : int
        SNN steps per ANN step.
    dt : float
        SNN step in seconds.
    """

    def __init__(self, copies, n_in, snn_steps, dt):
        self.copies, self.n_in = copies, n_in
        self.snn_steps, self.dt = snn_steps, dt
        self.frames = np.zeros((copies, 1, n_in))

    def load(self, x):
        """Play ``x`` (``(copies, n_frames, n_in)``, zero-padded) from time 0."""
        self.frames = np.asarray(x, dtype=float)

    def __call__(self, t):
        # Nengo calls nodes with t = (step + 1)·dt; step s shows ANN step s // n
        step = int(round(t / self.dt)) - 1
        row = min(step // self.snn_steps, self.frames.shape[1] - 1)
        return self.frames[:, row].ravel()


def build_snn(lprnn_weights, readout_weights, config, copies, spiking=True, seed=0):
    """``copies`` ΣΔ lpRNNs with their readouts, fed by one :class:`ClipPlayer`.

    Parameters
    ----------
    lprnn_weights : list of ndarray
        ``[W, U, b]`` on the weight grid.
    readout_weights : list of ndarray
        ``[W_out (hidden, 10), b_out (10,)]``.
    config : FsddConfig
    copies : int
    spiking : bool, optional
        SigmaDelta (True) or SigmaDeltaRate neurons.
    seed : int, optional

    Returns
    -------
    net : nengo.Network
        With attributes ``player`` (the ClipPlayer), ``rnns`` (the LowPassRNNLayer
        copies), ``readout`` (a ``(copies·10,)`` node: each copy's class scores) and
        ``readout_probe``.
    """
    W_out, b_out = readout_weights
    n_in = lprnn_weights[0].shape[0]
    net = nengo.Network(label="fsdd ΣΔ lpRNN", seed=seed)
    with net:
        net.player = ClipPlayer(copies, n_in, config.snn_steps, config.dt)
        clips = nengo.Node(net.player, size_out=copies * n_in, label="clips")
        net.readout = nengo.Node(size_in=copies * N_CLASSES, label="readout")
        bias = nengo.Node(np.tile(b_out, copies), label="readout bias")
        nengo.Connection(bias, net.readout, synapse=None)
        net.rnns = []
        for k in range(copies):
            rnn = nengo_sigmadelta.convert_lprnn(
                lprnn_weights,
                retention=config.retention,
                a_max=config.a_max,
                snn_steps_per_ann_step=config.snn_steps,
                dt=config.dt,
                spiking=spiking,
                label=f"lprnn {k}",
            )
            nengo.Connection(clips[k * n_in : (k + 1) * n_in], rnn.input, synapse=None)
            nengo.Connection(
                rnn.output,
                net.readout[k * N_CLASSES : (k + 1) * N_CLASSES],
                transform=W_out.T,
                synapse=None,
            )
            net.rnns.append(rnn)
        net.readout_probe = nengo.Probe(net.readout, synapse=None)
        net.spike_probes = [nengo.Probe(r.hidden.neurons) for r in net.rnns]
    return net


def mean_readout(readout, lengths, snn_steps, copies):
    """Each clip's readout averaged over its ANN steps, from probe data.

    Parameters
    ----------
    readout : (n_snn_steps, copies·10) ndarray
        The readout node's probe data.
    lengths : (copies,) int array_like
        ANN steps of each clip (0 for an unused copy).
    snn_steps : int
    copies : int

    Returns
    -------
    (copies, 10) ndarray
    """
    per_step = nengo_sigmadelta.sample_ann_steps(readout, snn_steps).reshape(
        -1, copies, N_CLASSES
    )
    out = np.zeros((copies, N_CLASSES))
    for k, n in enumerate(lengths):
        if n:
            out[k] = per_step[:n, k].mean(axis=0)
    return out


def run_clips(sim, net, x, lengths, config, after_round=None):
    """Class scores and hidden spike counts of clips, ``copies`` at a time.

    The clips are sorted by length, so each round is as short as its longest clip.
    Each round starts with ``sim.reset()``, so every clip starts from the network's
    initial state.

    Parameters
    ----------
    sim : nengo.Simulator
        Built from ``build_snn``'s network.
    net : nengo.Network
    x : (n, n_frames, n_in) ndarray
    lengths : (n,) int ndarray
    config : FsddConfig
    after_round : callable, optional
        Called with the simulator after each round (before the next reset).

    Returns
    -------
    scores : (n, 10) ndarray
    spikes : (n,) ndarray
        Spikes of the hidden neurons during each clip.
    """
    copies, n = len(net.rnns), config.snn_steps
    order = np.argsort(lengths, kind="stable")
    scores = np.zeros((len(x), N_CLASSES))
    spikes = np.zeros(len(x))
    for start in range(0, len(x), copies):
        idx = order[start : start + copies]
        frames = int(lengths[idx].max())
        batch = np.zeros((copies, frames, x.shape[2]))
        batch[: len(idx)] = x[idx, :frames]
        batch_lengths = np.zeros(copies, dtype=int)
        batch_lengths[: len(idx)] = lengths[idx]
        sim.reset()
        net.player.load(batch)
        sim.run_steps(frames * n + 1)
        scores[idx] = mean_readout(
            sim.data[net.readout_probe], batch_lengths, n, copies
        )[: len(idx)]
        for j, k in enumerate(idx):
            # the spikes of ANN steps 0 .. len-1 (row 0 is the first SNN step)
            counts = sim.data[net.spike_probes[j]][: lengths[k] * n]
            spikes[k] = counts.sum() * config.dt
        if after_round is not None:
            after_round(sim)
    return scores, spikes


def snn_accuracy(lprnn_weights, readout_weights, data, config, seed=0):
    """Accuracy and spikes per clip of the ΣΔ network in ``nengo.Simulator``.

    Returns
    -------
    dict
        ``accuracy``, ``spikes_per_inference``, ``synops_per_inference`` (spikes times
        the fan-out: ``hidden`` recurrent targets plus 10 readout targets),
        ``snn_steps_per_inference`` and ``wall_s``.
    """
    t0 = time.time()
    copies = min(config.copies, len(data.x_test))
    net = build_snn(lprnn_weights, readout_weights, config, copies, seed=seed)
    with nengo.Simulator(net, dt=config.dt, progress_bar=False, seed=seed) as sim:
        scores, spikes = run_clips(sim, net, data.x_test, data.len_test, config)
    return {
        "accuracy": float(np.mean(np.argmax(scores, axis=1) == data.y_test)),
        "spikes_per_inference": float(spikes.mean()),
        "synops_per_inference": float(spikes.mean() * (config.hidden + N_CLASSES)),
        "snn_steps_per_inference": float(np.mean(data.len_test) * config.snn_steps),
        "wall_s": time.time() - t0,
    }


# --- the same network on the TrueNorth emulator --------------------------------------


def spread_subset(n, k):
    """``k`` indices spread evenly over ``range(n)`` (all of them if ``k`` is 0).

    The test clips are sorted by name, digit first, so an even spread keeps every
    digit in a subset.
    """
    if not k or k >= n:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, k)).astype(int))


def chip_accuracy(lprnn_weights, readout_weights, data, config, seed=0):
    """Accuracy, spikes and energy per clip on ``nengo_truenorth.Simulator``.

    The network of :func:`build_snn` with ``config.chip_copies`` copies runs
    ``config.chip_clips`` test clips (spread over the digits; all if 0) as in
    :func:`run_clips`. Only the lpRNN's neurons go on the chip; the readout is
    a node on the host.

    Returns
    -------
    dict
        ``available`` (False with ``error`` when the chip cannot run the network),
        or ``accuracy``, ``clips``, ``spikes_per_inference`` (the lpRNN's
        neurons), ``chip_spikes_per_inference`` (every chip neuron, relays
        included), ``energy_per_inference_j`` (the emulator's energy report, all
        rounds, per clip) and its ``energy_components_per_inference_j``,
        ``cores`` (of which ``group_cores`` hold the network's neurons and
        ``splitter_cores`` copy spikes), ``copies`` and ``wall_s``.
    """
    # the chip backend (and its numba emulator) load only when the chip column runs
    import nengo_truenorth

    t0 = time.time()
    subset = spread_subset(len(data.x_test), config.chip_clips)
    copies = min(config.chip_copies, len(subset))
    net = build_snn(lprnn_weights, readout_weights, config, copies, seed=seed)
    try:
        sim = nengo_truenorth.Simulator(
            net, dt=config.dt, progress_bar=False, seed=seed
        )
    except (nengo.exceptions.NengoException, ValueError, NotImplementedError) as err:
        return {"available": False, "error": f"{type(err).__name__}: {err}"}
    with sim:
        if sim.compiled is None or sim.on_host():
            return {
                "available": False,
                "error": "not on the chip: "
                + "; ".join(f"{k}: {v}" for k, v in sim.on_host().items()),
            }
        totals = {"energy": 0.0, "spikes": 0}
        components = {}

        def add_energy(sim):
            # sim.reset() before each round restarts the chip's activity counters
            report = sim.energy()
            totals["energy"] += report.total
            totals["spikes"] += report.totals["spikes"]
            for name, joules in report.components.items():
                components[name] = components.get(name, 0.0) + joules

        scores, spikes = run_clips(
            sim,
            net,
            data.x_test[subset],
            data.len_test[subset],
            config,
            after_round=add_energy,
        )
        resources = sim.resources()
    return {
        "available": True,
        "accuracy": float(np.mean(np.argmax(scores, axis=1) == data.y_test[subset])),
        "clips": int(len(subset)),
        "spikes_per_inference": float(spikes.mean()),
        "chip_spikes_per_inference": totals["spikes"] / len(subset),
        "energy_per_inference_j": totals["energy"] / len(subset),
        "energy_components_per_inference_j": {
            name: joules / len(subset) for name, joules in components.items()
        },
        "cores": int(resources["cores"]),
        "group_cores": int(resources.get("group_cores", 0)),
        "splitter_cores": int(resources.get("splitter_cores", 0)),
        "copies": int(copies),
        "wall_s": time.time() - t0,
    }


# --- the command ----------------------------------------------------------------


def run_seed(data, config, seed, chip=True, log=print):
    """Everything for one seed: the two ANNs, the Nengo SNN, the chip.

    Returns
    -------
    dict
        ``float_ann``, ``ann`` (3-bit) and ``snn`` accuracies, the SNN's counts,
        ``chip`` (see :func:`chip_accuracy`) and wall times.
    """
    t0 = time.time()
    float_model, quant_model = train_anns(data, config, seed)
    result = {
        "seed": seed,
        "float_ann": ann_accuracy(float_model, data.x_test, data.len_test, data.y_test),
        "ann": ann_accuracy(quant_model, data.x_test, data.len_test, data.y_test),
        "train_s": time.time() - t0,
    }
    lprnn_weights, readout_weights = quantized_weights(quant_model)
    snn = snn_accuracy(lprnn_weights, readout_weights, data, config, seed=seed)
    result["snn"] = snn.pop("accuracy")
    result["snn_stats"] = snn
    if chip:
        result["chip"] = chip_accuracy(
            lprnn_weights, readout_weights, data, config, seed=seed
        )
    log(
        f"seed {seed}: float ANN {result['float_ann']:.4f}  3-bit ANN "
        f"{result['ann']:.4f}  ΣΔ SNN {result['snn']:.4f}  "
        f"({result['train_s']:.0f} s training, {snn['wall_s']:.0f} s SNN)"
    )
    chip_result = result.get("chip")
    if chip_result and chip_result["available"]:
        log(
            f"        ΣΔ on the TrueNorth emulator {chip_result['accuracy']:.4f} "
            f"({chip_result['clips']} clips, {chip_result['cores']} cores, "
            f"{chip_result['wall_s']:.0f} s)"
        )
    return result


def _mean_std(values):
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std())


def summarize(results, config):
    """Mean and standard deviation over seeds of every reported figure.

    Returns
    -------
    dict
    """
    out = {}
    for key in ("float_ann", "ann", "snn"):
        out[key] = _mean_std([r[key] for r in results])
    for key in ("spikes_per_inference", "synops_per_inference"):
        out[key] = _mean_std([r["snn_stats"][key] for r in results])
    out["snn_steps_per_inference"] = results[0]["snn_stats"]["snn_steps_per_inference"]
    chips = [r.get("chip") for r in results if r.get("chip")]
    if chips and all(c["available"] for c in chips):
        for key in (
            "accuracy",
            "spikes_per_inference",
            "chip_spikes_per_inference",
            "energy_per_inference_j",
        ):
            out["chip_" + key] = _mean_std([c[key] for c in chips])
        parts = [c["energy_components_per_inference_j"] for c in chips]
        out["chip_energy_components_per_inference_j"] = {
            name: _mean_std([p[name] for p in parts]) for name in parts[0]
        }
        out["chip_clips"] = chips[0]["clips"]
        out["chip_cores"] = [c["cores"] for c in chips]
        out["chip_copies"] = chips[0]["copies"]
    elif chips:
        out["chip_error"] = next(c["error"] for c in chips if not c["available"])
    return out


def format_table(summary, config, n_seeds):
    """The results table, one line per column of the task."""

    def pm(pair, fmt="{:.4f}"):
        return f"{fmt.format(pair[0])} ± {fmt.format(pair[1])}"

    spikes = pm(summary["spikes_per_inference"], "{:.0f}")
    lines = [
        f"FSDD, {len(config.digits)} digits, {n_seeds} seed(s), lpRNN "
        f"{config.n_mels}-{config.hidden}-{N_CLASSES}, r = {config.retention}, "
        f"a_max = {config.a_max}, {config.bits} fractional bits, "
        f"{config.snn_steps} SNN steps per ANN step",
        f"{'model':<26} {'accuracy':<18} spikes / inference   energy / inference",
        f"{'float ANN':<26} {pm(summary['float_ann']):<18}",
        f"{f'{config.bits}-bit ANN':<26} {pm(summary['ann']):<18}",
        f"{'ΣΔ SNN (nengo.Simulator)':<26} {pm(summary['snn']):<18} {spikes:<20} "
        f"(synops {pm(summary['synops_per_inference'], '{:.0f}')})",
    ]
    if "chip_accuracy" in summary:
        energy = summary["chip_energy_per_inference_j"]
        lines.append(
            f"{'ΣΔ on TrueNorth emulator':<26} {pm(summary['chip_accuracy']):<18} "
            f"{pm(summary['chip_spikes_per_inference'], '{:.0f}'):<20} "
            f"{energy[0] * 1e6:.1f} ± {energy[1] * 1e6:.1f} µJ"
        )
        low, high = min(summary["chip_cores"]), max(summary["chip_cores"])
        cores = f"{low}" if low == high else f"{low}-{high}"
        components = summary["chip_energy_components_per_inference_j"]
        parts = ", ".join(f"{k} {v[0] * 1e6:.1f}" for k, v in components.items())
        lines += [
            f"{'':<26} {summary['chip_clips']} test clips, "
            f"{summary['chip_copies']} copies of the network on {cores} cores",
            f"{'':<26} spikes of all chip neurons (filter neurons, relays): "
            f"{pm(summary['chip_chip_spikes_per_inference'], '{:.0f}')} / inference",
            f"{'':<26} energy by component [µJ / inference]: {parts}",
        ]
    elif "chip_error" in summary:
        lines.append(
            f"{'ΣΔ on TrueNorth emulator':<26} not available: {summary['chip_error']}"
        )
    else:
        lines.append(f"{'ΣΔ on TrueNorth emulator':<26} not run (--no-chip)")
    return "\n".join(line.rstrip() for line in lines)


def parse_args(argv=None):
    """Command-line options of ``python examples/fsdd.py``."""
    d = FsddConfig()
    p = argparse.ArgumentParser(
        prog="python examples/fsdd.py",
        description="Free Spoken Digit Dataset: float and 3-bit lpRNN, ΣΔ SNN in "
        "Nengo and on the TrueNorth emulator.",
    )
    p.add_argument("--data", required=True, help="FSDD folder (holds recordings/)")
    p.add_argument("--seeds", type=int, default=3, help="number of seeds (0, 1, ...)")
    p.add_argument(
        "--snn-steps", type=int, default=d.snn_steps, help="SNN steps per ANN step"
    )
    p.add_argument("--epochs", type=int, default=d.epochs, help="float epochs")
    p.add_argument(
        "--quant-epochs",
        type=int,
        default=d.quant_epochs,
        help="fine-tuning epochs on the weight grid",
    )
    p.add_argument("--hidden", type=int, default=d.hidden, help="lpRNN units")
    p.add_argument("--retention", type=float, default=d.retention, help="r")
    p.add_argument("--a-max", type=float, default=d.a_max, help="activation clip")
    p.add_argument("--bits", type=int, default=d.bits, help="fractional bits")
    p.add_argument(
        "--lr", type=float, default=d.learning_rate, help="float learning rate"
    )
    p.add_argument(
        "--copies",
        type=int,
        default=d.copies,
        help="networks side by side in nengo.Simulator",
    )
    p.add_argument(
        "--chip-clips",
        type=int,
        default=d.chip_clips,
        help="test clips to run on the TrueNorth emulator (0: all)",
    )
    p.add_argument(
        "--chip-copies",
        type=int,
        default=d.chip_copies,
        help="networks side by side on the chip",
    )
    p.add_argument("--no-chip", action="store_true", help="skip the chip column")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a short run: 2 digits, 50 clips of each, 30 + 2 epochs, 5 chip clips "
        "(about 0.9 accuracy, 20-30 s)",
    )
    p.add_argument("--out", help="write the results as JSON here")
    return p.parse_args(argv)


def config_from_args(args):
    """The :class:`FsddConfig` the options ask for."""
    config = FsddConfig(
        snn_steps=args.snn_steps,
        epochs=args.epochs,
        quant_epochs=args.quant_epochs,
        hidden=args.hidden,
        retention=args.retention,
        a_max=args.a_max,
        bits=args.bits,
        learning_rate=args.lr,
        copies=args.copies,
        chip_clips=args.chip_clips,
        chip_copies=args.chip_copies,
    )
    if args.quick:
        config = replace(
            config,
            digits=(0, 1),
            clips_per_digit=50,
            epochs=30,
            quant_epochs=2,
            chip_clips=config.chip_clips or 5,
        )
    return config


def main(argv=None):
    """Run the whole comparison; the last printed line holds the two accuracies."""
    args = parse_args(argv)
    config = config_from_args(args)
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    t0 = time.time()
    data = load_fsdd(args.data, config)
    print(
        f"features: {len(data.y_train)} train / {len(data.y_test)} test clips, "
        f"{data.x_train.shape[2]} mel bands, up to {data.x_train.shape[1]} frames "
        f"({time.time() - t0:.1f} s)",
        flush=True,
    )
    results = [
        run_seed(data, config, seed, chip=not args.no_chip, log=_flush_print)
        for seed in range(args.seeds)
    ]
    summary = summarize(results, config)
    table = format_table(summary, config, args.seeds)
    print(table)
    print(f"total {time.time() - t0:.0f} s")
    ann, snn = summary["ann"][0], summary["snn"][0]
    last_line = f"ann accuracy: {ann:.4f} snn accuracy: {snn:.4f}"
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        record = {
            "command": "python examples/fsdd.py "
            + " ".join(sys.argv[1:] if argv is None else argv),
            "config": asdict(config),
            "summary": summary,
            "seeds": results,
            "wall_s": time.time() - t0,
            "table": table.splitlines(),
            "last_line": last_line,
        }
        with open(args.out, "w") as f:
            json.dump(record, f, indent=2, default=float)
    print(last_line)


def _flush_print(*args):
    print(*args, flush=True)


if __name__ == "__main__":
    main()
