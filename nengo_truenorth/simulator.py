"""``nengo_truenorth.Simulator``: Nengo's Simulator API, with the network on the chip.

Swap ``nengo.Simulator`` for ``nengo_truenorth.Simulator``: ensembles the chip can run
are compiled onto emulated TrueNorth cores; nodes and everything else run on the host,
exactly as in ``nengo.Simulator``; one simulator step is one chip tick.
"""


import nengo
import numpy as np
from nengo.cache import get_default_decoder_cache

from . import builder as _builder  # noqa: F401  (registers build functions)
from .builder.builder import Model
from .hardware.limits import CORES_PER_CHIP


class Simulator(nengo.Simulator):
    """Run a Nengo network on the emulated TrueNorth chip.

    Parameters
    ----------
    network : nengo.Network
        The network to build and run.
    dt : float, optional
        Seconds per step; one step is one chip tick (1 ms on the real chip).
    seed : int, optional
        Seed of the simulation (host noise, stochastic chip modes and rounding).
    model : Model, optional
        A build model with non-default tunables (see :class:`~.builder.Model`). An
        empty ``nengo.builder.Model`` lends its ``dt``, label and decoder cache to
        a new chip model; with ``network=None``, a built Nengo model runs on the host
        as in ``nengo.Simulator``.
    progress_bar : bool or ProgressBar, optional
        Show progress bars for the build and for runs.
    optimize : bool, optional
        Run Nengo's operator optimizer on the host part.
    emulator : {"fast", "reference"}, optional
        The chip emulator.

    Attributes
    ----------
    emulator : Emulator or None
        The emulated chip (None when no ensemble runs on the chip).
    compiled : CompiledChip or None
        The compiled hardware model and its maps.

    Examples
    --------
    >>> import nengo, numpy as np, nengo_truenorth
    >>> with nengo.Network(seed=0) as net:
    ...     stim = nengo.Node(np.sin)
    ...     ens = nengo.Ensemble(100, 1)
    ...     nengo.Connection(stim, ens)
    ...     probe = nengo.Probe(ens, synapse=0.01)
    >>> with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
    ...     sim.run(0.1)
    >>> sim.data[probe].shape
    (100, 1)
    """

    def __init__(
        self,
        network,
        dt=0.001,
        seed=None,
        model=None,
        progress_bar=True,
        optimize=True,
        emulator="fast",
    ):
        self.closed = True  # as Nengo does: a failed build leaves a closed simulator
        if seed is None and network is not None and network.seed is not None:
            seed = network.seed + 1
        if seed is None:
            seed = np.random.randint(np.iinfo(np.int32).max)
        if model is None:
            model = Model(
                dt=float(dt),
                label=f"{network}, dt={dt:f}",
                decoder_cache=get_default_decoder_cache(),
                seed=seed,
            )
        elif network is not None and not isinstance(model, Model):
            model = Model.from_nengo_model(model, seed=seed)
        if network is not None:
            model.build(network)
            model.finalize_chip(emulator=emulator, progress_bar=progress_bar)
        self.emulator = getattr(model, "emulator", None)
        self.compiled = getattr(model, "compiled", None)
        super().__init__(
            None,
            dt=dt,
            seed=seed,
            model=model,
            progress_bar=progress_bar,
            optimize=optimize,
        )

    def __setstate__(self, state):
        # The chip's state (potentials, spikes in flight, host encoder remainders)
        # is pickled with the model; Nengo's __setstate__ rebuilds the step functions,
        # and the chip operator then goes on from that state instead of resetting.
        runtime = getattr(state["model"], "chip_runtime", None)
        if runtime is not None:
            runtime.resume_next_time()
        super().__setstate__(state)

    # --- what it costs -------------------------------------------------------------

    def resources(self):
        """dict: cores used, fraction of a chip, splitter overhead, per-core use."""
        if self.compiled is None:
            return {"cores": 0, "chip_fraction": 0.0}
        stats = dict(self.compiled.stats())
        stats.setdefault("cores", len(self.compiled.model.cores))
        stats["chip_fraction"] = stats["cores"] / CORES_PER_CHIP
        return stats

    def energy(self, operating_point=None):
        """Energy and power of the run so far (an :class:`~.energy.EnergyReport`)."""
        from .energy import estimate_energy

        if self.emulator is None:
            raise ValueError(f"{self}: no ensemble runs on the chip")
        kwargs = {} if operating_point is None else {"operating_point": operating_point}
        return estimate_energy(self.emulator.activity, model=self.compiled.model, **kwargs)

    def save_chip(self, path):
        """Write the compiled chip as a model file (spec section 4)."""
        from .files import save_model

        if self.compiled is None:
            raise ValueError(f"{self}: no ensemble runs on the chip")
        save_model(self.compiled.model, path)

    def on_host(self):
        """dict of nengo.Ensemble to str: ensembles that run on the host, and why."""
        return dict(getattr(self.model, "host_ensembles", {}))


