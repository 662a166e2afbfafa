"""Question classification against weight bits: float, quantized, on chip.

Runs the whole pipeline of ``python -m nengo_truenorth.qc`` (float training,
quantization after training, quantized training, chip-aware training)
with 2- and 3-bit Elman weights (the core's 4-axon code writes 2..4 bits), writes
``benchmarks/results/qc_bits.json``, and draws ``docs/qc_weight_bits.png`` with the
4-bit rows of ``benchmarks/results/qc.json`` (``python -m nengo_truenorth.qc --data
DIR --seeds 5 --json benchmarks/results/qc.json``)::

    .venv-dl/bin/python benchmarks/qc_weight_bits.py --data ../shared/data/trec --seeds 3
    .venv-dl/bin/python benchmarks/qc_weight_bits.py --plot-only
"""

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BITS_JSON = RESULTS / "qc_bits.json"
MAIN_JSON = RESULTS / "qc.json"
FIGURE = ROOT / "docs" / "qc_weight_bits.png"

#: What the figure draws: key of a row, label.
CURVES = (
    ("float", "float"),
    ("weights", "weights quantized after training (float activities)"),
    ("activities", "weights and activities quantized after training"),
    ("chip_post", "on chip, quantized after training"),
    ("qat", "quantized in training"),
    ("chip", "on chip, chip-aware training"),
)


def measure(data_dir, seeds, bits_list):
    from nengo_truenorth.qc.__main__ import EPOCHS, run_seed, summarize
    from nengo_truenorth.qc.data import prepare

    results = {}
    for bits in bits_list:
        rows = []
        for seed in range(seeds):
            print(f"{bits}-bit weights, seed {seed}", flush=True)
            rows.append(run_seed(prepare(data_dir, seed=seed), seed, EPOCHS, bits))
        results[str(bits)] = {"rows": rows, "summary": summarize(rows)}
    return results


def by_bits():
    """{bits: summary} from qc_bits.json and the 4-bit table of qc.json."""
    out = {int(b): r["summary"] for b, r in _load(BITS_JSON)["bits"].items()}
    main = _load(MAIN_JSON)
    out[int(main["rows"][0]["weight_bits"])] = main["summary"]
    return dict(sorted(out.items()))


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def plot(path=FIGURE):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summaries = by_bits()
    bits = np.array(list(summaries))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for key, label in CURVES:
        mean = np.array([summaries[b][key]["mean"] for b in bits])
        std = np.array([summaries[b][key]["std"] for b in bits])
        style = "--" if key == "float" else "-o"
        ax.errorbar(bits, mean, yerr=std, fmt=style, capsize=3, label=label)
    ax.plot([4], [0.74], "k*", markersize=12, label="Diehl et al. 2016, on TrueNorth")
    ax.plot([4], [0.722], "kx", markersize=9, label="Diehl et al. 2016, 4-bit weights")
    ax.set_xticks(bits)
    ax.set_xlabel("Elman weight bits (activities: 16 levels)")
    ax.set_ylabel("TREC test accuracy (6 classes)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.set_title("Question classification: accuracy against weight bits")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", metavar="DIR", help="folder of the TREC files")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--bits", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--plot-only", action="store_true")
    args = parser.parse_args(argv)
    if not args.plot_only:
        if args.data is None:
            parser.error("--data is needed unless --plot-only")
        from nengo_truenorth.files import write_atomic

        results = {
            "command": "python benchmarks/qc_weight_bits.py "
            + " ".join(sys.argv[1:] if argv is None else argv),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "bits": measure(args.data, args.seeds, args.bits),
        }
        write_atomic(BITS_JSON, json.dumps(results, indent=1) + "\n")
    plot()


if __name__ == "__main__":
    main()
