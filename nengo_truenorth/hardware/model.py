"""A whole TrueNorth model: cores on the mesh, plus named input and output ports."""

import numpy as np

from .core import Core
from .limits import CHIP_SIZE, NEURONS_PER_CORE


class ChipModel:
    """Cores placed on one or more 64 x 64 chip meshes, with input and output ports.

    Parameters
    ----------
    cores : iterable of Core, optional
        Cores of the model; more can be added with :meth:`add_core`.

    Attributes
    ----------
    cores : list of Core
        The cores, in model-file order.
    inputs : dict of str to list of (int, int)
        Input ports: entry ``k`` of port ``p`` is the ``(core_id, axon)`` that input
        ``k`` drives.
    outputs : dict of str to list of (int, int)
        Output ports: entry ``k`` of port ``p`` is the ``(core_id, neuron)`` whose spikes
        are reported as output ``k``.

    Examples
    --------
    >>> model = ChipModel()
    >>> core = model.add_core(x=0, y=0)
    >>> model.add_input("in", [(core.id, 0)])
    >>> model.add_output("out", [(core.id, 0)])
    """

    def __init__(self, cores=()):
        self.cores = list(cores)
        self.inputs = {}
        self.outputs = {}

    def __repr__(self):
        return (
            f"<ChipModel: {len(self.cores)} cores, {len(self.inputs)} input ports, "
            f"{len(self.outputs)} output ports>"
        )

    def add_core(self, id=None, x=None, y=None, seed=0):
        """Add a new core and return it.

        ``id`` defaults to one past the largest id; ``(x, y)`` defaults to the next free
        place in row-major order on the first chip.
        """
        if id is None:
            id = max((c.id for c in self.cores), default=-1) + 1
        if x is None or y is None:
            taken = {(c.x, c.y) for c in self.cores}
            place = next(
                (p % CHIP_SIZE, p // CHIP_SIZE)
                for p in range(len(taken) + 1)
                if (p % CHIP_SIZE, p // CHIP_SIZE) not in taken
            )
            x, y = place
        core = Core(id, x=x, y=y, seed=seed)
        self.cores.append(core)
        return core

    def add_input(self, port, targets):
        """Name an input port; ``targets[k]`` is the ``(core_id, axon)`` of input ``k``."""
        self.inputs[str(port)] = [(int(c), int(a)) for c, a in targets]

    def add_output(self, port, sources):
        """Name an output port; ``sources[k]`` is the ``(core_id, neuron)`` of output k."""
        self.outputs[str(port)] = [(int(c), int(n)) for c, n in sources]

    def core_by_id(self, core_id):
        """Return the core with id ``core_id`` (``KeyError`` if there is none)."""
        for core in self.cores:
            if core.id == core_id:
                return core
        raise KeyError(f"{self}: no core with id {core_id}")

    def core_index(self):
        """dict of int to int: position in :attr:`cores` of each core id."""
        return {core.id: k for k, core in enumerate(self.cores)}

    @property
    def n_neurons(self):
        """int: neurons on all cores (used or not)."""
        return len(self.cores) * NEURONS_PER_CORE

    @property
    def chips(self):
        """list of (int, int): the chips the cores lie on, sorted."""
        return sorted({core.chip for core in self.cores})

    @property
    def is_deterministic(self):
        """bool: no core uses a stochastic mode, so any correct run is bit-exact."""
        return all(core.is_deterministic for core in self.cores)

    def coordinates(self):
        """(n_cores, 2) ndarray of int: the ``(x, y)`` of each core, in order."""
        return np.array([(c.x, c.y) for c in self.cores], dtype=np.int64).reshape(-1, 2)

    def validate(self):
        """Check every rule of the spec; raise ``HardwareModelError`` on the first break."""
        from .validation import validate_model

        validate_model(self)
