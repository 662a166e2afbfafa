"""Per-object options of the TrueNorth backend, set through ``network.config``.

Like nengo-loihi's ``add_params``, options are attached to a network's config rather
than by subclassing Nengo objects:

>>> import nengo, nengo_truenorth
>>> with nengo.Network() as net:
...     nengo_truenorth.add_params(net)
...     a = nengo.Ensemble(100, 1)
...     net.config[a].on_chip = False            # run this ensemble on the host
...     conn = nengo.Connection(a, a)
...     net.config[conn].weight_bits = 2         # 4 levels instead of 16
"""

import nengo
from nengo.params import BoolParam, EnumParam, IntParam, Parameter

#: Options of ensembles.
ENSEMBLE_PARAMS = (
    BoolParam("on_chip", default=None, optional=True),
    IntParam("threshold", default=None, low=1, optional=True),
    # Hz, one for all neurons or one per neuron: validated by the build, which
    # names the ensemble (nengo.params.NdarrayParam cannot take both forms)
    Parameter("peak_rates", default=None, optional=True),
    # Nengo's current units, one for all neurons or one per neuron
    Parameter("neuron_input_range", default=None, optional=True),
)
#: Options of connections.
CONNECTION_PARAMS = (
    IntParam("weight_bits", default=None, low=1, high=4, optional=True),
    EnumParam(
        "rounding", default=None, values=("nearest", "stochastic"), optional=True
    ),
    IntParam("delay", default=None, low=1, high=15, optional=True),
    IntParam("input_channels", default=None, low=1, high=64, optional=True),
)


def add_params(network):
    """Add the backend's options to ``network.config`` (safe to call twice).

    Ensembles get ``on_chip`` (``None``: on the chip when the neuron type allows;
    ``False``: on the host; ``True``: on the chip or a ``BuildError``),
    ``threshold`` (the chip threshold of the ensemble's neurons, which sets their
    precision), ``peak_rates`` (Hz, for all neurons or per neuron: the low-passed
    rate each neuron rarely exceeds on the data it will see; filter neurons out of
    the ensemble then fire more often and add less noise) and ``neuron_input_range``
    (Nengo's current units, for all neurons or per neuron: the largest current the
    host sends into the ensemble's neurons; the host's spikes then carry that much
    over ``input_channels``, not ``input_range`` thresholds).
    :func:`nengo_truenorth.measure_activity` measures and sets the last two.
    Connections get ``weight_bits`` (1..4: trinary up to 16 levels),
    ``rounding`` (``"nearest"`` or ``"stochastic"``), ``delay`` (ticks, 1..15) and
    ``input_channels`` (spike channels per dimension and sign for values sent from
    the host).

    Parameters
    ----------
    network : nengo.Network
    """
    for nengo_class, params in (
        (nengo.Ensemble, ENSEMBLE_PARAMS),
        (nengo.Connection, CONNECTION_PARAMS),
    ):
        class_config = network.config[nengo_class]
        for param in params:
            if param.name not in class_config._extra_params:
                class_config.set_param(param.name, param)


def get_option(network_config, obj, name, default):
    """Value of option ``name`` for ``obj``, or ``default`` where it is unset.

    Looks through the config of the network (and, as Nengo does, its parents' settings
    are not inherited: options are set on the network that is simulated).
    """
    if network_config is None:
        return default
    try:
        value = getattr(network_config[obj], name)
    except (AttributeError, KeyError, nengo.exceptions.ConfigError):
        return default
    return default if value is None else value
