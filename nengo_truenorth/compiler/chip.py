"""The compiled chip: the hardware model and how the graph maps onto it."""

import re
from dataclasses import dataclass, field

import numpy as np

from ..hardware.limits import (
    AXONS_PER_CORE,
    NEURONS_PER_CORE,
)
from ..hardware.model import ChipModel, channel_spikes


SPLITTER = "splitter"
#: How many of the most recently opened, not yet full cores a chunk may join.

PROGRESS_MIN_NEURONS = 16 * NEURONS_PER_CORE
#: :meth:`CompiledChip.report` lists this many owners with the most cores.
REPORT_OWNERS = 12
#: Placement curves tried by :func:`place_cores`, best first on ties.


def name_of(obj, fallback):
    """How an error names a graph element: its Nengo object, else its label."""
    return obj if obj is not None else fallback


#: Longest name a report line gives an object (a view with an index array would
#: print every index).
REPORT_NAME_CHARS = 100


def short_name(obj):
    """``str(obj)``, cut to :data:`REPORT_NAME_CHARS` characters with an ellipsis."""
    name = " ".join(str(obj).split())
    if len(name) <= REPORT_NAME_CHARS:
        return name
    return name[: REPORT_NAME_CHARS - 1] + "…"


def concatenate_or_empty(parts):
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def port_name(prefix, k, label):
    """``prefix`` and ``k``, then ``label`` in file-safe characters.

    Object addresses (`` at 0x7f...`` in the labels of unlabeled Nengo objects) are
    left out, so a network compiles to the same port names in every process; ``k``
    keeps the names unique.
    """
    label = re.sub(r" at 0x[0-9a-fA-F]+", "", str(label or ""))
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")
    return f"{prefix}{k}" + (f"_{safe}" if safe else "")


