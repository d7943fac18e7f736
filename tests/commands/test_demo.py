"""`graphgrad demo` in a subprocess: 004's example, where both modes and the closed form agree."""
import re
import subprocess
import sys

import numpy as np


def test_demo_prints_three_equal_derivatives():
    done = subprocess.run([sys.executable, "-m", "graphgrad", "demo", "--x", "0.7"],
                          capture_output=True, text=True, timeout=120, check=True)
    found = {m[0]: float(m[1]) for m in re.findall(r"^(\w[\w ()0-9]*?):\s+df/dx = (\S+)$",
                                                    done.stdout, flags=re.M)}
    assert set(found) == {"backward propagation", "forward propagation", "closed form (004)"}
    s = 0.49 + np.exp(0.49)
    expected = 2 * 0.7 * (1 / (2 * np.sqrt(s)) - np.sin(s)) * (1 + np.exp(0.49))
    for value in found.values():
        assert abs(value - expected) < 1e-9
    assert "c = a + b" in done.stdout and "d = sqrt(c)" in done.stdout
