"""Stage 5 of the compiler: per-core arrays of every neuron field, into a ChipModel."""

import numpy as np
from nengo.exceptions import BuildError

from ..hardware.core import NEURON_DEFAULTS
from ..hardware.limits import (
    AXONS_PER_CORE,
    CORES_PER_CHIP,
    N_AXON_TYPES,
    NEURON_FIELDS,
    NEURONS_PER_CORE,
    SEED_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
)
from ..hardware.model import ChipModel

from .chip import name_of
from .fan_out import SPLITTER_PARAMS


def group_params(group):
    """Per-neuron fields of a group as (n,) or (n, 4) arrays, range-checked."""
    name = name_of(group.obj, group.label)
    if "weights" in group.params:
        raise BuildError(
            f"{name}: 'weights' comes from the weight code and weight_scale, "
            "not from params"
        )
    unknown = sorted(set(group.params) - set(NEURON_FIELDS))
    if unknown:
        raise BuildError(
            f"{name}: unknown neuron parameters {unknown}; "
            f"known: {', '.join(NEURON_FIELDS)}"
        )
    code = group.code
    scale = np.broadcast_to(np.asarray(group.weight_scale, dtype=np.int64), (group.n,))
    weights = np.zeros((group.n, N_AXON_TYPES), dtype=np.int64)
    weights[:, : len(code.values)] = scale[:, None] * np.array(code.values)
    out = {"weights": weights}
    for field_name, (width, lo, hi) in NEURON_FIELDS.items():
        if field_name == "weights":
            values = weights
        elif width == 1:
            values = group.param(field_name)
        else:
            raw = np.asarray(
                group.params.get(field_name, NEURON_DEFAULTS[field_name]),
                dtype=np.int64,
            )
            if raw.ndim == 1 and raw.shape[0] == group.n:
                raw = raw[:, None]
            values = np.broadcast_to(raw, (group.n, width))
        bad = np.flatnonzero(
            ((values < lo) | (values > hi)).reshape(group.n, width).any(1)
        )
        if bad.size:
            j = int(bad[0])
            v = values[j]
            if field_name == "weights":
                raise BuildError(
                    f"{name}: neuron {j}'s weight_scale {int(scale[j])} times the "
                    f"{code.name!r} code's values {code.values} gives weights "
                    f"{v.tolist()} outside {WEIGHT_MIN}..{WEIGHT_MAX}; the scale can "
                    f"be at most {code.max_scale}"
                )
            raise BuildError(
                f"{name}: neuron {j}'s {field_name} = {np.asarray(v).tolist()} is "
                f"outside {lo}..{hi}"
            )
        out[field_name] = values
    return out


def assemble(graph, params, alloc, routes, xy, n_cores, seed, copies=None):
    """Build the ChipModel: cores share big per-field arrays (one row per core).

    ``copies`` is ``(core, neuron, copy_of)`` of the neuron copies of
    :func:`.fan_out.plan_copies`: each copy gets the parameters of its original.
    """
    big = {}
    for name, (width, _, _) in NEURON_FIELDS.items():
        shape = (n_cores, NEURONS_PER_CORE) + ((width,) if width > 1 else ())
        big[name] = np.full(shape, NEURON_DEFAULTS[name], dtype=np.int64)
    target_core = np.full((n_cores, NEURONS_PER_CORE), -1, dtype=np.int64)
    target_axon = np.zeros((n_cores, NEURONS_PER_CORE), dtype=np.int64)
    target_delay = np.ones((n_cores, NEURONS_PER_CORE), dtype=np.int64)

    for group in graph.groups:
        c, j = alloc.location[group]
        for name, values in params[group].items():
            big[name][c, j] = values
    if copies is not None and len(copies[0]):
        core, neuron, original = copies
        for values in big.values():
            values[core, neuron] = values[core, original]

    n_split = routes.n_splitter_cores
    split_xb = np.zeros((n_split, AXONS_PER_CORE, NEURONS_PER_CORE), dtype=bool)
    sc = routes.splitter_core - alloc.n_cores
    split_xb[sc, routes.splitter_axon, routes.splitter_neuron] = True
    sc_global = routes.splitter_core
    big["weights"][sc_global, routes.splitter_neuron, 0] = 1
    for name, value in SPLITTER_PARAMS.items():
        big[name][sc_global, routes.splitter_neuron] = value

    target_core[routes.src_core, routes.src_neuron] = routes.dst_core
    target_axon[routes.src_core, routes.src_neuron] = routes.dst_axon
    target_delay[routes.src_core, routes.src_neuron] = routes.dst_delay

    return ChipModel.from_arrays(
        ids=range(n_cores),
        xy=xy,
        seeds=[
            (int(seed) * CORES_PER_CHIP + c) % (SEED_MAX + 1) for c in range(n_cores)
        ],
        axon_types=alloc.axon_types
        + list(np.zeros((n_split, AXONS_PER_CORE), dtype=np.int64)),
        crossbars=alloc.crossbars + list(split_xb),
        neurons=big,
        target_core=target_core,
        target_axon=target_axon,
        target_delay=target_delay,
    )
