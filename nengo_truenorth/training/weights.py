"""Connection weights trained on the chip's weight levels, under a fan-in limit.

:class:`ChipDense` is a ``nengo.Dense`` transform with the chip's constraints on its
weights. Its constraint, :meth:`ChipDense.constrain`, is two steps:

1. **Fan-in** (``fan_in=k``): each row (post neuron) keeps its ``k`` largest ``|w|``
   (ties: the lower index) and the rest become 0, a structured pruning mask
   recomputed from the weights at every step (:func:`fan_in_mask`).
2. **Levels** (``bits``, or any :class:`~nengo_sigmadelta.quantization.Quantizer`):
   the weights are rounded to the chip's weight code, the integers
   ``nengo_truenorth.ir.weight_code(bits).levels`` times a step
   (:func:`chip_weight_quantizer`). By default the step is per row and the largest
   ``|w|`` of the row lands on the top level, as the chip's discretization writes a
   neuron's weights (``weight_scale[j] · level``); a fixed ``scale`` gives a fixed grid,
   e.g. trinary weights ``{-1, 0, 1}·scale`` (``bits=1``, Esser et al. 2016).

**In NengoDL** (:func:`build_chip_dense`, registered with ``nengo_dl``'s builder only)
the weights signal that NengoDL trains holds the full-precision *shadow* weights; the
:class:`ConstrainedDotSet` operator applies ``constrain(W) @ x`` in the forward pass
with a straight-through gradient (the identity, through the rounding) onto the shadow
weights. So the network only ever sees constrained weights -- the gradients with
respect to its activities come through the trinary or N-level weights -- while small
updates accumulate in the shadow weights until they move a weight to another level.
With ``stochastic=True`` the rounding is stochastic (unbiased) while training and to
the nearest level in evaluation.

**In every other simulator** (``nengo.Simulator``, ``nengo_truenorth.Simulator``)
``ChipDense`` is a ``Dense`` whose :meth:`~ChipDense.sample` is the constrained
``init``. After training, :func:`~nengo_truenorth.training.freeze_constrained` writes
the constrained trained weights into the network as a plain ``nengo.Dense``.

``ChipDense`` constrains the weights between neurons or nodes: a connection from
``pre.neurons`` or a ``Node`` (on a decoded connection from an ``Ensemble`` the chip's
weights are encoders times transform times decoders, which NengoDL does not train as
one matrix; NengoDL's build refuses it).
"""

import numpy as np
import tensorflow as tf
from nengo.builder.operator import Operator
from nengo.builder.signal import Signal
from nengo.exceptions import BuildError, ValidationError
from nengo.params import BoolParam, IntParam, NumberParam, Parameter
from nengo.rc import rc
from nengo.transforms import Dense
from nengo_dl.builder import Builder, NengoBuilder, OpBuilder

from nengo_sigmadelta.keras_layers import quantize_ste
from nengo_sigmadelta.quantization import IntegerLevels, check_quantizer

from ..hardware.limits import N_AXON_TYPES
from ..ir import weight_code


def chip_weight_quantizer(bits, scale=None, per_neuron=True):
    """The quantizer of the chip's ``bits``-bit weight code.

    Parameters
    ----------
    bits : int
        1..4: the levels of ``nengo_truenorth.ir.weight_code(bits)`` (-1..1 for 1 bit,
        trinary; -2..1, -4..3, -8..7 for 2, 3, 4 bits).
    scale : float, optional
        A fixed step (the weight of level 1). By default the step comes from the
        weights: the largest ``|w|`` lands on ``min(high, -low)`` (so -8 of the 4-bit
        code is never used, and 2 bits give 3 levels), as the chip's discretization
        chooses its per-neuron weight scale.
    per_neuron : bool, optional
        With ``scale=None``, one step per row (post neuron), as the chip (default);
        else one for the whole matrix.

    Returns
    -------
    nengo_sigmadelta.quantization.IntegerLevels

    Examples
    --------
    >>> q = chip_weight_quantizer(4)
    >>> q.low, q.high, q.top
    (-8, 7, 7)
    >>> chip_weight_quantizer(1, scale=0.5)([[0.3, -0.1, -0.8]])
    array([[ 0.5, -0. , -0.5]])
    """
    levels = weight_code(bits).levels
    low, high = int(levels.min()), int(levels.max())
    if not np.array_equal(levels, np.arange(low, high + 1)):
        raise ValueError(f"weight code of {bits} bits has gaps: levels {levels}")
    return IntegerLevels(low, high, scale=scale, per_row=per_neuron)


