"""Tables of the docs, generated from the benchmarks' JSON rather than typed.

A table in a Markdown page sits between two markers::

    <!-- table: trained_rnn -->
    | ... generated ... |
    <!-- end table -->

``python benchmarks/doc_tables.py`` rewrites every marked table from its JSON (in
``benchmarks/results/``; a few tables are computed from the package itself);
``--check`` only compares, and exits 1 naming the tables that differ
(``tests/test_doc_tables.py`` runs the check). Each table has one function here, named
in :data:`TABLES`.

Figures quoted in the prose are checked, not rewritten: :data:`QUOTES` renders, from
the same JSON, the phrases each page must hold, and both modes exit 1 naming any
phrase a page lacks.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs"
MARKED = re.compile(
    r"(<!-- table: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end table -->)", re.S
)


def trained_rnn_table(results):
    """docs/training.md: the trained recurrent networks, default and measured."""
    lines = [
        "| network | variant | NengoDL rate | nengo spiking "
        "| nengo spiking + chip loop latency | chip, default | cores "
        "| µJ / inference | **chip, measured activity** | cores | µJ / inference |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        chip, measured = row["chip"], row["chip_measured"]
        latency = row["nengo_spiking_chip_latency"]
        # the chip-dynamics variant runs on the chip's own loop: no latency to add
        latency = "(its own)" if latency is None else f"{latency:.3f}"
        lines.append(
            f"| digits rows, {row['neurons']} neurons | {row['variant']} "
            f"| {row['nengo_dl_rate']:.3f} | {row['nengo_spiking']:.3f} "
            f"| {latency} | {row['chip_spiking']:.3f} "
            f"| {chip['cores']} | {chip['uj_per_inference']:.1f} "
            f"| **{row['chip_spiking_measured']:.3f}** | {measured['cores']} "
            f"| {measured['uj_per_inference']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def _speed(x):
    """A speed as docs/chip.md writes it: whole numbers from 1,000 on, then one
    decimal, then three significant digits."""
    return f"{x:,.0f}" if x >= 1000 else f"{x:.1f}" if x >= 10 else f"{x:.3g}"


def emulators_table(results):
    """docs/chip.md: the reference and fast emulators on 1, 64 and 4,096 cores."""
    lines = [
        "| cores | neurons | rate (Hz) | synaptic events / tick | reference (ticks/s) "
        "| fast, best window (ticks/s) | fast, median | ratio | fast × real time |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["rows"]:
        extrapolated = row["reference_method"] != "measured"
        real_time = row["fast_x_real_time"]
        cells = [
            f"{row['cores']:,}",
            f"{row['neurons']:,}",
            f"{row['rate_hz']:.1f}",
            f"{row['synaptic_events_per_tick']:,.0f}",
            _speed(row["reference_ticks_per_s"])
            + (" (extrapolated)" if extrapolated else ""),
            _speed(row["fast_ticks_per_s"]),
            _speed(row["fast_ticks_per_s_median"]),
            ("≈ " if extrapolated else "") + f"{row['speedup']:,.0f}×",
            (_speed(real_time) if real_time >= 1 else f"{real_time:.2f}") + "×",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def filter_policy_table(results):
    """docs/simulator.md: filter neurons against the path's delay, per tau."""
    rows = results["feedforward_policy"]
    taus = " | ".join(f"{r['tau']:g}" for r in rows)
    lines = [
        f"| `τ` (s) | {taus} |",
        "|---" * (len(rows) + 1) + "|",
        "| filter neurons | "
        + " | ".join(f"{r['rmse_filter_neurons']:.3f}" for r in rows)
        + " |",
        "| path's delay | "
        + " | ".join(f"{r['rmse_path_delay']:.3f}" for r in rows)
        + " |",
    ]
    return "\n".join(lines) + "\n"


