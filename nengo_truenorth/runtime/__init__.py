"""The runtime: the emulated chip behind Nengo's operators.

:func:`~.wiring.chip_operator` gives a compiled chip's emulator the host's
sigma-delta encoders (values into input spikes, :mod:`.host_io`) and one Nengo
operator that runs one chip tick per step; :mod:`.optimizer` is Nengo's operator
optimizer for the host part, without its quadratic scans.

Imports: the emulator (through its public methods), the IR and Nengo's operators.
"""

from .host_io import ChipRecording, ChipRuntime, SigmaDeltaEncoder, SimChip
from .wiring import chip_operator

__all__ = [
    "ChipRecording",
    "ChipRuntime",
    "SigmaDeltaEncoder",
    "SimChip",
    "chip_operator",
]
