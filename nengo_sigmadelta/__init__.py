"""nengo_sigmadelta: sigma-delta adaptive spiking neurons and low-pass RNNs for Nengo."""

from nengo_truenorth.version import version as __version__

__all__ = ["__version__"]
