"""Data-parallel training over MPI: samples per second of the Fashion-MNIST-shaped MLP
(784-256-128-10, ReLU, softmax cross-entropy, global batch 128, float32, SGD) and of the CNN
of `graphgrad train --model cnn` (conv 32 → pool → conv 64 → pool → 128 → 10) on random data
of that shape, for

    1 rank × 1 BLAS thread, 1 rank × 2 threads, 2 ranks × 1 thread (gg.distributed, mpiexec),

each measured in its own processes (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set per run),
and 1 rank × 1 thread on half the batch (what each of 2 ranks computes, alone: the bound on
what 2 ranks can reach with free communication), the four alternated over several rounds and
the best of each kept. Then the Allreduce alone:
its time per step for the model's 0.94 MB of gradients, the α + β·bytes fit of MPI_Allreduce
between 2 ranks, and a sweep of DistributedDataParallel's bucket size (time per step spent
starting and waiting for the all-reduces, and the whole step), and the best bucket size.

Run: python -m bench distributed [--quick]   (needs mpi4py and mpiexec: graphgrad[distributed])
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIZES = (784, 256, 128, 10)
BATCH = 128
ROOT = Path(__file__).resolve().parent.parent


def _mpiexec():
    here = Path(sys.executable).parent / "mpiexec"
    return str(here) if here.exists() else shutil.which("mpiexec")


def _launch(ranks, threads, args, timeout=300):
    """Run this module's worker in `ranks` processes with `threads` BLAS threads each; the JSON
    that rank 0 prints."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT / "src") + os.pathsep + str(ROOT))
    command = [sys.executable, "-m", "bench.bench_distributed", "--worker", *args]
    if ranks > 1:
        command = [_mpiexec(), "-n", str(ranks), *command]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout,
                         cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the workers
def _model(name):
    import graphgrad as gg
    if name == "cnn":
        return gg.nn.ConvNet((1, 28, 28), SIZES[-1], generator=0)
    return gg.nn.MLP(SIZES, generator=0)


def _train_worker(name, steps, repeat, bucket_mb, batch):
    """Best time of `steps` training steps of the model `name` (global batch `batch` split over
    the ranks)."""
    import graphgrad as gg
    dist = gg.distributed
    dist.init()
    rank, world = dist.rank(), dist.world_size()
    rng = np.random.default_rng(0)
    n = batch * steps
    x = rng.random((n, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], n)
    model = _model(name)
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=bucket_mb)
    opt = gg.optim.SGD(model.parameters(), lr=0.05)
    loader = dist.ShardedLoader(gg.data.TensorDataset(x, y), batch_size=batch, shuffle=True,
                                seed=0)
    loss_fn = loader.loss(gg.nn.functional.cross_entropy)

    def epoch():
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(ddp(xb), yb).backward()
            opt.step()
    epoch()                                              # warm-up
    best, comm = float("inf"), None
    for _ in range(repeat):
        dist.barrier()
        before = ddp.comm_seconds
        start = time.perf_counter()
        epoch()
        elapsed = time.perf_counter() - start
        if elapsed < best:
            best, comm = elapsed, ddp.comm_seconds - before
    result = {"samples_per_s": n / best, "step_ms": 1e3 * best / steps,
              "comm_ms": 1e3 * comm / steps, "world": world,
              "buckets": len(ddp.reducer.buckets) if ddp.reducer else 0,
              "parameters": sum(p.array.size for p in model.parameters())}
    if rank == 0:
        print(json.dumps(result), flush=True)


