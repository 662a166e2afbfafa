"""Random hardware models, for testing emulators against each other and benchmarking.

:func:`random_model` draws every feature the chip has -- axon types, crossbars of a
given density, all reset modes, leak reversal, negative saturation and thresholds,
stochastic synapses, leaks and threshold masks, destinations on any core with any
delay (the core itself included), cores on several chips, input and output ports --
from one seeded generator, so that a failing case is reproduced by its seed.
"""

import numpy as np

from ..hardware.limits import (
    AXONS_PER_CORE,
    CHIP_SIZE,
    DELAY_MAX,
    DELAY_MIN,
    LEAK_MAX,
    N_AXON_TYPES,
    NEURON_FIELDS,
    NEURONS_PER_CORE,
    POTENTIAL_MAX,
    POTENTIAL_MIN,
    RESET_POTENTIAL_MAX,
    THRESHOLD_MASK_BITS_MAX,
    THRESHOLD_MAX,
    WEIGHT_MAX,
)
from ..hardware.model import ChipModel


def _crossbars(rng, n_cores, density, synapses_per_neuron):
    """(n_cores, 256, 256) bool crossbars, drawn one core at a time to bound memory."""
    crossbars = np.empty((n_cores, AXONS_PER_CORE, NEURONS_PER_CORE), dtype=bool)
    if synapses_per_neuron is not None:
        # each column is a shuffle of exactly k connected axons
        column = np.arange(AXONS_PER_CORE) < synapses_per_neuron
        template = np.repeat(column[:, None], NEURONS_PER_CORE, axis=1)
        for c in range(n_cores):
            crossbars[c] = rng.permuted(template, axis=0)
    else:
        for c in range(n_cores):
            crossbars[c] = rng.random((AXONS_PER_CORE, NEURONS_PER_CORE)) < density
    return crossbars


