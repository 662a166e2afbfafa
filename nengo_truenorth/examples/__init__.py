"""Example hardware models, and the model files generated from them.

The model files shipped here are written by ``python -m nengo_truenorth.examples``;
never edit them by hand (a test checks that they equal what the generators give).
"""

import os

from ..hardware.model import ChipModel

#: Folder of the shipped example model files.
EXAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))


def ring_place(k, n_cores):
    """Mesh ``(x, y)`` of core ``k`` of a ring of ``n_cores``.

    The first half of the ring runs left to right along ``y = 0`` and the second half
    comes back along ``y = 1``, so neighbours on the ring are neighbours on the mesh.
    """
    top = (n_cores + 1) // 2
    return (k, 0) if k < top else (n_cores - 1 - k, 1)


def ring_oscillator(n_cores=4, delay=3):
    """A ring of cores that passes one spike wave round and round.

    Neuron 0 of each core fires when axon 0 of its core receives a spike, and sends
    its spike to axon 0 of the next core on the ring after ``delay`` ticks. A spike on
    the input port ``"kick"`` starts the wave at core 0; from then on the wave goes
    round forever, visiting each core once every ``n_cores * delay`` ticks. The output
    port ``"wave"`` reports neuron 0 of every core, index ``k`` for the ``k``-th core
    on the ring.

    Parameters
    ----------
    n_cores : int, optional
        Cores on the ring (at least 1; one core sends its spikes to itself).
    delay : int, optional
        Ticks from one core to the next, 1..15.

    Returns
    -------
    ChipModel
        A deterministic model with input port ``"kick"`` (1 entry) and output port
        ``"wave"`` (``n_cores`` entries).

    Examples
    --------
    >>> from nengo_truenorth.emulator import ReferenceEmulator
    >>> emulator = ReferenceEmulator(ring_oscillator(n_cores=4, delay=3))
    >>> emulator.run(16, {"kick": [[0, 0]]})["wave"].tolist()
    [[0, 0], [3, 1], [6, 2], [9, 3], [12, 0], [15, 1]]
    """
    if n_cores < 1:
        raise ValueError(f"ring_oscillator: n_cores = {n_cores} must be at least 1")
    model = ChipModel()
    cores = []
    for k in range(n_cores):
        x, y = ring_place(k, n_cores)
        cores.append(model.add_core(id=k, x=x, y=y))
    for k, core in enumerate(cores):
        core.axon_types[0] = 0
        core.connect(axon=0, neuron=0)
        core.set_neuron(0, weights=[1, 0, 0, 0], threshold=1, reset_potential=0)
        core.set_destination(0, cores[(k + 1) % n_cores], axon=0, delay=delay)
    model.add_input("kick", [(cores[0].id, 0)])
    model.add_output("wave", [(core.id, 0) for core in cores])
    model.validate()
    return model


#: Shipped example files: file name -> function that builds the model.
EXAMPLES = {"ring.json": ring_oscillator}
#: Shipped input spike files: file name -> (model file name, spikes per input port).
#: ``ring-kick.json`` starts the ring's wave with one spike at tick 0.
INPUTS = {"ring-kick.json": ("ring.json", {"kick": [[0, 0]]})}


def example_path(name):
    """Path of the shipped example model file ``name`` (e.g. ``"ring.json"``)."""
    return os.path.join(EXAMPLES_DIR, name)


def write_examples(directory=EXAMPLES_DIR):
    """Write every example of :data:`EXAMPLES` and :data:`INPUTS` into ``directory``.

    Returns
    -------
    list of str
        The paths written.
    """
    import numpy as np

    from ..files import save_model, save_spikes

    paths = []
    for name, build in EXAMPLES.items():
        path = os.path.join(directory, name)
        save_model(build(), path)
        paths.append(path)
    for name, (model_name, spikes) in INPUTS.items():
        path = os.path.join(directory, name)
        arrays = {port: np.array(s, dtype=np.int64) for port, s in spikes.items()}
        save_spikes(arrays, path, EXAMPLES[model_name](), kind="inputs")
        paths.append(path)
    return paths


__all__ = ["EXAMPLES", "INPUTS", "example_path", "ring_oscillator", "write_examples"]
