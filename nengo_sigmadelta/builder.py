"""Nengo builder for :class:`~nengo_sigmadelta.SigmaDelta` (registered on import).

The neuron runs on Nengo's own ``SimNeurons`` operator; this build function only adds
the check that needs the simulator's ``dt``: a ΣΔ neuron fires at most once per step,
so a ``max_rate`` above ``1/dt`` cannot be reached.
"""

import warnings

from nengo.builder import Builder
from nengo.builder.neurons import build_neurons

from .neurons import SigmaDelta


@Builder.register(SigmaDelta)
def build_sigmadelta(model, neurontype, neurons, **kwargs):
    """Build a :class:`.SigmaDelta` population, warning if ``max_rate > 1/dt``.

    Parameters
    ----------
    model : nengo.builder.Model
        The model to build into.
    neurontype : SigmaDelta
        The neuron type.
    neurons : nengo.ensemble.Neurons
        The population.
    """
    if neurontype.max_rate * model.dt > 1 + 1e-9:
        warnings.warn(
            f"{neurons}: max_rate = {neurontype.max_rate:g} Hz is above one spike per "
            f"step (1/dt = {1 / model.dt:g} Hz); the neurons saturate at 1/dt"
        )
    build_neurons(model, neurontype, neurons, **kwargs)