def _allreduce_worker(repeat):
    """Best time of MPI_Allreduce (in place, float32 sum) for sizes from 4 KB to 16 MB."""
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    times = {}
    for nbytes in (4 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20):
        buffer = np.ones(nbytes // 4, np.float32)
        best = float("inf")
        for _ in range(repeat):
            comm.Barrier()
            start = time.perf_counter()
            comm.Allreduce(MPI.IN_PLACE, buffer)
            best = min(best, time.perf_counter() - start)
        times[nbytes] = best
    if comm.Get_rank() == 0:
        print(json.dumps(times), flush=True)


# ----------------------------------------------------------------------------- the table
def _fit_alpha_beta(times):
    """t = α + β·bytes by least squares on the relative errors (each size counts alike)."""
    sizes = np.array([float(k) for k in times])
    t = np.array(list(times.values()))
    beta, alpha = np.polyfit(sizes, t, 1, w=1 / t)
    return alpha, beta


#: name → (ranks, BLAS threads, global batch); the last is what each of 2 ranks computes, alone
RUNS = {"1 rank × 1 thread": (1, 1, BATCH), "1 rank × 2 threads": (1, 2, BATCH),
        "2 ranks × 1 thread": (2, 1, BATCH), "half batch, 1 × 1": (1, 1, BATCH // 2)}


def _throughput(name, steps, rounds, repeat):
    """The three runs of the model, alternated over `rounds` (the machine is shared), the best
    of each kept; prints their table."""
    best = {}
    for _ in range(rounds):
        for run, (ranks, threads, batch) in RUNS.items():
            result = _launch(ranks, threads, ["train", name, str(steps), str(repeat), "25",
                                              str(batch)])
            if run not in best or result["samples_per_s"] > best[run]["samples_per_s"]:
                best[run] = result
    n_params = best[run]["parameters"]
    what = "MLP " + "-".join(map(str, SIZES)) if name == "mlp" else \
        "CNN conv 32 → pool → conv 64 → pool → 128 → 10 on 28×28"
    print(f"{what} ({n_params:,} parameters, {4 * n_params / 1e6:.2f} MB of gradients), "
          f"global batch {BATCH}, random data; best of {rounds} alternated rounds × {repeat} "
          f"epochs of {steps} steps")
    print(f"{'run':<22}{'samples/s':>11}{'ms/step':>10}{'all-reduce + wait ms/step':>27}")
    for run, r in best.items():
        print(f"{run:<22}{r['samples_per_s']:>11,.0f}{r['step_ms']:>10.2f}"
              f"{r['comm_ms'] if r['world'] > 1 else 0:>27.3f}")
    base, two_threads, dp, half = (best[k] for k in RUNS)
    print(f"2 ranks × 1 thread: {dp['samples_per_s'] / base['samples_per_s']:.2f}× 1 rank × 1 "
          f"thread (target ≥ 1.7), {dp['samples_per_s'] / two_threads['samples_per_s']:.2f}× "
          f"1 rank × 2 threads (target ≥ 0.95); with no communication and no contention at all "
          f"2 ranks could reach {base['step_ms'] / half['step_ms']:.2f}× and "
          f"{two_threads['step_ms'] / half['step_ms']:.2f}× (a rank's half batch alone)\n")
    return n_params


def _allreduce_table(repeat, n_params):
    times = _launch(2, 1, ["allreduce", str(repeat)])
    times = {int(k): v for k, v in times.items()}
    alpha, beta = _fit_alpha_beta(times)
    print(f"MPI_Allreduce between 2 ranks (float32 sum, in place), best of {repeat}:")
    for nbytes, t in times.items():
        print(f"  {nbytes / 1024:>8,.0f} KB  {1e6 * t:>9.1f} µs   model α + β·bytes: "
              f"{1e6 * (alpha + beta * nbytes):>9.1f} µs")
    print(f"  α = {1e6 * alpha:.1f} µs, β = {1e9 * beta:.3f} ns/byte "
          f"({1 / beta / 1e9:.2f} GB/s); the MLP's gradients: "
          f"{1e3 * (alpha + beta * 4 * n_params):.3f} ms per step\n")


def _bucket_sweep(steps, repeat):
    """DistributedDataParallel's bucket_cap_mb against the time per step in the all-reduces;
    prints the best."""
    print("Bucket size sweep, MLP, 2 ranks × 1 thread (bucket_cap_mb: ms/step starting and "
          "waiting for the all-reduces, whole step):")
    found = {}
    for cap in (0.05, 0.25, 1.0, 25.0):
        r = found[cap] = _launch(2, 1, ["train", "mlp", str(steps), str(repeat), str(cap),
                                        str(BATCH)])
        buckets = r["buckets"]
        print(f"  {cap:>6g} MB ({buckets} bucket{'s' if buckets > 1 else ''}): "
              f"{r['comm_ms']:.3f} ms all-reduce + wait, "
              f"{r['step_ms']:.2f} ms/step, {r['samples_per_s']:,.0f} samples/s")
    cap = min(found, key=lambda c: found[c]["comm_ms"])
    print(f"  best: bucket_cap_mb = {cap:g} ({found[cap]['buckets']} bucket"
          f"{'s' if found[cap]['buckets'] > 1 else ''}, {found[cap]['comm_ms']:.3f} ms/step)")


def main(quick=False):
    if _mpiexec() is None:
        print("bench distributed: needs mpiexec and mpi4py (pip install 'graphgrad[distributed]')")
        return
    load = os.getloadavg()[0]
    rounds, repeat = (1, 2) if quick else (3, 3)
    n_params = _throughput("mlp", 20 if quick else 100, rounds, repeat)
    _throughput("cnn", 3 if quick else 10, rounds, 2)
    _allreduce_table(5 if quick else 30, n_params)
    _bucket_sweep(20 if quick else 100, repeat)
    print(f"{os.cpu_count()} cores, load average {load:.1f} before, {os.getloadavg()[0]:.1f} "
          "after (others' processes share the cores)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        kind, *rest = sys.argv[2:]
        if kind == "train":
            _train_worker(rest[0], int(rest[1]), int(rest[2]), float(rest[3]), int(rest[4]))
        else:
            _allreduce_worker(int(rest[0]))
    else:
        main(quick="--quick" in sys.argv)
