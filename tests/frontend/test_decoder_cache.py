"""Decoder-cache entries that cannot be read are cache misses, never a crash.

Two environments that share Nengo's decoder cache with different numpy majors (the
project's ``.venv`` and ``.venv-dl``) write entries that the other cannot unpickle:
numpy 2's pickles name ``numpy._core``, which numpy 1 lacks. The tests make such
entries here by pointing each entry's metadata at a module that does not exist.
"""

import struct

import nengo
import numpy as np
import pytest
from nengo.cache import DecoderCache, NoDecoderCache
from nengo.utils import nco

import nengo_truenorth
from nengo_truenorth.frontend import Model
from nengo_truenorth.frontend.solver import TolerantDecoderCache, default_decoder_cache

#: A pickle (protocol 0) of a global from a module that this environment lacks,
#: as a numpy 2 pickle is under numpy 1.
UNREADABLE_PICKLE = b"cnumpy_core_of_another_environment\n_reconstruct\n."


def network():
    """Chip ensembles, and a host ensemble whose decoders Nengo's builder solves."""
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(np.sin)
        a = nengo.Ensemble(40, 1)
        b = nengo.Ensemble(40, 1)
        host = nengo.Ensemble(40, 1, neuron_type=nengo.Sigmoid())  # on the host
        nengo.Connection(stim, a)
        to_b = nengo.Connection(a, b, function=np.square)
        to_host = nengo.Connection(host, b)
    return net, to_b, to_host


def make_unreadable(cache_dir):
    """Overwrite the metadata of every entry in the cache's files; returns how many."""
    count = 0
    for path in cache_dir.glob("*/*.nco"):
        data = bytearray(path.read_bytes())
        start = 0
        while start < len(data):
            header = data[start : start + nco.HEADER_SIZE]
            _, _, pickle_start, pickle_end, _, array_end = struct.unpack(
                nco.HEADER_FORMAT, header
            )
            assert pickle_end - pickle_start >= len(UNREADABLE_PICKLE)
            data[pickle_start : pickle_start + len(UNREADABLE_PICKLE)] = (
                UNREADABLE_PICKLE
            )
            count += 1
            start = array_end
        path.write_bytes(bytes(data))
    return count


def build(cache, monkeypatch):
    """Build ``network()`` with ``cache``; the weights and the number of solves."""
    net, to_b, to_host = network()
    solves = []
    call = nengo.solvers.LstsqL2.__call__

    def counted(self, A, Y, rng=None):
        solves.append(1)
        return call(self, A, Y, rng=rng)

    monkeypatch.setattr(nengo.solvers.LstsqL2, "__call__", counted)
    try:
        model = Model(decoder_cache=cache, seed=1)
        with nengo_truenorth.Simulator(net, model=model, progress_bar=False) as sim:
            weights = [sim.data[c].weights.copy() for c in (to_b, to_host)]
    finally:
        monkeypatch.undo()
    return weights, len(solves)


def test_unreadable_entries_are_cache_misses(tmp_path, monkeypatch):
    first, solved = build(TolerantDecoderCache(cache_dir=tmp_path), monkeypatch)
    assert solved == 2
    assert build(TolerantDecoderCache(cache_dir=tmp_path), monkeypatch)[1] == 0
    assert make_unreadable(tmp_path) == 2

    # what Nengo's own cache does with them
    with pytest.raises(ModuleNotFoundError, match="numpy_core_of_another"):
        build(DecoderCache(cache_dir=tmp_path), monkeypatch)

    again, solved = build(TolerantDecoderCache(cache_dir=tmp_path), monkeypatch)
    assert solved == 2  # both misses
    for expected, got in zip(first, again):
        np.testing.assert_array_equal(expected, got)


def test_unreadable_entries_are_left_for_the_environment_that_wrote_them(
    tmp_path, monkeypatch
):
    build(TolerantDecoderCache(cache_dir=tmp_path), monkeypatch)
    make_unreadable(tmp_path)
    files = {path: path.read_bytes() for path in tmp_path.rglob("*.nco")}
    for readonly in (False, True):
        cache = TolerantDecoderCache(readonly=readonly, cache_dir=tmp_path)
        assert build(cache, monkeypatch)[1] == 2
    assert {path: path.read_bytes() for path in tmp_path.rglob("*.nco")} == files


def test_a_solvers_own_error_is_not_taken_for_an_unreadable_entry(
    tmp_path, monkeypatch
):
    calls = []

    def failing(self, A, Y, rng=None):
        calls.append(1)
        raise ArithmeticError("the solver's own failure")

    monkeypatch.setattr(nengo.solvers.LstsqL2, "__call__", failing)
    net, _, _ = network()
    model = Model(decoder_cache=TolerantDecoderCache(cache_dir=tmp_path), seed=1)
    with pytest.raises(ArithmeticError, match="solver's own"):
        nengo_truenorth.Simulator(net, model=model, progress_bar=False)
    assert len(calls) == 1  # not solved a second time as if the entry were bad


def test_the_simulators_default_cache_is_the_tolerant_one(monkeypatch):
    monkeypatch.setitem(nengo.rc["decoder_cache"], "enabled", "True")
    assert type(default_decoder_cache()) is TolerantDecoderCache
    monkeypatch.setitem(nengo.rc["decoder_cache"], "enabled", "False")
    assert type(default_decoder_cache()) is NoDecoderCache
    with nengo.Network() as net:
        nengo.Ensemble(10, 1)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert type(sim.model.decoder_cache) is NoDecoderCache
