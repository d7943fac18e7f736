"""DistributedDataParallel: every rank holds the model, computes the gradient of its own shard
of the data, and the gradients are averaged across ranks, as torch.nn.parallel's.

After ``loss.backward()`` every parameter's .grad is ḡ = (1/N) Σ_r g_r on every rank, so the
same optimizer step keeps the copies equal. The gradients travel in flat buckets of about
``bucket_cap_mb`` megabytes (one MPI_Iallreduce per bucket, not one per parameter). Each
parameter has a tensor hook, which copies g_r / N into the parameter's slice of its bucket;
when the hooks of a bucket's parameters have all run, its Iallreduce (a sum) starts (buckets
in a fixed order, the same on every rank), and the last hook waits for them all and makes each
parameter's slice of the reduced buffer its .grad. Buckets hold the parameters in the reverse
order of ``module.parameters()``, the order in which a backward sweep usually finishes them.

Overlap: graphgrad's engine hands a leaf its gradient (running the leaf's hooks) as soon as the
sweep has passed the last operation that reads it (as PyTorch's AccumulateGrad), so a bucket's
Iallreduce starts while the sweep goes on through the earlier layers.
"""
import time
import weakref
from contextlib import contextmanager

import numpy as np

from ..nn.module import Module
from ..tensor import make
from . import comm


class _Slot:
    """Where one parameter's gradient lies in its bucket: `size` elements from `offset`, laid
    out like the parameter itself (a column-major weight gets a column-major slice), so that
    copying the gradient in is one pass and the optimizer's update, p ← p − ε ḡ, reads both
    operands in the same order."""

    __slots__ = ("ref", "offset", "size", "dims", "back")

    def __init__(self, p, offset):
        array = p.array
        order = sorted(range(array.ndim), key=lambda a: -abs(array.strides[a]))
        if not array.transpose(order).flags.c_contiguous:     # not dense: C order
            order = list(range(array.ndim))
        # weak: the hooks live in the engine's table for as long as the parameters do
        self.ref, self.offset, self.size = weakref.ref(p), offset, array.size
        self.dims = tuple(array.shape[a] for a in order)
        self.back = tuple(np.argsort(order).tolist())

    def view(self, flat):
        """This parameter's part of the bucket's buffer, in the parameter's shape and layout."""
        return flat[self.offset:self.offset + self.size].reshape(self.dims).transpose(self.back)


class _Bucket:
    """Consecutive parameters of one dtype whose gradients are reduced by one Iallreduce. Each
    backward fills a new buffer (``flat``), which then becomes the storage of their .grads."""

    __slots__ = ("dtype", "size", "slots", "scale", "flat", "ready", "request")

    def __init__(self, dtype, params, world):
        self.dtype, self.slots, offset = dtype, [], 0
        for p in params:
            self.slots.append(_Slot(p, offset))
            offset += p.array.size
        self.size = offset
        self.scale = dtype.type(1.0 / world)
        self.flat = self.request = None
        self.ready = 0


def _buckets(params, cap_bytes, world):
    """Consecutive parameters (in reverse order) grouped by dtype, each group up to cap_bytes
    (a parameter larger than the cap gets a bucket of its own)."""
    groups, current, used = [], None, 0
    for p in reversed(params):
        dtype = p.array.dtype
        if current is None or current[0] != dtype or (current[1] and used + p.array.nbytes >
                                                       cap_bytes):
            current, used = (dtype, []), 0
            groups.append(current)
        current[1].append(p)
        used += p.array.nbytes
    return [_Bucket(dtype, members, world) for dtype, members in groups]


class _Reducer:
    """The hooks and buckets that average the gradients of `params` across the group.

    Each rank's gradient enters its bucket already divided by N, in the copy's one pass (as
    PyTorch's reducer does), so the Iallreduce's sum is the mean ḡ = Σ_r g_r / N."""

    def __init__(self, params, cap_bytes, group):
        self.group = group
        self.buckets = _buckets(params, cap_bytes, group.size)
        self.slot = {id(s.ref()): (b, s) for b in self.buckets for s in b.slots}
        self.expected = len(self.slot)
        self.seen = set()
        self.launched = 0
        self.sync = True
        self.comm_seconds = 0.0                  # time spent starting and waiting for MPI
        self.reductions = 0
        self.handles = [s.ref().register_hook(self._hook_for(s.ref)) for b in self.buckets
                        for s in b.slots]

    def _hook_for(self, param_ref):
        def ddp_average(grad):
            return self._on_grad(param_ref(), grad)
        return ddp_average

    def _on_grad(self, p, grad):
        if not self.sync:
            return None                          # no_sync(): accumulate locally
        key = id(p)
        if key in self.seen:
            self.reset()
            raise comm.DistributedError(
                "DistributedDataParallel: a parameter received a second gradient before the "
                "gradients of the previous backward were all reduced: each synchronised "
                "backward must reach every parameter that requires grad, once (run a step's "
                "other backward passes under no_sync())")
        self.seen.add(key)
        bucket, slot = self.slot[key]
        if bucket.flat is None:
            bucket.flat = np.empty(bucket.size, bucket.dtype)
        target = slot.view(bucket.flat)
        if p.grad is not None:                    # gradients accumulated under no_sync()
            np.add(p.grad.array, grad.array, out=target, casting="same_kind")
            np.multiply(target, bucket.scale, out=target)
        else:
            np.multiply(grad.array, bucket.scale, out=target, casting="same_kind")
        bucket.ready += 1
        if bucket.ready == len(bucket.slots):
            self._launch_ready()
        if len(self.seen) == self.expected:
            return self._finish(p)
        return None

    def _launch_ready(self):
        """Start the Iallreduce of every full bucket, in bucket order (the same on all ranks:
        MPI requires collectives in the same order)."""
        MPI, began = self.group.MPI, time.perf_counter()
        while self.launched < len(self.buckets):
            bucket = self.buckets[self.launched]
            if bucket.ready < len(bucket.slots):
                break
            bucket.request = self.group.comm.Iallreduce(MPI.IN_PLACE, bucket.flat, op=MPI.SUM)
            self.launched += 1
        self.comm_seconds += time.perf_counter() - began

    def _finish(self, last):
        """Wait for every bucket, then .grad ← ḡ for every parameter: a view of the bucket's
        buffer, which the next backward no longer writes into. The last parameter's hook
        returns its average (the engine then stores it in .grad)."""
        began = time.perf_counter()
        for i, bucket in enumerate(self.buckets):
            comm.wait(bucket.request, f"the gradient all-reduce of bucket {i} "
                                      f"({bucket.flat.nbytes} bytes)", self.group)
            bucket.request = None
        self.comm_seconds += time.perf_counter() - began
        returned = None
        for bucket in self.buckets:
            flat, bucket.flat = bucket.flat, None
            for slot in bucket.slots:
                p = slot.ref()
                if p is None:
                    continue
                mean = slot.view(flat)
                if p is last:
                    p.grad, returned = None, mean
                else:
                    p.grad = make(mean)
        self.reductions += 1
        self.reset()
        return returned

    def reset(self):
        """Forget the backward under way (a buffer handed to MPI stays its bucket's)."""
        self.seen.clear()
        self.launched = 0
        for bucket in self.buckets:
            bucket.ready = 0
            bucket.request = None

    def pending(self):
        """The parameters whose gradient the unfinished reduction still waits for."""
        if not self.seen:
            return []
        return [s.ref() for b in self.buckets for s in b.slots if id(s.ref()) not in self.seen]

    def remove(self):
        for handle in self.handles:
            handle.remove()


