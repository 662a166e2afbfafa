"""Model-wide build options: validated as they are set, named in every error."""

import nengo
import pytest
from nengo.exceptions import BuildError, ValidationError

import nengo_truenorth
from nengo_truenorth.frontend import Model
from nengo_truenorth.options import BuildOptions


def test_defaults_are_the_documented_ones():
    options = BuildOptions()
    assert options.weight_bits == 4 and options.input_channels == 4
    assert options.rounding == "nearest" and options.filter_decoded == "auto"
    assert repr(options) == "BuildOptions()"


def test_a_misspelt_option_raises_naming_it_and_the_known_ones():
    options = BuildOptions()
    with pytest.raises(ValidationError, match="no option 'wieght_bits'.*weight_bits"):
        options.wieght_bits = 3
    with pytest.raises(ValidationError, match="'filter_decodd'"):
        BuildOptions(filter_decodd=True)


@pytest.mark.parametrize(
    "name, value",
    [
        ("weight_bits", 5),
        ("weight_bits", 0),
        ("weight_bits", 2.5),
        ("weight_bits", True),
        ("input_channels", 0),
        ("input_range", 0.0),
        ("input_range", float("nan")),
        ("input_range", float("inf")),
        ("decode_margin", 0.5),
        ("nominal_threshold", 0),
        ("rounding", "randomly"),
        ("filter_decoded", "sometimes"),
        ("filter_decoded", 1),
        ("filter_min_tau", -0.01),
    ],
)
def test_an_out_of_range_option_raises_naming_the_option_and_value(name, value):
    options = BuildOptions()
    with pytest.raises(ValidationError, match=f"BuildOptions.{name}: {value!r}"):
        setattr(options, name, value)
    assert getattr(options, name) == BuildOptions.SPECS[name][0]  # unchanged


def test_the_model_holds_its_options_and_refuses_them_as_bare_attributes():
    model = Model(options={"weight_bits": 2, "filter_decoded": False})
    assert model.options.weight_bits == 2 and model.chip.options is model.options
    with pytest.raises(BuildError, match="model.options.weight_bits"):
        model.weight_bits = 3
    with pytest.raises(ValidationError):
        Model(options={"weight_bits": 9})


def test_options_reach_the_build():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(50, 1)
        b = nengo.Ensemble(50, 1)
        nengo.Connection(a, b)
    model = Model(options=BuildOptions(weight_bits=2))
    with nengo_truenorth.Simulator(net, model=model, progress_bar=False) as sim:
        codes = {sim.model.chip_ensembles[e].group.code for e in (a, b)}
    assert {len(code.values) for code in codes} == {2}
