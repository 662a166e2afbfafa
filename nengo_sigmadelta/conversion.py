"""Conversion of a trained lpRNN to ΣΔ neurons: the scaling rules, written once.

An lpRNN layer (:mod:`nengo_sigmadelta.lprnn`) with weights ``W, U, b``, retention
``r`` and clip ``a_max`` becomes one population of :class:`~nengo_sigmadelta.SigmaDelta`
neurons, one per hidden unit, simulated with time step ``dt`` (one SNN step) and
``n = T_ANN / T_SNN`` SNN steps per ANN step. The rules (:class:`LowPassRNNMapping`):

- **Time.** One ANN step lasts ``n·dt``: each input row is held for ``n`` SNN steps.
  The lowpass runs in continuous time with ``τ = -T_ANN / ln r``, i.e.
  ``τ_SNN = τ / T_SNN = -n / ln r`` SNN steps, ``tau = τ_SNN·dt`` seconds; its decay
  per SNN step is ``r**(1/n)``.
- **Clip.** ``a_max`` is one spike per step: ``max_rate = 1/dt``; an activation ``a``
  is the rate ``a / (a_max·dt)``.
- **Gain and bias.** Neuron gain ``g = 1 / (a_max·dt)`` turns the pre-activation
  ``z`` into Hz; neuron bias ``g·b``.
- **Input kernel.** ``input → neurons`` with transform ``Wᵀ`` (times the gain), no
  synapse: the input is already held.
- **State.** ``ĥ = a_max·dt · Lowpass(tau)(spikes)``: the neurons' reconstruction
  (their ``feedback`` state, scaled).
- **Recurrent kernel.** ``neurons → neurons`` with transform ``Uᵀ·a_max·dt`` (times
  the gain: ``Uᵀ`` itself on the spike output) and synapse ``Lowpass(tau)``, which
  makes ``g·ĥ·U`` the recurrent part of ``g·z``.
- **Neuron time constant.** ``tau_fb = tau``: reconstruction and ``h`` share ``τ``.

So the neuron integrates ``z/a_max`` per SNN step (in spikes of charge) and fires
once per unit; its rate is ``clip(z, 0, a_max)/(a_max·dt)`` and its spikes, filtered
with ``τ``, are ``h``. On integer hardware with weights on a ``2**-k`` grid
(:class:`~nengo_sigmadelta.quantization.FractionalBits`) multiply the membrane by
``S = 2**k·a_max``: the weights ``2**k·W``, ``2**k·U`` and the bias ``2**k·b``
are exact integers, and the threshold (the charge of one spike, subtracted at each
spike) is ``S`` (48 for ``k = 3``, ``a_max = 6``). The recurrent synaptic trace then
jumps by ``a_max·(1 - exp(-1/τ_SNN))`` per spike, a per-layer constant
(:attr:`LowPassRNNMapping.trace_kick`).

This module holds the rules only; :class:`~nengo_sigmadelta.networks.LowPassRNN` (and
:func:`~nengo_sigmadelta.networks.convert_lprnn`, which builds one from a trained
layer's weights) apply them.
"""

from dataclasses import dataclass

import numpy as np
from nengo.exceptions import ValidationError

from .lprnn import snn_time_constant
from .quantization import FractionalBits


