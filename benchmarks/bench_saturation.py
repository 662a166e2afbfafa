"""Saturation of a communication channel driven beyond its radius, chip against Nengo.

The network (docs/simulator.md, "Saturation"): ``Node(x) -> a -> b``, where ``a`` has
100 LIF neurons and radius 1 and ``b`` 100 LIF neurons and radius 5 (seed 0); the
host sends ``x`` unclipped (``input_range`` 5). For each ``x``: the decoded values of
``a`` and ``b`` (probe synapse 0.05) averaged over the last 0.3 s of a 1 s run, on
``nengo.Simulator`` and on the chip; from ``Simulator.saturation()``, the saturated
fraction of ``a``'s decode neurons and of its worst decode neuron, and of ``a``'s own
neurons, over the whole run; and whether the Simulator warned of saturation.

Then one LIF neuron (``max_rates=200``, ``intercepts=0``, encoder 1) fed ``x``
directly (``input_range`` 10) for 1 s: its rate in Nengo and on the chip (a linear
reset neuron, one spike per tick at most), and its saturated fraction of ticks.

Nothing is asserted. Results go to ``benchmarks/results/saturation.json``.

Run with ``python benchmarks/bench_saturation.py``.
"""

import argparse
import json
import os
import warnings
from pathlib import Path

import nengo
from provenance import command, git_commit, machine

import nengo_truenorth
from nengo_truenorth.frontend import Model

RESULTS = Path(__file__).parent / "results" / "saturation.json"
INPUTS = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
SECONDS = 1.0
LAST_S = 0.3
PROBE_SYNAPSE = 0.05
INPUT_RANGE = 5.0
LIF_INPUTS = (0.5, 1, 2, 3, 4, 5, 6, 8)
LIF_INPUT_RANGE = 10.0


def measure(x):
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(x)
        a = nengo.Ensemble(100, 1, label="a")
        b = nengo.Ensemble(100, 1, radius=5, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        pa = nengo.Probe(a, synapse=PROBE_SYNAPSE)
        pb = nengo.Probe(b, synapse=PROBE_SYNAPSE)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(SECONDS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = Model(options={"input_range": INPUT_RANGE})  # x goes unclipped
        with nengo_truenorth.Simulator(net, model=model, progress_bar=False) as sim:
            sim.run(SECONDS)
    s = sim.saturation()

    def last(sim_, probe):
        trange = sim_.trange()
        return float(sim_.data[probe][trange > trange[-1] - LAST_S].mean())

    return {
        "x": x,
        "nengo": {"a": last(ref, pa), "b": last(ref, pb)},
        "chip": {"a": last(sim, pa), "b": last(sim, pb)},
        "a_decode": {
            "fraction": s[a]["decode"]["fraction"],
            "worst": s[a]["decode"]["worst"],
        },
        "a_neurons": s[a]["neurons"]["fraction"],
        "warned": any("saturated on the chip" in str(w.message) for w in caught),
    }


def measure_lif(x):
    """One LIF neuron's rate in Nengo and on the chip, and its saturated ticks."""
    with nengo.Network(seed=0) as net:
        ens = nengo.Ensemble(1, 1, encoders=[[1]], max_rates=[200], intercepts=[0])
        nengo.Connection(nengo.Node(x), ens, synapse=None)
        p = nengo.Probe(ens.neurons)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(SECONDS)
    model = Model(options={"input_range": LIF_INPUT_RANGE})  # x goes unclipped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # from x = 6 it saturates, as it should
        with nengo_truenorth.Simulator(net, model=model, progress_bar=False) as sim:
            sim.run(SECONDS)
    return {
        "x": x,
        "nengo_hz": float((ref.data[p] > 0).mean() / ref.dt),
        "chip_hz": float((sim.data[p] > 0).mean() / sim.dt),
        "saturated": sim.saturation()[ens]["neurons"]["fraction"],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    load_start = list(os.getloadavg())
    rows = []
    for x in INPUTS:
        row = measure(x)
        rows.append(row)
        print(
            f"x {x}: nengo {row['nengo']['a']:.2f}, {row['nengo']['b']:.2f}; "
            f"chip {row['chip']['a']:.2f}, {row['chip']['b']:.2f}; decode "
            f"{row['a_decode']['fraction']:.1%}, {row['a_decode']['worst']:.1%}; "
            f"neurons {row['a_neurons']:.1%}; warned {row['warned']}"
        )
    lif = []
    for x in LIF_INPUTS:
        row = measure_lif(x)
        lif.append(row)
        print(
            f"LIF x {x}: nengo {row['nengo_hz']:.0f} Hz, chip {row['chip_hz']:.0f} Hz, "
            f"saturated {row['saturated']:.0%}"
        )
    result = {
        "command": command(__file__, argv),
        "commit": git_commit(("nengo_truenorth",)),
        "machine": machine(load_start),
        "model": {
            "a": "100 LIF neurons, radius 1",
            "b": "100 LIF neurons, radius 5",
            "seed": 0,
            "seconds": SECONDS,
            "averaged_over_last_s": LAST_S,
            "probe_synapse": PROBE_SYNAPSE,
            "input_range": INPUT_RANGE,
            "lif": "1 LIF neuron, max_rates 200, intercepts 0, encoder 1",
            "lif_input_range": LIF_INPUT_RANGE,
        },
        "rows": rows,
        "lif": lif,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
