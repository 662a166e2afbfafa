"""The host's channels into the chip: how a value becomes spikes on input groups.

Each dimension of a value the host sends has ``channels`` on-channels and as many
off-channels; a sigma-delta encoder (:class:`nengo_truenorth.runtime.SigmaDeltaEncoder`)
emits a spike on a channel for each whole ``unit`` of value it accumulates. The post
neurons weigh each channel's spikes by ``unit`` times their encoders
(:func:`channel_weights`). Channel order is ``(sign, channel, dimension)``: index
``(s * channels + c) * size + k`` for dimension ``k``, channel ``c`` and sign ``s``
(0 for on, 1 for off).
"""

from dataclasses import dataclass

import numpy as np

from . import sparse


def channel_weights(encoders, unit, channels):
    """Potential per spike of every channel onto post neurons.

    Parameters
    ----------
    encoders : (n_post, size) ndarray or sparse matrix
        Potential per tick per unit of value (sparse for currents into neurons,
        one neuron per dimension: a dense matrix would grow with the square of the
        neurons).
    unit : (size,) ndarray
        Value that one spike stands for, per dimension.
    channels : int
        Channels per dimension and sign.

    Returns
    -------
    (n_post, 2 * channels * size) ndarray, or CSR matrix for sparse ``encoders``
    """
    per_dim = sparse.scale_columns(encoders, unit)
    if sparse.issparse(per_dim):
        return sparse.hstack([per_dim] * channels + [-per_dim] * channels)
    on = np.tile(per_dim, (1, channels))
    return np.hstack([on, -on])


@dataclass(eq=False)
class HostInput:
    """A value the host sends into a neuron group every tick, as spikes.

    The front end declares it; the host-input pass
    (:func:`nengo_truenorth.passes.host_inputs.add_host_inputs`) gives it an
    :class:`~.graph.InputGroup` and the edges into ``post``; the runtime encodes
    ``target``'s value into spikes on that group's channels.

    Attributes
    ----------
    post : NeuronGroup
    encoders : (post.n, size) ndarray or sparse matrix
        Potential per tick per unit of value, per post neuron (sparse for currents
        into neurons).
    channels : int
        Channels per dimension and sign.
    unit : (size,) ndarray
        Value one spike stands for, per dimension. Where each dimension drives one
        post neuron (:attr:`resizable`), the passes resize it to the weight the chip
        realizes (:func:`nengo_truenorth.passes.host_inputs.fit_host_units`).
    label : str
    obj : object
        The Nengo object it feeds (names it in errors and maps).
    target : object
        What the runtime reads the value from (a Nengo signal).
    input_group : InputGroup or None
        Its channels on the chip, once the pass has added them.
    edge : FloatEdge or None
        The float edge from :attr:`input_group` into ``post``, once the pass has
        added it.
    """

    post: object
    encoders: np.ndarray
    channels: int
    unit: np.ndarray
    label: str
    obj: object = None
    target: object = None
    input_group: object = None
    edge: object = None

    @property
    def size(self):
        """int: dimensions of the value."""
        return self.encoders.shape[1]

    @property
    def post_of_dimension(self):
        """(size,) ndarray of int or None: the one post neuron each dimension drives
        (currents into ``ens.neurons``), or None where some dimension drives
        several (a decoded value, through the encoders)."""
        return sparse.column_rows(self.encoders)

    @property
    def resizable(self):
        """bool: whether each dimension drives one post neuron, so that its spikes
        can be sized to the weight the chip realizes for that neuron alone."""
        return self.post_of_dimension is not None

    @property
    def n_channels(self):
        """int: all channels, on and off."""
        return 2 * self.channels * self.size
