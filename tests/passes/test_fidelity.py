"""Connections the chip realizes badly are named: weight error and loop latency."""

import warnings

import nengo
import numpy as np
import pytest

import nengo_truenorth
from nengo_truenorth.compiler import compile_graph
from nengo_truenorth.frontend import Model
from nengo_truenorth.ir import FloatEdge, NeuronGroup
from nengo_truenorth.passes import ChipBuild, run_passes
from nengo_truenorth.passes.fidelity import loop_latency, weight_error


def small_and_large_inputs():
    """b's neurons get huge neuron -> neuron weights from a and its own decoded
    recurrence: one weight scale per neuron, so the recurrence rounds away."""
    with nengo.Network(seed=3) as net:
        a = nengo.Ensemble(60, 1)
        b = nengo.Ensemble(40, 1)
        nengo.Connection(nengo.Node(0.3), a)
        rng = np.random.RandomState(0)
        small = rng.uniform(-0.1, 0.1, (40, 60))
        nengo.Connection(a.neurons, b.neurons, transform=small, synapse=0.02)
        loop = nengo.Connection(b, b, synapse=0.05)
    return net, loop


def test_a_connection_that_rounds_away_is_named_in_one_warning():
    net, loop = small_and_large_inputs()
    with pytest.warns(UserWarning, match=r"1 connection\(s\) lose more than 25%"):
        sim = nengo_truenorth.Simulator(net, progress_bar=False)
    with sim:
        row = sim.connection_fidelity()[loop]
    # most of the loop's weight energy rounds away; the rest is its decode and
    # sum neurons' own, which rounds well
    assert row["weight_error"] > 0.5
    # b -> planes -> filters -> sums (the filters' two-tick loop) -> b
    assert row["loop_ticks"] == 5 and row["nengo_loop_steps"] == 1
    assert "connections (weight error" in sim.compiled.report()


def test_the_warnings_follow_the_options():
    net, loop = small_and_large_inputs()
    model = Model(options={"max_weight_error": 1.0, "warn_loop_latency": False})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nengo_truenorth.Simulator(net, model=model, progress_bar=False).close()


def test_faithful_connections_have_small_errors_and_no_warning():
    with nengo.Network(seed=0) as net:
        a = nengo.Ensemble(100, 1)
        b = nengo.Ensemble(100, 1)
        nengo.Connection(nengo.Node(0.5), a)
        conn = nengo.Connection(a, b, function=np.square)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
            assert sim.connection_fidelity()[conn]["weight_error"] < 0.05


def test_loop_latency_adds_the_compiled_delays_around_the_loop():
    state = ChipBuild()
    g = state.graph
    a = g.add_group(NeuronGroup(2, "a", params={"threshold": 64}, code=None))
    mid = g.add_group(NeuronGroup(2, "mid", params={"threshold": 64}, code=None))
    g.add_float_edge(FloatEdge(a, mid, np.eye(2) * 10, 2, "loop"))
    g.add_float_edge(FloatEdge(mid, a, np.eye(2) * 10, 3, "loop"))
    g.add_float_edge(FloatEdge(a, a, np.eye(2) * 10, 1, "other"))
    g.add_float_edge(FloatEdge(mid, mid, np.eye(2) * 10, 1, "loop"))
    run_passes(state)
    chip = compile_graph(g)
    # another group's edge onto itself (a filter neuron's) is no shortcut
    assert loop_latency(state, chip, "loop", a) == 5
    # a group's edge onto itself is its loop: a direct recurrence
    assert loop_latency(state, chip, "other", a) == 1
    assert loop_latency(state, chip, "other", mid) is None
    assert weight_error(state, "loop") == pytest.approx(0.0, abs=1e-12)
