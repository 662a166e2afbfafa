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


#: An option that a config does not set.
_UNSET = object()


def _param(class_params, name):
    """The option's parameter in ``class_params``, or None if it was never added."""
    return class_params._extra_params.get(name)


def _instance_setting(config, obj, name):
    """What ``config`` sets for ``obj`` itself, or ``_UNSET``.

    Reads ``config.params`` without ``config[obj]``, which would add an entry for
    ``obj`` to the user's config.
    """
    instance_params = config.params.get(obj)
    if instance_params is None:
        return _UNSET
    param = _param(instance_params._clsparams, name)
    if param is None or instance_params not in param.data:
        return _UNSET
    return param.data[instance_params]


def _class_setting(config, obj, name):
    """What ``config`` sets for the class of ``obj`` (its nearest base), or ``_UNSET``."""
    for cls in type(obj).__mro__:
        class_params = config.params.get(cls)
        if class_params is None:
            continue
        param = _param(class_params, name)
        if param is not None and class_params in param:
            return param.get_default(class_params)
    return _UNSET


class OptionLookup:
    """Options of the objects of a network, looked up as Nengo looks up defaults.

    An object's option may be set in the config of any network that holds it,
    directly or through subnetworks. As Nengo's ``Config`` contexts do for defaults,
    the innermost network wins, and a setting for the object itself wins over any
    network's default for its class:

    1. ``net.config[obj].name`` of the innermost network holding ``obj`` that sets
       it, then of each enclosing network out to the simulated one;
    2. ``net.config[type(obj)].name`` likewise, innermost first.

    A network's config gets the options from :func:`add_params`; one that lacks
    them sets nothing. A setting of None means the backend's default.

    Parameters
    ----------
    network : nengo.Network
        The simulated (top-level) network.

    Examples
    --------
    >>> import nengo, nengo_truenorth
    >>> from nengo_truenorth.config import OptionLookup
    >>> with nengo.Network() as net:
    ...     with nengo.Network() as sub:
    ...         nengo_truenorth.add_params(sub)
    ...         ens = nengo.Ensemble(10, 1)
    ...         sub.config[ens].on_chip = False
    >>> OptionLookup(net).get(ens, "on_chip", None)
    False
    """

    def __init__(self, network):
        self.network = network
        self._configs = {}  # object -> configs of the networks holding it, innermost first
        stack = [(network, (network.config,))]
        while stack:
            net, configs = stack.pop()
            for kind, objects in net.objects.items():
                if kind is not nengo.Network:
                    for obj in objects:
                        self._configs[obj] = configs
            for sub in net.networks:
                stack.append((sub, (sub.config,) + configs))

    def get(self, obj, name, default):
        """Value of option ``name`` for ``obj``, or ``default`` where it is unset.

        Parameters
        ----------
        obj : nengo.Ensemble or nengo.Connection
        name : str
        default : object

        Returns
        -------
        object
        """
        # an object outside the network's tree (none that a build meets) gets the
        # simulated network's settings
        configs = self._configs.get(obj, (self.network.config,))
        for setting in (_instance_setting, _class_setting):
            for config in configs:
                found = setting(config, obj, name)
                if found is not _UNSET:
                    return default if found is None else found
        return default
