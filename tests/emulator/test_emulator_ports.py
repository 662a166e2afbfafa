"""The emulators' public port and global-index API.

Global axon ``c * 256 + i`` is axon ``i`` of the core at position ``c`` in
``model.cores``; global neuron ``c * 256 + j`` likewise is neuron ``j`` there.
"""

import numpy as np
import pytest

from nengo_truenorth.emulator import EMULATORS
from nengo_truenorth.emulator.random_models import random_model
from nengo_truenorth.hardware import ChipModel
from nengo_truenorth.hardware.limits import AXONS_PER_CORE, NEURONS_PER_CORE

emulators = pytest.mark.parametrize("emulator", sorted(EMULATORS))


def hand_model():
    """Three cores whose ids are not their positions, and two ports of each kind."""
    model = ChipModel()
    for core_id, x in ((40, 0), (7, 1), (19, 2)):
        model.add_core(id=core_id, x=x, y=0)
    model.add_input("a", [(7, 3), (40, 255), (19, 0)])
    model.add_input("b", [])
    model.add_output("z", [(19, 200), (40, 1)])
    model.add_output("y", [(7, 0)])
    return model


@emulators
def test_port_names_in_model_order(emulator):
    emu = EMULATORS[emulator](hand_model())
    assert emu.input_ports() == ["a", "b"]
    assert emu.output_ports() == ["z", "y"]


@emulators
def test_port_indices_by_definition(emulator):
    emu = EMULATORS[emulator](hand_model())
    # positions: core 40 -> 0, core 7 -> 1, core 19 -> 2
    assert emu.input_axons("a").tolist() == [256 + 3, 255, 2 * 256]
    assert emu.input_axons("b").tolist() == []
    assert emu.output_neurons("z").tolist() == [2 * 256 + 200, 1]
    assert emu.output_neurons("y").tolist() == [256]
    for array in (emu.input_axons("a"), emu.input_axons("b"), emu.output_neurons("y")):
        assert array.dtype == np.int64 and array.ndim == 1


@emulators
def test_port_arrays_are_copies(emulator):
    emu = EMULATORS[emulator](hand_model())
    axons = emu.input_axons("a")
    axons[:] = 0
    neurons = emu.output_neurons("z")
    neurons[:] = 0
    assert emu.input_axons("a").tolist() == [256 + 3, 255, 2 * 256]
    assert emu.output_neurons("z").tolist() == [2 * 256 + 200, 1]


@emulators
def test_unknown_port_names_the_port_and_lists_the_known_ones(emulator):
    emu = EMULATORS[emulator](hand_model())
    with pytest.raises(KeyError, match=r"no input port 'c' .*'a', 'b'"):
        emu.input_axons("c")
    with pytest.raises(KeyError, match=r"no output port 'a' .*'z', 'y'"):
        emu.output_neurons("a")
    empty = EMULATORS[emulator](ChipModel())
    with pytest.raises(KeyError, match=r"no input port 'in' .*ports: none"):
        empty.input_axons("in")


@emulators
def test_global_indices_by_definition(emulator):
    model = random_model(np.random.default_rng(4), 6)
    emu = EMULATORS[emulator](model)
    rng = np.random.default_rng(0)
    position = rng.integers(0, len(model.cores), size=50)
    index = rng.integers(0, NEURONS_PER_CORE, size=50)
    ids = np.array([model.cores[c].id for c in position])
    locations = np.column_stack([ids, index])
    neurons = emu.global_neurons(locations)
    axons = emu.global_axons(locations)
    assert neurons.dtype == np.int64 and neurons.shape == (50,)
    assert neurons.tolist() == (position * NEURONS_PER_CORE + index).tolist()
    assert axons.tolist() == (position * AXONS_PER_CORE + index).tolist()
    # lists of pairs and empty inputs work too
    assert emu.global_neurons(locations.tolist()).tolist() == neurons.tolist()
    for empty in ([], np.zeros((0, 2), dtype=np.int64)):
        assert emu.global_neurons(empty).dtype == np.int64
        assert emu.global_neurons(empty).shape == (0,)


@emulators
def test_ports_agree_with_global_indices_of_the_model(emulator):
    model = random_model(np.random.default_rng(8), 5, n_inputs=20, n_outputs=30)
    emu = EMULATORS[emulator](model)
    position = model.core_index()
    for port, entries in model.inputs.items():
        expected = [position[c] * AXONS_PER_CORE + i for c, i in entries]
        assert emu.input_axons(port).tolist() == expected
        assert emu.global_axons(entries).tolist() == expected
    for port, entries in model.outputs.items():
        expected = [position[c] * NEURONS_PER_CORE + j for c, j in entries]
        assert emu.output_neurons(port).tolist() == expected
        assert emu.global_neurons(entries).tolist() == expected


@emulators
def test_output_neurons_are_where_run_reports_spikes(emulator):
    """A neuron fires every tick; advance_tick sees it at output_neurons' index."""
    model = hand_model()
    model.core_by_id(19).set_neuron(200, leak=1, threshold=1)
    emu = EMULATORS[emulator](model)
    watch = emu.output_neurons("z")
    spikes, _ = emu.advance_tick(np.zeros(0, np.int64), watch, np.zeros(0, np.int64))
    assert spikes.tolist() == [True, False]
    emu.reset()
    out = emu.run(2)
    assert out["z"].tolist() == [[0, 0], [1, 0]]


@emulators
def test_bad_locations_are_refused(emulator):
    emu = EMULATORS[emulator](hand_model())
    with pytest.raises(KeyError, match="no core with id 8"):
        emu.global_neurons([(7, 0), (8, 0)])
    with pytest.raises(IndexError, match=r"core 7, neuron 256 is outside 0\.\.255"):
        emu.global_neurons([(7, 256)])
    with pytest.raises(IndexError, match=r"core 40, axon -1 is outside 0\.\.255"):
        emu.global_axons([(40, -1)])
    with pytest.raises(ValueError, match=r"\(n, 2\) array"):
        emu.global_neurons([7, 0])
    with pytest.raises(ValueError, match=r"\(n, 2\) array"):
        emu.global_neurons([(7.0, 0.0)])
    with pytest.raises(ValueError, match=r"\(n, 2\) array"):
        emu.global_neurons(np.array([[2**63, 0]], dtype=np.uint64))
    empty = EMULATORS[emulator](ChipModel())
    with pytest.raises(KeyError, match="no core with id 0"):
        empty.global_neurons([(0, 0)])
