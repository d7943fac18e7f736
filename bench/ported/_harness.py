"""The hooks a ported program calls (each call is a line marked ``[ported]`` in the program).

The program picks its library from ``$PORTED_BACKEND`` (``torch``, the default, or
``graphgrad``); run.py sets these variables for each run:

- ``PORTED_INIT``: a ``.npz`` file of initial weights. `sync_init` writes the model's
  state_dict there as NumPy arrays when the file does not exist yet (the PyTorch run, which goes
  first) and loads it otherwise, so every run of a program starts from the same weights.
- ``PORTED_RESEED``: reseed the library's global generator right after `sync_init` (run.py uses
  it for a second PyTorch run that differs from the first only in its random draws).
- ``PORTED_RECORD``: a JSON-lines file; `record` appends one line per value, and the time since
  this module was imported (the library is imported before it, so its import is not counted).
"""
import atexit
import json
import os
import time

import numpy as np

BACKEND = os.environ.get("PORTED_BACKEND", "torch")
_T0 = time.perf_counter()


def _lib():
    if BACKEND == "graphgrad":
        import graphgrad as lib
    else:
        import torch as lib
    return lib


def _write(entry):
    path = os.environ.get("PORTED_RECORD")
    if path:
        entry["t"] = time.perf_counter() - _T0
        with open(path, "a") as f:
            f.write(json.dumps(entry) + "\n")


def sync_init(model):
    """Write the model's initial state_dict to $PORTED_INIT, or load it from there."""
    lib, path = _lib(), os.environ.get("PORTED_INIT")
    if path and os.path.exists(path):
        with np.load(path) as f:
            state = {k: lib.tensor(f[k]) for k in f.files}
        model.load_state_dict(state)
        _write({"event": "init_loaded"})
    elif path:
        state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
        np.savez(path, **state)
        _write({"event": "init_saved"})
    if os.environ.get("PORTED_RESEED"):
        lib.manual_seed(int(os.environ["PORTED_RESEED"]))
    return model


def record(name, value):
    """Note a value the program computed (a loss), for run.py's table."""
    _write({"name": name, "value": float(value)})


atexit.register(lambda: _write({"event": "exit"}))
