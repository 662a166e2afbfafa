"""A trained convnet as Nengo objects: exact in nengo.Simulator and on the chip.

The chip's output must equal a NumPy convolution with the same integer weights on the
same binary inputs (``spec.integer_forward``), frame by frame, pipelined one image per
tick; a layer too wide for a core is refused with the filter groups that would fit.
"""

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError

import nengo_truenorth as nt
from nengo_truenorth.convnet.frames import present, run_frames
from nengo_truenorth.convnet.network import build_network
from nengo_truenorth.convnet.spec import (
    ConvLayer,
    ConvnetSpec,
    TrainedConvnet,
    encode_images,
    integer_forward,
)


def random_convnet(spec, seed=0, signs_only=False):
    rng = np.random.RandomState(seed)
    shapes = spec.shapes()
    kernels = []
    for i, layer in enumerate(spec.layers):
        shape = (layer.kernel_size,) * 2 + (
            shapes[i][2] // layer.groups,
            layer.filters,
        )
        values = [-1, 1] if signs_only else [-1, 0, 1]
        kernels.append(rng.choice(values, size=shape))
    biases = [rng.randint(-3, 2, size=layer.filters) for layer in spec.layers]
    return TrainedConvnet(spec, kernels, biases)


SMALL = ConvnetSpec(
    image_shape=(12, 12),
    thresholds=(100, 180),
    layers=(
        ConvLayer(8, 3, 1, "same", 1),
        ConvLayer(16, 3, 2, "same", 2),
        ConvLayer(20, 3, 1, "valid", 4),
    ),
)


def images(spec, n, seed=1):
    rng = np.random.RandomState(seed)
    return encode_images(rng.randint(0, 256, (n,) + spec.image_shape), spec.thresholds)


def test_nengo_simulator_computes_the_integer_forward_pass_in_one_step():
    net = random_convnet(SMALL)
    x = images(SMALL, 20)
    model = build_network(net)
    present(model, x, 0.001)
    with nengo.Simulator(model, progress_bar=False) as sim:
        run = run_frames(sim, model, x)
    assert run.latency == 0
    assert np.array_equal(run.votes, integer_forward(net, x))


def test_chip_equals_numpy_convolution_one_image_per_tick():
    net = random_convnet(SMALL)
    x = images(SMALL, 30)
    model = build_network(net)
    present(model, x, 0.001)
    with nt.Simulator(model, progress_bar=False) as sim:
        run = run_frames(sim, model, x)
        fidelity = sim.connection_fidelity()
    # each layer takes its connections' realized ticks, at least one per layer
    assert run.latency >= len(SMALL.layers)
    assert all(fidelity[c]["weight_error"] == 0 for conns in model.convolutions
               for c in conns)
    assert np.array_equal(run.votes, integer_forward(net, x))
    # the comparison means something: the last layer voted
    assert run.votes.sum() > 0


def test_a_layer_too_wide_for_a_core_is_refused_with_filter_groups_that_fit():
    spec = ConvnetSpec(
        image_shape=(8, 8),
        thresholds=(100,),
        layers=(ConvLayer(16, 3, 1, "same", 1), ConvLayer(10, 5, 1, "same", 1)),
    )
    net = random_convnet(spec, signs_only=True)  # 5 * 5 * 16 = 400 nonzero inputs
    model = build_network(net)
    with pytest.raises(BuildError, match="layer 2.*400 axons.*at least 2 filter groups"):
        nt.Simulator(model, progress_bar=False)


def test_convolution_outputs_are_packed_tile_by_tile():
    # 3x3 trinary convolution, 8 -> 8 channels on 28 x 28: a 2 x 2 tile of all
    # filters reads a 4 x 4 x 8 patch, 256 axons, so each core holds a tile of 32
    # neurons (or, at the corners, two tiles that read fewer inputs)
    spec = ConvnetSpec(
        image_shape=(28, 28),
        thresholds=(128,),
        layers=(ConvLayer(8, 3, 1, "same"), ConvLayer(8, 3, 1, "same")),
        n_classes=8,
    )
    net = random_convnet(spec, signs_only=True)
    model = build_network(net)
    with nt.Simulator(model, progress_bar=False) as sim:
        owners = list(sim.compiled.core_owner.values())
    layer2 = sum(1 for o in owners if getattr(o, "obj", None) is model.layers[2])
    assert layer2 <= 28 * 28 // 4


def test_a_saved_chip_runs_other_images_from_its_files_alone(tmp_path):
    from nengo_truenorth.convnet.chip import evaluate_files, load_network, save_compiled

    net = random_convnet(SMALL, seed=3)
    x = images(SMALL, 10)
    model = build_network(net)
    present(model, x, 0.001)
    with nt.Simulator(model, progress_bar=False) as sim:
        run = run_frames(sim, model, x)
        save_compiled(sim, model, net, tmp_path, run.latency)
    rng = np.random.RandomState(7)
    other = rng.randint(0, 256, (40,) + SMALL.image_shape).astype(np.uint8)
    result = evaluate_files(tmp_path, other)
    expected = integer_forward(net, encode_images(other, SMALL.thresholds))
    assert np.array_equal(result.votes, expected)
    assert result.ticks == 40 + run.latency
    assert np.array_equal(load_network(tmp_path).kernels[1], net.kernels[1])
