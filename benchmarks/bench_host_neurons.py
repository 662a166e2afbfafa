"""Build time and memory of currents from the host into many neurons.

Each row builds ``Node(8) -> ens.neurons`` (``N`` ``SpikingRectifiedLinear`` neurons,
a dense ``(N, 8)`` transform) in a fresh process, once with ``nengo.Simulator`` (the
baseline) and once with ``nengo_truenorth.Simulator``, and records each build's
seconds and the process's peak memory, and the chip build's ratios to the baseline.
The host sends each neuron its own current on ``input_channels`` channels per sign,
so the host's edge has ``2 * channels * N`` columns and one entry per column: held
dense it grew with ``N²`` (4,000 neurons: 5.1 GB at commit 1126cba), held sparse
with ``N``.

Nothing is asserted (``tests/passes/test_host_units.py`` checks that the edge is
sparse). Run with ``python benchmarks/bench_host_neurons.py [--neurons 1000 4000
16000]``; writes ``benchmarks/results/host_neurons.json``.
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

RESULTS = Path(__file__).parent / "results" / "host_neurons.json"


def network(n_neurons, seed=0):
    """``Node(8) -> ens.neurons`` with a random dense transform."""
    rng = np.random.RandomState(seed)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(rng.uniform(0, 1, 8))
        ens = nengo.Ensemble(n_neurons, 1, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(
            stim, ens.neurons, transform=rng.uniform(-1, 1, (n_neurons, 8))
        )
    return net


def build_once(n_neurons, simulator):
    """One build and ten steps (run in a process of its own)."""
    import nengo_truenorth

    sim_class = nengo_truenorth.Simulator if simulator == "chip" else nengo.Simulator
    net = network(n_neurons)
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
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(build_once(int(args.one[0]), args.one[1])))
        return

    load_start = os.getloadavg()
    rows = []
    print(f"{'N':>6} {'nengo s':>8} {'chip s':>7} {'nengo MiB':>9} {'chip MiB':>8}")
    for n in args.neurons:
        row = {"neurons": n}
        for simulator in ("nengo", "chip"):
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), simulator],
                capture_output=True,
                text=True,
                check=True,
            )
            row[simulator] = json.loads(out.stdout.strip().splitlines()[-1])
        row["build_ratio"] = row["chip"]["build_s"] / row["nengo"]["build_s"]
        row["memory_ratio"] = row["chip"]["peak_rss_mib"] / row["nengo"]["peak_rss_mib"]
        rows.append(row)
        print(
            f"{n:>6} {row['nengo']['build_s']:>8.2f} {row['chip']['build_s']:>7.2f} "
            f"{row['nengo']['peak_rss_mib']:>9.0f} {row['chip']['peak_rss_mib']:>8.0f}",
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
