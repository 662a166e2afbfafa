"""The compiler's intermediate representation, between Nengo and the chip.

Neuron groups and input groups joined by edges: float edges (potential per spike)
from the front end, lowered and discretized by the passes into integer edges on
weight codes, which the compiler places on cores. Imports only the hardware limits.
"""

from .arrays import array_key
from .codes import (
    SIXTEEN_LEVELS,
    TRINARY,
    UNIT,
    WeightCode,
    axons_per_level,
    weight_code,
)
from .graph import (
    ChipGraph,
    DecodedEdge,
    Edge,
    FilteredEdge,
    FloatEdge,
    InputGroup,
    NeuronGroup,
)
from .host import HostInput, channel_weights

__all__ = [
    "SIXTEEN_LEVELS",
    "TRINARY",
    "UNIT",
    "ChipGraph",
    "DecodedEdge",
    "Edge",
    "FilteredEdge",
    "FloatEdge",
    "HostInput",
    "InputGroup",
    "NeuronGroup",
    "WeightCode",
    "array_key",
    "axons_per_level",
    "channel_weights",
    "weight_code",
]
