"""Audio features for the spoken-digit example: log-mel filterbanks (NumPy, SciPy).

Part of the example ``examples/fsdd.py``, not of nengo_sigmadelta: the library holds
ΣΔ neurons, lpRNNs and their conversion, and does not depend on SciPy.

A clip becomes a sequence of frames, one row per ANN step of the lpRNN:

1. :func:`read_wav` reads a WAV file as floats in ``[-1, 1)``.
2. :func:`log_mel` frames it (``window`` seconds, every ``hop`` seconds, a Hann
   window), takes the power spectrum, sums it into ``n_mels`` triangular bands on the
   mel scale (:func:`mel_filterbank`) and takes the log.
3. :func:`trim_silence` drops the quiet frames at both ends, so that a sequence
   starts when the speaker does; :func:`pad_sequences` stacks sequences of different
   lengths into one array with their lengths beside it.
4. :class:`Standardizer` scales each band by the mean and spread of the training
   frames only.

The Free Spoken Digit Dataset names its files ``{digit}_{speaker}_{take}.wav``; its
split (:func:`fsdd_split`) puts takes 0-4 in the test set and the rest in training.
Everything here needs only NumPy, SciPy and Nengo (for ``ValidationError``).
"""

import os
import re
from dataclasses import dataclass

import numpy as np
from nengo.exceptions import ValidationError

#: ``{digit}_{speaker}_{take}.wav``
FSDD_NAME = re.compile(r"^(?P<digit>\d)_(?P<speaker>[A-Za-z]+)_(?P<take>\d+)\.wav$")

#: Takes below this number form the dataset's test set.
FSDD_TEST_TAKES = 5


def read_wav(path):
    """Read a mono WAV file as floats.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    signal : (n_samples,) ndarray
        Integer PCM scaled to ``[-1, 1)``; float files are returned as stored.
    sample_rate : int
    """
    from scipy.io import wavfile

    sample_rate, x = wavfile.read(path)
    if x.ndim > 1:
        x = x.mean(axis=1)  # mix down: the digits are mono, but do not fail on stereo
    if np.issubdtype(x.dtype, np.integer):
        x = x / float(-np.iinfo(x.dtype).min)
    return np.asarray(x, dtype=float), int(sample_rate)


