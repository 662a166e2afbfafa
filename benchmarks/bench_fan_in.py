"""Wide ensembles through the fan-in pass (``passes/fan_in.py``), chip against Nengo.

The networks (those of ``tests/passes/test_fan_in.py``): a channel
``Node(x) -> a -> b`` of two ``d``-D ensembles, each of ``n_per_dim * d`` neurons, fed
a constant ``x`` of norm 0.7 (uniform in [-1, 1] per dimension, seed 1, rescaled).

- 16-D, 800 -> 800 neurons: the inputs of each dimension are merged into one relay
  pair;
- 64-D, 1,280 -> 1,280 neurons: after merging, each neuron still needs more than a
  core's axons, so it also takes per-neuron partial sums.

For each: the chip's cores, and the RMS over dimensions of each ensemble's decoded
value (probe synapse 0.03, averaged after 0.3 s of a 0.5 s run) against ``x``, on the
chip and on ``nengo.Simulator`` (the same network and seed). Nothing is asserted.
Results go to ``benchmarks/results/fan_in.json``.

Run with ``python benchmarks/bench_fan_in.py``.
"""

import argparse
import json
import os
import time
from pathlib import Path

import nengo
import numpy as np
from provenance import command, git_commit, machine

import nengo_truenorth

RESULTS = Path(__file__).parent / "results" / "fan_in.json"
#: (dimensions, neurons per dimension, what the fan-in pass does to it)
NETWORKS = [
    (16, 50, "one relay pair per dimension"),
    (64, 20, "partial sums"),
]
NORM = 0.7
SECONDS = 0.5
SETTLED_AFTER = 0.3
PROBE_SYNAPSE = 0.03


def constant_vector(d, seed=1, norm=NORM):
    x = np.random.RandomState(seed).uniform(-1, 1, d)
    return x * norm / np.linalg.norm(x)


def channel(d, n_per_dim, x, seed=0):
    """Node -> a -> b, both ``d``-D ensembles of ``n_per_dim * d`` neurons."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(x)
        a = nengo.Ensemble(n_per_dim * d, d)
        b = nengo.Ensemble(n_per_dim * d, d)
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        probes = [nengo.Probe(e, synapse=PROBE_SYNAPSE) for e in (a, b)]
    return net, probes


def settled_rms(sim, probe, x):
    """RMS over dimensions of the probe's mean after SETTLED_AFTER s, against ``x``."""
    value = sim.data[probe][sim.trange() > SETTLED_AFTER].mean(axis=0)
    return float(np.sqrt(np.mean((value - x) ** 2)))


def measure(d, n_per_dim, pass_note):
    x = constant_vector(d)
    net, (pa, pb) = channel(d, n_per_dim, x)
    start = time.perf_counter()
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run(SECONDS)
    chip_s = time.perf_counter() - start
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(SECONDS)
    groups = sim.model.graph.groups
    return {
        "dimensions": d,
        "neurons": n_per_dim * d,
        "fan_in": pass_note,
        "cores": sim.compiled.stats()["cores"],
        "sum_relay_groups": sum(" sum relay" in g.label for g in groups),
        "partial_sum_relay_groups": sum(
            " partial-sum relay" in g.label for g in groups
        ),
        "chip_rms": {"a": settled_rms(sim, pa, x), "b": settled_rms(sim, pb, x)},
        "nengo_rms": {"a": settled_rms(ref, pa, x), "b": settled_rms(ref, pb, x)},
        "chip_build_and_run_s": chip_s,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    load_start = list(os.getloadavg())
    rows = []
    for d, n_per_dim, note in NETWORKS:
        row = measure(d, n_per_dim, note)
        rows.append(row)
        print(
            f"{d}-D, {row['neurons']} neurons ({note}): {row['cores']} cores, "
            f"a {row['chip_rms']['a']:.3f} ({row['nengo_rms']['a']:.3f}), "
            f"b {row['chip_rms']['b']:.3f} ({row['nengo_rms']['b']:.3f})"
        )
    result = {
        "command": command(__file__, argv),
        "commit": git_commit(("nengo_truenorth",)),
        "machine": machine(load_start),
        "model": {
            "target_norm": NORM,
            "seconds": SECONDS,
            "settled_after_s": SETTLED_AFTER,
            "probe_synapse": PROBE_SYNAPSE,
            "seed": 0,
            "target_seed": 1,
        },
        "networks": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
