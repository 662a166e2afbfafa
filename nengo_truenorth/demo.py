"""The main demo: a small three-core network on two chips, run, measured and plotted.

Run it with ``make demo`` or ``python -m nengo_truenorth.demo --out out``. It builds its
model and its input with the hardware API and a seeded random generator -- no data is
downloaded -- runs it for 1,000 ticks (one second at real time), prints the energy
estimate, and writes the model file and two plots into ``--out``.

The network:

- **core 0, "input layer"** (chip 0): 64 inputs, each on four axons whose types carry
  the binary weights 1, 2, 4 and -8. A neuron's crossbar bits on an input's four axons
  are the two's-complement digits of its weight, so every synapse takes one of
  16 levels (-8..7) although a neuron has only four weights per core. Half of its
  neurons feed core 1 across the chip edge, half feed core 2 on the same chip.
- **core 1, "recurrent population"** (chip 1): excited by core 0, and by itself through
  delays of 1 to 15 ticks; excitatory and inhibitory recurrent axons are two axon types.
  Half of its neurons carry the recurrence, half report back across the chip edge.
- **core 2, "readout"** (chip 0): sums core 0 and core 1.
"""

import argparse
import os
import sys
import time

import numpy as np

from .energy import OPERATING_POINTS, estimate_energy
from .hardware import ChipModel
from .hardware.limits import AXONS_PER_CORE, CHIP_SIZE, NEURONS_PER_CORE

#: Inputs of the input layer; each takes four axons (4 x 64 = 256).
N_INPUTS = 64
#: Weights of the four axon types of the input layer: the digits of a 4-bit
#: two's-complement number.
BINARY_WEIGHTS = (1, 2, 4, -8)
#: Inputs each input-layer neuron listens to.
INPUT_FAN_IN = 24
#: Places of the three cores: either side of the edge between chips (0, 0) and (1, 0).
PLACES = {
    "input": (CHIP_SIZE - 3, 30),
    "recurrent": (CHIP_SIZE + 2, 30),
    "readout": (CHIP_SIZE - 5, 34),
}


def weight_digits(weights):
    """Crossbar bits that give each weight in -8..7 from types weighted 1, 2, 4, -8.

    Parameters
    ----------
    weights : ndarray of int
        Values in -8..7.

    Returns
    -------
    ndarray of bool, shape ``weights.shape + (4,)``
        Bit ``d`` selects the axon of type ``d``; ``sum(bits * (1, 2, 4, -8))`` is the
        weight.
    """
    code = np.asarray(weights) & 0xF  # two's complement in 4 bits
    return ((code[..., None] >> np.arange(4)) & 1).astype(bool)


