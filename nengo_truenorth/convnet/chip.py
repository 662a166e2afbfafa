"""A compiled convnet as files: the model file, its ports, and runs from them.

:func:`save_compiled` keeps what a compiled convnet needs to run without Nengo or the
compiler: the chip (``model.json``, the model file of the command line), the trained
integers (``network.npz``) and ``ports.json``, which says which input-port spikes an
"on" pixel channel sends, which output-port neuron votes for which class, and the
latency. :func:`evaluate_files` runs other images through the chip of those files on
an emulator, one image per tick, as the Simulator did.
"""

import json
import os
import time
from dataclasses import dataclass

import numpy as np

from ..emulator import get_emulator
from ..files import load_model, save_model, write_atomic
from ..hardware.model import channel_spikes
from .spec import TrainedConvnet, encode_images

MODEL_FILE = "model.json"
PORTS_FILE = "ports.json"
NETWORK_FILE = "network.npz"


def chip_ports(sim, model):
    """The ports of a convnet compiled by ``sim`` (a ``nengo_truenorth.Simulator``
    of :func:`~.network.build_network`'s ``model``).

    Returns
    -------
    dict
        ``input_port`` and ``pixel_indices`` (per input channel of the image, the
        input-port indices one "on" pixel spikes), ``output_port`` and
        ``output_class`` (per output-port index, the class it votes for).
    """
    chip_model = sim.model
    pixels, last = model.layers[0], model.layers[-1]
    host_input = next(h for h in chip_model.chip.host_inputs if h.obj is pixels)
    if host_input.channels != 1:
        raise ValueError(f"{pixels}: {host_input.channels} input channels, expected 1")
    input_port, per_channel = sim.compiled.input_ports[host_input.input_group]
    # channel order (sign, channel, pixel): the on-channel of pixel k is k
    pixel_indices = [per_channel[k].tolist() for k in range(pixels.n_neurons)]
    group = chip_model.chip_ensembles[last].group
    output_port, index = sim.compiled.output_ports[group]
    output_class = np.full(int(index.max()) + 1, -1, dtype=np.int64)
    output_class[index[index >= 0]] = model.voter_classes[index >= 0]
    return {
        "input_port": input_port,
        "pixel_indices": pixel_indices,
        "output_port": output_port,
        "output_class": output_class.tolist(),
    }


def run_ports(sim, model, net, latency):
    """:func:`chip_ports` with what a run needs besides: ``latency``,
    ``n_classes``, ``image_shape`` and ``thresholds`` (``ports.json``)."""
    ports = chip_ports(sim, model)
    ports.update(
        latency=int(latency),
        n_classes=int(net.spec.n_classes),
        image_shape=list(net.spec.image_shape),
        thresholds=list(net.spec.thresholds),
    )
    return ports


def save_compiled(sim, model, net, directory, latency):
    """Write a compiled convnet to ``directory``: ``model.json``, ``ports.json``
    and ``network.npz``.

    Parameters
    ----------
    sim : nengo_truenorth.Simulator
    model : nengo.Network
        From :func:`~.network.build_network`.
    net : TrainedConvnet
    directory : str or path-like
        Created if missing.
    latency : int
        Ticks from an image to its votes (:func:`~.frames.latency`).
    """
    os.makedirs(directory, exist_ok=True)
    ports = run_ports(sim, model, net, latency)
    save_model(sim.compiled.model, os.path.join(directory, MODEL_FILE))
    write_atomic(os.path.join(directory, PORTS_FILE), json.dumps(ports) + "\n")
    net.save(os.path.join(directory, NETWORK_FILE))


@dataclass
class FileRun:
    """The result of :func:`evaluate_files`.

    Attributes
    ----------
    votes : (n, n_classes) ndarray of int
    seconds : float
        Wall time of the emulator's run (loading excluded).
    ticks : int
    """

    votes: np.ndarray
    seconds: float
    ticks: int

    @property
    def frames_per_second(self):
        """float: images per second of the emulator's own run on this machine."""
        return len(self.votes) / self.seconds if self.seconds > 0 else float("nan")


def load_ports(directory):
    """``ports.json`` of a directory written by :func:`save_compiled`."""
    with open(os.path.join(directory, PORTS_FILE), encoding="utf-8") as f:
        return json.load(f)


def input_spikes(ports, x):
    """Spike-file style input of binary images ``x``: image ``k`` at tick ``k``.

    Parameters
    ----------
    ports : dict
        From :func:`load_ports` (or :func:`chip_ports`).
    x : (n, h, w, channels) ndarray of bool

    Returns
    -------
    dict of str to (m, 2) ndarray of int64
    """
    flat = np.asarray(x, dtype=bool).reshape(len(x), -1)
    return {ports["input_port"]: channel_spikes(flat, ports["pixel_indices"])}


def votes_from_spikes(ports, outputs, n_images):
    """Class votes per image from the output port's ``[tick, index]`` spikes."""
    spikes = np.asarray(outputs[ports["output_port"]], dtype=np.int64).reshape(-1, 2)
    image = spikes[:, 0] - ports["latency"]
    cls = np.asarray(ports["output_class"], dtype=np.int64)[spikes[:, 1]]
    keep = (image >= 0) & (image < n_images) & (cls >= 0)
    votes = np.zeros((n_images, ports["n_classes"]), dtype=np.int64)
    np.add.at(votes, (image[keep], cls[keep]), 1)
    return votes


def evaluate_files(directory, images, emulator="fast"):
    """Run images through the chip saved in ``directory``, one image per tick.

    Parameters
    ----------
    directory : str or path-like
        Written by :func:`save_compiled`.
    images : (n, h, w) ndarray of uint8
        Pixels 0..255, thresholded into the channels the network was trained on.
    emulator : {"fast", "reference"}, optional

    Returns
    -------
    FileRun
    """
    ports = load_ports(directory)
    return run_chip(
        load_model(os.path.join(directory, MODEL_FILE)), ports, images, emulator
    )


def run_chip(chip_model, ports, images, emulator="fast"):
    """Run images through a compiled chip and its ports on an emulator alone.

    Parameters
    ----------
    chip_model : ChipModel
    ports : dict
        Its ports (:func:`chip_ports`), with ``latency``, ``n_classes``,
        ``image_shape`` and ``thresholds`` (as :func:`save_compiled` writes them).
    images : (n, h, w) ndarray of uint8
    emulator : {"fast", "reference"}, optional

    Returns
    -------
    FileRun
    """
    images = np.asarray(images)
    if images.shape[1:] != tuple(ports["image_shape"]):
        raise ValueError(
            f"images of shape {images.shape[1:]}, the network takes "
            f"{tuple(ports['image_shape'])}"
        )
    x = encode_images(images, ports["thresholds"])
    chip = get_emulator(emulator)(chip_model)
    ticks = len(x) + ports["latency"]
    inputs = input_spikes(ports, x)
    start = time.perf_counter()
    outputs = chip.run(ticks, inputs)
    seconds = time.perf_counter() - start
    return FileRun(votes_from_spikes(ports, outputs, len(x)), seconds, ticks)


def load_network(directory):
    """The :class:`~.spec.TrainedConvnet` saved beside the chip."""
    return TrainedConvnet.load(os.path.join(directory, NETWORK_FILE))
