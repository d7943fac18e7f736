"""The process group: MPI_COMM_WORLD through mpi4py, or one process on its own.

A job of several processes started by an MPI launcher (``mpiexec``, ``srun``) is recognised by
the variables the launcher sets (PMI_SIZE, OMPI_COMM_WORLD_SIZE, PMIX_SIZE, SLURM_NTASKS > 1);
only then is mpi4py imported. Anything else is a group of one (rank 0, world size 1), in which
every collective is the identity, so code written for N processes runs unchanged in one,
without MPI.

Collectives are started non-blocking (MPI_Iallreduce, MPI_Ibcast, ...) and waited for with a
deadline (``init(timeout=)``): a peer that never arrives raises ``DistributedTimeout`` naming
the operation instead of hanging, and one that has exited makes it fail within seconds
(peers.py). With world size > 1, ``init`` also makes an uncaught exception in any rank end the
whole job (MPI_Abort) after printing it with the rank's number.
"""
import atexit
import hashlib
import os
import sys
import time

import numpy as np

from ..tensor import Tensor
from ..utils.data.distributed import launcher_world
from . import peers

#: Default deadline of a collective, in seconds (PyTorch's default process-group timeout).
DEFAULT_TIMEOUT = 1800.0
#: Default limit, in seconds, on the wait in MPI_Init for every rank to start.
DEFAULT_INIT_TIMEOUT = 120.0


class DistributedError(RuntimeError):
    """A distributed job cannot go on: ranks disagree, or a collective was misused."""


class DistributedTimeout(DistributedError, TimeoutError):
    """A collective did not complete within the timeout (a peer died or hangs)."""


class _Group:
    __slots__ = ("comm", "MPI", "rank", "size", "timeout", "notices")

    def __init__(self):
        self.comm = self.MPI = self.notices = None
        self.rank, self.size, self.timeout = 0, 1, DEFAULT_TIMEOUT


_group = None


def launched_by_mpi(environ=None):
    """Whether this process is one of several started by an MPI launcher (mpiexec, mpirun,
    srun); `mpiexec -n 1` is a group of one, without MPI."""
    world = launcher_world(environ)
    return world is not None and world[1] > 1


def init(timeout=None, abort_on_error=True):
    """Join the job's process group (idempotent). Under an MPI launcher, MPI_COMM_WORLD via
    mpi4py; otherwise one process (rank 0 of 1), without MPI. timeout: seconds a collective
    may wait (default GRAPHGRAD_DIST_TIMEOUT, else 1800); MPI_Init itself waits at most
    min(timeout, GRAPHGRAD_DIST_INIT_TIMEOUT or 120) s for the other ranks to start.
    abort_on_error: with several ranks, an uncaught exception prints its traceback with the
    rank and calls MPI_Abort, so the other ranks stop instead of waiting in their next
    collective."""
    global _group
    if _group is not None:
        if timeout is not None:
            _group.timeout = float(timeout)
        return
    if timeout is None:
        timeout = float(os.environ.get("GRAPHGRAD_DIST_TIMEOUT", DEFAULT_TIMEOUT))
    group = _Group()
    group.timeout = float(timeout)
    if launched_by_mpi():
        MPI = _start_mpi(min(group.timeout, float(os.environ.get(
            "GRAPHGRAD_DIST_INIT_TIMEOUT", DEFAULT_INIT_TIMEOUT))))
        group.MPI, group.comm = MPI, MPI.COMM_WORLD
        group.rank, group.size = group.comm.Get_rank(), group.comm.Get_size()
        expected = launcher_world()[1]
        if group.size != expected:
            raise DistributedError(
                f"the launcher started {expected} processes but MPI sees a world of "
                f"{group.size}: this MPI library cannot talk to the launcher (under Slurm use "
                "`srun --mpi=pmi2` or `--mpi=pmix` as your MPI was built, or mpiexec)")
    _group = group
    if group.size > 1:
        group.notices = peers.Notices(group.MPI, group.comm.Dup())
        atexit.register(group.notices.announce)
        _announce(group)
        if abort_on_error:
            _install_excepthook(group)


