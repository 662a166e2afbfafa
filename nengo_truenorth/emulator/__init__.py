"""Emulators of the TrueNorth chip, all behind the :class:`Emulator` interface."""

from .activity import Activity
from .base import Emulator, EmulatorProbe
from .fast import FastEmulator
from .reference import ReferenceEmulator

#: Emulators by name, for the command line and the Simulator.
EMULATORS = {"reference": ReferenceEmulator, "fast": FastEmulator}


def get_emulator(name):
    """Return the emulator class called ``name`` (a key of :data:`EMULATORS`)."""
    try:
        return EMULATORS[name]
    except KeyError:
        raise ValueError(
            f"emulator {name!r} is not one of {sorted(EMULATORS)}"
        ) from None


__all__ = [
    "Activity",
    "EMULATORS",
    "Emulator",
    "EmulatorProbe",
    "FastEmulator",
    "ReferenceEmulator",
    "get_emulator",
]
