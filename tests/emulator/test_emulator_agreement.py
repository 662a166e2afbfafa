"""The fast emulator against the reference emulator, bit for bit.

Both emulators run the same random multi-core models (:func:`random_model`) with the
same external input, and must agree on every spike, every membrane potential, every
output spike train and every activity counter -- stochastic modes and saturation
included. The reference is slow (one Python call per neuron per tick), so long runs
use models of a few cores.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nengo_truenorth.emulator import (
    EMULATORS,
    FastEmulator,
    ReferenceEmulator,
    get_emulator,
)
from nengo_truenorth.emulator.fast import live_neurons, live_words
from nengo_truenorth.emulator.kernels import SHARED_FIELDS
from nengo_truenorth.emulator.random_models import random_input, random_model
from nengo_truenorth.hardware import ChipModel
from nengo_truenorth.hardware.limits import POTENTIAL_MAX, POTENTIAL_MIN

#: Activity counters compared array for array: per core, and per neuron (saturated).
COUNTERS = ("synaptic_events", "spikes", "spike_hops", "chip_crossings", "saturated")


def record(emulator, model, inputs, blocks):
    """Run ``emulator`` in blocks of ticks; return everything it observed.

    Every neuron of every core is probed for spikes and potentials; ``inputs`` (spike
    file style, absolute ticks) is split among the blocks.
    """
    spikes = [emulator.probe(core.id, kind="spikes") for core in model.cores]
    voltages = [emulator.probe(core.id, kind="voltage") for core in model.cores]
    outputs = []
    inputs = {
        port: np.asarray(s, dtype=np.int64).reshape(-1, 2) for port, s in inputs.items()
    }
    for ticks in blocks:
        first, last = emulator.tick, emulator.tick + ticks
        block_inputs = {
            port: s[(s[:, 0] >= first) & (s[:, 0] < last)] for port, s in inputs.items()
        }
        outputs.append(emulator.run(ticks, block_inputs))
    return {
        "spikes": np.concatenate([p.data for p in spikes], axis=1),
        "voltages": np.concatenate([p.data for p in voltages], axis=1),
        "outputs": {
            port: np.concatenate([out[port] for out in outputs]) for port in outputs[0]
        },
        "counters": {
            name: getattr(emulator.activity, name).copy() for name in COUNTERS
        },
        "totals": emulator.activity.totals,
    }


def assert_identical(expected, actual):
    np.testing.assert_array_equal(actual["spikes"], expected["spikes"])
    np.testing.assert_array_equal(actual["voltages"], expected["voltages"])
    assert actual["outputs"].keys() == expected["outputs"].keys()
    for port in expected["outputs"]:
        np.testing.assert_array_equal(
            actual["outputs"][port], expected["outputs"][port]
        )
    for name in COUNTERS:
        np.testing.assert_array_equal(
            actual["counters"][name], expected["counters"][name]
        )
    assert actual["totals"] == expected["totals"]


def compare(model, inputs, blocks, **fast_options):
    """Run both emulators; assert they agree; return the reference's record."""
    expected = record(ReferenceEmulator(model), model, inputs, blocks)
    actual = record(FastEmulator(model, **fast_options), model, inputs, blocks)
    assert_identical(expected, actual)
    return expected


def model_and_input(seed, n_cores, ticks=200, rate=0.1, **options):
    rng = np.random.default_rng(seed)
    model = random_model(rng, n_cores, **options)
    return model, random_input(rng, model, ticks, rate=rate)


# --- agreement with the reference --------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_matches_reference_on_deterministic_models(seed):
    model, inputs = model_and_input(seed, n_cores=3, density=0.1 + 0.2 * seed)
    assert model.is_deterministic
    expected = compare(model, inputs, [200])
    totals = expected["totals"]
    # the model is lively and its spikes cross chip edges, so every counter is tested
    assert totals["spikes"] > 1000 and totals["chip_crossings"] > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_matches_reference_with_stochastic_synapses_leaks_and_thresholds(seed):
    model, inputs = model_and_input(seed, n_cores=3, stochastic_fraction=0.5)
    assert not model.is_deterministic
    compare(model, inputs, [200])


