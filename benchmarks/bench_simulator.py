"""``nengo_truenorth.Simulator`` against ``nengo.Simulator`` on the same networks.

The model (issue 3's benchmark): a chain of ``N`` ensembles of 256
``SpikingRectifiedLinear`` neurons (1-D). Each ensemble is a low-pass filter made the
NEF way, with a recurrent connection: a ``Lowpass(0.05)`` synapse on the recurrent
connection (transform ``1 - 0.05 / TAU_STAGE``) and on its inputs (transform
``0.05 / TAU_STAGE``), so it represents ``LP_TAU_STAGE(0.5·x_prev + 0.5·u)``, where
``x_prev`` is the ensemble before it and ``u`` the unit-amplitude input (a 1 Hz sine;
the first ensemble takes ``u`` alone). Mixing the input into every stage keeps the
signal at the end of a long chain near unit amplitude. Every ensemble is probed
(``synapse=0.01``). ``--dimensions 1 2`` adds the same chain of 2-D ensembles (a sine
and a cosine; issue 14).

For each ``N``: cores, neurons by role (the ensembles', decode, filter and relay
neurons, splitters and copies), build times, ticks per second of both simulators
(run time only, the same model in the same process, taking turns in ``--windows``
windows: the best window of each, so the ratio is what matters), the emulator's
share of a chip tick (its recorded run replayed on the emulator alone), and the RMSE
of each ensemble's decoded value against ``nengo.Simulator``'s. Then the build time of a
model that needs about 4,096 cores (more such chains, no probes, not run), from an
empty decoder cache and again with the decoders cached, and its build's phases
without a decoder cache.

Nothing is asserted. Results go to ``benchmarks/results/simulator.json``.

Run with ``python benchmarks/bench_simulator.py [--quick] [--dimensions 1 2]``.
"""

import argparse
import json
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nengo
import numpy as np
from nengo.cache import DecoderCache, NoDecoderCache

import nengo_truenorth
from nengo_truenorth.frontend import Model

SIZE = 256
#: The recurrent synapse and the time constant of each stage's low-pass.
TAU_SYNAPSE = 0.05
TAU_STAGE = 0.1
#: Input frequency, Hz.
FREQ = 1.0
PROBE_SYNAPSE = 0.01
RESULTS = Path(__file__).parent / "results" / "simulator.json"


def chain(n, seed=0, probes=True, dimensions=1):
    """The benchmark network: ``n`` recurrent low-pass ensembles in a chain.

    With ``dimensions=2`` each ensemble represents two values, fed a sine and a
    cosine (issue 14's multi-dimensional chain); the transforms are the same.

    Returns
    -------
    net : nengo.Network
    probes : list of nengo.Probe
        One per ensemble (empty without ``probes``).
    """
    recurrent = 1.0 - TAU_SYNAPSE / TAU_STAGE
    gain = TAU_SYNAPSE / TAU_STAGE
    with nengo.Network(seed=seed) as net:
        if dimensions == 1:
            stim = nengo.Node(lambda t: np.sin(2 * np.pi * FREQ * t))
        else:
            phases = np.arange(dimensions) * np.pi / 2
            stim = nengo.Node(lambda t: np.sin(2 * np.pi * FREQ * t + phases))
        ensembles, probe_list = [], []
        for k in range(n):
            ens = nengo.Ensemble(
                SIZE, dimensions, neuron_type=nengo.SpikingRectifiedLinear()
            )
            nengo.Connection(ens, ens, transform=recurrent, synapse=TAU_SYNAPSE)
            if k == 0:
                nengo.Connection(stim, ens, transform=gain, synapse=TAU_SYNAPSE)
            else:
                nengo.Connection(stim, ens, transform=0.5 * gain, synapse=TAU_SYNAPSE)
                nengo.Connection(
                    ensembles[-1], ens, transform=0.5 * gain, synapse=TAU_SYNAPSE
                )
            ensembles.append(ens)
            if probes:
                probe_list.append(nengo.Probe(ens, synapse=PROBE_SYNAPSE))
    return net, probe_list


def timed_build(simulator, net, **kwargs):
    """Build ``net`` with ``simulator`` and run its first steps (lazy setup, numba
    dispatch); return the sim and the build's seconds."""
    t0 = time.perf_counter()
    sim = simulator(net, progress_bar=False, **kwargs)
    build = time.perf_counter() - t0
    sim.run_steps(10)
    return sim, build


