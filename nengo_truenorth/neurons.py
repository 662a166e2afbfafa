"""The TrueNorth neuron as a Nengo neuron type.

:class:`TrueNorthNeuron` runs the chip's neuron (spec ``truenorth-chip.md`` section 3,
steps 2-6) inside any Nengo simulator: one Nengo step is one chip tick, and the input
current ``J`` is the potential that the tick's synaptic events add. For integer ``J``
it matches the chip bit for bit. Its parameters are the chip's own (spec section 2),
so a builder maps them one to one onto a :class:`~nengo_truenorth.hardware.Core`.

This module knows the hardware limits but nothing of the emulators: it is a front-end
object, like Nengo's own neuron types.
"""

import numba
import numpy as np
from nengo.dists import Choice
from nengo.exceptions import ValidationError
from nengo.neurons import NeuronType, SpikingRectifiedLinear
from nengo.params import BoolParam, IntParam, NumberParam

from .hardware.limits import (
    LEAK_MAX,
    LEAK_MIN,
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_LINEAR,
    RESET_NONE,
    RESET_NORMAL,
    RESET_POTENTIAL_MAX,
    RESET_POTENTIAL_MIN,
    THRESHOLD_MASK_BITS_MAX,
    THRESHOLD_MAX,
    THRESHOLD_MIN,
    TICK_SECONDS,
)

# TICK_SECONDS (spec section 1) is imported here because :meth:`TrueNorthNeuron.rates`
# converts spikes per tick to Hz with it, so Nengo's ``dt`` should equal it; it stays
# importable from this module, where tests and the builder take it from.

#: Most spikes a neuron can emit per second: one per tick.
MAX_RATE = 1.0 / TICK_SECONDS


class ChipIntParam(IntParam):
    """An integer parameter held to a range of the chip (``low..high``, inclusive).

    Refusals name the parameter, the value and the whole range, as the hardware model's
    errors do, where Nengo's ``IntParam`` names only the bound that was crossed.
    """

    def coerce(self, instance, num):
        is_int = isinstance(num, (int, np.integer)) and not isinstance(num, bool)
        if not (is_int and self.low <= num <= self.high):
            raise ValidationError(
                f"{self.name} = {num!r} is not allowed "
                f"(allowed: integers {self.low}..{self.high})",
                attr=self.name,
                obj=instance,
            )
        return super().coerce(instance, num)


class ChipBoolParam(BoolParam):
    """A 0/1 field of the chip, given as a Python ``bool``.

    Refusals name the parameter and the value, like :class:`ChipIntParam`.
    """

    def coerce(self, instance, value):
        if not isinstance(value, (bool, np.bool_)):
            raise ValidationError(
                f"{self.name} = {value!r} is not allowed (allowed: True or False)",
                attr=self.name,
                obj=instance,
            )
        return super().coerce(instance, bool(value))


