"""Recurrent networks trained with NengoDL, run spiking in Nengo and on the chip.

The task: scikit-learn's handwritten digits (8 x 8 pixels), read row by row, one row
per ``STEPS_PER_ROW`` steps; the class is read from the output over the last row. The
network is what a new NengoDL user writes: an input Node -> ``ens.neurons``
(``RectifiedLinear``), ``ens.neurons -> ens.neurons`` with a ``Lowpass`` synapse, and
``ens.neurons ->`` a 10-d output Node, trained with ``nengo_dl.Simulator.fit``, frozen
with ``freeze_params``, and run with the neurons swapped for
``SpikingRectifiedLinear`` at a scaled firing rate.

Two networks (``TASKS``): 128 and 64 hidden neurons. For each, two variants:

``plain``
    Trained as above; run on the chip with default options.
``constrained``
    The plain network fine-tuned with :mod:`nengo_truenorth.training`: the recurrent
    synapse is ``LoopLatency(Lowpass(tau))`` (the chip's two extra ticks around a
    filtered loop) and the recurrent weights a ``ChipDense(bits=4)`` (16 levels per
    post neuron, straight-through gradients onto shadow weights); frozen with
    ``freeze_constrained``, which puts the ``Lowpass`` back for the chip.

Per variant: the NengoDL rate accuracy (in the training graph: with the loop latency
and the weight levels for ``constrained``); ``nengo.Simulator`` spiking accuracy, as
frozen and with the chip's loop latency put in (``LoopLatency`` on the recurrent
synapse); ``nengo_truenorth.Simulator`` spiking accuracy with default options; the
chip's cores; its energy per inference (``sim.energy()`` after each sample, summed,
divided by the samples; the default operating point, Merolla 2014, static power of the
active cores included). ``docs/training.md`` shows a run and reads it;
``benchmarks/trained_rnn_ablations.py`` takes the chip's differences apart.

Nothing is asserted; the results go to ``benchmarks/results/trained_rnn.json``.

Run with ``.venv-dl/bin/python benchmarks/trained_rnn.py [--quick]`` (a full run
takes about 5 minutes on 2 cores; ``--quick`` about 2).
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import nengo
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's info and debug lines
RESULTS = Path(__file__).parent / "results" / "trained_rnn.json"
STEPS_PER_ROW = 10
TAU = 0.05
#: The firing-rate scale of the spiking networks (a rate of 1 becomes 100 Hz).
SCALE = 100.0
#: The networks: label -> hidden neurons.
TASKS = {"digits-rows-128": 128, "digits-rows-64": 64}
VARIANTS = ("plain", "constrained")
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


def train(net, train_data, epochs, seed=0, lr=0.003, constrained=False):
    """Fit with NengoDL and freeze the parameters into ``net`` (with
    ``freeze_constrained`` where ``constrained``: the weights on their levels, the
    ``Lowpass`` back in place of ``LoopLatency``).

    Returns the NengoDL rate accuracy on ``test_data`` in the training graph, if
    given as ``train_data[1]``.
    """
    import nengo_dl
    import tensorflow as tf

    (x, y), test = train_data[0], (train_data[1] if len(train_data) > 1 else None)
    tf.random.set_seed(seed)

    def last_step_loss(y_true, y_pred):
        return tf.keras.losses.sparse_categorical_crossentropy(
            y_true[:, -1], y_pred[:, -1], from_logits=True
        )

    accuracy = None
    with nengo_dl.Simulator(
        net, minibatch_size=100, seed=seed, progress_bar=False
    ) as sim:
        sim.compile(optimizer=tf.optimizers.Adam(lr), loss={net.probe: last_step_loss})
        targets = np.repeat(y[:, None, None], x.shape[1], axis=1).astype(np.float32)
        if epochs > 0:
            sim.fit({net.inp: x}, {net.probe: targets}, epochs=epochs, verbose=0)
        if test is not None:
            accuracy = _predict_accuracy(sim, net, test)
        if constrained:
            from nengo_truenorth.training import freeze_constrained

            freeze_constrained(sim, net)
        else:
            sim.freeze_params(net)
    return accuracy


def _predict_accuracy(sim, net, data):
    x, y = data
    n = (len(x) // sim.minibatch_size) * sim.minibatch_size
    out = sim.predict({net.inp: x[:n]}, verbose=0)[net.probe]
    return float(np.mean(np.argmax(out[:, -1], axis=1) == y[:n]))


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


def spiking_accuracy(net, data, simulator, n=None, **kwargs):
    """Accuracy of a spiking run, each sample from a fresh state.

    Returns the accuracy and a dict: for the chip, ``cores`` and the energy per
    inference (``sim.energy()`` after each sample, summed, divided by ``n``).
    """
    x, y = data
    n = len(x) if n is None else n
    steps = x.shape[1]
    current = [None]
    net.inp.output = lambda t: current[0][min(round(t / 0.001) - 1, steps - 1)]
    correct = 0
    energy = {"total": 0.0, "synaptic": 0.0, "communication": 0.0, "static": 0.0}
    spikes = 0
    start = time.perf_counter()
    with simulator(net, progress_bar=False, **kwargs) as sim:
        chip = hasattr(sim, "energy")
        for k in range(n):
            sim.reset()
            current[0] = x[k]
            sim.run_steps(steps)
            out = sim.data[net.probe][-STEPS_PER_ROW:].mean(axis=0)
            correct += int(np.argmax(out) == y[k])
            if chip:  # the energy of this sample (sim.reset() clears the counters)
                report = sim.energy()
                for key in energy:
                    energy[key] += getattr(report, key)
                spikes += report.totals["spikes"]
        info = {"n": n, "run_s": round(time.perf_counter() - start, 1)}
        if chip:
            info["cores"] = int(sim.resources()["cores"])
            info["uj_per_inference"] = energy["total"] / n * 1e6
            info["uj_per_inference_by_component"] = {
                key: value / n * 1e6 for key, value in energy.items() if key != "total"
            }
            info["chip_spikes_per_inference"] = spikes / n
            info["operating_point"] = report.operating_point.name
    return correct / n, info


def evaluate_spiking(net, test_data, n_nengo, n_chip):
    """Accuracies of ``net`` (rate neurons; made spiking here) in nengo.Simulator,
    in nengo.Simulator with the chip's loop latency (``LoopLatency`` on the recurrent
    synapse), and on the chip with default options."""
    import nengo_truenorth
    from nengo_truenorth.training import LoopLatency

    to_spiking(net)
    row = {}
    row["nengo_spiking"], _ = spiking_accuracy(net, test_data, nengo.Simulator, n_nengo)
    conn = recurrent_connection(net)
    synapse = conn.synapse
    conn.synapse = LoopLatency(synapse)
    row["nengo_spiking_chip_latency"], _ = spiking_accuracy(
        net, test_data, nengo.Simulator, n_nengo
    )
    conn.synapse = synapse
    row["chip_spiking"], info = spiking_accuracy(
        net, test_data, nengo_truenorth.Simulator, n_chip
    )
    row["chip"] = info
    return row


def run_task(label, n_neurons, args, train_data, test_data, log):
    """Train the plain network, then fine-tune each constrained variant from it."""
    from nengo_truenorth.training import ChipDense, LoopLatency

    rows = []
    start = time.perf_counter()
    if args.load_weights:
        plain = load_weights(args.load_weights, f"{label}/")
        net = build_network(n_neurons, seed=args.seed, weights=plain)
        rate = rate_accuracy(net, test_data)
        training = f"loaded from {args.load_weights}"
    else:
        net = build_network(n_neurons, seed=args.seed)
        rate = train(net, [train_data, test_data], args.epochs, seed=args.seed)
        plain = network_weights(net)
        training = f"{args.epochs} epochs, Adam(0.003)"
    row = {
        "task": label,
        "neurons": n_neurons,
        "variant": "plain",
        "training": training,
        "train_s": round(time.perf_counter() - start, 1),
        "nengo_dl_rate": rate,
    }
    log(f"{label} plain: trained, rate {rate:.3f}")
    row.update(evaluate_spiking(net, test_data, args.n_nengo, args.n_chip))
    log(f"{label} plain: {_brief(row)}")
    rows.append(row)
    save_weights(args.save_weights, f"{label}/", plain)

    for variant in [] if args.plain_only else ["constrained"]:
        start = time.perf_counter()
        net = build_network(
            n_neurons,
            seed=args.seed,
            weights=plain,
            rec_transform=lambda w: ChipDense(w.shape, init=w, bits=4),
            rec_synapse=LoopLatency(nengo.Lowpass(TAU)),
        )
        rate = train(
            net,
            [train_data, test_data],
            args.finetune_epochs,
            seed=args.seed,
            lr=args.finetune_lr,
            constrained=True,
        )
        levels = np.unique(recurrent_connection(net).transform.init).size
        row = {
            "task": label,
            "neurons": n_neurons,
            "variant": variant,
            "training": (
                f"plain + {args.finetune_epochs} epochs, Adam({args.finetune_lr}), "
                "LoopLatency(Lowpass) recurrence, ChipDense(bits=4) recurrent weights"
            ),
            "train_s": round(time.perf_counter() - start, 1),
            "nengo_dl_rate": rate,
            "recurrent_weight_values": int(levels),
        }
        log(f"{label} {variant}: trained, rate {rate:.3f}")
        save_weights(args.save_weights, f"{label}/{variant}/", network_weights(net))
        row.update(evaluate_spiking(net, test_data, args.n_nengo, args.n_chip))
        log(f"{label} {variant}: {_brief(row)}")
        rows.append(row)
    return rows


def save_weights(path, prefix, weights):
    """Add ``weights`` to the ``.npz`` at ``path`` (if given) under ``prefix``."""
    if path is None:
        return
    saved = dict(np.load(path)) if path.exists() else {}
    saved.update({prefix + k: v for k, v in weights.items()})
    np.savez(path, **saved)


def load_weights(path, prefix):
    """The weights saved by :func:`save_weights` under ``prefix``."""
    with np.load(path) as saved:
        return {k: saved[prefix + k] for k in WEIGHT_NAMES}


def _brief(row):
    return (
        f"nengo {row['nengo_spiking']:.3f}, chip {row['chip_spiking']:.3f}, "
        f"{row['chip']['cores']} cores, {row['chip']['uj_per_inference']:.2f} uJ/inference"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer epochs and samples (about 2 minutes)",
    )
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    parser.add_argument(
        "--plain-only",
        action="store_true",
        help="skip the constraint-aware fine-tuning",
    )
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--finetune-epochs", type=int, default=None)
    parser.add_argument("--finetune-lr", type=float, default=0.001)
    parser.add_argument(
        "--n-nengo", type=int, default=None, help="test samples run in nengo.Simulator"
    )
    parser.add_argument(
        "--n-chip", type=int, default=None, help="test samples run on the chip"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--save-weights",
        type=Path,
        help="write the trained weights here (.npz), for "
        "--load-weights and trained_rnn_ablations.py --weights",
    )
    parser.add_argument(
        "--load-weights",
        type=Path,
        help="start from saved plain weights instead of training",
    )
    args = parser.parse_args(argv)
    args.epochs = args.epochs or (5 if args.quick else 20)
    args.finetune_epochs = args.finetune_epochs or (2 if args.quick else 10)
    args.n_nengo = args.n_nengo or (100 if args.quick else 300)
    args.n_chip = args.n_chip or (100 if args.quick else 300)

    import nengo_truenorth.training  # noqa: F401 (registers the NengoDL builders)

    start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - start:6.0f} s] {msg}", flush=True)

    train_data, test_data = digits_sequences(args.seed)
    rows = []
    for label in args.tasks:
        rows.extend(run_task(label, TASKS[label], args, train_data, test_data, log))
    command = "python benchmarks/trained_rnn.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    result = {
        "command": command.strip(),
        "data": "sklearn.datasets.load_digits, rows as a sequence of 8 inputs, "
        f"{STEPS_PER_ROW} steps per row; {len(train_data[0])} training, "
        f"{len(test_data[0])} test samples (seed {args.seed})",
        "network": "input Node -> ens.neurons (RectifiedLinear, unit gains) -> "
        f"ens.neurons (Lowpass({TAU})) -> 10-d output Node; spiking: "
        f"SpikingRectifiedLinear at {SCALE:g}x the rate, amplitude 1/{SCALE:g}",
        "settings": {
            "epochs": args.epochs,
            "finetune_epochs": args.finetune_epochs,
            "finetune_lr": args.finetune_lr,
            "n_nengo": args.n_nengo,
            "n_chip": args.n_chip,
            "seed": args.seed,
        },
        "machine": f"{platform.machine()}, python {platform.python_version()}",
        "total_s": round(time.perf_counter() - start, 1),
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(format_table(rows))
    print(f"wrote {args.out}")


def format_table(rows):
    """The results as a Markdown table."""
    lines = [
        (
            "| network | variant | NengoDL rate | nengo spiking | nengo + chip latency "
            "| chip | cores | uJ / inference |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lat = r.get("nengo_spiking_chip_latency")
        lines.append(
            f"| {r['task']} | {r['variant']} | {r['nengo_dl_rate']:.3f} "
            f"| {r['nengo_spiking']:.3f} | {'' if lat is None else f'{lat:.3f}'} "
            f"| {r['chip_spiking']:.3f} | {r['chip']['cores']} "
            f"| {r['chip']['uj_per_inference']:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
