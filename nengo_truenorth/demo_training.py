"""The main demo: a recurrent network trained with NengoDL, constrained, on the chip.

Run it with ``make demo`` (which sets up the ``[dl]`` environment, ``.venv-dl``, on
first use) or ``python -m nengo_truenorth.demo_training --out out``. It takes a few
minutes on 2 cores and needs no download: the data are scikit-learn's handwritten
digits, read row by row (:mod:`nengo_truenorth.training.digits`).

What it does, as a NengoDL user would:

1. **Train** a network of ``--neurons`` ``RectifiedLinear`` neurons with a ``Lowpass``
   recurrence with ``nengo_dl.Simulator.fit`` (rate neurons).
2. **Constrain** it: retrain a copy with the chip's own dynamics in NengoDL's loop
   (:func:`nengo_truenorth.training.digits.chip_dynamics_network`: the chip's neuron,
   ``ChipSpikingRectifiedLinear``, spiking in training; the chip's two-tick
   recurrence, ``delay_synapse(2)``, in place of the ``Lowpass``; 16-level recurrent
   weights through shadow weights), and freeze it for the chip.
3. **Run** both networks spiking in ``nengo.Simulator`` and on the emulated chip
   (``nengo_truenorth.Simulator``), each test digit from a fresh state: on the chip
   once with default options and once with the activity measured on 30 training
   digits (:func:`nengo_truenorth.measure_activity`: filter neurons with gain, host
   spikes sized to the real input).
4. **Report** the accuracies, the chip's cores, energy per inference and power at real
   time, and write two plots into ``--out``: the accuracies, and one digit's class
   scores over time in Nengo and on the chip (the network trained for the chip).

The plain network loses much of its accuracy on the chip; the one trained with the
chip's dynamics runs there as in Nengo. ``docs/training.md`` says why, measured cause
by cause.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's info lines

#: Defaults of a full run, and of ``--quick`` (a smoke test: its accuracies mean
#: little).
FULL = {"epochs": 20, "chip_epochs": 60, "samples": 300}  # as the benchmark
QUICK = {"epochs": 1, "chip_epochs": 1, "samples": 5}
#: The network trained with the chip's dynamics, in the printed table and the plots.
CHIP_TRAINED = "chip-trained"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m nengo_truenorth.demo_training",
        description="Train a recurrent network with NengoDL, constrain it for the "
        "chip, and run it in Nengo and on the emulated chip.",
    )
    parser.add_argument("--out", type=Path, default=Path("out"), help="plot folder")
    parser.add_argument("--neurons", type=int, default=64, help="hidden neurons")
    parser.add_argument("--epochs", type=int, help=f"default {FULL['epochs']}")
    parser.add_argument(
        "--chip-epochs",
        type=int,
        help="epochs of training with the chip's dynamics "
        f"(default {FULL['chip_epochs']})",
    )
    parser.add_argument(
        "--samples",
        type=int,
        help=f"test digits run spiking (default {FULL['samples']})",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="a smoke test: 1 + 1 epochs, 5 digits"
    )
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for key in ("neurons", "samples"):
        if getattr(args, key) < 1:
            parser.error(f"--{key} must be at least 1, not {getattr(args, key)}")
    for key in ("epochs", "chip_epochs"):
        if getattr(args, key) < 0:
            parser.error(f"--{key.replace('_', '-')} must be >= 0")
    return args


def train_and_constrain(args, train_data, test_data, log):
    """The plain network trained, then a copy retrained with the chip's dynamics;
    both frozen.

    Returns
    -------
    nets : dict of str to nengo.Network
        ``"plain"`` (rate neurons) and :data:`CHIP_TRAINED` (spiking already).
    rates : dict of str to float
        Their NengoDL accuracies on the test digits (rate; spiking for the second).
    """
    from .training import digits

    plain = digits.build_network(args.neurons, seed=args.seed)
    log(f"training {args.neurons} neurons with NengoDL, {args.epochs} epochs")
    rates = {}
    rates["plain"] = digits.train(
        plain, [train_data, test_data], args.epochs, seed=args.seed, verbose=2
    )
    log(f"NengoDL rate accuracy: {rates['plain']:.3f}")
    chip = digits.chip_dynamics_network(
        args.neurons, digits.network_weights(plain), seed=args.seed
    )
    log(
        f"retraining a copy with the chip's dynamics, {args.chip_epochs} epochs "
        "(the chip's neuron spiking, its two-tick loop, 16-level recurrent weights)"
    )
    rates[CHIP_TRAINED] = digits.train_chip_dynamics(
        chip, [train_data, test_data], args.chip_epochs, seed=args.seed, verbose=2
    )
    log(f"NengoDL spiking accuracy, {CHIP_TRAINED}: {rates[CHIP_TRAINED]:.3f}")
    return {"plain": plain, CHIP_TRAINED: chip}, rates


def run_spiking(nets, train_data, test_data, n, log):
    """Each network's accuracy (and the chip's figures) run spiking in Nengo, on the
    chip with default options, and on the chip with the activity measured on
    training samples (:func:`nengo_truenorth.measure_activity`):
    ``results[variant][run]``."""
    import nengo
    from tqdm import tqdm

    from . import Simulator as ChipSimulator
    from . import measure_activity
    from .training import digits

    runs = (
        ("nengo", nengo.Simulator, "nengo.Simulator"),
        ("chip", ChipSimulator, "the chip, default options"),
        ("chip_measured", ChipSimulator, "the chip, measured activity"),
    )
    results = {}
    for variant, net in nets.items():
        if variant != CHIP_TRAINED:  # spiking already
            digits.to_spiking(net)
        results[variant] = {}
        for name, simulator, description in runs:
            if name == "chip_measured":
                log(f"{variant}: measuring activity on training digits in Nengo")
                measure_activity(net, digits.sample_runner(net, train_data[0]))
            log(f"{variant}: {n} test digits spiking in {description}")
            accuracy, info = digits.spiking_accuracy(
                net,
                test_data,
                simulator,
                n,
                progress=lambda it, d=f"{variant}, {name}": tqdm(
                    it, desc=d, unit="digit"
                ),
            )
            results[variant][name] = {"accuracy": accuracy, **info}
    return results


def save_plots(out, rates, results, traces, label):
    """The accuracy bars and one digit's class scores in Nengo and on the chip."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, ax = plt.subplots(figsize=(7, 3.8))
    columns = (
        ("NengoDL", lambda v: rates[v], "0.6"),
        ("nengo.Simulator, spiking", lambda v: results[v]["nengo"]["accuracy"], None),
        ("chip, default", lambda v: results[v]["chip"]["accuracy"], None),
        (
            "chip, measured activity",
            lambda v: results[v]["chip_measured"]["accuracy"],
            None,
        ),
    )
    variants = list(rates)
    x = np.arange(len(variants))
    width = 0.2
    for k, (name, value, color) in enumerate(columns):
        bars = ax.bar(
            x + (k - 1.5) * width,
            [value(v) for v in variants],
            width,
            label=name,
            color=color,
        )
        ax.bar_label(bars, fmt="%.2f", fontsize="small")
    ax.set_xticks(x, [f"{v} network" for v in variants])
    ax.set_ylim(0, 1.2)
    ax.set_ylabel("test accuracy")
    ax.set_title("Digits read row by row: a recurrent network")
    ax.legend(fontsize="small", loc="upper center", ncol=2)
    fig.tight_layout()
    paths.append(out / "accuracy.png")
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
    for ax, (name, trace) in zip(axes, traces.items()):
        t = np.arange(1, len(trace) + 1)
        for k in range(trace.shape[1]):
            ax.plot(t, trace[:, k], lw=2.5 if k == label else 0.8, label=str(k))
        ax.set_title(f"{name}: digit {label} (bold)", fontsize="medium")
        ax.set_xlabel("step (ms)")
    axes[0].set_ylabel("output (filtered)")
    axes[1].legend(
        ncol=2,
        fontsize="small",
        title="class",
        loc="center left",
        bbox_to_anchor=(1.02, 0.5),
    )
    fig.tight_layout()
    paths.append(out / "class_scores.png")
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)
    return paths


