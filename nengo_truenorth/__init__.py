"""nengo_truenorth: run Nengo networks on an emulated IBM TrueNorth chip."""

from .hardware import ChipModel, Core, HardwareModelError
from .emulator import ReferenceEmulator
from .version import version as __version__

__all__ = ["ChipModel", "Core", "HardwareModelError", "ReferenceEmulator", "__version__"]