def timed_windows(sims, seconds, windows):
    """Run every sim of ``sims`` for ``seconds`` in all, ``windows`` windows each,
    taking turns window by window; per sim, the ticks per second of each window.

    Taking turns puts both simulators under the same load from other processes,
    window by window, on a shared machine; the best window of each is its speed
    with the least interference.
    """
    steps = max(1, int(round(seconds / sims[0].dt / windows)))
    rates = [[] for _ in sims]
    for _ in range(windows):
        for sim, rate in zip(sims, rates):
            t0 = time.perf_counter()
            sim.run_steps(steps)
            rate.append(steps / (time.perf_counter() - t0))
    return rates


def emulator_replay(sim, repeats=3):
    """Milliseconds per tick of the chip alone, replaying ``sim``'s recorded run.

    A fresh emulator of the same kind runs the same model on the axons the host drove
    at each tick (``record_chip_io``), one tick per call with the run's spike and
    voltage watch lists, as the Simulator steps it: the emulator's share of a tick,
    without the host. Best of ``repeats`` replays.
    """
    runtime = sim.model.chip_runtime
    axons = list(runtime.recording.axons)
    times = []
    for _ in range(repeats):
        emulator = type(sim.emulator)(sim.emulator.model)
        t0 = time.perf_counter()
        for tick_axons in axons:
            emulator.advance_tick(
                tick_axons, runtime.spike_watch, runtime.voltage_watch
            )
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times) / len(axons)


def compare(n, seconds, dimensions=1, windows=5):
    """Both simulators on a chain of ``n``; a dict of the measured figures.

    Ticks per second: the best of ``windows`` windows each, the two simulators
    taking turns (:func:`timed_windows`); ``speed_ratio`` is the ratio of the best
    windows, ``speed_ratio_windows`` the ratio window by window.
    """
    net, probes = chain(n, dimensions=dimensions)
    ref, ref_build = timed_build(nengo.Simulator, net)
    chip, chip_build = timed_build(
        nengo_truenorth.Simulator, net, record_chip_io=True
    )
    ref_rates, chip_rates = timed_windows([ref, chip], seconds, windows)
    emulator_ms = emulator_replay(chip)
    rmse = [
        float(np.sqrt(np.mean((chip.data[p] - ref.data[p]) ** 2))) for p in probes
    ]
    amplitude = float(np.abs(ref.data[probes[-1]]).max())
    stats = chip.compiled.stats()
    ref.close()
    chip.close()
    roles = stats["neurons_by_role"]
    return {
        "n_ensembles": n,
        "dimensions": dimensions,
        "seconds": seconds,
        "cores": int(stats["cores"]),
        "splitter_cores": int(stats["splitter_cores"]),
        "neurons_by_role": roles,
        "splitter_share": roles["splitters"] / max(sum(roles.values()), 1),
        "nengo_build_s": ref_build,
        "chip_build_s": chip_build,
        "nengo_ticks_per_s": max(ref_rates),
        "chip_ticks_per_s": max(chip_rates),
        "speed_ratio": max(chip_rates) / max(ref_rates),
        "nengo_ticks_per_s_windows": ref_rates,
        "chip_ticks_per_s_windows": chip_rates,
        "speed_ratio_windows": [c / r for c, r in zip(chip_rates, ref_rates)],
        "chip_emulator_ms_per_tick": emulator_ms,
        "rmse_last": rmse[-1],
        "rmse_max": max(rmse),
        "rmse_mean": float(np.mean(rmse)),
        "last_amplitude": amplitude,
    }


def big_build(n):
    """Build time (no run) of an unprobed chain of ``n`` ensembles, twice.

    Both builds use a decoder cache of their own, empty at first: the first build
    solves every decoder (as ``nengo.Simulator``'s build would, from scratch); the
    second finds them in the cache, so it times the rest: the Nengo build, the chip's
    discretization and compilation.
    """
    net, _ = chain(n, seed=1, probes=False)
    builds = []
    with tempfile.TemporaryDirectory() as cache_dir:
        for _ in range(2):
            model = Model(decoder_cache=DecoderCache(cache_dir=cache_dir), seed=2)
            t0 = time.perf_counter()
            sim = nengo_truenorth.Simulator(net, progress_bar=False, model=model)
            builds.append(time.perf_counter() - t0)
            stats = sim.compiled.stats()
            sim.close()
    return {
        "n_ensembles": n,
        "neurons": n * SIZE,
        "cores": int(stats["cores"]),
        "splitter_cores": int(stats["splitter_cores"]),
        "chips": int(stats["chips"]),
        "build_s": builds[0],
        "build_s_cached_decoders": builds[1],
        "compile_s": float(stats["compile_seconds"]),
    }