class TrueNorthNeuron(NeuronType):
    """The TrueNorth chip's integrate-and-fire neuron, one Nengo step per chip tick.

    Each step runs spec section 3, steps 2-6, on the potential ``V`` of every neuron:

    2. ``V += J`` (``J`` is the summed weight of the tick's synaptic events), saturate;
    3. ``V += Ω·λ`` with ``Ω = 1``, or ``Ω = sgn(V)`` under leak reversal, saturate;
    4. draw the threshold mask ``η`` (0 unless ``threshold_mask_bits > 0``);
    5. fire when ``V >= α + η`` and reset by ``reset_mode``; otherwise, when ``V`` is
       below the negative threshold, saturate at ``-β`` (``negative_saturation``) or
       reset by ``reset_mode``;
    6. saturate to the 20-bit range ``POTENTIAL_MIN..POTENTIAL_MAX``.

    The chip only ever adds integer weights. For integer ``J`` this type reproduces
    the chip (and the reference emulator) bit for bit; for non-integer ``J`` -- what a
    plain Nengo ensemble feeds it -- it integrates the float exactly the same way, and
    it is the builder's job to quantize currents to integer weights and leaks.

    **Units.** ``J`` is membrane potential per tick, not a physical current, and the
    ensemble's ``gain`` and ``bias`` are in the same units: ``gain`` is the potential
    per tick that one unit of the represented value adds. This keeps every quantity
    in the chip's own integer scale: the builder can round ``gain`` times encoders and
    decoders to crossbar weights, and ``bias + leak`` to the integer leak.

    Parameters
    ----------
    threshold : int, optional
        α, in ``1..THRESHOLD_MAX``. The chip allows 0, but a zero threshold fires on
        every tick where ``V >= 0`` and so carries no rate. The default 64 keeps the
        bias of Nengo's default tuning (max rates up to 400 Hz, intercepts up to 0.9)
        within the chip's leak range: with linear reset the bias is at most
        ``0.9 * 0.4 * α / 0.1 = 3.6·α = 230.4 <= LEAK_MAX``, while a rounding of the
        bias by one unit moves the rate by only ``1/(α·dt)`` = 15.6 Hz.
    leak : int, optional
        λ, in ``LEAK_MIN..LEAK_MAX``; added to ``V`` every tick (a constant drive, the
        chip's way to carry a bias).
    reset_mode : int, optional
        γ: ``RESET_NORMAL`` (0, ``V ← R``), ``RESET_LINEAR`` (1, ``V ← V - (α + η)``)
        or ``RESET_NONE`` (2, ``V`` kept). The default, linear reset, keeps the
        remainder above threshold, which makes the neuron a first-order sigma-delta
        modulator: its rate is exactly proportional to its drive (up to one spike per
        tick), with no rate quantization, which suits Nengo's rate coding best.
    reset_potential : int, optional
        R, in ``RESET_POTENTIAL_MIN..RESET_POTENTIAL_MAX``; used by normal reset
        (``V ← R`` on a spike, ``V ← -R`` below the negative threshold).
    negative_threshold : int, optional
        β, in ``THRESHOLD_MIN..THRESHOLD_MAX``.
    negative_saturation : bool, optional
        κ. When True (the default) ``V`` never stays below ``-β``: with ``β = 0`` the
        potential has a floor at 0, like a rectified linear unit, so a neuron does not
        accumulate a "debt" of negative input that delays its response.
    leak_reversal : bool, optional
        ε. When True the leak is multiplied by ``sgn(V)``, so a negative leak pulls
        ``V`` toward 0 from both sides.
    threshold_mask_bits : int, optional
        TM, in ``0..THRESHOLD_MASK_BITS_MAX``. When positive, every tick draws
        ``η`` uniformly from ``0..2**TM - 1`` with the simulator's random state (the
        ``rng`` state of :meth:`make_state`) and adds it to the threshold. The
        draws are not the chip emulators' PRNG; only the statistics agree.
    initial_potential : int, optional
        V₀, in ``POTENTIAL_MIN..POTENTIAL_MAX``: the potential at tick 0, unless
        ``initial_state`` gives ``"voltage"``.
    amplitude : float, optional
        Scaling factor on the output; a spike is ``amplitude / dt``.
    initial_state : {str: Distribution or array_like}, optional
        Mapping from state variable names to their initial value, overriding
        ``initial_potential`` for ``"voltage"``.

    Examples
    --------
    The spec's first known answer: α = 10 and λ = +1 fire every tenth tick.

    >>> import numpy as np
    >>> neuron = TrueNorthNeuron(threshold=10, leak=1, reset_mode=0,
    ...                          negative_saturation=False)
    >>> voltage, output = np.zeros(1), np.zeros(1)
    >>> fired = []
    >>> for tick in range(20):
    ...     neuron.step(0.001, np.zeros(1), output, voltage)
    ...     if output[0] > 0:
    ...         fired.append(tick)
    >>> fired
    [9, 19]

    In a network, with Nengo's default tuning:

    >>> import nengo
    >>> with nengo.Network() as net:
    ...     ens = nengo.Ensemble(50, 1, neuron_type=TrueNorthNeuron())
    """

    state = {"voltage": Choice([0])}
    negative = False
    spiking = True

    threshold = ChipIntParam("threshold", low=THRESHOLD_MIN + 1, high=THRESHOLD_MAX)
    leak = ChipIntParam("leak", low=LEAK_MIN, high=LEAK_MAX)
    reset_mode = ChipIntParam("reset_mode", low=RESET_NORMAL, high=RESET_NONE)
    reset_potential = ChipIntParam(
        "reset_potential", low=RESET_POTENTIAL_MIN, high=RESET_POTENTIAL_MAX
    )
    negative_threshold = ChipIntParam(
        "negative_threshold", low=THRESHOLD_MIN, high=THRESHOLD_MAX
    )
    negative_saturation = ChipBoolParam("negative_saturation")
    leak_reversal = ChipBoolParam("leak_reversal")
    threshold_mask_bits = ChipIntParam(
        "threshold_mask_bits", low=0, high=THRESHOLD_MASK_BITS_MAX
    )
    initial_potential = ChipIntParam(
        "initial_potential", low=POTENTIAL_MIN, high=POTENTIAL_MAX
    )
    amplitude = NumberParam("amplitude", low=0, low_open=True)

    def __init__(
        self,
        threshold=64,
        leak=0,
        reset_mode=RESET_LINEAR,
        reset_potential=0,
        negative_threshold=0,
        negative_saturation=True,
        leak_reversal=False,
        threshold_mask_bits=0,
        initial_potential=0,
        amplitude=1,
        initial_state=None,
    ):
        super().__init__(initial_state)
        self.threshold = threshold
        self.leak = leak
        self.reset_mode = reset_mode
        self.reset_potential = reset_potential
        self.negative_threshold = negative_threshold
        self.negative_saturation = negative_saturation
        self.leak_reversal = leak_reversal
        self.threshold_mask_bits = threshold_mask_bits
        self.initial_potential = initial_potential
        self.amplitude = amplitude

    @property
    def mean_threshold(self):
        """float: ``α`` plus the mean threshold mask, ``(2**TM - 1) / 2``."""
        return self.threshold + ((1 << self.threshold_mask_bits) - 1) / 2

    def make_state(self, n_neurons, rng=np.random, dtype=None):
        """Initial state: ``voltage`` at ``initial_potential``, plus the ``rng``.

        The random state is passed on (as Nengo's stochastic types do) so that
        :meth:`step` can draw the threshold mask from the simulator's seeded stream.
        """
        state = super().make_state(n_neurons, rng=rng, dtype=dtype)
        if "voltage" not in (self.initial_state or {}):
            state["voltage"][...] = self.initial_potential
        state["rng"] = rng
        return state

    def step(self, dt, J, output, voltage, rng=None):
        """Run one chip tick (spec section 3, steps 2-6) on every neuron.

        Parameters
        ----------
        dt : float
            Simulation timestep; one step is one tick whatever its length, and only
            the output's scale ``amplitude / dt`` depends on it.
        J : (n_neurons,) ndarray
            Potential added this tick by synaptic events (step 2).
        output : (n_neurons,) ndarray
            Set to ``amplitude / dt`` where a neuron fired, 0 elsewhere.
        voltage : (n_neurons,) ndarray
            Membrane potentials ``V``, updated in place.
        rng : numpy.random.RandomState, optional
            Source of the threshold mask η; only used when ``threshold_mask_bits > 0``
            (default: NumPy's global random state).
        """
        alpha = self.threshold
        beta = self.negative_threshold
        gamma = self.reset_mode

        # 2. Synaptic integration, then saturation (6).
        v = np.clip(voltage + J, POTENTIAL_MIN, POTENTIAL_MAX)

        # 3. Leak; Ω uses V after step 2.
        omega = np.sign(v) if self.leak_reversal else 1
        v = np.clip(v + omega * self.leak, POTENTIAL_MIN, POTENTIAL_MAX)

        # 4. Threshold mask: no draw at all when TM = 0, as on the chip.
        eta = 0
        if self.threshold_mask_bits > 0:
            rng = np.random if rng is None else rng
            eta = rng.randint(0, 1 << self.threshold_mask_bits, size=v.shape)

        # 5. Fire and reset; the negative test only applies where no spike happened.
        spiked = v >= alpha + eta
        if gamma == RESET_NORMAL:
            fired_v = np.full_like(v, self.reset_potential)
        elif gamma == RESET_LINEAR:
            fired_v = v - (alpha + eta)
        else:
            fired_v = v
        if self.negative_saturation:
            below = ~spiked & (v < -beta)
            below_v = np.full_like(v, -beta)
        else:
            below = ~spiked & (v < -(beta + eta))
            if gamma == RESET_NORMAL:
                below_v = np.full_like(v, -self.reset_potential)
            elif gamma == RESET_LINEAR:
                below_v = v + (beta + eta)
            else:
                below_v = v
        v = np.where(spiked, fired_v, np.where(below, below_v, v))

        # 6. Saturation.
        voltage[...] = np.clip(v, POTENTIAL_MIN, POTENTIAL_MAX)
        output[...] = spiked * (self.amplitude / dt)

    def drive(self, J):
        """Net potential per tick, ``J + λ``, that a constant current ``J`` gives.

        Under leak reversal ``Ω = sgn(V + J)``: a neuron whose potential starts each
        tick at ``V >= 0`` sees ``Ω = 1`` whenever ``J > 0``, so the leak counts in
        full; for ``J <= 0`` it settles without firing (see :meth:`rates`), so the
        drive is capped at 0.

        Parameters
        ----------
        J : array_like
            Input current, potential per tick.

        Returns
        -------
        ndarray
            The drive ``d``, same shape as ``J``.
        """
        J = np.asarray(J, dtype=float)
        d = J + self.leak
        if self.leak_reversal:
            d = np.where(J > 0, d, np.minimum(d, 0))
        return d

    def spikes_per_tick(self, J):
        """Steady-state spikes per tick for constant input ``J``, from 0 to 1.

        See :meth:`rates` for the formulas and the cases where they are exact.

        Parameters
        ----------
        J : array_like
            Input current, potential per tick.

        Returns
        -------
        ndarray
            Spikes per tick, same shape as ``J``.
        """
        d = self.drive(J)
        pos = d > 0
        safe_d = np.where(pos, d, 1.0)
        if self.reset_mode == RESET_LINEAR:
            return np.clip(d / self.mean_threshold, 0.0, 1.0)
        if self.reset_mode == RESET_NONE:
            return pos.astype(float)

        # Normal reset: after a spike V = R, and it takes n ticks to climb to α again.
        alpha = self.mean_threshold
        R = self.reset_potential
        n = np.ceil((alpha - R) / safe_d)
        if self.negative_saturation and R < -self.negative_threshold:
            # From R < -β, the first tick's V = R + d is pulled up to -β unless it
            # already fired, and the climb restarts from -β.
            beta = self.negative_threshold
            first_fires = R + safe_d >= alpha
            clamped = R + safe_d < -beta
            n = np.where(
                first_fires,
                1,
                np.where(clamped, 1 + np.ceil((alpha + beta) / safe_d), n),
            )
        n = np.maximum(n, 1)
        return np.where(pos, 1.0 / n, 0.0)

    def decoded_rates(self, x, gain, bias, amplitude, dt, out=None):
        """``amplitude * spikes_per_tick(current(x, gain, bias)) / dt``.

        The tuning curves a decoder solve needs; for linear reset (the stand-in for
        Nengo's rectified linear and ΣΔ types) in one compiled pass over ``x``, which
        is several times faster than the NumPy expressions and gives the same bits.

        Parameters
        ----------
        x : (n_samples, n) ndarray
            Inputs projected onto the encoders.
        gain, bias : (n,) ndarray
        amplitude, dt : float
        out : (n_samples, n) ndarray of float64, optional
            Where to write the rates (C-contiguous).

        Returns
        -------
        (n_samples, n) ndarray
        """
        if self.reset_mode != RESET_LINEAR or np.ndim(x) != 2:
            J = self.current(x, gain, bias)
            rates = amplitude * self.spikes_per_tick(J) / dt
            if out is None:
                return rates
            out[...] = rates
            return out
        x = np.ascontiguousarray(x, dtype=np.float64)
        n = x.shape[1]
        gain = np.ascontiguousarray(np.broadcast_to(gain, (n,)), dtype=np.float64)
        bias = np.ascontiguousarray(np.broadcast_to(bias, (n,)), dtype=np.float64)
        if out is None:
            out = np.empty(x.shape, dtype=np.float64)
        _linear_reset_rates(
            x, gain, bias, float(self.leak), bool(self.leak_reversal),
            float(self.mean_threshold), float(amplitude), float(dt), out,
        )
        return out

    def rates(self, x, gain, bias):
        """Steady-state firing rates (Hz) of the tick neuron for inputs ``x``.

        With ``J = gain * x + bias`` and net drive ``d = J + λ`` per tick:

        - linear reset: ``r = clip(d / α, 0, 1) / dt`` -- the sigma-delta modulator
          keeps every remainder, so its rate is exactly proportional to the drive,
          up to one spike per tick from ``d = α`` on;
        - normal reset: ``r = 1 / (dt · ceil((α - R) / d))`` for ``d > 0`` (at least
          one tick between spikes); with negative saturation and ``R < -β`` the climb
          restarts from ``-β``, which is accounted for;
        - no reset: ``r = 1/dt`` for ``d > 0`` (once over threshold it fires every
          tick), else 0.

        ``dt`` here is :data:`TICK_SECONDS`. These are exact -- a constant input's
        spike count over ``T`` ticks lies within one spike of ``r·T·dt`` once the
        first spike has happened -- for deterministic neurons (``TM = 0``) that start
        below threshold, with normal reset from ``R < α``, and

        - ``R >= 0`` for normal reset without negative saturation (a negative
          threshold crossing then resets to ``-R <= 0``, which cannot fire);
        - under leak reversal: negative saturation with ``β = 0``, ``R >= 0`` and
          ``α >= |λ|``, so that every tick starts at ``V >= 0``.

        Elsewhere they are approximations that ignore:

        - the threshold mask: α is replaced by its mean ``α + (2**TM - 1)/2``. This
          underestimates the rate, since spikes favour small draws of η: by under 1%
          for ``2**TM = α/8`` once the drive exceeds ``α/4``, but the true rate is
          about 1.4 times the estimate when ``2**TM = α`` and the drive is small;
        - the negative threshold without saturation, when it makes ``V`` positive
          (normal reset with ``R < 0``), and leak reversal on a negative potential,
          where a negative leak lifts ``V`` toward 0 and can overshoot by up to
          ``|λ|``; both can make a neuron with ``d <= 0`` fire.

        Parameters
        ----------
        x : (n_samples,) or (n_samples, n_neurons) array_like
            Inputs, already projected onto the encoders.
        gain : (n_neurons,) array_like
            Gains, in potential per tick per unit of ``x``.
        bias : (n_neurons,) array_like
            Biases, in potential per tick.

        Returns
        -------
        rates : (n_samples, n_neurons) ndarray
            Firing rates in Hz.
        """
        J = self.current(x, gain, bias)
        return self.amplitude * self.spikes_per_tick(J) / TICK_SECONDS

    def gain_bias(self, max_rates, intercepts):
        """Gain and bias that give ``max_rates`` at ``x = 1`` and zero drive at ``x =
        intercepts``.

        Exact for linear reset, where the rate is linear in the drive (as for Nengo's
        ``RectifiedLinear``, with ``α`` and the tick length as the scale):
        ``gain = max_rate · α · dt / (1 - intercept)`` and
        ``bias = -gain · intercept - λ`` (the neuron's own leak is part of the drive).

        For normal reset the same line is used with ``α - R`` (``R`` raised to
        ``-β`` under negative saturation) as the climb; intercepts are exact, but the
        rate at ``x = 1`` is quantized to ``1 / (dt · n)`` for a whole number of ticks
        ``n``: the largest such rate not above ``max_rate`` (one tick slower when
        negative saturation pulls a reset ``R < -β`` up to ``-β``).

        Parameters
        ----------
        max_rates : (n_neurons,) array_like
            Firing rates at ``x = 1``, in Hz, at most ``1 / dt``.
        intercepts : (n_neurons,) array_like
            Values of ``x`` where firing starts.

        Returns
        -------
        gain, bias : (n_neurons,) ndarray
            In potential per tick (see the class docstring).

        Raises
        ------
        ValidationError
            If a max rate exceeds one spike per tick (``1 / dt`` = 1000 Hz), or if the
            neuron cannot give graded rates (no reset, or normal reset from
            ``R >= α``); set the ensemble's ``gain`` and ``bias`` directly then.
        """
        max_rates = np.asarray(np.atleast_1d(max_rates), dtype=float)
        intercepts = np.asarray(np.atleast_1d(intercepts), dtype=float)
        too_fast = max_rates > MAX_RATE
        if too_fast.any():
            raise ValidationError(
                f"max_rates = {max_rates[too_fast][0]:g} Hz is not allowed: a neuron "
                f"fires at most once per tick (allowed: 0..{MAX_RATE:g} Hz)",
                attr="max_rates",
                obj=self,
            )
        if self.reset_mode == RESET_NONE:
            raise ValidationError(
                f"reset_mode = {self.reset_mode} (no reset) fires on every tick once "
                "over threshold, so no gain and bias give graded rates; set the "
                "ensemble's gain and bias directly",
                attr="reset_mode",
                obj=self,
            )
        climb = self._climb()
        if climb <= 0:
            raise ValidationError(
                f"reset_potential = {self.reset_potential} is not below threshold = "
                f"{self.threshold}, so normal reset fires on every driven tick; no "
                "gain and bias give graded rates",
                attr="reset_potential",
                obj=self,
            )
        if self.reset_mode == RESET_NORMAL:
            # Whole ticks n between spikes at x = 1; the drive at x = 1 is aimed half a
            # tick inside n so that rounding cannot tip ceil((α - R) / d) to n + 1.
            n = np.ceil(1 / (max_rates * TICK_SECONDS) - 1e-9)
            drive_at_1 = climb / (n - 0.5)
        else:
            drive_at_1 = max_rates * climb * TICK_SECONDS
        gain = drive_at_1 / (1 - intercepts)
        bias = -gain * intercepts - self.leak
        return gain, bias

    def max_rates_intercepts(self, gain, bias):
        """Max rates and intercepts of given gains and biases (inverse of
        :meth:`gain_bias`).

        The intercept is where the drive ``gain·x + bias + λ`` crosses 0; the max rate
        is the firing rate at ``x = 1`` (without ``amplitude``, like ``gain_bias``).

        Parameters
        ----------
        gain, bias : (n_neurons,) array_like

        Returns
        -------
        max_rates, intercepts : (n_neurons,) ndarray
        """
        gain = np.asarray(np.atleast_1d(gain), dtype=float)
        bias = np.asarray(np.atleast_1d(bias), dtype=float)
        intercepts = -(bias + self.leak) / gain
        max_rates = self.spikes_per_tick(gain + bias) / TICK_SECONDS
        return max_rates, intercepts

    def _climb(self):
        """Potential a neuron gains from its reset to its (mean) threshold."""
        if self.reset_mode == RESET_LINEAR:
            return self.mean_threshold
        R = self.reset_potential
        if self.negative_saturation:
            R = max(R, -self.negative_threshold)
        return self.mean_threshold - R