def build_model(rng):
    """Build the demo's three-core, two-chip model.

    Parameters
    ----------
    rng : numpy.random.Generator

    Returns
    -------
    model : ChipModel
        Input port ``"in"`` (256 axons: input ``k`` is indices ``4k .. 4k + 3``);
        output ports ``"input layer"``, ``"recurrent"`` and ``"readout"``.
    weights : (64, 256) ndarray of int
        The 16-level weights of the input layer, input by neuron.
    """
    model = ChipModel()
    layer = model.add_core(x=PLACES["input"][0], y=PLACES["input"][1], seed=1)
    pop = model.add_core(x=PLACES["recurrent"][0], y=PLACES["recurrent"][1], seed=2)
    readout = model.add_core(x=PLACES["readout"][0], y=PLACES["readout"][1], seed=3)
    half = NEURONS_PER_CORE // 2
    neurons = np.arange(NEURONS_PER_CORE)

    # --- core 0: 16-level weights from four binary-weighted axon types ------------
    layer.axon_types[:] = np.tile(np.arange(4), N_INPUTS)
    # mostly excitatory weights, so that the layer responds to its inputs
    levels = np.arange(-8, 8)
    p = np.where(levels > 0, 3.0, 1.0) * (levels != 0)
    weights = np.zeros((N_INPUTS, NEURONS_PER_CORE), dtype=np.int64)
    for j in neurons:
        chosen = rng.choice(N_INPUTS, size=INPUT_FAN_IN, replace=False)
        weights[chosen, j] = rng.choice(levels, size=INPUT_FAN_IN, p=p / p.sum())
    digits = weight_digits(weights)  # (inputs, neurons, 4)
    layer.crossbar[:] = digits.transpose(0, 2, 1).reshape(AXONS_PER_CORE, -1)
    layer.set_neuron(
        neurons,
        weights=BINARY_WEIGHTS,
        leak=-1,
        threshold=24,
        reset_mode=1,  # linear reset: a sigma-delta modulator of its input
        negative_threshold=48,
        negative_saturation=1,
    )
    layer.set_destination(neurons[:half], pop, axon=neurons[:half], delay=1)
    layer.set_destination(neurons[half:], readout, axon=neurons[:half], delay=2)

    # --- core 1: recurrent population with delays --------------------------------
    pop.axon_types[:half] = 0  # from the input layer
    pop.axon_types[half : half + 64] = 1  # recurrent, excitatory
    pop.axon_types[half + 64 :] = 2  # recurrent, inhibitory
    for j in neurons:
        pop.connect(rng.choice(half, size=16, replace=False), j)
        pop.connect(half + rng.choice(half, size=12, replace=False), j)
    pop.set_neuron(
        neurons,
        weights=(4, 3, -4, 0),
        leak=-1,
        threshold=16,
        negative_threshold=20,
        negative_saturation=1,
    )
    # the recurrence: neuron j drives axon 128 + j of its own core after 1..15 ticks
    pop.set_destination(
        neurons[:half],
        pop,
        axon=half + neurons[:half],
        delay=rng.integers(1, 16, size=half),
    )
    pop.set_destination(neurons[half:], readout, axon=half + neurons[:half], delay=1)

    # --- core 2: readout ---------------------------------------------------------
    readout.axon_types[:half] = 0  # from the input layer
    readout.axon_types[half:] = 1  # from the recurrent population
    n_readout = 32
    for j in range(n_readout):
        readout.connect(rng.choice(half, size=24, replace=False), j)
        readout.connect(half + rng.choice(half, size=24, replace=False), j)
    readout.set_neuron(
        np.arange(n_readout),
        weights=(2, 2, 0, 0),
        leak=-1,
        threshold=20,
        negative_threshold=30,
        negative_saturation=1,
    )

    # a port index drives one axon, so input k is the four indices 4k .. 4k + 3 and
    # make_input repeats each spike on the four: the host sends one packet per axon
    model.add_input("in", [(layer.id, a) for a in range(AXONS_PER_CORE)])
    model.add_output("input layer", [(layer.id, j) for j in range(64)])
    model.add_output("recurrent", [(pop.id, j) for j in range(64)])
    model.add_output("readout", [(readout.id, j) for j in range(n_readout)])
    return model, weights


def make_input(rng, ticks, start=0):
    """Poisson-like input spikes with slowly drifting rates, on port ``"in"``.

    Each of the 64 inputs fires with a probability per tick that swings between
    0 and about 0.1 (0-100 Hz) with its own phase, so the raster shows waves.

    Parameters
    ----------
    rng : numpy.random.Generator
    ticks : int
    start : int, optional
        First tick.

    Returns
    -------
    dict of str to (n, 2) ndarray of int
        ``{"in": [[tick, axon index], ...]}``, sorted by tick then index; each spike
        of input ``k`` appears on its four axons ``4k .. 4k + 3``.
    """
    t = np.arange(ticks)[:, None]
    phase = rng.uniform(0, 2 * np.pi, size=N_INPUTS)
    peak = rng.uniform(0.04, 0.1, size=N_INPUTS)
    p = peak * 0.5 * (1 + np.sin(2 * np.pi * t / 400 + phase))
    tick, k = np.nonzero(rng.random((ticks, N_INPUTS)) < p)
    axon = 4 * k[:, None] + np.arange(4)  # the four digits of input k
    spikes = np.column_stack([np.repeat(tick + start, 4), axon.ravel()])
    return {"in": spikes.astype(np.int64)}


def choose_emulator(name="auto"):
    """Return the emulator class: ``"fast"`` if it is registered, else the reference."""
    from .emulator import EMULATORS

    if name == "auto":
        name = "fast" if "fast" in EMULATORS else "reference"
    if name not in EMULATORS:
        raise SystemExit(f"emulator {name!r} is not one of {sorted(EMULATORS)}")
    return EMULATORS[name]


def save_files(model, inputs, outputs, out):
    """Write the model file and the input and output spike files; return their paths.

    Uses :mod:`nengo_truenorth.files`; returns an empty list if it is unavailable.
    """
    try:
        from . import files
    except ImportError:
        # the model-file module is optional for the demo: without it the demo still
        # runs, measures and plots, and just writes no model or spike files
        return []
    paths = [os.path.join(out, "demo_model.json")]
    files.save_model(model, paths[0])
    for kind, spikes in (("inputs", inputs), ("outputs", outputs)):
        paths.append(os.path.join(out, f"demo_{kind[:-1]}_spikes.json"))
        files.save_spikes(spikes, paths[-1], model=model, kind=kind)
    return paths


