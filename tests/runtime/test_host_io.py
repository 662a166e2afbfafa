"""The host's sigma-delta encoders of values into input spikes."""

import numpy as np

from nengo_truenorth.runtime import SigmaDeltaEncoder


def test_encoder_spike_count_tracks_the_running_sum_within_one_unit():
    encoder = SigmaDeltaEncoder(3, channels=2, unit=0.5)
    rng = np.random.default_rng(1)
    values = rng.uniform(-1.0, 1.0, (300, 3))  # within 2 channels of 0.5
    counts = np.zeros(3)
    for k, value in enumerate(values):
        fired = encoder.encode(value)
        on, off = fired[fired < 6], fired[fired >= 6] - 6
        np.add.at(counts, on % 3, 1)
        np.add.at(counts, off % 3, -1)
        assert np.all(np.abs(values[: k + 1].sum(axis=0) / 0.5 - counts) < 1)


def test_stacked_encoder_spikes_as_its_encoders_do_separately():
    parts = [SigmaDeltaEncoder(2, 3, 0.5), SigmaDeltaEncoder(3, 1, [1.0, 2.0, 3.0])]
    stacked = SigmaDeltaEncoder.stack(
        [SigmaDeltaEncoder(2, 3, 0.5), SigmaDeltaEncoder(3, 1, [1.0, 2.0, 3.0])]
    )
    assert stacked.n_channels == sum(p.n_channels for p in parts) == 18
    rng = np.random.default_rng(0)
    for value in rng.uniform(-3, 3, (200, 5)):
        separate = np.concatenate(
            [parts[0].encode(value[:2]), parts[1].encode(value[2:]) + 12]
        )
        np.testing.assert_array_equal(
            np.sort(stacked.encode(value)), np.sort(separate)
        )


def numpy_encode(encoder, acc, value):
    """The encoder's rule in NumPy: the channels of whole units held, on then off."""
    acc += value / encoder.unit
    count = np.clip(np.trunc(acc), -encoder._limit, encoder._limit)
    acc -= count
    channel = np.arange(encoder.channels)[None, :]
    on = encoder._on[channel < count[:, None]]
    off = encoder._off[channel < -count[:, None]]
    return np.concatenate([on, off]).astype(np.int64)


def test_encoder_kernel_follows_the_numpy_rule_to_the_bit(rng):
    encoder = SigmaDeltaEncoder.stack(
        [SigmaDeltaEncoder(3, 4, [0.25, 0.5, 1.0]), SigmaDeltaEncoder(2, 2, 0.3)]
    )
    acc = np.zeros(encoder.size)
    for _ in range(300):
        value = rng.uniform(-2.5, 2.5, encoder.size)
        expected = numpy_encode(encoder, acc, value)
        np.testing.assert_array_equal(encoder.encode(value), expected)
        np.testing.assert_array_equal(encoder.acc, acc)


def test_encode_to_gathers_each_fired_channels_targets_in_order():
    encoder = SigmaDeltaEncoder(2, 2, 1.0)  # channels: on 0..3, off 4..7
    ptr = np.array([0, 1, 3, 3, 4, 5, 6, 8, 9])
    targets = np.array([10, 20, 21, 30, 40, 50, 60, 61, 70])
    # dimension 0 holds 2 units: on channels 0 and 2 (which has no targets);
    # dimension 1 holds -2: off channels 5 and 7
    out = encoder.encode_to(np.array([2.0, -2.0]), ptr, targets)
    np.testing.assert_array_equal(out, [10, 50, 70])


def test_saturated_ticks_count_values_beyond_the_channels_and_reset():
    encoder = SigmaDeltaEncoder(3, channels=2, unit=1.0)
    for _ in range(4):
        # 2 units fit two channels; 3 do not (the rest carries over); -5 neither
        encoder.encode(np.array([2.0, 3.0, -5.0]))
    np.testing.assert_array_equal(encoder.saturated, [0, 4, 4])
    np.testing.assert_array_equal(encoder.acc, [0.0, 4.0, -12.0])  # arriving late
    stacked = SigmaDeltaEncoder.stack([SigmaDeltaEncoder(1, 1, 1.0), encoder])
    stacked.encode(np.array([1.5, 0.0, 0.0, 0.0]))
    np.testing.assert_array_equal(stacked.saturated, [0, 0, 0, 0])  # 1.5: 1 + rest
    stacked.encode(np.array([1.5, 0.0, 0.0, 0.0]))
    np.testing.assert_array_equal(stacked.saturated, [1, 0, 0, 0])  # 0.5 + 1.5
    encoder.reset()
    np.testing.assert_array_equal(encoder.saturated, [0, 0, 0])
