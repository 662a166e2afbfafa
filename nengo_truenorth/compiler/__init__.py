"""The compiler: a lowered, discretized IR graph onto chip cores (a ``ChipModel``).

Stages, a module each, in the order :func:`compile_graph` runs them:
:mod:`.axons` (axon keys and crossbar bits), :mod:`.allocate` (groups onto cores),
:mod:`.fan_out` (splitter trees and delays), :mod:`.placement` (cores on the mesh),
:mod:`.assemble` (per-core arrays into a ``ChipModel``) and :mod:`.describe` (ports,
maps and resource figures of the :class:`~.chip.CompiledChip`).

Imports: the IR and the hardware model (and Nengo's ``BuildError``).
"""

from .chip import SPLITTER, CompiledChip
from .compile import compile_graph
from .errors import CoreFitError

__all__ = ["SPLITTER", "CompiledChip", "CoreFitError", "compile_graph"]
