"""The training package sits behind the dl extra; the backend never loads TensorFlow."""

import importlib
import subprocess
import sys

import pytest


def test_training_without_tensorflow_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import fails as if absent
    for name in [m for m in sys.modules if m.startswith("nengo_truenorth.training")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[dl\]"'):
        importlib.import_module("nengo_truenorth.training")


def test_importing_the_backend_loads_no_tensorflow():
    code = (
        "import sys, nengo, nengo_truenorth; "
        "from nengo_truenorth import Simulator, TrueNorthNeuron; "
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'; "
        "assert 'nengo_truenorth.training' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
