"""Build time of :func:`nengo_truenorth.compiler.compile_graph`.

The graph is a chain of groups of 256 neurons with 16-level weights (four axons per
input): each group takes 64 units of the one before (so its core's 256 axons are
full) and the first takes 64 host channels. Each of those 64 units reaches four axons,
so every group also fills one splitter core: a chain of ``N`` groups compiles to
about ``2 N`` cores. Prints a plain table of build times; nothing is asserted.

Run with ``python benchmarks/bench_compile.py [--cores 64 1024 4096] [--repeat 1]``.
"""

import argparse
import time

import numpy as np

from nengo_truenorth.compiler import compile_graph
from nengo_truenorth.ir import (
    SIXTEEN_LEVELS,
    ChipGraph,
    Edge,
    InputGroup,
    NeuronGroup,
)

GROUP_SIZE = 256
FAN_IN = 64


def chain_graph(n_groups, seed=0):
    """A chain of ``n_groups`` groups of 256 neurons, each fed by 64 units before it."""
    rng = np.random.default_rng(seed)
    graph = ChipGraph()
    pre = graph.add_input(InputGroup(FAN_IN, "stim"))
    for k in range(n_groups):
        group = graph.add_group(
            NeuronGroup(
                GROUP_SIZE,
                f"layer{k}",
                params={"threshold": 64, "reset_mode": 1},
                code=SIXTEEN_LEVELS,
            )
        )
        levels = np.zeros((GROUP_SIZE, pre.n), dtype=np.int64)
        cols = rng.choice(pre.n, FAN_IN, replace=False)
        levels[:, cols] = rng.integers(-8, 8, (GROUP_SIZE, FAN_IN))
        graph.add_edge(Edge(pre, group, levels, delay=2))
        pre = group
    return graph


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, nargs="+", default=[64, 1024, 4096])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)

    print(
        f"{'target cores':>12} {'groups':>7} {'cores':>6} {'splitter':>8} "
        f"{'graph s':>8} {'compile s':>10} {'cores/s':>9}"
    )
    for target in args.cores:
        n_groups = max(1, target // 2)
        t0 = time.perf_counter()
        graph = chain_graph(n_groups)
        t_graph = time.perf_counter() - t0
        best = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            chip = compile_graph(graph)
            t = time.perf_counter() - t0
            best = t if best is None else min(best, t)
        s = chip.stats()
        print(
            f"{target:>12} {n_groups:>7} {s['cores']:>6} {s['splitter_cores']:>8} "
            f"{t_graph:>8.2f} {best:>10.2f} {s['cores'] / best:>9.0f}"
        )


if __name__ == "__main__":
    main()
