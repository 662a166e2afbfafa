"""Where a benchmark's figures come from: the commit of the checkout that ran it.

The benchmark scripts write it into their JSON (``"commit"``) beside the command,
so that a figure in the docs can be traced to the code that measured it.
"""

import subprocess
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
