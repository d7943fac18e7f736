"""gg.distributed in real MPI jobs: `mpiexec -n 2` in a subprocess, with a timeout (skipped
where mpiexec or mpi4py is missing). Collectives against closed forms, DistributedDataParallel's
gradients against one process's on the same global batch, `graphgrad train --distributed`
against the single-process run, and faults: a raising, a killed, a stuck rank and ranks that
disagree all end the job quickly with a message naming the rank."""
import json
import re
import sys
import time

import numpy as np

import graphgrad as gg


def _results(folder):
    """What each rank wrote to rank<r>.json, by rank."""
    found = [json.loads(p.read_text()) for p in sorted(folder.glob("rank*.json"))]
    return {d["rank"]: d for d in found}


def test_all_reduce_broadcast_barrier_values(mpi):
    done = mpi.script(2, """
        import json, numpy as np, graphgrad as gg
        D = gg.distributed
        D.init()
        r, n = D.rank(), D.world_size()
        out = {"rank": r, "world": n}
        for op in ("sum", "mean", "max", "min", "prod"):
            t = gg.tensor([1.0, -2.0, 3.0]) * (r + 2)
            v0 = t._version
            D.all_reduce(t, op=op)
            out[op] = t.tolist()
            out["bumped"] = t._version > v0
        strided = np.arange(12.0).reshape(3, 4)[:, ::2] * (r + 1)   # not contiguous
        D.all_reduce(strided)
        out["strided"] = strided.tolist()
        ints = gg.tensor([r + 1, 10])
        D.all_reduce(ints, op="max")
        out["ints"] = ints.tolist()
        try:
            D.all_reduce(gg.tensor([1, 2]), op="mean")
        except TypeError as e:
            out["int_mean"] = str(e)
        b = gg.tensor([float(r)] * 3)
        D.broadcast(b, src=1)
        out["broadcast"] = b.tolist()
        D.barrier()
        open(f"rank{r}.json", "w").write(json.dumps(out))
    """)
    assert done.returncode == 0, done.stderr
    ranks = _results(mpi.tmp_path)
    assert set(ranks) == {0, 1}
    base = np.array([1.0, -2.0, 3.0])
    for r in ranks.values():
        assert r["world"] == 2
        np.testing.assert_allclose(r["sum"], base * 2 + base * 3)
        np.testing.assert_allclose(r["mean"], (base * 2 + base * 3) / 2)
        np.testing.assert_allclose(r["max"], np.maximum(base * 2, base * 3))
        np.testing.assert_allclose(r["min"], np.minimum(base * 2, base * 3))
        np.testing.assert_allclose(r["prod"], base * 2 * base * 3)
        assert r["bumped"]
        np.testing.assert_allclose(r["strided"], np.arange(12.0).reshape(3, 4)[:, ::2] * 3)
        assert r["ints"] == [2, 10]
        assert "floating-point" in r["int_mean"]
        assert r["broadcast"] == [1.0, 1.0, 1.0]


