"""Which part of the chip's neuron costs a NengoDL-trained recurrent network its accuracy.

``benchmarks/trained_rnn_ablations.py`` found that putting the chip's neuron into the
Nengo model alone takes the plain 128-neuron digits network from 0.863 to 0.743. The
chip's neuron differs from Nengo's ``SpikingRectifiedLinear`` in three ways; this
script puts each back on its own, in ``nengo.Simulator`` with everything else Nengo's
(its ``Lowpass`` recurrence, exact weights, no relays):

- **the sign of the input**: Nengo adds ``max(J, 0)`` to the potential (a negative
  current leaves it alone); the chip adds the signed input;
- **the floor**: the chip's potential stops at ``-floor`` thresholds (0 for the
  compiler's mapping of Nengo's rectified neurons: ``negative_saturation`` at
  ``beta = 0``);
- **one spike per tick**: Nengo's neuron may spike several times in one step; the
  chip's at most once.

For each network it also counts, for the chip's variant, the potential that negative
input takes back from neurons that had some (in thresholds, per inference) against
the spikes they fire: the part of the drive that Nengo's neuron keeps and the chip's
loses.

Nothing is asserted. Writes ``benchmarks/results/trained_rnn_neuron.json``;
``benchmarks/doc_tables.py`` puts its table into docs/training.md. Run with
``.venv-dl/bin/python benchmarks/trained_rnn_neuron.py`` (trains both digits networks
of ``trained_rnn.py``, 20 epochs each; about 6 minutes on 2 cores).
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import nengo

sys.path.insert(0, str(Path(__file__).parent))
import trained_rnn as T  # noqa: E402
from trained_rnn_ablations import NeuronVariant  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "trained_rnn_neuron.json"

#: The variants: key, label, (rectify, one spike per step, floor in thresholds).
VARIANTS = (
    ("nengo", "Nengo's SpikingRectifiedLinear", None),
    ("rectified_one_spike", "rectified input, one spike per step", (True, True, 0.0)),
    (
        "signed_many_spikes",
        "signed input, floor 0, any spikes per step",
        (False, False, 0.0),
    ),
    (
        "chip",
        "signed input, floor 0, one spike per step (the chip)",
        (False, True, 0.0),
    ),
    (
        "floor_1",
        "signed input, floor -1 threshold, one spike per step",
        (False, True, 1.0),
    ),
    (
        "floor_3",
        "signed input, floor -3 thresholds, one spike per step",
        (False, True, 3.0),
    ),
)


def measure(task, n, epochs, seed):
    train_data, test_data = T.digits_sequences(seed)
    net = T.build_network(T.TASKS[task], seed=seed)
    T.train(net, [train_data], epochs, seed=seed)
    T.to_spiking(net)
    rows = []
    for key, label, options in VARIANTS:
        neuron = None
        if options is not None:
            neuron = NeuronVariant(*options, amplitude=1.0 / T.SCALE)
            net.ens.neuron_type = neuron
        acc, _ = T.spiking_accuracy(net, test_data, nengo.Simulator, n)
        row = {"key": key, "label": label, "accuracy": acc}
        if neuron is not None and not neuron.rectify:
            row["taken_per_inference"] = neuron.taken / n
            row["spikes_per_inference"] = neuron.fired / n
        rows.append(row)
        print(f"{task}: {label}: {acc:.3f}", flush=True)
    return {"n": n, "epochs": epochs, "seed": seed, "rows": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(T.TASKS), choices=T.TASKS)
    parser.add_argument("--n", type=int, default=300, help="test samples per row")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = {
        "command": "python benchmarks/trained_rnn_neuron.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "commit": T.git_commit(),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "tasks": {
            task: measure(task, args.n, args.epochs, args.seed) for task in args.tasks
        },
    }
    results["seconds"] = time.perf_counter() - start
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({results['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
