"""Sphinx configuration of the nengo-truenorth documentation (``make docs``).

The site is the Markdown pages of this folder (read by myst-parser, as they are), the
API reference from the numpydoc docstrings, and examples executed at build time (the
``plot`` directive of matplotlib, and ``example-output`` of ``_ext/example_output.py``).
"""

import inspect
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "_ext"))
sys.path.insert(0, ROOT)

from sphinx.ext.autodoc.mock import _MockObject  # noqa: E402
from sphinx.util.inspect import stringify_signature  # noqa: E402

import nengo_truenorth  # noqa: E402

project = "nengo-truenorth"
author = "the nengo-truenorth developers"
copyright = "the nengo-truenorth developers"
release = nengo_truenorth.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "matplotlib.sphinxext.plot_directive",
    "example_output",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
templates_path = []

# --- Markdown pages (myst-parser) ----------------------------------------------------
# the pages link to each other's sections by GitHub's anchors (#measure-the-activity-first)
myst_heading_anchors = 4

# --- API reference (autodoc + numpydoc) ----------------------------------------------
autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": True}
autodoc_typehints = "none"
# TensorFlow, Keras and NengoDL live behind the ``dl`` extra, in .venv-dl: the core
# environment documents the modules that import them with those imports mocked.
autodoc_mock_imports = ["tensorflow", "keras", "keras_lmu", "nengo_dl"]
# The modules register their builders with NengoDL on import
# (``SimNeuronsBuilder.TF_NEURON_IMPL[...] = ...``): let the mocks take item assignment.
_MockObject.__setitem__ = lambda self, key, value: None
# numpydoc lists the members autodoc already documents; no autosummary tables
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- examples run at build time ------------------------------------------------------
example_output_path = [ROOT]
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 96)]
plot_rcparams = {"figure.figsize": (7, 3.2)}
plot_apply_rcparams = True

# --- HTML ------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"nengo-truenorth {release}"
html_static_path = []
html_theme_options = {"description": "Nengo on an emulated IBM TrueNorth chip"}


def _signature_past_mocked_base(app, what, name, obj, options, signature, ret):
    """A class on a mocked base (a Keras layer) shows its own ``__init__``'s signature.

    Autodoc would take the mock's ``__new__(*args, **kwargs)`` instead.
    """
    if what != "class" or not isinstance(obj, type) or not issubclass(obj, _MockObject):
        return None
    for klass in obj.__mro__:
        if "__init__" in vars(klass):
            break
    if klass is _MockObject or issubclass(_MockObject, klass):
        return None  # no __init__ of its own: the mock's is all there is
    sig = inspect.signature(klass.__init__)
    sig = sig.replace(parameters=list(sig.parameters.values())[1:])
    return stringify_signature(sig, show_annotation=False), ret


def setup(app):
    app.connect("autodoc-process-signature", _signature_past_mocked_base)
