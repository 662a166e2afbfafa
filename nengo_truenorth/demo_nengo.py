"""A Nengo network on the emulated chip, side by side with ``nengo.Simulator``.

A sine wave enters an ensemble from the host; a second ensemble computes its square
through an on-chip connection; both are decoded on the host. The same network runs on
Nengo's reference simulator, and the demo prints how far apart the two are, what the
chip costs (cores, splitters, power) and writes plots.
"""

import os
import time

import numpy as np


def build_network(seed=0, n_neurons=200):
    """The demo network and its probes.

    Returns
    -------
    net : nengo.Network
    probes : dict of str to nengo.Probe
        ``"stim"``, ``"a"`` (represents the stimulus) and ``"b"`` (its square).
    """
    import nengo

    with nengo.Network(label="square on the chip", seed=seed) as net:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t), label="stim")
        a = nengo.Ensemble(n_neurons, 1, label="a")
        b = nengo.Ensemble(n_neurons, 1, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(a, b, function=np.square)
        probes = {
            "stim": nengo.Probe(stim, synapse=0.03),
            "a": nengo.Probe(a, synapse=0.03),
            "b": nengo.Probe(b, synapse=0.03),
        }
    return net, probes


def rmse(a, b):
    """Root-mean-square difference."""
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def run(out, seconds=2.0, seed=0, progress_bar=False):
    """Run the network on both simulators, print the comparison, write the plots.

    Returns
    -------
    list of str
        Paths of the files written.
    """
    import nengo
    from matplotlib.figure import Figure

    import nengo_truenorth
    from nengo_truenorth.plots import plot_core_map

    net, probes = build_network(seed)
    timings = {}
    data = {}
    for name, simulator in (
        ("nengo", nengo.Simulator),
        ("truenorth", nengo_truenorth.Simulator),
    ):
        start = time.perf_counter()
        with simulator(net, progress_bar=progress_bar) as sim:
            built = time.perf_counter()
            sim.run(seconds)
        timings[name] = (built - start, time.perf_counter() - built)
        data[name] = {key: sim.data[p][:, 0] for key, p in probes.items()}
        data[name]["t"] = sim.trange()
        if name == "truenorth":
            chip_sim = sim

    t = data["nengo"]["t"]
    skip = t > 0.1
    print(f"Nengo network on the chip: '{net.label}', {seconds:g} s")
    for name, (build, runtime) in timings.items():
        print(
            f"  {name:10} build {build:.2f} s, run {runtime:.2f} s "
            f"({len(t) / runtime:,.0f} steps/s)"
        )
    for key, target in (("a", data["nengo"]["stim"]), ("b", data["nengo"]["stim"] ** 2)):
        print(
            f"  decoded {key}: RMSE against ideal: nengo "
            f"{rmse(data['nengo'][key][skip], target[skip]):.3f}, truenorth "
            f"{rmse(data['truenorth'][key][skip], target[skip]):.3f}; between the two "
            f"{rmse(data['nengo'][key][skip], data['truenorth'][key][skip]):.3f}"
        )
    print()
    print(chip_sim.compiled.report())
    print()
    print(chip_sim.energy().summary())

    paths = []
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(t, data["nengo"]["stim"], "k:", label="stimulus")
    for name, style in (("nengo", "--"), ("truenorth", "-")):
        ax.plot(t, data[name]["a"], style, color="C0", label=f"a ({name})")
        ax.plot(t, data[name]["b"], style, color="C1", label=f"b = a² ({name})")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("decoded value")
    ax.set_title("nengo.Simulator (dashed) and nengo_truenorth.Simulator (solid)")
    ax.legend(loc="lower left", fontsize="small", ncol=3)
    paths.append(os.path.join(out, "nengo_decoded.png"))
    fig.savefig(paths[-1], dpi=100)

    ax = plot_core_map(chip_sim.compiled)
    paths.append(os.path.join(out, "nengo_core_map.png"))
    ax.figure.savefig(paths[-1], dpi=100)
    paths.append(os.path.join(out, "nengo_chip.json"))
    chip_sim.save_chip(paths[-1])
    return paths
