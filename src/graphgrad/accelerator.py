"""``gg.accelerator``: PyTorch's device-agnostic accelerator queries. graphgrad computes on the
CPU, which PyTorch does not count as an accelerator."""


def is_available() -> bool:
    """False: no accelerator (CUDA, MPS, XPU, ...) is used by graphgrad."""
    return False


def device_count() -> int:
    return 0


def current_accelerator(check_available: bool = False) -> None:
    """None: there is no accelerator."""
    return None
