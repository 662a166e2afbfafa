"""Command line: run model files on an emulator, or validate them.

::

    python -m nengo_truenorth run MODEL.json --ticks N [--input IN.json] \\
        --output OUT.json [--emulator NAME] [--summary]
    python -m nengo_truenorth validate MODEL.json

``run`` writes the spikes of every output port (ports without spikes included) to
``OUT.json`` as a spike file, and exits 0. A model file or spike file that breaks a
rule of the chip specification, an input port the model lacks, or a file that cannot
be read gives a message starting with ``error:`` on stderr and exit status 2; nothing
runs and the output file is neither created nor changed. Usage errors also exit 2.
"""

import argparse
import sys

from .emulator import EMULATORS, get_emulator
from .files import load_model, load_spikes, save_spikes
from .hardware.errors import HardwareModelError, SpikeFileError

#: Exit status of a successful command.
EXIT_OK = 0
#: Exit status of a refused command: bad usage, bad model or spike file, missing file.
EXIT_REFUSED = 2


class CommandError(Exception):
    """A refused command; the message is printed after ``error:``."""


def default_emulator():
    """str: the emulator ``run`` uses by default (``"fast"`` where it exists)."""
    return "fast" if "fast" in EMULATORS else "reference"


def _ticks(text):
    try:
        ticks = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if ticks < 0:
        raise argparse.ArgumentTypeError(f"{ticks} is negative (allowed: 0 or more)")
    return ticks


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

    run = commands.add_parser(
        "run",
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
        help="check a model file against the chip specification",
        description="Check MODEL and print a one-line summary of it.",
    )
    validate.add_argument("model", metavar="MODEL.json", help="model file")
    validate.set_defaults(handler=validate_command)
    return parser


def _load_model(path):
    try:
        return load_model(path)
    except HardwareModelError as e:
        raise CommandError(f"{path}: {e}") from None
    except OSError as e:
        raise CommandError(f"{path}: cannot read model file: {e.strerror}") from None


def _load_inputs(path, model, ticks):
    if path is None:
        return {}
    try:
        return load_spikes(path, model=model, kind="inputs", ticks=ticks)
    except SpikeFileError as e:
        raise CommandError(f"{path}: {e}") from None
    except OSError as e:
        raise CommandError(f"{path}: cannot read spike file: {e.strerror}") from None


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
    model = _load_model(args.model)
    inputs = _load_inputs(args.input, model, args.ticks)
    emulator = get_emulator(args.emulator)(model)
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
    model = _load_model(args.model)
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
        model or spike file, unknown input port, missing file).

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
