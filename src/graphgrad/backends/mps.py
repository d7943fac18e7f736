"""``gg.backends.mps``: Apple's Metal backend is not used by graphgrad."""


def is_available() -> bool:
    """False: graphgrad computes with NumPy on the CPU."""
    return False


def is_built() -> bool:
    """False: graphgrad is not built with MPS."""
    return False
