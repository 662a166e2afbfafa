"""The host's sigma-delta encoders of values into input spikes."""

import numpy as np

from nengo_truenorth.builder.host_io import SigmaDeltaEncoder


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
