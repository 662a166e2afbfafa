"""nengo_truenorth: run Nengo networks on an emulated IBM TrueNorth chip."""

from .config import add_params
from .emulator import FastEmulator, ReferenceEmulator
from .hardware import ChipModel, Core, HardwareModelError
from .neurons import TrueNorthNeuron
from .rates import measure_activity
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
    "measure_activity",
    "TrueNorthNeuron",
    "__version__",
]
