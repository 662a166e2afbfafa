"""``nengo_truenorth.Simulator``: Nengo's Simulator API, with the network on the chip.

Swap ``nengo.Simulator`` for ``nengo_truenorth.Simulator``: ensembles the chip can run
are compiled onto emulated TrueNorth cores; nodes and everything else run on the host,
exactly as in ``nengo.Simulator``; one simulator step is one chip tick.

A build goes through the four layers in order (:func:`build_chip`): Nengo's build with
the front end's registry (Nengo objects -> IR), the passes (IR -> IR), the compiler
(IR -> ``ChipModel``) and the runtime (an emulator behind one Nengo operator).
"""

import os
import shlex
import shutil
import tempfile
import uuid
import warnings
from dataclasses import dataclass

import nengo
import numpy as np
from nengo.exceptions import SimulationError, ValidationError
from nengo.utils.progress import Progress, ProgressBar, ProgressTracker

from .compiler import compile_graph
from .emulator import get_emulator
from .frontend import Model, chip_loops, finish_build, loop_delays
from .frontend.budget import network_counts
from .frontend.solver import default_decoder_cache
from .hardware.limits import CORES_PER_CHIP
from .passes import (
    check_build_size,
    check_filter_loops,
    connection_fidelity,
    run_passes,
    warn_unfaithful,
)
from .runtime import ChipRecording, SimChip, chip_operator
from .runtime.host_filters import merge_host_filters
from .runtime.optimizer import optimize_model
from .runtime.prepare import prepare_runtime
from .neurons import TrueNorthNeuron


@dataclass(frozen=True)
class ExportedRun:
    """The files of a run exported by :meth:`Simulator.export`.

    Attributes
    ----------
    model, inputs, outputs : str
        Paths of the model file, the input spike file (the host's spikes into the
        chip's input ports) and the expected output spike file.
    ticks : int
        Ticks of the run (the ``--ticks`` of the command line).
    emulator : str
        The emulator the Simulator ran on.
    """

    model: str
    inputs: str
    outputs: str
    ticks: int
    emulator: str

    def command(self, output="rerun.json"):
        """The command line that re-runs the chip and writes ``output``.

        Parameters
        ----------
        output : str, optional
            The spike file the command writes; it must equal :attr:`outputs` byte
            for byte.

        Returns
        -------
        list of str
            ``["python", "-m", "nengo_truenorth", "run", ...]``; join it with
            :func:`shlex.join` to print it.
        """
        return [
            "python", "-m", "nengo_truenorth", "run", self.model,
            "--ticks", str(self.ticks), "--input", self.inputs,
            "--output", str(output), "--emulator", self.emulator,
        ]  # fmt: skip

    def __str__(self):
        return shlex.join(self.command())


class _OpenProgressBar(ProgressBar):
    """A tool's progress bar, shown the network build but not closed after it.

    ``nengo.Simulator.__init__`` then reports its own stages to the same bar and
    closes it; a bar must not be updated once closed (Nengo's
    ``test_simulator_progress_bars``).
    """

    def __init__(self, bar):
        super().__init__()
        self.bar = bar

    def update(self, progress):
        self.bar.update(progress)

    def close(self):
        pass


def _left_open(progress_bar):
    """``progress_bar``, wrapped if it is a tool's own bar (see _OpenProgressBar)."""
    if isinstance(progress_bar, ProgressBar):
        return _OpenProgressBar(progress_bar)
    return progress_bar


def _check_dt(sim, dt):
    """Refuse a ``dt`` that is not a positive, finite number of seconds per tick.

    Nengo takes any ``dt``; on the chip a bad one would surface far from its cause
    (as a max-rate error of the first ensemble, or a division by zero).
    """
    try:
        seconds = float(dt)
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or not (np.isfinite(seconds) and seconds > 0):
        raise ValidationError(
            f"{dt!r} is not a positive, finite number of seconds per step (one "
            "chip tick; 0.001 on the real chip)",
            attr="dt",
            obj=sim,
        )


