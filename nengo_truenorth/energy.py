"""Energy and power of a run, estimated from its activity counters.

The chip's energy is modelled as a sum of per-event costs plus a static floor:

========================  ==============================================================
component                 energy
========================  ==============================================================
synaptic                  synaptic events x active energy per synaptic event
spike hops                mesh hops x energy per spike per hop
chip edge                 input spikes x bits per packet x energy per bit to the edge
chip to chip              chip crossings x bits per packet x energy per bit chip to chip
static                    cores x static power per core x ticks x tick duration
========================  ==============================================================

Every number comes from the published figures of spec ``truenorth-chip.md`` section 5,
held below as named module constants (SI units: joules, watts, seconds, volts) and
grouped into :class:`OperatingPoint` objects. The papers measured whole chips, not
components, and their figures do not all agree with each other, so the per-component
numbers are *derived* here, with the arithmetic in the comments; pass your own
:class:`OperatingPoint` to use other figures. A report always names the operating point
it used.

Examples
--------
>>> from nengo_truenorth.energy import full_chip_power
>>> round(full_chip_power(rate_hz=20, active_synapses=128) * 1e3, 1)  # mW
72.0
"""

import textwrap
from dataclasses import dataclass, field

import numpy as np

from .hardware.limits import CHIP_SIZE, CORES_PER_CHIP, NEURONS_PER_CORE, TICK_SECONDS

# --- Published figures (spec section 5) ------------------------------------------

#: Merolla et al. 2014: supply voltage of the headline measurement (V).
MEROLLA_2014_VOLTAGE = 0.775
#: Merolla et al. 2014: whole-chip power running its reference network (W).
MEROLLA_2014_CHIP_POWER = 72e-3
#: Merolla et al. 2014: mean firing rate of the reference network (Hz).
MEROLLA_2014_RATE = 20.0
#: Merolla et al. 2014: active synapses per neuron in the reference network.
MEROLLA_2014_ACTIVE_SYNAPSES = 128
#: Merolla et al. 2014: *total* energy per synaptic event as published (J); it
#: includes the static power, so it is kept for comparison, not used as a component.
MEROLLA_2014_TOTAL_ENERGY_PER_SYNAPTIC_EVENT = 26e-12

#: Akopyan et al. 2015: supply voltage (V).
AKOPYAN_2015_VOLTAGE = 0.75
#: Akopyan et al. 2015: whole-chip power of a typical real-time network (W).
AKOPYAN_2015_CHIP_POWER = 65e-3
#: Akopyan et al. 2015: synaptic operations per second per watt (SOPS/W).
AKOPYAN_2015_SOPS_PER_WATT = 46e9

#: Whole-chip power with no activity at 0.70 V: static (leakage) plus baseline (W).
IDLE_CHIP_POWER = 42e-3
#: Supply voltage of the idle measurement (V).
IDLE_VOLTAGE = 0.70

#: Energy to move one spike one core along the mesh (J).
ENERGY_PER_SPIKE_HOP = 2.3e-12
#: Energy to move one bit from a core to the chip edge (J).
ENERGY_PER_BIT_TO_CHIP_EDGE = 2e-12
#: Energy to move one bit from one chip to the next (J), at the I/O voltage below.
ENERGY_PER_BIT_CHIP_TO_CHIP = 26e-12
#: I/O supply voltage of the chip-to-chip figure (V).
CHIP_TO_CHIP_VOLTAGE = 1.8

#: Peak synaptic operations per second of one chip.
PEAK_SOPS_PER_CHIP = 58e9

# --- The spike packet -------------------------------------------------------------
# A packet on the mesh carries its delivery tick (4 bits: tick mod 16, enough for
# delays of 1..15), the target axon (8 bits: 256 axons) and the signed remaining
# offsets dx and dy (9 bits each: +-255 cores, i.e. 4 chips a side). Source: Merolla
# et al. 2014 (supplementary) and Akopyan et al. 2015; see REFERENCES.md, "TrueNorth".

