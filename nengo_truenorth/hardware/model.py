"""A whole TrueNorth model: cores on the mesh, plus named input and output ports."""

import numpy as np

from .core import Core, check_neuron_fields
from .limits import CHIP_SIZE, NEURON_FIELDS, NEURONS_PER_CORE
from .validation import validate_model


def channel_spikes(raster, indices, first_tick=0):
    """Spike-file style ``[tick, index]`` pairs of an input port, from spikes per
    host channel.

    Parameters
    ----------
    raster : (ticks, n_channels) array_like of bool
        Row ``t`` holds the channels that spike at tick ``first_tick + t``.
    indices : list of array_like of int
        Per channel, the port indices it drives (a channel may drive several).
    first_tick : int, optional

    Returns
    -------
    (m, 2) ndarray of int64
        Sorted by tick, then index.
    """
    raster = np.asarray(raster, dtype=bool).reshape(-1, len(indices))
    counts = np.array([len(idx) for idx in indices], dtype=np.int64)
    flat = (
        np.concatenate([np.asarray(idx, np.int64) for idx in indices])
        if indices
        else np.zeros(0, np.int64)
    )
    starts = np.cumsum(counts) - counts
    t, ch = np.nonzero(raster)
    reps = counts[ch]
    ticks = np.repeat(t + first_tick, reps)
    pos = np.repeat(starts[ch], reps) + (
        np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    )
    pairs = np.column_stack([ticks, flat[pos]]).astype(np.int64)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order].reshape(-1, 2)


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

    @classmethod
    def from_arrays(
        cls,
        *,
        ids,
        xy,
        seeds,
        axon_types,
        crossbars,
        neurons,
        target_core,
        target_axon,
        target_delay,
        inputs=None,
        outputs=None,
    ):
        """A model of cores given as per-core arrays: the one way to build one so.

        Core ``c`` of the model (position ``c`` in :attr:`cores`) is
        :meth:`Core.from_arrays` of entry ``c`` of every argument. Every per-core
        argument may be an array whose first axis is the core position or a sequence
        (e.g. a list) of ``n_cores`` per-core arrays. Arrays are kept, not copied:
        each core holds entry ``c`` itself (a view of row ``c`` of an array), so cores
        may share big per-field arrays. Shapes within a core, dtypes and ranges are
        not checked here; :meth:`validate` checks them.

        Parameters
        ----------
        ids : sequence of int, length n_cores
            Unique id of each core.
        xy : (n_cores, 2) array_like of int
            Global mesh coordinates ``(x, y)`` of each core.
        seeds : sequence of int, length n_cores
            Seed of each core's pseudo-random number generator, 0..2**64 - 1 (a
            list of Python ints or a ``uint64`` array: seeds need not fit int64).
        axon_types : (n_cores, 256) array_like of int
            Type ``G[i]`` in 0..3 of each axon of each core (int64).
        crossbars : (n_cores, 256, 256) array_like of bool
            ``crossbars[c][i, j]`` connects axon ``i`` to neuron ``j`` of core ``c``.
        neurons : dict of str to array_like of int
            Every per-neuron field of spec section 2 (the keys of
            :data:`~.limits.NEURON_FIELDS`, no more and no fewer), each
            ``(n_cores, 256, 4)`` for ``weights`` and ``stochastic_weights`` and
            ``(n_cores, 256)`` for the others (int64).
        target_core, target_axon, target_delay : (n_cores, 256) array_like of int
            Each neuron's destination (int64): the id of the target core (-1: none),
            the axon there, and the delay in ticks.
        inputs : dict of str to (n, 2) array_like of int, optional
            Input ports, as :meth:`add_input` takes them: entry ``k`` of a port is
            the ``(core_id, axon)`` that input ``k`` drives.
        outputs : dict of str to (n, 2) array_like of int, optional
            Output ports, as :meth:`add_output` takes them: entry ``k`` of a port is
            the ``(core_id, neuron)`` reported as output ``k``.

        Returns
        -------
        ChipModel

        Raises
        ------
        KeyError
            If ``neurons`` lacks a field of spec section 2 or has an unknown one.
        ValueError
            If a per-core argument does not have one entry per id.

        Examples
        --------
        Two cores whose neuron ``j`` sends its spikes to axon ``j`` of the other core:

        >>> n = 2
        >>> model = ChipModel.from_arrays(
        ...     ids=[10, 11],
        ...     xy=[(0, 0), (1, 0)],
        ...     seeds=[0, 1],
        ...     axon_types=np.zeros((n, 256), dtype=np.int64),
        ...     crossbars=np.stack([np.eye(256, dtype=bool)] * n),
        ...     neurons={
        ...         name: np.stack([value] * n)
        ...         for name, value in Core(0).neuron_arrays().items()
        ...     },
        ...     target_core=np.repeat([[11], [10]], 256, axis=1),
        ...     target_axon=np.tile(np.arange(256), (n, 1)),
        ...     target_delay=np.ones((n, 256), dtype=np.int64),
        ...     outputs={"out": [(10, 0)]},
        ... )
        >>> model.validate()
        >>> model
        <ChipModel: 2 cores, 0 input ports, 1 output ports>
        """
        n_cores = len(ids)
        check_neuron_fields(neurons, "ChipModel.from_arrays")
        per_core = {
            "xy": xy,
            "seeds": seeds,
            "axon_types": axon_types,
            "crossbars": crossbars,
            "target_core": target_core,
            "target_axon": target_axon,
            "target_delay": target_delay,
        }
        per_core.update((f"neurons[{name!r}]", neurons[name]) for name in NEURON_FIELDS)
        for name, values in per_core.items():
            if len(values) != n_cores:
                raise ValueError(
                    f"ChipModel.from_arrays: {name} has {len(values)} entries, "
                    f"not one per core ({n_cores} ids)"
                )
        model = cls(
            Core.from_arrays(
                id=ids[c],
                x=xy[c][0],
                y=xy[c][1],
                seed=seeds[c],
                axon_types=axon_types[c],
                crossbar=crossbars[c],
                neurons={name: neurons[name][c] for name in NEURON_FIELDS},
                target_core=target_core[c],
                target_axon=target_axon[c],
                target_delay=target_delay[c],
            )
            for c in range(n_cores)
        )
        for port, targets in (inputs or {}).items():
            model.add_input(port, targets)
        for port, sources in (outputs or {}).items():
            model.add_output(port, sources)
        return model

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
        validate_model(self)
