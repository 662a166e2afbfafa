"""``example-output``: run an example script at build time and show what it prints.

Usage in a page::

    .. example-output:: examples/chip_squaring.py
       :timeout: 60

The script runs in a fresh Python process (this interpreter, matplotlib's Agg backend,
the page's folder as working directory, the folders of ``example_output_path`` in
``PYTHONPATH``); its standard output becomes a literal block.
A script that fails or runs past the timeout fails the build with its error output.
"""

import os
import subprocess
import sys

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective


class ExampleOutput(SphinxDirective):
    """Run the script named by the argument; show its standard output."""

    required_arguments = 1
    option_spec = {"timeout": directives.positive_int}

    def run(self):
        relative, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(relative)
        timeout = self.options.get("timeout", 60)
        env = dict(os.environ, MPLBACKEND="Agg")
        # the folders conf.py puts on sys.path (the project's root), for the script too
        path_entries = [*self.config.example_output_path, env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in path_entries if p)
        try:
            done = subprocess.run(
                [sys.executable, path],
                check=False,
                cwd=os.path.dirname(path),
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as err:
            raise ExtensionError(
                f"{self.get_location()}: {relative} ran past {timeout} s"
            ) from err
        if done.returncode != 0:
            raise ExtensionError(
                f"{self.get_location()}: {relative} exited with {done.returncode}:\n"
                f"{done.stderr}"
            )
        block = nodes.literal_block(done.stdout, done.stdout)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_config_value("example_output_path", [], "env")
    app.add_directive("example-output", ExampleOutput)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