DDP_JOB = """
    import json, numpy as np, graphgrad as gg
    D = gg.distributed
    D.init()
    r, n = D.rank(), D.world_size()
    F = gg.nn.functional
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 6)).astype(np.float32)      # 7 rows: rank 0 gets 3, rank 1 gets 4
    Y = rng.integers(0, 4, 7)
    model = gg.nn.Sequential(gg.nn.Linear(6, 5, generator=r), gg.nn.Tanh(),
                             gg.nn.Linear(5, 4, generator=10 + r))   # different on each rank
    ddp = D.DistributedDataParallel(model, bucket_cap_mb=60 / 2**20)   # 60 bytes: 4 buckets
    ref = gg.nn.Sequential(gg.nn.Linear(6, 5, generator=0), gg.nn.Tanh(),
                           gg.nn.Linear(5, 4, generator=10))          # rank 0's, one process
    out = {"rank": r, "buckets": len(ddp.reducer.buckets),
           "keys": sorted(ddp.state_dict()), "is_module": ddp.module is model,
           "same_start": all(np.array_equal(p.array, q.array)
                             for p, q in zip(model.parameters(), ref.parameters()))}
    lo, hi = D.shard_bounds(7, r, n)
    weight = n * (hi - lo) / 7                           # the rank's share of the global batch
    (F.cross_entropy(ddp(gg.tensor(X[lo:hi])), gg.tensor(Y[lo:hi])) * weight).backward()
    F.cross_entropy(ref(gg.tensor(X)), gg.tensor(Y)).backward()
    out["grad_error"] = max(float(np.abs(p.grad.array - q.grad.array).max())
                            for p, q in zip(model.parameters(), ref.parameters()))
    # .grad is laid out like its parameter (Linear's weight is column-major), and its memory
    # is its own: a later backward does not write into the gradients it handed out
    out["same_layout"] = all(p.grad.array.strides == p.array.strides
                             for p in model.parameters())
    held = [(p.grad, p.grad.array.copy()) for p in model.parameters()]
    step = lambda: (F.cross_entropy(ddp(gg.tensor(X[lo:hi])), gg.tensor(Y[lo:hi])) *
                    weight).backward()
    model.zero_grad()
    step()
    out["held_kept"] = all(np.array_equal(g.array, kept) for g, kept in held)
    step()                                               # accumulates: twice the mean
    out["accumulated_error"] = max(float(np.abs(p.grad.array - 2 * kept).max())
                                   for p, (_, kept) in zip(model.parameters(), held))
    # buffers: each rank's BatchNorm statistics are its own, rank 0's are broadcast before
    # every forward (PyTorch's broadcast_buffers=True)
    bn = gg.nn.BatchNorm1d(6, momentum=0.5)
    bn_ddp = D.DistributedDataParallel(bn)
    first, second = X[:3] + r, X[3:] * (r + 1)
    bn_ddp(gg.tensor(first))
    out["bn_after_one"] = bn.running_mean.tolist()
    bn_ddp(gg.tensor(second))
    out["bn_after_two"] = bn.running_mean.tolist()
    out["bn_expected"] = (0.25 * X[:3].mean(0) + 0.5 * second.mean(0)).tolist()
    open(f"rank{r}.json", "w").write(json.dumps(out))
"""


def test_ddp_gradients_equal_the_single_process_gradient_of_the_global_batch(mpi):
    done = mpi.script(2, DDP_JOB)
    assert done.returncode == 0, done.stderr
    ranks = _results(mpi.tmp_path)
    assert set(ranks) == {0, 1}
    for r in ranks.values():
        assert r["same_start"]                   # parameters broadcast from rank 0
        assert r["buckets"] == 4                 # one Allreduce per bucket, not per tensor
        assert r["is_module"]
        assert r["keys"] == ["module.0.bias", "module.0.weight", "module.2.bias",
                             "module.2.weight"]
        assert r["grad_error"] < 1e-6
        assert r["same_layout"] and r["held_kept"] and r["accumulated_error"] < 1e-6
        np.testing.assert_allclose(r["bn_after_two"], r["bn_expected"], rtol=1e-5, atol=1e-6)
    assert ranks[0]["bn_after_one"] != ranks[1]["bn_after_one"]      # kept per rank


