"""nengo_sigmadelta: sigma-delta adaptive spiking neurons and low-pass RNNs for Nengo.

The core (neurons, the lpRNN reference, conversion, networks, quantizers) needs only
Nengo and NumPy. TensorFlow parts live behind the ``dl`` extra:
:mod:`nengo_sigmadelta.dl` (NengoDL neuron builders) and
:mod:`nengo_sigmadelta.keras_layers` (Keras lpRNN layers, straight-through quantizers).
"""

from nengo_truenorth.version import version as __version__

from . import builder  # noqa: F401 (registers the SigmaDelta build function)
from .conversion import LowPassRNNMapping, convert_lprnn, lprnn_mapping
from .lprnn import (
    lprnn_forward,
    retention_to_tau,
    snn_time_constant,
    tau_to_retention,
)
from .networks import LowPassRNN, present_sequence, sample_ann_steps
from .neurons import SigmaDelta, SigmaDeltaRate, feedback_kick
from .quantization import FractionalBits, Quantizer, UniformLevels

__all__ = [
    "__version__",
    "FractionalBits",
    "LowPassRNN",
    "LowPassRNNMapping",
    "Quantizer",
    "SigmaDelta",
    "SigmaDeltaRate",
    "UniformLevels",
    "convert_lprnn",
    "feedback_kick",
    "lprnn_forward",
    "lprnn_mapping",
    "present_sequence",
    "retention_to_tau",
    "sample_ann_steps",
    "snn_time_constant",
    "tau_to_retention",
]