@dataclass(frozen=True)
class LowPassRNNMapping:
    """How one lpRNN layer maps onto ΣΔ neurons (see the module's table).

    Attributes
    ----------
    snn_steps_per_ann_step : float
        ``n = T_ANN / T_SNN``.
    dt : float
        SNN step ``T_SNN`` in seconds.
    a_max : float
        The ANN's clip, the value of one spike per step.
    tau_snn : (n_hidden,) ndarray
        Time constants in SNN steps, ``-n / ln r``.
    tau : (n_hidden,) ndarray
        Time constants in seconds, ``tau_snn · dt``.
    gain : float
        Neuron gain ``1 / (a_max·dt)``, Hz per unit of pre-activation.
    bias : (n_hidden,) ndarray
        Neuron bias ``gain · b``, in Hz.
    input_transform : (n_hidden, n_in) ndarray
        ``Wᵀ``, before the neurons' gain.
    recurrent_transform : (n_hidden, n_hidden) ndarray
        ``Uᵀ · a_max · dt``, on the neurons' spike output, before the gain.
    output_transform : float
        ``a_max · dt``: spike output to ``h`` (after ``Lowpass(tau)``).
    trace_kick : (n_hidden,) ndarray
        ``a_max·(1 - exp(-1/tau_snn))``: the jump of ``ĥ`` at one spike.
    """

    snn_steps_per_ann_step: float
    dt: float
    a_max: float
    tau_snn: np.ndarray
    tau: np.ndarray
    gain: float
    bias: np.ndarray
    input_transform: np.ndarray
    recurrent_transform: np.ndarray
    output_transform: float
    trace_kick: np.ndarray

    @property
    def max_rate(self):
        """Ceiling of the neurons' rate: one spike per step, ``1/dt``."""
        return 1.0 / self.dt

    def hardware_integers(self, kernel, recurrent_kernel, bias, bits):
        """The integer view on a ``2**-bits`` weight grid.

        Parameters
        ----------
        kernel : (n_in, n_hidden) array_like
        recurrent_kernel : (n_hidden, n_hidden) array_like
        bias : (n_hidden,) array_like
            Weights already on the grid (checked).
        bits : int
            Fractional bits ``k``.

        Returns
        -------
        dict
            ``"kernel"``, ``"recurrent_kernel"``, ``"bias"``: int64 arrays
            ``2**k · w``; ``"threshold"``: the charge of one spike, ``2**k · a_max``.

        Raises
        ------
        nengo.exceptions.ValidationError
            If a weight is not on the grid.
        """
        q = FractionalBits(bits)
        out = {}
        for name, w in (
            ("kernel", kernel),
            ("recurrent_kernel", recurrent_kernel),
            ("bias", bias),
        ):
            if not q.on_grid(w):
                raise ValidationError(
                    f"{name} is not on the 2**-{bits} grid; quantize it first",
                    attr=name,
                    obj=self,
                )
            out[name] = q.to_integers(w)
        out["threshold"] = 2.0**bits * self.a_max
        return out


def lprnn_mapping(kernel, recurrent_kernel, bias, retention, a_max, n, dt=0.001):
    """Compute the :class:`LowPassRNNMapping` of one trained lpRNN layer.

    Parameters
    ----------
    kernel : (n_in, n_hidden) array_like
        ``W``.
    recurrent_kernel : (n_hidden, n_hidden) array_like
        ``U``.
    bias : (n_hidden,) array_like
        ``b``.
    retention : float or (n_hidden,) array_like
        ``r``, in ``(0, 1)``.
    a_max : float
        The clip of the activation.
    n : float
        SNN steps per ANN step, ``T_ANN / T_SNN`` (at least 1).
    dt : float, optional
        SNN step in seconds.

    Returns
    -------
    LowPassRNNMapping
    """
    W, U, b = (np.asarray(a, dtype=float) for a in (kernel, recurrent_kernel, bias))
    n_hidden = U.shape[0]
    if W.ndim != 2 or W.shape[1] != n_hidden or U.shape != (n_hidden, n_hidden):
        raise ValidationError(
            f"kernel {W.shape} and recurrent_kernel {U.shape} do not fit "
            "(n_in, n_hidden) and (n_hidden, n_hidden)",
            attr="kernel",
        )
    if b.shape != (n_hidden,):
        raise ValidationError(f"bias {b.shape} is not ({n_hidden},)", attr="bias")
    if n < 1:
        raise ValidationError(f"n = {n} SNN steps per ANN step is below 1", attr="n")
    if a_max <= 0:
        raise ValidationError(f"a_max = {a_max} must be positive", attr="a_max")

    tau_snn = np.broadcast_to(snn_time_constant(retention, n), (n_hidden,)).copy()
    gain = 1.0 / (a_max * dt)
    return LowPassRNNMapping(
        snn_steps_per_ann_step=float(n),
        dt=float(dt),
        a_max=float(a_max),
        tau_snn=tau_snn,
        tau=tau_snn * dt,
        gain=gain,
        bias=gain * b,
        input_transform=W.T.copy(),
        recurrent_transform=U.T * (a_max * dt),
        output_transform=a_max * dt,
        trace_kick=-a_max * np.expm1(-1.0 / tau_snn),
    )
