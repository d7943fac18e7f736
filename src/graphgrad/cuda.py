"""``gg.cuda``: PyTorch's CUDA queries, answered for a library that runs on the CPU only, so
that device-picking code (``'cuda' if gg.cuda.is_available() else 'cpu'``) runs unchanged."""


def is_available() -> bool:
    """False: graphgrad has no CUDA device."""
    return False


def device_count() -> int:
    """0 CUDA devices."""
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed without CUDA (as PyTorch, which ignores it when CUDA is absent)."""


def manual_seed_all(seed: int) -> None:
    """Nothing to seed without CUDA (as PyTorch, which ignores it when CUDA is absent)."""
