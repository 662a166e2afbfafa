"""Where a benchmark's figures come from: the command, the commit, the machine.

The benchmark scripts write them into their JSON (``"command"``, ``"commit"``,
``"machine"``), so that a figure in the docs can be traced to the code that measured
it and to how busy the machine was.
"""

import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def git_commit(packages=("nengo_truenorth", "nengo_sigmadelta")):
    """The checkout's commit (``git rev-parse --short HEAD``), with ``+dirty`` where
    ``packages`` (folders of the checkout) have uncommitted changes; None outside
    git."""

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        dirty = git("status", "--porcelain", "--", *packages)
        return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def command(script, argv=None):
    """The command line that ran ``script`` (a benchmark's ``__file__``) with
    ``argv`` (default: this process's arguments), as ``python benchmarks/NAME ...``."""
    args = sys.argv[1:] if argv is None else argv
    return f"python benchmarks/{Path(script).name}" + "".join(" " + a for a in args)


def machine(load_start):
    """The machine a benchmark ran on, with the load average at its start
    (``os.getloadavg()`` then) and now."""
    return {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average_start": list(load_start),
        "load_average_end": list(os.getloadavg()),
        "python": platform.python_version(),
    }