def hz_to_mel(f):
    """Mel scale (O'Shaughnessy): ``2595·log10(1 + f/700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=float) / 700.0)


def mel_to_hz(m):
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(m, dtype=float) / 2595.0) - 1.0)


def mel_filterbank(n_mels, n_fft, sample_rate, f_min=0.0, f_max=None):
    """Triangular filters, evenly spaced on the mel scale.

    Parameters
    ----------
    n_mels : int
        Number of bands.
    n_fft : int
        FFT length; the filters cover its ``n_fft // 2 + 1`` bins.
    sample_rate : float
        In Hz.
    f_min, f_max : float, optional
        Band edges in Hz (``f_max`` defaults to the Nyquist frequency).

    Returns
    -------
    (n_mels, n_fft // 2 + 1) ndarray
        Row ``m`` weighs the power spectrum into band ``m``; each triangle peaks at 1.
    """
    f_max = sample_rate / 2.0 if f_max is None else f_max
    if not 0 <= f_min < f_max <= sample_rate / 2.0:
        raise ValidationError(
            f"mel bands {f_min}-{f_max} Hz do not fit in 0-{sample_rate / 2} Hz "
            f"(the Nyquist range at {sample_rate} Hz)",
            attr="f_max",
        )
    bins = np.fft.rfftfreq(n_fft, d=1.0 / sample_rate)
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - lower) / (centre - lower)
    falling = (upper - bins) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def frame_signal(signal, frame_length, hop_length):
    """Cut a signal into overlapping frames (the last one zero-padded).

    Parameters
    ----------
    signal : (n_samples,) array_like
    frame_length, hop_length : int
        In samples.

    Returns
    -------
    (n_frames, frame_length) ndarray
        ``n_frames = 1 + ceil(max(n_samples - frame_length, 0) / hop_length)``.
    """
    signal = np.asarray(signal, dtype=float)
    n_frames = 1 + int(np.ceil(max(len(signal) - frame_length, 0) / hop_length))
    padded = np.zeros((n_frames - 1) * hop_length + frame_length)
    padded[: len(signal)] = signal
    starts = hop_length * np.arange(n_frames)[:, None]
    return padded[starts + np.arange(frame_length)]


def log_mel(signal, sample_rate, n_mels=32, window=0.025, hop=0.01, floor=1e-10):
    """Log-mel filterbank energies of a signal.

    Parameters
    ----------
    signal : (n_samples,) array_like
    sample_rate : int
        In Hz.
    n_mels : int, optional
        Number of mel bands.
    window : float, optional
        Frame length in seconds (a Hann window; the FFT length is the next power
        of two).
    hop : float, optional
        Time between frames in seconds: the ANN step.
    floor : float, optional
        Added to the band energies before the log, so silence stays finite.

    Returns
    -------
    (n_frames, n_mels) ndarray
        Natural log of the band energies, one row per frame.

    Examples
    --------
    >>> t = np.arange(8000) / 8000
    >>> log_mel(np.sin(2 * np.pi * 440 * t), 8000).shape
    (99, 32)
    """
    frame_length = int(round(window * sample_rate))
    hop_length = int(round(hop * sample_rate))
    if frame_length < 2 or hop_length < 1:
        raise ValidationError(
            f"window {window} s and hop {hop} s are under 2 and 1 samples at "
            f"{sample_rate} Hz; use longer ones",
            attr="window",
        )
    n_fft = 1 << (frame_length - 1).bit_length()
    frames = frame_signal(signal, frame_length, hop_length) * np.hanning(frame_length)
    power = np.abs(np.fft.rfft(frames, n=n_fft, axis=1)) ** 2 / n_fft
    bands = power @ mel_filterbank(n_mels, n_fft, sample_rate).T
    return np.log(bands + floor)


def trim_silence(features, top_db=40.0, min_frames=1):
    """Drop the quiet frames at both ends of a log-mel sequence.

    A frame is quiet when its total energy is more than ``top_db`` below the loudest
    frame of the clip.

    Parameters
    ----------
    features : (n_frames, n_mels) ndarray
        Natural-log band energies (:func:`log_mel`).
    top_db : float, optional
        Loudness range kept, in dB below the peak frame.
    min_frames : int, optional
        Keep at least this many frames (around the loudest one).

    Returns
    -------
    (n_kept, n_mels) ndarray
        A contiguous slice of ``features``.
    """
    energy_db = 10.0 / np.log(10.0) * np.log(np.exp(features).sum(axis=1))
    loud = np.flatnonzero(energy_db >= energy_db.max() - top_db)
    start, stop = loud[0], loud[-1] + 1
    if stop - start < min_frames:
        centre = int(np.argmax(energy_db))
        start = max(0, min(centre - min_frames // 2, len(features) - min_frames))
        stop = start + min_frames
    return features[start:stop]


def pad_sequences(sequences, max_frames=None):
    """Stack sequences of different lengths, zero-padded at the end.

    Parameters
    ----------
    sequences : list of (n_frames_i, n_features) ndarray
    max_frames : int, optional
        Cut longer sequences to this many frames (the end is dropped).

    Returns
    -------
    x : (n_sequences, n_max, n_features) ndarray
        ``n_max`` is the longest (cut) length.
    lengths : (n_sequences,) int ndarray
        Frames of each sequence in ``x``.
    """
    lengths = np.array([len(s) for s in sequences], dtype=int)
    if max_frames is not None:
        lengths = np.minimum(lengths, max_frames)
    x = np.zeros((len(sequences), lengths.max(), sequences[0].shape[1]))
    for i, (s, n) in enumerate(zip(sequences, lengths)):
        x[i, :n] = s[:n]
    return x, lengths


@dataclass(frozen=True)
class Standardizer:
    """Per-feature mean and standard deviation, from the training frames only.

    Attributes
    ----------
    mean, std : (n_features,) ndarray
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, sequences):
        """Estimate from a list of ``(n_frames_i, n_features)`` training sequences."""
        frames = np.concatenate(list(sequences), axis=0)
        return cls(mean=frames.mean(axis=0), std=frames.std(axis=0) + 1e-8)

    def __call__(self, sequence):
        """``(sequence - mean) / std``, for one sequence or a stacked array."""
        return (np.asarray(sequence) - self.mean) / self.std


@dataclass(frozen=True)
class FsddClip:
    """One recording of the Free Spoken Digit Dataset, named from its file.

    Attributes
    ----------
    path : str
    digit : int
    speaker : str
    take : int
    """

    path: str
    digit: int
    speaker: str
    take: int

    @property
    def is_test(self):
        """bool: the dataset's split puts takes 0-4 in the test set."""
        return self.take < FSDD_TEST_TAKES


def list_fsdd(data_dir):
    """The clips of an FSDD folder (or its ``recordings`` subfolder), sorted by name.

    Parameters
    ----------
    data_dir : str or os.PathLike
        The dataset's root (holding ``recordings/``) or the recordings folder itself.

    Returns
    -------
    list of FsddClip

    Raises
    ------
    nengo.exceptions.ValidationError
        If the folder holds no ``{digit}_{speaker}_{take}.wav`` file.
    """
    folder = os.fspath(data_dir)
    if os.path.isdir(os.path.join(folder, "recordings")):
        folder = os.path.join(folder, "recordings")
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    clips = []
    for name in names:
        match = FSDD_NAME.match(name)
        if match:
            clips.append(
                FsddClip(
                    path=os.path.join(folder, name),
                    digit=int(match["digit"]),
                    speaker=match["speaker"],
                    take=int(match["take"]),
                )
            )
    if not clips:
        raise ValidationError(
            f"data folder {data_dir!r} holds no '{{digit}}_{{speaker}}_{{take}}.wav' "
            "recordings; pass the Free Spoken Digit Dataset's folder (e.g. "
            "../shared/data/fsdd)",
            attr="data_dir",
        )
    return clips


def fsdd_split(clips):
    """The dataset's own split: takes 0-4 test, the others train.

    Parameters
    ----------
    clips : list of FsddClip

    Returns
    -------
    train, test : list of FsddClip
    """
    return [c for c in clips if not c.is_test], [c for c in clips if c.is_test]