def traces_of(net, x):
    """One digit's class scores over time, low-passed for reading, in Nengo and on
    the chip."""
    import nengo

    from . import Simulator as ChipSimulator
    from .training import digits

    play = digits.sequence_input(net, x.shape[0])
    with net:
        probe = nengo.Probe(net.out, synapse=0.01)
    traces = {}
    try:
        for name, simulator in (
            ("Nengo", nengo.Simulator),
            ("chip (measured activity)", ChipSimulator),
        ):
            with simulator(net, progress_bar=False) as sim:
                play(sim, x)
                traces[name] = sim.data[probe]
    finally:
        net.probes.remove(probe)
    return traces


def summary(args, rates, results):
    """The printed table."""
    inference_s = 8 * 10 * 0.001  # 8 rows, 10 steps each, 1 ms ticks
    lines = [
        "",
        f"digits read row by row, {args.neurons} recurrent neurons, "
        f"{args.samples} test digits spiking",
        "network      | NengoDL      | nengo.Simulator | chip, default | "
        "chip, measured activity | chip cores | uJ / inference | mW at real time",
    ]
    for variant, rate in rates.items():
        run = results[variant]
        chip = run["chip_measured"]
        lines.append(
            f"{variant:12s} | {rate:12.3f} | {run['nengo']['accuracy']:15.3f} "
            f"| {run['chip']['accuracy']:13.3f} | {chip['accuracy']:23.3f} "
            f"| {chip['cores']:10d} | {chip['uj_per_inference']:14.1f} "
            f"| {chip['uj_per_inference'] / inference_s / 1e3:15.2f}"
        )
    lines.append(
        f"(NengoDL: rate accuracy, spiking for {CHIP_TRAINED}; the others spiking; "
        f"cores and energy of the chip with measured activity; an "
        f"inference is {inference_s * 1e3:.0f} ms of chip time, energy at the "
        f"{results['plain']['chip']['operating_point']} operating point)"
    )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    try:
        from .training import digits
    except ImportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()

    def log(message):
        print(f"[{time.perf_counter() - start:5.0f} s] {message}", flush=True)

    train_data, test_data = digits.digits_sequences(args.seed)
    nets, rates = train_and_constrain(args, train_data, test_data, log)
    results = run_spiking(nets, train_data, test_data, args.samples, log)
    x, y = test_data
    traces = traces_of(nets[CHIP_TRAINED], x[0])
    for path in save_plots(args.out, rates, results, traces, int(y[0])):
        print(f"wrote {path}")
    print(summary(args, rates, results))
    print("why the plain network loses accuracy on the chip: docs/training.md")
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
