"""The backend's build model and its private builder registry."""

import nengo
import numpy as np
from nengo.builder import Builder as NengoBuilder
from nengo.builder import Model as NengoModel
from nengo.exceptions import BuildError

from ..config import get_option
from .graph import ChipGraph


class TrueNorthBuilder(NengoBuilder):
    """Nengo's builder with a registry of its own for objects the chip runs.

    Build functions registered here take precedence over Nengo's for the same class;
    every other object falls through to Nengo's registry, so host objects build
    exactly as in ``nengo.Simulator``.
    """

    builders = {}

    @classmethod
    def build(cls, model, obj, *args, **kwargs):
        if model.has_built(obj):
            return NengoBuilder.build(model, obj, *args, **kwargs)
        for obj_cls in type(obj).__mro__:
            if obj_cls in cls.builders:
                return cls.builders[obj_cls](model, obj, *args, **kwargs)
            if obj_cls in NengoBuilder.builders:
                return NengoBuilder.builders[obj_cls](model, obj, *args, **kwargs)
        raise BuildError(f"Cannot build object of type '{type(obj).__name__}'")


class ChipEnsemble:
    """What the build keeps of an ensemble that runs on the chip.

    Attributes
    ----------
    ens : nengo.Ensemble
    group : NeuronGroup
        Its neurons in the compiler's graph.
    neuron_type : TrueNorthNeuron
        The chip neuron that stands in for the ensemble's neuron type.
    amplitude : float
        Output spike amplitude of the ensemble's own neuron type.
    bias : (n,) ndarray
        Bias in potential per tick (becomes the leak).
    host_input : bool
        Whether the host sends decoded values into the ensemble.
    host_neuron_input : bool
        Whether the host sends currents straight to its neurons.
    """

    def __init__(self, ens, group, neuron_type, amplitude, bias):
        self.ens = ens
        self.group = group
        self.neuron_type = neuron_type
        self.amplitude = amplitude
        self.bias = bias
        self.host_input = False
        self.host_neuron_input = False


class Model(NengoModel):
    """Nengo's build model plus the chip: the compiler graph and the backend's tunables.

    Parameters
    ----------
    dt : float
        Seconds per step; one step is one chip tick.
    label : str, optional
    decoder_cache : nengo.cache.DecoderCache, optional
    seed : int, optional
        Seed of the chip's core PRNGs and of stochastic rounding.

    Attributes
    ----------
    graph : ChipGraph
        The chip's units and integer edges, filled in by the build functions.
    chip_ensembles : dict of nengo.Ensemble to ChipEnsemble
    float_edges : list of FloatEdge
        Edges in float units, discretized per post group by :meth:`finalize_chip`.
    weight_bits : int
        Default weight precision of chip edges: 4 bits = 16 levels (Diehl et al. 2016).
    input_channels : int
        Default spike channels per dimension and sign for values sent from the host:
        a channel carries at most one spike per tick, so this bounds the value rate.
    input_range : float
        Values sent from the host are encoded up to ``input_range * radius``.
    decode_margin : float
        Decode neurons are sized for this factor times the largest partial value
        seen on the evaluation points, so they rarely saturate.
    nominal_threshold : int
        Threshold of the chip neurons that stand in for Nengo's neuron types, before
        each neuron is rescaled to use the chip's ranges fully.
    rounding : {"nearest", "stochastic"}
        Default rounding of weights to levels.
    """

    def __init__(self, dt=0.001, label=None, decoder_cache=None, seed=None):
        super().__init__(
            dt=dt, label=label, decoder_cache=decoder_cache, builder=TrueNorthBuilder()
        )
        self.chip_seed = 0 if seed is None else int(seed)
        self.graph = ChipGraph()
        self.chip_ensembles = {}
        self.float_edges = []
        self.host_ensembles = {}
        self.group_bias = {}
        self.weight_bits = 4
        self.input_channels = 4
        self.input_range = 2.0
        self.decode_margin = 1.25
        self.nominal_threshold = 64
        self.rounding = "nearest"
        self.compiled = None

    # --- placement decisions -----------------------------------------------------

    def option(self, obj, name, default):
        """Backend option ``name`` of ``obj`` from the simulated network's config."""
        config = None if self.toplevel is None else self.toplevel.config
        return get_option(config, obj, name, default)

    def on_chip(self, obj):
        """bool: whether ``obj`` (an Ensemble or its Neurons) runs on the chip."""
        if isinstance(obj, nengo.ensemble.Neurons):
            obj = obj.ensemble
        return obj in self.chip_ensembles

    # --- the chip ------------------------------------------------------------------

    def finalize_chip(self, emulator="fast", progress_bar=False):
        """Discretize, compile and attach the chip; called once after the build."""
        from .finalize import finalize_chip

        finalize_chip(self, emulator=emulator, progress_bar=progress_bar)


class FloatEdge:
    """An edge before discretization: float potential per spike.

    Attributes
    ----------
    pre : NeuronGroup or InputGroup
    post : NeuronGroup
    weights : (post.n, pre.n) ndarray of float
        Potential (in the post group's nominal units) that one spike adds.
    delay : int
    obj : nengo.Connection
    rounding : {"nearest", "stochastic"}
    """

    def __init__(self, pre, post, weights, delay=1, obj=None, rounding="nearest"):
        self.rounding = rounding
        self.pre = pre
        self.post = post
        self.weights = np.asarray(weights, dtype=np.float64)
        self.delay = int(delay)
        self.obj = obj
