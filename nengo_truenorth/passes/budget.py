"""What a build will need, estimated before the passes run, and the refusal of a
model that needs more than the build's limits allow.

The passes and the compiler take time and memory in proportion to what they make:
decode neurons and their dense float edges, fan-in relays, cores. For a wide
ensemble these grow as its neurons times its dimensions (a 5,000-D ensemble pair
needs hundreds of thousands of cores), so :func:`check_build_size` estimates them
from the graph as the front end left it (ensemble sizes, decoded connections'
dimensions, host inputs, neuron -> neuron edges), before the first pass, and
raises :class:`ModelTooLarge` naming the object that needs most, the estimate and
the limit (``BuildOptions.max_cores``, ``BuildOptions.max_build_memory``), with
the remedy.

The estimate follows the passes' rules on counts alone (no weights are read):

- an ensemble's decoded connections get sign-plane banks where their rows fit
  them (:func:`.decode.plan_sign_planes`: :func:`.decode.plane_neurons` per row and
  class, at most :data:`.decode.MAX_BANKS` bank cores per block of 256 pre
  neurons, no splitters), else classic blocks (:func:`.decode.build_classic_decode`):
  ``ceil(n_pre / b)`` blocks of ``b = 256 / axons per input`` pre neurons, ``2 d``
  decode neurons each, the pre neurons reaching them through splitters; either way
  with dense float edges ``pre -> decode`` and ``decode -> post``;
- a post neuron takes ``2 d`` inputs per decoded connection and host value (the
  fan-in pass merges the blocks' and channels' proportional inputs) and one per
  pre neuron of a dense neuron -> neuron edge (of a sparse one, as many as its
  fullest row holds); where they need more than a core's axons
  the fan-in pass adds ``2 n`` partial-sum relays per chunk of a core's worth
  (:func:`.fan_in.split_per_neuron`), and the post then packs fewer neurons a core;
- cores: each group's neurons over 256 per core and its relays' cores; all but
  the banks' times :data:`FAN_OUT_FACTOR` for the splitters that carry an input to
  every core that holds its targets;
- memory: 8 bytes per entry of the dense float edges that exist at once (the
  decode edges and the relays' edges), times :data:`MEMORY_FACTOR`;
- time: :data:`SECONDS_PER_CORE` per core and :data:`SECONDS_PER_ENTRY` per float
  entry (measured on the benchmark's ensemble pairs, ``benchmarks/bench_build.py``).

It is an estimate, not the compiled figure: ``benchmarks/bench_build.py`` prints
both for ensemble pairs of 100 to 1,600 dimensions; on the chains of
``benchmarks/bench_simulator.py`` (1-D and 2-D, 16 and 64 ensembles: sign-plane
banks) it gave 1.10-1.28 times the compiled cores, on ensemble pairs of 16 to 200
dimensions 0.71-1.28.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from nengo.exceptions import BuildError

from ..hardware.limits import AXONS_PER_CORE, CORES_PER_CHIP, NEURONS_PER_CORE
from ..ir import DecodedEdge, FilteredEdge, NeuronGroup, sparse, weight_code
from .decode import MAX_BANKS, PLANE_PARTS, plane_neurons

#: Cores per core counted by the rules above: the splitters that carry decode and
#: relay inputs to every core of their targets, and the cores the compiler leaves
#: part full (the compiled ensemble pairs of ``benchmarks/bench_build.py`` took
#: 1.6-1.9 times the count).
FAN_OUT_FACTOR = 1.75
#: Bytes the build holds per float entry of its largest edges (the entry, the
#: copies the passes make of it and the integer levels of the discretized edge).
MEMORY_FACTOR = 3.0
#: Build seconds per estimated core (the compiler's allocation, placement and
#: assembly, and the passes' per-group work).
SECONDS_PER_CORE = 0.01
#: Build seconds per float entry of the dense edges (the decode pass's products,
#: the fan-in pass's reads of the decode edges, discretization).
SECONDS_PER_ENTRY = 2e-8


class ModelTooLarge(BuildError):
    """A model whose build would need more than a limit of the build allows.

    Attributes
    ----------
    obj : object
        The Nengo object (or group) that needs most.
    resource : str
        ``"cores"`` or ``"memory"``.
    estimate : float
        What the whole build would need (cores, or GiB).
    limit : float
        The limit (``BuildOptions.max_cores`` or ``max_build_memory``).
    """

    def __init__(self, message, obj, resource, estimate, limit):
        super().__init__(message)
        self.obj = obj
        self.resource = resource
        self.estimate = estimate
        self.limit = limit


@dataclass
class BuildEstimate:
    """What a build will need (see the module notes for the rules).

    Attributes
    ----------
    cores, neurons : int
        Cores and chip neurons (ensembles, decode neurons, relays, splitters).
    float_entries : int
        Entries of the dense float edges the passes make.
    memory : float
        Bytes the build will hold at its peak, about.
    seconds : float
        Build time of the passes and the compiler, about.
    by_object : dict of object to int
        Cores per Nengo object (an ensemble with its inputs' relays and splitters,
        a connection with its decode neurons).
    """

    neurons: int = 0
    float_entries: int = 0
    #: cores per object, in fractions (small groups share cores)
    shares: dict = field(default_factory=dict)

    @property
    def cores(self):
        return math.ceil(sum(self.shares.values()))

    @property
    def by_object(self):
        return {obj: math.ceil(share) for obj, share in self.shares.items()}

    @property
    def memory(self):
        return 8.0 * MEMORY_FACTOR * self.float_entries

    @property
    def seconds(self):
        return SECONDS_PER_CORE * self.cores + SECONDS_PER_ENTRY * self.float_entries

    def add(self, obj, cores, neurons, entries=0, fan_out=True):
        # (bank cores need no splitters: each pre neuron takes one axon there)
        cores = (FAN_OUT_FACTOR if fan_out else 1.0) * cores
        self.neurons += int(neurons)
        self.float_entries += int(entries)
        self.shares[obj] = self.shares.get(obj, 0.0) + cores

    def largest(self):
        """The object that needs most cores, or None."""
        if not self.shares:
            return None
        return max(self.shares, key=self.shares.get)

    def describe(self):
        """str: the estimate in words."""
        return (
            f"about {self.cores:,} cores ({self.cores / CORES_PER_CHIP:.1f} chips), "
            f"{self.neurons:,} neurons, {self.memory / 2**30:.1f} GiB and "
            f"{_duration(self.seconds)} to build"
        )


def _duration(seconds):
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _ceil(a, b):
    return -(-int(a) // int(b))


def _name(obj, group):
    return obj if obj is not None else group.label


def _dimensions_per_neuron(host):
    """The most dimensions of ``host`` (a HostInput) that one post neuron reads:
    all of a value's (through its encoders), one of currents into neurons."""
    posts = host.post_of_dimension
    if posts is None:
        return host.size
    return int(np.bincount(posts).max(initial=0))


