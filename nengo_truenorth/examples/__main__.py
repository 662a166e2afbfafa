"""Regenerate the shipped example model files: ``python -m nengo_truenorth.examples``.

An optional argument names another folder to write them into.
"""

import sys

from . import EXAMPLES_DIR, write_examples


def main(argv=None):
    """Write the example model files; return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    directory = argv[0] if argv else EXAMPLES_DIR
    for path in write_examples(directory):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