#: Bits of the delivery tick in a spike packet.
PACKET_DELIVERY_TICK_BITS = 4
#: Bits of the target axon in a spike packet.
PACKET_AXON_BITS = 8
#: Bits of each of the signed offsets dx and dy in a spike packet.
PACKET_OFFSET_BITS = 9
#: Bits per spike packet: 4 + 8 + 9 + 9 = 30.
BITS_PER_SPIKE_PACKET = (
    PACKET_DELIVERY_TICK_BITS + PACKET_AXON_BITS + 2 * PACKET_OFFSET_BITS
)

# --- Derived figures ----------------------------------------------------------------

#: Static and baseline power of one core (W): 42 mW / 4096 cores = 10.254 uW.
#: The only published idle figure is at 0.70 V; the operating points below use it at
#: their own (higher) voltages too, which if anything underestimates static power
#: there and so overestimates the active energy per event derived from it.
STATIC_POWER_PER_CORE = IDLE_CHIP_POWER / CORES_PER_CHIP

#: Synaptic operations per second of Merolla's reference network on a full chip:
#: 1,048,576 neurons x 20 Hz x 128 synapses = 2,684,354,560 SOPS.
MEROLLA_2014_REFERENCE_SOPS = (
    CORES_PER_CHIP * NEURONS_PER_CORE * MEROLLA_2014_RATE * MEROLLA_2014_ACTIVE_SYNAPSES
)
#: Active energy per synaptic event at 0.775 V (J): the chip power above the static
#: floor, spread over the reference activity:
#: (72 mW - 42 mW) / 2.684e9 SOPS = 11.18 pJ.
#: (Check: 72 mW / 2.684e9 SOPS = 26.8 pJ in total, the published "26 pJ".)
MEROLLA_2014_ENERGY_PER_SYNAPTIC_EVENT = (
    MEROLLA_2014_CHIP_POWER - IDLE_CHIP_POWER
) / MEROLLA_2014_REFERENCE_SOPS

#: Synaptic operations per second implied by Akopyan's figures:
#: 46 GSOPS/W x 65 mW = 2.99e9 SOPS (11 % more than Merolla's 20 Hz x 128 network,
#: which at 65 mW would be 41.3 GSOPS/W; the papers round).
AKOPYAN_2015_REFERENCE_SOPS = AKOPYAN_2015_SOPS_PER_WATT * AKOPYAN_2015_CHIP_POWER
#: Active energy per synaptic event at 0.75 V (J):
#: (65 mW - 42 mW) / 2.99e9 SOPS = 7.69 pJ.
#: (Check: 1 / 46 GSOPS/W = 21.7 pJ per event in total.)
AKOPYAN_2015_ENERGY_PER_SYNAPTIC_EVENT = (
    AKOPYAN_2015_CHIP_POWER - IDLE_CHIP_POWER
) / AKOPYAN_2015_REFERENCE_SOPS

#: Synaptic events one core can integrate per tick, on average, at real time:
#: 58e9 SOPS / 4096 cores / 1000 ticks/s = 14,160.
PEAK_SYNAPTIC_EVENTS_PER_CORE_PER_TICK = (
    PEAK_SOPS_PER_CHIP / CORES_PER_CHIP * TICK_SECONDS
)


