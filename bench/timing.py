"""What the benchmarks share: the best-of-n timer, and PyTorch when it is installed (limited to
2 threads, so that comparisons on a shared machine stay fair)."""
import time


def best_of(fn, repeat):
    """(smallest wall time of `repeat` calls — the least disturbed run —, the last result)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def optional_torch():
    """The torch module set to 2 threads, or None (tables then leave PyTorch out)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    return torch
