"""The front end's build model and its private builder registry."""

import nengo
import numpy as np
from nengo.builder import Model as NengoModel
from nengo.exceptions import BuildError

from ..config import OptionLookup
from ..options import BuildOptions
from ..passes.state import ChipBuild
from .registry import TrueNorthBuilder
from .solver import SolveMemo


class ChipEnsemble:
    """What the build keeps of an ensemble that runs on the chip.

    ``model.params[ens]`` holds the ensemble as Nengo builds it, in the units of its
    own neuron type (so ``sim.data[ens].gain`` is what ``nengo.Simulator`` reports);
    this class holds its chip side. A Nengo input current ``J`` becomes the chip
    drive ``current_scale * (J - current_offset)``, in potential per tick.

    Attributes
    ----------
    ens : nengo.Ensemble
    group : NeuronGroup
        Its neurons in the compiler's graph.
    neuron_type : TrueNorthNeuron
        The chip neuron that stands in for the ensemble's neuron type.
    amplitude : float
        Output spike amplitude of the ensemble's own neuron type.
    current_scale : (n,) ndarray
        Potential per tick per unit of Nengo current, per neuron.
    current_offset : (n,) ndarray
        The Nengo current at which the chip neuron's drive is zero (its threshold
        current: 1 for LIF types, 0 for rectified linear ones).
    gain : (n,) ndarray
        Chip gain: potential per tick per unit of the represented value.
    bias : (n,) ndarray
        Chip bias in potential per tick (becomes the leak).
    scaled_encoders : (n, d) ndarray
        ``encoders * gain / radius`` in chip units.
    host_input : bool
        Whether the host sends decoded values into the ensemble.
    host_neuron_input : bool
        Whether the host sends currents straight to its neurons.
    input_channels : dict
        Channels per dimension (``"value"``) or neuron (``"neurons"``) and sign that
        its host connections asked for (``input_channels`` option); the model's
        default where absent.
    unit_encoders : (n, d) ndarray
        ``encoders / radius``: projects eval points onto the neurons (see
        :meth:`rates_at`).
    """

    def __init__(
        self,
        ens,
        group,
        neuron_type,
        amplitude,
        gain,
        bias,
        scaled_encoders,
        unit_encoders,
        current_scale=1.0,
        current_offset=0.0,
    ):
        self.ens = ens
        self.group = group
        self.neuron_type = neuron_type
        self.amplitude = amplitude
        self.gain = gain
        self.bias = bias
        self.scaled_encoders = scaled_encoders
        self.unit_encoders = unit_encoders
        n = ens.n_neurons
        self.current_scale = np.broadcast_to(np.asarray(current_scale, float), (n,))
        self.current_offset = np.broadcast_to(np.asarray(current_offset, float), (n,))
        self.host_input = False
        self.host_neuron_input = False
        self.input_channels = {}

    #: Rows of eval points per chunk in :meth:`rates_at` (64 x 256 neurons: 128 KiB
    #: each).
    RATE_ROWS = 64

    def rates_at(self, eval_points, dt, out=None):
        """Steady-state rates (Hz of model time) at points of the represented space.

        Parameters
        ----------
        eval_points : (n_samples, d) ndarray
        dt : float
            Seconds of model time per tick.
        out : (n_samples, n) ndarray of float64, optional
            Where to write them (C-contiguous).

        Returns
        -------
        (n_samples, n) ndarray
            :meth:`rates` of the points projected onto the encoders.
        """
        n_samples = len(eval_points)
        if out is None:
            out = np.empty((n_samples, self.ens.n_neurons), dtype=np.float64)
        # Elementwise after the projection, so computed a few rows at a time: a
        # chunk's projection and temporaries stay in the cache and in memory the
        # allocator reuses, where whole-matrix ones are fresh pages, which cost more
        # than the arithmetic (a 750 x 256 ensemble's rates ran 3-4 times faster so,
        # and every value is the same).
        for start in range(0, n_samples, self.RATE_ROWS):
            rows = slice(start, start + self.RATE_ROWS)
            x = np.dot(eval_points[rows], self.unit_encoders.T)
            self.rates(x, dt, out=out[rows])
        return out

    def rates(self, x, dt, out=None):
        """Steady-state rates (Hz of model time) of the chip neurons.

        Parameters
        ----------
        x : (n_samples, n) ndarray
            Inputs already projected onto the encoders (and divided by the radius).
        dt : float
            Seconds of model time per tick.
        out : (n_samples, n) ndarray of float64, optional
            Where to write them (C-contiguous).

        Returns
        -------
        (n_samples, n) ndarray
            ``amplitude * spikes_per_tick / dt``: what the spikes decode to on the
            host, where each spike is ``amplitude / dt`` high.
        """
        return self.neuron_type.decoded_rates(
            np.asarray(x, dtype=np.float64),
            self.gain,
            self.bias,
            self.amplitude,
            dt,
            out=out,
        )


