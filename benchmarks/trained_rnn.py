"""A recurrent network trained with NengoDL, then run spiking in Nengo and on the chip.

The task: scikit-learn's handwritten digits (8 x 8 pixels), read row by row, one row
per ``STEPS_PER_ROW`` steps; the class is read from the output at the last step. The
network is what a new NengoDL user writes: an input Node -> ``ens.neurons``
(``RectifiedLinear``), ``ens.neurons -> ens.neurons`` with a ``Lowpass`` synapse, and
``ens.neurons ->`` a 10-d output Node, trained with ``nengo_dl.Simulator.fit``, frozen
with ``freeze_params``, and run with the neurons swapped for
``SpikingRectifiedLinear`` at a scaled firing rate.

Nothing is asserted; the results go to ``benchmarks/results/trained_rnn.json``.

Run with ``.venv-dl/bin/python benchmarks/trained_rnn.py [--quick]``.
"""

import argparse
import json
import time
from pathlib import Path

import nengo
import numpy as np

RESULTS = Path(__file__).parent / "results" / "trained_rnn.json"
STEPS_PER_ROW = 10
TAU = 0.05


def digits_sequences(seed=0, n_test=300):
    """Digits as sequences of rows: (n, 8 * STEPS_PER_ROW, 8) inputs and labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.images / 16.0  # (n, 8, 8) in 0..1
    y = digits.target
    order = np.random.RandomState(seed).permutation(len(x))
    x, y = x[order], y[order]
    seq = np.repeat(x, STEPS_PER_ROW, axis=1)  # each row held for STEPS_PER_ROW steps
    return (seq[n_test:], y[n_test:]), (seq[:n_test], y[:n_test])


def build_network(n_neurons=128, neuron_type=None, seed=0):
    """The network, and its output probe."""
    from nengo_dl.dists import Glorot

    neuron_type = neuron_type or nengo.RectifiedLinear()
    with nengo.Network(seed=seed) as net:
        net.config[nengo.Connection].synapse = None
        inp = nengo.Node(np.zeros(8), label="input")
        # unit gains and zero biases, as NengoDL's examples of neuron -> neuron
        # networks: rates in the units of the inputs
        ens = nengo.Ensemble(
            n_neurons, 1, neuron_type=neuron_type, gain=np.ones(n_neurons),
            bias=np.zeros(n_neurons), label="hidden",
        )
        out = nengo.Node(size_in=10, label="output")
        init = Glorot()
        nengo.Connection(inp, ens.neurons, transform=init)
        nengo.Connection(
            ens.neurons, ens.neurons, transform=Glorot(scale=0.5),
            synapse=TAU,
        )
        nengo.Connection(ens.neurons, out, transform=init)
        net.inp, net.ens, net.out = inp, ens, out
        net.probe = nengo.Probe(out)
    return net


def train(net, train_data, epochs, seed=0):
    """Fit with NengoDL; returns the rate accuracy on the test data and the frozen
    parameters written back into ``net``."""
    import nengo_dl
    import tensorflow as tf

    (x, y), = train_data
    tf.random.set_seed(seed)

    def last_step_loss(y_true, y_pred):
        return tf.keras.losses.sparse_categorical_crossentropy(
            y_true[:, -1], y_pred[:, -1], from_logits=True
        )

    with nengo_dl.Simulator(net, minibatch_size=100, seed=seed, progress_bar=False) as sim:
        sim.compile(
            optimizer=tf.optimizers.Adam(0.003), loss={net.probe: last_step_loss}
        )
        targets = np.repeat(y[:, None, None], x.shape[1], axis=1).astype(np.float32)
        sim.fit({net.inp: x}, {net.probe: targets}, epochs=epochs, verbose=0)
        sim.freeze_params(net)


def rate_accuracy(net, data):
    import nengo_dl

    x, y = data
    n = (len(x) // 100) * 100
    with nengo_dl.Simulator(net, minibatch_size=100, progress_bar=False) as sim:
        out = sim.predict({net.inp: x[:n]})[net.probe]
    return float(np.mean(np.argmax(out[:, -1], axis=1) == y[:n]))


def to_spiking(net, scale):
    """The neurons as SpikingRectifiedLinear firing ``scale`` times faster, each spike
    ``1 / scale`` high (the usual firing-rate scaling: the same mean output)."""
    ens = net.ens
    ens.neuron_type = nengo.SpikingRectifiedLinear(amplitude=1.0 / scale)
    ens.gain = np.asarray(ens.gain) * scale
    ens.bias = np.asarray(ens.bias) * scale


def spiking_accuracy(net, data, simulator, n=None, **kwargs):
    """Accuracy of a spiking run, each sample from a fresh state."""
    x, y = data
    n = len(x) if n is None else n
    steps = x.shape[1]
    current = [None]
    net.inp.output = lambda t: current[0][min(int(round(t / 0.001)) - 1, steps - 1)]
    correct = 0
    with simulator(net, progress_bar=False, **kwargs) as sim:
        for k in range(n):
            sim.reset()
            current[0] = x[k]
            sim.run_steps(steps)
            out = sim.data[net.probe][-STEPS_PER_ROW:].mean(axis=0)
            correct += int(np.argmax(out) == y[k])
        info = {}
        if hasattr(sim, "resources"):
            info["cores"] = sim.resources()["cores"]
    return correct / n, info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--neurons", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--scale", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    import nengo_truenorth

    epochs = args.epochs or (5 if args.quick else 30)
    n_eval = 100 if args.quick else 300
    train_data, test_data = digits_sequences(args.seed)
    net = build_network(args.neurons, seed=args.seed)
    start = time.perf_counter()
    train(net, [train_data], epochs, seed=args.seed)
    row = {"neurons": args.neurons, "epochs": epochs, "train_s": time.perf_counter() - start}
    row["nengo_dl_rate"] = rate_accuracy(net, test_data)
    # one spike per tick at most: scale so the busiest neuron stays below the ceiling
    scale = args.scale or 100.0
    to_spiking(net, scale)
    row["scale"] = scale
    row["nengo_spiking"], _ = spiking_accuracy(net, test_data, nengo.Simulator, n_eval)
    row["chip_spiking"], info = spiking_accuracy(
        net, test_data, nengo_truenorth.Simulator, n_eval
    )
    row.update(info)
    print(json.dumps(row, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": "python benchmarks/trained_rnn.py", "rows": [row]}, indent=2) + "\n")


if __name__ == "__main__":
    main()
