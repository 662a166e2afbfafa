"""The hardware model refuses every out-of-range value, naming place, field and range."""

import numpy as np
import pytest

from nengo_truenorth.hardware import ChipModel, Core, HardwareModelError
from nengo_truenorth.hardware.core import axon_type_weights
from nengo_truenorth.hardware.limits import NEURON_FIELDS


def one_core_model():
    model = ChipModel()
    model.add_core()
    return model


@pytest.mark.parametrize("name", sorted(NEURON_FIELDS))
@pytest.mark.parametrize("side", ["below", "above"])
def test_neuron_field_out_of_range_is_refused(name, side):
    width, lo, hi = NEURON_FIELDS[name]
    model = one_core_model()
    core = model.cores[0]
    value = lo - 1 if side == "below" else hi + 1
    array = getattr(core, name)
    if width == 1:
        array[17] = value
        field = name
    else:
        array[17, 2] = value
        field = f"{name}[2]"
    with pytest.raises(HardwareModelError) as info:
        model.validate()
    message = str(info.value)
    assert message.startswith("core 0, neuron 17: ")
    assert f"{field} = {value}" in message
    assert f"{lo}..{hi}" in message
    assert info.value.field == field and info.value.value == value


def test_in_range_extremes_are_accepted():
    model = one_core_model()
    core = model.cores[0]
    for name, (_, lo, hi) in NEURON_FIELDS.items():
        getattr(core, name)[0] = lo
        getattr(core, name)[1] = hi
    core.axon_types[:] = 3
    core.set_destination(0, core, axon=255, delay=15)
    core.set_destination(1, core, axon=0, delay=1)
    model.validate()


@pytest.mark.parametrize("value", [-1, 4])
def test_axon_type_out_of_range_is_refused(value):
    model = one_core_model()
    model.cores[0].axon_types[200] = value
    with pytest.raises(HardwareModelError, match=rf"core 0, axon 200: axon_types = {value} .*0\.\.3"):
        model.validate()


def test_crossbar_must_be_binary():
    model = one_core_model()
    model.cores[0].crossbar = np.zeros((256, 256), dtype=np.int64)
    model.cores[0].crossbar[3, 9] = 2
    with pytest.raises(HardwareModelError, match=r"core 0, axon 3, neuron 9: crossbar = 2"):
        model.validate()


def test_crossbar_shape_is_checked():
    model = one_core_model()
    model.cores[0].crossbar = np.zeros((256, 255), dtype=bool)
    with pytest.raises(HardwareModelError, match=r"core 0: crossbar .*shape \(256, 256\)"):
        model.validate()


@pytest.mark.parametrize(
    "field, value, allowed",
    [("target_axon", 256, "0..255"), ("target_axon", -1, "0..255"),
     ("target_delay", 0, "1..15"), ("target_delay", 16, "1..15")],
)
def test_destination_out_of_range_is_refused(field, value, allowed):
    model = one_core_model()
    core = model.cores[0]
    core.set_destination(5, core, axon=0, delay=1)
    getattr(core, field)[5] = value
    with pytest.raises(HardwareModelError, match=rf"core 0, neuron 5: {field} = {value} .*{allowed}"):
        model.validate()


def test_unrouted_neuron_ignores_axon_and_delay():
    model = one_core_model()
    core = model.cores[0]
    core.target_axon[5] = 999
    core.target_delay[5] = 0
    model.validate()


def test_destination_must_name_an_existing_core():
    model = one_core_model()
    model.cores[0].set_destination(7, 42, axon=0)
    with pytest.raises(HardwareModelError, match=r"core 0, neuron 7: target_core = 42"):
        model.validate()


def test_core_ids_must_be_unique():
    model = ChipModel([Core(3, x=0, y=0), Core(3, x=1, y=0)])
    with pytest.raises(HardwareModelError, match=r"core 3: id = 3 .*unique"):
        model.validate()


def test_two_cores_cannot_share_a_place():
    model = ChipModel([Core(0, x=2, y=5), Core(1, x=2, y=5)])
    with pytest.raises(HardwareModelError, match=r"core 1: \(x, y\) = \(2, 5\) .*core 0"):
        model.validate()


@pytest.mark.parametrize("field", ["x", "y"])
def test_negative_coordinates_are_refused(field):
    model = one_core_model()
    setattr(model.cores[0], field, -1)
    with pytest.raises(HardwareModelError, match=rf"core 0: {field} = -1"):
        model.validate()


@pytest.mark.parametrize("seed", [-1, 2**64])
def test_seed_out_of_range_is_refused(seed):
    model = one_core_model()
    model.cores[0].seed = seed
    with pytest.raises(HardwareModelError, match=rf"core 0: seed = {seed}"):
        model.validate()


def test_input_port_must_name_an_existing_axon():
    model = one_core_model()
    model.add_input("in", [(0, 0), (0, 256)])
    with pytest.raises(HardwareModelError, match=r"input port 'in', index 1: axon = 256 .*0\.\.255"):
        model.validate()


def test_output_port_must_name_an_existing_core():
    model = one_core_model()
    model.add_output("out", [(9, 0)])
    with pytest.raises(HardwareModelError, match=r"output port 'out', index 0: core_id = 9"):
        model.validate()


def test_float_arrays_are_refused():
    model = one_core_model()
    model.cores[0].leak = np.zeros(256)
    with pytest.raises(HardwareModelError, match=r"core 0: leak .*integers"):
        model.validate()


def test_add_core_places_cores_on_free_places():
    model = ChipModel()
    places = [(c.x, c.y) for c in (model.add_core() for _ in range(66))]
    assert len(set(places)) == 66
    assert places[64] == (0, 1)
    assert [c.id for c in model.cores] == list(range(66))


def test_chip_of_a_core_follows_global_coordinates():
    assert Core(0, x=63, y=0).chip == (0, 0)
    assert Core(1, x=64, y=130).chip == (1, 2)


def test_axon_type_weights_picks_each_axons_type():
    core = Core(0)
    core.axon_types[:4] = [0, 1, 2, 3]
    core.set_neuron(2, weights=[1, -2, 4, -8])
    core.connect([0, 1, 2, 3], 2)
    w = axon_type_weights(core)
    assert w[:4, 2].tolist() == [1, -2, 4, -8]
    assert np.count_nonzero(w) == 4


def test_is_deterministic_sees_every_stochastic_mode():
    for field in ("stochastic_weights", "stochastic_leak", "threshold_mask_bits"):
        model = one_core_model()
        assert model.is_deterministic
        getattr(model.cores[0], field)[3] = 1
        assert not model.is_deterministic


def test_unknown_neuron_field_is_refused():
    with pytest.raises(KeyError, match="thresold"):
        Core(0).set_neuron(0, thresold=3)
