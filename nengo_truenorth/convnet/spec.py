"""What a chip convnet is: its layers, its binary neurons, its exact integer forward pass.

A convnet for the chip (Esser et al. 2016) is a stack of grouped convolutions with
trinary weights between binary (spiking) neurons; each neuron fires in the tick of its
frame when ``sum(w * x) + bias >= 1`` and keeps no state between frames. The input is
the image thresholded into binary channels, and the last layer's neurons vote for
their class (filter ``f`` votes for class ``f % n_classes``): the class with the most
spikes wins. :func:`integer_forward` computes exactly what the chip computes, in
NumPy, so the trained network's accuracy *is* its on-chip accuracy where the compiler
realizes the weights exactly (tests check that it does).

This module needs NumPy only: the training (TensorFlow) lives in :mod:`.train`.
"""

from dataclasses import dataclass, field

import numpy as np

from ..hardware.limits import LEAK_MAX, LEAK_MIN


@dataclass(frozen=True)
class ConvLayer:
    """One grouped convolution and its binary neurons.

    Parameters
    ----------
    filters : int
        Output channels, a multiple of ``groups``.
    kernel_size : int
        Square kernel side.
    strides : int
    padding : {"same", "valid"}
        As in TensorFlow and ``nengo.Convolution``.
    groups : int
        Filter groups: input and output channels are cut into ``groups`` equal
        parts, and group ``g`` of the outputs sees only group ``g`` of the inputs
        (a neuron's fan-in is ``kernel_size**2 * in_channels / groups``).
    """

    filters: int
    kernel_size: int = 3
    strides: int = 1
    padding: str = "same"
    groups: int = 1

    def __post_init__(self):
        if self.padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same' or 'valid', not {self.padding!r}")
        if self.filters % self.groups:
            raise ValueError(
                f"filters = {self.filters} is not a multiple of groups = {self.groups}"
            )

    def output_shape(self, input_shape):
        """``(height, width, filters)`` for an ``(height, width, channels)`` input."""
        h, w, c = input_shape
        if c % self.groups:
            raise ValueError(
                f"{c} input channels do not split into groups = {self.groups}"
            )
        k, s = self.kernel_size, self.strides
        if self.padding == "same":
            return (-(-h // s), -(-w // s), self.filters)
        return ((h - k) // s + 1, (w - k) // s + 1, self.filters)

    def fan_in(self, input_shape):
        """Inputs per neuron: ``kernel_size**2 * channels / groups``."""
        return self.kernel_size**2 * input_shape[2] // self.groups


@dataclass(frozen=True)
class ConvnetSpec:
    """The architecture of a chip convnet.

    Parameters
    ----------
    image_shape : (int, int)
    thresholds : tuple of int
        The input's binary channels: channel ``i`` is ``pixel >= thresholds[i]``
        (pixels 0..255).
    layers : tuple of ConvLayer
    n_classes : int
        The last layer's filters vote: filter ``f`` for class ``f % n_classes``.
    """

    image_shape: tuple = (28, 28)
    thresholds: tuple = (128,)
    layers: tuple = field(default_factory=tuple)
    n_classes: int = 10

    def __post_init__(self):
        if not self.layers:
            raise ValueError("a convnet needs at least one layer")
        if self.layers[-1].filters % self.n_classes:
            raise ValueError(
                f"the last layer's {self.layers[-1].filters} filters do not vote "
                f"equally for {self.n_classes} classes"
            )

    @property
    def input_shape(self):
        """``(height, width, channels)`` of the binary input."""
        return (*self.image_shape, len(self.thresholds))

    def shapes(self):
        """The input shape of each layer, then the output shape of the last."""
        shapes = [self.input_shape]
        for layer in self.layers:
            shapes.append(layer.output_shape(shapes[-1]))
        return shapes

    def n_neurons(self):
        """Neurons per layer (input pixels first)."""
        return [int(np.prod(s)) for s in self.shapes()]


def encode_images(images, thresholds):
    """Images (``(n, h, w)``, 0..255) as binary channels ``(n, h, w, len(thresholds))``."""
    images = np.asarray(images)
    return np.stack([images >= t for t in thresholds], axis=-1)


@dataclass
class TrainedConvnet:
    """A trained chip convnet: integer weights and biases per layer.

    Attributes
    ----------
    spec : ConvnetSpec
    kernels : list of (k, k, channels / groups, filters) ndarray of int
        Trinary (-1, 0, 1), in TensorFlow's (and ``nengo.Convolution``'s) layout.
    biases : list of (filters,) ndarray of int
        Each neuron's leak, in ``LEAK_MIN..LEAK_MAX``.
    """

    spec: ConvnetSpec
    kernels: list
    biases: list

    def __post_init__(self):
        shapes = self.spec.shapes()
        if not len(self.kernels) == len(self.biases) == len(self.spec.layers):
            raise ValueError(
                f"{len(self.kernels)} kernels and {len(self.biases)} biases for "
                f"{len(self.spec.layers)} layers"
            )
        for i, (layer, kernel, bias) in enumerate(
            zip(self.spec.layers, self.kernels, self.biases, strict=True)
        ):
            want = (
                layer.kernel_size,
                layer.kernel_size,
                shapes[i][2] // layer.groups,
                layer.filters,
            )
            if np.shape(kernel) != want:
                raise ValueError(
                    f"layer {i}: kernel of shape {np.shape(kernel)}, expected {want}"
                )
            if np.shape(bias) != (layer.filters,):
                raise ValueError(
                    f"layer {i}: bias of shape {np.shape(bias)}, expected "
                    f"({layer.filters},)"
                )
            if not np.isin(kernel, (-1, 0, 1)).all():
                raise ValueError(f"layer {i}: kernel weights are not all in -1, 0, 1")
            bias = np.asarray(bias)
            if bias.min() < LEAK_MIN or bias.max() > LEAK_MAX:
                raise ValueError(
                    f"layer {i}: biases {bias.min()}..{bias.max()} are outside the "
                    f"chip's leak range {LEAK_MIN}..{LEAK_MAX}"
                )
        self.kernels = [np.asarray(k, dtype=np.int8) for k in self.kernels]
        self.biases = [np.asarray(b, dtype=np.int64) for b in self.biases]

    def save(self, path):
        """Write the network to an ``.npz`` file (spec included)."""
        layers = np.array(
            [
                (la.filters, la.kernel_size, la.strides, la.padding == "same", la.groups)
                for la in self.spec.layers
            ],
            dtype=np.int64,
        )
        arrays = {f"kernel{i}": k for i, k in enumerate(self.kernels)}
        arrays.update({f"bias{i}": b for i, b in enumerate(self.biases)})
        np.savez(
            path,
            layers=layers,
            image_shape=np.array(self.spec.image_shape),
            thresholds=np.array(self.spec.thresholds),
            n_classes=np.array(self.spec.n_classes),
            **arrays,
        )

    @classmethod
    def load(cls, path):
        """Read a network written by :meth:`save`."""
        with np.load(path) as f:
            layers = tuple(
                ConvLayer(
                    int(a), int(b), int(c), "same" if d else "valid", int(e)
                )
                for a, b, c, d, e in f["layers"]
            )
            spec = ConvnetSpec(
                tuple(int(v) for v in f["image_shape"]),
                tuple(int(v) for v in f["thresholds"]),
                layers,
                int(f["n_classes"]),
            )
            n = len(layers)
            return cls(
                spec,
                [f[f"kernel{i}"] for i in range(n)],
                [f[f"bias{i}"] for i in range(n)],
            )


def _pad(x, layer):
    """Zero padding of ``x`` (n, h, w, c) as TensorFlow pads for ``layer``."""
    if layer.padding == "valid":
        return x
    _, h, w, _ = x.shape
    k, s = layer.kernel_size, layer.strides
    pads = []
    for size in (h, w):
        total = max((-(-size // s) - 1) * s + k - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))


def conv_integer(x, kernel, layer):
    """A grouped convolution of integer inputs ``x`` (n, h, w, c): integer sums.

    Parameters
    ----------
    x : (n, h, w, c) ndarray of int or bool
    kernel : (k, k, c / groups, filters) ndarray of int
    layer : ConvLayer

    Returns
    -------
    (n, h_out, w_out, filters) ndarray of int32
    """
    x = _pad(np.asarray(x, dtype=np.int32), layer)
    n, h, w, c = x.shape
    k, s, groups = layer.kernel_size, layer.strides, layer.groups
    h_out, w_out = (h - k) // s + 1, (w - k) // s + 1
    patches = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))
    patches = patches[:, ::s, ::s][:, :h_out, :w_out]  # (n, ho, wo, c, k, k)
    c_g, f_g = c // groups, layer.filters // groups
    out = np.empty((n, h_out, w_out, layer.filters), dtype=np.int32)
    kernel = np.asarray(kernel, dtype=np.int32)
    for g in range(groups):
        p = patches[:, :, :, g * c_g : (g + 1) * c_g]  # (n, ho, wo, cg, k, k)
        kg = kernel[:, :, :, g * f_g : (g + 1) * f_g]  # (k, k, cg, fg)
        out[..., g * f_g : (g + 1) * f_g] = np.einsum("nhwcij,ijcf->nhwf", p, kg)
    return out


def integer_forward(net, x, all_layers=False):
    """The chip's computation of ``net`` on binary inputs, exactly.

    Parameters
    ----------
    net : TrainedConvnet
    x : (n, h, w, channels) ndarray of bool
        Encoded images (:func:`encode_images`).
    all_layers : bool, optional
        Return every layer's spikes instead of the class votes.

    Returns
    -------
    (n, n_classes) ndarray of int
        Spikes per class (or, with ``all_layers``, a list of each layer's
        ``(n, h, w, filters)`` bool spikes).
    """
    spikes = []
    a = np.asarray(x, dtype=bool)
    for layer, kernel, bias in zip(net.spec.layers, net.kernels, net.biases, strict=True):
        a = conv_integer(a, kernel, layer) + bias >= 1
        spikes.append(a)
    if all_layers:
        return spikes
    return class_votes(a, net.spec.n_classes)


def class_votes(last_spikes, n_classes):
    """Spikes per class of the last layer's ``(n, ..., filters)`` spikes."""
    last = np.asarray(last_spikes)
    n = last.shape[0]
    per_filter = last.reshape(n, -1, last.shape[-1]).sum(axis=1)
    return per_filter.reshape(n, -1, n_classes).sum(axis=1)


def predict(votes):
    """The predicted class: most votes, ties to the lower class."""
    return np.argmax(votes, axis=-1)


def chip_neuron_params(dt=0.001):
    """Keyword arguments of :class:`~nengo_truenorth.TrueNorthNeuron` for the binary
    neurons: fire when ``V = sum + bias >= 1`` (threshold 1; the bias is the
    ensemble's per-neuron ``bias``, which the chip adds as leak), and every potential
    goes back to 0 (reset to 0 on a spike, saturation at 0 below), so no state is
    carried from one frame to the next. A spike is worth 1 (amplitude ``dt``)."""
    return dict(
        threshold=1,
        leak=0,
        reset_mode=0,
        reset_potential=0,
        negative_threshold=0,
        negative_saturation=True,
        amplitude=dt,
    )
