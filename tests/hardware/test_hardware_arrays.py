"""Core.from_arrays and ChipModel.from_arrays: the one way from per-core arrays."""

import re

import numpy as np
import pytest

from nengo_truenorth.emulator.random_models import random_model
from nengo_truenorth.files import dumps_model
from nengo_truenorth.hardware import ChipModel, Core
from nengo_truenorth.hardware.limits import (
    AXONS_PER_CORE,
    NEURON_FIELDS,
    NEURONS_PER_CORE,
    SEED_MAX,
)

DESTINATIONS = ("target_core", "target_axon", "target_delay")


def stacked(model):
    """The per-core arrays of ``model``, stacked (as ChipModel.from_arrays takes them)."""
    cores = model.cores
    return dict(
        ids=[core.id for core in cores],
        xy=np.array([(core.x, core.y) for core in cores], dtype=np.int64),
        seeds=[core.seed for core in cores],
        axon_types=np.stack([core.axon_types for core in cores]),
        crossbars=np.stack([core.crossbar for core in cores]),
        neurons={
            name: np.stack([getattr(core, name) for core in cores])
            for name in NEURON_FIELDS
        },
        **{
            name: np.stack([getattr(core, name) for core in cores])
            for name in DESTINATIONS
        },
        inputs=model.inputs,
        outputs=model.outputs,
    )


def same_model(a, b):
    assert len(a.cores) == len(b.cores)
    for ca, cb in zip(a.cores, b.cores):
        assert (ca.id, ca.x, ca.y, ca.seed) == (cb.id, cb.x, cb.y, cb.seed)
        for name in ("axon_types", "crossbar", *NEURON_FIELDS, *DESTINATIONS):
            x, y = getattr(ca, name), getattr(cb, name)
            assert x.dtype == y.dtype and x.shape == y.shape, name
            assert np.array_equal(x, y), name
    assert a.inputs == b.inputs
    assert a.outputs == b.outputs
    assert dumps_model(a) == dumps_model(b)


@pytest.mark.parametrize("seed", range(3))
def test_from_arrays_rebuilds_a_model(seed):
    model = random_model(
        np.random.default_rng(seed), 4, stochastic_fraction=0.3, extreme_fraction=0.2
    )
    same_model(ChipModel.from_arrays(**stacked(model)), model)


def test_from_arrays_takes_lists_of_per_core_arrays():
    model = random_model(np.random.default_rng(5), 3)
    arrays = stacked(model)
    as_lists = {
        key: list(value) if isinstance(value, np.ndarray) else value
        for key, value in arrays.items()
    }
    as_lists["neurons"] = {k: list(v) for k, v in arrays["neurons"].items()}
    as_lists["xy"] = [(int(x), int(y)) for x, y in arrays["xy"]]
    same_model(ChipModel.from_arrays(**as_lists), model)


def test_from_arrays_keeps_views_of_the_arrays():
    model = random_model(np.random.default_rng(1), 3)
    arrays = stacked(model)
    built = ChipModel.from_arrays(**arrays)
    for c, core in enumerate(built.cores):
        assert np.shares_memory(core.crossbar, arrays["crossbars"][c])
        assert np.shares_memory(core.axon_types, arrays["axon_types"][c])
        assert np.shares_memory(core.target_core, arrays["target_core"])
        for name in NEURON_FIELDS:
            assert np.shares_memory(getattr(core, name), arrays["neurons"][name][c])
    # so a change through a core shows in the big arrays, and only in its row
    built.cores[1].set_neuron(7, threshold=12345)
    assert arrays["neurons"]["threshold"][1, 7] == 12345
    assert arrays["neurons"]["threshold"][[0, 2], 7].tolist() != [12345, 12345]


def test_from_arrays_keeps_seeds_beyond_int64():
    model = random_model(np.random.default_rng(2), 2)
    arrays = stacked(model)
    arrays["seeds"] = [SEED_MAX, 2**63]
    built = ChipModel.from_arrays(**arrays)
    assert [core.seed for core in built.cores] == [SEED_MAX, 2**63]
    assert all(type(core.seed) is int for core in built.cores)
    built.validate()


def test_from_arrays_with_no_cores():
    model = ChipModel.from_arrays(
        ids=[],
        xy=np.zeros((0, 2), dtype=np.int64),
        seeds=[],
        axon_types=np.zeros((0, AXONS_PER_CORE), dtype=np.int64),
        crossbars=np.zeros((0, AXONS_PER_CORE, NEURONS_PER_CORE), dtype=bool),
        neurons={name: [] for name in NEURON_FIELDS},
        target_core=[],
        target_axon=[],
        target_delay=[],
    )
    assert model.cores == [] and model.inputs == {} and model.outputs == {}
    model.validate()


def test_from_arrays_refuses_missing_and_unknown_fields():
    arrays = stacked(random_model(np.random.default_rng(0), 2))
    neurons = dict(arrays["neurons"])
    del neurons["leak"]
    neurons["leek"] = arrays["neurons"]["leak"]
    with pytest.raises(KeyError, match=r"missing neuron fields \['leak'\].*'leek'"):
        ChipModel.from_arrays(**{**arrays, "neurons": neurons})
    core = ChipModel.from_arrays(**arrays).cores[0]
    with pytest.raises(KeyError, match=r"core 5: .*unknown neuron fields \['leek'\]"):
        Core.from_arrays(
            id=5,
            x=0,
            y=0,
            seed=0,
            axon_types=core.axon_types,
            crossbar=core.crossbar,
            neurons={**core.neuron_arrays(), "leek": core.leak},
            target_core=core.target_core,
            target_axon=core.target_axon,
            target_delay=core.target_delay,
        )


@pytest.mark.parametrize("name", ["xy", "seeds", "crossbars", "target_delay", "leak"])
def test_from_arrays_refuses_arrays_of_another_core_count(name):
    arrays = stacked(random_model(np.random.default_rng(0), 3))
    if name == "leak":
        arrays["neurons"] = {**arrays["neurons"], "leak": arrays["neurons"]["leak"][:2]}
        name = "neurons['leak']"
    else:
        arrays[name] = arrays[name][:2]
    message = rf"{re.escape(name)} has 2 entries, not one per core \(3 ids\)"
    with pytest.raises(ValueError, match=message):
        ChipModel.from_arrays(**arrays)


def test_core_from_arrays_matches_a_core_set_by_hand():
    core = Core(9, x=3, y=70, seed=11)
    core.connect(axon=[0, 4], neuron=5)
    core.axon_types[4] = 2
    core.set_neuron(5, weights=[1, 0, -3, 0], threshold=3, leak=-1)
    core.set_destination(5, core, axon=1, delay=4)
    built = Core.from_arrays(
        id=9,
        x=3,
        y=70,
        seed=11,
        axon_types=core.axon_types,
        crossbar=core.crossbar,
        neurons=core.neuron_arrays(),
        target_core=core.target_core,
        target_axon=core.target_axon,
        target_delay=core.target_delay,
    )
    assert vars(built).keys() == vars(core).keys()  # same attributes, same order
    for key, value in vars(core).items():
        assert np.array_equal(getattr(built, key), value), key
    assert built.chip == (0, 1)
