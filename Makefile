# The two commands a newcomer runs: `make train` (the main job) and `make test` (the whole suite).
# Both create their own virtual environment in .venv from nothing but Python 3 and pip.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: train demo test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,all]' torch==2.13.0
	touch $@

train: $(VENV)/.installed
	$(PY) -m graphgrad train

demo: $(VENV)/.installed
	$(PY) -m graphgrad demo

test: $(VENV)/.installed
	$(PY) -m ruff check src tests bench examples tools
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .hypothesis
