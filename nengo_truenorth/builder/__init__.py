"""The builder: Nengo objects to the compiler's graph, and the graph to chip cores.

Importing this package registers the backend's build functions with
:class:`TrueNorthBuilder`; they never touch Nengo's own registry.
"""

from . import connection, ensemble, solver  # noqa: F401  (register build functions)
from .builder import Model, TrueNorthBuilder

__all__ = ["Model", "TrueNorthBuilder"]
