"""Process-wide switches the engine reads on every operation (kept in one tiny module so that
reading them is a single attribute lookup)."""
from itertools import count

import numpy as np

#: Whether operations on tensors that require grad are recorded (``no_grad`` turns this off).
grad_enabled = True

#: Monotonic clock: every recorded operation and every in-place change takes the next tick.
#: Recorded nodes are ordered by it (a valid topological order), and a saved input whose last
#: change is newer than the node that saved it has been modified in place.
clock = count(1)

#: Tick of the most recent in-place change (0: none yet), so backward can skip version checks.
last_inplace = 0

#: Forward-mode levels currently active (each ``jvp`` pushes a fresh, never reused id). Always
#: this same list, changed in place (recording.py keeps a direct reference to it).
fwd_levels = []

#: Tangents of levels at or above this ceiling are invisible while a higher level is expanded.
fwd_ceiling = float("inf")

#: Anomaly detection: check every backward result for NaN/Inf and remember forward stacks.
anomaly = False

#: The floating-point dtype of tensors made from Python floats and of factory functions without
#: dtype= (PyTorch's default dtype; gg.set_default_dtype changes it).
default_float = np.dtype(np.float32)