class Simulator(nengo.Simulator):
    """Run a Nengo network on the emulated TrueNorth chip.

    Parameters
    ----------
    network : nengo.Network
        The network to build and run.
    dt : float, optional
        Seconds per step; one step is one chip tick (1 ms on the real chip).
        Positive and finite, or a ``ValidationError`` naming it.
    seed : int, optional
        Seed of the simulation (host noise, stochastic chip modes and rounding).
    model : Model, optional
        A build model with non-default tunables (see :class:`~.frontend.Model` and
        :class:`~.options.BuildOptions`). An
        empty ``nengo.builder.Model`` lends its ``dt``, label and decoder cache to
        a new chip model; with ``network=None``, a built Nengo model runs on the host
        as in ``nengo.Simulator``.
    progress_bar : bool or ProgressBar, optional
        Show progress bars for the build and for runs. ``True`` adds a terminal bar
        (tqdm) for compiling the chip; a ``ProgressBar`` object gets Nengo's build
        and run progress only.
    optimize : bool, optional
        Run Nengo's operator optimizer on the host part.
    emulator : {"fast", "reference"}, optional
        The chip emulator.
    record_chip_io : bool, optional
        Record, tick by tick, the spikes the host sends into the chip's input ports
        and the spikes of its output ports, so that :meth:`export` can write the run
        for ``python -m nengo_truenorth run``. Off by default: it keeps two small
        arrays per tick until the next :meth:`reset`.

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
        record_chip_io=False,
    ):
        self.closed = True  # as Nengo does: a failed build leaves a closed simulator
        if network is not None:  # a built model (network=None) runs as in Nengo
            _check_dt(self, dt if model is None else model.dt)
        if seed is None and network is not None and network.seed is not None:
            seed = network.seed + 1
        if seed is None:
            seed = np.random.randint(np.iinfo(np.int32).max)
        if model is None:
            model = Model(
                dt=float(dt),
                label=f"{network}, dt={dt:f}",
                decoder_cache=default_decoder_cache(),
                seed=seed,
            )
        elif network is not None and not isinstance(model, Model):
            model = Model.from_nengo_model(model, seed=seed)
        if network is not None:
            if isinstance(model, Model):
                # a model too large to build is refused before Nengo's build
                check_build_size(model.chip, network_counts(model, network))
            # Nengo's build bar, as nengo.Simulator shows it (or the tool's own
            # ProgressBar: NengoGUI's page)
            network_build = Progress("Building the network", "Network build")
            with ProgressTracker(_left_open(progress_bar), network_build) as pt:
                model.build(network, progress=pt.next_stage("Building", "Build"))
            # The compiler's bar is a tqdm bar on the terminal: shown for the default
            # progress_bar=True, not when a tool passes its own ProgressBar (NengoGUI
            # shows Nengo's build progress in the page; tqdm would write to its
            # terminal).
            build_chip(
                model,
                emulator=emulator,
                progress_bar=progress_bar is True,
                announce=progress_bar is not False,
            )
        runtime = model.chip_runtime if isinstance(model, Model) else None
        self.emulator = None if runtime is None else runtime.emulator
        self.compiled = model.compiled if isinstance(model, Model) else None
        self.emulator_name = emulator
        if record_chip_io and runtime is not None:
            runtime.recording = ChipRecording()
        # Nengo's optimizer, minus its pairwise scans of ops that can never merge
        # (the host inputs of thousands of chip ensembles): the same merges, run here
        # on the model, so that Nengo's __init__ (optimize=False) only orders them
        if optimize:
            optimize_model(model, progress_bar=_left_open(progress_bar))
            # the host's probe and input filters, one step for each kind of filter
            merge_host_filters(model)
        for op in model.operators:
            if isinstance(op, SimChip):
                op.read_whole_bases()
        super().__init__(
            None,
            dt=dt,
            seed=seed,
            model=model,
            progress_bar=progress_bar,
            optimize=False,
        )
        self.optimize = optimize  # as Nengo records it (pickled with the simulator)

    def __setstate__(self, state):
        # The chip's state (potentials, spikes in flight, host encoder remainders)
        # is pickled with the model; Nengo's __setstate__ rebuilds the step functions,
        # and the chip operator then goes on from that state instead of resetting.
        model = state["model"]
        runtime = model.chip_runtime if isinstance(model, Model) else None
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
        model = self.compiled.model
        return estimate_energy(self.emulator.activity, model=model, **kwargs)

    def connection_fidelity(self):
        """How faithfully the chip realizes each connection between chip neurons.

        Returns
        -------
        dict of nengo.Connection to dict
            ``weight_error``: the fraction of the connection's weight energy that
            its integer weights get wrong (``||W_chip - W||² / ||W||²``, in
            thresholds of the post neurons); for recurrent connections also
            ``loop_ticks`` (ticks around the loop on the chip) and
            ``nengo_loop_steps`` (steps in ``nengo.Simulator``); for the others
            ``ticks``, from a pre spike to its arrival at the post neurons (the
            realized delay, splitter stages and relays included). The build warns
            of connections beyond ``BuildOptions.max_weight_error`` and of loops
            slower than Nengo's.
        """
        fidelity = getattr(self.model, "fidelity", None) or {}
        return {obj: dict(row) for obj, row in fidelity.items()}

    def _require_chip(self):
        if self.compiled is None:
            raise ValueError(
                f"{self}: no ensemble runs on the chip, so there is no chip to save "
                "(see on_host() for why each ensemble runs on the host)"
            )

    def save_chip(self, path):
        """Write the compiled chip as a model file (spec section 4).

        The file holds every core's parameters, its position on the mesh and the
        seed of its stochastic draws, and the input and output ports the host uses.
        To save the spikes of a run as well, see :meth:`export`.

        Parameters
        ----------
        path : str or path-like
        """
        from .files import save_model

        self._require_chip()
        save_model(self.compiled.model, path)

    def chip_spikes(self):
        """The spikes through the chip's ports since the last reset.

        Needs ``record_chip_io=True``.

        Returns
        -------
        inputs : dict of str to (n, 2) ndarray of int64
            Per input port of the model file (every port, even a silent one),
            ``[tick, index]`` of each spike the host sent, sorted by tick then index.
        outputs : dict of str to (n, 2) ndarray of int64
            Per output port, ``[tick, index]`` of each spike, sorted likewise.

        Raises
        ------
        ValueError
            If no ensemble runs on the chip, or the run was not recorded.
        SimulationError
            If the recording cannot be replayed: an interrupt (an exception or
            KeyboardInterrupt) stopped the chip inside a tick. Reset and run again.
        """
        self._require_chip()
        runtime = self.model.chip_runtime
        recording = runtime.recording
        if recording is None:
            raise ValueError(
                f"{self}: the chip's input and output spikes were not recorded; "
                "build the simulator with record_chip_io=True"
            )
        try:
            runtime.recorded_ticks()
        except SimulationError as error:
            raise SimulationError(f"{self}: {error}") from None
        emulator = self.emulator
        input_axons = {
            port: emulator.input_axons(port) for port in emulator.input_ports()
        }
        inputs = _port_spikes(recording.axons, input_axons, lambda axons: axons)
        watch = runtime.spike_watch
        output_neurons = {
            port: emulator.output_neurons(port) for port in emulator.output_ports()
        }
        for port, neurons in output_neurons.items():
            if not np.isin(neurons, watch).all():  # the builder watches every one
                raise RuntimeError(f"{self}: output port {port!r} is not all watched")
        outputs = _port_spikes(recording.spikes, output_neurons, lambda pos: watch[pos])
        return inputs, outputs

    def export(self, directory):
        """Write the chip and the spikes of the run so far for the command line.

        Writes three files into ``directory``: ``model.json`` (the compiled chip, as
        :meth:`save_chip`), ``input.json`` (the spikes the host sent into the chip's
        input ports, tick by tick) and ``output.json`` (the spikes of the chip's
        output ports). The run, from the last reset to now, then repeats on the
        command line with identical spikes::

            python -m nengo_truenorth run model.json --ticks N --input input.json \
                --output rerun.json --emulator fast

        writes a ``rerun.json`` equal to ``output.json`` byte for byte. The model
        file carries each core's PRNG seed, so stochastic modes repeat too; the
        host's values are in the input spikes, so nothing of the host is needed.

        The three files are written as one set: into a temporary folder beside
        ``directory``, which is then renamed into place. ``directory`` may be new
        (its parents are created), an empty folder, or an earlier export (replaced
        whole); a reader never sees files of two exports side by side.

        Parameters
        ----------
        directory : str or path-like
            The export's folder.

        Returns
        -------
        ExportedRun
            The paths, the number of ticks and the command line (``str()`` of it).

        Raises
        ------
        ValueError
            If no ensemble runs on the chip, if the Simulator was built without
            ``record_chip_io=True``, or if ``directory`` is a file or a folder
            holding other files than an export's (nothing is written then).
        SimulationError
            If an interrupt stopped the chip inside a tick, so that the recording
            cannot be replayed (see :meth:`chip_spikes`).

        Examples
        --------
        >>> import nengo, nengo_truenorth
        >>> with nengo.Network(seed=0) as net:
        ...     ens = nengo.Ensemble(50, 1)
        ...     nengo.Connection(nengo.Node(0.5), ens)
        ...     probe = nengo.Probe(ens, synapse=0.01)
        >>> with nengo_truenorth.Simulator(
        ...     net, record_chip_io=True, progress_bar=False
        ... ) as sim:
        ...     sim.run_steps(100)
        ...     run = sim.export("chip_run")  # doctest: +SKIP
        >>> print(run)  # doctest: +SKIP
        python -m nengo_truenorth run chip_run/model.json --ticks 100 ...
        """
        from .files import save_model, save_spikes

        inputs, outputs = self.chip_spikes()
        model = self.compiled.model
        target = os.path.abspath(os.fspath(directory))
        _check_export_target(self, target)

        def write(folder):
            save_model(model, os.path.join(folder, "model.json"))
            save_spikes(
                inputs, os.path.join(folder, "input.json"), model=model, kind="inputs"
            )
            save_spikes(
                outputs,
                os.path.join(folder, "output.json"),
                model=model,
                kind="outputs",
            )

        _write_folder_atomically(target, write)
        paths = {
            name: os.path.join(os.fspath(directory), f"{name}.json")
            for name in ("model", "input", "output")
        }
        return ExportedRun(
            model=paths["model"],
            inputs=paths["input"],
            outputs=paths["output"],
            ticks=len(self.model.chip_runtime.recording),
            emulator=self.emulator_name,
        )

    def on_host(self):
        """dict of nengo.Ensemble to str: ensembles that run on the host, and why."""
        return dict(self.model.host_ensembles) if isinstance(self.model, Model) else {}

    def saturation(self):
        """How much of the run so far the chip's neurons spent saturated.

        A chip neuron fires at most once per tick. It counts as *saturated* at a tick
        when it fired and its potential after the reset was still at or above its
        threshold (it had more drive than one spike per tick carries, and it falls
        behind), or when its potential was clipped at the chip's 20-bit maximum
        (the emulators' ``Activity.saturated``). Saturated decode neurons clip the
        decoded value at ``BuildOptions.decode_margin`` times the largest value
        their share of the decoders takes on the evaluation points; see the
        "Saturation" section of ``docs/simulator.md``.

        Returns
        -------
        dict of object to dict of str to dict
            Per Nengo object whose neurons run on the chip, per role of those
            neurons: ``"neurons"`` (a chip ensemble's own), ``"decode"`` (decode
            neurons: keyed by the pre ensemble for its sign-plane banks, which all
            its decoded connections share, and by the connection for classic
            decode blocks), ``"filters"`` (filter neurons of a connection's
            synapse) and ``"relays"`` (fan-in relays), a dict of

            - ``fraction``: saturated neuron-ticks over all neuron-ticks since the
              last reset (0.0 before the first tick);
            - ``worst``: the largest fraction of one neuron;
            - ``neurons``: chip neurons in the role;
            - ``ticks``: ticks run since the last reset.

            And ``"host"``, for what the host sends into a chip ensemble (a value,
            or currents into its neurons): its sigma-delta encoder is saturated at a
            tick when a dimension asks for more spikes than its channels carry (the
            rest carries over, so the input arrives late); ``fraction`` and
            ``worst`` count dimension-ticks, and ``dimensions`` replaces
            ``neurons``.

            Empty when no ensemble runs on the chip.

        Examples
        --------
        >>> import nengo, nengo_truenorth
        >>> with nengo.Network(seed=0) as net:
        ...     stim = nengo.Node(0.5)
        ...     a = nengo.Ensemble(50, 1)
        ...     b = nengo.Ensemble(50, 1)
        ...     _ = nengo.Connection(stim, a)
        ...     _ = nengo.Connection(a, b)
        >>> with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        ...     sim.run_steps(200)
        >>> sorted(sim.saturation()[a])
        ['decode', 'neurons']
        >>> sim.saturation()[a]["decode"]["fraction"] < 0.05
        True
        """
        if self.emulator is None:
            return {}
        activity = self.emulator.activity
        ticks = int(activity.ticks)
        out = {}
        for (obj, role), neurons in _saturation_groups(self).items():
            counts = activity.saturated[neurons]
            out.setdefault(obj, {})[role] = {
                "fraction": float(counts.sum()) / (neurons.size * ticks)
                if ticks
                else 0.0,
                "worst": float(counts.max()) / ticks if ticks else 0.0,
                "neurons": int(neurons.size),
                "ticks": ticks,
            }
        # a value and currents into one ensemble's neurons share its "host" row
        per_obj = {}
        for host_input, counts in zip(
            self.model.chip.host_inputs, self.model.chip_runtime.input_saturation()
        ):
            per_obj.setdefault(host_input.obj, []).append(counts)
        for obj, parts in per_obj.items():
            counts = np.concatenate(parts)
            out.setdefault(obj, {})["host"] = {
                "fraction": float(counts.sum()) / (counts.size * ticks)
                if ticks and counts.size
                else 0.0,
                "worst": float(counts.max(initial=0)) / ticks if ticks else 0.0,
                "dimensions": int(counts.size),
                "ticks": ticks,
            }
        return out

    def run_steps(self, steps, progress_bar=None):
        """Simulate ``steps`` steps (chip ticks), as ``nengo.Simulator.run_steps``.

        Afterwards, the first time that some chip neurons have been saturated at
        more than ``BuildOptions.max_saturation`` of their neuron-ticks over at
        least :data:`SATURATION_MIN_TICKS` ticks since the last reset, a
        ``UserWarning`` names them (see :meth:`saturation`); once per Simulator.
        """
        super().run_steps(steps, progress_bar=progress_bar)
        _warn_saturation(self)


#: Ticks since the last reset before saturation is worth a warning: fewer are a
#: transient (a network settling, a step input's first ticks).
SATURATION_MIN_TICKS = 100

def _saturation_groups(sim):
    """dict of (Nengo object, role) to global neurons, built once per Simulator."""
    groups = getattr(sim, "_saturation_neurons", None)
    if groups is not None:
        return groups
    parts = {}
    for group, locations in sim.compiled.neuron_location.items():
        if len(locations) == 0:
            continue
        neurons = sim.emulator.global_neurons(locations)
        parts.setdefault((group.obj, group.role), []).append(neurons)
    groups = {key: np.concatenate(arrays) for key, arrays in parts.items()}
    sim._saturation_neurons = groups
    return groups


def _warn_saturation(sim):
    """Warn (once per Simulator) of chip neurons saturated beyond the option's limit."""
    if (
        getattr(sim, "_saturation_warned", False)
        or sim.emulator is None
        or sim.emulator.activity.ticks < SATURATION_MIN_TICKS
    ):
        return
    limit = sim.model.options.max_saturation
    over = sorted(
        (
            (row["fraction"], obj, role)
            for obj, roles in sim.saturation().items()
            for role, row in roles.items()
            if row["fraction"] > limit
        ),
        key=lambda item: -item[0],
    )
    if not over:
        return
    sim._saturation_warned = True
    host = [(fraction, obj) for fraction, obj, role in over if role == "host"]
    if host:
        _warn_host_saturation(sim, host, limit)
    over = [item for item in over if item[2] != "host"]
    if not over:
        return
    names = [
        f"{obj} ({'its' if role == 'neurons' else role} neurons, {fraction:.0%})"
        for fraction, obj, role in over[:3]
    ]
    if len(over) > 3:
        names.append(f"and {len(over) - 3} more")
    warnings.warn(
        f"{', '.join(names)}: saturated on the chip in more than "
        f"{limit:.0%} of their neuron-ticks over {sim.emulator.activity.ticks} "
        "ticks. A saturated neuron fires once per tick, at most, and falls "
        "behind its input, so the values it carries are clipped (decode neurons "
        "at decode_margin times the largest value on the evaluation points). Keep "
        "the values within the ensembles' radius (a smaller input or transform, "
        "or a larger radius), or raise BuildOptions.decode_margin for decode "
        "neurons; see Simulator.saturation() and the Saturation section of "
        "docs/simulator.md (BuildOptions.max_saturation sets this limit)",
        UserWarning,
    )


def _warn_host_saturation(sim, over, limit):
    """Warn of host inputs whose encoders saturated beyond the option's limit."""
    names = [f"{obj} ({fraction:.0%})" for fraction, obj in over[:3]]
    if len(over) > 3:
        names.append(f"and {len(over) - 3} more")
    warnings.warn(
        f"The host's input into {', '.join(names)} asked for more spikes than its "
        f"channels carry in more than {limit:.0%} of its ticks over "
        f"{sim.emulator.activity.ticks} ticks: the rest carries over, so the input "
        "reaches the chip late. Size the host's spikes to the input: "
        "nengo_truenorth.measure_activity(net, run) for currents into neurons (or "
        "set net.config[ens].neuron_input_range), a larger input_range for values "
        "(BuildOptions), or more input_channels; see Simulator.saturation() and "
        "the Saturation section of docs/simulator.md",
        UserWarning,
    )


#: The files of an export (:meth:`Simulator.export`); a folder holding only these
#: is an earlier export, which a new one replaces whole.
EXPORT_FILES = ("model.json", "input.json", "output.json")


def _check_export_target(sim, target):
    """Refuse an export ``target`` that is a file or a folder of other files."""
    if os.path.lexists(target) and not os.path.isdir(target):
        raise ValueError(
            f"{sim}: cannot export into {target!r}: it is a file; give a folder "
            f"(new, empty or an earlier export) for {', '.join(EXPORT_FILES)}"
        )
    if os.path.isdir(target):
        others = sorted(set(os.listdir(target)) - set(EXPORT_FILES))
        if others:
            raise ValueError(
                f"{sim}: cannot export into {target!r}: it holds other files than "
                f"an export's (e.g. {others[0]!r}), which the export would have to "
                "replace with it as one set; give a new or empty folder"
            )
    parent = os.path.dirname(target)
    if os.path.lexists(parent) and not os.path.isdir(parent):
        raise ValueError(f"{sim}: cannot export into {target!r}: {parent!r} is a file")


def _write_folder_atomically(target, write):
    """Let ``write(folder)`` fill a temporary folder, then rename it to ``target``.

    The folder is made beside ``target`` (same file system, so the rename is
    atomic). A missing or empty ``target`` is replaced by the rename itself; an
    existing one is first renamed aside, then removed, so ``target`` holds the old
    files or the new ones, never a mixture (for a moment, none). Should ``write``
    or a rename fail, the temporary folder goes and ``target`` is as it was.
    """
    parent, name = os.path.split(target)
    os.makedirs(parent, exist_ok=True)
    # os.mkdir, not mkdtemp: the export gets the mode of any new folder (umask)
    staged = os.path.join(parent, f".{name}.export-{uuid.uuid4().hex}")
    os.mkdir(staged)
    aside = None
    try:
        write(staged)
        if os.path.isdir(target) and os.listdir(target):
            aside = tempfile.mkdtemp(prefix=f".{name}.previous-", dir=parent)
            os.replace(target, aside)
        try:
            os.replace(staged, target)
        except BaseException:
            if aside is not None:
                # put the old export back; should that fail too, it stays aside
                previous, aside = aside, None
                os.replace(previous, target)
            raise
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


def voltage_scale(ens, group):
    """How the host reads the potentials of ``ens``'s chip neurons.

    An ensemble of :class:`~.neurons.TrueNorthNeuron` reads the chip's integer
    potentials, as its neuron type defines them. A mapped Nengo type (``LIF``,
    ``SpikingRectifiedLinear``, ...) reads them in Nengo's units, potential over
    threshold (its neurons fire at 1, as Nengo's voltages do), so a voltage probe
    or NengoGUI's voltage plot shows what it would in ``nengo.Simulator``.

    Returns
    -------
    (n,) ndarray or None
        The factor of each potential; None for the integers.
    """
    if isinstance(ens.neuron_type, TrueNorthNeuron):
        return None
    return 1.0 / np.maximum(group.param("threshold"), 1).astype(np.float64)


def build_chip(model, emulator="fast", progress_bar=False, announce=False):
    """After Nengo's build of ``model``: passes, compiler and runtime.

    Sets ``model.compiled`` and ``model.chip_runtime`` and adds the chip's operator
    to the model; does nothing when no ensemble runs on the chip.

    Parameters
    ----------
    model : Model
        Built by Nengo's build with the front end's registry.
    emulator : {"fast", "reference"}, optional
    progress_bar : bool, optional
        Show a terminal bar while compiling large graphs.
    announce : bool, optional
        Say on stderr when the emulator's kernels take more than a second to
        compile before the first step (a fresh environment; see
        :mod:`.runtime.prepare`).
    """
    if not model.chip_ensembles:
        return
    # front end: what the host sends and reads
    spike_ens, voltage_ens = finish_build(model)
    # passes: lowering and discretization of the IR
    run_passes(model.chip)
    # compiler: the IR onto cores
    compiled = compile_graph(
        model.chip.graph,
        seed=model.chip.seed,
        progress_bar=progress_bar,
        copies=model.options.copy_neurons,
    )
    check_filter_loops(model.chip, compiled)
    loops = chip_loops(model)
    rows = connection_fidelity(model.chip, compiled, loops, loop_delays(loops))
    model.fidelity = {
        obj: row for obj, row in rows.items() if isinstance(obj, nengo.Connection)
    }
    compiled.connections = {str(obj): row for obj, row in model.fidelity.items()}
    warn_unfaithful(
        model.fidelity,
        model.options.max_weight_error,
        model.options.warn_loop_latency,
    )
    # runtime: the emulated chip behind one Nengo operator, its kernels compiled
    # (first use in an environment) before the first step, with a word if it is slow
    chip = model.chip_ensembles
    emulator_class = get_emulator(emulator)
    prepare_runtime(emulator_class, len(compiled.model.cores), show=announce)
    runtime, op = chip_operator(
        compiled,
        emulator_class(compiled.model),
        model.chip.host_inputs,
        [
            (chip[e].group, chip[e].amplitude / model.dt, model.sig[e.neurons]["out"])
            for e in spike_ens
        ],
        [
            (chip[e].group, voltage_scale(e, chip[e].group), model.sig[e.neurons]["voltage"])
            for e in voltage_ens
        ],
    )
    model.compiled = compiled
    model.chip_runtime = runtime
    model.add_op(op)


def _port_spikes(per_tick, port_members, to_global):
    """Spike-file trains of ports from per-tick recorded global indices.

    Parameters
    ----------
    per_tick : list of ndarray of int
        Per tick, what was recorded (``to_global`` turns it into global indices).
    port_members : dict of str to ndarray of int64
        Per port, the global axon or neuron of each port index.
    to_global : callable

    Returns
    -------
    dict of str to (n, 2) ndarray of int64
        Per port, ``[tick, index]`` rows sorted by tick, then index.
    """
    counts = np.array([len(x) for x in per_tick], dtype=np.int64)
    ticks = np.repeat(np.arange(len(per_tick), dtype=np.int64), counts)
    members = (
        to_global(np.concatenate(per_tick)).astype(np.int64)
        if counts.sum()
        else np.zeros(0, np.int64)
    )
    out = {}
    for port, globals_ in port_members.items():
        # a global axon or neuron belongs to at most one index of one port
        order = np.argsort(globals_, kind="stable")
        sorted_globals = globals_[order]
        at = np.searchsorted(sorted_globals, members)
        hit = at < sorted_globals.size
        hit[hit] = sorted_globals[at[hit]] == members[hit]
        pairs = np.column_stack([ticks[hit], order[at[hit]]])
        out[port] = np.unique(pairs, axis=0).reshape(-1, 2).astype(np.int64)
    return out
