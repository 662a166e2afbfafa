"""The digits-rows task: a NengoDL user's recurrent network, trained and run spiking.

scikit-learn's handwritten digits (8 x 8 pixels, shipped with scikit-learn) are read row
by row, each row held for :data:`STEPS_PER_ROW` steps; the class is read from the
output over the last row. The network is what a new NengoDL user writes: an input
``Node`` -> ``ens.neurons`` (``RectifiedLinear``), ``ens.neurons -> ens.neurons`` with
a ``Lowpass`` synapse, and ``ens.neurons ->`` a 10-d output ``Node``; it is trained with
``nengo_dl.Simulator.fit``, frozen, and run with the neurons swapped for
``SpikingRectifiedLinear`` at a scaled firing rate (:func:`to_spiking`).

Used by ``make demo`` (:mod:`nengo_truenorth.demo_training`) and by the benchmarks
``benchmarks/trained_rnn.py`` and ``benchmarks/trained_rnn_ablations.py``. The
simulator a spiking run uses is an argument (:func:`spiking_accuracy`), so this module
needs nothing of the compiler.
"""

import time
from dataclasses import dataclass

import nengo
import numpy as np

#: Steps each row of a digit is held for (80 steps per digit).
STEPS_PER_ROW = 10
#: The recurrent synapse's time constant, in seconds.
TAU = 0.05
#: The firing-rate scale of the spiking networks (a rate of 1 becomes 100 Hz).
SCALE = 100.0
#: The network's trained arrays, as :func:`network_weights` returns them.
WEIGHT_NAMES = ("W_in", "W_rec", "W_out", "gain", "bias")


