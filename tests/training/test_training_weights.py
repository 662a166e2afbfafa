"""ChipDense: chip-level weights trained in NengoDL, then frozen for every simulator.

Skipped without the dl extra.
"""

import nengo
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
nengo_dl = pytest.importorskip("nengo_dl")

from nengo.exceptions import ValidationError  # noqa: E402

import nengo_truenorth  # noqa: E402
from nengo_truenorth.ir import weight_code  # noqa: E402
from nengo_truenorth.training import (  # noqa: E402
    ChipDense,
    chip_weight_quantizer,
    constrained_weights,
    fan_in_mask,
    freeze_constrained,
)
from nengo_truenorth.training.weights import fan_in_mask_tf  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:No GPU support detected", "ignore:This version of NengoDL"
)


def on_chip_levels(w, bits):
    """Whether each row of ``w`` is a step times levels of the ``bits``-bit code."""
    levels = weight_code(bits).levels
    step = chip_weight_quantizer(bits).steps(w)
    k = w / step
    return np.allclose(k, np.round(k), rtol=0, atol=1e-9) and np.all(
        np.isin(np.round(k), levels)
    )


@pytest.mark.parametrize("bits", [1, 2, 3, 4])
def test_the_quantizer_uses_the_chip_codes_levels(bits):
    q = chip_weight_quantizer(bits)
    levels = weight_code(bits).levels
    assert (q.low, q.high) == (levels.min(), levels.max())
    w = np.random.RandomState(bits).randn(20, 30)
    used = np.unique(q.to_integers(w))
    assert set(used) <= set(levels)
    assert set(used) == set(range(-q.top, q.top + 1))  # as the chip: -top..top


def test_fan_in_masks_agree_in_numpy_and_tensorflow(rng):
    w = np.round(rng.randn(30, 12), 1)  # many ties
    for k in [1, 5, 12, 40]:
        mask = fan_in_mask(w, k)
        assert np.all(mask.sum(axis=1) == min(k, 12))
        assert np.array_equal(fan_in_mask_tf(tf.constant(w), k).numpy(), mask)
        # the kept weights are the largest of their row
        kept = np.where(mask, np.abs(w), np.inf).min(axis=1)
        dropped = np.where(mask, -np.inf, np.abs(w)).max(axis=1)
        assert np.all(kept >= dropped)


def test_constrain_is_the_same_in_numpy_and_tensorflow(rng):
    t = ChipDense((8, 10), init=rng.randn(8, 10), bits=3, fan_in=4)
    w = t.sample_shadow()
    q = t.constrain(w)
    assert np.all(np.count_nonzero(q, axis=1) <= 4)
    assert on_chip_levels(q, 3)
    assert np.array_equal(t.constrain_tf(tf.constant(w)).numpy(), q)
    assert np.array_equal(t.sample(), q)  # what Nengo's builders get


def test_gradients_pass_straight_through_to_the_kept_shadow_weights(rng):
    t = ChipDense((4, 6), init=rng.randn(4, 6), bits=2, fan_in=3)
    w = tf.constant(t.sample_shadow())
    x = tf.constant(rng.randn(5, 6))
    upstream = tf.constant(rng.randn(5, 4))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(w)
        tape.watch(x)
        y = tf.matmul(x, t.constrain_tf(w), transpose_b=True)
        loss = tf.reduce_sum(y * upstream)
    mask = fan_in_mask(w.numpy(), 3)
    expected = (upstream.numpy().T @ x.numpy()) * mask  # identity through rounding
    np.testing.assert_allclose(tape.gradient(loss, w).numpy(), expected, rtol=1e-12)
    # the activities' gradient goes through the constrained weights
    np.testing.assert_allclose(
        tape.gradient(loss, x).numpy(), upstream.numpy() @ t.constrain(w.numpy())
    )


def test_trinary_shadow_weights_learn_while_the_forward_pass_stays_trinary():
    # Esser et al. 2016: small updates move the full-precision shadow weights; the
    # forward pass sees {-1, 0, 1} * scale and changes only when a shadow weight
    # crosses half a step
    t = ChipDense((1, 3), init=[[0.3, -0.2, 0.1]], bits=1, scale=0.25)
    w = tf.Variable(t.sample_shadow())
    x = tf.constant([[1.0, 1.0, 1.0]], dtype=w.dtype)
    opt = tf.optimizers.SGD(0.01)
    forwards = []
    for _ in range(5):
        with tf.GradientTape() as tape:
            weights = t.constrain_tf(w)
            loss = tf.reduce_sum(tf.matmul(x, weights, transpose_b=True))  # push down
        forwards.append(weights.numpy())
        opt.apply_gradients([(tape.gradient(loss, w), w)])
    np.testing.assert_allclose(w.numpy(), [[0.25, -0.25, 0.05]])  # shadows moved
    for f in forwards:
        assert np.array_equal(f, [[0.25, -0.25, 0.0]])  # forward stayed trinary
    for _ in range(15):  # 0.25 -> 0.1: below half a step, the first weight drops to 0
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.matmul(x, t.constrain_tf(w), transpose_b=True))
        opt.apply_gradients([(tape.gradient(loss, w), w)])
    assert np.array_equal(t.constrain_tf(w).numpy(), [[0.0, -0.25, 0.0]])