@dataclass(frozen=True)
class OperatingPoint:
    """One consistent set of energy figures, named after where they come from.

    All quantities are in SI units. Make a variant of a published point with
    :func:`dataclasses.replace`.

    Parameters
    ----------
    name : str
        Short name used in reports, e.g. ``"Merolla 2014"``.
    supply_voltage : float
        Core supply voltage (V).
    source : str
        Citation of the figures.
    energy_per_synaptic_event : float
        Active (dynamic) energy of one synaptic event, static power excluded (J).
    static_power_per_core : float
        Static and baseline power of one core (W).
    energy_per_spike_hop : float
        Energy to move one spike packet one core along the mesh (J).
    energy_per_bit_to_chip_edge : float
        Energy to move one bit between a core and the chip edge (J).
    energy_per_bit_chip_to_chip : float
        Energy to move one bit across a chip-to-chip link (J).
    chip_power : float
        Published whole-chip power at this point (W); the basis of the
        "scaled by cores" figure.
    bits_per_spike_packet : int, optional
        Bits of one spike packet (default 30: 4-bit tick, 8-bit axon, 9-bit dx and dy).
    tick_duration : float, optional
        Seconds per tick at real time (default 1 ms).

    Examples
    --------
    >>> import dataclasses
    >>> cooler = dataclasses.replace(
    ...     MEROLLA_2014, name="my chip", energy_per_synaptic_event=5e-12
    ... )
    >>> cooler.supply_voltage
    0.775
    """

    name: str
    supply_voltage: float
    source: str
    energy_per_synaptic_event: float
    static_power_per_core: float
    energy_per_spike_hop: float
    energy_per_bit_to_chip_edge: float
    energy_per_bit_chip_to_chip: float
    chip_power: float
    bits_per_spike_packet: int = BITS_PER_SPIKE_PACKET
    tick_duration: float = TICK_SECONDS

    def __post_init__(self):
        for name in (
            "supply_voltage",
            "energy_per_synaptic_event",
            "static_power_per_core",
            "energy_per_spike_hop",
            "energy_per_bit_to_chip_edge",
            "energy_per_bit_chip_to_chip",
            "chip_power",
            "bits_per_spike_packet",
        ):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(
                    f"OperatingPoint {self.name!r}: {name} = {value!r} "
                    "must be finite and >= 0"
                )
        if not self.tick_duration > 0:
            raise ValueError(
                f"OperatingPoint {self.name!r}: tick_duration = "
                f"{self.tick_duration!r} must be > 0"
            )

    def __str__(self):
        return f"{self.name} ({self.supply_voltage:g} V)"

    @property
    def energy_per_packet_to_chip_edge(self):
        """float: energy to move one spike packet between a core and the edge (J)."""
        return self.bits_per_spike_packet * self.energy_per_bit_to_chip_edge

    @property
    def energy_per_packet_chip_to_chip(self):
        """float: energy to move one spike packet across one chip edge (J)."""
        return self.bits_per_spike_packet * self.energy_per_bit_chip_to_chip

    @property
    def scaled_power_per_core(self):
        """float: whole-chip power divided by 4096 cores (W); 17.6 uW at 72 mW."""
        return self.chip_power / CORES_PER_CHIP


#: Merolla et al. 2014 at 0.775 V: 72 mW for a full chip at 20 Hz, 128 synapses.
MEROLLA_2014 = OperatingPoint(
    name="Merolla 2014",
    supply_voltage=MEROLLA_2014_VOLTAGE,
    source=(
        "Merolla et al., 'A million spiking-neuron integrated circuit with a scalable "
        "communication network and interface', Science 345:668 (2014); "
        "idle power 42 mW at 0.70 V"
    ),
    energy_per_synaptic_event=MEROLLA_2014_ENERGY_PER_SYNAPTIC_EVENT,
    static_power_per_core=STATIC_POWER_PER_CORE,
    energy_per_spike_hop=ENERGY_PER_SPIKE_HOP,
    energy_per_bit_to_chip_edge=ENERGY_PER_BIT_TO_CHIP_EDGE,
    energy_per_bit_chip_to_chip=ENERGY_PER_BIT_CHIP_TO_CHIP,
    chip_power=MEROLLA_2014_CHIP_POWER,
)