def digits_sequences(seed=0, n_test=300):
    """Digits as sequences of rows: (n, 8 * STEPS_PER_ROW, 8) inputs and labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.images / 16.0  # (n, 8, 8) in 0..1
    y = digits.target
    order = np.random.RandomState(seed).permutation(len(x))
    x, y = x[order], y[order]
    seq = np.repeat(x, STEPS_PER_ROW, axis=1)  # each row held for STEPS_PER_ROW steps
    return (seq[n_test:], y[n_test:]), (seq[:n_test], y[:n_test])


def recurrent_connection(net):
    """The ``ens.neurons -> ens.neurons`` connection."""
    (conn,) = [
        c
        for c in net.all_connections
        if getattr(c.pre_obj, "ensemble", None) is net.ens
        and getattr(c.post_obj, "ensemble", None) is net.ens
    ]
    return conn


def build_network(
    n_neurons=128,
    neuron_type=None,
    seed=0,
    weights=None,
    rec_transform=None,
    rec_synapse=None,
):
    """The network, with its input node, ensemble, output node and output probe.

    Parameters
    ----------
    weights : dict, optional
        ``W_in``, ``W_rec``, ``W_out``, ``gain``, ``bias`` to start from (default:
        Glorot weights, unit gains, zero biases).
    rec_transform : callable, optional
        ``rec_transform(W_rec_init)`` -> the recurrent connection's transform (e.g. a
        ``ChipDense``); default a plain ``Dense``.
    rec_synapse : Synapse, optional
        The recurrent synapse (default ``Lowpass(TAU)``).
    """
    from nengo_dl.dists import Glorot

    neuron_type = neuron_type or nengo.RectifiedLinear()
    w = weights or {}
    with nengo.Network(seed=seed) as net:
        net.config[nengo.Connection].synapse = None
        inp = nengo.Node(np.zeros(8), label="input")
        # unit gains and zero biases, as NengoDL's examples of neuron -> neuron
        # networks: rates in the units of the inputs
        ens = nengo.Ensemble(
            n_neurons,
            1,
            neuron_type=neuron_type,
            gain=w.get("gain", np.ones(n_neurons)),
            bias=w.get("bias", np.zeros(n_neurons)),
            label="hidden",
        )
        out = nengo.Node(size_in=10, label="output")
        w_rec = w.get("W_rec", Glorot(scale=0.5))
        if rec_transform is not None:
            if not isinstance(w_rec, np.ndarray):
                w_rec = w_rec.sample(
                    n_neurons, n_neurons, rng=np.random.RandomState(seed)
                )
            rec = rec_transform(w_rec)
        else:
            rec = w_rec
        nengo.Connection(inp, ens.neurons, transform=w.get("W_in", Glorot()))
        nengo.Connection(
            ens.neurons,
            ens.neurons,
            transform=rec,
            synapse=nengo.Lowpass(TAU) if rec_synapse is None else rec_synapse,
        )
        nengo.Connection(ens.neurons, out, transform=w.get("W_out", Glorot()))
        net.inp, net.ens, net.out = inp, ens, out
        net.probe = nengo.Probe(out)
    return net


def network_weights(net):
    """The (frozen) weights of ``net`` as a dict for :func:`build_network`."""
    conns = {
        (
            "input"
            if c.pre_obj is net.inp
            else "out"
            if c.post_obj is net.out
            else "rec"
        ): c
        for c in net.all_connections
    }
    return {
        "W_in": np.array(conns["input"].transform.init, dtype=float),
        "W_rec": np.array(conns["rec"].transform.init, dtype=float),
        "W_out": np.array(conns["out"].transform.init, dtype=float),
        "gain": np.array(net.ens.gain, dtype=float),
        "bias": np.array(net.ens.bias, dtype=float),
    }


def constrained_network(n_neurons, weights, seed=0):
    """The network of ``weights`` set up for constraint-aware fine-tuning.

    The recurrent weights become a ``ChipDense(bits=4)`` (16 levels per post neuron,
    trained through shadow weights) and the recurrent synapse
    ``LoopLatency(Lowpass(TAU))`` (the chip's two extra ticks around a filtered loop).
    Train it with ``train(..., constrained=True)``, which freezes it for the chip.
    """
    from .latency import LoopLatency
    from .weights import ChipDense

    return build_network(
        n_neurons,
        seed=seed,
        weights=weights,
        rec_transform=lambda w: ChipDense(w.shape, init=w, bits=4),
        rec_synapse=LoopLatency(nengo.Lowpass(TAU)),
    )


#: Most recurrent inputs per neuron of :func:`chip_dynamics_network`: with 16-level
#: weights (up to 4 axons each) and the host's channels, what one core's 256 axons
#: hold (the fan-in of Diehl et al. 2016). More would need partial sums: a tick
#: more around the loop and a sigma-delta stage, which the trained model lacks.
CHIP_FAN_IN = 64


def chip_dynamics_network(
    n_neurons, weights, seed=0, bits=4, fan_in=CHIP_FAN_IN, loop_steps=None
):
    """The network of ``weights`` set up to train with the chip's own dynamics.

    What the chip runs, in every simulator: the neurons are
    :class:`~nengo_truenorth.ChipSpikingRectifiedLinear` at :data:`SCALE` times the
    rate (spiking in NengoDL's training too, with the rate's gradient); the
    recurrent weights a ``ChipDense(bits=bits, fan_in=fan_in)``, with the chip's
    ``weight_bits`` option of the connection set to the same code; and the recurrent
    synapse the chip's shortest neuron -> neuron path,
    :func:`~nengo_truenorth.delay_synapse` of
    :data:`~nengo_truenorth.synapses.CHIP_PATH_TICKS` steps, in place of the
    ``Lowpass``: no filter neurons, so nothing random, and a loop of the same length
    on the chip as in ``nengo.Simulator``.

    A ``Lowpass`` spreads each spike over about ``tau / dt`` steps, the delay puts it
    in one, so the recurrent weights start at the filter's share of the first step,
    ``1 - exp(-dt / tau)``, of the trained ones (from the trained ones as they are,
    the loop runs away and training diverges). Train it with
    :func:`train_chip_dynamics`.

    Parameters
    ----------
    n_neurons : int
    weights : dict
        A plain network's trained arrays (:data:`WEIGHT_NAMES`, rate units).
    seed : int, optional
    bits : int, optional
        Bits of the recurrent weights' code (16 levels for 4).
    fan_in : int or None, optional
        Most recurrent inputs per neuron (:data:`CHIP_FAN_IN`; None, or at least
        ``n_neurons``: all).
    loop_steps : int, optional
        Steps of the recurrent delay (default
        :data:`~nengo_truenorth.synapses.CHIP_PATH_TICKS`): a longer path, where the
        chip's compile report gives one.
    """
    from ..config import add_params
    from ..neurons import ChipSpikingRectifiedLinear
    from ..synapses import CHIP_PATH_TICKS, delay_synapse
    from .weights import ChipDense

    if fan_in is not None and fan_in >= n_neurons:
        fan_in = None  # every input fits
    w = dict(weights)
    w["W_rec"] = np.asarray(w["W_rec"]) * (1 - np.exp(-0.001 / TAU))
    w["gain"] = np.asarray(w["gain"]) * SCALE
    w["bias"] = np.asarray(w["bias"]) * SCALE
    net = build_network(
        n_neurons,
        neuron_type=ChipSpikingRectifiedLinear(amplitude=1.0 / SCALE),
        seed=seed,
        weights=w,
        rec_transform=lambda w_rec: ChipDense(
            w_rec.shape, init=w_rec, bits=bits, fan_in=fan_in
        ),
        rec_synapse=delay_synapse(loop_steps or CHIP_PATH_TICKS),
    )
    add_params(net)
    net.config[recurrent_connection(net)].weight_bits = bits
    return net


#: Epochs and initial learning rate (Adam, cosine-decayed) of
#: :func:`train_chip_dynamics`.
CHIP_EPOCHS = 60
CHIP_LR = 0.003
#: Samples per minibatch in :func:`train`.
MINIBATCH = 100


def train_chip_dynamics(
    net,
    train_data,
    epochs=CHIP_EPOCHS,
    seed=0,
    lr=CHIP_LR,
    verbose=0,
    noise=None,
):
    """:func:`train` a :func:`chip_dynamics_network`: Adam with a learning rate
    decayed from ``lr`` to 0 on a cosine over the epochs, the loss on the mean
    output over the last row, the hidden neurons perturbed by ``noise`` (a
    :class:`TrainingNoise`; none by default), frozen for the chip.

    Returns the NengoDL accuracy (spiking: the network spikes in training too) on
    ``train_data[1]``, if given.
    """
    import tensorflow as tf

    batches = len(train_data[0][0]) // MINIBATCH
    schedule = tf.keras.optimizers.schedules.CosineDecay(
        lr, decay_steps=max(epochs * batches, 1)
    )
    return train(
        net,
        train_data,
        epochs,
        seed=seed,
        lr=schedule,
        constrained=True,
        verbose=verbose,
        readout_steps=STEPS_PER_ROW,
        noise=noise,
    )


@dataclass(frozen=True)
class TrainingNoise:
    """Perturbations of the hidden neurons' voltages while training (none after).

    Attributes
    ----------
    sigma : float
        Standard deviation of a white-noise drive, in thresholds per step.
    kick : float
        Half-width of a uniform kick to each neuron's voltage at the first step of
        every sample, in thresholds.
    """

    sigma: float
    kick: float

    def sample(self, rng, samples, steps, n_neurons, dt=0.001):
        """Input currents for a noise node: ``(samples, steps, n_neurons)``."""
        z = rng.normal(0.0, self.sigma, size=(samples, steps, n_neurons))
        z[:, 0] += rng.uniform(-self.kick, self.kick, size=(samples, n_neurons))
        return (z / dt).astype(np.float32)


#: Perturbations tried with :func:`train_chip_dynamics` (``noise=CHIP_NOISE``): about
#: the size of the chip's rounding of a neuron's bias and starting potential (``1/α``
#: of its threshold). Measured: no better on the chip (docs/training.md), so not the
#: default.
CHIP_NOISE = TrainingNoise(sigma=0.0005, kick=0.05)


def train(
    net,
    train_data,
    epochs,
    seed=0,
    lr=0.003,
    constrained=False,
    verbose=0,
    readout_steps=1,
    noise=None,
):
    """Fit with NengoDL and freeze the parameters into ``net`` (with
    ``freeze_constrained`` where ``constrained``: the weights on their levels, the
    ``Lowpass`` back in place of ``LoopLatency``).

    Returns the NengoDL accuracy on ``test_data`` in the training graph, if given
    as ``train_data[1]``. ``verbose`` is Keras' (2: a line per epoch). ``lr`` is
    Adam's learning rate, a number or a schedule. The loss and the accuracy read
    the mean output of the last ``readout_steps`` steps (1 for rate networks; a
    spiking network's one step is a handful of spikes). With ``noise`` (a
    :class:`TrainingNoise`), a node feeds the hidden neurons fresh noise every
    epoch, and is gone from ``net`` afterwards.
    """
    import nengo_dl
    import tensorflow as tf

    (x, y), test = train_data[0], (train_data[1] if len(train_data) > 1 else None)
    tf.random.set_seed(seed)

    def last_step_loss(y_true, y_pred):
        return tf.keras.losses.sparse_categorical_crossentropy(
            y_true[:, -1],
            tf.reduce_mean(y_pred[:, -readout_steps:], axis=1),
            from_logits=True,
        )

    node = conn = None
    if noise is not None:
        with net:
            node = nengo.Node(np.zeros(net.ens.n_neurons), label="training noise")
            conn = nengo.Connection(node, net.ens.neurons, synapse=None)
    accuracy = None
    try:
        with nengo_dl.Simulator(
            net, minibatch_size=MINIBATCH, seed=seed, progress_bar=False
        ) as sim:
            sim.compile(
                optimizer=tf.optimizers.Adam(lr), loss={net.probe: last_step_loss}
            )
            targets = np.repeat(y[:, None, None], x.shape[1], axis=1).astype(np.float32)
            if epochs > 0 and node is None:
                sim.fit(
                    {net.inp: x}, {net.probe: targets}, epochs=epochs, verbose=verbose
                )
            elif epochs > 0:
                rng = np.random.RandomState(seed)
                for _ in range(epochs):  # fresh noise every epoch
                    inputs = {
                        net.inp: x,
                        node: noise.sample(rng, *x.shape[:2], net.ens.n_neurons),
                    }
                    sim.fit(inputs, {net.probe: targets}, epochs=1, verbose=verbose)
            if test is not None:
                accuracy = _predict_accuracy(sim, net, test, readout_steps)
            if constrained:
                from nengo_truenorth.training import freeze_constrained

                freeze_constrained(sim, net)
            else:
                sim.freeze_params(net)
    finally:
        if node is not None:
            net.connections.remove(conn)
            net.nodes.remove(node)
    return accuracy


def _predict_accuracy(sim, net, data, readout_steps=1):
    x, y = data
    n = (len(x) // sim.minibatch_size) * sim.minibatch_size
    out = sim.predict({net.inp: x[:n]}, verbose=0)[net.probe]
    scores = out[:, -readout_steps:].mean(axis=1)
    return float(np.mean(np.argmax(scores, axis=1) == y[:n]))


def rate_accuracy(net, data):
    """NengoDL rate accuracy of the network as it stands (rate neurons)."""
    import nengo_dl

    with nengo_dl.Simulator(net, minibatch_size=100, progress_bar=False) as sim:
        return _predict_accuracy(sim, net, data)


def to_spiking(net, scale=SCALE):
    """The neurons as SpikingRectifiedLinear firing ``scale`` times faster, each spike
    ``1 / scale`` high (the usual firing-rate scaling: the same mean output)."""
    ens = net.ens
    ens.neuron_type = nengo.SpikingRectifiedLinear(amplitude=1.0 / scale)
    ens.gain = np.asarray(ens.gain) * scale
    ens.bias = np.asarray(ens.bias) * scale


#: Training samples :func:`sample_runner` plays for ``measure_activity`` by default.
ACTIVITY_SAMPLES = 30


def sequence_input(net, steps):
    """Make ``net.inp`` play sequences of ``steps`` steps; call before building.

    Returns
    -------
    play : callable
        ``play(sim, sample)`` resets ``sim`` and runs ``sample`` (a ``(steps, 8)``
        sequence; the input holds its last step after it) from a fresh state.
    """
    current = [np.zeros((steps, net.inp.size_out))]
    net.inp.output = lambda t: current[0][min(round(t / 0.001) - 1, steps - 1)]

    def play(sim, sample):
        sim.reset()
        current[0] = sample
        sim.run_steps(steps)

    return play


def sample_runner(net, x, n=ACTIVITY_SAMPLES):
    """``run(sim)`` that plays the first ``n`` sequences of ``x``, each from a fresh
    state: what ``nengo_truenorth.measure_activity(net, run)`` measures on."""
    x = np.asarray(x)[:n]
    play = sequence_input(net, x.shape[1])

    def run(sim):
        for sample in x:
            play(sim, sample)

    return run


def spiking_accuracy(net, data, simulator, n=None, progress=None, **kwargs):
    """Accuracy of a spiking run, each sample from a fresh state.

    Parameters
    ----------
    net : nengo.Network
        From :func:`build_network`, spiking (:func:`to_spiking`).
    data : (x, y)
    simulator : type
        ``nengo.Simulator`` or ``nengo_truenorth.Simulator`` (or any with their API).
    n : int, optional
        Samples to run (default: all).
    progress : callable, optional
        Wraps the iterable of samples (e.g. ``tqdm.tqdm``).
    **kwargs
        Passed to ``simulator``.

    Returns
    -------
    accuracy : float
    info : dict
        ``correct``: per sample, whether it was classified right (for
        :func:`paired_comparison`). For the chip: ``cores``, the energy per inference
        (``sim.energy()`` after each sample, summed, divided by ``n``) and its
        parts, spikes per inference.
    """
    x, y = data
    n = len(x) if n is None else n
    play = sequence_input(net, x.shape[1])
    correct = np.zeros(n, dtype=bool)
    energy = {"total": 0.0, "synaptic": 0.0, "communication": 0.0, "static": 0.0}
    spikes = 0
    start = time.perf_counter()
    with simulator(net, progress_bar=False, **kwargs) as sim:
        chip = hasattr(sim, "energy")
        for k in progress(range(n)) if progress else range(n):
            play(sim, x[k])
            out = sim.data[net.probe][-STEPS_PER_ROW:].mean(axis=0)
            correct[k] = np.argmax(out) == y[k]
            if chip:  # the energy of this sample (sim.reset() clears the counters)
                report = sim.energy()
                for key in energy:
                    energy[key] += getattr(report, key)
                spikes += report.totals["spikes"]
        info = {
            "n": n,
            "run_s": round(time.perf_counter() - start, 1),
            "correct": correct,
        }
        if chip:
            info["cores"] = int(sim.resources()["cores"])
            info["uj_per_inference"] = energy["total"] / n * 1e6
            info["uj_per_inference_by_component"] = {
                key: value / n * 1e6 for key, value in energy.items() if key != "total"
            }
            info["chip_spikes_per_inference"] = spikes / n
            info["operating_point"] = report.operating_point.name
    return float(correct.mean()), info


def paired_comparison(correct_a, correct_b):
    """Two runs on the same samples, compared sample by sample (McNemar's exact
    test): are their accuracies different beyond what chance gives?

    Parameters
    ----------
    correct_a, correct_b : (n,) array of bool
        Per sample, whether each run classified it right (``info["correct"]`` of
        :func:`spiking_accuracy`).

    Returns
    -------
    dict
        ``n``; ``only_a`` and ``only_b``, the samples only one of them got right;
        ``p_value``, the two-sided probability of a split at least that uneven
        when either is as likely to be right on each of those samples.
    """
    from scipy.stats import binomtest

    a, b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    if a.shape != b.shape:
        raise ValueError(f"runs of {a.size} and {b.size} samples: not the same ones")
    only_a, only_b = int(np.sum(a & ~b)), int(np.sum(b & ~a))
    differ = only_a + only_b
    p = binomtest(only_a, differ, 0.5).pvalue if differ else 1.0
    return {"n": int(a.size), "only_a": only_a, "only_b": only_b, "p_value": float(p)}
