"""Sigma-delta adaptive spiking neurons as Nengo neuron types.

:class:`SigmaDelta` is the ΣΔ adaptive neuron of Boeshertz et al. (ICONS 2024): it
compares its low-passed input current with its own reconstruction -- a feedback current
that decays with ``tau_fb`` and gets a kick from every spike it emits -- and fires when
the input is ahead. :class:`SigmaDeltaRate` is its rate counterpart, the clipped
rectified line ``clip(J, 0, max_rate)`` that the spiking neuron's rate follows exactly.

Units follow Nengo's ``SpikingRectifiedLinear``: the input current ``J`` is in Hz (the
rate it asks for), and a spike is ``amplitude / dt``. So one spike carries one unit of
charge (``J·dt`` summed over steps), and the reconstruction is in Hz as well.

This module knows only Nengo and NumPy. The TensorFlow implementation for NengoDL lives
in :mod:`nengo_sigmadelta.dl`.
"""

import numpy as np
from nengo.dists import Choice, Uniform
from nengo.exceptions import ValidationError
from nengo.neurons import NeuronType
from nengo.params import EnumParam, NumberParam

#: The ceiling of the rate, in Hz, unless given: one spike per step at Nengo's
#: default ``dt`` of 1 ms. A ΣΔ neuron fires at most once per step.
DEFAULT_MAX_RATE = 1000.0

#: Default time constant of the self-inhibitory feedback current, in seconds. It
#: equals Nengo's default synapse, so the neuron's ``feedback`` state is exactly what
#: a default ``nengo.Connection`` decodes from its spikes.
DEFAULT_TAU_FB = 0.005

#: The two resets: ``"subtract"`` keeps the remainder above threshold (an exact,
#: first-order ΣΔ modulator); ``"zero"`` is the published Loihi neuron (reset to zero,
#: membrane clipped at zero), whose reconstruction sits above its input.
RESETS = ("subtract", "zero")


def feedback_kick(dt, tau_fb):
    """Jump of the feedback current at one spike, in Hz.

    The feedback current is the spike train (``1/dt`` per spike) through a lowpass
    filter with time constant ``tau_fb``, discretized exactly as ``nengo.Lowpass``
    does (zero-order hold), so a spike adds ``(1 - exp(-dt/tau_fb)) / dt``. This is
    also the resolution of the reconstruction: it can only move up in steps this size.

    Parameters
    ----------
    dt : float
        Simulator time step, in seconds.
    tau_fb : float or (n_neurons,) array_like
        Feedback time constant, in seconds.

    Returns
    -------
    kick : float or (n_neurons,) ndarray
        ``-expm1(-dt / tau_fb) / dt``, in Hz (about ``1 / tau_fb`` when
        ``tau_fb >> dt``).
    """
    return -np.expm1(-dt / np.asarray(tau_fb, dtype=float)) / dt


