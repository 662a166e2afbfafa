"""Errors of the builder: Nengo's ``BuildError``, with details for callers."""

from nengo.exceptions import BuildError


class CoreFitError(BuildError):
    """Part of a model cannot fit the chip's cores, axons, neurons or delays.

    The message starts with the offending Nengo object (or the label of the graph
    element, when it has no Nengo object), then says what it needs, the limit it
    breaks, and what would make it fit.

    Parameters
    ----------
    obj : object
        The Nengo object at fault (an ensemble, a connection), or a label.
    resource : str
        What runs out, e.g. ``"axons"``, ``"delay"``.
    used : int
        How much of ``resource`` the object needs.
    limit : int
        How much the chip allows.
    detail : str
        What needs the resource, in words (``"neuron 3's fan-in of 80 inputs"``).
    remedy : str
        What the user can change.

    Attributes
    ----------
    obj, resource, used, limit
        As given.
    """

    def __init__(self, obj, resource, used, limit, detail, remedy):
        self.obj = obj
        self.resource = resource
        self.used = used
        self.limit = limit
        super().__init__(
            f"{obj}: {detail} needs {used} {resource}, but the limit is {limit}; "
            f"{remedy}"
        )
