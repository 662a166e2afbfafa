"""Hardware limits of the TrueNorth chip (spec ``truenorth-chip.md`` §1 and §2).

Every range the hardware model, the emulators and the model files check comes from
this module, so that a limit is written down exactly once.
"""

#: Axons (inputs) per core.
AXONS_PER_CORE = 256
#: Neurons per core.
NEURONS_PER_CORE = 256
#: Axon types per core; each neuron has one signed weight per type.
N_AXON_TYPES = 4
#: A chip is a ``CHIP_SIZE`` x ``CHIP_SIZE`` mesh of cores.
CHIP_SIZE = 64
CORES_PER_CHIP = CHIP_SIZE * CHIP_SIZE
#: Seconds of model time in one tick: 1 ms, i.e. 1 kHz real time (spec §1).
TICK_SECONDS = 1e-3

#: Synaptic weights ``s[j][G]``.
WEIGHT_MIN, WEIGHT_MAX = -255, 255
#: Leak ``lambda``.
LEAK_MIN, LEAK_MAX = -255, 255
#: Thresholds ``alpha`` and ``beta`` (18 bits, unsigned).
THRESHOLD_MIN, THRESHOLD_MAX = 0, 2**18 - 1
#: Threshold mask bits ``TM``.
THRESHOLD_MASK_BITS_MAX = 17
#: Reset potential ``R``.
RESET_POTENTIAL_MIN, RESET_POTENTIAL_MAX = -(2**18 - 1), 2**18 - 1
#: Membrane potentials are 20-bit signed; V saturates at these bounds (spec §3.6).
POTENTIAL_MIN, POTENTIAL_MAX = -(2**19), 2**19 - 1
#: Delays of a neuron's destination, in ticks.
DELAY_MIN, DELAY_MAX = 1, 15
#: Probability denominator of stochastic synapses and leaks (``|s|/256``,
#: ``|lambda|/256``).
STOCHASTIC_DENOMINATOR = 256

#: Reset modes ``gamma``.
RESET_NORMAL, RESET_LINEAR, RESET_NONE = 0, 1, 2

#: Global mesh coordinates ``x`` and ``y``. The spec sets no bound (chips tile in 2-D);
#: this one, far beyond any real board, only keeps hop counts exact in int64.
COORDINATE_MIN, COORDINATE_MAX = 0, 2**31 - 1

#: Core seeds: any unsigned 64-bit integer.
SEED_MIN, SEED_MAX = 0, 2**64 - 1

#: Per-neuron fields of spec §2, in model-file order: name -> (width, lo, hi), where
#: width is the number of values per neuron (4: one per axon type).
NEURON_FIELDS = {
    "weights": (N_AXON_TYPES, WEIGHT_MIN, WEIGHT_MAX),
    "stochastic_weights": (N_AXON_TYPES, 0, 1),
    "leak": (1, LEAK_MIN, LEAK_MAX),
    "stochastic_leak": (1, 0, 1),
    "leak_reversal": (1, 0, 1),
    "threshold": (1, THRESHOLD_MIN, THRESHOLD_MAX),
    "negative_threshold": (1, THRESHOLD_MIN, THRESHOLD_MAX),
    "threshold_mask_bits": (1, 0, THRESHOLD_MASK_BITS_MAX),
    "reset_potential": (1, RESET_POTENTIAL_MIN, RESET_POTENTIAL_MAX),
    "reset_mode": (1, RESET_NORMAL, RESET_NONE),
    "negative_saturation": (1, 0, 1),
    "initial_potential": (1, POTENTIAL_MIN, POTENTIAL_MAX),
}

#: Destination fields of each neuron: name -> (lo, hi). ``target_core`` is -1 for none;
#: its upper bound is checked against the model's core ids, not a number.
DESTINATION_FIELDS = {
    "target_core": (-1, None),
    "target_axon": (0, AXONS_PER_CORE - 1),
    "target_delay": (DELAY_MIN, DELAY_MAX),
}
