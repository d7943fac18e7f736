# The two commands a newcomer runs: `make train` (the main job) and `make test` (the whole suite).
# Both create the virtual environment .venv from nothing but Python >= 3.10 and pip, and each
# installs only what it needs:
#   make train   graphgrad with its runtime extras (matplotlib for curves.png, tqdm, safetensors)
#   make test    the same plus the test tools, SymPy and PyTorch (the oracle of the comparison
#                tests; PyPI's Linux build of torch bundles CUDA: for the CPU build, say
#                make test TORCH_INDEX=https://download.pytorch.org/whl/cpu)
# Each install is redone when pyproject.toml changes.
PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
TORCH       ?= torch==2.13.0
TORCH_INDEX ?=
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: train demo test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip

$(VENV)/.installed-train: pyproject.toml | $(PY)
	$(PIP_INSTALL) -e '.[plot,progress,safetensors]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP_INSTALL) -e '.[test,all]' '$(TORCH)' $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX))
	touch $@

train: $(VENV)/.installed-train
	$(PY) -m graphgrad train

demo: $(VENV)/.installed-train
	$(PY) -m graphgrad demo

test: $(VENV)/.installed-test
	$(PY) -m ruff check src tests bench examples tools
	$(PY) -m pytest

bench: $(VENV)/.installed-test
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .hypothesis
