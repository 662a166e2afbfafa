"""Pure delays on chip -> chip connections: a path of exactly their steps.

``nengo_truenorth.delay_synapse(k)`` is ``LinearFilter([1], [1, 0, ..., 0],
analog=False)``, a synapse the chip realizes without filter neurons: a path of ``k``
ticks. A recurrence of ``ChipSpikingRectifiedLinear`` neurons through it runs on the
chip as in ``nengo.Simulator``, spike for spike, where the weights and drives are
integers at the chip's scale (issue 9, item 3).
"""

import nengo
import numpy as np
import pytest
from nengo.dists import Choice
from nengo.exceptions import BuildError, ValidationError

import nengo_truenorth
from nengo_truenorth import ChipSpikingRectifiedLinear, delay_synapse
from nengo_truenorth.synapses import CHIP_PATH_TICKS, MAX_DELAY_STEPS, delay_steps

#: A step whose products stay dyadic, so that Nengo's float voltages are exact and
#: a potential that reaches the threshold exactly fires in both simulators.
DT = 2.0**-10
#: The chip's scale for these weights: a row's largest weight, 7 levels of 31,
#: is 217 / 256 of the threshold, so the discretization multiplies by 256.
UNIT = 1.0 / 256


def recurrent_network(steps, n=24, seed=0):
    """``n`` chip-ReLU neurons driven by integer biases, joined by weights on 15
    levels (``q * 31 / 256``, every row with a level of 7), through a delay of
    ``steps``."""
    rng = np.random.RandomState(seed)
    levels = rng.randint(-7, 6, size=(n, n))
    levels[rng.rand(n, n) < 0.5] = 0
    levels[np.arange(n), rng.randint(0, n, n)] = 7
    with nengo.Network(seed=seed) as net:
        ens = nengo.Ensemble(
            n,
            1,
            neuron_type=ChipSpikingRectifiedLinear(
                initial_state={"voltage": Choice([0.0])}
            ),
            gain=np.ones(n),
            # a drive of 1 to 24 units per tick
            bias=rng.randint(1, 25, n) * UNIT / DT,
        )
        conn = nengo.Connection(
            ens.neurons,
            ens.neurons,
            transform=levels * 31 * UNIT,
            synapse=delay_synapse(steps),
        )
        probe = nengo.Probe(ens.neurons)
    return net, conn, probe


@pytest.mark.parametrize("steps", [CHIP_PATH_TICKS, 3, 7])
def test_a_delayed_recurrence_spikes_on_the_chip_as_in_nengo(steps):
    net, conn, probe = recurrent_network(steps)
    with nengo.Simulator(net, dt=DT, progress_bar=False) as ref:
        ref.run_steps(300)
    with nengo_truenorth.Simulator(net, dt=DT, progress_bar=False) as sim:
        sim.run_steps(300)
        fidelity = sim.connection_fidelity()[conn]
    assert fidelity["loop_ticks"] == fidelity["nengo_loop_steps"] == steps
    assert fidelity["weight_error"] < 1e-12
    spikes = ref.data[probe] > 0
    assert np.array_equal(sim.data[probe] > 0, spikes)
    # the loop matters: inhibition stops neurons that the biases alone would fire
    assert 0.02 < spikes.mean() < 0.6


def test_the_delay_and_the_delay_option_must_agree():
    net, conn, _ = recurrent_network(2)
    nengo_truenorth.add_params(net)
    net.config[conn].delay = 2
    with nengo_truenorth.Simulator(net, dt=DT, progress_bar=False):
        pass
    net.config[conn].delay = 3
    with pytest.raises(BuildError, match="disagree") as info:
        nengo_truenorth.Simulator(net, dt=DT, progress_bar=False)
    assert str(info.value).startswith(str(conn))


def test_a_delay_longer_than_one_path_is_a_build_error():
    net, conn, _ = recurrent_network(2)
    conn.synapse = nengo.LinearFilter(
        [1], [1] + [0] * (MAX_DELAY_STEPS + 1), analog=False
    )
    with pytest.raises(BuildError, match=f"{MAX_DELAY_STEPS} ticks") as info:
        nengo_truenorth.Simulator(net, dt=DT, progress_bar=False)
    assert str(info.value).startswith(str(conn))


def test_a_filter_that_is_not_a_pure_delay_is_refused():
    net, conn, _ = recurrent_network(2)
    conn.synapse = nengo.LinearFilter([1], [1, -0.5], analog=False)
    with pytest.raises(BuildError, match="pure delays"):
        nengo_truenorth.Simulator(net, dt=DT, progress_bar=False)


@pytest.mark.parametrize("steps", [0, 16, 1.5])
def test_delay_synapse_takes_whole_steps_of_one_path(steps):
    with pytest.raises(ValidationError, match="1 to 15"):
        delay_synapse(steps)


def test_delay_steps_recognizes_only_pure_delays():
    assert delay_steps(delay_synapse(4)) == 4
    assert delay_steps(nengo.LinearFilter([2], [2, 0, 0], analog=False)) == 2
    assert delay_steps(nengo.LinearFilter([1], [1, 0], analog=True)) is None
    assert delay_steps(nengo.LinearFilter([1, 0], [1, 0], analog=False)) is None
    assert delay_steps(nengo.Lowpass(0.01)) is None
    assert delay_steps(None) is None


def test_nengo_runs_the_delay_for_its_steps():
    # the synapse is Nengo's own: a spike reaches the post `steps` steps later
    with nengo.Network() as net:
        stim = nengo.Node(lambda t: 1.0 if t < 1.5e-3 else 0.0)
        out = nengo.Node(size_in=1)
        nengo.Connection(stim, out, synapse=delay_synapse(3))
        probe = nengo.Probe(out)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(6)
    assert np.flatnonzero(sim.data[probe][:, 0]).tolist() == [3]
