"""The package itself: what importing it loads, its version, its chip entry point.

No TensorFlow needed: these run in the core environment too.
"""

import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

import nengo_sigmadelta
import nengo_sigmadelta.version


def run_python(code):
    """Run ``code`` in a fresh interpreter; return the finished process."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_import_loads_nothing_of_nengo_truenorth_nor_numba():
    # the chip backend (and its numba emulator) load only when the backend is used:
    # it finds the ΣΔ chip mapping through the entry point, not through this import
    result = run_python(
        """
        import sys
        import nengo_sigmadelta

        loaded = sorted(m for m in sys.modules
                        if m.split(".")[0] in ("nengo_truenorth", "numba"))
        assert not loaded, loaded
        """
    )
    assert result.returncode == 0, result.stderr


def test_version_equals_the_distributions():
    # both packages ship in one distribution, whose version setup.cfg reads from
    # nengo_truenorth.version; nengo_sigmadelta keeps its own copy of the constant
    import nengo_truenorth.version

    assert nengo_sigmadelta.version.version == nengo_truenorth.version.version
    assert nengo_sigmadelta.__version__ == nengo_sigmadelta.version.version


def test_chip_mapping_is_an_entry_point_of_the_backend():
    found = [
        ep
        for ep in entry_points(group="nengo_truenorth.neuron_mappings")
        if ep.name == "sigmadelta"
    ]
    assert len(found) == 1, "reinstall: pip install -e '.[test]'"
    assert found[0].value == "nengo_sigmadelta.truenorth:register"
