# Quick start: `make demo` runs the main demo, `make test` runs the tests.
# Each sets up a local virtual environment (.venv) on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test
# The [dl] extra pins TensorFlow 2.12's stack (numpy < 1.24.4), so it lives in a
# virtual environment of its own; its tests are those that need TensorFlow.
DL_VENV ?= .venv-dl
DL_PY := $(DL_VENV)/bin/python
DL_STAMP := $(DL_VENV)/.installed-dl
DL_TESTS ?= tests/sigmadelta tests/training tests/convnet tests/qc
GUI_STAMP := $(VENV)/.installed-gui
# the documentation site (Sphinx, in the core environment; docs/conf.py)
DOCS_STAMP := $(VENV)/.installed-docs
DOCS_BUILD ?= docs/_build
OUT ?= out

# Nengo's own test suite against nengo_truenorth.Simulator (its own pytest config;
# unsupported tests are listed there with their reasons).
NENGO_SUITE_INI ?= tests/nengo-suite/pytest.ini
NENGO_SUITE_JOBS ?= auto

.PHONY: venv test test-core test-dl test-nengo test-slow test-gui docs demo demo-chip bench lint clean

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

$(DL_STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(DL_VENV)
	$(DL_PY) -m pip install --quiet --upgrade pip
	$(DL_PY) -m pip install --quiet -e ".[test,dl]"
	touch $@

test: test-core test-dl test-nengo docs

test-core: $(STAMP)
	$(PY) -m pip check
	$(PY) -m pytest -q

test-dl: $(DL_STAMP)
	$(DL_PY) -m pip check
	$(DL_PY) -m pytest -q $(DL_TESTS)

test-nengo: $(STAMP)
	$(PY) -m pytest -c $(NENGO_SUITE_INI) --pyargs nengo -q -n $(NENGO_SUITE_JOBS)

# NengoGUI on the chip in headless Chromium (Debian: apt install chromium
# chromium-driver); the test skips where the browser is missing
$(GUI_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,gui]"
	touch $@

test-gui: $(GUI_STAMP)
	$(PY) -m pytest -q tests/gui -rs

# the Sphinx site: the Markdown pages, the API reference from the docstrings, and
# docs/examples run as it builds; any warning fails it (-E: every page re-read, so a
# warning is never hidden by an earlier build)
$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,docs]"
	touch $@

docs: $(DOCS_STAMP)
	$(PY) -m sphinx -W --keep-going -E -q -b html docs $(DOCS_BUILD)/html

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow --slow

# the main demo trains with NengoDL, so it runs in the [dl] environment
demo: $(DL_STAMP)
	$(DL_PY) -m nengo_truenorth.demo_training --out $(OUT)

# the chip on its own: a hand-built three-core model on two chips
demo-chip: $(STAMP)
	$(PY) -m nengo_truenorth.demo --out $(OUT)

bench: $(STAMP)
	$(PY) benchmarks/bench_emulators.py

clean:
	rm -rf $(VENV) $(DL_VENV) $(OUT) $(DOCS_BUILD) *.egg-info