def _places(rng, n_cores, chips):
    """Distinct mesh ``(x, y)`` for each core, on a ``chips`` x ``chips`` block."""
    side = CHIP_SIZE * chips
    if n_cores > side * side:
        raise ValueError(f"{n_cores} cores do not fit on {chips} x {chips} chips")
    if chips == 1:
        # row by row, like ChipModel.add_core
        p = np.arange(n_cores)
    else:
        p = rng.choice(side * side, size=n_cores, replace=False)
    return np.column_stack([p % side, p // side])


def _neuron_fields(rng, shape, stochastic_fraction, extreme_fraction):
    """Random values of every per-neuron field, ``shape = (n_cores, 256)``."""
    n4 = shape + (N_AXON_TYPES,)
    f = {
        "weights": rng.integers(-12, 13, size=n4),
        "stochastic_weights": np.zeros(n4, dtype=np.int64),
        "leak": rng.integers(-2, 3, size=shape),
        "stochastic_leak": np.zeros(shape, dtype=np.int64),
        "leak_reversal": (rng.random(shape) < 0.2).astype(np.int64),
        "threshold": rng.integers(1, 100, size=shape),
        "negative_threshold": rng.integers(0, 60, size=shape),
        "threshold_mask_bits": np.zeros(shape, dtype=np.int64),
        "reset_potential": rng.integers(-20, 21, size=shape),
        "reset_mode": rng.choice(3, size=shape, p=[0.45, 0.4, 0.15]),
        "negative_saturation": (rng.random(shape) < 0.5).astype(np.int64),
        "initial_potential": rng.integers(-40, 41, size=shape),
    }

    # stochastic neurons: each stochastic mode on about half of them
    sto = rng.random(shape) < stochastic_fraction
    f["stochastic_weights"] = ((rng.random(n4) < 0.5) & sto[..., None]).astype(np.int64)
    f["stochastic_leak"] = ((rng.random(shape) < 0.5) & sto).astype(np.int64)
    tm = rng.integers(0, 7, size=shape) * (rng.random(shape) < 0.5)
    f["threshold_mask_bits"] = np.where(sto, tm, 0)
    # stochastic synapses need weights of any size to be +-1 with probability |s|/256
    f["weights"] = np.where(
        f["stochastic_weights"] == 1,
        rng.integers(-WEIGHT_MAX, WEIGHT_MAX + 1, size=n4),
        f["weights"],
    )
    f["leak"] = np.where(
        f["stochastic_leak"] == 1,
        rng.integers(-LEAK_MAX, LEAK_MAX + 1, size=shape),
        f["leak"],
    )

    # extreme neurons: full ranges, started near the 20-bit bounds, so that the
    # saturation after steps 2, 3 and 5 and the widest threshold masks are exercised
    ext = rng.random(shape) < extreme_fraction
    near = np.where(
        rng.random(shape) < 0.5,
        POTENTIAL_MAX - rng.integers(0, 300, size=shape),
        POTENTIAL_MIN + rng.integers(0, 300, size=shape),
    )
    big = {
        "weights": rng.integers(-WEIGHT_MAX, WEIGHT_MAX + 1, size=n4),
        "leak": rng.integers(-LEAK_MAX, LEAK_MAX + 1, size=shape),
        "threshold": rng.integers(0, THRESHOLD_MAX + 1, size=shape),
        "negative_threshold": rng.integers(0, THRESHOLD_MAX + 1, size=shape),
        "reset_potential": rng.integers(
            -RESET_POTENTIAL_MAX, RESET_POTENTIAL_MAX + 1, size=shape
        ),
        "initial_potential": near,
    }
    for name, value in big.items():
        mask = ext[..., None] if value.ndim == len(shape) + 1 else ext
        f[name] = np.where(mask, value, f[name])
    wide_tm = rng.integers(0, THRESHOLD_MASK_BITS_MAX + 1, size=shape)
    f["threshold_mask_bits"] = np.where(ext & sto, wide_tm, f["threshold_mask_bits"])
    return f


def random_model(
    rng,
    n_cores,
    density=0.2,
    synapses_per_neuron=None,
    stochastic_fraction=0.0,
    extreme_fraction=0.0,
    routed_fraction=0.9,
    routing="random",
    chips=2,
    n_inputs=16,
    n_outputs=16,
    neurons=None,
):
    """Draw a random, valid :class:`~nengo_truenorth.hardware.ChipModel`.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness: the same seed gives the same model.
    n_cores : int
        Cores in the model. Core ids are distinct but not their positions, so that
        emulators must map ids to positions.
    density : float, optional
        Probability of each crossbar bit (ignored with ``synapses_per_neuron``).
    synapses_per_neuron : int, optional
        Exact number of connected axons of every neuron.
    stochastic_fraction : float, optional
        Fraction of neurons with stochastic modes; each of them draws stochastic
        weights (per axon type), a stochastic leak and a threshold mask of 1..6 bits,
        each with probability 1/2.
    extreme_fraction : float, optional
        Fraction of neurons with full-range weights, leaks, thresholds and reset
        potentials, started within 300 of the 20-bit bounds (saturation), and, when
        stochastic, threshold masks up to 17 bits.
    routed_fraction : float, optional
        Fraction of neurons with a destination.
    routing : {"random", "permutation"}, optional
        ``"random"``: each destination is any axon of any core (the neuron's own core
        included), so several neurons may share an axon. ``"permutation"``: routed
        neurons feed distinct axons, so each axon hears one neuron.
    chips : int, optional
        Cores are placed at random on a ``chips`` x ``chips`` block of chips, so spikes
        cross chip edges; with ``chips=1`` they fill one chip row by row.
    n_inputs, n_outputs : int, optional
        Sizes of input port ``"in"`` (random axons) and output port ``"out"`` (random
        neurons); a port of size 0 is left out.
    neurons : dict of str to array_like, optional
        Fixed values for neuron fields of spec section 2 (``"threshold"``,
        ``"weights"``...), broadcast to ``(n_cores, 256)`` (``(n_cores, 256, 4)`` for
        weights); they replace the random ones.

    Returns
    -------
    ChipModel

    Examples
    --------
    >>> model = random_model(np.random.default_rng(0), 3, stochastic_fraction=0.5)
    >>> len(model.cores), model.is_deterministic
    (3, False)
    """
    shape = (n_cores, NEURONS_PER_CORE)
    fields = _neuron_fields(rng, shape, stochastic_fraction, extreme_fraction)
    for name, value in (neurons or {}).items():
        if name not in NEURON_FIELDS:
            raise KeyError(f"random_model: unknown neuron field {name!r}")
        fields[name] = np.broadcast_to(value, fields[name].shape).astype(np.int64)

    ids = np.sort(rng.choice(4 * n_cores + 4, size=n_cores, replace=False))
    ids = rng.permutation(ids)
    places = _places(rng, n_cores, chips)
    axon_types = rng.integers(0, N_AXON_TYPES, size=(n_cores, AXONS_PER_CORE))
    crossbars = _crossbars(rng, n_cores, density, synapses_per_neuron)
    seeds = rng.integers(0, 2**64, size=n_cores, dtype=np.uint64)

    n = n_cores * NEURONS_PER_CORE
    routed = rng.random(n) < routed_fraction
    if routing == "permutation":
        global_axon = rng.permutation(n_cores * AXONS_PER_CORE)[:n]
    elif routing == "random":
        global_axon = rng.integers(0, n_cores * AXONS_PER_CORE, size=n)
    else:
        raise ValueError(f"routing {routing!r} is not 'random' or 'permutation'")
    target_core = np.where(routed, ids[global_axon // AXONS_PER_CORE], -1).reshape(
        shape
    )
    target_axon = (global_axon % AXONS_PER_CORE).reshape(shape)
    target_delay = rng.integers(DELAY_MIN, DELAY_MAX + 1, size=shape)

    inputs, outputs = {}, {}
    if n_cores > 0 and n_inputs > 0:
        cores = ids[rng.integers(0, n_cores, n_inputs)]
        inputs["in"] = zip(cores, rng.integers(0, AXONS_PER_CORE, n_inputs))
    if n_cores > 0 and n_outputs > 0:
        cores = ids[rng.integers(0, n_cores, n_outputs)]
        outputs["out"] = zip(cores, rng.integers(0, NEURONS_PER_CORE, n_outputs))
    return ChipModel.from_arrays(
        ids=ids,
        xy=places,
        seeds=seeds,
        axon_types=axon_types,
        crossbars=crossbars,
        neurons=fields,
        target_core=target_core,
        target_axon=target_axon,
        target_delay=target_delay,
        inputs=inputs,
        outputs=outputs,
    )


def random_input(rng, model, ticks, rate=0.05, first_tick=0, port="in"):
    """Random spike-file style input for port ``port``: each index spikes with ``rate``.

    Returns
    -------
    dict of str to (n, 2) ndarray of int
        ``{port: [[tick, index], ...]}`` for the ticks from ``first_tick`` on.
    """
    n = len(model.inputs[port])
    t, k = np.nonzero(rng.random((ticks, n)) < rate)
    return {port: np.column_stack([t + first_tick, k]).astype(np.int64)}


#: Firing threshold of :func:`benchmark_model`'s neurons, tuned for 20 Hz.
BENCHMARK_THRESHOLD = 50


def benchmark_model(rng, n_cores, synapses_per_neuron=128):
    """The workload of the chip's published figures: 20 Hz, 128 synapses per neuron.

    Every neuron has exactly ``synapses_per_neuron`` crossbar connections and sends
    its spikes to its own axon (a random permutation of all axons, with delays
    1..15), so the ~20 Hz the neurons fire is also the rate at every axon. Each
    neuron drifts up by its leak of +1 per tick towards a threshold of 50 and is
    kicked by +-2 for each active synapse (types 0 and 2 excite, 1 and 3 inhibit), so
    the input nets out near zero and the rate stays near 1 / 50 ticks = 20 Hz
    whatever the size of the model; potentials are held above -100 by negative
    saturation, and start uniformly below threshold so the cores do not fire in step.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_cores : int
        Cores, filling one chip row by row (4,096 fill it).
    synapses_per_neuron : int, optional

    Returns
    -------
    ChipModel
        Deterministic, with no input or output ports.
    """
    alpha = BENCHMARK_THRESHOLD
    neurons = dict(
        weights=[2, -2, 2, -2],
        stochastic_weights=0,
        leak=1,
        stochastic_leak=0,
        leak_reversal=0,
        threshold=alpha,
        negative_threshold=100,
        threshold_mask_bits=0,
        reset_potential=0,
        reset_mode=0,
        negative_saturation=1,
        initial_potential=rng.integers(0, alpha, size=(n_cores, NEURONS_PER_CORE)),
    )
    return random_model(
        rng,
        n_cores,
        synapses_per_neuron=synapses_per_neuron,
        routed_fraction=1.0,
        routing="permutation",
        chips=1,
        n_inputs=0,
        n_outputs=0,
        neurons=neurons,
    )
