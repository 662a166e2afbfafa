"""The TrueNorth hardware model: cores, crossbars, neurons, mesh and ports.

This package knows nothing of Nengo; the emulators and the builder both build on it.
"""

from .core import Core
from .errors import HardwareModelError, SpikeFileError
from .model import ChipModel

__all__ = ["ChipModel", "Core", "HardwareModelError", "SpikeFileError"]
