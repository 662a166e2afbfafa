"""Decode neurons: sign-plane banks against classic blocks, on issue 3's chain.

For each way of building decode neurons (``passes/decode.py``): the chain benchmark
of ``bench_simulator.py`` (N ensembles of 256 ``SpikingRectifiedLinear`` neurons,
each with a recurrent and a feed-forward decoded connection) -- cores, splitter
cores and neurons, decode and filter neurons, ticks per second of both simulators
and the decoded RMSE against ``nengo.Simulator`` -- and the cores and build time of
the unprobed chain of 484 ensembles (the 4,096-core model with classic blocks).
"Classic" forces every connection onto classic blocks
(``decode.MAX_BANKS = 0``). Nothing is asserted; results go to
``benchmarks/results/decode.json``.

Run with ``python benchmarks/bench_decode.py [--sizes 4 16 64] [--big 484]
[--plane-bits K] [--modes classic sign-plane]`` (``--big 0`` skips the big build).
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

import nengo_truenorth
from nengo_truenorth.passes import decode

sys.path.insert(0, str(Path(__file__).parent))
import bench_simulator  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "decode.json"
MODES = {"classic": 0, "sign-plane": decode.MAX_BANKS}


def neurons_by_kind(sim):
    """Neurons of the compiled groups by role: ensembles, decode, filter and relay
    neurons (the compile report's ``neurons_by_role``)."""
    return dict(sim.compiled.stats()["neurons_by_role"])


def chain_row(n, seconds):
    """The chain of ``n``: compare() of bench_simulator plus the chip's make-up."""
    row = bench_simulator.compare(n, seconds)
    net, _ = bench_simulator.chain(n)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        stats = sim.compiled.stats()
        row.update(
            splitter_cores=int(stats["splitter_cores"]),
            splitter_neurons=int(stats["splitter_neurons"]),
            neurons=neurons_by_kind(sim),
        )
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 16, 64])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--big", type=int, default=484)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--plane-bits", type=int, default=None,
                        help="planes per row of a bank (default: weight bits + 1)")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    args = parser.parse_args(argv)
    if args.plane_bits is not None:
        decode.plane_bits = lambda weight_bits: args.plane_bits

    results = {
        "machine": platform.platform(),
        "plane_bits": decode.plane_bits(4),
        "chain": [],
        "big": [],
    }
    for mode in args.modes:
        decode.MAX_BANKS = MODES[mode]
        for n in args.sizes:
            t0 = time.perf_counter()
            row = dict(mode=mode, **chain_row(n, args.seconds))
            results["chain"].append(row)
            print(
                f"{mode:>10} N={n:<3} cores {row['cores']:>5} "
                f"(splitter {row['splitter_cores']:>4}) "
                f"RMSE mean {row['rmse_mean']:.3f} max {row['rmse_max']:.3f} "
                f"ticks/s chip {row['chip_ticks_per_s']:,.0f} "
                f"nengo {row['nengo_ticks_per_s']:,.0f} "
                f"({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
        if args.big:
            row = dict(mode=mode, **bench_simulator.big_build(args.big))
            results["big"].append(row)
            print(f"{mode:>10} big N={args.big}: {row}", flush=True)
    decode.MAX_BANKS = MODES["sign-plane"]
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, default=_plain) + "\n")
    print(f"wrote {args.out}")


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{value!r} is not JSON serializable")


if __name__ == "__main__":
    main()