#: Akopyan et al. 2015 at 0.75 V: 65 mW, 46 GSOPS/W.
AKOPYAN_2015 = OperatingPoint(
    name="Akopyan 2015",
    supply_voltage=AKOPYAN_2015_VOLTAGE,
    source=(
        "Akopyan et al., 'TrueNorth: Design and tool flow of a 65 mW 1 million "
        "neuron programmable neurosynaptic chip', IEEE TCAD 34(10):1537 (2015); "
        "idle power 42 mW at 0.70 V"
    ),
    energy_per_synaptic_event=AKOPYAN_2015_ENERGY_PER_SYNAPTIC_EVENT,
    static_power_per_core=STATIC_POWER_PER_CORE,
    energy_per_spike_hop=ENERGY_PER_SPIKE_HOP,
    energy_per_bit_to_chip_edge=ENERGY_PER_BIT_TO_CHIP_EDGE,
    energy_per_bit_chip_to_chip=ENERGY_PER_BIT_CHIP_TO_CHIP,
    chip_power=AKOPYAN_2015_CHIP_POWER,
)

#: Published operating points by key, for the command line and for
#: ``estimate_energy(..., operating_point="akopyan2015")``.
OPERATING_POINTS = {"merolla2014": MEROLLA_2014, "akopyan2015": AKOPYAN_2015}

#: The operating point reports use unless told otherwise.
DEFAULT_OPERATING_POINT = MEROLLA_2014

#: Which cores pay static power (see :func:`estimate_energy`).
STATIC_CORES = ("active", "model", "chips")


def get_operating_point(operating_point):
    """Return ``operating_point``, or the one of :data:`OPERATING_POINTS` it names."""
    if isinstance(operating_point, OperatingPoint):
        return operating_point
    try:
        return OPERATING_POINTS[operating_point]
    except (KeyError, TypeError):
        raise ValueError(
            f"operating point {operating_point!r} is not an OperatingPoint nor one of "
            f"{sorted(OPERATING_POINTS)}"
        ) from None