class SigmaDeltaRate(NeuronType):
    """Rate counterpart of :class:`SigmaDelta`: a rectified line clipped at max_rate.

    ``output = amplitude * clip(J, 0, max_rate)``. This is the activation of the
    low-pass RNN, ``clip(z, 0, a_max)``, in Nengo's units: use it to train, or to
    check a network before making it spike.

    Parameters
    ----------
    max_rate : float, optional
        Ceiling of the rate, in Hz. For the spiking neuron this is one spike per
        step, so it should be at most ``1 / dt``.
    amplitude : float, optional
        Scaling factor on the output.
    initial_state : {str: Distribution or array_like}, optional
        Mapping from state variable names to their initial value.

    Examples
    --------
    >>> import numpy as np
    >>> SigmaDeltaRate(max_rate=500).rates(np.array([-0.5, 0.5, 2.0]), 400.0, 0.0)
    array([[  0.],
           [200.],
           [500.]])
    """

    negative = False

    max_rate = NumberParam("max_rate", low=0, low_open=True)
    amplitude = NumberParam("amplitude", low=0, low_open=True)

    def __init__(self, max_rate=DEFAULT_MAX_RATE, amplitude=1, initial_state=None):
        super().__init__(initial_state)
        self.max_rate = max_rate
        self.amplitude = amplitude

    def gain_bias(self, max_rates, intercepts):
        """Shift and scale the line so it passes ``(intercept, 0)`` and ``(1, max)``.

        Parameters
        ----------
        max_rates : (n_neurons,) array_like
            Rates at ``x = 1``, in Hz; each must be at most ``max_rate``.
        intercepts : (n_neurons,) array_like
            Values of ``x`` where the rate leaves zero, below 1.

        Returns
        -------
        gain, bias : (n_neurons,) ndarray
        """
        max_rates = np.asarray(np.atleast_1d(max_rates), dtype=float)
        intercepts = np.asarray(np.atleast_1d(intercepts), dtype=float)
        if np.any(max_rates > self.max_rate):
            raise ValidationError(
                f"{self}: max_rates up to {max_rates.max():g} Hz exceed the ceiling "
                f"max_rate = {self.max_rate:g} Hz (one spike per step)",
                attr="max_rates",
                obj=self,
            )
        gain = max_rates / (1 - intercepts)
        bias = -intercepts * gain
        return gain, bias

    def max_rates_intercepts(self, gain, bias):
        """Invert :meth:`gain_bias` (the rate at ``x = 1`` is clipped at the ceiling).

        Parameters
        ----------
        gain, bias : (n_neurons,) array_like

        Returns
        -------
        max_rates, intercepts : (n_neurons,) ndarray
        """
        gain = np.asarray(gain, dtype=float)
        bias = np.asarray(bias, dtype=float)
        intercepts = -bias / gain
        max_rates = np.minimum(gain + bias, self.max_rate)
        return max_rates, intercepts

    def rates(self, x, gain, bias):
        """Rates in Hz: ``amplitude * clip(gain * x + bias, 0, max_rate)``.

        Parameters
        ----------
        x : (n_samples,) or (n_samples, n_neurons) array_like
        gain, bias : (n_neurons,) array_like

        Returns
        -------
        rates : (n_samples, n_neurons) ndarray
        """
        J = self.current(x, gain, bias)
        out = np.zeros_like(J)
        SigmaDeltaRate.step(self, dt=1.0, J=J, output=out)
        return out

    def step(self, dt, J, output):
        """Set ``output`` to the clipped line (``dt`` is unused)."""
        output[...] = self.amplitude * np.clip(J, 0, self.max_rate)


