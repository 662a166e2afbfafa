"""``python -m nengo_truenorth.qc``: question classification on one chip core.

Reproduces the table of Diehl et al. 2016 on TREC (6 classes): for each seed, trains
the float network (48 projection units, 16 Elman units, softmax) as a Nengo network
with ``nengo_dl.Simulator.fit`` (:mod:`.dl`) on the training questions, quantizes it
after training (the paper's way: 4-bit weights; 4-bit weights and activities; on
the chip), then trains it further in NengoDL under each constraint (quantization in
the forward pass, with nearest or stochastic rounding; chip-aware: the units carry
their remainder from word to word as the chip's neurons do) and runs each
constrained network on the emulated core. Prints the table (mean ± std over
seeds, the paper's figures beside), cores, ticks per question and power at real
time, and ends with ``on-chip accuracy: MEAN ± STD``.

``--save DIR`` keeps the first seed's chip-trained network: ``model.json`` (one
core; ``python -m nengo_truenorth run DIR/model.json --input DIR/question.json
--ticks T --output OUT.json`` replays a test question, ``expected.json`` holds T
and the counts it must give), ``network.npz``, ``vocabulary.json``.
``--evaluate DIR --data TREC`` runs a saved network on the test questions.
"""

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

#: Diehl et al. 2016, TREC question classification (fractions).
PAPER = {
    "float": 0.85,
    "weights": 0.722,
    "chip": 0.74,
    "power_uw": 17.0,
    "cores": 1,
}

#: Rows of the table: key, setup (``{b}``: the weight bits), the paper's figure for
#: it (4-bit weights).
ROWS = (
    ("float", "float", PAPER["float"]),
    ("weights", "{b}-bit weights (after training)", PAPER["weights"]),
    ("activities", "{b}-bit weights and 4-bit activities (after training)", None),
    ("chip_post", "on chip (after training)", PAPER["chip"]),
    ("qat", "quantized in training: {b}-bit weights and 4-bit activities", None),
    ("qat_chip", "quantized in training: on chip", None),
    ("stochastic", "stochastic rounding in training: {b}-bit w., 4-bit a.", None),
    ("stochastic_chip", "stochastic rounding in training: on chip", None),
    ("chip", "chip-aware training (remainder carried): on chip", None),
)