class Model(NengoModel):
    """Nengo's build model plus the chip side of the build.

    Parameters
    ----------
    dt : float
        Seconds per step; one step is one chip tick.
    label : str, optional
    decoder_cache : nengo.cache.DecoderCache, optional
    seed : int, optional
        Seed of the chip's core PRNGs and of stochastic rounding.
    options : BuildOptions or dict, optional
        The build's model-wide tunables (weight bits, input channels, filter
        policy, ...); see :class:`~nengo_truenorth.options.BuildOptions`.

    Attributes
    ----------
    chip : ChipBuild
        The chip side of the build: the IR graph the build functions fill, the
        host inputs they declare, and the :attr:`options`.
    chip_ensembles : dict of nengo.Ensemble to ChipEnsemble
    solve_memo : SolveMemo
        Decoders solved so far in this build, by problem.
    host_ensembles : dict of nengo.Ensemble to str
        Ensembles that run on the host, and why.
    compiled : CompiledChip or None
        Set by :func:`nengo_truenorth.simulator.build_chip` once the chip is
        compiled.
    chip_runtime : ChipRuntime or None
        The emulated chip behind the chip's operator, likewise.
    fidelity : dict or None
        Per connection, how faithfully the chip realizes it, likewise (see
        ``Simulator.connection_fidelity``).
    """

    def __init__(
        self, dt=0.001, label=None, decoder_cache=None, seed=None, options=None
    ):
        super().__init__(
            dt=dt, label=label, decoder_cache=decoder_cache, builder=TrueNorthBuilder()
        )
        if options is None:
            options = BuildOptions()
        elif isinstance(options, dict):
            options = BuildOptions(**options)
        elif not isinstance(options, BuildOptions):
            raise BuildError(
                f"{self}: options must be a BuildOptions or a dict, not "
                f"{type(options).__name__}"
            )
        self.chip = ChipBuild(
            dt=float(dt), seed=0 if seed is None else int(seed), options=options
        )
        self.chip_ensembles = {}
        self.host_ensembles = {}
        self.solve_memo = SolveMemo()
        self.compiled = None
        self.chip_runtime = None
        self.fidelity = None
        self._option_lookup = None  # OptionLookup of the simulated network
        self._learned_inputs = None  # (network, {ensemble: learned connections})

    @property
    def options(self):
        """BuildOptions: the build's model-wide tunables (validated as set)."""
        return self.chip.options

    @property
    def graph(self):
        """ChipGraph: the chip's IR (``self.chip.graph``)."""
        return self.chip.graph

    def __setattr__(self, name, value):
        if name in BuildOptions.SPECS:
            raise BuildError(
                f"{name!r} is a build option: set model.options.{name} (see "
                "nengo_truenorth.options.BuildOptions)"
            )
        super().__setattr__(name, value)

    @classmethod
    def from_nengo_model(cls, model, seed=None):
        """A chip model with the ``dt``, label and decoder cache of a Nengo model.

        Parameters
        ----------
        model : nengo.builder.Model
            An empty Nengo build model (as nengo's tests pass to choose a cache).
        seed : int, optional

        Raises
        ------
        BuildError
            If ``model`` already holds built objects, which the chip could not use.
        """
        if model.params or len(model.operators) > 1:
            raise BuildError(
                f"{model}: a nengo.builder.Model that already holds built objects "
                "cannot be built onto the chip; pass an empty model, or a "
                "nengo_truenorth Model"
            )
        new = cls(
            dt=model.dt, label=model.label, decoder_cache=model.decoder_cache, seed=seed
        )
        new.build_callback = model.build_callback
        return new

    # --- placement decisions -----------------------------------------------------

    def option(self, obj, name, default):
        """Backend option ``name`` of ``obj``, or ``default`` where it is unset.

        Looked up in the configs of the networks that hold ``obj``, the innermost
        first, as :class:`~nengo_truenorth.config.OptionLookup` says.
        """
        if self.toplevel is None:
            return default
        lookup = self._option_lookup
        if lookup is None or lookup.network is not self.toplevel:
            # indexed once per build: a lookup per object then costs a dict access
            lookup = self._option_lookup = OptionLookup(self.toplevel)
        return lookup.get(obj, name, default)

    def learned_inputs(self, ens):
        """Connections into ``ens`` (or its neurons) that have a learning rule.

        Parameters
        ----------
        ens : nengo.Ensemble

        Returns
        -------
        list of nengo.Connection
            In the simulated network's order; empty when no network is being built.
        """
        if self.toplevel is None:
            return []
        if self._learned_inputs is None or self._learned_inputs[0] is not self.toplevel:
            # every connection is looked at once per build, not once per ensemble
            index = {}
            for conn in self.toplevel.all_connections:
                if conn.learning_rule_type is not None:
                    post = conn.post_obj
                    if isinstance(post, nengo.ensemble.Neurons):
                        post = post.ensemble
                    index.setdefault(post, []).append(conn)
            self._learned_inputs = (self.toplevel, index)
        return list(self._learned_inputs[1].get(ens, ()))

    def on_chip(self, obj):
        """bool: whether ``obj`` (an Ensemble or its Neurons) runs on the chip."""
        if isinstance(obj, nengo.ensemble.Neurons):
            obj = obj.ensemble
        return obj in self.chip_ensembles

    # --- the chip ------------------------------------------------------------------
