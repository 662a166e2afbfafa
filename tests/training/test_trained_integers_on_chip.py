"""A network trained in NengoDL on the chip's integers runs on the chip exactly.

Issue 9, item 3: ``TrueNorthNeuron`` ensembles with integer biases, joined by a
``ChipDense`` connection whose levels are the chip's integers (``scale=dt``: a spike of
height ``1 / dt`` adds its level to the potential), trained with NengoDL and frozen,
spike on the chip exactly as in ``nengo.Simulator`` (with the chip's path delay as a
pure delay there). Skipped without the dl extra.
"""

import nengo
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
nengo_dl = pytest.importorskip("nengo_dl")

import nengo_truenorth  # noqa: E402
from nengo_truenorth import TrueNorthNeuron  # noqa: E402
from nengo_truenorth.training import ChipDense, freeze_constrained  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:No GPU support detected", "ignore:This version of NengoDL"
)

DT = 0.001


def integer_network(n_pre=24, n_post=16, seed=0):
    rng = np.random.RandomState(seed)
    with nengo.Network(seed=seed) as net:
        net.config[nengo.Connection].synapse = None
        # the neurons' integer parameters stay as they are: only the weights train
        nengo_dl.configure_settings(trainable=None)
        a = nengo.Ensemble(
            n_pre, 1, neuron_type=TrueNorthNeuron(threshold=20, reset_mode=0),
            gain=np.ones(n_pre), bias=rng.randint(1, 8, n_pre).astype(float),
        )
        b = nengo.Ensemble(
            n_post, 1,
            neuron_type=TrueNorthNeuron(threshold=12, leak=-1, reset_mode=0),
            gain=np.ones(n_post), bias=np.zeros(n_post),
        )
        net.config[a].trainable = False
        net.config[b].trainable = False
        conn = nengo.Connection(
            a.neurons, b.neurons,
            transform=ChipDense(
                (n_post, n_pre), init=nengo.dists.Uniform(-4 * DT, 4 * DT), bits=4,
                scale=DT,
            ),
        )
        probes = nengo.Probe(a.neurons), nengo.Probe(b.neurons)
    return net, conn, probes


def test_a_trained_integer_network_spikes_on_the_chip_as_in_nengo():
    net, conn, (pa, pb) = integer_network()
    steps = 50
    # a target the trained weights move towards: half of b's neurons firing
    target = np.zeros((16, steps, 16), dtype=np.float32)
    target[..., ::2] = 0.2 / DT
    with nengo_dl.Simulator(net, minibatch_size=16, progress_bar=False, seed=0) as sim:
        initial = sim.data[conn].weights.copy()
        sim.compile(optimizer=tf.optimizers.SGD(1e-7), loss={pb: "mse"})
        sim.fit(n_steps=steps, y={pb: target}, epochs=3, verbose=0)
        frozen = freeze_constrained(sim, net)
    assert not np.allclose(frozen[conn], initial)  # training changed the levels
    levels = frozen[conn] / DT
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-9)
    assert np.all((levels >= -8) & (levels <= 7))
    assert len(np.unique(levels)) > 4  # trained levels, not a saturated few

    with nengo_truenorth.Simulator(net, progress_bar=False) as chip:
        chip.run_steps(300)
        group = chip.model.chip_ensembles[conn.post_obj.ensemble].group
        (edge,) = [e for e in chip.model.graph.edges if e.post is group]
        delay = chip.compiled.edge_delay[edge]
    # the chip kept the trained integers as they are
    np.testing.assert_array_equal(np.asarray(edge.levels) * group.weight_scale[:, None],
                                  np.round(levels).astype(int))
    conn.synapse = nengo.LinearFilter([1], [1] + [0] * delay, analog=False)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run_steps(300)
    assert ref.data[pb].any()
    np.testing.assert_array_equal(chip.data[pa] > 0, ref.data[pa] > 0)
    np.testing.assert_array_equal(chip.data[pb] > 0, ref.data[pb] > 0)
