"""Figures of docs/sigmadelta/truenorth.md: filter neurons and lpRNNs on the chip.

1. The filter design: the worst ``|realized tau / tau - 1|`` over 2,000 time
   constants per range, and how many of them the build refuses.
2. The step response of filter neurons, in ``nengo.Simulator`` and on the chip.
3. A random lpRNN layer in ``nengo.Simulator`` and on the chip against the ANN, per
   seed; for seed 0 also without recurrence (``U = 0``) and with the recurrence run as
   the path's delay instead of filter neurons (``uses_filter_neurons`` patched to
   return False), and the recurrent connection's weight error and loop ticks
   (``Simulator.connection_fidelity()``).

Deterministic (fixed seeds). Run with ``python benchmarks/sigmadelta_truenorth.py``
(about a minute); it writes ``benchmarks/results/sigmadelta_truenorth.json``, from
which ``benchmarks/doc_tables.py`` writes the tables of docs/sigmadelta/truenorth.md.
"""

import argparse
import contextlib
import itertools
import json
from pathlib import Path
from unittest import mock

import nengo
import numpy as np
from nengo.exceptions import BuildError
from provenance import git_commit

import nengo_truenorth
from nengo_sigmadelta import (
    LowPassRNN,
    SigmaDelta,
    lprnn_forward,
    present_sequence,
    sample_ann_steps,
)
from nengo_truenorth.passes.filters import design_filter, min_tau

DT = 0.001
RESULTS = Path(__file__).parent / "results" / "sigmadelta_truenorth.json"


def design_table(per_range=2000):
    shortest = min_tau(DT)
    print("filter design: worst |realized tau / tau - 1| over 2000 taus per range")
    rows = []
    edges = (shortest * 1.0001, 0.003, 0.01, 0.1, 1.0, 2.0, 4.0)
    for lo, hi in itertools.pairwise(edges):
        errors, refused = [], []
        for tau in np.geomspace(lo, hi, per_range):
            try:
                errors.append(abs(design_filter(tau, DT).tau_error))
            except BuildError:
                refused.append(float(tau))
        row = {
            "tau_min_s": float(lo),
            "tau_max_s": float(hi),
            "taus": per_range,
            "worst_error": max(errors) if errors else None,
            "refused": len(refused),
            "refused_range_s": [min(refused), max(refused)] if refused else None,
        }
        rows.append(row)
        print(
            f"  tau {lo:g}..{hi:g} s: {100 * max(errors):.2f} %, "
            f"{len(refused)} refused"
            + (f" ({min(refused):g}..{max(refused):g} s)" if refused else "")
        )
    return {"dt": DT, "min_tau_s": float(shortest), "ranges": rows}


def step_table(n=64, tau=0.02, rate=400.0, on=0.05, off=0.25, steps=450):
    print(f"\nfilter step response: {n} neurons, {rate:g} Hz, Lowpass({tau:g})")
    print("seed  rise ref/chip [ms]  fall ref/chip [ms]  plateau [Hz]")
    result = {"neurons": n, "tau_s": tau, "rate_hz": rate, "on_s": on, "off_s": off}
    result["rows"] = []
    for seed in range(3):
        ones = np.ones(n)
        with nengo.Network(seed=seed) as net:
            drive = nengo.Node(lambda t: rate if on <= t < off else 0.0)
            src = nengo.Ensemble(
                n, 1, neuron_type=SigmaDelta(), gain=ones, bias=0 * ones
            )
            post = nengo.Ensemble(
                n, 1, neuron_type=SigmaDelta(), gain=ones, bias=0 * ones
            )
            nengo.Connection(drive, src.neurons, transform=ones[:, None], synapse=None)
            nengo.Connection(
                src.neurons,
                post.neurons,
                transform=np.eye(n),
                synapse=nengo.Lowpass(tau),
            )
            probe = nengo.Probe(post.neurons)
        rates = []
        for simulator in (nengo.Simulator, nengo_truenorth.Simulator):
            with simulator(net, dt=DT, progress_bar=False) as sim:
                sim.run_steps(steps)
            rates.append((sim.data[probe] > 0).mean(axis=1) / DT)
        t = np.arange(steps) * DT
        rise, fall = (t >= on) & (t < off), t >= off
        # area between response and final value over the step: tau plus delay
        rise_t = [np.sum(rate - r[rise]) * DT / rate * 1000 for r in rates]
        fall_t = [np.sum(r[fall]) * DT / rate * 1000 for r in rates]
        plateau = rates[1][(t >= on + 6 * tau) & (t < off)].mean()
        print(
            f"{seed:<5d} {rise_t[0]:8.2f} {rise_t[1]:8.2f}   {fall_t[0]:8.2f} "
            f"{fall_t[1]:8.2f}   {plateau:8.1f}"
        )
        result["rows"].append(
            {
                "seed": seed,
                "rise_nengo_ms": float(rise_t[0]),
                "rise_chip_ms": float(rise_t[1]),
                "fall_nengo_ms": float(fall_t[0]),
                "fall_chip_ms": float(fall_t[1]),
                "plateau_chip_hz": float(plateau),
            }
        )
    return result