def _start_mpi(limit):
    """mpi4py's MPI module, whose import runs MPI_Init: within `limit` seconds, or a watchdog
    ends the job with a message (a rank that never starts would leave us there for ever)."""
    if "mpi4py.MPI" in sys.modules:      # the user's script initialised MPI already
        return sys.modules["mpi4py.MPI"]
    watchdog = peers.start_watchdog(limit, *launcher_world())
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise DistributedError(
            "this process was started by an MPI launcher but mpi4py cannot be imported "
            f"({e}): pip install 'graphgrad[distributed]'") from None
    finally:
        peers.stop_watchdog(watchdog)
    return MPI


def is_initialized():
    """Whether init() has been called in this process."""
    return _group is not None


def _get(who):
    if _group is None:
        raise DistributedError(f"gg.distributed.{who}: the process group is not initialized; "
                               "call gg.distributed.init() first")
    return _group


def rank():
    """This process's number in the job, 0 … world_size() − 1."""
    return _get("rank").rank


def world_size():
    """The number of processes in the job."""
    return _get("world_size").size


def _announce(group):
    """Rank 0 prints which process each rank is (stderr, one line): when a rank is killed,
    the launcher names only its PID."""
    import socket
    places = group.comm.gather((os.getpid(), socket.gethostname()), root=0)
    if group.rank == 0:
        where = ", ".join(f"rank {r} = PID {pid} on {host}" for r, (pid, host) in
                          enumerate(places))
        print(f"graphgrad.distributed: {group.size} ranks: {where}", file=sys.stderr,
              flush=True)


def _install_excepthook(group):
    previous = sys.excepthook

    def abort(kind, value, traceback):
        sys.stderr.write(f"\ngraphgrad.distributed: rank {group.rank} of {group.size} failed; "
                         "aborting the job (MPI_Abort)\n")
        previous(kind, value, traceback)
        _abort_job(group, 1)
    sys.excepthook = abort


def _abort_job(group, status):
    """MPI_Abort, once what this rank printed has had time to pass through the launcher (it
    forwards the ranks' output, and would drop the last lines as it tears the job down)."""
    sys.stdout.flush()
    sys.stderr.flush()
    time.sleep(0.5)
    group.comm.Abort(status)


def abort(message=None, status=1):
    """End every process of the job (MPI_Abort with `status`) after printing message, tagged
    with this rank; in a group of one, exit with status."""
    group = _group or _Group()
    sys.stdout.flush()
    if message:
        print(f"{message} [rank {group.rank} of {group.size}]", file=sys.stderr, flush=True)
    if group.comm is not None and group.size > 1:
        _abort_job(group, status)
    sys.exit(status)


def wait(request, what, group=None):
    """Complete a non-blocking MPI request, raising DistributedTimeout after the group's
    timeout. Polls MPI_Test (a blocking MPI_Wait would spin as well), yielding the core after
    the first polls (on a busy machine the rank it waits for may need it) and sleeping 0.1 ms
    between polls once the wait has lasted 10 ms."""
    group = group or _group
    if request.Test():
        return
    began = time.perf_counter()
    deadline, spins, gone = began + group.timeout, 0, None
    while not request.Test():
        spins += 1
        if spins < 64:
            continue
        os.sched_yield()
        if spins % 64 == 0:
            now = time.perf_counter()
            if now > deadline:
                if gone:
                    raise DistributedError(
                        f"gg.distributed: {what} on rank {group.rank} of {group.size} cannot "
                        f"complete: {_ranks(gone)} left the job (the process exited)")
                raise DistributedTimeout(
                    f"gg.distributed: {what} on rank {group.rank} of {group.size} did not "
                    f"complete within {group.timeout:g} s: another rank has died or is stuck")
            if gone is None and group.notices is not None and group.notices.poll():
                gone = list(group.notices.left)
                deadline = min(deadline, now + peers.GRACE)
            if now - began > 1e-2:
                time.sleep(1e-4)


def _ranks(ranks):
    return ("rank " if len(ranks) == 1 else "ranks ") + ", ".join(map(str, ranks))


# ------------------------------------------------------------------------------ collectives
_OPS = {"sum": "SUM", "mean": "SUM", "avg": "SUM", "max": "MAX", "min": "MIN", "prod": "PROD",
        "product": "PROD"}


def _array_of(tensor, who):
    if isinstance(tensor, Tensor):
        return tensor.array
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"gg.distributed.{who}: expected a Tensor or an ndarray, got "
                    f"{type(tensor).__name__}")