@numba.njit(cache=True, nogil=True)
def _linear_reset_rates(x, gain, bias, leak, leak_reversal, alpha, amplitude, dt, out):
    """:meth:`TrueNorthNeuron.decoded_rates` for linear reset, element by element.

    The operations and their order are those of ``current``, ``drive`` and
    ``spikes_per_tick``, so the results are the same to the bit.
    """
    n_rows, n = x.shape
    for i in range(n_rows):
        for j in range(n):
            J = gain[j] * x[i, j] + bias[j]
            d = J + leak
            if leak_reversal and not J > 0:
                d = min(d, 0.0)
            s = min(max(d / alpha, 0.0), 1.0)
            out[i, j] = amplitude * s / dt


class ChipSpikingRectifiedLinear(SpikingRectifiedLinear):
    """``SpikingRectifiedLinear`` as the chip's neuron runs it.

    The chip runs a ``SpikingRectifiedLinear`` ensemble as integrate-and-fire with
    linear reset whose potential stops at 0 (``negative_saturation`` at ``β = 0``,
    see :mod:`nengo_truenorth.frontend.ensemble`). Three things differ from Nengo's
    neuron, and this type has them all, so ``nengo.Simulator`` (and NengoDL, through
    :class:`~nengo_truenorth.training.ChipSpikingRectifiedLinearBuilder`) runs what
    the chip runs:

    - it adds the *signed* input ``J·dt`` to its voltage, where Nengo's adds
      ``max(J, 0)·dt``: a negative current takes back what earlier ones left;
    - its voltage stops at 0;
    - it fires at most once per step (the chip: once per tick).

    For a constant current both fire ``max(J, 0)`` Hz (up to one spike per step), so
    the rates, and a network trained on them, are the same; the spike trains differ
    where the current changes sign. ``nengo_truenorth.Simulator`` maps this type
    exactly as it maps ``SpikingRectifiedLinear``.

    Parameters
    ----------
    amplitude : float, optional
        Scaling factor on the neuron output (each spike is ``amplitude / dt`` high).
    initial_state : {str: Distribution or array_like}, optional
        ``"voltage"``, as a fraction of the threshold (default uniform on 0..1, as
        ``SpikingRectifiedLinear``).
    """

    def step(self, dt, J, output, voltage):
        voltage += J * dt
        np.maximum(voltage, 0.0, out=voltage)
        spiked = voltage >= 1.0
        output[...] = spiked * (self.amplitude / dt)
        voltage -= spiked
