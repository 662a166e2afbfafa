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

import numpy as np
from nengo.builder.operator import Operator


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
        self._rows = np.arange(channels)[:, None] * size + np.arange(size)

    @property
    def n_channels(self):
        """int: all channels, on and off."""
        return 2 * self.channels * self.size

    def reset(self):
        """Forget the remainder."""
        self.acc[:] = 0

    def encode(self, value):
        """Add one tick of ``value``; return the indices of the channels that spike."""
        self.acc += value / self.unit
        count = np.clip(np.trunc(self.acc), -self.channels, self.channels)
        self.acc -= count
        on = self._rows[np.arange(self.channels)[:, None] < count[None, :]]
        off = self._rows[np.arange(self.channels)[:, None] < -count[None, :]]
        return np.concatenate([on, off + self.channels * self.size]).astype(np.int64)

    def channel_weights(self, encoders):
        """Potential per spike of every channel onto post neurons.

        Parameters
        ----------
        encoders : (n_post, size) ndarray
            Potential per tick per unit of value.

        Returns
        -------
        (n_post, n_channels) ndarray
        """
        per_dim = encoders * self.unit[None, :]
        on = np.tile(per_dim, (1, self.channels))
        return np.hstack([on, -on])


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
    """

    def __init__(self):
        self.axons = []
        self.spikes = []

    def __len__(self):
        return len(self.axons)

    def clear(self):
        """Forget every recorded tick."""
        self.axons.clear()
        self.spikes.clear()

    def append(self, axons, spikes):
        """Record one tick: the driven global ``axons`` and the ``spikes`` bool mask."""
        self.axons.append(axons)
        self.spikes.append(np.flatnonzero(spikes))


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
    voltages : list of (n,) ndarray
        Per voltage signal, the positions of its neurons in the voltage watch list.

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
        self._channel_axons = [
            (np.concatenate(axons) if axons else np.zeros(0, np.int64),
             np.cumsum([0] + [len(a) for a in axons]))
            for _, axons in inputs
        ]

    def reset(self):
        self.emulator.reset()
        for encoder, _ in self.inputs:
            encoder.reset()
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

    def tick(self, values, spike_signals, voltage_signals):
        """Run one tick: encode ``values``, step the chip, fill the output signals."""
        axons = []
        for (encoder, _), (flat, ptr), value in zip(
            self.inputs, self._channel_axons, values
        ):
            fired = encoder.encode(value)
            if fired.size:
                axons.extend(flat[ptr[c] : ptr[c + 1]] for c in fired)
        axons = np.concatenate(axons) if axons else np.zeros(0, np.int64)
        spikes, potentials = self.emulator.advance_tick(
            axons, self.spike_watch, self.voltage_watch
        )
        if self.recording is not None:
            self.recording.append(axons, spikes)
        for (positions, height), out in zip(self.outputs, spike_signals):
            out[...] = np.where(positions >= 0, spikes[positions] * height, 0.0)
        for positions, out in zip(self.voltages, voltage_signals):
            out[...] = potentials[positions]


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

    def _descstr(self):
        return f"{len(self.reads)} inputs, {len(self.sets)} outputs"

    def make_step(self, signals, dt, rng):
        runtime = self.runtime
        runtime.resume_or_reset()
        values = [signals[s] for s in self.reads]
        spikes = [signals[s] for s in self.sets[: self.n_spikes]]
        voltages = [signals[s] for s in self.sets[self.n_spikes :]]

        def step_simchip():
            runtime.tick(values, spikes, voltages)

        return step_simchip
