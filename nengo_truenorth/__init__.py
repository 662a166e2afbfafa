"""nengo_truenorth: run Nengo networks on an emulated IBM TrueNorth chip."""

from .hardware import ChipModel, Core, HardwareModelError
from .emulator import FastEmulator, ReferenceEmulator
from .neurons import TrueNorthNeuron
from .config import add_params
from .simulator import Simulator
from .version import version as __version__

__all__ = [
    "ChipModel",
    "Core",
    "FastEmulator",
    "HardwareModelError",
    "ReferenceEmulator",
    "Simulator",
    "add_params",
    "TrueNorthNeuron",
    "__version__",
]
