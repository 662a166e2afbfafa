"""Training for the chip with NengoDL: the chip's constraints inside ``Simulator.fit``.

Needs the ``dl`` extra (``pip install -e ".[dl]"``: NengoDL 3.6, TensorFlow 2.12);
importing this package without it raises an ``ImportError`` that says so, and
``import nengo_truenorth`` never imports it (nor TensorFlow). Importing it registers
its TensorFlow builders with NengoDL, so a ``nengo_dl.Simulator`` trains and runs
these objects natively:

==============================  ======================================================
module                          what
==============================  ======================================================
:mod:`.neurons`                 :class:`~nengo_truenorth.TrueNorthNeuron` in TensorFlow:
                                the steady-state rate (with a straight-through
                                gradient) in training, the chip's integer spiking,
                                bit for bit, in evaluation;
                                :class:`~nengo_truenorth.ChipSpikingRectifiedLinear`
                                spiking in training too, with the rate's gradient
:mod:`.weights`                 :class:`ChipDense`, a ``Dense`` transform whose weights
                                NengoDL trains on the chip's weight levels (1..4 bits,
                                trinary with shadow weights, stochastic rounding) under
                                a fan-in limit
:mod:`.activity`                :class:`QuantizedActivity`, a rate neuron type whose
                                output takes ``n`` levels (straight-through gradient)
:mod:`.latency`                 :class:`LoopLatency`, a synapse that adds the ticks the
                                chip's filtered recurrence takes beyond Nengo's step
:mod:`.freeze`                  :func:`freeze_constrained`: the constrained weights
                                written back into the network for ``nengo.Simulator``
                                and ``nengo_truenorth.Simulator``
==============================  ======================================================

The weight and activity grids are the quantizers of
:mod:`nengo_sigmadelta.quantization` (``IntegerLevels`` and friends) and their
TensorFlow ops in :mod:`nengo_sigmadelta.keras_layers`: one implementation serves both
packages.

Examples
--------
A neuron -> neuron layer trained on 4-bit chip weights with at most 64 inputs per
neuron, then frozen for the chip::

    import nengo, nengo_dl
    from nengo_truenorth.training import ChipDense, freeze_constrained

    with nengo.Network() as net:
        ...
        nengo.Connection(a.neurons, b.neurons, synapse=None,
                         transform=ChipDense((n_b, n_a), init=nengo_dl.dists.Glorot(),
                                             bits=4, fan_in=64))
    with nengo_dl.Simulator(net) as sim:
        sim.compile(optimizer="adam", loss="mse")
        sim.fit(x, y, epochs=10)
        freeze_constrained(sim, net)
    # net's weights now lie on the chip's levels, in every simulator
"""

INSTALL_HINT = 'pip install -e ".[dl]"'


def _require(module_name):
    import importlib

    try:
        return importlib.import_module(module_name)
    except ImportError as err:
        raise ImportError(
            f"nengo_truenorth.training needs {module_name}, which is not installed; "
            f"install the 'dl' extra: {INSTALL_HINT}"
        ) from err


_require("tensorflow")
_require("nengo_dl")

from .activity import QuantizedActivity, QuantizedActivityBuilder  # noqa: E402
from .freeze import constrained_weights, freeze_constrained  # noqa: E402
from .latency import (  # noqa: E402
    CHIP_LOOP_EXTRA_STEPS,
    LoopLatency,
    restore_chip_synapses,
)
from .neurons import (  # noqa: E402
    ChipSpikingRectifiedLinearBuilder,
    TrueNorthNeuronBuilder,
    chip_relu_step,
    truenorth_rate,
    truenorth_step,
)
from .weights import (  # noqa: E402
    ChipDense,
    ConstrainedDotSet,
    chip_weight_quantizer,
    fan_in_mask,
)

__all__ = [
    "CHIP_LOOP_EXTRA_STEPS",
    "ChipDense",
    "ChipSpikingRectifiedLinearBuilder",
    "ConstrainedDotSet",
    "LoopLatency",
    "QuantizedActivity",
    "QuantizedActivityBuilder",
    "TrueNorthNeuronBuilder",
    "chip_relu_step",
    "chip_weight_quantizer",
    "constrained_weights",
    "fan_in_mask",
    "freeze_constrained",
    "restore_chip_synapses",
    "truenorth_rate",
    "truenorth_step",
]