def test_no_sync_accumulates_locally_then_averages_the_sum_and_unused_parameters_are_named(
        mpi):
    done = mpi.script(2, """
        import json, numpy as np, graphgrad as gg
        D = gg.distributed
        D.init()
        r = D.rank()
        w = gg.nn.Linear(3, 1, bias=False)
        ddp = D.DistributedDataParallel(w)
        x = gg.tensor([[1.0, 2.0, 3.0]]) * (r + 1)
        with ddp.no_sync():
            ddp(x).sum().backward()
        local = w.weight.grad.tolist()
        ddp(x * 10).sum().backward()
        out = {"rank": r, "local": local, "synced": w.weight.grad.tolist()}
        two = gg.nn.ModuleDict({"used": gg.nn.Linear(3, 1), "unused": gg.nn.Linear(3, 1)})
        two.forward = lambda x: two["used"](x)
        ddp2 = D.DistributedDataParallel(two)
        ddp2(x).sum().backward()         # "unused" gets no gradient: the reduction waits
        try:
            ddp2(x)
        except D.DistributedError as e:
            out["unfinished"] = str(e)
        open(f"rank{r}.json", "w").write(json.dumps(out))
    """)
    assert done.returncode == 0, done.stderr
    ranks = _results(mpi.tmp_path)
    base = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(ranks[0]["local"], base)         # no_sync: rank's own only
    np.testing.assert_allclose(ranks[1]["local"], 2 * base)
    expected = (11 * base + 22 * base) / 2                       # mean of the accumulated sums
    for r in ranks.values():
        np.testing.assert_allclose(r["synced"], expected, rtol=1e-6)
        assert "gave no gradient to unused.weight, unused.bias" in r["unfinished"]


def test_sync_batch_norm_gives_the_global_batch_statistics_and_gradients(mpi):
    """SyncBatchNorm (converted from BatchNorm2d/1d) on 2 ranks with uneven shares (3 and 4
    rows) equals plain BatchNorm on the whole batch in one process: outputs, gradients (after
    DistributedDataParallel) and running statistics, in float64."""
    done = mpi.script(2, """
        import json, numpy as np, graphgrad as gg
        D, nn = gg.distributed, gg.nn
        D.init()
        r, n = D.rank(), D.world_size()
        rng = np.random.default_rng(1)
        X = rng.normal(size=(7, 2, 4, 4)) * 3 + 1
        Y = rng.integers(0, 4, 7)

        def model():
            return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, dtype=np.float64, generator=0),
                                 nn.BatchNorm2d(3, dtype=np.float64), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(48, 4, dtype=np.float64, generator=1),
                                 nn.BatchNorm1d(4, momentum=None, dtype=np.float64))
        synced = D.SyncBatchNorm.convert_sync_batchnorm(model())
        ddp = D.DistributedDataParallel(synced)
        ref = model()
        lo, hi = D.shard_bounds(7, r, n)
        for step in range(2):
            for m in (synced, ref):
                m.zero_grad()
            out = ddp(gg.tensor(X[lo:hi]))
            (nn.functional.cross_entropy(out, gg.tensor(Y[lo:hi])) * (n * (hi - lo) / 7)
             ).backward()
            whole = ref(gg.tensor(X))
            nn.functional.cross_entropy(whole, gg.tensor(Y)).backward()
        result = {"rank": r, "kinds": [type(m).__name__ for m in synced],
                  "out": float(np.abs(out.array - whole.array[lo:hi]).max()),
                  "grads": max(float(np.abs(p.grad.array - q.grad.array).max())
                               for p, q in zip(synced.parameters(), ref.parameters())),
                  "stats": max(float(np.abs(a.array - b.array).max())
                               for a, b in zip(synced.buffers(), ref.buffers()))}
        open(f"rank{r}.json", "w").write(json.dumps(result))
    """)
    assert done.returncode == 0, done.stderr
    ranks = _results(mpi.tmp_path)
    assert set(ranks) == {0, 1}
    for r in ranks.values():
        assert r["kinds"] == ["Conv2d", "SyncBatchNorm", "ReLU", "Flatten", "Linear",
                              "SyncBatchNorm"]
        assert r["out"] < 1e-12 and r["grads"] < 1e-12 and r["stats"] < 1e-12, r


def _weights(path):
    state = gg.load(path)["model"]
    return {k: np.asarray(v.array, np.float64) for k, v in state.items()}


def _close(a, b, rtol=1e-5):
    assert a.keys() == b.keys()
    for k in a:
        err = np.linalg.norm(a[k] - b[k]) / np.linalg.norm(a[k])
        assert err <= rtol, (k, err)


TRAIN = [sys.executable, "-m", "graphgrad", "train", "--epochs", "2", "--schedule", "none",
         "--no-plots"]


