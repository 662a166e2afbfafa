"""The host's side of the chip: values into spikes, spikes into signals, a tick a step.

Values enter the chip as spikes through input ports. Each dimension of a value has
``channels`` on-channels and as many off-channels; a first-order sigma-delta encoder
accumulates the value every tick and emits a spike for each whole ``unit`` it holds,
on up to ``channels`` channels of the matching sign (one spike per channel per tick),
keeping the remainder. So the mean spike count tracks ``value / unit`` exactly, and the
error of the running sum never exceeds one ``unit``. The post neurons' edges weigh each
channel's spikes by ``unit`` times their encoders.

Spikes leave the chip through output ports and become Nengo spike signals of height
``amplitude / dt``, so Nengo's own decoders, synapses and probes work on them.
"""

import numba
import numpy as np
from nengo.builder.operator import Operator
from nengo.exceptions import SimulationError

from ..ir import channel_weights


class SigmaDeltaEncoder:
    """Spikes on on/off channels whose count tracks a vector value, tick by tick.

    Parameters
    ----------
    size : int
        Dimensions of the value.
    channels : int
        Channels per dimension and sign (the most spikes per tick).
    unit : float or (size,) ndarray
        Value that one spike stands for.

    Attributes
    ----------
    saturated : (size,) ndarray of int64
        Per dimension, the ticks since the last :meth:`reset` at which the value
        asked for more spikes than its channels carry; the rest carries over, so
        the value reaches the chip late.

    Notes
    -----
    Channel order is ``(sign, channel, dimension)``: index
    ``(s * channels + c) * size + k`` for dimension ``k``, channel ``c`` and sign
    ``s`` (0 for on, 1 for off).
    """

    def __init__(self, size, channels, unit):
        self.size = size
        self.channels = channels
        self.unit = np.broadcast_to(np.asarray(unit, dtype=np.float64), (size,)).copy()
        self.acc = np.zeros(size)
        self.saturated = np.zeros(size, dtype=np.int64)
        self._limit = np.full(size, channels, dtype=np.int64)
        # channel index of each (dimension, channel), for either sign
        self._on = np.arange(channels)[None, :] * size + np.arange(size)[:, None]
        self._off = self._on + channels * size
        self._n_channels = 2 * channels * size

    @classmethod
    def stack(cls, encoders):
        """One encoder for several, their dimensions and channels one after another.

        Channel ``i`` of ``encoders[j]`` becomes channel ``i`` plus the channels of
        ``encoders[:j]``; the encoders may have different numbers of channels.
        Encoding with the stack gives every encoder's spikes with one set of numpy
        calls, whatever the number of encoders.
        """
        stacked = cls.__new__(cls)
        stacked.size = sum(e.size for e in encoders)
        stacked.channels = max((e.channels for e in encoders), default=0)
        stacked.unit = np.concatenate([e.unit for e in encoders] or [np.zeros(0)])
        stacked.acc = np.zeros(stacked.size)
        stacked.saturated = np.zeros(stacked.size, dtype=np.int64)
        stacked._limit = np.concatenate(
            [e._limit for e in encoders] or [np.zeros(0, np.int64)]
        )
        # absent channels (-1) lie beyond their dimension's limit, so never spike
        stacked._on = np.full((stacked.size, stacked.channels), -1, dtype=np.int64)
        stacked._off = stacked._on.copy()
        dim0 = channel0 = 0
        for e in encoders:
            dims = slice(dim0, dim0 + e.size)
            stacked._on[dims, : e.channels] = e._on + channel0
            stacked._off[dims, : e.channels] = e._off + channel0
            dim0 += e.size
            channel0 += e.n_channels
        stacked._n_channels = channel0
        return stacked

    @property
    def n_channels(self):
        """int: all channels, on and off."""
        return self._n_channels

    def reset(self):
        """Forget the remainder and the saturated ticks."""
        self.acc[:] = 0
        self.saturated[:] = 0

    def encode(self, value):
        """Add one tick of ``value``; return the indices of the channels that spike.

        On-channels first, by dimension then channel; then the off-channels.
        """
        if self._identity is None:
            n = self.n_channels
            self._identity = (np.arange(n + 1, dtype=np.int64), np.arange(n))
        return self.encode_to(value, *self._identity)

    _identity = None

    def encode_to(self, value, ptr, targets):
        """:meth:`encode`, then every fired channel's targets, one after another.

        Parameters
        ----------
        value : (size,) ndarray
        ptr, targets : ndarray of int64
            Channel ``i``'s targets are ``targets[ptr[i]:ptr[i + 1]]`` (CSR).

        Returns
        -------
        ndarray of int64
        """
        value = np.ascontiguousarray(value, dtype=np.float64)
        if value.shape != (self.size,):
            raise ValueError(
                f"{self}: value of shape {value.shape}, not ({self.size},)"
            )
        return _encode_tick(
            value,
            self.unit,
            self._limit,
            self.acc,
            self.saturated,
            self._on,
            self._off,
            ptr,
            targets,
        )

    def channel_weights(self, encoders):
        """Potential per spike of every channel onto post neurons.

        Parameters
        ----------
        encoders : (n_post, size) ndarray
            Potential per tick per unit of value.

        Returns
        -------
        (n_post, n_channels) ndarray
            :func:`nengo_truenorth.ir.channel_weights`: the channel layout the
            passes gave the input group.
        """
        return channel_weights(encoders, self.unit, self.channels)


