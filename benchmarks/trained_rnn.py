"""Recurrent networks trained with NengoDL, run spiking in Nengo and on the chip.

The task: scikit-learn's handwritten digits (8 x 8 pixels), read row by row, one row
per ``STEPS_PER_ROW`` steps; the class is read from the output over the last row. The
network is what a new NengoDL user writes: an input Node -> ``ens.neurons``
(``RectifiedLinear``), ``ens.neurons -> ens.neurons`` with a ``Lowpass`` synapse, and
``ens.neurons ->`` a 10-d output Node, trained with ``nengo_dl.Simulator.fit``, frozen
with ``freeze_params``, and run with the neurons swapped for
``SpikingRectifiedLinear`` at a scaled firing rate.

Two networks (``TASKS``): 128 and 64 hidden neurons. For each, three variants:

``plain``
    Trained as above; run on the chip with default options.
``constrained``
    The plain network fine-tuned with :mod:`nengo_truenorth.training`: the recurrent
    synapse is ``LoopLatency(Lowpass(tau))`` (the chip's two extra ticks around a
    filtered loop) and the recurrent weights a ``ChipDense(bits=4)`` (16 levels per
    post neuron, straight-through gradients onto shadow weights); frozen with
    ``freeze_constrained``, which puts the ``Lowpass`` back for the chip.
``chip dynamics``
    The plain network retrained with the chip's own dynamics
    (:func:`~nengo_truenorth.training.digits.chip_dynamics_network`): the neurons are
    ``ChipSpikingRectifiedLinear`` (what the chip runs; spiking in NengoDL's training
    too, with the rate's gradient), the recurrent synapse the chip's two-tick path
    (``delay_synapse(2)``, no filter neurons) and the recurrent weights a
    ``ChipDense(bits=4)`` (at most ``CHIP_FAN_IN`` = 64 inputs per neuron, so that
    the 128-neuron network's inputs fit a core); Adam with a cosine-decayed rate,
    the loss on the mean output over the last row; frozen with
    ``freeze_constrained``. It is spiking already, so its "NengoDL rate" column is
    NengoDL's spiking accuracy, and the chip's loop is its own (no latency column).

Per variant: the NengoDL rate accuracy (in the training graph: with the loop latency
and the weight levels for ``constrained``); ``nengo.Simulator`` spiking accuracy, as
frozen and with the chip's loop latency put in (``LoopLatency`` on the recurrent
synapse); ``nengo_truenorth.Simulator`` spiking accuracy with default options; the
chip's cores; its energy per inference (``sim.energy()`` after each sample, summed,
divided by the samples; the default operating point, Merolla 2014, static power of the
active cores included). The chip's run with measured activity is compared digit
by digit with ``nengo.Simulator``'s (``chip_measured_vs_nengo``; for ``chip
dynamics`` also with the plain network's, ``chip_measured_vs_plain_nengo``): the
digits only one of them gets right and McNemar's exact p-value, which says whether
a difference in accuracy is more than the luck of 300 digits
(:func:`~nengo_truenorth.training.digits.paired_comparison`).
``docs/training.md`` shows a run and reads it;
``benchmarks/trained_rnn_ablations.py`` takes the chip's differences apart.

Nothing is asserted; the results go to ``benchmarks/results/trained_rnn.json``.

Run with ``.venv-dl/bin/python benchmarks/trained_rnn.py [--quick]`` (a full run
takes about 12 minutes on 2 cores; ``--quick`` about 3).
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
#: The networks: label -> hidden neurons.
TASKS = {"digits-rows-128": 128, "digits-rows-64": 64}
VARIANTS = ("plain", "constrained")

# the task lives in the package (make demo runs it too)
from provenance import git_commit

from nengo_truenorth.training.digits import (
    CHIP_EPOCHS,
    CHIP_FAN_IN,
    CHIP_LR,
    SCALE,
    STEPS_PER_ROW,
    TAU,
    WEIGHT_NAMES,
    build_network,
    chip_dynamics_network,
    constrained_network,
    digits_sequences,
    network_weights,
    paired_comparison,
    rate_accuracy,
    recurrent_connection,
    sample_runner,
    spiking_accuracy,
    to_spiking,
    train,
    train_chip_dynamics,
)


def evaluate_spiking(net, train_data, test_data, n_nengo, n_chip, spiking=False):
    """Accuracies of ``net`` (rate neurons, made spiking here; ``spiking``: spiking
    already, on the chip's own loop) in nengo.Simulator, in nengo.Simulator with the
    chip's loop latency (``LoopLatency`` on the recurrent synapse; None where the
    loop is the chip's already), on the chip with default options, and on the chip
    with the activity measured on training samples
    (``nengo_truenorth.measure_activity``)."""
    import nengo_truenorth
    from nengo_truenorth.training import LoopLatency

    row = {}
    if not spiking:
        to_spiking(net)
    row["nengo_spiking"], info = spiking_accuracy(
        net, test_data, nengo.Simulator, n_nengo
    )
    correct = {"nengo": info.pop("correct")}
    row["nengo_spiking_chip_latency"] = None
    if not spiking:
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
    info.pop("correct")  # compared below only with measured activity
    row["chip"] = info
    # with the activity measured on training samples (peak rates: filter-neuron
    # gain; host input currents: the host's spike size)
    nengo_truenorth.measure_activity(net, sample_runner(net, train_data[0]))
    row["chip_spiking_measured"], info = spiking_accuracy(
        net, test_data, nengo_truenorth.Simulator, n_chip
    )
    correct["chip_measured"] = info.pop("correct")
    row["chip_measured"] = info
    row["chip_measured_vs_nengo"] = compare(correct["nengo"], correct["chip_measured"])
    return row, correct


def compare(nengo_correct, chip_correct):
    """:func:`paired_comparison` of a Nengo run and a chip run on the samples both
    ran (``only_a``: right in Nengo only; ``only_b``: on the chip only)."""
    n = min(len(nengo_correct), len(chip_correct))
    return paired_comparison(nengo_correct[:n], chip_correct[:n])


def run_task(label, n_neurons, args, train_data, test_data, log):
    """Train the plain network, then fine-tune each constrained variant from it."""
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
    spiking, plain_correct = evaluate_spiking(
        net, train_data, test_data, args.n_nengo, args.n_chip
    )
    row.update(spiking)
    log(f"{label} plain: {_brief(row)}")
    rows.append(row)
    save_weights(args.save_weights, f"{label}/", plain)

    for variant in [] if args.plain_only else ["constrained"]:
        start = time.perf_counter()
        net = constrained_network(n_neurons, plain, seed=args.seed)
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
        row.update(
            evaluate_spiking(net, train_data, test_data, args.n_nengo, args.n_chip)[0]
        )
        log(f"{label} {variant}: {_brief(row)}")
        rows.append(row)
    if not args.plain_only:
        rows.append(
            chip_dynamics_row(
                label, n_neurons, plain, args, train_data, test_data, log, plain_correct
            )
        )
    return rows


def chip_dynamics_row(
    label, n_neurons, plain, args, train_data, test_data, log, plain_correct
):
    """The plain network retrained with the chip's own dynamics, and its results
    (with its chip run compared, digit by digit, with the plain network's
    ``nengo.Simulator`` run: ``plain_correct``)."""
    start = time.perf_counter()
    net = chip_dynamics_network(n_neurons, plain, seed=args.seed)
    accuracy = train_chip_dynamics(
        net,
        [train_data, test_data],
        args.chip_epochs,
        seed=args.seed,
        lr=args.chip_lr,
    )
    w_rec = np.asarray(recurrent_connection(net).transform.init)
    row = {
        "task": label,
        "neurons": n_neurons,
        "variant": "chip dynamics",
        "training": (
            f"plain + {args.chip_epochs} epochs, Adam(cosine from {args.chip_lr}), "
            "ChipSpikingRectifiedLinear spiking in training, delay_synapse(2) "
            f"recurrence, ChipDense(bits=4, fan_in={CHIP_FAN_IN}) recurrent "
            "weights, loss on the last row"
        ),
        "train_s": round(time.perf_counter() - start, 1),
        # the network spikes in NengoDL too: its accuracy there is a spiking one
        "nengo_dl_rate": accuracy,
        "recurrent_weight_values": int(np.unique(w_rec).size),
        "recurrent_fan_in": int((w_rec != 0).sum(axis=1).max()),
    }
    log(f"{label} chip dynamics: trained, NengoDL {accuracy:.3f}")
    save_weights(args.save_weights, f"{label}/chip-dynamics/", network_weights(net))
    spiking, correct = evaluate_spiking(
        net, train_data, test_data, args.n_nengo, args.n_chip, spiking=True
    )
    row.update(spiking)
    row["chip_measured_vs_plain_nengo"] = compare(
        plain_correct["nengo"], correct["chip_measured"]
    )
    log(f"{label} chip dynamics: {_brief(row)}")
    return row


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
    chip, measured = row["chip"], row["chip_measured"]
    return (
        f"nengo {row['nengo_spiking']:.3f}, chip {row['chip_spiking']:.3f} "
        f"({chip['cores']} cores, {chip['uj_per_inference']:.2f} uJ/inference), "
        f"chip with measured activity {row['chip_spiking_measured']:.3f} "
        f"({measured['cores']} cores, {measured['uj_per_inference']:.2f} uJ/inference)"
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
        "--chip-epochs",
        type=int,
        default=None,
        help=f"epochs of the chip-dynamics variant (default {CHIP_EPOCHS}; --quick 5)",
    )
    parser.add_argument("--chip-lr", type=float, default=CHIP_LR)
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
    args.chip_epochs = args.chip_epochs or (5 if args.quick else CHIP_EPOCHS)
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
        "commit": git_commit(),
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
            "chip_epochs": args.chip_epochs,
            "chip_lr": args.chip_lr,
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
            "| chip | cores | uJ / inference | chip, measured activity | cores "
            "| uJ / inference |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lat = r.get("nengo_spiking_chip_latency")
        chip, measured = r["chip"], r["chip_measured"]
        lines.append(
            f"| {r['task']} | {r['variant']} | {r['nengo_dl_rate']:.3f} "
            f"| {r['nengo_spiking']:.3f} | {'' if lat is None else f'{lat:.3f}'} "
            f"| {r['chip_spiking']:.3f} | {chip['cores']} "
            f"| {chip['uj_per_inference']:.2f} "
            f"| {r['chip_spiking_measured']:.3f} | {measured['cores']} "
            f"| {measured['uj_per_inference']:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
