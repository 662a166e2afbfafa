"""validate_model's whole-model fast path: as strict as core-by-core validation.

``validate_model`` first checks every core's fields at once and only walks the cores
one by one when something is wrong; the walk words the error. These tests inject one
fault into one core of a multi-core model and check that the fast path rejects it
and that the error is exactly the one the core-by-core check gives.
"""

import numpy as np
import pytest

from nengo_truenorth.emulator.random_models import benchmark_model
from nengo_truenorth.hardware import HardwareModelError
from nengo_truenorth.hardware.limits import NEURON_FIELDS
from nengo_truenorth.hardware.validation import (
    _all_cores_fit,
    validate_core,
    validate_destinations,
    validate_model,
)

FAULTY_CORE = 2


def four_core_model():
    model = benchmark_model(np.random.default_rng(3), 4)
    model.cores[0].target_core[:5] = -1  # unrouted neurons keep any axon and delay
    model.cores[0].target_axon[:5] = 999
    model.cores[0].target_delay[:5] = 0
    return model


def ids_of(model):
    return np.array(sorted(c.id for c in model.cores))


def set_array_entry(name, value, neuron=40):
    def inject(core):
        array = getattr(core, name)
        if array.ndim == 2:
            array[neuron, 1] = value
        else:
            array[neuron] = value

    return inject


def set_attribute(name, value):
    return lambda core: setattr(core, name, value)


def replace_array(name, make):
    return lambda core: setattr(core, name, make(getattr(core, name)))


FAULTS = {
    f"{name} {side}": set_array_entry(name, lo - 1 if side == "below" else hi + 1)
    for name, (_, lo, hi) in NEURON_FIELDS.items()
    for side in ("below", "above")
}
FAULTS.update(
    {
        "axon_types above": set_array_entry("axon_types", 4),
        "target_axon above": set_array_entry("target_axon", 256),
        "target_delay below": set_array_entry("target_delay", 0),
        "target_delay above": set_array_entry("target_delay", 16),
        "target_core unknown": set_array_entry("target_core", 12345),
        "seed negative": set_attribute("seed", -1),
        "x not an integer": set_attribute("x", 1.5),
        "y negative": set_attribute("y", -3),
        "crossbar of int 2": replace_array(
            "crossbar", lambda a: np.where(np.eye(256, dtype=bool), 2, a.astype(int))
        ),
        "leak of floats": replace_array("leak", lambda a: a.astype(float)),
        "threshold of wrong shape": replace_array("threshold", lambda a: a[:100]),
    }
)


def test_fast_path_accepts_a_valid_model():
    model = four_core_model()
    assert _all_cores_fit(model.cores, ids_of(model))
    validate_model(model)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fast_path_rejects_each_fault_with_the_core_by_core_error(fault):
    model = four_core_model()
    core = model.cores[FAULTY_CORE]
    FAULTS[fault](core)
    assert not _all_cores_fit(model.cores, ids_of(model))
    with pytest.raises(HardwareModelError) as per_core:
        validate_core(core, {c.id for c in model.cores})
    with pytest.raises(HardwareModelError) as whole:
        validate_model(model)
    assert str(whole.value) == str(per_core.value)
    assert str(whole.value).startswith(f"core {core.id}")


def test_unknown_target_core_is_named_with_a_set_or_an_array_of_ids():
    model = four_core_model()
    core = model.cores[1]
    core.target_core[[7, 9]] = [777, 888]
    for ids in ({c.id for c in model.cores}, ids_of(model)):
        with pytest.raises(
            HardwareModelError, match=rf"core {core.id}, neuron 7: target_core = 777"
        ):
            validate_destinations(core, ids)
