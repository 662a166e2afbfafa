"""The convnet's Nengo network runs in NengoDL too, with the chip's integer votes."""

import numpy as np
import pytest

nengo_dl = pytest.importorskip("nengo_dl")

import nengo_truenorth.training  # noqa: E402,F401  (TrueNorthNeuron in NengoDL)
from nengo_truenorth.convnet.frames import present, run_frames  # noqa: E402
from nengo_truenorth.convnet.network import build_network  # noqa: E402
from nengo_truenorth.convnet.spec import integer_forward  # noqa: E402

from test_network import SMALL, images, random_convnet  # noqa: E402


def test_nengo_dl_simulator_gives_the_integer_forward_pass():
    net = random_convnet(SMALL, seed=5)
    x = images(SMALL, 25, seed=2)
    model = build_network(net)
    present(model, x, 0.001)
    with nengo_dl.Simulator(model, progress_bar=False) as sim:
        run = run_frames(sim, model, x)
    assert run.latency == 0
    assert np.array_equal(run.votes, integer_forward(net, x))
