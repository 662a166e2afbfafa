"""Saturation is visible: ``Simulator.saturation()`` and the warning after a run."""

import warnings

import nengo
import pytest

import nengo_truenorth
from nengo_truenorth.frontend import Model
from nengo_truenorth.passes import decode
from nengo_truenorth.simulator import SATURATION_MIN_TICKS

#: Host input values: ``input_range`` lets the host send them without clipping, so
#: that the chip's own saturation is what the tests see.
INPUT_RANGE = 5.0


def channel(value, seed=0):
    """Node(value) -> a (radius 1) -> b (radius 5): ``a``'s decode neurons are sized
    for values up to 1.25, so a value of 5 overdrives them, and ``a``'s neurons."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(value)
        a = nengo.Ensemble(100, 1, label="a")
        b = nengo.Ensemble(100, 1, radius=5, label="b")
        nengo.Connection(stim, a)
        nengo.Connection(a, b)
    return net, a, b


def simulator(net, **options):
    model = Model(options=dict(input_range=INPUT_RANGE, **options))
    return nengo_truenorth.Simulator(net, model=model, progress_bar=False)


def saturation_warnings(caught):
    return [w for w in caught if "saturated on the chip" in str(w.message)]


@pytest.fixture(scope="module")
def overdriven():
    """The channel driven with 5 (five times a's radius), run for 300 ticks."""
    net, a, b = channel(5.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with simulator(net) as sim:
            sim.run_steps(300)
    return sim, a, b, saturation_warnings(caught)


def test_saturation_is_large_for_the_overdriven_ensemble(overdriven):
    sim, a, b, _ = overdriven
    rows = sim.saturation()
    # a's on decode neurons fire at every tick (its off neurons are silent)
    assert rows[a]["decode"]["fraction"] > 0.1
    assert rows[a]["decode"]["worst"] > 0.9
    assert rows[a]["neurons"]["fraction"] > 0.2
    # b holds 5 within its radius of 5
    assert rows[b]["neurons"]["fraction"] < 0.01
    assert rows[a]["decode"]["ticks"] == 300
    assert rows[a]["neurons"]["neurons"] == 100


def test_warning_names_the_saturated_objects_once(overdriven):
    sim, a, _, caught = overdriven
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith(str(a))
    assert "decode_margin" in message and "radius" in message
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        with simulator(channel(5.0)[0]) as sim:
            sim.run_steps(200)
            sim.run_steps(200)
    assert len(saturation_warnings(again)) == 1  # once per Simulator


def test_no_warning_for_a_channel_within_its_radius():
    net, a, b = channel(0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with simulator(net) as sim:
            sim.run_steps(300)
    assert saturation_warnings(caught) == []
    rows = sim.saturation()
    for obj in (a, b):
        for row in rows[obj].values():
            assert row["fraction"] < 0.01


def test_warning_waits_for_enough_ticks_and_respects_the_limit():
    net = channel(5.0)[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with simulator(net) as sim:
            sim.run_steps(SATURATION_MIN_TICKS - 1)
            assert saturation_warnings(caught) == []
            sim.run_steps(1)
            assert len(saturation_warnings(caught)) == 1
        with simulator(net, max_saturation=1.0) as sim:
            sim.run_steps(SATURATION_MIN_TICKS)
    assert len(saturation_warnings(caught)) == 1


def test_saturation_starts_again_after_reset():
    with simulator(channel(5.0)[0]) as sim:
        sim.run_steps(10)
        sim.reset()
        rows = sim.saturation()
    assert all(
        row["fraction"] == 0.0 and row["ticks"] == 0
        for roles in rows.values()
        for row in roles.values()
    )


def test_decode_blocks_of_a_function_are_keyed_by_the_connection(monkeypatch):
    # classic decode blocks, one group per connection (sign-plane banks, which a
    # 2-D function gets by default, belong to their ensemble); a filtered one adds
    # filter neurons
    monkeypatch.setattr(decode, "MAX_BANKS", 0)
    with nengo.Network(seed=1) as net:
        a = nengo.Ensemble(100, 2)
        b = nengo.Ensemble(100, 2)
        nengo.Connection(nengo.Node([0.5, -0.3]), a)
        conn = nengo.Connection(a, b, function=lambda x: [x[0] * x[1], x[0]])
        loop = nengo.Connection(b, b, synapse=0.05)
    with simulator(net, warn_loop_latency=False) as sim:
        sim.run_steps(20)
        rows = sim.saturation()
    assert "decode" in rows[conn]
    assert "filters" in rows[loop]
    assert set(rows[a]) == {"neurons", "host"}  # host: the node's value into a


def test_saturation_is_empty_without_a_chip():
    with nengo.Network() as net:
        nengo.Node(1.0)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(SATURATION_MIN_TICKS)
        assert sim.saturation() == {}


def host_currents(neuron_input_range):
    """Constant currents from the host into neurons, with the host's spikes sized
    for currents up to ``neuron_input_range``."""
    with nengo.Network(seed=0) as net:
        stim = nengo.Node([30.0, 60.0])
        ens = nengo.Ensemble(
            2, 1, neuron_type=nengo.SpikingRectifiedLinear(), label="fed",
            gain=[1.0, 1.0], bias=[0.0, 0.0],
        )  # fmt: skip
        nengo.Connection(stim, ens.neurons, synapse=None)
    nengo_truenorth.add_params(net)
    net.config[ens].neuron_input_range = neuron_input_range
    return net, ens


def host_warnings(caught):
    return [w for w in caught if "host's input into" in str(w.message)]


def test_host_spikes_too_small_for_the_input_are_reported_and_named():
    net, ens = host_currents(40.0)  # the second neuron's 60 does not fit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
            sim.run_steps(SATURATION_MIN_TICKS)
            row = sim.saturation()[ens]["host"]
    assert row["dimensions"] == 2 and row["ticks"] == SATURATION_MIN_TICKS
    assert row["worst"] > 0.9  # the second neuron's currents, at every tick
    assert row["fraction"] == pytest.approx(row["worst"] / 2)
    (warning,) = host_warnings(caught)
    assert str(ens) in str(warning.message)
    assert "measure_activity" in str(warning.message)
    assert saturation_warnings(caught) == []  # the neurons themselves are fine


def test_host_spikes_sized_to_the_input_are_not_reported():
    net, ens = host_currents(60.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
            sim.run_steps(SATURATION_MIN_TICKS)
    assert sim.saturation()[ens]["host"]["fraction"] == 0.0
    assert host_warnings(caught) == []