def fan_in_mask(w, k):
    """Keep the ``k`` largest ``|w|`` of each row (ties: the lower index).

    Parameters
    ----------
    w : (n_post, n_pre) array_like
    k : int

    Returns
    -------
    (n_post, n_pre) ndarray of bool
        At most ``k`` True per row.

    Examples
    --------
    >>> fan_in_mask([[0.1, -0.5, 0.3], [1.0, 1.0, 1.0]], 2)
    array([[False,  True,  True],
           [ True,  True, False]])
    """
    w = np.abs(np.asarray(w, dtype=float))
    mask = np.zeros(w.shape, dtype=bool)
    if w.ndim != 2:
        raise ValueError(f"fan-in masks are per row of a 2-D matrix, not {w.shape}")
    k = min(k, w.shape[1])
    keep = np.argsort(-w, axis=1, kind="stable")[:, :k]
    np.put_along_axis(mask, keep, True, axis=1)
    return mask


def fan_in_mask_tf(w, k):
    """:func:`fan_in_mask` in TensorFlow, as 0/1 of ``w``'s dtype (no gradient).

    ``tf.math.top_k`` puts the lower index first among equal values, as the stable
    sort of :func:`fan_in_mask` does, so both keep the same weights.
    """
    n_pre = int(w.shape[-1])
    k = min(k, n_pre)
    _, keep = tf.math.top_k(tf.abs(w), k=k, sorted=False)
    mask = tf.reduce_sum(tf.one_hot(keep, n_pre, dtype=w.dtype), axis=-2)
    return tf.stop_gradient(mask)


class QuantizerParam(Parameter):
    """A :class:`~nengo_sigmadelta.quantization.Quantizer` or None."""

    def coerce(self, instance, value):
        return super().coerce(instance, check_quantizer(value, self.name, instance))


class ChipDense(Dense):
    """A ``Dense`` transform trained on the chip's weight levels, with a fan-in limit.

    Parameters
    ----------
    shape : tuple of int
        ``(size_out, size_in)``.
    init : Distribution or array_like, optional
        The full-precision (shadow) weights; a scalar or vector means a diagonal
        matrix, as for ``Dense``.
    bits : int or None, optional
        Weight levels of the chip's code (1..4; see :func:`chip_weight_quantizer`).
        None: no rounding (only the fan-in limit, or ``quantizer``).
    scale : float, optional
        A fixed step of the levels (default: per row, from the weights).
    stochastic : bool, optional
        Round stochastically while training in NengoDL (default: to nearest).
    fan_in : int, optional
        At most this many nonzero weights per row (post neuron).
    quantizer : Quantizer, optional
        Any quantizer of :mod:`nengo_sigmadelta.quantization` instead of ``bits``.

    Examples
    --------
    Four-bit levels (step ``max |w| / 7`` per row), at most two inputs per neuron:

    >>> t = ChipDense((2, 3), init=[[0.7, 0.23, 0.05], [0.14, -0.35, 0.0]], bits=4,
    ...               fan_in=2)
    >>> t.sample()
    array([[ 0.7 ,  0.2 ,  0.  ],
           [ 0.15, -0.35,  0.  ]])
    """

    bits = IntParam("bits", low=1, high=N_AXON_TYPES, optional=True)
    scale = NumberParam("scale", low=0, low_open=True, optional=True)
    stochastic = BoolParam("stochastic")
    fan_in = IntParam("fan_in", low=1, optional=True)
    quantizer = QuantizerParam("quantizer", optional=True)

    def __init__(
        self,
        shape,
        init=1.0,
        bits=4,
        scale=None,
        stochastic=False,
        fan_in=None,
        quantizer=None,
    ):
        super().__init__(shape, init=init)
        if bits is not None and quantizer is not None:
            raise ValidationError(
                "give bits or quantizer, not both", attr="quantizer", obj=self
            )
        self.bits = bits
        self.scale = scale
        self.stochastic = stochastic
        self.fan_in = fan_in
        self.quantizer = (
            chip_weight_quantizer(bits, scale=scale) if bits is not None else quantizer
        )

    @property
    def _argreprs(self):
        names = ("bits", "scale", "stochastic", "fan_in")
        extra = [f"{k}={getattr(self, k)!r}" for k in names if getattr(self, k)]
        if self.bits is None and self.quantizer is not None:
            extra.append(f"quantizer={self.quantizer!r}")
        return super()._argreprs + extra

    def sample_shadow(self, rng=np.random):
        """The full-precision weights ``init`` as a full ``(size_out, size_in)``
        matrix (what NengoDL trains).

        Parameters
        ----------
        rng : numpy.random.RandomState, optional

        Returns
        -------
        (size_out, size_in) ndarray
        """
        w = np.asarray(super().sample(rng=rng), dtype=float)
        if w.ndim < 2:
            w = np.diag(np.broadcast_to(w, (self.shape[0],))).astype(float)
        return w

    def sample(self, rng=np.random):
        """The constrained weights, :meth:`constrain` of :meth:`sample_shadow`: what
        Nengo's and the chip's builders use."""
        return self.constrain(self.sample_shadow(rng=rng))

    def constrain(self, w):
        """Fan-in mask, then rounding to the levels (to nearest), in NumPy.

        Parameters
        ----------
        w : (size_out, size_in) array_like
            Shadow weights.

        Returns
        -------
        (size_out, size_in) ndarray
            At most ``fan_in`` nonzero weights per row, each on the levels.
        """
        w = np.asarray(w, dtype=float)
        if self.fan_in is not None:
            w = np.where(fan_in_mask(w, self.fan_in), w, 0.0)
        if self.quantizer is not None:
            w = self.quantizer(w)
        return w

    def constrain_tf(self, w, training=False):
        """:meth:`constrain` in TensorFlow, with straight-through gradients.

        Parameters
        ----------
        w : (size_out, size_in) tf.Tensor
            Shadow weights.
        training : bool or tf.Tensor, optional
            Whether the network is training (stochastic rounding applies then).

        Returns
        -------
        (size_out, size_in) tf.Tensor
            The gradient reaches ``w`` unchanged through the rounding, and only
            where the fan-in mask keeps a weight.
        """
        if self.fan_in is not None:
            w = w * fan_in_mask_tf(w, self.fan_in)
        if self.quantizer is not None:
            w = quantize_ste(w, self.quantizer, training if self.stochastic else False)
        return w


