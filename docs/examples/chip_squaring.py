"""Squaring a sine on the chip, beside the same network in ``nengo.Simulator``.

A Node drives ensemble ``a``; ``a`` decodes ``x**2`` into ``b``. The same network runs
in ``nengo.Simulator`` (floating point) and in ``nengo_truenorth.Simulator`` (integer
weights on emulated TrueNorth cores); the script prints the chip's resources and
energy, and plots both decoded outputs against the ideal.
"""

import matplotlib.pyplot as plt
import nengo
import numpy as np

import nengo_truenorth

with nengo.Network(seed=0) as net:
    stim = nengo.Node(lambda t: np.sin(2 * np.pi * t))
    a = nengo.Ensemble(100, 1)
    b = nengo.Ensemble(100, 1)
    nengo.Connection(stim, a)
    nengo.Connection(a, b, function=np.square)
    probe = nengo.Probe(b, synapse=0.03)

with nengo.Simulator(net, progress_bar=False) as ref:
    ref.run(1.0)
with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
    sim.run(1.0)

t = sim.trange()
# the ideal, through the same synapses: two connections (5 ms each) and the probe
ideal = np.sin(2 * np.pi * t)[:, None] ** 2
for tau in (0.005, 0.005, 0.03):
    ideal = nengo.Lowpass(tau).filt(ideal, dt=sim.dt)
ideal = ideal[:, 0]
resources = sim.resources()
energy = sim.energy()
print(f"cores: {resources['cores']}, chip neurons: {resources['neurons']}")
for name, run in [("nengo.Simulator", ref), ("nengo_truenorth.Simulator", sim)]:
    rmse = np.sqrt(np.mean((run.data[probe][:, 0] - ideal) ** 2))
    print(f"{name:>26}: RMSE to x**2 {rmse:.3f}")
print(f"energy of the 1 s run: {energy.total * 1e6:.1f} uJ")

plt.plot(t, ideal, "k--", label="ideal (same synapses)")
plt.plot(t, ref.data[probe], label="nengo.Simulator")
plt.plot(t, sim.data[probe], label="nengo_truenorth.Simulator")
plt.xlabel("time (s)")
plt.ylabel("decoded x**2")
plt.legend(loc="upper center", fontsize="small")
plt.tight_layout()
