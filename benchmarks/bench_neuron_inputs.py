"""Build time and memory of inputs that reach each neuron alone, in wide ensembles.

Two networks, each with ``N`` ``SpikingRectifiedLinear`` neurons per ensemble:

``host``
    ``Node(8) -> ens.neurons`` with a dense ``(N, 8)`` transform. The host sends
    each neuron its own current on ``input_channels`` channels per sign, so the
    host's edge has ``2 * channels * N`` columns and one entry per column: held
    dense it grew with ``N²`` (4,000 neurons: 5,129 MiB at commit 1126cba, this
    script copied there).
``identity``
    ``a.neurons -> b.neurons`` with ``transform=0.5``: a diagonal, which a dense
    matrix also made grow with ``N²`` (4,000 neurons: 749 MiB at commit bcbae9b).

Each row builds one network in a fresh process, once with ``nengo.Simulator`` (the
baseline) and once with ``nengo_truenorth.Simulator``, and records each build's
seconds and the process's peak memory, and the chip build's ratios to the baseline.

Nothing is asserted (``tests/passes/test_host_units.py`` and
``tests/ir/test_sparse_edges.py`` check that the edges are sparse). Run with
``python benchmarks/bench_neuron_inputs.py [--neurons 1000 4000 16000]``; writes
``benchmarks/results/neuron_inputs.json``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import nengo
import numpy as np

from provenance import command, git_commit, machine

RESULTS = Path(__file__).parent / "results" / "neuron_inputs.json"


def host_network(n_neurons, seed=0):
    """``Node(8) -> ens.neurons`` with a random dense transform."""
    rng = np.random.RandomState(seed)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(rng.uniform(0, 1, 8))
        ens = nengo.Ensemble(n_neurons, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(
            stim, ens.neurons, transform=rng.uniform(-1, 1, (n_neurons, 8))
        )
    return net


def identity_network(n_neurons, seed=0):
    """``a.neurons -> b.neurons`` with a scalar transform."""
    with nengo.Network(seed=seed) as net:
        neuron_type = nengo.SpikingRectifiedLinear()
        a = nengo.Ensemble(n_neurons, 1, neuron_type=neuron_type)
        b = nengo.Ensemble(n_neurons, 1, neuron_type=neuron_type)
        nengo.Connection(a.neurons, b.neurons, transform=0.5, synapse=None)
    return net


#: The networks, by the name the rows give them.
CASES = {"host": host_network, "identity": identity_network}


def build_once(case, n_neurons, simulator):
    """One build and ten steps (run in a process of its own)."""
    import nengo_truenorth

    sim_class = nengo_truenorth.Simulator if simulator == "chip" else nengo.Simulator
    net = CASES[case](n_neurons)
    start = time.perf_counter()
    with sim_class(net, progress_bar=False) as sim:
        build_s = time.perf_counter() - start
        sim.run_steps(10)
        cores = int(sim.resources()["cores"]) if simulator == "chip" else None
    return {
        "build_s": build_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cores": cores,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, nargs="+", default=[1000, 4000, 16000])
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        case, n, simulator = args.one
        print(json.dumps(build_once(case, int(n), simulator)))
        return

    load_start = os.getloadavg()
    rows = []
    header = ("case", "N", "nengo s", "chip s", "nengo MiB", "chip MiB")
    print(" ".join(f"{h:>9}" for h in header))
    for case, n in [(c, n) for c in args.cases for n in args.neurons]:
        row = {"case": case, "neurons": n}
        for simulator in ("nengo", "chip"):
            out = subprocess.run(
                [sys.executable, __file__, "--one", case, str(n), simulator],
                capture_output=True,
                text=True,
                check=True,
            )
            row[simulator] = json.loads(out.stdout.strip().splitlines()[-1])
        row["build_ratio"] = row["chip"]["build_s"] / row["nengo"]["build_s"]
        row["memory_ratio"] = row["chip"]["peak_rss_mib"] / row["nengo"]["peak_rss_mib"]
        rows.append(row)
        nengo_row, chip_row = row["nengo"], row["chip"]
        print(
            f"{case:>9} {n:>9} {nengo_row['build_s']:>9.2f} "
            f"{chip_row['build_s']:>9.2f} {nengo_row['peak_rss_mib']:>9.0f} "
            f"{chip_row['peak_rss_mib']:>9.0f}",
            flush=True,
        )
    results = {
        "command": command(__file__, argv),
        "commit": git_commit(),
        "machine": machine(load_start),
        "rows": rows,
    }
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