@numba.njit(cache=True, nogil=True)
def _encode_tick(value, unit, limit, acc, saturated, on, off, ptr, targets):
    """One tick of :meth:`SigmaDeltaEncoder.encode_to` (``acc`` and ``saturated``
    are updated in place).

    A small kernel: a tick's dozen NumPy calls on a few values cost far more than
    their arithmetic.
    """
    size, channels = on.shape
    count = np.empty(size, dtype=np.int64)
    n_out = 0
    for d in range(size):
        a = acc[d] + value[d] / unit[d]
        whole = np.trunc(a)
        c = min(max(whole, -limit[d]), limit[d])
        if c != whole:
            saturated[d] += 1
        acc[d] = a - c
        count[d] = int(c)
        table = on if c > 0 else off
        for k in range(abs(count[d])):
            ch = table[d, k]
            n_out += ptr[ch + 1] - ptr[ch]
    out = np.empty(n_out, dtype=np.int64)
    n = 0
    for sign in range(2):
        table = on if sign == 0 else off
        for d in range(size):
            fired = count[d] if sign == 0 else -count[d]
            for k in range(fired):  # nothing for a count of the other sign
                ch = table[d, k]
                for j in range(ptr[ch], ptr[ch + 1]):
                    out[n] = targets[j]
                    n += 1
    return out


class ChipRecording:
    """The global axons the host drives and the watched spikes, tick by tick.

    Filled by :meth:`ChipRuntime.tick` when a Simulator records its chip's traffic
    (``record_chip_io=True``); one append of two small arrays per tick. Ticks count
    from the emulator's tick 0 and the record starts again on every reset.

    Attributes
    ----------
    axons : list of ndarray of int64
        Per tick, the global axons the host made active.
    spikes : list of ndarray of int64
        Per tick, the positions in the runtime's spike watch list that spiked.
    torn : str or None
        Why the record can no longer be replayed (an interrupt inside a chip tick,
        see :meth:`ChipRuntime.tick`), or None; a reset clears it.
    """

    def __init__(self):
        self.axons = []
        self.spikes = []
        self.torn = None

    def __len__(self):
        return len(self.axons)

    def clear(self):
        """Forget every recorded tick (and any tear)."""
        self.axons.clear()
        self.spikes.clear()
        self.torn = None

    def append(self, axons, spikes):
        """Record one tick: the driven global ``axons`` and the ``spikes`` bool mask."""
        spiked = np.flatnonzero(spikes)
        self.axons.append(axons)
        self.spikes.append(spiked)

    def truncate(self, ticks):
        """Keep the first ``ticks`` ticks only (both lists alike)."""
        del self.axons[ticks:]
        del self.spikes[ticks:]

    def tear(self, tick, error):
        """Mark the record unreplayable: ``error`` stopped chip tick ``tick`` midway."""
        self.torn = (
            f"the run was interrupted inside chip tick {tick} "
            f"({type(error).__name__}: {error}), so the chip may be part-way "
            "through a tick that no recording can replay"
        )


