"""Command line: run model files on an emulator, or validate them.

::

    python -m nengo_truenorth run MODEL.json --ticks N [--input IN.json] \\
        --output OUT.json [--emulator NAME] [--summary] [LIMITS]
    python -m nengo_truenorth validate MODEL.json [LIMITS]

    LIMITS: [--max-file-mb MB] [--max-cores N]

``run`` writes the spikes of every output port (ports without spikes included) to
``OUT.json`` as a spike file, and exits 0. A model file or spike file that breaks a
rule of the chip specification or a limit, an input port the model lacks, a file that
cannot be read, an output that is one of the input files or lies in a folder that
does not exist gives a message starting with ``error:`` on stderr and exit status 2;
nothing runs and the output file is neither created nor changed. Usage errors also
exit 2.

Files larger than ``--max-file-mb`` (default 256 MB) are refused before they are
read, and models of more than ``--max-cores`` cores (default 4,096, one chip) before
their cores are built. A run's memory grows with the output spikes it records, not
with ``--ticks``.
"""

import argparse
import math
import os
import sys

from .emulator import EMULATORS, get_emulator
from .files import MAX_CORES, MAX_FILE_BYTES, load_model, load_spikes, save_spikes
from .hardware.errors import HardwareModelError, SpikeFileError

#: Exit status of a successful command.
EXIT_OK = 0
#: Exit status of a refused command: bad usage, bad model or spike file, missing file.
EXIT_REFUSED = 2

#: Bytes of the megabyte of ``--max-file-mb``.
MEGABYTE = 10**6
#: The longest run ``--ticks`` takes: tick arithmetic stays well inside ``int64``.
MAX_TICKS = 2**62
#: The flag that raises each limit of the loaders, by the field their errors name.
LIMIT_FLAGS = {"file size": "--max-file-mb", "number of cores": "--max-cores"}


class CommandError(Exception):
    """A refused command; the message is printed after ``error:``."""


def default_emulator():
    """str: the emulator ``run`` uses by default (``"fast"`` where it exists)."""
    return "fast" if "fast" in EMULATORS else "reference"


def _integer(text, hi=None, allowed="0 or more"):
    """``text`` as an integer in ``0..hi`` (``hi`` None: no limit), for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0 or (hi is not None and value > hi):
        raise argparse.ArgumentTypeError(f"{value} is not allowed (allowed: {allowed})")
    return value


def _ticks(text):
    return _integer(text, MAX_TICKS, "0..2**62")


def _max_cores(text):
    return _integer(text)


def _max_file_bytes(text):
    """``--max-file-mb`` in bytes."""
    try:
        megabytes = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(megabytes) and megabytes > 0):
        raise argparse.ArgumentTypeError(
            f"{text} is not allowed (allowed: a number of megabytes > 0)"
        )
    return int(megabytes * MEGABYTE)


def _limits_parser():
    """The flags of the loaders' limits, shared by every command."""
    limits = argparse.ArgumentParser(add_help=False)
    limits.add_argument(
        "--max-file-mb",
        dest="max_file_bytes",
        type=_max_file_bytes,
        default=MAX_FILE_BYTES,
        metavar="MB",
        help="refuse larger model and spike files, in MB of 10**6 bytes "
        f"(default: {MAX_FILE_BYTES // MEGABYTE})",
    )
    limits.add_argument(
        "--max-cores",
        type=_max_cores,
        default=MAX_CORES,
        metavar="N",
        help="refuse models of more cores (default: %(default)s, one chip)",
    )
    return limits


