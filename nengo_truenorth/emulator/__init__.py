"""Emulators of the TrueNorth chip, all behind the :class:`Emulator` interface."""

from .activity import Activity
from .base import Emulator, EmulatorProbe
from .reference import ReferenceEmulator

__all__ = ["Activity", "Emulator", "EmulatorProbe", "ReferenceEmulator"]
