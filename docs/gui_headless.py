"""Run models in NengoGUI 0.6 without a browser: load, press play, step, reset.

Usage (in an environment with ``nengo-gui==0.6.*`` and this package)::

    python docs/gui_headless.py [--slider VALUE] BACKEND STEPS MODEL.py [MODEL.py ...]

For each model file this does what ``nengo -b BACKEND MODEL.py`` and a user's clicks
do: it starts NengoGUI's server object with ``BACKEND``, opens a page for the file
(which runs the script and creates the plots listed in ``MODEL.py.cfg``), presses play
(the page builds ``BACKEND.Simulator(model, progress_bar=...)`` in its runner thread
and calls ``sim.step()`` once per tick), waits for ``STEPS`` steps, then presses reset
and play again (a fresh Simulator) and waits for 100 more. Pacing to real time is
turned off. It prints one line per file: the build error, if any, the steps run, the
cores used, and what each plot gathered (mean of the last 300 samples for value
plots). With ``--slider VALUE`` every slider of the page is moved to ``VALUE`` after
100 steps, as a user dragging it would. See ``docs/gui.md``.
"""

import sys
import time
import warnings

import numpy as np

warnings.simplefilter("ignore")  # nengo-gui 0.6 warns about jedi and old numpy APIs

import nengo_gui.components  # noqa: E402
import nengo_gui.guibackend  # noqa: E402
import nengo_gui.page  # noqa: E402

#: Seconds to wait for a build and its steps.
TIMEOUT = 180
#: Steps to run after a reset.
STEPS_AFTER_RESET = 100
#: The step after which ``--slider`` moves the sliders.
SLIDER_STEP = 100


def open_page(backend, filename):
    """A GUI server (not serving) and a page for ``filename`` on ``backend``."""
    server = nengo_gui.guibackend.GuiServer(
        nengo_gui.guibackend.ModelContext(filename=filename),
        nengo_gui.guibackend.GuiServerSettings(("localhost", 0), auto_shutdown=0),
        nengo_gui.page.PageSettings(backend=backend),
    )
    return server, server.create_page(filename)


def play(page, enough):
    """Press play; wait until ``enough(sim)``; return an error line or None."""
    control = page.get_component(nengo_gui.components.SimControl)
    control.message("continue")
    control.target_rate = None  # as fast as it goes, not real time
    control.delay_time = 0
    start = time.time()
    while time.time() - start < TIMEOUT:
        if page.error:
            return "ERROR: " + page.error["trace"].strip().splitlines()[-1]
        if page.sim is not None and enough(page.sim):
            control.paused = True
            return None
        time.sleep(0.05)
    return f"TIMEOUT after {TIMEOUT} s"


def describe_plots(page, sim):
    """One phrase per plot component: what it gathered."""
    parts = []
    for comp in page.components:
        kind = type(comp).__name__
        if kind in ("Value", "XYValue"):
            rows = [comp.struct.unpack(p)[1:] for p in list(comp.data)[-300:]]
            mean = ", ".join(f"{v:.2f}" for v in np.mean(rows, axis=0))
            parts.append(f"{kind}({comp.label}) {len(comp.data)} samples, [{mean}]")
        elif kind in ("Raster", "SpikeGrid", "Pointer", "SpaSimilarity"):
            parts.append(f"{kind}({comp.label}) {len(comp.data)} samples")
        elif kind == "Voltage":
            samples = len(sim.data.raw[comp.probe])
            parts.append(f"Voltage({comp.label}) {samples} samples")
    return parts


def move_sliders(page, value):
    """Set every slider's first dimension to ``value``, as a user's drag does."""
    for comp in page.components:
        if isinstance(comp, nengo_gui.components.Slider):
            comp.message(f"0,{value}")


def run_in_gui(backend, steps, filename, slider=None):
    """Open, play, reset and play ``filename``; return a one-line account."""
    server, page = open_page(backend, filename)
    try:
        if page.error:
            return "script error: " + page.error["trace"].strip().splitlines()[-1]
        start = time.time()
        if slider is not None:
            # a slider's override starts once the Node has run, so move it after
            error = play(page, lambda sim: sim.n_steps >= SLIDER_STEP)
            if error:
                return f"{error} ({time.time() - start:.1f} s)"
            move_sliders(page, slider)
        error = play(page, lambda sim: sim.n_steps >= steps)
        if error:
            return f"{error} ({time.time() - start:.1f} s)"
        sim = page.sim
        parts = [
            f"ok, {type(sim).__module__}.{type(sim).__name__}, "
            f"{sim.n_steps} steps in {time.time() - start:.1f} s (build included)"
        ]
        if hasattr(sim, "resources"):
            parts.append(
                f"{sim.resources()['cores']} cores, "
                f"{len(sim.on_host())} ensembles on the host"
            )
        parts += describe_plots(page, sim)
        first = sim
        control = page.get_component(nengo_gui.components.SimControl)
        control.message("reset")
        error = play(
            page, lambda s: s is not first and s.n_steps >= STEPS_AFTER_RESET
        )
        parts.append(f"reset: {error or 'rebuilt and ran again'}")
        return "; ".join(parts)
    finally:
        for page in list(server.pages):
            page.finished = True
            page.close()
        for binding in server.bindings:
            binding.socket.close()


def main(argv):
    slider = None
    if argv[:1] == ["--slider"]:
        slider, argv = float(argv[1]), argv[2:]
    backend, steps, filenames = argv[0], int(argv[1]), argv[2:]
    for filename in filenames:
        result = run_in_gui(backend, steps, filename, slider=slider)
        print(f"{filename}: {result}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
