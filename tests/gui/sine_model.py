# A NengoGUI model for tests/gui: a 1 Hz sine into an ensemble on the chip, with a
# value plot of the ensemble (sine_model.py.cfg).
import nengo
import numpy as np

model = nengo.Network(seed=0)
with model:
    stim = nengo.Node(lambda t: np.sin(2 * np.pi * t))
    ens = nengo.Ensemble(100, 1, label="ens")
    nengo.Connection(stim, ens)
