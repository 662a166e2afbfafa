"""Hybrid training vs converting a rate network: sklearn digits read row by row.

The task: the 8x8 digits of ``sklearn.datasets.load_digits`` (1797 images, values
/16), one row per ANN step, each row held ``--steps-per-row`` steps (16 steps at the
default 2), 10 classes, a stratified 70/30 split (fixed, ``random_state=0``). A
recurrent layer of ``--units`` units reads the rows; a dense readout classifies its
last state.

Models (``--models``):

- ``lprnn``: :class:`~nengo_sigmadelta.hybrid.HybridLowPassRNNLayer`, retention
  ``0.8**(1/steps_per_row)`` per step, ``a_max = 6``. Spiking amplitude ``a = 6``:
  each unit fires at most one spike per step, a spike worth ``a_max``.
- ``lmu``: ``keras_lmu.LMU`` (``memory_d=1``, ``order=8``, ``theta`` = sequence
  length) whose hidden cell is :class:`~nengo_sigmadelta.hybrid.HybridRNNCell` with
  ``clip(·, 0, 6)`` (also at most one spike per step at ``a = 6``).

For each seed and model, three accuracies on the test set:

(a) **rate**: trained and tested at spike amplitude 0 (the rate network);
(b) **converted**: the same weights, tested at the spiking amplitude (no hybrid
    training);
(c) **hybrid**: a fresh network trained as long with the amplitude schedule
    ``A/32 → A`` over the first two thirds of the epochs (geometric, one bit per
    step), then held at ``A``; tested at ``A``.

It also sweeps the test amplitude ``A·2^-k`` for (a)'s and (c)'s weights (the plot)
and counts spikes per unit per step at ``A``.

Writes ``benchmarks/results/hybrid.json`` and ``benchmarks/results/hybrid.png``.
Run: ``.venv-dl/bin/python benchmarks/hybrid_training.py`` (``--quick``: one seed,
fewer epochs, for a smoke run).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from nengo_sigmadelta.hybrid import (  # noqa: E402
    AmplitudeSchedule,
    HybridLowPassRNNLayer,
    HybridRNNCell,
    amplitude_schedule,
    hybrid_layers,
    set_amplitude,
)

RESULTS = Path(__file__).parent / "results"
A_MAX = 6.0
#: Test amplitudes of the sweep, as fractions of the spiking amplitude (0: rate).
SWEEP = (0.0, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0)


def digits_rows(steps_per_row):
    """Train/test sets of digit images read row by row, each row held ``n`` steps."""
    digits = load_digits()
    x = np.repeat((digits.images / 16.0).astype("float32"), steps_per_row, axis=1)
    return train_test_split(
        x, digits.target, test_size=0.3, random_state=0, stratify=digits.target
    )


def clip_activation(z):
    """``clip(z, 0, a_max)``: the lpRNN's activation, for the LMU's hidden cell."""
    return tf.clip_by_value(z, 0.0, A_MAX)


def recurrent_layer(model_name, units, n_steps, steps_per_row):
    """The recurrent layer, at spike amplitude 0 (rate) to begin with."""
    if model_name == "lprnn":
        return HybridLowPassRNNLayer(
            units,
            retention=0.8 ** (1 / steps_per_row),
            a_max=A_MAX,
            amplitude=0.0,
            bias_initializer=tf.keras.initializers.Constant(0.5),
            return_sequences=False,
        )
    import keras_lmu

    cell = HybridRNNCell(units, clip_activation, amplitude=0.0)
    return keras_lmu.LMU(memory_d=1, order=8, theta=n_steps, hidden_cell=cell)


def classifier(model_name, units, n_steps, steps_per_row, seed, lr):
    tf.keras.utils.set_random_seed(seed)
    inp = tf.keras.Input((n_steps, 8))
    h = recurrent_layer(model_name, units, n_steps, steps_per_row)(inp)
    model = tf.keras.Model(inp, tf.keras.layers.Dense(10)(h))
    model.compile(
        tf.keras.optimizers.Adam(lr),
        tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def accuracy_at(model, amplitude, x, y):
    set_amplitude(model, amplitude)
    return float(model.evaluate(x, y, batch_size=512, verbose=0)[1])


def spikes_per_unit_step(model, amplitude, x):
    """Mean spike count per unit per step at ``amplitude`` (from the quantizer)."""
    (spiking,) = hybrid_layers(model)
    counts = []
    original_quantize = spiking.quantize

    def counting_quantize(rate, voltage):
        out, voltage = original_quantize(rate, voltage)
        counts.append(tf.reduce_mean(out) * spiking.dt / spiking.amplitude)
        return out, voltage

    # run eagerly once with a counting quantizer; the model itself is not changed
    spiking.quantize = counting_quantize
    try:
        set_amplitude(model, amplitude)
        model(x[:256], training=False)
    finally:
        del spiking.quantize
    return float(np.mean([c.numpy() for c in counts]))


def run_seed(model_name, seed, data, args):
    xtr, xte, ytr, yte = data
    n_steps = xtr.shape[1]
    fit = dict(epochs=args.epochs, batch_size=args.batch_size, verbose=0)
    t0 = time.perf_counter()

    shape = (model_name, args.units, n_steps, args.steps_per_row)
    rate = classifier(*shape, seed, args.lr)
    rate.fit(xtr, ytr, **fit)
    hybrid = classifier(*shape, seed, args.lr)
    ramp = max(2, round(2 * args.epochs / 3))
    schedule = AmplitudeSchedule(start=A_MAX / 32, end=A_MAX, ramp_epochs=ramp)
    history = hybrid.fit(xtr, ytr, callbacks=[schedule], **fit)

    sweep = {
        "amplitudes": [A_MAX * f for f in SWEEP],
        "rate_trained": [accuracy_at(rate, A_MAX * f, xte, yte) for f in SWEEP],
        "hybrid_trained": [accuracy_at(hybrid, A_MAX * f, xte, yte) for f in SWEEP],
    }
    result = {
        "seed": seed,
        "rate": sweep["rate_trained"][0],
        "converted": sweep["rate_trained"][-1],
        "hybrid": sweep["hybrid_trained"][-1],
        "hybrid_at_rate": sweep["hybrid_trained"][0],
        "spikes_per_unit_step_converted": spikes_per_unit_step(rate, A_MAX, xte),
        "spikes_per_unit_step_hybrid": spikes_per_unit_step(hybrid, A_MAX, xte),
        "train_amplitudes": [float(a) for a in history.history["amplitude"]],
        "sweep": sweep,
        "seconds": time.perf_counter() - t0,
    }
    print(
        f"{model_name} seed {seed}: rate {result['rate']:.3f}  converted "
        f"{result['converted']:.3f}  hybrid {result['hybrid']:.3f}  "
        f"({result['seconds']:.1f} s)",
        flush=True,
    )
    return result


def summarize(runs):
    keys = (
        "rate",
        "converted",
        "hybrid",
        "hybrid_at_rate",
        "spikes_per_unit_step_converted",
        "spikes_per_unit_step_hybrid",
    )
    return {
        k: {
            "mean": float(np.mean([r[k] for r in runs])),
            "std": float(np.std([r[k] for r in runs])),
        }
        for k in keys
    }


def print_table(summary, args):
    print()
    print(
        f"digits row by row ({8 * args.steps_per_row} steps), {args.units} units, "
        f"{args.epochs} epochs, {args.seeds} seed(s); spiking amplitude {A_MAX:g}"
    )
    print(
        "| model | (a) rate | (b) converted, spiking | (c) hybrid, spiking "
        "| spikes/unit/step (b) | (c) |"
    )
    print("|---|---|---|---|---|---|")
    for name, s in summary.items():
        cells = [
            f"{s[k]['mean']:.3f} ± {s[k]['std']:.3f}"
            for k in ("rate", "converted", "hybrid")
        ]
        spikes = [
            f"{s[k]['mean']:.2f}"
            for k in (
                "spikes_per_unit_step_converted",
                "spikes_per_unit_step_hybrid",
            )
        ]
        print(f"| {name} | " + " | ".join(cells + spikes) + " |")


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.6))
    axes = np.atleast_1d(axes)
    for ax, (name, runs) in zip(axes, results.items()):
        fractions = np.array(SWEEP)
        x = np.where(fractions > 0, fractions, fractions[1] / 2)  # rate at the left
        curves = (("rate_trained", "rate-trained"), ("hybrid_trained", "hybrid"))
        for key, label in curves:
            acc = np.array([r["sweep"][key] for r in runs])
            ax.errorbar(x, acc.mean(0), yerr=acc.std(0), marker="o", label=label)
        ax.set_xscale("log", base=2)
        ax.set_xticks(x)
        labels = [f"1/{round(1 / f)}" for f in fractions[1:-1]]
        ax.set_xticklabels(["rate"] + labels + ["1"])
        ax.set_xlabel(f"test spike amplitude / {A_MAX:g}")
        ax.set_ylabel("test accuracy")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--models", nargs="+", default=["lprnn", "lmu"], choices=["lprnn", "lmu"]
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--steps-per-row", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--threads", type=int, default=2, help="TensorFlow intra-op threads"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one seed, 8 epochs (a smoke run; numbers not for the docs)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "hybrid.json")
    parser.add_argument("--plot", type=Path, default=RESULTS / "hybrid.png")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = 1, 8
    return args


def main(argv=None):
    args = parse_args(argv)
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    data = digits_rows(args.steps_per_row)
    t0 = time.perf_counter()
    results = {
        name: [run_seed(name, seed, data, args) for seed in range(args.seeds)]
        for name in args.models
    }
    summary = {name: summarize(runs) for name, runs in results.items()}
    print_table(summary, args)
    elapsed = time.perf_counter() - t0
    print(f"total {elapsed:.0f} s")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "command": "python benchmarks/hybrid_training.py"
        + (" --quick" if args.quick else ""),
        "settings": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
        },
        "spiking_amplitude": A_MAX,
        "schedule": [
            amplitude_schedule(e, A_MAX / 32, A_MAX, max(2, round(2 * args.epochs / 3)))
            for e in range(args.epochs)
        ],
        "summary": summary,
        "runs": results,
        "seconds": elapsed,
        "machine": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "cpu": platform.processor() or platform.machine(),
        },
    }
    args.out.write_text(json.dumps(record, indent=1))
    plot(results, args.plot)
    print(f"wrote {args.out} and {args.plot}")


if __name__ == "__main__":
    main()
