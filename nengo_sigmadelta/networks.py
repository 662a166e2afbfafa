"""Nengo networks built from ΣΔ neurons: the low-pass RNN.

:class:`LowPassRNN` runs one lpRNN layer (:func:`~nengo_sigmadelta.lprnn_forward`) as a
population of :class:`~nengo_sigmadelta.SigmaDelta` neurons, with the scaling rules of
:mod:`nengo_sigmadelta.conversion`; :func:`convert_lprnn` builds it from a trained
layer's weights. :func:`present_sequence` holds each ANN input row for the right number
of SNN steps, and :func:`sample_ann_steps` reads the network's ``h`` back at the end of
each ANN step.
"""

import nengo
import numpy as np

from .conversion import lprnn_mapping
from .neurons import SigmaDelta, SigmaDeltaRate


class LowPassRNN(nengo.Network):
    """A trained lpRNN layer as ΣΔ neurons (or their rate counterpart).

    The neurons get ``g·(x @ W + ĥ @ U + b)`` with ``g = 1/(a_max·dt)``, where ``x``
    is the held input and ``ĥ`` their own spikes through ``Lowpass(τ)``, scaled by
    ``a_max·dt``. They fire ``clip(z, 0, a_max)/(a_max·dt)`` times a second, so
    ``ĥ`` follows the continuous-time lpRNN ``τ·dh/dt = clip(z, 0, a_max) - h``.
    Without recurrence that is exactly the ANN's ``h_t = r·h_{t-1} + (1-r)·a_t``
    at the end of each ANN step (the input is held); with recurrence the ANN holds
    ``h_{t-1}`` through the step and the network does not, a gap of order
    ``(1 - r)²·|U|`` that more SNN steps do not remove. Spikes add less than one
    quantum ``a_max·(1 - r**(1/n))`` per unit. See :mod:`nengo_sigmadelta.conversion`
    for the rules.

    Parameters
    ----------
    kernel : (n_in, n_hidden) array_like
        ``W``.
    recurrent_kernel : (n_hidden, n_hidden) array_like
        ``U``.
    bias : (n_hidden,) array_like
        ``b``.
    retention : float or (n_hidden,) array_like
        ``r`` of the ANN.
    a_max : float, optional
        The ANN's clip.
    snn_steps_per_ann_step : float, optional
        ``n = T_ANN / T_SNN``.
    dt : float, optional
        SNN step in seconds; simulate with ``nengo.Simulator(net, dt=dt)``.
    spiking : bool, optional
        Use :class:`.SigmaDelta` (True) or :class:`.SigmaDeltaRate` neurons.
    neuron_type : NeuronType, optional
        Overrides ``spiking``. Its ceiling should be ``1/dt`` and, for
        :class:`.SigmaDelta`, its ``tau_fb`` the network's ``τ`` -- the defaults
        do both.
    **kwargs
        Passed to ``nengo.Network`` (``label``, ``seed``, ``add_to_container``).

    Attributes
    ----------
    input : nengo.Node
        Size ``n_in``: the ANN input, each row held for ``n`` SNN steps
        (see :func:`present_sequence`).
    hidden : nengo.Ensemble
        ``n_hidden`` neurons, one per unit; connect to ``hidden.neurons``.
    output : nengo.Node
        Size ``n_hidden``: ``ĥ``, the lpRNN state.
    mapping : LowPassRNNMapping
        The scaling used.

    Examples
    --------
    >>> import nengo, numpy as np
    >>> W, U, b = np.ones((1, 2)), np.zeros((2, 2)), np.zeros(2)
    >>> with nengo.Network() as model:
    ...     rnn = LowPassRNN(W, U, b, retention=0.8, snn_steps_per_ann_step=10)
    ...     stim = nengo.Node(present_sequence(np.ones((5, 1)), 10, dt=0.001))
    ...     _ = nengo.Connection(stim, rnn.input, synapse=None)
    ...     probe = nengo.Probe(rnn.output)
    """

    def __init__(
        self,
        kernel,
        recurrent_kernel,
        bias,
        retention,
        a_max=6.0,
        snn_steps_per_ann_step=10,
        dt=0.001,
        spiking=True,
        neuron_type=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.mapping = m = lprnn_mapping(
            kernel,
            recurrent_kernel,
            bias,
            retention,
            a_max,
            snn_steps_per_ann_step,
            dt,
        )
        n_hidden = m.bias.shape[0]
        # SigmaDelta has one tau_fb per population; with per-unit retentions the
        # network's connections below still give each unit its own tau, and with
        # reset="subtract" the spikes do not depend on tau_fb at all
        tau_fb = float(np.mean(m.tau))
        if neuron_type is None:
            neuron_type = (
                SigmaDelta(tau_fb=tau_fb, max_rate=m.max_rate)
                if spiking
                else SigmaDeltaRate(max_rate=m.max_rate)
            )

        with self:
            self.input = nengo.Node(size_in=m.input_transform.shape[1], label="input")
            self.hidden = nengo.Ensemble(
                n_hidden,
                1,
                neuron_type=neuron_type,
                gain=np.full(n_hidden, m.gain),
                bias=m.bias,
                label="hidden",
            )
            self.output = nengo.Node(size_in=n_hidden, label="output")

            nengo.Connection(
                self.input,
                self.hidden.neurons,
                transform=m.input_transform,
                synapse=None,
            )
            # one connection per distinct time constant, so that every unit's
            # reconstruction uses its own tau (the common case has just one)
            for tau in np.unique(m.tau):
                units = np.flatnonzero(m.tau == tau)
                synapse = nengo.Lowpass(float(tau))
                nengo.Connection(
                    self.hidden.neurons[units],
                    self.hidden.neurons,
                    transform=m.recurrent_transform[:, units],
                    synapse=synapse,
                )
                nengo.Connection(
                    self.hidden.neurons[units],
                    self.output[units],
                    transform=m.output_transform,
                    synapse=synapse,
                )


def convert_lprnn(
    weights,
    retention,
    a_max=6.0,
    snn_steps_per_ann_step=10,
    dt=0.001,
    spiking=True,
    quantizer=None,
    **network_kwargs,
):
    """Build a :class:`LowPassRNN` from trained weights.

    Parameters
    ----------
    weights : sequence or dict
        ``[kernel, recurrent_kernel, bias]`` as Keras' ``layer.get_weights()`` gives
        them (shapes ``(n_in, n_hidden)``, ``(n_hidden, n_hidden)``, ``(n_hidden,)``),
        or a dict with those keys.
    retention : float or (n_hidden,) array_like
        ``r`` of the trained ANN.
    a_max : float, optional
        The ANN's clip.
    snn_steps_per_ann_step : float, optional
        ``T_ANN / T_SNN``.
    dt : float, optional
        SNN step, in seconds (the Nengo simulator's ``dt``).
    spiking : bool, optional
        :class:`~nengo_sigmadelta.SigmaDelta` neurons if True, else
        :class:`~nengo_sigmadelta.SigmaDeltaRate` (the same network without spikes).
    quantizer : Quantizer, optional
        Applied to all three weight arrays first (as the straight-through training
        did in its forward pass).
    **network_kwargs
        Passed to :class:`LowPassRNN` (``label``, ``seed``, ``neuron_type``, ...).

    Returns
    -------
    LowPassRNN
        With ``.input`` (held ANN inputs), ``.hidden`` (the neurons) and ``.output``
        (``h``); its ``.mapping`` holds the scaling.
    """
    if isinstance(weights, dict):
        W, U, b = (weights[k] for k in ("kernel", "recurrent_kernel", "bias"))
    else:
        W, U, b = weights
    if quantizer is not None:
        W, U, b = quantizer(W), quantizer(U), quantizer(b)
    return LowPassRNN(
        W,
        U,
        b,
        retention=retention,
        a_max=a_max,
        snn_steps_per_ann_step=snn_steps_per_ann_step,
        dt=dt,
        spiking=spiking,
        **network_kwargs,
    )


def present_sequence(x, snn_steps_per_ann_step, dt=0.001):
    """A process that holds each ANN input row for ``n`` SNN steps.

    Parameters
    ----------
    x : (n_ann_steps, n_in) array_like
        The ANN input sequence.
    snn_steps_per_ann_step : int
        ``n``.
    dt : float, optional
        SNN step, in seconds.

    Returns
    -------
    nengo.processes.PresentInput
        Presents row ``t`` during SNN steps ``t·n .. t·n + n - 1``; it repeats after
        the last row.
    """
    return nengo.processes.PresentInput(
        np.asarray(x, dtype=float), presentation_time=snn_steps_per_ann_step * dt
    )


def sample_ann_steps(data, snn_steps_per_ann_step):
    """The network's ``h`` at the end of each ANN step, from probe data.

    Filtered signals in Nengo lag the spikes by one step, so the ``h`` that holds
    all ``n`` SNN steps of ANN step ``t`` is row ``(t + 1)·n``: simulate
    ``n_ann_steps·n + 1`` steps to sample every ANN step.

    Parameters
    ----------
    data : (n_snn_steps, ...) array_like
        Probe data of ``LowPassRNN.output``, one row per SNN step from the first.
    snn_steps_per_ann_step : int
        ``n``.

    Returns
    -------
    ((n_snn_steps - 1) // n, ...) ndarray
        Rows ``n, 2n, ...``: comparable to the ANN's ``h_0, h_1, ...``.
    """
    data = np.asarray(data)
    n = int(snn_steps_per_ann_step)
    return data[n::n]
