"""nengo_truenorth: run Nengo networks on an emulated IBM TrueNorth chip."""

from .config import add_params
from .emulator import FastEmulator, ReferenceEmulator
from .hardware import ChipModel, Core, HardwareModelError
from .neurons import ChipSpikingRectifiedLinear, TrueNorthNeuron
from .rates import measure_activity
from .simulator import Simulator
from .synapses import delay_synapse
from .version import version as __version__

__all__ = [
    "ChipModel",
    "ChipSpikingRectifiedLinear",
    "Core",
    "FastEmulator",
    "HardwareModelError",
    "ReferenceEmulator",
    "Simulator",
    "add_params",
    "delay_synapse",
    "measure_activity",
    "TrueNorthNeuron",
    "__version__",
]
