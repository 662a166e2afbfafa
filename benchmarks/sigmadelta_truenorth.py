"""Figures of docs/sigmadelta/truenorth.md: filter neurons and lpRNNs on the chip.

Deterministic (fixed seeds). Run with ``python benchmarks/sigmadelta_truenorth.py``.
"""

import nengo
import numpy as np

import nengo_truenorth
from nengo_sigmadelta import (
    LowPassRNN,
    SigmaDelta,
    lprnn_forward,
    present_sequence,
    sample_ann_steps,
)
from nengo_truenorth.passes.filters import design_filter

DT = 0.001


def design_table():
    print("filter design: worst |realized tau / tau - 1| over 2000 taus per range")
    for lo, hi in ((0.003, 0.01), (0.01, 0.1), (0.1, 1.0), (1.0, 2.0)):
        errs = [abs(design_filter(t, DT).tau_error) for t in np.geomspace(lo, hi, 2000)]
        print(f"  tau {lo:g}..{hi:g} s: {100 * max(errs):.2f} %")


def step_table(n=64, tau=0.02, rate=400.0, on=0.05, off=0.25, steps=450):
    print(f"\nfilter step response: {n} neurons, {rate:g} Hz, Lowpass({tau:g})")
    print("seed  rise ref/chip [ms]  fall ref/chip [ms]  plateau [Hz]")
    for seed in range(3):
        ones = np.ones(n)
        with nengo.Network(seed=seed) as net:
            drive = nengo.Node(lambda t: rate if on <= t < off else 0.0)
            src = nengo.Ensemble(n, 1, neuron_type=SigmaDelta(), gain=ones, bias=0 * ones)
            post = nengo.Ensemble(n, 1, neuron_type=SigmaDelta(), gain=ones, bias=0 * ones)
            nengo.Connection(drive, src.neurons, transform=ones[:, None], synapse=None)
            nengo.Connection(src.neurons, post.neurons, transform=np.eye(n),
                             synapse=nengo.Lowpass(tau))
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
        print(f"{seed:<5d} {rise_t[0]:8.2f} {rise_t[1]:8.2f}   {fall_t[0]:8.2f} "
              f"{fall_t[1]:8.2f}   {plateau:8.1f}")


def lprnn_table(n_in=3, n_hidden=12, n_ann_steps=30, n=10, u_scale=0.6):
    print(f"\nlpRNN {n_in} -> {n_hidden}, r = 0.8, a_max = 6, {n} SNN steps per ANN "
          f"step, {n_ann_steps} ANN steps, U of spectral radius ~{u_scale}")
    print("seed  mean|h_ann|  nengo-ann  chip-ann  chip-nengo (mean, max)")
    for seed in range(4):
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
        h = []
        for simulator in (nengo.Simulator, nengo_truenorth.Simulator):
            with simulator(net, dt=DT, progress_bar=False) as sim:
                sim.run_steps(n_ann_steps * n + 1)
            h.append(sample_ann_steps(sim.data[probe], n))
        h_ann = lprnn_forward(x, W, U, b, 0.8, 6.0)
        gap = np.abs(h[1] - h[0])
        print(f"{seed:<5d} {np.abs(h_ann).mean():10.3f} {np.abs(h[0] - h_ann).mean():10.4f}"
              f" {np.abs(h[1] - h_ann).mean():9.4f}   {gap.mean():.4f}, {gap.max():.4f}")


if __name__ == "__main__":
    design_table()
    step_table()
    lprnn_table()
