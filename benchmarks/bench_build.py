"""Build time of wide ensembles against their dimension (issue 13 item 3).

Each row builds one network: a host input into ensemble ``a`` of ``D`` dimensions and
a decoded connection ``a -> b`` (both ``N`` neurons), the case where the fan-in pass
does most work (a post neuron takes ``2 D`` inputs: relays merge the decode blocks,
then partial sums split the rest). For each it records, from a fresh process:

- the seconds of the front end (Nengo's build), of each pass and of the compiler;
- the estimate that ``run_passes`` checks first (:mod:`nengo_truenorth.passes.budget`)
  beside the compiled cores and the chip neurons;
- the entries the fan-in pass's edges store and how many are nonzero (the work it
  does: linear in ``D`` at a fixed ``N``), and the process's peak memory.

Nothing is asserted (``tests/passes/test_budget.py`` guards the growth by counting
entries); wall times depend on the machine and its load.

Run with ``python benchmarks/bench_build.py [--dimensions 100 200 400 800 1600]
[--neurons 1024] [--output benchmarks/results/build.json]``; ``--neurons 0`` gives
each ensemble ``2 D`` neurons.
"""

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import nengo
import numpy as np

RESULTS = Path(__file__).parent / "results" / "build.json"


def pair(dimensions, n_neurons, seed=0):
    """A host input into ``a``, and ``a -> b`` decoded: ``D`` dimensions each."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(np.linspace(-0.5, 0.5, dimensions))
        a = nengo.Ensemble(n_neurons, dimensions, label="a")
        b = nengo.Ensemble(n_neurons, dimensions, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
    return net


def stored(matrices):
    """Entries stored: all of a dense matrix's, the nonzero ones of a sparse one."""
    from nengo_truenorth.ir import sparse

    return sum(m.nnz if sparse.issparse(m) else sparse.size(m) for m in matrices)


def build_once(dimensions, n_neurons):
    """One build, timed stage by stage (run in a process of its own)."""
    from nengo_truenorth.compiler import compile_graph
    from nengo_truenorth.frontend import Model
    from nengo_truenorth.frontend.host import finish_build
    from nengo_truenorth.ir import sparse
    from nengo_truenorth.passes import FITTING_PASSES, LOWERING_PASSES

    row = {"dimensions": dimensions, "neurons": n_neurons}
    t0 = time.perf_counter()
    model = Model(dt=0.001, seed=1)
    model.build(pair(dimensions, n_neurons))
    finish_build(model)
    row["front_end_s"] = time.perf_counter() - t0
    state = model.chip
    try:  # the estimate (absent before issue 13's refusal)
        from nengo_truenorth.passes import estimate_build

        t = time.perf_counter()
        estimate = estimate_build(state)
        row["estimate_s"] = time.perf_counter() - t
        row["estimate"] = {
            "cores": estimate.cores,
            "neurons": estimate.neurons,
            "memory_gib": estimate.memory / 2**30,
            "seconds": estimate.seconds,
        }
    except ImportError:
        pass
    passes = {}
    for run in LOWERING_PASSES + FITTING_PASSES:
        if run.__name__ == "split_fan_in":
            before = {id(e) for e in state.graph.float_edges}
        t = time.perf_counter()
        run(state)
        passes[run.__name__] = time.perf_counter() - t
        if run.__name__ == "split_fan_in":
            made = [e.weights for e in state.graph.float_edges if id(e) not in before]
            row["fan_in_edges"] = len(made)
            row["fan_in_stored"] = stored(made)
            row["fan_in_nonzero"] = sum(int(sparse.row_nnz(m).sum()) for m in made)
    row["passes_s"] = passes
    t = time.perf_counter()
    compiled = compile_graph(state.graph, seed=1, copies=model.options.copy_neurons)
    row["compile_s"] = time.perf_counter() - t
    row["build_s"] = time.perf_counter() - t0
    row["cores"] = compiled.stats()["cores"]
    row["chip_neurons"] = int(sum(g.n for g in state.graph.groups))
    row["integer_edges"] = len(state.graph.edges)
    row["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dimensions", type=int, nargs="+", default=[100, 200, 400, 800, 1600]
    )
    parser.add_argument(
        "--neurons", type=int, default=1024, help="per ensemble; 0: 2 D each"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--label", default="after", help="the series' name in --output")
    parser.add_argument("--one", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(build_once(*args.one)))
        return

    rows = []
    print(
        f"{'D':>5} {'N':>5} {'front s':>8} {'fan-in s':>9} {'discr s':>8} "
        f"{'compile s':>9} {'build s':>8} {'cores':>6} {'est':>6} "
        f"{'fan-in entries':>14} {'GiB':>5}"
    )
    for d in args.dimensions:
        n = args.neurons or 2 * d
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(d), str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        p = row["passes_s"]
        est = row.get("estimate", {}).get("cores", "-")
        print(
            f"{d:>5} {n:>5} {row['front_end_s']:>8.1f} {p['split_fan_in']:>9.1f} "
            f"{p['discretize_groups']:>8.1f} {row['compile_s']:>9.1f} "
            f"{row['build_s'] - row['front_end_s']:>8.1f} {row['cores']:>6} {est:>6} "
            f"{row['fan_in_stored']:>14,} {row['peak_rss_gib']:>5.2f}",
            flush=True,
        )
    results = json.loads(args.output.read_text()) if args.output.exists() else {}
    results[f"{args.label}, N={args.neurons or '2D'}"] = {
        "command": "python benchmarks/bench_build.py " + " ".join(argv or sys.argv[1:]),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "rows": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