#: Epochs of each training stage (float, quantized, chip-aware).
EPOCHS = {"float": 60, "quantized": 15, "chip": 20}
#: Adam's initial learning rate of each stage (cosine-decayed to 0).
LEARNING_RATES = {"float": 0.003, "quantized": 0.001, "chip": 0.001}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m nengo_truenorth.qc", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        required=True,
        help="folder of the TREC files (train_5500.label, TREC_10.label)",
    )
    parser.add_argument("--seeds", type=int, default=1, help="training seeds (1)")
    parser.add_argument(
        "--weight-bits", type=int, default=4, help="Elman weight bits, 2..4 (4)"
    )
    parser.add_argument(
        "--save", metavar="DIR", help="keep the first seed's chip network here"
    )
    parser.add_argument(
        "--evaluate", metavar="DIR", help="run a saved network on the test questions"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="also write the table's rows to FILE (JSON)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="8 float epochs and 1 per constrained stage, 100 test questions (a "
        "smoke test of the whole path)",
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, not {args.seeds}")
    if not 2 <= args.weight_bits <= 4:
        parser.error(
            f"--weight-bits must be 2..4 (the core's code), not {args.weight_bits}"
        )
    return args


def _progress_bar(total, desc):
    """A tqdm bar over epochs; its postfix shows the validation accuracy when the
    data hold a validation split."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit="epoch", leave=False)

    def update(epoch, accuracy):
        bar.update(1)
        if not math.isnan(accuracy):  # there is a validation split
            bar.set_postfix(val=f"{accuracy:.3f}")
        if epoch == total - 1:
            bar.close()

    return update


def run_seed(data, seed, epochs=EPOCHS, weight_bits=4, save=None):
    """Train, quantize and run one seed; return its row of the table.

    Every stage trains the classifier as a Nengo network with
    ``nengo_dl.Simulator.fit`` (:mod:`.dl`); each result is computed from the
    trained weights by the NumPy network the stage stands for, and the on-chip
    rows by the emulated core.

    Parameters
    ----------
    data : QCData
    seed : int
    epochs : dict
        Epochs of the ``"float"``, ``"quantized"`` and ``"chip"`` stages.
    weight_bits : int
    save : str, optional
        Keep the chip-trained network in this folder.

    Returns
    -------
    dict
    """
    from . import chip as chip_module
    from . import dl
    from .model import (
        ElmanNetwork,
        accuracy,
        calibrate_scales,
        in_levels,
        quantize_network,
    )

    x, y = data.x_test, data.y_test
    row = {"seed": seed, "weight_bits": weight_bits}
    start = time.perf_counter()

    def train(net, stage, dropout, desc):
        model = dl.build_network(net, stage, weight_bits, dropout=dropout, seed=seed)
        key = "float" if stage == "float" else "chip" if stage == "chip" else "quantized"
        return dl.fit(
            model,
            data,
            epochs[key],
            seed=seed,
            lr=LEARNING_RATES[key],
            progress=_progress_bar(epochs[key], f"seed {seed} {desc}"),
        )

    net = train(ElmanNetwork.random(len(data.vocabulary), seed), "float", 0.3, "float")
    row["float"] = accuracy(net.logits(x), y)
    weights_only = quantize_network(net, (1.0, 1.0), weight_bits)
    row["weights"] = accuracy(net.logits(x, quantized_weights=weights_only), y)
    scales = calibrate_scales(net, data.x_train, data.y_train, weight_bits)
    post = quantize_network(net, scales, weight_bits)
    row["activities"] = accuracy(post.window_logits(x), y)
    row["chip_post"] = _chip_accuracy(post, data)[0]

    levels = in_levels(net, *scales)
    for key, stage in (("qat", "quantized"), ("stochastic", "stochastic")):
        network = train(levels, stage, 0.1, key)
        row[key] = accuracy(network.window_logits(x), y)
        row[f"{key}_chip"] = _chip_accuracy(network, data)[0]

    network = train(levels, "chip", 0.1, "chip-aware")
    row["chip"], run = _chip_accuracy(network, data)
    row["chip_window"] = accuracy(network.window_logits(x, carry=True), y)
    row["train_s"] = time.perf_counter() - start
    row.update(
        cores=1,
        neurons=4 * network.core.n_units,
        axons=4 * (network.core.n_inputs + network.core.n_units),
        ticks_per_question=run.ticks,
        power_uw=run.power * 1e6,
        uj_per_question=run.energy_per_question * 1e6,
        emulator_questions_per_s=len(x) / run.seconds,
    )
    if save is not None:
        chip_module.save_model(save, network, data.vocabulary, x[0])
    return row


def _chip_accuracy(network, data):
    """Accuracy of ``network`` on the emulated core (test questions), checked
    against the NumPy definition of the core's ticks."""
    from . import chip as chip_module
    from .model import accuracy

    run = chip_module.run_questions(network, data.x_test)
    logits = chip_module.chip_logits(network, run)
    expected = network.chip_logits(data.x_test)
    if not np.array_equal(logits, expected):
        raise RuntimeError(
            "the emulated core's counts differ from run_core's on "
            f"{int(np.sum(np.any(logits != expected, axis=1)))} questions"
        )
    return accuracy(logits, data.y_test), run


def summarize(rows):
    """Mean and std over seeds of every numeric entry of the rows."""
    keys = [
        k for k, v in rows[0].items() if isinstance(v, (int, float)) and k != "seed"
    ]
    return {
        k: {
            "mean": float(np.mean([r[k] for r in rows])),
            "std": float(np.std([r[k] for r in rows])),
        }
        for k in keys
    }


def print_table(rows, summary):
    n = len(rows)
    print()
    print(f"| setup | accuracy (mean ± std, {n} seed{'s' * (n > 1)}) | Diehl et al. |")
    print("|---|---|---|")
    bits = rows[0]["weight_bits"]
    for key, setup, paper in ROWS:
        s = summary[key]
        ref = "" if paper is None or bits != 4 else f"{paper:.3f}"
        print(f"| {setup.format(b=bits)} | {s['mean']:.3f} ± {s['std']:.3f} | {ref} |")
    print()
    print(
        f"on the chip: {rows[0]['cores']} core ({rows[0]['neurons']} neurons, "
        f"{rows[0]['axons']} axons), {rows[0]['ticks_per_question']} "
        f"ticks per question, {summary['power_uw']['mean']:.1f} µW and "
        f"{summary['uj_per_question']['mean']:.2f} µJ per question at real time "
        f"(Diehl et al.: 1 core, about {PAPER['power_uw']:.0f} µW)"
    )


def write_json(path, rows, summary, argv):
    """The rows, their means and the command that made them, as JSON."""
    from ..files import write_atomic

    command = "python -m nengo_truenorth.qc " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    result = {
        "command": command.strip(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "paper": PAPER,
        "rows": rows,
        "summary": summary,
    }
    write_atomic(path, json.dumps(result, indent=1) + "\n")


def evaluate(args):
    from .chip import chip_logits, load_saved, run_questions
    from .data import LENGTH
    from .model import accuracy
    from .trec import align_right, load_trec

    network, vocabulary = load_saved(args.evaluate)
    trec = load_trec(args.data)
    x = align_right(*vocabulary.encode(trec.test, LENGTH))
    run = run_questions(network, x)
    acc = accuracy(chip_logits(network, run), trec.labels(trec.test))
    print(
        f"{len(x)} questions, {run.ticks} ticks on {len(x)} emulated cores side by "
        f"side, {len(x) / run.seconds:,.0f} questions/s on this machine"
    )
    print(f"on-chip accuracy: {acc:.3f}")


def main(argv=None):
    args = parse_args(argv)
    # TensorFlow's C++ log (placeholder and CUDA notices) would bury the progress
    # bars; its warnings and errors still show, and a user's setting wins
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    from .data import prepare

    try:
        if args.evaluate is not None:
            return evaluate(args)
        data = prepare(args.data)
    except (OSError, ValueError, KeyError) as err:
        # a missing or malformed file is the user's to fix: no traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
    epochs = dict(EPOCHS)
    rows = []
    for seed in range(args.seeds):
        data = prepare(args.data, seed=seed)
        if args.quick:
            epochs = {"float": 8, "quantized": 1, "chip": 1}
            data.x_test, data.y_test = data.x_test[:100], data.y_test[:100]
        print(
            f"seed {seed}: float, after-training quantization, quantized training "
            "(nearest, stochastic), chip-aware training",
            flush=True,
        )
        rows.append(
            run_seed(
                data,
                seed,
                epochs,
                args.weight_bits,
                save=args.save if seed == 0 else None,
            )
        )
        r = rows[-1]
        print(
            f"seed {seed}: float {r['float']:.3f}, after training on chip "
            f"{r['chip_post']:.3f}, quantized in training {r['qat']:.3f} (on chip "
            f"{r['qat_chip']:.3f}), chip-aware {r['chip']:.3f}",
            flush=True,
        )
    summary = summarize(rows)
    print_table(rows, summary)
    if args.json:
        write_json(args.json, rows, summary, argv)
    chip = summary["chip"]
    print(f"on-chip accuracy: {chip['mean']:.3f} ± {chip['std']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