def _one_and_two_ranks(mpi, tmp_path, *options):
    """`graphgrad train` in one process and on 2 ranks (--distributed): the same weights
    (≤ 1e-5 relative), test accuracy (±0.2 points) and history; only rank 0 prints."""
    one = mpi(1, *TRAIN, *options, "--out", "one")
    two = mpi(2, *TRAIN, *options, "--distributed", "--out", "two")
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    assert two.stdout.count("test accuracy") == 1
    assert "2 ranks" in two.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["one", "two"]
    _close(_weights(tmp_path / "one/checkpoint.ckpt"), _weights(tmp_path / "two/checkpoint.ckpt"))
    m1 = json.loads((tmp_path / "one/metrics.json").read_text())
    m2 = json.loads((tmp_path / "two/metrics.json").read_text())
    assert abs(m1["test_accuracy"] - m2["test_accuracy"]) <= 0.002
    # the reported training loss is the global batch's (summed over the ranks)
    np.testing.assert_allclose(m1["history"]["loss"], m2["history"]["loss"], rtol=1e-5)
    np.testing.assert_allclose(m1["history"]["accuracy"], m2["history"]["accuracy"])


def test_train_on_two_ranks_equals_one_process_and_resumes_on_any_number(mpi, tmp_path):
    _one_and_two_ranks(mpi, tmp_path)
    # a checkpoint resumes on another number of ranks: 1 → 2 and 2 → 1 ranks agree
    resume = [sys.executable, "-m", "graphgrad", "train", "--epochs", "3", "--no-plots"]
    a = mpi(2, *resume, "--distributed", "--resume", "one/checkpoint.ckpt", "--out", "one_on_2")
    b = mpi(1, *resume, "--resume", "two/checkpoint.ckpt", "--out", "two_on_1")
    assert a.returncode == 0, a.stderr
    assert b.returncode == 0, b.stderr
    _close(_weights(tmp_path / "one_on_2/checkpoint.ckpt"),
           _weights(tmp_path / "two_on_1/checkpoint.ckpt"))


def test_the_cnn_on_two_ranks_equals_one_process(mpi, tmp_path):
    # an odd batch: the ranks' shares differ (15 and 16 rows), so their losses are weighted
    _one_and_two_ranks(mpi, tmp_path, "--model", "cnn", "--hidden", "32", "--batch-size", "31")


def _assert_quick_abort(done, began, rank, *phrases):
    took = time.perf_counter() - began
    assert done.returncode != 0
    assert took < 20, took
    text = done.stdout + done.stderr
    for phrase in phrases:
        assert phrase in text, text


def test_a_raising_rank_aborts_the_job_and_is_named(mpi):
    began = time.perf_counter()
    done = mpi.script(2, """
        import numpy as np, graphgrad as gg
        D = gg.distributed
        D.init()
        if D.rank() == 1:
            raise ValueError("rank one broke")
        D.all_reduce(np.ones(3))       # would wait for rank 1 forever
        D.barrier()
    """, timeout=40)
    _assert_quick_abort(done, began, 1, "rank 1 of 2 failed", "rank one broke")


def test_a_killed_rank_ends_the_job_quickly(mpi):
    began = time.perf_counter()
    done = mpi.script(2, """
        import os, signal, numpy as np, graphgrad as gg
        D = gg.distributed
        D.init()
        if D.rank() == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        D.all_reduce(np.ones(3))
        D.barrier()
    """, timeout=40)
    _assert_quick_abort(done, began, 1, "BAD TERMINATION", "signal 9")
    # MPICH's launcher names a dead process by its PID (the killed one, or under load the rank
    # it then killed itself: the report is a race); init()'s map says which rank that is
    pid = re.search(r"PID (\d+) RUNNING AT", done.stdout + done.stderr).group(1)
    assert re.search(rf"rank [01] = PID {pid} on ", done.stderr)