@dataclass
class EnergyReport:
    """Energy of one run, by component, under one operating point.

    Energies are in joules and powers in watts; :meth:`summary` prints them with
    readable prefixes.

    Attributes
    ----------
    operating_point : OperatingPoint
        The figures used.
    totals : dict of str to int
        Whole-run activity totals (:attr:`Activity.totals`).
    n_chips : int
        Chips the model's cores lie on.
    used_neurons : int
        Neurons counted as used, for the mean firing rate.
    static_cores : int
        Cores charged static power.
    static_cores_rule : {"active", "model", "chips"}
        Which cores those are (see :func:`estimate_energy`).
    peak_core_load : float
        Most synaptic events per tick on one core, averaged over the run.
    synaptic, spike_hops, chip_edge, chip_to_chip, static : float
        Energy of each component (J).
    """

    operating_point: OperatingPoint
    totals: dict
    n_chips: int
    used_neurons: int
    static_cores: int
    static_cores_rule: str
    peak_core_load: float
    synaptic: float
    spike_hops: float
    chip_edge: float
    chip_to_chip: float
    static: float
    components: dict = field(init=False, repr=False)

    def __post_init__(self):
        self.components = {
            "synaptic": self.synaptic,
            "spike_hops": self.spike_hops,
            "chip_edge": self.chip_edge,
            "chip_to_chip": self.chip_to_chip,
            "static": self.static,
        }

    @property
    def ticks(self):
        """int: ticks run."""
        return self.totals["ticks"]

    @property
    def duration(self):
        """float: the run's length at real time (s)."""
        return self.ticks * self.operating_point.tick_duration

    @property
    def communication(self):
        """float: spike hops + chip edge + chip to chip (J)."""
        return self.spike_hops + self.chip_edge + self.chip_to_chip

    @property
    def active(self):
        """float: every component but static (J)."""
        return self.synaptic + self.communication

    @property
    def total(self):
        """float: energy of the run (J)."""
        return self.active + self.static

    @property
    def mean_power(self):
        """float: total energy over the real-time duration (W); NaN for 0 ticks."""
        return self.total / self.duration if self.ticks > 0 else float("nan")

    @property
    def mean_power_uw(self):
        """float: :attr:`mean_power` in microwatts."""
        return self.mean_power * 1e6

    @property
    def scaled_by_cores_power(self):
        """float: published chip power x model cores / 4096 (W), as papers report.

        This ignores the activity: one core of a 72 mW chip is 17.6 uW, busy or not.
        """
        return self.operating_point.chip_power * self.totals["cores"] / CORES_PER_CHIP

    @property
    def scaled_by_cores_power_uw(self):
        """float: :attr:`scaled_by_cores_power` in microwatts."""
        return self.scaled_by_cores_power * 1e6

    @property
    def mean_rate(self):
        """float: spikes per used neuron per second of real time (Hz)."""
        if self.ticks == 0 or self.used_neurons == 0:
            return 0.0
        return self.totals["spikes"] / self.used_neurons / self.duration

    def summary(self):
        """Return a readable multi-line summary of the activity, energy and power.

        Returns
        -------
        str
        """
        op, t = self.operating_point, self.totals
        ticks = self.ticks
        per_tick = (lambda n: n / ticks) if ticks else (lambda n: 0.0)
        active = max(t["active_cores"], 1)
        lines = [
            f"Energy estimate, operating point: {op}",
            textwrap.fill(
                f"source: {op.source}",
                width=88,
                initial_indent="  ",
                subsequent_indent="    ",
            ),
            f"Activity over {ticks:,} ticks ({self.duration:g} s at real time, "
            f"{1 / op.tick_duration:g} ticks/s):",
            f"  cores:            {t['active_cores']:,} active of {t['cores']:,} "
            f"on {self.n_chips} chip{'s' if self.n_chips != 1 else ''}",
            f"  synaptic events:  {t['synaptic_events']:,} "
            f"({per_tick(t['synaptic_events']) / active:,.1f} per active core per "
            "tick)",
            f"  busiest core:     {self.peak_core_load:,.1f} synaptic events per tick "
            f"(a core sustains ~{PEAK_SYNAPTIC_EVENTS_PER_CORE_PER_TICK:,.0f} "
            "at real time)",
            f"  spikes:           {t['spikes']:,} "
            f"(mean rate {self.mean_rate:.2f} Hz per used neuron, "
            f"{self.used_neurons:,} used neurons)",
            f"  spike hops:       {t['spike_hops']:,} "
            f"({t['spike_hops'] / max(t['spikes'], 1):.2f} per spike)",
            f"  chip crossings:   {t['chip_crossings']:,}",
            f"  input spikes:     {t['input_spikes']:,}",
            "Energy:",
            f"  synaptic:         {_si(self.synaptic, 'J')} "
            f"({_si(op.energy_per_synaptic_event, 'J')} per event)",
            f"  spike hops:       {_si(self.spike_hops, 'J')} "
            f"({_si(op.energy_per_spike_hop, 'J')} per hop)",
            f"  chip edge:        {_si(self.chip_edge, 'J')} "
            f"(input spikes x {op.bits_per_spike_packet} bits x "
            f"{_si(op.energy_per_bit_to_chip_edge, 'J')}/bit)",
            f"  chip to chip:     {_si(self.chip_to_chip, 'J')} "
            f"(crossings x {op.bits_per_spike_packet} bits x "
            f"{_si(op.energy_per_bit_chip_to_chip, 'J')}/bit)",
            f"  static:           {_si(self.static, 'J')} "
            f"({self.static_cores:,} {self.static_cores_rule} cores x "
            f"{_si(op.static_power_per_core, 'W')} x {self.duration:g} s)",
            f"  total:            {_si(self.total, 'J')}",
            "Power at real time (1 tick = "
            f"{op.tick_duration * 1e3:g} ms), operating point {op.name}:",
        ]
        if ticks:
            lines.append(
                f"  mean power:       {self.mean_power_uw:,.2f} uW (from the activity)"
            )
        else:
            lines.append("  mean power:       n/a (no ticks run)")
        lines.append(
            f"  scaled by cores:  {self.scaled_by_cores_power_uw:,.2f} uW "
            f"({_si(op.chip_power, 'W')} x {t['cores']:,} / {CORES_PER_CHIP} cores, "
            "as papers report)"
        )
        return "\n".join(lines)

    def __str__(self):
        return self.summary()


