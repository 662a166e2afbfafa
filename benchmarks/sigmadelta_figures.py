"""The figures quoted in ``docs/sigmadelta/``: ΣΔ encoding and lpRNN tracking.

1. Encoding: constant drives ``J`` for 2 s at ``dt = 1 ms`` through one neuron per
   reset mode, with the paper's time constant (``r = 0.8``, 10 SNN steps per ANN
   step: ``tau_fb = 44.8 ms``). Prints the rate error, the worst spike-count error
   over all windows of 1..2000 steps, and the gap between the reconstruction
   ``feedback`` and the input current ``current``, in units of one feedback kick.
2. lpRNN: a random lpRNN layer (4 inputs, 16 units, ``r = 0.8``, ``a_max = 6``,
   40 ANN steps) run as a Nengo network with rate and with spiking neurons, for
   several SNN steps per ANN step. Prints mean and max ``|h_snn - h_ann|`` and the
   spikes per unit per ANN step.

Deterministic (fixed seeds). Run with ``python benchmarks/sigmadelta_figures.py``
(about 10 s); it writes ``benchmarks/results/sigmadelta_figures.json``, from which
``benchmarks/doc_tables.py`` writes the tables of docs/sigmadelta/neuron.md and
lprnn.md.
"""

import argparse
import json
from pathlib import Path

import nengo
import numpy as np
from provenance import git_commit

from nengo_sigmadelta import (
    SigmaDelta,
    convert_lprnn,
    feedback_kick,
    lprnn_forward,
    present_sequence,
    sample_ann_steps,
    snn_time_constant,
)

DT = 0.001
RESULTS = Path(__file__).parent / "results" / "sigmadelta_figures.json"


def worst_count_error(spikes, rate):
    """Largest |N(t0, t1) - rate·(t1 - t0)·dt| over all windows (spikes: 0/1)."""
    cum = np.concatenate([[0.0], np.cumsum(spikes)])
    # N(t0,t1) - ideal = (cum[t1] - rate·dt·t1) - (cum[t0] - rate·dt·t0)
    residue = cum - rate * DT * np.arange(len(cum))
    return residue.max() - residue.min()


def encoding_table(n_steps=2000):
    tau_fb = float(snn_time_constant(0.8, 10)) * DT
    kick = feedback_kick(DT, tau_fb)
    print(f"encoding: tau_fb = {tau_fb * 1e3:.1f} ms, kick = {kick:.2f} Hz")
    result = {"tau_fb_s": tau_fb, "kick_hz": kick, "n_steps": n_steps, "rows": []}
    print("reset     J[Hz]  rate-J[Hz]  worst count err  (feedback-current)/kick")
    drives = np.array([5.0, 50.0, 123.4, 300.0, 777.0, 990.0])
    for reset in ("subtract", "zero"):
        neuron = SigmaDelta(tau_fb=tau_fb, reset=reset)
        n = len(drives)
        state = {k: np.zeros(n) for k in ("voltage", "current", "feedback")}
        out = np.zeros(n)
        spikes = np.zeros((n_steps, n))
        gap = np.zeros((n_steps, n))
        for t in range(n_steps):
            neuron.step(DT, drives, out, **state)
            spikes[t] = out > 0
            gap[t] = (state["feedback"] - state["current"]) / kick
        settled = slice(n_steps // 2, None)
        for i, J in enumerate(drives):
            rate = spikes[settled, i].mean() / DT
            err = worst_count_error(spikes[settled, i], J)
            lo, hi = gap[settled, i].min(), gap[settled, i].max()
            print(
                f"{reset:8s} {J:7.1f} {rate - J:11.2f} {err:16.2f}"
                f"   [{lo:+.2f}, {hi:+.2f}]"
            )
            result["rows"].append(
                {
                    "reset": reset,
                    "drive_hz": float(J),
                    "rate_error_hz": float(rate - J),
                    "worst_count_error": float(err),
                    "gap_over_kick": [float(lo), float(hi)],
                }
            )
    return result


def lprnn_table(seed=0, n_in=4, n_hidden=16, n_ann_steps=40):
    rng = np.random.RandomState(seed)
    W = rng.uniform(-1.5, 1.5, (n_in, n_hidden))
    U = rng.randn(n_hidden, n_hidden) * 0.3 / np.sqrt(n_hidden)
    b = rng.uniform(-0.5, 1, n_hidden)
    x = rng.uniform(0, 2, (n_ann_steps, n_in))
    h_ann = lprnn_forward(x, W, U, b, 0.8, 6.0)
    print(f"\nlpRNN: mean |h_ann| = {np.mean(np.abs(h_ann)):.3f}")
    result = {
        "seed": seed,
        "inputs": n_in,
        "units": n_hidden,
        "ann_steps": n_ann_steps,
        "retention": 0.8,
        "a_max": 6.0,
        "u_spectral_norm": float(np.linalg.norm(U, 2)),
        "mean_abs_h_ann": float(np.mean(np.abs(h_ann))),
        "rows": [],
    }
    print("n  neurons   mean|err|  max|err|  spikes/unit/ANN step")
    for n in (5, 10, 20, 50):
        for spiking in (False, True):
            with nengo.Network(seed=1) as net:
                rnn = convert_lprnn([W, U, b], 0.8, 6.0, n, spiking=spiking)
                stim = nengo.Node(present_sequence(x, n))
                nengo.Connection(stim, rnn.input, synapse=None)
                p_h = nengo.Probe(rnn.output)
                p_s = nengo.Probe(rnn.hidden.neurons)
            with nengo.Simulator(net, progress_bar=False) as sim:
                sim.run_steps(n_ann_steps * n + 1)
            err = np.abs(sample_ann_steps(sim.data[p_h], n) - h_ann)
            spikes = (sim.data[p_s][:-1] > 0).sum() / (n_hidden * n_ann_steps)
            rate = f"{spikes:.2f}" if spiking else "-"
            kind = "spiking" if spiking else "rate"
            print(f"{n:<3d}{kind:8s} {err.mean():10.4f} {err.max():9.4f}   {rate}")
            result["rows"].append(
                {
                    "snn_steps_per_ann_step": n,
                    "neurons": kind,
                    "mean_error": float(err.mean()),
                    "max_error": float(err.max()),
                    "spikes_per_unit_per_ann_step": float(spikes) if spiking else None,
                }
            )
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = {
        "command": "python benchmarks/sigmadelta_figures.py",
        "commit": git_commit(),
        "encoding": encoding_table(),
        "lprnn": lprnn_table(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
