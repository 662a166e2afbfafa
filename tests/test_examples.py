"""The shipped example model files: generated, never hand-edited, and working."""

import pytest

from nengo_truenorth.emulator import ReferenceEmulator
from nengo_truenorth.examples import (
    EXAMPLES,
    INPUTS,
    example_path,
    ring_oscillator,
    write_examples,
)
from nengo_truenorth.files import dumps_model, load_model, load_spikes


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_shipped_example_equals_its_generator(name):
    with open(example_path(name), encoding="utf-8") as f:
        shipped = f.read()
    assert shipped == dumps_model(
        EXAMPLES[name]()
    ), f"{name} differs from its generator: run `python -m nengo_truenorth.examples`"


def test_write_examples_regenerates_the_files(tmp_path):
    for path in write_examples(tmp_path):
        with open(path, encoding="utf-8") as f, open(
            example_path(path.rsplit("/", 1)[-1]), encoding="utf-8"
        ) as g:
            assert f.read() == g.read()


@pytest.mark.parametrize("n_cores, delay", [(1, 1), (4, 3), (5, 2)])
def test_ring_oscillator_passes_the_wave_round(n_cores, delay):
    model = ring_oscillator(n_cores=n_cores, delay=delay)
    assert model.is_deterministic
    ticks = 3 * n_cores * delay
    out = ReferenceEmulator(model).run(ticks, {"kick": [[0, 0]]})["wave"]
    assert out.tolist() == [[t, (t // delay) % n_cores] for t in range(0, ticks, delay)]
    places = model.coordinates()
    hops = abs(places - places[list(range(1, n_cores)) + [0]]).sum(axis=1)
    assert hops.max() <= 2  # neighbours on the ring are near on the mesh


def test_ring_is_silent_without_a_kick():
    model = load_model(example_path("ring.json"))
    assert ReferenceEmulator(model).run(20)["wave"].shape == (0, 2)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_shipped_input_spikes_equal_their_generator(name, tmp_path):
    written = dict(
        (path.rsplit("/", 1)[-1], path) for path in write_examples(tmp_path)
    )
    with open(example_path(name), encoding="utf-8") as f, open(
        written[name], encoding="utf-8"
    ) as g:
        assert f.read() == g.read()


def test_the_kick_starts_the_shipped_ring():
    model = load_model(example_path("ring.json"))
    kick = load_spikes(example_path("ring-kick.json"), model, kind="inputs")
    wave = ReferenceEmulator(model).run(24, kick)["wave"]
    assert wave.tolist() == [[t, (t // 3) % 4] for t in range(0, 24, 3)]
