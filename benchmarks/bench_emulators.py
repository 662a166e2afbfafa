"""Ticks per second of the fast and reference emulators on the chip's benchmark load.

The load is :func:`~nengo_truenorth.emulator.random_models.benchmark_model`: the
operating point of the chip's published figures, ~20 Hz mean firing with 128 active
synapses per neuron, every neuron routing its spikes onward. Both emulators run the
same model from the same seed; the firing rate and synaptic events per tick are
measured, not assumed.

The reference emulator needs seconds per tick and tens of gigabytes for a full chip,
so at 4,096 cores its speed is extrapolated from its measured per-core speed at 64
cores (linearly, which flatters it: its per-tick work grows faster than the core
count); the output says so. The fast emulator is timed in several windows and the
best is reported, as ``timeit`` does, because other processes on a shared machine
slow some windows down; the median and every window are in the JSON file, with the
load average at the start and the end.

Memory, not arithmetic, bounds a full chip, so the run also measures this machine's
streaming memory bandwidth (:func:`memory_bandwidth`: a copy and a sum over arrays far
larger than the caches, best of several) and prints it beside the full chip's ticks
per second, with the numba that compiled the kernels.

Usage::

    python benchmarks/bench_emulators.py [--quick] [--out FILE] [--cores 1,64,4096]
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np

from nengo_truenorth.emulator import FastEmulator, ReferenceEmulator
from nengo_truenorth.emulator.random_models import benchmark_model
from nengo_truenorth.hardware.limits import NEURONS_PER_CORE

#: Largest model the reference emulator is measured on; beyond it, extrapolated.
REFERENCE_MAX_CORES = 64
#: Real time: one tick is one millisecond.
REAL_TIME_TICKS_PER_S = 1000

#: From this many cores, the fast emulator is also timed in the mode it does not
#: choose by default (serial or parallel).
OTHER_MODE_MIN_CORES = 4096

TARGET_RATIO_64 = 100
#: The full chip in real time on this project's 2-core machine (issue 14; was 250).
TARGET_CHIP_TICKS_PER_S = REAL_TIME_TICKS_PER_S


def timed_windows(emulator, windows, window_seconds, chunk):
    """Ticks per second of ``emulator`` in ``windows`` successive timing windows.

    Each window runs chunks of ``chunk`` ticks for at least ``window_seconds``. On a
    shared machine other processes slow some windows down; like ``timeit``, the
    caller reports the best window (and the median).

    Returns ``(ticks run in all, list of ticks per second per window)``.
    """
    total, rates = 0, []
    for _ in range(windows):
        ticks, start = 0, time.perf_counter()
        while True:
            emulator.run(chunk)
            ticks += chunk
            elapsed = time.perf_counter() - start
            if elapsed >= window_seconds:
                break
        total += ticks
        rates.append(ticks / elapsed)
    return total, rates


#: Bytes of each array that :func:`memory_bandwidth` streams: far beyond the caches.
BANDWIDTH_BYTES = 2**28


@numba.njit(parallel=True, cache=True)
def _parallel_sum(array):
    total = 0
    for i in numba.prange(array.size):
        total += array[i]
    return total


def memory_bandwidth(nbytes=BANDWIDTH_BYTES, repeats=5):
    """This machine's streaming memory bandwidth in GB/s, best of ``repeats``.

    Returns
    -------
    dict
        ``copy_gb_s``: NumPy copying one ``nbytes`` array into another, counting the
        bytes read and written; ``read_gb_s``: NumPy summing it on one thread;
        ``read_gb_s_all_threads``: a numba ``prange`` sum on all numba's threads.
    """
    source = np.ones(nbytes // 8, dtype=np.int64)
    target = np.empty_like(source)
    _parallel_sum(source[:8])  # compile (or load from the cache) outside the timing

    def best(run, bytes_moved):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return bytes_moved / min(times) / 1e9

    return {
        "copy_gb_s": best(lambda: np.copyto(target, source), 2 * nbytes),
        "read_gb_s": best(lambda: source.sum(), nbytes),
        "read_gb_s_all_threads": best(lambda: _parallel_sum(source), nbytes),
        "array_bytes": nbytes,
        "repeats": repeats,
    }


def measure(n_cores, seed, quick, reference_per_core):
    """Benchmark one model size; return a row of the results table."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    model = benchmark_model(rng, n_cores)
    generate_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    fast = FastEmulator(model)
    build_s = time.perf_counter() - t0  # validation, flat arrays and routing tables

    ticks, rates, rate_hz = time_from_tick_0(fast, n_cores, quick)
    fast_tps = max(rates)
    n_neurons = n_cores * NEURONS_PER_CORE
    events_per_tick = fast.activity.totals["synaptic_events"] / ticks

    row = {
        "cores": n_cores,
        "neurons": n_neurons,
        "rate_hz": rate_hz,
        "synaptic_events_per_tick": events_per_tick,
        "fast_ticks_per_s": fast_tps,
        "fast_ticks_per_s_median": float(np.median(rates)),
        "fast_ticks_per_s_windows": rates,
        "fast_ticks_measured": ticks,
        "fast_parallel": fast.parallel,
        "fast_core_paths": _path_counts(fast),
        "fast_build_s": build_s,
        "model_generation_s": generate_s,
    }

    if n_cores >= OTHER_MODE_MIN_CORES:
        # the other of serial and parallel too: on a shared 2-core machine, which is
        # faster depends on what else runs
        other = FastEmulator(model, parallel=not fast.parallel)
        other.run(5)
        _, other_rates = timed_windows(
            other, 3 if quick else 8, 0.2 if quick else 0.5, timing_chunk(n_cores)
        )
        row["fast_other_mode"] = {
            "parallel": other.parallel,
            "ticks_per_s": max(other_rates),
            "ticks_per_s_median": float(np.median(other_rates)),
            "ticks_per_s_windows": other_rates,
        }

    if n_cores <= REFERENCE_MAX_CORES:
        t0 = time.perf_counter()
        reference = ReferenceEmulator(model)
        row["reference_build_s"] = time.perf_counter() - t0
        ref_ticks = 3 if quick else max(5, min(200, 2_000 // n_cores))
        t0 = time.perf_counter()
        reference.run(ref_ticks)
        ref_tps = ref_ticks / (time.perf_counter() - t0)
        # the same ticks on the fast emulator must count exactly the same activity
        check = FastEmulator(model)
        check.run(ref_ticks)
        row["emulators_agree"] = check.activity.totals == reference.activity.totals
        row["reference_ticks_measured"] = ref_ticks
        row["reference_method"] = "measured"
        reference_per_core[n_cores] = ref_tps * n_cores
    else:
        per_core = reference_per_core.get(max(reference_per_core, default=None))
        if per_core is None:
            rng_ref = np.random.default_rng(seed)
            probe_model = benchmark_model(rng_ref, REFERENCE_MAX_CORES)
            reference = ReferenceEmulator(probe_model)
            t0 = time.perf_counter()
            reference.run(2)
            per_core = 2 / (time.perf_counter() - t0) * REFERENCE_MAX_CORES
            reference_per_core[REFERENCE_MAX_CORES] = per_core
        ref_tps = per_core / n_cores
        row["reference_method"] = (
            f"extrapolated from {REFERENCE_MAX_CORES} cores (linear in cores)"
        )
    row["reference_ticks_per_s"] = ref_tps
    row["speedup"] = fast_tps / ref_tps
    row["fast_x_real_time"] = fast_tps / REAL_TIME_TICKS_PER_S
    return row


def per_neuron_variant(model, rng):
    """``model`` with its neurons' own parameters: each neuron's type weights +-2 or
    +-3 and threshold 45..55 (rates stay near 20 Hz), so that no core can share one
    parameter set or one weight per type, as a compiled network's cores rarely can.
    """
    for core in model.cores:
        k = rng.integers(2, 4, size=(len(core.threshold), 1))
        core.weights = (np.array([1, -1, 1, -1]) * k).astype(core.weights.dtype)
        core.threshold = rng.integers(45, 56, size=len(core.threshold)).astype(
            core.threshold.dtype
        )
    return model


def measure_per_neuron(n_cores, seed, quick):
    """Ticks per second of the fast emulator on :func:`per_neuron_variant` of the
    benchmark model (its default mode)."""
    rng = np.random.default_rng(seed)
    fast = FastEmulator(per_neuron_variant(benchmark_model(rng, n_cores), rng))
    _, rates, rate_hz = time_from_tick_0(fast, n_cores, quick)
    return {
        "cores": n_cores,
        "rate_hz": rate_hz,
        "fast_ticks_per_s": max(rates),
        "fast_ticks_per_s_median": float(np.median(rates)),
        "fast_ticks_per_s_windows": rates,
        "fast_parallel": fast.parallel,
        "fast_core_paths": _path_counts(fast),
    }


def timing_chunk(n_cores):
    """Ticks per ``run`` call while timing: about 100,000 core-ticks, 1..1,000."""
    return max(1, min(1000, 100_000 // n_cores))


def time_from_tick_0(fast, n_cores, quick):
    """Warm ``fast`` up (compiling its kernels on a first run), reset it and time it
    in windows (:func:`timed_windows`) from tick 0.

    Returns ``(ticks run, ticks per second per window, mean firing rate in Hz)``.
    """
    fast.run(5)
    fast.reset()
    chunk = timing_chunk(n_cores)
    ticks, rates = timed_windows(fast, 3 if quick else 8, 0.2 if quick else 0.5, chunk)
    spikes = fast.activity.totals["spikes"]
    rate_hz = spikes / (ticks * n_cores * NEURONS_PER_CORE) * REAL_TIME_TICKS_PER_S
    return ticks, rates, rate_hz


def _path_counts(emulator):
    """How many cores take each synapse and neuron path of the fast kernels."""
    weights, neurons = emulator.core_paths()
    return {
        "synapses": {name: weights.count(name) for name in sorted(set(weights))},
        "neurons": {name: neurons.count(name) for name in sorted(set(neurons))},
    }


def table(rows):
    header = (
        f"{'cores':>6} {'rate Hz':>8} {'syn events/tick':>16} {'ref ticks/s':>12} "
        f"{'fast ticks/s':>13} {'(median)':>10} {'ratio':>9} {'fast x RT':>10}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        mark = "" if r["reference_method"] == "measured" else " *"
        lines.append(
            f"{r['cores']:>6} {r['rate_hz']:>8.2f} "
            f"{r['synaptic_events_per_tick']:>16,.0f} "
            f"{r['reference_ticks_per_s']:>12.4g} {r['fast_ticks_per_s']:>13,.1f} "
            f"{r['fast_ticks_per_s_median']:>10,.1f} "
            f"{r['speedup']:>9,.0f} {r['fast_x_real_time']:>10.3f}{mark}"
        )
    lines.append(
        "fast ticks/s: best timing window (median in brackets); ratio and x real "
        "time use the best"
    )
    if any(r["reference_method"] != "measured" for r in rows):
        lines.append(
            f"* reference ticks/s extrapolated from its measured speed per core at "
            f"{REFERENCE_MAX_CORES} cores"
        )
    return "\n".join(lines)


def _threading_layer():
    """The threading layer numba's parallel kernels ran on (None before any ran)."""
    try:
        return numba.threading_layer()
    except ValueError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument(
        "--out",
        default=str(Path(__file__).parent / "results" / "emulators.json"),
        help="JSON file for the results (default: %(default)s)",
    )
    parser.add_argument(
        "--cores", default="1,64,4096", help="comma-separated model sizes"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    load_start = list(os.getloadavg())
    print(
        f"numba {numba.__version__} ({numba.get_num_threads()} threads), "
        f"NumPy {np.__version__}, {os.cpu_count()} CPUs",
        flush=True,
    )
    sizes = sorted(int(c) for c in args.cores.split(","))
    reference_per_core = {}
    rows = []
    for n_cores in sizes:
        print(f"... {n_cores} cores", file=sys.stderr, flush=True)
        rows.append(measure(n_cores, args.seed, args.quick, reference_per_core))

    per_neuron = None
    if 4096 in sizes:
        print("... 4096 cores, per-neuron parameters", file=sys.stderr, flush=True)
        per_neuron = measure_per_neuron(4096, args.seed, args.quick)
    print("... memory bandwidth", file=sys.stderr, flush=True)
    bandwidth = memory_bandwidth(repeats=3 if args.quick else 5)

    print(table(rows))
    print(
        f"memory bandwidth: copy {bandwidth['copy_gb_s']:.1f} GB/s (read + write), "
        f"sum {bandwidth['read_gb_s']:.1f} GB/s on one thread, "
        f"{bandwidth['read_gb_s_all_threads']:.1f} GB/s on "
        f"{numba.get_num_threads()} (best of {bandwidth['repeats']}, "
        f"{bandwidth['array_bytes'] // 2**20} MiB arrays)"
    )
    by_cores = {r["cores"]: r for r in rows}
    targets = {}
    if 64 in by_cores:
        targets["fast_vs_reference_at_64_cores"] = {
            "target": TARGET_RATIO_64,
            "measured": by_cores[64]["speedup"],
            "met": by_cores[64]["speedup"] >= TARGET_RATIO_64,
        }
    if 4096 in by_cores:
        targets["fast_ticks_per_s_at_4096_cores"] = {
            "target": TARGET_CHIP_TICKS_PER_S,
            "measured": by_cores[4096]["fast_ticks_per_s"],
            "met": by_cores[4096]["fast_ticks_per_s"] >= TARGET_CHIP_TICKS_PER_S,
        }
        chip = by_cores[4096]
        print(
            f"full chip: {chip['fast_ticks_per_s']:,.1f} ticks/s best window "
            f"({chip['fast_ticks_per_s_median']:,.1f} median, "
            f"{'parallel' if chip['fast_parallel'] else 'serial'}), beside "
            f"{bandwidth['copy_gb_s']:.1f} GB/s copy bandwidth; "
            + (
                f"{'parallel' if chip['fast_other_mode']['parallel'] else 'serial'} "
                f"{chip['fast_other_mode']['ticks_per_s']:,.1f} best "
                f"({chip['fast_other_mode']['ticks_per_s_median']:,.1f} median); "
                if "fast_other_mode" in chip
                else ""
            )
            + f"numba "
            f"{numba.__version__}; core paths {chip['fast_core_paths']}"
        )
        print(
            f"full chip, per-neuron weights and thresholds: "
            f"{per_neuron['fast_ticks_per_s']:,.1f} ticks/s best window "
            f"({per_neuron['fast_ticks_per_s_median']:,.1f} median, "
            f"{'parallel' if per_neuron['fast_parallel'] else 'serial'}, "
            f"{per_neuron['rate_hz']:.1f} Hz); core paths "
            f"{per_neuron['fast_core_paths']}"
        )
        print(
            f"fast emulator build (validation, flat arrays, routes) at 4096 cores: "
            f"{chip['fast_build_s']:.1f} s"
        )
    checked = [r for r in rows if "emulators_agree" in r]
    if checked:
        print(
            "fast and reference count the same activity over the reference's ticks "
            f"at {', '.join(str(r['cores']) for r in checked)} cores: "
            f"{all(r['emulators_agree'] for r in checked)}"
        )
    for name, t in targets.items():
        print(
            f"target {name}: {t['measured']:,.1f} vs {t['target']} -> "
            f"{'met' if t['met'] else 'NOT met'}"
        )

    result = {
        "benchmark": "bench_emulators",
        "workload": "benchmark_model: ~20 Hz, 128 synapses per neuron, all routed",
        "quick": args.quick,
        "seed": args.seed,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpu_count": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
            "numba": numba.__version__,
            "numba_threading_layer": _threading_layer(),
            "numpy": np.__version__,
            "python": platform.python_version(),
            "load_average_start": load_start,
            "load_average_end": list(os.getloadavg()),
        },
        "memory_bandwidth": bandwidth,
        "rows": rows,
        "full_chip_per_neuron": per_neuron,
        "targets": targets,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
