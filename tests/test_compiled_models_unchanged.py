"""The same network and seed compile to the same chip, byte for byte, run after run.

The hashes in ``tests/data/compiled_model_hashes.json`` were written by the compiler
before its reshaping into front end, passes, compiler and runtime (issue 10), with
``python tests/test_compiled_models_unchanged.py --write``; the reshaped compiler must
export the same model, input and output spike files for each network below (the
benchmark chain, the demo, and one network for each lowering the passes do). A change
that is meant to change compiled models rewrites the file, and says why in its commit.
"""

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import nengo
import numpy as np
import pytest

import nengo_truenorth
from nengo_truenorth.demo_nengo import build_network

HASHES = Path(__file__).parent / "data" / "compiled_model_hashes.json"
BENCHMARKS = Path(__file__).parent.parent / "benchmarks"
STEPS = 120


def _benchmark_chain(n):
    """The chain of ``benchmarks/bench_simulator.py`` (imported from its file)."""
    spec = importlib.util.spec_from_file_location(
        "bench_simulator", BENCHMARKS / "bench_simulator.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.chain(n)[0]


def demo():
    return build_network(seed=0)[0]


def chain4():
    return _benchmark_chain(4)


def filtered_neuron_connections():
    """neuron -> neuron ``Lowpass`` (filter neurons) and a filtered decoded loop."""
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(lambda t: np.sin(4 * t))
        a = nengo.Ensemble(60, 1)
        b = nengo.Ensemble(40, 1)
        nengo.Connection(stim, a)
        rng = np.random.RandomState(0)
        nengo.Connection(
            a.neurons,
            b.neurons,
            transform=rng.uniform(-0.1, 0.1, (40, 60)),
            synapse=0.02,
        )
        nengo.Connection(b, b, synapse=0.05)
        nengo.Probe(b, synapse=0.02)
    return net


def classic_blocks_and_host_neurons():
    """2-D decoders without a shared sign pattern, host currents into neurons,
    stochastic rounding and trinary weights on one connection."""
    with nengo.Network(seed=4) as net:
        stim = nengo.Node(lambda t: [np.sin(3 * t), np.cos(3 * t)])
        a = nengo.Ensemble(300, 2)
        b = nengo.Ensemble(100, 2)
        c = nengo.Ensemble(80, 1)
        nengo.Connection(stim, a)
        nengo.Connection(stim[0], c.neurons, transform=np.ones((80, 1)))
        ab = nengo.Connection(a, b, function=lambda x: [x[0] * x[1], x[0]])
        ac = nengo.Connection(a[1], c)
        nengo_truenorth.add_params(net)
        net.config[ab].rounding = "stochastic"
        net.config[ac].weight_bits = 1
        nengo.Probe(b, synapse=0.02)
        nengo.Probe(c.neurons)
    return net


def split_fan_in():
    """A 16-D ensemble fed by the host and by a decoded connection (relays)."""
    with nengo.Network(seed=5) as net:
        stim = nengo.Node(np.linspace(-0.5, 0.5, 16))
        a = nengo.Ensemble(400, 16)
        b = nengo.Ensemble(200, 16)
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        nengo.Probe(b, synapse=0.02)
    return net


def stochastic_truenorth_neurons():
    """TrueNorthNeuron with a stochastic threshold, fan-out through splitters."""
    with nengo.Network(seed=6) as net:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        noisy = nengo_truenorth.TrueNorthNeuron(threshold_mask_bits=2)
        a = nengo.Ensemble(100, 1, neuron_type=noisy)
        b = nengo.Ensemble(300, 1)
        c = nengo.Ensemble(300, 1)
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
        nengo.Connection(a, c)
        nengo.Connection(b, c, synapse=0.01)
        nengo.Probe(c, synapse=0.02)
        nengo.Probe(b.neurons)
    return net


def sigma_delta_neurons():
    """The sister package's SigmaDelta neurons, mapped onto chip neurons."""
    import nengo_sigmadelta

    with nengo.Network(seed=7) as net:
        stim = nengo.Node(lambda t: np.sin(5 * t))
        a = nengo.Ensemble(
            50, 1, neuron_type=nengo_sigmadelta.SigmaDelta(reset="subtract")
        )
        b = nengo.Ensemble(50, 1)
        nengo.Connection(stim, a)
        nengo.Connection(a.neurons, b.neurons, transform=0.02 * np.eye(50))
        nengo.Probe(b.neurons)
    return net


NETWORKS = {
    fn.__name__: fn
    for fn in (
        demo,
        chain4,
        filtered_neuron_connections,
        classic_blocks_and_host_neurons,
        split_fan_in,
        stochastic_truenorth_neurons,
        sigma_delta_neurons,
    )
}


def exported_hashes(make_network, directory):
    """sha256 of the model, input and output files of a short recorded run."""
    with nengo_truenorth.Simulator(
        make_network(), seed=1, record_chip_io=True, progress_bar=False
    ) as sim:
        sim.run_steps(STEPS)
        run = sim.export(directory)
    return {
        name: hashlib.sha256(Path(path).read_bytes()).hexdigest()
        for name, path in (
            ("model", run.model),
            ("input", run.inputs),
            ("output", run.outputs),
        )
    }


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_network_compiles_to_the_recorded_chip(name, tmp_path):
    expected = json.loads(HASHES.read_text())[name]
    assert exported_hashes(NETWORKS[name], tmp_path) == expected


def write_hashes(directory):
    hashes = {
        name: exported_hashes(make, Path(directory) / name)
        for name, make in sorted(NETWORKS.items())
    }
    HASHES.parent.mkdir(exist_ok=True)
    HASHES.write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n")
    print(f"wrote {HASHES}")


if __name__ == "__main__":
    import tempfile

    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_compiled_models_unchanged.py --write")
    with tempfile.TemporaryDirectory() as tmp:
        write_hashes(tmp)
