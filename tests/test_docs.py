"""The documentation site's sources hold together without Sphinx (``make docs``
builds the site itself, failing on any warning)."""

import os
import re
import runpy
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DOCS = Path(__file__).parent.parent / "docs"


def toctree_entries():
    """The pages named in the toctrees of ``docs/index.rst``."""
    text = (DOCS / "index.rst").read_text(encoding="utf-8")
    entries = set()
    for block in re.findall(r"\.\. toctree::\n((?:\n|   .*\n)+)", text):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith(":"):
                entries.add(line)
    return entries


def test_every_markdown_page_is_in_the_site():
    pages = {
        str(path.relative_to(DOCS).with_suffix("")).replace(os.sep, "/")
        for path in DOCS.rglob("*.md")
        if "_build" not in path.parts
    }
    assert pages, "no Markdown pages found"
    assert pages <= toctree_entries(), pages - toctree_entries()


def test_the_docs_example_runs_on_the_chip_as_well_as_in_nengo(capsys):
    try:
        names = runpy.run_path(str(DOCS / "examples" / "chip_squaring.py"))
    finally:
        plt.close("all")
    printed = capsys.readouterr().out
    rmse = dict(re.findall(r"(\S+Simulator): RMSE to x\*\*2 ([\d.]+)", printed))
    assert set(rmse) == {"nengo.Simulator", "nengo_truenorth.Simulator"}, printed
    # measured 0.024 in Nengo and 0.023 on the chip
    assert float(rmse["nengo_truenorth.Simulator"]) < 0.06, printed
    assert names["resources"]["cores"] >= 1
    assert np.isfinite(names["energy"].total) and names["energy"].total > 0