def test_fast_matches_reference_when_potentials_saturate():
    model, inputs = model_and_input(
        7, n_cores=2, stochastic_fraction=0.3, extreme_fraction=0.5
    )
    expected = compare(model, inputs, [200])
    assert (expected["voltages"] == POTENTIAL_MAX).any()
    assert (expected["voltages"] == POTENTIAL_MIN).any()
    # so the saturated counts of both emulators are compared where they count
    assert expected["counters"]["saturated"].sum() > 0


def test_fast_matches_reference_over_several_runs_and_after_reset():
    model, inputs = model_and_input(3, n_cores=2, stochastic_fraction=0.3)
    reference, fast = ReferenceEmulator(model), FastEmulator(model)
    expected = record(reference, model, inputs, [60, 1, 139])
    assert_identical(expected, record(fast, model, inputs, [60, 1, 139]))
    # after reset() both start again from tick 0, with new probes
    reference.reset()
    fast.reset()
    assert fast.tick == 0
    assert_identical(expected, record(fast, model, inputs, [200]))
    assert_identical(expected, record(reference, model, inputs, [200]))


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_cores=st.integers(1, 2),
    density=st.floats(0.0, 0.6),
    stochastic_fraction=st.sampled_from([0.0, 0.2, 1.0]),
    extreme_fraction=st.sampled_from([0.0, 0.1]),
    routed_fraction=st.floats(0.0, 1.0),
    split=st.integers(1, 199),
)
def test_fast_matches_reference_on_any_random_model(
    seed,
    n_cores,
    density,
    stochastic_fraction,
    extreme_fraction,
    routed_fraction,
    split,
):
    model, inputs = model_and_input(
        seed,
        n_cores,
        density=density,
        stochastic_fraction=stochastic_fraction,
        extreme_fraction=extreme_fraction,
        routed_fraction=routed_fraction,
    )
    compare(model, inputs, [split, 200 - split])


def test_parallel_kernel_matches_serial_kernel():
    model, inputs = model_and_input(4, n_cores=5, stochastic_fraction=0.2, chips=2)
    serial = record(FastEmulator(model, parallel=False), model, inputs, [150])
    parallel = record(FastEmulator(model, parallel=True), model, inputs, [150])
    assert_identical(serial, parallel)


# --- edge cases of step 2 and step 7 ---------------------------------------------


def one_core_model(n_inputs=256):
    model = ChipModel()
    core = model.add_core()
    model.add_input("in", [(core.id, i) for i in range(n_inputs)])
    model.add_output("out", [(core.id, j) for j in range(4)])
    return model, core


@pytest.mark.parametrize(
    "stochastic", [False, True], ids=["deterministic", "stochastic"]
)
def test_all_256_axons_of_one_type_add_up_in_one_tick(stochastic):
    # 256 active synapses of one type on one neuron: more than a byte can count
    model, core = one_core_model()
    core.connect(slice(None), [0, 1])
    core.set_neuron([0, 1], weights=[3, 0, 0, 0], threshold=10**5)
    if stochastic:
        # neuron 1's synapses draw; neuron 0's, on the same core, still add 3 each
        core.set_neuron(1, weights=[200, 0, 0, 0], stochastic_weights=[1, 0, 0, 0])
    inputs = {"in": [[1, i] for i in range(256)]}
    expected = compare(model, inputs, [3])
    assert expected["voltages"][1, 0] == 3 * 256
    assert expected["totals"]["synaptic_events"] == 2 * 256
    if stochastic:
        assert 0 < expected["voltages"][1, 1] < 256


