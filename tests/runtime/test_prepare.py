"""The kernels compile before the first step, and a slow compile is announced."""

import io
import time

import nengo

import nengo_truenorth
from nengo_truenorth.emulator import FastEmulator, ReferenceEmulator
from nengo_truenorth.runtime import prepare as prepare_module
from nengo_truenorth.runtime.prepare import prepare_runtime


class SlowEmulator(ReferenceEmulator):
    @classmethod
    def prepare(cls, n_cores=1):
        time.sleep(0.3)


def test_a_slow_preparation_says_what_it_does_and_how_long(monkeypatch):
    monkeypatch.setattr(prepare_module, "TELL_AFTER", 0.05)
    stream = io.StringIO()
    seconds = prepare_runtime(SlowEmulator, 1, show=True, stream=stream)
    text = stream.getvalue()
    assert seconds >= 0.3
    assert "Compiling the chip emulator's kernels" in text
    assert "Kernels ready in" in text


def test_a_quick_or_silent_preparation_prints_nothing():
    stream = io.StringIO()
    prepare_runtime(ReferenceEmulator, 1, show=True, stream=stream)
    prepare_runtime(SlowEmulator, 1, show=False, stream=stream)
    assert stream.getvalue() == ""


def test_the_fast_kernels_are_compiled_by_prepare():
    from nengo_truenorth.emulator import kernels
    from nengo_truenorth.runtime.host_io import _encode_tick

    prepare_runtime(FastEmulator, 1, show=False)
    assert kernels.run_ticks.signatures and _encode_tick.signatures


def test_the_simulator_prepares_before_its_first_step(monkeypatch):
    calls = []
    original = FastEmulator.prepare.__func__

    def spy(cls, n_cores=1):
        calls.append(n_cores)
        return original(cls, n_cores)

    monkeypatch.setattr(FastEmulator, "prepare", classmethod(spy))
    with nengo.Network() as net:
        nengo.Ensemble(10, 1)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        assert calls == [len(sim.compiled.model.cores)]
