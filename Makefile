# Quick start: `make demo` runs the main demo, `make test` runs the tests.
# Each sets up a local virtual environment (.venv) on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test
DL_STAMP := $(VENV)/.installed-dl
OUT ?= out

.PHONY: venv test test-slow demo bench lint clean

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

test: $(STAMP)
	$(PY) -m pip check
	$(PY) -m pytest -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

demo: $(STAMP)
	$(PY) -m nengo_truenorth.demo --out $(OUT)

bench: $(STAMP)
	$(PY) benchmarks/bench_emulators.py

clean:
	rm -rf $(VENV) $(OUT) *.egg-info
