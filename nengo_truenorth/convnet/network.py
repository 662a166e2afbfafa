"""A trained chip convnet as a Nengo network of binary TrueNorth neurons.

:func:`build_network` writes a :class:`~.spec.TrainedConvnet` as Nengo objects: an
input node (the binary channels of one image per step), one ensemble of
:class:`~nengo_truenorth.TrueNorthNeuron` per layer (threshold 1, per-neuron bias as
the chip's leak, no state between steps), one ``nengo.Convolution`` connection per
filter group with the trinary kernel, and a host node that counts each class's
spikes. With ``synapse=None`` everywhere, ``nengo.Simulator`` computes a whole image
in one step; ``nengo_truenorth.Simulator`` compiles the same network onto cores, where
each layer takes its connection's ticks and a new image enters every tick
(:mod:`.frames`).
"""

import nengo
import numpy as np
from scipy import sparse

from ..config import add_params
from ..neurons import TrueNorthNeuron
from .spec import chip_neuron_params


def group_indices(shape, groups, g):
    """Flat (channels-last) indices of channel group ``g`` of a ``(h, w, c)`` array."""
    h, w, c = shape
    cg = c // groups
    idx = np.arange(h * w * c).reshape(h, w, c)
    return idx[:, :, g * cg : (g + 1) * cg].ravel()


def voter_classes(shape, n_classes):
    """The class each neuron of the last layer (``(h, w, f)``, channels last) votes
    for: filter ``f`` votes for ``f % n_classes``."""
    n = int(np.prod(shape))
    return np.arange(n) % shape[-1] % n_classes


def vote_matrix(shape, n_classes):
    """``(n_classes, h * w * f)`` sparse ones: each neuron's vote for its class."""
    n = int(np.prod(shape))
    return sparse.csr_matrix(
        (np.ones(n), (voter_classes(shape, n_classes), np.arange(n))),
        shape=(n_classes, n),
    )


def build_network(net, dt=0.001, label="chip convnet"):
    """A Nengo network that computes ``net`` with binary TrueNorth neurons.

    Parameters
    ----------
    net : TrainedConvnet
    dt : float, optional
        The simulators' step; a spike is worth 1 (neuron amplitude ``dt``).
    label : str, optional

    Returns
    -------
    nengo.Network
        With attributes ``input`` (a ``Node`` of ``h * w * channels`` binary values;
        set its ``output``), ``layers`` (the ensembles, input pixels first),
        ``voter_classes`` (the class each last-layer neuron votes for),
        ``convolutions`` (per layer, its connections), ``votes`` (a ``Node`` of
        ``n_classes`` spike counts per step) and ``probe`` (on ``votes``).
    """
    spec = net.spec
    shapes = spec.shapes()
    neuron = TrueNorthNeuron(**chip_neuron_params(dt))
    with nengo.Network(label=label) as model:
        model.input = nengo.Node(np.zeros(int(np.prod(shapes[0]))), label="image")
        pixels = _binary_ensemble(neuron, shapes[0], np.zeros(shapes[0][-1]), "pixels")
        image = nengo.Connection(model.input, pixels.neurons, synapse=None)
        # an "on" pixel is one spike of weight 1 on one channel: the host's
        # encoder then carries no remainder from one image to the next
        add_params(model)
        model.config[pixels].neuron_input_range = 1.0
        model.config[image].input_channels = 1
        model.layers, model.convolutions = [pixels], []
        for i, (layer, kernel, bias) in enumerate(
            zip(spec.layers, net.kernels, net.biases, strict=True)
        ):
            post = _binary_ensemble(neuron, shapes[i + 1], bias, f"layer {i + 1}")
            model.convolutions.append(
                _connect_groups(model.layers[-1], post, shapes[i], layer, kernel)
            )
            model.layers.append(post)
        model.voter_classes = voter_classes(shapes[-1], spec.n_classes)
        model.votes = nengo.Node(size_in=spec.n_classes, label="class votes")
        nengo.Connection(
            model.layers[-1].neurons,
            model.votes,
            transform=nengo.Sparse(
                (spec.n_classes, int(np.prod(shapes[-1]))),
                init=vote_matrix(shapes[-1], spec.n_classes),
            ),
            synapse=None,
        )
        model.probe = nengo.Probe(model.votes, synapse=None)
    return model


def _binary_ensemble(neuron, shape, bias, label):
    """An ensemble of ``prod(shape)`` binary neurons; filter ``f``'s bias ``bias[f]``."""
    n = int(np.prod(shape))
    per_neuron = np.tile(np.asarray(bias, dtype=float), n // shape[-1])
    return nengo.Ensemble(
        n,
        1,
        neuron_type=neuron,
        gain=np.ones(n),
        bias=per_neuron,
        label=label,
    )


def _connect_groups(pre, post, in_shape, layer, kernel):
    """One ``nengo.Convolution`` connection per filter group of ``layer``."""
    out_shape = layer.output_shape(in_shape)
    groups = layer.groups
    cg, fg = in_shape[2] // groups, layer.filters // groups
    conns = []
    for g in range(groups):
        conv = nengo.Convolution(
            fg,
            (in_shape[0], in_shape[1], cg),
            kernel_size=(layer.kernel_size,) * 2,
            strides=(layer.strides,) * 2,
            padding=layer.padding,
            channels_last=True,
            init=np.asarray(kernel[:, :, :, g * fg : (g + 1) * fg], dtype=float),
        )
        if groups == 1:
            pre_obj, post_obj = pre.neurons, post.neurons
        else:
            pre_obj = pre.neurons[group_indices(in_shape, groups, g)]
            post_obj = post.neurons[group_indices(out_shape, groups, g)]
        conns.append(
            nengo.Connection(
                pre_obj,
                post_obj,
                transform=conv,
                synapse=None,
                label=f"{post.label} group {g}" if groups > 1 else post.label,
            )
        )
    return conns