def make_parser():
    """The ``argparse`` parser of the command line.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="nengo-truenorth",
        description="Run or check TrueNorth model files on an emulated chip.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    limits = _limits_parser()

    run = commands.add_parser(
        "run",
        parents=[limits],
        help="run a model file and write its output spikes",
        description="Run MODEL for N ticks and write every output port's spikes.",
    )
    run.add_argument("model", metavar="MODEL.json", help="model file")
    run.add_argument(
        "--ticks", type=_ticks, required=True, metavar="N", help="ticks to run"
    )
    run.add_argument(
        "--input", metavar="IN.json", help="spike file of the input ports' spikes"
    )
    run.add_argument(
        "--output", required=True, metavar="OUT.json", help="spike file to write"
    )
    run.add_argument(
        "--emulator",
        choices=sorted(EMULATORS),
        default=default_emulator(),
        help="emulator to run on (default: %(default)s)",
    )
    run.add_argument(
        "--summary", action="store_true", help="print a one-line activity summary"
    )
    run.set_defaults(handler=run_command)

    validate = commands.add_parser(
        "validate",
        parents=[limits],
        help="check a model file against the chip specification",
        description="Check MODEL and print a one-line summary of it.",
    )
    validate.add_argument("model", metavar="MODEL.json", help="model file")
    validate.set_defaults(handler=validate_command)
    return parser


def _refusal(path, error):
    """The message of a refused file, naming the flag that lifts a limit it broke."""
    flag = LIMIT_FLAGS.get(error.field)
    hint = f"; {flag} raises the limit" if flag else ""
    return f"{path}: {error}{hint}"


def _load_model(args):
    try:
        return load_model(
            args.model, max_bytes=args.max_file_bytes, max_cores=args.max_cores
        )
    except HardwareModelError as e:
        raise CommandError(_refusal(args.model, e)) from None
    except OSError as e:
        raise CommandError(
            f"{args.model}: cannot read model file: {e.strerror}"
        ) from None


def _load_inputs(args, model):
    if args.input is None:
        return {}
    try:
        return load_spikes(
            args.input,
            model=model,
            kind="inputs",
            ticks=args.ticks,
            max_bytes=args.max_file_bytes,
        )
    except SpikeFileError as e:
        raise CommandError(_refusal(args.input, e)) from None
    except OSError as e:
        raise CommandError(
            f"{args.input}: cannot read spike file: {e.strerror}"
        ) from None


def _same_file(a, b):
    """True if paths ``a`` and ``b`` name one file (through links, or as written)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def check_output_path(output, inputs):
    """Refuse an output path that a run could not write, before the run.

    Parameters
    ----------
    output : str
        The spike file to write.
    inputs : dict of str to str or None
        The files the run reads, by what they are (``"model file"``...).

    Raises
    ------
    CommandError
        If ``output`` is one of ``inputs``, is a folder, or lies in a folder that
        does not exist or cannot be written.
    """
    for what, path in inputs.items():
        if path is not None and _same_file(output, path):
            raise CommandError(
                f"{output}: the output is the {what} {path}; it would be overwritten"
            )
    folder = os.path.dirname(os.path.abspath(output))
    cannot = f"{output}: cannot write spike file"
    if not output or output.endswith(("/", os.sep)):
        raise CommandError(f"{cannot}: not the path of a file")
    if not os.path.isdir(folder):
        raise CommandError(f"{cannot}: folder {folder} does not exist")
    if os.path.isdir(output):
        raise CommandError(f"{cannot}: it is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"{cannot}: folder {folder} is not writable")


def describe_model(model):
    """One line about a model: cores, chips, ports and whether it is deterministic.

    Parameters
    ----------
    model : ChipModel

    Returns
    -------
    str
    """

    def count(n, word):
        return f"{n} {word}{'' if n == 1 else 's'}"

    kind = "deterministic" if model.is_deterministic else "stochastic"
    return (
        f"{count(len(model.cores), 'core')} on {count(len(model.chips), 'chip')}, "
        f"{count(len(model.inputs), 'input port')}, "
        f"{count(len(model.outputs), 'output port')}, {kind}"
    )


def describe_activity(activity):
    """One line of activity totals (:attr:`.Activity.totals`) after a run.

    Returns
    -------
    str
    """
    totals = activity.totals
    return "summary: " + ", ".join(
        f"{name.replace('_', ' ')} {value}" for name, value in totals.items()
    )


def run_command(args):
    """``run``: load, check, run and write the output spikes."""
    check_output_path(
        args.output, {"model file": args.model, "input spike file": args.input}
    )
    model = _load_model(args)
    inputs = _load_inputs(args, model)
    emulator = get_emulator(args.emulator)(model)
    if args.ticks > emulator.max_exact_ticks:
        raise CommandError(
            f"--ticks {args.ticks}: the activity counters of {args.model} stay exact "
            f"for at most {emulator.max_exact_ticks} ticks"
        )
    outputs = emulator.run(args.ticks, inputs)
    try:
        save_spikes(outputs, args.output, model=model, kind="outputs")
    except OSError as e:
        raise CommandError(f"{args.output}: cannot write spike file: {e.strerror}")
    if args.summary:
        print(describe_activity(emulator.activity))
    return EXIT_OK


def validate_command(args):
    """``validate``: load and check a model file, print a one-line summary."""
    model = _load_model(args)
    print(f"{args.model}: valid, {describe_model(model)}")
    return EXIT_OK


def main(argv=None):
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 for a refused command (usage error, invalid
        or oversized model or spike file, unknown input port, missing file, an
        output path that cannot or must not be written).

    Examples
    --------
    >>> main(["validate", "nengo_truenorth/examples/ring.json"])  # doctest: +SKIP
    nengo_truenorth/examples/ring.json: valid, 4 cores on 1 chip, ...
    0
    """
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse has printed its usage message already
        return e.code if isinstance(e.code, int) else EXIT_REFUSED
    try:
        return args.handler(args)
    except CommandError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
