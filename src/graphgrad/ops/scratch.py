"""Scratch buffers that repeat from step to step (the column buffer of a convolution, the
GEMM outputs around it): the same array comes back for the same shape and dtype once nothing
else holds it, so a training loop allocates them once instead of once per step.

An array is free when only the pool refers to it: no view of it (a residual saved for the
backward, a gradient still in use) is alive. The check is CPython's reference count, so a
buffer someone still reads is never handed out again. Shapes not asked for during the last
STALE requests (a smaller last batch, an evaluation pass) lose their idle buffers when a new
shape comes, and the pool holds at most LIMIT bytes (a large inference batch's buffers are
not kept), so it holds about one training step's worth of scratch.
"""
import sys
import threading

import numpy as np

_pool = {}                  # (shape, dtype) → [last request number, arrays free or in use]
_lock = threading.Lock()
_requests = 0
#: Arrays kept per (shape, dtype): as many as one step holds at once.
PER_SHAPE = 4
#: Requests after which a shape's idle buffers may be released.
STALE = 64
#: Bytes the pool may hold.
LIMIT = 256 * 2 ** 20


def _references(bucket, i):
    return sys.getrefcount(bucket[i])


_FREE = _references([np.empty(0)], 0)       # the count of an array only the pool holds


def scratch(shape, dtype):
    """An uninitialised array of this shape and dtype that nothing else refers to."""
    global _requests
    key = (tuple(int(n) for n in shape), np.dtype(dtype))
    with _lock:
        _requests += 1
        entry = _pool.get(key)
        if entry is None:
            _release(key, lambda last: _requests - last > STALE)
            entry = _pool[key] = [0, []]
        entry[0] = _requests
        bucket = entry[1]
        for i in range(len(bucket)):
            if _references(bucket, i) <= _FREE:
                return bucket[i]
        array = np.empty(key[0], key[1])
        if len(bucket) < PER_SHAPE:
            if _held() + array.nbytes > LIMIT:
                _release(key, lambda last: True)
            if _held() + array.nbytes <= LIMIT:
                bucket.append(array)
        return array


def _held():
    return sum(a.nbytes for _, bucket in _pool.values() for a in bucket)


def _release(keep, stale):
    """Drop the idle buffers of the shapes other than keep for which stale(last request
    number) holds."""
    for key, (last, bucket) in list(_pool.items()):
        if key != keep and stale(last):
            busy = [i for i in range(len(bucket)) if _references(bucket, i) > _FREE]
            bucket[:] = [bucket[i] for i in busy]
            if not bucket:
                del _pool[key]


def clear():
    """Forget every idle buffer (their memory goes back when nothing else holds them)."""
    with _lock:
        _pool.clear()
