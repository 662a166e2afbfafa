"""Why a NengoDL-trained recurrent network loses accuracy on the chip: ablations.

Each row runs the spiking network of ``benchmarks/trained_rnn.py`` in
``nengo.Simulator`` with one (or all) of the chip's differences from Nengo put back
into the Nengo model, so that each difference is measured on its own:

- the recurrent weights on 16 or 8 levels per post neuron, and as the chip realizes
  them (read back from the compiled chip: ``levels * weight_scale / threshold``);
- the chip's loop latency: the recurrent ``Lowpass`` followed by 1 or 2 more steps
  (``nengo_truenorth.training.LoopLatency``);
- the chip's neuron: ``SpikingRectifiedLinear`` rectifies the *current* (a negative
  input leaves the potential alone), the chip neuron adds the signed input to its
  potential and floors the potential at 0 (:class:`NeuronVariant`);
- the host input relays: each hidden neuron's input current reaches it as the spikes
  of a relay pair worth ``input_range`` (2) thresholds each (:func:`relay_node`);
- the filter neurons: on the chip the posts receive the *spikes* of filter neurons,
  Bernoulli draws with the low-passed rate as probability, not the low-passed value
  (a ``Node`` that draws them, :func:`bernoulli_node`); and, for comparison, an
  unfiltered recurrence (the source spikes themselves, one step late);
- all of the chip's differences at once, next to the chip itself;
- the chip's neuron with each of the others, and with all of them but the weights'
  rounding and the relays' size: the accuracy the filter-neuron design allows once
  weights and relays are exact; and with filter neurons with gain (firing ``G``
  times as often, each spike worth ``1/G``), per source and one per ensemble.

Then the chip itself: with default options, and with the activity measured
(``nengo_truenorth.measure_activity``) with the default 16-level recurrent weights and
with 8 levels (``weight_bits = 3``: three axons per input, so the 128-neuron network's
inputs need no partial sums); and the hidden neurons' spikes per inference, in Nengo
and on the chip.

Nothing is asserted. The table is printed, and the rows go to
``benchmarks/results/trained_rnn_ablations.json`` under the variant's name (a run of
one variant keeps the other's); ``benchmarks/doc_tables.py`` writes docs/training.md's
tables from it. Run with ``.venv-dl/bin/python benchmarks/trained_rnn_ablations.py``
(trains the 128-neuron network of the benchmark first, about 2 minutes; or pass
``--weights`` a file written by ``trained_rnn.py --save-weights``, which
``--variant constrained`` needs). About 4 minutes per variant on 2 cores.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import nengo
import numpy as np
from nengo.neurons import SpikingRectifiedLinear
from nengo.params import BoolParam, NumberParam

sys.path.insert(0, str(Path(__file__).parent))
import trained_rnn as T  # noqa: E402

from nengo_truenorth.training.digits import sample_runner, sequence_input  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "trained_rnn_ablations.json"


class NeuronVariant(SpikingRectifiedLinear):
    """``SpikingRectifiedLinear`` with the chip's differences switched on or off.

    The chip runs ``SpikingRectifiedLinear`` as integrate-and-fire that adds the signed
    input to the potential, floors the potential at 0 and fires at most once per step,
    linear reset (the chip's mapping: ``negative_saturation`` at ``β = 0``):
    ``NeuronVariant(rectify=False, one_spike=True, floor=0)``, the dynamics of
    :class:`nengo_truenorth.ChipSpikingRectifiedLinear` (the same spikes; this class
    adds the counters below and the other variants). Nengo's neuron adds
    ``max(J, 0)`` instead, so a negative input does not take back the potential
    earlier inputs left (the two agree for a constant input), and may fire several
    times in one step.

    Counts in :attr:`taken` the potential that negative input removed (thresholds,
    only where there was potential to take) and in :attr:`fired` the spikes
    (``benchmarks/trained_rnn_neuron.py`` reports them).

    Parameters
    ----------
    rectify : bool
        Add ``max(J, 0)`` (Nengo) instead of ``J`` (the chip).
    one_spike : bool
        At most one spike per step (the chip).
    floor : float
        The potential stops at ``-floor`` thresholds (0 on the chip).
    amplitude : float, optional
    """

    rectify = BoolParam("rectify")
    one_spike = BoolParam("one_spike")
    floor = NumberParam("floor", low=0)

    def __init__(self, rectify, one_spike, floor, amplitude=1.0):
        super().__init__(amplitude=amplitude)
        self.rectify, self.one_spike, self.floor = rectify, one_spike, floor
        self.taken = self.fired = 0.0

    def step(self, dt, J, output, voltage):
        drive = (np.maximum(J, 0) if self.rectify else J) * dt
        after = np.maximum(voltage + drive, -self.floor)
        self.taken += float(
            np.sum(np.clip(voltage, 0, None) - np.clip(after, 0, None), where=drive < 0)
        )
        voltage[...] = after
        spikes = np.floor(np.maximum(voltage, 0))
        if self.one_spike:
            spikes = np.minimum(spikes, 1)
        output[...] = (self.amplitude / dt) * spikes
        voltage -= spikes
        self.fired += float(spikes.sum())


def bernoulli_node(n, copies=1, seed=0, scale=T.SCALE, dt=0.001, gain=1.0):
    """A Node that turns a low-passed spike train into Bernoulli spikes with that
    rate, as the chip's filter neurons fire (``passes/filters.py``); with ``copies``,
    the mean of that many independent filter neurons per source (each worth
    ``1 / copies`` of a spike); with ``gain`` (per source or one), filter neurons that
    fire ``gain`` times as often, each spike worth ``1 / gain``."""
    rng = np.random.RandomState(seed)
    height = 1.0 / scale / dt  # one spike of the spiking network, in Nengo
    gain = np.broadcast_to(np.asarray(gain, dtype=float), (n,))

    def draw(t, y):
        p = np.clip(gain * y / height, 0, 1)
        return rng.binomial(copies, p) * (height / copies / gain)

    return nengo.Node(draw, size_in=n, size_out=n, label="filter neurons")


def relay_node(n, unit, scale=T.SCALE, dt=0.001):
    """A Node that passes each hidden neuron's input current on as the chip's host
    input relays do: an on and an off sigma-delta neuron per hidden neuron, whose
    spike is worth ``unit`` thresholds (``input_range``, 2 by default: sized for the
    largest input, not for the real one) (``passes/fan_in.py``)."""
    acc = np.zeros((2, n))
    height = unit / (scale * dt)  # the current that adds `unit` thresholds in a step

    def relay(t, y):
        if t <= dt:  # a fresh run (sim.reset() restarts at t = dt)
            acc[:] = 0
        acc[0] += np.maximum(y, 0) * scale * dt  # thresholds this step, on and off
        acc[1] += np.maximum(-y, 0) * scale * dt
        spikes = acc >= unit
        acc[spikes] -= unit
        return (spikes[0].astype(float) - spikes[1]) * height

    return nengo.Node(relay, size_in=n, size_out=n, label="host input relays")


def build(
    weights,
    W_rec=None,
    extra_steps=0,
    chip_neuron=False,
    recurrence="lowpass",
    input_relays=False,
    relay_unit=None,
    copies=1,
    gain=1.0,
):
    """The spiking network with some of the chip's differences.

    recurrence : {"lowpass", "bernoulli", "unfiltered"}
        Nengo's filtered value; Bernoulli spikes of the filtered rate (filter
        neurons); the source spikes, one step late.
    input_relays : bool
        The input currents through the chip's host input relays (:func:`relay_node`,
        one step late), each spike worth ``relay_unit`` thresholds (default
        ``input_range``).
    copies : int
        Filter neurons per source for ``"bernoulli"`` (:func:`bernoulli_node`).
    gain : float or (n,) ndarray
        Filter-neuron gain for ``"bernoulli"`` (:func:`bernoulli_node`).
    """
    from nengo_truenorth.options import BuildOptions
    from nengo_truenorth.training import LoopLatency

    w = dict(weights)
    if W_rec is not None:
        w["W_rec"] = W_rec
    n = w["W_rec"].shape[0]
    lowpass = nengo.Lowpass(T.TAU)
    synapse = LoopLatency(lowpass, extra_steps) if extra_steps else lowpass
    if recurrence == "unfiltered":
        synapse = LoopLatency(None, extra_steps=1 + extra_steps)
    net = T.build_network(n, weights=w, rec_synapse=synapse)
    T.to_spiking(net)
    if chip_neuron:
        net.ens.neuron_type = NeuronVariant(
            rectify=False, one_spike=True, floor=0.0, amplitude=1.0 / T.SCALE
        )
    if recurrence == "bernoulli":
        rec = T.recurrent_connection(net)
        with net:
            node = bernoulli_node(n, copies, gain=gain)
            nengo.Connection(net.ens.neurons, node, synapse=synapse)
            nengo.Connection(node, net.ens.neurons, transform=w["W_rec"], synapse=None)
        net.connections.remove(rec)
    if input_relays:
        (inp,) = [c for c in net.all_connections if c.pre_obj is net.inp]
        with net:
            node = relay_node(n, relay_unit or BuildOptions().input_range)
            nengo.Connection(net.inp, node, transform=w["W_in"], synapse=None)
            nengo.Connection(
                node, net.ens.neurons, synapse=LoopLatency(None, extra_steps=1)
            )
        net.connections.remove(inp)
    return net


def chip_recurrent_weights(weights):
    """The recurrent weights as the compiled chip realizes them, in Nengo's units
    (thresholds per spike): ``levels * weight_scale / threshold`` of the edge from the
    filter neurons into the hidden neurons, mapped back to the source neurons; with
    what the levels lose, and the compiled chip's cores (all, of the groups, of the
    splitters)."""
    import nengo_truenorth

    net = T.build_network(weights["W_rec"].shape[0], weights=weights)
    T.to_spiking(net)
    with nengo_truenorth.Simulator(net, progress_bar=False) as sim:
        hidden = sim.model.chip_ensembles[net.ens].group
        edges = sim.model.graph.edges

        def dense(levels):
            return (
                levels.toarray() if hasattr(levels, "toarray") else np.asarray(levels)
            )

        (into_filters,) = [
            e for e in edges if e.pre is hidden and "filters" in str(e.post.label)
        ]
        (from_filters,) = [
            e for e in edges if e.pre is into_filters.post and e.post is hidden
        ]
        source = np.argmax(np.abs(dense(into_filters.levels)), axis=1)
        q = dense(from_filters.levels)
        scale = hidden.weight_scale[:, None] / hidden.params["threshold"][:, None]
        realized = np.zeros_like(weights["W_rec"])
        realized[:, source] = q * scale
        info = {
            "levels": sorted(int(v) for v in np.unique(q)),
            "zeroed": float(np.mean((q == 0) & (weights["W_rec"][:, source] != 0))),
            "relative_error": float(
                np.linalg.norm(realized - weights["W_rec"])
                / np.linalg.norm(weights["W_rec"])
            ),
        }
        resources = {
            k: int(v)
            for k, v in sim.resources().items()
            if k in ("cores", "group_cores", "splitter_cores")
        }
    return realized, info, resources


def peak_rates(weights, train_data):
    """The hidden neurons' peak low-passed rates, in spikes per tick, measured as
    ``nengo_truenorth.measure_activity`` does on 30 training samples."""
    import nengo_truenorth

    net = T.build_network(weights["W_rec"].shape[0], weights=weights)
    T.to_spiking(net)
    activity = nengo_truenorth.measure_activity(
        net, sample_runner(net, train_data[0]), apply=False
    )
    return activity[net.ens].peak_rates * 0.001


def hidden_spikes(weights, simulator, data, n):
    """Hidden-neuron spikes per inference."""
    net = T.build_network(weights["W_rec"].shape[0], weights=weights)
    T.to_spiking(net)
    with net:
        probe = nengo.Probe(net.ens.neurons)
    x, _ = data
    play = sequence_input(net, x.shape[1])
    total = 0
    with simulator(net, progress_bar=False) as sim:
        for k in range(n):
            play(sim, x[k])
            total += int((sim.data[probe] > 0).sum())
    return total / n


def main(argv=None):
    import nengo_truenorth
    from nengo_truenorth.training import ChipDense

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--weights", type=Path, help="weights saved by trained_rnn.py --save-weights"
    )
    parser.add_argument("--task", default="digits-rows-128", choices=list(T.TASKS))
    parser.add_argument("--variant", default="plain", choices=T.VARIANTS)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--n", type=int, default=300, help="test samples per row")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    train_data, test_data = T.digits_sequences(args.seed)
    if args.weights:
        prefix = f"{args.task}/" + (
            "" if args.variant == "plain" else f"{args.variant}/"
        )
        weights = T.load_weights(args.weights, prefix)
    else:
        if args.variant != "plain":
            parser.error(
                "--variant needs --weights (from trained_rnn.py --save-weights)"
            )
        net = T.build_network(T.TASKS[args.task], seed=args.seed)
        T.train(net, [train_data], args.epochs, seed=args.seed)
        weights = T.network_weights(net)
    print(f"[{time.perf_counter() - start:.0f} s] weights ready", flush=True)

    W = weights["W_rec"]
    chip_W, chip_info, chip_resources = chip_recurrent_weights(weights)
    peak = peak_rates(weights, train_data)
    levels16 = ChipDense(W.shape, init=W, bits=4).sample()
    chip_diffs = {
        "W_rec": chip_W,
        "extra_steps": 2,
        "chip_neuron": True,
        "input_relays": True,
    }
    floor = {"chip_neuron": True, "extra_steps": 2, "recurrence": "bernoulli"}
    # (key, label, options): the key names the row in the JSON and the docs
    rows = [
        ("spiking", "nengo.Simulator, spiking", {}),
        ("levels_16", "recurrent weights, 16 levels per row", {"W_rec": levels16}),
        (
            "levels_8",
            "recurrent weights, 8 levels per row",
            {"W_rec": ChipDense(W.shape, init=W, bits=3).sample()},
        ),
        (
            "chip_weights",
            (
                "recurrent weights as the chip realizes them (levels "
                f"{chip_info['levels']}, {chip_info['zeroed']:.0%} zeroed, relative "
                f"error {chip_info['relative_error']:.2f})"
            ),
            {"W_rec": chip_W},
        ),
        ("latency_1", "recurrent Lowpass + 1 step", {"extra_steps": 1}),
        (
            "latency_2",
            "recurrent Lowpass + 2 steps (the chip's loop)",
            {"extra_steps": 2},
        ),
        (
            "chip_neuron",
            "chip neuron (signed input, potential floored at 0)",
            {"chip_neuron": True},
        ),
        (
            "input_relays",
            "input currents through the host input relays (2 thresholds a spike)",
            {"input_relays": True},
        ),
        (
            "unfiltered",
            "recurrence unfiltered (source spikes, 1 step late)",
            {"recurrence": "unfiltered"},
        ),
        (
            "bernoulli",
            "recurrence as Bernoulli spikes of the filtered rate (filter neurons)",
            {"recurrence": "bernoulli"},
        ),
        (
            "all",
            (
                "all of the chip's: chip weights + 2 steps + chip neuron + relays + "
                "Bernoulli"
            ),
            {**chip_diffs, "recurrence": "bernoulli"},
        ),
        ("all_but_bernoulli", "all but the Bernoulli spikes", chip_diffs),
        # what would help: smaller relay spikes, more filter neurons per source
        (
            "relays_0.25",
            "input relays worth 0.25 thresholds a spike",
            {"input_relays": True, "relay_unit": 0.25},
        ),
        (
            "bernoulli_8",
            "Bernoulli recurrence, 8 filter neurons per source (each 1/8 of a spike)",
            {"recurrence": "bernoulli", "copies": 8},
        ),
        (
            "all_with_both",
            "all of the chip's, with both of these",
            {**chip_diffs, "relay_unit": 0.25, "recurrence": "bernoulli", "copies": 8},
        ),
        # the chip's neuron with each of the others: what remains if weights and
        # relays were exact (the floor of the filter-neuron design)
        (
            "neuron_relays_0.1",
            "chip neuron + input relays sized to the real input (0.1 thresholds)",
            {"chip_neuron": True, "input_relays": True, "relay_unit": 0.1},
        ),
        (
            "neuron_latency",
            "chip neuron + the chip's loop latency",
            {"chip_neuron": True, "extra_steps": 2},
        ),
        (
            "neuron_bernoulli",
            "chip neuron + Bernoulli recurrence",
            {"chip_neuron": True, "recurrence": "bernoulli"},
        ),
        (
            "neuron_bernoulli_4",
            "chip neuron + Bernoulli recurrence, 4 filter neurons per source",
            {"chip_neuron": True, "recurrence": "bernoulli", "copies": 4},
        ),
        (
            "floor",
            "chip neuron + latency + Bernoulli (exact weights, no input relays)",
            floor,
        ),
        (
            "floor_gain_per_source",
            "the same, filter neurons with gain 1 / peak per source (at most 10)",
            {**floor, "gain": np.clip(1.0 / peak, 1, 10)},
        ),
        (
            "floor_gain_median",
            "the same, one gain 1 / median peak (as the chip does)",
            {**floor, "gain": np.floor(1.0 / np.median(peak))},
        ),
        (
            "floor_levels_16_relays_0.1",
            "the same with 16-level weights and relays at 0.1 thresholds",
            {**floor, "W_rec": levels16, "input_relays": True, "relay_unit": 0.1},
        ),
    ]
    print(f"{args.task}, {args.variant}, {args.n} test samples")
    print("| nengo.Simulator with | accuracy |\n|---|---|")
    results = []
    for key, label, options in rows:
        acc, _ = T.spiking_accuracy(
            build(weights, **options), test_data, nengo.Simulator, args.n
        )
        results.append({"key": key, "label": label, "accuracy": acc})
        print(f"| {label} | {acc:.3f} |", flush=True)
    acc, info = T.spiking_accuracy(
        build(weights), test_data, nengo_truenorth.Simulator, args.n
    )
    print(f"| *nengo_truenorth.Simulator* ({info['cores']} cores) | {acc:.3f} |")
    # the chip with the activity measured (as trained_rnn.py's last columns), with
    # 16-level and with 8-level recurrent weights (3 axons per input: no partial sums)
    measured = {}
    for bits in (None, 3):
        net = build(weights)
        nengo_truenorth.add_params(net)
        if bits is not None:
            net.config[T.recurrent_connection(net)].weight_bits = bits
        nengo_truenorth.measure_activity(net, sample_runner(net, train_data[0]))
        acc_m, info_m = T.spiking_accuracy(
            net, test_data, nengo_truenorth.Simulator, args.n
        )
        key = "default" if bits is None else f"weight_bits_{bits}"
        measured[key] = {"accuracy": acc_m, "cores": info_m["cores"]}
        print(
            f"| *nengo_truenorth.Simulator*, measured activity, recurrent "
            f"weight_bits {bits or 'default'} ({info_m['cores']} cores) | {acc_m:.3f} |"
        )
    n_spikes = min(args.n, 100)
    spikes = {
        name: hidden_spikes(weights, sim, test_data, n_spikes)
        for name, sim in [
            ("nengo", nengo.Simulator),
            ("chip", nengo_truenorth.Simulator),
        ]
    }
    print(
        f"hidden-neuron spikes per inference ({n_spikes} samples): "
        f"nengo {spikes['nengo']:.0f}, chip {spikes['chip']:.0f} "
        f"(ratio {spikes['nengo'] / max(spikes['chip'], 1):.2f})"
    )
    total_s = time.perf_counter() - start
    print(f"[{total_s:.0f} s] done")

    command = "python benchmarks/trained_rnn_ablations.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    saved = json.loads(args.out.read_text()) if args.out.exists() else {}
    saved.setdefault("variants", {})[args.variant] = {
        "command": command.strip(),
        "commit": T.git_commit(),
        "task": args.task,
        "weights": (
            f"{args.weights}" if args.weights else f"trained here, {args.epochs} epochs"
        ),
        "n": args.n,
        "seed": args.seed,
        "rows": results,
        "chip": {"accuracy": acc, "cores": info["cores"]},
        "chip_measured": measured,
        "chip_weights": chip_info,
        "chip_resources": chip_resources,
        "hidden_spikes_per_inference": {"n": n_spikes, **spikes},
        "machine": f"{platform.machine()}, python {platform.python_version()}",
        "total_s": round(total_s, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(saved, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
