"""Chip convnet architectures (NumPy only: importable without TensorFlow).

:data:`DEFAULT_SPEC` is the network of ``python -m nengo_truenorth.convnet``: MNIST
digits (28 x 28) in Esser et al.'s (2016) pattern, within the chip's limits.

Every neuron's fan-in (``kernel_size**2 * channels / groups``) is at most 72, well
under the 128 inputs a core takes with trinary weights (two axons per input), and
the groups are narrow (8 channels) so that the neurons of neighbouring positions in
one core share most of their inputs:

=====  ====================  ======  ========  ======  =======
layer  kernel, stride        groups  output    fan-in  neurons
=====  ====================  ======  ========  ======  =======
input  3 thermometer levels          28x28x3
1      3x3, 1                1       28x28x16  27      12,544
2      3x3, 2 (downsample)   2       14x14x32  72      6,272
3      3x3, 1                4       14x14x32  72      6,272
4      3x3, 2 (downsample)   4       7x7x64    72      3,136
5      3x3, 1                8       7x7x64    72      3,136
6      1x1, 1                1       7x7x100   64      4,900
=====  ====================  ======  ========  ======  =======

36,260 neurons in all. Spatial (3x3) layers over narrow feature groups alternate
with the wide 1x1 layer that mixes all 64 features, stride 2 halves the image twice,
and the last layer's 100 filters at each of the 49 positions vote, 10 filters per
class (4,900 voters: a population vote, which a single binary frame needs).

Trained with :func:`~nengo_truenorth.convnet.train.train`'s defaults (90 epochs,
about 2.5 to 3 minutes on 2 CPU cores) on 4,000 digits, its ``integer_forward``
(the chip's computation) classifies 0.955 +- 0.003 of the 1,000 held-out digits
(seeds 0, 1, 2: 0.956, 0.951, 0.958); the same layers with float weights and ReLU,
0.977 +- 0.003 (``benchmarks/convnet_training.py``, results in
``benchmarks/results/convnet_training.json``).

The three input channels (pixels >= 64, 128, 192) keep some of the grey levels of
the pen strokes' edges: with one channel (pixels >= 128) the same layers and
training reach 0.948 (seed 0, against 0.956 with three;
``benchmarks/convnet_training.py --seeds 1 --no-float --thresholds 128``).
"""

from .spec import ConvLayer, ConvnetSpec

#: The default network of the MNIST example (see the module's docstring).
DEFAULT_SPEC = ConvnetSpec(
    image_shape=(28, 28),
    thresholds=(64, 128, 192),
    layers=(
        ConvLayer(16, kernel_size=3, strides=1),
        ConvLayer(32, kernel_size=3, strides=2, groups=2),
        ConvLayer(32, kernel_size=3, strides=1, groups=4),
        ConvLayer(64, kernel_size=3, strides=2, groups=4),
        ConvLayer(64, kernel_size=3, strides=1, groups=8),
        ConvLayer(100, kernel_size=1, strides=1),
    ),
    n_classes=10,
)