class ChipRuntime:
    """Steps the emulator once per Nengo step, with the host's inputs and outputs.

    Parameters
    ----------
    emulator : Emulator
    inputs : list of (SigmaDeltaEncoder, list of (n_port,) ndarray)
        Per input signal, its encoder and, per channel, the global axons it drives.
    outputs : list of ((n,) ndarray, float)
        Per spike signal, the positions of its neurons in the spike watch list (-1:
        not on the chip's outputs) and the spike height.
    spike_watch, voltage_watch : ndarray of int
        Global neurons whose spikes and potentials the host reads.
    voltages : list of ((n,) ndarray, (n,) ndarray or None)
        Per voltage signal, the positions of its neurons in the voltage watch list,
        and the factor each potential is read with (None: the integer potential).

    Attributes
    ----------
    recording : ChipRecording or None
        Where :meth:`tick` records the chip's traffic; None records nothing.
    """

    recording = None

    def __init__(self, emulator, inputs, outputs, spike_watch, voltage_watch, voltages):
        self.emulator = emulator
        self.inputs = inputs
        self.outputs = outputs
        self.spike_watch = np.asarray(spike_watch, dtype=np.int64)
        self.voltage_watch = np.asarray(voltage_watch, dtype=np.int64)
        self.voltages = voltages
        self._build_encoding_tables()
        self._build_output_tables()

    def _build_encoding_tables(self):
        """All inputs' encoders stacked into one; one table from its channels to axons.

        A tick then costs a few numpy calls whatever the number of inputs; the fired
        channels' axons are gathered from one CSR table (``_axon_ptr``,
        ``_axon_flat``) indexed by the stacked encoder's channels.
        """
        self._encoder = SigmaDeltaEncoder.stack([encoder for encoder, _ in self.inputs])
        axons = [
            np.asarray(a, dtype=np.int64)
            for _, per_input in self.inputs
            for a in per_input
        ]
        self._axon_ptr = np.cumsum([0] + [a.size for a in axons]).astype(np.int64)
        self._axon_flat = np.concatenate(axons) if axons else np.zeros(0, np.int64)

    def _build_output_tables(self):
        """Every spike signal's positions and heights, concatenated."""
        positions = [np.asarray(p, dtype=np.int64) for p, _ in self.outputs]
        self._out_bounds = np.cumsum([0] + [p.size for p in positions])
        self._out_positions = (
            np.concatenate(positions) if positions else np.zeros(0, np.int64)
        )
        heights = [h for _, h in self.outputs]
        self._out_heights = np.concatenate(
            [np.full(p.size, h, dtype=np.float64) for p, h in zip(positions, heights)]
            or [np.zeros(0)]
        )
        self._out_on_chip = self._out_positions >= 0
        self._out_safe = np.where(self._out_on_chip, self._out_positions, 0)

    def reset(self):
        self.emulator.reset()
        self._encoder.reset()
        if self.recording is not None:
            self.recording.clear()

    def resume_next_time(self):
        """Make the next :meth:`resume_or_reset` keep the chip's state.

        An unpickled Simulator rebuilds its step functions; its chip, unpickled with
        the potentials and spikes in flight of the run, must go on from there.
        """
        self._resume = True

    def resume_or_reset(self):
        """Reset, unless :meth:`resume_next_time` asked to keep the state once."""
        if getattr(self, "_resume", False):
            self._resume = False
        else:
            self.reset()

    def input_saturation(self):
        """Per input (in the order of ``inputs``), its encoder's saturated ticks per
        dimension since the last reset (:attr:`SigmaDeltaEncoder.saturated`)."""
        saturated = self._encoder.saturated
        bounds = np.cumsum([0] + [encoder.size for encoder, _ in self.inputs])
        return [saturated[a:b].copy() for a, b in zip(bounds[:-1], bounds[1:])]

    def encode(self, values):
        """Add one tick of every input value; return the global axons that spike."""
        if self._encoder.size == 0:
            return np.zeros(0, np.int64)
        return self._encoder.encode_to(
            np.concatenate(values), self._axon_ptr, self._axon_flat
        )

    def tick(self, values, spike_signals, voltage_signals):
        """Run one tick: encode ``values``, step the chip, fill the output signals."""
        if self.recording is None:
            axons = self.encode(values)
            spikes, potentials = self.emulator.advance_tick(
                axons, self.spike_watch, self.voltage_watch
            )
        else:
            spikes, potentials = self._recorded_tick(values)
        if spike_signals and spikes.size:
            heights = np.where(
                self._out_on_chip, spikes[self._out_safe] * self._out_heights, 0.0
            )
            bounds = self._out_bounds
            for k, out in enumerate(spike_signals):
                out[...] = heights[bounds[k] : bounds[k + 1]]
        else:
            for out in spike_signals:
                out[...] = 0.0
        for (positions, scale), out in zip(self.voltages, voltage_signals):
            out[...] = potentials[positions] if scale is None else (
                potentials[positions] * scale
            )

    def _recorded_tick(self, values):
        """:meth:`tick`'s chip step, with the recording kept in step with the chip.

        An exception or a KeyboardInterrupt may stop a tick anywhere (a Node's error
        ends Nengo's step; Ctrl-C lands between any two bytecodes). Stopped before
        the emulator starts the tick, the chip is as the record says. Stopped after
        the emulator returned, the tick happened: it is recorded, once, even if the
        interrupt came before or inside the append. Stopped inside the emulator,
        the chip may be part-way through the tick, which no record can replay: the
        record is torn (:meth:`ChipRecording.tear`) and :meth:`recorded_ticks`
        refuses until a reset.
        """
        recording = self.recording
        ticks = len(recording)
        stage = "encoding"
        try:
            axons = self.encode(values)
            stage = "advancing"
            spikes, potentials = self.emulator.advance_tick(
                axons, self.spike_watch, self.voltage_watch
            )
            stage = "recording"
            recording.append(axons, spikes)
        except BaseException as error:
            if stage == "advancing":
                recording.tear(ticks, error)
            elif stage == "recording":
                recording.truncate(ticks)
                recording.append(axons, spikes)
            raise
        return spikes, potentials

    def recorded_ticks(self):
        """The number of ticks recorded, checked against the chip's own count.

        Returns
        -------
        int

        Raises
        ------
        SimulationError
            If there is no recording, if it is torn, or if the emulator ran ticks
            the recording does not hold (run outside :meth:`tick`); the message
            says why a replay of the record would not match the chip.
        """
        recording = self.recording
        if recording is None:
            raise SimulationError("the chip's traffic is not recorded")
        remedy = "reset the simulator (sim.reset()) and run again to export"
        if recording.torn is not None:
            raise SimulationError(f"{recording.torn}; {remedy}")
        ticks = len(recording)
        if not ticks == len(recording.spikes) == self.emulator.tick:
            raise SimulationError(
                f"the recording holds {ticks} ticks of input and "
                f"{len(recording.spikes)} of output, but the chip has run "
                f"{self.emulator.tick}: a replay would not match the chip; {remedy}"
            )
        return ticks