class ConstrainedDotSet(Operator):
    """Set ``Y`` to ``constrain(A) @ X``: a :class:`ChipDense` transform in NengoDL.

    Implements ``Y[...] = transform.constrain(A).dot(X)``.

    Parameters
    ----------
    A : Signal
        The shadow weights, ``(size_out, size_in)``.
    X : Signal
        The input, ``(size_in,)``.
    Y : Signal
        The output, ``(size_out,)``.
    transform : ChipDense
        Holds the constraint.
    tag : str, optional

    Notes
    -----
    1. sets ``[Y]``
    2. incs ``[]``
    3. reads ``[A, X]``
    4. updates ``[]``
    """

    def __init__(self, A, X, Y, transform, tag=None):
        super().__init__(tag=tag)
        self.transform = transform
        self.sets = [Y]
        self.incs = []
        self.reads = [A, X]
        self.updates = []

    @property
    def A(self):
        return self.reads[0]

    @property
    def X(self):
        return self.reads[1]

    @property
    def Y(self):
        return self.sets[0]

    @property
    def _descstr(self):
        return f"{self.transform}, {self.A}, {self.X} -> {self.Y}"

    def make_step(self, signals, dt, rng):
        A, X, Y = signals[self.A], signals[self.X], signals[self.Y]
        constrain = self.transform.constrain

        def step_constrained_dot_set():
            Y[...] = constrain(A).dot(X)

        return step_constrained_dot_set


@NengoBuilder.register(ChipDense)
def build_chip_dense(
    model, transform, sig_in, decoders=None, encoders=None, rng=np.random
):
    """Build a :class:`ChipDense` into a NengoDL model: the shadow weights become
    the (trainable) ``weights`` signal, read through :class:`ConstrainedDotSet`."""
    if decoders is not None or encoders is not None:
        # not a BuildError: NengoBuilder would take that for "no NengoDL builder" and
        # build a plain Dense instead
        raise ValidationError(
            f"{transform}: ChipDense constrains the weights between neurons or nodes; "
            "connect from the ensemble's neurons (pre.neurons), not from its decoded "
            "value",
            attr="transform",
            obj=transform,
        )
    weights = transform.sample_shadow(rng=rng).astype(rc.float_dtype)
    weight_sig = Signal(weights, readonly=True, name=f"{transform}.weights")
    weighted = Signal(shape=transform.size_out, name=f"{transform}.weighted")
    model.add_op(
        ConstrainedDotSet(
            weight_sig, sig_in, weighted, transform, tag=f"{transform}.apply_weights"
        )
    )
    return weighted, weight_sig


@Builder.register(ConstrainedDotSet)
class ConstrainedDotSetBuilder(OpBuilder):
    """Build a :class:`ConstrainedDotSet` in TensorFlow (one operator per group: each
    has its own constraint and per-row steps)."""

    def build_pre(self, signals, config):
        super().build_pre(signals, config)
        (op,) = self.ops
        self.transform = op.transform
        self.A_data = signals.combine([op.A])
        self.X_data = signals.combine([op.X])
        self.Y_data = signals.combine([op.Y])
        if self.A_data.minibatched or not self.X_data.minibatched:
            raise BuildError(
                f"{op.transform}: ChipDense weights cannot be changed by a learning "
                "rule, and its input must vary by minibatch"
            )

    def build_step(self, signals):
        weights = signals.gather(self.A_data)
        weights = tf.reshape(weights, self.transform.shape)
        weights = self.transform.constrain_tf(weights, training=self.config.training)
        x = signals.gather(self.X_data)
        signals.scatter(self.Y_data, tf.matmul(x, weights, transpose_b=True))

    @staticmethod
    def mergeable(x, y):
        return False