def decode_table(results):
    """docs/simulator.md: the chain with classic decode blocks and with banks."""
    by = {(r["mode"], r["n_ensembles"]): r for r in results["chain"]}
    sizes = sorted({n for _, n in by})
    lines = [
        "| N | cores, classic | cores, banks | splitter cores "
        "| RMSE mean / max, classic | RMSE mean / max, banks "
        "| chip / Nengo ticks per s, classic | banks |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        c, b = by[("classic", n)], by[("sign-plane", n)]
        lines.append(
            f"| {n} | {c['cores']} | {b['cores']} "
            f"| {c['splitter_cores']} → {b['splitter_cores']} "
            f"| {c['rmse_mean']:.3f} / {c['rmse_max']:.3f} "
            f"| {b['rmse_mean']:.3f} / {b['rmse_max']:.3f} "
            f"| {c['chip_ticks_per_s']:,.0f} / {c['nengo_ticks_per_s']:,.0f} "
            f"| {b['chip_ticks_per_s']:,.0f} / {b['nengo_ticks_per_s']:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def chains_table(results):
    """docs/simulator.md: the benchmark chains, chip against nengo.Simulator."""
    lines = [
        "| N | cores | Nengo build s | chip build s | Nengo ticks/s | chip ticks/s "
        "| ratio | emulator ms/tick | RMSE last | RMSE max |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["chains"]:
        if r.get("dimensions", 1) != 1:
            continue
        lines.append(
            f"| {r['n_ensembles']} | {r['cores']} | {r['nengo_build_s']:.2f} "
            f"| {r['chip_build_s']:.2f} | {r['nengo_ticks_per_s']:,.0f} "
            f"| {r['chip_ticks_per_s']:,.0f} | {r['speed_ratio']:.2f} "
            f"| {r['chip_emulator_ms_per_tick']:.3f} | {r['rmse_last']:.3f} "
            f"| {r['rmse_max']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def chains_2d_table(results):
    """docs/simulator.md: issue 14's chains of 1-D and 2-D ensembles, with neurons
    by role and the speed ratio of the best windows."""
    lines = [
        "| N | dimensions | cores | neurons: ensembles / decode / filters / "
        "splitters / copies | Nengo ticks/s | chip ticks/s | ratio (windows) "
        "| RMSE mean / max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["chains"]:
        roles = r["neurons_by_role"]
        ratios = r.get("speed_ratio_windows", [r["speed_ratio"]])
        lines.append(
            f"| {r['n_ensembles']} | {r['dimensions']} | {r['cores']} "
            f"| {roles['neurons']:,} / {roles.get('decode', 0):,} / "
            f"{roles.get('filters', 0):,} / {roles['splitters']:,} / "
            f"{roles.get('copies', 0):,} "
            f"| {r['nengo_ticks_per_s']:,.0f} | {r['chip_ticks_per_s']:,.0f} "
            f"| {r['speed_ratio']:.2f} ({_span(ratios, '.2f')}) "
            f"| {r['rmse_mean']:.3f} / {r['rmse_max']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def fan_in_table(results):
    """docs/simulator.md: wide ensembles through the fan-in pass, cores and the RMS
    error of the settled decoded constant (nengo.Simulator in brackets)."""
    lines = ["| network | cores | host → a | a → b |", "|---|---|---|---|"]
    for r in results["networks"]:
        chip, nengo = r["chip_rms"], r["nengo_rms"]
        lines.append(
            f"| {r['dimensions']}-D, {r['neurons']:,} → {r['neurons']:,} neurons "
            f"({r['fan_in']}) | {r['cores']} "
            f"| {chip['a']:.3f} ({nengo['a']:.3f}) | {chip['b']:.3f} ({nengo['b']:.3f}) |"
        )
    return "\n".join(lines) + "\n"


def saturation_table(results):
    """docs/simulator.md: a channel driven beyond its radius, chip against Nengo,
    with Simulator.saturation()'s figures and the warning."""
    lines = [
        "| x | Nengo: a, b | chip: a, b | a's decode neurons: fraction, worst "
        "| a's neurons | warned |",
        "|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['x']} | {r['nengo']['a']:.2f}, {r['nengo']['b']:.2f} "
            f"| {r['chip']['a']:.2f}, {r['chip']['b']:.2f} "
            f"| {r['a_decode']['fraction']:.1%}, {r['a_decode']['worst']:.1%} "
            f"| {r['a_neurons']:.1%} | {'yes' if r['warned'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def fsdd_output(results):
    """docs/sigmadelta/fsdd.md: what the spoken-digit command printed."""
    lines = [line.rstrip() for line in results["table"]] + [results["last_line"]]
    return "```\n" + "\n".join(lines) + "\n```\n"


def fsdd_seeds_table(results):
    """docs/sigmadelta/fsdd.md: the spoken-digit accuracies per seed."""
    lines = [
        "| seed | float ANN | 3-bit ANN | ΣΔ SNN, Nengo | ΣΔ, TrueNorth emulator "
        f"| chip cores, {results['seeds'][0]['chip']['copies']} copies |",
        "|---|---|---|---|---|---|",
    ]
    for r in results["seeds"]:
        chip = r["chip"]
        lines.append(
            f"| {r['seed']} | {r['float_ann']:.4f} | {r['ann']:.4f} | {r['snn']:.4f} "
            f"| {chip['accuracy']:.4f} | {chip['cores']} ({chip['group_cores']} + "
            f"{chip['splitter_cores']} splitter) |"
        )
    return "\n".join(lines) + "\n"


def convnet_table(results):
    """docs/convnets.md: the digit convnet per seed, float / trinary / on chip."""
    lines = [
        "| seed | float | trinary | **on chip** | cores | latency (ticks) "
        "| frames/s at the 1 kHz tick | emulator frames/s (this machine) "
        "| mW at real time | µJ / image |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['seed']} | {r['float']:.3f} | {r['trinary']:.3f} "
            f"| **{r['chip']:.3f}** | {r['cores']} | {r['latency']} | 1,000 "
            f"| {r['emulator_fps']:,.0f} | {r['mw']:.1f} | {r['uj_per_image']:.1f} |"
        )
    m = results["summary"]

    def pm(key, fmt):
        return f"{m[key]['mean']:{fmt}} ± {m[key]['std']:{fmt}}"

    lines.append(
        f"| mean ± std | {pm('float', '.3f')} | {pm('trinary', '.3f')} "
        f"| **{pm('chip', '.3f')}** | {m['cores']['mean']:.0f} | | 1,000 "
        f"| {m['emulator_fps']['mean']:,.0f} | {m['mw']['mean']:.1f} "
        f"| {m['uj_per_image']['mean']:.1f} |"
    )
    return "\n".join(lines) + "\n"


def qc_table(results):
    """docs/qc.md: every setup of the question classifier, mean ± std over seeds,
    Diehl et al.'s figure beside."""
    from nengo_truenorth.qc.__main__ import ROWS

    m, n = results["summary"], len(results["rows"])
    bits = results["rows"][0]["weight_bits"]
    lines = [
        f"| setup | accuracy, mean ± std over {n} seeds | Diehl et al. 2016 |",
        "|---|---|---|",
    ]
    for key, setup, paper in ROWS:
        value = f"{m[key]['mean']:.3f} ± {m[key]['std']:.3f}"
        if key == "chip":
            setup, value = f"**{setup}**", f"**{value}**"
        ref = "" if paper is None else f"{paper:.3f}"
        lines.append(f"| {setup.format(b=bits)} | {value} | {ref} |")
    return "\n".join(lines) + "\n"


def qc_seeds_table(results):
    """docs/qc.md: the classifier per seed, with the chip's figures."""
    lines = [
        "| seed | float | after training: on chip | quantized in training "
        "| its chip | chip-aware: **on chip** | cores | ticks / question "
        "| µW | µJ / question | emulator questions/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['seed']} | {r['float']:.3f} | {r['chip_post']:.3f} | {r['qat']:.3f} "
            f"| {r['qat_chip']:.3f} | **{r['chip']:.3f}** | {r['cores']} "
            f"| {r['ticks_per_question']:.0f} | {r['power_uw']:.1f} "
            f"| {r['uj_per_question']:.2f} | {r['emulator_questions_per_s']:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def qc_bits_table(results):
    """docs/qc.md: accuracy against weight bits (qc_bits.json and the 4-bit rows
    of qc.json)."""
    summaries = {int(b): r["summary"] for b, r in results["bits"].items()}
    main = json.loads((RESULTS / "qc.json").read_text(encoding="utf-8"))
    summaries[int(main["rows"][0]["weight_bits"])] = main["summary"]
    seeds = {int(b): len(r["rows"]) for b, r in results["bits"].items()}
    seeds[int(main["rows"][0]["weight_bits"])] = len(main["rows"])
    keys = (
        ("float", "float"),
        ("weights", "weights quantized after training"),
        ("activities", "weights and activities quantized after training"),
        ("chip_post", "on chip, quantized after training"),
        ("qat", "quantized in training"),
        ("qat_chip", "quantized in training, on chip"),
        ("chip", "on chip, chip-aware training"),
    )
    lines = [
        "| weight bits | seeds | " + " | ".join(label for _, label in keys) + " |",
        "|---" * (len(keys) + 2) + "|",
    ]
    for b in sorted(summaries):
        s = summaries[b]
        cells = " | ".join(f"{s[k]['mean']:.3f} ± {s[k]['std']:.3f}" for k, _ in keys)
        lines.append(f"| {b} | {seeds[b]} | {cells} |")
    return "\n".join(lines) + "\n"


def _ablations_label(results):
    """The row labels of docs/training.md's ablation tables, by key."""
    info = {v: r["chip_weights"] for v, r in results["variants"].items()}
    levels = sorted({(min(i["levels"]), max(i["levels"])) for i in info.values()})
    realized = "; ".join(
        f"{v}: {i['zeroed']:.0%} of them zeroed, relative error {i['relative_error']:.2f}"
        for v, i in info.items()
    ).replace("%", " %")
    return {
        "spiking": "nothing changed (spiking)",
        "levels_16": "recurrent weights on 16 levels per row (`ChipDense(bits=4)`'s grid)",
        "levels_8": "recurrent weights on 8 levels per row",
        "chip_weights": "recurrent weights as the chip realizes them (levels "
        + ", ".join(f"{lo}..{hi}".replace("-", "−") for lo, hi in levels)
        + f"; {realized})",
        "latency_1": "recurrent `Lowpass` + 1 step",
        "latency_2": "recurrent `Lowpass` + 2 steps (the chip's loop)",
        "chip_neuron": "the chip's neuron: signed input, potential floored at 0",
        "input_relays": "input currents through the host input relays "
        "(2 thresholds a spike)",
        "unfiltered": "recurrence unfiltered (the source spikes, 1 step late)",
        "bernoulli": "recurrence as Bernoulli spikes of the filtered rate "
        "(the filter neurons)",
        "all": "**all of the chip's differences together**",
        "all_but_bernoulli": "all but the Bernoulli spikes",
        "relays_0.25": "input relays worth 0.25 thresholds a spike",
        "bernoulli_8": "Bernoulli recurrence from 8 filter neurons per source "
        "(each 1/8 of a spike)",
        "all_with_both": "all of the chip's differences, with these two changes",
        "neuron_relays_0.1": "input relays sized to the real input "
        "(0.1 thresholds a spike)",
        "neuron_latency": "the chip's loop latency (+2 steps)",
        "neuron_bernoulli": "Bernoulli recurrence (filter neurons)",
        "neuron_bernoulli_4": "Bernoulli recurrence, 4 filter neurons per source",
        "floor": "**latency + Bernoulli, exact weights, no input relays**",
        "floor_gain_per_source": "the same, filter neurons with gain `1 / peak` "
        "per source (at most 10)",
        "floor_gain_median": "the same, one gain `1 / median peak` "
        "(as the chip does with measured activity)",
        "floor_levels_16_relays_0.1": "the same with 16-level weights and relays at "
        "0.1 thresholds",
    }


def _ablations_rows(results, keys, lines, bold=()):
    variants = list(results["variants"])
    label = _ablations_label(results)
    acc = {
        v: {row["key"]: row["accuracy"] for row in r["rows"]}
        for v, r in results["variants"].items()
    }
    for key in keys:
        if key == "chip":
            cells = [
                f"*{results['variants'][v]['chip']['accuracy']:.3f}*" for v in variants
            ]
            lines.append(
                "| *the chip* (`nengo_truenorth.Simulator`) | "
                + " | ".join(cells)
                + " |"
            )
            continue
        mark = "**" if key in bold else ""
        cells = [f"{mark}{acc[v][key]:.3f}{mark}" for v in variants]
        lines.append(f"| {label[key]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def ablations_table(results):
    """docs/training.md: one of the chip's differences at a time in nengo.Simulator."""
    variants = list(results["variants"])
    lines = [
        "| `nengo.Simulator` with | " + " | ".join(variants) + " |",
        "|---" * (len(variants) + 1) + "|",
    ]
    keys = [
        "spiking", "levels_16", "levels_8", "chip_weights", "latency_1", "latency_2",
        "chip_neuron", "input_relays", "unfiltered", "bernoulli", "all",
        "all_but_bernoulli", "chip", "relays_0.25", "bernoulli_8", "all_with_both",
    ]  # fmt: skip
    return _ablations_rows(results, keys, lines, bold={"all"})


def ablations_floor_table(results):
    """docs/training.md: the chip's neuron with each of its other differences."""
    variants = list(results["variants"])
    lines = [
        "| `nengo.Simulator` with the chip's neuron (signed input, floor at 0) and | "
        + " | ".join(variants)
        + " |",
        "|---" * (len(variants) + 1) + "|",
    ]
    keys = [
        "chip_neuron", "neuron_relays_0.1", "neuron_latency", "neuron_bernoulli",
        "neuron_bernoulli_4", "floor", "floor_gain_per_source", "floor_gain_median",
        "floor_levels_16_relays_0.1",
    ]  # fmt: skip
    text = _ablations_rows(results, keys, lines, bold={"floor"})
    return text.replace(_ablations_label(results)["chip_neuron"], "nothing else")


def neuron_variants_table(results):
    """docs/training.md: the chip's neuron taken apart (trained_rnn_neuron.py)."""
    tasks = results["tasks"]
    names = list(tasks)
    lines = [
        "| `nengo.Simulator`, the hidden neurons | "
        + " | ".join(f"{t} accuracy" for t in names)
        + " | potential taken back / spikes per inference |",
        "|---" * (len(names) + 2) + "|",
    ]
    for i, row in enumerate(tasks[names[0]]["rows"]):
        cells = [f"{tasks[t]['rows'][i]['accuracy']:.3f}" for t in names]
        taken = [
            f"{r['taken_per_inference']:.0f} / {r['spikes_per_inference']:.0f}"
            for r in (tasks[t]["rows"][i] for t in names)
            if "taken_per_inference" in r
        ]
        lines.append(
            f"| {row['label']} | " + " | ".join(cells) + f" | {'; '.join(taken)} |"
        )
    return "\n".join(lines) + "\n"


def ablations_spikes(results):
    """docs/training.md: hidden-neuron spikes per inference, Nengo against the chip."""
    parts = []
    for variant, r in results["variants"].items():
        s = r["hidden_spikes_per_inference"]
        parts.append(
            f"{s['nengo']:.0f} in Nengo against {s['chip']:.0f} on the chip for the "
            f"{variant} network ({s['nengo'] / s['chip']:.1f}× fewer)"
        )
    n = next(iter(results["variants"].values()))["hidden_spikes_per_inference"]["n"]
    return (
        f"Hidden-neuron spikes per inference ({n} samples): " + "; ".join(parts) + ".\n"
    )


def hybrid_table(results):
    """docs/sigmadelta/hybrid.md: rate, converted and hybrid-trained accuracies."""
    lines = [
        "| model | (a) rate | (b) converted, spiking | (c) hybrid-trained, spiking "
        "| spikes / unit / step (b) | (c) |",
        "|---|---|---|---|---|---|",
    ]
    names = {"lprnn": "lpRNN", "lmu": "LMU"}

    def pm(m, key):
        return f"{m[key]['mean']:.3f} ± {m[key]['std']:.3f}"

    for model, m in results["summary"].items():
        lines.append(
            f"| {names.get(model, model)} | {pm(m, 'rate')} | {pm(m, 'converted')} "
            f"| {pm(m, 'hybrid')} | {m['spikes_per_unit_step_converted']['mean']:.2f} "
            f"| {m['spikes_per_unit_step_hybrid']['mean']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def _minus(x, fmt):
    """``x`` formatted, with a typographic minus sign."""
    return f"{x:{fmt}}".replace("-", "−")


def sigmadelta_encoding_table(results):
    """docs/sigmadelta/neuron.md: the two resets on constant drives."""
    lines = [
        "| reset | J [Hz] | rate − J [Hz] | worst count error [spikes] | (x̂ − i)/k |",
        "|---|---|---|---|---|",
    ]
    for r in results["encoding"]["rows"]:
        lo, hi = r["gap_over_kick"]
        rate_error = r["rate_error_hz"] + 0.0  # no "-0.00"
        lines.append(
            f"| {r['reset']} | {r['drive_hz']:.1f} | {_minus(rate_error, '.2f')} "
            f"| {r['worst_count_error']:.2f} "
            f"| [{_minus(lo, '+.2f')}, {_minus(hi, '+.2f')}] |"
        )
    return "\n".join(lines).replace("−0.00 ", "0.00 ") + "\n"


def sigmadelta_lprnn_table(results):
    """docs/sigmadelta/lprnn.md: a random lpRNN layer, rate and spiking, against the
    ANN, per number of SNN steps per ANN step."""
    lines = [
        "| SNN steps per ANN step | neurons | mean \\|h − h_ann\\| | max \\|h − h_ann\\| "
        "| spikes / unit / ANN step |",
        "|---|---|---|---|---|",
    ]
    for r in results["lprnn"]["rows"]:
        spikes = r["spikes_per_unit_per_ann_step"]
        lines.append(
            f"| {r['snn_steps_per_ann_step']} | {r['neurons']} | {r['mean_error']:.4f} "
            f"| {r['max_error']:.4f} | {'–' if spikes is None else f'{spikes:.2f}'} |"
        )
    return "\n".join(lines) + "\n"


def _ms(seconds):
    ms = seconds * 1000
    return f"{ms:.4g} ms" if ms < 1000 else f"{seconds:.3g} s"


def filter_design_table(results):
    """docs/sigmadelta/truenorth.md: the filter design's error and refusals by tau."""
    design = results["design"]
    lines = [
        "| `tau` | worst \\|realized / tau − 1\\| | refused (of "
        f"{design['ranges'][0]['taus']:,}) |",
        "|---|---|---|",
    ]
    for r in design["ranges"]:
        refused = r["refused_range_s"]
        lines.append(
            f"| {_ms(r['tau_min_s'])} to {_ms(r['tau_max_s'])} "
            f"| {100 * r['worst_error']:.2f} % | {r['refused']}"
            + (f" ({_ms(refused[0])} to {_ms(refused[1])})" if refused else "")
            + " |"
        )
    return "\n".join(lines) + "\n"


def filter_step_table(results):
    """docs/sigmadelta/truenorth.md: filter neurons' step response, Nengo and chip."""
    lines = [
        "| seed | rise, Nengo [ms] | rise, chip [ms] | fall, Nengo [ms] "
        "| fall, chip [ms] | plateau, chip [Hz] |",
        "|---|---|---|---|---|---|",
    ]
    for r in results["step"]["rows"]:
        lines.append(
            f"| {r['seed']} | {r['rise_nengo_ms']:.2f} | {r['rise_chip_ms']:.2f} "
            f"| {r['fall_nengo_ms']:.2f} | {r['fall_chip_ms']:.2f} "
            f"| {r['plateau_chip_hz']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def lprnn_chip_table(results):
    """docs/sigmadelta/truenorth.md: a random lpRNN layer in Nengo and on the chip."""
    lines = [
        "| seed | mean \\|h_ann\\| | Nengo − ANN | chip − ANN | chip − Nengo: mean, max "
        "| recurrent weight energy lost |",
        "|---|---|---|---|---|---|",
    ]
    for r in results["lprnn"]["rows"]:
        lines.append(
            f"| {r['seed']} | {r['mean_abs_h_ann']:.3f} | {r['nengo_vs_ann']:.4f} "
            f"| {r['chip_vs_ann']:.4f} | {r['chip_vs_nengo_mean']:.4f}, "
            f"{r['chip_vs_nengo_max']:.4f} | {100 * r['recurrent_weight_error']:.1f} % |"
        )
    return "\n".join(lines) + "\n"


def energy_power_table(_):
    """docs/energy.md: full-chip power by rate and operating point, computed by
    ``energy.full_chip_power`` (no JSON: the figures follow from the constants)."""
    from nengo_truenorth import energy

    rates = (0, 10, 20, 50)
    lines = [
        "| mean rate | " + " | ".join(f"{r} Hz" for r in rates) + " |",
        "|---" * (len(rates) + 1) + "|",
    ]
    for op in (energy.MEROLLA_2014, energy.AKOPYAN_2015):
        power = [
            energy.full_chip_power(rate_hz=r, active_synapses=128, operating_point=op)
            for r in rates
        ]
        lines.append(
            f"| {op.name} | " + " | ".join(f"{p * 1e3:.1f} mW" for p in power) + " |"
        )
    return "\n".join(lines) + "\n"


def energy_derived_table(_):
    """docs/energy.md: the figures derived from the published ones, computed from
    ``nengo_truenorth.energy``'s constants."""
    from nengo_truenorth import energy as e

    mw = 1e3
    merolla_total = e.MEROLLA_2014_CHIP_POWER / e.MEROLLA_2014_REFERENCE_SOPS
    sops = f"{e.MEROLLA_2014_REFERENCE_SOPS / 1e9:.3f} × 10⁹"
    rows = [
        (
            "static power per core",
            f"{e.IDLE_CHIP_POWER * mw:g} mW / {e.CORES_PER_CHIP} "
            f"(idle chip at {e.IDLE_VOLTAGE:.2f} V)",
            f"{e.STATIC_POWER_PER_CORE * 1e6:.2f} µW",
        ),
        (
            "Merolla 2014 reference activity",
            f"{e.CORES_PER_CHIP * e.NEURONS_PER_CORE:,} neurons × "
            f"{e.MEROLLA_2014_RATE:g} Hz × {e.MEROLLA_2014_ACTIVE_SYNAPSES} synapses",
            f"{sops} events/s",
        ),
        (
            f"active energy per event, Merolla 2014 ({e.MEROLLA_2014_VOLTAGE:g} V)",
            f"({e.MEROLLA_2014_CHIP_POWER * mw:g} − {e.IDLE_CHIP_POWER * mw:g}) mW / "
            f"{sops}",
            f"{e.MEROLLA_2014_ENERGY_PER_SYNAPTIC_EVENT * 1e12:.2f} pJ "
            f'({merolla_total * 1e12:.1f} pJ in total: the published "26 pJ")',
        ),
        (
            f"active energy per event, Akopyan 2015 ({e.AKOPYAN_2015_VOLTAGE:g} V)",
            f"({e.AKOPYAN_2015_CHIP_POWER * mw:g} − {e.IDLE_CHIP_POWER * mw:g}) mW / "
            f"({e.AKOPYAN_2015_SOPS_PER_WATT / 1e9:g} GSOPS/W × "
            f"{e.AKOPYAN_2015_CHIP_POWER * mw:g} mW)",
            f"{e.AKOPYAN_2015_ENERGY_PER_SYNAPTIC_EVENT * 1e12:.2f} pJ",
        ),
        (
            "most events a core sustains per tick",
            f"{e.PEAK_SOPS_PER_CHIP / 1e9:g} GSOPS / {e.CORES_PER_CHIP} / 1000",
            f"{e.PEAK_SYNAPTIC_EVENTS_PER_CORE_PER_TICK:,.0f}",
        ),
        (
            '"scaled by cores" power',
            f"{e.MEROLLA_2014_CHIP_POWER * mw:g} mW / {e.CORES_PER_CHIP}",
            f"{e.MEROLLA_2014.scaled_power_per_core * 1e6:.2f} µW per core",
        ),
    ]
    lines = ["| figure | arithmetic | value |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines) + "\n"


#: Table name -> (JSON file in benchmarks/results, function that renders it from the
#: file's contents); a file of None: the function computes the table from the package.
TABLES = {
    "trained_rnn": ("trained_rnn.json", trained_rnn_table),
    "emulators": ("emulators.json", emulators_table),
    "convnet": ("convnet.json", convnet_table),
    "qc": ("qc.json", qc_table),
    "qc_seeds": ("qc.json", qc_seeds_table),
    "qc_bits": ("qc_bits.json", qc_bits_table),
    "filter_policy": ("simulator.json", filter_policy_table),
    "decode": ("decode.json", decode_table),
    "chains": ("simulator.json", chains_table),
    "chains_2d": ("simulator_2d.json", chains_2d_table),
    "fan_in": ("fan_in.json", fan_in_table),
    "saturation": ("saturation.json", saturation_table),
    "fsdd_output": ("fsdd.json", fsdd_output),
    "fsdd_seeds": ("fsdd.json", fsdd_seeds_table),
    "trained_rnn_ablations": ("trained_rnn_ablations.json", ablations_table),
    "trained_rnn_floor": ("trained_rnn_ablations.json", ablations_floor_table),
    "trained_rnn_spikes": ("trained_rnn_ablations.json", ablations_spikes),
    "trained_rnn_neuron": ("trained_rnn_neuron.json", neuron_variants_table),
    "hybrid": ("hybrid.json", hybrid_table),
    "sigmadelta_encoding": ("sigmadelta_figures.json", sigmadelta_encoding_table),
    "sigmadelta_lprnn": ("sigmadelta_figures.json", sigmadelta_lprnn_table),
    "filter_design": ("sigmadelta_truenorth.json", filter_design_table),
    "filter_step": ("sigmadelta_truenorth.json", filter_step_table),
    "lprnn_chip": ("sigmadelta_truenorth.json", lprnn_chip_table),
    "energy_power": (None, energy_power_table),
    "energy_derived": (None, energy_derived_table),
}


# -- figures quoted in prose ------------------------------------------------------
#
# A figure in a sentence cannot be regenerated without rewriting the sentence, so it is
# checked instead: each function below returns the phrases, rendered from the JSON, that
# its page must contain (compared with runs of whitespace as one space). When a
# benchmark's figures change, the check names the phrases to rewrite by hand.


def _span(values, fmt, sep="–"):
    """``lo–hi`` of ``values`` (one value if they round alike)."""
    lo, hi = (f"{v:{fmt}}" for v in (min(values), max(values)))
    return lo if lo == hi else f"{lo}{sep}{hi}"


def _hybrid_sweep(results, model, key):
    runs = results["runs"][model]
    return dict(
        zip(
            runs[0]["sweep"]["amplitudes"],
            [sum(v) / len(v) for v in zip(*(r["sweep"][key] for r in runs))],
        )
    )


def hybrid_quotes(results):
    """docs/sigmadelta/hybrid.md."""
    s = results["summary"]
    lp, lmu = s["lprnn"], s["lmu"]

    def points(a, b):
        return f"{100 * (a['mean'] - b['mean']):.0f}"

    rate_lp = _hybrid_sweep(results, "lprnn", "rate_trained")
    rate_lmu = _hybrid_sweep(results, "lmu", "rate_trained")
    hyb_lp = _hybrid_sweep(results, "lprnn", "hybrid_trained")
    hyb_lmu = _hybrid_sweep(results, "lmu", "hybrid_trained")
    seconds = sum(r["seconds"] for runs in results["runs"].values() for r in runs)
    return [
        f"{seconds:.0f} s wall",
        f"drops the lpRNN by {points(lp['rate'], lp['converted'])} points and the LMU "
        f"by {points(lmu['rate'], lmu['converted'])}",
        f"within {100 * (lp['rate']['mean'] - lp['hybrid']['mean']):.1f} points of the "
        f"rate network and recovers {points(lmu['hybrid'], lmu['converted'])} of the "
        f"LMU's {points(lmu['rate'], lmu['converted'])} points",
        f"to `a = 6/4` ({rate_lp[1.5]:.3f}) and falls after ({rate_lp[3.0]:.3f} at "
        "`6/2`)",
        f"already loses {100 * (rate_lmu[0.0] - rate_lmu[0.75]):.0f} points at `6/8` "
        f"and {100 * (rate_lmu[0.0] - rate_lmu[1.5]):.0f} at `6/4`",
        f"(lpRNN {_span(hyb_lp.values(), '.3f')}, LMU {_span(hyb_lmu.values(), '.3f')})",
        f"its rate accuracy ({lmu['rate']['mean']:.2f})",
    ]


def sigmadelta_truenorth_quotes(results):
    """docs/sigmadelta/truenorth.md."""
    ranges = results["design"]["ranges"]
    by_low = {round(r["tau_min_s"], 3): r for r in ranges}
    refused = [r["refused_range_s"] for r in ranges if r["refused_range_s"]]
    steps = results["step"]["rows"]
    slower = [r["rise_chip_ms"] - r["rise_nengo_ms"] for r in steps] + [
        r["fall_chip_ms"] - r["fall_nengo_ms"] for r in steps
    ]
    lprnn = results["lprnn"]
    delay = lprnn["delay_recurrence"]
    worst_to_1s = max(by_low[t]["worst_error"] for t in (0.003, 0.01, 0.1))
    return [
        f"within {100 * worst_to_1s:.2f} % from 3 ms to 1 s and "
        f"{100 * by_low[1.0]['worst_error']:.2f} % to 2 s",
        f"from {1000 * refused[0][0]:.3f} to {1000 * refused[0][1]:.3f} ms",
        f"some from {refused[1][0]:.2f} s on",
        f"The chip is {_span(slower, '.1f')} ms slower",
        f"chip is {lprnn['without_recurrence']['chip_vs_nengo_mean']:.3f} from Nengo",
        "its integer weights lose "
        + _span([100 * r["recurrent_weight_error"] for r in lprnn["rows"]], ".1f")
        + " %",
        f"gives {delay[0]['chip_vs_nengo_mean']:.2f} and "
        f"{delay[1]['chip_vs_nengo_mean']:.2f} for seeds {delay[0]['seed']} and "
        f"{delay[1]['seed']}",
    ]


def sigmadelta_neuron_quotes(results):
    """docs/sigmadelta/neuron.md."""
    enc = results["encoding"]
    rows = {(r["reset"], r["drive_hz"]): r for r in enc["rows"]}
    capped = rows[("zero", 990.0)]
    return [
        f"`tau_fb = {1000 * enc['tau_fb_s']:.1f} ms`, kick `k = {enc['kick_hz']:.2f} Hz`",
        f"rate error of {_minus(rows[('subtract', 123.4)]['rate_error_hz'], '.2f')} Hz "
        "at 123.4 Hz",
        f"about `k/2 ≈ {enc['kick_hz'] / 2:.0f} Hz` too often",
        f"at 990 Hz it is {capped['rate_error_hz']:.0f} Hz over",
    ]


def sigmadelta_lprnn_quotes(results):
    """docs/sigmadelta/lprnn.md: the measured layer's figures, and the worked numbers
    of the scaling rules (from ``nengo_sigmadelta`` itself)."""
    import numpy as np

    from nengo_sigmadelta import lprnn_mapping, snn_time_constant

    lprnn = results["lprnn"]
    zeros = np.zeros((1, 1))
    mapping = lprnn_mapping(zeros, zeros, np.zeros(1), 0.8, 6.0, 10)
    return [
        f"`U` of spectral norm {lprnn['u_spectral_norm']:.2f}",
        f"mean `|h_ann|` = {lprnn['mean_abs_h_ann']:.3f}",
        f"about 9.5 steps, that is {float(snn_time_constant(0.8, 9.5)):.1f} steps",
        f"(`mapping.trace_kick`): {float(np.ravel(mapping.trace_kick)[0]):.3f} for "
        "`r = 0.8`, `n = 10`, `a_max = 6`",
        f"`S`: {2**3 * 6:d} for the paper's `k = 3`, `a_max = 6`",
    ]


def fsdd_quotes(results):
    """docs/sigmadelta/fsdd.md: the prose under the spoken-digit tables."""
    s, seeds = results["summary"], results["seeds"]
    per_seed = (
        ", ".join(_minus(100 * (r["snn"] - r["ann"]), "+.1f") for r in seeds[:-1])
        + f" and {_minus(100 * (seeds[-1]['snn'] - seeds[-1]['ann']), '+.1f')}"
    )
    steps = s["snn_steps_per_inference"]
    units = results["config"]["hidden"]
    copies = s["chip_copies"]
    per_copy = [r["chip"]["cores"] / copies for r in seeds]
    groups = [r["chip"]["group_cores"] / copies for r in seeds]
    splitters = [r["chip"]["splitter_cores"] / copies for r in seeds]
    energy = s["chip_energy_per_inference_j"][0] * 1e6
    static = s["chip_energy_components_per_inference_j"]["static"][0] * 1e6
    return [
        f"3 seeds; {results['wall_s'] / 60:.1f} minutes",
        f"reaches {s['snn'][0]:.3f} ± {s['snn'][1]:.3f} at 10 SNN steps",
        f"({s['ann'][0]:.3f} ± {s['ann'][1]:.3f}; per seed {per_seed} points)",
        f"{s['ann'][0]:.3f} against {s['float_ann'][0]:.3f} for float",
        f"about {round(s['spikes_per_inference'][0], -1):,.0f} hidden spikes",
        f"{steps:.0f} SNN steps on average ({steps / 10:.1f} frames × 10)",
        f"about {s['spikes_per_inference'][0] / steps / units:.2f} spikes per neuron",
        f"about {round(s['synops_per_inference'][0], -4):,.0f} synaptic operations",
        f"loses {100 * (s['snn'][0] - s['chip_accuracy'][0]):.0f} points "
        f"({s['chip_accuracy'][0]:.3f} ± {s['chip_accuracy'][1]:.3f})",
        f"fire {100 * (s['chip_spikes_per_inference'][0] / s['spikes_per_inference'][0] - 1):.0f} % more spikes",
        f"takes {_span(per_copy, '.0f')} cores: {_span(groups, '.0f')} hold",
        f"{_span(splitters, '.0f')} are splitters",
        f"{static:.0f} of {energy:.0f} µJ per inference",
    ]


def emulators_quotes(results):
    """docs/chip.md: the emulator benchmark's prose."""
    rows = {r["cores"]: r for r in results["rows"]}
    full = rows[4096]
    chip_met = results["targets"]["fast_ticks_per_s_at_4096_cores"]["met"]
    bandwidth = results["memory_bandwidth"]
    return [
        f"met ({rows[64]['speedup']:,.0f}×)",
        f"{'met' if chip_met else 'not met'} "
        f"({full['fast_ticks_per_s']:.1f} ticks/s best window, "
        f"{full['fast_ticks_per_s_median']:.0f} median, "
        f"{full['fast_x_real_time']:.2f}× real time)",
        f"copies {bandwidth['copy_gb_s']:.1f} GB/s",
        f"moves {full['synaptic_events_per_tick'] / 1e6:.1f} million synaptic events",
        f"takes {full['fast_build_s']:.1f} s (`fast_build_s`)",
        f"random full-chip model takes {full['model_generation_s']:.1f} s",
        f"serially {full['fast_other_mode']['ticks_per_s']:.1f} ticks/s best window "
        f"({full['fast_other_mode']['ticks_per_s_median']:.1f} median)",
    ] + (
        []
        if results.get("full_chip_per_neuron") is None
        else [
            "its own weights and threshold: "
            f"{results['full_chip_per_neuron']['fast_ticks_per_s']:.1f} ticks/s best "
            f"window ({results['full_chip_per_neuron']['fast_ticks_per_s_median']:.1f}"
            " median)"
        ]
    )


def energy_quotes(_):
    """docs/energy.md: the prose beside the generated tables."""
    from nengo_truenorth import energy as e

    akopyan = e.full_chip_power(20, 128, e.AKOPYAN_2015)
    more = e.AKOPYAN_2015_REFERENCE_SOPS / e.MEROLLA_2014_REFERENCE_SOPS - 1
    return [
        f"gives {akopyan * 1e3:.1f} mW at Merolla's activity",
        f"implies {100 * more:.0f} % more activity",
    ]


#: trained_rnn.py's tasks: label -> hidden neurons (as its ``TASKS``).
TASK_NEURONS = {"digits-rows-128": 128, "digits-rows-64": 64}


def _trained_rows(results):
    """trained_rnn.json's rows by (neurons, variant)."""
    return {(r["neurons"], r["variant"]): r for r in results["rows"]}


def demo_lines(results):
    """The two result lines ``make demo`` prints (nengo_truenorth.demo_training), as
    the benchmark's 64-neuron rows give them: the demo trains the same networks."""
    rows = _trained_rows(results)
    inference_s = 8 * 10 * 0.001
    lines = []
    # the demo's names for the benchmark's variants
    for variant, name in (("plain", "plain"), ("chip dynamics", "chip-trained")):
        r = rows[(64, variant)]
        chip = r["chip_measured"]
        lines.append(
            f"{name:12s} | {r['nengo_dl_rate']:12.3f} | {r['nengo_spiking']:15.3f} "
            f"| {r['chip_spiking']:13.3f} | {r['chip_spiking_measured']:23.3f} "
            f"| {chip['cores']:10d} | {chip['uj_per_inference']:14.1f} "
            f"| {chip['uj_per_inference'] / inference_s / 1e3:15.2f}"
        )
    return lines


def readme_quotes(results):
    """README.md: what ``make demo`` reaches (the benchmark's 64-neuron rows)."""
    rows = _trained_rows(results)
    plain, chip = rows[(64, "plain")], rows[(64, "chip dynamics")]
    return [
        f"The plain network reaches {plain['chip_spiking_measured']:.2f} on the chip "
        f"where `nengo.Simulator` gets {plain['nengo_spiking']:.2f}; the one retrained "
        f"with the chip's dynamics {chip['chip_spiking_measured']:.2f} where "
        f"`nengo.Simulator` gets {chip['nengo_spiking']:.2f}"
    ]


def chip_dynamics_quotes(results):
    """docs/training.md: the chip-dynamics variant's figures in the prose."""
    rows = _trained_rows(results)
    p128, p64 = rows[(128, "plain")], rows[(64, "plain")]
    c128, c64 = rows[(128, "chip dynamics")], rows[(64, "chip dynamics")]

    def chip(r):
        return r["chip_spiking_measured"]

    def energy(r):
        return f"{r['chip_measured']['uj_per_inference']:.0f}"

    def paired(c):
        """Digits only one run gets right, and McNemar's p-value."""
        return (
            f"{c['only_b']} digits right on the chip only, {c['only_a']} in "
            f"`nengo.Simulator` only (McNemar's p = {c['p_value']:.2f})"
        )

    return [
        f"{chip(c64):.3f} on the chip against {c64['nengo_spiking']:.3f} in "
        f"`nengo.Simulator` (64 neurons), {chip(c128):.3f} against "
        f"{c128['nengo_spiking']:.3f} (128 neurons, at most 64 inputs per neuron)",
        f"{chip(c64):.3f} against {c64['nengo_spiking']:.3f} (64 neurons) and "
        f"{chip(c128):.3f} against {c128['nengo_spiking']:.3f} (128 neurons), "
        "with measured activity",
        f"against their own runs: 64 neurons, {paired(c64['chip_measured_vs_nengo'])}; "
        f"128 neurons, {paired(c128['chip_measured_vs_nengo'])}",
        f"({p64['nengo_spiking']:.3f} for 64 neurons, {p128['nengo_spiking']:.3f} "
        "for 128)",
        f"64 neurons, {paired(c64['chip_measured_vs_plain_nengo'])}; 128 neurons, "
        f"{paired(c128['chip_measured_vs_plain_nengo'])}",
        f"({c128['chip_spiking']:.3f} and {c64['chip_spiking']:.3f} on the chip)",
        f"({c128['chip_measured']['cores']} and {c64['chip_measured']['cores']} cores, "
        f"{energy(c128)} and {energy(c64)} µJ, against {energy(p128)} and "
        f"{energy(p64)} µJ with measured activity)",
        f"With default options the plain networks get {p128['chip_spiking']:.3f} and "
        f"{p64['chip_spiking']:.3f} on the chip; with measured activity "
        f"{chip(p128):.3f} and {chip(p64):.3f}",
    ]


def integers_quotes(results):
    """docs/training.md: the chip's integers and the host's spikes put back into
    Nengo (trained_rnn_integers.py)."""
    a = results["tasks"]["digits-rows-128"]["accuracy"]
    return [
        f"`nengo.Simulator` gets {a['nengo']:.3f} as trained, {a['chip_biases']:.3f} "
        f"with the chip's biases, {a['chip_starts']:.3f} with its starting potentials, "
        f"{a['chip_biases_and_starts']:.3f} with both, "
        f"{a['chip_host_spikes']:.3f} with the host's spikes in place of its currents "
        f"and {a['chip_all']:.3f} with all three, where the chip gets {a['chip']:.3f}"
    ]


def training_quotes(results):
    """docs/training.md: the trained-RNN benchmark's figures in the prose."""
    rows = _trained_rows(results)
    p128, c128 = rows[(128, "plain")], rows[(128, "constrained")]
    p64, c64 = rows[(64, "plain")], rows[(64, "constrained")]
    plain = [p128, p64]

    def acc(*values):
        return ", ".join(f"{v:.3f}" for v in values)

    def points(a, b):
        return f"{100 * (a - b):.0f}"

    # the energy prose reads the Lowpass networks (the chip-dynamics ones have
    # their own sentence, chip_dynamics_quotes)
    lowpass = [r for r in results["rows"] if r["variant"] in ("plain", "constrained")]
    default_static = [
        100
        * r["chip"]["uj_per_inference_by_component"]["static"]
        / r["chip"]["uj_per_inference"]
        for r in lowpass
    ]
    dynamic = [
        r["chip_measured"]["uj_per_inference"]
        - r["chip_measured"]["uj_per_inference_by_component"]["static"]
        for r in lowpass
    ]
    dynamic_share = [
        100 * d / r["chip_measured"]["uj_per_inference"]
        for d, r in zip(dynamic, lowpass)
    ]
    mw = [
        r[k]["uj_per_inference"] / 80
        for r in lowpass
        for k in ("chip", "chip_measured")
    ]
    within = points(c64["nengo_spiking"], c64["chip_spiking_measured"])
    return demo_lines(results) + [
        f"{p128['chip_spiking']:.3f} where `nengo.Simulator` gets "
        f"{p128['nengo_spiking']:.3f} (digits, 128 neurons), {p64['chip_spiking']:.3f} "
        f"against {p64['nengo_spiking']:.3f} (64 neurons)",
        f"the 64-neuron networks reach {p64['chip_spiking_measured']:.3f} (plain) and "
        f"{c64['chip_spiking_measured']:.3f} (constraint-aware",
        f"the 128-neuron ones, whose inputs overflow a core, stay at "
        f"{p128['chip_spiking_measured']:.3f} and {c128['chip_spiking_measured']:.3f}",
        "plain networks lose "
        + _span(
            [100 * (r["nengo_spiking"] - r["chip_spiking"]) for r in plain],
            ".0f",
            " to ",
        )
        + " points on the chip",
        f"({p64['chip_spiking']:.3f} → {p64['chip_spiking_measured']:.3f}, "
        f"{c64['chip_spiking']:.3f} → {c64['chip_spiking_measured']:.3f})",
        f"within {within} point{'' if within == '1' else 's'} "
        f"of its own `nengo.Simulator` run ({c64['nengo_spiking']:.3f}) and "
        f"{points(c64['nengo_spiking_chip_latency'], c64['chip_spiking_measured'])} of "
        f"its run with the chip's latency ({c64['nengo_spiking_chip_latency']:.3f}); "
        f"the plain one stays "
        f"{points(p64['nengo_spiking'], p64['chip_spiking_measured'])} points below",
        "The 128-neuron networks stay far off "
        f"({acc(p128['chip_spiking_measured'], c128['chip_spiking_measured'])})",
        f"the plain networks drop to {p128['nengo_spiking_chip_latency']:.3f} and "
        f"{p64['nengo_spiking_chip_latency']:.3f}. The constrained ones, trained with "
        f"that latency, hold {c128['nengo_spiking_chip_latency']:.3f} and "
        f"{c64['nengo_spiking_chip_latency']:.3f}",
        f"({c64['chip_spiking_measured']:.3f} against "
        f"{p64['chip_spiking_measured']:.3f} for 64 neurons)",
        f"With default options {_span(default_static, '.1f', ' to ')} % of each figure "
        "is static power",
        f"grow to {_span(dynamic, '.1f', ' to ')} µJ "
        f"({_span(dynamic_share, '.0f', ' to ')} % of the total)",
        f"the chip draws {_span(mw, '.2f', ' to ')} mW",
        f"The 64-neuron network does better on the chip ({p64['chip_spiking']:.3f})",
        f"lands on the chip at that floor with default options ({p64['chip_spiking']:.3f})",
    ]


def ablation_quotes(results):
    """docs/training.md: the ablations' figures in the prose."""
    v = results["variants"]
    p = {row["key"]: row["accuracy"] for row in v["plain"]["rows"]}
    c = {row["key"]: row["accuracy"] for row in v["constrained"]["rows"]}
    chip_p, chip_c = (
        v["plain"]["chip"]["accuracy"],
        v["constrained"]["chip"]["accuracy"],
    )
    bits3 = [v[k]["chip_measured"]["weight_bits_3"] for k in ("plain", "constrained")]
    cores = v["plain"]["chip_resources"]
    spikes = v["plain"]["hidden_spikes_per_inference"]
    return [
        f"({p['all']:.3f} against {chip_p:.3f}, and {c['all']:.3f} against "
        f"{chip_c:.3f})",
        f"**The filter neurons' spikes ({p['spiking']:.3f} → {p['bernoulli']:.3f}).**",
        f"with no filter at all ({p['unfiltered']:.3f})",
        f"**The host input relays (→ {p['input_relays']:.3f}).**",
        f"**One weight scale per neuron (→ {p['chip_weights']:.3f}).**",
        f"{v['plain']['chip_weights']['zeroed']:.0%} of them become 0".replace(
            "%", " %"
        ),
        f"keep 16 levels per row ({p['levels_16']:.3f}), or 8 at a cost "
        f"({p['levels_8']:.3f})",
        f"the chip fires about {spikes['nengo'] / spikes['chip']:.0f}× fewer spikes",
        f"**The loop latency (→ {p['latency_2']:.3f}).**",
        f"the network holds {c['latency_2']:.3f} with the chip's timing",
        f"**The neuron (→ {p['chip_neuron']:.3f}).**",
        f"less sensitive to this ({c['chip_neuron']:.3f})",
        f"this works: {p['latency_2']:.3f} becomes {c['latency_2']:.3f}",
        f"the chip gets {bits3[0]['accuracy']:.3f} (plain) and "
        f"{bits3[1]['accuracy']:.3f} (constrained) at {bits3[0]['cores']} and "
        f"{bits3[1]['cores']} cores",
        f"the noise costs no more than the rest: {p['floor_gain_median']:.3f} against "
        f"{p['neuron_latency']:.3f} without it",
        f"costs the plain 128-neuron network {p['spiking']:.3f} → {p['latency_1']:.3f}",
        f"makes it 3 ticks (→ {p['latency_2']:.3f})",
        f"adds its signed input (→ {p['chip_neuron']:.3f},",
        f"leave the plain network {p['floor']:.3f} where `nengo.Simulator` gets {p['spiking']:.3f}",
        f"take the noise away: {p['floor_gain_median']:.3f}, level with the chip's "
        f"neuron and latency alone ({p['neuron_latency']:.3f})",
        f"For the plain 128-neuron network, {cores['group_cores']} cores hold the hidden "
        f"neurons, filter neurons and input relays, spread out by the axon limit, and "
        f"{cores['splitter_cores']} hold splitter neurons",
    ]


def nengo_suite_quotes(_):
    """docs/nengo-suite.md: the build option the accuracy row names."""
    from nengo_truenorth.options import BuildOptions

    tau = BuildOptions().filter_min_tau
    return [f"`τ` below `BuildOptions.filter_min_tau`, {1000 * tau:g} ms"]


def saturation_quotes(results):
    """docs/simulator.md's figures on saturation, from saturation.json: the channel's
    in prose, and the one-LIF-neuron table's rows (typed: it sits in a list item,
    indented, where the markers do not go)."""
    rows = results["rows"]
    top = max(rows, key=lambda r: r["x"])
    warned = min(r["x"] for r in rows if r["warned"])
    return [
        f"level off at about {top['nengo']['a']:.1f}",
        f"clipped by `a`'s decode neurons at about {top['chip']['b']:.1f}",
        f"From x = {warned:g} the warning names `a`",
    ] + [
        f"| {r['x']:g} | {r['nengo_hz']:.0f} | {r['chip_hz']:.0f} "
        f"| {r['saturated']:.0%} |"
        for r in results["lif"]
    ]


def neuron_quotes(results):
    """docs/training.md's figures on the chip's neuron, from trained_rnn_neuron.json."""
    rows = {
        task: {r["key"]: r for r in t["rows"]} for task, t in results["tasks"].items()
    }
    big, small = rows["digits-rows-128"], rows["digits-rows-64"]

    def points(r):
        return f"{100 * (r['nengo']['accuracy'] - r['chip']['accuracy']):.0f}"

    def share(r):
        return f"{100 * r['chip']['taken_per_inference'] / r['chip']['spikes_per_inference']:.0f} %"

    return [
        f"the signed input alone costs {points(big)} points on the 128-neuron network "
        f"and {points(small)} on the 64-neuron one",
        f"only about {share(big)} (128) and {share(small)} (64) of what the neurons fire",
    ]


def qc_quotes(results):
    """docs/qc.md's figures in prose, from qc.json."""
    m = results["summary"]

    def pm(key):
        return f"{m[key]['mean']:.3f} ± {m[key]['std']:.3f}"

    floats = [r["float"] for r in results["rows"]]
    return [
        f"**On the chip: {pm('chip')}** over {len(results['rows'])} seeds",
        f"accuracy ({pm('float')})",
        f"reaches {min(floats):.3f}--{max(floats):.3f}",
        f"4-bit weights alone {pm('weights')}, on the chip {pm('chip_post')}",
        f"recovers the quantized network, {pm('qat')} (stochastic rounding: "
        f"{pm('stochastic')}), but not the chip: {pm('qat_chip')}",
        f"the carried-remainder model of the same integers gives {pm('chip_window')}",
        f"{m['power_uw']['mean']:.1f} µW and {m['uj_per_question']['mean']:.2f} µJ "
        "per question",
        f"{results['rows'][0]['ticks_per_question']} ticks per question",
    ]


def qc_bits_quotes(results):
    """docs/qc.md's figures for fewer weight bits, from qc_bits.json."""
    chip = {int(b): r["summary"]["chip"]["mean"] for b, r in results["bits"].items()}
    return [f"({chip[3]:.3f} on chip)", f"chip-aware training least ({chip[2]:.3f})"]


#: Quoted figures: (page, JSON file in benchmarks/results or None, function of its
#: contents -> the phrases the page must hold).
QUOTES = [
    ("docs/sigmadelta/hybrid.md", "hybrid.json", hybrid_quotes),
    (
        "docs/sigmadelta/truenorth.md",
        "sigmadelta_truenorth.json",
        sigmadelta_truenorth_quotes,
    ),
    ("docs/sigmadelta/fsdd.md", "fsdd.json", fsdd_quotes),
    ("docs/sigmadelta/neuron.md", "sigmadelta_figures.json", sigmadelta_neuron_quotes),
    ("docs/sigmadelta/lprnn.md", "sigmadelta_figures.json", sigmadelta_lprnn_quotes),
    ("docs/chip.md", "emulators.json", emulators_quotes),
    ("docs/energy.md", None, energy_quotes),
    ("docs/nengo-suite.md", None, nengo_suite_quotes),
    ("README.md", "trained_rnn.json", readme_quotes),
    ("docs/training.md", "trained_rnn.json", training_quotes),
    ("docs/training.md", "trained_rnn.json", chip_dynamics_quotes),
    ("docs/training.md", "trained_rnn_integers.json", integers_quotes),
    ("docs/training.md", "trained_rnn_ablations.json", ablation_quotes),
    ("docs/simulator.md", "saturation.json", saturation_quotes),
    ("docs/training.md", "trained_rnn_neuron.json", neuron_quotes),
    ("docs/qc.md", "qc.json", qc_quotes),
    ("docs/qc.md", "qc_bits.json", qc_bits_quotes),
]


def render(name):
    """The Markdown of table ``name`` from its JSON."""
    filename, make = TABLES[name]
    if filename is None:  # computed from the package itself
        return make(None)
    return make(json.loads((RESULTS / filename).read_text(encoding="utf-8")))


def marked_pages():
    """Every Markdown page under docs/ with at least one marked table."""
    return sorted(
        p for p in DOCS.rglob("*.md") if "<!-- table: " in p.read_text("utf-8")
    )


def regenerate(text, where):
    """``text`` with every marked table rendered anew.

    Raises
    ------
    KeyError
        If a marker names a table that :data:`TABLES` lacks (naming ``where``).
    """

    def replace(match):
        name = match["name"]
        if name not in TABLES:
            raise KeyError(
                f"{where}: no generator for table {name!r} ({sorted(TABLES)})"
            )
        return match[1] + render(name) + match[4]

    return MARKED.sub(replace, text)


def _flat(text):
    return " ".join(text.split())


def missing_quotes():
    """``(page, phrase)`` for every quoted figure (:data:`QUOTES`) its page lacks."""
    missing = []
    for page, filename, phrases in QUOTES:
        results = None
        if filename is not None:
            results = json.loads((RESULTS / filename).read_text(encoding="utf-8"))
        text = _flat((ROOT / page).read_text(encoding="utf-8"))
        missing += [(page, q) for q in phrases(results) if _flat(q) not in text]
    return missing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare only; exit 1 if a table differs"
    )
    args = parser.parse_args(argv)
    stale = []
    for page in marked_pages():
        text = page.read_text(encoding="utf-8")
        new = regenerate(text, page.relative_to(ROOT))
        if new != text:
            stale.append(str(page.relative_to(ROOT)))
            if not args.check:
                page.write_text(new, encoding="utf-8")
    missing = missing_quotes()
    for page, phrase in missing:
        print(f"{page}: lacks {phrase!r} (its benchmark's figure; edit the prose)")
    if args.check and stale:
        print("tables differ from their JSON in: " + ", ".join(stale))
        print("run: python benchmarks/doc_tables.py")
        return 1
    for page in stale:
        print(f"rewrote the tables of {page}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
