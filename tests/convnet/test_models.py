"""The default convnet fits the chip's budget (NumPy only: runs in every env)."""

from nengo_truenorth.convnet.models import DEFAULT_SPEC

#: Inputs per neuron with trinary weights: a core's 256 axons, two per input.
TRINARY_FAN_IN = 128


def test_default_spec_fan_in_fits_a_core_with_trinary_weights():
    shapes = DEFAULT_SPEC.shapes()
    fan_ins = [la.fan_in(s) for la, s in zip(DEFAULT_SPEC.layers, shapes)]
    assert max(fan_ins) <= TRINARY_FAN_IN


def test_default_spec_is_compact_and_votes_for_every_class():
    assert sum(DEFAULT_SPEC.n_neurons()[1:]) <= 40_000
    assert DEFAULT_SPEC.layers[-1].filters % DEFAULT_SPEC.n_classes == 0
    assert DEFAULT_SPEC.shapes()[0] == (28, 28, len(DEFAULT_SPEC.thresholds))
