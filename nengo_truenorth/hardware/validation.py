"""Validation of hardware models against the chip specification.

Each check raises :class:`~.errors.HardwareModelError` naming the place (core id, neuron
or axon index, field), the value and the allowed range.
"""

import numpy as np

from .errors import HardwareModelError
from .limits import (
    AXONS_PER_CORE,
    COORDINATE_MAX,
    COORDINATE_MIN,
    DELAY_MAX,
    DELAY_MIN,
    DESTINATION_FIELDS,
    N_AXON_TYPES,
    NEURON_FIELDS,
    NEURONS_PER_CORE,
    SEED_MAX,
    SEED_MIN,
)

#: Core ids are non-negative 64-bit signed integers.
CORE_ID_MIN, CORE_ID_MAX = 0, 2**63 - 1


def field_range(field):
    """The allowed values of a model-file field, in words, e.g. ``"-255..255"``.

    Model files use this to say what a field allows before the arrays it would fill
    exist (a value that is not an integer, or does not fit in 64 bits); the ranges
    themselves come from :mod:`.limits`.

    Parameters
    ----------
    field : str
        A per-neuron field (``"leak"``, ``"target_core"``...), ``"axon_types"``,
        ``"crossbar"``, ``"id"``, ``"seed"``, ``"x"`` or ``"y"``.

    Returns
    -------
    str
    """
    if field in NEURON_FIELDS:
        _, lo, hi = NEURON_FIELDS[field]
    elif field == "target_core":
        return "-1 (no destination) or the id of a core in the model"
    elif field in DESTINATION_FIELDS:
        lo, hi = DESTINATION_FIELDS[field]
    elif field == "axon_types":
        lo, hi = 0, N_AXON_TYPES - 1
    elif field == "crossbar":
        lo, hi = 0, 1
    elif field == "id":
        lo, hi = CORE_ID_MIN, CORE_ID_MAX
    elif field == "seed":
        lo, hi = SEED_MIN, SEED_MAX
    elif field in ("x", "y"):
        lo, hi = COORDINATE_MIN, COORDINATE_MAX
    else:
        raise KeyError(f"no model-file field {field!r}")
    return f"{lo}..{hi}"


def _first_bad(values, lo, hi):
    """Index of the first entry of ``values`` outside ``lo..hi`` (None if all fit)."""
    bad = np.flatnonzero((values < lo) | (values > hi))
    return None if bad.size == 0 else int(bad[0])


def _check_shape(core, field, array, shape):
    if np.shape(array) != shape:
        raise HardwareModelError(
            f"core {core.id}",
            field,
            f"array of shape {np.shape(array)}",
            f"shape {shape}",
        )


def _check_integers(core, field, array):
    array = np.asarray(array)
    if array.dtype.kind not in "iub":
        raise HardwareModelError(
            f"core {core.id}", field, f"array of dtype {array.dtype}", "integers"
        )


