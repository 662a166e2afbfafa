"""The declared state of the chip build that the front end and the passes share."""

from dataclasses import dataclass, field

from ..ir import ChipGraph
from ..options import BuildOptions


@dataclass(eq=False)
class ChipBuild:
    """The chip side of a build: the IR and what the passes hand each other.

    The front end fills :attr:`graph`, :attr:`group_bias` and :attr:`host_inputs`;
    :func:`nengo_truenorth.passes.run_passes` lowers and discretizes the graph in
    place, and the compiler takes :attr:`graph`.

    Attributes
    ----------
    dt : float
        Seconds of model time per tick.
    seed : int
        Seed of the chip's core PRNGs and of stochastic rounding.
    options : BuildOptions
        The build's model-wide tunables.
    graph : ChipGraph
    group_bias : dict of NeuronGroup to (n,) ndarray
        Per group, the drive per tick (in the group's nominal units) its neurons get
        besides their inputs; discretized with its edges.
    host_inputs : list of HostInput
        Values the host sends into groups every tick.
    peak_rates : dict of NeuronGroup to (n,) ndarray
        Per group whose rates are known (the ``peak_rates`` option of an ensemble),
        the low-passed rate, in spikes per tick, that each neuron rarely exceeds;
        filter neurons out of the group fire that much more often
        (:func:`~.filters.filter_gain`).
    filters : dict
        Filter neurons made so far, per (source group, filter design): source
        neuron -> (filter group, unit) (the filter pass shares them between edges).
    weight_errors : dict of object to [float, float]
        Per Nengo object (connection), the squared error of its integer weights and
        its squared float weights, both in thresholds, summed over its edges (the
        discretization pass fills it; :func:`~.fidelity.weight_error` reads it).
    """

    dt: float = 0.001
    seed: int = 0
    options: BuildOptions = field(default_factory=BuildOptions)
    graph: ChipGraph = field(default_factory=ChipGraph)
    group_bias: dict = field(default_factory=dict)
    host_inputs: list = field(default_factory=list)
    peak_rates: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)
    weight_errors: dict = field(default_factory=dict)