def fan_in_cores(n, units, axons_per_input):
    """Cores, relay neurons and relay float entries of a group of ``n`` neurons
    whose neurons each take ``units`` inputs at ``axons_per_input`` axons each, as
    :func:`.fan_in.split_fan_in` splits them.

    Returns
    -------
    cores : float
    relays, entries : int
    """
    cores = relays = entries = 0
    axons = units * axons_per_input
    per_core = NEURONS_PER_CORE  # the neurons of a core share their inputs' axons
    while axons > AXONS_PER_CORE:
        chunks = _ceil(axons, AXONS_PER_CORE)
        per_chunk = _ceil(2 * n, NEURONS_PER_CORE)
        # a chunk's relays share its axons; every unit of the chunk reaches each
        # of their cores (splitters for all but one)
        relays += 2 * n * chunks
        cores += chunks * per_chunk + _ceil(units * (per_chunk - 1), NEURONS_PER_CORE)
        # each unit's column of the relays' input edges, (2 n) entries
        entries += 2 * n * units
        # the post then takes its own relays: trinary, two axons per chunk
        units, axons = 2 * chunks, 2 * chunks
        per_core = max(1, min(NEURONS_PER_CORE, AXONS_PER_CORE // axons))
    # small groups share cores: a fraction of one
    return cores + n / per_core, relays, entries


@dataclass
class BuildCounts:
    """What the estimate reads of a model: counts only, from the IR
    (:meth:`from_state`) or from a Nengo network before its build (the
    Simulator's, :func:`nengo_truenorth.simulator.network_counts`).

    Attributes
    ----------
    groups : list of (key, obj, n, axons_per_input)
        The chip's neuron groups (ensembles): a key for the inputs below, the object
        to name, their neurons and the axons each of their inputs takes.
    decoded : list of (obj, pre, n_pre, key, d, bits, filtered)
        Decoded connections between chip groups: ``d`` dimensions from group
        ``pre`` of ``n_pre`` neurons into group ``key``, at ``bits``-bit weights,
        through filter neurons or not.
    inputs : list of (obj, key, units, filter_neurons)
        Other inputs of a group: ``units`` per neuron (2 per dimension of a host
        value, 2 for the host's current into each neuron, the pre neurons of a
        neuron -> neuron edge) and the filter neurons they go through (0 for none).
    """

    groups: list = field(default_factory=list)
    decoded: list = field(default_factory=list)
    inputs: list = field(default_factory=list)

    @classmethod
    def from_state(cls, state):
        """The counts of the graph as the front end left it."""
        counts = cls()
        graph = state.graph
        for edge in graph.float_edges:
            if isinstance(edge, DecodedEdge):
                counts.decoded.append(
                    (
                        _name(edge.obj, edge.post),
                        edge.pre,
                        edge.pre.n,
                        edge.post,
                        edge.decoders.shape[0],
                        edge.bits,
                        edge.tau is not None,
                    )
                )
                continue
            # a sparse edge's neurons take their own few inputs (a convolution's
            # kernel), a dense one's every pre neuron
            if sparse.issparse(edge.weights):
                units = int(sparse.row_nnz(edge.weights).max(initial=0))
            else:
                units = edge.weights.shape[1]
            filters = edge.pre.n if isinstance(edge, FilteredEdge) else 0
            counts.inputs.append(
                (_name(edge.obj, edge.post), edge.post, units, filters)
            )
        for host in state.host_inputs:
            counts.inputs.append(
                (host.obj, host.post, 2 * _dimensions_per_neuron(host), 0)
            )
        default = weight_code(state.options.weight_bits)
        for group in graph.groups:
            if isinstance(group, NeuronGroup):  # not a deferred edge
                code = group.code or default
                counts.groups.append(
                    (group, _name(group.obj, group), group.n, code.axons_per_input)
                )
        return counts


def estimate_build(state):
    """:class:`BuildEstimate` of the graph as the front end left it (before
    :func:`~nengo_truenorth.passes.run_passes`).

    Parameters
    ----------
    state : ChipBuild

    Returns
    -------
    BuildEstimate
    """
    return estimate_counts(BuildCounts.from_state(state))


def estimate_counts(counts):
    """:class:`BuildEstimate` of :class:`BuildCounts` (see the module notes)."""
    estimate = BuildEstimate()
    units = {}  # group key -> inputs per neuron after merging
    sizes = {key: n for key, _, n, _ in counts.groups}
    by_pre = {}
    for row in counts.decoded:
        by_pre.setdefault(row[1], []).append(row)
    for rows in by_pre.values():
        if not _bank_decode(estimate, rows, sizes):
            for obj, _, n_pre, key, d, bits, filtered in rows:
                _classic_decode(estimate, obj, n_pre, sizes.get(key, 0), d, bits)
    for obj, _, _, key, d, _, _ in counts.decoded:
        units[key] = units.get(key, 0) + 2 * d
    for obj, key, n_units, filters in counts.inputs:
        if filters:
            estimate.add(obj, filters / NEURONS_PER_CORE, filters)
        units[key] = units.get(key, 0) + n_units
    for key, obj, n, axons_per_input in counts.groups:
        cores, relays, entries = fan_in_cores(n, units.get(key, 0), axons_per_input)
        estimate.add(obj, cores, n + relays, entries)
    return estimate


def _classic_decode(estimate, obj, n_pre, n_post, d, bits):
    """Classic blocks (:func:`.decode.build_classic_decode`): per block of pre
    neurons that fits a core's axons, an on/off pair per dimension; the pre
    neurons reach each block through splitters (one per extra axon)."""
    per = weight_code(bits).axons_per_input
    blocks = _ceil(n_pre, AXONS_PER_CORE // per)
    decode = 2 * d * blocks
    cores = blocks * _ceil(2 * d, NEURONS_PER_CORE) + _ceil(
        n_pre * per, NEURONS_PER_CORE
    )
    estimate.add(obj, cores, decode, decode * (n_pre + n_post))


def _bank_decode(estimate, rows, sizes):
    """Sign-plane banks (:func:`.decode.plan_sign_planes`) of one ensemble's decoded
    connections, if its rows fit them; False where they take classic blocks.

    Each row takes :func:`.decode.plane_neurons` plane neurons per class (the first
    row one class, the others two), on bank cores of 256 pre neurons, one axon each.
    """
    bits = {row[5] for row in rows}
    if len(bits) != 1:
        return False
    (bits,) = bits
    filtered = any(row[6] for row in rows)
    per_class = plane_neurons(bits, PLANE_PARTS if filtered else 1)
    n_rows = sum(row[4] for row in rows)
    per_block = per_class * (2 * n_rows - 1)
    banks = _ceil(per_block, NEURONS_PER_CORE)
    if per_class > NEURONS_PER_CORE or banks > min(
        MAX_BANKS, weight_code(bits).axons_per_input
    ):
        return False
    n_pre = rows[0][2]
    blocks = _ceil(n_pre, AXONS_PER_CORE)
    for obj, _, _, key, d, _, tau in rows:
        share = d / n_rows
        neurons = blocks * per_block * share
        if tau:  # filter neurons per plane neuron, and sum neurons per row
            neurons = 2 * neurons + 2 * d * blocks
        entries = blocks * per_block * share * n_pre + sizes.get(key, 0) * neurons
        estimate.add(obj, blocks * banks * share, neurons, entries, fan_out=False)
    return True


def check_build_size(state, counts=None):
    """Refuse a model whose build needs more cores or memory than
    ``state.options`` allow (``max_cores``, ``max_build_memory``).

    Parameters
    ----------
    state : ChipBuild
        Its options; its graph, as the front end left it, unless ``counts``.
    counts : BuildCounts, optional
        The model's counts (the Simulator's, read from the network before Nengo's
        build: a wide ensemble is refused before its decoders are solved).

    Returns
    -------
    BuildEstimate

    Raises
    ------
    ModelTooLarge
        Naming the object that needs most cores, the estimate, the limit and the
        remedies.
    """
    options = state.options
    estimate = estimate_counts(
        BuildCounts.from_state(state) if counts is None else counts
    )
    gib = estimate.memory / 2**30
    if estimate.cores > options.max_cores:
        resource, value, limit = "cores", estimate.cores, options.max_cores
        over = f"{estimate.cores:,} cores, more than BuildOptions.max_cores = {limit:,}"
    elif gib > options.max_build_memory:
        resource, value, limit = "memory", gib, options.max_build_memory
        over = (
            f"{gib:.1f} GiB to build, more than BuildOptions.max_build_memory = "
            f"{limit:g} GiB"
        )
    else:
        return estimate
    obj = estimate.largest()
    raise ModelTooLarge(
        f"{obj}: too large to build -- the model needs {over} "
        f"({estimate.describe()}; {obj} and its inputs alone "
        f"{estimate.by_object[obj]:,} cores). Use fewer neurons or dimensions (an "
        "ensemble array of small ensembles instead of one wide ensemble), run it on "
        "the host (network.config[obj].on_chip = False after "
        "nengo_truenorth.add_params(network)), or raise the limit "
        f"(Model(options={{'{'max_cores' if resource == 'cores' else 'max_build_memory'}'"
        ": ...}) passed as Simulator(..., model=model))",
        obj=obj,
        resource=resource,
        estimate=value,
        limit=limit,
    )