class SigmaDelta(SigmaDeltaRate):
    """ΣΔ adaptive spiking neuron (Boeshertz, Indiveri, Nair & Renner, ICONS 2024).

    Each neuron carries an input current ``i`` (its input ``J``, clipped to
    ``[0, max_rate]``, through a lowpass with ``tau_fb``), a self-inhibitory
    feedback current ``x̂`` (its own spike train through the same lowpass: the
    reconstruction of what it has sent) and a membrane voltage ``v``. With
    ``d = exp(-dt/tau_fb)`` and ``k = (1 - d)/dt`` (:func:`feedback_kick`), one step is

    1. ``J' = clip(J, 0, min(max_rate, 1/dt))`` -- negative input neither fires nor
       builds a debt, and a neuron fires at most once per step; this is the clamp
       ``clip(z, 0, a_max)`` of the low-pass RNN, carried out by the neuron;
    2. ``i ← d·i + (1 - d)·J'``;  ``x̂ ← d·x̂``  (both currents decay);
    3. integrate the input minus the reconstruction and fire when the membrane is
       above ``threshold``;
    4. on a spike, kick the feedback current, ``x̂ ← x̂ + k``.

    Step 3 depends on ``reset``:

    ``"subtract"`` (default)
        The membrane keeps the remainder above threshold. Written in the currents,
        ``v`` holds the charge the neuron owes: the integral of ``i - x̂`` plus what
        the two currents will still deliver, ``τ'·(i - x̂)`` with
        ``τ' = d·dt/(1 - d)``. That sum changes by exactly ``J'·dt`` per step and by
        ``-1`` per spike, so it is computed that way: ``v ← v + J'·dt``; spike if
        ``v > threshold``; ``v ← v - 1``. This makes the neuron an exact first-order
        ΣΔ modulator of ``J'``: ``v`` stays in ``(threshold - 1, threshold]``, so
        over any window the spike count is ``Σ J'·dt`` within one spike, and the
        reconstruction ``x̂`` stays within one kick ``k`` of the input current
        ``i`` -- spike timing carries the value. The rate is exactly
        ``clip(J, 0, max_rate)``.
    ``"zero"``
        The published Loihi neuron: ``v ← v + (i - x̂)·dt``; spike if
        ``v > threshold``, then ``v ← 0``; ``v`` is clipped at 0 from below. With the
        paper's ``threshold = 0`` it fires whenever ``i > x̂``, so ``x̂`` sits between
        ``i`` and ``i + k`` and the rate exceeds ``J`` by up to one kick (about
        ``k/2`` on average; see ``docs/sigmadelta/``). The paper's membrane leak
        ``tau_v`` has no effect with threshold 0 and is not modelled.

    ``threshold`` is in units of one spike's charge. With ``reset="subtract"`` it
    only sets the phase of the spike train (where in its unit interval the
    remainder is compared), not the rate.

    Parameters
    ----------
    tau_fb : float, optional
        Time constant of the feedback current and of the input current, in
        seconds. The reconstruction resolves steps of ``k ≈ 1/tau_fb`` Hz. Decode
        the spikes with ``nengo.Lowpass(tau_fb)`` to read the reconstruction. The
        default equals Nengo's default synapse.
    threshold : float, optional
        Membrane threshold, in spikes. 0 (the default, as in the paper) fires as
        soon as the input gets ahead of the reconstruction.
    reset : {"subtract", "zero"}, optional
        Reset after a spike; see above.
    max_rate : float, optional
        Ceiling of the rate, in Hz; at most ``1 / dt`` (one spike per step). The
        default, 1000 Hz, is one spike per step at Nengo's default ``dt``.
    amplitude : float, optional
        Scaling factor on the output; a spike is ``amplitude / dt``.
    initial_state : {str: Distribution or array_like}, optional
        Initial values of ``"voltage"`` (default uniform in ``(-1, 0)``, a random
        phase), ``"current"`` and ``"feedback"`` (default 0).

    Examples
    --------
    A constant 300 Hz drive fires 3 spikes in 10 steps, within one of 300 per second:

    >>> import numpy as np
    >>> neuron = SigmaDelta()
    >>> state = {k: np.zeros(1) for k in ("voltage", "current", "feedback")}
    >>> out, n_spikes = np.zeros(1), 0
    >>> for _ in range(10):
    ...     neuron.step(0.001, np.array([300.0]), out, **state)
    ...     n_spikes += int(out[0] > 0)
    >>> n_spikes
    3

    In a network, with Nengo's default tuning:

    >>> import nengo
    >>> with nengo.Network() as net:
    ...     ens = nengo.Ensemble(50, 1, neuron_type=SigmaDelta())
    """

    state = {
        "voltage": Uniform(low=-1, high=0),
        "current": Choice([0]),
        "feedback": Choice([0]),
    }
    spiking = True

    tau_fb = NumberParam("tau_fb", low=0, low_open=True)
    threshold = NumberParam("threshold")
    reset = EnumParam("reset", values=RESETS)

    def __init__(
        self,
        tau_fb=DEFAULT_TAU_FB,
        threshold=0.0,
        reset="subtract",
        max_rate=DEFAULT_MAX_RATE,
        amplitude=1,
        initial_state=None,
    ):
        super().__init__(
            max_rate=max_rate, amplitude=amplitude, initial_state=initial_state
        )
        self.tau_fb = tau_fb
        self.threshold = threshold
        self.reset = reset

    def step(self, dt, J, output, voltage, current, feedback):
        """Advance all neurons by one step of ``dt`` seconds (see the class notes).

        Parameters
        ----------
        dt : float
            Time step, in seconds.
        J : (n_neurons,) ndarray
            Input current, in Hz.
        output : (n_neurons,) ndarray
            Set to ``amplitude / dt`` where a neuron fired, else 0.
        voltage, current, feedback : (n_neurons,) ndarray
            State, updated in place.
        """
        decay = np.exp(-dt / self.tau_fb)
        drive = np.clip(J, 0, min(self.max_rate, 1.0 / dt))

        current *= decay
        current += (1 - decay) * drive
        feedback *= decay

        if self.reset == "subtract":
            voltage += drive * dt
            spiked = voltage > self.threshold
            voltage -= spiked
        else:
            voltage += (current - feedback) * dt
            spiked = voltage > self.threshold
            voltage[spiked] = 0
            np.maximum(voltage, 0, out=voltage)

        feedback += spiked * feedback_kick(dt, self.tau_fb)
        output[...] = spiked * (self.amplitude / dt)
