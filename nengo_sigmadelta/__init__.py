"""nengo_sigmadelta: sigma-delta adaptive spiking neurons and low-pass RNNs for Nengo.

The core (neurons, the lpRNN reference, conversion, networks, quantizers) needs only
Nengo and NumPy. TensorFlow parts live behind the ``dl`` extra:
:mod:`nengo_sigmadelta.dl` (NengoDL neuron builders) and
:mod:`nengo_sigmadelta.keras_layers` (Keras lpRNN layers, straight-through quantizers)
and :mod:`nengo_sigmadelta.hybrid` (hybrid training with spiking activations), whose
main names are also exported here lazily: ``nengo_sigmadelta.HybridSpiking`` imports
TensorFlow on first use, not before.

Importing this package loads nothing of ``nengo_truenorth``. The TrueNorth backend
finds the chip mapping of ``SigmaDelta`` (:mod:`nengo_sigmadelta.truenorth`) through
the ``nengo_truenorth.neuron_mappings`` entry point when it first needs it.
"""

from . import builder  # noqa: F401 (registers the SigmaDelta build function)
from .conversion import LowPassRNNMapping, lprnn_mapping
from .lprnn import (
    lprnn_forward,
    retention_to_tau,
    snn_time_constant,
    tau_to_retention,
)
from .networks import LowPassRNN, convert_lprnn, present_sequence, sample_ann_steps
from .neurons import SigmaDelta, SigmaDeltaRate, feedback_kick
from .quantization import FractionalBits, Quantizer, UniformLevels
from .version import version as __version__

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

#: Names of :mod:`nengo_sigmadelta.hybrid` exported lazily (they need TensorFlow).
_LAZY_HYBRID = (
    "AmplitudeSchedule",
    "HybridLowPassRNNLayer",
    "HybridLowPassRNNCell",
    "HybridRNNCell",
    "HybridSpiking",
    "amplitude_schedule",
    "set_amplitude",
)


def __getattr__(name):
    # the core stays free of TensorFlow: import the hybrid module on first access
    if name in _LAZY_HYBRID:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.hybrid"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