@dataclass(eq=False)
class CompiledChip:
    """A compiled chip graph: the hardware model and how the graph maps onto it.

    Attributes
    ----------
    model : ChipModel
        The validated hardware model.
    input_ports : dict of InputGroup to (str, list of ndarray)
        Per input group, its port name and, per channel, the port indices the host
        drives to send that channel's spike (at the tick the spike is to be
        integrated).
    input_edge_ports : dict of Edge to list of ndarray
        Per edge from an input group, per channel, the port indices that serve that
        edge (a subset of the channel's indices), for a host that times edges apart.
    output_ports : dict of NeuronGroup to (str, ndarray)
        Per group with ``to_host`` neurons, its port name and, per group neuron, its
        port index (-1 where the neuron is not sent to the host).
    neuron_location : dict of NeuronGroup to (n, 2) ndarray
        ``(core_id, neuron)`` of each neuron of the group.
    edge_delay : dict of Edge to int
        The delay each edge is realized with, in ticks: the requested delay, or more
        where splitters need it; 0 for edges from input groups.
    core_owner : dict of int to NeuronGroup or str
        What each core serves: the first group placed on it, or :data:`SPLITTER`.
    core_groups : dict of int to list of NeuronGroup
        Every group with neurons on each core (empty for splitter cores).

    The resource figures are in :meth:`stats` and, in words, in :meth:`report`.
    """

    model: ChipModel
    input_ports: dict
    input_edge_ports: dict
    output_ports: dict
    neuron_location: dict
    edge_delay: dict
    core_owner: dict
    core_groups: dict
    _stats: dict = field(default_factory=dict, repr=False)
    #: Per connection (by name), how faithfully the chip realizes it: filled in by
    #: the Simulator (``weight_error``, and ``loop_ticks`` / ``nengo_loop_steps``
    #: for recurrent ones); listed by :meth:`report`.
    connections: dict = field(default_factory=dict, repr=False)

    def stats(self):
        """Resource use of the compiled chip.

        Returns
        -------
        dict
            ``cores``, ``chips``, ``chip_fraction`` (cores / 4096), ``group_cores``,
            ``splitter_cores``, ``group_neurons``, ``splitter_neurons``,
            ``copy_neurons`` (copies of deterministic neurons that replace splitter
            trees), ``neurons_by_role`` (neurons per :attr:`~.NeuronGroup.role`,
            then ``splitters`` and ``copies``), ``by_object`` (per Nengo object:
            the ``cores`` it owns and its ``neurons`` by role, with the splitters
            that carry its spikes and its copies), ``neurons`` (all of them),
            ``splitter_stages`` (of the deepest tree); per core, in id order,
            ``axons_per_core``, ``neurons_per_core`` and ``crossbar_bits_per_core``
            ((n_cores,) ndarrays); ``placement`` (the chosen curve),
            ``hops_per_tick`` (mesh hops if every routed neuron fires once),
            ``hops_per_tick_row_major`` (the same for a row-major placement),
            ``hops_by_curve`` and ``compile_seconds``.
        """
        return dict(self._stats)

    def input_spikes(self, spikes, first_tick=0):
        """Turn per-channel spikes into spike-file style input for an emulator.

        Parameters
        ----------
        spikes : dict of InputGroup to (ticks, n) array_like of bool
            Row ``t`` holds the channels that spike at tick ``first_tick + t``.
        first_tick : int, optional

        Returns
        -------
        dict of str to (m, 2) ndarray of int
            Per input port, ``[tick, index]`` pairs sorted by tick, then index.
        """
        out = {}
        for group, raster in spikes.items():
            port, indices = self.input_ports[group]
            out[port] = channel_spikes(raster, indices, first_tick)
        return out

    def report(self):
        """str: cores, neurons, axons, crossbar bits, splitters and spike hops."""
        s = self._stats
        lines = [
            "TrueNorth compile report",
            f"  cores:        {s['cores']:,} ({100 * s['chip_fraction']:.3g}% of a "
            f"chip; {s['chips']} chip{'s' if s['chips'] != 1 else ''})",
            f"  neurons:      {s['neurons']:,} used of "
            f"{s['cores'] * NEURONS_PER_CORE:,} ({s['group_neurons']:,} in groups, "
            f"{s['splitter_neurons']:,} splitters)",
            f"  splitters:    {s['splitter_neurons']:,} neurons on "
            f"{s['splitter_cores']:,} cores",
            f"  copies:       {s.get('copy_neurons', 0):,} neurons copied beside "
            "their originals in place of splitter trees",
            "  by role:      "
            + ", ".join(
                f"{role} {n:,} ({100 * n / max(s['neurons'], 1):.0f}%)"
                for role, n in s.get("neurons_by_role", {}).items()
            ),
        ]
        if s["cores"]:
            for key, what, limit in (
                ("axons_per_core", "axons/core", AXONS_PER_CORE),
                ("neurons_per_core", "neurons/core", NEURONS_PER_CORE),
                (
                    "crossbar_bits_per_core",
                    "bits/core",
                    AXONS_PER_CORE * NEURONS_PER_CORE,
                ),
            ):
                v = s[key]
                lines.append(
                    f"  {what + ':':13} mean {v.mean():.1f}, min {v.min()}, "
                    f"max {v.max()} (of {limit:,})"
                )
        lines.append(
            f"  placement:    {s['placement']}: {s['hops_per_tick']:,} hops per tick "
            f"if every neuron fires once (row-major: "
            f"{s['hops_per_tick_row_major']:,})"
        )
        lines.append(f"  compile time: {s['compile_seconds']:.3f} s")
        counts = {}
        for owner in self.core_owner.values():
            name = (
                owner
                if isinstance(owner, str)
                else short_name(name_of(owner.obj, owner.label))
            )
            counts[name] = counts.get(name, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        lines.append("  cores by owner:")
        lines += [f"    {name}: {n}" for name, n in ranked[:REPORT_OWNERS]]
        if len(ranked) > REPORT_OWNERS:
            rest = ranked[REPORT_OWNERS:]
            lines.append(
                f"    ... {len(rest)} more owners: {sum(n for _, n in rest)} cores"
            )
        by_object = s.get("by_object", {})
        if by_object:
            lines.append("  by object (cores; neurons, with the share of each role):")
            ranked = sorted(
                by_object.items(), key=lambda item: -sum(item[1]["neurons"].values())
            )
            for obj, row in ranked[:REPORT_OWNERS]:
                total = sum(row["neurons"].values())
                roles = ", ".join(
                    f"{role} {100 * n / total:.0f}%"
                    for role, n in row["neurons"].items()
                )
                lines.append(
                    f"    {short_name(obj)}: {row['cores']} cores; "
                    f"{total:,} neurons ({roles})"
                )
            if len(ranked) > REPORT_OWNERS:
                lines.append(f"    ... {len(ranked) - REPORT_OWNERS} more objects")
        if self.connections:
            lines.append("  connections (weight error; loop ticks, chip / Nengo):")
            ranked = sorted(
                self.connections.items(), key=lambda item: -item[1]["weight_error"]
            )
            for name, row in ranked[:REPORT_OWNERS]:
                loop = (
                    f"; loop {row['loop_ticks']} / {row['nengo_loop_steps']}"
                    if row.get("loop_ticks") is not None
                    else ""
                )
                lines.append(
                    f"    {short_name(name)}: {row['weight_error']:.1%}{loop}"
                )
            if len(ranked) > REPORT_OWNERS:
                lines.append(f"    ... {len(ranked) - REPORT_OWNERS} more connections")
        return "\n".join(lines)