@contextmanager
def phase_timers(times):
    """Add the wall-clock seconds of the build's phases to ``times`` meanwhile.

    Wraps the functions (outermost calls only for the recursive ``Model.build``);
    nothing else about the build changes.
    """
    from nengo_truenorth import passes, simulator
    from nengo_truenorth.frontend import ChipEnsemble
    from nengo_truenorth.runtime import optimizer

    def timed(original, label):
        depth = [0]

        def run(*args, **kwargs):
            depth[0] += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    times[label] = times.get(label, 0.0) + time.perf_counter() - start

        return run

    def wrap(owner, name, label):
        original = getattr(owner, name)
        setattr(owner, name, timed(original, label))
        return owner, name, original

    def wrap_passes(name, labels):
        original = getattr(passes, name)
        setattr(passes, name, tuple(
            timed(run, labels[run.__name__]) if run.__name__ in labels else run
            for run in original
        ))
        return passes, name, original

    patched = [
        wrap(Model, "build", "nengo_build"),
        wrap(nengo.solvers.LstsqL2, "__call__", "decoder_solves"),
        wrap(ChipEnsemble, "rates", "tuning_curves"),
        wrap(simulator, "build_chip", "finalize"),
        wrap_passes("LOWERING_PASSES", {"lower_decoded_edges": "decode_neurons"}),
        wrap_passes("FITTING_PASSES", {
            "split_fan_in": "fan_in_split", "discretize_groups": "discretize"
        }),
        wrap(simulator, "compile_graph", "compile"),
        wrap(optimizer, "optimize", "nengo_optimizer"),
    ]
    try:
        yield times
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def build_phases(n):
    """Seconds per phase of building the unprobed chain of ``n``, no decoder cache.

    ``nengo_build`` is ``Model.build`` of the network: Nengo's build with the chip's
    ensembles and connections, including ``decoder_solves`` (``LstsqL2``) and part of
    ``tuning_curves`` (the rest is in ``decode_neurons``); ``finalize`` (the chip's
build after Nengo's: ``simulator.build_chip``) holds
    ``decode_neurons``, ``fan_in_split``, ``discretize`` and ``compile``; the rest of
    ``total`` is ``nengo.Simulator``'s set-up, ``nengo_optimizer`` included.
    """
    net, _ = chain(n, seed=1, probes=False)
    model = Model(decoder_cache=NoDecoderCache(), seed=2)
    with phase_timers({}) as times:
        start = time.perf_counter()
        nengo_truenorth.Simulator(net, progress_bar=False, model=model).close()
        times["total"] = time.perf_counter() - start
    return {name: round(seconds, 3) for name, seconds in times.items()}