def test_a_stuck_rank_makes_the_others_time_out_with_the_operation_named(mpi):
    began = time.perf_counter()
    done = mpi.script(2, """
        import time, numpy as np, graphgrad as gg
        D = gg.distributed
        D.init(timeout=1.5)
        if D.rank() == 1:
            time.sleep(30)
        D.all_reduce(np.ones(3))
    """, timeout=40)
    _assert_quick_abort(done, began, 0, "all_reduce('sum') of (3,) float64 on rank 0 of 2",
                        "did not complete within 1.5 s", "DistributedTimeout")


def test_a_rank_that_exits_early_makes_the_others_stop_within_seconds(mpi):
    began = time.perf_counter()
    done = mpi.script(2, """
        import sys, numpy as np, graphgrad as gg
        D = gg.distributed
        D.init()                       # the default timeout: 1800 s
        if D.rank() == 1:
            sys.exit(3)
        D.all_reduce(np.ones(3))
    """, timeout=40)
    _assert_quick_abort(done, began, 0, "all_reduce('sum') of (3,) float64 on rank 0 of 2 "
                        "cannot complete: rank 1 left the job", "rank 0 of 2 failed")


def test_a_rank_that_exits_before_init_ends_the_job_after_the_start_up_limit(mpi):
    began = time.perf_counter()
    done = mpi.script(2, """
        import os, sys
        if os.environ["PMI_RANK"] == "1":
            sys.exit(2)                # never joins: rank 0 would wait in MPI_Init for ever
        import graphgrad as gg
        gg.distributed.init()
    """, timeout=40, env=mpi.env(GRAPHGRAD_DIST_INIT_TIMEOUT="2"))
    _assert_quick_abort(done, began, 0, "rank 0 of 2 (PID", "waited 2 s in MPI_Init")


def test_a_rank_that_refuses_its_options_stops_the_job(mpi):
    train = [sys.executable, "-m", "graphgrad", "train", "--distributed", "--no-plots"]
    began = time.perf_counter()
    done = mpi(1, *train, "--epochs", "1", mpmd=[[*train, "--epochs", "0"]], timeout=40)
    _assert_quick_abort(done, began, 0, "argument --epochs: must be a whole number >= 1",
                        "the comparison of the run's options on rank 0 of 2 cannot complete: "
                        "rank 1 left the job")


def test_ranks_with_different_seeds_are_refused_at_start_up(mpi):
    train = [sys.executable, "-m", "graphgrad", "train", "--distributed", "--epochs", "1",
             "--no-plots"]
    began = time.perf_counter()
    done = mpi(1, *train, "--seed", "0", mpmd=[[*train, "--seed", "1"]], timeout=40)
    _assert_quick_abort(done, began, 0, "the ranks disagree on the run's options",
                        "seed=0", "seed=1")


def test_ranks_with_different_models_or_data_are_refused_by_ddp_and_check_same(mpi):
    done = mpi.script(2, """
        import json, numpy as np, graphgrad as gg
        D = gg.distributed
        D.init()
        r = D.rank()
        out = {"rank": r}
        try:
            D.DistributedDataParallel(gg.nn.Linear(3, 2 + r))
        except D.DistributedError as e:
            out["model"] = str(e)
        D.check_same("the data", np.arange(4.0))
        try:
            D.check_same("the data", np.arange(4.0) + (r == 1) * 1e-7)
        except D.DistributedError as e:
            out["data"] = str(e)
        open(f"rank{r}.json", "w").write(json.dumps(out))
    """)
    assert done.returncode == 0, done.stderr
    ranks = _results(mpi.tmp_path)
    assert set(ranks) == {0, 1}
    for r in ranks.values():
        assert "the ranks disagree on the model's parameters" in r["model"]
        assert re.search(r"disagree on the data \(rank 0: [0-9a-f]{12}; rank 1: [0-9a-f]{12}\)",
                         r["data"]), r["data"]


def test_the_benchmark_runs_two_ranks(mpi):
    from bench import bench_distributed
    result = bench_distributed._launch(2, 1, ["train", "mlp", "4", "1", "25", "128"],
                                        timeout=60)
    assert result["world"] == 2 and result["samples_per_s"] > 0
    assert 0 <= result["comm_ms"] <= result["step_ms"] and result["buckets"] == 1
