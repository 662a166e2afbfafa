"""How much of the chip-dynamics networks' gap on the chip the chip's integers explain.

The chip-dynamics networks of ``benchmarks/trained_rnn.py`` run on the chip with
their loop and weights exact, yet the 128-neuron one trails its own
``nengo.Simulator`` run. The chip writes each neuron's drive per tick (its bias) and
its starting potential in units of ``1/α`` of its threshold, ``α`` being what the
neuron's largest weight on level 7 allows. This script reads those integers from the
compiled chip (after ``measure_activity``, as the benchmark runs it) and puts them
back into ``nengo.Simulator``, one at a time and together, next to the chip itself:

- ``nengo``: the network as trained;
- ``chip_biases``: each neuron's bias as the chip's leak writes it (``leak / α``
  thresholds a tick);
- ``chip_starts``: each neuron's starting voltage as the chip's initial potential
  writes it (``initial_potential / α``);
- ``chip_biases_and_starts``: both;
- ``chip_host_spikes``: the input currents as the host sends them to the chip,
  spikes of its sigma-delta encoder (the runtime's own ``SigmaDeltaEncoder``, with
  the channels and the spike sizes of the chip's build) in place of Nengo's
  currents;
- ``chip_all``: the biases, the starts and the host's spikes;
- ``chip``: ``nengo_truenorth.Simulator``.

Nothing is asserted. Needs the weights that ``trained_rnn.py --save-weights W``
writes; run with ``.venv-dl/bin/python benchmarks/trained_rnn_integers.py --weights
W`` (about 3 minutes on 2 cores). Writes
``benchmarks/results/trained_rnn_integers.json``.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import nengo
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import trained_rnn as T  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "trained_rnn_integers.json"
#: Seconds per step (and per tick) of the digits networks.
DT = 0.001


def network(n_neurons, weights, voltages=None, host=None):
    """The frozen chip-dynamics network of ``weights`` (spiking already); with
    ``host`` (``(channels, unit)`` of the chip's build), its input currents reach
    the neurons as the host's spikes (:func:`host_spikes`)."""
    import nengo_truenorth

    initial = None if voltages is None else {"voltage": np.asarray(voltages)}
    net = T.build_network(
        n_neurons,
        neuron_type=nengo_truenorth.ChipSpikingRectifiedLinear(
            amplitude=1.0 / T.SCALE, initial_state=initial
        ),
        weights=weights,
        rec_synapse=nengo_truenorth.delay_synapse(2),
    )
    if host is not None:
        host_spikes(net, *host)
    return net


def host_spikes(net, channels, unit):
    """Put the host's sigma-delta spikes between ``net``'s input and its neurons.

    The chip's host reads the current Nengo computes for each neuron (the input
    times the transform times the gain) and sends it as spikes of ``unit`` on up
    to ``channels`` channels per sign a tick; here a node does the same with the
    runtime's own encoder and passes on what the spikes add, divided by the gain
    that Nengo's connection into neurons multiplies by again.
    """
    from nengo_truenorth.runtime.host_io import SigmaDeltaEncoder

    (conn,) = [c for c in net.all_connections if c.pre_obj is net.inp]
    transform = np.asarray(conn.transform.init) * np.asarray(net.ens.gain)[:, None]
    gain = np.asarray(net.ens.gain, dtype=float)
    n = net.ens.n_neurons
    encoder = SigmaDeltaEncoder(n, channels, unit)

    def spikes(t, x):
        if t < 1.5 * DT:  # each sample starts from a fresh state
            encoder.reset()
        fired = encoder.encode(transform @ x)
        sign = np.where(fired < channels * n, 1.0, -1.0)  # on, then off channels
        added = np.bincount(fired % n, weights=sign, minlength=n) * encoder.unit
        return added / gain

    with net:
        node = nengo.Node(spikes, size_in=net.inp.size_out, label="host spikes")
        nengo.Connection(net.inp, node, synapse=None)
        nengo.Connection(node, net.ens.neurons, synapse=None)
    net.connections.remove(conn)


def chip_integers(net, train_x):
    """The hidden neurons' threshold, leak and initial potential on the chip, with
    the activity measured as the benchmark does, and the network's starting
    voltages in Nengo."""
    import nengo_truenorth

    nengo_truenorth.measure_activity(net, T.sample_runner(net, train_x))
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        (group,) = [
            g
            for g in sim.model.chip.graph.groups
            if g.obj is net.ens and g.role == "neurons"
        ]
        params = {
            k: np.asarray(group.params[k], dtype=float)
            for k in ("threshold", "leak", "initial_potential")
        }
        (host,) = sim.model.chip.host_inputs
        params["host"] = (host.channels, np.array(host.unit))
    with nengo.Simulator(net, progress_bar=False) as ref:
        voltages = ref.signals[ref.model.sig[net.ens.neurons]["voltage"]].copy()
    return params, voltages


def measure(label, n_neurons, weights, train_data, test_data, n):
    import nengo_truenorth

    net = network(n_neurons, weights)
    # net keeps the measured activity for its own run on the chip below
    params, voltages = chip_integers(net, train_data[0])
    alpha = params["threshold"]
    chip_bias = params["leak"] / alpha / DT  # back to Nengo's units (Hz)
    chip_start = params["initial_potential"] / alpha
    chip_w, host = dict(weights, bias=chip_bias), params["host"]
    rows = {}
    for key, w, start, spikes in (
        ("nengo", weights, voltages, None),
        ("chip_biases", chip_w, voltages, None),
        ("chip_starts", weights, chip_start, None),
        ("chip_biases_and_starts", chip_w, chip_start, None),
        ("chip_host_spikes", weights, voltages, host),
        ("chip_all", chip_w, chip_start, host),
    ):
        rows[key], _ = T.spiking_accuracy(
            network(n_neurons, w, start, spikes), test_data, nengo.Simulator, n
        )
        print(f"{label} {key}: {rows[key]:.3f}", flush=True)
    rows["chip"], _ = T.spiking_accuracy(net, test_data, nengo_truenorth.Simulator, n)
    print(f"{label} chip: {rows['chip']:.3f}", flush=True)
    bias_error = np.abs(chip_bias - weights["bias"]) * DT
    return {
        "accuracy": rows,
        "alpha": [float(alpha.min()), float(np.median(alpha)), float(alpha.max())],
        "bias_error_max_thresholds_per_tick": float(bias_error.max()),
        "bias_per_tick_median_abs": float(np.median(np.abs(weights["bias"]) * DT)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--tasks", nargs="+", default=list(T.TASKS), choices=T.TASKS)
    parser.add_argument("--n", type=int, default=300, help="test samples per row")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    train_data, test_data = T.digits_sequences(0)
    tasks = {}
    for label in args.tasks:
        weights = T.load_weights(args.weights, f"{label}/chip-dynamics/")
        tasks[label] = measure(
            label, T.TASKS[label], weights, train_data, test_data, args.n
        )
    results = {
        "command": "python benchmarks/trained_rnn_integers.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "commit": T.git_commit(),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "tasks": tasks,
        "seconds": time.perf_counter() - start,
    }
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({results['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
