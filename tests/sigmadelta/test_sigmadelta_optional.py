"""The core imports without TensorFlow; the dl modules say how to install it."""

import importlib
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["nengo_sigmadelta.dl", "nengo_sigmadelta.keras_layers"]
)
def test_dl_modules_without_tensorflow_name_the_extra(module, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import fails as if absent
    monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[dl\]"'):
        importlib.import_module(module)


def test_core_does_not_import_tensorflow():
    code = (
        "import sys, nengo_sigmadelta, nengo; "
        "net = nengo.Network(); "
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