def two_layer_network(seed=0):
    with nengo.Network(seed=seed) as net:
        nengo_dl.configure_settings(stateful=False)
        inp = nengo.Node(np.zeros(4))
        hidden = nengo.Ensemble(
            16,
            1,
            neuron_type=nengo.RectifiedLinear(),
            gain=np.ones(16),
            bias=np.zeros(16),
        )
        into = nengo.Connection(
            inp,
            hidden.neurons,
            synapse=None,
            transform=ChipDense((16, 4), init=nengo_dl.dists.Glorot(), bits=4),
        )
        out = nengo.Node(size_in=2)
        readout = nengo.Connection(
            hidden.neurons,
            out,
            synapse=None,
            transform=ChipDense(
                (2, 16), init=nengo_dl.dists.Glorot(), bits=3, fan_in=5
            ),
        )
        probe = nengo.Probe(out)
    return net, inp, (into, readout), probe


def test_train_freeze_and_nengo_runs_the_constrained_weights_exactly():
    rng = np.random.RandomState(0)
    x = rng.uniform(-1, 1, (128, 1, 4))
    y = np.maximum(x @ rng.randn(2, 4).T, 0)
    net, inp, conns, probe = two_layer_network()
    with nengo_dl.Simulator(net, minibatch_size=32, progress_bar=False, seed=0) as sim:
        sim.compile(optimizer=tf.optimizers.Adam(0.01), loss={probe: "mse"})
        before = sim.evaluate(x, {probe: y}, verbose=0)["loss"]
        sim.fit(x, {probe: y}, epochs=20, verbose=0)
        after = sim.evaluate(x, {probe: y}, verbose=0)["loss"]
        shadow = [sim.data[c].weights for c in conns]
        used = [constrained_weights(sim, c) for c in conns]
        dl_out = sim.predict(x[:32])[probe][:, 0]
        frozen = freeze_constrained(sim, net)
    assert after < 0.2 * before
    assert not on_chip_levels(shadow[0], 4)  # NengoDL trained full-precision shadows
    assert on_chip_levels(used[0], 4) and on_chip_levels(used[1], 3)
    assert np.all(np.count_nonzero(used[1], axis=1) <= 5)
    for conn, w in zip(conns, used):
        assert type(conn.transform) is nengo.Dense  # no trace of the training package
        assert np.array_equal(frozen[conn], w)

    inp.output = nengo.processes.PresentInput(x[:32, 0], presentation_time=0.001)
    with nengo.Simulator(net, progress_bar=False) as nsim:
        nsim.run_steps(32)
    for conn, w in zip(conns, used):
        assert np.array_equal(nsim.data[conn].weights, w)
    # NengoDL's forward pass used the constrained weights (float32 against float64)
    np.testing.assert_allclose(nsim.data[probe], dl_out, atol=1e-5)

    with nengo_truenorth.Simulator(net, progress_bar=False) as chip:
        for conn, w in zip(conns, used):
            assert np.array_equal(chip.data[conn].weights, w)


def test_stochastic_rounding_only_while_training():
    t = ChipDense((1, 1), init=[[0.0]], bits=4, scale=0.1, stochastic=True)
    w = tf.fill((1, 1), tf.constant(0.23, tf.float64))
    tf.random.set_seed(1)
    trained = {t.constrain_tf(w, training=True).numpy().item() for _ in range(50)}
    assert {round(v, 9) for v in trained} == {0.2, 0.3}
    assert t.constrain_tf(w, training=False).numpy().item() == pytest.approx(0.2)


def test_nengo_builds_chip_dense_as_a_dense():
    t = ChipDense((3, 3), init=np.arange(9.0).reshape(3, 3) / 8, bits=2)
    with nengo.Network() as net:
        a = nengo.Node(np.ones(3))
        b = nengo.Node(size_in=3)
        conn = nengo.Connection(a, b, transform=t, synapse=None)
    with nengo.Simulator(net, progress_bar=False) as sim:
        pass
    assert np.array_equal(sim.data[conn].weights, t.sample())


def test_decoded_connections_are_refused_in_nengo_dl():
    with nengo.Network() as net:
        a = nengo.Ensemble(10, 1)
        b = nengo.Ensemble(10, 1)
        nengo.Connection(a, b, transform=ChipDense((1, 1), init=[[0.5]]))
    bits = nengo.rc.get("precision", "bits")
    try:
        with pytest.raises(ValidationError, match="neurons"):
            nengo_dl.Simulator(net, progress_bar=False)
    finally:
        # NengoDL sets Nengo's float precision for its build and, when the build
        # fails, leaves it at 32 bits for every later nengo.Simulator
        nengo.rc.set("precision", "bits", bits)


def test_scalar_init_is_a_diagonal_and_both_bits_and_quantizer_are_refused():
    from nengo_sigmadelta import FractionalBits

    assert np.array_equal(
        ChipDense((2, 2), init=0.5, bits=None).sample(), 0.5 * np.eye(2)
    )
    assert np.array_equal(
        ChipDense(
            (1, 2), init=[[0.3, -0.7]], bits=None, quantizer=FractionalBits(2)
        ).sample(),
        [[0.25, -0.75]],
    )
    with pytest.raises(ValidationError):
        ChipDense((1, 1), bits=4, quantizer=FractionalBits(2))
