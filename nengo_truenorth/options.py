"""Model-wide tunables of the chip build, validated as they are set.

Per-object options (on/off chip, weight bits, rounding, delay, ...) go through
``network.config`` (:mod:`.config`); these are the defaults and knobs of the whole
build, held by :attr:`nengo_truenorth.frontend.Model.options`::

    model = nengo_truenorth.frontend.Model()
    model.options.weight_bits = 3
    model.options.wieght_bits = 3   # ValidationError: no such option
"""

from nengo.exceptions import ValidationError

from .hardware.limits import CORES_PER_CHIP, N_AXON_TYPES, THRESHOLD_MAX


def _integer(low, high):
    def check(value):
        if isinstance(value, bool) or not float(value).is_integer():
            return "must be an integer"
        if not low <= value <= high:
            return f"must be in {low}..{high}"
        return None

    return check


def _positive(value):
    if (
        isinstance(value, bool)
        or not value > 0
        or value != value
        or value == float("inf")
    ):
        return "must be a finite number above 0"
    return None


def _at_least(low):
    def check(value):
        if isinstance(value, bool) or not low <= value < float("inf"):
            return f"must be a finite number of at least {low:g}"
        return None

    return check


def _one_of(*choices):
    def check(value):
        if not any(
            value is c or (type(value) is type(c) and value == c) for c in choices
        ):
            return f"must be one of {', '.join(repr(c) for c in choices)}"
        return None

    return check


class BuildOptions:
    """The build's model-wide tunables; setting one checks its name and its value.

    Attributes
    ----------
    weight_bits : int
        Default weight precision of chip edges, 1..4 bits: 4 bits = 16 levels
        (Diehl et al. 2016), 1 bit = trinary weights (Esser et al. 2016).
    input_channels : int
        Default spike channels per dimension and sign for values sent from the host:
        a channel carries at most one spike per tick, so this bounds the value rate.
    input_range : float
        Values sent from the host are encoded up to ``input_range * radius``.
    decode_margin : float
        Decode neurons are sized for this factor times the largest partial value
        seen on the evaluation points, so they rarely saturate (at least 1).
    nominal_threshold : int
        Threshold of the chip neurons that stand in for Nengo's neuron types, before
        each neuron is rescaled to use the chip's ranges fully.
    rounding : {"nearest", "stochastic"}
        Default rounding of weights to levels.
    filter_decoded : {"auto", "recurrent", True, False}
        Which decoded chip -> chip connections realize their ``Lowpass`` synapse with
        filter neurons (the others get the path's delay instead): ``"auto"``, an
        ensemble's connections to itself and feed-forward ones with ``tau`` of at
        least :attr:`filter_min_tau`; ``"recurrent"``, only the former; True, all;
        False, none.
    filter_min_tau : float
        Shortest ``tau`` (s) of a feed-forward ``Lowpass`` that ``"auto"`` filters:
        below it, the filter neurons' spike noise costs more accuracy than the
        missing filter (measured on a chain of ensembles, docs/simulator.md).
    max_weight_error : float
        A connection whose integer weights get more than this fraction of its
        weight energy wrong (``||W_chip - W||² / ||W||²``) is named in a warning
        (one per build); 1 or more warns of none.
    warn_loop_latency : bool
        Warn (once per build) of recurrent connections that take longer around
        their loop on the chip than in ``nengo.Simulator``.
    copy_neurons : bool
        Where a core has free neurons, copy a deterministic neuron beside itself
        once per extra target instead of sending its spikes through a splitter
        tree: fewer cores and one tick less per connection, with the same spikes.
    max_saturation : float
        After a run of at least 100 ticks, warn (once per Simulator) of the chip
        ensembles and decode, filter or relay neurons saturated at more than this
        fraction of their neuron-ticks (see ``Simulator.saturation()``); 1 or more
        warns of none.
    max_cores : int
        A model whose build needs more cores than this, by the estimate made
        before the passes run (:func:`nengo_truenorth.passes.budget.estimate_build`),
        is refused with a ``BuildError`` naming the object that needs most; the
        default is four chips' worth (16,384 cores).
    max_build_memory : float
        Likewise for the memory the build would hold at its peak, in GiB.

    Examples
    --------
    >>> options = BuildOptions(weight_bits=3)
    >>> options.weight_bits
    3
    >>> options.rounding = "randomly"
    Traceback (most recent call last):
    ...
    nengo.exceptions.ValidationError: BuildOptions.rounding: 'randomly' must be one of 'nearest', 'stochastic'
    """

    #: name -> (default, check); check(value) returns what is wrong, or None
    SPECS = {
        "weight_bits": (4, _integer(1, N_AXON_TYPES)),
        "input_channels": (4, _integer(1, 1024)),
        "input_range": (2.0, _positive),
        "decode_margin": (1.25, _at_least(1.0)),
        "nominal_threshold": (64, _integer(1, THRESHOLD_MAX)),
        "rounding": ("nearest", _one_of("nearest", "stochastic")),
        "filter_decoded": ("auto", _one_of("auto", "recurrent", True, False)),
        "filter_min_tau": (0.012, _at_least(0.0)),
        "max_weight_error": (0.25, _at_least(0.0)),
        "warn_loop_latency": (True, _one_of(True, False)),
        "copy_neurons": (True, _one_of(True, False)),
        "max_saturation": (0.05, _at_least(0.0)),
        "max_cores": (4 * CORES_PER_CHIP, _integer(1, 2**40)),
        "max_build_memory": (8.0, _positive),
    }

    __slots__ = tuple(SPECS)

    def __init__(self, **options):
        for name, (default, _) in self.SPECS.items():
            setattr(self, name, default)
        for name, value in options.items():
            setattr(self, name, value)

    def __setattr__(self, name, value):
        if name not in self.SPECS:
            raise ValidationError(
                f"no option {name!r}; the options are {', '.join(self.SPECS)}",
                attr=name,
                obj=self,
            )
        problem = self.SPECS[name][1](value)
        if problem is not None:
            raise ValidationError(f"{value!r} {problem}", attr=name, obj=self)
        object.__setattr__(self, name, value)

    def __repr__(self):
        changed = [
            f"{name}={getattr(self, name)!r}"
            for name, (default, _) in self.SPECS.items()
            if getattr(self, name) != default
        ]
        return f"BuildOptions({', '.join(changed)})"