def _si(value, unit):
    """Format ``value`` with an SI prefix, e.g. ``_si(2.3e-12, "J") == "2.3 pJ"``."""
    if value == 0 or not np.isfinite(value):
        return f"{value:g} {unit}"
    for scale, prefix in ((1, ""), (1e-3, "m"), (1e-6, "u"), (1e-9, "n"), (1e-12, "p")):
        if abs(value) >= scale:
            return f"{value / scale:.4g} {prefix}{unit}"
    return f"{value / 1e-15:.4g} f{unit}"


def count_used_neurons(model):
    """Count neurons that take part in a model.

    A neuron is used if it has a crossbar synapse, a destination, a nonzero leak or an
    output port; the rest of a core's 256 neurons are idle.

    Parameters
    ----------
    model : ChipModel

    Returns
    -------
    int
    """
    outputs = {(c, n) for entries in model.outputs.values() for c, n in entries}
    used = 0
    for core in model.cores:
        mask = (
            core.crossbar.any(axis=0)
            | (core.target_core != -1)
            | (core.leak != 0)
        )
        for c, n in outputs:
            if c == core.id:
                mask[n] = True
        used += int(mask.sum())
    return used


def estimate_energy(
    activity, operating_point=DEFAULT_OPERATING_POINT, model=None, static_cores="active"
):
    """Estimate the energy of a run from its activity counters.

    Parameters
    ----------
    activity : Activity
        Counters of the run (``emulator.activity``).
    operating_point : OperatingPoint or str, optional
        The figures to use, or a key of :data:`OPERATING_POINTS`
        (default :data:`MEROLLA_2014`).
    model : ChipModel, optional
        The model that ran; if given, the mean firing rate is per neuron that the
        model uses (:func:`count_used_neurons`), else per neuron of the active cores.
    static_cores : {"active", "model", "chips"}, optional
        Which cores pay static power: those that integrated or fired anything
        (default; a chip power-gates nothing, but this is what a core costs when other
        work fills the rest of the chip), every core the model places, or every core
        of every chip the model touches (what the chips would really draw).

    Returns
    -------
    EnergyReport

    Notes
    -----
    Spike hops count every mesh hop, on both sides of a chip edge, so the chip-to-chip
    term adds only the link itself. External input spikes enter at the chip edge and are
    not counted as hops, so they pay the edge-to-core figure. Output spikes leaving for
    the host are not charged. The synaptic figure is derived from whole-chip power, so
    it already includes the neuron updates and the routing of the reference network;
    hops are charged on top so that placement shows in the estimate.

    Examples
    --------
    >>> report = estimate_energy(reference_activity(rate_hz=20, active_synapses=128))
    >>> round(report.mean_power * 1e3, 1)
    72.0
    """
    op = get_operating_point(operating_point)
    if static_cores not in STATIC_CORES:
        raise ValueError(
            f"static_cores = {static_cores!r} is not one of {STATIC_CORES}"
        )
    totals = activity.totals
    coordinates = np.asarray(activity.coordinates).reshape(-1, 2)
    n_chips = len({tuple(xy) for xy in (coordinates // CHIP_SIZE).tolist()})
    n_static = {
        "active": totals["active_cores"],
        "model": totals["cores"],
        "chips": n_chips * CORES_PER_CHIP,
    }[static_cores]
    if model is not None:
        used_neurons = count_used_neurons(model)
    else:
        used_neurons = totals["active_cores"] * NEURONS_PER_CORE
    ticks = totals["ticks"]
    synaptic = np.asarray(activity.synaptic_events)
    peak = float(synaptic.max()) / ticks if ticks and synaptic.size else 0.0
    return EnergyReport(
        operating_point=op,
        totals=totals,
        n_chips=n_chips,
        used_neurons=used_neurons,
        static_cores=n_static,
        static_cores_rule=static_cores,
        peak_core_load=peak,
        synaptic=totals["synaptic_events"] * op.energy_per_synaptic_event,
        spike_hops=totals["spike_hops"] * op.energy_per_spike_hop,
        chip_edge=totals["input_spikes"] * op.energy_per_packet_to_chip_edge,
        chip_to_chip=totals["chip_crossings"] * op.energy_per_packet_chip_to_chip,
        static=n_static * op.static_power_per_core * ticks * op.tick_duration,
    )


def reference_activity(
    rate_hz=MEROLLA_2014_RATE,
    active_synapses=MEROLLA_2014_ACTIVE_SYNAPSES,
    n_cores=CORES_PER_CHIP,
    ticks=1000,
    hops_per_spike=0.0,
):
    """Activity of cores whose neurons all fire at ``rate_hz`` into ``active_synapses``.

    This is the kind of network the papers measured chip power on: every neuron fires
    at the same mean rate, and each spike reaches ``active_synapses`` synapses.

    Parameters
    ----------
    rate_hz : float, optional
        Mean firing rate of every neuron (Hz at real time).
    active_synapses : float, optional
        Synaptic events per spike (active synapses per neuron).
    n_cores : int, optional
        Cores, placed row by row; 4096 fill a chip, more tile chips along x.
    ticks : int, optional
        Length of the run.
    hops_per_spike : float, optional
        Mean mesh hops per spike (0: each spike stays on its core).

    Returns
    -------
    Activity
    """
    from .emulator.activity import Activity  # lazily: energy needs no emulator

    k = np.arange(n_cores)
    chip, place = np.divmod(k, CORES_PER_CHIP)
    coordinates = np.column_stack(
        [chip * CHIP_SIZE + place % CHIP_SIZE, place // CHIP_SIZE]
    ).astype(np.int64)
    spikes = NEURONS_PER_CORE * rate_hz * ticks * TICK_SECONDS
    return Activity(
        ticks=int(ticks),
        core_ids=k.astype(np.int64),
        coordinates=coordinates,
        synaptic_events=np.full(n_cores, round(spikes * active_synapses), np.int64),
        spikes=np.full(n_cores, round(spikes), np.int64),
        spike_hops=np.full(n_cores, round(spikes * hops_per_spike), np.int64),
        chip_crossings=np.zeros(n_cores, dtype=np.int64),
    )


def full_chip_power(
    rate_hz=MEROLLA_2014_RATE,
    active_synapses=MEROLLA_2014_ACTIVE_SYNAPSES,
    operating_point=DEFAULT_OPERATING_POINT,
    hops_per_spike=0.0,
):
    """Activity-based power of a full chip whose neurons all fire at ``rate_hz``.

    Parameters
    ----------
    rate_hz : float, optional
        Mean firing rate of every neuron (Hz).
    active_synapses : float, optional
        Active synapses per neuron (synaptic events per spike).
    operating_point : OperatingPoint or str, optional
    hops_per_spike : float, optional
        Mean mesh hops per spike.

    Returns
    -------
    float
        Power (W).

    Examples
    --------
    >>> round(full_chip_power(0, 0) * 1e3, 1)  # the static floor, mW
    42.0
    >>> round(full_chip_power(20, 128, "akopyan2015") * 1e3, 1)
    62.6
    """
    activity = reference_activity(
        rate_hz, active_synapses, hops_per_spike=hops_per_spike
    )
    return estimate_energy(activity, operating_point, static_cores="chips").mean_power


__all__ = [
    "AKOPYAN_2015",
    "BITS_PER_SPIKE_PACKET",
    "DEFAULT_OPERATING_POINT",
    "EnergyReport",
    "MEROLLA_2014",
    "OPERATING_POINTS",
    "OperatingPoint",
    "count_used_neurons",
    "estimate_energy",
    "full_chip_power",
    "get_operating_point",
    "reference_activity",
]
