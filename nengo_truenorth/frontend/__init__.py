"""The front end: Nengo objects into the chip's IR, inside Nengo's own build.

:class:`Model` is Nengo's build model plus the chip side of the build
(:class:`~nengo_truenorth.passes.ChipBuild`); :class:`TrueNorthBuilder` is Nengo's
builder registry with the chip's build functions first. Ensembles the chip runs
become neuron groups (:mod:`.ensemble`, with the neuron mappings of
:mod:`.mappings`, the public extension point); connections become float, decoded
and filtered edges (:mod:`.connection`), with decoders solved on the chip neurons'
tuning curves (:mod:`.solver`). Everything else builds as in Nengo.

Imports: Nengo, the IR, :mod:`nengo_truenorth.passes` (the build state and the
filter limits) and the options. Importing this package registers the build
functions with :class:`TrueNorthBuilder`; Nengo's own registry is never touched.
"""

from . import connection, ensemble, solver  # noqa: F401  (register build functions)
from .connection import chip_loops, loop_delays
from .host import finish_build
from .mappings import ChipNeuronMapping, register_chip_neuron
from .model import ChipEnsemble, Model
from .registry import TrueNorthBuilder

__all__ = [
    "ChipEnsemble",
    "ChipNeuronMapping",
    "Model",
    "TrueNorthBuilder",
    "chip_loops",
    "loop_delays",
    "finish_build",
    "register_chip_neuron",
]
