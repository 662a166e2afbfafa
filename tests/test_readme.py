"""The README's command-line lines run as written, on a fresh copy of the files."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def readme_cli_block():
    """The bash block of the README that runs ``python -m nengo_truenorth``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    (block,) = [b for b in blocks if "-m nengo_truenorth validate" in b]
    return block


def test_the_readme_command_line_example_runs_on_a_fresh_tree(tmp_path):
    examples = tmp_path / "nengo_truenorth" / "examples"
    examples.mkdir(parents=True)
    for name in ("ring.json", "ring-kick.json"):
        shutil.copy(ROOT / "nengo_truenorth" / "examples" / name, examples / name)
    script = readme_cli_block().replace(".venv/bin/python", sys.executable)
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "out" / "ring-spikes.json").is_file()
    # the kick starts the ring: 100 ticks of a wave that moves every 3 ticks
    spikes = re.search(r"spikes (\d+)", done.stdout)
    assert spikes and int(spikes[1]) == 34, done.stdout