class DistributedDataParallel(Module):
    """Data parallelism across the ranks of gg.distributed (torch.nn.parallel's
    DistributedDataParallel): parameters and buffers are broadcast from rank 0 at construction,
    the forward is the module's, and after backward every .grad holds the mean of the ranks'
    gradients, ḡ = (1/N) Σ_r ∂L_r/∂θ, reduced in buckets of about bucket_cap_mb MB.

    broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every rank
    before each forward, as PyTorch does; False keeps each rank's own. In a group of one
    (no MPI) it is the module itself, with no hooks. The state_dict's keys carry the prefix
    'module.' (as PyTorch's); ``ddp.module.state_dict()`` has the model's own keys."""

    def __init__(self, module, bucket_cap_mb=25, broadcast_buffers=True):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected a Module, got "
                            f"{type(module).__name__}")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be > 0, got "
                             f"{bucket_cap_mb!r}")
        comm.init()
        self.module = module
        self.bucket_cap_mb = float(bucket_cap_mb)
        self.broadcast_buffers = bool(broadcast_buffers)
        group = comm._group
        params = _unique(p for p in module.parameters() if p.requires_grad)
        comm.check_same("the model's parameters (names, shapes, dtypes)",
                        [(n, p.shape, str(p.dtype)) for n, p in module.named_parameters()])
        object.__setattr__(self, "_group", group)
        object.__setattr__(self, "reducer", None)
        if group.size > 1:
            _broadcast_coalesced(list(module.parameters()) + list(module.buffers()), group)
            cap = int(self.bucket_cap_mb * 1024 * 1024)
            object.__setattr__(self, "reducer", _Reducer(params, cap, group))

    def forward(self, *args, **kwargs):
        reducer = self.reducer
        if reducer is not None:
            missing = reducer.pending()
            if missing:
                reducer.reset()
                missing = {id(p) for p in missing}
                names = [n for n, p in self.module.named_parameters() if id(p) in missing]
                raise comm.DistributedError(
                    "DistributedDataParallel: the previous backward gave no gradient to "
                    f"{', '.join(names)}, so its reduction "
                    "did not finish; every parameter that requires grad must take part in "
                    "the loss of each iteration")
            if self.broadcast_buffers:
                buffers = list(self.module.buffers())
                if buffers:
                    _broadcast_coalesced(buffers, self._group)
        return self.module(*args, **kwargs)

    @contextmanager
    def no_sync(self):
        """Within this context backward only accumulates each rank's gradients in .grad; the
        first backward after it averages the accumulated gradients."""
        reducer = self.reducer
        if reducer is None:
            yield
            return
        old, reducer.sync = reducer.sync, False
        try:
            yield
        finally:
            reducer.sync = old

    @property
    def comm_seconds(self):
        """Seconds spent starting and waiting for the gradient all-reduces so far."""
        return 0.0 if self.reducer is None else self.reducer.comm_seconds

    def extra_repr(self):
        return f"bucket_cap_mb={self.bucket_cap_mb:g}, world_size={self._group.size}"


def _unique(params):
    seen, out = set(), []
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


def _broadcast_coalesced(tensors, group):
    """Rank 0's values into every rank's tensors, one Ibcast per dtype."""
    by_dtype = {}
    for t in _unique(tensors):
        by_dtype.setdefault(t.array.dtype, []).append(t)
    for dtype, members in by_dtype.items():
        flat = np.concatenate([t.array.reshape(-1) for t in members]) if group.rank == 0 \
            else np.empty(sum(t.array.size for t in members), dtype)
        comm.wait(group.comm.Ibcast(flat, root=0), f"the broadcast of {len(members)} "
                  f"{dtype} tensors from rank 0", group)
        offset = 0
        for t in members:
            np.copyto(t.array, flat[offset:offset + t.array.size].reshape(t.array.shape))
            offset += t.array.size