def test_spikes_due_on_one_axon_at_one_tick_merge_into_one():
    model = ChipModel()
    core = model.add_core()
    # neurons 0 and 1 fire at tick 0 only, and both target axon 5 one tick later
    core.set_neuron([0, 1], initial_potential=1, threshold=1)
    core.set_destination([0, 1], core, axon=5, delay=1)
    core.connect(5, 2)
    core.set_neuron(2, weights=[1, 0, 0, 0], threshold=10**5)
    # and an external input joins them on the same axon at the same tick
    model.add_input("in", [(core.id, 5)])
    model.add_output("out", [(core.id, 0), (core.id, 1)])
    expected = compare(model, {"in": [[1, 0]]}, [3])
    assert expected["outputs"]["out"].tolist() == [[0, 0], [0, 1]]
    assert expected["voltages"][1:, 2].tolist() == [1, 1]
    assert expected["counters"]["synaptic_events"].tolist() == [1]


# --- inert neurons, which the fast kernels skip ----------------------------------


#: Neurons with no synapse that are live through one parameter each, by name: the
#: neuron index (each alone on its core) and its parameters.
BARELY_LIVE = {
    "initial-potential": (40, dict(initial_potential=90, threshold=7, reset_mode=1)),
    "negative-leak": (255, dict(leak=-3, negative_threshold=20, reset_potential=4)),
    "negative-leak-saturating": (
        97, dict(leak=-2, negative_threshold=5, negative_saturation=1)
    ),
    "stochastic-leak": (200, dict(leak=100, stochastic_leak=1, threshold=9)),
    "threshold-0": (8, dict(threshold=0, reset_mode=2)),
    "threshold-0-masked": (254, dict(threshold=0, threshold_mask_bits=3)),
    "reversed-leak-from-initial-potential": (
        131,
        dict(initial_potential=-50, leak=5, leak_reversal=1, negative_threshold=999),
    ),
}


def sparse_cores_model():
    """Cores the compiler leaves mostly empty, and neurons barely alive.

    Core 0 has 248 inert neurons and eight live ones at the top (248..255), fed by
    inputs and sending spikes to core 1. Core 1 uses only neurons 0..2 (decode-like),
    with stochastic thresholds, and its spikes go to neuron 131 of core 2. Core 3 is
    empty, and core 4 holds only neurons that are inert whatever their other fields
    say (leak under leak reversal, resets, saturation, threshold masks). Then each
    of :data:`BARELY_LIVE` is the only live neuron of a core of its own, so that a
    kernel that skipped it would miss all it does.
    """
    model = ChipModel()
    first, decode, fed, _, inert = [model.add_core() for _ in range(5)]
    model.add_input("in", [(first.id, i) for i in range(8)])
    first.connect(slice(0, 8), slice(248, 256))
    first.set_neuron(slice(248, 256), weights=[2, -1, 0, 0], threshold=5)
    first.set_neuron(slice(248, 256), reset_mode=1, negative_saturation=1)
    first.axon_types[:8] = [0, 1] * 4
    first.set_destination(slice(248, 256), decode, axon=0, delay=2)
    decode.connect(0, slice(0, 3))
    decode.set_neuron(slice(0, 3), weights=[7, 0, 0, 0], threshold=4)
    decode.set_neuron(slice(0, 3), threshold_mask_bits=2, reset_mode=1)
    decode.set_destination(slice(0, 3), fed, axon=131)
    fed.connect(131, 131)
    fed.set_neuron(131, weights=[3, 0, 0, 0], threshold=6, leak=-1)
    inert.set_neuron(slice(None), leak=7, leak_reversal=1, threshold=3)
    inert.set_neuron(slice(0, 128), stochastic_leak=1, threshold_mask_bits=4)
    inert.set_neuron(slice(128, 256), reset_mode=1, reset_potential=-9)
    inert.set_neuron(slice(64, 192), negative_saturation=1, negative_threshold=11)
    for j, params in BARELY_LIVE.values():
        model.add_core().set_neuron(j, **params)
    model.add_output("out", [(first.id, 255), (decode.id, 2), (fed.id, 131)])
    return model