def validate_scalar(place, field, value, lo, hi):
    """Check one integer ``value`` lies in ``lo..hi``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise HardwareModelError(place, field, value, f"an integer in {lo}..{hi}")
    if not lo <= value <= hi:
        raise HardwareModelError(place, field, value, f"{lo}..{hi}")


def _sorted_ids(core_ids):
    """``core_ids`` as a sorted int64 array (a set is sorted, an array kept)."""
    if isinstance(core_ids, np.ndarray):
        return core_ids
    return np.array(sorted(core_ids), dtype=np.int64)


def _is_known(targets, core_ids):
    """Mask of the ``targets`` that are in ``core_ids`` (a set or a sorted array)."""
    if not isinstance(core_ids, np.ndarray):
        # set lookups in C (map), one per target: no per-call sort of the ids
        known = map(core_ids.__contains__, targets.tolist())
        return np.fromiter(known, dtype=bool, count=targets.size)
    if core_ids.size == 0:
        return np.zeros(targets.shape, dtype=bool)
    at = np.minimum(np.searchsorted(core_ids, targets), core_ids.size - 1)
    return core_ids[at] == targets


def validate_core(core, core_ids=None):
    """Check one core's ranges, shapes and (given ``core_ids``) its destinations.

    Parameters
    ----------
    core : Core
    core_ids : set of int or sorted (n,) ndarray of int64, optional
        Ids of the model's cores; destinations must name one of them.
    """
    place = f"core {core.id}"
    validate_scalar(place, "seed", core.seed, SEED_MIN, SEED_MAX)
    for name in ("x", "y"):
        value = getattr(core, name)
        validate_scalar(place, name, value, COORDINATE_MIN, COORDINATE_MAX)

    _check_shape(core, "axon_types", core.axon_types, (AXONS_PER_CORE,))
    _check_integers(core, "axon_types", core.axon_types)
    i = _first_bad(core.axon_types, 0, N_AXON_TYPES - 1)
    if i is not None:
        raise HardwareModelError(
            f"{place}, axon {i}",
            "axon_types",
            int(core.axon_types[i]),
            f"0..{N_AXON_TYPES - 1}",
        )
    _check_shape(core, "crossbar", core.crossbar, (AXONS_PER_CORE, NEURONS_PER_CORE))
    _check_integers(core, "crossbar", core.crossbar)
    i = _first_bad(np.asarray(core.crossbar).ravel(), 0, 1)
    if i is not None:
        raise HardwareModelError(
            f"{place}, axon {i // NEURONS_PER_CORE}, neuron {i % NEURONS_PER_CORE}",
            "crossbar",
            int(np.asarray(core.crossbar).ravel()[i]),
            "0..1",
        )

    for name, (width, lo, hi) in NEURON_FIELDS.items():
        array = np.asarray(getattr(core, name))
        shape = (NEURONS_PER_CORE,) if width == 1 else (NEURONS_PER_CORE, width)
        _check_shape(core, name, array, shape)
        _check_integers(core, name, array)
        i = _first_bad(array.ravel(), lo, hi)
        if i is not None:
            neuron, k = divmod(i, width)
            where = f"{place}, neuron {neuron}"
            field = name if width == 1 else f"{name}[{k}]"
            raise HardwareModelError(where, field, int(array.ravel()[i]), f"{lo}..{hi}")

    validate_destinations(core, core_ids)


def validate_destinations(core, core_ids=None):
    """Check ``target_core``, ``target_axon`` and ``target_delay`` of one core.

    Parameters
    ----------
    core : Core
    core_ids : set of int or sorted (n,) ndarray of int64, optional
        Ids of the model's cores; every ``target_core`` other than -1 must be one.
    """
    place = f"core {core.id}"
    for name in ("target_core", "target_axon", "target_delay"):
        array = np.asarray(getattr(core, name))
        _check_shape(core, name, array, (NEURONS_PER_CORE,))
        _check_integers(core, name, array)
    routed = np.flatnonzero(core.target_core != -1)
    for name, lo, hi in (
        ("target_axon", 0, AXONS_PER_CORE - 1),
        ("target_delay", DELAY_MIN, DELAY_MAX),
    ):
        values = np.asarray(getattr(core, name))[routed]
        k = _first_bad(values, lo, hi)
        if k is not None:
            raise HardwareModelError(
                f"{place}, neuron {routed[k]}", name, int(values[k]), f"{lo}..{hi}"
            )
    if core_ids is None:
        return
    targets = np.asarray(core.target_core)[routed]
    unknown = np.flatnonzero(~_is_known(targets, core_ids))
    if unknown.size:
        k = unknown[0]
        raise HardwareModelError(
            f"{place}, neuron {routed[k]}",
            "target_core",
            int(targets[k]),
            "-1 (no destination) or the id of a core in the model",
        )


def _stacked_fits(cores, name, shape, lo, hi):
    """Whether field ``name`` of every core has ``shape``, integers and ``lo..hi``."""
    arrays = [np.asarray(getattr(core, name)) for core in cores]
    if any(a.shape != shape or a.dtype.kind not in "iub" for a in arrays):
        return False
    stacked = np.stack(arrays)
    return bool(stacked.min() >= lo and stacked.max() <= hi)


def _all_cores_fit(cores, sorted_ids):
    """Whether every core passes :func:`validate_core`, checked field by field at once.

    A fast path for large models: all cores' arrays of one field are checked in one
    numpy call instead of one per core. It answers True only if every check of
    :func:`validate_core` passes; on False the caller runs :func:`validate_core` core
    by core, which finds the first fault and words its error.
    """
    if not cores:
        return True
    for core in cores:
        crossbar = core.crossbar
        if not (
            isinstance(crossbar, np.ndarray)
            and crossbar.dtype == bool  # bools are always in 0..1
            and crossbar.shape == (AXONS_PER_CORE, NEURONS_PER_CORE)
        ):
            return False
        for value, lo, hi in (
            (core.seed, SEED_MIN, SEED_MAX),
            (core.x, COORDINATE_MIN, COORDINATE_MAX),
            (core.y, COORDINATE_MIN, COORDINATE_MAX),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                return False
            if not lo <= value <= hi:
                return False
    n = NEURONS_PER_CORE
    checks = [("axon_types", (AXONS_PER_CORE,), 0, N_AXON_TYPES - 1)]
    checks += [
        (name, (n,) if width == 1 else (n, width), lo, hi)
        for name, (width, lo, hi) in NEURON_FIELDS.items()
    ]
    checks += [(name, (n,), -(2**63), 2**63 - 1) for name in DESTINATION_ARRAYS]
    if not all(_stacked_fits(cores, *check) for check in checks):
        return False
    target = np.stack([core.target_core for core in cores])
    routed = target != -1
    for name, lo, hi in (
        ("target_axon", 0, AXONS_PER_CORE - 1),
        ("target_delay", DELAY_MIN, DELAY_MAX),
    ):
        values = np.stack([getattr(core, name) for core in cores])[routed]
        if values.size and (values.min() < lo or values.max() > hi):
            return False
    return bool(_is_known(target[routed], sorted_ids).all())


#: The per-neuron destination arrays of a core.
DESTINATION_ARRAYS = ("target_core", "target_axon", "target_delay")


def validate_ports(ports, kind, index_name, core_ids, limit):
    """Check input or output ports: each entry names an existing core and an index."""
    for port, entries in ports.items():
        if not isinstance(port, str):
            raise HardwareModelError(f"{kind} port {port!r}", "name", port, "strings")
        for k, entry in enumerate(entries):
            place = f"{kind} port {port!r}, index {k}"
            try:
                core_id, index = entry
            except (TypeError, ValueError):
                raise HardwareModelError(
                    place, "entry", entry, f"pairs [core_id, {index_name}]"
                ) from None
            if core_id not in core_ids:
                raise HardwareModelError(
                    place, "core_id", core_id, "the id of a core in the model"
                )
            validate_scalar(place, index_name, index, 0, limit - 1)


def validate_model(model):
    """Check a :class:`~.model.ChipModel` against every rule of the spec."""
    seen_ids, seen_places = set(), {}
    for core in model.cores:
        validate_scalar(f"core {core.id}", "id", core.id, CORE_ID_MIN, CORE_ID_MAX)
        if core.id in seen_ids:
            raise HardwareModelError(
                f"core {core.id}", "id", core.id, "unique core ids"
            )
        seen_ids.add(core.id)
        place = (core.x, core.y)
        if place in seen_places:
            raise HardwareModelError(
                f"core {core.id}",
                "(x, y)",
                place,
                f"a place not already taken (core {seen_places[place]} is there)",
            )
        seen_places[place] = core.id
    sorted_ids = _sorted_ids(seen_ids)
    if not _all_cores_fit(model.cores, sorted_ids):
        for core in model.cores:
            validate_core(core, sorted_ids)
    validate_ports(model.inputs, "input", "axon", seen_ids, AXONS_PER_CORE)
    validate_ports(model.outputs, "output", "neuron", seen_ids, NEURONS_PER_CORE)
