"""graphgrad's one backend, NumPy on the CPU: the limits of its number types (``gg.finfo``,
``gg.iinfo``, as ``torch.finfo``/``torch.iinfo``) and its threads (``gg.set_num_threads``,
``gg.get_num_threads``)."""
import os
import warnings

import numpy as np

from ..tensor import get_default_dtype


def _fmt(value):
    return f"{value:g}"


class finfo:
    """The limits of a floating-point (or complex) dtype, the default dtype if none is given:
    NumPy's finfo under PyTorch's names. bits; eps = the gap between 1 and the next number;
    max, min = ±the largest finite number; tiny = smallest_normal, the smallest positive normal
    number; resolution = 10^−precision (decimal digits); dtype: the name ('float32'; a complex
    dtype gives its real part's)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):
        dtype = np.dtype(get_default_dtype() if type is None else type)
        if dtype.kind not in "fc":
            raise TypeError(f"gg.finfo() requires a floating point input type, not {dtype}; "
                            "use gg.iinfo for integer types")
        info = np.finfo(dtype)
        self.bits, self.dtype = int(info.bits), info.dtype.name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision     # NumPy's is rounded to the dtype

    def __repr__(self):
        return (f"finfo(resolution={_fmt(self.resolution)}, min={_fmt(self.min)}, "
                f"max={_fmt(self.max)}, eps={_fmt(self.eps)}, "
                f"smallest_normal={_fmt(self.smallest_normal)}, tiny={_fmt(self.tiny)}, "
                f"dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype: NumPy's iinfo under PyTorch's names (bits, max, min,
    dtype, the name as 'int64'). bool is refused, as in PyTorch."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):
        dtype = np.dtype(type)
        if dtype.kind not in "iu":
            raise TypeError(f"gg.iinfo() requires an integer input type, not {dtype}; use "
                            "gg.finfo for floating-point types")
        info = np.iinfo(dtype)
        self.bits, self.max, self.min, self.dtype = int(info.bits), int(info.max), \
            int(info.min), dtype.name

    def __repr__(self):
        return f"iinfo(min={_fmt(self.min)}, max={_fmt(self.max)}, dtype={self.dtype})"


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


def set_num_threads(n):
    """The number of threads of NumPy's BLAS, which runs graphgrad's matrix products (matmul,
    linear, the convolutions' GEMMs); every other operation is NumPy's single-threaded loop, so
    this is all PyTorch's intra-op threads can mean here.

    Changing it in a running process needs the optional package threadpoolctl (not a
    dependency of graphgrad: ``pip install threadpoolctl``). Without it nothing changes: a
    RuntimeWarning says so, and the BLAS keeps the threads it started with; set
    OMP_NUM_THREADS (or OPENBLAS_NUM_THREADS, MKL_NUM_THREADS) before starting Python instead.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    tpc = _threadpoolctl()
    if tpc is None:
        warnings.warn(f"set_num_threads({n}) changes nothing: changing the threads of NumPy's "
                      "BLAS in a running process needs threadpoolctl (pip install "
                      "threadpoolctl); or set OMP_NUM_THREADS before starting Python",
                      RuntimeWarning, stacklevel=2)
        return
    tpc.threadpool_limits(limits=int(n), user_api="blas")


def get_num_threads():
    """The number of threads NumPy's BLAS uses (see set_num_threads). With threadpoolctl: the
    largest number among the BLAS libraries loaded, as they report it. Without it, what they
    start with: the first of OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS that is
    set, else the number of CPUs this process may run on (a BLAS built with a lower cap uses
    fewer, which only threadpoolctl can tell)."""
    tpc = _threadpoolctl()
    if tpc is not None:
        pools = [p["num_threads"] for p in tpc.threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            return max(pools)
    for name in _THREAD_VARIABLES:
        value = os.environ.get(name, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