def all_reduce(tensor, op="sum"):
    """Reduce tensor over all ranks, in place (as torch.distributed.all_reduce): every rank ends
    with Σ_r x_r ('sum'), (1/N) Σ_r x_r ('mean'), max_r x_r ('max'), or 'min', 'prod'."""
    group = _get("all_reduce")
    key = str(op).lower()
    if key not in _OPS:
        raise ValueError(f"gg.distributed.all_reduce: op must be one of {', '.join(_OPS)}, "
                         f"got {op!r}")
    array = _array_of(tensor, "all_reduce")
    if key in ("mean", "avg") and array.dtype.kind not in "fc":
        raise TypeError(f"gg.distributed.all_reduce: op={op!r} needs a floating-point tensor, "
                        f"got {array.dtype}")
    if group.size > 1:
        buffer = array if array.flags.c_contiguous else np.ascontiguousarray(array)
        MPI = group.MPI
        wait(group.comm.Iallreduce(MPI.IN_PLACE, buffer, op=getattr(MPI, _OPS[key])),
             f"all_reduce({op!r}) of {array.shape} {array.dtype}", group)
        if buffer is not array:
            array[...] = buffer
    if key in ("mean", "avg") and group.size > 1:
        np.divide(array, group.size, out=array)
    _bump(tensor)


def broadcast(tensor, src=0):
    """Copy rank src's tensor into every rank's tensor, in place (torch.distributed.broadcast)."""
    group = _get("broadcast")
    if not (0 <= int(src) < group.size):
        raise ValueError(f"gg.distributed.broadcast: src={src} is not a rank of a world of "
                         f"{group.size}")
    array = _array_of(tensor, "broadcast")
    if group.size > 1:
        buffer = array if array.flags.c_contiguous else np.ascontiguousarray(array)
        wait(group.comm.Ibcast(buffer, root=int(src)),
             f"broadcast from rank {src} of {array.shape} {array.dtype}", group)
        if buffer is not array:
            array[...] = buffer
    _bump(tensor)


def barrier():
    """Wait until every rank has reached this point."""
    group = _get("barrier")
    if group.size > 1:
        wait(group.comm.Ibarrier(), "barrier", group)


def _bump(tensor):
    """An in-place change: the tensor's version counter moves, as after add_()."""
    if isinstance(tensor, Tensor):
        tensor._bump_version()


def all_gather_bytes(data, what):
    """Every rank's `data` (bytes of one length, e.g. a digest), as a list by rank."""
    group = _get("all_gather")
    mine = np.frombuffer(bytes(data), np.uint8)
    if group.size == 1:
        return [mine.tobytes()]
    out = np.empty((group.size, mine.size), np.uint8)
    wait(group.comm.Iallgather(mine, out), what, group)
    return [row.tobytes() for row in out]


def fingerprint(*parts):
    """SHA-256 of the parts: arrays and tensors by dtype, shape and bytes, the rest by repr."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Tensor):
            part = part.array
        if isinstance(part, np.ndarray):
            h.update(f"{part.dtype}{part.shape}".encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(repr(part).encode())
    return h.digest()


def check_same(what, *parts, show=None):
    """Raise DistributedError on every rank unless all ranks hold the same `parts` (compared by
    an all-gather of their SHA-256): e.g. the configuration, the data, the initial weights.
    show: a short description of this rank's value, gathered for the message on a mismatch."""
    digests = all_gather_bytes(fingerprint(*parts), f"the comparison of {what}")
    if len(set(digests)) == 1:
        return
    group = _group
    shown = None
    if show is not None and group.comm is not None:
        shown = group.comm.allgather(show if isinstance(show, dict) else _short(show))
        if all(isinstance(x, dict) for x in shown):    # only the entries that differ
            keys = [k for k in dict.fromkeys(k for x in shown for k in x)
                    if len({repr(x.get(k)) for x in shown}) > 1]
            shown = [_short({k: x.get(k) for k in keys}) for x in shown]
    groups = {}
    for r, d in enumerate(digests):
        groups.setdefault(d, []).append(r)
    listing = "; ".join(
        f"rank{'s' if len(ranks) > 1 else ''} {', '.join(map(str, ranks))}: "
        + (shown[ranks[0]] if shown else d.hex()[:12]) for d, ranks in groups.items())
    raise DistributedError(f"gg.distributed: the ranks disagree on {what} ({listing}); every "
                           "rank must start from the same configuration, data and seed")


def _short(value, limit=400):
    if isinstance(value, dict):
        text = ", ".join(f"{k}={v}" for k, v in value.items())
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
