"""The low-pass RNN (lpRNN) of Boeshertz et al. (ICONS 2024): NumPy reference and time.

One ANN step of the lpRNN is::

    a_t = clip(x_t @ W + h_{t-1} @ U + b, 0, a_max)
    h_t = r * h_{t-1} + (1 - r) * a_t

``r = exp(-T_ANN / τ)`` is the retention of a first-order lowpass with time constant
``τ`` sampled every ``T_ANN``. A ΣΔ network runs the same lowpass in continuous time,
``T_ANN / T_SNN`` SNN steps per ANN step, so its time constant in SNN steps is
``τ_SNN = τ / T_SNN``. :func:`lprnn_forward` is the reference every other
implementation (the Keras layer, the Nengo network) is checked against.

Weights use the Keras layout: ``W`` is ``(n_in, n_hidden)``, ``U`` is
``(n_hidden, n_hidden)``, and a row vector is multiplied from the left.
"""

import numpy as np
from nengo.exceptions import ValidationError


def lprnn_forward(x, W, U, b, r, a_max, h0=None):
    """Run the lpRNN over a sequence (NumPy reference).

    Parameters
    ----------
    x : (n_steps, n_in) or (batch, n_steps, n_in) array_like
        Input sequence(s), one row per ANN step.
    W : (n_in, n_hidden) array_like
        Input kernel.
    U : (n_hidden, n_hidden) array_like
        Recurrent kernel.
    b : (n_hidden,) array_like
        Bias.
    r : float or (n_hidden,) array_like
        Retention ratio in ``[0, 1)``, per unit or shared.
    a_max : float
        Upper clip of the activation.
    h0 : (n_hidden,) or (batch, n_hidden) array_like, optional
        Initial state; zeros by default.

    Returns
    -------
    h : (n_steps, n_hidden) or (batch, n_steps, n_hidden) ndarray
        The state after each step.

    Examples
    --------
    One unit, no recurrence: ``h`` approaches ``clip(2, 0, 1) = 1`` by ``1 - r**t``.

    >>> lprnn_forward(np.ones((3, 1)), [[2.0]], [[0.0]], [0.0], r=0.5, a_max=1.0)
    array([[0.5  ],
           [0.75 ],
           [0.875]])
    """
    x = np.asarray(x, dtype=float)
    W, U, b = (np.asarray(a, dtype=float) for a in (W, U, b))
    r = np.asarray(r, dtype=float)
    single = x.ndim == 2
    if single:
        x = x[None]
    if x.ndim != 3 or x.shape[-1] != W.shape[0]:
        raise ValidationError(
            f"x has shape {x.shape}; expected (n_steps, {W.shape[0]}) or "
            f"(batch, n_steps, {W.shape[0]})",
            attr="x",
        )
    if np.any(r < 0) or np.any(r >= 1):
        raise ValidationError(f"retention r = {r} must lie in [0, 1)", attr="r")

    batch, n_steps, _ = x.shape
    h = np.zeros((batch, U.shape[0])) if h0 is None else np.array(h0, dtype=float)
    h = np.broadcast_to(h, (batch, U.shape[0])).copy()
    out = np.empty((batch, n_steps, U.shape[0]))
    drive = x @ W + b  # the input part of every step at once
    for t in range(n_steps):
        a = np.clip(drive[:, t] + h @ U, 0, a_max)
        h = r * h + (1 - r) * a
        out[:, t] = h
    return out[0] if single else out


def retention_to_tau(r, t_ann=1.0):
    """Time constant ``τ = -T_ANN / ln r`` of the lowpass with retention ``r``.

    Parameters
    ----------
    r : float or ndarray
        Retention ratio in ``(0, 1)``.
    t_ann : float, optional
        Duration of one ANN step (any unit; ``τ`` comes out in the same unit).

    Returns
    -------
    tau : float or ndarray

    Examples
    --------
    The paper's ``r = 0.8`` is a time constant of about 4.48 ANN steps:

    >>> round(float(retention_to_tau(0.8)), 3)
    4.481
    """
    r = np.asarray(r, dtype=float)
    if np.any(r <= 0) or np.any(r >= 1):
        raise ValidationError(f"retention r = {r} must lie in (0, 1)", attr="r")
    return -t_ann / np.log(r)


def tau_to_retention(tau, t_ann=1.0):
    """Retention ``r = exp(-T_ANN / τ)``; the inverse of :func:`retention_to_tau`."""
    return np.exp(-t_ann / np.asarray(tau, dtype=float))


def snn_time_constant(r, snn_steps_per_ann_step):
    """``τ_SNN = τ / T_SNN``: the lpRNN's time constant in SNN steps.

    Parameters
    ----------
    r : float or ndarray
        Retention ratio of the ANN.
    snn_steps_per_ann_step : float
        ``T_ANN / T_SNN``.

    Returns
    -------
    tau_snn : float or ndarray
        In SNN steps; multiply by the SNN's ``dt`` for seconds.

    Examples
    --------
    The paper's setting, ``r = 0.8`` and about 9.5 SNN steps per ANN step:

    >>> round(float(snn_time_constant(0.8, 9.5)), 1)
    42.6
    """
    return retention_to_tau(r, t_ann=1.0) * snn_steps_per_ann_step
