"""Errors raised for hardware models that break the chip's rules.

The hardware model imports nothing from Nengo, so its error is a plain ``ValueError``
subclass; the builder turns it into Nengo's ``BuildError`` where a Nengo object is at
fault.
"""


class HardwareModelError(ValueError):
    """A hardware model (or model file) breaks a rule of the chip specification.

    The message names the place (core id, neuron or axon index, field), the value and
    the allowed range. The same facts are kept as attributes for callers that need them.

    Parameters
    ----------
    place : str
        Where the problem is, e.g. ``"core 3, neuron 17"``.
    field : str
        The model-file name of the offending field.
    value : object
        The offending value.
    allowed : str
        The allowed range or rule, e.g. ``"0..262143"``.
    """

    def __init__(self, place, field, value, allowed):
        self.place = place
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(
            f"{place}: {field} = {value!r} is not allowed (allowed: {allowed})"
        )


class SpikeFileError(ValueError):
    """A spike file (or in-memory spike trains) breaks the spike-file rules.

    Raised either with one message, or like :class:`HardwareModelError` with the place,
    field, value and allowed range, which are then kept as attributes (``None`` when
    only a message was given).

    Parameters
    ----------
    place : str
        Where the problem is, e.g. ``"spike file, port 'in', spike 3"``; or the whole
        message when ``field`` is not given.
    field : str, optional
        The offending field (``"tick"``, ``"index"``...).
    value : object, optional
        The offending value.
    allowed : str, optional
        The allowed range or rule.
    """

    def __init__(self, place, field=None, value=None, allowed=None):
        self.place = place if field is not None else None
        self.field = field
        self.value = value
        self.allowed = allowed
        if field is None:
            super().__init__(place)
        else:
            super().__init__(
                f"{place}: {field} = {value!r} is not allowed (allowed: {allowed})"
            )
