"""Ranks that are gone without MPI saying so: a rank that exits early, or never starts.

MPICH's launcher ends the job when a rank is killed, and ``init`` makes a raising rank call
MPI_Abort; but a rank that merely exits (``sys.exit(2)``, a script that returns early) leaves
the others waiting in their next collective until its timeout, and one that exits before
MPI_Init leaves the others inside MPI_Init for ever. Two guards:

- Exit notices. Each rank posts one receive per peer on a private communicator, and at exit
  sends every peer still there a notice. A rank waiting for a collective polls its notices:
  once a peer has left, the collective gets a grace period (a peer that finished it before
  leaving has already sent its part) and then fails, naming the rank that left.
- A start-up watchdog: a small process that kills this rank, with a message, if MPI_Init has
  not returned within a deadline (MPI_Init holds the GIL, so no thread of ours could).
"""
import os
import subprocess
import sys
import time

import numpy as np

#: Seconds a collective may still take once a peer has left the job.
GRACE = 3.0
_TAG = 0x6767


class Notices:
    """This rank's exit notices on `comm` (a duplicate of the world's communicator)."""

    def __init__(self, MPI, comm):
        self.MPI, self.comm, self.rank = MPI, comm, comm.Get_rank()
        self.left = []                       # ranks known to have exited, in that order
        self.boxes, self.requests = {}, {}
        for peer in range(comm.Get_size()):
            if peer != self.rank:
                self.boxes[peer] = np.zeros(1, np.int64)
                self.requests[peer] = comm.Irecv(self.boxes[peer], source=peer, tag=_TAG)

    def poll(self):
        """The ranks that have announced their exit so far."""
        for peer, request in list(self.requests.items()):
            if request.Test():
                del self.requests[peer]
                self.left.append(peer)
        return self.left

    def announce(self):
        """At exit: tell every peer still here that this rank leaves (a notice of 8 bytes,
        sent eagerly), and withdraw the receives still posted, so MPI_Finalize finds none."""
        if self.MPI.Is_finalized():          # the script called MPI.Finalize() itself
            return
        self.poll()
        sends = [self.comm.Isend(np.array([self.rank], np.int64), dest=peer, tag=_TAG)
                 for peer in self.requests]
        deadline = time.perf_counter() + 1.0
        while sends and time.perf_counter() < deadline:
            sends = [s for s in sends if not s.Test()]
        for request in self.requests.values():
            request.Cancel()
            request.Wait()
        self.requests.clear()


def start_watchdog(seconds, rank, size):
    """A process that prints why and kills this one (SIGKILL: the launcher then ends the whole
    job) unless stop_watchdog is called within `seconds`; it exits by itself if we do. None
    where no Python executable is known (an embedded interpreter)."""
    if not sys.executable:
        return None
    message = (f"\ngraphgrad.distributed: rank {rank} of {size} (PID {os.getpid()}) waited "
               f"{seconds:g} s in MPI_Init for the other ranks to start: one of them has exited "
               "before gg.distributed.init(), or is stuck before it; ending the job "
               "(GRAPHGRAD_DIST_INIT_TIMEOUT sets this limit)\n")
    code = ("import os, sys, time\n"
            "pid, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])\n"
            "while time.monotonic() < end:\n"
            "    time.sleep(0.1)\n"
            "    if os.getppid() != pid:\n"
            "        sys.exit()\n"
            "os.write(2, sys.argv[3].encode())\n"
            "os.kill(pid, 9)\n")
    return subprocess.Popen([sys.executable, "-S", "-I", "-c", code, str(os.getpid()),
                             str(seconds), message], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL)


def stop_watchdog(watchdog):
    if watchdog is not None:
        watchdog.kill()
        watchdog.wait()