def save_plots(activity, spikes, out, sizes=None):
    """Write the activity map and the raster as PNG files; return their paths."""
    from matplotlib.figure import Figure

    from .plots import plot_activity, plot_spike_raster

    paths = []
    fig = Figure(figsize=(15, 5), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(2, 1))
    plot_activity(activity, "synaptic_events", ax=left)
    plot_activity(activity, "spikes", ax=right, region="cores")
    right.set_title("spikes per core per tick\n(zoomed to the model's cores)")
    path = os.path.join(out, "activity.png")
    fig.savefig(path, dpi=110)
    paths.append(path)

    fig = Figure(figsize=(10, 5.5), layout="constrained")
    plot_spike_raster(spikes, ax=fig.add_subplot(), sizes=sizes)
    path = os.path.join(out, "raster.png")
    fig.savefig(path, dpi=110)
    paths.append(path)
    return paths


def main(argv=None):
    """Build, run, measure and plot the demo network.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status, 0 on success.
    """
    parser = argparse.ArgumentParser(
        prog="python -m nengo_truenorth.demo",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--out", default="out", help="folder for the output files")
    parser.add_argument("--ticks", type=int, default=1000, help="ticks to run (1 ms)")
    parser.add_argument("--seed", type=int, default=0, help="seed of model and input")
    parser.add_argument(
        "--emulator",
        default="auto",
        help="emulator to run on (default: 'fast' if available, else 'reference')",
    )
    parser.add_argument(
        "--part",
        default="all",
        choices=("all", "chip", "nengo"),
        help="run the hardware-level chip demo, the Nengo network demo, or both",
    )
    parser.add_argument(
        "--operating-point",
        default="merolla2014",
        choices=sorted(OPERATING_POINTS),
        help="published energy figures to use",
    )
    args = parser.parse_args(argv)
    if args.ticks < 1:
        parser.error(f"--ticks = {args.ticks} must be >= 1")
    os.makedirs(args.out, exist_ok=True)
    paths = []
    if args.part in ("all", "chip"):
        paths += run_chip_demo(args)
    if args.part in ("all", "nengo"):
        if paths:
            print()
        from . import demo_nengo

        paths += demo_nengo.run(args.out, seconds=args.ticks / 1000, seed=args.seed)
    for path in paths:
        print(f"wrote {path}")
    return 0


def run_chip_demo(args):
    """The hardware-level part: a hand-built chip model run on an emulator."""
    rng = np.random.default_rng(args.seed)
    model, _ = build_model(rng)
    inputs = make_input(rng, args.ticks)
    emulator_class = choose_emulator(args.emulator)
    print(
        f"nengo_truenorth demo: {len(model.cores)} cores on {len(model.chips)} chips, "
        f"{args.ticks} ticks, {len(inputs['in']) // 4:,} input spikes on "
        f"{N_INPUTS} inputs (seed {args.seed})"
    )
    print(f"emulator: {emulator_class.name} ({emulator_class.__name__})")

    # the fast emulator's kernels compile on their first use in a fresh environment
    # (about 20 s; later runs load them from numba's cache): not part of the speed
    print("preparing the emulator (compiles its kernels on first use) ...", flush=True)
    start = time.perf_counter()
    emulator_class(model).run(1)
    setup = time.perf_counter() - start
    emulator = emulator_class(model)
    start = time.perf_counter()
    spikes = emulator.run(args.ticks, inputs)
    elapsed = time.perf_counter() - start
    print(f"emulator ready in {setup:.1f} s")
    print(
        f"ran {args.ticks} ticks in {elapsed * 1e3:.1f} ms "
        f"({args.ticks / elapsed:,.0f} ticks/s, preparation excluded; real time is "
        "1,000 ticks/s)"
    )
    print()

    report = estimate_energy(emulator.activity, args.operating_point, model=model)
    print(report.summary())
    print()

    paths = save_files(model, inputs, spikes, args.out)
    if not paths:
        print("model file: not written (nengo_truenorth.files is not available)")
    sizes = {port: len(entries) for port, entries in model.outputs.items()}
    paths += save_plots(emulator.activity, spikes, args.out, sizes)
    return paths


if __name__ == "__main__":
    sys.exit(main())