def test_live_words_cover_exactly_the_neurons_that_can_change():
    model = sparse_cores_model()
    words = live_words(model.cores).tolist()
    assert words[:5] == [[31, 32], [0, 1], [16, 17], [0, 0], [0, 0]]
    for (j, _), core_words in zip(BARELY_LIVE.values(), words[5:]):
        assert core_words == [j // 8, j // 8 + 1]
    for core in model.cores[5:]:
        assert np.count_nonzero(live_neurons(core)) == 1


def test_fast_matches_reference_on_mostly_empty_cores():
    model = sparse_cores_model()
    rng = np.random.default_rng(11)
    ticks = rng.integers(0, 60, size=150)
    inputs = {"in": np.column_stack([ticks, rng.integers(0, 8, size=150)])}
    expected = compare(model, inputs, [35, 25])
    spikes = expected["spikes"].reshape(60, -1, 256)
    voltages = expected["voltages"].reshape(60, -1, 256)
    # every barely live neuron did something of its own, and the inert ones nothing
    for k, (j, _) in enumerate(BARELY_LIVE.values()):
        assert spikes[:, 5 + k, j].any() or voltages[:, 5 + k, j].any()
    assert expected["counters"]["spikes"][:3].min() > 0
    assert not voltages[:, 3:5].any() and not voltages[:, 0, :248].any()


# --- the spec's known answers and the public interface ----------------------------


def run_one_neuron(ticks, inputs=None, weights=(0, 0, 0, 0), **params):
    model = ChipModel()
    core = model.add_core()
    core.connect(0, 0)
    core.set_neuron(0, weights=list(weights), **params)
    model.add_input("in", [(core.id, 0)])
    model.add_output("out", [(core.id, 0)])
    return FastEmulator(model).run(ticks, inputs)["out"][:, 0].tolist()


@pytest.mark.parametrize(
    "params, inputs, spikes",
    [
        (dict(leak=1, threshold=10), None, [9, 19, 29, 39]),
        (dict(leak=1, threshold=10, initial_potential=1), None, [8, 18, 28, 38]),
        (dict(leak=2, threshold=11), None, [5, 11, 17, 23, 29, 35]),
        (
            dict(weights=(3, 0, 0, 0), leak=-1, threshold=10),
            {"in": [[t, 0] for t in range(1, 40)]},
            [5, 10, 15, 20, 25, 30, 35],
        ),
    ],
    ids=[
        "leak1-alpha10",
        "initial-potential-1",
        "leak2-alpha11",
        "input-3-leak-minus-1",
    ],
)
def test_fast_emulator_gives_the_spec_known_answers(params, inputs, spikes):
    assert run_one_neuron(40, inputs, **params) == spikes


def test_step_by_step_equals_one_run():
    model, inputs = model_and_input(5, n_cores=2, ticks=50, stochastic_fraction=0.3)
    whole = FastEmulator(model)
    expected = whole.run(50, inputs)["out"]
    stepped = FastEmulator(model)
    got = []
    for t in range(50):
        now = inputs["in"][inputs["in"][:, 0] == t, 1]
        got += [[t, k] for k in stepped.step({"in": now})["out"]]
    np.testing.assert_array_equal(
        np.array(got, dtype=np.int64).reshape(-1, 2), expected
    )
    assert stepped.tick == 50
    assert stepped.activity.totals == whole.activity.totals


def test_fast_emulator_is_registered_by_name():
    assert EMULATORS["fast"] is FastEmulator
    assert get_emulator("fast") is FastEmulator
    assert FastEmulator.name == "fast"


# --- the kernels' paths: shared parameter sets, weight widths, stochastic cores ---

#: Each core of :func:`paths_model`, by the paths its parameters allow.
PATHS = {
    "shared-shared": ("shared", "shared"),
    "int8-shared": ("int8", "shared"),
    "int16-own": ("int16", "own"),
    "int8-own": ("int8", "own"),
    "shared-stochastic": ("shared", "stochastic"),
    "stochastic-synapses": ("int16", "own"),
}


def paths_model(seed, density=0.3, extreme_fraction=0.0, unreached_weights=True):
    """A random model whose cores take each path of the fast kernels, in the order
    of :data:`PATHS`, then one more core of each at random.

    Shared cores get one parameter set (drawn from one of their neurons) and one
    weight per axon type; where ``unreached_weights``, the neurons no axon reaches
    keep other weights and parameters outside the live words, which the kernels
    never read.
    """
    rng = np.random.default_rng(seed)
    n_cores = 2 * len(PATHS)
    model = random_model(
        rng,
        n_cores,
        density=density,
        extreme_fraction=extreme_fraction,
        stochastic_fraction=0.0,
    )
    kinds = list(PATHS) + list(rng.choice(list(PATHS), size=len(PATHS)))
    for core, kind in zip(model.cores, kinds):
        # a few neurons at each end are unreached: outside the live words
        core.connect(slice(None), slice(0, 8), connected=False)
        core.connect(slice(None), slice(248, 256), connected=False)
        core.set_neuron(slice(0, 8), initial_potential=0, leak=0, threshold=5)
        core.set_neuron(slice(248, 256), initial_potential=0, leak=0, threshold=5)
        live = slice(8, 248) if unreached_weights else slice(None)
        weights, neurons = kind.split("-", 1)
        if weights == "shared":
            core.set_neuron(live, weights=rng.integers(-255, 256, size=4))
        elif weights == "int16":
            core.set_neuron(rng.integers(8, 248), weights=[200, -7, 3, -255])
        if neurons in ("shared", "stochastic"):
            j = rng.integers(8, 248)
            one = {name: getattr(core, name)[j] for name in SHARED_FIELDS}
            core.set_neuron(live, **one)
        if neurons == "stochastic":
            core.set_neuron(slice(8, 248, 3), stochastic_leak=1, leak=-90)
            core.set_neuron(slice(9, 248, 5), threshold_mask_bits=4)
        if kind == "stochastic-synapses":
            core.stochastic_weights[slice(8, 248, 2), 1] = 1
            core.weights[slice(8, 248, 2), 1] = rng.integers(-255, 256, size=120)
    return model, kinds


def test_each_core_takes_the_path_its_parameters_allow():
    model, kinds = paths_model(0)
    weights, neurons = FastEmulator(model).core_paths()
    assert list(zip(weights, neurons)) == [PATHS[kind] for kind in kinds]


def test_shared_paths_read_only_the_neurons_axons_reach():
    # the same cores with every neuron's weights and parameters shared take the
    # shared paths too; with the unreached ones' own values, still
    for unreached in (True, False):
        model, kinds = paths_model(1, unreached_weights=unreached)
        weights, neurons = FastEmulator(model).core_paths()
        assert weights[0] == neurons[0] == "shared"


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_matches_reference_on_every_path(seed):
    model, _ = paths_model(seed)
    inputs = random_input(np.random.default_rng(seed), model, 200, rate=0.1)
    expected = compare(model, inputs, [120, 80])
    assert expected["totals"]["spikes"] > 1000


def test_fast_matches_reference_on_every_path_near_saturation():
    model, _ = paths_model(2, extreme_fraction=0.3)
    inputs = random_input(np.random.default_rng(2), model, 150, rate=0.2)
    expected = compare(model, inputs, [150])
    assert expected["counters"]["saturated"].sum() > 0


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    seed=st.integers(0, 2**32 - 1),
    density=st.floats(0.0, 0.6),
    extreme_fraction=st.sampled_from([0.0, 0.2]),
    unreached_weights=st.booleans(),
    parallel=st.booleans(),
    split=st.integers(1, 99),
)
def test_fast_matches_reference_on_any_mix_of_paths(
    seed, density, extreme_fraction, unreached_weights, parallel, split
):
    model, _ = paths_model(
        seed,
        density=density,
        extreme_fraction=extreme_fraction,
        unreached_weights=unreached_weights,
    )
    inputs = random_input(np.random.default_rng(seed), model, 100, rate=0.1)
    compare(model, inputs, [split, 100 - split], parallel=parallel)
