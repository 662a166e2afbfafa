"""Tables of the docs, generated from the benchmarks' JSON rather than typed.

A table in a Markdown page sits between two markers::

    <!-- table: trained_rnn -->
    | ... generated ... |
    <!-- end table -->

``python benchmarks/doc_tables.py`` rewrites every marked table from its JSON (in
``benchmarks/results/``); ``--check`` only compares, and exits 1 naming the tables that
differ (``tests/test_doc_tables.py`` runs the check). Each table has one function
here, named in :data:`TABLES`.
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
        lines.append(
            f"| digits rows, {row['neurons']} neurons | {row['variant']} "
            f"| {row['nengo_dl_rate']:.3f} | {row['nengo_spiking']:.3f} "
            f"| {row['nengo_spiking_chip_latency']:.3f} | {row['chip_spiking']:.3f} "
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


#: Table name -> (JSON file in benchmarks/results, function that renders it).
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


TABLES = {
    "trained_rnn": ("trained_rnn.json", trained_rnn_table),
    "emulators": ("emulators.json", emulators_table),
    "convnet": ("convnet.json", convnet_table),
    "filter_policy": ("simulator.json", filter_policy_table),
    "decode": ("decode.json", decode_table),
    "chains": ("simulator.json", chains_table),
    "fsdd_output": ("fsdd.json", fsdd_output),
    "fsdd_seeds": ("fsdd.json", fsdd_seeds_table),
}


def render(name):
    """The Markdown of table ``name`` from its JSON."""
    filename, make = TABLES[name]
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
    if args.check and stale:
        print("tables differ from their JSON in: " + ", ".join(stale))
        print("run: python benchmarks/doc_tables.py")
        return 1
    for page in stale:
        print(f"rewrote the tables of {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