class SimChip(Operator):
    """Run one chip tick: read the host's input values, set spike and voltage signals.

    1. sets ``spikes`` and ``voltages``
    2. incs ``[]``
    3. reads ``values``
    4. updates ``[]``
    """

    def __init__(self, runtime, values, spikes, voltages, tag=None):
        super().__init__(tag=tag)
        self.runtime = runtime
        self.n_values, self.n_spikes = len(values), len(spikes)
        self.sets = list(spikes) + list(voltages)
        self.incs = []
        self.reads = list(values)
        self.updates = []
        self.values = None

    def _descstr(self):
        return f"{len(self.values or self.reads)} inputs, {len(self.sets)} outputs"

    def read_whole_bases(self):
        """Declare reads of whole merged signals where the inputs fill them exactly.

        After Nengo's optimizer, the inputs of thousands of chip ensembles are views
        of a few merged signals. Nengo orders operators by comparing every view read
        with every view written on the same base (quadratic in the views); a read of
        the whole base, which these inputs fill exactly and nothing else shares,
        orders the same operators with one comparison per writer. The views are
        kept for reading the values (:attr:`values`). Call it after optimization.
        """
        self.values = list(self.reads)
        by_base = {}
        for sig in self.values:
            by_base.setdefault(sig.base, []).append(sig)
        reads = []
        for sig in self.values:
            views = by_base.get(sig.base)
            if views is None:
                continue  # this base was declared already
            if _fill_exactly(sig.base, views):
                reads.append(sig.base)
                del by_base[sig.base]
            else:
                reads.append(sig)
        self.reads = reads

    def make_step(self, signals, dt, rng):
        runtime = self.runtime
        runtime.resume_or_reset()
        values = [signals[s] for s in (self.values or self.reads)]
        spikes = [signals[s] for s in self.sets[: self.n_spikes]]
        voltages = [signals[s] for s in self.sets[self.n_spikes :]]

        def step_simchip():
            runtime.tick(values, spikes, voltages)

        return step_simchip


def _fill_exactly(base, views):
    """Whether ``views`` of ``base`` are disjoint, contiguous 1-D slices that cover
    it exactly (so a read of ``base`` reads just them)."""
    if base.ndim != 1 or not all(v.ndim == 1 for v in views):
        return False
    if not all(v.elemstrides == (1,) or v.size <= 1 for v in views):
        return False
    spans = sorted((v.elemoffset, v.elemoffset + v.size) for v in views)
    position = 0
    for start, stop in spans:
        if start != position:
            return False
        position = stop
    return position == base.size