def lprnn_run(seed, n_in, n_hidden, n_ann_steps, n, u_scale, delay_recurrence=False):
    """One random lpRNN layer in nengo.Simulator and on the chip, against the ANN."""
    rng = np.random.RandomState(seed)
    W = rng.uniform(-1.5, 1.5, (n_in, n_hidden))
    U = rng.randn(n_hidden, n_hidden) * u_scale / np.sqrt(n_hidden)
    b = rng.uniform(-0.5, 1, n_hidden)
    x = rng.uniform(0, 2, (n_ann_steps, n_in))
    with nengo.Network(seed=1) as net:
        rnn = LowPassRNN(W, U, b, retention=0.8, a_max=6.0, snn_steps_per_ann_step=n)
        stim = nengo.Node(present_sequence(x, n))
        nengo.Connection(stim, rnn.input, synapse=None)
        probe = nengo.Probe(rnn.output)
    h, fidelity = [], {}
    for simulator in (nengo.Simulator, nengo_truenorth.Simulator):
        chip = simulator is nengo_truenorth.Simulator
        patch = mock.patch(
            "nengo_truenorth.frontend.connection.uses_filter_neurons",
            return_value=False,
        )
        with (
            patch if delay_recurrence and chip else contextlib.nullcontext(),
            simulator(net, dt=DT, progress_bar=False) as sim,
        ):
            sim.run_steps(n_ann_steps * n + 1)
            fidelity = sim.connection_fidelity() if chip else fidelity
        h.append(sample_ann_steps(sim.data[probe], n))
    h_ann = lprnn_forward(x, W, U, b, 0.8, 6.0)
    gap = np.abs(h[1] - h[0])
    row = {
        "seed": seed,
        "u_scale": u_scale,
        "recurrence": "path delay" if delay_recurrence else "filter neurons",
        "mean_abs_h_ann": float(np.abs(h_ann).mean()),
        "nengo_vs_ann": float(np.abs(h[0] - h_ann).mean()),
        "chip_vs_ann": float(np.abs(h[1] - h_ann).mean()),
        "chip_vs_nengo_mean": float(gap.mean()),
        "chip_vs_nengo_max": float(gap.max()),
    }
    recurrent = [r for r in fidelity.values() if "loop_ticks" in r]
    if recurrent:
        row["recurrent_weight_error"] = float(recurrent[0]["weight_error"])
        ticks = recurrent[0]["loop_ticks"]  # None where the loop has no fixed ticks
        row["recurrent_loop_ticks"] = None if ticks is None else int(ticks)
    print(
        f"{seed:<5d} {u_scale:4g} {row['recurrence']:15s} "
        f"{row['mean_abs_h_ann']:10.3f} {row['nengo_vs_ann']:10.4f}"
        f" {row['chip_vs_ann']:9.4f}   {gap.mean():.4f}, {gap.max():.4f}"
    )
    return row


def lprnn_table(n_in=3, n_hidden=12, n_ann_steps=30, n=10, u_scale=0.6):
    print(
        f"\nlpRNN {n_in} -> {n_hidden}, r = 0.8, a_max = 6, {n} SNN steps per ANN "
        f"step, {n_ann_steps} ANN steps, U of spectral radius ~{u_scale}"
    )
    print("seed  U    recurrence      mean|h_ann|  nengo-ann  chip-ann  chip-nengo")
    args = (n_in, n_hidden, n_ann_steps, n)
    result = {
        "inputs": n_in,
        "units": n_hidden,
        "ann_steps": n_ann_steps,
        "snn_steps_per_ann_step": n,
        "u_scale": u_scale,
        "rows": [lprnn_run(seed, *args, u_scale) for seed in range(4)],
        "without_recurrence": lprnn_run(0, *args, 0.0),
        "delay_recurrence": [
            lprnn_run(seed, *args, u_scale, delay_recurrence=True) for seed in (0, 1)
        ],
    }
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = {
        "command": "python benchmarks/sigmadelta_truenorth.py",
        "commit": git_commit(),
        "design": design_table(),
        "step": step_table(),
        "lprnn": lprnn_table(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