def feedforward_policy(taus=(0.005, 0.01, 0.015, 0.02, 0.05), seconds=1.0):
    """RMSE against Nengo of a feed-forward chain with and without filter neurons.

    Four ensembles in a chain (a 2 Hz sine into the first), each connection with
    ``Lowpass(tau)``; the chip realizes the synapse with filter neurons
    (``filter_decoded = True``) or as the path's delay (``"recurrent"``, which leaves
    only recurrent connections filtered). This is how
    :attr:`~nengo_truenorth.options.BuildOptions.filter_min_tau` was chosen.
    """
    rows = []
    for tau in taus:
        with nengo.Network(seed=0) as net:
            stim = nengo.Node(lambda t: np.sin(2 * np.pi * 2 * t))
            ens = [
                nengo.Ensemble(SIZE, 1, neuron_type=nengo.SpikingRectifiedLinear())
                for _ in range(4)
            ]
            nengo.Connection(stim, ens[0], synapse=None)
            for a, b in zip(ens, ens[1:]):
                nengo.Connection(a, b, synapse=tau)
            probe = nengo.Probe(ens[-1], synapse=PROBE_SYNAPSE)
        with nengo.Simulator(net, progress_bar=False) as ref:
            ref.run(seconds)
        row = {"tau": tau}
        for name, policy in (("filter_neurons", True), ("path_delay", "recurrent")):
            model = Model()
            model.options.filter_decoded = policy
            with nengo_truenorth.Simulator(net, progress_bar=False, model=model) as sim:
                sim.run(seconds)
            row[f"rmse_{name}"] = float(
                np.sqrt(np.mean((sim.data[probe] - ref.data[probe]) ** 2))
            )
        rows.append(row)
        print(f"feed-forward Lowpass({tau:g}), 4th ensemble RMSE: filter neurons "
              f"{row['rmse_filter_neurons']:.3f}, "
              f"path delay {row['rmse_path_delay']:.3f}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="N = 4, 16 for 0.5 s; a 1,024-core build")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--dimensions", type=int, nargs="+", default=[1],
                        help="dimensions of the chains' ensembles (1; issue 14: 1 2)")
    parser.add_argument("--big", type=int, default=None,
                        help="ensembles of the large build (default: ~4,096 cores)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--windows", type=int, default=5,
                        help="timing windows per simulator, taking turns (best)")
    parser.add_argument("--skip-policy", action="store_true",
                        help="skip the feed-forward filter policy measurement")
    args = parser.parse_args(argv)
    load_start = list(os.getloadavg())
    sizes = args.sizes or ([4, 16] if args.quick else [4, 16, 64])
    seconds = args.seconds or (0.5 if args.quick else 2.0)

    rows = []
    print(f"{'N':>4} {'cores':>6} {'nengo build s':>13} {'chip build s':>12} "
          f"{'nengo t/s':>10} {'chip t/s':>9} {'ratio':>6} {'emu ms/t':>8} "
          f"{'RMSE last':>9} {'RMSE max':>9}")
    for dims, n in [(d, n) for d in args.dimensions for n in sizes]:
        row = compare(n, seconds, dimensions=dims, windows=args.windows)
        rows.append(row)
        print(f"{n:>4}{'' if dims == 1 else f' ({dims}-D)'} {row['cores']:>6} "
              f"{row['nengo_build_s']:>13.2f} "
              f"{row['chip_build_s']:>12.2f} "
              f"{row['nengo_ticks_per_s']:>10.0f} {row['chip_ticks_per_s']:>9.0f} "
              f"{row['speed_ratio']:>6.2f} {row['chip_emulator_ms_per_tick']:>8.3f} "
              f"{row['rmse_last']:>9.3f} "
              f"{row['rmse_max']:>9.3f}  splitters "
              f"{100 * row['splitter_share']:.0f}% of neurons")

    per_ensemble = max(rows[-1]["cores"] / rows[-1]["n_ensembles"], 1.0)
    big_n = args.big or int(np.ceil((1024 if args.quick else 4096) / per_ensemble))
    big = big_build(big_n)
    print(f"large build: {big['n_ensembles']} ensembles, {big['neurons']} neurons, "
          f"{big['cores']} cores ({big['splitter_cores']} splitter): "
          f"{big['build_s']:.1f} s, {big['build_s_cached_decoders']:.1f} s with "
          f"cached decoders (compile {big['compile_s']:.1f} s)")
    big["phases_no_cache"] = build_phases(big_n)
    print("  by phase, without a decoder cache (s): " + ", ".join(
        f"{name} {seconds:.2f}" for name, seconds in big["phases_no_cache"].items()
    ))

    # imported here: the tests load this file for its chain, without the folder on
    # the path
    from provenance import command, machine

    result = {
        "command": command(__file__, argv),
        "machine": machine(load_start),
        "model": {
            "neurons_per_ensemble": SIZE,
            "neuron_type": "SpikingRectifiedLinear",
            "tau_synapse": TAU_SYNAPSE,
            "tau_stage": TAU_STAGE,
            "input": f"sin(2 pi {FREQ:g} t)",
            "probe_synapse": PROBE_SYNAPSE,
        },
        "chains": rows,
        "large_build": big,
        "feedforward_policy": (
            [] if args.skip_policy or args.quick else feedforward_policy()
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
